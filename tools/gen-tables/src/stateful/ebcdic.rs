//! Probes the EBCDIC double-byte charsets (IBM930, IBM933, ...) into `tables/ebcdic_dbcs.rs`.
//!
//! Each charset has two halves, switched by SO (`0E`) and SI (`0F`): a single-byte EBCDIC table
//! (probed byte by byte from the initial state) and a double-byte table (probed as `SO` + every
//! two-byte code). The double-byte rows of all charsets go into one pool, identical rows stored
//! once (IBM930/IBM939 and IBM1390/IBM1399 share theirs). What the decoder hard-codes is checked
//! here against glibc: SO and SI shift in either state (a redundant shift is no error), an
//! illegal single byte drops one byte under `-c`, an illegal pair two.
//!
//! Both halves are emitted in the form the decoder writes, UTF-8: a single byte as a word of its
//! UTF-8 bytes with their count in the top byte, the pool as the CJK pool is (three bytes per
//! entry: a character's UTF-8, or [`RAW_ENTRY`] and the `u16` of no character or of an `EXTRA`
//! index), so that the decoder stores a character without encoding it.

use iconv_oracle::{Iconv, Outcome};
use std::collections::HashMap;
use std::fmt::Write as _;

use crate::GeneratedFile;
use crate::multibyte::{RAW_ENTRY, emit_pool};

/// The charsets, by canonical name.
pub const CHARSETS: [&str; 10] = [
    "IBM930", "IBM933", "IBM935", "IBM937", "IBM939", "IBM1364", "IBM1371", "IBM1388", "IBM1390",
    "IBM1399",
];

const SO: u8 = 0x0E;
const SI: u8 = 0x0F;
/// Pool entries from here on index `EXTRA` (a code point above the BMP, or two code points).
const EXTRA_BASE: u16 = 0xD800;

fn code_points(utf8: &[u8]) -> Vec<u32> {
    std::str::from_utf8(utf8)
        .expect("iconv wrote invalid UTF-8")
        .chars()
        .map(u32::from)
        .collect()
}

/// One charset's probed halves: `None` = illegal.
struct Probed {
    name: &'static str,
    single: [Option<u32>; 256],
    pairs: Vec<Option<Vec<u32>>>,
}

fn probe(name: &'static str) -> Probed {
    let mut strict = Iconv::open(name).unwrap_or_else(|| panic!("iconv cannot open {name}"));
    let mut ignore = Iconv::open_to(name, "UTF-8//IGNORE")
        .unwrap_or_else(|| panic!("iconv cannot open {name}//IGNORE"));
    let mut single = [None; 256];
    for b in 0..=255u8 {
        if b == SO || b == SI {
            continue;
        }
        let c = strict.convert(&[b]);
        match c.outcome {
            Outcome::Complete => {
                let cps = code_points(&c.output);
                assert_eq!(cps.len(), 1, "{name}: byte {b:02X} gives {cps:X?}");
                single[usize::from(b)] = Some(cps[0]);
            }
            Outcome::Invalid(0) => {
                // `-c` drops exactly the byte: the EBCDIC letter after it (`C1`) still decodes.
                let after = strict.convert(&[0xC1]).output;
                assert_eq!(ignore.convert(&[b, 0xC1]).output, after, "{name}: {b:02X}");
            }
            other => panic!("{name}: byte {b:02X}: {other:?}"),
        }
    }
    // The shifts: SO then SI in any order and number write nothing.
    for shifts in [&[SO][..], &[SI], &[SO, SO], &[SI, SI], &[SO, SI, SO, SI]] {
        let c = strict.convert(shifts);
        assert!(
            c.outcome == Outcome::Complete && c.output.is_empty(),
            "{name}: {shifts:X?}"
        );
    }
    let mut pairs: Vec<Option<Vec<u32>>> = vec![None; 0x10000];
    let mut sentinel = None;
    for (code, pair) in pairs.iter_mut().enumerate() {
        let (lead, trail) = ((code >> 8) as u8, code as u8);
        if lead == SO || lead == SI {
            continue;
        }
        let c = strict.convert(&[SO, lead, trail]);
        match c.outcome {
            Outcome::Complete => {
                let cps = code_points(&c.output);
                assert!((1..=2).contains(&cps.len()), "{name}: {code:04X}");
                *pair = Some(cps);
                sentinel.get_or_insert([lead, trail]);
            }
            Outcome::Invalid(1) => {}
            other => panic!("{name}: pair {code:04X}: {other:?}"),
        }
    }
    // `-c` drops an illegal pair whole: the valid pair after it still decodes.
    let sentinel = sentinel.expect("some pair is valid");
    let expected = strict.convert(&[SO, sentinel[0], sentinel[1]]).output;
    for code in (0..0x10000usize).filter(|&c| pairs[c].is_none()) {
        let (lead, trail) = ((code >> 8) as u8, code as u8);
        if lead == SO || lead == SI {
            continue;
        }
        let got = ignore
            .convert(&[SO, lead, trail, sentinel[0], sentinel[1]])
            .output;
        assert_eq!(got, expected, "{name}: -c drop of pair {code:04X}");
    }
    Probed {
        name,
        single,
        pairs,
    }
}

