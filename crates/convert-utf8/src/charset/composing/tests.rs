use super::*;
use crate::charset::{RawStatus, kind_of};
use crate::tables::format::DecoderKind;

fn new_decoder(name: &str) -> Option<ComposingDecoder> {
    match kind_of(name)? {
        DecoderKind::Composing(table) => Some(ComposingDecoder::new(table)),
        _ => None,
    }
}

fn decode(name: &str, src: &[u8]) -> (String, RawStatus) {
    let mut decoder = new_decoder(name).unwrap();
    let mut dst = [0u8; 64];
    let step = decoder.decode_raw(src, &mut dst, true);
    (
        String::from_utf8(dst[..step.written].to_vec()).unwrap(),
        step.status,
    )
}

#[test]
fn composes_where_glibc_does() {
    assert_eq!(decode("CP1255", b"\xF9\xD1").0, "\u{FB2A}");
    assert_eq!(decode("CP1255", b"a\xF9\xCC\xD1").0, "a\u{FB2C}");
    assert_eq!(decode("TCVN5712-1", b"A\xB0").0, "\u{C0}");
    assert_eq!(decode("CP1258", b"\xC2\xEC").0, "\u{1EA4}");
    assert_eq!(decode("CP1258", b"A\xDE\xEC").0, "\u{C3}\u{301}");
    assert_eq!(decode("CP1255", b"\xF9").0, "\u{5E9}");
}

#[test]
fn held_character_waits_across_an_invalid_byte() {
    let mut decoder = new_decoder("CP1255").unwrap();
    let mut dst = [0u8; 64];
    let step = decoder.decode_raw(b"\xF9\xFF\xD1", &mut dst, true);
    assert_eq!((step.read, step.written), (2, 0));
    assert!(matches!(step.status, RawStatus::Malformed { len: 1, .. }));
    let step = decoder.decode_raw(b"\xD1", &mut dst, true);
    assert_eq!(&dst[..step.written], "\u{FB2A}".as_bytes());
}
