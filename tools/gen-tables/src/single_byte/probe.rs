//! Asking the system iconv what each byte, and each byte in context, decodes to.

use super::SingleByteFamily;
use iconv_oracle::{Iconv, Outcome};

/// What the system iconv does with one charset of these families.
#[derive(Debug)]
pub struct Probed {
    pub name: String,
    pub family: SingleByteFamily,
    /// The code point each byte decodes to on its own; `None` for bytes iconv rejects (and for
    /// the prefix bytes of the ISO 6937 family, which are incomplete on their own).
    pub bytes: [Option<u16>; 256],
    pub context: ContextTables,
}

/// A base + combining mark pair the charset composes, in code points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Composition {
    pub base: u16,
    pub mark: u16,
    pub composed: u16,
    /// iconv holds the composed character back too, because a further mark may compose with it.
    pub held: bool,
}

/// What a charset does beyond one byte, one character.
#[derive(Debug)]
pub enum ContextTables {
    None,
    Composing {
        /// Bytes whose character iconv holds back, waiting for a combining mark.
        held: [bool; 256],
        /// Sorted by (base, mark).
        compositions: Vec<Composition>,
    },
    Iso6937 {
        /// For each prefix byte: what each second byte in `SECOND_BYTES` makes of it (`None`: both
        /// bytes are one invalid sequence). Second bytes outside that range leave the prefix
        /// byte alone invalid (checked while probing).
        prefixes: Vec<(u8, Vec<Option<u16>>)>,
    },
    Tscii {
        /// The code points each byte 0x80..=0xFF decodes to on its own (empty: invalid).
        expansions: Vec<Vec<u16>>,
        /// Bytes whose last code point iconv holds back, waiting for what follows.
        held: [bool; 256],
    },
}

/// The second bytes a prefix byte of the ISO 6937 family combines with (or is rejected with as
/// a pair); iconv rejects the prefix byte alone before any other byte.
pub const SECOND_BYTES: std::ops::RangeInclusive<u8> = 0x20..=0x7F;

struct Oracle {
    strict: Iconv,
    ignore: Iconv,
}

impl Oracle {
    fn open(name: &str) -> Oracle {
        Oracle {
            strict: Iconv::open(name).unwrap_or_else(|| panic!("iconv cannot open {name}")),
            ignore: Iconv::open_to(name, "UTF-8//IGNORE")
                .unwrap_or_else(|| panic!("iconv cannot open {name} with //IGNORE")),
        }
    }

    /// Code points of a complete conversion, or the outcome that stopped it.
    fn chars(&mut self, input: &[u8]) -> Result<Vec<u16>, Outcome> {
        let conversion = self.strict.convert(input);
        match conversion.outcome {
            Outcome::Complete => Ok(code_points(&conversion.output)),
            other => Err(other),
        }
    }

    /// What iconv has written before the end of input, without flushing what it holds back.
    fn unflushed(&mut self, input: &[u8]) -> Vec<u16> {
        self.strict.reset();
        let mut output = Vec::new();
        let outcome = self.strict.convert_into(input, &mut output, false);
        self.strict.reset();
        assert_eq!(outcome, Outcome::Complete, "{input:02X?}");
        code_points(&output)
    }

    /// Code points iconv writes when told to drop invalid input.
    fn ignoring(&mut self, input: &[u8]) -> Vec<u16> {
        code_points(&self.ignore.convert(input).output)
    }
}

fn code_points(utf8: &[u8]) -> Vec<u16> {
    std::str::from_utf8(utf8)
        .expect("iconv wrote invalid UTF-8")
        .chars()
        .map(|c| u16::try_from(u32::from(c)).expect("a single-byte charset left the BMP"))
        .collect()
}

/// Probes every charset in `charsets`.
pub fn probe_all(charsets: &[(String, SingleByteFamily)]) -> Vec<Probed> {
    let mut probed: Vec<Probed> = charsets
        .iter()
        .map(|(name, family)| probe(name, *family))
        .collect();
    probed.sort_by(|a, b| a.name.cmp(&b.name));
    probed
}

