//! Plain table-driven single-byte charsets: one byte, one character. One generic decoder serves
//! all of them (ASCII-based 8-bit sets, 7-bit ISO 646 variants, EBCDIC code pages).
//!
//! At construction the charset's `u16` table (two shared halves in the generated tables) is
//! expanded into 256 pre-encoded UTF-8 entries held in the decoder itself, so the hot loop is
//! one load and one unconditional 4-byte store per input byte, with no branch on the byte's
//! class; runs of ASCII are copied 16 bytes at a time when the charset's lower half is ASCII.
//! The helpers here ([`Utf8Table`], [`write_code_point`]) also serve the contextual single-byte
//! families.

use crate::charset::{RawDecoder, RawStep};
use crate::tables::single_byte::{COMPOSING, HALVES, ISO6937, PLAIN, UNMAPPED};
use std::sync::OnceLock;

/// A byte's character, pre-encoded: its UTF-8 bytes in the low three bytes (first byte lowest),
/// the UTF-8 length (1..=3) in bits 24..=25, and [`INVALID`] for a byte the charset leaves
/// undefined (length 0).
pub(crate) type Utf8Table = [u32; 256];

/// The entry of an undefined byte.
pub(crate) const INVALID: u32 = 1 << 31;

/// Bytes read per step of the fast loop.
const BLOCK: usize = 16;
/// Room the fast loop needs in `dst` for one block: every byte is written as a full 4-byte entry.
const BLOCK_ROOM: usize = BLOCK * 4;

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
const TABLE_COUNT: usize = PLAIN.len() + COMPOSING.len() + ISO6937.len() + 1;

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
            TableId::Composing(i) => PLAIN.len() + i,
            TableId::Iso6937(i) => PLAIN.len() + COMPOSING.len() + i,
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
    let entry = utf8_entry(cp);
    let len = entry_len(entry);
    dst.get_mut(..len)?
        .copy_from_slice(&entry.to_le_bytes()[..len]);
    Some(len)
}

/// Whether 16 bytes are all ASCII, tested two words at a time.
#[inline(always)]
fn is_ascii_block(block: &[u8; BLOCK]) -> bool {
    let (a, b) = block.split_at(8);
    let a = u64::from_le_bytes(a.try_into().unwrap());
    let b = u64::from_le_bytes(b.try_into().unwrap());
    (a | b) & 0x8080_8080_8080_8080 == 0
}

/// Decodes one block through the table into `out`; `None` if it holds an undefined byte (then
/// `out` holds garbage and the caller redoes the block byte by byte).
#[inline(always)]
fn translate_block(
    table: &Utf8Table,
    block: &[u8; BLOCK],
    out: &mut [u8; BLOCK_ROOM],
) -> Option<usize> {
    let mut at = 0;
    let mut flags = 0;
    for &byte in block {
        let entry = table[usize::from(byte)];
        flags |= entry;
        // `at` is at most 3 * 15 = 45, so the clamp never bites; it lets the compiler see that
        // the 4-byte store is in bounds without a check.
        let at_clamped = at.min(BLOCK_ROOM - 4);
        out[at_clamped..at_clamped + 4].copy_from_slice(&entry.to_le_bytes());
        at += entry_len(entry);
    }
    (flags & INVALID == 0).then_some(at)
}

/// Decodes `src` through `table` as far as possible: the whole of it, up to an undefined byte
/// (reported as a 1-byte invalid sequence), or until `dst` is full. `ascii_lower_half` enables
/// the ASCII copy path and must only be set when bytes 0x00..=0x7F map to themselves.
pub(crate) fn decode_with_table(
    table: &Utf8Table,
    ascii_lower_half: bool,
    src: &[u8],
    dst: &mut [u8],
) -> RawStep {
    let (mut read, mut written) = (0, 0);
    loop {
        while let (Some(block), Some(out)) = (
            src.get(read..read + BLOCK),
            dst.get_mut(written..written + BLOCK_ROOM),
        ) {
            let block: &[u8; BLOCK] = block.try_into().unwrap();
            let out: &mut [u8; BLOCK_ROOM] = out.try_into().unwrap();
            if ascii_lower_half && is_ascii_block(block) {
                out[..BLOCK].copy_from_slice(block);
                read += BLOCK;
                written += BLOCK;
                continue;
            }
            match translate_block(table, block, out) {
                Some(len) => {
                    read += BLOCK;
                    written += len;
                }
                None => break,
            }
        }
        // One block byte by byte: the end of the input, a block with an undefined byte, or too
        // little room for the fast loop.
        if read == src.len() {
            return RawStep::input_empty(read, written);
        }
        let stop = (read + BLOCK).min(src.len());
        while read < stop {
            let entry = table[usize::from(src[read])];
            let len = entry_len(entry);
            if len == 0 {
                return RawStep::invalid(read + 1, written, 1);
            }
            let Some(out) = dst.get_mut(written..written + len) else {
                return RawStep::output_full(read, written);
            };
            out.copy_from_slice(&entry.to_le_bytes()[..len]);
            read += 1;
            written += len;
        }
    }
}

