//! Unit tests of the boundary: every unsafe path driven from Rust, panics turned into codes, and
//! the limits the header promises. The C programs in `tests/c/` drive the same functions from C.

use super::*;
use std::ffi::CStr;

fn decode(label: &CStr, src: &[u8], flags: u32) -> (cu8_result, Option<Vec<u8>>, usize) {
    let mut dst = ptr::null_mut();
    let mut dst_len = usize::MAX;
    let mut offset = 0;
    // SAFETY: label is NUL-terminated, src is a live slice, the out-pointers are locals.
    let result = unsafe {
        cu8_decode(
            label.as_ptr(),
            src.as_ptr(),
            src.len(),
            flags,
            &mut dst,
            &mut dst_len,
            &mut offset,
        )
    };
    if dst.is_null() {
        assert_eq!(dst_len, 0);
        return (result, None, offset);
    }
    // SAFETY: cu8_decode returned dst_len bytes plus a NUL at dst.
    let out = unsafe { std::slice::from_raw_parts(dst, dst_len + 1) }.to_vec();
    assert_eq!(out.last(), Some(&0), "the buffer is NUL-terminated");
    // SAFETY: the buffer and length cu8_decode returned, freed once.
    unsafe { cu8_free(dst, dst_len) };
    (result, Some(out[..dst_len].to_vec()), offset)
}

fn new_decoder(label: &CStr, flags: u32) -> *mut cu8_decoder {
    let mut dec = ptr::null_mut();
    // SAFETY: label NUL-terminated, out-pointer a local.
    assert_eq!(
        unsafe { cu8_decoder_new(label.as_ptr(), flags, &mut dec) },
        CU8_OK
    );
    dec
}

fn feed(
    dec: *mut cu8_decoder,
    src: &[u8],
    dst: &mut [u8],
    last: bool,
) -> (cu8_result, usize, usize) {
    let (mut read, mut written) = (usize::MAX, usize::MAX);
    // SAFETY: dec is live, src and dst are distinct live slices, out-pointers are locals.
    let result = unsafe {
        cu8_decoder_decode(
            dec,
            src.as_ptr(),
            src.len(),
            &mut read,
            dst.as_mut_ptr(),
            dst.len(),
            &mut written,
            last,
        )
    };
    (result, read, written)
}

fn message(dec: *const cu8_decoder, len: usize) -> (cu8_result, String) {
    let mut buf = vec![b'#' as c_char; len];
    let mut n = usize::MAX;
    // SAFETY: buf holds len writable bytes, n is a local.
    let result = unsafe { cu8_decoder_error_message(dec, buf.as_mut_ptr(), len, &mut n) };
    if len > 0 {
        assert_eq!(buf[n], 0, "NUL-terminated right after the text");
    }
    let text = buf[..n].iter().map(|&c| c as u8 as char).collect();
    (result, text)
}

#[test]
fn one_shot_decodes_and_reports_offsets() {
    assert_eq!(
        decode(c"utf8", "café".as_bytes(), CU8_STRICT),
        (CU8_OK, Some("café".as_bytes().to_vec()), usize::MAX)
    );
    assert_eq!(
        decode(c"UTF-8", b"ab\xFFcd", CU8_STRICT),
        (CU8_INVALID_INPUT, None, 2)
    );
    assert_eq!(
        decode(c"UTF-8", b"ab\xE2\x82", CU8_STRICT),
        (CU8_INCOMPLETE_INPUT, None, 2)
    );
    assert_eq!(
        decode(c"UTF-8", b"ab\xFFcd", CU8_REPLACE),
        (CU8_OK, Some("ab\u{FFFD}cd".as_bytes().to_vec()), 2)
    );
    assert_eq!(
        decode(c"UTF-8", b"ab\xFFcd", CU8_IGNORE),
        (CU8_OK, Some(b"abcd".to_vec()), 2)
    );
    assert_eq!(
        decode(c"UTF-8", b"", CU8_STRICT),
        (CU8_OK, Some(Vec::new()), usize::MAX)
    );
}

#[test]
fn one_shot_output_may_outgrow_the_first_allocation() {
    // 100 bad bytes become 300 bytes of U+FFFD: more than the one and a half times the input
    // decode_all starts with, so the buffer grows.
    let (result, out, offset) = decode(c"UTF-8", &[0xFF; 100], CU8_REPLACE);
    assert_eq!((result, offset), (CU8_OK, 0));
    assert_eq!(out, Some("\u{FFFD}".repeat(100).into_bytes()));
}