fn probe(name: &str, family: SingleByteFamily) -> Probed {
    let mut oracle = Oracle::open(name);
    let mut bytes = [None; 256];
    let mut incomplete = Vec::new();
    let mut multiple = Vec::new();
    for byte in 0..=255u8 {
        match oracle.chars(&[byte]) {
            Ok(chars) if chars.len() == 1 => bytes[usize::from(byte)] = Some(chars[0]),
            Ok(chars) => multiple.push((byte, chars)),
            Err(Outcome::Invalid(0)) => {}
            Err(Outcome::Incomplete(0)) => incomplete.push(byte),
            Err(other) => panic!("{name}: byte {byte:02X}: unexpected {other:?}"),
        }
    }
    let context = match family {
        SingleByteFamily::Plain => ContextTables::None,
        SingleByteFamily::Composing => probe_compositions(&mut oracle, &bytes),
        SingleByteFamily::Iso6937 => probe_prefixes(&mut oracle, name, &bytes, &incomplete),
        SingleByteFamily::Tscii => {
            let mut expansions = vec![Vec::new(); 128];
            for (byte, chars) in &multiple {
                assert!(*byte >= 0x80 && chars.len() <= 4, "{name}: {byte:02X}");
                expansions[usize::from(*byte - 0x80)] = chars.clone();
            }
            for (byte, cp) in bytes.iter().enumerate().skip(0x80) {
                if let Some(cp) = cp {
                    expansions[byte - 0x80] = vec![*cp];
                }
            }
            multiple.clear();
            let mut held = [false; 256];
            for byte in 0x80..=0xFFu8 {
                let expansion = &expansions[usize::from(byte - 0x80)];
                if !expansion.is_empty() {
                    let written = oracle.unflushed(&[byte]);
                    assert!(written.len() + 1 >= expansion.len(), "{name}: {byte:02X}");
                    held[usize::from(byte)] = written.len() < expansion.len();
                }
            }
            ContextTables::Tscii { expansions, held }
        }
    };
    if family != SingleByteFamily::Iso6937 {
        assert!(
            incomplete.is_empty(),
            "{name}: incomplete bytes {incomplete:02X?}"
        );
    }
    assert!(multiple.is_empty(), "{name}: bytes with several characters");
    assert!(
        bytes
            .iter()
            .all(|b| *b != Some(crate::single_byte::render::UNMAPPED)),
        "{name}: a byte decodes to U+FFFF, the table's unmapped marker"
    );
    Probed {
        name: name.to_string(),
        family,
        bytes,
        context,
    }
}

/// Every (base, mark) pair iconv composes, found by decoding every pair of valid bytes and then
/// extending each composed pair by every byte, for as long as composition goes on.
fn probe_compositions(oracle: &mut Oracle, bytes: &[Option<u16>; 256]) -> ContextTables {
    let mut held = [false; 256];
    for byte in 0..=255u8 {
        if bytes[usize::from(byte)].is_some() {
            held[usize::from(byte)] = oracle.unflushed(&[byte]).is_empty();
        }
    }
    let valid: Vec<u8> = (0..=255u8)
        .filter(|b| bytes[usize::from(*b)].is_some())
        .collect();
    let mut compositions = Vec::new();
    // Sequences that iconv decoded to a single character: (bytes, that character).
    let mut frontier: Vec<(Vec<u8>, u16)> = valid
        .iter()
        .map(|b| (vec![*b], bytes[usize::from(*b)].unwrap()))
        .collect();
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for (sequence, base) in &frontier {
            for &mark_byte in &valid {
                let mark = bytes[usize::from(mark_byte)].unwrap();
                let mut input = sequence.clone();
                input.push(mark_byte);
                let chars = oracle.chars(&input).expect("valid bytes decode");
                if chars == [*base, mark] {
                    continue;
                }
                assert_eq!(chars.len(), 1, "{input:02X?} -> {chars:04X?}");
                let held = oracle.unflushed(&input).is_empty();
                let composition = Composition {
                    base: *base,
                    mark,
                    composed: chars[0],
                    held,
                };
                match compositions
                    .iter()
                    .find(|c: &&Composition| (c.base, c.mark) == (*base, mark))
                {
                    Some(known) => assert_eq!(*known, composition, "{input:02X?}"),
                    None => compositions.push(composition),
                }
                if held {
                    next.push((input, chars[0]));
                }
            }
        }
        frontier = next;
    }
    compositions.sort();
    // A base character iconv does not hold back can never compose, so it must not appear.
    for c in &compositions {
        for (byte, cp) in bytes.iter().enumerate() {
            if *cp == Some(c.base) {
                assert!(held[byte], "{:04X} composes but is not held", c.base);
            }
        }
    }
    ContextTables::Composing { held, compositions }
}

/// For each prefix byte: every second byte's outcome, and a check that the prefix byte alone is
/// the invalid unit whenever the second byte is outside [`SECOND_BYTES`].
fn probe_prefixes(
    oracle: &mut Oracle,
    name: &str,
    bytes: &[Option<u16>; 256],
    incomplete: &[u8],
) -> ContextTables {
    let mut prefixes = Vec::new();
    for &prefix in incomplete {
        let mut outcomes = Vec::new();
        for second in 0..=255u8 {
            let pair = [prefix, second];
            let outcome = match oracle.chars(&pair) {
                Ok(chars) => {
                    assert_eq!(chars.len(), 1, "{name}: {pair:02X?}");
                    Some(chars[0])
                }
                Err(Outcome::Invalid(0)) => None,
                Err(other) => panic!("{name}: {pair:02X?}: {other:?}"),
            };
            // What iconv -c keeps of the pair followed by a letter tells how much it dropped.
            let kept = oracle.ignoring(&[prefix, second, b'A']);
            let second_alone = oracle.ignoring(&[second, b'A']);
            let drops_pair = outcome.is_none() && kept == [u16::from(b'A')];
            let drops_prefix = outcome.is_none() && kept == second_alone;
            if SECOND_BYTES.contains(&second) {
                assert!(
                    outcome.is_some() || drops_pair,
                    "{name}: {pair:02X?} is not one unit"
                );
                outcomes.push(outcome);
            } else {
                assert!(
                    drops_prefix,
                    "{name}: {pair:02X?} does not drop the prefix alone"
                );
            }
        }
        assert!(bytes[usize::from(prefix)].is_none());
        prefixes.push((prefix, outcomes));
    }
    ContextTables::Iso6937 { prefixes }
}
