//! Building a `str` from the engine's UTF-8 quickly.
//!
//! The stable ABI has no constructor that takes a str's internal form (one byte, two bytes or
//! four bytes per character) directly, nor a way to fill a str in place. What decides the speed
//! on large text is memory: a buffer as large as the text costs more in fresh pages than any
//! pass over it. So text is built in pieces of at most [`PIECE_LEN`] bytes of UTF-8, each by
//! CPython's fastest constructor for it (its UTF-8 one, or its Latin-1 one after narrowing here
//! when every character is below U+0100), and appended to the str being built, which CPython
//! grows in place; an engine-decoded input is decoded batch by batch into a reused buffer the
//! same way. On cache-sized pieces CPython's UTF-8 constructor runs at about 1.5 GB/s on
//! Cyrillic, Greek or CJK prose, faster than over a whole large text at once.
//!
//! A whole UTF-8 input that the engine finds well-formed is its own decoded text and is built
//! from directly. Three kinds of whole input skip the UTF-8 step altogether: UTF-16, which
//! CPython's own strict UTF-16 constructor decodes exactly as the engine does (UCS-2, whose
//! surrogates are errors, is decoded by the engine straight to UTF-16 units), plain single-byte
//! charsets (one byte, one BMP character, no state), which CPython's charmap decoder maps
//! through the characters the engine decodes each byte value to, and the CJK multi-byte
//! charsets (Shift_JIS, GBK, EUC-KR, ...), which the engine decodes straight to UTF-16 units
//! for CPython's UTF-16 constructor. Every time, an input with a bad sequence goes the usual
//! way instead, so errors and their positions are the engine's.

use crate::errors::{engine_decode_error, engine_error_at};
use crate::input::Input;
use crate::policy::decode_in_batches;
use convert_utf8::{
    Charset, DecodeStatus, Decoder, ErrorPolicy, Family, MIN_OUTPUT_SPACE, is_well_formed_utf8,
};
use pyo3::exceptions::{PyMemoryError, PyUnicodeDecodeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::cell::{Cell, RefCell};

/// Transcoding buffers that grew beyond this many code units are freed after use.
const KEEP_UNITS_UP_TO: usize = 4 * 1024 * 1024;

thread_local! {
    /// One reusable UTF-16 buffer per thread (Latin-1 bytes in its place when narrowing), so
    /// repeated calls touch no fresh pages.
    static UNITS: Cell<Vec<u16>> = const { Cell::new(Vec::new()) };
}

/// Whether the valid UTF-8 `utf8` has characters from U+0080 up but none from U+0100 up (those
/// start with a byte from 0xC4 up). The scan goes in blocks without early exit inside a block,
/// so that it vectorises.
fn latin1_only(utf8: &[u8]) -> bool {
    !utf8.is_ascii()
        && utf8
            .chunks(64)
            .all(|block| block.iter().fold(0u8, |max, &b| max.max(b)) < 0xC4)
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

/// Text longer than this many bytes of UTF-8 is built in pieces this long at most: small enough
/// for each piece's str to stay in the cache and to come from memory the allocator reuses (below
/// glibc's 128 KiB threshold for mapping fresh pages), instead of a str or buffer as large as
/// the text whose fresh pages would cost more than building the text.
const PIECE_LEN: usize = 64 * 1024;

/// A `str` grown piece by piece with `PyUnicode_Append`. While the str is referenced only here
/// and each piece is no wider than it, CPython appends in place: it `realloc`s the str (which
/// for a large one moves pages instead of copying them) and copies the piece in. A wider piece
/// makes it copy the str once into a wider one, which happens at most three times (ASCII,
/// Latin-1, two-byte, four-byte characters). Where it cannot grow the str in place it copies
/// it: slower, never wrong.
pub(crate) struct StrBuilder<'py> {
    py: Python<'py>,
    text: Option<Bound<'py, PyString>>,
}

impl<'py> StrBuilder<'py> {
    pub(crate) fn new(py: Python<'py>) -> StrBuilder<'py> {
        StrBuilder { py, text: None }
    }

    /// Appends `piece`.
    pub(crate) fn push(&mut self, piece: Bound<'py, PyString>) -> PyResult<()> {
        let text = match self.text.take() {
            None => piece,
            Some(text) => {
                let mut text = text.into_ptr();
                // SAFETY: `text` is a reference we own to a str and `piece` a live str. CPython
                // replaces `text` with the joined str (a reference we own) or, on failure,
                // releases it and sets it to NULL with an exception set.
                unsafe {
                    ffi::PyUnicode_Append(&mut text, piece.as_ptr());
                    owned_str(self.py, text)?
                }
            }
        };
        self.text = Some(text);
        Ok(())
    }

    /// Appends the text of `utf8` (valid UTF-8, as the engine writes it).
    pub(crate) fn push_valid_utf8(&mut self, utf8: &[u8]) -> PyResult<()> {
        if utf8.is_empty() {
            return Ok(());
        }
        self.push(str_from_valid_utf8(self.py, utf8)?)
    }

    pub(crate) fn finish(self) -> Bound<'py, PyString> {
        self.text.unwrap_or_else(|| PyString::new(self.py, ""))
    }
}

/// A `str` from UTF-8 the engine wrote (valid UTF-8, no surrogates), by the fastest of
/// CPython's stable constructors for its characters (see the module comment); a long text in
/// pieces of at most [`PIECE_LEN`] bytes.
pub(crate) fn str_from_valid_utf8<'py>(
    py: Python<'py>,
    utf8: &[u8],
) -> PyResult<Bound<'py, PyString>> {
    if utf8.len() <= PIECE_LEN {
        return piece_from_valid_utf8(py, utf8);
    }
    let mut text = StrBuilder::new(py);
    let mut rest = utf8;
    while !rest.is_empty() {
        let mut end = rest.len().min(PIECE_LEN);
        // Back to the start of a character: at most three continuation bytes.
        while end < rest.len() && rest[end] & 0xC0 == 0x80 {
            end -= 1;
        }
        text.push(piece_from_valid_utf8(py, &rest[..end])?)?;
        rest = &rest[end..];
    }
    Ok(text.finish())
}

