//! Vectorised UTF-16 → UTF-8 for the stretches that make up nearly all real text: blocks of 8
//! units (16 with AVX2) none of which is a surrogate. It follows simdutf's conversion (Lemire and
//! Keiser, "Unicode at gigabytes per second"): a block of ASCII is narrowed in one step; a block
//! below U+0800 has every unit spread to its two-byte form, and one byte shuffle, chosen by
//! which units are ASCII, packs the block; any other block of the BMP has every unit spread to
//! four bytes holding all the bytes its form could need, and one shuffle per four units, chosen
//! by their lengths, packs them.
//!
//! Only well-formed blocks are converted here. Any block holding a surrogate, paired or not, and
//! the last units before the end of `src` or of the room in `dst`, are left to the scalar loop
//! of [`super::fixed_width::Utf16Units`], which goes on at the exact unit where this stopped: what is an
//! error, where it is and how a cut unit is held stay the scalar loop's alone. Miri interprets
//! the vector path too (its unit tests, sized down, run under `scripts/sanitize.sh miri`).

/// Converts the whole blocks at the start of `src` (16-bit units, big-endian if `BIG`) that hold
/// no surrogate, while `dst` has room for a block's stores; returns the bytes read (a multiple
/// of 16) and written. Converts nothing on a CPU without SSSE3.
#[inline]
pub(super) fn convert_bmp_blocks<const BIG: bool>(src: &[u8], dst: &mut [u8]) -> (usize, usize) {
    #[cfg(target_arch = "x86_64")]
    if src.len() >= x86::BLOCK {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { x86::convert_avx2::<BIG>(src, dst) };
        }
        if std::is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU supports SSSE3, checked just above.
            return unsafe { x86::convert_ssse3::<BIG>(src, dst) };
        }
    }
    let _ = (src, dst);
    (0, 0)
}

/// The shuffle tables, computed at compile time from the layout the kernels spread units to.
#[cfg(target_arch = "x86_64")]
mod tables {
    /// For 8 units spread to two bytes each (`[continuation, lead]` for a two-byte unit, the
    /// unit itself in the first byte for ASCII), keyed by which units are ASCII (bit `k` for
    /// unit `k`): the shuffle that packs their UTF-8 bytes, first unit first.
    pub(super) static PACK_1_2: [[u8; 16]; 256] = {
        let mut shuffles = [[0x80; 16]; 256];
        let mut key = 0;
        while key < 256 {
            let (mut at, mut unit) = (0, 0);
            while unit < 8 {
                if key >> unit & 1 == 1 {
                    shuffles[key][at] = 2 * unit as u8;
                    at += 1;
                } else {
                    shuffles[key][at] = 2 * unit as u8 + 1;
                    shuffles[key][at + 1] = 2 * unit as u8;
                    at += 2;
                }
                unit += 1;
            }
            key += 1;
        }
        shuffles
    };

