use super::*;

fn decode(src: &[u8]) -> Vec<u16> {
    let mut decoder = TsciiDecoder::new();
    let mut dst = [0u8; 256];
    let step = decoder.decode_raw(src, &mut dst, true);
    std::str::from_utf8(&dst[..step.written])
        .unwrap()
        .chars()
        .map(|c| c as u16)
        .collect()
}

#[test]
fn expansions_and_reordering() {
    assert_eq!(decode(b"\x82"), [0x0BB8, 0x0BCD, 0x0BB0, 0x0BC0]);
    assert_eq!(decode(b"\x8A"), [0x0BB8, 0x0BCD]);
    assert_eq!(decode(b"\x8A\xA4"), [0x0BB8, 0x0BC1]);
    // Prefix vowel sign E before KA: KA, then the sign; with AA: the two-part sign O.
    assert_eq!(decode(b"\xA6\xB8"), [0x0B95, 0x0BC6]);
    assert_eq!(decode(b"\xA6\xB8\xA1"), [0x0B95, 0x0BCA]);
    assert_eq!(decode(b"\xA6a"), [0x0BC6, 0x61]);
}
