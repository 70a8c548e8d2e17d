//! `libconvert_utf8_iconv.so`: `iconv_open`, `iconv` and `iconv_close` with glibc's iconv(3)
//! contract, so that programs that already convert through iconv(3) get convert-utf8 without a
//! code change, by `LD_PRELOAD` or by linking it.
//!
//! - Conversions *to* UTF-8 (any spelling glibc accepts, `//IGNORE` and `//TRANSLIT` included)
//!   from a charset named as glibc names it are served by the engine ([`conversion`]).
//! - Every other pair, and every handle this library did not create (glibc's own `iconv`
//!   program opens its handles through a private glibc function), goes to the next
//!   implementation in link order (module `next`): preloading never breaks a conversion the other
//!   way.
//! - `libiconv_open`, `libiconv` and `libiconv_close`, the names programs built against GNU
//!   libiconv call, do the same, forwarding to GNU libiconv when it follows, else to glibc.
//!
//! Every export runs inside `catch_unwind` (the release profile keeps `panic = "unwind"`): no
//! panic reaches C. A null or closed handle is `EBADF`, where glibc would crash.

#![deny(unsafe_op_in_unsafe_fn)]

use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use convert_utf8::{Charset, parse_label};

pub mod conversion;
mod handles;
mod ignore_reports;
mod next;

use conversion::{Conversion, Stop};
use handles::Handle;
use next::Names;

/// `(iconv_t)-1`, iconv_open's failure and iconv's `(size_t)-1`.
const FAILED_HANDLE: *mut c_void = usize::MAX as *mut c_void;
const FAILED: usize = usize::MAX;

fn set_errno(value: c_int) {
    // SAFETY: errno is the calling thread's own.
    unsafe { *libc::__errno_location() = value };
}

/// The conversion this library serves for `iconv_open(tocode, fromcode)`, or `None` when the
/// pair goes to the next iconv: the target must be UTF-8 and the source a charset glibc names
/// (an empty source, the locale's charset to glibc, is left to glibc).
pub fn served(tocode: &str, fromcode: &str) -> Option<Conversion> {
    let to = parse_label(tocode);
    let to_charset = Charset::for_glibc_label(to.name)?;
    if to_charset.name() != "UTF-8" {
        return None;
    }
    let from = Charset::for_glibc_label(fromcode)?;
    Some(Conversion::new(from, to.ignore))
}

/// # Safety
/// `tocode` and `fromcode` are NUL-terminated strings (or null, refused with `EINVAL`).
unsafe fn open(tocode: *const c_char, fromcode: *const c_char, names: Names) -> *mut c_void {
    if tocode.is_null() || fromcode.is_null() {
        set_errno(libc::EINVAL);
        return FAILED_HANDLE;
    }
    let ours = catch_unwind(|| {
        // SAFETY: both are non-null NUL-terminated strings, per the caller's contract.
        let (to, from) = unsafe { (CStr::from_ptr(tocode), CStr::from_ptr(fromcode)) };
        let (Ok(to), Ok(from)) = (to.to_str(), from.to_str()) else {
            return None;
        };
        served(to, from).map(|conversion| handles::insert(Box::new(conversion)))
    });
    match ours {
        Ok(Some(Ok(handle))) => handle,
        // Not ours, all slots taken, or a bug: the next iconv decides.
        _ => match next::next(names).open {
            // SAFETY: the next iconv_open, called with the caller's own arguments.
            Some(next_open) => unsafe { next_open(tocode, fromcode) },
            None => {
                set_errno(libc::EINVAL);
                FAILED_HANDLE
            }
        },
    }
}

/// # Safety
/// As iconv(3): `cd` from iconv_open; the other pointers null or valid as iconv(3) says.
unsafe fn convert(
    cd: *mut c_void,
    inbuf: *mut *mut c_char,
    inbytesleft: *mut usize,
    outbuf: *mut *mut c_char,
    outbytesleft: *mut usize,
    names: Names,
) -> usize {
    if cd.is_null() || cd == FAILED_HANDLE {
        set_errno(libc::EBADF);
        return FAILED;
    }
    let slot = match handles::classify(cd) {
        Handle::Open(slot) => slot,
        Handle::Closed => {
            set_errno(libc::EBADF);
            return FAILED;
        }
        Handle::Foreign => {
            return match next::next(names).convert {
                // SAFETY: a handle of the next iconv, passed on with the caller's arguments.
                Some(next_convert) => unsafe {
                    next_convert(cd, inbuf, inbytesleft, outbuf, outbytesleft)
                },
                None => {
                    set_errno(libc::EBADF);
                    FAILED
                }
            };
        }
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: iconv(3) allows a handle to be used by one thread at a time, so this is the
        // only reference to the conversion while the call lasts.
        let conversion = unsafe { &mut *slot.load(std::sync::atomic::Ordering::Acquire) };
        // SAFETY: the pointers are as iconv(3) describes them, per the caller's contract.
        unsafe { convert_ours(conversion, inbuf, inbytesleft, outbuf, outbytesleft) }
    }));
    result.unwrap_or_else(|_| {
        // A bug: stop the caller rather than let it wait for input (EINVAL) or room (E2BIG).
        set_errno(libc::EILSEQ);
        FAILED
    })
}

