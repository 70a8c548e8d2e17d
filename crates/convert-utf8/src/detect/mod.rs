//! Charset detection: which charset a text is in when its label is missing or wrong.
//!
//! The detector decides on a bounded prefix of the input (at most [`SAMPLE_LIMIT`] bytes, taken
//! from where the first non-ASCII byte appears), in layers, cheapest first:
//!
//! 1. a byte order mark;
//! 2. UTF-32 and UTF-16 without a mark, by where their NUL bytes fall;
//! 3. all-ASCII text with the escape sequences of a 7-bit charset (ISO-2022-JP/-KR/-CN, UTF-7);
//! 4. bytes no text charset explains: *binary*, not a guess;
//! 5. other all-ASCII text: ASCII;
//! 6. valid UTF-8 with multi-byte characters;
//! 7. statistics: every plausible legacy charset that decodes the bytes is scored by how natural
//!    its text is in some language ([`letters`] for single-byte charsets, EBCDIC ones included
//!    when the layout says EBCDIC; [`ideographs`] for the CJK charsets).
//!
//! The costs become probabilities: candidates that decode the sample to the same text count as
//! one answer, and an "unknown" rival stands for text no model explains, so the confidence is the
//! probability that decoding with the answer gives the right text. A declared label is evidence
//! too ([`detect_with_declared`]): kept unless the bytes are invalid in it or clearly more natural
//! in another charset.
//!
//! The language models are generated (`models.rs`, by tools/gen-detect-models); everything else
//! is built from the engine's own decoders on first use.

mod ideographs;
mod letters;
#[rustfmt::skip]
mod models;
mod structure;

use crate::{Charset, DecodeStatus, Decoder, ErrorPolicy};
use structure::Census;

/// The most input the detector looks at: it decides on this much from the first non-ASCII byte.
pub const SAMPLE_LIMIT: usize = 64 * 1024;

/// How far into all-ASCII input the detector looks for a first non-ASCII byte before it decides
/// on what it has: time and memory stay bounded whatever the input.
pub const SCAN_LIMIT: usize = 1 << 20;

/// Below this confidence the faces treat a detection as too uncertain to convert with.
pub const DEFAULT_THRESHOLD: f32 = 0.5;

/// Sample sizes at which the detector decides early, and how sure it must be there to stop.
const EARLY_CHECKPOINTS: [usize; 2] = [16 * 1024, 32 * 1024];
const EARLY_CONFIDENCE: f32 = 0.9999;

/// How much ASCII before the first non-ASCII byte the sample keeps, as context for its letters.
const ASCII_CONTEXT: usize = 256;

/// How much of the sample CJK candidates are priced on: this much tells them apart while keeping
/// the time per input bounded. Single-byte candidates are priced on the whole sample (cheap, and
/// the bytes that tell two of them apart may come late) with their costs scaled to this window,
/// so that every candidate's cost speaks for the same bytes.
const STATISTICS_WINDOW: usize = 4096;

/// Costs are in eighths of a nat; the models' costs are divided by this temperature before they
/// become probabilities, because their byte pairs are not as independent as they assume.
const TEMPERATURE: f64 = 2.5;
/// What a scored unit costs when the text is in no modelled language, in eighths of a nat: a byte
/// pair of a single-byte candidate, a character of a CJK one. Text in a modelled language costs
/// 1.5 to 4.8 nats a pair and 5.5 to 10.5 a character; random bytes read in the likeliest
/// single-byte charset cost 6.1 to 7.3 nats a pair.
const UNKNOWN_PAIR_COST: u64 = 44;
const UNKNOWN_CHAR_COST: u64 = 96;
/// How far behind the best (eighths of a nat) a candidate's weight is below e^-40 of the best's
/// and changes no answer: such candidates are not weighed.
pub(super) const NEGLIGIBLE: u64 = (8.0 * TEMPERATURE * 40.0) as u64;
/// The prior a declared label gets against each rival answer, in nats: labels are usually right.
const DECLARED_PRIOR: f64 = 4.0;

