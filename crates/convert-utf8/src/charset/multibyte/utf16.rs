//! Tests of the CJK multi-byte charsets decoded straight to UTF-16 code units
//! ([`Decoder::decode_utf16`](crate::Decoder::decode_utf16)): the same hot loop as UTF-8's
//! ([`DirectOut`](super::direct::DirectOut) for `u16`: the unit at the place of the entry the
//! first and next byte select, from the table's entries as units), checked against the UTF-8
//! output for every room and every one- and two-byte code.

#[cfg(test)]
use super::MultibyteDecoder;
#[cfg(test)]
use super::direct::NOT_A_UNIT;

#[cfg(test)]
mod tests {
    use super::super::direct::UnitLookup;
    use super::*;
    use crate::charset::kind_of;
    use crate::tables::format::DecoderKind;
    use crate::{Charset, DecodeStatus, Decoder, ErrorPolicy, Family, MIN_OUTPUT_SPACE};
    use iconv_oracle::{Iconv, Outcome};

    /// Real text in the four languages of the CJK benchmarks, plus characters beyond the BMP,
    /// a two-code-point JIS X 0213 character and a Euro sign (GB18030's four-byte forms).
    const TEXT: [&str; 5] = [
        include_str!("../../../benches/multibyte-text/ja.txt"),
        include_str!("../../../benches/multibyte-text/ko.txt"),
        include_str!("../../../benches/multibyte-text/zh-hans.txt"),
        include_str!("../../../benches/multibyte-text/zh-hant.txt"),
        "ｶﾀｶﾅ 𠀋𪚲😀 か゚ € ¥ ~ \\ \u{3000}",
    ];

    fn cjk_charsets() -> Vec<Charset> {
        let charsets: Vec<Charset> = Charset::all()
            .filter(|c| c.family() == Family::CjkMultibyte)
            .collect();
        assert_eq!(charsets.len(), 17);
        charsets
    }

    /// `TEXT` in `charset`: each character the charset has (the two-code-point one as a whole),
    /// encoded by the system iconv.
    fn encoded_text(charset: Charset) -> Vec<u8> {
        let mut to = Iconv::open_to("UTF-8", charset.name()).expect("iconv knows the charset");
        let mut encoded = Vec::new();
        let mut encode = |piece: &str| {
            to.reset();
            let c = to.convert(piece.as_bytes());
            if c.outcome == Outcome::Complete {
                encoded.extend_from_slice(&c.output);
            }
        };
        for text in TEXT {
            let mut buf = [0u8; 4];
            text.chars().for_each(|ch| encode(ch.encode_utf8(&mut buf)));
        }
        encode("か゚");
        encoded
    }

    /// What a strict `Decoder` writing UTF-8 makes of `src` as a whole input: its text as
    /// UTF-16, or the offset of its first bad sequence, with the text before it.
    fn through_utf8(charset: Charset, src: &[u8]) -> (Vec<u16>, Option<u64>) {
        let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
        let mut utf8 = Vec::new();
        let error = decoder
            .decode_to_vec(src, &mut utf8)
            .err()
            .map(|e| e.offset());
        (
            String::from_utf8(utf8).unwrap().encode_utf16().collect(),
            error,
        )
    }

    /// The same through [`Decoder::decode_utf16`], `room` units of output per call.
    fn straight(charset: Charset, src: &[u8], room: usize) -> (Vec<u16>, Option<u64>) {
        let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
        let (mut units, mut dst, mut read) = (Vec::new(), vec![0u16; room], 0);
        loop {
            let step = decoder.decode_utf16(&src[read..], &mut dst, true);
            units.extend_from_slice(&dst[..step.written]);
            read += step.read;
            match step.status {
                DecodeStatus::InputEmpty => return (units, None),
                DecodeStatus::OutputFull => assert!(step.read > 0 || step.written > 0),
                DecodeStatus::Error(e) => return (units, Some(e.offset())),
            }
        }
    }