/// [`str_from_valid_utf8`] for one piece, built at once.
fn piece_from_valid_utf8<'py>(py: Python<'py>, utf8: &[u8]) -> PyResult<Bound<'py, PyString>> {
    if !latin1_only(utf8) {
        let len = ssize(utf8.len())?;
        // SAFETY: `utf8` is valid for `len` bytes during the call; CPython copies it and
        // returns a new reference or NULL with an exception set.
        return unsafe {
            owned_str(
                py,
                ffi::PyUnicode_DecodeUTF8(utf8.as_ptr().cast(), len, std::ptr::null()),
            )
        };
    }
    with_units(utf8.len().div_ceil(2), |units| {
        // SAFETY: any initialised u16 buffer is also a valid byte buffer of twice its length.
        let bytes: &mut [u8] =
            unsafe { std::slice::from_raw_parts_mut(units.as_mut_ptr().cast::<u8>(), utf8.len()) };
        let len = utf8_to_latin1(utf8, bytes);
        let len = ssize(len)?;
        // SAFETY: `bytes` is valid for `len` bytes during the call; CPython copies them.
        unsafe {
            owned_str(
                py,
                ffi::PyUnicode_DecodeLatin1(bytes.as_ptr().cast(), len, std::ptr::null()),
            )
        }
    })
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

/// What the caller's `errors=` asks of the routes below that build a `str` by CPython's
/// constructors or straight into its storage, all of which stop at the first bad sequence.
/// Unless it is strict, a route is taken only for input a cheap check finds clean, so that
/// input with a bad sequence is decoded once, by the path that applies the policy or calls the
/// handler, instead of by a route that stops at it and then again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnBad {
    /// Strict: the engine's error for it is raised.
    Raise,
    /// Ignore or replace, which the engine applies as it decodes.
    EnginePolicy,
    /// A Python error handler, which the handler's path calls.
    Handler,
}

impl OnBad {
    fn raises(self) -> bool {
        self == OnBad::Raise
    }
}

