//! The C ABI entry points with fuzzer-chosen buffer sizes.
//!
//! The capi crate builds only a cdylib and a staticlib, so its source is compiled in here as a
//! module: the very `cu8_*` functions C callers get, called through their C signatures.
//!
//! Input: two bytes pick the charset; one byte the flags (policy, WHATWG labels); one byte the
//! output buffer size for streaming (0 to 255: smaller than a character is allowed by the ABI
//! and must only ever answer CU8_OUTPUT_FULL); one byte the buffer sizes for
//! `cu8_decoder_error_bytes` and `cu8_decoder_error_message`; one byte how many piece lengths
//! follow (up to 15); then up to 24 bytes of a raw label (to NUL) for `cu8_decoder_new`; the
//! rest is the input.
//!
//! `cu8_decode` must give what the engine gives; `cu8_decoder_decode` in any pieces must give
//! what `cu8_decode` gives (Strict resumed after each error: what Ignore gives); CU8_INTERNAL_ERROR
//! (a caught panic) is always a failure.

#[path = "../../crates/convert-utf8-capi/src/lib.rs"]
pub mod ffi;

use crate::{Reader, assert_utf8, decode_one_shot, pick_charset};
use convert_utf8::{Charset, ErrorPolicy, LabelMode};
use ffi::cu8_result::{self, *};
use ffi::*;
use std::ffi::{CString, c_char};
use std::ptr;

pub fn check(data: &[u8]) {
    let mut reader = Reader::new(data);
    let charset = pick_charset(reader.u16());
    let flag_byte = reader.byte();
    let policy_flag = u32::from(flag_byte % 3);
    let policy = [
        ErrorPolicy::Strict,
        ErrorPolicy::Ignore,
        ErrorPolicy::Replace,
    ][policy_flag as usize];
    let dst_len = usize::from(reader.byte());
    let sizes = reader.byte();
    let (bytes_len, message_len) = (usize::from(sizes & 0x1F), usize::from(sizes >> 3) * 9);
    let pieces = usize::from(reader.byte() % 16);
    let chunk_lens = crate::chunk_lens(reader.bytes(pieces));
    let raw_label = reader.bytes(24);
    let input = reader.rest();
    // A name the C ABI resolves to `charset` (the canonical name `INTERNAL` is not one: glibc
    // refuses it as a label, and so does convert-utf8; its alias `WCHAR_T` is).
    let mode = if charset.family() == convert_utf8::Family::Whatwg {
        LabelMode::Whatwg
    } else {
        LabelMode::Glibc
    };
    let name = std::iter::once(charset.name())
        .chain(charset.aliases().iter().copied())
        .find(|name| Charset::for_label_in(name, mode).ok() == Some(charset))
        .expect("some name of a charset resolves to it");
    let name = CString::new(name).unwrap();
    // WHATWG encodings' names mean them only in WHATWG mode; glibc names resolve in either mode
    // to something, so only the glibc mode is sure to mean `charset`.
    let flags = policy_flag
        | if charset.family() == convert_utf8::Family::Whatwg {
            CU8_WHATWG_LABELS
        } else {
            0
        };
    let context = (charset, policy, dst_len, &chunk_lens, input);

    let whole = one_shot(&name, input, flags);
    assert_eq!(
        whole,
        one_shot(&name, input, flags),
        "{context:?}: not deterministic"
    );
    let engine = decode_one_shot(charset, policy, input);
    match &whole {
        (CU8_OK, output, offset) => {
            assert_utf8(output, &context);
            assert_eq!(engine.stopped_by, None, "{context:?}");
            assert_eq!(
                *output, engine.output,
                "{context:?}: cu8_decode differs from the engine"
            );
            let first = engine
                .first_error
                .map_or(usize::MAX, |e| e.offset() as usize);
            assert_eq!(*offset, first, "{context:?}: first error offset");
        }
        (CU8_INVALID_INPUT | CU8_INCOMPLETE_INPUT, output, offset) => {
            assert!(output.is_empty(), "{context:?}: output on failure");
            let error = engine.stopped_by.expect("the engine stops too");
            assert_eq!(
                *offset,
                error.offset() as usize,
                "{context:?}: error offset"
            );
            assert!(
                *offset < input.len(),
                "{context:?}: offset outside the input"
            );
        }
        (other, ..) => panic!("{context:?}: cu8_decode answered {other:?}"),
    }

    let streamed = streaming(
        &name,
        flags,
        input,
        &chunk_lens,
        dst_len,
        bytes_len,
        message_len,
    );
    let expected = if policy == ErrorPolicy::Strict {
        decode_one_shot(charset, ErrorPolicy::Ignore, input).output
    } else {
        whole.1
    };
    assert_eq!(
        streamed, expected,
        "{context:?}: cu8_decoder_decode differs from cu8_decode"
    );

    raw_label_opens_cleanly(raw_label, flag_byte);
}

