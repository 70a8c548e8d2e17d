//! Differential tests of the ISO-2022 charsets against the system iconv: every escape sequence
//! (known, unknown and cut), every code of every designated set in each shift state, the single
//! shifts, control bytes inside double-byte text, real text transcoded into each charset by
//! iconv, truncated and invalid input, `-c` drops, the state between inputs, and chunking.

use convert_utf8::{Charset, Decoder, ErrorPolicy, Family};
use iconv_oracle::{Iconv, Outcome};
use proptest::prelude::*;

mod common;
use common::{decode_in_chunks, ours, ours_ignoring};

const TEXT: &str = include_str!("data/cjk.txt");
const MULTILINGUAL: &str = include_str!("data/multilingual.txt");

/// The ISO-2022 charsets.
const CHARSETS: [&str; 6] = [
    "ISO-2022-JP",
    "ISO-2022-JP-2",
    "ISO-2022-JP-3",
    "ISO-2022-KR",
    "ISO-2022-CN",
    "ISO-2022-CN-EXT",
];

fn charset(name: &str) -> Charset {
    Charset::for_label(name).unwrap()
}

/// What `iconv` and `iconv -c` (`//IGNORE`, in-process) make of the input.
struct Oracle {
    charset: Charset,
    strict: Iconv,
    ignore: Iconv,
}

impl Oracle {
    fn open(name: &str) -> Oracle {
        Oracle {
            charset: charset(name),
            strict: Iconv::open(name).unwrap(),
            ignore: Iconv::open_to(name, "UTF-8//IGNORE").unwrap(),
        }
    }

    fn check(&mut self, input: &[u8]) {
        let c = self.strict.convert(input);
        if c.outcome == Outcome::Invalid(input.len()) && !input.is_empty() {
            // ISO-2022-CN-EXT's final SO without designation: glibc reports the byte after it
            // (past the end) and its `-c` reads beyond the input; we report the SO itself.
            assert_eq!(self.charset.name(), "ISO-2022-CN-EXT");
            assert_eq!(input.last(), Some(&0x0E));
            let expected = (c.output, Outcome::Invalid(input.len() - 1));
            assert_eq!(ours(self.charset, input), expected, "{input:02X?}");
            return;
        }
        assert_eq!(
            ours(self.charset, input),
            (c.output, c.outcome),
            "{}: {input:02X?}",
            self.charset
        );
        let theirs = self.ignore.convert(input).output;
        assert_eq!(
            ours_ignoring(self.charset, input),
            theirs,
            "{} -c: {input:02X?}",
            self.charset
        );
    }
}

#[test]
fn every_iso_2022_charset_has_a_decoder() {
    let mut names: Vec<&str> = Charset::all()
        .filter(|c| c.family() == Family::Iso2022)
        .map(|c| c.name())
        .collect();
    names.sort_unstable();
    let mut expected = CHARSETS.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected);
}

/// The escape sequences and shifts worth trying in front of text: every designation glibc
/// knows in any ISO-2022 charset, plus near misses.
fn prefixes() -> Vec<Vec<u8>> {
    let mut prefixes: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x0E],
        vec![0x0F],
        vec![0x1B, b'N'],
        vec![0x1B, b'O'],
    ];
    for intermediate in [&b"("[..], b"$", b"$(", b"$)", b"$*", b"$+", b"."] {
        for fin in b"@ABCDEFGHIJMOPQ" {
            let escape = [&[0x1B][..], intermediate, &[*fin]].concat();
            if intermediate == b"$)" {
                // SO invokes what `ESC $ )` designated.
                prefixes.push([&escape[..], &[0x0E]].concat());
            }
            prefixes.push(escape);
        }
    }
    prefixes
}

