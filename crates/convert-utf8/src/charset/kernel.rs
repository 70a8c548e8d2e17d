//! The streaming kernel every family runs on: what is the same in every family's decoder,
//! written once.
//!
//! - [`OutUnit`]: the output unit, a UTF-8 byte or a UTF-16 code unit, with the one code point
//!   writer. Family code written over it gives both outputs from the same steps.
//! - [`Carry`]: the bytes of a sequence cut by the end of a call. [`drain`] finishes it
//!   with the next call's bytes through the family's unit step ([`UnitStep`]) and works out,
//!   once for every family, how much of the new input was consumed, including around a bad
//!   sequence that ends inside the held bytes (the bytes after it stay held).
//! - [`sweep_invalid`]: a run of bad sequences consumed in one pass, exactly as the family's
//!   decoder would report them one by one (checked for every charset in
//!   `tests::sweeps_match_one_by_one_reporting`).
//! - [`block_len`] and [`put`]: the hot loops' unchecked stores, bounded by one proof.

use crate::charset::{RawDecoder, RawStatus, RawStep};
use crate::error::ErrorKind;

/// The most UTF-8 bytes one unit step writes: two code points of up to four bytes (a CJK code
/// that decodes to a base letter and a combining mark).
pub(crate) const MAX_CHAR_UTF8: usize = 8;

/// A unit of decoded output: a byte of UTF-8 or a code unit of UTF-16 (in the machine's byte
/// order).
pub(crate) trait OutUnit: Copy + Default + 'static {
    /// U+FFFD in this form.
    const REPLACEMENT: &'static [Self];

    /// One call of the family decoder `decoder` writing this form.
    fn decode_raw<D: RawDecoder + ?Sized>(
        decoder: &mut D,
        src: &[u8],
        dst: &mut [Self],
        last: bool,
    ) -> RawStep;

    /// Writes the scalar value `c` at the start of `dst` (which has room for its form: four
    /// bytes or two units) and returns how many units it took.
    fn push_char(dst: &mut [Self], c: u32) -> usize;

    /// How many units the scalar value `c` takes.
    fn len_of(c: u32) -> usize;
}

impl OutUnit for u8 {
    #[inline(always)]
    fn len_of(c: u32) -> usize {
        utf8_len(c)
    }

    const REPLACEMENT: &'static [u8] = "\u{FFFD}".as_bytes();

    #[inline(always)]
    fn decode_raw<D: RawDecoder + ?Sized>(
        d: &mut D,
        src: &[u8],
        dst: &mut [u8],
        last: bool,
    ) -> RawStep {
        d.decode_raw(src, dst, last)
    }

    #[inline(always)]
    fn push_char(dst: &mut [u8], c: u32) -> usize {
        debug_assert!(c <= 0x10FFFF && !(0xD800..=0xDFFF).contains(&c));
        if c < 0x80 {
            dst[0] = c as u8;
            1
        } else if c < 0x800 {
            dst[0] = 0xC0 | (c >> 6) as u8;
            dst[1] = 0x80 | (c & 0x3F) as u8;
            2
        } else if c < 0x10000 {
            dst[0] = 0xE0 | (c >> 12) as u8;
            dst[1] = 0x80 | ((c >> 6) & 0x3F) as u8;
            dst[2] = 0x80 | (c & 0x3F) as u8;
            3
        } else {
            dst[0] = 0xF0 | (c >> 18) as u8;
            dst[1] = 0x80 | ((c >> 12) & 0x3F) as u8;
            dst[2] = 0x80 | ((c >> 6) & 0x3F) as u8;
            dst[3] = 0x80 | (c & 0x3F) as u8;
            4
        }
    }
}

impl OutUnit for u16 {
    #[inline(always)]
    fn len_of(c: u32) -> usize {
        if c < 0x10000 { 1 } else { 2 }
    }

    const REPLACEMENT: &'static [u16] = &[0xFFFD];

