//! The ISO-2022 fast path: decodes text in one pass, segment by segment.
//!
//! A segment is a stretch of bytes between control bytes: ASCII in the ASCII set, pairs in
//! `21..=7E` in a 94×94 set. A window of 16 bytes is classified at once (SSE2 compares and a
//! movemask, or a portable loop) to find where the segment ends; its ASCII is then copied a
//! window at a time, or its pairs are decoded straight through the EUC twin's lookup
//! ([`CjkLookup::mapped_utf8`]) by a loop that tests nothing but the lookup's answer (a
//! long run of pairs by an out-of-line loop that takes them from 64-bit words). The byte that
//! ends a segment is taken in place when it is a shift (SO, SI, an ISO-2022-JP designation,
//! ISO-2022-CN's SO designation) or a control byte ISO-2022-JP passes through in any set, and
//! so is the space between two words of a set (Korean text). Anything else ends the fast path:
//! the general path then decodes that unit (errors, other escapes, pairs the lookup does not
//! map, such as JIS X 0213's two-code-point cells, and the sets without a two-byte twin form:
//! JIS X 0201, JIS X 0212 and JIS X 0213 plane 2 behind EUC's `8F`, ISO-IR-165).
//!
//! Output room is checked once per block of input whose output surely fits, so that the loops
//! store without bounds checks.

use super::{ESC, Iso2022Decoder, Set, Variant, shifted_out_set, so_designation};
use crate::charset::kernel::{MAX_CHAR_UTF8, block_len, put};
use crate::charset::multibyte::CjkLookup;

/// `ESC ( B`, ISO-2022-JP's designation of ASCII, as the low bytes of a little-endian word.
const TO_ASCII: u32 = u32::from_le_bytes([ESC, b'(', b'B', 0]);
/// Bytes classified at once.
const WINDOW: usize = 16;
/// Room kept beyond a block's output bound: a whole window of ASCII is stored at once.
const SLACK: usize = WINDOW;
/// Output room below which the fast path leaves the rest to the general path.
const MIN_ROOM: usize = 2 * SLACK;

/// The 16 bytes of `src` from `at`, padded past its end with `80`, which ends every segment.
#[inline(always)]
fn window_at(src: &[u8], at: usize) -> [u8; WINDOW] {
    match src.get(at..at + WINDOW) {
        Some(bytes) => bytes.try_into().unwrap(),
        None => {
            // Only near the input's end: its copy is a call, whose clobbered registers the hot
            // loops' values would otherwise stay out of.
            cold_path();
            let mut window = [0x80; WINDOW];
            let rest = &src[at..];
            window[..rest.len()].copy_from_slice(rest);
            window
        }
    }
}

/// Marks the branch that calls it as rarely taken (`core::hint::cold_path`, which is newer
/// than the crate's minimum Rust version).
#[cold]
#[inline(never)]
fn cold_path() {}

/// Whether `b` ends an ASCII segment: a byte from `80` on, ESC, SO and SI where they shift
/// (`SHIFTS`: ISO-2022-KR and -CN) and 7F where it is illegal (`DEL`: ISO-2022-CN;
/// ISO-2022-CN-EXT and -KR take it as text).
#[inline(always)]
fn ends_ascii<const SHIFTS: bool, const DEL: bool>(b: u8) -> bool {
    b >= 0x80 || b == ESC || SHIFTS && (b == super::SO || b == super::SI) || DEL && b == 0x7F
}

