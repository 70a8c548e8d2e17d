//! The block loop with AVX-512 (VBMI and VBMI2), 64 bytes a step and no per-byte work in
//! scalar code: each byte of the entries is looked up for 64 input bytes at once in a 256-byte
//! plane held in four registers, the planes are interleaved back into 4-byte entries, and each
//! 16 entries are packed by one byte compression whose mask comes from their lengths. ASCII
//! bytes inside non-ASCII text cost the same as letters.

use super::{SingleByteDecoder, Utf8Table, decode_steps};
use std::arch::x86_64::{
    __m512i, _mm512_cmplt_epu8_mask, _mm512_loadu_si512, _mm512_mask_blend_epi8,
    _mm512_mask_storeu_epi8, _mm512_maskz_compress_epi8, _mm512_maskz_loadu_epi8,
    _mm512_maskz_mov_epi8, _mm512_movepi8_mask, _mm512_movm_epi8, _mm512_permutex2var_epi8,
    _mm512_permutexvar_epi8, _mm512_shuffle_epi8, _mm512_store_si512, _mm512_storeu_si512,
    _mm512_unpackhi_epi8, _mm512_unpackhi_epi16, _mm512_unpacklo_epi8, _mm512_unpacklo_epi16,
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
        // Every such CPU has it; without it the lengths of each step's four groups were
        // counted in a dozen instructions each, in the chain from one store to the next.
        && std::is_x86_feature_detected!("popcnt")
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

/// Copies the all-ASCII start of `src` to `dst`, 64 bytes a step, and returns how many bytes
/// that was (0, or from 64 on, a multiple of 64 bytes after `dst`'s first 64-byte boundary).
/// After one unaligned step the stores are aligned to 64 bytes: a store split across two cache
/// lines (as every one is from a buffer that starts 16 bytes into a page) costs about a sixth
/// of the speed of copying ASCII. The same step without its test, set-up and bounds checks of
/// the table loop, this brings ASCII level with `memcpy` (`docs/benchmarks/peers.md`).
#[target_feature(enable = "avx512f,avx512bw")]
fn copy_ascii_run(src: &[u8], dst: &mut [u8]) -> usize {
    let n = src.len().min(dst.len());
    if n < STEP {
        return 0;
    }
    // SAFETY: 64 bytes are readable in `src` and writable in `dst` (`n >= 64`); the load and
    // the store are unaligned.
    unsafe {
        let bytes = _mm512_loadu_si512(src.as_ptr().cast());
        if _mm512_movepi8_mask(bytes) != 0 {
            return 0;
        }
        _mm512_storeu_si512(dst.as_mut_ptr().cast(), bytes);
    }
    // The first boundary after `dst`'s start, within the 64 bytes just copied.
    let mut done = match dst.as_ptr().align_offset(STEP) {
        0 => STEP,
        offset => offset,
    };
    while done + STEP <= n {
        // SAFETY: 64 bytes from `done` are in both slices, and `dst + done` is 64-byte
        // aligned: `done` starts at `dst`'s first boundary and grows by 64.
        unsafe {
            let bytes = _mm512_loadu_si512(src.as_ptr().add(done).cast());
            if _mm512_movepi8_mask(bytes) != 0 {
                break;
            }
            _mm512_store_si512(dst.as_mut_ptr().add(done).cast(), bytes);
        }
        done += STEP;
    }
    done
}

/// Decodes whole 64-byte steps while `dst` has room for one; stops before a step holding an
/// undefined byte. Returns how much was read and written; the portable loop goes on from
/// there. An ASCII start (all of an ASCII input) goes through [`copy_ascii_run`] first, and
/// the last part step of the input, where `dst` has room for a whole one, through the same
/// step with its missing bytes masked off.
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt")]
pub(super) fn decode_blocks(
    decoder: &SingleByteDecoder,
    src: &[u8],
    dst: &mut [u8],
) -> (usize, usize) {
    let ascii = if decoder.ascii_lower_half {
        copy_ascii_run(src, dst)
    } else {
        0
    };
    let (read, written) = decode_table_steps(decoder, &src[ascii..], &mut dst[ascii..]);
    (ascii + read, ascii + written)
}

/// The constants and the charset's planes in registers, loaded once per call.
struct Step {
    transpose: __m512i,
    length_byte: __m512i,
    place: __m512i,
    first: Quarters,
    second: Quarters,
    third: Quarters,
    length: Quarters,
    ascii_lower_half: bool,
}

impl Step {
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn new(decoder: &SingleByteDecoder) -> Step {
        let planes = &decoder.planes.0;
        let [first, second, third, length] = [0, 1, 2, 3].map(|k| quarters(&planes[k]));
        Step {
            transpose: load(&TRANSPOSE),
            length_byte: load(&LENGTH_BYTE),
            place: load(&PLACE),
            first,
            second,
            third,
            length,
            ascii_lower_half: decoder.ascii_lower_half,
        }
    }

    /// Decodes the input bytes of `bytes` that `valid` marks (bit `i` for byte `i`: all of
    /// them, or the first few, the others zero) into `out`; `None` if one is undefined.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt")]
    fn decode(&self, bytes: __m512i, valid: u64, out: &mut [u8; STEP_ROOM]) -> Option<usize> {
        if self.ascii_lower_half && _mm512_movepi8_mask(bytes) == 0 {
            // SAFETY: `out` is at least 64 writable bytes; the store is unaligned.
            unsafe { _mm512_mask_storeu_epi8(out.as_mut_ptr().cast(), valid, bytes) };
            return Some(valid.count_ones() as usize);
        }
        let bytes = _mm512_permutexvar_epi8(self.transpose, bytes);
        let mut lengths = look_up(&self.length, bytes);
        if valid != u64::MAX {
            // The entries of missing bytes get length 0: nothing of them is kept.
            let valid = _mm512_permutexvar_epi8(self.transpose, _mm512_movm_epi8(valid));
            lengths = _mm512_maskz_mov_epi8(_mm512_movepi8_mask(valid), lengths);
        }
        if _mm512_movepi8_mask(lengths) != 0 {
            return None;
        }
        let (first, second, third) = (
            look_up(&self.first, bytes),
            look_up(&self.second, bytes),
            look_up(&self.third, bytes),
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
            let keep =
                _mm512_cmplt_epu8_mask(self.place, _mm512_shuffle_epi8(entries, self.length_byte));
            let packed = _mm512_maskz_compress_epi8(keep, entries);
            // `at` is at most 3 * 48 (16 entries take at most 48 bytes), so the clamp never
            // bites; it keeps the 64-byte store visibly inside `out`.
            let at_clamped = at.min(STEP_ROOM - 64);
            let slot: &mut [u8; 64] = (&mut out[at_clamped..at_clamped + 64]).try_into().unwrap();
            // SAFETY: `slot` is 64 writable bytes; the store is unaligned.
            unsafe { _mm512_storeu_si512(slot.as_mut_ptr().cast(), packed) };
            at += keep.count_ones() as usize;
        }
        Some(at)
    }
}

/// [`decode_blocks`] after the ASCII start: the table's steps, then the input's last part
/// step as a masked one (a short row would otherwise end byte by byte, which on rows of a
/// few hundred bytes cost as much as their whole steps).
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt")]
fn decode_table_steps(decoder: &SingleByteDecoder, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
    let step = Step::new(decoder);
    let (read, written) =
        decode_steps(src, dst, |input: &[u8; STEP], out: &mut [u8; STEP_ROOM]| {
            step.decode(load(input), u64::MAX, out)
        });
    let rest = src.len() - read;
    // Fewer than a step left means the steps stopped at the end of the input, not at an
    // undefined byte or for room.
    if rest == 0 || rest >= STEP {
        return (read, written);
    }
    let Some(out) = dst.get_mut(written..written + STEP_ROOM) else {
        return (read, written);
    };
    let valid = (1u64 << rest) - 1;
    // SAFETY: the load reads only the bytes `valid` marks, the `rest` bytes left in `src`
    // (masked-off bytes are not accessed and read as zero); it is unaligned.
    let bytes = unsafe { _mm512_maskz_loadu_epi8(valid, src[read..].as_ptr().cast()) };
    match step.decode(bytes, valid, out.try_into().unwrap()) {
        Some(len) => (src.len(), written + len),
        None => (read, written),
    }
}
