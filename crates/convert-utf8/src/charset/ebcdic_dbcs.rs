//! EBCDIC double-byte charsets (IBM930, IBM933, IBM935, IBM937, IBM939, IBM1364, IBM1371,
//! IBM1388, IBM1390, IBM1399), switched by SO/SI, decoded from the generated tables in
//! `tables::ebcdic_dbcs`.
//!
//! As in glibc: the input starts in the single-byte state; SO (`0E`) switches to the double-byte
//! state and SI (`0F`) back, in either state and any number of times (a redundant shift is no
//! error); in the double-byte state every other byte starts a pair, the second byte taken
//! whatever it is (even `0E`/`0F`). An illegal single byte is a one-byte error, an illegal pair
//! a two-byte one; a lead byte at the end of the input is "incomplete"; a shift at the end is
//! fine. Each new input starts in the single-byte state again.
//!
//! The tables hold characters as UTF-8: a single byte's entry is a word of its UTF-8 bytes and
//! their count, a pair's is three bytes of the shared pool (as in the CJK pool). The hot loop
//! ([`fast_run`]) works in blocks of input whose output surely fits in `dst` (at most three
//! bytes per input byte), so it checks the room once per block and stores each character as
//! four bytes at once: a pair is one row load, one range check, one pool load and one store, a
//! single byte one table load and one store, and the shifts between them switch loops inside
//! the block. Pairs that expand to two code points or lie beyond the BMP, errors and a pair cut
//! by the end of the block go through the general path one at a time.

use crate::charset::kernel::{self, MAX_CHAR_UTF8, OutUnit, put, sweep_invalid};
use crate::charset::{RawDecoder, RawStep};
use crate::tables::dbcs::RAW_ENTRY;
use crate::tables::ebcdic_dbcs::{EXTRA, POOL};
use crate::tables::format::{EbcdicTable, entry_utf8_len};

const SO: u8 = 0x0E;
const SI: u8 = 0x0F;

/// Decodes one EBCDIC double-byte charset.
#[derive(Clone)]
pub(crate) struct EbcdicDbcsDecoder {
    table: &'static EbcdicTable,
    /// Shifted out (SO seen, no SI since).
    double: bool,
    /// The lead byte of a pair cut by the end of an earlier call.
    pending_lead: Option<u8>,
}

impl EbcdicDbcsDecoder {
    pub(crate) fn new(table: &'static EbcdicTable) -> EbcdicDbcsDecoder {
        EbcdicDbcsDecoder {
            table,
            double: false,
            pending_lead: None,
        }
    }
}

/// The four pool bytes from the entry of the pair `lead trail` on, or `None` if the lead's row
/// has no entry for `trail`. The entry is the first three: a character's UTF-8 (zero-padded)
/// or a raw entry.
#[inline(always)]
fn pair_entry(table: &EbcdicTable, lead: u8, trail: u8) -> Option<[u8; 4]> {
    let row = table.rows[usize::from(lead)];
    let k = trail.wrapping_sub(row.lo);
    if u16::from(k) >= row.width {
        return None;
    }
    let at = row.offset as usize + 3 * usize::from(k);
    // SAFETY: `k < row.width`, and every row's entries lie inside the pool, whose byte of
    // padding makes the last one readable as four bytes (asserted by the generator and by the
    // test `every_row_lies_in_the_pool`).
    let entry = unsafe { POOL.get_unchecked(at..at + 4) };
    Some(entry.try_into().unwrap())
}

/// Writes the pair `lead trail`, or returns `None` if it is illegal. `dst` has room for
/// `MAX_CHAR_UTF8` bytes.
fn write_pair(table: &EbcdicTable, lead: u8, trail: u8, dst: &mut [u8]) -> Option<usize> {
    let entry = pair_entry(table, lead, trail)?;
    if entry[0] != RAW_ENTRY {
        dst[..4].copy_from_slice(&entry);
        return Some(entry_utf8_len(entry[0]));
    }
    match u16::from_le_bytes([entry[1], entry[2]]) {
        0 => None,
        raw => {
            let (first, second) = EXTRA[usize::from(raw - 0xD800)];
            let mut n = u8::push_char(dst, first);
            if second != 0 {
                n += u8::push_char(&mut dst[n..], second);
            }
            Some(n)
        }
    }
}

