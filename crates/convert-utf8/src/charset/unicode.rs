//! The Unicode forms glibc decodes natively: UTF-8, UTF-16, UCS-2, UTF-32, UCS-4 and their
//! byte-order variants (UTF-7 lives in [`super::utf7`]).
//!
//! Each form follows glibc's module for it, so that output, error positions and what
//! `iconv -c` drops are the same:
//!
//! - **UTF-8** (glibc's `ISO-10646/UTF8/`). A BOM is passed through. A bad sequence is glibc's
//!   unit: for a byte that cannot start a sequence (`80`–`C1`, `FE`, `FF`) that byte plus the
//!   continuation bytes right after it, five bytes at most; for a lead byte, the lead plus the
//!   continuation bytes before the first byte that does not continue it, or the whole sequence
//!   when it is complete but overlong or a surrogate (`ED A0 80` is one bad unit of three bytes).
//!   A lead byte followed only by continuation bytes up to the end of input is *truncated*, even
//!   when those bytes could never become valid (`E0 80` at the end).
//! - **UTF-16**, **UTF-16LE**, **UTF-16BE**: a lone low surrogate is a bad unit of 2 bytes; a
//!   high surrogate not followed by a low one is a bad unit of 2 bytes (the high surrogate alone;
//!   what follows is decoded on its own). A high surrogate with fewer than two bytes after it at
//!   the end of input, or an odd last byte, is truncated.
//! - **UCS-2** (glibc's `ISO-10646/UCS2/`, little-endian), **UNICODEBIG** (UCS-2BE) and
//!   **UNICODE**: 16-bit units without surrogate pairs; every surrogate is a bad unit of 2 bytes.
//! - **UTF-32**, **UTF-32LE**, **UTF-32BE**, **UCS-4** (glibc's `ISO-10646/UCS4/`, always
//!   big-endian), **UCS-4LE** and **INTERNAL** (`WCHAR_T`, little-endian): 4-byte units; a
//!   surrogate or a value above U+10FFFF is a bad unit of 4 bytes; 1–3 bytes left at the end are
//!   truncated.
//!
//! **Byte order marks.** UTF-16, UTF-32 and UNICODE look at the first unit of each input: a BOM
//! of either order is consumed and a big-endian one switches the decoder to big-endian; with no
//! BOM the order is glibc's host order on the platforms it is used on, little-endian. As in glibc,
//! the switch to big-endian sticks: a later input (see [`RawDecoder::begin_next_input`]) without a
//! BOM, or even with a little-endian one, is still read big-endian; only `reset` forgets it. The
//! fixed-order forms (LE, BE, UCS-2, UNICODEBIG, UCS-4, UCS-4LE, INTERNAL) never consume a BOM: it
//! comes out as U+FEFF. A BOM-sniffing form given 1 byte (UTF-16, UNICODE) or 1–3 bytes
//! (UTF-32) in all reports them as truncated.
//!
//! **Speed.** The 16-bit forms convert blocks of units with no surrogate in a vector loop
//! ([`utf16_simd`], SSSE3 or AVX2 where the CPU has them); everything else, and every error,
//! goes through the scalar loop from the exact unit where that loop stopped.
//!
//! **Deliberate difference from glibc.** Output is always valid UTF-8. glibc's UTF-8 decoder
//! accepts 5- and 6-byte sequences (`F8`–`FD` leads) and 4-byte sequences above U+10FFFF
//! (`F4 90 80 80` and up, `F5`–`F7` leads), and its UCS-4, UCS-4LE and INTERNAL decoders accept
//! values from U+110000 to 0x7FFFFFFF; it writes them out as 4- to 6-byte "UTF-8". Here each such
//! sequence is an invalid sequence whose unit is the whole sequence glibc would have decoded (the
//! 4, 5 or 6 bytes; the 4-byte unit in UCS-4), so `-c`-style dropping removes it as one piece.

use crate::charset::kernel::{self, Carry, Drained, OutUnit, Unit, UnitStep, sweep_invalid};
use crate::charset::{RawDecoder, RawStep};
use crate::tables::format::ByteOrderMode;

mod utf16_simd;

/// The decoders of this module, dispatched once per call.
pub(crate) enum UnicodeDecoder {
    Utf8(Utf8Decoder),
    Utf16(FixedWidthDecoder<Utf16Units>),
    Utf32(FixedWidthDecoder<Utf32Units>),
}

impl UnicodeDecoder {
    pub(crate) fn utf8() -> UnicodeDecoder {
        UnicodeDecoder::Utf8(Utf8Decoder::default())
    }

    /// UTF-16 when `pairs` (surrogate pairs decode), UCS-2 otherwise.
    pub(crate) fn utf16(pairs: bool, mode: ByteOrderMode) -> UnicodeDecoder {
        UnicodeDecoder::Utf16(FixedWidthDecoder::new(Utf16Units { pairs }, mode))
    }

    pub(crate) fn utf32(mode: ByteOrderMode) -> UnicodeDecoder {
        UnicodeDecoder::Utf32(FixedWidthDecoder::new(Utf32Units, mode))
    }
}