/// `cu8_decode`: the result, the output (checked NUL-terminated, then freed) and the offset.
fn one_shot(name: &CString, input: &[u8], flags: u32) -> (cu8_result, Vec<u8>, usize) {
    let (mut dst, mut dst_len, mut offset) = (ptr::null_mut(), usize::MAX, 0);
    // SAFETY: a NUL-terminated name, `input` readable for its length, out-pointers to locals.
    let result = unsafe {
        cu8_decode(
            name.as_ptr(),
            input.as_ptr(),
            input.len(),
            flags,
            &mut dst,
            &mut dst_len,
            &mut offset,
        )
    };
    if result != CU8_OK {
        assert!(
            dst.is_null() && dst_len == 0,
            "{result:?} left an output behind"
        );
        return (result, Vec::new(), offset);
    }
    assert!(!dst.is_null());
    // SAFETY: on CU8_OK, `dst` holds `dst_len` bytes and a NUL, until cu8_free.
    let output = unsafe {
        let output = std::slice::from_raw_parts(dst, dst_len + 1);
        assert_eq!(output[dst_len], 0, "not NUL-terminated");
        let output = output[..dst_len].to_vec();
        cu8_free(dst, dst_len);
        output
    };
    (result, output, offset)
}

/// `cu8_decoder_decode` over the pieces, resuming after each error (whose offset, bytes and
/// message are read back into buffers of the given sizes and checked).
fn streaming(
    name: &CString,
    flags: u32,
    input: &[u8],
    chunk_lens: &[usize],
    dst_len: usize,
    bytes_len: usize,
    message_len: usize,
) -> Vec<u8> {
    let mut dec = ptr::null_mut();
    // SAFETY: a NUL-terminated name and an out-pointer to a local.
    assert_eq!(
        unsafe { cu8_decoder_new(name.as_ptr(), flags, &mut dec) },
        CU8_OK
    );
    let mut output = Vec::new();
    let mut dst = vec![0u8; dst_len.max(CU8_MIN_OUTPUT_SPACE)];
    let mut offset = 0;
    let mut chunks = chunk_lens.iter().cycle();
    let mut errors = 0u64;
    loop {
        let len = match chunks.next() {
            Some(&len) => len.min(input.len() - offset),
            None => input.len(),
        };
        let mut piece = &input[offset..offset + len];
        offset += len;
        let last = offset == input.len();
        loop {
            let mut decode = |room: usize| {
                let (mut read, mut written) = (usize::MAX, usize::MAX);
                // SAFETY: a live decoder; `piece` readable and `dst[..room]` writable (room is
                // at most dst.len()), not overlapping; out-pointers to locals.
                let result = unsafe {
                    cu8_decoder_decode(
                        dec,
                        piece.as_ptr(),
                        piece.len(),
                        &mut read,
                        dst.as_mut_ptr(),
                        room,
                        &mut written,
                        last,
                    )
                };
                (result, read, written)
            };
            let mut room = dst_len;
            let (mut result, mut read, mut written) = decode(room);
            if result == CU8_OUTPUT_FULL && read == 0 && written == 0 {
                assert!(
                    room < CU8_MIN_OUTPUT_SPACE,
                    "no progress with {room} bytes of room"
                );
                room = CU8_MIN_OUTPUT_SPACE;
                (result, read, written) = decode(room);
            }
            assert!(
                read <= piece.len() && written <= room,
                "{result:?}: read {read}, wrote {written}"
            );
            output.extend_from_slice(&dst[..written]);
            piece = &piece[read..];
            match result {
                CU8_OK => break,
                CU8_OUTPUT_FULL => {}
                CU8_INVALID_INPUT | CU8_INCOMPLETE_INPUT => {
                    errors += 1;
                    check_error_queries(dec, input, offset - piece.len(), bytes_len, message_len);
                }
                other => panic!("cu8_decoder_decode answered {other:?}"),
            }
        }
        if last {
            break;
        }
    }
    // SAFETY: a live decoder.
    unsafe {
        let counted = cu8_decoder_error_count(dec);
        if flags & 3 == CU8_STRICT {
            assert_eq!(counted, errors, "error count");
        }
        assert_eq!(cu8_decoder_position(dec), input.len() as u64);
        assert_eq!(cu8_decoder_reset(dec), CU8_OK);
        assert_eq!(cu8_decoder_error_offset(dec), CU8_NO_ERROR);
        cu8_decoder_free(dec);
    }
    output
}

