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
    #[inline]
    fn compose(&self, base: u16, mark: u16) -> Option<(u16, bool)> {
        let all = self.table.compositions;
        let entries = match bases_of(self.table) {
            Some(bases) => {
                let &(start, count) = bases
                    .runs
                    .get(usize::from(base.checked_sub(bases.first)?))?;
                &all[usize::from(start)..usize::from(start) + usize::from(count)]
            }
            None => {
                let i = all
                    .binary_search_by(|&(b, m, _, _)| (b, m).cmp(&(base, mark)))
                    .ok()?;
                &all[i..=i]
            }
        };
        let &(_, _, composed, hold_again) = entries.iter().find(|entry| entry.1 == mark)?;
        Some((composed, hold_again))
    }
}

/// Where each base's compositions are (they are sorted by base, then mark), by base code point
/// from the first: a base's few marks are then scanned instead of all compositions searched
/// (the search was a third of the time of Vietnamese text).
struct BaseRuns {
    first: u16,
    /// For each code point from `first`: the index of its first composition and how many.
    runs: Box<[(u16, u8)]>,
}

/// The widest span of bases indexed directly (CP1258 and TCVN: Latin, about 370 code points);
/// a table whose bases spread further (CP1255: Hebrew and its presentation forms) is searched.
const MAX_BASE_SPAN: usize = 2048;

/// The [`BaseRuns`] of `table`, built at first use; `None` when its bases spread too far.
fn bases_of(table: &'static ComposingTable) -> Option<&'static BaseRuns> {
    static RUNS: [std::sync::OnceLock<Option<BaseRuns>>; 8] =
        [const { std::sync::OnceLock::new() }; 8];
    RUNS.get(usize::from(table.slot))?
        .get_or_init(|| {
            let all = table.compositions;
            let (first, last) = (all.first()?.0, all.last()?.0);
            let span = usize::from(last - first) + 1;
            if span > MAX_BASE_SPAN || all.len() > usize::from(u16::MAX) {
                return None;
            }
            let mut runs = vec![(0u16, 0u8); span].into_boxed_slice();
            for (i, &(base, ..)) in all.iter().enumerate() {
                let run = &mut runs[usize::from(base - first)];
                if run.1 == 0 {
                    run.0 = i as u16;
                }
                run.1 = run.1.checked_add(1)?;
            }
            Some(BaseRuns { first, runs })
        })
        .as_ref()
}

impl ComposingDecoder {
    /// The decoding loop, with the held character in a local (`state`) rather than in `self`,
    /// where every byte would store it back to memory.
    #[inline(always)]
    fn decode_holding(
        &self,
        state: &mut Option<u16>,
        src: &[u8],
        dst: &mut [u8],
        last: bool,
    ) -> RawStep {
        let (mut read, mut written) = (0, 0);
        while let Some(&byte) = src.get(read) {
            // A held letter and then a letter or plain byte: the held one is written as it is.
            if let Some(held) = *state
                && held < 0x80
                && byte < 0x80
                && (self.held_letters | self.plain) >> byte & 1 != 0
                && dst.len() - written >= 2
            {
                dst[written] = held as u8;
                written += 1;
                read += 1;
                if self.held_letters >> byte & 1 != 0 {
                    *state = Some(u16::from(byte));
                } else {
                    dst[written] = byte;
                    written += 1;
                    *state = None;
                }
                continue;
            }
            if state.is_none() && self.is_plain(byte) {
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
            if let Some(held) = state.take() {
                if self.is_mark(byte)
                    && let Some((composed, hold_again)) = self.compose(held, cp)
                {
                    if hold_again {
                        *state = Some(composed);
                    } else {
                        written += write_code_point(composed, &mut dst[written..]).unwrap();
                    }
                    continue;
                }
                written += write_code_point(held, &mut dst[written..]).unwrap();
            }
            if self.is_held(byte) {
                *state = Some(cp);
            } else {
                written += write_code_point(cp, &mut dst[written..]).unwrap();
            }
        }
        if last && let Some(held) = *state {
            let Some(len) = write_code_point(held, &mut dst[written..]) else {
                return RawStep::output_full(read, written);
            };
            written += len;
            *state = None;
        }
        RawStep::input_empty(read, written)
    }
}

impl RawDecoder for ComposingDecoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let mut held = self.held;
        let step = self.decode_holding(&mut held, src, dst, last);
        self.held = held;
        step
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
