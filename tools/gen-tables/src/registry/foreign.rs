//! Which glibc charset a foreign name means: each WHATWG encoding (through encoding_rs) and each
//! Python codec (through `python3`) decodes the same probes as every glibc charset, and the
//! charset that agrees best is its meaning — if it agrees well enough; otherwise the name has no
//! glibc equivalent.
//!
//! Probes: every byte alone, every two-byte sequence with a high lead byte (for codecs where a
//! lone byte can start a longer sequence), and sample lines in many scripts as the foreign codec
//! encodes them.

use super::{CharsetRecord, FamilyKind};
use iconv_oracle::{Iconv, Outcome};
use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

/// What decoding one probe gave: the UTF-8 output, or `None` for an error.
type Decoded = Option<Vec<u8>>;

/// Lines in many scripts; each codec is probed with those it can encode.
const SAMPLES: &[&str] = &[
    "Hello, world! 0123456789 ~\\{}[]|@#$%^&*`'\"<>?_",
    "café naïve Ünïcödé ß £ ¥ © ± ÷ ÿ ¿ ¡ « » µ ¶ ·",
    "Łódź Čeština Őrült ž š ă ț ĉ ħ ŋ ŧ",
    "Ελληνικά ΆΈΉ άέή",
    "Русский язык Ёё",
    "Українська ґ є ї Ў ў",
    "עברית שלום",
    "العربية سلام ٠١٢",
    "ภาษาไทย",
    "Tiếng Việt",
    "Türkçe ğ ı ş İ",
    "日本語のテキスト、カタカナ",
    "ｶﾀｶﾅ",
    "～∥－￠￡￢",
    "①②③ⅰⅱⅲ№℡",
    "中文简体字",
    "中文繁體字",
    "한국어 텍스트",
    "€ ‘quotes’ “double” – — … • ™",
    "𠀋𡈽",
    "Ā ā Ē ē Ī ī Ō ō Ū ū",
    "Eesti õ Ž",
    "\u{80}\u{9F}\u{A0}",
];

/// The probes: single bytes, pairs, and the sample lines (as UTF-8).
struct Probes {
    singles: Vec<Vec<u8>>,
    pairs: Vec<Vec<u8>>,
}

impl Probes {
    fn new() -> Probes {
        Probes {
            singles: (0..=255u8).map(|b| vec![b]).collect(),
            pairs: (0x80..=0xFFu8)
                .flat_map(|lead| (0x21..=0xFFu8).map(move |trail| vec![lead, trail]))
                .collect(),
        }
    }
}

/// A foreign codec's behaviour on the probes.
struct ForeignBehaviour {
    singles: Vec<Decoded>,
    /// Only for codecs where a lone byte can start a longer sequence.
    pairs: Option<Vec<Decoded>>,
    /// (encoded sample, its text as UTF-8).
    samples: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The glibc charsets' behaviour on the probes, computed as needed.
struct GlibcBehaviour<'a> {
    charsets: &'a [CharsetRecord],
    singles: Vec<Vec<Decoded>>,
    /// Whether some lone byte starts a longer sequence.
    multibyte: Vec<bool>,

    pairs: HashMap<usize, Vec<Decoded>>,
}

/// A descriptor for probing one charset, one probe at a time.
struct Prober {
    name: String,
    cd: Iconv,
    /// glibc's UTF-16, UTF-32 and UNICODE decoders keep a byte order learnt from a BOM across
    /// resets, so a Unicode form gets a fresh descriptor after a probe that starts with a BOM.
    fresh_each_time: bool,
}

impl Prober {
    fn new(charset: &CharsetRecord) -> Prober {
        Prober {
            name: charset.name.clone(),
            cd: open(&charset.name),
            fresh_each_time: charset.family == FamilyKind::Unicode,
        }
    }

    /// The decoding of `input` as one complete text, and whether it ended inside a sequence.
    fn decode(&mut self, input: &[u8]) -> (Decoded, bool) {
        let conversion = self.cd.convert(input);
        let starts_with_bom = [&b"\xFE\xFF"[..], b"\xFF\xFE", b"\x00\x00\xFE\xFF"]
            .iter()
            .any(|bom| input.starts_with(bom));
        if self.fresh_each_time && starts_with_bom {
            self.cd = open(&self.name);
        }
        match conversion.outcome {
            Outcome::Complete => (Some(conversion.output), false),
            Outcome::Incomplete(_) => (None, true),
            Outcome::Invalid(_) => (None, false),
        }
    }
}

