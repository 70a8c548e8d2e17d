//! Building a `str` from the engine's UTF-8 quickly.
//!
//! The stable ABI has no constructor that takes a str's internal form (one byte, two bytes or
//! four bytes per character) directly, and CPython's UTF-8 constructor is slow on text that
//! switches often between ASCII and other characters (it re-enters its ASCII loop at every
//! switch: about 0.2 GB/s on Cyrillic or Japanese prose). Its Latin-1 and UTF-16 constructors,
//! in contrast, run at several GB/s. So the output is first measured: all-ASCII text goes
//! through the UTF-8 constructor (a plain copy for ASCII), text below U+0100 is narrowed to
//! Latin-1 here, and anything else is transcoded here to UTF-16 (surrogate pairs above the BMP,
//! which CPython's UTF-16 constructor joins again). Each step is a tight loop over valid UTF-8
//! that the engine wrote, so none of it needs checking again.
//!
//! A whole UTF-8 input that the engine finds well-formed is its own decoded text and is measured
//! and built from directly. Two kinds of whole input skip the UTF-8 step altogether: UTF-16 and
//! UCS-2, which the engine decodes straight to UTF-16 units (`decode_whole_utf16_to_units`), and
//! plain single-byte charsets (one byte, one BMP character, no state), whose bytes are mapped
//! through the characters the engine decodes each byte value to. Every time, an input with a bad
//! sequence goes the usual way instead, so errors and their positions are the engine's.

use crate::input::Input;
use convert_utf8::{
    Charset, ErrorPolicy, Family, decode_whole_utf16_to_units, is_well_formed_utf8,
    whole_utf16_layout,
};
use pyo3::exceptions::{PyMemoryError, PyUnicodeDecodeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::cell::{Cell, RefCell};

/// Transcoding buffers that grew beyond this many code units are freed after use.
const KEEP_UNITS_UP_TO: usize = 4 * 1024 * 1024;

thread_local! {
    /// One reusable UTF-16 buffer per thread, so repeated calls touch no fresh pages.
    static UNITS: Cell<Vec<u16>> = const { Cell::new(Vec::new()) };
}

/// The narrowest of CPython's str forms that holds every character of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Width {
    Ascii,
    Latin1,
    Wide,
}

/// How wide the characters of the valid UTF-8 `utf8` are. Characters from U+0100 up start with
/// a byte from 0xC4 up; the scan goes in blocks without early exit so that it vectorises.
fn width(utf8: &[u8]) -> Width {
    if utf8.is_ascii() {
        return Width::Ascii;
    }
    let wide = utf8
        .chunks(64)
        .any(|block| block.iter().fold(0u8, |max, &b| max.max(b)) >= 0xC4);
    if wide { Width::Wide } else { Width::Latin1 }
}

const ASCII_WORD: u64 = 0x8080_8080_8080_8080;

#[inline(always)]
fn ascii_word(bytes: &[u8], at: usize) -> bool {
    let word = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    word & ASCII_WORD == 0
}

/// Writes the characters of `utf8` (valid UTF-8, every character below U+0100) to `out` as
/// Latin-1 and returns how many were written. `out` has room for `utf8.len()` bytes.
fn utf8_to_latin1(utf8: &[u8], out: &mut [u8]) -> usize {
    let (mut i, mut o) = (0, 0);
    while i < utf8.len() {
        let lead = utf8[i];
        if lead < 0x80 {
            // Only ASCII looks for more ASCII, so runs of other letters branch once per letter.
            if i + 8 <= utf8.len() && ascii_word(utf8, i) {
                out[o..o + 8].copy_from_slice(&utf8[i..i + 8]);
                i += 8;
                o += 8;
                continue;
            }
            out[o] = lead;
            i += 1;
        } else {
            out[o] = (lead << 6) | (utf8[i + 1] & 0x3F);
            i += 2;
        }
        o += 1;
    }
    o
}