/// Bit `i` set when `window[i]` ends an ASCII segment (see `ends_ascii`).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn ascii_stop_mask<const SHIFTS: bool, const DEL: bool>(window: &[u8; WINDOW]) -> u32 {
    use core::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: the build enables SSE2 (part of x86_64), and the load reads the window's 16
    // bytes.
    unsafe {
        let v = _mm_loadu_si128(window.as_ptr().cast());
        let mut hits = _mm_cmpeq_epi8(v, _mm_set1_epi8(ESC as i8));
        if SHIFTS {
            // SO and SI are 0E and 0F: both are 0F with the low bit set.
            let low_set = _mm_or_si128(v, _mm_set1_epi8(1));
            hits = _mm_or_si128(
                hits,
                _mm_cmpeq_epi8(low_set, _mm_set1_epi8(super::SI as i8)),
            );
        }
        if DEL {
            hits = _mm_or_si128(hits, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
        }
        // The movemask takes each byte's high bit: the bytes from 80 on, and the hits.
        _mm_movemask_epi8(_mm_or_si128(v, hits)) as u32
    }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn ascii_stop_mask<const SHIFTS: bool, const DEL: bool>(window: &[u8; WINDOW]) -> u32 {
    mask_of(window, ends_ascii::<SHIFTS, DEL>)
}

/// Bit `i` set when `window[i]` ends a segment of pairs (is outside `21..=7E`).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn pair_stop_mask(window: &[u8; WINDOW]) -> u32 {
    use core::arch::x86_64::{
        _mm_and_si128, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
        _mm_set1_epi8,
    };
    // SAFETY: the build enables SSE2 (part of x86_64), and the load reads the window's 16
    // bytes.
    unsafe {
        let v = _mm_loadu_si128(window.as_ptr().cast());
        // Signed compares: the bytes from 80 on are negative, below 21.
        let inside = _mm_and_si128(
            _mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)),
            _mm_cmplt_epi8(v, _mm_set1_epi8(0x7F)),
        );
        !(_mm_movemask_epi8(inside) as u32) & 0xFFFF
    }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn pair_stop_mask(window: &[u8; WINDOW]) -> u32 {
    mask_of(window, |b| !(0x21..=0x7E).contains(&b))
}

#[cfg(any(not(all(target_arch = "x86_64", target_feature = "sse2")), test))]
fn mask_of(window: &[u8; WINDOW], stops: impl Fn(u8) -> bool) -> u32 {
    window
        .iter()
        .enumerate()
        .fold(0, |mask, (i, &b)| mask | u32::from(stops(b)) << i)
}

/// How many bytes from the start of a window precede the first one its stop mask marks.
#[inline(always)]
fn leading(stop_mask: u32) -> usize {
    (stop_mask | 1 << WINDOW).trailing_zeros() as usize
}

/// The end of a block that starts at `read` with `written` bytes of output written: as far as
/// its output surely fits with `SLACK` bytes to spare (see [`put`]). `None` when `dst` has too
/// little room left for a block.
#[inline(always)]
fn block_end(src: &[u8], dst: &[u8], read: usize, written: usize) -> Option<usize> {
    let room = dst.len() - written;
    // Every byte writes at most two bytes of UTF-8 (a pair at most four); a store is at most
    // `SLACK` bytes and may be made at the block's end, with no byte left: one byte fewer than
    // a block whose stores all have a byte left.
    (read < src.len() && room >= MIN_ROOM)
        .then(|| read + (src.len() - read).min(block_len(room, 2, SLACK) - 1))
}

/// Copies the ASCII segment at `src[read..]`, up to the first byte that ends it (see
/// `ends_ascii`) or `end`, to `dst[written..]`, a window at a time; returns the new
/// `(read, written)`.
#[inline(always)]
fn copy_ascii<const SHIFTS: bool, const DEL: bool>(
    src: &[u8],
    dst: &mut [u8],
    (mut read, mut written): (usize, usize),
    end: usize,
) -> (usize, usize) {
    debug_assert!(read <= end);
    loop {
        let window = window_at(src, read);
        // What follows the segment's end is overwritten or beyond what is counted written.
        put(dst, written, window);
        let n = leading(ascii_stop_mask::<SHIFTS, DEL>(&window)).min(end - read);
        (read, written) = (read + n, written + n);
        if n < WINDOW || read == end {
            return (read, written);
        }
    }
}

/// Decodes the pairs at `src[read..]` through `twin`, up to the first byte outside `21..=7E`,
/// `end`, or a pair the lookup does not map; returns the new `(read, written)` and whether no
/// pair went unmapped.
#[inline(always)]
fn decode_pairs(
    twin: &CjkLookup,
    src: &[u8],
    dst: &mut [u8],
    (mut read, mut written): (usize, usize),
    end: usize,
) -> (usize, usize, bool) {
    debug_assert!(read <= end);
    loop {
        let n = leading(pair_stop_mask(&window_at(src, read))).min(end - read);
        if n == WINDOW {
            // A long segment (Japanese or Chinese text, rather than a Korean word).
            let mapped;
            (read, written, mapped) = decode_pair_windows(src, end, twin, dst, (read, written));
            if !mapped {
                return (read, written, false);
            }
            continue;
        }
        let pairs_end = read + (n & !1);
        while read < pairs_end {
            // SAFETY: `read + 1 < pairs_end <= end <= src.len()`.
            let (lead, trail) = unsafe { (*src.get_unchecked(read), *src.get_unchecked(read + 1)) };
            let Some((utf8, len)) = twin.mapped_utf8(lead | 0x80, trail | 0x80) else {
                return (read, written, false);
            };
            put(dst, written, utf8);
            (read, written) = (read + 2, written + len);
        }
        // The segment ends inside this window (or at `end`): its pairs are all decoded.
        return (read, written, true);
    }
}

