//! Writing the probed tables out as Rust: halves shared between charsets, `u16` code points.

use super::SingleByteFamily;
use super::probe::{ContextTables, Probed, SECOND_BYTES};
use std::fmt::Write;

/// The code point stored for a byte the charset leaves undefined (no charset maps a byte to
/// U+FFFF; probing checks it).
pub const UNMAPPED: u16 = 0xFFFF;

/// Rows of code points, each stored once however many charsets use it.
#[derive(Default)]
struct Pool {
    rows: Vec<Vec<u16>>,
}

impl Pool {
    fn intern(&mut self, row: Vec<u16>) -> usize {
        match self.rows.iter().position(|r| *r == row) {
            Some(i) => i,
            None => {
                self.rows.push(row);
                self.rows.len() - 1
            }
        }
    }

    fn render(&self, out: &mut String, name: &str, width: usize, doc: &str) {
        writeln!(out, "{doc}").unwrap();
        writeln!(
            out,
            "pub(crate) static {name}: [[u16; {width}]; {}] = [",
            self.rows.len()
        )
        .unwrap();
        for (i, row) in self.rows.iter().enumerate() {
            writeln!(out, "    // {i}").unwrap();
            out.push_str("    [\n");
            for line in row.chunks(8) {
                out.push_str("       ");
                for cp in line {
                    write!(out, " 0x{cp:04X},").unwrap();
                }
                out.push('\n');
            }
            out.push_str("    ],\n");
        }
        out.push_str("];\n\n");
    }
}

fn halves(pool: &mut Pool, probed: &Probed) -> (usize, usize) {
    let row = |range: std::ops::Range<usize>| -> Vec<u16> {
        probed.bytes[range]
            .iter()
            .map(|cp| cp.unwrap_or(UNMAPPED))
            .collect()
    };
    (pool.intern(row(0..128)), pool.intern(row(128..256)))
}

fn bitmap(bits: &[bool; 256]) -> [u64; 4] {
    let mut words = [0u64; 4];
    for (i, bit) in bits.iter().enumerate() {
        if *bit {
            words[i / 64] |= 1 << (i % 64);
        }
    }
    words
}

