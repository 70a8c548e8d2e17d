//! Chunking invariance, for every charset this build supports: however the input is split
//! between calls (down to 1-byte chunks) and however small the output buffers (down to
//! [`MIN_OUTPUT_SPACE`]), the output and the errors (offsets, bytes, kinds) are those of a
//! decoder given the whole input at once, under each error policy, whether the calls write
//! UTF-8, UTF-16 ([`Decoder::decode_utf16`]) or each by turns.
//!
//! The charsets come from the registry, so families added later are covered without touching
//! this file. The whole-input decode also checks [`Decoder::max_utf8_len`]: an output buffer of
//! that size never fills up.
//!
//! Cases per charset: `CONVERT_UTF8_CHUNKING_CASES` (default: a total budget shared by all
//! supported charsets, so the file stays fast in debug builds).

use convert_utf8::{Charset, DecodeError, DecodeStatus, Decoder, ErrorPolicy, MIN_OUTPUT_SPACE};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// What a decode produced: the output, and every error in order (under `Strict` the decode is
/// continued after each).
#[derive(Debug, PartialEq, Eq)]
struct Run {
    output: Vec<u8>,
    errors: Vec<DecodeError>,
    error_count: u64,
    first_error: Option<DecodeError>,
}

/// Decodes `input` with as few calls as possible: the whole remaining input and an output
/// buffer of [`Decoder::max_utf8_len`] bytes each time, which must never fill up.
fn decode_whole(charset: Charset, policy: ErrorPolicy, input: &[u8]) -> Result<Run, String> {
    let mut decoder = Decoder::new(charset, policy);
    let (mut output, mut errors, mut read) = (Vec::new(), Vec::new(), 0);
    loop {
        let room = decoder
            .max_utf8_len(input.len() - read)
            .ok_or("max_utf8_len overflowed")?;
        let mut buf = vec![0u8; room];
        let step = decoder.decode(&input[read..], &mut buf, true);
        output.extend_from_slice(&buf[..step.written]);
        read += step.read;
        match step.status {
            DecodeStatus::InputEmpty => break,
            DecodeStatus::OutputFull => {
                return Err(format!("output full with max_utf8_len = {room} bytes"));
            }
            DecodeStatus::Error(e) => errors.push(e),
        }
    }
    Ok(Run {
        output,
        errors,
        error_count: decoder.error_count(),
        first_error: decoder.first_error(),
    })
}

/// Which output form the calls of [`decode_chunked`] ask for.
#[derive(Clone, Copy, Debug)]
enum Form {
    Utf8,
    Utf16,
    /// UTF-8 and UTF-16 by turns, one call each.
    Alternating,
}

/// One call of `decoder` in the form `utf16` says, its output as UTF-8: a call writes whole
/// characters only, so a call's UTF-16 is valid on its own.
fn decode_call(
    decoder: &mut Decoder,
    src: &[u8],
    room: usize,
    last: bool,
    utf16: bool,
    output: &mut Vec<u8>,
) -> Result<convert_utf8::DecodeStep, String> {
    if !utf16 {
        let mut buf = vec![0u8; room];
        let step = decoder.decode(src, &mut buf, last);
        output.extend_from_slice(&buf[..step.written]);
        return Ok(step);
    }
    let mut buf = vec![0u16; room];
    let step = decoder.decode_utf16(src, &mut buf, last);
    let text = String::from_utf16(&buf[..step.written])
        .map_err(|_| format!("a call wrote broken UTF-16: {:X?}", &buf[..step.written]))?;
    output.extend_from_slice(text.as_bytes());
    Ok(step)
}

