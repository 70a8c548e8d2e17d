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
//! The hot loops work in blocks of input whose output surely fits in `dst` (at most three bytes
//! per input byte), so they check the room once per block; a pair is one row load, one range
//! check, one pool load and one word store. Shifts, pairs that expand to two code points, errors
//! and a pair cut by the end of the block go through the general path one at a time.

use crate::charset::unicode::encode_utf8;
use crate::charset::{RawDecoder, RawStep};
use crate::tables::ebcdic_dbcs as tables;
use crate::tables::ebcdic_dbcs::{EXTRA, POOL};

const SO: u8 = 0x0E;
const SI: u8 = 0x0F;
/// `single` entry of an illegal byte (and of SO/SI, which the slow path handles).
const INVALID: u32 = u32::MAX;
/// The most UTF-8 one character writes: a pair may decode to two code points.
const MAX_CHAR_UTF8: usize = 8;

/// The pairs starting with one lead byte: trail bytes `lo..lo + width` have entries in `POOL`
/// from `offset` on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DbRow {
    lo: u8,
    /// Kept instead of the last trail byte so that one wrapping subtraction and one comparison
    /// check a trail byte (0 for an empty row).
    width: u16,
    offset: u32,
}

impl DbRow {
    /// The row of trail bytes `lo..=hi` (empty when `lo > hi`).
    pub(crate) const fn new(lo: u8, hi: u8, offset: u32) -> DbRow {
        let width = if lo > hi {
            0
        } else {
            hi as u16 - lo as u16 + 1
        };
        DbRow { lo, width, offset }
    }
}

/// One charset's two halves.
pub(crate) struct EbcdicTable {
    /// Single-byte state: a BMP code point per byte, or `INVALID`.
    pub single: [u32; 256],
    /// Double-byte state: a row per lead byte.
    pub rows: [DbRow; 256],
}

fn table(name: &str) -> Option<&'static EbcdicTable> {
    Some(match name {
        "IBM930" => &tables::IBM930,
        "IBM933" => &tables::IBM933,
        "IBM935" => &tables::IBM935,
        "IBM937" => &tables::IBM937,
        "IBM939" => &tables::IBM939,
        "IBM1364" => &tables::IBM1364,
        "IBM1371" => &tables::IBM1371,
        "IBM1388" => &tables::IBM1388,
        "IBM1390" => &tables::IBM1390,
        "IBM1399" => &tables::IBM1399,
        _ => return None,
    })
}

pub(crate) fn new_decoder(name: &str) -> Option<EbcdicDbcsDecoder> {
    table(name).map(|table| EbcdicDbcsDecoder {
        table,
        double: false,
        pending_lead: None,
    })
}

/// Decodes one EBCDIC double-byte charset.
pub(crate) struct EbcdicDbcsDecoder {
    table: &'static EbcdicTable,
    /// Shifted out (SO seen, no SI since).
    double: bool,
    /// The lead byte of a pair cut by the end of an earlier call.
    pending_lead: Option<u8>,
}

/// Writes the pair `lead trail`, or returns `None` if it is illegal. `dst` has room for
/// `MAX_CHAR_UTF8` bytes.
#[inline(always)]
fn write_pair(table: &EbcdicTable, lead: u8, trail: u8, dst: &mut [u8]) -> Option<usize> {
    let row = table.rows[usize::from(lead)];
    let k = trail.wrapping_sub(row.lo);
    if u16::from(k) >= row.width {
        return None;
    }
    let entry = POOL[row.offset as usize + usize::from(k)];
    match entry {
        0 => None,
        0xD800..=0xDFFF => {
            let (first, second) = EXTRA[usize::from(entry - 0xD800)];
            let mut n = encode_utf8(first, dst);
            if second != 0 {
                n += encode_utf8(second, &mut dst[n..]);
            }
            Some(n)
        }
        cp => Some(encode_utf8(u32::from(cp), dst)),
    }
}

/// The 2 KiB blocks of the BMP (code point >> 11) whose code points are three UTF-8 bytes:
/// all but block 0 (one or two bytes) and block 27 (surrogates, which mark `EXTRA` entries).
const THREE_BYTE_BLOCKS: u32 = !(1 | 1 << 27);

/// The UTF-8 form of `cp`, a BMP code point from 0x800 on, in the low three bytes of a
/// little-endian word.
#[inline(always)]
fn utf8_word(cp: u32) -> u32 {
    0x0080_80E0 | cp >> 12 | (cp << 2) & 0x3F00 | (cp << 16) & 0x3F_0000
}

