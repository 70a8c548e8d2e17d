//! Table-driven CJK multi-byte charsets (SJIS, CP932, EUC-*, GBK, GB18030, Big5, UHC, JOHAB,
//! ...): one decoder type for all of them, reading the generated tables in `tables::dbcs`.
//!
//! A charset is a 256-entry table of what each first byte does ([`Lead`]: a character, illegal,
//! or the lead of a longer sequence) plus, for each lead, a [`Row`]: the range of next bytes that
//! continue it, where their characters live in the shared pool (or, for three- and four-byte
//! forms, the rows one byte deeper), and how many bytes glibc's `-c` drops when the next byte
//! does not continue it. GB18030's four-byte codes are ranges of a linear index.
//!
//! The hot loop works in blocks of input whose output surely fits in `dst` (at most three bytes
//! per input byte), so it checks the room once per block. Inside a block it copies ASCII a word
//! at a time and decodes single bytes and two-byte codes inline from the lead's descriptor (one
//! load, one range check, one pool load); anything longer, illegal, expanding to two code
//! points, or cut by the end of the block goes through [`decode_sequence`], which walks the rows.

use crate::charset::{RawDecoder, RawStatus, RawStep};
use crate::error::ErrorKind;
use crate::tables::dbcs::{self, POOL, ROWS, UNIT_SETS};

/// One incomplete prefix of a charset (a lead byte, or a lead and the bytes after it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row {
    /// Next bytes `lo..=hi` may continue the prefix (empty when `lo > hi`).
    lo: u8,
    hi: u8,
    /// Index into `UNIT_SETS`: illegal next bytes in that set drop `unit_in` bytes, others
    /// `unit_out` (counted from the start of the sequence).
    unit_set: u8,
    unit_in: u8,
    unit_out: u8,
    /// Bytes glibc wants (from the start of the sequence) before it judges the next one.
    need: u8,
    kind: u8,
    /// `MAP`: pool index of the entry for `lo`; `NEXT`: index in `ROWS` of the row for `lo`.
    offset: u32,
}

const MAP: u8 = 0;
const NEXT: u8 = 1;

impl Row {
    #[allow(clippy::too_many_arguments)]
    pub(crate) const fn new(
        lo: u8,
        hi: u8,
        unit_set: u8,
        unit_in: u8,
        unit_out: u8,
        need: u8,
        kind: u8,
        offset: u32,
    ) -> Row {
        Row {
            lo,
            hi,
            unit_set,
            unit_in,
            unit_out,
            need,
            kind,
            offset,
        }
    }

    /// How many bytes an illegal sequence ending in `next` drops.
    fn unit(&self, next: u8) -> usize {
        let set = &UNIT_SETS[usize::from(self.unit_set)];
        let inside = set[usize::from(next / 64)] >> (next % 64) & 1 != 0;
        usize::from(if inside { self.unit_in } else { self.unit_out })
    }
}

/// GB18030 four-byte codes from this linear index on map to consecutive code points from `cp`
/// (`cp == 0`: rejected).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FourByteRange {
    index: u32,
    cp: u32,
}

impl FourByteRange {
    pub(crate) const fn new(index: u32, cp: u32) -> FourByteRange {
        FourByteRange { index, cp }
    }
}

/// What one first byte does, in eight bytes so that the two-byte path needs one load.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lead {
    /// `row == LEAD_CHAR`: the BMP code point of the byte. Otherwise the pool index of the
    /// entry for next byte `lo`.
    base: u32,
    /// `LEAD_CHAR`, `LEAD_INVALID`, or the index in `ROWS` of the lead's row.
    row: u16,
    /// Next bytes `lo..lo + limit` map straight to pool entries `base..` (entry 0: not there).
    /// `limit` is 0 for a byte that is not the lead of such a row.
    lo: u8,
    limit: u8,
}

const LEAD_CHAR: u16 = u16::MAX;
const LEAD_INVALID: u16 = u16::MAX - 1;