/// Decodes `input` cut at `cuts` (sorted offsets), with output buffers cycling through
/// `out_sizes`, in the output `form`.
fn decode_chunked(
    charset: Charset,
    policy: ErrorPolicy,
    input: &[u8],
    cuts: &[usize],
    out_sizes: &[usize],
    form: Form,
) -> Result<Run, String> {
    let mut decoder = Decoder::new(charset, policy);
    let (mut output, mut errors) = (Vec::new(), Vec::new());
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
    bounds.push(input.len());
    let mut start = 0;
    let mut calls = 0usize;
    for (i, &end) in bounds.iter().enumerate() {
        let chunk = &input[start..end.max(start)];
        let last = i + 1 == bounds.len();
        let mut pos = 0;
        loop {
            let room = out_sizes[calls % out_sizes.len()];
            let utf16 = match form {
                Form::Utf8 => false,
                Form::Utf16 => true,
                Form::Alternating => calls % 2 == 1,
            };
            calls += 1;
            if calls > 100 * (input.len() + 10) {
                return Err("no progress".into());
            }
            let step = decode_call(&mut decoder, &chunk[pos..], room, last, utf16, &mut output)?;
            pos += step.read;
            match step.status {
                DecodeStatus::InputEmpty => {
                    if pos != chunk.len() {
                        return Err(format!("InputEmpty after reading {pos} of {}", chunk.len()));
                    }
                    break;
                }
                DecodeStatus::OutputFull => {
                    if step.read == 0 && step.written == 0 && room >= MIN_OUTPUT_SPACE {
                        return Err(format!("no progress with {room} units of room"));
                    }
                }
                DecodeStatus::Error(e) => errors.push(e),
            }
        }
        start = end.max(start);
    }
    Ok(Run {
        output,
        errors,
        error_count: decoder.error_count(),
        first_error: decoder.first_error(),
    })
}

/// Pieces that exercise the structure of every family: ASCII, bytes of every range, escape and
/// shift sequences, byte order marks, UTF-7 shifts and multi-byte sequences.
const TOKENS: &[&[u8]] = &[
    b"abc",
    b" ",
    b"\n",
    b"\x1b$B",
    b"\x1b$@",
    b"\x1b(B",
    b"\x1b(J",
    b"\x1b$)C",
    b"\x1b$)A",
    b"\x1b$A",
    b"\x1b$(D",
    b"\x1bN",
    b"\x1b.A",
    b"\x0e",
    b"\x0f",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b"\x00\x00\xFE\xFF",
    b"\xEF\xBB\xBF",
    b"+AGE-",
    b"+2D3eAA",
    b"&AGE-",
    b"+",
    b"&",
    b"-",
    b"\xC3\xA9",
    b"\xE2\x82\xAC",
    b"\xF0\x9F\x98\x80",
    b"\xED\xA0\x80",
    b"\xF8\x88\x80\x80\x80",
    b"\x3D\xD8\x00\xDE",
    b"\xD8\x3D\xDE\x00",
    b"\x00\xD8",
    b"\x00\xDC",
    b"A\x00",
    b"\x00A",
    b"A\x00\x00\x00",
    b"\x00\x00\x00A",
    b"\x82\xA0",
    b"\x81\x40",
    b"\xA4\xA2",
    b"\xB0\xA1",
    b"\x8E\xA1",
    b"\x8F\xA2\xAF",
    b"\x81\x30\x81\x30",
    b"\xC1\x41",
    b"\xC8\x61",
    b"\xAA\xA1",
];

fn input_strategy() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => proptest::sample::select(TOKENS).prop_map(|t| t.to_vec()),
        2 => any::<u8>().prop_map(|b| vec![b]),
        1 => (0x80u8..=0xFF, 0x40u8..=0xFF).prop_map(|(a, b)| vec![a, b]),
        1 => proptest::collection::vec(0x20u8..0x7F, 1..8),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// Cut points (1-byte chunks included) and output buffer sizes for one input.
fn chunking_strategy() -> impl Strategy<Value = (Vec<u8>, Vec<usize>, Vec<usize>)> {
    input_strategy().prop_flat_map(|input| {
        let len = input.len();
        let cuts = prop_oneof![
            // Every byte its own chunk.
            Just((1..len).collect::<Vec<_>>()),
            proptest::collection::vec(0..=len, 0..8).prop_map(|mut c| {
                c.sort_unstable();
                c
            }),
        ];
        let sizes = proptest::collection::vec(MIN_OUTPUT_SPACE..=MIN_OUTPUT_SPACE + 48, 1..4);
        (Just(input), cuts, sizes)
    })
}