    #[inline(always)]
    fn decode_raw<D: RawDecoder + ?Sized>(
        d: &mut D,
        src: &[u8],
        dst: &mut [u16],
        last: bool,
    ) -> RawStep {
        d.decode_raw_utf16(src, dst, last)
    }

    #[inline(always)]
    fn push_char(dst: &mut [u16], c: u32) -> usize {
        debug_assert!(c <= 0x10FFFF && !(0xD800..=0xDFFF).contains(&c));
        if c < 0x10000 {
            dst[0] = c as u16;
            1
        } else {
            let c = c - 0x10000;
            dst[0] = 0xD800 | (c >> 10) as u16;
            dst[1] = 0xDC00 | (c & 0x3FF) as u16;
            2
        }
    }
}

/// The most output one call of a family decoder writes for `src_len` more bytes and `held` bytes
/// from earlier calls, when each byte writes at most `per_byte` units and the loop asks for
/// [`MAX_CHAR_UTF8`] units of room before each character; `None` on overflow.
pub(crate) fn output_bound(src_len: usize, held: usize, per_byte: usize) -> Option<usize> {
    src_len
        .checked_add(held)?
        .checked_mul(per_byte)?
        .checked_add(MAX_CHAR_UTF8)
}

/// UTF-16 output for a family whose steps write UTF-8: its output goes through a stage on the
/// stack, a slice of the room at a time, and is widened into `dst`. Valid UTF-8 of `n` bytes
/// is at most `n` UTF-16 units, so a stage no larger than the room left always fits; errors,
/// what is held and the streaming contract are the family's own.
pub(crate) fn utf16_through_utf8<D: RawDecoder + ?Sized>(
    decoder: &mut D,
    src: &[u8],
    dst: &mut [u16],
    last: bool,
) -> RawStep {
    const STAGE: usize = 4096;
    let mut stage = [0u8; STAGE];
    let (mut read, mut written) = (0, 0);
    loop {
        let room = dst.len() - written;
        let staged = room.min(STAGE);
        let step = decoder.decode_raw(&src[read..], &mut stage[..staged], last);
        // One pass that checks the UTF-8 as it converts it (a family writes only valid UTF-8).
        written += encoding_rs::mem::convert_utf8_to_utf16_without_replacement(
            &stage[..step.written],
            &mut dst[written..],
        )
        .expect("family decoders write valid UTF-8");
        read += step.read;
        if step.status == RawStatus::OutputFull && staged < room {
            continue;
        }
        return RawStep {
            read,
            written,
            status: step.status,
        };
    }
}

/// Length of the UTF-8 form of the scalar value `c`.
#[inline(always)]
pub(crate) fn utf8_len(c: u32) -> usize {
    match c {
        0..0x80 => 1,
        0x80..0x800 => 2,
        0x800..0x10000 => 3,
        _ => 4,
    }
}

/// How many input bytes a hot loop may take in one block so that its stores need no room
/// check: with `room` units of output left, every byte consumed writing at most `per_byte`
/// units, and every store made with at least one byte of the block left and at most `slack`
/// units long (a longer one, such as a word of ASCII, with as many bytes left as it stores
/// units), the last store ends by `room`. The loops call [`put`] only inside such a block.
#[inline(always)]
pub(crate) fn block_len(room: usize, per_byte: usize, slack: usize) -> usize {
    // A store made with `k >= 1` of `n` bytes left starts at most `per_byte * (n - k)` units
    // in, so it ends at most `per_byte * (n - 1) + slack` units in: within `room` for
    // `n <= (room - slack) / per_byte + 1`.
    match room.checked_sub(slack) {
        Some(spare) => spare / per_byte + 1,
        None => 0,
    }
}