/// After an error reported with the input consumed up to `consumed`: its offset lies inside
/// what was consumed, its bytes are the input's there, and the message is NUL-terminated.
fn check_error_queries(
    dec: *mut cu8_decoder,
    input: &[u8],
    consumed: usize,
    bytes_len: usize,
    message_len: usize,
) {
    // SAFETY: a live decoder.
    let offset = unsafe { cu8_decoder_error_offset(dec) };
    assert!(
        offset < consumed as u64,
        "error offset {offset} beyond the {consumed} bytes read"
    );
    let offset = offset as usize;
    let mut bytes = vec![0xAAu8; bytes_len];
    let mut n = usize::MAX;
    // SAFETY: `bytes` is writable for its length; out-pointer to a local.
    let result = unsafe { cu8_decoder_error_bytes(dec, bytes.as_mut_ptr(), bytes.len(), &mut n) };
    assert!(matches!(result, CU8_OK | CU8_OUTPUT_FULL), "{result:?}");
    assert!(
        n <= bytes_len && (n > 0 || bytes_len == 0),
        "{n} error bytes in {bytes_len}"
    );
    assert_eq!(
        bytes[..n],
        input[offset..(offset + n).min(input.len())],
        "error bytes"
    );
    let mut message = vec![0x55 as c_char; message_len];
    let mut n = usize::MAX;
    // SAFETY: `message` is writable for its length; out-pointer to a local.
    let result =
        unsafe { cu8_decoder_error_message(dec, message.as_mut_ptr(), message.len(), &mut n) };
    assert!(matches!(result, CU8_OK | CU8_OUTPUT_FULL), "{result:?}");
    if message_len > 0 {
        assert!(
            n < message_len && message[n] == 0,
            "message not NUL-terminated"
        );
    }
}

/// `cu8_decoder_new` with any label bytes (cut at a NUL): a clean answer, never a crash.
fn raw_label_opens_cleanly(raw: &[u8], flags: u8) {
    let raw = raw.split(|&b| b == 0).next().unwrap_or_default();
    let label = CString::new(raw).unwrap();
    let mut dec = ptr::null_mut();
    // SAFETY: a NUL-terminated label and an out-pointer to a local.
    let result = unsafe { cu8_decoder_new(label.as_ptr(), u32::from(flags) * 0x101, &mut dec) };
    match result {
        // SAFETY: a decoder just created.
        CU8_OK => unsafe { cu8_decoder_free(dec) },
        CU8_UNKNOWN_CHARSET | CU8_INVALID_ARGUMENT => {
            assert!(dec.is_null(), "{result:?} with a decoder");
        }
        other => panic!("cu8_decoder_new({raw:02X?}) answered {other:?}"),
    }
}