/// The `str` of a whole input of UTF-8 that decodes without a bad sequence, built from the input
/// itself (which is then also the decoded text), without decoding it into a buffer first. `None`
/// when `charset` is another or the input has a bad sequence.
pub(crate) fn str_from_utf8_input<'py>(
    py: Python<'py>,
    charset: Charset,
    input: &Input<'_>,
    on_bad: OnBad,
) -> PyResult<Option<Bound<'py, PyString>>> {
    if charset.name() != "UTF-8" {
        return Ok(None);
    }
    let src = input.as_slice();
    if on_bad != OnBad::Raise && !input.run_detached_if_large(py, || is_well_formed_utf8(src)) {
        return Ok(None);
    }
    // Both ends probed: text that is ASCII at both (English, markup, code) is most likely ASCII
    // all through.
    let ascii_ends = src[..src.len().min(ASCII_PROBE_LEN)].is_ascii()
        && src[src.len().saturating_sub(ASCII_PROBE_LEN)..].is_ascii();
    if src.len() <= DIRECT_UTF8_MAX || ascii_ends {
        // CPython's strict UTF-8 constructor (the one `bytes.decode("utf-8")` runs) accepts
        // exactly the well-formed UTF-8 the engine accepts and builds the text in one pass.
        let len = ssize(src.len())?;
        // SAFETY: `src` is valid for `len` bytes during the call; CPython copies (and checks)
        // it and returns a new reference or NULL with an exception set.
        let built = unsafe {
            owned_str(
                py,
                ffi::PyUnicode_DecodeUTF8(src.as_ptr().cast(), len, c"strict".as_ptr()),
            )
        };
        return checked_by_cpython(py, built, on_bad, |at| {
            engine_error_at(py, charset.name(), charset, input, at)
        });
    }
    let well_formed = input.run_detached_if_large(py, || is_well_formed_utf8(src));
    if !well_formed {
        return Ok(None);
    }
    str_from_valid_utf8(py, src).map(Some)
}

/// Up to this many bytes, a UTF-8 input goes straight to CPython's UTF-8 constructor; above it,
/// text that does not start with ASCII is checked by the engine and built in pieces (see the
/// module comment), measured 1.3–1.5× faster on 4 MB of Cyrillic or Japanese.
const DIRECT_UTF8_MAX: usize = 1 << 20;

/// How much of each end of a large UTF-8 input is looked at: one with this much ASCII at both
/// goes to CPython's constructor, whose ASCII loop copies it at memory speed; text with other
/// letters is built faster in pieces.
const ASCII_PROBE_LEN: usize = 4096;

/// What a CPython constructor that checks its input by the engine's rules returned (`built`):
/// its `str`; for an input it refused, under `strict`, the engine's error for the bad sequence
/// at the byte where it stopped (`engine_error`), else `None` for the caller's usual path.
fn checked_by_cpython<'py>(
    py: Python<'py>,
    built: PyResult<Bound<'py, PyString>>,
    on_bad: OnBad,
    engine_error: impl FnOnce(usize) -> PyErr,
) -> PyResult<Option<Bound<'py, PyString>>> {
    match built {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.is_instance_of::<PyUnicodeDecodeError>(py) && on_bad.raises() => {
            let at: usize = error.value(py).getattr("start")?.extract()?;
            Err(engine_error(at))
        }
        Err(error) if error.is_instance_of::<PyUnicodeDecodeError>(py) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The `str` of a whole input of a 16-bit Unicode form (UTF-16, UCS-2 and their byte orders),
/// without the UTF-8 step. `None` when `charset` is another, or the input has a bad sequence
/// and `strict` is false: the caller then decodes it the usual way, which handles the error
/// under its `errors=`. Under `strict`, the engine's error is raised.
///
/// The UTF-16 forms go straight to CPython's strict UTF-16 constructor (the one
/// `bytes.decode("utf-16-le")` runs), which accepts exactly the inputs the engine accepts (an
/// even length, no unpaired surrogate) and builds the same text, so the engine's pass is only
/// needed when it refuses: then from where CPython stopped, which is where the engine finds
/// the first bad sequence too. UCS-2, where every surrogate is a bad sequence, is decoded by the
/// engine straight to UTF-16 units first.
pub(crate) fn str_from_utf16_input<'py>(
    py: Python<'py>,
    charset: Charset,
    input: &Input<'_>,
    on_bad: OnBad,
) -> PyResult<Option<Bound<'py, PyString>>> {
    let src = input.as_slice();
    let Some(layout) = Utf16Layout::of(charset, src) else {
        return Ok(None);
    };
    if layout.surrogate_pairs {
        let body = &src[layout.body_start..];
        if on_bad != OnBad::Raise
            && !input.run_detached_if_large(py, || utf16_well_formed(body, layout.big_endian))
        {
            return Ok(None);
        }
        let built = str_from_utf16_bytes(py, body, layout.big_endian);
        return checked_by_cpython(py, built, on_bad, |at| {
            // The body read in its byte order from there, as the whole input's decoder reads it.
            let reader = Charset::for_label(if layout.big_endian {
                "UTF-16BE"
            } else {
                "UTF-16LE"
            })
            .expect("a charset of the engine");
            engine_error_at(py, charset.name(), reader, input, layout.body_start + at)
        });
    }
    if on_bad != OnBad::Raise {
        // Under ignore and replace the caller's engine path decodes UCS-2 once as well.
        return Ok(None);
    }
    let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
    str_from_engine_utf16(py, &mut decoder, input, true)
}