/// Stores `units` at `dst[at..]` inside a hot loop's block (see [`block_len`]).
#[inline(always)]
pub(crate) fn put<U: Copy, const N: usize>(dst: &mut [U], at: usize, units: [U; N]) {
    debug_assert!(at + N <= dst.len(), "the block's output bound is broken");
    // SAFETY: the hot loops store only inside a block of at most `block_len(room, per_byte,
    // N)` input bytes starting where `room = dst.len() - written` units were free, consume at
    // least one byte per step, write at most `per_byte` units per byte consumed and make each
    // store with a byte of the block left, so every store ends within `dst` (the arithmetic is
    // in `block_len`). The chunking tests run every loop with output buffers of every small
    // size in debug builds, where the assertion above checks it.
    unsafe { dst.get_unchecked_mut(at..at + N) }.copy_from_slice(&units);
}

/// What a family's unit step made of the bytes at the start of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// The first `len` bytes were decoded (one sequence, a shift, or several), `written` units
    /// written.
    Decoded { len: usize, written: usize },
    /// A bad sequence; glibc's `-c` drops its first `len` bytes.
    Invalid { len: usize },
    /// The window ends inside a sequence.
    Incomplete,
}

/// A family's decoding of one sequence at a time, which [`drain`] runs over the bytes
/// held from earlier calls.
pub(crate) trait UnitStep<U: OutUnit> {
    /// The longest sequence (at most [`Carry::CAPACITY`] bytes).
    const MAX_SEQUENCE: usize;
    /// The output room one step needs.
    const ROOM: usize;

    /// Decodes what starts `window` into `dst` (at least [`Self::ROOM`] units). `at_end` says
    /// that no input follows `window`.
    fn step(&mut self, window: &[u8], at_end: bool, dst: &mut [U]) -> Unit;

    /// Where the family holds the bytes of a sequence cut by the end of a call.
    fn carry(&mut self) -> &mut Carry;

    /// The step for an input that ends inside a sequence, whose bytes are `held`; the family's
    /// state goes back to initial. Truncated unless the family says otherwise.
    fn ends_inside(&mut self, held: &[u8], read: usize, written: usize) -> RawStep {
        RawStep::truncated(read, written, held.len())
    }
}

/// Where a family's decoding loop goes after its general step at `src[read..]` (`at` is
/// `(read, written)`) gave `unit`: on, at the new `(read, written)`; or out with the step to
/// return (a bad sequence; the end of the input inside a sequence, held for the next call or,
/// with `last`, the family's [`UnitStep::ends_inside`]).
#[inline(always)]
pub(crate) fn after_step<U: OutUnit, F: UnitStep<U>>(
    family: &mut F,
    unit: Unit,
    src: &[u8],
    (read, written): (usize, usize),
    last: bool,
) -> Result<(usize, usize), RawStep> {
    match unit {
        Unit::Decoded { len, written: w } => Ok((read + len, written + w)),
        Unit::Invalid { len } => Err(RawStep::invalid(read + len, written, len)),
        Unit::Incomplete => {
            let rest = &src[read..];
            if last {
                return Err(family.ends_inside(rest, src.len(), written));
            }
            family.carry().hold(rest);
            Err(RawStep::input_empty(src.len(), written))
        }
    }
}

/// The bytes of a sequence cut by the end of a call, held for the next.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Carry {
    bytes: [u8; Carry::CAPACITY],
    len: u8,
}

/// How [`drain`] ended.
pub(crate) enum Drained {
    /// Nothing is held any more; the call goes on at `src[read..]`, `dst[written..]`.
    Done { read: usize, written: usize },
    /// The call returns this step.
    Stop(RawStep),
}

impl Carry {
    /// The most bytes held.
    pub(crate) const CAPACITY: usize = 8;

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    pub(crate) fn held(&self) -> &[u8] {
        &self.bytes[..self.len()]
    }

    /// Forgets the held bytes and returns how many there were (see
    /// [`RawDecoder::release_incomplete`]).
    pub(crate) fn release(&mut self) -> usize {
        let held = self.len();
        self.clear();
        held
    }

