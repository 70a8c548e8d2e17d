//! The C ABI of convert-utf8: `libconvert_utf8.so` / `libconvert_utf8.a` and `convert_utf8.h`.
//!
//! This crate owns nothing but the translation between C and the engine: C strings, pointers
//! and lengths in; [`cu8_result`] codes, offsets and caller-buffer writes out. Error policies,
//! error positions and the bytes of bad sequences come from the engine's [`Decoder`], and
//! charset detection from its [`convert_utf8::detect_with_declared`]; nothing here
//! re-implements them.
//!
//! Every export
//! - runs inside [`guard`], so a panic (a bug) becomes `CU8_INTERNAL_ERROR` instead of unwinding
//!   into C (the release profile keeps `panic = "unwind"` for this);
//! - checks every pointer for NULL and every length for sanity before touching memory, and
//!   writes its out-parameters' "nothing" values first, so callers never read stale values.
//!
//! `include/convert_utf8.h` is generated from this file by cbindgen (`tests/header.rs` checks it
//! is current): the doc comments here are the C documentation, hence their C vocabulary.

// The exported names are the C names (`cu8_result`, `CU8_OK`, `cu8_decoder`).
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::ffi::{CStr, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use convert_utf8::detect::Basis;
use convert_utf8::{
    Charset, DecodeError, DecodeStatus, Decoder, Error, ErrorKind, ErrorPolicy, LabelMode,
};

#[cfg(test)]
mod tests;

/// What a call did. Every function that can fail returns one of these.
///
/// The values are stable: new codes are only ever appended.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cu8_result {
    /// Success. For cu8_decoder_decode: all of `src` was consumed.
    CU8_OK = 0,
    /// The charset label names no charset (glibc's names and aliases, then WHATWG, Python and
    /// MIME names are tried).
    CU8_UNKNOWN_CHARSET = 1,
    /// An invalid sequence (CU8_STRICT only): see the error offset. Its bytes were consumed.
    CU8_INVALID_INPUT = 2,
    /// Input ended inside a character or shift sequence (CU8_STRICT, with `last` true): see the
    /// error offset. Its bytes were consumed.
    CU8_INCOMPLETE_INPUT = 3,
    /// Streaming: `dst` is full. Call again with the unread input and more room.
    CU8_OUTPUT_FULL = 4,
    /// A required pointer argument is NULL.
    CU8_NULL_ARGUMENT = 5,
    /// An argument is out of range: unknown flag bits, overlapping `src` and `dst`, or a length
    /// larger than PTRDIFF_MAX.
    CU8_INVALID_ARGUMENT = 6,
    /// A bug inside the library, caught at its boundary. Nothing was written past `dst`; a
    /// decoder that reported it stays unusable (free it).
    CU8_INTERNAL_ERROR = 7,
    /// Reserved, never returned: every known charset has a decoder. The number stays taken so
    /// that the codes after it keep theirs.
    CU8_UNSUPPORTED_CHARSET = 8,
    /// cu8_detect: the bytes look binary rather than text, so no charset is named.
    CU8_BINARY_INPUT = 9,
    /// cu8_detect: the bytes look like text, but in no charset the detector can name.
    CU8_UNDETECTED_CHARSET = 10,
}

use cu8_result::*;

/// Error policy flag: stop at each bad sequence and report it (CU8_INVALID_INPUT or
/// CU8_INCOMPLETE_INPUT). The default.
pub const CU8_STRICT: u32 = 0;
/// Error policy flag: drop each bad sequence (exactly the bytes `iconv -c` drops) and go on.
/// Bad sequences are still counted (cu8_decoder_error_count).
pub const CU8_IGNORE: u32 = 1;
/// Error policy flag: write U+FFFD for each bad sequence (one per unit `iconv -c` would drop)
/// and go on. Bad sequences are still counted (cu8_decoder_error_count).
pub const CU8_REPLACE: u32 = 2;
/// Label flag, OR-ed with a policy: give labels their WHATWG Encoding Standard meaning, as
/// browsers do (`latin1` is windows-1252, `gb2312` is GBK). Without it, labels mean what they
/// mean to glibc iconv.
pub const CU8_WHATWG_LABELS: u32 = 0x100;

/// With at least this many bytes of room in `dst`, every cu8_decoder_decode call makes
/// progress (reads or writes something, or finishes).
pub const CU8_MIN_OUTPUT_SPACE: usize = 16;
/// The longest bad sequence reported, in bytes: a buffer this long always holds
/// cu8_decoder_error_bytes.
pub const CU8_MAX_BAD_SEQUENCE_LEN: usize = 16;
/// A buffer this long always holds cu8_decoder_error_message, NUL included.
pub const CU8_ERROR_MESSAGE_SIZE: usize = 256;
/// cu8_decoder_error_offset when there is no bad sequence to report (UINT64_MAX).
pub const CU8_NO_ERROR: u64 = 0xFFFF_FFFF_FFFF_FFFF;
/// A buffer this long always holds the charset name cu8_detect writes, NUL included.
pub const CU8_CHARSET_NAME_SIZE: usize = 64;
/// A buffer this long always holds the language cu8_detect writes, NUL included.
pub const CU8_LANGUAGE_SIZE: usize = 16;
/// The confidence below which the project's own tools (command line, Python) treat a detection
/// as too uncertain to convert with; a suggestion for callers of cu8_detect.
pub const CU8_DETECT_THRESHOLD: f32 = 0.5;

