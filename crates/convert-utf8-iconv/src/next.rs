//! The iconv a program would have used without this library: the next definitions of the
//! iconv functions in the dynamic linker's search order (`dlsym(RTLD_NEXT, ...)`), which is
//! glibc's when this library is preloaded or linked before libc, and GNU libiconv's for the
//! `libiconv*` names when the program links that too.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::OnceLock;

pub type OpenFn = unsafe extern "C" fn(*const c_char, *const c_char) -> *mut c_void;
pub type ConvertFn = unsafe extern "C" fn(
    *mut c_void,
    *mut *mut c_char,
    *mut usize,
    *mut *mut c_char,
    *mut usize,
) -> usize;
pub type CloseFn = unsafe extern "C" fn(*mut c_void) -> c_int;

/// One family of names: `iconv*` (glibc's) or `libiconv*` (GNU libiconv's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    Iconv,
    Libiconv,
}

/// The next implementation's three functions; any of them may be missing.
pub struct Next {
    pub open: Option<OpenFn>,
    pub convert: Option<ConvertFn>,
    pub close: Option<CloseFn>,
}

fn lookup(name: &CStr) -> *mut c_void {
    // SAFETY: `name` is NUL-terminated; RTLD_NEXT asks for the definition after this library.
    unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr()) }
}

fn resolve(open: &CStr, convert: &CStr, close: &CStr) -> Next {
    let (open, convert, close) = (lookup(open), lookup(convert), lookup(close));
    // SAFETY: each symbol, when present, is the C function of that name, whose type these
    // aliases spell out (iconv(3)).
    unsafe {
        Next {
            open: (!open.is_null()).then(|| std::mem::transmute::<*mut c_void, OpenFn>(open)),
            convert: (!convert.is_null())
                .then(|| std::mem::transmute::<*mut c_void, ConvertFn>(convert)),
            close: (!close.is_null()).then(|| std::mem::transmute::<*mut c_void, CloseFn>(close)),
        }
    }
}

/// The next implementation for `names`. The `libiconv*` names fall back to the next `iconv*`
/// functions when no GNU libiconv follows, so that a program built against GNU libiconv runs
/// on this library alone.
pub fn next(names: Names) -> &'static Next {
    static ICONV: OnceLock<Next> = OnceLock::new();
    static LIBICONV: OnceLock<Next> = OnceLock::new();
    let iconv = || ICONV.get_or_init(|| resolve(c"iconv_open", c"iconv", c"iconv_close"));
    match names {
        Names::Iconv => iconv(),
        Names::Libiconv => LIBICONV.get_or_init(|| {
            let own = resolve(c"libiconv_open", c"libiconv", c"libiconv_close");
            if own.open.is_some() {
                own
            } else {
                let glibc = iconv();
                Next {
                    open: glibc.open,
                    convert: glibc.convert,
                    close: glibc.close,
                }
            }
        }),
    }
}