/// The generated file, deterministic for a given iconv.
pub fn render(probed: &[Probed]) -> String {
    let mut halves_pool = Pool::default();
    let mut prefix_pool = Pool::default();
    let mut plain = String::new();
    let mut composing = String::new();
    let mut iso6937 = String::new();
    let mut tscii = String::new();
    let (mut n_plain, mut n_composing, mut n_iso6937) = (0, 0, 0);
    for charset in probed {
        let (low, high) = halves(&mut halves_pool, charset);
        let name = &charset.name;
        match (&charset.family, &charset.context) {
            (SingleByteFamily::Plain, ContextTables::None) => {
                n_plain += 1;
                writeln!(plain, "    ({name:?}, [{low}, {high}]),").unwrap();
            }
            (SingleByteFamily::Composing, ContextTables::Composing { held, compositions }) => {
                n_composing += 1;
                writeln!(composing, "    ComposingTable {{").unwrap();
                writeln!(composing, "        name: {name:?},").unwrap();
                writeln!(composing, "        halves: [{low}, {high}],").unwrap();
                writeln!(composing, "        held: {:#018X?},", bitmap(held)).unwrap();
                writeln!(composing, "        compositions: &[").unwrap();
                for c in compositions {
                    writeln!(
                        composing,
                        "            (0x{:04X}, 0x{:04X}, 0x{:04X}, {}),",
                        c.base, c.mark, c.composed, c.held
                    )
                    .unwrap();
                }
                writeln!(composing, "        ],\n    }},").unwrap();
            }
            (SingleByteFamily::Iso6937, ContextTables::Iso6937 { prefixes }) => {
                n_iso6937 += 1;
                let mut rows = [0u16; 128];
                for (prefix, outcomes) in prefixes {
                    assert!(*prefix >= 0x80);
                    let row: Vec<u16> = outcomes.iter().map(|o| o.unwrap_or(UNMAPPED)).collect();
                    rows[usize::from(*prefix - 0x80)] = 1 + prefix_pool.intern(row) as u16;
                }
                writeln!(iso6937, "    Iso6937Table {{").unwrap();
                writeln!(iso6937, "        name: {name:?},").unwrap();
                writeln!(iso6937, "        halves: [{low}, {high}],").unwrap();
                writeln!(iso6937, "        prefix_rows: {rows:?},").unwrap();
                writeln!(iso6937, "    }},").unwrap();
            }
            (SingleByteFamily::Tscii, ContextTables::Tscii { expansions, held }) => {
                writeln!(
                    tscii,
                    "/// TSCII: bytes 0x00..=0x7F as a half of [`HALVES`]."
                )
                .unwrap();
                writeln!(tscii, "pub(crate) const TSCII_LOW_HALF: usize = {low};\n").unwrap();
                writeln!(
                    tscii,
                    "/// TSCII: the code points of each byte 0x80..=0xFF on its own (0: none; \
                     all zero: invalid)."
                )
                .unwrap();
                writeln!(tscii, "pub(crate) static TSCII_HIGH: [[u16; 4]; 128] = [").unwrap();
                for (i, expansion) in expansions.iter().enumerate() {
                    let mut four = [0u16; 4];
                    four[..expansion.len()].copy_from_slice(expansion);
                    writeln!(tscii, "    {four:#06X?}, // {:02X}", i + 0x80).unwrap();
                }
                writeln!(tscii, "];\n").unwrap();
                writeln!(
                    tscii,
                    "/// TSCII: bitmap of the bytes whose last code point iconv holds back, \
                     waiting for what follows.\npub(crate) static TSCII_HELD: [u64; 4] = {:#018X?};\n",
                    bitmap(held)
                )
                .unwrap();
            }
            (family, _) => panic!("{name}: tables do not match family {family:?}"),
        }
    }

    let mut out = crate::header();
    out.push_str(
        "//! Byte -> code point tables of the single-byte families (plain, composing, ISO 6937-style\n\
         //! prefix and TSCII), probed from the system iconv. Code points are `u16`; each 128-byte\n\
         //! half is stored once in [`HALVES`] and shared by every charset that has it.\n\n",
    );
    writeln!(
        out,
        "/// The code point of a byte the charset leaves undefined.\n\
         pub(crate) const UNMAPPED: u16 = 0x{UNMAPPED:04X};\n"
    )
    .unwrap();
    halves_pool.render(
        &mut out,
        "HALVES",
        128,
        "/// Halves of byte -> code point tables: entry `i` of a lower half is byte `i`, of an upper\n\
         /// half byte `0x80 + i`.",
    );
    writeln!(
        out,
        "/// Plain single-byte charsets: canonical name and the [`HALVES`] of bytes 0x00..=0x7F and\n\
         /// 0x80..=0xFF, sorted by name.\n\
         pub(crate) static PLAIN: [(&str, [u16; 2]); {n_plain}] = [\n{plain}];\n"
    )
    .unwrap();
    writeln!(
        out,
        "/// A single-byte charset that composes a held-back base character with a following mark.\n\
         pub(crate) struct ComposingTable {{\n\
         \x20   pub name: &'static str,\n\
         \x20   /// [`HALVES`] of bytes 0x00..=0x7F and 0x80..=0xFF.\n\
         \x20   pub halves: [u16; 2],\n\
         \x20   /// Bitmap of the bytes whose character is held back, waiting for a mark.\n\
         \x20   pub held: [u64; 4],\n\
         \x20   /// (base, mark, composed, composed character held back too), sorted by (base, mark).\n\
         \x20   pub compositions: &'static [(u16, u16, u16, bool)],\n\
         }}\n\n\
         /// The composing charsets, sorted by name.\n\
         pub(crate) static COMPOSING: [ComposingTable; {n_composing}] = [\n{composing}];\n"
    )
    .unwrap();
    writeln!(
        out,
        "/// An ISO 6937-style charset: a prefix byte (a non-spacing diacritic) changes the next byte.\n\
         pub(crate) struct Iso6937Table {{\n\
         \x20   pub name: &'static str,\n\
         \x20   /// [`HALVES`] of bytes 0x00..=0x7F and 0x80..=0xFF, prefix bytes unmapped.\n\
         \x20   pub halves: [u16; 2],\n\
         \x20   /// For bytes 0x80..=0xFF: 0 if not a prefix byte, else 1 + its row of [`PREFIX_ROWS`].\n\
         \x20   pub prefix_rows: [u16; 128],\n\
         }}\n\n\
         /// The second bytes that form a pair with a prefix byte (valid or not); any other byte\n\
         /// leaves the prefix byte alone as the invalid sequence.\n\
         pub(crate) const PREFIX_SECOND_FIRST: u8 = 0x{:02X};\n\
         pub(crate) const PREFIX_SECOND_LAST: u8 = 0x{:02X};\n\n\
         /// The ISO 6937-style charsets, sorted by name.\n\
         pub(crate) static ISO6937: [Iso6937Table; {n_iso6937}] = [\n{iso6937}];\n",
        SECOND_BYTES.start(),
        SECOND_BYTES.end()
    )
    .unwrap();
    prefix_pool.render(
        &mut out,
        "PREFIX_ROWS",
        SECOND_BYTES.len(),
        "/// What a prefix byte makes of each second byte from `PREFIX_SECOND_FIRST` on ([`UNMAPPED`]:\n\
         /// the pair is one invalid sequence).",
    );
    out.push_str(&tscii);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