// The C constants restate engine constants (cbindgen needs literals); keep them in step.
const _: () = assert!(CU8_MIN_OUTPUT_SPACE == convert_utf8::MIN_OUTPUT_SPACE);
const _: () = assert!(CU8_MAX_BAD_SEQUENCE_LEN == convert_utf8::MAX_BAD_SEQUENCE_LEN);
const _: () = assert!(CU8_NO_ERROR == u64::MAX);
const _: () = assert!(CU8_DETECT_THRESHOLD == convert_utf8::detect::DEFAULT_THRESHOLD);

/// The low byte of the flags holds the policy; the other bits are single flags.
const POLICY_MASK: u32 = 0xFF;

/// A streaming decoder from one charset to UTF-8. Opaque: create it with cu8_decoder_new,
/// free it with cu8_decoder_free.
///
/// It holds a few hundred bytes and allocates nothing while decoding. One decoder must not be
/// used from two threads at the same time; distinct decoders are independent and may be used
/// from distinct threads at once, and a decoder may move between threads between calls.
pub struct cu8_decoder {
    decoder: Decoder,
    /// The bad sequence the last CU8_INVALID_INPUT / CU8_INCOMPLETE_INPUT was about.
    reported: Option<DecodeError>,
    /// Set while the engine runs and cleared when it returns: if a panic escaped the engine, the
    /// decoder's state is suspect and every later call says CU8_INTERNAL_ERROR.
    broken: bool,
}

impl cu8_decoder {
    /// The bad sequence the error functions describe: the last one reported, else (CU8_IGNORE,
    /// CU8_REPLACE) the first one dropped or replaced since the start of the input.
    fn current_error(&self) -> Option<DecodeError> {
        self.reported.or(self.decoder.first_error())
    }
}

/// Runs `body`, turning a panic into `on_panic` so that no unwind ever crosses into C.
fn guard<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    // AssertUnwindSafe: after a panic, the only state callers can reach again is a decoder, and
    // `cu8_decoder::broken` fences that off.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            // Dropping the payload runs arbitrary Drop code, which could panic again outside
            // any boundary; leaking it on this bug-only path is the safe choice.
            std::mem::forget(payload);
            on_panic
        }
    }
}

/// The result code for an engine error.
fn result_for_error(error: &Error) -> cu8_result {
    match error {
        Error::UnknownCharset { .. } => CU8_UNKNOWN_CHARSET,
        Error::Decode(e) => result_for_kind(e.kind()),
        _ => CU8_INTERNAL_ERROR,
    }
}

/// The result code for a bad sequence.
fn result_for_kind(kind: ErrorKind) -> cu8_result {
    match kind {
        ErrorKind::Truncated => CU8_INCOMPLETE_INPUT,
        // Invalid, and any kind the engine adds later: still a sequence it could not decode.
        _ => CU8_INVALID_INPUT,
    }
}

/// The policy and label mode `flags` ask for.
fn parse_flags(flags: u32) -> Result<(ErrorPolicy, LabelMode), cu8_result> {
    if flags & !(POLICY_MASK | CU8_WHATWG_LABELS) != 0 {
        return Err(CU8_INVALID_ARGUMENT);
    }
    let policy = match flags & POLICY_MASK {
        CU8_STRICT => ErrorPolicy::Strict,
        CU8_IGNORE => ErrorPolicy::Ignore,
        CU8_REPLACE => ErrorPolicy::Replace,
        _ => return Err(CU8_INVALID_ARGUMENT),
    };
    let mode = if flags & CU8_WHATWG_LABELS != 0 {
        LabelMode::Whatwg
    } else {
        LabelMode::Glibc
    };
    Ok((policy, mode))
}

/// A decoder for the charset `label` names, with the policy `flags` ask for.
///
/// # Safety
/// `label` is NULL or points to a NUL-terminated string readable for the call.
unsafe fn open_decoder(label: *const c_char, flags: u32) -> Result<Decoder, cu8_result> {
    if label.is_null() {
        return Err(CU8_NULL_ARGUMENT);
    }
    let (policy, mode) = parse_flags(flags)?;
    // SAFETY: `label` is non-null (checked above) and NUL-terminated (this function's contract).
    let charset = unsafe { charset_for_label(label, mode) }?;
    Ok(Decoder::new(charset, policy))
}

/// The charset the non-NULL C string `label` names in `mode`.
///
/// # Safety
/// `label` is non-null and points to a NUL-terminated string readable for the call.
unsafe fn charset_for_label(label: *const c_char, mode: LabelMode) -> Result<Charset, cu8_result> {
    // SAFETY: non-null and NUL-terminated (this function's contract).
    let label = unsafe { CStr::from_ptr(label) };
    // Bytes that are not UTF-8 become U+FFFD, which glibc's label normalisation drops just as
    // glibc drops every non-ASCII byte of a name.
    let label = String::from_utf8_lossy(label.to_bytes());
    Charset::for_label_in(&label, mode).map_err(|e| result_for_error(&e))
}

/// Checks that `len` bytes at `ptr` can be a slice: NULL only when empty, and no longer than
/// `isize::MAX` (Rust's limit for one object).
fn check_buffer(ptr: *const u8, len: usize) -> Result<(), cu8_result> {
    if len == 0 {
        Ok(())
    } else if ptr.is_null() {
        Err(CU8_NULL_ARGUMENT)
    } else if len > isize::MAX as usize {
        Err(CU8_INVALID_ARGUMENT)
    } else {
        Ok(())
    }
}