    /// Holds `rest`, the start of a sequence at the end of a call's input, after what is held.
    pub(crate) fn hold(&mut self, rest: &[u8]) {
        let held = self.len();
        self.bytes[held..held + rest.len()].copy_from_slice(rest);
        self.len = (held + rest.len()) as u8;
    }

    /// Decodes what is held together with the first bytes of `src` through `family`'s unit
    /// step, until nothing is held or the call must return.
    fn drain<U: OutUnit, F: UnitStep<U>>(
        &mut self,
        family: &mut F,
        src: &[u8],
        dst: &mut [U],
        last: bool,
    ) -> Drained {
        let (mut read, mut written) = (0, 0);
        while !self.is_empty() {
            if dst.len() - written < F::ROOM {
                return Drained::Stop(RawStep::output_full(read, written));
            }
            let held = self.len();
            let mut window = [0u8; 2 * Carry::CAPACITY];
            window[..held].copy_from_slice(&self.bytes[..held]);
            let taken = (src.len() - read).min(F::MAX_SEQUENCE);
            window[held..held + taken].copy_from_slice(&src[read..read + taken]);
            let at_end = last && read + taken == src.len();
            let (len, bad) = match family.step(&window[..held + taken], at_end, &mut dst[written..])
            {
                Unit::Decoded { len, written: w } => {
                    written += w;
                    (len, false)
                }
                Unit::Invalid { len } => (len, true),
                Unit::Incomplete => {
                    // The window holds all of `src` that is left (a window of a whole sequence
                    // is never incomplete), so everything fits in the carry.
                    self.hold(&src[read..]);
                    read = src.len();
                    if last {
                        let step = family.ends_inside(&self.bytes[..self.len()], read, written);
                        self.clear();
                        return Drained::Stop(step);
                    }
                    return Drained::Stop(RawStep::input_empty(read, written));
                }
            };
            if len >= held {
                read += len - held;
                self.clear();
            } else {
                self.bytes.copy_within(len..held, 0);
                self.len = (held - len) as u8;
            }
            if bad {
                return Drained::Stop(RawStep {
                    read,
                    written,
                    status: RawStatus::Malformed {
                        len: len as u8,
                        consumed_after: self.len,
                        kind: ErrorKind::Invalid,
                    },
                });
            }
        }
        Drained::Done { read, written }
    }
}

/// Decodes what `family` holds together with the first bytes of `src` through its unit step,
/// until nothing is held or the call must return.
pub(crate) fn drain<U: OutUnit, F: UnitStep<U>>(
    family: &mut F,
    src: &[u8],
    dst: &mut [U],
    last: bool,
) -> Drained {
    // The carry is taken out for the steps, which may change the family's other state.
    let mut carry = std::mem::take(family.carry());
    let drained = carry.drain(family, src, dst, last);
    *family.carry() = carry;
    drained
}

/// Consumes the bad sequences at the start of `src`, at most `max` of them, each as long as
/// `bad_len` says (`None` at the first thing that is not one that the family's decoder reports
/// alone with nothing held after it); returns how many bytes and how many sequences.
#[inline]
pub(crate) fn sweep_invalid(
    src: &[u8],
    max: usize,
    mut bad_len: impl FnMut(&[u8]) -> Option<usize>,
) -> (usize, usize) {
    let (mut read, mut count) = (0, 0);
    while count < max
        && read < src.len()
        && let Some(len) = bad_len(&src[read..])
    {
        read += len;
        count += 1;
    }
    (read, count)
}

/// [`sweep_invalid`] for a family where some bytes are bad sequences of one byte by themselves,
/// whatever follows.
#[inline]
pub(crate) fn sweep_bad_bytes(src: &[u8], max: usize, bad: impl Fn(u8) -> bool) -> (usize, usize) {
    sweep_invalid(src, max, |rest| bad(rest[0]).then_some(1))
}

#[cfg(test)]
mod tests;