    /// For 4 units spread to four bytes each (`[ASCII byte, last continuation, three-byte lead,
    /// two-byte lead or middle continuation]`), keyed by two bits per unit (bit `2k` set if unit
    /// `k` is ASCII, bit `2k + 1` if it is below U+0800): the shuffle that packs their UTF-8
    /// bytes, first unit first. Such a key has `12 - popcount` bytes of output.
    pub(super) static PACK_1_2_3: [[u8; 16]; 256] = {
        let mut shuffles = [[0x80; 16]; 256];
        let mut key = 0;
        while key < 256 {
            let (mut at, mut unit) = (0, 0);
            while unit < 4 {
                let base = 4 * unit as u8;
                match key >> (2 * unit) & 3 {
                    0b11 => {
                        shuffles[key][at] = base;
                        at += 1;
                    }
                    0b10 => {
                        shuffles[key][at] = base + 3;
                        shuffles[key][at + 1] = base + 1;
                        at += 2;
                    }
                    // 0b01 (ASCII but not below U+0800) never occurs.
                    _ => {
                        shuffles[key][at] = base + 2;
                        shuffles[key][at + 1] = base + 3;
                        shuffles[key][at + 2] = base + 1;
                        at += 3;
                    }
                }
                unit += 1;
            }
            key += 1;
        }
        shuffles
    };
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::tables::{PACK_1_2, PACK_1_2_3};
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi16, _mm_loadu_si128,
        _mm_maddubs_epi16, _mm_movemask_epi8, _mm_or_si128, _mm_packs_epi16, _mm_packus_epi16,
        _mm_set1_epi16, _mm_setr_epi8, _mm_setzero_si128, _mm_shuffle_epi8, _mm_slli_epi16,
        _mm_srli_epi16, _mm_storel_epi64, _mm_storeu_si128, _mm_unpackhi_epi16, _mm_unpacklo_epi16,
        _mm_xor_si128, _mm256_and_si256, _mm256_castsi256_si128, _mm256_cmpeq_epi16,
        _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi16,
        _mm256_setr_epi8, _mm256_shuffle_epi8, _mm256_testz_si256,
    };

    /// Bytes of input in an SSSE3 block (8 units).
    pub(super) const BLOCK: usize = 16;
    /// Room an SSSE3 block needs in `dst`: its second 16-byte store starts at most 12 bytes in.
    const BLOCK_ROOM: usize = 12 + 16;
    /// Bytes of input in an AVX2 block (16 units).
    const WIDE_BLOCK: usize = 32;
    /// Room an AVX2 block needs in `dst`: its second half starts at most 24 bytes in and needs
    /// the room of an SSSE3 block.
    const WIDE_BLOCK_ROOM: usize = 24 + BLOCK_ROOM;

    /// Stores 16 bytes at `dst[at..]`.
    #[inline]
    #[target_feature(enable = "ssse3")]
    fn store(dst: &mut [u8], at: usize, bytes: __m128i) {
        let slot: &mut [u8; 16] = (&mut dst[at..at + 16]).try_into().unwrap();
        // SAFETY: `slot` is 16 writable bytes; the store is unaligned.
        unsafe { _mm_storeu_si128(slot.as_mut_ptr().cast(), bytes) };
    }

    /// Loads a 16-byte shuffle.
    #[inline]
    #[target_feature(enable = "ssse3")]
    fn shuffle(row: &[u8; 16]) -> __m128i {
        // SAFETY: `row` is 16 readable bytes; the load is unaligned.
        unsafe { _mm_loadu_si128(row.as_ptr().cast()) }
    }

    /// The SSSE3 loop: one block of 8 units a step.
    #[target_feature(enable = "ssse3")]
    pub(super) fn convert_ssse3<const BIG: bool>(src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        let byte_swap = _mm_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
        let (mut read, mut written) = (0, 0);
        while src.len() - read >= BLOCK && dst.len() - written >= BLOCK_ROOM {
            let block: &[u8; BLOCK] = src[read..read + BLOCK].try_into().unwrap();
            // SAFETY: `block` is 16 readable bytes; the load is unaligned.
            let mut units = unsafe { _mm_loadu_si128(block.as_ptr().cast()) };
            if BIG {
                units = _mm_shuffle_epi8(units, byte_swap);
            }
            let out = &mut dst[written..written + BLOCK_ROOM];
            let Some(len) = convert_block(units, out) else {
                break;
            };
            read += BLOCK;
            written += len;
        }
        (read, written)
    }

    /// Converts 8 units into the start of `out`; returns the UTF-8 length, or `None` (writing
    /// nothing) if one of them is a surrogate.
    #[inline]
    #[target_feature(enable = "ssse3")]
    fn convert_block(units: __m128i, out: &mut [u8]) -> Option<usize> {
        let top5 = _mm_and_si128(units, _mm_set1_epi16(0xF800u16 as i16));
        if _mm_movemask_epi8(_mm_cmpeq_epi16(top5, _mm_set1_epi16(0xD800u16 as i16))) != 0 {
            return None;
        }
        Some(convert_surrogate_free_block(units, out))
    }

    /// Converts 8 units, none of them a surrogate, into the start of `out`; returns the UTF-8
    /// length.
    #[inline]
    #[target_feature(enable = "ssse3")]
    fn convert_surrogate_free_block(units: __m128i, out: &mut [u8]) -> usize {
        let zero = _mm_setzero_si128();
        let top5 = _mm_and_si128(units, _mm_set1_epi16(0xF800u16 as i16));
        let ascii = _mm_cmpeq_epi16(_mm_and_si128(units, _mm_set1_epi16(-0x80)), zero);
        let ascii_bits = _mm_movemask_epi8(ascii) as u32;
        if ascii_bits == 0xFFFF {
            let slot: &mut [u8; 8] = (&mut out[..8]).try_into().unwrap();
            // SAFETY: `slot` is 8 writable bytes; the store is unaligned.
            unsafe { _mm_storel_epi64(slot.as_mut_ptr().cast(), _mm_packus_epi16(units, units)) };
            return 8;
        }
        let below_800 = _mm_cmpeq_epi16(top5, zero);
        let below_800_bits = _mm_movemask_epi8(below_800) as u32;
        if below_800_bits == 0xFFFF {
            // [0000 0aaa aabb bbbb] → [110a aaaa 10bb bbbb], ASCII units kept as they are.
            let two_byte = _mm_or_si128(
                _mm_or_si128(
                    _mm_and_si128(_mm_slli_epi16::<2>(units), _mm_set1_epi16(0x1F00)),
                    _mm_and_si128(units, _mm_set1_epi16(0x003F)),
                ),
                _mm_set1_epi16(0xC080u16 as i16),
            );
            let spread = _mm_or_si128(
                _mm_and_si128(ascii, units),
                _mm_andnot_si128(ascii, two_byte),
            );
            let key = _mm_movemask_epi8(_mm_packs_epi16(ascii, zero)) as usize;
            store(out, 0, _mm_shuffle_epi8(spread, shuffle(&PACK_1_2[key])));
            return 16 - key.count_ones() as usize;
        }
        let (first, second) = spread_to_four_bytes(units, below_800);
        let key = (ascii_bits & 0x5555) | (below_800_bits & 0xAAAA);
        let (first_key, second_key) = (key as u8, (key >> 8) as u8);
        store(
            out,
            0,
            _mm_shuffle_epi8(first, shuffle(&PACK_1_2_3[usize::from(first_key)])),
        );
        let at = 12 - first_key.count_ones() as usize;
        store(
            out,
            at,
            _mm_shuffle_epi8(second, shuffle(&PACK_1_2_3[usize::from(second_key)])),
        );
        at + 12 - second_key.count_ones() as usize
    }

    /// Spreads each of 8 units of the BMP, `[aaaa bbbb bbcc cccc]`, to four bytes (units 0..4 in
    /// the first vector, 4..8 in the second): `[0ccc cccc]` (the unit itself if ASCII),
    /// `[10cc cccc]`, `[1110 aaaa]`, and `[110b bbbb]` for a unit below U+0800 (whose `aaaa` is
    /// zero) or `[10bb bbbb]` otherwise. `below_800` marks the units below U+0800.
    #[inline]
    #[target_feature(enable = "ssse3")]
    fn spread_to_four_bytes(units: __m128i, below_800: __m128i) -> (__m128i, __m128i) {
        let low_byte_twice = _mm_setr_epi8(0, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14);
        // [0ccc cccc] [10cc cccc]
        let low = _mm_or_si128(
            _mm_and_si128(
                _mm_shuffle_epi8(units, low_byte_twice),
                _mm_set1_epi16(0b0011_1111_0111_1111),
            ),
            _mm_set1_epi16(0x8000u16 as i16),
        );
        // [0000 aaaa bbbb bb00], then bytes times 0x40 and 1 summed: [00bb bbbb 0000 aaaa].
        let shifted = _mm_and_si128(
            _mm_srli_epi16::<4>(units),
            _mm_set1_epi16(0b0000_1111_1111_1100),
        );
        let high = _mm_maddubs_epi16(shifted, _mm_set1_epi16(0x0140));
        // [11bb bbbb 1110 aaaa], and the top 11 made 10 where the unit needs three bytes.
        let high = _mm_xor_si128(
            _mm_or_si128(high, _mm_set1_epi16(0b1100_0000_1110_0000u16 as i16)),
            _mm_andnot_si128(below_800, _mm_set1_epi16(0b0100_0000_0000_0000)),
        );
        (_mm_unpacklo_epi16(low, high), _mm_unpackhi_epi16(low, high))
    }

    /// The AVX2 loop: one block of 16 units a step, checked for surrogates and ASCII at once,
    /// converted as two blocks of 8 otherwise; the SSSE3 loop takes what is left.
    #[target_feature(enable = "avx2")]
    pub(super) fn convert_avx2<const BIG: bool>(src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        let byte_swap = _mm256_setr_epi8(
            1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11,
            10, 13, 12, 15, 14,
        );
        let (mut read, mut written) = (0, 0);
        while src.len() - read >= WIDE_BLOCK && dst.len() - written >= WIDE_BLOCK_ROOM {
            let block: &[u8; WIDE_BLOCK] = src[read..read + WIDE_BLOCK].try_into().unwrap();
            // SAFETY: `block` is 32 readable bytes; the load is unaligned.
            let mut units = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
            if BIG {
                units = _mm256_shuffle_epi8(units, byte_swap);
            }
            let top5 = _mm256_and_si256(units, _mm256_set1_epi16(0xF800u16 as i16));
            let surrogates = _mm256_cmpeq_epi16(top5, _mm256_set1_epi16(0xD800u16 as i16));
            if _mm256_movemask_epi8(surrogates) != 0 {
                break;
            }
            let (low, high) = (
                _mm256_castsi256_si128(units),
                _mm256_extracti128_si256::<1>(units),
            );
            let out = &mut dst[written..written + WIDE_BLOCK_ROOM];
            let above_ascii = _mm256_and_si256(units, _mm256_set1_epi16(-0x80));
            let len = if _mm256_testz_si256(above_ascii, above_ascii) == 1 {
                store(out, 0, _mm_packus_epi16(low, high));
                16
            } else {
                let low_len = convert_surrogate_free_block(low, out);
                low_len + convert_surrogate_free_block(high, &mut out[low_len..])
            };
            read += WIDE_BLOCK;
            written += len;
        }
        let (tail_read, tail_written) = convert_ssse3::<BIG>(&src[read..], &mut dst[written..]);
        (read + tail_read, written + tail_written)
    }
}