/// How a detection was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Basis {
    /// The input was empty: any charset decodes it to the empty text.
    Empty,
    /// A byte order mark.
    ByteOrderMark,
    /// Where the NUL bytes fall (UTF-16 or UTF-32 without a mark).
    NulPattern,
    /// Only ASCII bytes and no escape sequences.
    Ascii,
    /// The escape sequences of a 7-bit charset (ISO-2022-*, UTF-7).
    Escapes,
    /// Valid UTF-8 with multi-byte characters.
    Utf8,
    /// Statistics: how natural each candidate's text is.
    Statistics,
    /// A declared label that the bytes do not contradict.
    Declared,
    /// Bytes no text charset explains.
    Binary,
    /// Text, but in no charset the detector can name with any confidence.
    Unknown,
}

/// What happened to a declared label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeclaredVerdict {
    /// Kept: the bytes are valid in it and no other charset reads clearly better.
    Kept,
    /// Overridden: the bytes are invalid in the declared charset.
    Invalid,
    /// Overridden: the bytes are valid in it but clearly more natural in another charset.
    LessNatural,
}

/// A runner-up answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alternative {
    /// The charset.
    pub charset: Charset,
    /// The probability that decoding with it gives the right text.
    pub confidence: f32,
    /// The language its text reads best in, where known.
    pub language: Option<&'static str>,
}

/// The answer of the detector.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    charset: Option<Charset>,
    confidence: f32,
    language: Option<&'static str>,
    bom_len: usize,
    basis: Basis,
    alternatives: Vec<Alternative>,
    declared: Option<(Charset, DeclaredVerdict)>,
}

impl Detection {
    /// The charset to decode with; `None` for binary input and text the detector cannot place.
    pub fn charset(&self) -> Option<Charset> {
        self.charset
    }

    /// The probability that decoding with [`charset`](Self::charset) gives the right text
    /// (charsets that decode these bytes alike count as one answer).
    pub fn confidence(&self) -> f32 {
        self.confidence
    }

    /// The language the text reads best in, where the detector knows (`"ru"`, `"zh-Hant"`, ...).
    pub fn language(&self) -> Option<&'static str> {
        self.language
    }

    /// Whether the input starts with a byte order mark.
    pub fn bom(&self) -> bool {
        self.bom_len > 0
    }

    /// How many bytes the byte order mark takes (0 without one).
    pub fn bom_len(&self) -> usize {
        self.bom_len
    }

    /// Where decoding the input with [`charset`](Self::charset) starts: after a UTF-8 byte
    /// order mark (which `UTF-8` would keep as U+FEFF), at 0 otherwise — `UTF-16` and `UTF-32`
    /// read their mark themselves, and learn the byte order from it, which decoding after the
    /// mark would lose (the input then read in the default order).
    pub fn decode_start(&self) -> usize {
        match self.charset() {
            Some(charset) if charset.name() == "UTF-8" => self.bom_len,
            _ => 0,
        }
    }

    /// How the answer was reached.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// Whether the input looks binary rather than text.
    pub fn is_binary(&self) -> bool {
        self.basis == Basis::Binary
    }

    /// The runners-up, most likely first.
    pub fn alternatives(&self) -> &[Alternative] {
        &self.alternatives
    }

    /// The declared label given to [`detect_with_declared`] and what became of it.
    pub fn declared(&self) -> Option<(Charset, DeclaredVerdict)> {
        self.declared
    }

    /// The charset if the confidence reaches `threshold`.
    pub fn charset_at(&self, threshold: f32) -> Option<Charset> {
        self.charset.filter(|_| self.confidence >= threshold)
    }

    fn fixed(charset: &str, confidence: f32, basis: Basis, bom_len: usize) -> Detection {
        Detection {
            charset: Some(Charset::for_label(charset).expect("detector charsets are known")),
            confidence,
            language: None,
            bom_len,
            basis,
            alternatives: Vec::new(),
            declared: None,
        }
    }

    fn without_charset(basis: Basis, confidence: f32) -> Detection {
        Detection {
            charset: None,
            confidence,
            language: None,
            bom_len: 0,
            basis,
            alternatives: Vec::new(),
            declared: None,
        }
    }
}

