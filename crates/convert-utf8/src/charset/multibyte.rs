//! Table-driven CJK multi-byte charsets (SJIS, CP932, EUC-*, GBK, GB18030, Big5, UHC, JOHAB,
//! ...): one decoder type for all of them, reading the generated tables in `tables::dbcs`.
//!
//! A charset is a 256-entry table of what each first byte does ([`Lead`]: a character, illegal,
//! or the lead of a longer sequence) plus, for each lead, a [`Row`]: the range of next bytes that
//! continue it, where their characters live in the shared pool (or, for three- and four-byte
//! forms, the rows one byte deeper), and how many bytes glibc's `-c` drops when the next byte
//! does not continue it. GB18030's four-byte codes are ranges of a linear index.
//!
//! The pool holds each character as its UTF-8 form, three bytes per entry. The hot loop works
//! in blocks of input whose output surely fits in `dst` (at most three bytes per input byte), so
//! it checks the room once per block. Inside a block ([`fast_run`]) it decodes every single
//! byte and two-byte code through the same lookup ([`DirectTable`], built on first use from
//! the descriptors): the first and next byte give an entry, the character's UTF-8 as the pool
//! holds it, whose four bytes are stored at once and whose first byte tells how many of them
//! count; the step to the next code is a branch on the first byte's length, which the processor
//! predicts and runs ahead on. ASCII runs are copied a word at a time. In a charset whose leads
//! are all the bytes from some byte on ([`lead_floor`](crate::tables::format::lead_floor): the EUC, GB and Big5 charsets, UHC,
//! JOHAB), a chunk of input whose codes are all two-byte ones, found by SIMD, is decoded without
//! the step ([`fast_run_by_lead_bits`]). GB18030's four-byte codes are decoded in the hot loop
//! too, from their linear index. Anything else longer, illegal, expanding to two code points,
//! or cut by the end of the block goes through [`decode_sequence`], which walks the rows.

use crate::charset::kernel::{
    self, Carry, Drained, MAX_CHAR_UTF8, OutUnit, Unit, UnitStep, put, sweep_bad_bytes,
};
use crate::charset::{RawDecoder, RawStep};
use crate::tables::dbcs::{
    CHARSET_COUNT, LEAD_CHAR, LEAD_INVALID, MAP, NEXT, POOL, RAW_ENTRY, ROWS, UNIT_SETS,
};
use crate::tables::format::{FourByteRange, Lead, MbCharset, MbTable, Row, entry_utf8_len};
use direct::{DirectOut, DirectTable, utf8_len};
use std::sync::OnceLock;

impl Row {
    /// How many bytes an illegal sequence ending in `next` drops.
    fn unit(&self, next: u8) -> usize {
        let set = &UNIT_SETS[usize::from(self.unit_set)];
        let inside = set[usize::from(next / 64)] >> (next % 64) & 1 != 0;
        usize::from(if inside { self.unit_in } else { self.unit_out })
    }
}

/// The pool entry at `index` (three bytes from `3 * index`) as the generator's `u16`: a BMP code
/// point, 0 for no character, or `D800 + k` for the k-th expansion of its row.
fn pool_entry(index: usize) -> u16 {
    let at = 3 * index;
    let bytes = [POOL[at], POOL[at + 1], POOL[at + 2]];
    entry_char(bytes).unwrap_or_else(|| {
        debug_assert_eq!(bytes[0], RAW_ENTRY);
        u16::from_le_bytes([bytes[1], bytes[2]])
    })
}

/// The character of an entry's first three bytes (a pool entry, or a direct table's) when they
/// are its UTF-8 (all the pool's characters are in the BMP); `None` for a raw entry.
fn entry_char(bytes: [u8; 3]) -> Option<u16> {
    let [b0, b1, b2] = bytes.map(u16::from);
    Some(match b0 {
        0x00..=0x7F => b0,
        0xC0..=0xDF => (b0 & 0x1F) << 6 | b1 & 0x3F,
        0xE0..=0xEF => (b0 & 0x0F) << 12 | (b1 & 0x3F) << 6 | b2 & 0x3F,
        _ => return None,
    })
}

