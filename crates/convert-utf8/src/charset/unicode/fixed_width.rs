//! The fixed-width forms: UTF-16, UCS-2, UTF-32, UCS-4 and their byte orders. One decoder type
//! handles the byte order (with BOM sniffing) and units cut between calls; each form's core
//! loop, monomorphised on the byte order, does the rest, for UTF-8 and for UTF-16 output.

use super::utf16_simd;
use crate::charset::kernel::{
    self, Carry, Drained, OutUnit, Unit, UnitStep, sweep_invalid, utf8_len,
};
use crate::charset::{RawDecoder, RawStep};
use crate::tables::format::ByteOrderMode;

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
#[derive(Clone)]
pub(crate) struct Utf16Units {
    pub(super) pairs: bool,
}

/// UTF-32 and UCS-4 (which glibc lets go above U+10FFFF; here it does not).
#[derive(Clone)]
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

/// The careful path of the UTF-16 and UCS-2 core loops, for both outputs: decodes the unit at
/// `src[i..]` (`at` is `(i, w)`) into `dst[w..]`, a character or a surrogate pair, and returns
/// the new `(i, w)`; or the end of the loop: the input ends, a bad or cut unit, no room.
#[inline(always)]
fn careful_unit<const BIG: bool, O: OutUnit>(
    pairs: bool,
    src: &[u8],
    dst: &mut [O],
    (i, w): (usize, usize),
    last: bool,
) -> Result<(usize, usize), Core> {
    if i + 2 > src.len() {
        return Err(input_ends(i, w, src.len(), last));
    }
    let unit = read16::<BIG>(src, i);
    let (c, len) = if !(0xD800..=0xDFFF).contains(&unit) {
        (unit, 2)
    } else {
        if !pairs || unit >= 0xDC00 {
            return Err(Core::new(i + 2, w, CoreEnd::Invalid(2)));
        }
        if i + 4 > src.len() {
            return Err(input_ends(i, w, src.len(), last));
        }
        let low = read16::<BIG>(src, i + 2);
        if !(0xDC00..=0xDFFF).contains(&low) {
            // Only the high surrogate is bad; what follows it is decoded on its own.
            return Err(Core::new(i + 2, w, CoreEnd::Invalid(2)));
        }
        (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 4)
    };
    if dst.len() - w < O::len_of(c) {
        return Err(full(i, w));
    }
    Ok((i + len, w + O::push_char(&mut dst[w..], c)))
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
            (i, w) = match careful_unit::<BIG, u8>(self.pairs, src, dst, (i, w), last) {
                Ok(at) => at,
                Err(end) => return end,
            };
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
            (i, w) = match careful_unit::<BIG, u16>(self.pairs, src, dst, (i, w), last) {
                Ok(at) => at,
                Err(end) => return end,
            };
        }
    }
}

/// One unit of the UTF-32 and UCS-4 core loop for UTF-16 output: decodes the unit at `src[i..]`
/// (`at` is `(i, w)`) into `dst[w..]` and returns the new `(i, w)`; or the end of the loop: the
/// input ends, a bad or cut unit, no room. (The UTF-8 loop keeps the same steps inline: through
/// this function it took 8% more instructions.)
#[inline(always)]
fn utf32_unit<const BIG: bool, O: OutUnit>(
    src: &[u8],
    dst: &mut [O],
    (i, w): (usize, usize),
    last: bool,
) -> Result<(usize, usize), Core> {
    if i + 4 > src.len() {
        return Err(input_ends(i, w, src.len(), last));
    }
    let c = read32::<BIG>(src, i);
    if c > 0x10FFFF || (0xD800..=0xDFFF).contains(&c) {
        return Err(Core::new(i + 4, w, CoreEnd::Invalid(4)));
    }
    if dst.len() - w < O::len_of(c) {
        return Err(full(i, w));
    }
    Ok((i + 4, w + O::push_char(&mut dst[w..], c)))
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
            w += u8::push_char(&mut dst[w..], c);
            i += 4;
        }
    }

    fn core_utf16<const BIG: bool>(&self, src: &[u8], dst: &mut [u16], last: bool) -> Core {
        let mut at = (0, 0);
        loop {
            at = match utf32_unit::<BIG, u16>(src, dst, at, last) {
                Ok(at) => at,
                Err(end) => return end,
            };
        }
    }
}

/// A decoder for a fixed-width form: byte order (with BOM sniffing), units cut between calls,
/// and the core loop of `U`.
#[derive(Clone)]
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
    pub(super) fn new(units: U, mode: ByteOrderMode) -> Self {
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

    fn release_incomplete(&mut self) -> usize {
        self.carry.release()
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