#[test]
fn every_escape_then_every_byte_and_pair() {
    // After each prefix: every byte alone, and each lead byte with a sample of trail bytes
    // covering controls, ESC, both ends of the 94 range, DEL and an 8-bit byte.
    let trails = [0x0A, 0x1B, 0x20, 0x21, 0x7E, 0x7F, 0xA1];
    for name in CHARSETS {
        let mut oracle = Oracle::open(name);
        for prefix in prefixes() {
            oracle.check(&prefix);
            for b in 0..=255u8 {
                oracle.check(&[&prefix[..], &[b]].concat());
                oracle.check(&[&prefix[..], &[b, b'x']].concat());
            }
            for lead in 0x21..=0x7Eu8 {
                for trail in trails {
                    oracle.check(&[&prefix[..], &[lead, trail], b"\x0fz"].concat());
                }
            }
        }
    }
}

/// Every code of each designated set, in every charset that designates it.
#[test]
fn every_code_of_every_designated_set() {
    let sets: [(&str, &[u8]); 27] = [
        ("ISO-2022-JP", b"\x1b$B"),
        ("ISO-2022-JP", b"\x1b$@"),
        ("ISO-2022-JP", b"\x1b(J"),
        ("ISO-2022-JP-2", b"\x1b$B"),
        ("ISO-2022-JP-2", b"\x1b$A"),
        ("ISO-2022-JP-2", b"\x1b$(C"),
        ("ISO-2022-JP-2", b"\x1b$(D"),
        ("ISO-2022-JP-2", b"\x1b(I"),
        ("ISO-2022-JP-3", b"\x1b$B"),
        ("ISO-2022-JP-3", b"\x1b$(O"),
        ("ISO-2022-JP-3", b"\x1b$(Q"),
        ("ISO-2022-JP-3", b"\x1b$(P"),
        ("ISO-2022-JP-3", b"\x1b(I"),
        ("ISO-2022-KR", b"\x1b$)C\x0e"),
        ("ISO-2022-KR", b"\x0e"),
        ("ISO-2022-CN", b"\x1b$)A\x0e"),
        ("ISO-2022-CN", b"\x1b$)G\x0e"),
        ("ISO-2022-CN", b"\x1b$*H\x1bN"),
        ("ISO-2022-CN-EXT", b"\x1b$)A\x0e"),
        ("ISO-2022-CN-EXT", b"\x1b$)G\x0e"),
        ("ISO-2022-CN-EXT", b"\x1b$)E\x0e"),
        ("ISO-2022-CN-EXT", b"\x1b$*H\x1bN"),
        ("ISO-2022-CN-EXT", b"\x1b$+I\x1bO"),
        ("ISO-2022-CN-EXT", b"\x1b$+J\x1bO"),
        ("ISO-2022-CN-EXT", b"\x1b$+K\x1bO"),
        ("ISO-2022-CN-EXT", b"\x1b$+L\x1bO"),
        ("ISO-2022-CN-EXT", b"\x1b$+M\x1bO"),
    ];
    for (name, invoke) in sets {
        let mut oracle = Oracle::open(name);
        for lead in 0x21..=0x7Eu8 {
            let mut row = invoke.to_vec();
            for trail in 0x21..=0x7Eu8 {
                oracle.check(&[invoke, &[lead, trail]].concat());
                row.extend_from_slice(&[lead, trail]);
                if invoke.ends_with(b"\x1bN") || invoke.ends_with(b"\x1bO") {
                    row.extend_from_slice(&invoke[invoke.len() - 2..]);
                }
            }
            oracle.check(&row);
        }
    }
    // ISO-2022-JP-2's G2 sets: every byte after ESC N.
    let mut oracle = Oracle::open("ISO-2022-JP-2");
    for g2 in [&b"\x1b.A"[..], b"\x1b.F", b""] {
        for b in 0..=255u8 {
            oracle.check(&[g2, b"\x1bN", &[b], b"z"].concat());
        }
    }
}

