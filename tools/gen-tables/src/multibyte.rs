//! Multi-byte tables: the CJK multi-byte charsets, probed from the system iconv into one shared,
//! compact representation that the engine's `charset::multibyte` decodes.
//!
//! Each charset is probed into a tree of byte sequences ([`probe`]); the tree becomes rows:
//! one row per incomplete prefix (a lead byte, or a lead and the bytes after it), covering the
//! range of next bytes that continue it. A row of characters is a run of `u16` code points in one
//! pool shared by every charset; rows are stored once and found again by content, so a character
//! set behind several charsets (JIS X 0208 in SJIS, EUC-JP and EUC-JP-MS; KS X 1001 in EUC-KR and
//! UHC; GB2312 in EUC-CN, GBK and GB18030; Big5 in BIG5 and BIG5HKSCS; ...) is stored once and
//! each charset differs only by the rows where its probed bytes differ. Which rows are shared is
//! found by comparing what iconv produced, never assumed.
//!
//! Pool entries: `0` = no character; `D800 + k` (a surrogate, never a decoded character) = the
//! k-th expansion stored right after the row's entries, three `u16`s packing one or two code
//! points of 21 bits (supplementary characters and the codes that decode to two code points);
//! anything else = that BMP code point. The pool also holds the character of every byte that
//! is one by itself, so that the decoder finds single bytes and two-byte codes the same way.
//!
//! The engine gets the pool as three bytes per entry ([`entry_bytes`]): a BMP code point as its
//! UTF-8 form, anything else (`0`, surrogates, expansion data) as [`RAW_ENTRY`] and the `u16`.
//! The decoder's hot loop then stores a character's UTF-8 with one load and no arithmetic.

pub mod gb18030;
pub mod probe;

use crate::GeneratedFile;
use probe::{Entry, Node, Prober, Special};
use std::collections::HashMap;
use std::fmt::Write;

/// The CJK multi-byte charsets (glibc module names) and how each is probed.
pub const CJK: &[(&str, Special)] = &[
    ("BIG5", Special::None),
    ("BIG5HKSCS", Special::None),
    ("CP932", Special::None),
    ("EUC-CN", Special::None),
    ("EUC-JISX0213", Special::None),
    ("EUC-JP", Special::None),
    ("EUC-JP-MS", Special::None),
    ("EUC-KR", Special::None),
    ("EUC-TW", Special::EucTw),
    ("GB18030", Special::Gb18030),
    ("GBK", Special::None),
    ("IBM932", Special::None),
    ("IBM943", Special::None),
    ("JOHAB", Special::None),
    ("SHIFT_JISX0213", Special::None),
    ("SJIS", Special::None),
    ("UHC", Special::None),
];

/// Row kinds, as the engine reads them (emitted as `MAP` and `NEXT`; a dead row is neither).
const KIND_MAP: u8 = 0;
const KIND_NEXT: u8 = 1;
const KIND_DEAD: u8 = 2;

/// What a first byte is, before the pool is final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum First {
    /// A BMP code point on its own.
    Char(u32),
    /// Illegal alone and leads nothing.
    Invalid,
    /// The lead of longer sequences: index in `rows`.
    Lead(usize),
}

/// `MbTable::first_row` of a first byte that is a character by itself and of one that is
/// illegal alone; any other value is the index of the lead's row. Emitted for the engine.
const LEAD_CHAR: u16 = u16::MAX;
const LEAD_INVALID: u16 = u16::MAX - 1;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Row {
    lo: u8,
    hi: u8,
    unit_set: u8,
    unit_in: u8,
    unit_out: u8,
    need: u8,
    kind: u8,
    offset: u32,
}

/// First byte of a pool entry that is not a character's UTF-8: the `u16` follows, little-endian.
/// No UTF-8 form starts with it. Emitted for the engine, which shares it with the EBCDIC pool.
pub(crate) const RAW_ENTRY: u8 = 0xF8;

/// Everything laid out so far: the shared pool and rows.
#[derive(Default)]
struct Layout {
    pool: Vec<u16>,
    /// Pool index of each code point that some byte decodes to by itself.
    single_chars: HashMap<u32, u32>,
    /// Positions in `pool` of every 4-entry window, to find a row's run again.
    windows: HashMap<[u16; 4], Vec<u32>>,
    rows: Vec<Row>,
    /// The sets of next bytes that drop `unit_in` bytes when illegal, as 256-bit masks.
    unit_sets: Vec<[u64; 4]>,
    /// Pool entries all charsets would need without sharing.
    unshared_entries: usize,
}