/// Whether two non-empty byte ranges share an address.
fn overlap(a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> bool {
    let (a, b) = (a as usize, b as usize);
    a_len != 0 && b_len != 0 && a < b.saturating_add(b_len) && b < a.saturating_add(a_len)
}

/// The input `src`/`len` describe (empty if `len` is 0, whatever `src` is).
///
/// # Safety
/// `check_buffer(src, len)` passed, and `len` bytes at `src` are readable and not written
/// during the lifetime `'a`.
unsafe fn input<'a>(src: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: non-null and at most isize::MAX bytes (check_buffer); readable and unchanged for
    // 'a (this function's contract).
    unsafe { std::slice::from_raw_parts(src, len) }
}

/// The output `dst`/`len` describe (empty if `len` is 0, whatever `dst` is).
///
/// # Safety
/// `check_buffer(dst, len)` passed, and `len` bytes at `dst` are writable and touched by nothing
/// else during the lifetime `'a`. They need not be initialised: the engine only writes to `dst`
/// and never reads a byte of it it has not written.
unsafe fn output<'a>(dst: *mut u8, len: usize) -> &'a mut [u8] {
    if len == 0 {
        return &mut [];
    }
    // SAFETY: non-null and at most isize::MAX bytes (check_buffer); exclusive and writable for
    // 'a (this function's contract).
    unsafe { std::slice::from_raw_parts_mut(dst, len) }
}

/// Writes `value` through `out` when `out` is not NULL.
///
/// # Safety
/// `out` is NULL or valid for a write of a `T` (suitably aligned).
unsafe fn store<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-null, and valid and aligned for a write (this function's contract).
        unsafe { out.write(value) };
    }
}

/// Copies as much of `bytes` as fits into `buf`/`len` and stores the count in `*out_n`.
/// CU8_OK if all of it fit, CU8_OUTPUT_FULL if it was cut.
///
/// # Safety
/// `out_n` is non-null and writable; `check_buffer(buf, len)` passed and `len` bytes at `buf`
/// are writable.
unsafe fn copy_out(bytes: &[u8], buf: *mut u8, len: usize, out_n: *mut usize) -> cu8_result {
    let n = bytes.len().min(len);
    if n > 0 {
        // SAFETY: `bytes` is a Rust slice, `buf` holds at least `n` writable bytes (contract),
        // and the two cannot overlap since `bytes` is the library's own memory.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), buf, n) };
    }
    // SAFETY: `out_n` is non-null and writable (contract).
    unsafe { out_n.write(n) };
    if n == bytes.len() {
        CU8_OK
    } else {
        CU8_OUTPUT_FULL
    }
}

/// Decodes all of `src` (`src_len` bytes; `src` may be NULL when `src_len` is 0) from the charset
/// `charset` names into a newly allocated UTF-8 buffer.
///
/// `flags` is CU8_STRICT, CU8_IGNORE or CU8_REPLACE, optionally OR-ed with CU8_WHATWG_LABELS.
///
/// On CU8_OK, `*dst` points to `*dst_len` bytes of UTF-8, followed by a NUL byte not counted in
/// `*dst_len` (so the text can be used as a C string when the input held no NUL); free it with
/// `cu8_free(*dst, *dst_len)`. Empty output is a valid, non-NULL buffer that must be freed too.
///
/// On any other result `*dst` is NULL, `*dst_len` is 0 and nothing is allocated. On
/// CU8_INVALID_INPUT / CU8_INCOMPLETE_INPUT, `*error_offset` is the byte offset in `src` of the
/// first bad sequence. On CU8_OK with CU8_IGNORE or CU8_REPLACE, `*error_offset` is the offset of
/// the first bad sequence dropped or replaced, or SIZE_MAX if there was none; it is SIZE_MAX
/// whenever there is no offset to give. `error_offset` may be NULL.
///
/// Results: CU8_OK, CU8_UNKNOWN_CHARSET, CU8_INVALID_INPUT,
/// CU8_INCOMPLETE_INPUT, CU8_NULL_ARGUMENT (`charset`, `dst` or `dst_len` NULL, or `src` NULL
/// with a non-zero length), CU8_INVALID_ARGUMENT (bad flags, `src_len` > PTRDIFF_MAX),
/// CU8_INTERNAL_ERROR.
///
/// # Safety
/// `charset` is a NUL-terminated string; `src` points to `src_len` readable bytes; `dst`,
/// `dst_len` and `error_offset` (when not NULL) are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decode(
    charset: *const c_char,
    src: *const u8,
    src_len: usize,
    flags: u32,
    dst: *mut *mut u8,
    dst_len: *mut usize,
    error_offset: *mut usize,
) -> cu8_result {
    guard(CU8_INTERNAL_ERROR, || {
        // SAFETY: each pointer is NULL or writable (this function's contract); store skips NULL.
        unsafe {
            store(dst, ptr::null_mut());
            store(dst_len, 0);
            store(error_offset, usize::MAX);
        }
        if dst.is_null() || dst_len.is_null() {
            return CU8_NULL_ARGUMENT;
        }
        if let Err(result) = check_buffer(src, src_len) {
            return result;
        }
        // SAFETY: `charset` is NULL or NUL-terminated (contract); open_decoder checks NULL.
        let mut decoder = match unsafe { open_decoder(charset, flags) } {
            Ok(decoder) => decoder,
            Err(result) => return result,
        };
        // SAFETY: check_buffer passed; `src` is readable for the call (contract).
        let src = unsafe { input(src, src_len) };
        let outcome = decode_all(&mut decoder, src);
        let first_bad = match &outcome {
            Ok(_) => decoder.first_error(),
            Err(error) => Some(*error),
        };
        if let Some(error) = first_bad {
            // An offset inside `src` always fits in usize.
            let offset = usize::try_from(error.offset()).unwrap_or(usize::MAX);
            // SAFETY: NULL or writable (contract).
            unsafe { store(error_offset, offset) };
        }
        let mut out = match outcome {
            Ok(out) => out,
            Err(error) => return result_for_kind(error.kind()),
        };
        let len = out.len();
        out.push(0);
        let buf = Box::into_raw(out.into_boxed_slice()).cast::<u8>();
        // SAFETY: both checked non-null above and writable (contract).
        unsafe {
            dst.write(buf);
            dst_len.write(len);
        }
        CU8_OK
    })
}