impl RawDecoder for UnicodeDecoder {
    #[inline]
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        match self {
            UnicodeDecoder::Utf8(d) => d.decode_raw(src, dst, last),
            UnicodeDecoder::Utf16(d) => d.decode_raw(src, dst, last),
            UnicodeDecoder::Utf32(d) => d.decode_raw(src, dst, last),
        }
    }

    #[inline]
    fn decode_raw_utf16(&mut self, src: &[u8], dst: &mut [u16], last: bool) -> RawStep {
        match self {
            UnicodeDecoder::Utf8(d) => d.decode_raw_utf16(src, dst, last),
            UnicodeDecoder::Utf16(d) => d.decode_raw_utf16(src, dst, last),
            UnicodeDecoder::Utf32(d) => d.decode_raw_utf16(src, dst, last),
        }
    }

    fn reset(&mut self) {
        match self {
            UnicodeDecoder::Utf8(d) => d.reset(),
            UnicodeDecoder::Utf16(d) => d.reset(),
            UnicodeDecoder::Utf32(d) => d.reset(),
        }
    }

    fn begin_next_input(&mut self) {
        match self {
            UnicodeDecoder::Utf8(d) => d.begin_next_input(),
            UnicodeDecoder::Utf16(d) => d.begin_next_input(),
            UnicodeDecoder::Utf32(d) => d.begin_next_input(),
        }
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        match self {
            UnicodeDecoder::Utf8(d) => d.max_utf8_len(src_len),
            UnicodeDecoder::Utf16(d) => d.max_utf8_len(src_len),
            UnicodeDecoder::Utf32(d) => d.max_utf8_len(src_len),
        }
    }

    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        match self {
            UnicodeDecoder::Utf8(d) => d.skip_invalid(src, max),
            UnicodeDecoder::Utf16(d) => d.skip_invalid(src, max),
            UnicodeDecoder::Utf32(d) => d.skip_invalid(src, max),
        }
    }
}

/// Writes the UTF-8 form of the scalar value `c` at the start of `dst` (room for 4 bytes).
#[inline(always)]
pub(crate) fn encode_utf8(c: u32, dst: &mut [u8]) -> usize {
    u8::push_char(dst, c)
}

pub(crate) use kernel::utf8_len;

// ---------------------------------------------------------------------------------------------
// UTF-8

/// UTF-8 to UTF-8: SIMD validation plus copy for the well-formed bulk, glibc's rules for the
/// rest, holding back a sequence cut by the end of a call.
#[derive(Default)]
pub(crate) struct Utf8Decoder {
    /// The start of a sequence cut by the end of the previous call (at most 5 bytes: a lead byte
    /// of a 6-byte form and 4 continuations, or a bad byte and 4 continuations).
    carry: Carry,
}

/// What glibc's UTF-8 decoder makes of the bytes at the start of a slice that starts with a
/// non-ASCII byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Utf8Unit {
    /// A well-formed character of this many bytes.
    Valid(usize),
    /// A bad unit of this many bytes (what `iconv -c` drops).
    Invalid(usize),
    /// The slice is the end of input and ends inside a sequence of this many bytes.
    Truncated(usize),
    /// The slice ends before the unit does, and more input may follow.
    NeedMore,
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// Classifies the unit at the start of `bytes` as glibc 2.36's `utf8_internal_loop` does, except
/// that values above U+10FFFF (which glibc accepts) are invalid. `at_end` says that no input
/// follows `bytes`. Never looks at more than 6 bytes.
fn classify_utf8(bytes: &[u8], at_end: bool) -> Utf8Unit {
    let lead = bytes[0];
    let (count, lead_bits) = match lead {
        0xC2..=0xDF => (2, lead & 0x1F),
        0xE0..=0xEF => (3, lead & 0x0F),
        0xF0..=0xF7 => (4, lead & 0x07),
        0xF8..=0xFB => (5, lead & 0x03),
        0xFC..=0xFD => (6, lead & 0x01),
        _ => {
            // A byte that cannot start a sequence takes the continuation bytes after it along,
            // up to five bytes in all.
            let mut i = 1;
            while i < bytes.len() && i < 5 && is_continuation(bytes[i]) {
                i += 1;
            }
            return if i < 5 && i == bytes.len() && !at_end {
                Utf8Unit::NeedMore
            } else {
                Utf8Unit::Invalid(i)
            };
        }
    };
    let mut value = u32::from(lead_bits);
    let mut i = 1;
    while i < count && i < bytes.len() && is_continuation(bytes[i]) {
        value = (value << 6) | u32::from(bytes[i] & 0x3F);
        i += 1;
    }
    if i < count {
        return if i < bytes.len() {
            Utf8Unit::Invalid(i)
        } else if at_end {
            Utf8Unit::Truncated(i)
        } else {
            Utf8Unit::NeedMore
        };
    }
    let overlong = count > 2 && value >> (5 * count - 4) == 0;
    if overlong || (0xD800..=0xDFFF).contains(&value) || value > 0x10FFFF {
        Utf8Unit::Invalid(count)
    } else {
        Utf8Unit::Valid(count)
    }
}

impl UnitStep<u8> for Utf8Decoder {
    const MAX_SEQUENCE: usize = 6;
    const ROOM: usize = 4;

    fn step(&mut self, window: &[u8], at_end: bool, dst: &mut [u8]) -> Unit {
        match classify_utf8(window, at_end) {
            Utf8Unit::Valid(n) => {
                dst[..n].copy_from_slice(&window[..n]);
                Unit::Decoded { len: n, written: n }
            }
            Utf8Unit::Invalid(n) => Unit::Invalid { len: n },
            Utf8Unit::Truncated(_) | Utf8Unit::NeedMore => Unit::Incomplete,
        }
    }

