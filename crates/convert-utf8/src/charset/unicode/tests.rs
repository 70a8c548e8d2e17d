use super::utf8::{Utf8Unit, classify_utf8};
use crate::{Charset, DecodeStatus, Decoder, ErrorKind, ErrorPolicy};

fn decoder(label: &str, policy: ErrorPolicy) -> Decoder {
    Decoder::new(Charset::for_label(label).unwrap(), policy)
}

fn first_error(label: &str, input: &[u8]) -> (u64, Vec<u8>, ErrorKind) {
    let mut out = Vec::new();
    let e = decoder(label, ErrorPolicy::Strict)
        .decode_to_vec(input, &mut out)
        .unwrap_err();
    (e.offset(), e.bytes().to_vec(), e.kind())
}

#[test]
fn utf8_units_are_glibcs() {
    use Utf8Unit::*;
    assert_eq!(classify_utf8(b"\xE2\x82A", true), Invalid(2));
    assert_eq!(classify_utf8(b"\xE0\x80\x80", true), Invalid(3));
    assert_eq!(classify_utf8(b"\xED\xA0\x80", true), Invalid(3));
    assert_eq!(classify_utf8(b"\x80\x80\x80\x80\x80\x80", true), Invalid(5));
    assert_eq!(classify_utf8(b"\x80\x80", false), NeedMore);
    assert_eq!(classify_utf8(b"\x80\x80", true), Invalid(2));
    assert_eq!(classify_utf8(b"\xE0\x80", true), Truncated(2));
    assert_eq!(classify_utf8(b"\xF4\x90\x80\x80", true), Invalid(4));
    assert_eq!(classify_utf8(b"\xF8\x88\x80\x80\x80", true), Invalid(5));
    assert_eq!(classify_utf8(b"\xF4\x8F\xBF\xBF", true), Valid(4));
}

#[test]
fn utf8_bad_sequence_is_glibcs_unit() {
    assert_eq!(
        first_error("UTF-8", b"ab\xE2\x82Acd"),
        (2, b"\xE2\x82".to_vec(), ErrorKind::Invalid)
    );
    assert_eq!(
        first_error("UTF-8", b"a\xFC\x84\x80\x80\x80\x80b"),
        (1, b"\xFC\x84\x80\x80\x80\x80".to_vec(), ErrorKind::Invalid)
    );
    assert_eq!(
        first_error("UTF-8", b"ab\xED\xA0"),
        (2, b"\xED\xA0".to_vec(), ErrorKind::Truncated)
    );
}

#[test]
fn utf8_ignore_drops_what_iconv_c_drops() {
    let mut out = Vec::new();
    decoder("UTF-8", ErrorPolicy::Ignore)
        .decode_to_vec(b"\xE2\x82\xE2\x82\xAC", &mut out)
        .unwrap();
    assert_eq!(out, "€".as_bytes());
}

#[test]
fn utf8_truncated_tail_spanning_calls_reports_its_bytes() {
    let mut d = decoder("UTF-8", ErrorPolicy::Strict);
    let mut out = [0u8; 32];
    let a = d.decode(b"ab\xF0", &mut out, false);
    assert_eq!((a.read, a.written), (3, 2));
    let step = d.decode(b"\x9F", &mut out, true);
    let DecodeStatus::Error(e) = step.status else {
        panic!("{step:?}")
    };
    assert_eq!(e.kind(), ErrorKind::Truncated);
    assert_eq!((e.offset(), e.bytes()), (2, &b"\xF0\x9F"[..]));
}

#[test]
fn utf8_replace_writes_one_fffd_per_bad_unit() {
    let mut out = Vec::new();
    decoder("UTF-8", ErrorPolicy::Replace)
        .decode_to_vec(b"a\xFFb\xE0\x80\x80c\xE2\x82", &mut out)
        .unwrap();
    assert_eq!(out, "a\u{FFFD}b\u{FFFD}c\u{FFFD}".as_bytes());
}

#[test]
fn utf16_surrogate_rules() {
    assert_eq!(
        first_error("UTF-16LE", b"A\x00\x00\xD8B\x00"),
        (2, b"\x00\xD8".to_vec(), ErrorKind::Invalid)
    );
    assert_eq!(
        first_error("UTF-16BE", b"\x00A\xDC\x00"),
        (2, b"\xDC\x00".to_vec(), ErrorKind::Invalid)
    );
    assert_eq!(
        first_error("UTF-16LE", b"A\x00\x00\xD8\x00"),
        (2, b"\x00\xD8\x00".to_vec(), ErrorKind::Truncated)
    );
    let mut out = Vec::new();
    decoder("UTF-16LE", ErrorPolicy::Ignore)
        .decode_to_vec(b"\x00\xD8\x00\xD8\x00\xDC", &mut out)
        .unwrap();
    assert_eq!(out, "\u{10000}".as_bytes());
    assert_eq!(
        first_error("UCS-2", b"\x3D\xD8\x00\xDE"),
        (0, b"\x3D\xD8".to_vec(), ErrorKind::Invalid)
    );
}

