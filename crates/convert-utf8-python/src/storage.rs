//! Building a `str` by writing its storage directly: per-version builds only (not the stable
//! ABI, which has neither `PyUnicode_New` with a kind nor access to a str's data).
//!
//! A CPython `str` stores its characters in the smallest of three widths that holds its largest
//! one (PEP 393): one byte (an ASCII str, or a Latin-1 one from U+0080 up), two bytes (the BMP)
//! or four. The width is part of the object and must be the smallest that fits, or equality
//! and hashing go wrong, so it has to be known when the str is made, before its characters are
//! written. [`StrStorage`] chooses it from the first characters and widens (one copy of what is
//! written so far, at most twice) when a wider character comes later; the text so far being a
//! prefix of the whole, it never has to narrow.

use crate::errors::engine_error_at;
use crate::input::Input;
use convert_utf8::Charset;
use pyo3::exceptions::PyMemoryError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

/// A storage width, named by the largest character it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Width {
    Ascii,
    Latin1,
    Bmp,
}

impl Width {
    /// The narrowest width for characters whose bits, or-ed together, are `bits`: a character
    /// from U+0100 up sets a bit from 8 up, and below that one from U+0080 up sets bit 7.
    fn of_bits(bits: u32) -> Width {
        if bits & 0xFF00 != 0 {
            Width::Bmp
        } else if bits & 0x80 != 0 {
            Width::Latin1
        } else {
            Width::Ascii
        }
    }

    fn max_char(self) -> ffi::Py_UCS4 {
        match self {
            Width::Ascii => 0x7F,
            Width::Latin1 => 0xFF,
            Width::Bmp => 0xFFFF,
        }
    }
}

/// A new `str` of a known length being written; its width grows as wider characters come.
struct StrStorage<'py> {
    text: Bound<'py, PyString>,
    width: Width,
    len: usize,
}

impl<'py> StrStorage<'py> {
    /// A str of `len` (> 0) characters, not yet written, `width` wide.
    fn new(py: Python<'py>, len: usize, width: Width) -> PyResult<StrStorage<'py>> {
        let size = ffi::Py_ssize_t::try_from(len).map_err(|_| PyMemoryError::new_err(()))?;
        // SAFETY: PyUnicode_New returns a new reference to a str of `size` characters of at
        // most `max_char` (uninitialised), or NULL with an exception set.
        let text = unsafe {
            Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_New(size, width.max_char()))?
                .cast_into_unchecked::<PyString>()
        };
        Ok(StrStorage { text, width, len })
    }

    /// The characters, as units of the current width: bytes for ASCII and Latin-1.
    fn bytes(&mut self) -> &mut [u8] {
        debug_assert!(self.width < Width::Bmp);
        // SAFETY: a compact str of one-byte kind made by PyUnicode_New has `len` bytes of
        // data, referenced only here (no other code has seen the object yet).
        unsafe { std::slice::from_raw_parts_mut(self.data().cast::<u8>(), self.len) }
    }

    fn units(&mut self) -> &mut [u16] {
        debug_assert!(self.width == Width::Bmp);
        // SAFETY: as in `bytes`, for the two-byte kind: `len` aligned u16s.
        unsafe { std::slice::from_raw_parts_mut(self.data().cast::<u16>(), self.len) }
    }

    fn data(&self) -> *mut std::ffi::c_void {
        // SAFETY: `text` is a live, ready str.
        unsafe { ffi::PyUnicode_DATA(self.text.as_ptr()) }
    }

    /// Moves to the wider `width`, keeping the first `written` characters.
    fn widen(&mut self, width: Width, written: usize) -> PyResult<()> {
        let mut wider = StrStorage::new(self.text.py(), self.len, width)?;
        let old = &self.bytes()[..written];
        match width {
            Width::Ascii => unreachable!("nothing is narrower"),
            Width::Latin1 => wider.bytes()[..written].copy_from_slice(old),
            Width::Bmp => {
                let old = old.to_vec();
                for (unit, &byte) in wider.units().iter_mut().zip(&old) {
                    *unit = u16::from(byte);
                }
            }
        }
        *self = wider;
        Ok(())
    }

    /// The written str; its every character must have been written.
    fn finish(self) -> Bound<'py, PyString> {
        self.text
    }
}

/// How many bytes the width of a single-byte text is checked after.
const BLOCK: usize = 4096;

/// A byte's entry in a [`ByteTable`]: the character (BMP), or this bit for a byte the charset
/// leaves undefined.
const UNDEFINED: u32 = 1 << 16;

/// What each byte value decodes to in one single-byte charset, as [`UNDEFINED`] or a character.
pub(crate) type ByteTable = [u32; 256];

