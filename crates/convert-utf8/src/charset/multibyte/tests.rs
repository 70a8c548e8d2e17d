//! Differential tests of the CJK multi-byte decoders against the system iconv: every one- and
//! two-byte code, every three-byte EUC code, sampled four-byte codes, truncation, `-c` drops
//! (iconv's `//IGNORE`), real text, and any chunking of the input.

use super::*;
use crate::charset::RawStatus;
use crate::charset::kind_of;
use crate::error::ErrorKind;
use crate::tables::format::DecoderKind;
use iconv_oracle::{Iconv, Outcome};

/// The tables of the CJK multi-byte charset `name` names.
fn charset(name: &str) -> Option<&'static MbCharset> {
    match kind_of(name)? {
        DecoderKind::Multibyte(charset) => Some(charset),
        _ => None,
    }
}

fn new_decoder(name: &str) -> Option<MultibyteDecoder> {
    charset(name).map(MultibyteDecoder::new)
}

/// The table of a charset and its lead floor.
fn table(name: &str) -> Option<(&'static MbTable, Option<u8>)> {
    charset(name).map(|charset| (&charset.table, charset.lead_floor))
}

/// The CJK multi-byte charsets, as the registry lists them.
fn cjk_charsets() -> Vec<&'static str> {
    let names: Vec<&'static str> = crate::Charset::all()
        .filter(|c| c.family() == crate::Family::CjkMultibyte)
        .map(crate::Charset::name)
        .collect();
    assert_eq!(names.len(), 17, "{names:?}");
    names
}

/// Codes glibc mishandles, which we reject instead (documented in `docs/charsets.md`).
fn glibc_defect(name: &str, input: &[u8]) -> bool {
    name == "UHC" && input.windows(2).any(|w| w == [0xA2, 0xE8])
}

/// Decodes `input` fed in chunks of `chunk` bytes into a small output buffer, as the streaming
/// `Decoder` would. Returns the output and the first error (offset, kind), stopping there
/// unless `ignore`.
fn run(
    name: &str,
    input: &[u8],
    chunk: usize,
    ignore: bool,
) -> (Vec<u8>, Option<(usize, ErrorKind)>) {
    let mut d = new_decoder(name).unwrap();
    let mut out = Vec::new();
    let mut dst = [0u8; 24];
    let mut consumed = 0;
    let mut first_error = None;
    let mut start = 0;
    while start < input.len() || start == 0 {
        let end = (start + chunk).min(input.len());
        let last = end == input.len();
        let mut src = &input[start..end];
        loop {
            let step = d.decode_raw(src, &mut dst, last);
            out.extend_from_slice(&dst[..step.written]);
            consumed += step.read;
            src = &src[step.read..];
            match step.status {
                RawStatus::InputEmpty => break,
                RawStatus::OutputFull => assert!(step.read + step.written > 0 || dst.len() < 16),
                RawStatus::Malformed {
                    len,
                    consumed_after,
                    kind,
                } => {
                    let offset = consumed - usize::from(consumed_after) - usize::from(len);
                    first_error.get_or_insert((offset, kind));
                    if !ignore {
                        return (out, first_error);
                    }
                }
            }
        }
        if last {
            break;
        }
        start = end;
    }
    (out, first_error)
}

fn iconv_result(cd: &mut Iconv, input: &[u8]) -> (Vec<u8>, Option<(usize, ErrorKind)>) {
    let c = cd.convert(input);
    let error = match c.outcome {
        Outcome::Complete => None,
        Outcome::Invalid(at) => Some((at, ErrorKind::Invalid)),
        Outcome::Incomplete(at) => Some((at, ErrorKind::Truncated)),
    };
    (c.output, error)
}

/// Compares strict decoding (output, error position and kind) and `-c` (what is dropped) of
/// each input with iconv.
struct Checker {
    name: &'static str,
    strict: Iconv,
    ignore: Iconv,
    mismatches: Vec<String>,
}

impl Checker {
    fn new(name: &'static str) -> Checker {
        Checker {
            name,
            strict: Iconv::open(name).unwrap(),
            ignore: Iconv::open_to(name, "UTF-8//IGNORE").unwrap(),
            mismatches: Vec::new(),
        }
    }

