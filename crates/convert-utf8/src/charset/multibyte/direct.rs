//! The hot loop's lookup of a CJK charset: an entry for every first byte and, after a lead of
//! two-byte codes, for every next byte, so that finding a code's character takes one
//! descriptor load and one entry load, with no range check on the way. Built once per charset
//! and process, on first use, from the generated compact descriptors ([`Lead`]), which hold
//! only each lead's range of next bytes: for a charset with 126 leads that is 126 KiB of heap,
//! where the range check cost a quarter of the hot loop's instructions per code. The UTF-16
//! decoder reads the same places of the entries as UTF-16 units ([`UnitLookup`]), built on its
//! first use (half the entries' size).

use super::{Lead, MbTable, POOL, RAW_ENTRY, UTF8_LEN, entry_char, fast_entry};
use crate::charset::kernel::{OutUnit, put};
use std::sync::OnceLock;

/// Where the entries of codes that start with one first byte are.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(8))]
pub(super) struct DirectLead {
    /// Index in [`DirectTable::entries`] of the entry for next byte 00.
    base: u32,
    /// FF when there is an entry per next byte (a lead of two-byte codes), 0 when there is one
    /// entry whatever follows (a character by itself, or a byte the hot loop leaves to the
    /// general path).
    mask: u8,
    /// How many bytes the code takes when its entry is a character.
    step: u8,
}

/// The entry of a code the hot loop leaves to the general path (longer or illegal sequences,
/// expansions, pool entries that are not a character): a raw entry's marker byte.
const GENERAL_PATH: u32 = RAW_ENTRY as u32;

/// One charset's lookup for the hot loop.
pub(crate) struct DirectTable {
    first: [DirectLead; 256],
    /// Each a character's UTF-8 as the pool holds it (four bytes, little-endian, of which the
    /// first tells how many count), or [`GENERAL_PATH`]. (As `u32`, so that an entry is loaded
    /// and stored whole, not byte by byte.)
    entries: Box<[u32]>,
    /// The entries as UTF-16 units ([`entry_unit`]), for the UTF-16 decoder; built on its first
    /// use.
    units: OnceLock<Box<[u16]>>,
    /// The most UTF-8 bytes an entry writes per input byte its code takes (rounded up): the
    /// hot loop's output bound per byte consumed (see `kernel::block_len`).
    utf8_per_byte: usize,
}

impl DirectTable {
    /// The lookup that gives, for every first and next byte, what the descriptors of `table`
    /// give (the test `the_direct_lookup_gives_what_the_descriptors_and_the_general_path_give`
    /// checks every pair).
    pub(super) fn build(table: &MbTable) -> DirectTable {
        let size = |lead: &Lead| match lead {
            Lead { limit: 0, .. } => 0,
            Lead { mask: 0, .. } => 1,
            _ => 256,
        };
        let mut entries = Vec::with_capacity(1 + table.lead.iter().map(size).sum::<usize>());
        entries.push(GENERAL_PATH);
        let mut first = [DirectLead::default(); 256];
        // ASCII runs copy a byte per byte; GB18030's four-byte codes write at most four.
        let mut utf8_per_byte = 1;
        let mut bound = |entry: [u8; 4], step: u8| {
            if let Some(len) = utf8_len(entry) {
                utf8_per_byte = utf8_per_byte.max(len.div_ceil(usize::from(step.max(1))));
            }
        };
        for (b, lead) in table.lead.iter().enumerate() {
            let base = entries.len() as u32;
            first[b] = match lead {
                Lead { limit: 0, .. } => DirectLead::default(),
                Lead { mask: 0, .. } => {
                    let entry = fast_entry(lead, 0);
                    if let Some((e, _)) = entry {
                        bound(e, lead.step);
                    }
                    entries.push(entry.map_or(GENERAL_PATH, |(e, _)| as_entry(e)));
                    DirectLead {
                        base,
                        mask: 0,
                        step: lead.step,
                    }
                }
                _ => {
                    entries.resize(entries.len() + 256, GENERAL_PATH);
                    // A lead of two-byte codes (mask FF, `Lead`): next byte `lo + k` has the
                    // pool entry at `base + 3k`, for `k < limit`. Read straight from the pool
                    // rather than by asking `fast_entry` for every next byte, which counts under
                    // Miri (a test building GB18030's table: 6 s instead of 15).
                    debug_assert_eq!(lead.mask, 0xFF);
                    let row = &mut entries[base as usize..];
                    let pool = &POOL[lead.base as usize..][..3 * usize::from(lead.limit) + 1];
                    for k in 0..lead.limit {
                        let at = 3 * usize::from(k);
                        let entry = [pool[at], pool[at + 1], pool[at + 2], pool[at + 3]];
                        if utf8_len(entry).is_some() {
                            bound(entry, lead.step);
                            row[usize::from(lead.lo.wrapping_add(k))] = as_entry(entry);
                        }
                    }
                    DirectLead {
                        base,
                        mask: 0xFF,
                        step: lead.step,
                    }
                }
            };
        }
        DirectTable {
            first,
            entries: entries.into_boxed_slice(),
            units: OnceLock::new(),
            utf8_per_byte,
        }
    }

