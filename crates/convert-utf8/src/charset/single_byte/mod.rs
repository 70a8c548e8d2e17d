//! Plain table-driven single-byte charsets: one byte, one character. One generic decoder serves
//! all of them (ASCII-based 8-bit sets, 7-bit ISO 646 variants, EBCDIC code pages).
//!
//! At construction the charset's `u16` table (two shared halves in the generated tables) is
//! expanded into 256 pre-encoded UTF-8 entries, shared by all decoders of the charset. Three loops
//! use them, with no branch on a byte's class and no allocation:
//! - on x86-64 CPUs with AVX-512 VBMI2 (detected at run time), 64 bytes a step: the entries are
//!   looked up one byte plane at a time in registers and packed by byte compression, the
//!   input's last part step too, its missing bytes masked off;
//! - else on x86-64 CPUs with AVX2, for ASCII-based charsets, 32 bytes a step: the upper half's
//!   entries looked up by byte shuffles over 16-byte slices, packed four at a time by a shuffle;
//! - everywhere else, 16 bytes a step: one load and one unconditional 4-byte store per byte,
//!   and runs of ASCII copied whole when the charset's lower half is ASCII.
//!
//! The pre-encoded tables ([`table`]: [`Utf8Table`], [`write_code_point`]) also serve the
//! contextual single-byte families. The SIMD loops live in [`avx512`] and [`avx2`].

use crate::charset::kernel::sweep_bad_bytes;
use crate::charset::{RawDecoder, RawStep};
use crate::tables::format::PlainTable;
use crate::tables::single_byte::{PLAIN_COUNT, UNMAPPED};
use std::sync::OnceLock;
pub(crate) use table::{
    INVALID, TableId, Utf8Table, code_point, entry_len, shared_utf8_table, utf8_entry,
    write_code_point, write_entry,
};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod table;

/// Bytes read per step of the fast loop.
const BLOCK: usize = 16;
/// Room the fast loop needs in `dst` for one block: every byte is written as a full 4-byte entry.
const BLOCK_ROOM: usize = BLOCK * 4;

/// Whether 16 bytes are all ASCII, tested two words at a time.
#[inline(always)]
fn is_ascii_block(block: &[u8; BLOCK]) -> bool {
    let (a, b) = block.split_at(8);
    let a = u64::from_le_bytes(a.try_into().unwrap());
    let b = u64::from_le_bytes(b.try_into().unwrap());
    (a | b) & 0x8080_8080_8080_8080 == 0
}

/// Decodes one block through the table into `out`; `None` if it holds an undefined byte (then
/// `out` holds garbage and the caller redoes the block byte by byte).
///
/// One load and one unconditional 4-byte store per byte: measured faster than joining two
/// entries into one 8-byte store, whose shifts cost more than the stores they save.
#[inline(always)]
fn translate_block(
    table: &Utf8Table,
    block: &[u8; BLOCK],
    out: &mut [u8; BLOCK_ROOM],
) -> Option<usize> {
    let mut at = 0;
    let mut flags = 0;
    for &byte in block {
        let entry = table[usize::from(byte)];
        flags |= entry;
        // `at` is at most 3 * 15 = 45, so the clamp never bites; it lets the compiler see that
        // the 4-byte store is in bounds without a check.
        let at_clamped = at.min(BLOCK_ROOM - 4);
        out[at_clamped..at_clamped + 4].copy_from_slice(&entry.to_le_bytes());
        at += entry_len(entry);
    }
    (flags & INVALID == 0).then_some(at)
}

/// Runs `step` over whole steps of `src` while `dst` has `ROOM` bytes of room: `step` decodes
/// one step into the room in front of it and returns how many bytes it wrote, or `None` to stop
/// before that step. Returns how much was read and written.
#[inline(always)]
fn decode_steps<const STEP: usize, const ROOM: usize>(
    src: &[u8],
    dst: &mut [u8],
    mut step: impl FnMut(&[u8; STEP], &mut [u8; ROOM]) -> Option<usize>,
) -> (usize, usize) {
    let (mut read, mut written) = (0, 0);
    while let (Some(input), Some(out)) = (
        src.get(read..read + STEP),
        dst.get_mut(written..written + ROOM),
    ) {
        let Some(len) = step(input.try_into().unwrap(), out.try_into().unwrap()) else {
            break;
        };
        read += STEP;
        written += len;
    }
    (read, written)
}

/// The decoder of every plain single-byte charset.
#[derive(Clone)]
pub(crate) struct SingleByteDecoder {
    table: &'static Utf8Table,
    /// Each byte's UTF-16 unit ([`UNMAPPED`] for an undefined byte), for UTF-16 output.
    units: &'static [u16; 256],
    /// The same table split by byte, for the SIMD loops.
    #[cfg(target_arch = "x86_64")]
    planes: &'static avx512::Planes,
    /// Whether bytes 0x00..=0x7F map to themselves, enabling the ASCII copy path.
    ascii_lower_half: bool,
    /// Whether the AVX2 loop serves the charset: its lower half is ASCII and no upper byte maps
    /// to U+0000 (the loop takes a zero first UTF-8 byte for an undefined byte).
    #[cfg(target_arch = "x86_64")]
    avx2_eligible: bool,
    /// The longest UTF-8 any byte decodes to.
    max_len: usize,
}

