//! Differential tests of the single-byte families against the system iconv: the 226 table-driven
//! charsets (three of which compose base + mark), the four ISO 6937-style prefix charsets and
//! TSCII. Every charset of these families in the registry is tested; the counts are asserted so
//! that none can be skipped silently.
//!
//! For each charset: every byte alone, every pair of bytes for the contextual ones (and random
//! longer sequences), real multilingual text transcoded into the charset by iconv, invalid bytes
//! in the middle of text (same output before, same position), and `iconv -c` (`//IGNORE`)
//! drops; plus chunking properties.

mod common;

use common::{lines_encoded_in, ours, ours_ignoring};
use convert_utf8::{Charset, ErrorPolicy, Family};
use iconv_oracle::{Iconv, Outcome};
use proptest::prelude::*;

const TEXT: &str = include_str!("data/multilingual.txt");

fn charsets_of(family: Family) -> Vec<Charset> {
    Charset::all().filter(|c| c.family() == family).collect()
}

fn all_charsets() -> Vec<Charset> {
    let families = [
        Family::SingleByte,
        Family::Composing,
        Family::Iso6937,
        Family::Tscii,
    ];
    families.into_iter().flat_map(charsets_of).collect()
}

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

    /// What `iconv` prints and reports: output before the error (a character glibc holds back
    /// is not written when it stops at an error), and the error.
    fn strict(&mut self, input: &[u8]) -> (Vec<u8>, Outcome) {
        let c = self.strict.convert(input);
        (c.output, c.outcome)
    }

    /// What `iconv -c` prints: with `//IGNORE`, iconv() converts everything it can, reports
    /// EILSEQ at the end if it dropped something, and the program then flushes what the
    /// converter holds back (the last character of a composing charset).
    fn ignoring(&mut self, input: &[u8]) -> Vec<u8> {
        self.ignore.reset();
        let mut output = Vec::new();
        if let Outcome::Invalid(at) = self.ignore.convert_into(input, &mut output, true) {
            assert_eq!(at, input.len(), "//IGNORE stopped early");
            self.ignore.convert_into(&[], &mut output, true);
        }
        self.ignore.reset();
        output
    }
}

fn check(charset: Charset, oracle: &mut Oracle, input: &[u8], with_ignore: bool) {
    assert_eq!(
        ours(charset, input),
        oracle.strict(input),
        "{charset}: {input:02X?}"
    );
    if with_ignore {
        assert_eq!(
            ours_ignoring(charset, input),
            oracle.ignoring(input),
            "{charset} -c: {input:02X?}"
        );
    }
}

#[test]
fn registry_has_every_single_byte_charset() {
    assert_eq!(charsets_of(Family::SingleByte).len(), 223);
    assert_eq!(charsets_of(Family::Composing).len(), 3);
    assert_eq!(charsets_of(Family::Iso6937).len(), 4);
    assert_eq!(charsets_of(Family::Tscii).len(), 1);
}

#[test]
fn every_byte_alone() {
    for charset in all_charsets() {
        let mut oracle = Oracle::open(charset);
        for byte in 0..=255u8 {
            check(charset, &mut oracle, &[byte], true);
        }
        // And all 256 bytes in a row: the fast paths see every byte in a block.
        let all: Vec<u8> = (0..=255u8).collect();
        check(charset, &mut oracle, &all, true);
    }
}

#[test]
fn every_pair_of_bytes_in_contextual_charsets() {
    for family in [Family::Composing, Family::Iso6937, Family::Tscii] {
        for charset in charsets_of(family) {
            let mut oracle = Oracle::open(charset);
            for first in 0..=255u8 {
                for second in 0..=255u8 {
                    check(charset, &mut oracle, &[first, second], true);
                }
            }
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn random_sequences_in_contextual_charsets() {
    let mut rng = Lcg(0x5EED);
    for family in [Family::Composing, Family::Iso6937, Family::Tscii] {
        for charset in charsets_of(family) {
            let mut oracle = Oracle::open(charset);
            // Mostly high bytes (where the context rules live), some letters and spaces.
            let pool: Vec<u8> = (0x80..=0xFFu8).chain(*b"aAeEoO zZ1").collect();
            for _ in 0..20_000 {
                let len = 1 + rng.next() as usize % 6;
                let input: Vec<u8> = (0..len)
                    .map(|_| pool[rng.next() as usize % pool.len()])
                    .collect();
                check(charset, &mut oracle, &input, true);
            }
        }
    }
}

#[test]
fn multilingual_text() {
    let mut representable = 0;
    for charset in all_charsets() {
        let mut oracle = Oracle::open(charset);
        let lines = lines_encoded_in(charset, TEXT);
        representable += lines.len();
        let joined = lines.join(&b"\n"[..]);
        check(charset, &mut oracle, &joined, true);
        // Long input: the block loop runs many times.
        check(charset, &mut oracle, &joined.repeat(20), false);
    }
    assert!(representable > 500, "only {representable} lines encoded");
}

#[test]
fn invalid_bytes_in_the_middle_of_text() {
    for charset in all_charsets() {
        let mut oracle = Oracle::open(charset);
        let lines = lines_encoded_in(charset, TEXT);
        let text = if lines.is_empty() {
            vec![0x20; 40]
        } else {
            lines.join(&b" "[..])
        };
        let invalid: Vec<u8> = (0..=255u8)
            .filter(|b| oracle.strict(&[*b]).1 != Outcome::Complete)
            .collect();
        for (i, bad) in invalid.iter().enumerate() {
            let cut = (i * 7 + 17) % (text.len() + 1);
            let mut input = text[..cut].to_vec();
            input.push(*bad);
            input.extend_from_slice(&text[cut..]);
            input.push(*bad);
            check(charset, &mut oracle, &input, true);
        }
    }
}

/// Decodes `input` under `policy` cut at `cuts`, through a 64-byte output buffer.
fn decode_in_chunks(
    charset: Charset,
    input: &[u8],
    cuts: &[usize],
    policy: ErrorPolicy,
) -> Vec<u8> {
    common::decode_in_chunks_into(charset, input, cuts, policy, &mut [0u8; 64])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn chunking_does_not_change_the_output(
        which in 0usize..231,
        input in proptest::collection::vec(any::<u8>(), 0..200),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let charsets = all_charsets();
        let charset = charsets[which % charsets.len()];
        for policy in [ErrorPolicy::Ignore, ErrorPolicy::Replace] {
            let whole = decode_in_chunks(charset, &input, &[], policy);
            prop_assert_eq!(&decode_in_chunks(charset, &input, &cuts, policy), &whole);
        }
        let mut oracle = Oracle::open(charset);
        prop_assert_eq!(
            decode_in_chunks(charset, &input, &cuts, ErrorPolicy::Ignore),
            oracle.ignoring(&input)
        );
    }
}