/// Each vector loop against a plain conversion of the same units: what it converts must be
/// exactly that conversion, and it must stop exactly where a block holds a surrogate or the
/// input or room runs short.
#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::x86;

    /// Units of every kind a block can meet: ASCII (NUL and DEL too), two-byte, three-byte at
    /// both edges of the surrogates and of the BMP, and high and low surrogates.
    const KINDS: [u16; 15] = [
        0x0000, 0x0041, 0x007F, 0x0080, 0x03B1, 0x07FF, 0x0800, 0x4E2D, 0xD7FF, 0xD800, 0xDBFF,
        0xDC00, 0xDFFF, 0xE000, 0xFFFF,
    ];

    type Loop = fn(&[u8], &mut [u8]) -> (usize, usize);

    /// The loops this CPU can run, with the byte order each reads.
    fn loops() -> Vec<(&'static str, bool, Loop)> {
        let mut loops: Vec<(&'static str, bool, Loop)> = Vec::new();
        if std::is_x86_feature_detected!("ssse3") {
            // SAFETY (all four): the CPU supports SSSE3, checked just above.
            loops.push(("ssse3 LE", false, |s, d| unsafe {
                x86::convert_ssse3::<false>(s, d)
            }));
            loops.push(("ssse3 BE", true, |s, d| unsafe {
                x86::convert_ssse3::<true>(s, d)
            }));
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY (both): the CPU supports AVX2, checked just above.
            loops.push(("avx2 LE", false, |s, d| unsafe {
                x86::convert_avx2::<false>(s, d)
            }));
            loops.push(("avx2 BE", true, |s, d| unsafe {
                x86::convert_avx2::<true>(s, d)
            }));
        }
        assert!(!loops.is_empty(), "no vector loop to test on this CPU");
        loops
    }

    fn is_surrogate(unit: u16) -> bool {
        (0xD800..=0xDFFF).contains(&unit)
    }

    /// Runs `run` on `units` with `room` bytes of output and checks what it did.
    fn check(name: &str, big: bool, run: Loop, units: &[u16], room: usize) {
        let src: Vec<u8> = units
            .iter()
            .flat_map(|u| {
                if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect();
        let mut dst = vec![0xAA; room];
        let (read, written) = run(&src, &mut dst);
        assert!(
            read % 16 == 0 && read <= src.len(),
            "{name}: read {read} of {units:04X?}"
        );
        let done = &units[..read / 2];
        assert!(
            !done.iter().copied().any(is_surrogate),
            "{name}: converted a surrogate"
        );
        let expected: String = done
            .iter()
            .map(|&u| char::from_u32(u32::from(u)).unwrap())
            .collect();
        assert_eq!(
            &dst[..written],
            expected.as_bytes(),
            "{name}: output for {units:04X?}"
        );
        let rest = &units[read / 2..];
        let must_stop =
            rest.len() < 8 || rest[..8].iter().copied().any(is_surrogate) || room - written < 28;
        assert!(
            must_stop,
            "{name}: stopped early at unit {} of {units:04X?}, room {room}",
            read / 2
        );
    }

    fn full_room(units: &[u16]) -> usize {
        3 * units.len() + 64
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "tens of thousands of blocks: hours under Miri; the random test runs instead"
    )]
    fn every_kind_at_every_place_of_a_window() {
        for (name, big, run) in loops() {
            for &background in &KINDS {
                for &kind in &KINDS {
                    for len in [32, 33, 40] {
                        for at in 0..len {
                            let mut units = vec![background; len];
                            units[at] = kind;
                            check(name, big, run, &units, full_room(&units));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn surrogate_pairs_across_block_edges() {
        for (name, big, run) in loops() {
            for &background in &[0x0041, 0x03B1, 0x4E2D] {
                for at in 0..47 {
                    let mut units = vec![background; 48];
                    units[at] = 0xD83D;
                    units[at + 1] = 0xDE00;
                    check(name, big, run, &units, full_room(&units));
                }
            }
        }
    }

    /// Every mix of ASCII, two-byte and three-byte units over 8 units, so every key of both
    /// shuffle tables, in each half of a 16-unit block.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "tens of thousands of blocks: hours under Miri; the random test runs instead"
    )]
    fn every_mix_of_lengths() {
        const LENGTHS: [u16; 3] = [0x0061, 0x0416, 0x3042];
        for (name, big, run) in loops() {
            for mix in 0..3usize.pow(8) {
                let first: Vec<u16> = (0..8)
                    .map(|k| LENGTHS[mix / 3usize.pow(k) % 3] + k as u16)
                    .collect();
                let mut units = first.clone();
                units.extend(first.iter().rev());
                units.extend(&first);
                check(name, big, run, &units, full_room(&units));
            }
        }
    }

    /// Random units and random room, most of them outside the surrogates.
    #[test]
    fn random_units_and_room() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (name, big, run) in loops() {
            // Under Miri, enough blocks to take every kernel through every kind of store.
            for _ in 0..if cfg!(miri) { 50 } else { 20_000 } {
                let len = (next() % 120) as usize;
                let units: Vec<u16> = (0..len)
                    .map(|_| match next() % 64 {
                        0 => KINDS[(next() % KINDS.len() as u64) as usize],
                        1..=20 => (next() % 0x80) as u16,
                        21..=40 => 0x80 + (next() % 0x780) as u16,
                        _ => loop {
                            let unit = 0x800 + (next() % 0xF800) as u16;
                            if !is_surrogate(unit) {
                                break unit;
                            }
                        },
                    })
                    .collect();
                let room = (next() % (3 * len as u64 + 80)) as usize;
                check(name, big, run, &units, room);
            }
        }
    }
}