impl SingleByteDecoder {
    pub(crate) fn new(charset: &'static PlainTable) -> Self {
        let index = usize::from(charset.slot);
        let table = shared_utf8_table(TableId::Plain(index), charset.halves);
        let ascii_lower_half = (0..0x80u16).all(|b| table[usize::from(b)] == utf8_entry(b));
        let max_len = table.iter().map(|e| entry_len(*e)).max().unwrap_or(0);
        SingleByteDecoder {
            table,
            units: {
                static UNITS: [OnceLock<[u16; 256]>; PLAIN_COUNT] =
                    [const { OnceLock::new() }; PLAIN_COUNT];
                let halves = charset.halves;
                UNITS[index].get_or_init(|| std::array::from_fn(|b| code_point(halves, b as u8)))
            },
            #[cfg(target_arch = "x86_64")]
            planes: {
                static PLANES: [OnceLock<avx512::Planes>; PLAIN_COUNT] =
                    [const { OnceLock::new() }; PLAIN_COUNT];
                PLANES[index].get_or_init(|| avx512::Planes::new(table))
            },
            ascii_lower_half,
            #[cfg(target_arch = "x86_64")]
            avx2_eligible: ascii_lower_half
                && table[0x80..].iter().all(|&e| e == INVALID || e & 0xFF != 0),
            max_len,
        }
    }

    /// Decodes whole blocks of `src` while `dst` has [`BLOCK_ROOM`] bytes of room, without SIMD;
    /// stops before a block holding an undefined byte. Returns how much was read and written.
    fn decode_blocks_portable(&self, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        decode_steps(
            src,
            dst,
            |block: &[u8; BLOCK], out: &mut [u8; BLOCK_ROOM]| {
                if self.ascii_lower_half && is_ascii_block(block) {
                    out[..BLOCK].copy_from_slice(block);
                    return Some(BLOCK);
                }
                translate_block(self.table, block, out)
            },
        )
    }

    /// Decodes from where a SIMD loop stopped (`done`: what it read and wrote) with the portable
    /// loop, which stops only where it must.
    #[cfg(target_arch = "x86_64")]
    fn finish_portably(&self, src: &[u8], dst: &mut [u8], done: (usize, usize)) -> (usize, usize) {
        let (read, written) = done;
        let (tail_read, tail_written) =
            self.decode_blocks_portable(&src[read..], &mut dst[written..]);
        (read + tail_read, written + tail_written)
    }

    /// [`Self::decode_blocks_portable`], with the fastest SIMD loop the CPU supports first.
    #[inline]
    fn decode_blocks(&self, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        #[cfg(target_arch = "x86_64")]
        if src.len() >= avx512::STEP && avx512::supported() {
            // SAFETY: the CPU supports the loop's target features, checked just above.
            let done = unsafe { avx512::decode_blocks(self, src, dst) };
            return self.finish_portably(src, dst, done);
        }
        #[cfg(target_arch = "x86_64")]
        if src.len() >= avx2::STEP && self.avx2_eligible && std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            let done = unsafe { avx2::decode_blocks(self, src, dst) };
            return self.finish_portably(src, dst, done);
        }
        self.decode_blocks_portable(src, dst)
    }
}

impl RawDecoder for SingleByteDecoder {
    /// Decodes `src` as far as possible: the whole of it, up to an undefined byte (reported as
    /// a 1-byte invalid sequence), or until `dst` is full.
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], _last: bool) -> RawStep {
        let (mut read, mut written) = (0, 0);
        loop {
            let (block_read, block_written) = self.decode_blocks(&src[read..], &mut dst[written..]);
            read += block_read;
            written += block_written;
            // One block byte by byte: the end of the input, a block with an undefined byte, or
            // too little room for the fast loop.
            if read == src.len() {
                return RawStep::input_empty(read, written);
            }
            let stop = (read + BLOCK).min(src.len());
            while read < stop {
                let entry = self.table[usize::from(src[read])];
                let len = entry_len(entry);
                if len == 0 {
                    return RawStep::invalid(read + 1, written, 1);
                }
                // The whole 4-byte entry where there is room for it (only `len` bytes count):
                // a copy of `len` bytes is a call to `memcpy` per byte, which on short rows
                // cost more than their blocks.
                if let Some(out) = dst.get_mut(written..written + 4) {
                    out.copy_from_slice(&entry.to_le_bytes());
                } else if let Some(out) = dst.get_mut(written..written + len) {
                    out.copy_from_slice(&entry.to_le_bytes()[..len]);
                } else {
                    return RawStep::output_full(read, written);
                }
                read += 1;
                written += len;
            }
        }
    }

    /// One unit per byte: blocks of ASCII widened at once where the lower half is ASCII, other
    /// blocks through the unit table with one test for an undefined byte per block.
    fn decode_raw_utf16(&mut self, src: &[u8], dst: &mut [u16], _last: bool) -> RawStep {
        let units = self.units;
        let end = src.len().min(dst.len());
        let mut read = 0;
        while let (Some(block), Some(out)) =
            (src.get(read..read + BLOCK), dst.get_mut(read..read + BLOCK))
        {
            let block: &[u8; BLOCK] = block.try_into().unwrap();
            let out: &mut [u16; BLOCK] = out.try_into().unwrap();
            if self.ascii_lower_half && is_ascii_block(block) {
                *out = block.map(u16::from);
            } else {
                *out = block.map(|b| units[usize::from(b)]);
                if out.contains(&UNMAPPED) {
                    break;
                }
            }
            read += BLOCK;
        }
        while read < end {
            let unit = units[usize::from(src[read])];
            if unit == UNMAPPED {
                return RawStep::invalid(read + 1, read, 1);
            }
            dst[read] = unit;
            read += 1;
        }
        if read == src.len() {
            RawStep::input_empty(read, read)
        } else {
            RawStep::output_full(read, read)
        }
    }

    fn reset(&mut self) {}

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        src_len.checked_mul(self.max_len)
    }

    /// Every undefined byte is a bad sequence of its own.
    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        sweep_bad_bytes(src, max, |byte| {
            entry_len(self.table[usize::from(byte)]) == 0
        })
    }
}

#[cfg(test)]
mod tests;