/// Where one charset's rows are: per lead byte `(lo, hi, pool offset)`, `lo > hi` = no row.
struct Layout {
    pool: Vec<u16>,
    extra: Vec<(u32, u32)>,
    unshared: usize,
    row_offsets: HashMap<Vec<u16>, u32>,
}

impl Layout {
    fn entry(&mut self, cps: &[u32]) -> u16 {
        if cps.len() == 1 && cps[0] < 0x10000 {
            let cp = cps[0] as u16;
            assert!(cp != 0 && !(0xD800..0xE000).contains(&cp));
            return cp;
        }
        let pair = (cps[0], cps.get(1).copied().unwrap_or(0));
        let index = match self.extra.iter().position(|&e| e == pair) {
            Some(i) => i,
            None => {
                self.extra.push(pair);
                self.extra.len() - 1
            }
        };
        assert!(index < 0x800);
        EXTRA_BASE + index as u16
    }

    fn rows(&mut self, p: &Probed) -> Vec<(u8, u8, u32)> {
        let mut rows = Vec::with_capacity(256);
        for lead in 0..256usize {
            let entries: Vec<u16> = (0..256)
                .map(|t| match &p.pairs[lead << 8 | t] {
                    Some(cps) => self.entry(cps),
                    None => 0,
                })
                .collect();
            let Some(lo) = entries.iter().position(|&e| e != 0) else {
                rows.push((1, 0, 0));
                continue;
            };
            let hi = entries.iter().rposition(|&e| e != 0).unwrap();
            let row = entries[lo..=hi].to_vec();
            self.unshared += row.len();
            let offset = match self.row_offsets.get(&row) {
                Some(&o) => o,
                None => {
                    let o = self.pool.len() as u32;
                    self.pool.extend_from_slice(&row);
                    self.row_offsets.insert(row, o);
                    o
                }
            };
            rows.push((lo as u8, hi as u8, offset));
        }
        rows
    }
}

/// A single byte's entry: the UTF-8 of `cp` (a BMP code point, so at most three bytes) in the
/// low bytes of a little-endian word and their count in the top byte; 0 is an illegal byte.
fn single_word(cp: u32) -> u32 {
    let c = char::from_u32(cp).expect("iconv decodes to scalar values");
    let mut utf8 = [0u8; 4];
    let len = c.encode_utf8(&mut utf8).len();
    assert!(
        len <= 3,
        "single byte decodes to U+{cp:04X}, beyond the BMP"
    );
    utf8[3] = len as u8;
    u32::from_le_bytes(utf8)
}

/// The file this module owns.
pub fn generate() -> GeneratedFile {
    let probed: Vec<Probed> = CHARSETS.iter().map(|&n| probe(n)).collect();
    let mut layout = Layout {
        pool: Vec::new(),
        extra: Vec::new(),
        unshared: 0,
        row_offsets: HashMap::new(),
    };
    let rows: Vec<_> = probed.iter().map(|p| layout.rows(p)).collect();
    // Every row's entries are read without a bounds check, as four bytes from the entry's
    // first: the pool's byte of padding keeps the last entry's fourth byte inside.
    for rows in &rows {
        for &(lo, hi, offset) in rows.iter().filter(|&&(lo, hi, _)| lo <= hi) {
            assert!(offset as usize + usize::from(hi - lo) < layout.pool.len());
        }
    }
    let mut s = crate::header();
    let _ = writeln!(
        s,
        "//! Decoding tables of the EBCDIC double-byte charsets, probed from the system iconv.\n//!\n\
         //! One pool of {} entries holds the double-byte rows of all {} charsets ({} without \
         sharing). An entry is three bytes: a character's UTF-8, or `{RAW_ENTRY:#04X}` and a `u16` \
         (0: no character; `D800 + i`: `EXTRA[i]`); one byte of padding lets the decoder load any \
         entry as a `u32`.\n\nuse crate::tables::format::{{DbRow, EbcdicTable}};\n",
        layout.pool.len(),
        CHARSETS.len(),
        layout.unshared
    );
    let _ = writeln!(s, "/// Double-byte characters, three bytes per entry.");
    emit_pool(&mut s, &layout.pool);
    let _ = writeln!(
        s,
        "/// Pairs decoding to a code point above the BMP (second 0) or to two code points.\n\
         pub(crate) static EXTRA: [(u32, u32); {}] = [",
        layout.extra.len()
    );
    for (a, b) in &layout.extra {
        let _ = writeln!(s, "({a:#x}, {b:#x}),");
    }
    let _ = writeln!(s, "];\n");
    for (p, rows) in probed.iter().zip(&rows) {
        let _ = writeln!(
            s,
            "pub(crate) static {}: EbcdicTable = EbcdicTable {{\nsingle: [",
            p.name
        );
        for b in 0..256 {
            let v = p.single[b].map_or(0, single_word);
            let _ = write!(s, "{v:#x},");
        }
        let _ = writeln!(s, "],\nrows: [");
        for &(lo, hi, offset) in rows {
            let _ = writeln!(s, "DbRow::new({lo:#04x}, {hi:#04x}, {}),", 3 * offset);
        }
        let _ = writeln!(s, "],\n}};\n");
    }
    GeneratedFile {
        path: "ebcdic_dbcs.rs".into(),
        contents: crate::single_byte::rustfmt(&s),
    }
}