    fn check(&mut self, input: &[u8]) {
        if glibc_defect(self.name, input) {
            return;
        }
        let ours = run(self.name, input, input.len().max(1), false);
        let theirs = iconv_result(&mut self.strict, input);
        if ours != theirs {
            self.mismatch(input, "strict", &ours, &theirs);
        }
        let followed = [input, b"AB"].concat();
        let ours = run(self.name, &followed, followed.len(), true).0;
        let theirs = self.ignore.convert(&followed).output;
        // EUC-JP-MS writes U+FFFD under -c for some illegal codes; we drop them.
        let quirk =
            self.name == "EUC-JP-MS" && theirs.windows(3).any(|w| w == "\u{FFFD}".as_bytes());
        if ours != theirs && !quirk {
            self.mismatch(&followed, "-c", &ours, &theirs);
        }
    }

    fn mismatch(
        &mut self,
        input: &[u8],
        what: &str,
        ours: &impl std::fmt::Debug,
        theirs: &impl std::fmt::Debug,
    ) {
        if self.mismatches.len() < 20 {
            self.mismatches.push(format!(
                "{} {what} {input:02X?}: ours {ours:02X?}, iconv {theirs:02X?}",
                self.name
            ));
        }
    }

    fn finish(self) {
        assert!(self.mismatches.is_empty(), "{:#?}", self.mismatches);
    }
}

fn leads(name: &str) -> Vec<u8> {
    let table = table(name).unwrap().0;
    (0..=255u8)
        .filter(|&b| !matches!(table.first_row[usize::from(b)], LEAD_CHAR | LEAD_INVALID))
        .collect()
}

#[test]
#[cfg_attr(miri, ignore = "calls the system iconv, which Miri cannot")]
fn every_one_and_two_byte_code_matches_iconv() {
    for name in cjk_charsets() {
        let mut c = Checker::new(name);
        for b in 0..=255u8 {
            c.check(&[b]);
        }
        for lead in leads(name) {
            for next in 0..=255u8 {
                c.check(&[lead, next]);
            }
        }
        c.finish();
    }
}

#[test]
#[cfg_attr(miri, ignore = "calls the system iconv, which Miri cannot")]
fn every_three_byte_euc_code_matches_iconv() {
    for name in ["EUC-JP", "EUC-JP-MS", "EUC-JISX0213"] {
        let mut c = Checker::new(name);
        for second in 0x00..=0xFFu8 {
            for third in 0x00..=0xFFu8 {
                if (0xA1..=0xFE).contains(&second) || third % 17 == 0 {
                    c.check(&[0x8F, second, third]);
                }
            }
        }
        c.finish();
    }
}

#[test]
#[cfg_attr(miri, ignore = "calls the system iconv, which Miri cannot")]
fn euc_tw_four_byte_codes_match_iconv() {
    let mut c = Checker::new("EUC-TW");
    for plane in (0xA0..=0xFFu8).step_by(1) {
        for row in (0x00..=0xFFu8).step_by(11) {
            for cell in 0x00..=0xFFu8 {
                if plane <= 0xB1 || cell % 16 == 1 {
                    c.check(&[0x8E, plane, row, cell]);
                }
            }
        }
        for prefix_len in 1..=3 {
            c.check(&[0x8E, plane, 0xA1][..prefix_len]);
        }
    }
    c.finish();
}

#[test]
#[cfg_attr(miri, ignore = "calls the system iconv, which Miri cannot")]
fn gb18030_four_byte_codes_match_iconv() {
    let mut c = Checker::new("GB18030");
    for b1 in [0x81, 0x82, 0x84, 0x85, 0x8F, 0x90, 0xA3, 0xE3, 0xE4, 0xFE] {
        for b2 in 0x30..=0x39u8 {
            for b3 in (0x81..=0xFEu8).step_by(5) {
                for b4 in 0x30..=0x39u8 {
                    c.check(&[b1, b2, b3, b4]);
                }
            }
            for bad in [0x00, 0x30, 0x41, 0x80, 0xFF] {
                c.check(&[b1, b2, bad, 0x30]);
                c.check(&[b1, b2, 0x81, bad]);
            }
            c.check(&[b1, b2]);
            c.check(&[b1, b2, 0x81]);
            c.check(&[b1, b2, 0x41]);
        }
    }
    c.finish();
}

