//! Plain table-driven single-byte charsets: one byte, one character. One generic decoder serves
//! all of them (ASCII-based 8-bit sets, 7-bit ISO 646 variants, EBCDIC code pages).
//!
//! At construction the charset's `u16` table (two shared halves in the generated tables) is
//! expanded into 256 pre-encoded UTF-8 entries, shared by all decoders of the charset. Three loops
//! use them, with no branch on a byte's class and no allocation:
//! - on x86-64 CPUs with AVX-512 VBMI2 (detected at run time), 64 bytes a step: the entries are
//!   looked up one byte plane at a time in registers and packed by byte compression;
//! - else on x86-64 CPUs with AVX2, for ASCII-based charsets, 32 bytes a step: the upper half's
//!   entries looked up by byte shuffles over 16-byte slices, packed four at a time by a shuffle;
//! - everywhere else, 16 bytes a step: one load and one unconditional 4-byte store per byte,
//!   and runs of ASCII copied whole when the charset's lower half is ASCII.
//!
//! The helpers here ([`Utf8Table`], [`write_code_point`]) also serve the contextual single-byte
//! families.

use crate::charset::kernel::sweep_bad_bytes;
use crate::charset::{RawDecoder, RawStep};
use crate::tables::format::PlainTable;
use crate::tables::single_byte::{COMPOSING_COUNT, HALVES, ISO6937_COUNT, PLAIN_COUNT, UNMAPPED};
use std::sync::OnceLock;

/// A byte's character, pre-encoded: its UTF-8 bytes in the low three bytes (first byte lowest),
/// the UTF-8 length (1..=3) in bits 24..=25, and [`INVALID`] for a byte the charset leaves
/// undefined (length 0).
pub(crate) type Utf8Table = [u32; 256];

/// The entry of an undefined byte.
pub(crate) const INVALID: u32 = 1 << 31;

/// Bytes read per step of the fast loop.
const BLOCK: usize = 16;
/// Room the fast loop needs in `dst` for one block: every byte is written as a full 4-byte entry.
const BLOCK_ROOM: usize = BLOCK * 4;

/// The entry of one code point (BMP only: no single-byte charset leaves it).
pub(crate) const fn utf8_entry(cp: u16) -> u32 {
    let cp = cp as u32;
    if cp < 0x80 {
        cp | 1 << 24
    } else if cp < 0x800 {
        (0xC0 | cp >> 6) | (0x80 | (cp & 0x3F)) << 8 | 2 << 24
    } else {
        (0xE0 | cp >> 12) | (0x80 | (cp >> 6 & 0x3F)) << 8 | (0x80 | (cp & 0x3F)) << 16 | 3 << 24
    }
}

/// The UTF-8 length of an entry (0 for [`INVALID`]).
#[inline(always)]
pub(crate) fn entry_len(entry: u32) -> usize {
    (entry >> 24 & 3) as usize
}

/// How many charsets have a pre-encoded table: the plain ones, the composing ones, the ISO
/// 6937-style ones and TSCII.
const TABLE_COUNT: usize = PLAIN_COUNT + COMPOSING_COUNT + ISO6937_COUNT + 1;

/// Which pre-encoded table a charset uses, by its place among the generated tables.
#[derive(Clone, Copy)]
pub(crate) enum TableId {
    Plain(usize),
    Composing(usize),
    Iso6937(usize),
    Tscii,
}

impl TableId {
    fn slot(self) -> usize {
        match self {
            TableId::Plain(i) => i,
            TableId::Composing(i) => PLAIN_COUNT + i,
            TableId::Iso6937(i) => PLAIN_COUNT + COMPOSING_COUNT + i,
            TableId::Tscii => TABLE_COUNT - 1,
        }
    }
}

/// The pre-encoded table of a charset, built on first use and shared by all its decoders, so
/// that a decoder stays small and its construction cheap. Only the tables of charsets in use
/// take memory.
pub(crate) fn shared_utf8_table(id: TableId, halves: [u16; 2]) -> &'static Utf8Table {
    static TABLES: [OnceLock<Utf8Table>; TABLE_COUNT] = [const { OnceLock::new() }; TABLE_COUNT];
    TABLES[id.slot()].get_or_init(|| utf8_table(halves))
}