/// Detects the charset of `bytes` (of its first [`SAMPLE_LIMIT`] bytes from the first non-ASCII
/// one, looked for in the first [`SCAN_LIMIT`] bytes).
///
/// ```
/// // "Съешь же ещё этих мягких французских булок, да выпей чаю." in KOI8-R.
/// let bytes = b"\xf3\xdf\xc5\xdb\xd8 \xd6\xc5 \xc5\xdd\xa3 \xdc\xd4\xc9\xc8 \xcd\xd1\xc7\xcb\xc9\xc8 \
///     \xc6\xd2\xc1\xce\xc3\xd5\xda\xd3\xcb\xc9\xc8 \xc2\xd5\xcc\xcf\xcb, \xc4\xc1 \xd7\xd9\xd0\xc5\xca \xde\xc1\xc0.";
/// let detection = convert_utf8::detect(bytes);
/// assert_eq!(detection.charset().map(|c| c.name()), Some("KOI8-R"));
/// assert_eq!(detection.language(), Some("ru"));
/// ```
pub fn detect(bytes: &[u8]) -> Detection {
    let mut detector = Detector::new();
    detector.feed(bytes);
    detector.finish()
}

/// Detects the charset of `bytes` labelled `declared`: the label is kept unless the bytes are
/// invalid in it or clearly more natural in another charset; [`Detection::declared`] says which.
pub fn detect_with_declared(bytes: &[u8], declared: Charset) -> Detection {
    let mut detector = Detector::new();
    detector.declare(declared);
    detector.feed(bytes);
    detector.finish()
}

/// A streaming detector: feed it chunks until it has seen enough, then finish.
///
/// It keeps at most [`SAMPLE_LIMIT`] bytes. All-ASCII input is passed over (only its last few
/// hundred bytes kept as context) until the first non-ASCII byte, from which the sample is taken;
/// past [`SCAN_LIMIT`] bytes of ASCII it wants no more. It stops early, with 16 or 32 KiB of
/// sample, when it is sure there.
#[derive(Clone, Debug, Default)]
pub struct Detector {
    sample: Vec<u8>,
    /// Whether input was passed over or left out: the sample may end inside a character.
    cut: bool,
    ascii_so_far: bool,
    /// The latest ASCII fed after an all-ASCII sample filled up (at most [`ASCII_CONTEXT`]
    /// bytes): the context the first non-ASCII byte gets, as in one call.
    ascii_tail: Vec<u8>,
    seen: u64,
    declared: Option<Charset>,
    /// The last early checkpoint decided at, and whether that decision was sure enough to stop.
    checked: usize,
    done: bool,
}

impl Detector {
    /// A detector with no input yet.
    pub fn new() -> Detector {
        Detector {
            sample: Vec::new(),
            cut: false,
            ascii_so_far: true,
            ascii_tail: Vec::new(),
            seen: 0,
            declared: None,
            checked: 0,
            done: false,
        }
    }

    /// Gives the label the input came with, as evidence to weigh ([`detect_with_declared`]).
    pub fn declare(&mut self, charset: Charset) {
        self.declared = Some(charset);
    }