struct CharsetTables {
    name: &'static str,
    first: Vec<First>,
    ascii_identity: bool,
    four: Option<gb18030::FourByte>,
}

impl Layout {
    /// The pool offset of `run`, appending it unless an identical run is already there.
    fn intern(&mut self, run: &[u16]) -> u32 {
        self.unshared_entries += run.len();
        if run.len() >= 4 {
            let key = [run[0], run[1], run[2], run[3]];
            if let Some(starts) = self.windows.get(&key) {
                for &s in starts {
                    let s = s as usize;
                    if self.pool.get(s..s + run.len()) == Some(run) {
                        return s as u32;
                    }
                }
            }
        } else if let Some(s) = self.pool.windows(run.len()).position(|w| w == run) {
            return s as u32;
        }
        let start = self.pool.len();
        self.pool.extend_from_slice(run);
        for s in start.saturating_sub(3)..self.pool.len().saturating_sub(3) {
            let key = [
                self.pool[s],
                self.pool[s + 1],
                self.pool[s + 2],
                self.pool[s + 3],
            ];
            self.windows.entry(key).or_default().push(s as u32);
        }
        start as u32
    }

    /// Puts the character of every byte that is one by itself in the pool: ASCII as one run
    /// that all charsets share, the others one entry each (found again if already there).
    fn intern_single_chars(&mut self, tables: &[CharsetTables]) {
        let ascii: Vec<u16> = (0..0x80).collect();
        let start = self.intern(&ascii);
        for cp in 0..0x80 {
            self.single_chars.insert(cp, start + cp);
        }
        for t in tables {
            for first in &t.first {
                if let First::Char(cp) = *first
                    && !self.single_chars.contains_key(&cp)
                {
                    let at = self.intern(&[u16::try_from(cp).expect("a BMP character")]);
                    self.single_chars.insert(cp, at);
                }
            }
        }
    }

    fn unit_set(&mut self, bits: [u64; 4]) -> u8 {
        let i = match self.unit_sets.iter().position(|s| *s == bits) {
            Some(i) => i,
            None => {
                self.unit_sets.push(bits);
                self.unit_sets.len() - 1
            }
        };
        u8::try_from(i).expect("at most 256 unit sets")
    }

    /// Lays out `node` (the sequences after a prefix of `depth` bytes) and returns its row.
    fn node_row(&mut self, node: &Node, depth: usize) -> Row {
        let children: Vec<usize> = (0..256)
            .filter(|&x| matches!(node.entries[x], Entry::Node(_)))
            .collect();
        let chars: Vec<usize> = (0..256)
            .filter(|&x| matches!(node.entries[x], Entry::Chars(_)))
            .collect();
        assert!(
            children.is_empty() || chars.is_empty(),
            "a prefix both ends characters and continues longer ones"
        );
        let (unit_bits, unit_in, unit_out) = fit_units(&node.entries);
        let unit_set = self.unit_set(unit_bits);
        let need = u8::try_from(node.need).unwrap();
        assert!(node.need > depth);
        let mut row = Row {
            lo: 1,
            hi: 0,
            unit_set,
            unit_in,
            unit_out,
            need,
            kind: KIND_MAP,
            offset: 0,
        };
        if let (Some(&lo), Some(&hi)) = (children.first(), children.last()) {
            row.kind = KIND_NEXT;
            row.lo = lo as u8;
            row.hi = hi as u8;
            let first = self.rows.len();
            self.rows.resize(first + hi - lo + 1, dead_row());
            for x in lo..=hi {
                if let Entry::Node(child) = &node.entries[x] {
                    let child_row = self.node_row(child, depth + 1);
                    self.rows[first + x - lo] = child_row;
                }
            }
            row.offset = first as u32;
        } else if let (Some(&lo), Some(&hi)) = (chars.first(), chars.last()) {
            row.lo = lo as u8;
            row.hi = hi as u8;
            let mut run: Vec<u16> = Vec::with_capacity(hi - lo + 1);
            let mut expansions: Vec<u16> = Vec::new();
            for x in lo..=hi {
                run.push(match &node.entries[x] {
                    Entry::Chars(cps) => encode_entry(cps, &mut expansions),
                    _ => 0,
                });
            }
            run.extend(expansions);
            row.offset = self.intern(&run);
        }
        row
    }
}

fn dead_row() -> Row {
    Row {
        lo: 1,
        hi: 0,
        kind: KIND_DEAD,
        ..Row::default()
    }
}