/// The code point of `byte` in the charset made of two halves of the generated tables.
#[inline]
pub(crate) fn code_point(halves: [u16; 2], byte: u8) -> u16 {
    HALVES[usize::from(halves[usize::from(byte >> 7)])][usize::from(byte & 0x7F)]
}

/// The pre-encoded table of a charset given by two halves of the generated tables.
fn utf8_table(halves: [u16; 2]) -> Utf8Table {
    let mut table = [INVALID; 256];
    for (byte, entry) in (0..=255u8).zip(table.iter_mut()) {
        let cp = code_point(halves, byte);
        if cp != UNMAPPED {
            *entry = utf8_entry(cp);
        }
    }
    table
}

/// Writes one code point's UTF-8 at the start of `dst`, if it fits; returns its length.
#[inline]
pub(crate) fn write_code_point(cp: u16, dst: &mut [u8]) -> Option<usize> {
    let entry = utf8_entry(cp);
    let len = entry_len(entry);
    dst.get_mut(..len)?
        .copy_from_slice(&entry.to_le_bytes()[..len]);
    Some(len)
}

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

/// The block loop with AVX-512 (VBMI and VBMI2), 64 bytes a step and no per-byte work in
/// scalar code: each byte of the entries is looked up for 64 input bytes at once in a 256-byte
/// plane held in four registers, the planes are interleaved back into 4-byte entries, and each
/// 16 entries are packed by one byte compression whose mask comes from their lengths. ASCII
/// bytes inside non-ASCII text cost the same as letters.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{SingleByteDecoder, Utf8Table, decode_steps};
    use std::arch::x86_64::{
        __m512i, _mm512_cmplt_epu8_mask, _mm512_loadu_si512, _mm512_mask_blend_epi8,
        _mm512_maskz_compress_epi8, _mm512_movepi8_mask, _mm512_permutex2var_epi8,
        _mm512_permutexvar_epi8, _mm512_shuffle_epi8, _mm512_storeu_si512, _mm512_unpackhi_epi8,
        _mm512_unpackhi_epi16, _mm512_unpacklo_epi8, _mm512_unpacklo_epi16,
    };

    /// Bytes read per step.
    pub(super) const STEP: usize = 64;
    /// Room one step needs in `dst`: up to 3 bytes per input byte, and the last of its four
    /// 64-byte stores starts at most 3 * 48 bytes in.
    pub(super) const STEP_ROOM: usize = 3 * 48 + 64;

    /// Whether this CPU can run the loop.
    #[inline]
    pub(super) fn supported() -> bool {
        std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512vbmi")
            && std::is_x86_feature_detected!("avx512vbmi2")
    }

    /// A charset's pre-encoded table split by byte: `0[k][b]` is byte `k` of the entry of byte
    /// `b` (bytes 0..=2 its UTF-8, byte 3 its length, 0x80 when undefined).
    #[repr(C, align(64))]
    pub(crate) struct Planes(pub(super) [[u8; 256]; 4]);

    impl Planes {
        pub(super) fn new(table: &Utf8Table) -> Planes {
            let mut planes = [[0; 256]; 4];
            for (byte, entry) in table.iter().enumerate() {
                for (plane, entry_byte) in planes.iter_mut().zip(entry.to_le_bytes()) {
                    plane[byte] = entry_byte;
                }
            }
            Planes(planes)
        }
    }

    /// One plane as four 64-entry quarters in registers.
    type Quarters = [__m512i; 4];

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn quarters(plane: &[u8; 256]) -> Quarters {
        std::array::from_fn(|quarter| {
            let quarter: &[u8; 64] = plane[64 * quarter..][..64].try_into().unwrap();
            // SAFETY: `quarter` is 64 readable bytes; the load is unaligned.
            unsafe { _mm512_loadu_si512(quarter.as_ptr().cast()) }
        })
    }

    /// Each byte of `bytes` looked up in a plane: the two 128-entry halves by one two-table
    /// permute each (index bits 0..=6), chosen between by bit 7.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn look_up(plane: &Quarters, bytes: __m512i) -> __m512i {
        let low = _mm512_permutex2var_epi8(plane[0], bytes, plane[1]);
        let high = _mm512_permutex2var_epi8(plane[2], bytes, plane[3]);
        _mm512_mask_blend_epi8(_mm512_movepi8_mask(bytes), low, high)
    }

    /// A 64-byte constant, each byte computed from its index `i` by the expression.
    macro_rules! pattern {
        (|$i:ident| $byte:expr) => {{
            let mut bytes = [0u8; 64];
            let mut $i = 0;
            while $i < 64 {
                bytes[$i] = ($byte) as u8;
                $i += 1;
            }
            bytes
        }};
    }

    /// The input order that makes the interleaves below yield entries in order: the unpacks
    /// work inside 16-byte lanes, so the k-th vector of entries takes, from each lane `j`, the
    /// entries at 4k..4k+4; placing input bytes 16k+4j.. there is a 4×4 transpose of 4-byte
    /// groups.
    static TRANSPOSE: [u8; 64] = pattern!(|i| 16 * (i / 4 % 4) + 4 * (i / 16) + i % 4);
    /// Spreads each entry's length byte (byte 3) over its four bytes.
    static LENGTH_BYTE: [u8; 64] = pattern!(|i| i % 16 / 4 * 4 + 3);
    /// Each byte's place in its entry.
    static PLACE: [u8; 64] = pattern!(|i| i % 4);

    /// Loads a 64-byte constant.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn load(bytes: &[u8; 64]) -> __m512i {
        // SAFETY: `bytes` is 64 readable bytes; the load is unaligned.
        unsafe { _mm512_loadu_si512(bytes.as_ptr().cast()) }
    }

    /// Decodes whole 64-byte steps while `dst` has room for one; stops before a step holding an
    /// undefined byte. Returns how much was read and written; the portable loop goes on from
    /// there.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2")]
    pub(super) fn decode_blocks(
        decoder: &SingleByteDecoder,
        src: &[u8],
        dst: &mut [u8],
    ) -> (usize, usize) {
        let (transpose, length_byte, place) = (load(&TRANSPOSE), load(&LENGTH_BYTE), load(&PLACE));
        let planes = &decoder.planes.0;
        let [first, second, third, length] = [0, 1, 2, 3].map(|k| quarters(&planes[k]));
        decode_steps(src, dst, |step: &[u8; STEP], out: &mut [u8; STEP_ROOM]| {
            let bytes = load(step);
            if decoder.ascii_lower_half && _mm512_movepi8_mask(bytes) == 0 {
                out[..STEP].copy_from_slice(step);
                return Some(STEP);
            }
            let bytes = _mm512_permutexvar_epi8(transpose, bytes);
            let lengths = look_up(&length, bytes);
            if _mm512_movepi8_mask(lengths) != 0 {
                return None;
            }
            let (first, second, third) = (
                look_up(&first, bytes),
                look_up(&second, bytes),
                look_up(&third, bytes),
            );
            let (front_low, front_high) = (
                _mm512_unpacklo_epi8(first, second),
                _mm512_unpackhi_epi8(first, second),
            );
            let (back_low, back_high) = (
                _mm512_unpacklo_epi8(third, lengths),
                _mm512_unpackhi_epi8(third, lengths),
            );
            let mut at = 0;
            for entries in [
                _mm512_unpacklo_epi16(front_low, back_low),
                _mm512_unpackhi_epi16(front_low, back_low),
                _mm512_unpacklo_epi16(front_high, back_high),
                _mm512_unpackhi_epi16(front_high, back_high),
            ] {
                let keep = _mm512_cmplt_epu8_mask(place, _mm512_shuffle_epi8(entries, length_byte));
                let packed = _mm512_maskz_compress_epi8(keep, entries);
                // `at` is at most 3 * 48 (16 entries take at most 48 bytes), so the clamp never
                // bites; it keeps the 64-byte store visibly inside `out`.
                let at_clamped = at.min(STEP_ROOM - 64);
                let slot: &mut [u8; 64] =
                    (&mut out[at_clamped..at_clamped + 64]).try_into().unwrap();
                // SAFETY: `slot` is 64 writable bytes; the store is unaligned.
                unsafe { _mm512_storeu_si512(slot.as_mut_ptr().cast(), packed) };
                at += keep.count_ones() as usize;
            }
            Some(at)
        })
    }
}

