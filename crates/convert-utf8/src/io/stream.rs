//! The stream loop: any [`Read`] decoded into any [`Write`] through one reusable input chunk
//! and one output buffer, so memory stays bounded whatever the input size.

use super::error::TranscodeError;
use crate::decoder::{DecodeStatus, Decoder, MIN_OUTPUT_SPACE};
use crate::error::DecodeError;
use std::io::{ErrorKind as IoErrorKind, Read, Write};
#[cfg(doc)] // Named in the documentation only.
use {super::convert_file, crate::error::ErrorPolicy};

/// How much input [`transcode`] reads at a time. Output buffers are sized from it with
/// [`Decoder::max_utf8_len`], so memory stays bounded whatever the input size.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// What a successful [`transcode`] or [`convert_file`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transcoded {
    /// Input bytes read.
    pub read: u64,
    /// UTF-8 bytes written.
    pub written: u64,
    /// Bad sequences dropped or replaced (always 0 under [`ErrorPolicy::Strict`], which stops
    /// at the first one instead).
    pub errors: u64,
    /// The first of those bad sequences.
    pub first_error: Option<DecodeError>,
    /// The input ended inside a character or shift sequence, which the policy dropped or
    /// replaced (glibc: "incomplete character or shift sequence at end of buffer").
    pub truncated: bool,
}

/// Decodes everything `reader` yields as one complete input and writes the UTF-8 to `writer`,
/// reading [`DEFAULT_CHUNK_SIZE`] bytes at a time.
///
/// The input starts with [`Decoder::begin_next_input`] (positions count from its first byte;
/// between several inputs the decoder keeps what glibc's `iconv` keeps between files), so the
/// same decoder can be passed for each of several files. Under [`ErrorPolicy::Strict`] it stops
/// at the first bad sequence after writing everything before it; under the other policies it
/// goes to the end and counts them. `writer` is flushed at the end; it only ever sees non-empty
/// writes, so a writer that opens its file lazily creates nothing for an empty output.
///
/// ```
/// use convert_utf8::io::{TranscodeError, transcode};
/// use convert_utf8::{Charset, Decoder, ErrorPolicy};
///
/// let utf8 = Charset::for_label("UTF-8")?;
/// let mut out = Vec::new();
/// let mut strict = Decoder::new(utf8, ErrorPolicy::Strict);
/// match transcode(&mut strict, &b"ab\xFFcd"[..], &mut out) {
///     Err(TranscodeError::Decode(e)) => assert_eq!(e.offset(), 2),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(out, b"ab"); // what came before the error is written
///
/// out.clear();
/// let mut ignoring = Decoder::new(utf8, ErrorPolicy::Ignore);
/// let done = transcode(&mut ignoring, &b"ab\xFFcd"[..], &mut out)?;
/// assert_eq!((out.as_slice(), done.errors), (&b"abcd"[..], 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn transcode<R: Read, W: Write>(
    decoder: &mut Decoder,
    reader: R,
    writer: W,
) -> Result<Transcoded, TranscodeError> {
    transcode_in_chunks(decoder, reader, writer, DEFAULT_CHUNK_SIZE)
}

/// [`transcode`] with input read `chunk_size` bytes at a time (at least 1).
pub fn transcode_in_chunks<R: Read, W: Write>(
    decoder: &mut Decoder,
    mut reader: R,
    mut writer: W,
    chunk_size: usize,
) -> Result<Transcoded, TranscodeError> {
    decoder.begin_next_input();
    let chunk_size = chunk_size.max(1);
    let mut input = vec![0u8; chunk_size];
    // Room for a whole chunk's worst case means one decode call per chunk; the cap keeps
    // memory bounded even for a decoder with a huge bound (OutputFull is handled anyway).
    let output_size = decoder
        .max_utf8_len(chunk_size)
        .unwrap_or(usize::MAX)
        .clamp(MIN_OUTPUT_SPACE, chunk_size.saturating_mul(4).max(4096));
    let mut sink = Sink {
        writer: &mut writer,
        output: vec![0u8; output_size],
        written: 0,
    };
    let mut read: u64 = 0;
    loop {
        let n = match reader.read(&mut input) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == IoErrorKind::Interrupted => continue,
            Err(e) => return Err(TranscodeError::Read(e)),
        };
        read += n as u64;
        sink.decode(decoder, &input[..n], false)?;
    }
    sink.decode(decoder, &[], true)?;
    let truncated = decoder.truncated();
    sink.writer.flush().map_err(TranscodeError::Write)?;
    Ok(Transcoded {
        read,
        written: sink.written,
        errors: decoder.error_count(),
        first_error: decoder.first_error(),
        truncated,
    })
}

/// The output half of [`transcode`]: one reusable buffer, written out after each decode call.
struct Sink<'w, W: Write> {
    writer: &'w mut W,
    output: Vec<u8>,
    written: u64,
}

