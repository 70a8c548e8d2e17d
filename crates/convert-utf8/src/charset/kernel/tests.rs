use super::*;
use crate::charset::{Charset, FamilyDecoder, RawDecoder};

/// Bytes that are mostly bad in most charsets, with some text and shifts between.
fn damaged_inputs() -> Vec<Vec<u8>> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut inputs = vec![
        b"\x80\x81\xFE\xFF\xC0\xC1ab\xA4\xA4\x0E\x41\x41\x0F\xED\xA0\x80".to_vec(),
        (0u8..=255).rev().collect(),
    ];
    for len in [16, 64, 256] {
        inputs.push((0..len).map(|_| (next() >> 24) as u8 | 0x80).collect());
        inputs.push((0..len).map(|_| (next() >> 24) as u8).collect());
    }
    inputs
}

/// Where `decoder` reports a bad sequence in `src` decoded with no room limit, checks that
/// sweeping from there consumes exactly what decoding one call at a time reports as the same
/// run of bad sequences, and that a decoder which swept goes on as one that did not.
fn check_sweeps(charset: Charset, src: &[u8], max: usize) {
    let mut swept = FamilyDecoder::new(charset);
    let mut plain = FamilyDecoder::new(charset);
    let mut out = vec![0u8; 8 * src.len() + 64];
    let (mut read, mut swept_out, mut plain_out) = (0, Vec::new(), Vec::new());
    while read < src.len() {
        let a = swept.decode_raw(&src[read..], &mut out, false);
        swept_out.extend_from_slice(&out[..a.written]);
        let b = plain.decode_raw(&src[read..], &mut out, false);
        plain_out.extend_from_slice(&out[..b.written]);
        assert_eq!(a, b, "{charset} at {read}");
        read += a.read;
        if !matches!(a.status, RawStatus::Malformed { .. }) {
            break;
        }
        let (bytes, count) = swept.skip_invalid(&src[read..], max);
        assert!(count <= max, "{charset}");
        let mut one_by_one = 0;
        for _ in 0..count {
            let step = plain.decode_raw(&src[read + one_by_one..], &mut out, false);
            let RawStatus::Malformed {
                len,
                consumed_after: 0,
                kind: ErrorKind::Invalid,
            } = step.status
            else {
                panic!("{charset}: swept past {:?} at {}", step, read + one_by_one);
            };
            assert_eq!(
                (step.written, step.read),
                (0, usize::from(len)),
                "{charset}"
            );
            one_by_one += step.read;
        }
        assert_eq!(bytes, one_by_one, "{charset} at {read}");
        read += bytes;
    }
    let a = swept.decode_raw(&src[read..], &mut out, true);
    swept_out.extend_from_slice(&out[..a.written]);
    let b = plain.decode_raw(&src[read..], &mut out, true);
    plain_out.extend_from_slice(&out[..b.written]);
    assert_eq!(a.status, b.status, "{charset}");
    assert_eq!(swept_out, plain_out, "{charset}");
}

#[test]
fn sweeps_match_one_by_one_reporting() {
    let inputs = damaged_inputs();
    for charset in Charset::all() {
        for src in &inputs {
            check_sweeps(charset, src, usize::MAX);
            check_sweeps(charset, src, 1);
        }
    }
}

#[test]
fn both_outputs_write_every_code_point_form() {
    for c in [0x41, 0xE9, 0x20AC, 0xFFFD, 0x1F600, 0x10FFFF] {
        let ch = char::from_u32(c).unwrap();
        let mut bytes = [0u8; 4];
        let n = u8::push_char(&mut bytes, c);
        assert_eq!(&bytes[..n], ch.encode_utf8(&mut [0; 4]).as_bytes());
        assert_eq!(n, utf8_len(c));
        let mut units = [0u16; 2];
        let n = u16::push_char(&mut units, c);
        assert_eq!(&units[..n], ch.encode_utf16(&mut [0; 2]));
    }
    assert_eq!(
        String::from_utf8(u8::REPLACEMENT.to_vec()).unwrap(),
        "\u{FFFD}"
    );
    assert_eq!(String::from_utf16(u16::REPLACEMENT).unwrap(), "\u{FFFD}");
}

#[test]
fn block_stores_end_inside_the_room() {
    for room in 0..64 {
        for per_byte in 1..=4 {
            for slack in 1..=8 {
                let n = block_len(room, per_byte, slack);
                if n > 0 {
                    // The last store: made with one byte left, after n - 1 bytes consumed.
                    assert!(
                        per_byte * (n - 1) + slack <= room,
                        "{room} {per_byte} {slack}"
                    );
                }
            }
        }
    }
}