/// Whether `body` is well-formed UTF-16 in the given byte order: an even length, and every
/// surrogate in a pair. Eight bytes at a time, the high byte of each unit compared with a
/// surrogate's (`D8`–`DF`) in all four lanes at once, without early exit inside a block, so that
/// the common case (no surrogate at all) runs at memory speed.
fn utf16_well_formed(body: &[u8], big_endian: bool) -> bool {
    if !body.len().is_multiple_of(2) {
        return false;
    }
    let unit = |pair: &[u8]| {
        let pair = [pair[0], pair[1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    };
    // Read as little-endian words, a unit's high byte is the high byte of its 16-bit lane in
    // UTF-16LE and the low byte in UTF-16BE.
    let (mask, surrogate) = if big_endian {
        (0x00F8_00F8_00F8_00F8u64, 0x00D8_00D8_00D8_00D8u64)
    } else {
        (0xF800_F800_F800_F800u64, 0xD800_D800_D800_D800u64)
    };
    // A lane of `x` is zero exactly where its unit is a surrogate; the lanes' flags are gathered
    // over a block and tested once.
    let zero_lanes = |x: u64| x.wrapping_sub(0x0001_0001_0001_0001) & !x & 0x8000_8000_8000_8000;
    let words = body.chunks_exact(8);
    let tail = words.remainder();
    let any_surrogate = body[..body.len() - tail.len()].chunks(4096).any(|block| {
        block.chunks_exact(8).fold(0, |found, word| {
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            found | zero_lanes((word & mask) ^ surrogate)
        }) != 0
    }) || tail
        .chunks_exact(2)
        .any(|pair| unit(pair) & 0xF800 == 0xD800);
    if !any_surrogate {
        return true;
    }
    let mut units = body.chunks_exact(2).map(unit);
    while let Some(u) = units.next() {
        match u {
            0xD800..=0xDBFF if !matches!(units.next(), Some(0xDC00..=0xDFFF)) => return false,
            0xDC00..=0xDFFF => return false,
            _ => {}
        }
    }
    true
}

/// How one whole input of a 16-bit form is read, as a new `Decoder` given it as its whole input
/// reads it.
struct Utf16Layout {
    /// Where the units begin: after the BOM a sniffing form consumes, else 0.
    body_start: usize,
    big_endian: bool,
    /// Whether a high surrogate followed by a low one is a character (UTF-16); in UCS-2 every
    /// surrogate is a bad sequence.
    surrogate_pairs: bool,
}

impl Utf16Layout {
    /// The layout of `src` read as one whole input of `charset`; `None` for a charset other
    /// than the 16-bit forms. For the UTF-16 forms, the input is then well-formed exactly when
    /// its body has an even length and no unpaired surrogate, the rules every strict UTF-16
    /// decoder shares, CPython's among them.
    fn of(charset: Charset, src: &[u8]) -> Option<Utf16Layout> {
        // (pairs, big-endian, looks for a BOM)
        let (surrogate_pairs, big_endian, sniffs) = match charset.name() {
            "UTF-16" => (true, false, true),
            "UTF-16LE" => (true, false, false),
            "UTF-16BE" => (true, true, false),
            "UCS-2" => (false, false, false),
            "UNICODEBIG" => (false, true, false),
            "UNICODE" => (false, false, true),
            _ => return None,
        };
        let bom = match src.get(..2) {
            Some([0xFF, 0xFE]) if sniffs => Some(false),
            Some([0xFE, 0xFF]) if sniffs => Some(true),
            _ => None,
        };
        Some(Utf16Layout {
            body_start: if bom.is_some() { 2 } else { 0 },
            big_endian: bom.unwrap_or(big_endian),
            surrogate_pairs,
        })
    }
}

/// How many UTF-16 units the engine decodes at a time, each batch becoming one `str` piece.
/// Larger than [`PIECE_LEN`]: measured on 100 MB CJK inputs, pieces of 64 KiB made the result
/// grow by so many small appends that its growth (`realloc`/`mremap`) cost up to a third of the
/// time, depending on the allocator's state; 1 MiB of units per piece was the fastest of 64 KiB
/// to 2 MiB, and fast whatever ran before.
const BATCH_UNITS: usize = 512 * 1024;

/// The `str` of a whole input decoded by `decoder` under one of the engine's own policies (no
/// Python error handler): the engine decodes it batch by batch straight to UTF-16 units, with
/// the GIL released for a large input, and each batch becomes a `str` piece appended to the
/// result. At a bad sequence (the decoder being strict), the engine's error for it is raised
/// when `raise` is set, found on this one pass; otherwise the result is `None`, for the caller
/// to decode the input under its `errors=`.
pub(crate) fn str_from_engine_utf16<'py>(
    py: Python<'py>,
    decoder: &mut Decoder,
    input: &Input<'_>,
    raise: bool,
) -> PyResult<Option<Bound<'py, PyString>>> {
    let src = input.as_slice();
    // No byte decodes to more units than the bytes it takes, two units hold any character, and
    // the engine wants room for one character's worst case to make progress.
    let batch = src.len().clamp(MIN_OUTPUT_SPACE, BATCH_UNITS);
    with_units(batch, |units| {
        let mut text = StrBuilder::new(py);
        let mut read = 0;
        loop {
            let step =
                input.run_detached_if_large(py, || decoder.decode_utf16(&src[read..], units, true));
            read += step.read;
            // A call writes whole characters, so a batch never ends inside a surrogate pair.
            if step.written > 0 {
                text.push(str_from_native_utf16(py, &units[..step.written])?)?;
            }
            match step.status {
                DecodeStatus::InputEmpty => return Ok(Some(text.finish())),
                DecodeStatus::OutputFull => {}
                DecodeStatus::Error(error) if raise => {
                    let name = decoder.charset().name();
                    return Err(engine_decode_error(py, name, input, &error, 0));
                }
                DecodeStatus::Error(_) => return Ok(None),
            }
        }
    })
}