/// Four-byte codes inside running text (decoded in the hot loop, not one by one), between
/// two-byte codes and ASCII, whole and in chunks, against iconv.
#[test]
#[cfg_attr(miri, ignore = "calls the system iconv, which Miri cannot")]
fn gb18030_four_byte_codes_in_running_text_match_iconv() {
    let mut cd = Iconv::open("GB18030").unwrap();
    let mut text = Vec::new();
    for b1 in [0x81u8, 0x82, 0x84, 0x85, 0x90, 0xE3, 0xE4] {
        for b2 in 0x30..=0x39u8 {
            for b3 in (0x81..=0xFEu8).step_by(7) {
                let code = [b1, b2, b3, 0x30 + (b3 % 10)];
                // Codes of ranges that map, as iconv says, so that the text decodes to its end.
                if cd.convert(&code).outcome == Outcome::Complete {
                    text.extend_from_slice(&code);
                    text.extend_from_slice(if b3 % 3 == 0 { b"a" } else { b"\xC4\xE3" });
                }
            }
        }
    }
    let expected = iconv_result(&mut cd, &text);
    assert_eq!(expected.1, None, "iconv stopped early");
    assert!(text.len() > 3_000, "too few codes: {} bytes", text.len());
    for chunk in [text.len(), 4096, 61, 5] {
        assert_eq!(
            run("GB18030", &text, chunk, false),
            expected,
            "chunks of {chunk}"
        );
    }
}

/// Text in the languages these charsets serve, as UTF-8.
const SAMPLE: &str = "日本語のテキスト、ｶﾀｶﾅ、漢字。한국어 텍스트입니다. 中文简体文本。\
繁體中文文字。Ünïcödé ASCII 123 ~\\ ①②③ ㈱ ∑ 髙 﨑 ¥ ‾ —";

/// The sample's characters that `name` can encode, each encoded by iconv.
fn encoded_chars(name: &str) -> Vec<Vec<u8>> {
    let mut to = Iconv::open_to("UTF-8", name).unwrap();
    SAMPLE
        .chars()
        .filter_map(|ch| {
            let mut buf = [0u8; 4];
            let c = to.convert(ch.encode_utf8(&mut buf).as_bytes());
            (c.outcome == Outcome::Complete).then_some(c.output)
        })
        .collect()
}

fn encoded_sample(name: &str) -> Vec<u8> {
    encoded_chars(name).concat()
}

#[test]
#[cfg_attr(miri, ignore = "calls the system iconv, which Miri cannot")]
fn real_text_matches_iconv_in_any_chunking() {
    for name in cjk_charsets() {
        let text = encoded_sample(name);
        assert!(text.len() > 40, "{name}: sample too small");
        let mut c = Checker::new(name);
        c.check(&text);
        c.finish();
        let whole = run(name, &text, text.len(), false);
        for chunk in 1..=5 {
            assert_eq!(
                run(name, &text, chunk, false),
                whole,
                "{name} chunk {chunk}"
            );
        }
        // The same with illegal bytes and a truncated tail mixed in.
        let mut damaged = text.clone();
        damaged.insert(7, 0xFF);
        damaged.insert(3, 0x80);
        damaged.push(*leads(name).last().unwrap());
        let whole = run(name, &damaged, damaged.len(), true);
        for chunk in 1..=5 {
            assert_eq!(
                run(name, &damaged, chunk, true),
                whole,
                "{name} chunk {chunk}"
            );
        }
    }
}

/// Building the hot loop's lookup reads the four bytes of `POOL[lead.base + 3k]` for
/// `k < lead.limit`: every lead's range lies in the pool.
#[test]
fn every_lead_range_lies_in_the_pool() {
    for name in cjk_charsets() {
        for (b, lead) in table(name).unwrap().0.lead.iter().enumerate() {
            let end = lead.base as usize + 3 * usize::from(lead.limit) + 1;
            assert!(lead.limit == 0 || end <= POOL.len(), "{name} lead {b:02X}");
        }
    }
}