/// One pool entry for a character; supplementary characters and pairs go to `expansions`.
fn encode_entry(cps: &[u32], expansions: &mut Vec<u16>) -> u16 {
    match cps {
        [cp] if *cp != 0 && *cp < 0x10000 => {
            assert!(!(0xD800..0xE000).contains(cp));
            *cp as u16
        }
        [first, rest @ ..] if rest.len() <= 1 => {
            let k = expansions.len() / 3;
            assert!(k < 0x800, "too many expansions in one row");
            let second = rest.first().copied().unwrap_or(0);
            let packed = u64::from(*first) | (u64::from(second) << 21);
            expansions.extend([packed as u16, (packed >> 16) as u16, (packed >> 32) as u16]);
            0xD800 + k as u16
        }
        _ => panic!("a code decodes to {cps:X?}"),
    }
}

/// Chooses how many bytes each illegal next byte drops: `unit_in` for next bytes in the returned
/// set, `unit_out` for the others, consistent with every probed `-c` result. The set also holds
/// every next byte that is not illegal, so that rows of one charset tend to share one set.
fn fit_units(entries: &[Entry]) -> ([u64; 4], u8, u8) {
    let masks: Vec<(usize, u8)> = entries
        .iter()
        .enumerate()
        .filter_map(|(x, e)| match e {
            Entry::Invalid(m) => Some((x, *m)),
            _ => None,
        })
        .collect();
    let mut pairs: Vec<(u8, u8)> = (1..=4u8)
        .flat_map(|out| (1..=4u8).map(move |inside| (out, inside)))
        .collect();
    // Prefer the drop length most illegal next bytes allow for the outside.
    pairs.sort_by_key(|&(out, inside)| {
        (
            std::cmp::Reverse(masks.iter().filter(|(_, m)| m & (1 << out) != 0).count()),
            inside != out,
        )
    });
    for (out, inside) in pairs {
        let fits = masks
            .iter()
            .all(|(_, m)| m & (1 << out) != 0 || m & (1 << inside) != 0);
        if !fits {
            continue;
        }
        let mut set = [0u64; 4];
        for (x, e) in entries.iter().enumerate() {
            let member = match e {
                Entry::Invalid(m) => m & (1 << inside) != 0,
                _ => true,
            };
            if member {
                set[x / 64] |= 1 << (x % 64);
            }
        }
        return (set, inside, out);
    }
    panic!("no two drop lengths explain the -c drops: {masks:?}");
}

/// Valid two-byte characters to use as sentinels when probing drop lengths: the first from
/// the lowest lead byte and the first from the highest. One is not enough: after an illegal
/// pair such as UHC's `A7 F7`, dropping one byte leaves `F7` before the sentinel, and with a
/// low-lead sentinel (`81 ..`) `F7 81` is itself illegal, so dropping one byte or two gives the
/// same output; a high-lead sentinel (`FD ..`) makes `F7 FD` a character and tells them apart.
fn two_byte_sentinels(prober: &mut Prober) -> Vec<Vec<u8>> {
    let mut first_valid = |leads: &mut dyn Iterator<Item = u8>| {
        for lead in leads {
            if prober.strict(&[lead]).1 != iconv_oracle::Outcome::Incomplete(0) {
                continue;
            }
            for trail in [0xA1u8, 0xB0, 0x40, 0x80] {
                let (out, o) = prober.strict(&[lead, trail]);
                if o == iconv_oracle::Outcome::Complete && !out.is_empty() {
                    return Some(vec![lead, trail]);
                }
            }
        }
        None
    };
    let lowest = first_valid(&mut (0x81..=0xFEu8));
    let highest = first_valid(&mut (0x81..=0xFEu8).rev());
    lowest.into_iter().chain(highest).collect()
}

fn probe_charset(name: &'static str, special: Special, layout: &mut Layout) -> CharsetTables {
    let mut prober = Prober::new(name, special);
    for sentinel in two_byte_sentinels(&mut prober) {
        prober.add_sentinel(sentinel);
    }
    let root = prober.root();
    let mut first = vec![First::Invalid; 256];
    for (b, entry) in root.iter().enumerate() {
        first[b] = match entry {
            Entry::Chars(cps) => {
                assert!(cps.len() == 1 && cps[0] < 0x10000, "{name} byte {b:02X}");
                First::Char(cps[0])
            }
            Entry::Invalid(mask) => {
                assert!(
                    mask & 2 != 0,
                    "{name}: a lone byte {b:02X} drops more than itself"
                );
                First::Invalid
            }
            Entry::Node(node) => {
                let row = layout.node_row(node, 1);
                layout.rows.push(row);
                First::Lead(layout.rows.len() - 1)
            }
            Entry::FourByte => unreachable!(),
        };
    }
    let ascii_identity = (0..0x80).all(|b| first[b] == First::Char(b as u32));
    let four = (special == Special::Gb18030).then(|| gb18030::probe(name));
    CharsetTables {
        name,
        first,
        ascii_identity,
        four,
    }
}