impl Lead {
    pub(crate) const fn new(base: u32, lo: u8, limit: u8, row: u16) -> Lead {
        Lead {
            base,
            row,
            lo,
            limit,
        }
    }
}

/// One charset's tables.
pub(crate) struct MbTable {
    /// Bytes 00..=7F all decode to themselves.
    pub ascii_identity: bool,
    /// GB18030's four-byte ranges and the drop lengths for a bad third byte, a bad fourth byte
    /// and a rejected code.
    pub four_byte: Option<(&'static [FourByteRange], [u8; 3])>,
    /// Per first byte.
    pub lead: [Lead; 256],
}

/// The table of a CJK multi-byte charset by its canonical name.
fn table(name: &str) -> Option<&'static MbTable> {
    Some(match name {
        "BIG5" => &dbcs::BIG5,
        "BIG5HKSCS" => &dbcs::BIG5HKSCS,
        "CP932" => &dbcs::CP932,
        "EUC-CN" => &dbcs::EUC_CN,
        "EUC-JISX0213" => &dbcs::EUC_JISX0213,
        "EUC-JP" => &dbcs::EUC_JP,
        "EUC-JP-MS" => &dbcs::EUC_JP_MS,
        "EUC-KR" => &dbcs::EUC_KR,
        "EUC-TW" => &dbcs::EUC_TW,
        "GB18030" => &dbcs::GB18030,
        "GBK" => &dbcs::GBK,
        "IBM932" => &dbcs::IBM932,
        "IBM943" => &dbcs::IBM943,
        "JOHAB" => &dbcs::JOHAB,
        "SHIFT_JISX0213" => &dbcs::SHIFT_JISX0213,
        "SJIS" => &dbcs::SJIS,
        "UHC" => &dbcs::UHC,
        _ => return None,
    })
}

pub(crate) fn new_decoder(name: &str) -> Option<MultibyteDecoder> {
    table(name).map(|table| MultibyteDecoder {
        table,
        pending: [0; 4],
        pending_len: 0,
    })
}

/// The longest sequence of these charsets (GB18030 and EUC-TW: four bytes).
const MAX_SEQUENCE: usize = 4;
/// The most UTF-8 one sequence writes: two code points of up to four bytes.
const MAX_CHAR_UTF8: usize = 8;

/// Decodes one of the CJK multi-byte charsets.
pub(crate) struct MultibyteDecoder {
    table: &'static MbTable,
    /// Bytes of a sequence cut by the end of an earlier call (or left after a short drop).
    pending: [u8; MAX_SEQUENCE],
    pending_len: u8,
}

/// What the bytes at the start of a slice are.
enum Sequence {
    /// `len` bytes decode to `first` (and `second`, unless 0).
    Chars { len: usize, first: u32, second: u32 },
    /// An illegal sequence; glibc drops its first `unit` bytes.
    Invalid { unit: usize },
    /// The slice ends inside a sequence.
    Incomplete,
}

/// The 2 KiB blocks of the BMP (code point >> 11) whose code points are three UTF-8 bytes:
/// all but block 0 (one or two bytes) and block 27 (surrogates, which mark pool expansions).
const THREE_BYTE_BLOCKS: u32 = !(1 | 1 << 27);

/// The UTF-8 form of `cp`, a BMP code point from 0x800 on.
#[inline(always)]
fn utf8_3(cp: u32) -> [u8; 3] {
    [
        0xE0 | (cp >> 12) as u8,
        0x80 | (cp >> 6) as u8 & 0x3F,
        0x80 | cp as u8 & 0x3F,
    ]
}

/// The UTF-8 form of `cp`, a BMP code point from 0x800 on, in the low three bytes of a
/// little-endian word.
#[inline(always)]
fn utf8_word(cp: u32) -> u32 {
    0x0080_80E0 | cp >> 12 | (cp << 2) & 0x3F00 | (cp << 16) & 0x3F_0000
}