/// A byte that is a character by itself finds its own pool entry whatever follows it, and the
/// hot loop takes it as one byte.
#[test]
fn single_byte_characters_are_in_the_pool() {
    for name in cjk_charsets() {
        let table = table(name).unwrap().0;
        for b in 0..=255u8 {
            let lead = table.lead[usize::from(b)];
            if table.first_row[usize::from(b)] == LEAD_CHAR {
                assert_eq!(
                    (lead.mask, lead.limit, lead.step),
                    (0, 1, 1),
                    "{name} {b:02X}"
                );
                assert_eq!(lead.base % 3, 0, "{name} {b:02X}");
            } else {
                assert!(lead.limit == 0 || lead.step == 2, "{name} {b:02X}");
            }
        }
    }
}

/// The hot loop's lookup gives, for every first and next byte, exactly what the generated
/// descriptors give (so the hot loop takes every code it took before), and every code it maps
/// to a character is one the general path decodes to that character, in the bytes it steps.
#[test]
#[cfg_attr(miri, ignore = "every pair of 17 charsets: hours under Miri")]
fn the_direct_lookup_gives_what_the_descriptors_and_the_general_path_give() {
    for name in cjk_charsets() {
        let decoder = new_decoder(name).unwrap();
        let mut mapped = 0;
        // The hot loop's output bound per input byte: what the most expansive code writes per
        // byte it takes (ASCII runs and GB18030's four-byte codes write at most one).
        let mut per_byte = 1;
        for first in 0..=255u8 {
            let lead = &decoder.lookup.table.lead[usize::from(first)];
            for next in 0..=255u8 {
                let (entry, step) = decoder.lookup.direct.lookup(first, next);
                let direct = utf8_len(entry).map(|len| (entry, len));
                assert_eq!(
                    direct,
                    fast_entry(lead, next),
                    "{name} {first:02X}{next:02X}"
                );
                let Some((entry, len)) = direct else { continue };
                mapped += 1;
                assert_eq!(step, lead.step, "{name} {first:02X}{next:02X}");
                per_byte = per_byte.max(len.div_ceil(usize::from(step)));
                let Sequence::Chars {
                    len: taken,
                    first: cp,
                    second: 0,
                } = decoder.lookup.sequence(&[first, next])
                else {
                    panic!("{name} {first:02X}{next:02X}: the general path decodes no character");
                };
                let mut utf8 = [0; 4];
                let utf8 = char::from_u32(cp)
                    .unwrap()
                    .encode_utf8(&mut utf8)
                    .as_bytes();
                assert_eq!(
                    (taken, utf8),
                    (usize::from(step), &entry[..len]),
                    "{name} {first:02X}{next:02X}"
                );
            }
        }
        // Every charset maps its ASCII or Roman bytes and thousands of two-byte codes.
        assert!(mapped > 128 * 256 + 5000, "{name}: {mapped}");
        assert_eq!(decoder.lookup.direct.utf8_per_byte(), per_byte, "{name}");
    }
}

/// Decodes all of `input` at once into output buffers of `room` bytes, as many calls as it takes.
fn run_with_room(name: &str, input: &[u8], room: usize) -> Vec<u8> {
    let mut d = new_decoder(name).unwrap();
    let mut dst = vec![0u8; room];
    let (mut out, mut src) = (Vec::new(), input);
    loop {
        let step = d.decode_raw(src, &mut dst, true);
        out.extend_from_slice(&dst[..step.written]);
        src = &src[step.read..];
        match step.status {
            RawStatus::InputEmpty => return out,
            RawStatus::OutputFull => assert!(step.read + step.written > 0),
            RawStatus::Malformed { .. } => panic!("{name}: {:?}", step.status),
        }
    }
}

/// The committed Shift_JIS sample through every output room from 16 to 40 bytes and through
/// room for all of it: the hot loop's unchecked loads and stores at every kind of block end, on
/// real text with nothing from the system iconv, so that it runs under Miri too.
#[test]
fn the_sample_decodes_through_every_output_room() {
    let sjis = include_bytes!("../../../../../samples/wagahai.sjis.txt");
    let utf8 = include_bytes!("../../../../../samples/wagahai.utf8.txt");
    for room in (16..=40).chain([utf8.len() + 16]) {
        assert_eq!(run_with_room("SJIS", sjis, room), utf8, "room {room}");
    }
}