/// The files this module owns.
pub fn generate() -> Vec<GeneratedFile> {
    let mut layout = Layout::default();
    let tables: Vec<CharsetTables> = CJK
        .iter()
        .map(|&(name, special)| probe_charset(name, special, &mut layout))
        .collect();
    assert!(
        layout.rows.len() < usize::from(LEAD_INVALID),
        "too many rows"
    );
    layout.intern_single_chars(&tables);
    vec![GeneratedFile {
        path: "dbcs/mod.rs".into(),
        contents: crate::single_byte::rustfmt(&emit(&layout, &tables)),
    }]
}

/// Emits `pool` as the engine's `POOL`: each entry's three bytes (see [`entry_bytes`]) and one
/// byte of padding, so that the decoder can load any entry as a `u32`.
pub(crate) fn emit_pool(s: &mut String, pool: &[u16]) {
    let _ = writeln!(
        s,
        "pub(crate) static POOL: &[u8; {}] = b\"\\",
        3 * pool.len() + 1
    );
    // String continuation lines, which rustfmt leaves as they are.
    for chunk in pool.chunks(16) {
        let line: String = chunk
            .iter()
            .flat_map(|&v| entry_bytes(v))
            .map(|b| format!("\\x{b:02x}"))
            .collect();
        let _ = writeln!(s, "    {line}\\");
    }
    let _ = writeln!(s, "    \\x00\";\n");
}

/// The three bytes of a pool entry in the engine's pool: see the module documentation.
fn entry_bytes(v: u16) -> [u8; 3] {
    match v {
        0 | 0xD800..=0xDFFF => {
            let [lo, hi] = v.to_le_bytes();
            [RAW_ENTRY, lo, hi]
        }
        0x01..=0x7F => [v as u8, 0, 0],
        0x80..=0x7FF => [0xC0 | (v >> 6) as u8, 0x80 | (v & 0x3F) as u8, 0],
        _ => [
            0xE0 | (v >> 12) as u8,
            0x80 | (v >> 6 & 0x3F) as u8,
            0x80 | (v & 0x3F) as u8,
        ],
    }
}

/// The engine's `Lead` of a first byte, `(base, lo, limit, mask, step)`, and its row (or
/// `LEAD_CHAR`, `LEAD_INVALID`). The decoder's hot loop takes next byte `x`, computes
/// `k = (x - lo) & mask` and, when `k < limit`, finds the UTF-8 of a `step`-byte sequence at byte
/// `base + 3k` of the pool. A byte that is a character by itself gets `mask` 0 and `limit` 1, so
/// it finds its own entry whatever follows; a lead whose row maps next bytes `lo..lo + limit`
/// straight to pool entries gets that run; any other byte gets `limit` 0, which sends it to the
/// decoder's general path.
fn lead_descriptor(layout: &Layout, first: First) -> ((u32, u8, u8, u8, u8), u16) {
    match first {
        First::Char(cp) => ((3 * layout.single_chars[&cp], 0, 1, 0, 1), LEAD_CHAR),
        First::Invalid => ((0, 0, 0, 0, 0), LEAD_INVALID),
        First::Lead(index) => {
            let row = layout.rows[index];
            let index = u16::try_from(index).unwrap();
            if row.kind == KIND_MAP && row.lo <= row.hi {
                let limit = u8::try_from(usize::from(row.hi - row.lo) + 1)
                    .expect("a row of characters leaves out some next byte");
                // The decoder builds its lookup from these entries.
                assert!(row.offset as usize + usize::from(limit) <= layout.pool.len());
                ((3 * row.offset, row.lo, limit, 0xFF, 2), index)
            } else {
                ((0, 0, 0, 0, 0), index)
            }
        }
    }
}

