//! Hostile sizes: empty input, one byte, long runs of invalid bytes, a 100 MB line with no
//! newline, 1 GiB of invalid bytes and 4 GiB of input (error offsets beyond 32 bits).
//!
//! The small ones run for every charset under every policy. The huge ones stream through
//! `io::transcode` from a generator (nothing is held in memory but the 64 KiB chunks) and are
//! `#[ignore]`d: run them with
//! `cargo test --release -p convert-utf8 --test hostile_sizes -- --ignored --nocapture`
//! (docs/reliability.md records their figures and the CLI's peak RSS on the same sizes).

use convert_utf8::io::transcode;
use convert_utf8::{Charset, DecodeStatus, Decoder, ErrorKind, ErrorPolicy, LabelMode};
use std::io::{self, Read, Write};
use std::time::Instant;

const POLICIES: [ErrorPolicy; 3] = [
    ErrorPolicy::Strict,
    ErrorPolicy::Ignore,
    ErrorPolicy::Replace,
];

fn all_charsets() -> Vec<Charset> {
    let mut all: Vec<Charset> = Charset::all().collect();
    for label in [
        "utf-8",
        "shift_jis",
        "gb18030",
        "iso-2022-jp",
        "utf-16be",
        "replacement",
    ] {
        all.push(Charset::for_label_in(label, LabelMode::Whatwg).unwrap());
    }
    all
}

#[test]
fn empty_input_decodes_to_nothing() {
    for charset in all_charsets() {
        for policy in POLICIES {
            let out = charset.decode_to_vec(b"", policy);
            assert_eq!(out.unwrap(), b"", "{charset:?} {policy:?}");
        }
    }
}

#[test]
fn every_single_byte_is_valid_or_one_clean_error() {
    for charset in all_charsets() {
        for policy in POLICIES {
            for byte in 0..=255u8 {
                let mut decoder = Decoder::new(charset, policy);
                let mut out = Vec::new();
                let context = (charset, policy, byte);
                match decoder.decode_to_vec(&[byte], &mut out) {
                    Ok(()) => assert!(decoder.error_count() <= 1, "{context:?}"),
                    Err(e) => {
                        assert_eq!(policy, ErrorPolicy::Strict, "{context:?}");
                        assert_eq!((e.offset(), e.bytes()), (0, &[byte][..]), "{context:?}");
                    }
                }
                assert!(std::str::from_utf8(&out).is_ok(), "{context:?}: {out:02X?}");
            }
        }
    }
}

/// A reader yielding `len` bytes of `pattern` repeated, then `tail`, without holding them.
struct Generated {
    pattern: Vec<u8>,
    len: u64,
    at: u64,
    tail: &'static [u8],
}