/// The hot loop's blocks end wherever the output room ends: every room size must give the
/// same output, on text with ASCII runs of every length between the multi-byte characters.
#[test]
#[cfg_attr(miri, ignore = "calls the system iconv, which Miri cannot")]
fn every_output_room_gives_the_same_output() {
    for name in cjk_charsets() {
        let mut mixed = Vec::new();
        for (i, encoded) in encoded_chars(name).iter().enumerate() {
            mixed.extend_from_slice(&b"0123456789abcdefghij"[..i % 21]);
            mixed.extend_from_slice(encoded);
        }
        let (expected, error) = iconv_result(&mut Iconv::open(name).unwrap(), &mixed);
        assert_eq!(error, None, "{name}");
        for room in (crate::MIN_OUTPUT_SPACE..=80).chain([4096]) {
            assert_eq!(
                run_with_room(name, &mixed, room),
                expected,
                "{name} room {room}"
            );
        }
    }
}

#[test]
fn sjis_quirks_are_glibc_s() {
    let (out, err) = run("SJIS", b"\x5C\x7E\x81\x60", 4, false);
    assert_eq!(
        (String::from_utf8(out).unwrap().as_str(), err),
        ("¥‾〜", None)
    );
    // A bad second byte below 0x40 drops the lead alone; an unmapped pair drops both.
    assert_eq!(run("SJIS", b"\x81\x20x", 3, true).0, b" x");
    assert_eq!(run("SJIS", b"\x85\x40x", 3, true).0, b"x");
    // EUC-KR passes C1 controls through; an unmapped pair swallows an ASCII second byte.
    assert_eq!(run("EUC-KR", b"\x85", 1, false).0, "\u{85}".as_bytes());
    assert_eq!(run("EUC-KR", b"\xA1\x41x", 3, true).0, b"x");
}

#[test]
fn truncated_tail_is_reported_with_all_its_bytes() {
    let (out, err) = run("GB18030", b"a\x81\x30\x81", 4, false);
    assert_eq!(
        (out.as_slice(), err),
        (&b"a"[..], Some((1, ErrorKind::Truncated)))
    );
    let mut d = new_decoder("GB18030").unwrap();
    let mut dst = [0u8; 32];
    let step = d.decode_raw(b"a\x81\x30\x81", &mut dst, true);
    assert_eq!(
        step.status,
        RawStatus::Malformed {
            len: 3,
            consumed_after: 0,
            kind: ErrorKind::Truncated
        }
    );
}

/// Found by fuzzing against glibc: an illegal pair must be dropped as glibc drops it even when
/// what follows could pair with its second byte. UHC drops `A7 F7` whole, so in `A7 F7 F7 31`
/// what is left is `F7 31`, not `F7 F7`; JOHAB drops only the `84` of the illegal `84 84`, so in
/// `84 84 4B` the `84 4B` after it is a character. In every charset, every illegal pair is
/// checked before whatever makes its second byte the lead of a character (a valid trail for it),
/// before a character from each end of the lead range, and before a lone high lead.
#[test]
#[cfg_attr(miri, ignore = "calls the system iconv, which Miri cannot")]
fn drop_units_hold_whatever_follows() {
    for name in cjk_charsets() {
        let mut checker = Checker::new(name);
        let leads = leads(name);
        let first_valid_trail = |checker: &mut Checker, lead: u8| {
            (0..=0xFFu8)
                .find(|&trail| checker.strict.convert(&[lead, trail]).outcome == Outcome::Complete)
        };
        let trail_after: Vec<Option<u8>> = (0..=0xFFu8)
            .map(|b| {
                if leads.contains(&b) {
                    first_valid_trail(&mut checker, b)
                } else {
                    None
                }
            })
            .collect();
        let (low, high) = (leads[0], leads[leads.len() - 1]);
        let edge_chars: Vec<Vec<u8>> = [low, high]
            .into_iter()
            .filter_map(|lead| Some(vec![lead, first_valid_trail(&mut checker, lead)?]))
            .collect();
        for &lead in &leads {
            for trail in 0..=0xFFu8 {
                let pair = [lead, trail];
                if checker.strict.convert(&pair).outcome != Outcome::Invalid(0) {
                    continue;
                }
                if let Some(completing) = trail_after[usize::from(trail)] {
                    checker.check(&[lead, trail, completing, 0x31]);
                }
                for character in &edge_chars {
                    checker.check(&[&pair[..], character, b"1"].concat());
                }
                checker.check(&[lead, trail, high, 0x31]);
            }
        }
        checker.finish();
    }
    let mut checker = Checker::new("UHC");
    checker.check(b"\xF7\xF7\xA7\xF7\xF7\x31");
    checker.finish();
    let mut checker = Checker::new("JOHAB");
    checker.check(b"\x84\x84\x4B");
    checker.check(b"\x84\x84\x84\x84\x4B");
    checker.finish();
}