/// Writes `bytes` at `dst[at..]` inside the hot loop's block.
#[inline(always)]
fn put<const N: usize>(dst: &mut [u8], at: usize, bytes: [u8; N]) {
    debug_assert!(at + N <= dst.len(), "the block's output bound is broken");
    // SAFETY: `decode_raw` calls this only inside a block: the block has at most
    // `(dst.len() - written_at_block_start - 1) / 3` input bytes, every step consumes at least
    // one of them and advances `written` by at most three bytes per byte consumed, and a step
    // stores at most one byte beyond what it counts (a character: 4 bytes stored, 3 counted)
    // or, for an ASCII word, 8 bytes for 8 consumed, so `at + N <= dst.len()`. The chunking tests run this with output buffers
    // of every small size, in debug builds, where the assertion above checks it.
    unsafe { dst.get_unchecked_mut(at..at + N) }.copy_from_slice(&bytes);
}

/// Writes the BMP code point `cp` at `dst[at..]` inside the hot loop's block.
#[inline(always)]
fn put_bmp(dst: &mut [u8], at: usize, cp: u32) -> usize {
    if cp < 0x80 {
        put(dst, at, [cp as u8]);
        1
    } else if cp < 0x800 {
        put(dst, at, [0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
        2
    } else {
        put(dst, at, utf8_3(cp));
        3
    }
}

fn write_char(dst: &mut [u8], cp: u32) -> usize {
    char::from_u32(cp)
        .expect("tables hold only scalar values")
        .encode_utf8(dst)
        .len()
}

/// The one or two code points packed behind a pool entry `D800 + k` of the row at `offset`
/// covering `width` next bytes.
fn expansion(offset: usize, width: usize, entry: u16) -> (u32, u32) {
    let at = offset + width + 3 * usize::from(entry - 0xD800);
    let packed =
        u64::from(POOL[at]) | u64::from(POOL[at + 1]) << 16 | u64::from(POOL[at + 2]) << 32;
    (
        (packed & 0x1F_FFFF) as u32,
        (packed >> 21 & 0x1F_FFFF) as u32,
    )
}

/// Decodes the sequence at the start of `bytes`, whose first byte is a lead with row `row`.
fn decode_sequence(table: &MbTable, mut row: Row, bytes: &[u8]) -> Sequence {
    let mut depth = 1;
    loop {
        if bytes.len() < usize::from(row.need) {
            return Sequence::Incomplete;
        }
        let next = bytes[depth];
        if (row.lo..=row.hi).contains(&next) {
            let index = row.offset as usize + usize::from(next - row.lo);
            if row.kind == MAP {
                let entry = POOL[index];
                if entry != 0 {
                    let (first, second) = if (0xD800..0xE000).contains(&entry) {
                        let width = usize::from(row.hi - row.lo) + 1;
                        expansion(row.offset as usize, width, entry)
                    } else {
                        (u32::from(entry), 0)
                    };
                    return Sequence::Chars {
                        len: depth + 1,
                        first,
                        second,
                    };
                }
            } else if row.kind == NEXT && ROWS[index].kind != 2 {
                row = ROWS[index];
                depth += 1;
                continue;
            }
        }
        if let Some((ranges, units)) = table.four_byte
            && depth == 1
            && (0x30..=0x39).contains(&next)
        {
            return four_byte(ranges, units, bytes);
        }
        return Sequence::Invalid {
            unit: row.unit(next),
        };
    }
}

/// GB18030's four-byte form: `bytes[1]` is already known to be `30..=39`.
fn four_byte(ranges: &[FourByteRange], units: [u8; 3], bytes: &[u8]) -> Sequence {
    if bytes.len() < 4 {
        return Sequence::Incomplete;
    }
    let [b1, b2, b3, b4] = [bytes[0], bytes[1], bytes[2], bytes[3]].map(u32::from);
    if !(0x81..=0xFE).contains(&b3) {
        return Sequence::Invalid {
            unit: usize::from(units[0]),
        };
    }
    if !(0x30..=0x39).contains(&b4) {
        return Sequence::Invalid {
            unit: usize::from(units[1]),
        };
    }
    let index = ((b1 - 0x81) * 10 + (b2 - 0x30)) * 1260 + (b3 - 0x81) * 10 + (b4 - 0x30);
    let range = ranges[ranges.partition_point(|r| r.index <= index) - 1];
    if range.cp == 0 {
        return Sequence::Invalid {
            unit: usize::from(units[2]),
        };
    }
    Sequence::Chars {
        len: 4,
        first: range.cp + (index - range.index),
        second: 0,
    }
}

impl MultibyteDecoder {
    /// What the bytes at the start of `bytes` (at least one) are.
    fn sequence(&self, bytes: &[u8]) -> Sequence {
        let lead = self.table.lead[usize::from(bytes[0])];
        match lead.row {
            LEAD_INVALID => Sequence::Invalid { unit: 1 },
            LEAD_CHAR => Sequence::Chars {
                len: 1,
                first: lead.base,
                second: 0,
            },
            row => decode_sequence(self.table, ROWS[usize::from(row)], bytes),
        }
    }

    /// Decodes what is pending from earlier calls, taking bytes from `src` as needed. Returns
    /// `(read, written, Some(step))` when the call must return that step.
    fn drain_pending(
        &mut self,
        src: &[u8],
        dst: &mut [u8],
        last: bool,
    ) -> (usize, usize, Option<RawStep>) {
        let (mut read, mut written) = (0, 0);
        while self.pending_len > 0 {
            if dst.len() - written < MAX_CHAR_UTF8 {
                return (read, written, Some(RawStep::output_full(read, written)));
            }
            let held = usize::from(self.pending_len);
            let mut window = [0u8; 2 * MAX_SEQUENCE];
            window[..held].copy_from_slice(&self.pending[..held]);
            let taken = (src.len() - read).min(MAX_SEQUENCE);
            window[held..held + taken].copy_from_slice(&src[read..read + taken]);
            let avail = held + taken;
            let (len, bad) = match self.sequence(&window[..avail]) {
                Sequence::Chars { len, first, second } => {
                    written += write_char(&mut dst[written..], first);
                    if second != 0 {
                        written += write_char(&mut dst[written..], second);
                    }
                    (len, None)
                }
                Sequence::Invalid { unit } => (unit, Some(ErrorKind::Invalid)),
                Sequence::Incomplete => {
                    // Everything left fits in `pending`: a sequence is at most four bytes.
                    let rest = &src[read..];
                    self.pending[held..held + rest.len()].copy_from_slice(rest);
                    read = src.len();
                    if last {
                        self.pending_len = 0;
                        let step = RawStep::truncated(read, written, held + rest.len());
                        return (read, written, Some(step));
                    }
                    self.pending_len = (held + rest.len()) as u8;
                    return (read, written, Some(RawStep::input_empty(read, written)));
                }
            };
            if len >= held {
                read += len - held;
                self.pending_len = 0;
            } else {
                self.pending.copy_within(len..held, 0);
                self.pending_len = (held - len) as u8;
            }
            if let Some(kind) = bad {
                let step = RawStep {
                    read,
                    written,
                    status: RawStatus::Malformed {
                        len: len as u8,
                        consumed_after: self.pending_len,
                        kind,
                    },
                };
                return (read, written, Some(step));
            }
        }
        (read, written, None)
    }
}

impl RawDecoder for MultibyteDecoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = (0, 0);
        if self.pending_len > 0 {
            let (r, w, step) = self.drain_pending(src, dst, last);
            if let Some(step) = step {
                return step;
            }
            (read, written) = (r, w);
        }
        let table = self.table;
        let leads = &table.lead;
        loop {
            // A block of input whose output surely fits: every step below consumes at least
            // one byte of the block and writes at most three bytes per byte it consumes (an
            // ASCII word may scribble 8 bytes ahead, within the same bound), so no step
            // checks the room.
            // One byte of slack: a three-byte character is stored as a four-byte word.
            let fits = (dst.len() - written).saturating_sub(1) / 3;
            let block = &src[..read + (src.len() - read).min(fits)];
            // Two-byte codes end inside the block; its last byte goes to the general path.
            while read + 1 < block.len() {
                let b = block[read];
                let lead = leads[usize::from(b)];
                let k = block[read + 1].wrapping_sub(lead.lo);
                if k < lead.limit {
                    // SAFETY: `k < lead.limit`, and every lead's `base + limit` lies inside
                    // `POOL` (asserted by the generator and by the test
                    // `every_lead_range_lies_in_the_pool`).
                    let entry = u32::from(*unsafe {
                        POOL.get_unchecked(lead.base as usize + usize::from(k))
                    });
                    if THREE_BYTE_BLOCKS >> (entry >> 11) & 1 != 0 {
                        // The common case: a character of three UTF-8 bytes, stored as one
                        // word whose fourth byte the next character overwrites.
                        put(dst, written, utf8_word(entry).to_le_bytes());
                        written += 3;
                        read += 2;
                        // Runs of two-byte codes are the bulk of CJK text: try the next code
                        // at once, without going back through the loop's tests.
                        if read + 1 < block.len() {
                            let lead = leads[usize::from(block[read])];
                            let k = block[read + 1].wrapping_sub(lead.lo);
                            if k < lead.limit {
                                // SAFETY: as above.
                                let entry = u32::from(*unsafe {
                                    POOL.get_unchecked(lead.base as usize + usize::from(k))
                                });
                                if THREE_BYTE_BLOCKS >> (entry >> 11) & 1 != 0 {
                                    put(dst, written, utf8_word(entry).to_le_bytes());
                                    written += 3;
                                    read += 2;
                                }
                            }
                        }
                        continue;
                    } else if entry != 0 && entry < 0x800 {
                        written += put_bmp(dst, written, entry);
                    } else {
                        // No character, or one stored as an expansion.
                        break;
                    }
                    read += 2;
                } else if lead.row != LEAD_CHAR {
                    // Not a two-byte code the lead's descriptor maps.
                    break;
                } else if b < 0x80 && table.ascii_identity && read + 8 <= block.len() {
                    // A run of ASCII: copy a word, keep the bytes before its first non-ASCII.
                    let word: [u8; 8] = block[read..read + 8].try_into().unwrap();
                    put(dst, written, word);
                    let high = u64::from_le_bytes(word) & 0x8080_8080_8080_8080;
                    let n = if high == 0 {
                        8
                    } else {
                        high.trailing_zeros() as usize / 8
                    };
                    read += n;
                    written += n;
                } else {
                    written += put_bmp(dst, written, lead.base);
                    read += 1;
                }
            }
            if read == src.len() {
                return RawStep::input_empty(read, written);
            }
            if dst.len() - written < MAX_CHAR_UTF8 {
                return RawStep::output_full(read, written);
            }
            let end = (read + MAX_SEQUENCE).min(src.len());
            match self.sequence(&src[read..end]) {
                Sequence::Chars { len, first, second } => {
                    written += write_char(&mut dst[written..], first);
                    if second != 0 {
                        written += write_char(&mut dst[written..], second);
                    }
                    read += len;
                }
                Sequence::Invalid { unit } => {
                    return RawStep::invalid(read + unit, written, unit);
                }
                Sequence::Incomplete => {
                    let rest = &src[read..];
                    if last {
                        return RawStep::truncated(src.len(), written, rest.len());
                    }
                    self.pending[..rest.len()].copy_from_slice(rest);
                    self.pending_len = rest.len() as u8;
                    return RawStep::input_empty(src.len(), written);
                }
            }
        }
    }

    fn reset(&mut self) {
        self.pending_len = 0;
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        // A single byte writes at most 3 bytes, a sequence of two or more at most 8; and the loop
        // asks for MAX_CHAR_UTF8 bytes of room before each character, whatever it writes.
        src_len
            .checked_add(usize::from(self.pending_len))?
            .checked_mul(4)?
            .checked_add(MAX_CHAR_UTF8)
    }
}

#[cfg(test)]
mod tests;