/// Writes the characters of `utf8` (valid UTF-8) to `out` as UTF-16 and returns how many code
/// units were written. `out` has room for `utf8.len()` units (never fewer bytes than units).
fn utf8_to_utf16(utf8: &[u8], out: &mut [u16]) -> usize {
    let (mut i, mut o) = (0, 0);
    while i < utf8.len() {
        let lead = u32::from(utf8[i]);
        let tail = |k: usize| u32::from(utf8[i + k] & 0x3F);
        if lead < 0x80 {
            // Only ASCII looks for more ASCII, so runs of other letters branch once per letter.
            if i + 8 <= utf8.len() && ascii_word(utf8, i) {
                for (unit, &byte) in out[o..o + 8].iter_mut().zip(&utf8[i..i + 8]) {
                    *unit = u16::from(byte);
                }
                i += 8;
                o += 8;
                continue;
            }
            out[o] = lead as u16;
            i += 1;
            o += 1;
        } else if lead < 0xE0 {
            out[o] = (((lead & 0x1F) << 6) | tail(1)) as u16;
            i += 2;
            o += 1;
        } else if lead < 0xF0 {
            out[o] = (((lead & 0x0F) << 12) | (tail(1) << 6) | tail(2)) as u16;
            i += 3;
            o += 1;
        } else {
            let c = ((lead & 0x07) << 18) | (tail(1) << 12) | (tail(2) << 6) | tail(3);
            let above_bmp = c - 0x10000;
            out[o] = (0xD800 | (above_bmp >> 10)) as u16;
            out[o + 1] = (0xDC00 | (above_bmp & 0x3FF)) as u16;
            i += 4;
            o += 2;
        }
    }
    o
}

fn ssize(len: usize) -> PyResult<ffi::Py_ssize_t> {
    ffi::Py_ssize_t::try_from(len).map_err(|_| PyMemoryError::new_err(()))
}

/// Turns what a CPython constructor returned into a `str`.
///
/// # Safety
/// `ptr` is a new reference to a str, or NULL with an exception set.
unsafe fn owned_str<'py>(
    py: Python<'py>,
    ptr: *mut ffi::PyObject,
) -> PyResult<Bound<'py, PyString>> {
    // SAFETY: as the caller promises.
    unsafe { Ok(Bound::from_owned_ptr_or_err(py, ptr)?.cast_into_unchecked::<PyString>()) }
}

/// A `str` from UTF-8 the engine wrote (valid UTF-8, no surrogates), by the fastest of
/// CPython's stable constructors for its characters (see the module comment).
pub(crate) fn str_from_valid_utf8<'py>(
    py: Python<'py>,
    utf8: &[u8],
) -> PyResult<Bound<'py, PyString>> {
    match width(utf8) {
        Width::Ascii => {
            let len = ssize(utf8.len())?;
            // SAFETY: `utf8` is valid for `len` bytes during the call; CPython copies it and
            // returns a new reference or NULL with an exception set.
            unsafe {
                owned_str(
                    py,
                    ffi::PyUnicode_DecodeUTF8(utf8.as_ptr().cast(), len, std::ptr::null()),
                )
            }
        }
        Width::Latin1 => with_units(utf8.len().div_ceil(2), |units| {
            // SAFETY: any initialised u16 buffer is also a valid byte buffer of twice its length.
            let bytes: &mut [u8] = unsafe {
                std::slice::from_raw_parts_mut(units.as_mut_ptr().cast::<u8>(), utf8.len())
            };
            let len = utf8_to_latin1(utf8, bytes);
            let len = ssize(len)?;
            // SAFETY: `bytes` is valid for `len` bytes during the call; CPython copies them.
            unsafe {
                owned_str(
                    py,
                    ffi::PyUnicode_DecodeLatin1(bytes.as_ptr().cast(), len, std::ptr::null()),
                )
            }
        }),
        Width::Wide => with_units(utf8.len(), |units| {
            let len = utf8_to_utf16(utf8, units);
            str_from_native_utf16(py, &units[..len])
        }),
    }
}