/// The block loop with AVX2, 32 bytes a step, for ASCII-based charsets whose upper half never
/// maps to U+0000 (see [`SingleByteDecoder::avx2_eligible`]): the bytes of the upper half's
/// entries are looked up by byte shuffles over eight 16-byte slices of the planes, an entry's
/// length follows from its first UTF-8 byte, and each four entries are packed by one byte
/// shuffle chosen by their lengths. Used where the AVX-512 loop is not available.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{SingleByteDecoder, decode_steps};
    use std::arch::x86_64::{
        __m128i, __m256i, _mm_loadu_si128, _mm_shuffle_epi8, _mm_storeu_si128, _mm256_adds_epu8,
        _mm256_blendv_epi8, _mm256_broadcastsi128_si256, _mm256_castsi256_si128, _mm256_cmpeq_epi8,
        _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16,
        _mm256_max_epu8, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
        _mm256_set1_epi16, _mm256_set1_epi32, _mm256_setzero_si256, _mm256_shuffle_epi8,
        _mm256_storeu_si256, _mm256_sub_epi8, _mm256_unpackhi_epi8, _mm256_unpackhi_epi16,
        _mm256_unpacklo_epi8, _mm256_unpacklo_epi16,
    };

    /// Bytes read per step.
    pub(super) const STEP: usize = 32;
    /// Room one step needs in `dst`: eight groups of four entries take at most 12 bytes each,
    /// and the last group's 16-byte store starts at most 7 * 12 bytes in.
    const STEP_ROOM: usize = 7 * 12 + 16;

    /// For four entries whose UTF-8 lengths are `l0..l3` (key `l0 | l1 << 2 | l2 << 4 |
    /// l3 << 6`), the byte shuffle that packs their UTF-8 bytes together, first entry first.
    static PACK: [[u8; 16]; 256] = {
        let mut shuffles = [[0x80; 16]; 256];
        let mut key = 0;
        while key < 256 {
            let (mut at, mut entry) = (0, 0);
            while entry < 4 {
                let mut i = 0;
                while i < key >> (2 * entry) & 3 {
                    shuffles[key][at] = (4 * entry + i) as u8;
                    at += 1;
                    i += 1;
                }
                entry += 1;
            }
            key += 1;
        }
        shuffles
    };

    /// Loads 16 bytes into both lanes.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn both_lanes(bytes: &[u8]) -> __m256i {
        let bytes: &[u8; 16] = bytes[..16].try_into().unwrap();
        // SAFETY: `bytes` is 16 readable bytes; the load is unaligned.
        _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) })
    }

    /// Decodes whole 32-byte steps while `dst` has room for one; stops before a step holding an
    /// undefined byte. `decoder` must be eligible. Returns how much was read and written; the
    /// portable loop goes on from there.
    #[target_feature(enable = "avx2")]
    pub(super) fn decode_blocks(
        decoder: &SingleByteDecoder,
        src: &[u8],
        dst: &mut [u8],
    ) -> (usize, usize) {
        debug_assert!(decoder.avx2_eligible);
        // Per slice of the upper half (0x80 + 16 * slice .. + 16), bytes 0..=2 of its entries,
        // in both lanes.
        let slices: [[__m256i; 3]; 8] = std::array::from_fn(|slice| {
            std::array::from_fn(|k| both_lanes(&decoder.planes.0[k][0x80 + 16 * slice..]))
        });
        let key_weights = _mm256_set1_epi32(0x40_10_04_01);
        let (ones, word_ones) = (_mm256_set1_epi8(1), _mm256_set1_epi16(1));
        let (two_byte_lead, three_byte_lead) = (
            _mm256_set1_epi8(0xC0u8 as i8),
            _mm256_set1_epi8(0xE0u8 as i8),
        );
        decode_steps(src, dst, |step: &[u8; STEP], out: &mut [u8; STEP_ROOM]| {
            // SAFETY: `step` is 32 readable bytes; the load is unaligned.
            let bytes = unsafe { _mm256_loadu_si256(step.as_ptr().cast()) };
            let upper = _mm256_movemask_epi8(bytes);
            if upper == 0 {
                out[..STEP].copy_from_slice(step);
                return Some(STEP);
            }
            // A byte of slice s becomes 0x70..=0x7F (its entry's index in the slice); any other
            // byte saturates to 0x80 or more, which the shuffle turns into 0.
            let mut looked_up = [_mm256_setzero_si256(); 3];
            for (slice, planes) in slices.iter().enumerate() {
                let start = _mm256_set1_epi8((0x80 + 16 * slice) as u8 as i8);
                let index = _mm256_adds_epu8(_mm256_sub_epi8(bytes, start), _mm256_set1_epi8(0x70));
                for (looked_up, plane) in looked_up.iter_mut().zip(planes) {
                    *looked_up = _mm256_or_si256(*looked_up, _mm256_shuffle_epi8(*plane, index));
                }
            }
            // An undefined upper byte has a zero first byte (no upper byte maps to U+0000).
            let zero_first = _mm256_cmpeq_epi8(looked_up[0], _mm256_setzero_si256());
            if _mm256_movemask_epi8(zero_first) & upper != 0 {
                return None;
            }
            let first = _mm256_blendv_epi8(bytes, looked_up[0], bytes);
            let at_least = |lead| _mm256_cmpeq_epi8(_mm256_max_epu8(first, lead), first);
            // 1, minus -1 for a lead byte of two or three bytes, minus -1 again for three.
            let lengths = _mm256_sub_epi8(
                _mm256_sub_epi8(ones, at_least(two_byte_lead)),
                at_least(three_byte_lead),
            );
            let mut keys = [0u32; 8];
            let mut totals = [0u32; 8];
            let group_sum =
                |weights| _mm256_madd_epi16(_mm256_maddubs_epi16(lengths, weights), word_ones);
            // SAFETY: each array is 32 writable bytes; the stores are unaligned.
            unsafe {
                _mm256_storeu_si256(keys.as_mut_ptr().cast(), group_sum(key_weights));
                _mm256_storeu_si256(totals.as_mut_ptr().cast(), group_sum(ones));
            }
            let (front_low, front_high) = (
                _mm256_unpacklo_epi8(first, looked_up[1]),
                _mm256_unpackhi_epi8(first, looked_up[1]),
            );
            let (back_low, back_high) = (
                _mm256_unpacklo_epi8(looked_up[2], lengths),
                _mm256_unpackhi_epi8(looked_up[2], lengths),
            );
            // Entries 4k..4k+4 of each 16-byte lane.
            let entries = [
                _mm256_unpacklo_epi16(front_low, back_low),
                _mm256_unpackhi_epi16(front_low, back_low),
                _mm256_unpacklo_epi16(front_high, back_high),
                _mm256_unpackhi_epi16(front_high, back_high),
            ];
            let groups: [__m128i; 8] = [
                _mm256_castsi256_si128(entries[0]),
                _mm256_castsi256_si128(entries[1]),
                _mm256_castsi256_si128(entries[2]),
                _mm256_castsi256_si128(entries[3]),
                _mm256_extracti128_si256::<1>(entries[0]),
                _mm256_extracti128_si256::<1>(entries[1]),
                _mm256_extracti128_si256::<1>(entries[2]),
                _mm256_extracti128_si256::<1>(entries[3]),
            ];
            let mut at = 0;
            for ((group, key), total) in groups.into_iter().zip(keys).zip(totals) {
                let shuffle = &PACK[(key & 0xFF) as usize];
                // SAFETY: `shuffle` is 16 readable bytes; the load is unaligned.
                let shuffle = unsafe { _mm_loadu_si128(shuffle.as_ptr().cast()) };
                // `at` is at most 7 * 12, so the clamp never bites; it keeps the 16-byte store
                // visibly inside `out`.
                let at_clamped = at.min(STEP_ROOM - 16);
                let slot: &mut [u8; 16] =
                    (&mut out[at_clamped..at_clamped + 16]).try_into().unwrap();
                // SAFETY: `slot` is 16 writable bytes; the store is unaligned.
                unsafe {
                    _mm_storeu_si128(slot.as_mut_ptr().cast(), _mm_shuffle_epi8(group, shuffle))
                };
                at += total as usize;
            }
            Some(at)
        })
    }
}

