//! Charset detection: one shot, with a declared label, streamed in fuzzer-chosen pieces, and
//! through the C ABI's `cu8_detect`.
//!
//! Input: one byte picks a declared label from [`LABELS`]; one byte says how many piece lengths
//! follow (low 4 bits, up to 15) and whether to grow the input past the detector's sample limit
//! (bits 4-6: 6 grows it to 40 KiB, 7 to 80 KiB, anything else leaves it alone, so that the slow
//! big inputs stay a quarter of the runs; bit 7: ASCII text before the input, else the input
//! repeated); the piece lengths (a byte below 128 is that many bytes, above it that many KiB
//! less 127), cycled; one byte the C name and language buffer sizes; the rest is the input.
//!
//! Only what the API promises is checked: no panic; the same input twice gives the same answer;
//! confidences are finite and within 0..=1; a charset is named unless the basis is binary or
//! unknown (and then none is); streaming in any pieces, going on feeding after the detector has
//! said it wants no more or stopping there, gives exactly the one-shot detection; a declared
//! label is reported back and, when kept, is the answer; `cu8_detect` agrees with the engine and
//! names a charset that reopens to it.

use crate::Reader;
use crate::capi::ffi::cu8_result::{self, *};
use crate::capi::ffi::{CU8_CHARSET_NAME_SIZE, CU8_LANGUAGE_SIZE, cu8_detect};
use convert_utf8::detect::{Basis, DeclaredVerdict};
use convert_utf8::{Charset, Detection, Detector, detect, detect_with_declared};
use std::ffi::{CStr, CString, c_char};

/// Real labels, as they come in HTTP headers, HTML and file metadata.
const LABELS: [&str; 16] = [
    "UTF-8",
    "ISO-8859-1",
    "windows-1252",
    "KOI8-R",
    "Shift_JIS",
    "EUC-JP",
    "GBK",
    "Big5",
    "EUC-KR",
    "UTF-16LE",
    "UTF-16",
    "ISO-2022-JP",
    "IBM037",
    "ISO-8859-7",
    "CP1251",
    "US-ASCII",
];

/// ASCII text put before the input to push its first non-ASCII byte far in.
const FILLER: &[u8] = b"The quick brown fox jumps over the lazy dog; 0123456789.\n";

pub fn check(data: &[u8]) {
    let mut reader = Reader::new(data);
    let label = LABELS[usize::from(reader.byte()) % LABELS.len()];
    let shape = reader.byte();
    let chunk_lens: Vec<usize> = reader
        .bytes(usize::from(shape & 0x0F))
        .iter()
        .map(|&b| match b {
            0..=127 => usize::from(b),
            _ => usize::from(b - 127) * 1024,
        })
        .collect();
    // Pieces of nothing alone would never reach the end of the input.
    let chunk_lens = if chunk_lens.iter().all(|&len| len == 0) {
        Vec::new()
    } else {
        chunk_lens
    };
    let sizes = reader.byte();
    let rest = reader.rest();
    let input = grown(rest, shape);
    let input = &input[..];
    let declared = Charset::for_label(label).expect("the fuzz labels are known");
    let context = (label, &chunk_lens, sizes, input.len());

    // Arbitrary bytes, header and all, then the input proper.
    check_detection(&detect(data), data, &context);
    let plain = detect(input);
    check_detection(&plain, input, &context);
    assert_eq!(plain, detect(input), "{context:?}: not deterministic");
    assert_eq!(plain.declared(), None, "{context:?}: nothing was declared");
    assert_eq!(
        streamed(input, &chunk_lens, None),
        plain,
        "{context:?}: streaming differs from one shot"
    );

    let labelled = detect_with_declared(input, declared);
    check_detection(&labelled, input, &context);
    assert_eq!(
        labelled,
        detect_with_declared(input, declared),
        "{context:?}: not deterministic with a label"
    );
    match labelled.declared() {
        Some((charset, verdict)) => {
            assert_eq!(charset, declared, "{context:?}: another label reported");
            if verdict == DeclaredVerdict::Kept {
                assert_eq!(
                    (labelled.charset(), labelled.basis()),
                    (Some(declared), Basis::Declared),
                    "{context:?}: a kept label is the answer"
                );
            }
        }
        None => panic!("{context:?}: the declared label is not reported"),
    }
    assert_eq!(
        streamed(input, &chunk_lens, Some(declared)),
        labelled,
        "{context:?}: streaming differs from one shot with a label"
    );

    let c_label = CString::new(label).unwrap();
    through_c_abi(input, None, &plain, sizes, &context);
    through_c_abi(input, Some(&c_label), &labelled, sizes, &context);
}