/// A `str` from well-formed UTF-16 in the machine's byte order (pairs only for characters above
/// the BMP), by CPython's UTF-16 constructor.
fn str_from_native_utf16<'py>(py: Python<'py>, units: &[u16]) -> PyResult<Bound<'py, PyString>> {
    // SAFETY: any initialised u16 buffer is also a valid byte buffer of its size.
    let bytes = unsafe {
        std::slice::from_raw_parts(units.as_ptr().cast::<u8>(), std::mem::size_of_val(units))
    };
    str_from_utf16_bytes(py, bytes, cfg!(target_endian = "big"))
}

/// A `str` from UTF-16 bytes in the given byte order, by CPython's strict UTF-16 constructor,
/// which raises `UnicodeDecodeError` on an unpaired surrogate or an odd byte at the end.
fn str_from_utf16_bytes<'py>(
    py: Python<'py>,
    bytes: &[u8],
    big_endian: bool,
) -> PyResult<Bound<'py, PyString>> {
    let len = ssize(bytes.len())?;
    // Stated explicitly so that a leading U+FEFF is kept as a character instead of being taken
    // for a byte order mark.
    let mut byte_order: std::ffi::c_int = if big_endian { 1 } else { -1 };
    // SAFETY: `bytes` is valid for `len` bytes during the call; CPython copies (and checks) it
    // and returns a new reference or NULL with an exception set.
    unsafe {
        owned_str(
            py,
            ffi::PyUnicode_DecodeUTF16(
                bytes.as_ptr().cast(),
                len,
                std::ptr::null(),
                &mut byte_order,
            ),
        )
    }
}

/// The `str` of a whole input of UTF-8 that decodes without a bad sequence, built from the input
/// itself (which is then also the decoded text), without decoding it into a buffer first. `None`
/// when `charset` is another or the input has a bad sequence.
pub(crate) fn str_from_utf8_input<'py>(
    py: Python<'py>,
    charset: Charset,
    input: &Input<'_>,
) -> PyResult<Option<Bound<'py, PyString>>> {
    if charset.name() != "UTF-8" {
        return Ok(None);
    }
    let src = input.as_slice();
    let well_formed = input.run_detached_if_large(py, || is_well_formed_utf8(src));
    if !well_formed {
        return Ok(None);
    }
    str_from_valid_utf8(py, src).map(Some)
}

/// The `str` of a whole input of a 16-bit Unicode form (UTF-16, UCS-2 and their byte orders),
/// without the UTF-8 step. `None` when `charset` is another or the input has a bad sequence: the
/// caller then decodes it the usual way, which raises or handles the error exactly.
///
/// The UTF-16 forms go straight to CPython's strict UTF-16 constructor (the one
/// `bytes.decode("utf-16-le")` runs), which accepts exactly the inputs the engine accepts (an
/// even length, no unpaired surrogate) and builds the same text, so the engine's pass is only
/// needed when it refuses. UCS-2, where every surrogate is a bad sequence, is decoded by the
/// engine straight to UTF-16 units first.
pub(crate) fn str_from_utf16_input<'py>(
    py: Python<'py>,
    charset: Charset,
    input: &Input<'_>,
) -> PyResult<Option<Bound<'py, PyString>>> {
    let src = input.as_slice();
    let Some(layout) = whole_utf16_layout(charset, src) else {
        return Ok(None);
    };
    if layout.surrogate_pairs {
        let body = &src[layout.body_start..];
        return match str_from_utf16_bytes(py, body, layout.big_endian) {
            Ok(text) => Ok(Some(text)),
            Err(error) if error.is_instance_of::<PyUnicodeDecodeError>(py) => Ok(None),
            Err(error) => Err(error),
        };
    }
    let mut units = UNITS.with(Cell::take);
    let decoded =
        input.run_detached_if_large(py, || decode_whole_utf16_to_units(charset, src, &mut units));
    let text = if decoded {
        Some(str_from_native_utf16(py, &units)?)
    } else {
        None
    };
    keep_units(units);
    Ok(text)
}

/// What a byte of a single-byte charset decodes to in a [`BYTE_MAPS`] entry: U+FFFE, which is
/// what CPython's charmap decoder takes for a byte the charset leaves undefined.
const UNDEFINED_BYTE: u16 = 0xFFFE;

