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

mod against_glibc {
    use super::*;
    use iconv_oracle::{Iconv, Outcome};
    use proptest::prelude::*;

    /// Text shaped like these charsets' own: runs of ASCII letters and spaces (the runs the
    /// decoder copies at once), marks and high bytes among them, any valid byte now and then.
    fn text() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            6 => prop::sample::select(b"aeiouhnt AEON".to_vec()),
            2 => 0xB0u8..=0xFF,
            1 => prop::sample::select(b".,\n0".to_vec()),
            1 => any::<u8>(),
        ];
        prop::collection::vec(byte, 0..120)
    }

    proptest! {
        /// Whole, and in pieces of any size into outputs of any size from the step's room up,
        /// the decoder writes what glibc writes.
        #[test]
        fn decodes_as_glibc_whatever_the_pieces(
            name in prop::sample::select(vec!["CP1258", "TCVN5712-1", "CP1255"]),
            text in text(),
            pieces in prop::collection::vec(1usize..24, 1..12),
            room in STEP_ROOM..40,
        ) {
            let mut decoder = new_decoder(name).unwrap();
            let valid: Vec<u8> = text
                .into_iter()
                .filter(|&b| decoder.utf8[usize::from(b)] != INVALID)
                .collect();
            let glibc = Iconv::open(name).unwrap().convert(&valid);
            prop_assert_eq!(glibc.outcome, Outcome::Complete);
            let mut whole = vec![0u8; valid.len() * 3 + 8];
            let step = decoder.decode_raw(&valid, &mut whole, true);
            prop_assert_eq!(step.read, valid.len());
            prop_assert_eq!(&whole[..step.written], &glibc.output[..]);

            decoder.reset();
            let (mut out, mut read, mut piece) = (Vec::new(), 0, 0);
            let mut buffer = vec![0u8; room];
            while read < valid.len() || piece == 0 {
                let end = (read + pieces[piece % pieces.len()]).min(valid.len());
                piece += 1;
                let last = end == valid.len();
                loop {
                    let step = decoder.decode_raw(&valid[read..end], &mut buffer, last);
                    out.extend_from_slice(&buffer[..step.written]);
                    read += step.read;
                    if read == end && step.status == RawStatus::InputEmpty {
                        break;
                    }
                }
                if last {
                    break;
                }
            }
            prop_assert_eq!(out, glibc.output);
        }
    }
}
