//! CP1255, CP1258 and TCVN5712-1: a single-byte table plus glibc's base + combining mark
//! composition.
//!
//! glibc holds back the character of some bytes (the bases) until it sees the next byte; if that
//! byte's character is a mark that composes with the held one, it writes the precomposed
//! character instead of the pair (some composed characters are held again for a further mark).
//! Which bytes are held and which pairs compose is probed by the generator. The held character
//! stays held across an invalid byte (so under `iconv -c` it composes with a mark after the
//! dropped byte) and is written at the end of the input.

use crate::charset::single_byte::{
    INVALID, TableId, Utf8Table, code_point, shared_utf8_table, write_code_point,
};
use crate::charset::{RawDecoder, RawStep};
use crate::tables::format::ComposingTable;

/// Room for the held character plus the current one.
const STEP_ROOM: usize = 6;

#[derive(Clone)]
pub(crate) struct ComposingDecoder {
    table: &'static ComposingTable,
    utf8: &'static Utf8Table,
    /// The character held back, waiting for a possible mark.
    held: Option<u16>,
    /// The ASCII bytes that decode to themselves and are not held: with nothing held, a run of
    /// them is copied as it is (most of the text of these charsets is such bytes).
    plain: u128,
    /// The bytes whose character is the mark of some composition: only they can compose with
    /// a held character, so every other byte skips the search of the compositions.
    marks: [u64; 4],
    /// The ASCII bytes that decode to themselves, are held and are no mark (CP1258's and
    /// TCVN's letters): a run of them and of plain bytes writes each letter when the next byte
    /// comes, with no search.
    held_letters: u128,
}

impl ComposingDecoder {
    pub(crate) fn new(table: &'static ComposingTable) -> ComposingDecoder {
        let mut decoder = ComposingDecoder {
            table,
            utf8: shared_utf8_table(TableId::Composing(usize::from(table.slot)), table.halves),
            held: None,
            plain: 0,
            marks: [0; 4],
            held_letters: 0,
        };
        for byte in 0..=0xFFu8 {
            let cp = code_point(table.halves, byte);
            if table.compositions.iter().any(|&(_, mark, _, _)| mark == cp) {
                decoder.marks[usize::from(byte >> 6)] |= 1 << (byte & 63);
            }
        }
        for byte in 0..0x80u8 {
            if code_point(table.halves, byte) == u16::from(byte)
                && decoder.utf8[usize::from(byte)] != INVALID
                && !decoder.is_mark(byte)
            {
                if decoder.is_held(byte) {
                    decoder.held_letters |= 1 << byte;
                } else {
                    decoder.plain |= 1 << byte;
                }
            }
        }
        decoder
    }

    fn is_mark(&self, byte: u8) -> bool {
        self.marks[usize::from(byte >> 6)] >> (byte & 63) & 1 != 0
    }

    fn is_plain(&self, byte: u8) -> bool {
        byte < 0x80 && self.plain >> byte & 1 != 0
    }

    fn is_held(&self, byte: u8) -> bool {
        self.table.held[usize::from(byte >> 6)] >> (byte & 63) & 1 != 0
    }

    /// The composition of `base` and `mark`, and whether it is held for a further mark.
    fn compose(&self, base: u16, mark: u16) -> Option<(u16, bool)> {
        let all = self.table.compositions;
        let i = all
            .binary_search_by(|&(b, m, _, _)| (b, m).cmp(&(base, mark)))
            .ok()?;
        Some((all[i].2, all[i].3))
    }
}

impl RawDecoder for ComposingDecoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = (0, 0);
        while let Some(&byte) = src.get(read) {
            // A held letter and then a letter or plain byte: the held one is written as it is.
            if let Some(held) = self.held
                && held < 0x80
                && byte < 0x80
                && (self.held_letters | self.plain) >> byte & 1 != 0
                && dst.len() - written >= 2
            {
                dst[written] = held as u8;
                written += 1;
                read += 1;
                if self.held_letters >> byte & 1 != 0 {
                    self.held = Some(u16::from(byte));
                } else {
                    dst[written] = byte;
                    written += 1;
                    self.held = None;
                }
                continue;
            }
            if self.held.is_none() && self.is_plain(byte) {
                let room = dst.len() - written;
                let run = src[read..]
                    .iter()
                    .take(room)
                    .take_while(|&&b| self.is_plain(b))
                    .count();
                if run > 0 {
                    dst[written..written + run].copy_from_slice(&src[read..read + run]);
                    (read, written) = (read + run, written + run);
                    continue;
                }
            }
            if dst.len() - written < STEP_ROOM {
                return RawStep::output_full(read, written);
            }
            let entry = self.utf8[usize::from(byte)];
            if entry == INVALID {
                return RawStep::invalid(read + 1, written, 1);
            }
            read += 1;
            let cp = code_point(self.table.halves, byte);
            if let Some(held) = self.held.take() {
                if self.is_mark(byte)
                    && let Some((composed, hold_again)) = self.compose(held, cp)
                {
                    if hold_again {
                        self.held = Some(composed);
                    } else {
                        written += write_code_point(composed, &mut dst[written..]).unwrap();
                    }
                    continue;
                }
                written += write_code_point(held, &mut dst[written..]).unwrap();
            }
            if self.is_held(byte) {
                self.held = Some(cp);
            } else {
                written += write_code_point(cp, &mut dst[written..]).unwrap();
            }
        }
        if last && let Some(held) = self.held {
            let Some(len) = write_code_point(held, &mut dst[written..]) else {
                return RawStep::output_full(read, written);
            };
            written += len;
            self.held = None;
        }
        RawStep::input_empty(read, written)
    }

    fn reset(&mut self) {
        self.held = None;
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        src_len.checked_add(1)?.checked_mul(3)
    }
}

#[cfg(test)]
mod tests;