impl<W: Write> Sink<'_, W> {
    fn decode(
        &mut self,
        decoder: &mut Decoder,
        src: &[u8],
        last: bool,
    ) -> Result<(), TranscodeError> {
        let mut consumed = 0;
        loop {
            let step = decoder.decode(&src[consumed..], &mut self.output, last);
            consumed += step.read;
            if step.written > 0 {
                self.writer
                    .write_all(&self.output[..step.written])
                    .map_err(TranscodeError::Write)?;
                self.written += step.written as u64;
            }
            match step.status {
                DecodeStatus::InputEmpty => return Ok(()),
                DecodeStatus::OutputFull => {}
                DecodeStatus::Error(e) => return Err(TranscodeError::Decode(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, ErrorPolicy};
    use crate::io::test_support::decoder;
    use std::io;

    /// Accepts `room` bytes, then fails like a full disk.
    struct FullAfter {
        room: usize,
        taken: Vec<u8>,
    }

    impl Write for FullAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::from_raw_os_error(28));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.taken.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Yields `good`, then an error (interrupting once first, which must be retried).
    struct FailingReader {
        good: Vec<u8>,
        interrupted: bool,
    }

    impl Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.good.is_empty() {
                let n = buf.len().min(self.good.len());
                buf[..n].copy_from_slice(&self.good[..n]);
                self.good.drain(..n);
                return Ok(n);
            }
            if !self.interrupted {
                self.interrupted = true;
                return Err(io::Error::from(IoErrorKind::Interrupted));
            }
            Err(io::Error::from_raw_os_error(21))
        }
    }

    #[test]
    fn every_chunk_size_gives_the_same_output_and_positions() {
        let text = "añb€c😀d".repeat(50).into_bytes();
        let mut bad = text.clone();
        bad.insert(299, 0xFF); // between two repetitions of the 13-byte text
        for chunk in [1, 2, 3, 5, 7, 64, 4096] {
            let mut out = Vec::new();
            let done = transcode_in_chunks(
                &mut decoder(ErrorPolicy::Strict),
                &text[..],
                &mut out,
                chunk,
            )
            .unwrap();
            assert_eq!(out, text, "chunk {chunk}");
            assert_eq!(
                (done.read, done.written),
                (text.len() as u64, text.len() as u64)
            );

            out.clear();
            let err =
                transcode_in_chunks(&mut decoder(ErrorPolicy::Strict), &bad[..], &mut out, chunk)
                    .unwrap_err();
            match err {
                TranscodeError::Decode(e) => {
                    assert_eq!((e.offset(), e.bytes()), (299, &[0xFF][..]), "chunk {chunk}")
                }
                other => panic!("chunk {chunk}: {other:?}"),
            }
            assert_eq!(out, &text[..299]);
        }
    }

    #[test]
    fn ignore_counts_and_reports_a_truncated_end() {
        let mut out = Vec::new();
        let mut d = decoder(ErrorPolicy::Ignore);
        let done = transcode_in_chunks(&mut d, &b"a\xFFb\xFEc\xE2\x82"[..], &mut out, 3).unwrap();
        assert_eq!(out, b"abc");
        assert_eq!(done.errors, 3);
        assert_eq!(done.first_error.unwrap().offset(), 1);
        assert!(done.truncated);

        out.clear();
        let done = transcode(&mut d, &b"x\xFFy"[..], &mut out).unwrap();
        assert!(!done.truncated, "a new input starts clean");
        assert_eq!((done.errors, out.as_slice()), (1, &b"xy"[..]));
    }

    /// A UTF-8 byte that can begin no sequence is held at the end of a chunk (it would take
    /// continuation bytes along), so the end of input is where it is found to be bad; it is
    /// still a bad byte, not an input ending inside a sequence. glibc's `iconv -c` says nothing
    /// of incompleteness for it.
    #[test]
    fn a_bad_byte_found_at_the_end_is_not_truncation() {
        for input in [&b"a\xFF"[..], b"\xFF\xFF\xFF", b"\x80"] {
            for chunk in [1, 2, 4096] {
                let mut out = Vec::new();
                let mut d = decoder(ErrorPolicy::Ignore);
                let done = transcode_in_chunks(&mut d, input, &mut out, chunk).unwrap();
                assert!(!done.truncated, "{input:02X?} in chunks of {chunk}");
                assert!(done.errors > 0);
            }
        }
    }

    #[test]
    fn strict_reports_truncation_as_its_own_kind() {
        let mut out = Vec::new();
        let err = transcode(
            &mut decoder(ErrorPolicy::Strict),
            &b"ab\xE2\x82"[..],
            &mut out,
        )
        .unwrap_err();
        assert!(matches!(err, TranscodeError::Decode(e) if e.kind() == ErrorKind::Truncated));
        assert_eq!(out, b"ab");
    }

    #[test]
    fn write_errors_are_told_apart_from_read_errors() {
        let text = vec![b'x'; 200_000];
        let mut full = FullAfter {
            room: 70_000,
            taken: Vec::new(),
        };
        let err = transcode(&mut decoder(ErrorPolicy::Strict), &text[..], &mut full).unwrap_err();
        assert!(matches!(&err, TranscodeError::Write(e) if e.raw_os_error() == Some(28)));
        assert_eq!(
            err.to_string(),
            "conversion stopped due to problem in writing the output: No space left on device"
        );
        assert_eq!(full.taken.len(), 70_000);

        let reader = FailingReader {
            good: b"abc".to_vec(),
            interrupted: false,
        };
        let mut out = Vec::new();
        let err = transcode(&mut decoder(ErrorPolicy::Strict), reader, &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error while reading the input: Is a directory"
        );
        assert_eq!(out, b"abc");
    }

    #[test]
    fn empty_output_means_no_write_calls() {
        struct NoWrites;
        impl Write for NoWrites {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                panic!("written to")
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        transcode(
            &mut decoder(ErrorPolicy::Ignore),
            &b"\xFF\xFE"[..],
            NoWrites,
        )
        .unwrap();
        transcode(&mut decoder(ErrorPolicy::Strict), &b""[..], NoWrites).unwrap();
    }
}
