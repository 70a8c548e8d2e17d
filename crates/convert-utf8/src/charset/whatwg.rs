//! WHATWG encodings decoded as browsers and mail readers do, through encoding_rs.
//!
//! Only reached in [`crate::LabelMode::Whatwg`]: there `latin1` means windows-1252 with its 0x80–0x9F
//! punctuation, `gb2312` means GBK, and so on. The byte-order mark is sniffed as the Encoding
//! Standard's "decode" algorithm does.

use crate::charset::{RawDecoder, RawStatus, RawStep};
use crate::error::ErrorKind;
use encoding_rs::{DecoderResult, Encoding};

pub(crate) struct WhatwgDecoder {
    encoding: &'static Encoding,
    inner: encoding_rs::Decoder,
    /// The input ended (a `last` call went through): encoding_rs panics if its decoder is used
    /// again, where every other family answers a further call as a new input.
    finished: bool,
}

impl WhatwgDecoder {
    pub(crate) fn new(encoding: &'static Encoding) -> WhatwgDecoder {
        WhatwgDecoder {
            encoding,
            inner: encoding.new_decoder(),
            finished: false,
        }
    }
}

impl RawDecoder for WhatwgDecoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        if self.finished {
            self.reset();
        }
        // Decode as if more input followed, so that a sequence cut by the end of input is held
        // back instead of being reported as malformed; then finish with no input, where a
        // malformed report can only mean that cut sequence.
        let (result, read, written) = self
            .inner
            .decode_to_utf8_without_replacement(src, dst, false);
        let status = match result {
            DecoderResult::InputEmpty if last => {
                let (end, _, end_written) =
                    self.inner
                        .decode_to_utf8_without_replacement(&[], &mut dst[written..], true);
                let step = self.finish(end);
                self.finished = step == RawStatus::InputEmpty;
                return RawStep {
                    read,
                    written: written + end_written,
                    status: step,
                };
            }
            DecoderResult::InputEmpty => RawStatus::InputEmpty,
            DecoderResult::OutputFull => RawStatus::OutputFull,
            DecoderResult::Malformed(len, consumed_after) => RawStatus::Malformed {
                len: len.clamp(1, crate::error::MAX_BAD_SEQUENCE_LEN as u8),
                consumed_after,
                kind: ErrorKind::Invalid,
            },
        };
        RawStep {
            read,
            written,
            status,
        }
    }

    fn reset(&mut self) {
        self.inner = self.encoding.new_decoder();
        self.finished = false;
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        self.inner
            .max_utf8_buffer_length_without_replacement(src_len)
    }
}

impl WhatwgDecoder {
    /// Status of the final, empty call: a malformed report there is a truncated tail.
    fn finish(&mut self, result: DecoderResult) -> RawStatus {
        match result {
            DecoderResult::InputEmpty => RawStatus::InputEmpty,
            DecoderResult::OutputFull => RawStatus::OutputFull,
            DecoderResult::Malformed(len, _) => RawStatus::Malformed {
                len: len.clamp(1, crate::error::MAX_BAD_SEQUENCE_LEN as u8),
                consumed_after: 0,
                kind: ErrorKind::Truncated,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Charset, DecodeStatus, Decoder, ErrorPolicy, LabelMode};

    /// Found by fuzzing (the streaming target): a call after the input ended panicked inside
    /// encoding_rs ("Must not use a decoder that has finished").
    #[test]
    fn calls_after_the_end_of_input_start_afresh() {
        for label in ["utf-8", "utf-16le", "shift_jis", "iso-2022-jp"] {
            let charset = Charset::for_label_in(label, LabelMode::Whatwg).unwrap();
            let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
            let mut dst = [0u8; 16];
            let first = decoder.decode(b"a\x00", &mut dst, true);
            assert_eq!(first.status, DecodeStatus::InputEmpty, "{label}");
            let again = decoder.decode(b"", &mut dst, true);
            assert_eq!((again.read, again.written), (0, 0), "{label}");
            assert_eq!(again.status, DecodeStatus::InputEmpty, "{label}");
        }
    }
}