/// What a byte of a single-byte charset decodes to in a [`BYTE_MAPS`] entry: U+FFFE, which is
/// what CPython's charmap decoder takes for a byte the charset leaves undefined.
const UNDEFINED_BYTE: u16 = 0xFFFE;

/// Which of CPython's constructors builds the text of a single-byte charset, by what its bytes
/// decode to: the Latin-1 and ASCII ones copy (after one check) where the charmap decoder maps
/// byte by byte, many times slower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ByteMapShape {
    /// Every byte is the character of its own value (ISO-8859-1): CPython's Latin-1 constructor.
    Latin1,
    /// 00-7F are themselves, 80-FF undefined (ASCII): CPython's strict ASCII constructor, which
    /// refuses exactly the inputs the engine refuses.
    AsciiOnly,
    /// 00-7F are themselves: an all-ASCII input is its own text (the Latin-1 constructor);
    /// other inputs go through the charmap decoder.
    AsciiLow,
    /// Anything else: the charmap decoder.
    Other,
}

impl ByteMapShape {
    fn of(table: &[u16; 256]) -> ByteMapShape {
        let identity =
            |mut range: std::ops::Range<usize>| range.all(|b| usize::from(table[b]) == b);
        if !identity(0..0x80) {
            ByteMapShape::Other
        } else if identity(0x80..0x100) {
            ByteMapShape::Latin1
        } else if table[0x80..].iter().all(|&unit| unit == UNDEFINED_BYTE) {
            ByteMapShape::AsciiOnly
        } else {
            ByteMapShape::AsciiLow
        }
    }
}