/// The decoder of every plain single-byte charset.
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
                let Some(out) = dst.get_mut(written..written + len) else {
                    return RawStep::output_full(read, written);
                };
                out.copy_from_slice(&entry.to_le_bytes()[..len]);
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
mod tests {
    use super::*;
    use crate::charset::{RawStatus, kind_of};
    use crate::tables::format::DecoderKind;

    fn new_decoder(name: &str) -> Option<SingleByteDecoder> {
        match kind_of(name)? {
            DecoderKind::SingleByte(table) => Some(SingleByteDecoder::new(table)),
            _ => None,
        }
    }

    fn decode_all(name: &str, src: &[u8], room: usize) -> (Vec<u8>, Vec<usize>) {
        let mut decoder = new_decoder(name).unwrap();
        let (mut out, mut errors, mut read) = (Vec::new(), Vec::new(), 0);
        let mut dst = vec![0u8; room];
        loop {
            let step = decoder.decode_raw(&src[read..], &mut dst, true);
            out.extend_from_slice(&dst[..step.written]);
            read += step.read;
            match step.status {
                RawStatus::InputEmpty => return (out, errors),
                RawStatus::OutputFull => assert!(step.read > 0 || step.written > 0 || room < 3),
                RawStatus::Malformed { len, .. } => {
                    assert_eq!(len, 1);
                    errors.push(read - 1);
                }
            }
        }
    }

