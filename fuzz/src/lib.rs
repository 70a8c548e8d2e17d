//! The checks behind every fuzz target of convert-utf8, one module per target.
//!
//! Each `check(data)` turns the fuzzer's bytes into a charset, an error policy, chunk and buffer
//! sizes and an input, runs the engine (or one of its faces) on them and panics on any broken
//! invariant. The invariants every target holds the code to:
//! - no panic (a panic is the failure libFuzzer reports);
//! - output is valid UTF-8;
//! - every reported error lies inside the input and its bytes are the input's bytes there;
//! - decoding is deterministic (the same input twice gives the same result).
//!
//! The targets in `fuzz_targets/` are one-line wrappers, so the same checks also run over the
//! committed seed corpus as an ordinary test (`tests/corpus.rs`) where libFuzzer cannot build.

pub mod capi;
pub mod detect;
pub mod glibc_differential;
pub mod labels;
pub mod one_shot;
pub mod streaming;

use convert_utf8::{
    Charset, DecodeError, DecodeStatus, DecodeStep, Decoder, ErrorKind, ErrorPolicy,
};
use convert_utf8::{LabelMode, MIN_OUTPUT_SPACE};
use std::sync::OnceLock;

/// Reads the fuzzer's bytes as a header of parameters followed by the input proper. Running out
/// of bytes gives zeros, so every input, even an empty one, means something.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&first, rest)) => {
                self.data = rest;
                first
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// Up to `n` bytes.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        taken
    }

    /// Everything not read yet.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// WHATWG labels whose encodings (decoded by encoding_rs in WHATWG mode) join the glibc charsets.
const WHATWG_LABELS: &[&str] = &[
    "utf-8",
    "utf-16le",
    "utf-16be",
    "windows-1252",
    "iso-8859-2",
    "koi8-u",
    "macintosh",
    "x-mac-cyrillic",
    "windows-874",
    "shift_jis",
    "euc-jp",
    "iso-2022-jp",
    "euc-kr",
    "gbk",
    "gb18030",
    "big5",
    "x-user-defined",
    "replacement",
];

/// Every charset: the glibc ones, then the WHATWG encodings.
pub fn all_charsets() -> &'static [Charset] {
    static ALL: OnceLock<Vec<Charset>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<Charset> = Charset::all().collect();
        for label in WHATWG_LABELS {
            if let Ok(charset) = Charset::for_label_in(label, LabelMode::Whatwg)
                && !all.contains(&charset)
            {
                all.push(charset);
            }
        }
        all
    })
}

/// Piece lengths from the fuzzer's bytes; none (decode in one piece) when all are zero, as
/// pieces of nothing alone would never reach the end of the input.
pub fn chunk_lens(bytes: &[u8]) -> Vec<usize> {
    if bytes.iter().all(|&b| b == 0) {
        return Vec::new();
    }
    bytes.iter().map(|&b| usize::from(b)).collect()
}

/// The charset a 16-bit number from the fuzzer picks.
pub fn pick_charset(choice: u16) -> Charset {
    let all = all_charsets();
    all[usize::from(choice) % all.len()]
}

pub const POLICIES: [ErrorPolicy; 3] = [
    ErrorPolicy::Strict,
    ErrorPolicy::Ignore,
    ErrorPolicy::Replace,
];

/// What decoding one whole input gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub output: Vec<u8>,
    /// The error that stopped a strict decoding.
    pub stopped_by: Option<DecodeError>,
    pub error_count: u64,
    pub first_error: Option<DecodeError>,
}

/// Decodes `input` in one piece with the engine's `decode_to_vec`.
pub fn decode_one_shot(charset: Charset, policy: ErrorPolicy, input: &[u8]) -> Decoded {
    let mut decoder = Decoder::new(charset, policy);
    let mut output = Vec::new();
    let stopped_by = decoder.decode_to_vec(input, &mut output).err();
    Decoded {
        output,
        stopped_by,
        error_count: decoder.error_count(),
        first_error: decoder.first_error(),
    }
}

/// Panics unless `output` is valid UTF-8.
pub fn assert_utf8(output: &[u8], context: &dyn std::fmt::Debug) {
    if let Err(e) = std::str::from_utf8(output) {
        panic!("{context:?}: output is not UTF-8 ({e}): {output:02X?}");
    }
}

/// Panics unless `error` names bytes inside `input`: offset and length in range, and its bytes
/// those of the input at that offset (a truncated sequence runs to the end of the input).
pub fn assert_error_inside(error: &DecodeError, input: &[u8], context: &dyn std::fmt::Debug) {
    let start = usize::try_from(error.offset()).expect("offset fits");
    let end = start + error.len();
    assert!(
        !error.is_empty() && end <= input.len(),
        "{context:?}: error {error:?} outside input of {} bytes",
        input.len()
    );
    assert_eq!(
        error.bytes(),
        &input[start..end],
        "{context:?}: error bytes are not the input's"
    );
    if error.kind() == ErrorKind::Truncated {
        assert_eq!(
            end,
            input.len(),
            "{context:?}: truncated sequence before the end"
        );
    }
}