/// What builds the text of a single-byte charset beyond CPython's copying constructors: the
/// charset's table, written into the str's storage ([`crate::storage`]), in a per-version
/// build; CPython's charmap decoder with a 256-character map under the stable ABI.
#[cfg(not(feature = "abi3"))]
type ByteDecoding = std::rc::Rc<crate::storage::ByteTable>;
#[cfg(feature = "abi3")]
type ByteDecoding = Py<PyString>;

/// A single-byte charset's [`ByteDecoding`] and its shape.
struct ByteMap {
    charset: Charset,
    decoding: ByteDecoding,
    shape: ByteMapShape,
    /// The bytes the charset leaves undefined.
    undefined: Vec<u8>,
}

impl ByteMap {
    /// The map of `charset` (a [`Family::SingleByte`] charset: one byte, one character from the
    /// BMP, no state), asked of the engine byte by byte.
    fn of(_py: Python<'_>, charset: Charset) -> PyResult<ByteMap> {
        #[cfg(feature = "abi3")]
        let py = _py;
        let units = byte_units(charset);
        #[cfg(not(feature = "abi3"))]
        let decoding = std::rc::Rc::new(crate::storage::byte_table(&units, UNDEFINED_BYTE));
        #[cfg(feature = "abi3")]
        let decoding = str_from_native_utf16(py, &units)?.unbind();
        Ok(ByteMap {
            charset,
            decoding,
            shape: ByteMapShape::of(&units),
            undefined: (0..=255u8)
                .filter(|&b| units[usize::from(b)] == UNDEFINED_BYTE)
                .collect(),
        })
    }

    /// The decoding, shared.
    #[cfg(not(feature = "abi3"))]
    fn share(&self, _py: Python<'_>) -> ByteDecoding {
        self.decoding.clone()
    }

    #[cfg(feature = "abi3")]
    fn share(&self, py: Python<'_>) -> ByteDecoding {
        self.decoding.clone_ref(py)
    }
}

thread_local! {
    /// Per single-byte charset, what its bytes decode to.
    static BYTE_MAPS: RefCell<Vec<ByteMap>> = const { RefCell::new(Vec::new()) };
}

/// Whether `src` holds any of `bytes`: one vectorised comparison pass per byte value while
/// they are few (most charsets leave none or a handful undefined), else a table.
fn has_any_byte(src: &[u8], bytes: &[u8]) -> bool {
    const FEW: usize = 4;
    if bytes.len() <= FEW {
        return bytes.iter().any(|&byte| {
            src.chunks(4096)
                .any(|block| block.iter().fold(false, |found, &b| found | (b == byte)))
        });
    }
    if bytes.iter().all(|&b| b >= 0x80) && src.is_ascii() {
        return false;
    }
    let mut listed = [false; 256];
    bytes.iter().for_each(|&b| listed[usize::from(b)] = true);
    src.chunks(4096).any(|block| {
        block
            .iter()
            .fold(false, |found, &b| found | listed[usize::from(b)])
    })
}

/// How many single-byte charsets' byte maps each thread keeps.
const BYTE_MAPS_PER_THREAD: usize = 8;

/// The character each byte decodes to in the single-byte `charset`, asked of the engine byte by
/// byte, [`UNDEFINED_BYTE`] for a byte the charset leaves undefined.
fn byte_units(charset: Charset) -> [u16; 256] {
    let mut table = [UNDEFINED_BYTE; 256];
    for (byte, entry) in (0..=255u8).zip(table.iter_mut()) {
        if let Ok(text) = charset.decode_to_string(&[byte], ErrorPolicy::Strict) {
            let mut units = text.encode_utf16();
            if let (Some(unit), None) = (units.next(), units.next()) {
                *entry = unit;
            }
        }
    }
    table
}