/// [`entry_utf8_len`] as a table, for the hot loop's less common entries, which leaves a raw
/// entry to the general path.
static UTF8_LEN: [u8; 256] = {
    let mut len = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        len[b] = entry_utf8_len(b as u8) as u8;
        b += 1;
    }
    len
};

/// The lookup each charset's hot loop reads, built on its first use (by [`MbCharset::slot`]).
static DIRECT: [OnceLock<DirectTable>; CHARSET_COUNT] = [const { OnceLock::new() }; CHARSET_COUNT];

/// A CJK multi-byte charset's tables as stateless lookups: what a decoder of the charset reads
/// (its hot loops and its general step), and what the decoders of charsets that carry its
/// character set read (ISO-2022 through its EUC twins). Cheap to copy; holds no state.
#[derive(Clone, Copy)]
pub(crate) struct CjkLookup {
    table: &'static MbTable,
    /// The table's [lead floor](crate::tables::format::lead_floor).
    lead_floor: Option<u8>,
    /// The hot loop's lookup.
    direct: &'static DirectTable,
}

impl CjkLookup {
    /// The lookups of `charset`, its hot loop's built on first use.
    pub(crate) fn of(charset: &'static MbCharset) -> CjkLookup {
        let table = &charset.table;
        CjkLookup {
            table,
            lead_floor: charset.lead_floor,
            direct: DIRECT[usize::from(charset.slot)].get_or_init(|| DirectTable::build(table)),
        }
    }

    /// The UTF-8 of the code that starts with `first` (followed by `next`), when the hot
    /// loop's lookup maps it to a character the pool holds as UTF-8: four bytes to store at
    /// once and how many of them count. `None` for anything else (longer or illegal sequences,
    /// expansions), which needs the general path. The answer does not say how many bytes the
    /// code took: where `first` is a character by itself, `next` is not part of it. ISO-2022's
    /// callers pass pairs with the high bits set, and A1-FE are leads of two-byte codes in
    /// every EUC twin (the test `every_pair_the_fast_path_maps_is_what_the_general_path_decodes`
    /// checks it).
    #[inline(always)]
    pub(crate) fn mapped_utf8(&self, first: u8, next: u8) -> Option<([u8; 4], usize)> {
        let (entry, _) = self.direct.lookup(first, next);
        utf8_len(entry).map(|len| (entry, len))
    }

    /// Decodes `code`, which must be exactly one whole sequence of the charset, into `dst`
    /// (room for two code points); `None` when it is anything else.
    pub(crate) fn decode_code<U: OutUnit>(&self, code: &[u8], dst: &mut [U]) -> Option<usize> {
        match self.sequence(code) {
            Sequence::Chars { len, first, second } if len == code.len() => {
                let mut written = U::push_char(dst, first);
                if second != 0 {
                    written += U::push_char(&mut dst[written..], second);
                }
                Some(written)
            }
            _ => None,
        }
    }
}

impl MultibyteDecoder {
    pub(crate) fn new(charset: &'static MbCharset) -> MultibyteDecoder {
        MultibyteDecoder {
            lookup: CjkLookup::of(charset),
            carry: Carry::default(),
        }
    }
}

/// The longest sequence of these charsets (GB18030 and EUC-TW: four bytes).
const MAX_SEQUENCE: usize = 4;

