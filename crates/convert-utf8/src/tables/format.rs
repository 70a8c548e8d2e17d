//! The format of the generated tables: the types the generated files (`charsets.rs`,
//! `single_byte.rs`, `dbcs/mod.rs`, `ebcdic_dbcs.rs`) are made of, and the registry row that says
//! which decoder each charset gets ([`DecoderKind`]). Written by hand; the generated files import
//! only this module and each other, and the decoders in `charset/` read these types.
//!
//! Marker values that the generator writes into the tables and the decoders test for
//! (`RAW_ENTRY`, `LEAD_CHAR`, `LEAD_INVALID`, `MAP`, `NEXT` in `dbcs`; `UNMAPPED` and the
//! prefix range in `single_byte`) are emitted by the generator next to the tables that use them,
//! so that each value is written down once.

/// One row of the generated charset registry.
pub(crate) struct CharsetInfo {
    /// Canonical name (the name glibc's gconv module goes by, or its best-known alias for the
    /// built-in ISO-10646 forms).
    pub name: &'static str,
    /// Every other name glibc accepts for it, as `iconv -l` prints them (without `//`).
    pub aliases: &'static [&'static str],
    /// The decoder that decodes it, with the tables it reads.
    pub kind: DecoderKind,
}

/// Which decoder a charset gets, and what that decoder is built from.
#[derive(Clone, Copy)]
pub(crate) enum DecoderKind {
    /// UTF-8.
    Utf8,
    /// 16-bit units: UTF-16 when `pairs` (surrogate pairs decode), UCS-2 otherwise.
    Utf16 { pairs: bool, order: ByteOrderMode },
    /// 32-bit units: UTF-32, UCS-4.
    Utf32 { order: ByteOrderMode },
    /// UTF-7, or its IMAP variant (RFC 3501 modified UTF-7).
    Utf7 { imap: bool },
    /// A plain single-byte charset.
    SingleByte(&'static PlainTable),
    /// A single-byte charset that composes a base with a following mark.
    Composing(&'static ComposingTable),
    /// An ISO 6937-style charset, whose prefix bytes change the next letter.
    Iso6937(&'static Iso6937Table),
    /// TSCII (its tables are `single_byte::TSCII_*`).
    Tscii,
    /// A CJK multi-byte charset.
    Multibyte(&'static MbCharset),
    /// An ISO-2022 charset.
    Iso2022(Iso2022Variant),
    /// An EBCDIC double-byte charset.
    EbcdicDbcs(&'static EbcdicTable),
}

/// How a fixed-width Unicode form chooses its byte order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByteOrderMode {
    Little,
    Big,
    /// Consumes a leading BOM of either order at the start of each input; little-endian unless a
    /// big-endian BOM was seen (then big-endian until `reset`).
    Sniff,
}

/// The ISO-2022 charsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Iso2022Variant {
    Jp,
    Jp2,
    Jp3,
    Kr,
    Cn,
    CnExt,
}

// Single-byte families

/// A plain single-byte charset.
pub(crate) struct PlainTable {
    /// Its place among the plain charsets (`0..PLAIN_COUNT`), which indexes the tables the
    /// decoder builds from it on first use.
    pub slot: u16,
    /// `HALVES` of bytes 0x00..=0x7F and 0x80..=0xFF.
    pub halves: [u16; 2],
}

/// A single-byte charset that composes a held-back base character with a following mark.
pub(crate) struct ComposingTable {
    /// Its place among the composing charsets (`0..COMPOSING_COUNT`).
    pub slot: u16,
    /// `HALVES` of bytes 0x00..=0x7F and 0x80..=0xFF.
    pub halves: [u16; 2],
    /// Bitmap of the bytes whose character is held back, waiting for a mark.
    pub held: [u64; 4],
    /// (base, mark, composed, composed character held back too), sorted by (base, mark).
    pub compositions: &'static [(u16, u16, u16, bool)],
}

/// An ISO 6937-style charset: a prefix byte (a non-spacing diacritic) changes the next byte.
pub(crate) struct Iso6937Table {
    /// Its place among the ISO 6937-style charsets (`0..ISO6937_COUNT`).
    pub slot: u16,
    /// `HALVES` of bytes 0x00..=0x7F and 0x80..=0xFF, prefix bytes unmapped.
    pub halves: [u16; 2],
    /// For bytes 0x80..=0xFF: 0 if not a prefix byte, else 1 + its row of `PREFIX_ROWS`.
    pub prefix_rows: [u16; 128],
}

// CJK multi-byte charsets

/// One incomplete prefix of a charset (a lead byte, or a lead and the bytes after it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row {
    /// Next bytes `lo..=hi` may continue the prefix (empty when `lo > hi`).
    pub lo: u8,
    pub hi: u8,
    /// Index into `UNIT_SETS`: illegal next bytes in that set drop `unit_in` bytes, others
    /// `unit_out` (counted from the start of the sequence).
    pub unit_set: u8,
    pub unit_in: u8,
    pub unit_out: u8,
    /// Bytes glibc wants (from the start of the sequence) before it judges the next one.
    pub need: u8,
    /// `MAP`, `NEXT`, or neither (no next byte continues the prefix).
    pub kind: u8,
    /// `MAP`: pool index of the entry for `lo`; `NEXT`: index in `ROWS` of the row for `lo`.
    pub offset: u32,
}

impl Row {
    #[allow(clippy::too_many_arguments)]
    pub(crate) const fn new(
        lo: u8,
        hi: u8,
        unit_set: u8,
        unit_in: u8,
        unit_out: u8,
        need: u8,
        kind: u8,
        offset: u32,
    ) -> Row {
        Row {
            lo,
            hi,
            unit_set,
            unit_in,
            unit_out,
            need,
            kind,
            offset,
        }
    }
}

/// GB18030 four-byte codes from this linear index on map to consecutive code points from `cp`
/// (`cp == 0`: rejected).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FourByteRange {
    pub index: u32,
    pub cp: u32,
}

impl FourByteRange {
    pub(crate) const fn new(index: u32, cp: u32) -> FourByteRange {
        FourByteRange { index, cp }
    }
}

/// The generated descriptor of what starts with one first byte, from which the decoder's hot
/// loop lookup is built: for next byte `x` and `k = (x - lo) & mask`, when `k < limit`, the
/// sequence is `step` bytes long and its character is the pool entry at byte `base + 3k`. A
/// byte that is a character by itself has `mask` 0 and `limit` 1 (its own entry, whatever
/// follows); the lead of a row of two-byte codes has `mask` FF and the row's range; any other
/// byte has `limit` 0 (the general path).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lead {
    pub base: u32,
    pub lo: u8,
    pub limit: u8,
    pub mask: u8,
    pub step: u8,
}