#[test]
fn one_shot_rejects_bad_arguments() {
    assert_eq!(decode(c"no-such-charset", b"x", 0).0, CU8_UNKNOWN_CHARSET);
    assert_eq!(decode(c"UTF-8", b"x", 3).0, CU8_INVALID_ARGUMENT);
    assert_eq!(decode(c"UTF-8", b"x", 0x200).0, CU8_INVALID_ARGUMENT);
    // glibc drops the bytes of a label that are not ASCII letters, digits or `_.,:/-`.
    assert_eq!(decode(c"UTF\xFF-8", b"x", 0).0, CU8_OK);
    let mut dst = ptr::null_mut();
    let mut len = 7;
    // SAFETY: NULL arguments are what is being tested; the others are valid locals.
    unsafe {
        assert_eq!(
            cu8_decode(
                ptr::null(),
                b"x".as_ptr(),
                1,
                0,
                &mut dst,
                &mut len,
                ptr::null_mut()
            ),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(len, 0);
        assert_eq!(
            cu8_decode(
                c"UTF-8".as_ptr(),
                ptr::null(),
                1,
                0,
                &mut dst,
                &mut len,
                ptr::null_mut()
            ),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decode(
                c"UTF-8".as_ptr(),
                ptr::null(),
                0,
                0,
                ptr::null_mut(),
                &mut len,
                ptr::null_mut()
            ),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decode(
                c"UTF-8".as_ptr(),
                b"x".as_ptr(),
                usize::MAX,
                0,
                &mut dst,
                &mut len,
                ptr::null_mut()
            ),
            CU8_INVALID_ARGUMENT
        );
        // An empty input may come as NULL.
        assert_eq!(
            cu8_decode(
                c"UTF-8".as_ptr(),
                ptr::null(),
                0,
                0,
                &mut dst,
                &mut len,
                ptr::null_mut()
            ),
            CU8_OK
        );
        assert!(!dst.is_null());
        assert_eq!(len, 0);
        cu8_free(dst, len);
        cu8_free(ptr::null_mut(), 0);
        cu8_free(ptr::null_mut(), usize::MAX);
    }
}

#[test]
fn every_charset_opens_and_the_unsupported_code_stays_reserved() {
    for charset in Charset::all() {
        // glibc's INTERNAL is only reachable as WCHAR_T.
        let name = match charset.name() {
            "INTERNAL" => "WCHAR_T",
            name => name,
        };
        let label = std::ffi::CString::new(name).unwrap();
        let mut dec = ptr::null_mut();
        // SAFETY: label NUL-terminated, out-pointer a local.
        let result = unsafe { cu8_decoder_new(label.as_ptr(), 0, &mut dec) };
        assert_eq!(result, CU8_OK, "{name}");
        // SAFETY: a decoder just created.
        unsafe { cu8_decoder_free(dec) };
        let detected = detect(b"x", Some(&label), 16, 0).result;
        assert!(
            !matches!(detected, CU8_UNKNOWN_CHARSET | CU8_UNSUPPORTED_CHARSET),
            "{name}: {detected:?}"
        );
    }
    assert_eq!(CU8_UNSUPPORTED_CHARSET as i32, 8);
    // SAFETY: the message is a static NUL-terminated string.
    let message = unsafe { CStr::from_ptr(cu8_result_message(8)) };
    assert!(message.to_str().unwrap().contains("reserved"));
}

#[test]
fn streaming_reports_absolute_offsets_and_resumes() {
    let dec = new_decoder(c"UTF-8", CU8_STRICT);
    let mut out = [0u8; 32];
    // "é" split across calls, then an invalid byte in the third call.
    assert_eq!(feed(dec, b"ab\xC3", &mut out, false), (CU8_OK, 3, 2));
    assert_eq!(feed(dec, b"\xA9c", &mut out, false), (CU8_OK, 2, 3));
    assert_eq!(&out[..3], "éc".as_bytes());
    assert_eq!(
        feed(dec, b"d\xFFe", &mut out, false),
        (CU8_INVALID_INPUT, 2, 1)
    );
    // SAFETY: dec is live.
    unsafe {
        assert_eq!(cu8_decoder_error_offset(dec), 6);
        assert_eq!(cu8_decoder_error_count(dec), 1);
        assert_eq!(cu8_decoder_position(dec), 7);
    }
    let mut bytes = [0u8; CU8_MAX_BAD_SEQUENCE_LEN];
    let mut n = 0;
    // SAFETY: bytes is a writable local of the given length.
    let result = unsafe { cu8_decoder_error_bytes(dec, bytes.as_mut_ptr(), bytes.len(), &mut n) };
    assert_eq!((result, &bytes[..n]), (CU8_OK, &b"\xFF"[..]));
    assert_eq!(
        message(dec, CU8_ERROR_MESSAGE_SIZE),
        (
            CU8_OK,
            "illegal input sequence at position 6 (bytes 0xFF)".to_owned()
        )
    );
    assert_eq!(message(dec, 8), (CU8_OUTPUT_FULL, "illegal".to_owned()));
    // Resume after the bad byte; a truncated tail with `last` is INCOMPLETE at its own offset.
    assert_eq!(
        feed(dec, b"e\xF0\x9F", &mut out, true),
        (CU8_INCOMPLETE_INPUT, 3, 1)
    );
    // SAFETY: dec is live.
    unsafe {
        assert_eq!(cu8_decoder_error_offset(dec), 8);
        assert_eq!(cu8_decoder_reset(dec), CU8_OK);
        assert_eq!(cu8_decoder_error_offset(dec), CU8_NO_ERROR);
        assert_eq!(cu8_decoder_position(dec), 0);
    }
    assert_eq!(message(dec, 4), (CU8_OK, String::new()));
    // SAFETY: dec came from cu8_decoder_new and is freed once.
    unsafe { cu8_decoder_free(dec) };
}

#[test]
fn streaming_rejects_bad_arguments() {
    let dec = new_decoder(c"UTF-8", CU8_REPLACE);
    let mut buf = *b"abcdefgh";
    let (mut read, mut written) = (9, 9);
    // SAFETY: NULL and overlapping arguments are what is being tested; the rest are locals.
    unsafe {
        let p = buf.as_mut_ptr();
        assert_eq!(
            cu8_decoder_decode(dec, p, 4, &mut read, p.add(2), 4, &mut written, false),
            CU8_INVALID_ARGUMENT
        );
        assert_eq!((read, written), (0, 0));
        // Adjacent but distinct halves are fine.
        assert_eq!(
            cu8_decoder_decode(dec, p, 4, &mut read, p.add(4), 4, &mut written, false),
            CU8_OK
        );
        assert_eq!(&buf[4..], b"abcd");
        let p = buf.as_mut_ptr();
        assert_eq!(
            cu8_decoder_decode(
                ptr::null_mut(),
                p,
                1,
                &mut read,
                p.add(4),
                4,
                &mut written,
                false
            ),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_decode(dec, p, 1, ptr::null_mut(), p.add(4), 4, &mut written, false),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_decode(dec, p, 1, &mut read, p.add(4), 4, ptr::null_mut(), false),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_decode(
                dec,
                ptr::null(),
                1,
                &mut read,
                p.add(4),
                4,
                &mut written,
                false
            ),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_decode(
                dec,
                p,
                1,
                &mut read,
                ptr::null_mut(),
                4,
                &mut written,
                false
            ),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_decode(
                dec,
                p,
                1,
                &mut read,
                p.add(4),
                usize::MAX,
                &mut written,
                false
            ),
            CU8_INVALID_ARGUMENT
        );
        // Empty buffers may be NULL.
        assert_eq!(
            cu8_decoder_decode(
                dec,
                ptr::null(),
                0,
                &mut read,
                ptr::null_mut(),
                0,
                &mut written,
                true
            ),
            CU8_OK
        );
        let mut n = 0;
        assert_eq!(
            cu8_decoder_error_bytes(ptr::null(), ptr::null_mut(), 0, &mut n),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_error_bytes(dec, ptr::null_mut(), 0, ptr::null_mut()),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_error_bytes(dec, ptr::null_mut(), 1, &mut n),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_error_message(ptr::null(), ptr::null_mut(), 0, &mut n),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_error_message(dec, ptr::null_mut(), 0, &mut n),
            CU8_OUTPUT_FULL
        );
        assert_eq!(
            cu8_decoder_error_message(dec, ptr::null_mut(), 0, ptr::null_mut()),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_error_message(dec, ptr::null_mut(), 2, &mut n),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(cu8_decoder_error_offset(ptr::null()), CU8_NO_ERROR);
        assert_eq!(cu8_decoder_error_count(ptr::null()), 0);
        assert_eq!(cu8_decoder_position(ptr::null()), 0);
        assert_eq!(cu8_decoder_max_utf8_len(ptr::null(), 1), usize::MAX);
        assert_eq!(cu8_decoder_max_utf8_len(dec, usize::MAX), usize::MAX);
        assert!(
            cu8_decoder_max_utf8_len(dec, 10) >= 30,
            "REPLACE: three bytes per bad byte"
        );
        assert_eq!(cu8_decoder_reset(ptr::null_mut()), CU8_NULL_ARGUMENT);
        let mut out = ptr::null_mut();
        assert_eq!(cu8_decoder_new(ptr::null(), 0, &mut out), CU8_NULL_ARGUMENT);
        assert_eq!(
            cu8_decoder_new(c"UTF-8".as_ptr(), 0, ptr::null_mut()),
            CU8_NULL_ARGUMENT
        );
        assert_eq!(
            cu8_decoder_new(c"UTF-8".as_ptr(), 7, &mut out),
            CU8_INVALID_ARGUMENT
        );
        assert!(out.is_null());
        cu8_decoder_free(ptr::null_mut());
        cu8_decoder_free(dec);
    }
}

#[test]
fn panics_become_internal_error_and_break_the_decoder() {
    assert_eq!(
        guard(CU8_INTERNAL_ERROR, || panic!("a bug")),
        CU8_INTERNAL_ERROR
    );
    assert_eq!(guard(0u64, || 5), 5);
    // A decoder whose engine call panicked is left marked; later calls refuse it.
    let dec = new_decoder(c"UTF-8", CU8_STRICT);
    // SAFETY: dec is live and used by this thread only.
    unsafe { (*dec).broken = true };
    let mut out = [0u8; 16];
    assert_eq!(
        feed(dec, b"abc", &mut out, true),
        (CU8_INTERNAL_ERROR, 0, 0)
    );
    // SAFETY: dec is live; freed once.
    unsafe {
        assert_eq!(cu8_decoder_reset(dec), CU8_INTERNAL_ERROR);
        cu8_decoder_free(dec);
    }
}

#[test]
fn header_limits_hold() {
    let longest = DecodeError::new(ErrorKind::Truncated, u64::MAX, &[0xFF; 64]).to_string();
    assert!(longest.len() < CU8_ERROR_MESSAGE_SIZE, "{}", longest.len());
    assert!(overlap(8 as *const u8, 4, 10 as *const u8, 4));
    assert!(!overlap(8 as *const u8, 2, 10 as *const u8, 4));
    assert!(!overlap(8 as *const u8, 0, 8 as *const u8, 4));
    assert!(overlap(10 as *const u8, 4, 8 as *const u8, 3));
}

#[test]
fn static_strings() {
    for code in -1..=11 {
        // SAFETY: cu8_result_message returns a static NUL-terminated string for any value.
        let text = unsafe { CStr::from_ptr(cu8_result_message(code)) };
        assert!(!text.is_empty());
    }
    // SAFETY: as above.
    let unknown = unsafe { CStr::from_ptr(cu8_result_message(99)) };
    assert_eq!(unknown, c"unknown cu8_result value");
    for code in [CU8_BINARY_INPUT, CU8_UNDETECTED_CHARSET] {
        // SAFETY: as above.
        let text = unsafe { CStr::from_ptr(cu8_result_message(code as c_int)) };
        assert_ne!(text, unknown, "{code:?} has its own message");
    }
    // SAFETY: cu8_version returns a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(cu8_version()) };
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
}

/// "Съешь же ещё этих мягких французских булок, да выпей чаю." in KOI8-R.
const KOI8_R: &[u8] = b"\xf3\xdf\xc5\xdb\xd8 \xd6\xc5 \xc5\xdd\xa3 \xdc\xd4\xc9\xc8 \xcd\xd1\xc7\xcb\xc9\xc8 \
    \xc6\xd2\xc1\xce\xc3\xd5\xda\xd3\xcb\xc9\xc8 \xc2\xd5\xcc\xcf\xcb, \xc4\xc1 \xd7\xd9\xd0\xc5\xca \xde\xc1\xc0.";
/// The start of a PNG file.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06";

/// What cu8_detect wrote, the strings up to their NUL.
#[derive(Debug, PartialEq)]
struct Detected {
    result: cu8_result,
    name: String,
    confidence: f32,
    language: String,
    bom_len: usize,
}

/// Calls cu8_detect with buffers of the given sizes, poisoned beforehand so that every value
/// read back is one it wrote.
fn detect(src: &[u8], declared: Option<&CStr>, name_len: usize, language_len: usize) -> Detected {
    let mut name = vec![b'#' as c_char; name_len];
    let mut language = vec![b'#' as c_char; language_len];
    let (mut confidence, mut bom_len) = (-1.0f32, usize::MAX);
    // SAFETY: src is a live slice, declared NUL-terminated or NULL, the buffers are locals of
    // the given lengths, the out-pointers locals.
    let result = unsafe {
        cu8_detect(
            src.as_ptr(),
            src.len(),
            declared.map_or(ptr::null(), CStr::as_ptr),
            name.as_mut_ptr(),
            name_len,
            &mut confidence,
            language.as_mut_ptr(),
            language_len,
            &mut bom_len,
        )
    };
    let text = |buf: &[c_char]| {
        if buf.is_empty() {
            return String::new();
        }
        let end = buf.iter().position(|&c| c == 0).expect("NUL-terminated");
        buf[..end].iter().map(|&c| c as u8 as char).collect()
    };
    Detected {
        result,
        name: text(&name),
        confidence,
        language: text(&language),
        bom_len,
    }
}

#[test]
fn detect_names_charset_confidence_language_and_mark() {
    let koi8 = detect(KOI8_R, None, CU8_CHARSET_NAME_SIZE, CU8_LANGUAGE_SIZE);
    assert_eq!(
        (koi8.result, &*koi8.name, &*koi8.language, koi8.bom_len),
        (CU8_OK, "KOI8-R", "ru", 0)
    );
    assert!(koi8.confidence >= CU8_DETECT_THRESHOLD && koi8.confidence <= 1.0);
    // The same as the engine, to the bit.
    assert_eq!(
        koi8.confidence,
        convert_utf8::detect(KOI8_R).confidence(),
        "the engine's confidence"
    );

    let bom = detect(b"\xEF\xBB\xBFtext", None, CU8_CHARSET_NAME_SIZE, 0);
    assert_eq!((bom.result, &*bom.name, bom.bom_len), (CU8_OK, "UTF-8", 3));
    assert_eq!(bom.confidence, 1.0);
    // The UTF-16 decoder reads the mark for the byte order and drops it: decode the bytes whole.
    for bytes in [&b"\xFF\xFEh\0i\0"[..], b"\xFE\xFF\0h\0i"] {
        let utf16 = detect(bytes, None, CU8_CHARSET_NAME_SIZE, 0);
        assert_eq!(
            (utf16.result, &*utf16.name, utf16.bom_len),
            (CU8_OK, "UTF-16", 2)
        );
        assert_eq!(
            decode(c"UTF-16", bytes, CU8_STRICT).1.as_deref(),
            Some(&b"hi"[..])
        );
    }
    let ascii = detect(
        b"plain text",
        None,
        CU8_CHARSET_NAME_SIZE,
        CU8_LANGUAGE_SIZE,
    );
    assert_eq!(
        (ascii.result, &*ascii.name, &*ascii.language),
        (CU8_OK, "ANSI_X3.4-1968", ""),
        "no language: an empty string"
    );
    // Empty input may come as NULL: every charset decodes it, ASCII is named.
    let mut name = [1 as c_char; 32];
    let mut confidence = -1.0;
    // SAFETY: NULL with a zero length is an empty input; name is a writable local.
    let result = unsafe {
        cu8_detect(
            ptr::null(),
            0,
            ptr::null(),
            name.as_mut_ptr(),
            name.len(),
            &mut confidence,
            ptr::null_mut(),
            0,
            ptr::null_mut(),
        )
    };
    // SAFETY: cu8_detect NUL-terminated the name.
    let name = unsafe { CStr::from_ptr(name.as_ptr()) };
    assert_eq!((result, name, confidence), (CU8_OK, c"ANSI_X3.4-1968", 1.0));
}

#[test]
fn detect_weighs_a_declared_label() {
    // Kept where the bytes agree with it.
    let kept = detect(KOI8_R, Some(c"koi8-r"), CU8_CHARSET_NAME_SIZE, 0);
    assert_eq!((kept.result, &*kept.name), (CU8_OK, "KOI8-R"));
    // Overridden where they are invalid in it.
    let invalid = detect(KOI8_R, Some(c"UTF-8"), CU8_CHARSET_NAME_SIZE, 0);
    assert_eq!((invalid.result, &*invalid.name), (CU8_OK, "KOI8-R"));
    // ASCII text under any ASCII-based label reads the same: the label stands.
    let ascii = detect(b"plain", Some(c"latin1"), CU8_CHARSET_NAME_SIZE, 0);
    assert_eq!((ascii.result, &*ascii.name), (CU8_OK, "ISO-8859-1"));
    // A label naming nothing is the unknown-charset code, with nothing written.
    let unknown = detect(KOI8_R, Some(c"no-such-charset"), 16, 16);
    assert_eq!(
        unknown,
        Detected {
            result: CU8_UNKNOWN_CHARSET,
            name: String::new(),
            confidence: 0.0,
            language: String::new(),
            bom_len: 0
        }
    );
    assert_eq!(detect(b"x", Some(c""), 16, 0).result, CU8_UNKNOWN_CHARSET);
}

#[test]
fn detect_reports_binary_and_undetected_input_as_codes() {
    let png = detect(PNG, None, CU8_CHARSET_NAME_SIZE, CU8_LANGUAGE_SIZE);
    assert_eq!(
        (png.result, &*png.name, &*png.language, png.bom_len),
        (CU8_BINARY_INPUT, "", "", 0)
    );
    assert!(
        png.confidence > 0.5 && png.confidence <= 1.0,
        "sure it is binary"
    );
    // No name to write, so no room is needed for one.
    assert_eq!(detect(PNG, None, 0, 0).result, CU8_BINARY_INPUT);
    // No input reaches Basis::Unknown today (KOI8-R and IBM037 decode every byte, so some
    // candidate always scores); its code is mapped all the same.
    assert_eq!(
        result_without_charset(Basis::Unknown),
        CU8_UNDETECTED_CHARSET
    );
    assert_eq!(result_without_charset(Basis::Binary), CU8_BINARY_INPUT);
}

#[test]
fn detect_never_cuts_a_string_that_does_not_fit() {
    // "KOI8-R" and its NUL need 7 bytes; "ru" 3.
    let tight = detect(KOI8_R, None, 7, 3);
    assert_eq!(
        (tight.result, &*tight.name, &*tight.language),
        (CU8_OK, "KOI8-R", "ru")
    );
    let short_name = detect(KOI8_R, None, 6, 3);
    assert_eq!(
        (short_name.result, &*short_name.name, &*short_name.language),
        (CU8_OUTPUT_FULL, "", "ru")
    );
    assert!(short_name.confidence > 0.5, "the other values are written");
    let short_language = detect(KOI8_R, None, 7, 2);
    assert_eq!(
        (
            short_language.result,
            &*short_language.name,
            &*short_language.language
        ),
        (CU8_OUTPUT_FULL, "KOI8-R", "")
    );
    assert_eq!(detect(KOI8_R, None, 0, 0).result, CU8_OUTPUT_FULL);
    // Without language room the language is simply not asked for.
    assert_eq!(detect(KOI8_R, None, 7, 0).result, CU8_OK);
}

#[test]
fn detect_rejects_bad_arguments() {
    let mut name = [b'#' as c_char; 16];
    let mut language = [b'#' as c_char; 16];
    let mut confidence = -1.0;
    let mut bom_len = 9;
    let call = |src: *const u8,
                src_len: usize,
                name: *mut c_char,
                name_len: usize,
                language: *mut c_char,
                language_len: usize,
                confidence: *mut f32,
                bom_len: *mut usize| {
        // SAFETY: every case below passes NULL or live locals of at least the lengths given,
        // except where a bad pointer or length is what is tested (and rejected before use).
        unsafe {
            cu8_detect(
                src,
                src_len,
                ptr::null(),
                name,
                name_len,
                confidence,
                language,
                language_len,
                bom_len,
            )
        }
    };
    let (n, l) = (name.as_mut_ptr(), language.as_mut_ptr());
    let src = KOI8_R.as_ptr();
    let len = KOI8_R.len();
    assert_eq!(
        call(ptr::null(), 1, n, 16, l, 16, &mut confidence, &mut bom_len),
        CU8_NULL_ARGUMENT
    );
    // The numbers were reset before the arguments were judged; the buffers are left alone.
    let poison = b'#' as c_char;
    assert_eq!(
        (name[0], language[0], confidence, bom_len),
        (poison, poison, 0.0, 0)
    );
    let (n, l) = (name.as_mut_ptr(), language.as_mut_ptr());
    assert_eq!(
        call(
            src,
            len,
            ptr::null_mut(),
            16,
            l,
            16,
            &mut confidence,
            &mut bom_len
        ),
        CU8_NULL_ARGUMENT
    );
    assert_eq!(
        call(
            src,
            len,
            n,
            16,
            ptr::null_mut(),
            16,
            &mut confidence,
            &mut bom_len
        ),
        CU8_NULL_ARGUMENT
    );
    assert_eq!(
        call(src, usize::MAX, n, 16, l, 16, &mut confidence, &mut bom_len),
        CU8_INVALID_ARGUMENT
    );
    assert_eq!(
        call(
            src,
            len,
            n,
            usize::MAX,
            l,
            16,
            &mut confidence,
            &mut bom_len
        ),
        CU8_INVALID_ARGUMENT
    );
    // Overlapping buffers: the name over the language, or either over the input.
    // SAFETY: n + 8 stays inside `name`.
    let inside = unsafe { n.add(8) };
    assert_eq!(
        call(src, len, n, 16, inside, 8, &mut confidence, &mut bom_len),
        CU8_INVALID_ARGUMENT
    );
    let mut buffer = [0u8; 64];
    buffer[..7].copy_from_slice(b"abc\xe9def");
    let b = buffer.as_mut_ptr();
    // SAFETY: b + 4 stays inside `buffer`.
    let overlapping_name = unsafe { b.add(4) }.cast::<c_char>();
    assert_eq!(
        call(
            b,
            7,
            overlapping_name,
            16,
            l,
            16,
            &mut confidence,
            &mut bom_len
        ),
        CU8_INVALID_ARGUMENT
    );
    assert_eq!(&buffer[..7], b"abc\xe9def", "the input was not written to");
    // confidence and bom_len may be NULL; so may the language buffer without room.
    assert_eq!(
        call(
            src,
            len,
            n,
            16,
            ptr::null_mut(),
            0,
            ptr::null_mut(),
            ptr::null_mut()
        ),
        CU8_OK
    );
    // A NULL name buffer without room is only a buffer that is too short.
    assert_eq!(
        call(
            src,
            len,
            ptr::null_mut(),
            0,
            l,
            16,
            &mut confidence,
            &mut bom_len
        ),
        CU8_OUTPUT_FULL
    );
}

#[test]
fn detected_names_fit_and_reopen_their_charset() {
    let whatwg_only = ["x-user-defined", "replacement"]
        .map(|label| Charset::for_label(label).expect("known in glibc mode too"));
    for charset in Charset::all().chain(whatwg_only) {
        let name = label_for(charset);
        assert!(name.len() < CU8_CHARSET_NAME_SIZE, "{name}");
        assert_eq!(Charset::for_label(name).ok(), Some(charset), "{name}");
        let c_name = std::ffi::CString::new(name).unwrap();
        assert_ne!(
            decode(&c_name, b"", CU8_STRICT).0,
            CU8_UNKNOWN_CHARSET,
            "{name}"
        );
    }
    // The one canonical name glibc refuses as a label.
    let internal = Charset::for_label("WCHAR_T").unwrap();
    assert_eq!(
        (internal.name(), label_for(internal)),
        ("INTERNAL", "WCHAR_T")
    );
}

#[test]
fn detected_languages_fit() {
    // The tags come from the generated models; every one must fit CU8_LANGUAGE_SIZE.
    let models = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../convert-utf8/src/detect/models.rs"
    ))
    .expect("read the engine's detection models");
    let tags: Vec<&str> = models
        .split("language: \"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').expect("a closing quote")])
        .collect();
    assert!(tags.len() > 20 && tags.contains(&"zh-Hant"), "{tags:?}");
    for tag in tags {
        assert!(tag.len() < CU8_LANGUAGE_SIZE, "{tag}");
    }
}