/// Decodes one of the CJK multi-byte charsets.
#[derive(Clone)]
pub(crate) struct MultibyteDecoder {
    lookup: CjkLookup,
    /// Bytes of a sequence cut by the end of an earlier call (or left after a short drop).
    carry: Carry,
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

/// Decodes from `block[read..]` into `dst[written..]` (inside the hot loop's block) every
/// single byte and two-byte code that starts before `until` (at most the block's last byte, so
/// that every code has a next byte) up to the first one the lookup does not map to a character
/// it holds in the form `U`. Returns the new `(read, written)`: `read` is at least `until`
/// unless it stopped at such a code.
#[inline(never)]
fn fast_run<U: DirectOut, const FOUR: bool>(
    lookup: U::Lookup<'_>,
    ascii_identity: bool,
    four: Option<&'static [FourByteRange]>,
    block: &[u8],
    dst: &mut [U],
    (mut read, mut written): (usize, usize),
    until: usize,
) -> (usize, usize) {
    debug_assert!(until < block.len() || until == 0);
    while read < until {
        // SAFETY: `read + 1 < block.len()`: `read < until` and `until < block.len()`.
        let (first, next) = unsafe { (*block.get_unchecked(read), *block.get_unchecked(read + 1)) };
        let (entry, step) = U::look(lookup, first, next);
        let Some(len) = U::units(entry) else {
            // GB18030's four-byte codes are decoded here rather than by leaving the loop: text
            // with many of them (accented Latin, Hangul, Arabic, emoji) would otherwise leave
            // and enter it again at every one. A code writes at most four bytes (two units)
            // for its four, within the block's room.
            if FOUR
                && let Some(ranges) = four
                && let Some(c) = four_byte_char_at(ranges, block, read)
            {
                written += U::push_char(&mut dst[written..], c);
                read += 4;
                continue;
            }
            break;
        };
        U::store(dst, written, entry);
        written += len;
        // The next position is a branch, not arithmetic on the step: predicted (two bytes in
        // CJK text), it lets the processor run ahead to the next code instead of waiting for
        // the loads that find the step.
        if step == 2 {
            read += 2;
            continue;
        }
        read += 1;
        // A single byte: copy the ASCII run that may follow (from `next`) a word at a time.
        if ascii_identity && next < 0x80 {
            (read, written) = ascii_run(block, dst, read, written);
        }
    }
    (read, written)
}

/// The chunk of input [`fast_run_by_lead_bits`] tests for pairs at once.
const PAIR_CHUNK: usize = 16;

/// The most [`fast_run_by_lead_bits`] decodes one by one before it tries a chunk of pairs again.
/// Text of pairs after a long stretch of other text is so decoded one by one for at most about
/// twice this (the stretch halves at each chunk of pairs found) before chunks are tried at every
/// chunk again.
const MAX_ONE_BY_ONE: usize = 1 << 16;

/// The bits of a chunk's even places: where its codes start when it is all two-byte codes.
const PAIR_LEADS: u32 = 0x5555;

/// [`fast_run`] for a table with a [lead floor](crate::tables::format::lead_floor): a chunk of sixteen bytes that
/// starts with a code and whose even bytes are all leads (found at once by SIMD,
/// [`chunk_lead_bits`]) is eight two-byte codes, which it decodes in straight-line code, with
/// no step to find and no loop to keep (Chinese text about 8% faster than through [`fast_run`]);
/// the bytes after a chunk that is not (a single byte in it), it decodes as [`fast_run`] does,
/// one code at a time, and tries the next chunk from where that leaves off. Chinese text is
/// mostly such chunks; Korean, with a space every few characters, mostly not.
#[inline(never)]
fn fast_run_by_lead_bits<const FOUR: bool>(
    direct: &DirectTable,
    ascii_identity: bool,
    four: Option<&'static [FourByteRange]>,
    floor: u8,
    block: &[u8],
    dst: &mut [u8],
    (mut read, mut written): (usize, usize),
) -> (usize, usize) {
    let last = block.len().saturating_sub(1);
    // How far the one-by-one loop goes before the next chunk is tried: a chunk of pairs halves
    // it (down to one chunk), each one that is not doubles it, so that text with few chunks of
    // pairs (Korean, where one comes now and then) spends little on trying them.
    let mut one_by_one = PAIR_CHUNK;
    loop {
        let start = read;
        while let Some(chunk) = block.get(read..read + PAIR_CHUNK) {
            let chunk: &[u8; PAIR_CHUNK] = chunk.try_into().unwrap();
            if chunk_lead_bits(chunk, floor) & PAIR_LEADS != PAIR_LEADS {
                break;
            }
            for pair in 0..PAIR_CHUNK / 2 {
                let at = read + 2 * pair;
                // SAFETY: `at + 1 < read + PAIR_CHUNK <= block.len()`.
                let (first, next) =
                    unsafe { (*block.get_unchecked(at), *block.get_unchecked(at + 1)) };
                let (entry, _) = direct.lookup(first, next);
                let Some(len) = utf8_len(entry) else {
                    return (at, written);
                };
                put(dst, written, entry);
                written += len;
            }
            read += PAIR_CHUNK;
        }
        one_by_one = if read > start {
            (one_by_one / 2).max(PAIR_CHUNK)
        } else {
            (2 * one_by_one).min(MAX_ONE_BY_ONE)
        };
        let until = (read + one_by_one).min(last);
        (read, written) = fast_run::<u8, FOUR>(
            direct,
            ascii_identity,
            four,
            block,
            dst,
            (read, written),
            until,
        );
        if read < until || until == last {
            return (read, written);
        }
    }
}

/// Which bytes of `chunk` are at least `floor` (80 or above): bit `i` for `chunk[i]`.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn chunk_lead_bits(chunk: &[u8; PAIR_CHUNK], floor: u8) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8, _mm_subs_epu8,
    };
    debug_assert!(floor >= 0x80);
    // SAFETY: `chunk` is 16 readable bytes, which an unaligned load may read; SSE2 is enabled
    // (the `cfg` above; every x86_64 target but bare-metal ones has it). Less `floor - 80`
    // (saturating), a byte keeps its high bit exactly when it is at least `floor`.
    // (Through `black_box`, the compiler does not see that the pairs are the bytes of this
    // load, which it would then take apart from the register through the stack, a load and a
    // store per byte, instead of loading each byte.)
    let mask = unsafe {
        let bytes = _mm_loadu_si128(std::hint::black_box(chunk.as_ptr()).cast::<__m128i>());
        _mm_movemask_epi8(_mm_subs_epu8(bytes, _mm_set1_epi8((floor - 0x80) as i8)))
    };
    mask as u32
}