    /// Feeds the next chunk of input. Returns whether the detector wants more: `false` once its
    /// sample is full or it is sure, after which further input is ignored.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        if self.done {
            return false;
        }
        let wants_more = self.take(chunk);
        // Once the sample from the first non-ASCII byte reaches a checkpoint, a sure answer
        // there ends the reading. The checkpoints depend on the sample only, so any split of
        // the input stops at the same place.
        if !self.ascii_so_far {
            for &checkpoint in &EARLY_CHECKPOINTS {
                if checkpoint > self.checked && self.sample.len() >= checkpoint {
                    self.checked = checkpoint;
                    let early = decide(&self.sample[..checkpoint], true);
                    if early.charset.is_some() && early.confidence >= EARLY_CONFIDENCE {
                        self.sample.truncate(checkpoint);
                        self.cut = true;
                        self.done = true;
                        return false;
                    }
                }
            }
        }
        wants_more
    }

    /// Adds a chunk to the sample (see [`Detector::feed`]).
    fn take(&mut self, chunk: &[u8]) -> bool {
        // All-ASCII input is passed over for at most SCAN_LIMIT bytes; then the detector
        // decides on what it has.
        let chunk = if self.ascii_so_far {
            let left = (SCAN_LIMIT as u64).saturating_sub(self.seen);
            if (chunk.len() as u64) > left {
                self.cut = true;
            }
            &chunk[..chunk.len().min(left as usize)]
        } else {
            chunk
        };
        self.seen += chunk.len() as u64;
        if !self.ascii_so_far {
            self.append(chunk);
            return self.sample.len() < SAMPLE_LIMIT;
        }
        match chunk.iter().position(|&b| b >= 0x80) {
            None => {
                // Keep the start (for NUL patterns and escapes) and then the latest context.
                let rest = self.append(chunk);
                self.ascii_tail.extend_from_slice(rest);
                let excess = self.ascii_tail.len().saturating_sub(ASCII_CONTEXT);
                self.ascii_tail.drain(..excess);
                self.seen < SCAN_LIMIT as u64
            }
            Some(at) => {
                self.ascii_so_far = false;
                if self.sample.len() + at > SAMPLE_LIMIT / 2 {
                    // Start the sample at the first non-ASCII byte, with some context before.
                    let mut context: Vec<u8> = self.sample.clone();
                    context.extend_from_slice(&self.ascii_tail);
                    context.extend_from_slice(&chunk[..at]);
                    let keep = context.len().min(ASCII_CONTEXT);
                    self.sample.clear();
                    self.sample
                        .extend_from_slice(&context[context.len() - keep..]);
                    self.cut = true;
                    self.append(&chunk[at..]);
                } else {
                    self.append(chunk);
                }
                self.sample.len() < SAMPLE_LIMIT
            }
        }
    }

    /// Appends as much of `bytes` as the sample has room for, and returns what did not fit.
    fn append<'a>(&mut self, bytes: &'a [u8]) -> &'a [u8] {
        let room = SAMPLE_LIMIT - self.sample.len();
        let (fits, rest) = bytes.split_at(room.min(bytes.len()));
        self.sample.extend_from_slice(fits);
        self.cut |= !rest.is_empty();
        rest
    }

    /// Decides on what was fed.
    pub fn finish(self) -> Detection {
        let mut detection = decide(&self.sample, self.cut);
        if let Some(declared) = self.declared {
            detection = weigh_declared(&self.sample, self.cut, detection, declared);
        }
        detection
    }
}

/// A candidate's cost (eighths of a nat) for the units it scored.
pub(super) struct Score {
    unit: Unit,
    language: Option<&'static str>,
    cost: u64,
    units: u32,
}

impl Score {
    /// What the score's units would cost in no modelled language.
    fn unknown_cost(&self) -> u64 {
        let per_unit = match self.unit {
            Unit::SingleByte(_) => UNKNOWN_PAIR_COST,
            Unit::Charset(_) => UNKNOWN_CHAR_COST,
        };
        u64::from(self.units) * per_unit
    }
}

/// What a score is for: a single-byte charset of [`letters`] (by index, so that identical
/// decodings can be found from its byte table) or any other charset.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Unit {
    SingleByte(usize),
    Charset(Charset),
}

fn decide(sample: &[u8], cut: bool) -> Detection {
    if sample.is_empty() {
        return Detection::fixed("ANSI_X3.4-1968", 1.0, Basis::Empty, 0);
    }
    if let Some((name, len)) = structure::byte_order_mark(sample) {
        return Detection::fixed(name, 1.0, Basis::ByteOrderMark, len);
    }
    if let Some((name, units)) = structure::nul_pattern(sample) {
        let charset = Charset::for_label(name).expect("known");
        if decodes(charset, sample, cut) {
            // Each unit with the pattern is a coin legacy text would rarely toss that way.
            let confidence = 1.0 - 0.5f32.powi(units.min(60) as i32) * 0.5;
            return Detection::fixed(name, confidence, Basis::NulPattern, 0);
        }
    }
    let census = Census::of(sample);
    let ascii = census.is_ascii();
    // The 7-bit charsets shift with control bytes (SO, SI) that would otherwise say binary.
    if ascii && let Some(name) = structure::escapes(sample) {
        let charset = Charset::for_label(name).expect("known");
        if decodes(charset, sample, cut) {
            return Detection {
                language: structure::escapes_language(name),
                ..Detection::fixed(name, 0.99, Basis::Escapes, 0)
            };
        }
    }
    let ebcdic = census.looks_ebcdic();
    let (odd_bytes, nuls) = (census.unexplained_controls(), census.nuls());
    if !ebcdic && nuls > 0 {
        // CJK text in UTF-16 has NULs only where its ASCII stands: no pattern, but it reads.
        let utf16 = statistics(sample, &census, Candidates::Utf16);
        if utf16.confidence >= DEFAULT_THRESHOLD {
            return utf16;
        }
    }
    if !ebcdic && (nuls > 0 || odd_bytes * 100 > sample.len()) {
        let confidence = if nuls > 0 { 0.99 } else { 0.9 };
        return Detection::without_charset(Basis::Binary, confidence);
    }
    if ascii {
        return Detection::fixed("ANSI_X3.4-1968", 0.99, Basis::Ascii, 0);
    }
    if let Some(sequences) = structure::utf8_sequences(sample, cut)
        && sequences > 0
    {
        // Legacy text happens to be valid UTF-8 about once in fifty multi-byte characters,
        // and the chance falls with each one.
        let confidence = 1.0 - 0.02f32.powi(sequences.min(10) as i32);
        return Detection::fixed("UTF-8", confidence, Basis::Utf8, 0);
    }
    statistics(
        sample,
        &census,
        if ebcdic {
            Candidates::Ebcdic
        } else {
            Candidates::Text
        },
    )
}