/// Decodes the pairs from `block[read..]` on while they map to one BMP code point, writing at
/// most three bytes per pair (and one byte of slack); returns the new `(read, written)`.
#[inline(always)]
fn pair_run(
    table: &EbcdicTable,
    block: &[u8],
    mut read: usize,
    dst: &mut [u8],
    mut written: usize,
) -> (usize, usize) {
    // SO and SI never lead a pair (their rows are empty: the test
    // `shift_bytes_lead_no_pair` checks it), so they stop the run.
    while read + 1 < block.len() {
        let row = table.rows[usize::from(block[read])];
        let k = block[read + 1].wrapping_sub(row.lo);
        if u16::from(k) >= row.width {
            break;
        }
        let entry = u32::from(POOL[row.offset as usize + usize::from(k)]);
        if THREE_BYTE_BLOCKS >> (entry >> 11) & 1 != 0 {
            // Stored as a word whose fourth byte the next character overwrites.
            dst[written..written + 4].copy_from_slice(&utf8_word(entry).to_le_bytes());
            written += 3;
        } else if entry != 0 && entry < 0x800 {
            written += encode_utf8(entry, &mut dst[written..]);
        } else {
            // Illegal, or two code points.
            break;
        }
        read += 2;
    }
    (read, written)
}

/// Decodes the single bytes from `block[read..]` on up to the first shift or illegal byte;
/// returns the new `(read, written)`.
#[inline(always)]
fn single_run(
    table: &EbcdicTable,
    block: &[u8],
    mut read: usize,
    dst: &mut [u8],
    mut written: usize,
) -> (usize, usize) {
    while read < block.len() {
        let cp = table.single[usize::from(block[read])];
        if cp < 0x80 {
            dst[written] = cp as u8;
            written += 1;
        } else if cp == INVALID {
            break;
        } else {
            written += encode_utf8(cp, &mut dst[written..]);
        }
        read += 1;
    }
    (read, written)
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
            // A block of input whose output surely fits: the runs write at most three bytes per
            // byte they consume, plus one byte of slack for a character stored as a word.
            let fits = (dst.len() - written).saturating_sub(1) / 3;
            let block = &src[..read + (src.len() - read).min(fits)];
            (read, written) = if self.double {
                pair_run(table, block, read, dst, written)
            } else {
                single_run(table, block, read, dst, written)
            };
            // The one unit the runs leave to this general path, if any.
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
                let cp = table.single[usize::from(b)];
                if cp == INVALID {
                    return RawStep::invalid(read + 1, written, 1);
                }
                written += encode_utf8(cp, &mut dst[written..]);
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

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        // A single byte writes at most 3 bytes, a pair at most 8; the loops ask for
        // MAX_CHAR_UTF8 bytes of room before each character.
        src_len
            .checked_add(usize::from(self.pending_lead.is_some()))?
            .checked_mul(4)?
            .checked_add(MAX_CHAR_UTF8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charset::RawStatus;
    use crate::error::ErrorKind;

    fn decoder() -> EbcdicDbcsDecoder {
        new_decoder("IBM930").expect("IBM930 is an EBCDIC double-byte charset")
    }

    #[test]
    fn shifts_switch_halves_and_redundant_shifts_are_no_error() {
        let mut d = decoder();
        let mut out = [0u8; 64];
        // C1 = 'A' single-byte; 45 41 = U+4E00 double-byte.
        let step = d.decode_raw(b"\xC1\x0F\x0E\x0E\x45\x41\x0F\x0F\xC1", &mut out, true);
        assert_eq!(step.status, RawStatus::InputEmpty);
        assert_eq!(&out[..step.written], "A\u{4E00}A".as_bytes());
    }

    #[test]
    fn a_pair_cut_between_calls_is_held_then_truncated_at_the_end() {
        let mut d = decoder();
        let mut out = [0u8; 64];
        let step = d.decode_raw(b"\x0E\x45", &mut out, false);
        assert_eq!((step.read, step.written), (2, 0));
        let step = d.decode_raw(b"\x41\x45", &mut out, false);
        assert_eq!(&out[..step.written], "\u{4E00}".as_bytes());
        let step = d.decode_raw(b"", &mut out, true);
        assert_eq!(
            step.status,
            RawStatus::Malformed {
                len: 1,
                consumed_after: 0,
                kind: ErrorKind::Truncated
            }
        );
        assert!(!d.double && d.pending_lead.is_none());
    }

    #[test]
    fn shift_bytes_lead_no_pair() {
        let names: Vec<&str> = crate::Charset::all()
            .filter(|c| c.family() == crate::Family::EbcdicDbcs)
            .map(crate::Charset::name)
            .collect();
        assert_eq!(names.len(), 10, "{names:?}");
        for name in names {
            let table = table(name).expect("an EBCDIC double-byte charset");
            for shift in [SO, SI] {
                assert_eq!(
                    table.rows[usize::from(shift)].width,
                    0,
                    "{name} {shift:02X}"
                );
                assert_eq!(
                    table.single[usize::from(shift)],
                    INVALID,
                    "{name} {shift:02X}"
                );
            }
        }
    }

    #[test]
    fn an_illegal_pair_is_a_two_byte_error() {
        let mut d = decoder();
        let mut out = [0u8; 64];
        let step = d.decode_raw(b"\x0E\x00\x00\x45\x41", &mut out, true);
        assert_eq!(step.read, 3);
        assert_eq!(
            step.status,
            RawStatus::Malformed {
                len: 2,
                consumed_after: 0,
                kind: ErrorKind::Invalid
            }
        );
    }
}