    /// The UTF-8 of `src` decoded one byte at a time, or `None` if it holds an undefined byte.
    fn reference(table: &Utf8Table, src: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for &byte in src {
            let entry = table[usize::from(byte)];
            let len = entry_len(entry);
            if len == 0 {
                return None;
            }
            out.extend_from_slice(&entry.to_le_bytes()[..len]);
        }
        Some(out)
    }

    /// Text in a charset for exercising the block loops: runs of random defined bytes, ASCII
    /// runs (long enough to fill whole 64-byte steps), and repeats of one byte, so every group
    /// of four sees every mix of lengths.
    fn sample_text(table: &Utf8Table, seed: u64, len: usize) -> Vec<u8> {
        let defined: Vec<u8> = (0..=255u8)
            .filter(|&b| table[usize::from(b)] != INVALID)
            .collect();
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut text = Vec::with_capacity(len);
        while text.len() < len {
            let run = (next() % 40) as usize + 1;
            match next() % 4 {
                0 => text.extend((0..3 * run).map(|_| b' ' + (next() % 90) as u8)),
                1 => text.extend(std::iter::repeat_n(
                    defined[(next() % defined.len() as u64) as usize],
                    run,
                )),
                _ => {
                    text.extend((0..run).map(|_| defined[(next() % defined.len() as u64) as usize]))
                }
            }
        }
        text.truncate(len);
        text
    }