/// The `str` of a whole input of a plain single-byte charset, without the UTF-8 step. Where
/// every byte, or every byte of an all-ASCII input, is the character of its own value, CPython's
/// Latin-1 or ASCII constructor builds the text ([`ByteMapShape`]), as `bytes.decode("latin-1")`
/// and `bytes.decode("ascii")` do. Otherwise, in a per-version build, the characters are written
/// into the str's storage from the charset's table ([`crate::storage`]); under the stable ABI,
/// CPython's charmap decoder (the one `bytes.decode("cp1251")` runs) maps the bytes through the
/// characters the engine decodes each byte value to.
///
/// `None` when `charset` is of another family, or when the input has a byte the charset leaves
/// undefined (or, through the charmap decoder, that decodes to U+FFFE, which it cannot tell from
/// one) and `strict` is false: the caller then decodes it the usual way, which handles the error
/// under its `errors=`. Under `strict`, the engine's exception for that byte is raised.
pub(crate) fn str_from_single_byte_input<'py>(
    py: Python<'py>,
    charset: Charset,
    input: &Input<'_>,
    on_bad: OnBad,
) -> PyResult<Option<Bound<'py, PyString>>> {
    if charset.family() != Family::SingleByte {
        return Ok(None);
    }
    let cached = BYTE_MAPS.with_borrow(|maps| {
        maps.iter()
            .find(|known| known.charset == charset)
            .map(|known| (known.share(py), known.shape, known.undefined.clone()))
    });
    let (decoding, shape, undefined) = match cached {
        Some(known) => known,
        None => {
            let made = ByteMap::of(py, charset)?;
            let known = (made.share(py), made.shape, made.undefined.clone());
            BYTE_MAPS.with_borrow_mut(|maps| {
                if maps.len() == BYTE_MAPS_PER_THREAD {
                    maps.remove(0);
                }
                maps.push(made);
            });
            known
        }
    };
    let src = input.as_slice();
    if on_bad != OnBad::Raise && input.run_detached_if_large(py, || has_any_byte(src, &undefined)) {
        // A byte the charset leaves undefined would stop these routes: the engine decodes the
        // input under ignore or replace in one pass.
        return Ok(None);
    }
    let latin1 = match shape {
        ByteMapShape::Latin1 => true,
        ByteMapShape::AsciiLow => input.run_detached_if_large(py, || src.is_ascii()),
        ByteMapShape::AsciiOnly | ByteMapShape::Other => false,
    };
    let len = ssize(src.len())?;
    let src_ptr = src.as_ptr().cast();
    // SAFETY (all three calls): `src` is valid for `len` bytes during the call, `decoding` (the
    // charmap) is a live str; CPython copies what it reads and returns a new reference or NULL
    // with an exception set.
    let built = if latin1 {
        unsafe {
            owned_str(
                py,
                ffi::PyUnicode_DecodeLatin1(src_ptr, len, std::ptr::null()),
            )
        }
    } else if shape == ByteMapShape::AsciiOnly {
        unsafe {
            owned_str(
                py,
                ffi::PyUnicode_DecodeASCII(src_ptr, len, c"strict".as_ptr()),
            )
        }
    } else {
        #[cfg(not(feature = "abi3"))]
        return crate::storage::str_from_single_byte(
            py,
            charset,
            input,
            &decoding,
            on_bad.raises(),
        );
        #[cfg(feature = "abi3")]
        unsafe {
            owned_str(
                py,
                ffi::PyUnicode_DecodeCharmap(src_ptr, len, decoding.as_ptr(), std::ptr::null()),
            )
        }
    };
    // CPython's decoders stop at the first byte the engine refuses too.
    checked_by_cpython(py, built, on_bad, |at| {
        engine_error_at(py, charset.name(), charset, input, at)
    })
}

/// The `str` of a whole input decoded by `decoder` under one of the engine's own policies (no
/// Python error handler), decoded batch by batch (see [`decode_in_batches`]) and built piece by
/// piece. Strict decoding raises at the first bad sequence.
pub(crate) fn str_from_engine_in_batches<'py>(
    py: Python<'py>,
    decoder: &mut Decoder,
    input: &Input<'_>,
) -> PyResult<Option<Bound<'py, PyString>>> {
    let mut text = StrBuilder::new(py);
    decode_in_batches(py, decoder, input, |utf8| text.push_valid_utf8(utf8))?;
    Ok(Some(text.finish()))
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
