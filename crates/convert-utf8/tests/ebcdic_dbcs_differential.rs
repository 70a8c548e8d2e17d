//! Differential tests of the EBCDIC double-byte charsets (IBM930, ..., IBM1399) against the
//! system iconv: every byte of the single-byte state, every pair of the double-byte state (and
//! what `-c` drops), shift sequences, real text transcoded into each charset by iconv, truncated
//! and invalid input, the shift state between inputs, and chunking.

use convert_utf8::{Charset, Decoder, ErrorPolicy, Family};
use iconv_oracle::{Iconv, Outcome};
use proptest::prelude::*;

mod common;
use common::{decode_in_chunks, lines_encoded_in, ours, ours_ignoring};

const SO: u8 = 0x0E;
const SI: u8 = 0x0F;
const TEXT: &str = include_str!("data/cjk.txt");

fn charsets() -> Vec<Charset> {
    Charset::all()
        .filter(|c| c.family() == Family::EbcdicDbcs)
        .collect()
}

/// What `iconv` and `iconv -c` (`//IGNORE`, in-process) make of the input.
struct Oracle {
    strict: Iconv,
    ignore: Iconv,
}

impl Oracle {
    fn open(charset: Charset) -> Oracle {
        Oracle {
            strict: Iconv::open(charset.name()).unwrap(),
            ignore: Iconv::open_to(charset.name(), "UTF-8//IGNORE").unwrap(),
        }
    }

    fn check(&mut self, charset: Charset, input: &[u8], with_ignore: bool) {
        let c = self.strict.convert(input);
        assert_eq!(
            ours(charset, input),
            (c.output, c.outcome),
            "{charset}: {input:02X?}"
        );
        if with_ignore {
            // An incomplete pair at the end stops `-c` too; compare what comes before it.
            let theirs = self.ignore.convert(input).output;
            assert_eq!(
                ours_ignoring(charset, input),
                theirs,
                "{charset} -c: {input:02X?}"
            );
        }
    }
}

#[test]
fn registry_has_every_ebcdic_double_byte_charset() {
    let names: Vec<&str> = charsets().iter().map(|c| c.name()).collect();
    assert_eq!(names.len(), 10, "{names:?}");
}

#[test]
fn every_single_byte_and_shift() {
    for charset in charsets() {
        let mut oracle = Oracle::open(charset);
        for b in 0..=255u8 {
            oracle.check(charset, &[b], true);
            oracle.check(charset, &[b, 0xC1], true);
            oracle.check(charset, &[SO, b], true);
            oracle.check(charset, &[SO, SI, b, SI, SO], true);
        }
        let all: Vec<u8> = (0..=255u8).filter(|&b| b != SO).collect();
        oracle.check(charset, &all, true);
    }
}

#[test]
fn every_pair_in_the_double_byte_state() {
    for charset in charsets() {
        let mut oracle = Oracle::open(charset);
        let mut valid_row = Vec::new();
        for lead in 0..=255u8 {
            valid_row.clear();
            valid_row.push(SO);
            for trail in 0..=255u8 {
                let input = [SO, lead, trail, SI, 0xC1];
                // `-c` on every seventh pair keeps the run time modest; all bad pairs drop alike.
                let with_ignore = (usize::from(lead) * 256 + usize::from(trail)) % 7 == 0;
                oracle.check(charset, &input, with_ignore);
                if ours(charset, &input[..3]).1 == Outcome::Complete && lead != SO && lead != SI {
                    valid_row.extend_from_slice(&[lead, trail]);
                }
            }
            // The whole row in one input: the hot loop sees pairs back to back.
            oracle.check(charset, &valid_row, false);
        }
    }
}

#[test]
fn real_text() {
    for charset in charsets() {
        let lines = lines_encoded_in(charset, TEXT);
        assert!(lines.len() >= 2, "{charset}: only {} lines", lines.len());
        let mut oracle = Oracle::open(charset);
        let shifted = lines.iter().filter(|line| line.contains(&SO)).count();
        assert!(shifted >= 1, "{charset}: no double-byte text");
        for line in &lines {
            oracle.check(charset, line, true);
            // Cut anywhere: truncated pairs, shifts at the end.
            for cut in 0..line.len() {
                oracle.check(charset, &line[..cut], false);
            }
        }
        let all = lines.concat();
        oracle.check(charset, &all, true);
        // Invalid bytes spliced into the text: same output before them, same position.
        for at in (0..all.len()).step_by(17) {
            for bad in [0xFF, 0x00, SO] {
                let mut input = all.clone();
                input.insert(at, bad);
                oracle.check(charset, &input, true);
            }
        }
    }
}

#[test]
fn the_iconv_program_agrees_on_a_sample_with_c_and_between_files() {
    let charset = Charset::for_label("IBM930").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    // Ends shifted out; the second file starts in the single-byte state again.
    std::fs::write(&first, [0xC1, SO, 0x45, 0x41, 0x00, 0x00, 0x45, 0x41]).unwrap();
    std::fs::write(&second, [0x45, 0x41, SO, 0x45, 0x41]).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new("iconv")
            .args(args)
            .arg(&first)
            .arg(&second)
            .output()
            .expect("the iconv program runs")
            .stdout
    };
    let theirs = run(&["-c", "-f", "IBM930", "-t", "UTF-8"]);
    let mut decoder = Decoder::new(charset, ErrorPolicy::Ignore);
    let mut out = Vec::new();
    let _ = decoder.decode_to_vec(&std::fs::read(&first).unwrap(), &mut out);
    decoder.begin_next_input();
    let _ = decoder.decode_to_vec(&std::fs::read(&second).unwrap(), &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        String::from_utf8(theirs).unwrap()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any chunking of shifted text (with bad pairs and cut pairs) gives the same output.
    #[test]
    fn chunking_does_not_change_the_output(
        charset_index in 0usize..10,
        pieces in proptest::collection::vec(
            prop_oneof![Just(vec![SO]), Just(vec![SI]), Just(vec![0x45, 0x41]),
                        Just(vec![0xC1]), Just(vec![0xFF]), any::<[u8; 2]>().prop_map(|p| p.to_vec())],
            0..60),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let charset = charsets()[charset_index];
        let input = pieces.concat();
        let whole = ours_ignoring(charset, &input);
        prop_assert_eq!(decode_in_chunks(charset, &input, &cuts), whole);
    }
}
