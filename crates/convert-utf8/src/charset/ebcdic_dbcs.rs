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

/// The pairs starting with one lead byte: trail bytes `lo..=hi` have entries in `POOL` from
/// `offset` on (an empty row has `lo > hi`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct DbRow {
    lo: u8,
    hi: u8,
    offset: u32,
}

impl DbRow {
    pub(crate) const fn new(lo: u8, hi: u8, offset: u32) -> DbRow {
        DbRow { lo, hi, offset }
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
    if trail < row.lo || trail > row.hi {
        return None;
    }
    let entry = POOL[row.offset as usize + usize::from(trail - row.lo)];
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
            if !self.double {
                // Single-byte state.
                while read < src.len() {
                    if dst.len() - written < MAX_CHAR_UTF8 {
                        return RawStep::output_full(read, written);
                    }
                    let b = src[read];
                    let cp = table.single[usize::from(b)];
                    if cp != INVALID {
                        written += encode_utf8(cp, &mut dst[written..]);
                        read += 1;
                    } else if b == SO {
                        read += 1;
                        self.double = true;
                        break;
                    } else if b == SI {
                        read += 1;
                    } else {
                        return RawStep::invalid(read + 1, written, 1);
                    }
                }
                if !self.double {
                    return RawStep::input_empty(read, written);
                }
            }
            // Double-byte state.
            while read < src.len() {
                if dst.len() - written < MAX_CHAR_UTF8 {
                    return RawStep::output_full(read, written);
                }
                let lead = src[read];
                if lead == SI {
                    read += 1;
                    self.double = false;
                    break;
                }
                if lead == SO {
                    read += 1;
                    continue;
                }
                let Some(&trail) = src.get(read + 1) else {
                    if last {
                        self.reset();
                        return RawStep::truncated(src.len(), written, 1);
                    }
                    self.pending_lead = Some(lead);
                    return RawStep::input_empty(src.len(), written);
                };
                match write_pair(table, lead, trail, &mut dst[written..]) {
                    Some(n) => written += n,
                    None => return RawStep::invalid(read + 2, written, 2),
                }
                read += 2;
            }
            if self.double {
                if last {
                    // Ending shifted out is no error: glibc just returns to the initial state.
                    self.double = false;
                }
                return RawStep::input_empty(read, written);
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