/// [`chunk_lead_bits`] without SIMD.
#[cfg(any(not(all(target_arch = "x86_64", target_feature = "sse2")), test))]
fn chunk_lead_bits_portable(chunk: &[u8; PAIR_CHUNK], floor: u8) -> u32 {
    let mut bits = 0;
    for (i, &b) in chunk.iter().enumerate() {
        bits |= u32::from(b >= floor) << i;
    }
    bits
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use chunk_lead_bits_portable as chunk_lead_bits;

/// Copies the ASCII run at `block[read..]` into `dst[written..]` (inside the hot loop's block)
/// a word at a time, as far as whole words of the block go. Returns the new `(read, written)`.
/// Out of line: it keeps the registers of the run loop for the run loop's own work.
#[inline(never)]
fn ascii_run<U: DirectOut>(
    block: &[u8],
    dst: &mut [U],
    mut read: usize,
    mut written: usize,
) -> (usize, usize) {
    while read + 8 <= block.len() {
        let word: [u8; 8] = block[read..read + 8].try_into().unwrap();
        put(dst, written, word.map(U::from_ascii));
        let high = u64::from_le_bytes(word) & 0x8080_8080_8080_8080;
        if high != 0 {
            let n = high.trailing_zeros() as usize / 8;
            return (read + n, written + n);
        }
        read += 8;
        written += 8;
    }
    (read, written)
}

/// The pool entry of the single byte or two-byte code that starts with the byte of `lead`
/// followed by `next` (four bytes: the pool's byte of padding makes the last entry readable so),
/// and the length of its character's UTF-8 (the entry's first bytes), when the descriptor maps
/// it to a character the pool holds as UTF-8; `None` for anything else. What the hot loop's
/// lookup holds for the pair.
fn fast_entry(lead: &Lead, next: u8) -> Option<([u8; 4], usize)> {
    let k = next.wrapping_sub(lead.lo) & lead.mask;
    if k >= lead.limit {
        return None;
    }
    let at = lead.base as usize + 3 * usize::from(k);
    let entry: [u8; 4] = POOL[at..at + 4].try_into().unwrap();
    utf8_len(entry).map(|len| (entry, len))
}

/// The one or two code points packed behind a pool entry `D800 + k` of the row at `offset`
/// covering `width` next bytes.
fn expansion(offset: usize, width: usize, entry: u16) -> (u32, u32) {
    let at = offset + width + 3 * usize::from(entry - 0xD800);
    let packed = u64::from(pool_entry(at))
        | u64::from(pool_entry(at + 1)) << 16
        | u64::from(pool_entry(at + 2)) << 32;
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
                let entry = pool_entry(index);
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
fn four_byte(ranges: &'static [FourByteRange], units: [u8; 3], bytes: &[u8]) -> Sequence {
    if bytes.len() < 4 {
        return Sequence::Incomplete;
    }
    let (b3, b4) = (bytes[2], bytes[3]);
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
    match four_byte_char(ranges, &bytes[..4]) {
        Some(c) => Sequence::Chars {
            len: 4,
            first: c,
            second: 0,
        },
        None => Sequence::Invalid {
            unit: usize::from(units[2]),
        },
    }
}

/// The character of the GB18030 four-byte code at `block[at..]`, if the block holds four bytes
/// there and they are one (see [`four_byte_char`]).
#[inline(always)]
fn four_byte_char_at(ranges: &'static [FourByteRange], block: &[u8], at: usize) -> Option<u32> {
    four_byte_char(ranges, block.get(at..at + 4)?)
}

/// The character of the GB18030 four-byte code `code`, if it is a well-formed code of a range
/// that maps.
#[inline(always)]
fn four_byte_char(ranges: &'static [FourByteRange], code: &[u8]) -> Option<u32> {
    let [b1, b2, b3, b4] = [code[0], code[1], code[2], code[3]].map(u32::from);
    if !(0x81..=0xFE).contains(&b1)
        || !(0x30..=0x39).contains(&b2)
        || !(0x81..=0xFE).contains(&b3)
        || !(0x30..=0x39).contains(&b4)
    {
        return None;
    }
    let index = ((b1 - 0x81) * 10 + (b2 - 0x30)) * 1260 + (b3 - 0x81) * 10 + (b4 - 0x30);
    char_of_index(ranges, index)
}

/// The most indices [`DenseIndex`] covers: GB18030's BMP codes take 39,420.
const DENSE_LIMIT: u32 = 1 << 17;

/// For four-byte ranges (sorted by start, the first starting at 0): the code point of every
/// index up to the end of the last range mapped into the BMP, read with one load, as glibc
/// reads its four-byte codes. Finding the range through buckets and scanning it had cost
/// mixed-script text a tenth of its instructions, and building buckets up to the last range's
/// start (past a million) each process 1.7 M instructions at its first four-byte code. Indices
/// above are found by a search of the few ranges beyond (the supplementary planes).
struct DenseIndex {
    /// The ranges this index was built for.
    ranges: &'static [FourByteRange],
    /// The code point of each index below `code_points.len()`; 0 where none maps.
    code_points: Box<[u16]>,
    /// The first range that starts at or above `code_points.len()`.
    beyond: usize,
}

impl DenseIndex {
    fn new(ranges: &'static [FourByteRange]) -> DenseIndex {
        // The dense part ends with the last range that maps into the BMP before the first that
        // does not (an unmapped gap before that one is left to the search).
        let mut end = 0;
        for (range, next) in ranges.iter().zip(&ranges[1..]) {
            if range.cp == 0 {
                continue;
            }
            let last_cp = range.cp + (next.index - range.index).saturating_sub(1);
            if last_cp > 0xFFFF || next.index > DENSE_LIMIT {
                break;
            }
            end = next.index;
        }
        let mut code_points = vec![0u16; end as usize].into_boxed_slice();
        for (range, next) in ranges.iter().zip(&ranges[1..]) {
            if range.index >= end {
                break;
            }
            if range.cp != 0 {
                let span = &mut code_points[range.index as usize..next.index as usize];
                for (offset, slot) in (0u32..).zip(span.iter_mut()) {
                    // Within the BMP: checked above.
                    *slot = (range.cp + offset) as u16;
                }
            }
        }
        let beyond = ranges.partition_point(|r| r.index < end);
        DenseIndex {
            ranges,
            code_points,
            beyond,
        }
    }
}

/// The code point four-byte index `index` maps to under `ranges`, if any. Inlined into the hot
/// loops (a call for each code cost mixed-script text 3 % of its instructions): the dense part
/// here, the rest out of line.
#[inline(always)]
fn char_of_index(ranges: &'static [FourByteRange], index: u32) -> Option<u32> {
    static DENSE: std::sync::OnceLock<DenseIndex> = std::sync::OnceLock::new();
    let dense = DENSE.get_or_init(|| DenseIndex::new(ranges));
    if std::ptr::eq(dense.ranges, ranges)
        && let Some(&cp) = dense.code_points.get(index as usize)
    {
        return (cp != 0).then_some(u32::from(cp));
    }
    char_of_index_searched(ranges, dense, index)
}

/// [`char_of_index`] past the dense part, or for ranges it was not built for.
#[inline(never)]
fn char_of_index_searched(
    ranges: &'static [FourByteRange],
    dense: &DenseIndex,
    index: u32,
) -> Option<u32> {
    let searched = if std::ptr::eq(dense.ranges, ranges) {
        // The first range beyond starts where the dense part ends.
        &ranges[dense.beyond..]
    } else {
        ranges
    };
    let range = searched[searched.partition_point(|r| r.index <= index) - 1];
    (range.cp != 0).then(|| range.cp + (index - range.index))
}

impl CjkLookup {
    /// What the bytes at the start of `bytes` (at least one) are.
    fn sequence(&self, bytes: &[u8]) -> Sequence {
        let first = usize::from(bytes[0]);
        match self.table.first_row[first] {
            LEAD_INVALID => Sequence::Invalid { unit: 1 },
            LEAD_CHAR => Sequence::Chars {
                len: 1,
                first: u32::from(pool_entry(self.table.lead[first].base as usize / 3)),
                second: 0,
            },
            row => decode_sequence(self.table, ROWS[usize::from(row)], bytes),
        }
    }
}

impl<U: OutUnit> UnitStep<U> for MultibyteDecoder {
    const MAX_SEQUENCE: usize = MAX_SEQUENCE;
    const ROOM: usize = MAX_CHAR_UTF8;

    fn step(&mut self, window: &[u8], _at_end: bool, dst: &mut [U]) -> Unit {
        match self.lookup.sequence(window) {
            Sequence::Chars { len, first, second } => {
                let mut written = U::push_char(dst, first);
                if second != 0 {
                    written += U::push_char(&mut dst[written..], second);
                }
                Unit::Decoded { len, written }
            }
            Sequence::Invalid { unit } => Unit::Invalid { len: unit },
            Sequence::Incomplete => Unit::Incomplete,
        }
    }

    fn carry(&mut self) -> &mut Carry {
        &mut self.carry
    }
}

/// A hot loop over one block of input (see [`MultibyteDecoder::decode_units`]): decodes from
/// `block[read..]` into `dst[written..]` and returns the new `(read, written)`.
type FastRun<U> = fn(&MultibyteDecoder, &[u8], &mut [U], usize, usize) -> (usize, usize);

impl MultibyteDecoder {
    /// The decoding loop of both output forms: what is held, blocks through `fast` (which
    /// writes at most `per_byte` units per byte and stores at most four at a time), and the
    /// general step for what it leaves.
    #[inline(always)]
    fn decode_units<U: OutUnit>(
        &mut self,
        src: &[u8],
        dst: &mut [U],
        last: bool,
        per_byte: usize,
        fast: FastRun<U>,
    ) -> RawStep {
        let (mut read, mut written) = match kernel::drain(self, src, dst, last) {
            Drained::Done { read, written } => (read, written),
            Drained::Stop(step) => return step,
        };
        loop {
            let fits = kernel::block_len(dst.len() - written, per_byte, 4);
            let block = &src[..read + (src.len() - read).min(fits)];
            // The hot loop decodes a code only with a byte after it: with less than two bytes
            // it would only be set up to do nothing (calls of a byte or so, as an iconv(3)
            // output's last bytes are filled, spent more on that than on the byte).
            let before = read;
            if block.len() - read >= 2 {
                (read, written) = fast(self, block, dst, read, written);
            }
            if read == src.len() {
                return RawStep::input_empty(read, written);
            }
            if dst.len() - written < MAX_CHAR_UTF8 {
                return RawStep::output_full(read, written);
            }
            // A block the room cut short, gone through to its last code: the next block, from
            // the room left, goes on without the general step (near the end of the output the
            // blocks shrink at each round, and a step each would cost more than the codes).
            if block.len() < src.len()
                && read > before
                && read + 1 >= block.len()
                && kernel::block_len(dst.len() - written, per_byte, 4) >= 4
            {
                continue;
            }
            let end = (read + MAX_SEQUENCE).min(src.len());
            let unit = self.step(&src[read..end], last, &mut dst[written..]);
            (read, written) =
                match kernel::after_step::<U, _>(self, unit, src, (read, written), last) {
                    Ok(at) => at,
                    Err(step) => return step,
                };
        }
    }

    /// The UTF-8 hot loop over a block: every step starts with at least one byte of the block
    /// left, consumes at least one, writes at most the table's bytes per byte it consumes
    /// ([`DirectTable::utf8_per_byte`](direct::DirectTable::utf8_per_byte): two for most
    /// charsets, three where a single byte is a three-byte character, such as Shift_JIS's
    /// half-width katakana) and stores at most four (an ASCII word: eight for eight), so no step
    /// checks the room.
    fn fast_run_utf8(
        &self,
        block: &[u8],
        dst: &mut [u8],
        read: usize,
        written: usize,
    ) -> (usize, usize) {
        let lookup = &self.lookup;
        let (direct, ascii_identity) = (lookup.direct, lookup.table.ascii_identity);
        let four = lookup.table.four_byte.map(|(ranges, _)| ranges);
        let at = (read, written);
        let until = block.len().saturating_sub(1);
        // The four-byte path is a loop of its own (`FOUR`), so that the charsets without
        // four-byte codes keep their loop as it was.
        match (lookup.lead_floor, four) {
            (Some(floor), Some(ranges)) => {
                let (mut read, mut written) = at;
                loop {
                    (read, written) = fast_run_by_lead_bits::<true>(
                        direct,
                        ascii_identity,
                        four,
                        floor,
                        block,
                        dst,
                        (read, written),
                    );
                    // It stops at a GB18030 four-byte code found in a chunk of pairs (its
                    // first and third bytes look like leads, so that runs of such codes fill
                    // whole chunks): that code and any that follow it are decoded here, then
                    // chunks are tried again. Left to the general step, each cost several
                    // times what the code itself does. (Decoding only the first here left
                    // text of many such codes slower than glibc; looking for a second costs
                    // text where they come one at a time 0.4 % more instructions.)
                    let before = read;
                    while read < until
                        && let Some(c) = four_byte_char_at(ranges, block, read)
                    {
                        written += u8::push_char(&mut dst[written..], c);
                        read += 4;
                    }
                    if read == before {
                        break (read, written);
                    }
                }
            }
            (Some(floor), None) => {
                fast_run_by_lead_bits::<false>(direct, ascii_identity, four, floor, block, dst, at)
            }
            (None, Some(_)) => {
                fast_run::<u8, true>(direct, ascii_identity, four, block, dst, at, until)
            }
            (None, None) => {
                fast_run::<u8, false>(direct, ascii_identity, four, block, dst, at, until)
            }
        }
    }
}

impl RawDecoder for MultibyteDecoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let per_byte = self.lookup.direct.utf8_per_byte();
        self.decode_units(src, dst, last, per_byte, Self::fast_run_utf8)
    }

    fn decode_raw_utf16(&mut self, src: &[u8], dst: &mut [u16], last: bool) -> RawStep {
        self.decode_units(src, dst, last, 1, |decoder, block, dst, read, written| {
            let lookup = &decoder.lookup;
            let until = block.len().saturating_sub(1);
            let units = lookup.direct.unit_lookup();
            let (ascii_identity, at) = (lookup.table.ascii_identity, (read, written));
            match lookup.table.four_byte.map(|(ranges, _)| ranges) {
                four @ Some(_) => {
                    fast_run::<u16, true>(units, ascii_identity, four, block, dst, at, until)
                }
                None => fast_run::<u16, false>(units, ascii_identity, None, block, dst, at, until),
            }
        })
    }

    fn reset(&mut self) {
        self.carry.clear();
    }

    fn release_incomplete(&mut self) -> usize {
        self.carry.release()
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        // A single byte writes at most 3 bytes, a sequence of two or more at most 8; and the loop
        // asks for MAX_CHAR_UTF8 bytes of room before each character, whatever it writes.
        kernel::output_bound(src_len, self.carry.len(), 4)
    }

    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        if !self.carry.is_empty() {
            return (0, 0);
        }
        // A byte illegal by itself is one bad unit whatever follows (the generator asserts
        // that glibc drops such a byte alone).
        let first_row = &self.lookup.table.first_row;
        sweep_bad_bytes(src, max, |b| first_row[usize::from(b)] == LEAD_INVALID)
    }
}

mod direct;
mod utf16;

#[cfg(test)]
mod tests;