    /// Where the entry of the code that starts with `first` followed by `next` is, in the
    /// entries and in the [`units`](Self::units) alike (always a place of theirs), and how many
    /// bytes that code takes when the entry is a character.
    #[inline(always)]
    fn position(&self, first: u8, next: u8) -> (usize, u8) {
        // `first` and `entries` are private and written only by `build`, which gives each first
        // byte one entry from `base` (mask 0), 256 (mask FF), or the default `DirectLead`
        // (base 0, mask 0): entry 0, which it always makes. So `base + (next & mask)` is a
        // place of the entries, whatever the bytes.
        let lead = self.first[usize::from(first)];
        let at = lead.base as usize + usize::from(next & lead.mask);
        debug_assert!(at < self.entries.len());
        (at, lead.step)
    }

    /// The entries as the UTF-16 units of their characters, or [`NOT_A_UNIT`], at the same
    /// places (as many as the entries).
    fn units(&self) -> &[u16] {
        self.units.get_or_init(|| {
            self.entries
                .iter()
                .map(|&entry| entry_unit(entry))
                .collect()
        })
    }

    /// The most UTF-8 bytes the hot loop writes per input byte it consumes.
    pub(super) fn utf8_per_byte(&self) -> usize {
        self.utf8_per_byte
    }

    /// The lookup of the UTF-16 unit of a code (building the units on first use).
    pub(super) fn unit_lookup(&self) -> UnitLookup<'_> {
        UnitLookup {
            table: self,
            units: self.units(),
        }
    }

    /// The entry of the code that starts with `first` followed by `next`, and how many bytes
    /// that code takes when the entry is a character ([`utf8_len`] says whether it is).
    #[inline(always)]
    pub(super) fn lookup(&self, first: u8, next: u8) -> ([u8; 4], u8) {
        let (at, step) = self.position(first, next);
        // SAFETY: `at` is a place of the entries (`position`).
        let entry = *unsafe { self.entries.get_unchecked(at) };
        (entry.to_le_bytes(), step)
    }
}

/// A pool entry's four bytes as a [`DirectTable`] entry.
fn as_entry(bytes: [u8; 4]) -> u32 {
    u32::from_le_bytes(bytes)
}

/// How many of an entry's bytes are its character's UTF-8; `None` for [`GENERAL_PATH`].
/// Three bytes (CJK) and ASCII (the spaces of Korean text) are tested first, without a load,
/// so that the output position does not wait for the length table.
#[inline(always)]
pub(super) fn utf8_len(entry: [u8; 4]) -> Option<usize> {
    if entry[0] & 0xF0 == 0xE0 {
        return Some(3);
    }
    if entry[0] < 0x80 {
        return Some(1);
    }
    match UTF8_LEN[usize::from(entry[0])] {
        0 => None,
        len => Some(usize::from(len)),
    }
}