/// Decodes all of `src` as one complete input into a new buffer, stopping at the first bad
/// sequence under [`ErrorPolicy::Strict`].
///
/// The buffer starts at the likely size (the decoder's bound, capped at one and a half times the
/// input) and doubles when full. It is allocated zeroed, which the allocator serves with fresh
/// pages for large sizes, so room the output never reaches costs no memory traffic; the caller
/// shrinks it to fit.
fn decode_all(decoder: &mut Decoder, src: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let likely = src
        .len()
        .saturating_add(src.len() / 2)
        .saturating_add(CU8_MIN_OUTPUT_SPACE);
    let first = decoder
        .max_utf8_len(src.len())
        .map_or(likely, |bound| bound.min(likely));
    // One byte more than the output, for the NUL cu8_decode appends.
    let mut out = vec![0u8; first.saturating_add(1)];
    let (mut read, mut written) = (0, 0);
    loop {
        let step = decoder.decode(&src[read..], &mut out[written..], true);
        read += step.read;
        written += step.written;
        match step.status {
            DecodeStatus::InputEmpty => break,
            DecodeStatus::OutputFull => {
                let grown = out.len().saturating_mul(2).max(CU8_MIN_OUTPUT_SPACE);
                out.resize(grown, 0);
            }
            DecodeStatus::Error(error) => return Err(error),
        }
    }
    out.truncate(written);
    Ok(out)
}

/// Frees a buffer cu8_decode returned; `len` is the `*dst_len` returned with it. NULL is fine
/// (nothing happens).
///
/// # Safety
/// `buf` is NULL or a buffer from cu8_decode, with its length, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_free(buf: *mut u8, len: usize) {
    guard((), || {
        if buf.is_null() {
            return;
        }
        // cu8_decode allocated one byte more than it reported, for the NUL.
        let Some(allocated) = len.checked_add(1) else {
            return;
        };
        // SAFETY: `buf` came from Box::into_raw on a boxed slice of `allocated` bytes in
        // cu8_decode and is freed once (this function's contract).
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(buf, allocated)) });
    })
}

/// Creates a streaming decoder for the charset `charset` names; `*out` receives it (NULL on any
/// result but CU8_OK). Free it with cu8_decoder_free.
///
/// `flags` is CU8_STRICT, CU8_IGNORE or CU8_REPLACE, optionally OR-ed with CU8_WHATWG_LABELS.
///
/// Results: CU8_OK, CU8_UNKNOWN_CHARSET, CU8_NULL_ARGUMENT, CU8_INVALID_ARGUMENT (bad flags),
/// CU8_INTERNAL_ERROR.
///
/// # Safety
/// `charset` is a NUL-terminated string; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decoder_new(
    charset: *const c_char,
    flags: u32,
    out: *mut *mut cu8_decoder,
) -> cu8_result {
    guard(CU8_INTERNAL_ERROR, || {
        if out.is_null() {
            return CU8_NULL_ARGUMENT;
        }
        // SAFETY: non-null and writable (contract).
        unsafe { out.write(ptr::null_mut()) };
        // SAFETY: `charset` is NULL or NUL-terminated (contract); open_decoder checks NULL.
        match unsafe { open_decoder(charset, flags) } {
            Ok(decoder) => {
                let handle = Box::new(cu8_decoder {
                    decoder,
                    reported: None,
                    broken: false,
                });
                // SAFETY: non-null and writable (contract).
                unsafe { out.write(Box::into_raw(handle)) };
                CU8_OK
            }
            Err(result) => result,
        }
    })
}