#[test]
fn bad_high_surrogate_held_across_calls_is_located() {
    // The high surrogate and the byte after it arrive in one call, the byte that shows the
    // pair is bad in the next: the error still points at the high surrogate.
    let mut d = decoder("UTF-16LE", ErrorPolicy::Strict);
    let mut out = [0u8; 32];
    let a = d.decode(b"A\x00\x00\xD8B", &mut out, false);
    assert_eq!(
        (a.read, a.written, a.status),
        (5, 1, DecodeStatus::InputEmpty)
    );
    let b = d.decode(b"\x00", &mut out, true);
    let DecodeStatus::Error(e) = b.status else {
        panic!("{b:?}")
    };
    assert_eq!((e.offset(), e.bytes()), (2, &b"\x00\xD8"[..]));
    let c = d.decode(&b"\x00"[b.read..], &mut out, true);
    assert_eq!(&out[..c.written], b"B");
}

#[test]
fn bom_is_consumed_only_by_sniffing_forms() {
    let text = |label: &str, bytes: &[u8]| {
        Charset::for_label(label)
            .unwrap()
            .decode_to_string(bytes, ErrorPolicy::Strict)
            .unwrap()
    };
    assert_eq!(text("UTF-16", b"\xFE\xFF\x00A"), "A");
    assert_eq!(text("UTF-16", b"A\x00"), "A");
    assert_eq!(text("UTF-16BE", b"\xFE\xFF\x00A"), "\u{FEFF}A");
    assert_eq!(text("UTF-32", b"\x00\x00\xFE\xFF\x00\x00\x00A"), "A");
    assert_eq!(text("UCS-4", b"\x00\x00\xFE\xFF\x00\x00\x00A"), "\u{FEFF}A");
    assert_eq!(text("UNICODE", b"\xFE\xFF\x00A"), "A");
}

#[test]
fn big_endian_bom_sticks_until_reset() {
    let mut d = decoder("UTF-16", ErrorPolicy::Strict);
    let mut out = Vec::new();
    d.decode_to_vec(b"\xFE\xFF\x00A", &mut out).unwrap();
    d.begin_next_input();
    d.decode_to_vec(b"\xFF\xFEB\x00", &mut out).unwrap();
    assert_eq!(out, "A\u{4200}".as_bytes());
    d.reset();
    out.clear();
    d.decode_to_vec(b"B\x00", &mut out).unwrap();
    assert_eq!(out, b"B");
}

#[test]
fn above_u10ffff_is_invalid_in_ucs4() {
    assert_eq!(
        first_error("UCS-4", b"\x00\x00\x00A\x00\x11\x00\x00"),
        (4, b"\x00\x11\x00\x00".to_vec(), ErrorKind::Invalid)
    );
}

#[test]
fn well_formed_utf8_agrees_with_the_decoder() {
    let inputs: &[&[u8]] = &[
        b"",
        b"plain",
        "\u{FEFF}caf\u{E9} \u{20AC} \u{10FFFF}".as_bytes(),
        b"\xC3",
        b"\xC0\x80",
        b"\xE0\x80\x80",
        b"\xED\xA0\x80",
        b"\xF4\x90\x80\x80",
        b"\xF8\x88\x80\x80\x80",
        b"\xFF",
        b"ok\x80",
    ];
    let charset = Charset::for_label("UTF-8").unwrap();
    for &input in inputs {
        let decoded = charset.decode_to_string(input, ErrorPolicy::Strict).ok();
        let expected = decoded.as_ref().map(String::as_bytes) == Some(input);
        assert_eq!(super::is_well_formed_utf8(input), expected, "{input:02X?}");
        assert_eq!(expected, decoded.is_some(), "{input:02X?}");
    }
}

#[test]
fn utf16_output_of_the_16_bit_forms_agrees_with_their_utf8() {
    let inputs: &[&[u8]] = &[
        b"",
        b"A",
        b"A\x00",
        b"\xFF\xFE",
        b"\xFF\xFEA\x00",
        b"\xFE\xFF\x00A\x04\x3F",
        b"\x00A\x00B",
        b"\x3D\xD8\x00\xDEz\x00",
        b"\xD8\x3D\xDE\x00\x00z",
        b"\x00\xD8A\x00",
        b"\x00\xDCA\x00",
        b"A\x00\x00\xD8",
        b"\xFF\xFE\xFF\xFEA\x00",
        b"\xFE\xFF\xFF\xFE",
        b"\xFF\xFF\xFE\xFF\xAC\x20",
    ];
    let labels = [
        "UTF-16",
        "UTF-16LE",
        "UTF-16BE",
        "UCS-2",
        "UNICODEBIG",
        "UNICODE",
    ];
    for label in labels {
        let charset = Charset::for_label(label).unwrap();
        for &input in inputs {
            let direct = charset.decode_to_utf16(input, ErrorPolicy::Strict).ok();
            let via_utf8 = charset
                .decode_to_string(input, ErrorPolicy::Strict)
                .ok()
                .map(|text| text.encode_utf16().collect::<Vec<u16>>());
            assert_eq!(direct, via_utf8, "{label} {input:02X?}");
        }
    }
}

#[test]
fn max_utf8_len_bounds() {
    let d = decoder("UTF-16LE", ErrorPolicy::Strict);
    assert_eq!(d.max_utf8_len(4), Some(6));
    let d = decoder("UTF-32", ErrorPolicy::Strict);
    assert_eq!(d.max_utf8_len(8), Some(8));
    assert_eq!(d.max_utf8_len(usize::MAX), Some(usize::MAX / 4 * 4));
}