/// Decodes `block[read..]` into `dst[written..]` (inside the hot loop's block), in shift state
/// `double`, up to the block's end or the first unit left to the general path: an illegal
/// single byte, a pair that is illegal, expands or is cut by the block's end. Shifts switch
/// between the two loops here. Returns the new `(read, written, double)`.
#[inline(never)]
fn fast_run(
    table: &EbcdicTable,
    block: &[u8],
    mut read: usize,
    dst: &mut [u8],
    mut written: usize,
    mut double: bool,
) -> (usize, usize, bool) {
    loop {
        if double {
            // SO and SI never lead a pair (their rows are empty: the test
            // `shift_bytes_lead_no_pair` checks it), so they stop this loop.
            // Positions before `last` have a trail byte.
            let last = block.len().saturating_sub(1);
            while read < last {
                // SAFETY: `read + 1 < block.len()`.
                let (lead, trail) =
                    unsafe { (*block.get_unchecked(read), *block.get_unchecked(read + 1)) };
                let Some(entry) = pair_entry(table, lead, trail) else {
                    break;
                };
                // Stored before it is judged: a raw entry's bytes lie beyond `written`, which
                // does not move for it.
                put(dst, written, entry);
                read += 2;
                // The common case first, without a table: a BMP character of three UTF-8 bytes.
                if entry[0] & 0xF0 == 0xE0 {
                    written += 3;
                    continue;
                }
                match entry_utf8_len(entry[0]) {
                    0 => {
                        read -= 2;
                        break;
                    }
                    len => written += len,
                }
            }
        } else {
            while let Some(&byte) = block.get(read) {
                let word = table.single[usize::from(byte)];
                if word == 0 {
                    break;
                }
                put(dst, written, word.to_le_bytes());
                written += (word >> 24) as usize;
                read += 1;
            }
        }
        // A shift at a unit's start switches state in either state; anything else is the
        // general path's.
        match block.get(read) {
            Some(&SO) => double = true,
            Some(&SI) => double = false,
            _ => return (read, written, double),
        }
        read += 1;
    }
}

impl RawDecoder for EbcdicDbcsDecoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let table = self.table;
        let (mut read, mut written) = (0, 0);
        if let Some(lead) = self.pending_lead {
            let Some(&trail) = src.first() else {
                if last {
                    self.reset();
                    return RawStep::truncated(0, 0, 1);
                }
                return RawStep::input_empty(0, 0);
            };
            if dst.len() < MAX_CHAR_UTF8 {
                return RawStep::output_full(0, 0);
            }
            self.pending_lead = None;
            match write_pair(table, lead, trail, dst) {
                Some(n) => (read, written) = (1, n),
                None => return RawStep::invalid(1, 0, 2),
            }
        }
        loop {
            // A block of input whose output surely fits: the hot loop writes at most three bytes
            // per byte it consumes and stores four at a time.
            let fits = kernel::block_len(dst.len() - written, 3, 4);
            let block = &src[..read + (src.len() - read).min(fits)];
            (read, written, self.double) = fast_run(table, block, read, dst, written, self.double);
            // The one unit the hot loop leaves to this general path, if any.
            if read == src.len() {
                if last {
                    // Ending shifted out is no error: glibc just returns to the initial state.
                    self.double = false;
                }
                return RawStep::input_empty(read, written);
            }
            if dst.len() - written < MAX_CHAR_UTF8 {
                return RawStep::output_full(read, written);
            }
            let b = src[read];
            if b == SO {
                read += 1;
                self.double = true;
            } else if b == SI {
                read += 1;
                self.double = false;
            } else if !self.double {
                let word = table.single[usize::from(b)];
                if word == 0 {
                    return RawStep::invalid(read + 1, written, 1);
                }
                dst[written..written + 4].copy_from_slice(&word.to_le_bytes());
                written += (word >> 24) as usize;
                read += 1;
            } else {
                let Some(&trail) = src.get(read + 1) else {
                    if last {
                        self.reset();
                        return RawStep::truncated(src.len(), written, 1);
                    }
                    self.pending_lead = Some(b);
                    return RawStep::input_empty(src.len(), written);
                };
                match write_pair(table, b, trail, &mut dst[written..]) {
                    Some(n) => written += n,
                    None => return RawStep::invalid(read + 2, written, 2),
                }
                read += 2;
            }
        }
    }

    fn reset(&mut self) {
        self.double = false;
        self.pending_lead = None;
    }

    fn release_incomplete(&mut self) -> usize {
        usize::from(self.pending_lead.take().is_some())
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        // A single byte writes at most 3 bytes, a pair at most 8; the loops ask for
        // MAX_CHAR_UTF8 bytes of room before each character.
        kernel::output_bound(src_len, usize::from(self.pending_lead.is_some()), 4)
    }

    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        if self.pending_lead.is_some() {
            return (0, 0);
        }
        let table = self.table;
        if self.double {
            // Illegal pairs, two bytes each; a shift or a lead without its trail ends the run.
            sweep_invalid(src, max, |rest| match *rest {
                [lead, trail, ..] if lead != SO && lead != SI => {
                    pair_is_illegal(table, lead, trail).then_some(2)
                }
                _ => None,
            })
        } else {
            // SO and SI have no single-byte entry either, but shift.
            sweep_invalid(src, max, |rest| {
                let b = rest[0];
                (table.single[usize::from(b)] == 0 && b != SO && b != SI).then_some(1)
            })
        }
    }
}

/// Whether the pair `lead trail` has no character (neither in the pool nor in `EXTRA`).
fn pair_is_illegal(table: &EbcdicTable, lead: u8, trail: u8) -> bool {
    pair_entry(table, lead, trail).is_none_or(|entry| entry[..3] == [RAW_ENTRY, 0, 0])
}

#[cfg(test)]
mod tests;