/// Decodes from `src` into `dst`, stopping when `src` is consumed, `dst` is full, or (CU8_STRICT)
/// at a bad sequence. Allocates nothing.
///
/// `*src_read` receives the bytes of `src` consumed and `*dst_written` the bytes of UTF-8 written
/// to the start of `dst` (both 0 when the call fails before decoding). `dst` never receives a
/// partial character: a character cut by the end of `src` is held inside the decoder and
/// completed by the next call, so input may be split anywhere and decodes exactly as if it came
/// in one piece. `last` says that no input follows `src`; then a sequence left incomplete at the
/// end is CU8_INCOMPLETE_INPUT (CU8_STRICT), dropped (CU8_IGNORE) or U+FFFD (CU8_REPLACE).
///
/// - CU8_OK: all of `src` was consumed (`*src_read == src_len`). If `last` was true the input is
///   finished: call cu8_decoder_reset before decoding another one.
/// - CU8_OUTPUT_FULL: `dst` ran out. Call again with `src + *src_read` and more room. With
///   `dst_len` >= CU8_MIN_OUTPUT_SPACE a call always makes progress; smaller buffers (even one
///   byte) work, but a call returns CU8_OUTPUT_FULL having read and written nothing when the
///   next character's UTF-8 does not fit. cu8_decoder_max_utf8_len gives a size that never fills.
/// - CU8_INVALID_INPUT / CU8_INCOMPLETE_INPUT (CU8_STRICT only): a bad sequence. Its bytes are
///   consumed (counted in `*src_read`), and what precedes it is written. cu8_decoder_error_offset
///   gives its absolute offset (counted from the start of the input across all calls, so it may
///   lie in an earlier call's `src`), cu8_decoder_error_bytes its bytes and
///   cu8_decoder_error_message a description. To resume (e.g. after writing a substitute of your
///   own), call again with `src + *src_read`.
/// - CU8_NULL_ARGUMENT (`dec`, `src_read` or `dst_written` NULL, or a NULL buffer with a non-zero
///   length), CU8_INVALID_ARGUMENT (`src` and `dst` overlap, or a length > PTRDIFF_MAX),
///   CU8_INTERNAL_ERROR.
///
/// # Safety
/// `dec` is a live decoder not in use by another thread; `src` points to `src_len` readable
/// bytes and `dst` to `dst_len` writable bytes; `src_read` and `dst_written` are writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the shape the C ABI documents
pub unsafe extern "C" fn cu8_decoder_decode(
    dec: *mut cu8_decoder,
    src: *const u8,
    src_len: usize,
    src_read: *mut usize,
    dst: *mut u8,
    dst_len: usize,
    dst_written: *mut usize,
    last: bool,
) -> cu8_result {
    guard(CU8_INTERNAL_ERROR, || {
        // SAFETY: each pointer is NULL or writable (contract); store skips NULL.
        unsafe {
            store(src_read, 0);
            store(dst_written, 0);
        }
        if src_read.is_null() || dst_written.is_null() {
            return CU8_NULL_ARGUMENT;
        }
        // SAFETY: NULL or a live decoder used by this thread only (contract).
        let Some(dec) = (unsafe { dec.as_mut() }) else {
            return CU8_NULL_ARGUMENT;
        };
        if dec.broken {
            return CU8_INTERNAL_ERROR;
        }
        if let Err(result) = check_buffer(src, src_len).and(check_buffer(dst, dst_len)) {
            return result;
        }
        if overlap(src, src_len, dst, dst_len) {
            return CU8_INVALID_ARGUMENT;
        }
        // SAFETY: check_buffer passed for both; `src` readable and `dst` writable for the call
        // (contract), and they do not overlap (checked), so the two slices never alias.
        let (src, dst) = unsafe { (input(src, src_len), output(dst, dst_len)) };
        dec.broken = true;
        let step = dec.decoder.decode(src, dst, last);
        dec.broken = false;
        // SAFETY: both checked non-null above and writable (contract).
        unsafe {
            src_read.write(step.read);
            dst_written.write(step.written);
        }
        match step.status {
            DecodeStatus::InputEmpty => CU8_OK,
            DecodeStatus::OutputFull => CU8_OUTPUT_FULL,
            DecodeStatus::Error(error) => {
                dec.reported = Some(error);
                result_for_kind(error.kind())
            }
        }
    })
}

/// Borrows the decoder `dec` points to, if any.
///
/// # Safety
/// `dec` is NULL or a live decoder not being modified by another thread.
unsafe fn decoder_ref<'a>(dec: *const cu8_decoder) -> Option<&'a cu8_decoder> {
    // SAFETY: NULL or live and not concurrently modified (contract).
    unsafe { dec.as_ref() }
}

/// The absolute byte offset (from the start of the input, across all calls) of the bad sequence
/// the last CU8_INVALID_INPUT or CU8_INCOMPLETE_INPUT was about; with CU8_IGNORE or
/// CU8_REPLACE, of the first bad sequence dropped or replaced. CU8_NO_ERROR (UINT64_MAX) if
/// there is none since the start of the input, or if `dec` is NULL.
///
/// # Safety
/// `dec` is NULL or a live decoder not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decoder_error_offset(dec: *const cu8_decoder) -> u64 {
    guard(CU8_NO_ERROR, || {
        // SAFETY: NULL or live (contract).
        unsafe { decoder_ref(dec) }
            .and_then(cu8_decoder::current_error)
            .map_or(CU8_NO_ERROR, |error| error.offset())
    })
}

/// Copies the bytes of the bad sequence cu8_decoder_error_offset describes (at most
/// CU8_MAX_BAD_SEQUENCE_LEN, even when they came in earlier calls) into `buf` (`len` bytes;
/// `buf` may be NULL when `len` is 0), and stores how many were copied in `*out_n` (0 when there
/// is no bad sequence).
///
/// Results: CU8_OK, CU8_OUTPUT_FULL (`buf` too short: the first `len` bytes were copied),
/// CU8_NULL_ARGUMENT, CU8_INVALID_ARGUMENT, CU8_INTERNAL_ERROR.
///
/// # Safety
/// `dec` is NULL or a live decoder not in use by another thread; `buf` points to `len` writable
/// bytes; `out_n` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decoder_error_bytes(
    dec: *const cu8_decoder,
    buf: *mut u8,
    len: usize,
    out_n: *mut usize,
) -> cu8_result {
    guard(CU8_INTERNAL_ERROR, || {
        if out_n.is_null() {
            return CU8_NULL_ARGUMENT;
        }
        // SAFETY: non-null and writable (contract).
        unsafe { out_n.write(0) };
        // SAFETY: NULL or live (contract).
        let Some(dec) = (unsafe { decoder_ref(dec) }) else {
            return CU8_NULL_ARGUMENT;
        };
        if let Err(result) = check_buffer(buf, len) {
            return result;
        }
        let error = dec.current_error();
        let bytes = error.as_ref().map_or(&[][..], DecodeError::bytes);
        // SAFETY: `out_n` non-null and writable; check_buffer passed and `buf` is writable
        // (contract).
        unsafe { copy_out(bytes, buf, len, out_n) }
    })
}

