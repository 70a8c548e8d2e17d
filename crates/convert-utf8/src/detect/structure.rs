//! What the bytes' structure alone tells, cheapest first: a byte order mark, UTF-16/32 by where
//! the NUL bytes fall, escape sequences of the 7-bit charsets, UTF-8 validity, EBCDIC's space, and
//! bytes no text charset explains (binary).

/// A byte order mark at the start: the charset that reads it (and drops it) and its length.
pub(super) fn byte_order_mark(sample: &[u8]) -> Option<(&'static str, usize)> {
    // UTF-32LE's mark starts with UTF-16LE's: test it first.
    const MARKS: [(&[u8], &str); 5] = [
        (b"\xEF\xBB\xBF", "UTF-8"),
        (b"\xFF\xFE\x00\x00", "UTF-32"),
        (b"\x00\x00\xFE\xFF", "UTF-32"),
        (b"\xFF\xFE", "UTF-16"),
        (b"\xFE\xFF", "UTF-16"),
    ];
    MARKS
        .iter()
        .find(|(mark, _)| sample.starts_with(mark))
        .map(|(mark, name)| (*name, mark.len()))
}

/// UTF-32 or UTF-16 without a mark, told by NUL bytes in the high positions of most units and
/// almost never in the low ones. Returns the charset and how many units showed the pattern.
pub(super) fn nul_pattern(sample: &[u8]) -> Option<(&'static str, usize)> {
    // Every pattern below needs NUL bytes.
    if sample.len() < 4 || !sample.contains(&0) {
        return None;
    }
    let units4 = sample.len() / 4;
    let (mut le, mut be) = (0usize, 0usize);
    for unit in sample.chunks_exact(4) {
        le += usize::from(unit[2] == 0 && unit[3] == 0 && unit[0] != 0);
        be += usize::from(unit[0] == 0 && unit[1] == 0 && unit[3] != 0);
    }
    if le * 10 >= units4 * 9 {
        return Some(("UTF-32LE", le));
    }
    if be * 10 >= units4 * 9 {
        return Some(("UTF-32BE", be));
    }
    // In UTF-16 text of one alphabet the high byte of almost every unit is one of two values:
    // NUL (ASCII: spaces, digits, punctuation) and the alphabet's block (0x04 Cyrillic, 0x03
    // Greek, ...), while the low bytes vary. In legacy text both positions vary alike.
    let units = sample.len() / 2;
    let (mut even, mut odd) = ([0u32; 256], [0u32; 256]);
    for unit in sample.chunks_exact(2) {
        even[usize::from(unit[0])] += 1;
        odd[usize::from(unit[1])] += 1;
    }
    let top_two = |counts: &[u32; 256]| {
        let (mut first, mut second) = (0u32, 0u32);
        for &n in counts {
            if n > first {
                (first, second) = (n, first);
            } else if n > second {
                second = n;
            }
        }
        (first + second) as usize
    };
    let (even_top, odd_top) = (top_two(&even), top_two(&odd));
    let concentrated = |top: usize| top * 20 >= units * 19;
    let varied = |top: usize| top * 3 <= units * 2;
    if units >= 4 && concentrated(odd_top) && varied(even_top) && odd[0] > 0 {
        return Some(("UTF-16LE", odd_top));
    }
    if units >= 4 && concentrated(even_top) && varied(odd_top) && even[0] > 0 {
        return Some(("UTF-16BE", even_top));
    }
    // Text mixing a few alphabets: a handful of high bytes, NUL among them, and no controls.
    let few_blocks = |high: &[u32; 256], low: &[u32; 256]| {
        let mut counts = *high;
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top: u32 = counts[..6].iter().sum();
        high[0] * 10 >= units as u32 && top as usize * 10 >= units * 9 && varied(top_two(low))
    };
    let controls = |low_first: bool| {
        sample.chunks_exact(2).any(|unit| {
            let (lo, hi) = if low_first {
                (unit[0], unit[1])
            } else {
                (unit[1], unit[0])
            };
            hi == 0 && lo < 0x20 && !matches!(lo, b'\t' | b'\n' | b'\r')
        })
    };
    if units >= 8 && few_blocks(&odd, &even) && !controls(true) {
        return Some(("UTF-16LE", odd_top));
    }
    if units >= 8 && few_blocks(&even, &odd) && !controls(false) {
        return Some(("UTF-16BE", even_top));
    }
    None
}