/// The input proper, grown past the sample limit as the shape byte asks: ASCII text before it
/// (so that the sample starts far in, with context), or the input repeated (so that the sample
/// fills and its end may cut a character).
fn grown(rest: &[u8], shape: u8) -> Vec<u8> {
    let target = match (shape >> 4) & 0x07 {
        6 => 40 * 1024,
        7 => 80 * 1024,
        _ => 0,
    };
    let mut input = Vec::with_capacity(target + rest.len());
    if shape & 0x80 != 0 {
        while input.len() < target {
            input.extend_from_slice(FILLER);
        }
        input.extend_from_slice(rest);
    } else {
        input.extend_from_slice(rest);
        while !rest.is_empty() && input.len() < target {
            input.extend_from_slice(rest);
        }
    }
    input
}

/// What holds for any detection of `input`.
fn check_detection(detection: &Detection, input: &[u8], context: &dyn std::fmt::Debug) {
    let confidence = detection.confidence();
    assert!(
        (0.0..=1.0).contains(&confidence),
        "{context:?}: confidence {confidence}"
    );
    for alternative in detection.alternatives() {
        assert!(
            (0.0..=1.0).contains(&alternative.confidence),
            "{context:?}: alternative {alternative:?}"
        );
    }
    let basis = detection.basis();
    let without_charset = matches!(basis, Basis::Binary | Basis::Unknown);
    assert_eq!(
        detection.charset().is_none(),
        without_charset,
        "{context:?}: charset {:?} with basis {basis:?}",
        detection.charset()
    );
    assert_eq!(detection.is_binary(), basis == Basis::Binary, "{context:?}");
    assert_eq!(detection.bom(), detection.bom_len() > 0, "{context:?}");
    assert!(
        detection.bom_len() <= input.len(),
        "{context:?}: a mark of {} bytes in {}",
        detection.bom_len(),
        input.len()
    );
    if basis == Basis::Empty {
        assert!(input.is_empty(), "{context:?}: empty basis for bytes");
    }
}

/// A streaming detector fed `input` in the pieces `chunk_lens` cycles through (one piece when
/// there are none), checked against itself: going on after `feed` said it wants no more must
/// change nothing, and `feed` must keep saying so.
fn streamed(input: &[u8], chunk_lens: &[usize], declared: Option<Charset>) -> Detection {
    let mut detector = Detector::new();
    if let Some(charset) = declared {
        detector.declare(charset);
    }
    let mut stopped_early: Option<Detection> = None;
    let mut lens = chunk_lens.iter().cycle();
    let mut offset = 0;
    loop {
        let len = lens.next().map_or(input.len(), |&len| len);
        let piece = &input[offset..(offset + len).min(input.len())];
        offset += piece.len();
        let wants_more = detector.feed(piece);
        if stopped_early.is_some() {
            assert!(!wants_more, "feed wants more after it said it did not");
        } else if !wants_more {
            // What a caller that stops feeding here gets.
            stopped_early = Some(detector.clone().finish());
        }
        if offset == input.len() {
            break;
        }
    }
    let detection = detector.finish();
    if let Some(early) = stopped_early {
        // Further input is ignored.
        assert_eq!(detection, early, "input after the stop counted");
    }
    detection
}