/// The buffer `*buf` of `*left` bytes, empty when either pointer or `*buf` is null.
///
/// # Safety
/// When non-null, `buf` and `left` point to a valid pointer and length describing memory the
/// caller lets iconv use for the call.
unsafe fn buffer<'a>(buf: *mut *mut c_char, left: *mut usize) -> &'a mut [u8] {
    // SAFETY: checked for null first; the rest is the caller's contract.
    unsafe {
        if buf.is_null() || left.is_null() || (*buf).is_null() || *left == 0 {
            return &mut [];
        }
        std::slice::from_raw_parts_mut((*buf).cast::<u8>(), *left)
    }
}

/// Moves `*buf` on by `by` bytes and takes them off `*left`.
///
/// # Safety
/// As [`buffer`], with `by` at most the buffer's length.
unsafe fn advance(buf: *mut *mut c_char, left: *mut usize, by: usize) {
    if by == 0 {
        return;
    }
    // SAFETY: `by > 0` bytes were used from this buffer, so both pointers are valid.
    unsafe {
        *buf = (*buf).add(by);
        *left -= by;
    }
}

/// # Safety
/// As [`convert`].
unsafe fn convert_ours(
    conversion: &mut Conversion,
    inbuf: *mut *mut c_char,
    inbytesleft: *mut usize,
    outbuf: *mut *mut c_char,
    outbytesleft: *mut usize,
) -> usize {
    // SAFETY: the caller's pointers, checked for null inside.
    let dst = unsafe { buffer(outbuf, outbytesleft) };
    // SAFETY: as above; `inbuf` is only read, and `buffer` also serves it.
    let input_given = !inbuf.is_null() && unsafe { !(*inbuf).is_null() };
    let outcome = if input_given {
        // SAFETY: as above.
        let src = unsafe { buffer(inbuf, inbytesleft) };
        let outcome = conversion.convert(src, dst);
        // SAFETY: `read` and `written` are within the buffers.
        unsafe { advance(inbuf, inbytesleft, outcome.read) };
        outcome
    } else if !outbuf.is_null() && unsafe { !(*outbuf).is_null() } {
        // A reset with an output buffer: what the state holds back is written first.
        conversion.flush(dst)
    } else {
        conversion.reset();
        return 0;
    };
    // SAFETY: as above.
    unsafe { advance(outbuf, outbytesleft, outcome.written) };
    match outcome.stop.errno() {
        None => 0,
        Some(errno) => {
            debug_assert!(outcome.stop != Stop::Complete);
            set_errno(errno);
            FAILED
        }
    }
}

/// # Safety
/// `cd` from iconv_open, not closed yet (or null, refused with `EBADF`).
unsafe fn close(cd: *mut c_void, names: Names) -> c_int {
    if cd.is_null() || cd == FAILED_HANDLE {
        set_errno(libc::EBADF);
        return -1;
    }
    match handles::classify(cd) {
        Handle::Open(slot) => match catch_unwind(|| handles::remove(slot)) {
            Ok(()) => 0,
            Err(_) => {
                set_errno(libc::EBADF);
                -1
            }
        },
        Handle::Closed => {
            set_errno(libc::EBADF);
            -1
        }
        Handle::Foreign => match next::next(names).close {
            // SAFETY: a handle of the next iconv, passed on.
            Some(next_close) => unsafe { next_close(cd) },
            None => {
                set_errno(libc::EBADF);
                -1
            }
        },
    }
}

/// iconv_open(3).
///
/// # Safety
/// As iconv_open(3).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iconv_open(tocode: *const c_char, fromcode: *const c_char) -> *mut c_void {
    // SAFETY: the caller's contract is iconv_open's.
    unsafe { open(tocode, fromcode, Names::Iconv) }
}

/// iconv(3).
///
/// # Safety
/// As iconv(3).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iconv(
    cd: *mut c_void,
    inbuf: *mut *mut c_char,
    inbytesleft: *mut usize,
    outbuf: *mut *mut c_char,
    outbytesleft: *mut usize,
) -> usize {
    // SAFETY: the caller's contract is iconv's.
    unsafe { convert(cd, inbuf, inbytesleft, outbuf, outbytesleft, Names::Iconv) }
}

/// iconv_close(3).
///
/// # Safety
/// As iconv_close(3).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iconv_close(cd: *mut c_void) -> c_int {
    // SAFETY: the caller's contract is iconv_close's.
    unsafe { close(cd, Names::Iconv) }
}

/// GNU libiconv's name for iconv_open.
///
/// # Safety
/// As iconv_open(3).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn libiconv_open(
    tocode: *const c_char,
    fromcode: *const c_char,
) -> *mut c_void {
    // SAFETY: the caller's contract is iconv_open's.
    unsafe { open(tocode, fromcode, Names::Libiconv) }
}

/// GNU libiconv's name for iconv.
///
/// # Safety
/// As iconv(3).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn libiconv(
    cd: *mut c_void,
    inbuf: *mut *mut c_char,
    inbytesleft: *mut usize,
    outbuf: *mut *mut c_char,
    outbytesleft: *mut usize,
) -> usize {
    // SAFETY: the caller's contract is iconv's.
    unsafe {
        convert(
            cd,
            inbuf,
            inbytesleft,
            outbuf,
            outbytesleft,
            Names::Libiconv,
        )
    }
}

/// GNU libiconv's name for iconv_close.
///
/// # Safety
/// As iconv_close(3).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn libiconv_close(cd: *mut c_void) -> c_int {
    // SAFETY: the caller's contract is iconv_close's.
    unsafe { close(cd, Names::Libiconv) }
}