impl Generated {
    fn new(pattern: &[u8], len: u64, tail: &'static [u8]) -> Generated {
        Generated {
            pattern: pattern.repeat((64 << 10) / pattern.len()),
            len,
            at: 0,
            tail,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let total = self.len + self.tail.len() as u64;
        if self.at >= total {
            return Ok(0);
        }
        let n = if self.at < self.len {
            let offset = (self.at % (self.pattern.len() as u64)) as usize;
            let left = usize::try_from(self.len - self.at).unwrap_or(usize::MAX);
            let n = buf.len().min(self.pattern.len() - offset).min(left);
            buf[..n].copy_from_slice(&self.pattern[offset..offset + n]);
            n
        } else {
            let offset = (self.at - self.len) as usize;
            let n = buf.len().min(self.tail.len() - offset);
            buf[..n].copy_from_slice(&self.tail[offset..offset + n]);
            n
        };
        self.at += n as u64;
        Ok(n)
    }
}

/// Counts what is written, keeping only the last bytes.
#[derive(Default)]
struct Tally {
    bytes: u64,
    newlines: u64,
    last: Vec<u8>,
}

impl Write for Tally {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes += buf.len() as u64;
        self.newlines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        self.last.clear();
        self.last
            .extend_from_slice(&buf[buf.len().saturating_sub(16)..]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Streams `len` bytes of `pattern` then `tail` through a decoder into a tally.
fn stream(
    label: &str,
    policy: ErrorPolicy,
    pattern: &[u8],
    len: u64,
    tail: &'static [u8],
) -> (Result<u64, convert_utf8::io::TranscodeError>, Tally) {
    let mut decoder = Decoder::new(Charset::for_label(label).unwrap(), policy);
    let mut tally = Tally::default();
    let done =
        transcode(&mut decoder, Generated::new(pattern, len, tail), &mut tally).map(|t| t.errors);
    (done, tally)
}

#[test]
fn long_runs_of_invalid_bytes_stream_in_fixed_buffers() {
    // 256 KiB of bytes invalid in UTF-8 and in Shift_JIS, in a fixed 64-byte output buffer.
    let input = vec![0xFFu8; 256 << 10];
    for (label, policy, per_byte) in [
        ("UTF-8", ErrorPolicy::Ignore, 0),
        ("UTF-8", ErrorPolicy::Replace, 3),
        ("SJIS", ErrorPolicy::Ignore, 0),
        ("SJIS", ErrorPolicy::Replace, 3),
    ] {
        let mut decoder = Decoder::new(Charset::for_label(label).unwrap(), policy);
        let mut dst = [0u8; 64];
        let (mut read, mut written) = (0, 0u64);
        loop {
            let step = decoder.decode(&input[read..], &mut dst, true);
            read += step.read;
            written += step.written as u64;
            match step.status {
                DecodeStatus::InputEmpty => break,
                DecodeStatus::OutputFull => {}
                DecodeStatus::Error(e) => panic!("{label}: {e}"),
            }
        }
        assert_eq!(
            decoder.error_count(),
            input.len() as u64,
            "{label} {policy:?}"
        );
        assert_eq!(written, per_byte * input.len() as u64, "{label} {policy:?}");
    }
    // Strict stops at the first, offset 0.
    let err = Charset::for_label("UTF-8")
        .unwrap()
        .decode_to_vec(&input, ErrorPolicy::Strict)
        .unwrap_err();
    assert!(matches!(err, convert_utf8::Error::Decode(e) if e.offset() == 0));
}

/// Decodes `input` under Strict, resuming after each error: the output and every error, one
/// `decode` call per bad sequence. The reference for the policies that drop runs in one sweep.
fn strict_resumed(charset: Charset, input: &[u8]) -> (Vec<u8>, Vec<(usize, u64)>) {
    let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
    let (mut out, mut errors, mut read) = (Vec::new(), Vec::new(), 0);
    let mut dst = vec![0u8; decoder.max_utf8_len(input.len()).unwrap().max(16)];
    loop {
        let step = decoder.decode(&input[read..], &mut dst, true);
        read += step.read;
        out.extend_from_slice(&dst[..step.written]);
        match step.status {
            DecodeStatus::InputEmpty => return (out, errors),
            DecodeStatus::OutputFull => {}
            DecodeStatus::Error(e) => errors.push((out.len(), e.offset())),
        }
    }
}

/// Bytes that are mostly bad for most charsets (high bytes, lone surrogates in either byte
/// order, cut sequences), with some ASCII and well-formed text between the runs.
fn mostly_bad_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        let r = next();
        let run = 1 + (r >> 8) as usize % 24;
        match r % 6 {
            0 => bytes.extend(std::iter::repeat_n(0xFF, run)),
            1 => bytes.extend((0..run).map(|i| 0x80 | (r >> (i % 56)) as u8)),
            2 => bytes.extend(b"\x00\xDC\xDC\x00".iter().cycle().take(run * 2)),
            3 => bytes.extend((0..run).map(|_| next() as u8)),
            4 => bytes.extend_from_slice(&b"plain text, "[..run.min(12)]),
            _ => bytes.extend_from_slice(&"é日本😀".as_bytes()[..(run % 12) + 1]),
        }
    }
    bytes
}

#[test]
fn runs_of_bad_bytes_dropped_in_one_sweep_match_one_by_one() {
    // Ignore and Replace skip runs of bad sequences without a family call per sequence; they
    // must drop exactly what Strict reports one call at a time, through any output room.
    for (index, charset) in all_charsets().into_iter().enumerate() {
        let input = mostly_bad_bytes(index as u64 + 1, 3000);
        let (text, errors) = strict_resumed(charset, &input);
        for policy in [ErrorPolicy::Ignore, ErrorPolicy::Replace] {
            let mut expected = text.clone();
            if policy == ErrorPolicy::Replace {
                for &(at, _) in errors.iter().rev() {
                    expected.splice(at..at, "\u{FFFD}".bytes());
                }
            }
            for room in [16, 17, 64, 1 << 16] {
                let context = (charset, policy, room);
                let mut decoder = Decoder::new(charset, policy);
                let (mut out, mut read) = (Vec::new(), 0);
                let mut dst = vec![0u8; room];
                // Pieces of 1000 bytes, so that runs also cross calls.
                loop {
                    let end = input.len().min(read / 1000 * 1000 + 1000);
                    let last = end == input.len();
                    let step = decoder.decode(&input[read..end], &mut dst, last);
                    read += step.read;
                    out.extend_from_slice(&dst[..step.written]);
                    match step.status {
                        DecodeStatus::InputEmpty if last => break,
                        DecodeStatus::InputEmpty | DecodeStatus::OutputFull => {}
                        DecodeStatus::Error(e) => panic!("{context:?}: {e}"),
                    }
                }
                assert_eq!(decoder.error_count(), errors.len() as u64, "{context:?}");
                assert_eq!(
                    decoder.first_error().map(|e| e.offset()),
                    errors.first().map(|&(_, offset)| offset),
                    "{context:?}"
                );
                assert!(out == expected, "{context:?}: output differs");
            }
        }
    }
}

/// 日本 in Shift_JIS.
const NIHON_SJIS: &[u8] = b"\x93\xfa\x96\x7b";

#[test]
fn a_long_line_without_newline_then_a_cut_character() {
    // 16 MiB of one line of two-byte Shift_JIS, the last character cut: one truncated error at
    // the very end, everything before it written.
    let (done, tally) = stream("SJIS", ErrorPolicy::Strict, NIHON_SJIS, 16 << 20, b"\x93");
    match done {
        Err(convert_utf8::io::TranscodeError::Decode(e)) => {
            assert_eq!((e.kind(), e.offset()), (ErrorKind::Truncated, 16 << 20));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!((tally.bytes, tally.newlines), ((16 << 20) / 2 * 3, 0));
}

#[test]
#[ignore = "huge: 100 MB line, run in release (see docs/reliability.md)"]
fn a_100_mb_line() {
    let started = Instant::now();
    let (done, tally) = stream(
        "ISO-8859-1",
        ErrorPolicy::Strict,
        b"\xE9abcdefg",
        100_000_000,
        b"",
    );
    assert_eq!(done.unwrap(), 0);
    assert_eq!((tally.bytes, tally.newlines), (112_500_000, 0));
    eprintln!("100 MB line: {:?}", started.elapsed());
}

#[test]
#[ignore = "huge: 1 GiB of invalid bytes, run in release (see docs/reliability.md)"]
fn one_gib_of_invalid_bytes() {
    for policy in [ErrorPolicy::Ignore, ErrorPolicy::Replace] {
        let started = Instant::now();
        // Three bad sequences per 4 bytes: FF, the overlong pair C0 80 (one sequence, as
        // glibc drops it), FE.
        let (done, tally) = stream("UTF-8", policy, b"\xFF\xC0\x80\xFE", 1 << 30, b"");
        let sequences = 3 << 28;
        assert_eq!(done.unwrap(), sequences, "{policy:?}");
        let per_sequence = if policy == ErrorPolicy::Replace { 3 } else { 0 };
        assert_eq!(tally.bytes, per_sequence * sequences, "{policy:?}");
        eprintln!(
            "1 GiB of invalid bytes, {policy:?}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
#[ignore = "huge: 4 GiB, run in release (see docs/reliability.md)"]
fn four_gib_then_an_error_past_32_bits() {
    let started = Instant::now();
    let len = 4u64 << 30;
    let (done, tally) = stream(
        "UTF-16LE",
        ErrorPolicy::Strict,
        b"a\x00\n\x00",
        len,
        b"\x00\xDC",
    );
    match done {
        Err(convert_utf8::io::TranscodeError::Decode(e)) => assert_eq!(e.offset(), len),
        other => panic!("{other:?}"),
    }
    assert_eq!((tally.bytes, tally.newlines), (len / 2, len / 4));
    eprintln!("4 GiB: {:?}", started.elapsed());
}