impl<'a> GlibcBehaviour<'a> {
    fn new(charsets: &'a [CharsetRecord], probes: &Probes) -> Self {
        let mut singles = Vec::new();
        let mut multibyte = Vec::new();
        for charset in charsets {
            let mut prober = Prober::new(charset);
            let (decoded, incomplete): (Vec<Decoded>, Vec<bool>) =
                probes.singles.iter().map(|p| prober.decode(p)).unzip();
            singles.push(decoded);
            multibyte.push(incomplete.contains(&true));
        }
        GlibcBehaviour {
            charsets,
            singles,
            multibyte,
            pairs: HashMap::new(),
        }
    }

    fn compute_pairs(&mut self, index: usize, probes: &Probes) {
        let charset = &self.charsets[index];
        self.pairs.entry(index).or_insert_with(|| {
            let mut prober = Prober::new(charset);
            probes.pairs.iter().map(|p| prober.decode(p).0).collect()
        });
    }
}

fn open(name: &str) -> Iconv {
    // INTERNAL is reachable only through its alias.
    let name = if name == "INTERNAL" { "WCHAR_T" } else { name };
    Iconv::open(name).unwrap_or_else(|| panic!("cannot open {name}"))
}

/// (agreements, comparisons): probes where at least one side decodes count as comparisons.
fn agreement(a: &[Decoded], b: &[Decoded]) -> (usize, usize) {
    agreement_where(a, b, |_| true)
}

/// [`agreement`] over the probes `keep` selects (by index).
fn agreement_where(a: &[Decoded], b: &[Decoded], keep: impl Fn(usize) -> bool) -> (usize, usize) {
    a.iter()
        .zip(b)
        .enumerate()
        .filter(|(i, (x, y))| keep(*i) && (x.is_some() || y.is_some()))
        .fold((0, 0), |(agree, total), (_, (x, y))| {
            (agree + usize::from(x == y), total + 1)
        })
}

/// A sample line weighs as much as this many byte probes: it tests whole characters in context.
const SAMPLE_WEIGHT: usize = 16;

/// How many of the best candidates on single bytes and samples are compared on pairs besides
/// the charsets with sequences longer than a byte.
const PAIR_CANDIDATES: usize = 12;

/// How close the best glibc charset came.
#[derive(Clone, Copy, Debug)]
pub struct Match {
    /// Index of the glibc charset.
    pub index: usize,
    /// Probes both decoded alike, of `compared` (probes at least one side decodes).
    pub agree: usize,
    pub compared: usize,
    /// Chosen because its name matches the foreign name, not only for its agreement.
    pub named: bool,
}

/// Agreement, in percent, that makes a charset the meaning of a foreign name: less is asked of
/// a charset whose name matches.
const GOOD_AGREEMENT: usize = 90;
const GOOD_AGREEMENT_NAMED: usize = 85;

impl Match {
    /// Close enough to say the foreign name means this charset.
    pub fn is_good(&self) -> bool {
        let threshold = if self.named {
            GOOD_AGREEMENT_NAMED
        } else {
            GOOD_AGREEMENT
        };
        self.compared > 0 && self.agree * 100 >= self.compared * threshold
    }
}

