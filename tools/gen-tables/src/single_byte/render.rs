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
        let ident = crate::rust_ident(name);
        match (&charset.family, &charset.context) {
            (SingleByteFamily::Plain, ContextTables::None) => {
                writeln!(
                    plain,
                    "pub(crate) static {ident}: PlainTable = PlainTable {{ slot: {n_plain}, \
                     halves: [{low}, {high}] }};"
                )
                .unwrap();
                n_plain += 1;
            }
            (SingleByteFamily::Composing, ContextTables::Composing { held, compositions }) => {
                writeln!(
                    composing,
                    "pub(crate) static {ident}: ComposingTable = ComposingTable {{"
                )
                .unwrap();
                writeln!(composing, "        slot: {n_composing},").unwrap();
                n_composing += 1;
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
                writeln!(composing, "        ],\n    }};\n").unwrap();
            }
            (SingleByteFamily::Iso6937, ContextTables::Iso6937 { prefixes }) => {
                let mut rows = [0u16; 128];
                for (prefix, outcomes) in prefixes {
                    assert!(*prefix >= 0x80);
                    let row: Vec<u16> = outcomes.iter().map(|o| o.unwrap_or(UNMAPPED)).collect();
                    rows[usize::from(*prefix - 0x80)] = 1 + prefix_pool.intern(row) as u16;
                }
                writeln!(
                    iso6937,
                    "pub(crate) static {ident}: Iso6937Table = Iso6937Table {{"
                )
                .unwrap();
                writeln!(iso6937, "        slot: {n_iso6937},").unwrap();
                n_iso6937 += 1;
                writeln!(iso6937, "        halves: [{low}, {high}],").unwrap();
                writeln!(iso6937, "        prefix_rows: {rows:?},").unwrap();
                writeln!(iso6937, "    }};\n").unwrap();
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
         //! half is stored once in [`HALVES`] and shared by every charset that has it.\n\n\
         use crate::tables::format::{ComposingTable, Iso6937Table, PlainTable};\n\n",
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
        "/// How many plain single-byte charsets there are; each one's table, named after it, has its\n\
         /// place among them (sorted by name) and its [`HALVES`].\n\
         pub(crate) const PLAIN_COUNT: usize = {n_plain};\n\n{plain}"
    )
    .unwrap();
    writeln!(
        out,
        "/// How many composing charsets there are (sorted by name, as their slots count).\n\
         pub(crate) const COMPOSING_COUNT: usize = {n_composing};\n\n{composing}"
    )
    .unwrap();
    writeln!(
        out,
        "/// The second bytes that form a pair with a prefix byte (valid or not); any other byte\n\
         /// leaves the prefix byte alone as the invalid sequence.\n\
         pub(crate) const PREFIX_SECOND_FIRST: u8 = 0x{:02X};\n\
         pub(crate) const PREFIX_SECOND_LAST: u8 = 0x{:02X};\n\n\
         /// How many ISO 6937-style charsets there are (sorted by name, as their slots count).\n\
         pub(crate) const ISO6937_COUNT: usize = {n_iso6937};\n\n{iso6937}",
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