thread_local! {
    /// Per single-byte charset, a 256-character `str`: the character each byte value decodes
    /// to, found by decoding that byte alone with the engine.
    static BYTE_MAPS: RefCell<Vec<(Charset, Py<PyString>)>> = const { RefCell::new(Vec::new()) };
}

/// How many single-byte charsets' byte maps each thread keeps.
const BYTE_MAPS_PER_THREAD: usize = 8;

/// The character each byte decodes to in `charset` (a [`Family::SingleByte`] charset: one byte,
/// one character from the BMP, no state), asked of the engine byte by byte, as a `str` of 256
/// characters with U+FFFE for an undefined byte.
fn byte_map(py: Python<'_>, charset: Charset) -> PyResult<Py<PyString>> {
    let mut table = [UNDEFINED_BYTE; 256];
    for (byte, entry) in (0..=255u8).zip(table.iter_mut()) {
        if let Ok(text) = charset.decode_to_string(&[byte], ErrorPolicy::Strict) {
            let mut units = text.encode_utf16();
            if let (Some(unit), None) = (units.next(), units.next()) {
                *entry = unit;
            }
        }
    }
    Ok(str_from_native_utf16(py, &table)?.unbind())
}

/// The `str` of a whole input of a plain single-byte charset, without the UTF-8 step: CPython's
/// charmap decoder (the one `bytes.decode("cp1251")` runs) maps its bytes through the
/// characters the engine decodes each byte value to. `None` when `charset` is of another family
/// or the input has a byte the charset leaves undefined (or that decodes to U+FFFE, which the
/// charmap decoder cannot tell from one): the caller then decodes it the usual way, which raises
/// or handles the error exactly.
pub(crate) fn str_from_single_byte_input<'py>(
    py: Python<'py>,
    charset: Charset,
    input: &Input<'_>,
) -> PyResult<Option<Bound<'py, PyString>>> {
    if charset.family() != Family::SingleByte {
        return Ok(None);
    }
    let cached = BYTE_MAPS.with_borrow(|maps| {
        maps.iter()
            .find(|(known, _)| *known == charset)
            .map(|(_, map)| map.clone_ref(py))
    });
    let map = match cached {
        Some(map) => map,
        None => {
            let map = byte_map(py, charset)?;
            BYTE_MAPS.with_borrow_mut(|maps| {
                if maps.len() == BYTE_MAPS_PER_THREAD {
                    maps.remove(0);
                }
                maps.push((charset, map.clone_ref(py)));
            });
            map
        }
    };
    let src = input.as_slice();
    let len = ssize(src.len())?;
    // SAFETY: `src` is valid for `len` bytes during the call, `map` is a live str; CPython
    // returns a new reference or NULL with an exception set.
    let built = unsafe {
        owned_str(
            py,
            ffi::PyUnicode_DecodeCharmap(src.as_ptr().cast(), len, map.as_ptr(), std::ptr::null()),
        )
    };
    match built {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.is_instance_of::<PyUnicodeDecodeError>(py) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Runs `fill` with this thread's UTF-16 buffer, at least `len` units long.
fn with_units<T>(len: usize, fill: impl FnOnce(&mut [u16]) -> PyResult<T>) -> PyResult<T> {
    // Taken, not borrowed: building a str cannot re-enter here, but a taken buffer makes that
    // harmless anyway (the inner call would start from an empty one).
    let mut units = UNITS.with(Cell::take);
    if units.len() < len {
        units
            .try_reserve(len - units.len())
            .map_err(|_| PyMemoryError::new_err(()))?;
        units.resize(len, 0);
    }
    let result = fill(&mut units[..len]);
    keep_units(units);
    result
}

/// Gives a buffer taken from `UNITS` back for the next call, unless it grew too large to keep.
fn keep_units(units: Vec<u16>) {
    if units.capacity() <= KEEP_UNITS_UP_TO {
        UNITS.with(|slot| slot.set(units));
    }
}