impl Lead {
    pub(crate) const fn new(base: u32, lo: u8, limit: u8, mask: u8, step: u8) -> Lead {
        Lead {
            base,
            lo,
            limit,
            mask,
            step,
        }
    }
}

/// One charset's tables.
pub(crate) struct MbTable {
    /// Bytes 00..=7F all decode to themselves.
    pub ascii_identity: bool,
    /// GB18030's four-byte ranges and the drop lengths for a bad third byte, a bad fourth byte
    /// and a rejected code.
    pub four_byte: Option<(&'static [FourByteRange], [u8; 3])>,
    /// Per first byte: what the hot loop's lookup is built from.
    pub lead: [Lead; 256],
    /// Per first byte: `LEAD_CHAR`, `LEAD_INVALID`, or the index in `ROWS` of its row.
    pub first_row: [u16; 256],
}

/// A CJK multi-byte charset: its tables and what is worked out from them once, when compiling.
pub(crate) struct MbCharset {
    /// Its place among the CJK multi-byte charsets (`0..CHARSET_COUNT`), which indexes the
    /// lookup the decoder builds on first use.
    pub slot: u8,
    pub table: MbTable,
    /// The table's [lead floor](lead_floor).
    pub lead_floor: Option<u8>,
}

impl MbCharset {
    pub(crate) const fn new(slot: u8, table: MbTable) -> MbCharset {
        let lead_floor = lead_floor(&table);
        MbCharset {
            slot,
            table,
            lead_floor,
        }
    }
}

/// The byte (80 or above) such that, of the bytes the hot loop decodes (its descriptor has a
/// range), those from it on are all leads of two-byte codes and those below it all characters by
/// themselves: whether a code the hot loop takes is one or two bytes is then whether its first
/// byte is at least the floor, which SIMD tells for many bytes at once (the decoder's
/// `fast_run_by_lead_bits`). Bytes the hot loop leaves to the general path (EUC-TW's
/// four-byte lead 8E below its floor, EUC-JISX0213's three-byte lead 8F and illegal 90-A0
/// above it) do not count: the chunk path stops at them too. EUC-KR (A1), GBK (81), Big5 (A1)
/// and the other EUC, GB and Big5 charsets, UHC and JOHAB have one; Shift_JIS (whose A1-DF are
/// single-byte kana among the leads) and EUC-JP (whose 8E leads, 90-A0 do not) do not.
pub(crate) const fn lead_floor(table: &MbTable) -> Option<u8> {
    let mut floor = 0x80;
    while floor < 256 && !(table.lead[floor].limit > 0 && table.lead[floor].step == 2) {
        floor += 1;
    }
    let mut b = 0;
    while b < 256 {
        let lead = &table.lead[b];
        let step = if b >= floor { 2 } else { 1 };
        if lead.limit > 0 && lead.step != step {
            return None;
        }
        b += 1;
    }
    if floor < 256 { Some(floor as u8) } else { None }
}

/// How many bytes of a pool entry are its character's UTF-8, by the entry's first byte; 0 for a
/// raw entry. The CJK and the EBCDIC double-byte pools have the same entries.
#[inline(always)]
pub(crate) const fn entry_utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 0,
    }
}

// EBCDIC double-byte charsets

/// The pairs starting with one lead byte: trail bytes `lo..lo + width` have entries in `POOL`
/// from byte `offset` on, three bytes each.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DbRow {
    pub lo: u8,
    /// Kept instead of the last trail byte so that one wrapping subtraction and one comparison
    /// check a trail byte (0 for an empty row).
    pub width: u16,
    pub offset: u32,
}

impl DbRow {
    /// The row of trail bytes `lo..=hi` (empty when `lo > hi`).
    pub(crate) const fn new(lo: u8, hi: u8, offset: u32) -> DbRow {
        let width = if lo > hi {
            0
        } else {
            hi as u16 - lo as u16 + 1
        };
        DbRow { lo, width, offset }
    }
}

/// One charset's two halves.
pub(crate) struct EbcdicTable {
    /// Single-byte state: per byte, the UTF-8 of its character in the low bytes of a
    /// little-endian word and their count in the top byte; 0 for an illegal byte (and for SO
    /// and SI, which shift).
    pub single: [u32; 256],
    /// Double-byte state: a row per lead byte.
    pub rows: [DbRow; 256],
}