/// The charsets whose hot loop takes the step from the lead bits, and their floors: every
/// one but those with single bytes among the leads (Shift_JIS's kana, EUC-JP's C1 bytes).
#[test]
fn lead_floors() {
    let floors: Vec<_> = cjk_charsets()
        .into_iter()
        .filter_map(|name| table(name).unwrap().1.map(|floor| (name, floor)))
        .collect();
    assert_eq!(
        floors,
        [
            ("BIG5", 0xA1),
            ("BIG5HKSCS", 0x87),
            ("EUC-CN", 0xA1),
            ("EUC-JISX0213", 0x8E),
            ("EUC-KR", 0xA1),
            ("EUC-TW", 0xA1),
            ("GB18030", 0x81),
            ("GBK", 0x81),
            ("JOHAB", 0x84),
            ("UHC", 0x81),
        ]
    );
}

/// The SIMD lead bits are the portable ones, for every floor and every byte at every place
/// (under Miri, which interprets each SIMD operation, for every 15th floor and start).
#[test]
fn chunk_lead_bits_are_the_portable_ones() {
    let every = if cfg!(miri) { 15 } else { 1 };
    let mut chunk = [0u8; PAIR_CHUNK];
    for floor in (0x80..=0xFF).step_by(every) {
        for start in (0..=255u8).step_by(every) {
            for (i, b) in chunk.iter_mut().enumerate() {
                *b = start.wrapping_add((i as u8).wrapping_mul(37));
            }
            assert_eq!(
                chunk_lead_bits(&chunk, floor),
                chunk_lead_bits_portable(&chunk, floor),
                "floor {floor:02X} start {start:02X}"
            );
        }
    }
}

/// Every linear index of GB18030's four-byte codes, up to past the last range's start, maps
/// through the dense index to what a search of all the ranges finds; and every index mapped
/// into the BMP is read from the dense part, none searched for.
#[test]
fn the_dense_index_maps_what_a_search_finds() {
    let (ranges, _) = charset("GB18030").unwrap().table.four_byte.unwrap();
    let dense = DenseIndex::new(ranges);
    let limit = ranges.last().unwrap().index;
    let step = if cfg!(miri) { 97 } else { 1 };
    for index in (0..limit + 1000).step_by(step) {
        let range = ranges[ranges.partition_point(|r| r.index <= index) - 1];
        let searched = (range.cp != 0).then(|| range.cp + (index - range.index));
        assert_eq!(char_of_index(ranges, index), searched, "index {index}");
        if searched.is_some_and(|cp| cp < 0x10000) {
            assert!((index as usize) < dense.code_points.len(), "index {index}");
        }
    }
}

/// A run of GB18030 four-byte codes, whose first and third bytes look like leads so that they
/// fill whole chunks of pairs, is decoded by the hot loop itself to the block's end, not left
/// code by code to the general step. The codes are the first indices of mapped ranges (the
/// mapping itself is checked against iconv elsewhere), so that this runs under Miri too.
#[test]
fn the_hot_loop_decodes_runs_of_four_byte_codes() {
    let (ranges, _) = charset("GB18030").unwrap().table.four_byte.unwrap();
    let (mut block, mut text) = (Vec::new(), String::new());
    for range in ranges
        .iter()
        .filter(|r| r.cp != 0 && r.cp < 0x10000)
        .take(48)
    {
        let index = range.index;
        block.extend([
            0x81 + (index / 12600) as u8,
            0x30 + (index / 1260 % 10) as u8,
            0x81 + (index / 10 % 126) as u8,
            0x30 + (index % 10) as u8,
        ]);
        text.push(char::from_u32(range.cp).unwrap());
    }
    assert_eq!(block.len(), 4 * 48);
    let decoder = new_decoder("GB18030").unwrap();
    let mut dst = vec![0u8; 4 * block.len()];
    let (read, written) = decoder.fast_run_utf8(&block, &mut dst, 0, 0);
    assert_eq!(read, block.len());
    assert_eq!(std::str::from_utf8(&dst[..written]).unwrap(), text);
}