/// [`Iso2022Decoder::run_in_small_room`] in the ASCII set: copies the segment at `src[read..]`
/// a byte at a time while a character may start at `written` (up to `last_start`).
fn ascii_in_small_room<const SHIFTS: bool, const DEL: bool>(
    src: &[u8],
    dst: &mut [u8],
    (mut read, mut written): (usize, usize),
    last_start: usize,
) -> (usize, usize) {
    while let Some(&b) = src.get(read)
        && written <= last_start
        && !ends_ascii::<SHIFTS, DEL>(b)
    {
        dst[written] = b;
        (read, written) = (read + 1, written + 1);
    }
    (read, written)
}

/// Where [`ascii_until_shift_out`] stopped.
enum AsciiEnd {
    /// After an SO it consumed.
    ShiftOut,
    /// At an ESC, inside the block.
    Escape,
    /// Where the fast path ends (another byte, or no room for another block).
    Other,
}

/// The ASCII side of [`Iso2022Decoder::fast_run_shifting`]: copies ASCII segments, block after
/// block, taking SIs, and SO when `can_shift_out`.
#[inline(always)]
fn ascii_until_shift_out<const DEL: bool>(
    src: &[u8],
    dst: &mut [u8],
    at: &mut (usize, usize),
    end: &mut usize,
    can_shift_out: bool,
) -> AsciiEnd {
    loop {
        // The space between two Korean words: one printable byte, then the next word's SO.
        if can_shift_out
            && let Some(&[b, super::SO]) = src.get(at.0..at.0 + 2)
            && b.wrapping_sub(b' ') < 0x5F
            && at.0 + 2 <= *end
        {
            put(dst, at.1, [b]);
            *at = (at.0 + 2, at.1 + 1);
            return AsciiEnd::ShiftOut;
        }
        *at = copy_ascii::<true, DEL>(src, dst, *at, *end);
        if at.0 == *end {
            match block_end(src, dst, at.0, at.1) {
                Some(next) => *end = next,
                None => return AsciiEnd::Other,
            }
            continue;
        }
        match src[at.0] {
            super::SO if can_shift_out => {
                at.0 += 1;
                return AsciiEnd::ShiftOut;
            }
            super::SI => at.0 += 1,
            ESC => return AsciiEnd::Escape,
            _ => return AsciiEnd::Other,
        }
    }
}

/// The pair side of [`Iso2022Decoder::fast_run_shifting`]: decodes pair segments through
/// `twin`, block after block, taking SOs; returns true after an SI it consumed, false where
/// the fast path ends.
#[inline(always)]
fn pairs_until_shift_in(
    twin: &CjkLookup,
    src: &[u8],
    dst: &mut [u8],
    at: &mut (usize, usize),
    end: &mut usize,
) -> bool {
    loop {
        let (read, written, mapped) = decode_pairs(twin, src, dst, *at, *end);
        *at = (read, written);
        if !mapped {
            return false;
        }
        if read == *end || read + 1 == *end && *end < src.len() {
            // The block's end, or a pair it cuts: the next block goes on.
            match block_end(src, dst, read, written) {
                Some(next) => *end = next,
                None => return false,
            }
            continue;
        }
        if let Some(&[super::SI, b, super::SO]) = src.get(read..read + 3)
            && b.wrapping_sub(b' ') < 0x5F
            && read + 3 <= *end
        {
            // The space between two Korean words: shifted out again at once.
            put(dst, written, [b]);
            *at = (read + 3, written + 1);
            continue;
        }
        match src.get(read) {
            Some(&super::SI) => {
                at.0 += 1;
                return true;
            }
            Some(&super::SO) => at.0 += 1,
            _ => return false,
        }
    }
}

/// Whether all eight bytes of `word` are in `21..=7E`.
#[inline(always)]
fn all_in_94(word: u64) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    // With no high bit set no addition carries into the next byte: adding 5F sets the high bit
    // of the bytes from 21 on, adding 1 that of 7F.
    word & HIGH == 0
        && word.wrapping_add(0x5F * ONES) & HIGH == HIGH
        && word.wrapping_add(ONES) & HIGH == 0
}