fn emit(layout: &Layout, tables: &[CharsetTables]) -> String {
    let mut s = crate::header();
    let _ = writeln!(
        s,
        "//! Decoding tables of the CJK multi-byte charsets, probed from the system iconv.\n//!\n\
         //! One pool of {} entries serves all {} charsets ({} entries without sharing). An entry\n\
         //! is three bytes: a character's UTF-8, or `{RAW_ENTRY:#04X}` and a `u16` (no character, or expansion\n\
         //! data); one byte of padding lets the decoder load any entry as a `u32`.\n\n\
         use crate::tables::format::{{FourByteRange, Lead, MbCharset, MbTable, Row}};\n",
        layout.pool.len(),
        tables.len(),
        layout.unshared_entries
    );
    let _ = writeln!(
        s,
        "/// First byte of a pool entry that is not a character's UTF-8 (no character, or an \
         expansion's\n/// marker or data): the entry's `u16` follows, little-endian.\n\
         pub(crate) const RAW_ENTRY: u8 = {RAW_ENTRY:#04X};\n\n\
         /// `MbTable::first_row` of a byte that is a character by itself and of one illegal \
         alone.\n\
         pub(crate) const LEAD_CHAR: u16 = {LEAD_CHAR:#06X};\n\
         pub(crate) const LEAD_INVALID: u16 = {LEAD_INVALID:#06X};\n\n\
         /// `Row::kind` of a row whose next bytes map to pool entries, and of one whose next \
         bytes lead\n/// to deeper rows.\n\
         pub(crate) const MAP: u8 = {KIND_MAP};\n\
         pub(crate) const NEXT: u8 = {KIND_NEXT};\n\n\
         /// How many charsets have tables here.\n\
         pub(crate) const CHARSET_COUNT: usize = {};\n",
        tables.len()
    );
    emit_pool(&mut s, &layout.pool);
    let _ = writeln!(
        s,
        "pub(crate) static ROWS: [Row; {}] = [",
        layout.rows.len()
    );
    for r in &layout.rows {
        let _ = writeln!(
            s,
            "    Row::new({:#04x}, {:#04x}, {}, {}, {}, {}, {}, {}),",
            r.lo, r.hi, r.unit_set, r.unit_in, r.unit_out, r.need, r.kind, r.offset
        );
    }
    let _ = writeln!(s, "];\n");
    let _ = writeln!(
        s,
        "/// Sets of next bytes (256-bit masks) whose illegal sequences drop a row's `unit_in`.\n\
         pub(crate) static UNIT_SETS: [[u64; 4]; {}] = [",
        layout.unit_sets.len()
    );
    for set in &layout.unit_sets {
        let _ = writeln!(s, "    [");
        for word in set {
            let _ = writeln!(s, "        {word:#018x},");
        }
        let _ = writeln!(s, "    ],");
    }
    let _ = writeln!(s, "];\n");
    for (slot, t) in tables.iter().enumerate() {
        let ident = crate::rust_ident(t.name);
        let four = match &t.four {
            Some(f) => {
                let _ = writeln!(
                    s,
                    "static {ident}_FOUR_BYTE: [FourByteRange; {}] = [",
                    f.ranges.len()
                );
                for &(index, cp) in &f.ranges {
                    let _ = writeln!(s, "    FourByteRange::new({index}, {cp:#x}),");
                }
                let _ = writeln!(s, "];\n");
                format!(
                    "Some((&{ident}_FOUR_BYTE, [{}, {}, {}]))",
                    f.unit_bad_third, f.unit_bad_fourth, f.unit_unmapped
                )
            }
            None => "None".into(),
        };
        let _ = writeln!(
            s,
            "pub(crate) static {ident}: MbCharset = MbCharset::new(\n    {slot},\n    MbTable {{\n    ascii_identity: {},\n    four_byte: {four},\n    lead: [",
            t.ascii_identity
        );
        let descriptors: Vec<_> = t
            .first
            .iter()
            .map(|&f| lead_descriptor(layout, f))
            .collect();
        for ((base, lo, limit, mask, step), _) in &descriptors {
            let _ = writeln!(
                s,
                "        Lead::new({base:#08x}, {lo:#04x}, {limit:#04x}, {mask:#04x}, {step}),"
            );
        }
        let _ = writeln!(s, "    ],\n    first_row: [");
        for chunk in descriptors.chunks(11) {
            let line: Vec<String> = chunk.iter().map(|(_, row)| format!("{row:#06x}")).collect();
            let _ = writeln!(s, "        {},", line.join(", "));
        }
        let _ = writeln!(s, "    ],\n}},\n);\n");
    }
    s.truncate(s.trim_end().len());
    s.push('\n');
    s
}