/// The 7-bit charset whose designations appear in all-ASCII text, if one does.
pub(super) fn escapes(sample: &[u8]) -> Option<&'static str> {
    let has = |needle: &[u8]| sample.windows(needle.len()).any(|w| w == needle);
    if !sample.contains(&0x1B) {
        return utf7(sample).then_some("UTF-7");
    }
    if has(b"\x1B$)C") {
        Some("ISO-2022-KR")
    } else if has(b"\x1B$)A") || has(b"\x1B$)G") || has(b"\x1B$*H") {
        if has(b"\x1B$+I") || has(b"\x1B$+J") || has(b"\x1B$+K") || has(b"\x1B$+L") {
            Some("ISO-2022-CN-EXT")
        } else {
            Some("ISO-2022-CN")
        }
    } else if has(b"\x1B$B") || has(b"\x1B$@") || has(b"\x1B(J") || has(b"\x1B(I") {
        if has(b"\x1B$(D") || has(b"\x1B.A") || has(b"\x1B.F") || has(b"\x1B$A") {
            Some("ISO-2022-JP-2")
        } else if has(b"\x1B$(O") || has(b"\x1B$(P") || has(b"\x1B$(Q") {
            Some("ISO-2022-JP-3")
        } else {
            Some("ISO-2022-JP")
        }
    } else {
        None
    }
}

/// The language of text in a 7-bit charset that writes only one (the ISO-2022 charsets that
/// mix languages, -JP-2 and -CN, name none).
pub(super) fn escapes_language(charset: &str) -> Option<&'static str> {
    match charset {
        "ISO-2022-JP" | "ISO-2022-JP-3" => Some("ja"),
        "ISO-2022-KR" => Some("ko"),
        _ => None,
    }
}

/// Whether all-ASCII text reads as UTF-7: shifted runs (`+` then base64) that stand for
/// non-ASCII characters. A `+` followed by `-` is a plain plus sign and proves nothing.
fn utf7(sample: &[u8]) -> bool {
    let mut runs = 0usize;
    let mut i = 0;
    while let Some(offset) = sample[i..].iter().position(|&b| b == b'+') {
        let start = i + offset + 1;
        let len = sample[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'+' || **b == b'/')
            .count();
        // A UTF-16 unit takes at least three base64 digits, and text shifts for words, not
        // for single letters of base64 that are English words ("C++", "a+b").
        if len >= 3 && (sample.get(start + len) == Some(&b'-') || len % 8 == 3 || len % 8 == 6) {
            runs += 1;
        }
        i = start + len;
        if i >= sample.len() {
            break;
        }
    }
    runs > 0
}

/// How often each byte value occurs in the sample: one pass, from which the layers read the
/// counts they need.
pub(super) struct Census {
    counts: [u32; 256],
    len: usize,
}

impl Census {
    pub(super) fn of(sample: &[u8]) -> Census {
        let mut counts = [0u32; 256];
        for &b in sample {
            counts[usize::from(b)] += 1;
        }
        Census {
            counts,
            len: sample.len(),
        }
    }

    fn count(&self, bytes: impl IntoIterator<Item = u8>) -> usize {
        bytes
            .into_iter()
            .map(|b| self.counts[usize::from(b)] as usize)
            .sum()
    }

    /// The byte values that occur, from `first` up, in order.
    pub(super) fn present_from(&self, first: u8) -> Vec<u8> {
        (first..=u8::MAX)
            .filter(|&b| self.counts[usize::from(b)] != 0)
            .collect()
    }

    /// Whether every byte is below 0x80.
    pub(super) fn is_ascii(&self) -> bool {
        self.counts[0x80..].iter().all(|&n| n == 0)
    }

    /// NUL bytes.
    pub(super) fn nuls(&self) -> usize {
        self.counts[0] as usize
    }