/// [`decode_pairs`] for long segments: decodes eight pairs (two 64-bit words) at a time while
/// the next sixteen bytes are all pairs and inside the block. Out of line, so that this loop has
/// the registers to itself; unrolled, so that it tests only what the lookup answers.
#[inline(never)]
fn decode_pair_windows(
    src: &[u8],
    end: usize,
    twin: &CjkLookup,
    dst: &mut [u8],
    (mut read, mut written): (usize, usize),
) -> (usize, usize, bool) {
    while let Some(window) = src.get(read..read + WINDOW)
        && read + WINDOW <= end
    {
        // The pairs are taken from two words, registers, rather than loaded again.
        let (low, high) = window.split_at(8);
        let words = [
            u64::from_le_bytes(low.try_into().unwrap()),
            u64::from_le_bytes(high.try_into().unwrap()),
        ];
        if !all_in_94(words[0]) || !all_in_94(words[1]) {
            break;
        }
        for word in words {
            for pair in 0..4 {
                let [lead, trail] = ((word >> (16 * pair)) as u16).to_le_bytes();
                let Some((utf8, len)) = twin.mapped_utf8(lead | 0x80, trail | 0x80) else {
                    return (read, written, false);
                };
                put(dst, written, utf8);
                (read, written) = (read + 2, written + len);
            }
        }
    }
    (read, written, true)
}

impl Iso2022Decoder {
    /// The twin whose two-byte codes, with the high bits set, are `set`'s pairs; `None` for
    /// the ASCII set and the sets the fast path leaves to the general one.
    #[inline(always)]
    pub(super) fn pair_twin(&self, set: Set) -> Option<&CjkLookup> {
        match set {
            Set::Jis0208 => self.twins.euc_jp.as_ref(),
            Set::Jis0213Plane1 => self.twins.euc_jisx0213.as_ref(),
            Set::Gb2312 => self.twins.euc_cn.as_ref(),
            Set::Ksc5601 => self.twins.euc_kr.as_ref(),
            Set::Cns1 => self.twins.euc_tw.as_ref(),
            _ => None,
        }
    }

    /// Decodes from the start of `src` while the input is ASCII, pairs the twin's lookup maps,
    /// shifts, ISO-2022-JP's designations and control bytes, and `dst` has room for a block.
    /// Returns `(read, written)`, `(0, 0)` when it could not start; the set is the one after
    /// the bytes read. Called only when no dropped unit is pending (`drop_next == 0`).
    pub(super) fn fast_run(&mut self, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        let at = match self.variant {
            Variant::Jp | Variant::Jp2 | Variant::Jp3 => self.fast_run_jp(src, dst),
            Variant::Kr | Variant::CnExt => self.fast_run_shifting::<false>(src, dst),
            Variant::Cn => self.fast_run_shifting::<true>(src, dst),
        };
        if dst.len() - at.1 < MIN_ROOM {
            self.run_in_small_room(src, dst, at)
        } else {
            at
        }
    }

    /// Goes on from `at` where the output has too little room left for a block: the current
    /// set's segment, a pair or an ASCII byte at a time, while the room is what the general
    /// path asks for before a character ([`MAX_CHAR_UTF8`]), so that both stop at the same
    /// place. Without it the last characters before a full output (most of them when an
    /// iconv(3) caller's output is 100 bytes) went through the general path, at several times
    /// the cost. Stops at any other byte, which the general path takes.
    #[inline(never)]
    fn run_in_small_room(
        &self,
        src: &[u8],
        dst: &mut [u8],
        mut at: (usize, usize),
    ) -> (usize, usize) {
        // The last place where a character may start.
        let Some(last_start) = dst.len().checked_sub(MAX_CHAR_UTF8) else {
            return at;
        };
        match self.set {
            // The ASCII segment's ends as the variant's blocks take them (see `fast_run`).
            Set::Ascii => match self.variant {
                Variant::Jp | Variant::Jp2 | Variant::Jp3 => {
                    ascii_in_small_room::<false, false>(src, dst, at, last_start)
                }
                Variant::Kr | Variant::CnExt => {
                    ascii_in_small_room::<true, false>(src, dst, at, last_start)
                }
                Variant::Cn => ascii_in_small_room::<true, true>(src, dst, at, last_start),
            },
            set => {
                let Some(twin) = self.pair_twin(set) else {
                    return at;
                };
                while let Some(&[lead, trail]) = src.get(at.0..at.0 + 2)
                    && at.1 <= last_start
                    && (0x21..=0x7E).contains(&lead)
                    && (0x21..=0x7E).contains(&trail)
                    && let Some((utf8, len)) = twin.mapped_utf8(lead | 0x80, trail | 0x80)
                {
                    // Outside a block, but `at.1 <= last_start` leaves the store's 4 bytes
                    // room (`put`'s debug assertion checks it in the tests' debug builds).
                    put(dst, at.1, utf8);
                    at = (at.0 + 2, at.1 + len);
                }
                at
            }
        }
    }