/// Writes a NUL-terminated description of the bad sequence cu8_decoder_error_offset describes
/// into `buf` (`len` bytes), e.g. `illegal input sequence at position 2 (bytes 0xFF)` (glibc's
/// wording, then the bytes); an empty string when there is none. `*out_n` receives the length
/// written, NUL excluded.
///
/// Results: CU8_OK; CU8_OUTPUT_FULL when `buf` was too short (the message is cut, still
/// NUL-terminated if `len` > 0; CU8_ERROR_MESSAGE_SIZE bytes always suffice); CU8_NULL_ARGUMENT,
/// CU8_INVALID_ARGUMENT, CU8_INTERNAL_ERROR.
///
/// # Safety
/// `dec` is NULL or a live decoder not in use by another thread; `buf` points to `len` writable
/// bytes; `out_n` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decoder_error_message(
    dec: *const cu8_decoder,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> cu8_result {
    guard(CU8_INTERNAL_ERROR, || {
        if out_n.is_null() {
            return CU8_NULL_ARGUMENT;
        }
        // SAFETY: non-null and writable (contract).
        unsafe { out_n.write(0) };
        // SAFETY: NULL or live (contract).
        let Some(dec) = (unsafe { decoder_ref(dec) }) else {
            return CU8_NULL_ARGUMENT;
        };
        let buf = buf.cast::<u8>();
        if let Err(result) = check_buffer(buf, len) {
            return result;
        }
        if len == 0 {
            return CU8_OUTPUT_FULL;
        }
        let message = dec
            .current_error()
            .map_or_else(String::new, |error| error.to_string());
        // Leave the last byte for the NUL.
        // SAFETY: `out_n` non-null and writable; `buf` holds `len` >= 1 writable bytes, so
        // `len - 1` of them are a valid target (contract, check_buffer).
        let result = unsafe { copy_out(message.as_bytes(), buf, len - 1, out_n) };
        // SAFETY: `out_n` was just written; `*out_n` <= `len - 1`, so the NUL lands in `buf`.
        unsafe { buf.add(*out_n).write(0) };
        result
    })
}

/// How many bad sequences were found since the start of the input, whatever the policy did with
/// them (0 if `dec` is NULL). With CU8_IGNORE or CU8_REPLACE this says whether the output is
/// lossy, as `iconv -c`'s exit status does.
///
/// # Safety
/// `dec` is NULL or a live decoder not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decoder_error_count(dec: *const cu8_decoder) -> u64 {
    guard(0, || {
        // SAFETY: NULL or live (contract).
        unsafe { decoder_ref(dec) }.map_or(0, |dec| dec.decoder.error_count())
    })
}

/// Bytes consumed since the start of the input, across all calls (0 if `dec` is NULL).
///
/// # Safety
/// `dec` is NULL or a live decoder not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decoder_position(dec: *const cu8_decoder) -> u64 {
    guard(0, || {
        // SAFETY: NULL or live (contract).
        unsafe { decoder_ref(dec) }.map_or(0, |dec| dec.decoder.position())
    })
}

/// The most UTF-8 bytes the next cu8_decoder_decode call can write for `src_len` bytes of input,
/// whatever they are: a `dst` this long never sees CU8_OUTPUT_FULL. SIZE_MAX if the bound
/// overflows size_t or `dec` is NULL.
///
/// # Safety
/// `dec` is NULL or a live decoder not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decoder_max_utf8_len(
    dec: *const cu8_decoder,
    src_len: usize,
) -> usize {
    guard(usize::MAX, || {
        // SAFETY: NULL or live (contract).
        unsafe { decoder_ref(dec) }
            .and_then(|dec| dec.decoder.max_utf8_len(src_len))
            .unwrap_or(usize::MAX)
    })
}

/// Returns the decoder to the state it had when created, ready for a new input: positions count
/// from 0 again and earlier errors are forgotten.
///
/// Results: CU8_OK, CU8_NULL_ARGUMENT, CU8_INTERNAL_ERROR (the decoder caught a bug earlier and
/// stays unusable).
///
/// # Safety
/// `dec` is NULL or a live decoder not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decoder_reset(dec: *mut cu8_decoder) -> cu8_result {
    guard(CU8_INTERNAL_ERROR, || {
        // SAFETY: NULL or a live decoder used by this thread only (contract).
        let Some(dec) = (unsafe { dec.as_mut() }) else {
            return CU8_NULL_ARGUMENT;
        };
        if dec.broken {
            return CU8_INTERNAL_ERROR;
        }
        dec.decoder.reset();
        dec.reported = None;
        CU8_OK
    })
}