    type BlockLoop = fn(&SingleByteDecoder, &[u8], &mut [u8]) -> (usize, usize);

    /// Checks one block loop on `src` into `room` bytes: whole blocks only, output equal to the
    /// byte-at-a-time decoding, and a stop only where the loop must stop.
    fn check_block_loop(
        decoder: &SingleByteDecoder,
        name: &str,
        decode_blocks: BlockLoop,
        src: &[u8],
        room: usize,
    ) {
        let mut dst = vec![0u8; room];
        let (read, written) = decode_blocks(decoder, src, &mut dst);
        assert_eq!(read % BLOCK, 0, "{name}");
        assert_eq!(
            Some(&dst[..written]),
            reference(decoder.table, &src[..read]).as_deref(),
            "{name}"
        );
        let rest = &src[read..];
        let must_stop = rest.len() < BLOCK
            || room - written < BLOCK_ROOM
            || reference(decoder.table, &rest[..BLOCK]).is_none();
        assert!(must_stop, "{name}: stopped early at {read}");
    }

    /// Every block loop this machine can run, by name.
    fn block_loops() -> Vec<(&'static str, BlockLoop)> {
        let mut loops: Vec<(&'static str, BlockLoop)> =
            vec![("portable", SingleByteDecoder::decode_blocks_portable)];
        #[cfg(target_arch = "x86_64")]
        if avx512::supported() {
            fn avx512_loop(
                decoder: &SingleByteDecoder,
                src: &[u8],
                dst: &mut [u8],
            ) -> (usize, usize) {
                // SAFETY: only listed when the CPU supports the loop's target features.
                let done = unsafe { avx512::decode_blocks(decoder, src, dst) };
                decoder.finish_portably(src, dst, done)
            }
            loops.push(("avx512", avx512_loop));
        }
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            fn avx2_loop(
                decoder: &SingleByteDecoder,
                src: &[u8],
                dst: &mut [u8],
            ) -> (usize, usize) {
                if !decoder.avx2_eligible {
                    return decoder.decode_blocks_portable(src, dst);
                }
                // SAFETY: only listed when the CPU supports AVX2.
                let done = unsafe { avx2::decode_blocks(decoder, src, dst) };
                decoder.finish_portably(src, dst, done)
            }
            loops.push(("avx2", avx2_loop));
        }
        loops
    }