/// Decodes `input` through a streaming decoder in the pieces `chunk_lens` cycles through,
/// with an output buffer of `dst_len` bytes (grown to `MIN_OUTPUT_SPACE` only when a smaller
/// one cannot take the next character). Under Strict it resumes after each error, collecting
/// them all; returns the output, the errors reported, and the output written before the first.
/// Which output form the calls of [`decode_streaming`] ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Utf8,
    Utf16,
    /// UTF-8 and UTF-16 by turns, one call each.
    Alternating,
}

impl Form {
    /// The form a byte of the fuzzer's input picks.
    pub fn pick(byte: u8) -> Form {
        match byte % 3 {
            0 => Form::Utf8,
            1 => Form::Utf16,
            _ => Form::Alternating,
        }
    }
}

/// The output buffers of [`decode_streaming`]: UTF-8 or UTF-16 calls, as `form` says, each
/// call's output taken as UTF-8 (a call writes whole characters, so its UTF-16 must be valid
/// on its own).
struct Output {
    form: Form,
    calls: usize,
    bytes: Vec<u8>,
    units: Vec<u16>,
    last_was_utf16: bool,
}

impl Output {
    fn new(len: usize, form: Form) -> Output {
        Output {
            form,
            calls: 0,
            bytes: vec![0; len],
            units: vec![0; len],
            last_was_utf16: false,
        }
    }

    /// One call with at most `room` units of room.
    fn decode(&mut self, decoder: &mut Decoder, src: &[u8], room: usize, last: bool) -> DecodeStep {
        let utf16 = match self.form {
            Form::Utf8 => false,
            Form::Utf16 => true,
            Form::Alternating => self.calls % 2 == 1,
        };
        self.calls += 1;
        self.last_was_utf16 = utf16;
        let room = room.min(self.bytes.len());
        if utf16 {
            decoder.decode_utf16(src, &mut self.units[..room], last)
        } else {
            decoder.decode(src, &mut self.bytes[..room], last)
        }
    }

    /// Appends what the last call wrote to `output`, as UTF-8.
    fn take(&self, written: usize, output: &mut Vec<u8>) {
        if self.last_was_utf16 {
            let text = String::from_utf16(&self.units[..written]).unwrap_or_else(|_| {
                panic!("a call wrote broken UTF-16: {:X?}", &self.units[..written])
            });
            output.extend_from_slice(text.as_bytes());
        } else {
            output.extend_from_slice(&self.bytes[..written]);
        }
    }
}

pub fn decode_streaming(
    decoder: &mut Decoder,
    input: &[u8],
    chunk_lens: &[usize],
    dst_len: usize,
    last_with_data: bool,
    form: Form,
) -> (Vec<u8>, Vec<DecodeError>, Option<usize>) {
    let mut output = Vec::new();
    let mut errors = Vec::new();
    let mut output_at_first_error = None;
    let mut dst = Output::new(dst_len.max(MIN_OUTPUT_SPACE), form);
    let mut chunks = chunk_lens.iter().cycle();
    let mut offset = 0;
    loop {
        let len = if chunk_lens.is_empty() {
            input.len()
        } else {
            (*chunks.next().unwrap()).min(input.len() - offset)
        };
        let mut piece = &input[offset..offset + len];
        offset += len;
        let at_end = offset == input.len();
        let last = at_end && last_with_data;
        loop {
            let mut room = dst_len;
            let mut step = dst.decode(decoder, piece, room, last);
            if step.read == 0 && step.written == 0 && step.status == DecodeStatus::OutputFull {
                assert!(
                    room < MIN_OUTPUT_SPACE,
                    "no progress with {room} bytes of room"
                );
                // Too small for the next character: a caller would offer more room.
                room = MIN_OUTPUT_SPACE;
                step = dst.decode(decoder, piece, room, last);
                assert!(
                    step.read > 0 || step.written > 0 || step.status != DecodeStatus::OutputFull,
                    "no progress with MIN_OUTPUT_SPACE bytes of room"
                );
            }
            dst.take(step.written, &mut output);
            piece = &piece[step.read..];
            match step.status {
                DecodeStatus::InputEmpty => break,
                DecodeStatus::OutputFull => {}
                DecodeStatus::Error(e) => {
                    output_at_first_error.get_or_insert(output.len());
                    errors.push(e);
                }
            }
        }
        if at_end {
            break;
        }
    }
    if !last_with_data {
        // The end of input comes in a call of its own, with nothing in it.
        loop {
            let step = dst.decode(decoder, &[], usize::MAX, true);
            dst.take(step.written, &mut output);
            match step.status {
                DecodeStatus::InputEmpty => break,
                DecodeStatus::OutputFull => {}
                DecodeStatus::Error(e) => {
                    output_at_first_error.get_or_insert(output.len());
                    errors.push(e);
                }
            }
        }
    }
    // Once the input has ended, a further call with nothing in it gives nothing.
    let after = dst.decode(decoder, &[], usize::MAX, true);
    assert_eq!(
        (after.read, after.written, after.status),
        (0, 0, DecodeStatus::InputEmpty)
    );
    (output, errors, output_at_first_error)
}