    /// [`Self::fast_run`] for ISO-2022-KR and -CN, which shift with SO and SI between ASCII
    /// and one set (designations change it through the general path); `DEL`: 7F is illegal.
    /// Korean text shifts around nearly every word, so the state is where the code is: the
    /// ASCII loop hands over to the pair loop at an SO, and back at an SI.
    fn fast_run_shifting<const DEL: bool>(&mut self, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        let mut so = self.so;
        let mut shifted_set = shifted_out_set(self.variant, so);
        let mut twin = shifted_set.and_then(|set| self.pair_twin(set));
        let mut in_pairs = match self.set {
            Set::Ascii => false,
            set if twin.is_some() && Some(set) == shifted_set => true,
            _ => return (0, 0),
        };
        let Some(mut end) = block_end(src, dst, 0, 0) else {
            return (0, 0);
        };
        let mut at = (0, 0);
        let ends_shifted = loop {
            if !in_pairs {
                match ascii_until_shift_out::<DEL>(src, dst, &mut at, &mut end, twin.is_some()) {
                    AsciiEnd::ShiftOut => {}
                    AsciiEnd::Escape => {
                        // ISO-2022-CN designates its SO set at the start of every line.
                        let Some(designation) = so_designation(self.variant, &src[at.0..]) else {
                            break false;
                        };
                        so = designation;
                        shifted_set = shifted_out_set(self.variant, so);
                        twin = shifted_set.and_then(|set| self.pair_twin(set));
                        at.0 += 4;
                        if at.0 >= end {
                            match block_end(src, dst, at.0, at.1) {
                                Some(next) => end = next,
                                None => break false,
                            }
                        }
                        continue;
                    }
                    AsciiEnd::Other => break false,
                }
            }
            in_pairs = false;
            match twin {
                Some(twin) if pairs_until_shift_in(twin, src, dst, &mut at, &mut end) => {}
                _ => break true,
            }
        };
        self.set = match shifted_set {
            Some(set) if ends_shifted => set,
            _ => Set::Ascii,
        };
        self.so = so;
        at
    }