/// Frees a decoder. NULL is fine (nothing happens).
///
/// # Safety
/// `dec` is NULL or a decoder from cu8_decoder_new, not freed before and not in use.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cu8_decoder_free(dec: *mut cu8_decoder) {
    guard((), || {
        if !dec.is_null() {
            // SAFETY: `dec` came from Box::into_raw in cu8_decoder_new and is freed once
            // (contract).
            drop(unsafe { Box::from_raw(dec) });
        }
    })
}

/// The name cu8_detect gives `charset`: one that cu8_decode and cu8_decoder_new (without
/// CU8_WHATWG_LABELS) resolve back to it. That is its canonical name except for `INTERNAL`, which
/// glibc refuses as a label (its alias `WCHAR_T` is accepted).
fn label_for(charset: Charset) -> &'static str {
    std::iter::once(charset.name())
        .chain(charset.aliases().iter().copied())
        .find(|name| Charset::for_label(name).ok() == Some(charset))
        .unwrap_or(charset.name())
}

/// The result code for a detection that names no charset, by how it was reached.
fn result_without_charset(basis: Basis) -> cu8_result {
    match basis {
        Basis::Binary => CU8_BINARY_INPUT,
        // Basis::Unknown, and any basis the engine adds later: text it cannot place.
        _ => CU8_UNDETECTED_CHARSET,
    }
}

/// Writes `text` and a NUL into `buf` (`len` bytes) if both fit, else an empty string (when
/// `len` > 0). CU8_OK if `text` was written, CU8_OUTPUT_FULL if not.
///
/// # Safety
/// `check_buffer(buf, len)` passed and `len` bytes at `buf` are writable.
unsafe fn write_c_string(text: &str, buf: *mut u8, len: usize) -> cu8_result {
    if text.len() < len {
        // SAFETY: `text` is the library's own memory and `buf` holds `len` > `text.len()`
        // writable bytes (contract), so the text and the NUL after it land inside `buf`.
        unsafe {
            ptr::copy_nonoverlapping(text.as_ptr(), buf, text.len());
            buf.add(text.len()).write(0);
        }
        CU8_OK
    } else {
        if len > 0 {
            // SAFETY: `buf` holds at least one writable byte (contract).
            unsafe { buf.write(0) };
        }
        CU8_OUTPUT_FULL
    }
}

/// Detects the charset of `src` (`src_len` bytes; `src` may be NULL when `src_len` is 0): which
/// charset to decode it with when its label is missing or doubtful. Allocates nothing the caller
/// must free.
///
/// The detector decides on at most 64 KiB from the first non-ASCII byte, in layers: a byte order
/// mark, UTF-16/UTF-32 by where their NUL bytes fall, binary bytes, ASCII and the escapes of the
/// 7-bit charsets, UTF-8, then statistics of how natural each legacy charset's text is in some
/// language. `declared` is NULL or the label the bytes came with (matched as cu8_decode matches
/// labels without CU8_WHATWG_LABELS); it is kept unless the bytes are invalid in it or clearly
/// more natural in another charset.
///
/// - CU8_OK: `name_buf` receives the charset's name, NUL-terminated; pass it to cu8_decode or
///   cu8_decoder_new (without CU8_WHATWG_LABELS). `*confidence` is the probability (0 to 1) that
///   decoding with it gives the right text: compare it with CU8_DETECT_THRESHOLD or a threshold
///   of your own. `*bom_len` is the length of the byte order mark `src` starts with (0 if none).
///   The UTF-16 and UTF-32 decoders named for a mark read it for the byte order and drop it, so
///   decode `src` whole (skipping the mark would lose the byte order); the UTF-8 decoder keeps
///   it as U+FEFF, so skip `*bom_len` bytes where that character is unwanted. When
///   `language_buf_len` > 0, `language_buf` receives the language the text reads best in (`ru`,
///   `zh-Hant`, ...), or an empty string where the detector cannot tell.
/// - CU8_BINARY_INPUT: the bytes look binary, not text; `*confidence` is how sure the detector
///   is of that. No name is written (an empty string).
/// - CU8_UNDETECTED_CHARSET: text, but in no charset the detector can name; no name is written
///   and `*confidence` is 0.
/// - CU8_OUTPUT_FULL: a charset was detected but its name does not fit in `name_buf`, or its
///   language does not fit in `language_buf` (CU8_CHARSET_NAME_SIZE and CU8_LANGUAGE_SIZE bytes
///   always suffice). A string that does not fit is not cut (a cut name could name another
///   charset: `UTF-16LE` cut to `UTF-16`): its buffer receives an empty string instead, and the
///   other values are written as for CU8_OK.
/// - CU8_UNKNOWN_CHARSET: `declared` names no charset.
/// - CU8_NULL_ARGUMENT (a NULL buffer with a non-zero length), CU8_INVALID_ARGUMENT (a length
///   larger than PTRDIFF_MAX, or buffers that overlap one another or `src`), CU8_INTERNAL_ERROR.
///
/// Before anything else `*confidence` and `*bom_len` are set to 0; once the arguments pass their
/// checks, each buffer with room holds an empty string until its value is written (on
/// CU8_NULL_ARGUMENT and CU8_INVALID_ARGUMENT the buffers are left untouched). `confidence` and
/// `bom_len` may be NULL; `language_buf` may be NULL when `language_buf_len` is 0, which means
/// the language is not wanted.
///
/// # Safety
/// `src` points to `src_len` readable bytes; `declared` is NULL or a NUL-terminated string;
/// `name_buf` points to `name_buf_len` and `language_buf` to `language_buf_len` writable bytes;
/// `confidence` and `bom_len` are NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the shape the C ABI documents
pub unsafe extern "C" fn cu8_detect(
    src: *const u8,
    src_len: usize,
    declared: *const c_char,
    name_buf: *mut c_char,
    name_buf_len: usize,
    confidence: *mut f32,
    language_buf: *mut c_char,
    language_buf_len: usize,
    bom_len: *mut usize,
) -> cu8_result {
    guard(CU8_INTERNAL_ERROR, || {
        let (name_buf, language_buf) = (name_buf.cast::<u8>(), language_buf.cast::<u8>());
        // SAFETY: each pointer is NULL or writable (contract); store skips NULL.
        unsafe {
            store(confidence, 0.0);
            store(bom_len, 0);
        }
        if let Err(result) = check_buffer(src, src_len)
            .and(check_buffer(name_buf, name_buf_len))
            .and(check_buffer(language_buf, language_buf_len))
        {
            return result;
        }
        if overlap(name_buf, name_buf_len, language_buf, language_buf_len)
            || overlap(src, src_len, name_buf, name_buf_len)
            || overlap(src, src_len, language_buf, language_buf_len)
        {
            return CU8_INVALID_ARGUMENT;
        }
        // Only now that the buffers are known to be distinct from the input (an empty string
        // written into a buffer over `src` would change the bytes to detect).
        // SAFETY: check_buffer passed for both and they are writable for their lengths
        // (contract).
        unsafe {
            write_c_string("", name_buf, name_buf_len);
            write_c_string("", language_buf, language_buf_len);
        }
        let declared = if declared.is_null() {
            None
        } else {
            // SAFETY: non-null and NUL-terminated (contract).
            match unsafe { charset_for_label(declared, LabelMode::Glibc) } {
                Ok(charset) => Some(charset),
                Err(result) => return result,
            }
        };
        let detection = {
            // SAFETY: check_buffer passed; `src` is readable for the call (contract). The slice
            // ends with this block, before anything is written.
            let src = unsafe { input(src, src_len) };
            match declared {
                Some(charset) => convert_utf8::detect_with_declared(src, charset),
                None => convert_utf8::detect(src),
            }
        };
        let Some(charset) = detection.charset() else {
            let result = result_without_charset(detection.basis());
            if result == CU8_BINARY_INPUT {
                // SAFETY: NULL or writable (contract).
                unsafe { store(confidence, detection.confidence()) };
            }
            return result;
        };
        // SAFETY: NULL or writable (contract); check_buffer passed for both buffers, which are
        // writable for their lengths (contract).
        unsafe {
            store(confidence, detection.confidence());
            store(bom_len, detection.bom_len());
            let name = write_c_string(label_for(charset), name_buf, name_buf_len);
            let language = if language_buf_len > 0 {
                let language = detection.language().unwrap_or("");
                write_c_string(language, language_buf, language_buf_len)
            } else {
                CU8_OK
            };
            if name == CU8_OK { language } else { name }
        }
    })
}