    fn carry(&mut self) -> &mut Carry {
        &mut self.carry
    }
}

impl RawDecoder for Utf8Decoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = match kernel::drain(self, src, dst, last) {
            Drained::Done { read, written } => (read, written),
            Drained::Stop(step) => return step,
        };
        loop {
            if read == src.len() {
                return RawStep::input_empty(read, written);
            }
            let window = (src.len() - read).min(dst.len() - written);
            if window == 0 {
                return RawStep::output_full(read, written);
            }
            let chunk = &src[read..read + window];
            let valid = match simdutf8::compat::from_utf8(chunk) {
                Ok(_) => window,
                Err(e) => e.valid_up_to(),
            };
            dst[written..written + valid].copy_from_slice(&chunk[..valid]);
            read += valid;
            written += valid;
            if valid == window {
                continue;
            }
            // The bulk stops at a sequence that is not well-formed UTF-8 (or is cut by the end of
            // the window): glibc's rules decide what it is.
            let end = src.len().min(read + 6);
            match classify_utf8(&src[read..end], last && end == src.len()) {
                Utf8Unit::Valid(n) => {
                    if dst.len() - written < n {
                        return RawStep::output_full(read, written);
                    }
                    dst[written..written + n].copy_from_slice(&src[read..read + n]);
                    read += n;
                    written += n;
                }
                Utf8Unit::Invalid(n) => return RawStep::invalid(read + n, written, n),
                Utf8Unit::Truncated(n) => return RawStep::truncated(read + n, written, n),
                Utf8Unit::NeedMore => {
                    self.carry.hold(&src[read..]);
                    return RawStep::input_empty(src.len(), written);
                }
            }
        }
    }

    fn reset(&mut self) {
        self.carry.clear();
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        src_len.checked_add(self.carry.len())
    }

    /// The units glibc's rules call invalid, found as `decode_raw` finds them past its bulk.
    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        if !self.carry.is_empty() {
            return (0, 0);
        }
        sweep_invalid(src, max, |rest| {
            let lead = rest[0];
            if lead < 0x80 {
                return None;
            }
            if !(0xC2..=0xFD).contains(&lead) && rest.get(1).is_some_and(|&b| !is_continuation(b)) {
                // What `classify_utf8` says of a byte that can start no sequence and is not
                // followed by a continuation byte, without its call: the common case in a run
                // of bad bytes.
                return Some(1);
            }
            match classify_utf8(&rest[..rest.len().min(6)], false) {
                Utf8Unit::Invalid(n) => Some(n),
                _ => None,
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed-width forms: UTF-16, UCS-2, UTF-32, UCS-4

/// Where a fixed-width core loop stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CoreEnd {
    InputEmpty,
    /// `src[read..]` is the start of a unit that needs more input (never with `last`).
    Partial,
    OutputFull,
    Invalid(usize),
    /// `src[read - len..]` is an incomplete unit at the end of input.
    Truncated(usize),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Core {
    read: usize,
    written: usize,
    end: CoreEnd,
}

/// A fixed-width Unicode form: its unit size, its BOM and its core loop, monomorphised on the
/// byte order so the hot loop never asks which order it is in.
pub(crate) trait Units {
    /// Bytes of a byte order mark.
    const BOM_LEN: usize;
    /// Bytes per code unit.
    const UNIT: usize;
    /// Most UTF-8 bytes per input byte, as a fraction `NUM / DEN`.
    const OUT_NUM: usize;
    const OUT_DEN: usize;
    /// `Some(big_endian)` if `head` (BOM_LEN bytes) is a BOM: `true` for a big-endian one.
    fn bom(head: &[u8]) -> Option<bool>;
    fn core<const BIG: bool>(&self, src: &[u8], dst: &mut [u8], last: bool) -> Core;
    /// [`Self::core`] writing UTF-16 units.
    fn core_utf16<const BIG: bool>(&self, src: &[u8], dst: &mut [u16], last: bool) -> Core;
}

/// An output form of the fixed-width forms: which core loop writes it.
pub(crate) trait FixedWidthOut: OutUnit {
    fn core<U: Units, const BIG: bool>(units: &U, src: &[u8], dst: &mut [Self], last: bool)
    -> Core;
}

impl FixedWidthOut for u8 {
    #[inline(always)]
    fn core<U: Units, const BIG: bool>(units: &U, src: &[u8], dst: &mut [u8], last: bool) -> Core {
        units.core::<BIG>(src, dst, last)
    }
}

impl FixedWidthOut for u16 {
    #[inline(always)]
    fn core<U: Units, const BIG: bool>(units: &U, src: &[u8], dst: &mut [u16], last: bool) -> Core {
        units.core_utf16::<BIG>(src, dst, last)
    }
}

/// UTF-16 (`pairs`) or UCS-2 (every surrogate is invalid).
pub(crate) struct Utf16Units {
    pairs: bool,
}

/// UTF-32 and UCS-4 (which glibc lets go above U+10FFFF; here it does not).
pub(crate) struct Utf32Units;

#[inline(always)]
fn read16<const BIG: bool>(src: &[u8], at: usize) -> u32 {
    let bytes = [src[at], src[at + 1]];
    u32::from(if BIG {
        u16::from_be_bytes(bytes)
    } else {
        u16::from_le_bytes(bytes)
    })
}

#[inline(always)]
fn read32<const BIG: bool>(src: &[u8], at: usize) -> u32 {
    let bytes = [src[at], src[at + 1], src[at + 2], src[at + 3]];
    if BIG {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    }
}

/// Reads 8 bytes at `at` as a little-endian word, for the ASCII fast paths.
#[inline(always)]
fn word_at(src: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(src[at..at + 8].try_into().expect("8 bytes"))
}

impl Core {
    fn new(read: usize, written: usize, end: CoreEnd) -> Core {
        Core { read, written, end }
    }
}

fn full(read: usize, written: usize) -> Core {
    Core::new(read, written, CoreEnd::OutputFull)
}

/// Where a core loop stops when fewer bytes than a unit are left at `read`: done, holding a
/// cut unit for more input, or reporting it truncated.
fn input_ends(read: usize, written: usize, src_len: usize, last: bool) -> Core {
    if read == src_len {
        Core::new(read, written, CoreEnd::InputEmpty)
    } else if last {
        Core::new(src_len, written, CoreEnd::Truncated(src_len - read))
    } else {
        Core::new(read, written, CoreEnd::Partial)
    }
}

impl Units for Utf16Units {
    const BOM_LEN: usize = 2;
    const UNIT: usize = 2;
    const OUT_NUM: usize = 3;
    const OUT_DEN: usize = 2;

    fn bom(head: &[u8]) -> Option<bool> {
        match head {
            [0xFF, 0xFE] => Some(false),
            [0xFE, 0xFF] => Some(true),
            _ => None,
        }
    }

    #[inline]
    fn core<const BIG: bool>(&self, src: &[u8], dst: &mut [u8], last: bool) -> Core {
        // The high byte of each unit must be zero and the low byte below 0x80.
        const ASCII_MASK_LE: u64 = 0xFF80_FF80_FF80_FF80;
        const ASCII_MASK_BE: u64 = 0x80FF_80FF_80FF_80FF;
        let ascii_mask = if BIG { ASCII_MASK_BE } else { ASCII_MASK_LE };
        let low_byte = usize::from(BIG);
        let (mut i, mut w) = (0, 0);
        loop {
            // The bulk: as many units as surely fit (a unit outside the surrogates writes at
            // most 3 bytes), with no room checks, 8 ASCII units at a time where possible, and
            // one branch per unit otherwise. Surrogates and the last units before the end of
            // `src` or `dst` take the careful path below.
            let bulk_end = i + 2 * ((src.len() - i) / 2).min((dst.len() - w) / 3);
            // Whole blocks without a surrogate go through the vector loop first; the scalar
            // loop takes over at the exact unit where it stopped.
            let (read, written) =
                utf16_simd::convert_bmp_blocks::<BIG>(&src[i..bulk_end], &mut dst[w..]);
            i += read;
            w += written;
            while i < bulk_end {
                if i + 16 <= bulk_end && (word_at(src, i) | word_at(src, i + 8)) & ascii_mask == 0 {
                    for k in 0..8 {
                        dst[w + k] = src[i + 2 * k + low_byte];
                    }
                    i += 16;
                    w += 8;
                    continue;
                }
                let unit = read16::<BIG>(src, i);
                if unit < 0x80 {
                    dst[w] = unit as u8;
                    w += 1;
                } else if unit < 0x800 {
                    dst[w] = 0xC0 | (unit >> 6) as u8;
                    dst[w + 1] = 0x80 | (unit & 0x3F) as u8;
                    w += 2;
                } else if !(0xD800..=0xDFFF).contains(&unit) {
                    dst[w] = 0xE0 | (unit >> 12) as u8;
                    dst[w + 1] = 0x80 | ((unit >> 6) & 0x3F) as u8;
                    dst[w + 2] = 0x80 | (unit & 0x3F) as u8;
                    w += 3;
                } else {
                    break;
                }
                i += 2;
            }
            if i + 2 > src.len() {
                return input_ends(i, w, src.len(), last);
            }
            let unit = read16::<BIG>(src, i);
            if !(0xD800..=0xDFFF).contains(&unit) {
                if dst.len() - w < utf8_len(unit) {
                    return full(i, w);
                }
                w += encode_utf8(unit, &mut dst[w..]);
                i += 2;
                continue;
            }
            if !self.pairs || unit >= 0xDC00 {
                return Core::new(i + 2, w, CoreEnd::Invalid(2));
            }
            if i + 4 > src.len() {
                return input_ends(i, w, src.len(), last);
            }
            let low = read16::<BIG>(src, i + 2);
            if !(0xDC00..=0xDFFF).contains(&low) {
                // Only the high surrogate is bad; what follows it is decoded on its own.
                return Core::new(i + 2, w, CoreEnd::Invalid(2));
            }
            if dst.len() - w < 4 {
                return full(i, w);
            }
            let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            w += encode_utf8(c, &mut dst[w..]);
            i += 4;
        }
    }

    /// Units copied (byte-swapped where the form's order is not the machine's) eight at a time
    /// while no surrogate is among them; surrogates checked one at a time.
    #[inline]
    fn core_utf16<const BIG: bool>(&self, src: &[u8], dst: &mut [u16], last: bool) -> Core {
        let (mut i, mut w) = (0, 0);
        loop {
            let bulk_end = i + 2 * ((src.len() - i) / 2).min(dst.len() - w);
            while i + 16 <= bulk_end {
                let block: [u16; 8] = std::array::from_fn(|k| read16::<BIG>(src, i + 2 * k) as u16);
                if block.iter().any(|&unit| unit & 0xF800 == 0xD800) {
                    break;
                }
                dst[w..w + 8].copy_from_slice(&block);
                i += 16;
                w += 8;
            }
            if i + 2 > src.len() {
                return input_ends(i, w, src.len(), last);
            }
            let unit = read16::<BIG>(src, i);
            if !(0xD800..=0xDFFF).contains(&unit) {
                if w == dst.len() {
                    return full(i, w);
                }
                dst[w] = unit as u16;
                w += 1;
                i += 2;
                continue;
            }
            if !self.pairs || unit >= 0xDC00 {
                return Core::new(i + 2, w, CoreEnd::Invalid(2));
            }
            if i + 4 > src.len() {
                return input_ends(i, w, src.len(), last);
            }
            let low = read16::<BIG>(src, i + 2);
            if !(0xDC00..=0xDFFF).contains(&low) {
                // Only the high surrogate is bad; what follows it is decoded on its own.
                return Core::new(i + 2, w, CoreEnd::Invalid(2));
            }
            if dst.len() - w < 2 {
                return full(i, w);
            }
            dst[w] = unit as u16;
            dst[w + 1] = low as u16;
            w += 2;
            i += 4;
        }
    }
}

impl Units for Utf32Units {
    const BOM_LEN: usize = 4;
    const UNIT: usize = 4;
    const OUT_NUM: usize = 1;
    const OUT_DEN: usize = 1;

    fn bom(head: &[u8]) -> Option<bool> {
        match head {
            [0xFF, 0xFE, 0, 0] => Some(false),
            [0, 0, 0xFE, 0xFF] => Some(true),
            _ => None,
        }
    }

    #[inline]
    fn core<const BIG: bool>(&self, src: &[u8], dst: &mut [u8], last: bool) -> Core {
        const ASCII_MASK_LE: u64 = 0xFFFF_FF80_FFFF_FF80;
        const ASCII_MASK_BE: u64 = 0x80FF_FFFF_80FF_FFFF;
        let ascii_mask = if BIG { ASCII_MASK_BE } else { ASCII_MASK_LE };
        let low_byte = if BIG { 3 } else { 0 };
        let (mut i, mut w) = (0, 0);
        loop {
            while i + 8 <= src.len() && w + 2 <= dst.len() && word_at(src, i) & ascii_mask == 0 {
                dst[w] = src[i + low_byte];
                dst[w + 1] = src[i + 4 + low_byte];
                i += 8;
                w += 2;
            }
            if i + 4 > src.len() {
                return input_ends(i, w, src.len(), last);
            }
            let c = read32::<BIG>(src, i);
            if c > 0x10FFFF || (0xD800..=0xDFFF).contains(&c) {
                return Core::new(i + 4, w, CoreEnd::Invalid(4));
            }
            if dst.len() - w < utf8_len(c) {
                return full(i, w);
            }
            w += encode_utf8(c, &mut dst[w..]);
            i += 4;
        }
    }

    fn core_utf16<const BIG: bool>(&self, src: &[u8], dst: &mut [u16], last: bool) -> Core {
        let (mut i, mut w) = (0, 0);
        loop {
            if i + 4 > src.len() {
                return input_ends(i, w, src.len(), last);
            }
            let c = read32::<BIG>(src, i);
            if c > 0x10FFFF || (0xD800..=0xDFFF).contains(&c) {
                return Core::new(i + 4, w, CoreEnd::Invalid(4));
            }
            if dst.len() - w < if c < 0x10000 { 1 } else { 2 } {
                return full(i, w);
            }
            w += u16::push_char(&mut dst[w..], c);
            i += 4;
        }
    }
}

/// A decoder for a fixed-width form: byte order (with BOM sniffing), units cut between calls,
/// and the core loop of `U`.
pub(crate) struct FixedWidthDecoder<U> {
    units: U,
    mode: ByteOrderMode,
    big_endian: bool,
    /// The next bytes are the start of an input, where a BOM-sniffing form looks for a BOM.
    at_start: bool,
    /// Bytes of a unit (or of the BOM) cut by the end of the previous call: fewer than 4.
    carry: Carry,
}

impl<U: Units> FixedWidthDecoder<U> {
    fn new(units: U, mode: ByteOrderMode) -> Self {
        FixedWidthDecoder {
            units,
            mode,
            big_endian: mode == ByteOrderMode::Big,
            at_start: true,
            carry: Carry::default(),
        }
    }

    fn run_core<O: FixedWidthOut>(&self, src: &[u8], dst: &mut [O], last: bool) -> Core {
        if self.big_endian {
            O::core::<U, true>(&self.units, src, dst, last)
        } else {
            O::core::<U, false>(&self.units, src, dst, last)
        }
    }

    /// The input is complete: the next bytes start a new input.
    fn finish_input(&mut self) {
        self.at_start = true;
        self.carry.clear();
    }

    /// Looks for a BOM at the start of an input. Returns the bytes of `src` it consumed, or the
    /// step to return when the start is not all there yet.
    fn sniff(&mut self, src: &[u8], last: bool) -> Result<usize, RawStep> {
        let held = self.carry.len();
        if held + src.len() < U::BOM_LEN {
            if !last {
                self.carry.hold(src);
                return Err(RawStep::input_empty(src.len(), 0));
            }
            self.finish_input();
            return Err(match held + src.len() {
                0 => RawStep::input_empty(0, 0),
                n => RawStep::truncated(src.len(), 0, n),
            });
        }
        self.at_start = false;
        let mut head = [0u8; 4];
        head[..held].copy_from_slice(self.carry.held());
        head[held..U::BOM_LEN].copy_from_slice(&src[..U::BOM_LEN - held]);
        match U::bom(&head[..U::BOM_LEN]) {
            Some(big) => {
                // A little-endian BOM does not undo an earlier big-endian one: glibc only ever
                // sets its byte-swap flag.
                self.big_endian |= big;
                self.carry.clear();
                Ok(U::BOM_LEN - held)
            }
            None => Ok(0),
        }
    }
}

impl<U: Units, O: FixedWidthOut> UnitStep<O> for FixedWidthDecoder<U> {
    /// A UTF-16 pair or a UTF-32 unit.
    const MAX_SEQUENCE: usize = 4;
    /// The most a window of held bytes and a unit decodes to: three UTF-16 units.
    const ROOM: usize = 12;

    /// Runs the core loop over the window; a bad or cut unit after good ones is left for the
    /// next step, which then starts with it.
    fn step(&mut self, window: &[u8], at_end: bool, dst: &mut [O]) -> Unit {
        let core = self.run_core(window, dst, at_end);
        let (decoded, end) = match core.end {
            CoreEnd::InputEmpty => {
                return Unit::Decoded {
                    len: core.read,
                    written: core.written,
                };
            }
            CoreEnd::OutputFull => unreachable!("a window's units fit in ROOM"),
            CoreEnd::Invalid(len) => (core.read - len, Unit::Invalid { len }),
            CoreEnd::Partial => (core.read, Unit::Incomplete),
            CoreEnd::Truncated(len) => (core.read - len, Unit::Incomplete),
        };
        if decoded > 0 {
            Unit::Decoded {
                len: decoded,
                written: core.written,
            }
        } else {
            end
        }
    }

    fn carry(&mut self) -> &mut Carry {
        &mut self.carry
    }

    fn ends_inside(&mut self, held: &[u8], read: usize, written: usize) -> RawStep {
        self.finish_input();
        RawStep::truncated(read, written, held.len())
    }
}

impl<U: Units> FixedWidthDecoder<U> {
    /// The decoding loop of both output forms: the BOM, what is held, then the core loop.
    #[inline(always)]
    fn decode_units<O: FixedWidthOut>(&mut self, src: &[u8], dst: &mut [O], last: bool) -> RawStep {
        let mut read = 0;
        if self.at_start && self.mode == ByteOrderMode::Sniff {
            match self.sniff(src, last) {
                Ok(n) => read = n,
                Err(step) => return step,
            }
        }
        self.at_start = false;
        let (r, mut written) = match kernel::drain(self, &src[read..], dst, last) {
            Drained::Done { read, written } => (read, written),
            Drained::Stop(step) => return step.after(read),
        };
        read += r;
        let core = self.run_core(&src[read..], &mut dst[written..], last);
        read += core.read;
        written += core.written;
        match core.end {
            CoreEnd::InputEmpty => {
                if last {
                    self.finish_input();
                }
                RawStep::input_empty(read, written)
            }
            CoreEnd::Partial => {
                self.carry.hold(&src[read..]);
                RawStep::input_empty(src.len(), written)
            }
            CoreEnd::OutputFull => RawStep::output_full(read, written),
            CoreEnd::Invalid(len) => RawStep::invalid(read, written, len),
            CoreEnd::Truncated(len) => {
                self.finish_input();
                RawStep::truncated(read, written, len)
            }
        }
    }
}

impl<U: Units> RawDecoder for FixedWidthDecoder<U> {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        self.decode_units(src, dst, last)
    }

    fn decode_raw_utf16(&mut self, src: &[u8], dst: &mut [u16], last: bool) -> RawStep {
        self.decode_units(src, dst, last)
    }

    fn reset(&mut self) {
        self.big_endian = self.mode == ByteOrderMode::Big;
        self.finish_input();
    }

    fn begin_next_input(&mut self) {
        // glibc's iconv program keeps the byte order a BOM chose for the next file.
        self.finish_input();
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        let total = src_len.checked_add(self.carry.len())?;
        (total / U::UNIT).checked_mul(U::UNIT * U::OUT_NUM / U::OUT_DEN)
    }

    /// Bad units found by the core loop itself: given no room for output, it can only consume
    /// a unit that writes nothing, which (a BOM aside, looked for only at the start) is a bad one.
    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        if self.at_start || !self.carry.is_empty() {
            return (0, 0);
        }
        sweep_invalid(src, max, |rest| {
            match self.run_core::<u8>(&rest[..rest.len().min(4)], &mut [], false) {
                Core {
                    read: len,
                    end: CoreEnd::Invalid(_),
                    ..
                } => Some(len),
                _ => None,
            }
        })
    }
}

/// Whether `src`, as one whole input of UTF-8, decodes without a bad sequence; its decoded text
/// is then `src` itself (a BOM included), so a caller that needs the text in another form can
/// build it from `src` without a decoding pass into a buffer first.
pub fn is_well_formed_utf8(src: &[u8]) -> bool {
    // The decoder's bulk is this very check; its own rules only decide what a bad sequence is.
    simdutf8::basic::from_utf8(src).is_ok()
}

#[cfg(test)]
mod tests {
    use super::{Utf8Unit, classify_utf8};
    use crate::{Charset, DecodeStatus, Decoder, ErrorKind, ErrorPolicy};

    fn decoder(label: &str, policy: ErrorPolicy) -> Decoder {
        Decoder::new(Charset::for_label(label).unwrap(), policy)
    }

    fn first_error(label: &str, input: &[u8]) -> (u64, Vec<u8>, ErrorKind) {
        let mut out = Vec::new();
        let e = decoder(label, ErrorPolicy::Strict)
            .decode_to_vec(input, &mut out)
            .unwrap_err();
        (e.offset(), e.bytes().to_vec(), e.kind())
    }

    #[test]
    fn utf8_units_are_glibcs() {
        use Utf8Unit::*;
        assert_eq!(classify_utf8(b"\xE2\x82A", true), Invalid(2));
        assert_eq!(classify_utf8(b"\xE0\x80\x80", true), Invalid(3));
        assert_eq!(classify_utf8(b"\xED\xA0\x80", true), Invalid(3));
        assert_eq!(classify_utf8(b"\x80\x80\x80\x80\x80\x80", true), Invalid(5));
        assert_eq!(classify_utf8(b"\x80\x80", false), NeedMore);
        assert_eq!(classify_utf8(b"\x80\x80", true), Invalid(2));
        assert_eq!(classify_utf8(b"\xE0\x80", true), Truncated(2));
        assert_eq!(classify_utf8(b"\xF4\x90\x80\x80", true), Invalid(4));
        assert_eq!(classify_utf8(b"\xF8\x88\x80\x80\x80", true), Invalid(5));
        assert_eq!(classify_utf8(b"\xF4\x8F\xBF\xBF", true), Valid(4));
    }

    #[test]
    fn utf8_bad_sequence_is_glibcs_unit() {
        assert_eq!(
            first_error("UTF-8", b"ab\xE2\x82Acd"),
            (2, b"\xE2\x82".to_vec(), ErrorKind::Invalid)
        );
        assert_eq!(
            first_error("UTF-8", b"a\xFC\x84\x80\x80\x80\x80b"),
            (1, b"\xFC\x84\x80\x80\x80\x80".to_vec(), ErrorKind::Invalid)
        );
        assert_eq!(
            first_error("UTF-8", b"ab\xED\xA0"),
            (2, b"\xED\xA0".to_vec(), ErrorKind::Truncated)
        );
    }

    #[test]
    fn utf8_ignore_drops_what_iconv_c_drops() {
        let mut out = Vec::new();
        decoder("UTF-8", ErrorPolicy::Ignore)
            .decode_to_vec(b"\xE2\x82\xE2\x82\xAC", &mut out)
            .unwrap();
        assert_eq!(out, "€".as_bytes());
    }

    #[test]
    fn utf8_truncated_tail_spanning_calls_reports_its_bytes() {
        let mut d = decoder("UTF-8", ErrorPolicy::Strict);
        let mut out = [0u8; 32];
        let a = d.decode(b"ab\xF0", &mut out, false);
        assert_eq!((a.read, a.written), (3, 2));
        let step = d.decode(b"\x9F", &mut out, true);
        let DecodeStatus::Error(e) = step.status else {
            panic!("{step:?}")
        };
        assert_eq!(e.kind(), ErrorKind::Truncated);
        assert_eq!((e.offset(), e.bytes()), (2, &b"\xF0\x9F"[..]));
    }

    #[test]
    fn utf8_replace_writes_one_fffd_per_bad_unit() {
        let mut out = Vec::new();
        decoder("UTF-8", ErrorPolicy::Replace)
            .decode_to_vec(b"a\xFFb\xE0\x80\x80c\xE2\x82", &mut out)
            .unwrap();
        assert_eq!(out, "a\u{FFFD}b\u{FFFD}c\u{FFFD}".as_bytes());
    }

    #[test]
    fn utf16_surrogate_rules() {
        assert_eq!(
            first_error("UTF-16LE", b"A\x00\x00\xD8B\x00"),
            (2, b"\x00\xD8".to_vec(), ErrorKind::Invalid)
        );
        assert_eq!(
            first_error("UTF-16BE", b"\x00A\xDC\x00"),
            (2, b"\xDC\x00".to_vec(), ErrorKind::Invalid)
        );
        assert_eq!(
            first_error("UTF-16LE", b"A\x00\x00\xD8\x00"),
            (2, b"\x00\xD8\x00".to_vec(), ErrorKind::Truncated)
        );
        let mut out = Vec::new();
        decoder("UTF-16LE", ErrorPolicy::Ignore)
            .decode_to_vec(b"\x00\xD8\x00\xD8\x00\xDC", &mut out)
            .unwrap();
        assert_eq!(out, "\u{10000}".as_bytes());
        assert_eq!(
            first_error("UCS-2", b"\x3D\xD8\x00\xDE"),
            (0, b"\x3D\xD8".to_vec(), ErrorKind::Invalid)
        );
    }

    #[test]
    fn bad_high_surrogate_held_across_calls_is_located() {
        // The high surrogate and the byte after it arrive in one call, the byte that shows the
        // pair is bad in the next: the error still points at the high surrogate.
        let mut d = decoder("UTF-16LE", ErrorPolicy::Strict);
        let mut out = [0u8; 32];
        let a = d.decode(b"A\x00\x00\xD8B", &mut out, false);
        assert_eq!(
            (a.read, a.written, a.status),
            (5, 1, DecodeStatus::InputEmpty)
        );
        let b = d.decode(b"\x00", &mut out, true);
        let DecodeStatus::Error(e) = b.status else {
            panic!("{b:?}")
        };
        assert_eq!((e.offset(), e.bytes()), (2, &b"\x00\xD8"[..]));
        let c = d.decode(&b"\x00"[b.read..], &mut out, true);
        assert_eq!(&out[..c.written], b"B");
    }

    #[test]
    fn bom_is_consumed_only_by_sniffing_forms() {
        let text = |label: &str, bytes: &[u8]| {
            Charset::for_label(label)
                .unwrap()
                .decode_to_string(bytes, ErrorPolicy::Strict)
                .unwrap()
        };
        assert_eq!(text("UTF-16", b"\xFE\xFF\x00A"), "A");
        assert_eq!(text("UTF-16", b"A\x00"), "A");
        assert_eq!(text("UTF-16BE", b"\xFE\xFF\x00A"), "\u{FEFF}A");
        assert_eq!(text("UTF-32", b"\x00\x00\xFE\xFF\x00\x00\x00A"), "A");
        assert_eq!(text("UCS-4", b"\x00\x00\xFE\xFF\x00\x00\x00A"), "\u{FEFF}A");
        assert_eq!(text("UNICODE", b"\xFE\xFF\x00A"), "A");
    }

    #[test]
    fn big_endian_bom_sticks_until_reset() {
        let mut d = decoder("UTF-16", ErrorPolicy::Strict);
        let mut out = Vec::new();
        d.decode_to_vec(b"\xFE\xFF\x00A", &mut out).unwrap();
        d.begin_next_input();
        d.decode_to_vec(b"\xFF\xFEB\x00", &mut out).unwrap();
        assert_eq!(out, "A\u{4200}".as_bytes());
        d.reset();
        out.clear();
        d.decode_to_vec(b"B\x00", &mut out).unwrap();
        assert_eq!(out, b"B");
    }

    #[test]
    fn above_u10ffff_is_invalid_in_ucs4() {
        assert_eq!(
            first_error("UCS-4", b"\x00\x00\x00A\x00\x11\x00\x00"),
            (4, b"\x00\x11\x00\x00".to_vec(), ErrorKind::Invalid)
        );
    }

    #[test]
    fn well_formed_utf8_agrees_with_the_decoder() {
        let inputs: &[&[u8]] = &[
            b"",
            b"plain",
            "\u{FEFF}caf\u{E9} \u{20AC} \u{10FFFF}".as_bytes(),
            b"\xC3",
            b"\xC0\x80",
            b"\xE0\x80\x80",
            b"\xED\xA0\x80",
            b"\xF4\x90\x80\x80",
            b"\xF8\x88\x80\x80\x80",
            b"\xFF",
            b"ok\x80",
        ];
        let charset = Charset::for_label("UTF-8").unwrap();
        for &input in inputs {
            let decoded = charset.decode_to_string(input, ErrorPolicy::Strict).ok();
            let expected = decoded.as_ref().map(String::as_bytes) == Some(input);
            assert_eq!(super::is_well_formed_utf8(input), expected, "{input:02X?}");
            assert_eq!(expected, decoded.is_some(), "{input:02X?}");
        }
    }

    #[test]
    fn utf16_output_of_the_16_bit_forms_agrees_with_their_utf8() {
        let inputs: &[&[u8]] = &[
            b"",
            b"A",
            b"A\x00",
            b"\xFF\xFE",
            b"\xFF\xFEA\x00",
            b"\xFE\xFF\x00A\x04\x3F",
            b"\x00A\x00B",
            b"\x3D\xD8\x00\xDEz\x00",
            b"\xD8\x3D\xDE\x00\x00z",
            b"\x00\xD8A\x00",
            b"\x00\xDCA\x00",
            b"A\x00\x00\xD8",
            b"\xFF\xFE\xFF\xFEA\x00",
            b"\xFE\xFF\xFF\xFE",
            b"\xFF\xFF\xFE\xFF\xAC\x20",
        ];
        let labels = [
            "UTF-16",
            "UTF-16LE",
            "UTF-16BE",
            "UCS-2",
            "UNICODEBIG",
            "UNICODE",
        ];
        for label in labels {
            let charset = Charset::for_label(label).unwrap();
            for &input in inputs {
                let direct = charset.decode_to_utf16(input, ErrorPolicy::Strict).ok();
                let via_utf8 = charset
                    .decode_to_string(input, ErrorPolicy::Strict)
                    .ok()
                    .map(|text| text.encode_utf16().collect::<Vec<u16>>());
                assert_eq!(direct, via_utf8, "{label} {input:02X?}");
            }
        }
    }

    #[test]
    fn max_utf8_len_bounds() {
        let d = decoder("UTF-16LE", ErrorPolicy::Strict);
        assert_eq!(d.max_utf8_len(4), Some(6));
        let d = decoder("UTF-32", ErrorPolicy::Strict);
        assert_eq!(d.max_utf8_len(8), Some(8));
        assert_eq!(d.max_utf8_len(usize::MAX), Some(usize::MAX / 4 * 4));
    }
}