    /// [`Self::fast_run`] for ISO-2022-JP, -JP-2 and -JP-3, whose designations switch sets and
    /// which take control bytes as they are in any set.
    fn fast_run_jp(&mut self, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        let mut set = self.set;
        // The twin of the current set's pairs; `None` in the ASCII set.
        let mut pairs = match set {
            Set::Ascii => None,
            _ => match self.pair_twin(set) {
                Some(twin) => Some(twin),
                None => return (0, 0),
            },
        };
        // The last designation of a set with pairs: its bytes (as a little-endian word, under
        // the mask of its length), length, set and twin.
        let mut recent = None;
        let mut at = (0, 0);
        'blocks: while let Some(end) = block_end(src, dst, at.0, at.1) {
            while at.0 < end {
                if let Some(twin) = pairs {
                    let (read, written, mapped) = decode_pairs(twin, src, dst, at, end);
                    at = (read, written);
                    if !mapped {
                        break 'blocks;
                    }
                    if read + 1 >= end && end < src.len() {
                        // The block's end, or a pair it cuts: the next block goes on.
                        break;
                    }
                } else if let Some(&[b, ESC]) = src.get(at.0..at.0 + 2)
                    && b.wrapping_sub(b' ') < 0x5F
                    && at.0 + 2 <= end
                {
                    // The space between two words of another set (Korean in ISO-2022-JP-2).
                    put(dst, at.1, [b]);
                    at = (at.0 + 1, at.1 + 1);
                } else {
                    at = copy_ascii::<false, false>(src, dst, at, end);
                    if at.0 == end {
                        break;
                    }
                }
                // The byte that ended the segment.
                let Some(&b) = src.get(at.0) else {
                    break 'blocks;
                };
                if b == ESC {
                    // Text designates back and forth between ASCII and one set (a Korean
                    // word in ISO-2022-JP-2, say): those two are told by one compare each.
                    let word = src
                        .get(at.0..at.0 + 4)
                        .map(|four| u32::from_le_bytes(four.try_into().unwrap()));
                    if let Some(word) = word {
                        if word & 0xFF_FFFF == TO_ASCII {
                            if let (Some(_), Some((designation, mask, len, target, _))) =
                                (pairs, recent)
                                && target == set
                                && let Some(&[b, ref next @ ..]) = src.get(at.0 + 3..at.0 + 8)
                                && b.wrapping_sub(b' ') < 0x5F
                                && u32::from_le_bytes(next.try_into().unwrap()) & mask
                                    == designation
                                && at.0 + 4 + len <= end
                            {
                                // The space between two words of the set: designated again
                                // at once.
                                put(dst, at.1, [b]);
                                at = (at.0 + 4 + len, at.1 + 1);
                                continue;
                            }
                            (set, pairs, at.0) = (Set::Ascii, None, at.0 + 3);
                            continue;
                        }
                        if let Some((designation, mask, len, target, twin)) = recent
                            && word & mask == designation
                        {
                            (set, pairs, at.0) = (target, Some(twin), at.0 + len);
                            continue;
                        }
                    }
                    let Some((target, len)) = self.jp_designation(&src[at.0..]) else {
                        break 'blocks;
                    };
                    (set, at.0) = (target, at.0 + len);
                    pairs = match target {
                        Set::Ascii => None,
                        // A set the general path decodes: it goes on from here.
                        _ => match self.pair_twin(target) {
                            Some(twin) => Some(twin),
                            None => break 'blocks,
                        },
                    };
                    if let (Some(word), Some(twin)) = (word, pairs) {
                        let mask = if len == 3 { 0xFF_FFFF } else { u32::MAX };
                        recent = Some((word & mask, mask, len, target, twin));
                    }
                } else if pairs.is_some() && (b < 0x21 || b == 0x7F) {
                    put(dst, at.1, [b]);
                    at = (at.0 + 1, at.1 + 1);
                } else {
                    break 'blocks;
                }
            }
        }
        self.set = set;
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`ascii_stop_mask`] against [`ends_ascii`] byte by byte, for one variant family.
    fn check_ascii_stops<const SHIFTS: bool, const DEL: bool>() {
        // Under Miri, which interprets the SSE2 compares, every byte at a few positions.
        for b in 0..=255u8 {
            for at in (0..WINDOW).step_by(if cfg!(miri) { 5 } else { 1 }) {
                let mut window = *b"ab ~!\t\n012345678";
                window[at] = b;
                assert_eq!(
                    ascii_stop_mask::<SHIFTS, DEL>(&window),
                    mask_of(&window, ends_ascii::<SHIFTS, DEL>),
                    "{SHIFTS} {DEL}: {b:02X} at {at}"
                );
            }
        }
    }

    #[test]
    fn the_stop_masks_mark_the_bytes_that_end_a_segment() {
        check_ascii_stops::<false, false>();
        check_ascii_stops::<true, false>();
        check_ascii_stops::<true, true>();
        assert!(ends_ascii::<true, true>(0x7F) && !ends_ascii::<true, false>(0x7F));
        assert!(ends_ascii::<true, false>(0x0E) && !ends_ascii::<false, false>(0x0E));
        for b in 0..=255u8 {
            for at in 0..WINDOW {
                let mut pairs = [b'!'; WINDOW];
                pairs[at] = b;
                let expected = u32::from(!(0x21..=0x7E).contains(&b)) << at;
                assert_eq!(pair_stop_mask(&pairs), expected, "{b:02X} at {at}");
            }
        }
    }

    #[test]
    fn a_word_is_all_in_94_only_when_every_byte_is() {
        assert!(all_in_94(u64::from_le_bytes(*b"!~0~!!zA")));
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = *b"!~0~!!zA";
                bytes[at] = b;
                let expected = (0x21..=0x7E).contains(&b);
                assert_eq!(
                    all_in_94(u64::from_le_bytes(bytes)),
                    expected,
                    "{b:02X} at {at}"
                );
            }
        }
    }

    #[test]
    fn a_window_past_the_end_is_padded_with_a_stop() {
        let window = window_at(b"abc", 1);
        assert_eq!(&window[..2], b"bc");
        assert!(window[2..].iter().all(|&b| b == 0x80));
        assert_eq!(leading(ascii_stop_mask::<true, true>(&window)), 2);
    }
}