/// What [`DirectTable::units`] holds for an entry that is not a character: a surrogate, which no
/// entry's character is (the pool holds BMP characters only).
pub(super) const NOT_A_UNIT: u16 = 0xD800;

/// The UTF-16 unit of an entry's character, or [`NOT_A_UNIT`].
fn entry_unit(entry: u32) -> u16 {
    let [b0, b1, b2, _] = entry.to_le_bytes();
    entry_char([b0, b1, b2]).unwrap_or(NOT_A_UNIT)
}

/// A direct table's lookup of UTF-16 units: the table and its [units](DirectTable::units),
/// which only [`DirectTable::unit_lookup`] puts together.
#[derive(Clone, Copy)]
pub(crate) struct UnitLookup<'a> {
    table: &'a DirectTable,
    units: &'a [u16],
}

impl UnitLookup<'_> {
    /// The UTF-16 unit of the code that starts with `first` followed by `next` ([`NOT_A_UNIT`]
    /// when its entry is not a character), and how many bytes that code takes when it is one.
    #[inline(always)]
    pub(super) fn lookup(&self, first: u8, next: u8) -> (u16, u8) {
        let (at, step) = self.table.position(first, next);
        debug_assert_eq!(self.units.len(), self.table.entries.len());
        // SAFETY: `at` is a place of the table's entries (`DirectTable::position`), and `units`
        // are the table's units, as many as its entries (`DirectTable::unit_lookup`).
        (unsafe { *self.units.get_unchecked(at) }, step)
    }
}

/// An output form of the CJK hot loop ([`super::fast_run`]): what its lookup of a code gives, how
/// many units that writes, and how it is stored.
pub(super) trait DirectOut: OutUnit {
    /// What the form reads the direct table through.
    type Lookup<'a>: Copy;
    /// What the lookup gives for a code.
    type Entry: Copy;

    /// The entry of the code that starts with `first` followed by `next`, and how many bytes
    /// the code takes when the entry is a character.
    fn look(lookup: Self::Lookup<'_>, first: u8, next: u8) -> (Self::Entry, u8);
    /// How many units the entry's character takes; `None` for the general path.
    fn units(entry: Self::Entry) -> Option<usize>;
    /// Stores the entry at `dst[at..]` inside the hot loop's block.
    fn store(dst: &mut [Self], at: usize, entry: Self::Entry);
    /// An ASCII byte in this form.
    fn from_ascii(byte: u8) -> Self;
}

impl DirectOut for u8 {
    type Lookup<'a> = &'a DirectTable;
    /// The character's UTF-8 and padding, stored four bytes at once.
    type Entry = [u8; 4];

    #[inline(always)]
    fn look(lookup: &DirectTable, first: u8, next: u8) -> ([u8; 4], u8) {
        lookup.lookup(first, next)
    }

    #[inline(always)]
    fn units(entry: [u8; 4]) -> Option<usize> {
        utf8_len(entry)
    }

    #[inline(always)]
    fn store(dst: &mut [u8], at: usize, entry: [u8; 4]) {
        put(dst, at, entry);
    }

    #[inline(always)]
    fn from_ascii(byte: u8) -> u8 {
        byte
    }
}

impl DirectOut for u16 {
    type Lookup<'a> = UnitLookup<'a>;
    /// The character's unit, or [`NOT_A_UNIT`].
    type Entry = u16;

    #[inline(always)]
    fn look(lookup: UnitLookup<'_>, first: u8, next: u8) -> (u16, u8) {
        lookup.lookup(first, next)
    }

    #[inline(always)]
    fn units(unit: u16) -> Option<usize> {
        (unit & 0xF800 != NOT_A_UNIT).then_some(1)
    }

    #[inline(always)]
    fn store(dst: &mut [u16], at: usize, unit: u16) {
        put(dst, at, [unit]);
    }

    #[inline(always)]
    fn from_ascii(byte: u8) -> u16 {
        u16::from(byte)
    }
}