    /// Bytes no text explains: NUL and the C0 controls other than tab, line feed, vertical tab,
    /// form feed, carriage return, escape, backspace and the DOS end-of-file mark.
    pub(super) fn unexplained_controls(&self) -> usize {
        self.count(
            (0..0x20u8)
                .filter(|b| !matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0x1A | 0x1B | 0x08)),
        )
    }

    /// Whether the text is laid out like EBCDIC: its space (0x40) common, ASCII's space rare,
    /// most bytes from 0x80 up (EBCDIC's letters), and no control bytes but EBCDIC's new line
    /// (0x15, 0x25), tab (0x05), form feed (0x0C) and carriage return (0x0D).
    pub(super) fn looks_ebcdic(&self) -> bool {
        let n = self.len;
        let space = self.counts[0x40] as usize;
        let ascii_space = self.counts[0x20] as usize;
        let high = self.count(0x80..=0xFF);
        let controls =
            self.count((0..0x40u8).filter(|b| !matches!(b, 0x05 | 0x0C | 0x0D | 0x15 | 0x25)));
        // Short inputs (a few CJK characters) can look like anything: EBCDIC needs a line's worth.
        n >= 16 && space * 25 >= n && ascii_space * 100 <= n && high * 5 >= n * 2 && controls == 0
    }
}

/// How a UTF-8 sample looks: `None` if it is not UTF-8 (an error before its last four bytes),
/// else the number of multi-byte characters.
pub(super) fn utf8_sequences(sample: &[u8], cut: bool) -> Option<usize> {
    let valid = match simdutf8::compat::from_utf8(sample) {
        Ok(_) => sample.len(),
        Err(e) => {
            // A character cut by the end of a sample taken from longer input is no evidence.
            if !cut || e.error_len().is_some() || sample.len() - e.valid_up_to() > 3 {
                return None;
            }
            e.valid_up_to()
        }
    };
    Some(sample[..valid].iter().filter(|&&b| b >= 0xC0).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_nul_patterns() {
        assert_eq!(byte_order_mark(b"\xFF\xFE\x00\x00a"), Some(("UTF-32", 4)));
        assert_eq!(byte_order_mark(b"\xFF\xFEa\x00"), Some(("UTF-16", 2)));
        assert_eq!(byte_order_mark(b"abc"), None);
        assert_eq!(
            nul_pattern(b"h\x00e\x00l\x00l\x00o\x00").map(|p| p.0),
            Some("UTF-16LE")
        );
        assert_eq!(
            nul_pattern(b"\x00h\x00e\x00l\x00l\x00o").map(|p| p.0),
            Some("UTF-16BE")
        );
        assert_eq!(
            nul_pattern(b"h\x00\x00\x00i\x00\x00\x00").map(|p| p.0),
            Some("UTF-32LE")
        );
        assert_eq!(nul_pattern(b"plain ascii text"), None);
        let mixed: Vec<u8> = "Grüße, мир, 世界! Καλημέρα."
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(nul_pattern(&mixed).map(|p| p.0), Some("UTF-16LE"));
        let binary =
            b"\x7FELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00\x01\x00";
        assert_eq!(nul_pattern(binary), None);
    }

    #[test]
    fn escape_sequences_name_their_charset() {
        assert_eq!(escapes(b"a\x1B$B$3\x1B(Bb"), Some("ISO-2022-JP"));
        assert_eq!(escapes(b"\x1B$)C\x0E!!\x0F"), Some("ISO-2022-KR"));
        assert_eq!(escapes(b"\x1B$)A\x0E!!\x0F"), Some("ISO-2022-CN"));
        assert_eq!(escapes(b"Hi Mom -+Jjo--!"), Some("UTF-7"));
        assert_eq!(escapes(b"C++ and a+b and 1+1-2"), None);
        assert_eq!(escapes(b"plain"), None);
    }

    #[test]
    fn utf8_cut_at_the_end_counts_only_when_cut() {
        assert_eq!(utf8_sequences("caf\u{e9}".as_bytes(), false), Some(1));
        assert_eq!(utf8_sequences(b"caf\xC3", true), Some(0));
        assert_eq!(utf8_sequences(b"caf\xC3", false), None);
        assert_eq!(utf8_sequences(b"caf\xE9 ok", true), None);
    }

    #[test]
    fn ebcdic_layout() {
        // "HELLO WORLD THIS IS EBCDIC" in IBM037.
        let text = b"\xC8\xC5\xD3\xD3\xD6\x40\xE6\xD6\xD9\xD3\xC4\x40\xE3\xC8\xC9\xE2\x40\xC9\xE2";
        assert!(Census::of(text).looks_ebcdic());
        assert!(!Census::of(b"HELLO WORLD THIS IS ASCII").looks_ebcdic());
        // A short run of CJK bytes with one 0x40 in it is not EBCDIC.
        assert!(!Census::of(b"\xa7\x41\xa6\x6e\xa1\x41\xa5\x40\xac\xc9").looks_ebcdic());
    }
}