    #[test]
    #[cfg_attr(miri, ignore = "every charset byte by byte: hours under Miri")]
    fn block_loops_match_byte_at_a_time_for_every_charset() {
        for (kind, decode_blocks) in block_loops() {
            let plain = crate::Charset::all().filter(|c| c.family() == crate::Family::SingleByte);
            for (i, name) in plain.map(|c| c.name()).enumerate() {
                let decoder = new_decoder(name).unwrap();
                let table = decoder.table;
                let mut text = sample_text(table, i as u64 + 1, 700);
                for room in [0, 63, 64, 200, 207, 208, 209, 300, 3 * 700 + BLOCK_ROOM] {
                    check_block_loop(
                        &decoder,
                        &format!("{kind} {name} room {room}"),
                        decode_blocks,
                        &text,
                        room,
                    );
                }
                // An undefined byte stops the loop before its block, wherever it stands.
                if let Some(undefined) = (0..=255u8).find(|&b| table[usize::from(b)] == INVALID) {
                    for at in [0, 15, 16, 63, 64, 100, 333, 640, 699] {
                        let kept = text[at];
                        text[at] = undefined;
                        check_block_loop(
                            &decoder,
                            &format!("{kind} {name} undefined at {at}"),
                            decode_blocks,
                            &text,
                            4096,
                        );
                        text[at] = kept;
                    }
                }
            }
        }
    }

    #[test]
    fn entries_encode_utf8() {
        for cp in [0x41u16, 0x7F, 0x80, 0x7FF, 0x800, 0x20AC, 0xFFFD] {
            let mut buf = [0u8; 4];
            let expected = char::from_u32(u32::from(cp)).unwrap().encode_utf8(&mut buf);
            let entry = utf8_entry(cp);
            assert_eq!(
                &entry.to_le_bytes()[..entry_len(entry)],
                expected.as_bytes()
            );
        }
    }

    #[test]
    fn cp1251_and_cp1252_decode_and_reject() {
        let russian = "Съешь же ещё этих мягких французских булок, да выпей чаю.";
        let mut cp1251: Vec<u8> = Vec::new();
        for c in russian.chars() {
            let b = match c {
                'А'..='я' => (u32::from(c) - 0x410 + 0xC0) as u8,
                'ё' => 0xB8,
                c => c as u8,
            };
            cp1251.push(b);
        }
        for room in [3, 5, 16, 64, 1000] {
            assert_eq!(decode_all("CP1251", &cp1251, room).0, russian.as_bytes());
        }
        // 0x81 is undefined in CP1252 (glibc), reported where it stands, decoding goes on after.
        let src = b"0123456789abcdef\x80ghij\x81klmnopqrstuvwxyz0123456789";
        let (out, errors) = decode_all("CP1252", src, 1000);
        assert_eq!(errors, [21]);
        assert_eq!(
            out,
            "0123456789abcdef€ghijklmnopqrstuvwxyz0123456789".as_bytes()
        );
    }

    #[test]
    fn ebcdic_has_no_ascii_fast_path() {
        let decoder = new_decoder("IBM037").unwrap();
        assert!(!decoder.ascii_lower_half);
        assert!(new_decoder("ISO-8859-5").unwrap().ascii_lower_half);
        assert_eq!(
            decode_all("IBM037", b"\xC8\x85\x93\x93\x96", 16).0,
            b"Hello"
        );
        assert!(new_decoder("NO-SUCH").is_none());
    }
}
