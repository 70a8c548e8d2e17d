//! The Unicode forms: UTF-8, and (to come) UTF-16/32, UCS-2/4 and their byte-order variants.
//!
//! UTF-8 input is validated with a SIMD validator and copied through; bad sequences are reported
//! as their maximal invalid subpart, which is also what glibc's `iconv -c` drops.

use crate::charset::{RawDecoder, RawStep};

/// The decoders of this module, dispatched once per call.
pub(crate) enum UnicodeDecoder {
    Utf8(Utf8Decoder),
}

pub(crate) fn new_decoder(name: &str) -> Option<UnicodeDecoder> {
    match name {
        "UTF-8" => Some(UnicodeDecoder::Utf8(Utf8Decoder::default())),
        _ => None,
    }
}

impl RawDecoder for UnicodeDecoder {
    #[inline]
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        match self {
            UnicodeDecoder::Utf8(d) => d.decode_raw(src, dst, last),
        }
    }

    fn reset(&mut self) {
        match self {
            UnicodeDecoder::Utf8(d) => d.reset(),
        }
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        match self {
            UnicodeDecoder::Utf8(d) => d.max_utf8_len(src_len),
        }
    }
}

/// UTF-8 to UTF-8: validation plus copy, holding back a sequence cut by the end of a call.
#[derive(Default)]
pub(crate) struct Utf8Decoder {
    pending: [u8; 4],
    pending_len: u8,
}

/// Total length of the sequence a lead byte starts, or 0 if it cannot start one.
fn sequence_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

/// Whether `byte` may follow `prefix` (a lead byte plus any continuation bytes) in a well-formed
/// sequence: the second byte's range depends on the lead, to exclude overlongs, surrogates and
/// values above U+10FFFF.
fn continues(prefix: &[u8], byte: u8) -> bool {
    let range = match (prefix.len(), prefix[0]) {
        (1, 0xE0) => 0xA0..=0xBF,
        (1, 0xED) => 0x80..=0x9F,
        (1, 0xF0) => 0x90..=0xBF,
        (1, 0xF4) => 0x80..=0x8F,
        _ => 0x80..=0xBF,
    };
    range.contains(&byte)
}

impl Utf8Decoder {
    /// Completes a sequence begun in an earlier call. Returns the step to report if the call
    /// must end here, or the bytes read and written so far.
    fn finish_pending(
        &mut self,
        src: &[u8],
        dst: &mut [u8],
        last: bool,
    ) -> Result<(usize, usize), RawStep> {
        let have = usize::from(self.pending_len);
        let need = sequence_len(self.pending[0]);
        if dst.len() < need {
            return Err(RawStep::output_full(0, 0));
        }
        let mut len = have;
        let mut read = 0;
        while len < need {
            let Some(&byte) = src.get(read) else {
                self.pending_len = len as u8;
                return Err(if last {
                    self.pending_len = 0;
                    RawStep::truncated(read, 0, len)
                } else {
                    RawStep::input_empty(read, 0)
                });
            };
            if !continues(&self.pending[..len], byte) {
                self.pending_len = 0;
                return Err(RawStep::invalid(read, 0, len));
            }
            self.pending[len] = byte;
            len += 1;
            read += 1;
        }
        dst[..need].copy_from_slice(&self.pending[..need]);
        self.pending_len = 0;
        Ok((read, need))
    }
}

impl RawDecoder for Utf8Decoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = (0, 0);
        if self.pending_len > 0 {
            match self.finish_pending(src, dst, last) {
                Ok((r, w)) => (read, written) = (r, w),
                Err(step) => return step,
            }
        }
        let window = (src.len() - read).min(dst.len() - written);
        let chunk = &src[read..read + window];
        match simdutf8::compat::from_utf8(chunk) {
            Ok(_) => {
                dst[written..written + window].copy_from_slice(chunk);
                read += window;
                written += window;
                if read == src.len() {
                    RawStep::input_empty(read, written)
                } else {
                    RawStep::output_full(read, written)
                }
            }
            Err(e) => {
                let valid = e.valid_up_to();
                dst[written..written + valid].copy_from_slice(&chunk[..valid]);
                read += valid;
                written += valid;
                match e.error_len() {
                    Some(len) => RawStep::invalid(read + len, written, len),
                    None if read + (window - valid) < src.len() => {
                        // Cut by the end of the output window, not of the input.
                        RawStep::output_full(read, written)
                    }
                    None => {
                        let tail = &src[read..];
                        if last {
                            RawStep::truncated(src.len(), written, tail.len())
                        } else {
                            self.pending[..tail.len()].copy_from_slice(tail);
                            self.pending_len = tail.len() as u8;
                            RawStep::input_empty(src.len(), written)
                        }
                    }
                }
            }
        }
    }

    fn reset(&mut self) {
        self.pending_len = 0;
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        src_len.checked_add(usize::from(self.pending_len))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Charset, DecodeStatus, Decoder, ErrorKind, ErrorPolicy};

    fn utf8(policy: ErrorPolicy) -> Decoder {
        Decoder::new(Charset::for_label("UTF-8").unwrap(), policy).unwrap()
    }

    #[test]
    fn bad_sequence_is_its_maximal_subpart() {
        let mut d = utf8(ErrorPolicy::Strict);
        let mut out = [0u8; 32];
        let step = d.decode(b"ab\xE2\x82Acd", &mut out, true);
        let DecodeStatus::Error(e) = step.status else {
            panic!("{step:?}")
        };
        assert_eq!((e.offset(), e.bytes()), (2, &b"\xE2\x82"[..]));
        assert_eq!((step.read, step.written), (4, 2));
    }

    #[test]
    fn ignore_drops_what_iconv_c_drops() {
        let mut out = Vec::new();
        utf8(ErrorPolicy::Ignore)
            .decode_to_vec(b"\xE2\x82\xE2\x82\xAC", &mut out)
            .unwrap();
        assert_eq!(out, "€".as_bytes());
    }

    #[test]
    fn split_sequence_decodes_as_one() {
        let mut d = utf8(ErrorPolicy::Strict);
        let mut out = [0u8; 32];
        let a = d.decode(b"x\xF0\x9F", &mut out, false);
        assert_eq!((a.read, a.written), (3, 1));
        let b = d.decode(b"\x98\x80", &mut out[1..], true);
        assert_eq!(b.status, DecodeStatus::InputEmpty);
        assert_eq!(&out[..1 + b.written], "x😀".as_bytes());
    }

    #[test]
    fn truncated_tail_spanning_calls_reports_its_bytes() {
        let mut d = utf8(ErrorPolicy::Strict);
        let mut out = [0u8; 32];
        let _ = d.decode(b"ab\xF0", &mut out, false);
        let step = d.decode(b"\x9F", &mut out, true);
        let DecodeStatus::Error(e) = step.status else {
            panic!("{step:?}")
        };
        assert_eq!(e.kind(), ErrorKind::Truncated);
        assert_eq!((e.offset(), e.bytes()), (2, &b"\xF0\x9F"[..]));
    }

    #[test]
    fn replace_writes_one_fffd_per_bad_unit() {
        let mut out = Vec::new();
        utf8(ErrorPolicy::Replace)
            .decode_to_vec(b"a\xFFb\xE2\x82", &mut out)
            .unwrap();
        assert_eq!(out, "a\u{FFFD}b\u{FFFD}".as_bytes());
    }
}