/// The chunks of pairs and the one-by-one loop between them give what the general path gives
/// code by code, on text made from the tables alone (so that it runs under Miri too): runs of
/// two-byte codes of every length up to 40, each followed by a single byte or an ASCII run of
/// up to 20 bytes, through output rooms of every small size (blocks ending everywhere).
#[test]
fn pair_chunks_decode_as_the_general_path() {
    let stride = if cfg!(miri) { 97 } else { 7 };
    for name in [
        "EUC-KR",
        "GBK",
        "BIG5HKSCS",
        "EUC-TW",
        "JOHAB",
        "EUC-JISX0213",
    ] {
        let decoder = new_decoder(name).unwrap();
        let floor = decoder.lookup.lead_floor.unwrap();
        let decode_alone = |code: &[u8], out: &mut Vec<u8>| {
            let Sequence::Chars { len, first, second } = decoder.lookup.sequence(code) else {
                panic!("{name} {code:02X?} is no character");
            };
            assert_eq!(len, code.len(), "{name} {code:02X?}");
            let mut utf8 = [0u8; 8];
            let mut n = u8::push_char(&mut utf8, first);
            if second != 0 {
                n += u8::push_char(&mut utf8[n..], second);
            }
            out.extend_from_slice(&utf8[..n]);
        };
        let pairs: Vec<[u8; 2]> = (floor..=0xFF)
            .flat_map(|first| (0x21..=0xFF).map(move |next| [first, next]))
            .step_by(stride)
            .filter(|pair| {
                matches!(
                    decoder.lookup.sequence(pair),
                    Sequence::Chars { len: 2, .. }
                )
            })
            .collect();
        let singles: Vec<u8> = (0..floor)
            .filter(|&b| decoder.lookup.table.first_row[usize::from(b)] == LEAD_CHAR)
            .collect();
        // Three- and four-byte codes (EUC-TW's 8E below the floor, EUC-JISX0213's 8F above
        // it), which the chunk path must leave to the general path wherever they fall.
        let long_codes: Vec<Vec<u8>> = (0x80..=0xFF)
            .flat_map(|first| [[first, 0xA1, 0xA1, 0xA1], [first, 0xA2, 0xB0, 0xA1]])
            .flat_map(|code| [code[..3].to_vec(), code.to_vec()])
            .filter(|code| {
                matches!(decoder.lookup.sequence(code), Sequence::Chars { len, .. } if len == code.len())
            })
            .collect();
        let (mut input, mut expected) = (Vec::new(), Vec::new());
        let mut pairs_left = pairs.iter();
        for run in 0.. {
            let codes: Vec<_> = pairs_left.by_ref().take(run % 41).collect();
            if codes.is_empty() && run > 0 {
                break;
            }
            for pair in codes {
                input.extend_from_slice(pair);
                decode_alone(pair, &mut expected);
            }
            let gap: Vec<u8> = if run % 3 == 0 {
                vec![singles[run * 31 % singles.len()]]
            } else if run % 3 == 1 && !long_codes.is_empty() {
                let code = &long_codes[run % long_codes.len()];
                decode_alone(code, &mut expected);
                input.extend_from_slice(code);
                vec![b' ']
            } else {
                (0..run % 21).map(|i| b'a' + (i % 26) as u8).collect()
            };
            for &byte in &gap {
                input.push(byte);
                decode_alone(&[byte], &mut expected);
            }
        }
        // A block of a room holds (room - 1) / 3 input bytes and a chunk takes 16: rooms up to
        // 100 end blocks at every place of the chunks.
        let rooms = (crate::MIN_OUTPUT_SPACE..=100).chain([expected.len() + 16]);
        for room in rooms.step_by(if cfg!(miri) { 9 } else { 1 }) {
            assert_eq!(
                run_with_room(name, &input, room),
                expected,
                "{name} room {room}"
            );
        }
    }
}
