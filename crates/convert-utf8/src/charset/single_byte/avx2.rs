//! The block loop with AVX2, 32 bytes a step, for ASCII-based charsets whose upper half never
//! maps to U+0000 (see [`SingleByteDecoder::avx2_eligible`]): the bytes of the upper half's
//! entries are looked up by byte shuffles over eight 16-byte slices of the planes, an entry's
//! length follows from its first UTF-8 byte, and each four entries are packed by one byte
//! shuffle chosen by their lengths. Used where the AVX-512 loop is not available.

use super::{SingleByteDecoder, decode_steps};
use std::arch::x86_64::{
    __m128i, __m256i, _mm_loadu_si128, _mm_shuffle_epi8, _mm_storeu_si128, _mm256_adds_epu8,
    _mm256_blendv_epi8, _mm256_broadcastsi128_si256, _mm256_castsi256_si128, _mm256_cmpeq_epi8,
    _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16,
    _mm256_max_epu8, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8, _mm256_set1_epi16,
    _mm256_set1_epi32, _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_storeu_si256,
    _mm256_sub_epi8, _mm256_unpackhi_epi8, _mm256_unpackhi_epi16, _mm256_unpacklo_epi8,
    _mm256_unpacklo_epi16,
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
            let slot: &mut [u8; 16] = (&mut out[at_clamped..at_clamped + 16]).try_into().unwrap();
            // SAFETY: `slot` is 16 writable bytes; the store is unaligned.
            unsafe { _mm_storeu_si128(slot.as_mut_ptr().cast(), _mm_shuffle_epi8(group, shuffle)) };
            at += total as usize;
        }
        Some(at)
    })
}
