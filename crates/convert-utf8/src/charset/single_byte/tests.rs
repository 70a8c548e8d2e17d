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
            _ => text.extend((0..run).map(|_| defined[(next() % defined.len() as u64) as usize])),
        }
    }
    text.truncate(len);
    text
}

type BlockLoop = fn(&SingleByteDecoder, &[u8], &mut [u8]) -> (usize, usize);

/// Checks one block loop on `src` into `room` bytes: whole blocks only (or all of `src`: the
/// AVX-512 loop ends the input with a masked step), output equal to the byte-at-a-time
/// decoding, and a stop only where the loop must stop.
fn check_block_loop(
    decoder: &SingleByteDecoder,
    name: &str,
    decode_blocks: BlockLoop,
    src: &[u8],
    room: usize,
) {
    let mut dst = vec![0u8; room];
    let (read, written) = decode_blocks(decoder, src, &mut dst);
    assert!(
        read % BLOCK == 0 || read == src.len(),
        "{name}: read {read}"
    );
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
        fn avx512_loop(decoder: &SingleByteDecoder, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
            // SAFETY: only listed when the CPU supports the loop's target features.
            let done = unsafe { avx512::decode_blocks(decoder, src, dst) };
            decoder.finish_portably(src, dst, done)
        }
        loops.push(("avx512", avx512_loop));
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        fn avx2_loop(decoder: &SingleByteDecoder, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
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
