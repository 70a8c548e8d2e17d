//! The ISO 6937-style charsets (ANSI_X3.110, ISO_6937, ISO_6937-2, T.61-8BIT): a prefix byte, a
//! non-spacing diacritic, changes the letter that follows it.
//!
//! As in glibc: a prefix byte followed by a byte outside `PREFIX_SECOND_FIRST..=LAST` is
//! invalid on its own (the following byte is decoded afresh); a pair inside that range that
//! makes no character is invalid as a whole (two bytes); a prefix byte at the end of the input is
//! truncated. The pairs are probed by the generator.

use crate::charset::single_byte::{
    INVALID, TableId, Utf8Table, entry_len, shared_utf8_table, write_code_point,
};
use crate::charset::{RawDecoder, RawStep};
use crate::tables::format::Iso6937Table;
use crate::tables::single_byte::{PREFIX_ROWS, PREFIX_SECOND_FIRST, PREFIX_SECOND_LAST, UNMAPPED};

#[derive(Clone)]
pub(crate) struct Iso6937Decoder {
    table: &'static Iso6937Table,
    utf8: &'static Utf8Table,
    /// A prefix byte read in an earlier call, waiting for its letter.
    prefix: Option<u8>,
    /// The ASCII bytes that decode to themselves: runs of them are copied at once.
    plain: u128,
}

impl Iso6937Decoder {
    pub(crate) fn new(table: &'static Iso6937Table) -> Iso6937Decoder {
        let utf8 = shared_utf8_table(TableId::Iso6937(usize::from(table.slot)), table.halves);
        let plain = (0..0x80u8)
            .filter(|&byte| {
                let entry = utf8[usize::from(byte)];
                entry != INVALID && entry_len(entry) == 1 && entry.to_le_bytes()[0] == byte
            })
            .fold(0u128, |plain, byte| plain | 1 << byte);
        Iso6937Decoder {
            table,
            utf8,
            prefix: None,
            plain,
        }
    }

    fn is_plain(&self, byte: u8) -> bool {
        byte < 0x80 && self.plain >> byte & 1 != 0
    }

    /// The row of [`PREFIX_ROWS`] of a prefix byte.
    fn prefix_row(&self, byte: u8) -> Option<&'static [u16]> {
        let index = *self
            .table
            .prefix_rows
            .get(usize::from(byte.checked_sub(0x80)?))?;
        (index != 0).then(|| &PREFIX_ROWS[usize::from(index - 1)][..])
    }
}

impl RawDecoder for Iso6937Decoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = (0, 0);
        loop {
            if let Some(prefix) = self.prefix {
                let Some(&second) = src.get(read) else {
                    if last {
                        self.prefix = None;
                        return RawStep::truncated(read, written, 1);
                    }
                    return RawStep::input_empty(read, written);
                };
                if !(PREFIX_SECOND_FIRST..=PREFIX_SECOND_LAST).contains(&second) {
                    self.prefix = None;
                    return RawStep::invalid(read, written, 1);
                }
                let row = self
                    .prefix_row(prefix)
                    .expect("held bytes are prefix bytes");
                let cp = row[usize::from(second - PREFIX_SECOND_FIRST)];
                if cp == UNMAPPED {
                    self.prefix = None;
                    return RawStep::invalid(read + 1, written, 2);
                }
                let Some(len) = write_code_point(cp, &mut dst[written..]) else {
                    return RawStep::output_full(read, written);
                };
                self.prefix = None;
                read += 1;
                written += len;
            }
            let Some(&byte) = src.get(read) else {
                return RawStep::input_empty(read, written);
            };
            if self.is_plain(byte) {
                let run = src[read..]
                    .iter()
                    .take(dst.len() - written)
                    .take_while(|&&b| self.is_plain(b))
                    .count();
                if run > 0 {
                    dst[written..written + run].copy_from_slice(&src[read..read + run]);
                    (read, written) = (read + run, written + run);
                    continue;
                }
            }
            let entry = self.utf8[usize::from(byte)];
            if entry == INVALID {
                read += 1;
                if self.prefix_row(byte).is_some() {
                    self.prefix = Some(byte);
                    continue;
                }
                return RawStep::invalid(read, written, 1);
            }
            let len = entry_len(entry);
            let Some(out) = dst.get_mut(written..written + len) else {
                return RawStep::output_full(read, written);
            };
            out.copy_from_slice(&entry.to_le_bytes()[..len]);
            read += 1;
            written += len;
        }
    }

    fn reset(&mut self) {
        self.prefix = None;
    }

    fn release_incomplete(&mut self) -> usize {
        usize::from(self.prefix.take().is_some())
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        src_len.checked_add(1)?.checked_mul(3)
    }
}

#[cfg(test)]
mod tests;