/// Lines of `text` that iconv can write in `name`, transcoded by iconv.
fn text_in(name: &str, text: &str) -> Vec<Vec<u8>> {
    let mut encoder = Iconv::open_to("UTF-8", name).unwrap();
    text.lines()
        .filter_map(|line| {
            let c = encoder.convert(format!("{line}\n").as_bytes());
            (c.outcome == Outcome::Complete).then_some(c.output)
        })
        .collect()
}

#[test]
fn real_text() {
    for name in CHARSETS {
        let mut lines = text_in(name, TEXT);
        let escaped = lines
            .iter()
            .filter(|l| l.iter().any(|&b| b == 0x1B || b == 0x0E))
            .count();
        assert!(
            escaped >= 2,
            "{name}: only {escaped} lines use a double-byte set"
        );
        lines.extend(text_in(name, MULTILINGUAL));
        let mut oracle = Oracle::open(name);
        for line in &lines {
            oracle.check(line);
            for cut in 0..line.len() {
                oracle.check(&line[..cut]);
            }
        }
        let all = lines.concat();
        oracle.check(&all);
        for at in (0..all.len()).step_by(13) {
            for bad in [0xFF, 0x80, 0x0A, 0x1B, 0x0E] {
                let mut input = all.clone();
                input.insert(at, bad);
                oracle.check(&input);
            }
        }
    }
}

#[test]
fn the_iconv_program_agrees_with_c_and_resets_state_between_files() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    let cases: [(&str, &[u8], &[u8]); 3] = [
        ("ISO-2022-JP", b"a\x1b$B\x30\x21\x30\x7f", b"\x30\x21"),
        (
            "ISO-2022-KR",
            b"\x1b$)C\x0e\x30\x21\x0a\x30\x21",
            b"\x30\x21",
        ),
        (
            "ISO-2022-CN",
            b"\x1b$)G\x0e\x44\x21\x1bN\x7e\x7e\x0a",
            b"\x44\x21",
        ),
    ];
    for (name, a, b) in cases {
        std::fs::write(&first, a).unwrap();
        std::fs::write(&second, b).unwrap();
        let theirs = std::process::Command::new("iconv")
            .args(["-c", "-f", name, "-t", "UTF-8"])
            .arg(&first)
            .arg(&second)
            .output()
            .expect("the iconv program runs")
            .stdout;
        let mut decoder = Decoder::new(charset(name), ErrorPolicy::Ignore);
        let mut out = Vec::new();
        let _ = decoder.decode_to_vec(a, &mut out);
        decoder.begin_next_input();
        let _ = decoder.decode_to_vec(b, &mut out);
        assert_eq!(out, theirs, "{name}");
    }
}

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"\x1b$B".to_vec()),
        Just(b"\x1b(B".to_vec()),
        Just(b"\x1b$(C".to_vec()),
        Just(b"\x1b.F\x1bNa".to_vec()),
        Just(b"\x1b$)C".to_vec()),
        Just(b"\x1b$)G".to_vec()),
        Just(b"\x1b$*H\x1bN\x21\x21".to_vec()),
        Just(b"\x1b$+I\x1bO\x21\x21".to_vec()),
        Just(b"\x1b$)E".to_vec()),
        Just(b"\x1b$(Q\x24\x77".to_vec()),
        Just(vec![0x0E]),
        Just(vec![0x0F]),
        Just(vec![0x1B]),
        Just(b"\x30\x21".to_vec()),
        Just(b"ab\n".to_vec()),
        any::<[u8; 2]>().prop_map(|p| p.to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any chunking of escaped text (with bad and cut sequences) gives the same output.
    #[test]
    fn chunking_does_not_change_the_output(
        index in 0usize..CHARSETS.len(),
        pieces in proptest::collection::vec(piece(), 0..40),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let charset = charset(CHARSETS[index]);
        let input = pieces.concat();
        let whole = ours_ignoring(charset, &input);
        prop_assert_eq!(
            decode_in_chunks(charset, &input, &cuts),
            whole,
            "{} {:02X?} cut at {:?}",
            charset,
            input,
            cuts
        );
    }
}