/// Decodes `sample` strictly, handing each piece of UTF-8 to `sink`; `false` at the first bad
/// sequence. When `cut`, the sample may end inside a character: that is no error.
pub(super) fn decode_sample(
    charset: Charset,
    sample: &[u8],
    cut: bool,
    mut sink: impl FnMut(&[u8]),
) -> bool {
    let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
    let mut buffer = [0u8; 4096];
    let mut src = sample;
    loop {
        let step = decoder.decode(src, &mut buffer, !cut);
        sink(&buffer[..step.written]);
        src = &src[step.read..];
        match step.status {
            DecodeStatus::InputEmpty => return true,
            DecodeStatus::OutputFull => {}
            DecodeStatus::Error(_) => return false,
        }
    }
}

/// Whether `charset` decodes the sample (see [`decode_sample`]).
fn decodes(charset: Charset, sample: &[u8], cut: bool) -> bool {
    decode_sample(charset, sample, cut, |_| {})
}

/// The UTF-8 `charset` decodes the sample to (see [`decode_sample`]).
fn decoded_text(charset: Charset, sample: &[u8], cut: bool) -> Option<Vec<u8>> {
    let mut text = Vec::new();
    decode_sample(charset, sample, cut, |piece| text.extend_from_slice(piece)).then_some(text)
}

/// One answer: the candidates that decode the sample to the same text.
struct Group {
    charset: Charset,
    prior: u16,
    language: Option<&'static str>,
    /// The best member's cost, what its units would cost in no modelled language, and the
    /// group's weight relative to the best answer.
    cost: u64,
    unknown_cost: u64,
    weight: f64,
    /// The CJK charsets that read the window alike, cheapest first (none for single-byte ones,
    /// whose groups are judged on every byte of the sample).
    readings: Vec<Charset>,
    /// Known to decode the whole sample (past the window).
    decodes_whole: bool,
}

/// Which candidates the statistics weigh.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Candidates {
    /// ASCII-based single-byte, CJK and UTF-16 without a mark.
    Text,
    /// EBCDIC single-byte pages.
    Ebcdic,
    /// UTF-16 without a mark only: text with NULs but no pattern (CJK with some ASCII).
    Utf16,
}

fn statistics(whole: &[u8], census: &Census, candidates: Candidates) -> Detection {
    let sample = &whole[..whole.len().min(STATISTICS_WINDOW)];
    let mut scores = Vec::new();
    let mut decoded = Vec::new();
    match candidates {
        Candidates::Text => {
            letters::score(whole, census, STATISTICS_WINDOW, false, &mut scores);
            ideographs::score(sample, &mut scores, &mut decoded);
        }
        Candidates::Ebcdic => letters::score(whole, census, STATISTICS_WINDOW, true, &mut scores),
        Candidates::Utf16 => ideographs::score_utf16(sample, &mut scores, &mut decoded),
    }
    let mut groups = group(census, &scores, &decoded);
    // The window decided; the answer must also decode the rest of the sample (a character cut
    // at its very end is still a character of the answer's), and read it as the rest of its
    // group does.
    if whole.len() > sample.len() {
        settle_past_window(&mut groups, whole, sample.len());
    }
    let Some(best) = groups.first() else {
        return Detection::without_charset(Basis::Unknown, 0.0);
    };
    let unknown_weight = relative_weight(best.unknown_cost, best.cost);
    let total: f64 = groups.iter().map(|g| g.weight).sum::<f64>() + unknown_weight;
    let alternatives = groups
        .iter()
        .skip(1)
        .take(4)
        .map(|g| Alternative {
            charset: g.charset,
            confidence: (g.weight / total) as f32,
            language: g.language,
        })
        .collect();
    Detection {
        charset: Some(best.charset),
        confidence: (best.weight / total) as f32,
        language: best.language,
        bom_len: 0,
        basis: Basis::Statistics,
        alternatives,
        declared: None,
    }
}