fn cases_per_charset(supported: usize) -> u32 {
    if let Some(n) = std::env::var("CONVERT_UTF8_CHUNKING_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    const BUDGET: usize = 3000;
    (BUDGET / supported.max(1)).clamp(8, 200) as u32
}

#[test]
fn any_chunking_gives_the_same_output_and_errors() {
    let all: Vec<Charset> = Charset::all().collect();
    let cases = cases_per_charset(all.len());
    for charset in all {
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        // A seed per charset: reproducible in CI, different inputs for each charset.
        let mut seed = [0u8; 32];
        for (i, b) in charset.name().bytes().enumerate() {
            seed[i % 32] ^= b.rotate_left(i as u32 % 8);
        }
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
        let mut runner = TestRunner::new_with_rng(config, rng);
        let result = runner.run(&chunking_strategy(), |(input, cuts, sizes)| {
            for policy in [
                ErrorPolicy::Strict,
                ErrorPolicy::Ignore,
                ErrorPolicy::Replace,
            ] {
                let whole = decode_whole(charset, policy, &input).map_err(TestCaseError::fail)?;
                for form in [Form::Utf8, Form::Utf16, Form::Alternating] {
                    let chunked = decode_chunked(charset, policy, &input, &cuts, &sizes, form)
                        .map_err(TestCaseError::fail)?;
                    prop_assert_eq!(
                        &chunked,
                        &whole,
                        "{} under {:?} in {:?}",
                        charset,
                        policy,
                        form
                    );
                }
                prop_assert!(std::str::from_utf8(&whole.output).is_ok());
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{charset}: {e}");
        }
    }
}

#[test]
fn empty_input_and_empty_calls_are_harmless() {
    for charset in Charset::all() {
        let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
        let mut buf = [0u8; MIN_OUTPUT_SPACE];
        for _ in 0..3 {
            let step = decoder.decode(b"", &mut buf, false);
            assert_eq!((step.read, step.written), (0, 0), "{charset}");
            assert_eq!(step.status, DecodeStatus::InputEmpty, "{charset}");
        }
        let step = decoder.decode(b"", &mut buf, true);
        assert_eq!(step.status, DecodeStatus::InputEmpty, "{charset}");
        assert_eq!(step.written, 0, "{charset}");
    }
}

/// Decodes `input` to its end with `decoder`, in one call with room for all of it: the
/// output, the stop, and where the decoder then is.
fn decode_rest(decoder: &mut Decoder, input: &[u8]) -> (Vec<u8>, DecodeStatus, u64) {
    let room = decoder.max_utf8_len(input.len()).expect("no overflow");
    let mut buf = vec![0u8; room.max(MIN_OUTPUT_SPACE)];
    let step = decoder.decode(input, &mut buf, true);
    buf.truncate(step.written);
    (buf, step.status, decoder.position())
}

#[test]
fn a_decoder_copied_in_place_goes_on_as_the_original() {
    let utf8 = Charset::for_label("UTF-8").unwrap();
    let mut state = 0x9E37_79B9u32;
    for charset in Charset::all() {
        // Text-like bytes: ASCII with runs of high bytes, so that every family is mid-sequence
        // or holding something at some cut.
        let input: Vec<u8> = (0..300)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                if i % 7 < 3 {
                    b'a' + (state % 26) as u8
                } else {
                    state as u8
                }
            })
            .collect();
        for cut in [1, 2, 7, 150] {
            let mut original = Decoder::new(charset, ErrorPolicy::Replace);
            let mut buf = vec![0u8; original.max_utf8_len(cut).unwrap()];
            let _ = original.decode(&input[..cut], &mut buf, false);
            let Some(mut reference) = original.try_clone() else {
                let mut copy = Decoder::new(charset, ErrorPolicy::Replace);
                assert!(!copy.try_clone_from(&original), "{charset:?}");
                continue;
            };
            let expected = decode_rest(&mut reference, &input[cut..]);
            // Into a decoder of the same charset, and of another family.
            for target in [charset, utf8] {
                let mut copy = Decoder::new(target, ErrorPolicy::Strict);
                assert!(copy.try_clone_from(&original), "{charset:?}");
                assert_eq!(
                    decode_rest(&mut copy, &input[cut..]),
                    expected,
                    "{charset:?} copied into {target:?} after {cut} bytes"
                );
            }
        }
    }
}