/// The table of a charset whose byte values decode to `units`, `undefined` standing for a byte
/// the charset leaves undefined.
pub(crate) fn byte_table(units: &[u16; 256], undefined: u16) -> ByteTable {
    units.map(|unit| {
        if unit == undefined {
            UNDEFINED
        } else {
            u32::from(unit)
        }
    })
}

/// The characters of `src` or-ed together, [`UNDEFINED`] set if one of its bytes is undefined.
fn bits_of(table: &ByteTable, src: &[u8]) -> u32 {
    let mut words = src.chunks_exact(4);
    let mut bits = [0; 4];
    for word in &mut words {
        for (bits, &byte) in bits.iter_mut().zip(word) {
            *bits |= table[usize::from(byte)];
        }
    }
    let tail = words
        .remainder()
        .iter()
        .map(|&byte| table[usize::from(byte)]);
    bits.into_iter().chain(tail).fold(0, |all, bits| all | bits)
}

/// Writes the characters of `src` to `out` as units made by `narrow` and returns their bits,
/// as [`bits_of`]. (A plain loop: measured faster than unrolled ones that store eight bytes or
/// four units at once.)
#[inline(always)]
fn write_as<U>(table: &ByteTable, src: &[u8], out: &mut [U], narrow: fn(u32) -> U) -> u32 {
    let mut bits = 0;
    for (out, &byte) in out.iter_mut().zip(src) {
        let entry = table[usize::from(byte)];
        bits |= entry;
        *out = narrow(entry);
    }
    bits
}

/// [`write_as`] bytes: the characters' low bytes, right when they all fit.
fn write_bytes(table: &ByteTable, src: &[u8], out: &mut [u8]) -> u32 {
    write_as(table, src, out, |entry| entry as u8)
}

/// [`write_as`] two-byte units.
fn write_units(table: &ByteTable, src: &[u8], out: &mut [u16]) -> u32 {
    write_as(table, src, out, |entry| entry as u16)
}

/// Where writing a single-byte text into storage of one width stopped.
enum Stop {
    /// Every character is written.
    Done,
    /// The block from this byte has a character wider than the storage, or an undefined byte;
    /// everything before it is written.
    Block(usize, u32),
}

/// Writes the characters of `src` from byte `from` on into `out`, block by block, until the end
/// or a block that does not fit.
fn write_blocks<U>(
    table: &ByteTable,
    src: &[u8],
    out: &mut [U],
    from: usize,
    width: Width,
    write: fn(&ByteTable, &[u8], &mut [U]) -> u32,
) -> Stop {
    let mut at = from;
    while at < src.len() {
        let end = src.len().min(at + BLOCK);
        let bits = write(table, &src[at..end], &mut out[at..end]);
        if bits & UNDEFINED != 0 || Width::of_bits(bits) > width {
            return Stop::Block(at, bits);
        }
        at = end;
    }
    Stop::Done
}

/// The `str` of a whole input of a plain single-byte charset (one byte, one BMP character, no
/// state), written into its storage from the charset's `table`. At an undefined byte, strict
/// decoding raises the engine's error for it; otherwise `None`, for the caller to decode the
/// input the usual way under its `errors=`.
pub(crate) fn str_from_single_byte<'py>(
    py: Python<'py>,
    charset: Charset,
    input: &Input<'_>,
    table: &ByteTable,
    strict: bool,
) -> PyResult<Option<Bound<'py, PyString>>> {
    let src = input.as_slice();
    if src.is_empty() {
        return Ok(Some(PyString::new(py, "")));
    }
    {
        let first = bits_of(table, &src[..src.len().min(BLOCK)]);
        let mut storage = StrStorage::new(py, src.len(), Width::of_bits(first))?;
        let mut from = 0;
        loop {
            let width = storage.width;
            let stop = if width == Width::Bmp {
                let out = storage.units();
                input.run_detached_if_large(py, || {
                    write_blocks(table, src, out, from, width, write_units)
                })
            } else {
                let out = storage.bytes();
                input.run_detached_if_large(py, || {
                    write_blocks(table, src, out, from, width, write_bytes)
                })
            };
            match stop {
                Stop::Done => return Ok(Some(storage.finish())),
                Stop::Block(at, bits) if bits & UNDEFINED != 0 => {
                    let undefined = |&byte: &u8| table[usize::from(byte)] & UNDEFINED != 0;
                    let bad = at + src[at..].iter().position(undefined).unwrap_or(0);
                    return if strict {
                        Err(engine_error_at(py, charset.name(), charset, input, bad))
                    } else {
                        Ok(None)
                    };
                }
                Stop::Block(at, bits) => {
                    storage.widen(Width::of_bits(bits), at)?;
                    from = at;
                }
            }
        }
    }
}
