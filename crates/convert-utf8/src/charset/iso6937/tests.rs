use super::*;
use crate::charset::{RawStatus, kind_of};
use crate::error::ErrorKind;
use crate::tables::format::DecoderKind;

fn new_decoder(name: &str) -> Option<Iso6937Decoder> {
    match kind_of(name)? {
        DecoderKind::Iso6937(table) => Some(Iso6937Decoder::new(table)),
        _ => None,
    }
}

#[test]
fn prefix_pairs_and_their_errors() {
    let mut decoder = new_decoder("ISO_6937").unwrap();
    let mut dst = [0u8; 64];
    let step = decoder.decode_raw(b"\xC1a", &mut dst, true);
    assert_eq!(&dst[..step.written], "à".as_bytes());
    // Prefix then a byte outside the pair range: the prefix alone is invalid.
    let step = decoder.decode_raw(b"\xC1\x80", &mut dst, true);
    assert_eq!(step.read, 1);
    assert!(matches!(step.status, RawStatus::Malformed { len: 1, .. }));
    decoder.reset();
    // Prefix then a letter it does not combine with: both bytes are invalid.
    let step = decoder.decode_raw(b"\xC11", &mut dst, true);
    assert_eq!(step.read, 2);
    assert!(matches!(step.status, RawStatus::Malformed { len: 2, .. }));
    // Prefix at the end of input, split across calls.
    let step = decoder.decode_raw(b"x\xC1", &mut dst, false);
    assert_eq!(
        (step.read, step.written, step.status),
        (2, 1, RawStatus::InputEmpty)
    );
    let step = decoder.decode_raw(b"", &mut dst, true);
    assert_eq!(
        step.status,
        RawStatus::Malformed {
            len: 1,
            consumed_after: 0,
            kind: ErrorKind::Truncated
        }
    );
}
