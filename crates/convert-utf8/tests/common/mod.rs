//! Helpers shared by the differential tests (single-byte, EBCDIC double-byte, ISO-2022): our
//! decoder's whole-input results in iconv's terms, and decoding in chunks.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use convert_utf8::{Charset, DecodeStatus, Decoder, ErrorKind, ErrorPolicy};
use iconv_oracle::{Iconv, Outcome};

/// Our whole-input result: output up to the first error, and how it ended.
pub fn ours(charset: Charset, input: &[u8]) -> (Vec<u8>, Outcome) {
    let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
    let mut out = Vec::new();
    match decoder.decode_to_vec(input, &mut out) {
        Ok(()) => (out, Outcome::Complete),
        Err(e) => {
            let at = usize::try_from(e.offset()).unwrap();
            match e.kind() {
                ErrorKind::Truncated => (out, Outcome::Incomplete(at)),
                _ => (out, Outcome::Invalid(at)),
            }
        }
    }
}

/// Our output when bad sequences are dropped, as `iconv -c` does.
pub fn ours_ignoring(charset: Charset, input: &[u8]) -> Vec<u8> {
    let mut decoder = Decoder::new(charset, ErrorPolicy::Ignore);
    let mut out = Vec::new();
    let _ = decoder.decode_to_vec(input, &mut out);
    out
}

/// Decodes `input` (dropping bad sequences) cut at `cuts`, into an output buffer of the least
/// size a call may be given.
pub fn decode_in_chunks(charset: Charset, input: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut dst = [0u8; convert_utf8::MIN_OUTPUT_SPACE];
    decode_in_chunks_into(charset, input, cuts, ErrorPolicy::Ignore, &mut dst)
}

/// Decodes `input` under `policy` (which must not stop at errors) cut at `cuts`, through the
/// output buffer `dst`.
pub fn decode_in_chunks_into(
    charset: Charset,
    input: &[u8],
    cuts: &[usize],
    policy: ErrorPolicy,
    dst: &mut [u8],
) -> Vec<u8> {
    let mut decoder = Decoder::new(charset, policy);
    let mut out = Vec::new();
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    bounds.push(input.len());
    bounds.sort_unstable();
    let mut start = 0;
    for (n, &end) in bounds.iter().enumerate() {
        let last = n == bounds.len() - 1;
        let mut chunk = &input[start..end];
        loop {
            let step = decoder.decode(chunk, dst, last);
            out.extend_from_slice(&dst[..step.written]);
            chunk = &chunk[step.read..];
            match step.status {
                DecodeStatus::InputEmpty => break,
                DecodeStatus::OutputFull => {}
                DecodeStatus::Error(_) => unreachable!("not strict"),
            }
        }
        start = end;
    }
    out
}

/// The lines of `text` that iconv can encode in `charset`, encoded by iconv.
pub fn lines_encoded_in(charset: Charset, text: &str) -> Vec<Vec<u8>> {
    let mut encoder = Iconv::open_to("UTF-8", charset.name()).unwrap();
    text.lines()
        .filter_map(|line| {
            let c = encoder.convert(line.as_bytes());
            (c.outcome == Outcome::Complete).then_some(c.output)
        })
        .collect()
}