/// The glibc charset that decodes most like `foreign`. A charset whose name matches one of
/// `names` once everything but letters and digits is dropped is preferred if it agrees on at
/// least [`GOOD_AGREEMENT_NAMED`]% of the probes — a name says what its users mean (Python's `tis_620` is TIS-620,
/// though it also accepts the 32 C1 bytes glibc's TIS-620 rejects); otherwise the best, then
/// the first by name.
fn best_match(
    foreign: &ForeignBehaviour,
    names: &[String],
    glibc: &mut GlibcBehaviour,
    probes: &Probes,
) -> Option<Match> {
    let mut scored: Vec<Match> = Vec::new();
    for index in 0..glibc.charsets.len() {
        let (mut agree, mut compared) = agreement(&foreign.singles, &glibc.singles[index]);
        let mut prober = Prober::new(&glibc.charsets[index]);
        for (encoded, text) in &foreign.samples {
            compared += SAMPLE_WEIGHT;
            if prober.decode(encoded).0.as_deref() == Some(text.as_slice()) {
                agree += SAMPLE_WEIGHT;
            }
        }
        scored.push(Match {
            index,
            agree,
            compared,
            named: false,
        });
    }
    // Agreements minus disagreements: a charset that decodes what the foreign codec rejects
    // (or the reverse) is pushed down.
    let net = |m: &Match| 2 * m.agree as isize - m.compared as isize;
    if let Some(foreign_pairs) = &foreign.pairs {
        // A codec with sequences longer than a byte most likely means a glibc charset with them
        // too; pairs are costly, so they are compared for those and the closest others only.
        // A pair tells something the single bytes do not only when its first byte alone
        // decodes on neither side.
        scored.sort_by_key(|m| std::cmp::Reverse(net(m)));
        let mut rank = 0;
        scored.retain(|m| {
            rank += 1;
            rank <= PAIR_CANDIDATES || glibc.multibyte[m.index]
        });
        for m in &mut scored {
            glibc.compute_pairs(m.index, probes);
            let glibc_singles = &glibc.singles[m.index];
            let lead_fails = |i: usize| {
                let lead = usize::from(probes.pairs[i][0]);
                foreign.singles[lead].is_none() && glibc_singles[lead].is_none()
            };
            let (agree, compared) =
                agreement_where(foreign_pairs, &glibc.pairs[&m.index], lead_fails);
            m.agree += agree;
            m.compared += compared;
        }
    }
    scored.sort_by_key(|m| (std::cmp::Reverse(net(m)), m.index));
    let best = *scored.first()?;
    let squash = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let wanted: Vec<String> = names.iter().map(|n| squash(n)).collect();
    scored
        .iter()
        .filter(|m| m.agree * 100 >= m.compared * GOOD_AGREEMENT_NAMED)
        .find(|m| {
            let c = &glibc.charsets[m.index];
            std::iter::once(&c.name)
                .chain(&c.aliases)
                .any(|n| wanted.contains(&squash(n)))
        })
        .map(|m| Match { named: true, ..*m })
        .or(Some(best))
}

/// Each WHATWG encoding's name with the index of the glibc charset it means, if any.
fn whatwg_matches(
    glibc: &mut GlibcBehaviour,
    probes: &Probes,
) -> Vec<(&'static str, Option<Match>)> {
    whatwg_encodings()
        .into_iter()
        .map(|encoding| {
            let behaviour = whatwg_behaviour(encoding, probes);
            let names = [encoding.name().to_owned()];
            (
                encoding.name(),
                best_match(&behaviour, &names, glibc, probes),
            )
        })
        .collect()
}

/// Every encoding of the WHATWG Encoding Standard, as encoding_rs provides them.
fn whatwg_encodings() -> Vec<&'static encoding_rs::Encoding> {
    use encoding_rs::*;
    vec![
        BIG5,
        EUC_JP,
        EUC_KR,
        GB18030,
        GBK,
        IBM866,
        ISO_2022_JP,
        ISO_8859_10,
        ISO_8859_13,
        ISO_8859_14,
        ISO_8859_15,
        ISO_8859_16,
        ISO_8859_2,
        ISO_8859_3,
        ISO_8859_4,
        ISO_8859_5,
        ISO_8859_6,
        ISO_8859_7,
        ISO_8859_8,
        ISO_8859_8_I,
        KOI8_R,
        KOI8_U,
        MACINTOSH,
        REPLACEMENT,
        SHIFT_JIS,
        UTF_16BE,
        UTF_16LE,
        UTF_8,
        WINDOWS_1250,
        WINDOWS_1251,
        WINDOWS_1252,
        WINDOWS_1253,
        WINDOWS_1254,
        WINDOWS_1255,
        WINDOWS_1256,
        WINDOWS_1257,
        WINDOWS_1258,
        WINDOWS_874,
        X_MAC_CYRILLIC,
        X_USER_DEFINED,
    ]
}

fn whatwg_decode(encoding: &'static encoding_rs::Encoding, input: &[u8]) -> Decoded {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = vec![0u8; decoder.max_utf8_buffer_length(input.len())? + 16];
    let (result, _, written) = decoder.decode_to_utf8_without_replacement(input, &mut out, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => {
            out.truncate(written);
            Some(out)
        }
        _ => None,
    }
}