/// A static, NUL-terminated English description of a result code; never NULL (an unknown value
/// gets a message saying so). Takes an int so that any value is safe to pass.
#[unsafe(no_mangle)]
pub extern "C" fn cu8_result_message(result: c_int) -> *const c_char {
    const RESULTS: [cu8_result; 11] = [
        CU8_OK,
        CU8_UNKNOWN_CHARSET,
        CU8_INVALID_INPUT,
        CU8_INCOMPLETE_INPUT,
        CU8_OUTPUT_FULL,
        CU8_NULL_ARGUMENT,
        CU8_INVALID_ARGUMENT,
        CU8_INTERNAL_ERROR,
        CU8_UNSUPPORTED_CHARSET,
        CU8_BINARY_INPUT,
        CU8_UNDETECTED_CHARSET,
    ];
    let known = RESULTS.into_iter().find(|r| *r as c_int == result);
    let message: &'static CStr = match known {
        Some(CU8_OK) => c"success",
        Some(CU8_UNKNOWN_CHARSET) => c"unknown charset: the label names no known charset",
        Some(CU8_INVALID_INPUT) => c"illegal input sequence",
        Some(CU8_INCOMPLETE_INPUT) => c"incomplete character or shift sequence at end of buffer",
        Some(CU8_OUTPUT_FULL) => c"output buffer full: call again with more room",
        Some(CU8_NULL_ARGUMENT) => c"a required pointer argument is NULL",
        Some(CU8_INVALID_ARGUMENT) => {
            c"invalid argument: unknown flags, overlapping buffers or an impossible length"
        }
        Some(CU8_INTERNAL_ERROR) => {
            c"internal error in convert-utf8 (a bug, caught at its boundary)"
        }
        Some(CU8_UNSUPPORTED_CHARSET) => {
            c"unsupported charset (reserved: never returned, every known charset decodes)"
        }
        Some(CU8_BINARY_INPUT) => c"binary input: the bytes are not text in any charset",
        Some(CU8_UNDETECTED_CHARSET) => {
            c"undetected charset: text, but in no charset the detector can name"
        }
        None => c"unknown cu8_result value",
    };
    message.as_ptr()
}

/// The library version, e.g. "0.1.0": static, NUL-terminated, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn cu8_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(version) => version,
            Err(_) => panic!("the package version contains a NUL byte"),
        };
    VERSION.as_ptr()
}