    fn check(charset: Charset, src: &[u8], room: usize) {
        let name = charset.name();
        assert_eq!(
            straight(charset, src, room),
            through_utf8(charset, src),
            "{name} {src:02X?} room {room}"
        );
    }

    /// The units are the characters of the direct table's entries, place by place.
    #[test]
    #[cfg_attr(miri, ignore = "every pair of 17 charsets: hours under Miri")]
    fn the_units_are_the_characters_of_the_direct_entries() {
        for charset in cjk_charsets() {
            let Some(DecoderKind::Multibyte(tables)) = kind_of(charset.name()) else {
                panic!("{charset} is a CJK multi-byte charset");
            };
            let decoder = MultibyteDecoder::new(tables);
            let units: UnitLookup = decoder.lookup.direct.unit_lookup();
            let name = charset.name();
            for first in 0..=255u8 {
                for next in 0..=255u8 {
                    let (unit, unit_step) = units.lookup(first, next);
                    let (entry, step) = decoder.lookup.direct.lookup(first, next);
                    assert_eq!(unit_step, step, "{name} {first:02X}{next:02X}");
                    match super::super::utf8_len(entry).map(|len| &entry[..len]) {
                        None => assert_eq!(unit, NOT_A_UNIT, "{name} {first:02X}{next:02X}"),
                        Some(utf8) => {
                            let c = char::from_u32(u32::from(unit)).unwrap();
                            let mut bytes = [0; 4];
                            assert_eq!(
                                c.encode_utf8(&mut bytes).as_bytes(),
                                utf8,
                                "{name} {first:02X}{next:02X}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The committed Shift_JIS sample through several output rooms (block ends everywhere):
    /// the hot loop's unchecked unit loads and stores on real text, with nothing from the
    /// system iconv, so that it runs under Miri too.
    #[test]
    fn the_sample_decodes_to_its_units_through_output_rooms() {
        let sjis = include_bytes!("../../../../../samples/wagahai.sjis.txt");
        let utf8 = include_str!("../../../../../samples/wagahai.utf8.txt");
        let expected: Vec<u16> = utf8.encode_utf16().collect();
        let sjis_charset = Charset::for_label("SJIS").unwrap();
        let rooms: &[usize] = if cfg!(miri) {
            &[MIN_OUTPUT_SPACE, 33, expected.len()]
        } else {
            &[MIN_OUTPUT_SPACE, 17, 33, 100, expected.len()]
        };
        for &room in rooms {
            assert_eq!(
                straight(sjis_charset, sjis, room),
                (expected.clone(), None),
                "{room}"
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the system iconv")]
    fn real_text_gives_the_utf8_decoders_units_with_any_room() {
        for charset in cjk_charsets() {
            let text = encoded_text(charset);
            assert!(text.len() > 500, "{}", charset.name());
            for room in [MIN_OUTPUT_SPACE, 17, 19, 64, text.len()] {
                check(charset, &text, room);
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the system iconv")]
    fn damaged_text_stops_where_the_utf8_decoder_reports_the_error() {
        for charset in cjk_charsets() {
            let text = encoded_text(charset);
            let truncated = text.iter().position(|&b| b >= 0x80).unwrap() + 1;
            let damages = [
                (100, vec![0xFF]),
                (57, vec![0x80]),
                (text.len(), vec![0x81]),
                (truncated, vec![]),
            ];
            for (at, bytes) in damages {
                let mut damaged = text[..at].to_vec();
                damaged.extend_from_slice(&bytes);
                damaged.extend_from_slice(&text[at..]);
                for room in [MIN_OUTPUT_SPACE, 17, damaged.len()] {
                    check(charset, &damaged, room);
                }
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "every pair of 17 charsets: hours under Miri")]
    fn every_one_and_two_byte_code_gives_the_utf8_decoders_units() {
        for charset in cjk_charsets() {
            for first in 0..=255u8 {
                check(charset, &[first], MIN_OUTPUT_SPACE);
                for next in 0..=255u8 {
                    check(charset, &[first, next], MIN_OUTPUT_SPACE);
                }
            }
        }
    }
}