/// Makes the most likely group one that decodes the whole sample, past the window the groups
/// were formed on: a group whose named charset cannot is dropped, and a group of CJK charsets
/// that read the window alike but the whole sample apart (CP932 reads a backslash where
/// Shift_JIS reads a yen sign) is split into one group per reading, sharing its weight as their
/// prices of the whole sample do (a member that cannot decode it has no share).
fn settle_past_window(groups: &mut Vec<Group>, whole: &[u8], window: usize) {
    // The members of a group read the window alike: they are compared from the window's last
    // byte below 0x30 on, a character of its own in every CJK candidate (no byte of a multi-byte
    // character of theirs is below 0x30), so as not to decode the window again.
    let past = whole[..window]
        .iter()
        .rposition(|&b| b < 0x30)
        .map_or(0, |at| at + 1);
    while let Some(first) = groups.first() {
        if first.decodes_whole {
            return;
        }
        if first.readings.len() < 2 {
            if decodes(first.charset, whole, true) {
                groups[0].decodes_whole = true;
                return;
            }
            groups.remove(0);
            continue;
        }
        let group = groups.remove(0);
        let texts: Vec<Option<Vec<u8>>> = group
            .readings
            .iter()
            .map(|&charset| decoded_text(charset, &whole[past..], true))
            .collect();
        // One part per distinct text, named by its cheapest member; what they read alike costs
        // them alike, so the rest prices them.
        let mut parts: Vec<(Charset, &[u8], u64)> = Vec::new();
        for (&charset, text) in group.readings.iter().zip(&texts) {
            let Some(text) = text else { continue };
            if parts.iter().any(|&(_, seen, _)| seen == text.as_slice()) {
                continue;
            }
            let Some(price) = ideographs::price(charset, text) else {
                continue;
            };
            parts.push((charset, text, price));
        }
        let Some(cheapest) = parts.iter().map(|&(_, _, price)| price).min() else {
            continue;
        };
        let shares: Vec<f64> = parts
            .iter()
            .map(|&(_, _, price)| relative_weight(price, cheapest))
            .collect();
        let total: f64 = shares.iter().sum();
        for (&(charset, _, _), share) in parts.iter().zip(shares) {
            groups.push(Group {
                charset,
                weight: group.weight * share / total,
                readings: vec![charset],
                decodes_whole: true,
                ..group
            });
        }
        groups.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    }
}

fn relative_weight(cost: u64, best: u64) -> f64 {
    (-(cost as f64 - best as f64) / (8.0 * TEMPERATURE)).exp()
}

