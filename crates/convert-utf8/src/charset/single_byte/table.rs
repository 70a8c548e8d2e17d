//! The pre-encoded tables of the single-byte charsets: each byte's character as its UTF-8 in one
//! word, built on first use and shared by every decoder of a charset. The plain single-byte
//! family and the contextual ones (composing, ISO 6937, TSCII) all read them.

use crate::tables::single_byte::{COMPOSING_COUNT, HALVES, ISO6937_COUNT, PLAIN_COUNT, UNMAPPED};
use std::sync::OnceLock;

/// A byte's character, pre-encoded: its UTF-8 bytes in the low three bytes (first byte lowest),
/// the UTF-8 length (1..=3) in bits 24..=25, and [`INVALID`] for a byte the charset leaves
/// undefined (length 0).
pub(crate) type Utf8Table = [u32; 256];

/// The entry of an undefined byte.
pub(crate) const INVALID: u32 = 1 << 31;

/// The entry of one code point (BMP only: no single-byte charset leaves it).
pub(crate) const fn utf8_entry(cp: u16) -> u32 {
    let cp = cp as u32;
    if cp < 0x80 {
        cp | 1 << 24
    } else if cp < 0x800 {
        (0xC0 | cp >> 6) | (0x80 | (cp & 0x3F)) << 8 | 2 << 24
    } else {
        (0xE0 | cp >> 12) | (0x80 | (cp >> 6 & 0x3F)) << 8 | (0x80 | (cp & 0x3F)) << 16 | 3 << 24
    }
}

/// The UTF-8 length of an entry (0 for [`INVALID`]).
#[inline(always)]
pub(crate) fn entry_len(entry: u32) -> usize {
    (entry >> 24 & 3) as usize
}

/// How many charsets have a pre-encoded table: the plain ones, the composing ones, the ISO
/// 6937-style ones and TSCII.
const TABLE_COUNT: usize = PLAIN_COUNT + COMPOSING_COUNT + ISO6937_COUNT + 1;

/// Which pre-encoded table a charset uses, by its place among the generated tables.
#[derive(Clone, Copy)]
pub(crate) enum TableId {
    Plain(usize),
    Composing(usize),
    Iso6937(usize),
    Tscii,
}

impl TableId {
    fn slot(self) -> usize {
        match self {
            TableId::Plain(i) => i,
            TableId::Composing(i) => PLAIN_COUNT + i,
            TableId::Iso6937(i) => PLAIN_COUNT + COMPOSING_COUNT + i,
            TableId::Tscii => TABLE_COUNT - 1,
        }
    }
}

/// The pre-encoded table of a charset, built on first use and shared by all its decoders, so
/// that a decoder stays small and its construction cheap. Only the tables of charsets in use
/// take memory.
pub(crate) fn shared_utf8_table(id: TableId, halves: [u16; 2]) -> &'static Utf8Table {
    static TABLES: [OnceLock<Utf8Table>; TABLE_COUNT] = [const { OnceLock::new() }; TABLE_COUNT];
    TABLES[id.slot()].get_or_init(|| utf8_table(halves))
}

/// The code point of `byte` in the charset made of two halves of the generated tables.
#[inline]
pub(crate) fn code_point(halves: [u16; 2], byte: u8) -> u16 {
    HALVES[usize::from(halves[usize::from(byte >> 7)])][usize::from(byte & 0x7F)]
}

/// The pre-encoded table of a charset given by two halves of the generated tables.
fn utf8_table(halves: [u16; 2]) -> Utf8Table {
    let mut table = [INVALID; 256];
    for (byte, entry) in (0..=255u8).zip(table.iter_mut()) {
        let cp = code_point(halves, byte);
        if cp != UNMAPPED {
            *entry = utf8_entry(cp);
        }
    }
    table
}

/// Writes one code point's UTF-8 at the start of `dst`, if it fits; returns its length.
#[inline]
pub(crate) fn write_code_point(cp: u16, dst: &mut [u8]) -> Option<usize> {
    write_entry(utf8_entry(cp), dst)
}

/// Writes an entry's UTF-8 at the start of `dst`, if it fits; returns its length. Where `dst`
/// has four bytes, all four of the entry are stored (what lies past the length is the caller's
/// to overwrite, as with the tables' entries everywhere): one store, where copying one to three
/// bytes is a call.
#[inline]
pub(crate) fn write_entry(entry: u32, dst: &mut [u8]) -> Option<usize> {
    let len = entry_len(entry);
    match dst.get_mut(..4) {
        Some(four) => four.copy_from_slice(&entry.to_le_bytes()),
        None => dst
            .get_mut(..len)?
            .copy_from_slice(&entry.to_le_bytes()[..len]),
    }
    Some(len)
}
