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
    INVALID, TableId, Utf8Table, code_point, shared_utf8_table, write_code_point, write_entry,
};
use crate::charset::{RawDecoder, RawStep};
use crate::tables::format::ComposingTable;
use crate::tables::single_byte::COMPOSING_COUNT;
use std::sync::OnceLock;

/// Room for the held character plus the current one.
const STEP_ROOM: usize = 6;

#[derive(Clone)]
pub(crate) struct ComposingDecoder {
    table: &'static ComposingTable,
    utf8: &'static Utf8Table,
    /// Each byte's code point, in one table (the generated halves take two loads a byte).
    code_points: &'static [u16; 256],
    /// Where each base's compositions are, when the bases are few enough to index.
    bases: Option<&'static BaseRuns>,
    /// The character held back, waiting for a possible mark.
    held: Option<u16>,
    /// The bytes whose character is the mark of some composition: only they can compose with
    /// a held character, so every other byte skips the search of the compositions.
    marks: Bytes,
    /// The ASCII bytes that decode to themselves, are held and are no mark (CP1258's and
    /// TCVN's letters): in a run, each letter is written as the next byte comes, with no
    /// search, and only the last one is held.
    held_letters: Bytes,
    /// The ASCII bytes that decode to themselves and are no mark, held letters and the plain
    /// bytes that are not held: a run of them (most of the text of these charsets) is written
    /// at once.
    runs: Bytes,
}

/// A set of byte values: one load and a shift to test.
#[derive(Clone, Copy)]
struct Bytes([u64; 4]);

impl Bytes {
    const NONE: Bytes = Bytes([0; 4]);

    fn insert(&mut self, byte: u8) {
        self.0[usize::from(byte >> 6)] |= 1 << (byte & 63);
    }

    #[inline]
    fn has(&self, byte: u8) -> bool {
        self.0[usize::from(byte >> 6)] >> (byte & 63) & 1 != 0
    }
}

impl ComposingDecoder {
    pub(crate) fn new(table: &'static ComposingTable) -> ComposingDecoder {
        let mut decoder = ComposingDecoder {
            table,
            utf8: shared_utf8_table(TableId::Composing(usize::from(table.slot)), table.halves),
            code_points: code_points_of(table),
            bases: bases_of(table),
            held: None,
            marks: Bytes::NONE,
            held_letters: Bytes::NONE,
            runs: Bytes::NONE,
        };
        for byte in 0..=0xFFu8 {
            let cp = decoder.code_points[usize::from(byte)];
            if table.compositions.iter().any(|&(_, mark, _, _)| mark == cp) {
                decoder.marks.insert(byte);
            }
        }
        for byte in 0..0x80u8 {
            if decoder.code_points[usize::from(byte)] == u16::from(byte)
                && decoder.utf8[usize::from(byte)] != INVALID
                && !decoder.is_mark(byte)
            {
                decoder.runs.insert(byte);
                if decoder.is_held(byte) {
                    decoder.held_letters.insert(byte);
                }
            }
        }
        decoder
    }

    fn is_mark(&self, byte: u8) -> bool {
        self.marks.has(byte)
    }

    fn is_held(&self, byte: u8) -> bool {
        self.table.held[usize::from(byte >> 6)] >> (byte & 63) & 1 != 0
    }

    /// The composition of `base` and `mark`, and whether it is held for a further mark.
    #[inline]
    fn compose(&self, base: u16, mark: u16) -> Option<(u16, bool)> {
        let all = self.table.compositions;
        let entries = match self.bases {
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

/// The code point of each byte of `table`, built at first use and shared by its decoders.
fn code_points_of(table: &'static ComposingTable) -> &'static [u16; 256] {
    static CODE_POINTS: [OnceLock<[u16; 256]>; COMPOSING_COUNT] =
        [const { OnceLock::new() }; COMPOSING_COUNT];
    CODE_POINTS[usize::from(table.slot)]
        .get_or_init(|| std::array::from_fn(|byte| code_point(table.halves, byte as u8)))
}

/// The [`BaseRuns`] of `table`, built at first use; `None` when its bases spread too far.
fn bases_of(table: &'static ComposingTable) -> Option<&'static BaseRuns> {
    static RUNS: [OnceLock<Option<BaseRuns>>; COMPOSING_COUNT] =
        [const { OnceLock::new() }; COMPOSING_COUNT];
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
        // A run writes what was held and every byte of it but a held last one, at once.
        let in_run = |b: u8| self.runs.has(b);
        while let Some(&byte) = src.get(read) {
            if in_run(byte) && state.is_none_or(|held| held < 0x80) {
                let held = usize::from(state.is_some());
                let room = dst.len() - written;
                if room > held {
                    let run = src[read..]
                        .iter()
                        .take(room - held)
                        .take_while(|&&b| in_run(b))
                        .count();
                    if let Some(held) = *state {
                        dst[written] = held as u8;
                        written += 1;
                    }
                    let last_byte = src[read + run - 1];
                    let hold_last = self.held_letters.has(last_byte);
                    let copied = run - usize::from(hold_last);
                    // Runs are mostly a word or two: one fixed 16-byte copy where both sides
                    // have the room (what lies past `copied` is overwritten later), rather than
                    // a call to copy a few bytes.
                    if copied <= 16 && src.len() - read >= 16 && dst.len() - written >= 16 {
                        dst[written..written + 16].copy_from_slice(&src[read..read + 16]);
                    } else if copied == 1 {
                        // A run of one at the end of a short input (iconv(3)'s last bytes are
                        // filled a byte at a time): a store, not a call.
                        dst[written] = src[read];
                    } else {
                        dst[written..written + copied].copy_from_slice(&src[read..read + copied]);
                    }
                    (read, written) = (read + run, written + copied);
                    *state = hold_last.then_some(u16::from(last_byte));
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
            let cp = self.code_points[usize::from(byte)];
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
                // The byte's character, as the table has it encoded already.
                written += write_entry(entry, &mut dst[written..]).expect("room checked per step");
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