/// Merges the scores into answers, most likely first: for each charset its best language, then
/// the charsets that decode the sample alike.
fn group(census: &Census, scores: &[Score], decoded: &[(Charset, Vec<u8>)]) -> Vec<Group> {
    let tables = letters::tables();
    let present = census.present_from(0);
    let Some(best_cost) = scores.iter().map(|s| s.cost).min() else {
        return Vec::new();
    };
    let negligible = best_cost + NEGLIGIBLE;
    // The best score of each charset (the first of equals, as the candidates were listed), most
    // likely first.
    let mut per_charset: Vec<(usize, &Score)> = Vec::new();
    for (position, score) in scores.iter().enumerate() {
        if score.cost > negligible {
            continue;
        }
        match per_charset.iter_mut().find(|(_, s)| s.unit == score.unit) {
            Some(best) if score.cost < best.1.cost => *best = (position, score),
            Some(_) => {}
            None => per_charset.push((position, score)),
        }
    }
    per_charset.sort_unstable_by_key(|&(position, s)| (s.cost, position));
    let per_charset: Vec<&Score> = per_charset.into_iter().map(|(_, s)| s).collect();
    let charset_of = |unit: Unit| match unit {
        Unit::SingleByte(i) => tables.charset(i),
        Unit::Charset(c) => c,
    };
    let prior_of = |unit: Unit| match unit {
        Unit::SingleByte(i) => tables.prior(i),
        Unit::Charset(_) => 0,
    };
    let same_text = |a: Unit, b: Unit| match (a, b) {
        (Unit::SingleByte(x), Unit::SingleByte(y)) => tables.same_text(x, y, &present),
        (Unit::Charset(x), Unit::Charset(y)) => {
            let text = |c: Charset| decoded.iter().find(|(d, _)| *d == c).map(|(_, t)| t);
            text(x).is_some() && text(x) == text(y)
        }
        _ => false,
    };
    let mut groups: Vec<(Unit, Group)> = Vec::new();
    for score in per_charset {
        let weight = relative_weight(score.cost, best_cost);
        if let Some((unit, group)) = groups.iter_mut().find(|(u, _)| same_text(*u, score.unit)) {
            group.weight += weight;
            if let Unit::Charset(charset) = score.unit {
                group.readings.push(charset);
            }
            // The most common charset of the group names it.
            if prior_of(score.unit) < group.prior {
                *unit = score.unit;
                group.charset = charset_of(score.unit);
                group.prior = prior_of(score.unit);
            }
        } else {
            groups.push((
                score.unit,
                Group {
                    charset: charset_of(score.unit),
                    prior: prior_of(score.unit),
                    language: score.language,
                    cost: score.cost,
                    unknown_cost: score.unknown_cost(),
                    weight,
                    readings: match score.unit {
                        Unit::Charset(charset) => vec![charset],
                        Unit::SingleByte(_) => Vec::new(),
                    },
                    decodes_whole: false,
                },
            ));
        }
    }
    let mut groups: Vec<Group> = groups.into_iter().map(|(_, g)| g).collect();
    groups.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    groups
}

/// Weighs a declared label against the detection.
fn weigh_declared(sample: &[u8], cut: bool, detection: Detection, declared: Charset) -> Detection {
    let overridden = |detection: Detection, verdict| Detection {
        declared: Some((declared, verdict)),
        ..detection
    };
    let Some(declared_text) = decoded_text(declared, sample, cut) else {
        return overridden(detection, DeclaredVerdict::Invalid);
    };
    // Text has no C1 controls (U+0080 to U+009F, C2 80 to C2 9F in UTF-8): a label that reads
    // some bytes as them (ISO-8859-1 over windows-1252's quotes and dashes) is wrong wherever the
    // detection found a charset that reads them as text.
    let has_c1_controls = declared_text
        .windows(2)
        .any(|w| w[0] == 0xC2 && (0x80..0xA0).contains(&w[1]));
    if detection.charset.is_some() && has_c1_controls {
        return overridden(detection, DeclaredVerdict::LessNatural);
    }
    // Bytes that look binary contradict any text label.
    if detection.is_binary() {
        return overridden(detection, DeclaredVerdict::LessNatural);
    }
    let keep = |confidence: f32| Detection {
        charset: Some(declared),
        confidence,
        language: detection.language,
        bom_len: detection.bom_len,
        basis: Basis::Declared,
        alternatives: detection.alternatives.clone(),
        declared: Some((declared, DeclaredVerdict::Kept)),
    };
    let Some(detected) = detection.charset else {
        return keep(detection.confidence.max(0.5));
    };
    // Decoding alike (ASCII text under any ASCII-based label, say) agrees with the label.
    let reads_as_declared =
        |c: Charset| c == declared || decoded_text(c, sample, cut).as_ref() == Some(&declared_text);
    if reads_as_declared(detected) {
        return keep(detection.confidence.max(0.9));
    }
    // The label's own standing among the answers.
    let declared_share = detection
        .alternatives
        .iter()
        .filter(|a| reads_as_declared(a.charset))
        .map(|a| a.confidence)
        .fold(0.0f32, f32::max);
    let prior = DECLARED_PRIOR.exp() as f32;
    let against = detection.confidence;
    let for_label = declared_share * prior;
    // A label counts against an answer only where the structure left doubt.
    if detection.basis == Basis::Statistics && for_label >= against {
        let total = for_label + against + (1.0 - against - declared_share).max(0.0);
        return keep(for_label / total);
    }
    overridden(detection, DeclaredVerdict::LessNatural)
}

#[cfg(test)]
mod tests;
