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
fn unsupported_charsets_have_their_own_code() {
    match Charset::all().find(|c| !c.is_supported()) {
        Some(charset) => {
            let label = std::ffi::CString::new(charset.name()).unwrap();
            assert_eq!(decode(&label, b"x", 0).0, CU8_UNSUPPORTED_CHARSET);
            let mut dec = ptr::null_mut();
            // SAFETY: label NUL-terminated, out-pointer a local.
            let result = unsafe { cu8_decoder_new(label.as_ptr(), 0, &mut dec) };
            assert_eq!((result, dec), (CU8_UNSUPPORTED_CHARSET, ptr::null_mut()));
        }
        None => eprintln!("every charset has a decoder: nothing is unsupported"),
    }
    assert_eq!(
        result_for_error(&Error::Unsupported { name: "X" }),
        CU8_UNSUPPORTED_CHARSET
    );
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
    for code in -1..=9 {
        // SAFETY: cu8_result_message returns a static NUL-terminated string for any value.
        let text = unsafe { CStr::from_ptr(cu8_result_message(code)) };
        assert!(!text.is_empty());
    }
    // SAFETY: as above.
    let unknown = unsafe { CStr::from_ptr(cu8_result_message(99)) };
    assert_eq!(unknown, c"unknown cu8_result value");
    // SAFETY: cu8_version returns a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(cu8_version()) };
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
}