/// `cu8_detect` on `input`, with name and language buffers of the sizes `sizes` picks (0 to 15
/// and 0 to 15 bytes, or the sizes that always suffice when a nibble is 15), against the engine.
fn through_c_abi(
    input: &[u8],
    declared: Option<&CStr>,
    engine: &Detection,
    sizes: u8,
    context: &dyn std::fmt::Debug,
) {
    let pick = |nibble: u8, always: usize| match nibble {
        15 => always,
        n => usize::from(n),
    };
    let name_len = pick(sizes & 0x0F, CU8_CHARSET_NAME_SIZE);
    let language_len = pick(sizes >> 4, CU8_LANGUAGE_SIZE);
    let mut name = vec![b'#' as c_char; name_len];
    let mut language = vec![b'#' as c_char; language_len];
    let (mut confidence, mut bom_len) = (-1.0f32, usize::MAX);
    // SAFETY: `input` is readable for its length, the label NULL or NUL-terminated, the buffers
    // locals of the lengths given, distinct from the input and each other.
    let result = unsafe {
        cu8_detect(
            input.as_ptr(),
            input.len(),
            declared.map_or(std::ptr::null(), CStr::as_ptr),
            name.as_mut_ptr(),
            name_len,
            &mut confidence,
            language.as_mut_ptr(),
            language_len,
            &mut bom_len,
        )
    };
    let text = |buf: &[c_char]| -> Option<String> {
        let end = buf.iter().position(|&c| c == 0)?;
        Some(buf[..end].iter().map(|&c| c as u8 as char).collect())
    };
    let (name, language) = (text(&name), text(&language));
    if name_len > 0 {
        assert!(
            name.is_some(),
            "{context:?}: the name is not NUL-terminated"
        );
    }
    if language_len > 0 {
        assert!(
            language.is_some(),
            "{context:?}: the language is not NUL-terminated"
        );
    }
    let (name, language) = (name.unwrap_or_default(), language.unwrap_or_default());
    let Some(charset) = engine.charset() else {
        let expected: cu8_result = if engine.is_binary() {
            CU8_BINARY_INPUT
        } else {
            CU8_UNDETECTED_CHARSET
        };
        assert_eq!(
            result, expected,
            "{context:?}: cu8_detect without a charset"
        );
        assert!(
            name.is_empty() && language.is_empty(),
            "{context:?}: a name for no charset"
        );
        assert_eq!(bom_len, 0, "{context:?}");
        if result == CU8_BINARY_INPUT {
            assert_eq!(confidence, engine.confidence(), "{context:?}: confidence");
        }
        return;
    };
    let engine_language = engine.language().unwrap_or("");
    // Strings are whole or empty, never cut.
    let name_fits = c_name(charset).len() < name_len;
    let language_fits = language_len == 0 || engine_language.len() < language_len;
    let expected = if name_fits && language_fits {
        CU8_OK
    } else {
        CU8_OUTPUT_FULL
    };
    assert_eq!(result, expected, "{context:?}: cu8_detect result");
    assert_eq!(confidence, engine.confidence(), "{context:?}: confidence");
    assert_eq!(bom_len, engine.bom_len(), "{context:?}: bom_len");
    if name_fits {
        assert_eq!(
            Charset::for_label(&name).ok(),
            Some(charset),
            "{context:?}: the name {name:?} does not reopen {charset:?}"
        );
    } else {
        assert!(name.is_empty(), "{context:?}: a cut name {name:?}");
    }
    if language_len > 0 {
        let expected = if language_fits { engine_language } else { "" };
        assert_eq!(language, expected, "{context:?}: language");
    }
}

/// The name `cu8_detect` writes for `charset`: the first of its names that resolves back to it
/// (`INTERNAL` is not a label; its alias `WCHAR_T` is).
fn c_name(charset: Charset) -> &'static str {
    std::iter::once(charset.name())
        .chain(charset.aliases().iter().copied())
        .find(|name| Charset::for_label(name).ok() == Some(charset))
        .unwrap_or(charset.name())
}