/// The decoder of every plain single-byte charset.
pub(crate) struct SingleByteDecoder {
    table: &'static Utf8Table,
    ascii_lower_half: bool,
    /// The longest UTF-8 any byte decodes to.
    max_len: usize,
}

impl SingleByteDecoder {
    fn new(index: usize) -> Self {
        let table = shared_utf8_table(TableId::Plain(index), PLAIN[index].1);
        let ascii_lower_half = (0..0x80u16).all(|b| table[usize::from(b)] == utf8_entry(b));
        let max_len = table.iter().map(|e| entry_len(*e)).max().unwrap_or(0);
        SingleByteDecoder {
            table,
            ascii_lower_half,
            max_len,
        }
    }
}

/// The decoder for a plain single-byte charset, by canonical name.
pub(crate) fn new_decoder(name: &str) -> Option<SingleByteDecoder> {
    let i = PLAIN.binary_search_by(|(n, _)| (*n).cmp(name)).ok()?;
    Some(SingleByteDecoder::new(i))
}

impl RawDecoder for SingleByteDecoder {
    #[inline]
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], _last: bool) -> RawStep {
        decode_with_table(self.table, self.ascii_lower_half, src, dst)
    }

    fn reset(&mut self) {}

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        src_len.checked_mul(self.max_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charset::RawStatus;

    fn decode_all(name: &str, src: &[u8], room: usize) -> (Vec<u8>, Vec<usize>) {
        let mut decoder = new_decoder(name).unwrap();
        let (mut out, mut errors, mut read) = (Vec::new(), Vec::new(), 0);
        let mut dst = vec![0u8; room];
        loop {
            let step = decoder.decode_raw(&src[read..], &mut dst, true);
            out.extend_from_slice(&dst[..step.written]);
            read += step.read;
            match step.status {
                RawStatus::InputEmpty => return (out, errors),
                RawStatus::OutputFull => assert!(step.read > 0 || step.written > 0 || room < 3),
                RawStatus::Malformed { len, .. } => {
                    assert_eq!(len, 1);
                    errors.push(read - 1);
                }
            }
        }
    }

    #[test]
    fn entries_encode_utf8() {
        for cp in [0x41u16, 0x7F, 0x80, 0x7FF, 0x800, 0x20AC, 0xFFFD] {
            let mut buf = [0u8; 4];
            let expected = char::from_u32(u32::from(cp)).unwrap().encode_utf8(&mut buf);
            let entry = utf8_entry(cp);
            assert_eq!(
                &entry.to_le_bytes()[..entry_len(entry)],
                expected.as_bytes()
            );
        }
    }

    #[test]
    fn cp1251_and_cp1252_decode_and_reject() {
        let russian = "Съешь же ещё этих мягких французских булок, да выпей чаю.";
        let mut cp1251: Vec<u8> = Vec::new();
        for c in russian.chars() {
            let b = match c {
                'А'..='я' => (u32::from(c) - 0x410 + 0xC0) as u8,
                'ё' => 0xB8,
                c => c as u8,
            };
            cp1251.push(b);
        }
        for room in [3, 5, 16, 64, 1000] {
            assert_eq!(decode_all("CP1251", &cp1251, room).0, russian.as_bytes());
        }
        // 0x81 is undefined in CP1252 (glibc), reported where it stands, decoding goes on after.
        let src = b"0123456789abcdef\x80ghij\x81klmnopqrstuvwxyz0123456789";
        let (out, errors) = decode_all("CP1252", src, 1000);
        assert_eq!(errors, [21]);
        assert_eq!(
            out,
            "0123456789abcdef€ghijklmnopqrstuvwxyz0123456789".as_bytes()
        );
    }

    #[test]
    fn ebcdic_has_no_ascii_fast_path() {
        let decoder = new_decoder("IBM037").unwrap();
        assert!(!decoder.ascii_lower_half);
        assert!(new_decoder("ISO-8859-5").unwrap().ascii_lower_half);
        assert_eq!(
            decode_all("IBM037", b"\xC8\x85\x93\x93\x96", 16).0,
            b"Hello"
        );
        assert!(new_decoder("NO-SUCH").is_none());
    }
}