fn whatwg_behaviour(encoding: &'static encoding_rs::Encoding, probes: &Probes) -> ForeignBehaviour {
    let decode_all = |inputs: &[Vec<u8>]| -> Vec<Decoded> {
        inputs.iter().map(|p| whatwg_decode(encoding, p)).collect()
    };
    let singles = decode_all(&probes.singles);
    let multibyte = (0..=255u8).any(|b| {
        let mut decoder = encoding.new_decoder_without_bom_handling();
        let mut out = [0u8; 16];
        let (result, _, written) =
            decoder.decode_to_utf8_without_replacement(&[b], &mut out, false);
        result == encoding_rs::DecoderResult::InputEmpty && written == 0
    });
    let pairs = multibyte.then(|| decode_all(&probes.pairs));
    // UTF-16 and replacement encode as UTF-8: their encoder cannot make samples.
    let samples = if encoding.output_encoding() == encoding {
        SAMPLES
            .iter()
            .filter_map(|text| {
                let (encoded, _, unmappable) = encoding.encode(text);
                (!unmappable
                    && whatwg_decode(encoding, &encoded).as_deref() == Some(text.as_bytes()))
                .then(|| (encoded.into_owned(), text.as_bytes().to_vec()))
            })
            .collect()
    } else {
        Vec::new()
    };
    ForeignBehaviour {
        singles,
        pairs,
        samples,
    }
}

/// Each Python codec's names (Python-normalised) with the index of the glibc charset it means,
/// if any.
fn python_matches(
    glibc: &mut GlibcBehaviour,
    probes: &Probes,
) -> Vec<(Vec<String>, Option<Match>)> {
    python_codecs(probes)
        .into_iter()
        .map(|(names, behaviour)| {
            let matched = best_match(&behaviour, &names, glibc, probes);
            (names, matched)
        })
        .collect()
}

/// What every foreign name means in glibc terms.
pub struct ForeignMatches {
    /// Each WHATWG encoding's name and its closest glibc charset.
    pub whatwg: Vec<(&'static str, Option<Match>)>,
    /// Each Python codec's names (as Python normalises them) and its closest glibc charset.
    pub python: Vec<(Vec<String>, Option<Match>)>,
}

/// Probes every WHATWG encoding and Python codec against every glibc charset.
pub fn foreign_matches(charsets: &[CharsetRecord]) -> ForeignMatches {
    let probes = Probes::new();
    let mut glibc = GlibcBehaviour::new(charsets, &probes);
    ForeignMatches {
        whatwg: whatwg_matches(&mut glibc, &probes),
        python: python_matches(&mut glibc, &probes),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex from the Python script"))
        .collect()
}

fn token(text: &str) -> Decoded {
    match text {
        "-" => None,
        "=" => Some(Vec::new()),
        hex => Some(unhex(hex)),
    }
}

/// Runs the Python script over the probes and parses its report.
fn python_codecs(probes: &Probes) -> Vec<(Vec<String>, ForeignBehaviour)> {
    let mut input = String::new();
    for sample in SAMPLES {
        input += &format!("S {}\n", hex(sample.as_bytes()));
    }
    for probe in &probes.singles {
        input += &format!("P {}\n", hex(probe));
    }
    for probe in &probes.pairs {
        input += &format!("Q {}\n", hex(probe));
    }
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(include_str!("python_codecs.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("cannot run python3, which the generator needs for Python's codec names");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("python3 runs");
    writer
        .join()
        .expect("writer thread")
        .expect("writing to python3");
    assert!(output.status.success(), "the Python codec script failed");
    let text = String::from_utf8(output.stdout).expect("the script prints ASCII");

    let mut codecs = Vec::new();
    let mut names = Vec::new();
    let mut behaviour = ForeignBehaviour {
        singles: Vec::new(),
        pairs: None,
        samples: Vec::new(),
    };
    for line in text.lines() {
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        let mut words = rest.split(' ').filter(|w| !w.is_empty());
        match kind {
            "codec" => {}
            "names" => names = words.map(str::to_owned).collect(),
            "single" => behaviour.singles = words.map(token).collect(),
            "pairs" => behaviour.pairs = Some(words.map(token).collect()),
            "sample" => {
                let encoded = unhex(words.next().expect("sample input"));
                let text = unhex(words.next().expect("sample text"));
                behaviour.samples.push((encoded, text));
            }
            "end" => codecs.push((
                std::mem::take(&mut names),
                std::mem::replace(
                    &mut behaviour,
                    ForeignBehaviour {
                        singles: Vec::new(),
                        pairs: None,
                        samples: Vec::new(),
                    },
                ),
            )),
            other => panic!("unexpected line from the Python codec script: {other}"),
        }
    }
    codecs
}
