//! Two glibc iconv defects the engine does not copy (README, "Deliberate differences"), each
//! pinned by the input that shows it. Both sit where glibc's `iconv` program fills its 32 KiB
//! output buffer in the middle of a character that decodes to several code points.

use convert_utf8::io::transcode_in_chunks;
use convert_utf8::{Charset, Decoder, ErrorPolicy};

/// Decodes in one call, and streamed in pieces of several sizes (the output buffer then fills
/// in the middle of characters, where glibc goes wrong); both must agree.
fn decode(charset: &str, input: &[u8]) -> String {
    let charset = Charset::for_label(charset).unwrap();
    let one_shot = charset
        .decode_to_string(input, ErrorPolicy::Strict)
        .unwrap();
    for chunk in [1, 7, 4096, 32 * 1024] {
        let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
        let mut out = Vec::new();
        transcode_in_chunks(&mut decoder, input, &mut out, chunk).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            one_shot,
            "chunks of {chunk}"
        );
    }
    one_shot
}

/// TSCII 0x87 is three code points (க்ஷ, U+0B95 U+0BCD U+0BB7). After `AAA` and 3,641 of them,
/// glibc's `iconv` ends in U+0B95 alone (the last character cut where its buffer filled); glibc's
/// own TSCII-to-UTF-8 conversion, and convert-utf8, write every character whole.
#[test]
fn tscii_characters_of_several_code_points_stay_whole_at_any_length() {
    let input = [b"AAA".as_slice(), &[0x87; 3641]].concat();
    let text = decode("TSCII", &input);
    assert_eq!(
        text,
        format!("AAA{}", "\u{0B95}\u{0BCD}\u{0BB7}".repeat(3641))
    );
}

/// EUC-JISX0213 A4 F7 (and SHIFT_JISX0213 82 F5) is か with a combining semi-voiced mark,
/// U+304B U+309A. After `AAA` and 5,463 of them, glibc's `iconv` writes U+309A forever; here
/// the output is exactly the 5,463 pairs.
#[test]
fn jisx0213_base_and_combining_pairs_end_where_the_input_ends() {
    let expected = format!("AAA{}", "\u{304B}\u{309A}".repeat(5463));
    let euc = [b"AAA".as_slice(), &[0xA4, 0xF7].repeat(5463)].concat();
    assert_eq!(decode("EUC-JISX0213", &euc), expected);
    let sjis = [b"AAA".as_slice(), &[0x82, 0xF5].repeat(5463)].concat();
    assert_eq!(decode("SHIFT_JISX0213", &sjis), expected);
}
