//! One conversion to UTF-8 with iconv(3)'s contract, over slices: what a handle of ours does.
//!
//! The engine's [`Decoder`] streams with its own contract (a sequence cut by the end of a call
//! is held, a bad sequence is consumed); iconv(3) leaves both to the caller. This module
//! translates, and reproduces what glibc's callers can observe:
//!
//! - an incomplete sequence at the end of the input is not consumed (`EINVAL`);
//! - a bad sequence is not consumed (`EILSEQ`, input left on it), or under `//IGNORE` dropped,
//!   the call going on to the end and then reporting `EILSEQ` as glibc does (see
//!   [`IGNORE_ROUND_CHARS`] for when glibc forgets to);
//! - a full output (`E2BIG`) is filled to its last whole character, and the input is left right
//!   after the last character written; of a code that stands for several characters, what
//!   fits is written and the rest kept for the next call.

use convert_utf8::{
    Charset, DecodeStatus, DecodeStep, Decoder, ErrorPolicy, Family, MIN_OUTPUT_SPACE,
};

use crate::ignore_reports::{SILENT_IN_DOUBLE_BYTE, SILENT_UNDER_IGNORE};

/// The last bytes of an output buffer, left to [`Conversion::decode_tail`] (filled at once or
/// one input byte at a time): enough for any one step of any charset, so that the last
/// character written always lies in them.
const TAIL: usize = MIN_OUTPUT_SPACE;

/// The longest UTF-8 of one code point: what the bulk loops of a stateful decoder that may stop
/// past its last character (on a shift after it) leave to the byte-at-a-time tail. The first
/// character of the tail always fits there (a step of several writes its first at least,
/// [`Pending`]), so the last character written lies in the tail. A
/// tail that writes nothing all the same (a step of several characters that also dropped bad
/// bytes) is caught and the call done again with a whole [`TAIL`] ([`Step::unplaced`]).
const ONE_CODE_POINT: usize = 4;

/// The room the engine's decoders ask for before a step, whatever it writes: with this much
/// left, a byte of the tail is decoded straight into the output.
const STEP_ROOM: usize = 8;

/// The most output a call is decoded into off to the side ([`Conversion::decode_whole`]): the
/// handle's scratch buffer, allocated at its first use.
const SCRATCH: usize = 16 * 1024;

/// The least input a call reads for its output per input byte to be taken as the next call's
/// expectation.
const MIN_RATE_SAMPLE: usize = 16;

/// glibc converts to UTF-8 in two steps, through an internal buffer of this many characters.
/// Under `//IGNORE` the status of a dropped sequence lives in the step's loop, so a call that
/// dropped one reports `EILSEQ` only when the drop happened in the call's last round through
/// that buffer; a drop in an earlier round is forgotten and the call returns 0. Reproduced
/// here because programs' exit statuses follow it (glibc's `GCONV_NCHAR_GOAL`).
pub const IGNORE_ROUND_CHARS: u64 = 8160;

/// How a call ended, as iconv(3) reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// All input converted: iconv returns 0.
    Complete,
    /// `E2BIG`: the output has no room for the next character.
    OutputFull,
    /// `EILSEQ`: an invalid sequence starts at `read` (or, under `//IGNORE`, sequences were
    /// dropped and all input was read).
    Invalid,
    /// `EINVAL`: the input ends inside a sequence starting at `read`.
    Incomplete,
}

impl Stop {
    /// The `errno` value iconv sets for this stop (`None` for success).
    pub fn errno(self) -> Option<i32> {
        match self {
            Stop::Complete => None,
            Stop::OutputFull => Some(libc::E2BIG),
            Stop::Invalid => Some(libc::EILSEQ),
            Stop::Incomplete => Some(libc::EINVAL),
        }
    }
}

/// What one call did: input bytes consumed, output bytes written, why it stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub read: usize,
    pub written: usize,
    pub stop: Stop,
}

/// A conversion from one charset to UTF-8, with glibc's `//IGNORE` or without.
pub struct Conversion {
    /// Always strict: dropping under `//IGNORE` is done here, where glibc's round structure
    /// and the input position after a drop are known.
    decoder: Decoder,
    ignore: bool,
    /// Whether glibc goes through its internal buffer for this charset (all but `WCHAR_T`,
    /// which is glibc's internal form itself and converts in one step).
    rounds: bool,
    /// Which drops glibc's module for this charset reports under `//IGNORE`.
    reports: Reports,
    /// Whether the engine's decoder for this charset keeps nothing between characters but the
    /// bytes of one cut off (single-byte charsets, the CJK multi-byte ones, UTF-8): going back
    /// to right after the last character written then needs no copy of the decoder, and the
    /// bulk loops may run to the end of the output.
    stateless: bool,
    /// Whether the decoder holds characters back (one waiting for a combining mark: CP1255,
    /// CP1258, TCVN, TSCII).
    holds_characters: bool,
    /// Whether the engine's decoder, stopped by a full output, stops right after the last
    /// character it wrote, before any shift that follows (stateless decoders, and the ISO-2022
    /// family, which documents it): its bulk loops may then run to the end of the output.
    stops_after_characters: bool,
    /// Whether the tail is first tried in one or two decoder calls
    /// ([`Conversion::fill_tail_at_once`]): the stateful decoders that stop after characters,
    /// ISO-2022. (The stateless decoders' tails go by pieces instead: filled at once, Shift_JIS
    /// took 13 % fewer instructions at 100-byte calls, but EUC-KR 6 %, UTF-8 10 % and CP1252
    /// 27 % more.) Off in tests, for the byte-at-a-time tail as a reference.
    fills_tail_at_once: bool,
    /// Whether a strict `EILSEQ` leaves the decoder in glibc's state
    /// ([`state_before_error`](Self::state_before_error)) rather than the engine's, for a
    /// program that skips the bad byte and goes on. Needs a copy of the decoder at each call:
    /// kept to UTF-7 and UTF-7-IMAP, the family where the two states differ.
    keeps_state_at_errors: bool,
    /// Characters of a step that did not all fit the output, for the next call.
    pending: Pending,
    /// The length of the byte order mark the charset's decoder reads at the start of an input
    /// (UTF-16, UNICODE: 2; UTF-32: 4), 0 where it reads none.
    bom_len: usize,
    /// The decoder's output bound for no more input when it holds nothing.
    idle_bound: Option<usize>,
    /// The least room a tail piece of two bytes needs (the decoder's bound for two bytes when
    /// it holds nothing): with less, the tail goes a byte at a time without trying one.
    piece_room: usize,
    /// Copies of the decoder, made in place (a copy at every call of a stateful charset costs
    /// a store of its state, not a new decoder built and moved): as a call began, for doing it
    /// again ([`Conversion::convert_with_margin`]); as the tail began or after the last
    /// character it wrote, for going back there ([`Conversion::decode_tail`]); and to probe
    /// what it holds ([`Conversion::held_invalid`], [`Conversion::flush`], a held character).
    at_call_start: Decoder,
    at_tail_base: Decoder,
    probe: Decoder,
    /// Whether a call whose output is likely to fit is decoded whole off to the side
    /// ([`Conversion::decode_whole`]): the CJK multi-byte charsets, whose bulk loops ask for
    /// room for two output bytes an input byte. The single-byte and UTF-8 decoders fill small
    /// outputs as cheaply as they are (UTF-8 took 7.6 % more instructions at 100-byte calls
    /// decoded whole).
    decodes_whole: bool,
    /// Where such a call is decoded; empty until first needed.
    scratch: Vec<u8>,
    /// Input read and output written by the last two calls that read at least
    /// [`MIN_RATE_SAMPLE`] bytes, the latest first: whether the next call's output is likely to
    /// fit its room.
    last_rates: [(usize, usize); 2],
}

/// The characters one step of the engine wrote beyond the end of a small output (a character
/// of two code points from one code, such as JIS X 0213's か゚). glibc writes what fits of such
/// a step, keeps the rest in its state and reads on past the step's input; so does a handle of
/// ours, delivering the rest first in the next call. The byte-at-a-time tail also takes an ESC
/// that began no escape sequence, written by the engine with the bytes after it, for such a
/// step; glibc writes the ESC alone and reads those bytes again. The tail filled at once does
/// that, and the byte-at-a-time tail now meets it only beside a drop under //IGNORE (a
/// difference `docs/iconv-abi.md` lists).
#[derive(Default)]
struct Pending {
    bytes: [u8; 2 * TAIL],
    start: usize,
    end: usize,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn hold(&mut self, utf8: &[u8]) {
        debug_assert!(self.is_empty());
        self.bytes[..utf8.len()].copy_from_slice(utf8);
        (self.start, self.end) = (0, utf8.len());
    }

    /// Writes into `dst` the whole characters held that fit; returns how many bytes.
    fn deliver(&mut self, dst: &mut [u8]) -> usize {
        let held = &self.bytes[self.start..self.end];
        let fit = whole_characters_within(held, dst.len());
        dst[..fit].copy_from_slice(&held[..fit]);
        self.start += fit;
        fit
    }

    fn clear(&mut self) {
        (self.start, self.end) = (0, 0);
    }
}

/// The length of the longest run of whole characters at the start of `utf8` (whole characters
/// itself) that fits in `room` bytes.
fn whole_characters_within(utf8: &[u8], room: usize) -> usize {
    if utf8.len() <= room {
        return utf8.len();
    }
    (0..=room)
        .rev()
        .find(|&at| (utf8[at] as i8) >= -0x40)
        .unwrap_or(0)
}

/// Which drops a charset's glibc module reports under `//IGNORE` (found by probing glibc:
/// [`crate::ignore_reports`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reports {
    All,
    None,
    /// Drops of single bytes, not of double-byte pairs (two EBCDIC charsets, shifted out).
    SingleBytes,
}

/// Under `//IGNORE`, the drops of one call, for glibc's report at its end and for where it
/// leaves the input when the output fills right after some.
#[derive(Default)]
struct Drops {
    /// Where the drops made since the last character written begin (input offset).
    run_start: Option<usize>,
    /// Output written when the last drop was made.
    written_at_last: usize,
    /// Characters written before the last drop, when there was one.
    chars_before_last: Option<u64>,
    /// Characters in `dst[..counted]`.
    chars: u64,
    counted: usize,
}

impl Drops {
    /// Records a drop made when `dst[..written]` was written.
    fn record(&mut self, dst: &[u8], written: usize) {
        self.chars_before_last = Some(self.count(dst, written));
    }

    /// Brings the character count up to `dst[..written]`.
    fn count(&mut self, dst: &[u8], written: usize) -> u64 {
        self.chars += count_chars(&dst[self.counted..written]);
        self.counted = written;
        self.chars
    }
}

/// The number of characters in a run of whole UTF-8 characters: its bytes that are not
/// continuation bytes.
fn count_chars(utf8: &[u8]) -> u64 {
    utf8.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64
}

/// What [`Conversion::decode_some`] did.
struct Step {
    read: usize,
    written: usize,
    status: DecodeStatus,
    /// The step filled the output's last bytes: an `OutputFull` from it is final.
    tail: bool,
    /// The tail wrote nothing before the output filled: the last character written was the
    /// bulk loops', which may have read on past it (a shift sequence), so where the input is
    /// left is not known.
    unplaced: bool,
}

impl Conversion {
    /// A conversion from `charset`, dropping invalid input when `ignore`.
    pub fn new(charset: Charset, ignore: bool) -> Conversion {
        let decoder = Decoder::new(charset, ErrorPolicy::Strict);
        let idle_bound = decoder.max_utf8_len(0);
        let piece_room = decoder.max_utf8_len(2).unwrap_or(usize::MAX);
        let stateless = matches!(charset.family(), Family::SingleByte | Family::CjkMultibyte)
            || charset.name() == "UTF-8";
        let holds_characters = matches!(charset.family(), Family::Composing | Family::Tscii);
        Conversion {
            decoder,
            ignore,
            rounds: charset.name() != "INTERNAL",
            reports: if SILENT_UNDER_IGNORE.contains(&charset.name()) {
                Reports::None
            } else if SILENT_IN_DOUBLE_BYTE.contains(&charset.name()) {
                Reports::SingleBytes
            } else {
                Reports::All
            },
            stateless,
            holds_characters,
            stops_after_characters: stateless || charset.family() == Family::Iso2022,
            fills_tail_at_once: charset.family() == Family::Iso2022,
            keeps_state_at_errors: matches!(charset.name(), "UTF-7" | "UTF-7-IMAP"),
            pending: Pending::default(),
            bom_len: match charset.name() {
                "UTF-16" | "UNICODE" => 2,
                "UTF-32" => 4,
                _ => 0,
            },
            idle_bound,
            piece_room,
            at_call_start: Decoder::new(charset, ErrorPolicy::Strict),
            at_tail_base: Decoder::new(charset, ErrorPolicy::Strict),
            probe: Decoder::new(charset, ErrorPolicy::Strict),
            decodes_whole: charset.family() == Family::CjkMultibyte,
            scratch: Vec::new(),
            last_rates: [(1, 1); 2],
        }
    }

    /// `iconv(cd, NULL, NULL, outbuf, outleft)`: writes what is pending and what the state
    /// still holds back (a character waiting for a possible combining mark) into `dst` and
    /// returns to the initial state. With no room for it, the stop is [`Stop::OutputFull`]
    /// (having written what pending characters fit).
    pub fn flush(&mut self, dst: &mut [u8]) -> Outcome {
        let delivered = self.pending.deliver(dst);
        let mut stage = [0u8; 2 * TAIL];
        copy_into(&mut self.probe, &self.decoder);
        let step = self.probe.decode(&[], &mut stage, true);
        let dst = &mut dst[delivered..];
        if !self.pending.is_empty() || step.written > dst.len() {
            return Outcome {
                read: 0,
                written: delivered,
                stop: Stop::OutputFull,
            };
        }
        dst[..step.written].copy_from_slice(&stage[..step.written]);
        self.reset();
        Outcome {
            read: 0,
            written: delivered + step.written,
            stop: Stop::Complete,
        }
    }

    /// `iconv(cd, NULL, NULL, NULL, NULL)`: back to the initial state, anything held dropped.
    /// As in glibc, the byte order a UTF-16 or UTF-32 byte order mark chose is kept.
    pub fn reset(&mut self) {
        self.decoder.begin_next_input();
        self.pending.clear();
    }

    /// `iconv(cd, &inbuf, &inleft, &outbuf, &outleft)` over `src` and `dst`.
    pub fn convert(&mut self, src: &[u8], dst: &mut [u8]) -> Outcome {
        // Only a call whose first byte may begin a mark goes to look (FE FF, FF FE, 00 00 FE FF,
        // FF FE 00 00): a call into the function each time cost UTF-16 1.4 % at 100-byte calls.
        let bom = match src.first() {
            Some(0xFE | 0xFF) if self.bom_len != 0 => self.leading_bom(src),
            Some(0) if self.bom_len == 4 => self.leading_bom(src),
            _ => 0,
        };
        let src = &src[bom..];
        // Where the bulk loops stop right after the last character written (a stateless
        // decoder goes back there by position alone), they may run to the end of the output;
        // see ONE_CODE_POINT. For ISO-2022-JP at 100-byte calls this took the instructions from
        // 87 M to 74 M a megabyte: the tail had filled up to 11 bytes a byte at a time.
        let margin = if self.stops_after_characters {
            0
        } else {
            ONE_CODE_POINT
        };
        let mut outcome = self.convert_with_margin(src, dst, margin);
        outcome.read += bom;
        if self.decodes_whole && outcome.read >= MIN_RATE_SAMPLE {
            self.last_rates = [(outcome.read, outcome.written), self.last_rates[0]];
        }
        outcome
    }

    /// Puts the decoder, which stopped at a bad sequence after reading `read` (the call's input
    /// up to that sequence), in the state glibc's UTF-7 module is in there: as it was before
    /// the sequence (a `-` ending a base64 run with bits left over is bad, and glibc stays in
    /// the run, so a program that skips the `-` reads on in base64), except that in UTF-7 a
    /// base64 run that could end cleanly there has ended (glibc ends it at any byte that is not
    /// base64, then finds the byte bad as direct text).
    #[cold]
    #[inline(never)]
    fn state_before_error(&mut self, read: &[u8]) {
        copy_into(&mut self.decoder, &self.at_call_start);
        replay(&mut self.decoder, read);
        if self.decoder.charset().name() != "UTF-7" {
            return;
        }
        // A direct character ends a run where it can end cleanly (right after the `+` too),
        // and is written alone; in direct text it is written alone as well, and the state is
        // left as it was. Either way the decoder after it is in glibc's state.
        copy_into(&mut self.probe, &self.decoder);
        let mut stage = [0u8; 2 * TAIL];
        let step = self.probe.decode(b".", &mut stage, false);
        if step.read == 1
            && stage[..step.written] == *b"."
            && step.status == DecodeStatus::InputEmpty
        {
            std::mem::swap(&mut self.decoder, &mut self.probe);
        }
    }

    /// The length of the byte order mark that `src` begins with (and goes on after) if the
    /// decoder reads it as one (at the start of a UTF-16, UTF-32 or UNICODE input), the decoder
    /// having read it; 0 otherwise.
    ///
    /// glibc reads such a mark before anything else, so a call whose first character does not
    /// fit leaves the input after the mark, where the tail would go back to before it (a mark
    /// writes nothing, as a shift writes nothing).
    #[inline(never)]
    fn leading_bom(&mut self, src: &[u8]) -> usize {
        let len = self.bom_len;
        if src.len() <= len || !is_bom(&src[..len]) || !self.pending.is_empty() {
            return 0;
        }
        copy_into(&mut self.probe, &self.decoder);
        let mut stage = [0u8; 2 * TAIL];
        let step = self.probe.decode(&src[..len], &mut stage, false);
        // Read whole, writing nothing: a mark (U+FEFF read as a character writes three bytes).
        if step.read != len || step.written != 0 || step.status != DecodeStatus::InputEmpty {
            return 0;
        }
        std::mem::swap(&mut self.decoder, &mut self.probe);
        len
    }

    /// [`convert`](Self::convert) with the bulk loops leaving `margin` bytes to the tail,
    /// after what is pending: when that is less than a whole [`TAIL`] and proves too few, the
    /// decoder is restored and the call made again with a whole one.
    fn convert_with_margin(&mut self, src: &[u8], dst: &mut [u8], margin: usize) -> Outcome {
        // glibc writes what a step kept back only as it goes on with input (or flushes): a call
        // with none returns at once, the rest still kept.
        if src.is_empty() && !self.pending.is_empty() {
            return Outcome {
                read: 0,
                written: 0,
                stop: Stop::Complete,
            };
        }
        let delivered = self.pending.deliver(dst);
        if !self.pending.is_empty() {
            return Outcome {
                read: 0,
                written: delivered,
                stop: Stop::OutputFull,
            };
        }
        let dst = &mut dst[delivered..];
        let narrow = (1..TAIL).contains(&margin);
        if narrow || self.keeps_state_at_errors {
            copy_into(&mut self.at_call_start, &self.decoder);
        }
        let mut outcome = match self.convert_leaving(src, dst, margin) {
            Some(outcome) => outcome,
            None => {
                assert!(narrow, "only a narrow margin leaves the input unplaced");
                copy_into(&mut self.decoder, &self.at_call_start);
                self.convert_leaving(src, dst, TAIL)
                    .expect("a whole tail places")
            }
        };
        outcome.written += delivered;
        outcome
    }

    /// [`convert`](Self::convert) with the bulk loops leaving `margin` bytes of the output to
    /// the tail; `None` when that was too few to know where to leave the input (the decoder is
    /// then to be restored and the call made again with a whole [`TAIL`]).
    fn convert_leaving(&mut self, src: &[u8], dst: &mut [u8], margin: usize) -> Option<Outcome> {
        let origin = self.decoder.position();
        let (mut read, mut written) = (0, 0);
        let mut drops = Drops::default();
        loop {
            let step = self.decode_some(&src[read..], dst, written, margin, &mut drops);
            if step.unplaced && read > 0 && (1..TAIL).contains(&margin) {
                return None;
            }
            read += step.read;
            written += step.written;
            let stop = match step.status {
                DecodeStatus::Error(error) if self.ignore => {
                    if drops.run_start.is_none() || written > drops.written_at_last {
                        drops.run_start = Some(offset_in_call(&error, origin));
                    }
                    drops.written_at_last = written;
                    if self.reports(&error) {
                        drops.record(dst, written);
                    }
                    continue;
                }
                DecodeStatus::Error(error) => {
                    // Bytes after the bad sequence may be held; the caller gets them back with
                    // the sequence itself.
                    self.decoder.release_incomplete();
                    read = offset_in_call(&error, origin);
                    if self.keeps_state_at_errors {
                        self.state_before_error(&src[..read]);
                    }
                    Stop::Invalid
                }
                DecodeStatus::InputEmpty => {
                    if let Some(error) = self.held_invalid() {
                        // Held bytes that could only grow into a longer bad sequence: glibc
                        // reports or drops what it has.
                        self.decoder.release_incomplete();
                        if !self.ignore {
                            read = offset_in_call(&error, origin);
                            return Some(Outcome {
                                read,
                                written,
                                stop: Stop::Invalid,
                            });
                        }
                        if self.reports(&error) {
                            drops.record(dst, written);
                        }
                    }
                    read -= self.decoder.release_incomplete();
                    if read < src.len() {
                        Stop::Incomplete
                    } else if self.drop_reported(&mut drops, dst, written) {
                        Stop::Invalid
                    } else {
                        Stop::Complete
                    }
                }
                // The bulk loops stopped at the margin they were given: the last bytes are next.
                DecodeStatus::OutputFull if !step.tail => continue,
                DecodeStatus::OutputFull => {
                    read -= self.decoder.release_incomplete();
                    // Drops right before the full output are left to the next call, as glibc
                    // leaves the input right after the last character written.
                    if let Some(run_start) = drops.run_start
                        && written == drops.written_at_last
                    {
                        read = run_start;
                    }
                    Stop::OutputFull
                }
            };
            return Some(Outcome {
                read,
                written,
                stop,
            });
        }
    }

    /// One step into `dst[written..]`: the engine's bulk loops while more than [`TAIL`] bytes of
    /// room are left (stopping at that margin), then [`decode_tail`](Self::decode_tail).
    fn decode_some(
        &mut self,
        src: &[u8],
        dst: &mut [u8],
        written: usize,
        margin: usize,
        drops: &mut Drops,
    ) -> Step {
        let room = dst.len() - written;
        // A call whose output is likely to fit, but in less room than the engine's blocks ask
        // for (about two output bytes an input byte), is decoded whole off to the side.
        if self.decodes_whole
            && written == 0
            && room < 2 * src.len()
            && self.likely_fits(src.len(), room)
            && let Some(step) = self.decode_whole(src, dst)
        {
            return step;
        }
        // A stateful decoder's bulk loops stop `margin` bytes before the end, so that the last
        // character written lies in the tail, where the state after it is known.
        if room >= MIN_OUTPUT_SPACE + margin {
            let end = dst.len() - margin;
            let step = self.decoder.decode(src, &mut dst[written..end], false);
            return Step {
                read: step.read,
                written: step.written,
                status: step.status,
                tail: false,
                unplaced: false,
            };
        }
        self.decode_tail(src, dst, written, drops)
    }

    /// Whether the output of `len` input bytes is likely to fit in `room`: it would at the
    /// output per input byte of each of the last two calls. (At the last call's alone, text
    /// that changes script from line to line, such as Japanese between lines of ASCII, tried
    /// and failed four times in five.)
    fn likely_fits(&self, len: usize, room: usize) -> bool {
        self.last_rates
            .iter()
            .all(|&(read, written)| len.saturating_mul(written) <= room.saturating_mul(read))
    }

    /// Decodes all of `src` off to the side and copies it into `dst` when it fits there; `None`,
    /// the decoder as it was, when it does not, or when the input is too long for the scratch.
    ///
    /// For a CJK multi-byte decoder (stateless), given less room than its bulk loops' blocks
    /// ask for but output likely to fit all the same: decoding into `dst` itself would go in
    /// ever smaller blocks as the room shrinks and end in the tail, a byte at a time (at
    /// 100-byte calls into 100-byte buffers, most of the time of a call whose output fitted).
    /// Decoded whole into room to spare, the call is one bulk pass and a copy. The result is
    /// the same: the decoder's steps do not depend on the room, only where it stops for want
    /// of it.
    // Out of line: inlined into `decode_some`, the calls that do not take it (Shift_JIS, EUC-KR
    // at 100 bytes) cost 0.4-0.5 % more instructions, for 0.6 % less on mixed-script GB18030.
    #[inline(never)]
    fn decode_whole(&mut self, src: &[u8], dst: &mut [u8]) -> Option<Step> {
        let room = dst.len();
        let bound = self
            .decoder
            .max_utf8_len(src.len())
            .filter(|&b| b <= SCRATCH)?;
        if self.scratch.is_empty() {
            self.scratch = vec![0; SCRATCH];
        }
        // The probe keeps the decoder as it was, to go back to if the output does not fit.
        copy_into(&mut self.probe, &self.decoder);
        let step = self.decoder.decode(src, &mut self.scratch[..bound], false);
        if step.written > room || step.status == DecodeStatus::OutputFull {
            copy_into(&mut self.decoder, &self.probe);
            return None;
        }
        dst[..step.written].copy_from_slice(&self.scratch[..step.written]);
        Some(Step {
            read: step.read,
            written: step.written,
            status: step.status,
            tail: true,
            unplaced: false,
        })
    }

    /// Decodes into the last bytes of `dst` (fewer than the engine's bulk loops need): at once
    /// where that can be done ([`fill_tail_at_once`](Self::fill_tail_at_once)), otherwise one
    /// input byte at a time through a stage (or by pieces, for a stateless decoder), taking a
    /// character only when it fits whole. When one does not, the decoder goes back to right
    /// after the last character written, before any shift sequence or dropped bytes that
    /// followed it: where glibc leaves the input.
    fn decode_tail(
        &mut self,
        src: &[u8],
        dst: &mut [u8],
        written: usize,
        drops: &mut Drops,
    ) -> Step {
        let mut stage = [0u8; 2 * TAIL];
        let (mut read, mut tail_written) = (0, 0);
        // Going back to right after the last character written: a stateless decoder goes back
        // by position alone (what was read since is bytes of one cut off or dropped bytes,
        // neither of which leaves state); a stateful one is rebuilt from a copy taken here by
        // decoding again what it read since (`replay`), which costs nothing unless the output
        // fills.
        // `base`: where the copy in `at_tail_base` was taken.
        let mut base = None;
        if !self.stateless {
            copy_into(&mut self.at_tail_base, &self.decoder);
            base = Some(0);
            if self.fills_tail_at_once
                && let Some(step) = self.fill_tail_at_once(src, &mut dst[written..])
            {
                return step;
            }
        }
        let mut after_last_char = 0;
        while read < src.len() {
            let room = dst.len() - written - tail_written;
            // A stateless decoder takes as many bytes at once as cannot overflow the room,
            // then gives back those of a character cut off, so that the piece ends right after
            // its last character.
            // Not while the decoder holds bytes (a run of lone UTF-8 continuation bytes it
            // waits to see the end of): giving back a piece's cut character would give those
            // back too.
            if self.stateless && room.min(TAIL) >= self.piece_room && self.holds_nothing() {
                let piece = self.safe_piece(src.len() - read, room);
                if piece > 1 {
                    let step = self
                        .decoder
                        .decode(&src[read..read + piece], &mut stage, false);
                    let at = written + tail_written;
                    dst[at..at + step.written].copy_from_slice(&stage[..step.written]);
                    tail_written += step.written;
                    read += step.read;
                    if let DecodeStatus::Error(error) = step.status {
                        if !self.ignore {
                            return Step {
                                read,
                                written: tail_written,
                                status: step.status,
                                tail: true,
                                unplaced: false,
                            };
                        }
                        if self.reports(&error) {
                            drops.record(dst, written + tail_written);
                        }
                        if step.written > 0 {
                            // What the piece wrote ends where the dropped sequence begins.
                            after_last_char = read.saturating_sub(error.len());
                        }
                        continue;
                    }
                    let released = self.decoder.release_incomplete();
                    read -= released;
                    if step.written > 0 {
                        after_last_char = read;
                    }
                    // A piece that only began a character (all given back) is retried a byte at
                    // a time below.
                    if step.read > released || step.written > 0 {
                        continue;
                    }
                }
            }
            let at = written + tail_written;
            // With room for any one step the byte is decoded in place (a decoder never writes
            // past the end of `dst`); with less, through the stage, to see whether it fits.
            let mut staged = room < STEP_ROOM;
            let mut step = DecodeStep {
                read: 0,
                written: 0,
                status: DecodeStatus::OutputFull,
            };
            if !staged {
                step = self
                    .decoder
                    .decode(&src[read..read + 1], &mut dst[at..], false);
                if step.status == DecodeStatus::OutputFull && step.read == 0 {
                    if step.written == 0 {
                        // Declined for want of room after all (a step of several characters).
                        staged = true;
                    } else {
                        // It wrote the character it held back and left its own for lack of
                        // room: a state no replay of the input reaches, so the base moves.
                        tail_written += step.written;
                        after_last_char = read;
                        if let Some(base_read) = &mut base {
                            *base_read = read;
                            copy_into(&mut self.at_tail_base, &self.decoder);
                        }
                        continue;
                    }
                }
            }
            if staged {
                step = self.decoder.decode(&src[read..read + 1], &mut stage, false);
            }
            if step.written > room {
                // The byte released a character held back as state (one waiting for a
                // combining mark) and then its own: glibc writes the held one alone when only
                // it fits, and leaves the byte unread.
                if self.holds_characters
                    && let Some(base_read) = base
                {
                    // The decoder as it was before the byte, in the probe.
                    copy_into(&mut self.probe, &self.at_tail_base);
                    replay(&mut self.probe, &src[base_read..read]);
                    if let Some(held) = held_alone(&mut self.probe, &stage[..step.written], room) {
                        let at = written + tail_written;
                        dst[at..at + held].copy_from_slice(&stage[..held]);
                        tail_written += held;
                        base = Some(read);
                        copy_into(&mut self.at_tail_base, &self.probe);
                        copy_into(&mut self.decoder, &self.probe);
                        after_last_char = read;
                        continue;
                    }
                }
                // A step of several characters whose first fit: the rest is kept for the next
                // call and the byte read, as glibc does.
                let fit = whole_characters_within(&stage[..step.written], room);
                if fit > 0 && !matches!(step.status, DecodeStatus::Error(_)) {
                    dst[at..at + fit].copy_from_slice(&stage[..fit]);
                    self.pending.hold(&stage[fit..step.written]);
                    return Step {
                        read: read + step.read,
                        written: tail_written + fit,
                        status: DecodeStatus::OutputFull,
                        tail: true,
                        unplaced: false,
                    };
                }
                let Some(base_read) = base.take() else {
                    self.decoder.release_incomplete();
                    return Step {
                        read: after_last_char,
                        written: tail_written,
                        status: DecodeStatus::OutputFull,
                        tail: true,
                        unplaced: false,
                    };
                };
                copy_into(&mut self.decoder, &self.at_tail_base);
                replay(&mut self.decoder, &src[base_read..after_last_char]);
                return Step {
                    read: after_last_char,
                    written: tail_written,
                    status: DecodeStatus::OutputFull,
                    tail: true,
                    unplaced: tail_written == 0,
                };
            }
            if staged {
                dst[at..at + step.written].copy_from_slice(&stage[..step.written]);
            }
            read += step.read;
            tail_written += step.written;
            match step.status {
                DecodeStatus::Error(error) if self.ignore => {
                    if self.reports(&error) {
                        drops.record(dst, written + tail_written);
                    }
                    if step.written > 0 {
                        match &mut base {
                            // What the step wrote ends where the dropped sequence begins.
                            None => after_last_char = read.saturating_sub(error.len()),
                            // Characters came out with the drop (an ESC that began no escape
                            // sequence is a character): no replay of less input writes them,
                            // so the drop is taken with them and the base moves past it.
                            Some(base_read) => {
                                after_last_char = read;
                                *base_read = read;
                                copy_into(&mut self.at_tail_base, &self.decoder);
                            }
                        }
                    }
                }
                DecodeStatus::Error(_) => {
                    return Step {
                        read,
                        written: tail_written,
                        status: step.status,
                        tail: true,
                        unplaced: false,
                    };
                }
                _ if step.written > 0 => {
                    // The byte may have written characters held from before (a bad sequence's
                    // good bytes) and be held itself: a stateless decoder gives it back, to be
                    // read again, so that the input stops right after what was written.
                    if self.stateless {
                        read -= self.decoder.release_incomplete();
                    }
                    after_last_char = read;
                }
                _ => {}
            }
        }
        Step {
            read,
            written: tail_written,
            status: DecodeStatus::InputEmpty,
            tail: true,
            unplaced: false,
        }
    }

    /// Fills the tail `dst` in one or two decoder calls instead of a byte at a time, for a
    /// stateful decoder that stops right after the last character it wrote (the decoder as it
    /// was is in `at_tail_base`). `None`, the decoder put back, when that cannot be done:
    /// a bad sequence, or a step of several characters cut by the end of `dst` (the byte at a
    /// time tail keeps the rest for the next call).
    ///
    /// The engine writes another character while it has [`STEP_ROOM`] bytes of room; given
    /// `room + STEP_ROOM - 1`, it stops at the first character that reaches or crosses `room`.
    /// Reaching it, all that was written fits. Crossing it, the characters before it fit: the
    /// decoder, put back, is given as much again for the length they make, and stops right
    /// after them.
    fn fill_tail_at_once(&mut self, src: &[u8], dst: &mut [u8]) -> Option<Step> {
        let room = dst.len();
        let mut stage = [0u8; 2 * TAIL];
        // A tail is under TAIL bytes of room (under twice that when a call is made again with
        // a whole TAIL as its margin, which is left to the byte-at-a-time way).
        if room + STEP_ROOM - 1 > stage.len() {
            return None;
        }
        let step = self
            .decoder
            .decode(src, &mut stage[..room + STEP_ROOM - 1], false);
        let taken = match step.status {
            DecodeStatus::Error(_) => None,
            DecodeStatus::InputEmpty if step.written <= room => {
                Some((step.read, step.written, step.status))
            }
            DecodeStatus::OutputFull if step.written == room => self
                .after_exact_fit(&src[step.read..])
                .map(|(more, status)| (step.read + more, step.written, status)),
            // A full output short of `room` (a decoder that asked for more room than a step
            // takes): not what the above relies on, so the byte-at-a-time way.
            _ if step.written <= room => None,
            _ => {
                let fit = whole_characters_within(&stage[..step.written], room);
                copy_into(&mut self.decoder, &self.at_tail_base);
                let again = self
                    .decoder
                    .decode(src, &mut stage[..fit + STEP_ROOM - 1], false);
                (again.status == DecodeStatus::OutputFull && again.written == fit).then_some((
                    again.read,
                    fit,
                    DecodeStatus::OutputFull,
                ))
            }
        };
        let Some((read, written, status)) = taken else {
            copy_into(&mut self.decoder, &self.at_tail_base);
            return None;
        };
        dst[..written].copy_from_slice(&stage[..written]);
        Some(Step {
            read,
            written,
            status,
            tail: true,
            unplaced: false,
        })
    }

    /// After [`fill_tail_at_once`](Self::fill_tail_at_once) filled the output exactly, with
    /// `rest` unread: glibc reads on over shifts that write nothing, to the end of the input
    /// when nothing else follows (the call is then complete, or incomplete when a cut sequence
    /// ends it), and stays right after the last character when a character follows. Returns
    /// the further bytes read and the status; `None` when a bad sequence comes first, or the
    /// shifts go on past the bytes looked at.
    fn after_exact_fit(&mut self, rest: &[u8]) -> Option<(usize, DecodeStatus)> {
        // A few shifts at most come before the next character: the probe looks that far.
        let ahead = &rest[..rest.len().min(TAIL)];
        let mut stage = [0u8; 2 * TAIL];
        copy_into(&mut self.probe, &self.decoder);
        let step = self.probe.decode(ahead, &mut stage, false);
        if step.written > 0 {
            return Some((0, DecodeStatus::OutputFull));
        }
        if step.status != DecodeStatus::InputEmpty || ahead.len() < rest.len() {
            return None;
        }
        std::mem::swap(&mut self.decoder, &mut self.probe);
        Some((step.read, DecodeStatus::InputEmpty))
    }

    /// The most input bytes (at most `left`) whose decoding cannot write more than `room` bytes,
    /// nor more than the tail's stage holds.
    fn safe_piece(&self, left: usize, room: usize) -> usize {
        let mut piece = left.min(room);
        while piece > 1
            && self
                .decoder
                .max_utf8_len(piece)
                .is_none_or(|most| most > room.min(TAIL))
        {
            piece /= 2;
        }
        piece
    }

    /// Whether glibc reports dropping `error` under `//IGNORE`.
    fn reports(&self, error: &convert_utf8::DecodeError) -> bool {
        match self.reports {
            Reports::All => true,
            Reports::None => false,
            Reports::SingleBytes => error.len() == 1,
        }
    }

    /// Whether a stateless decoder holds no bytes: it keeps nothing else, and its output bound
    /// counts them, so it holds none at the bound of a new decoder.
    fn holds_nothing(&self) -> bool {
        self.decoder.max_utf8_len(0) == self.idle_bound
    }

    /// The bad sequence the bytes the decoder holds at the end of the input make, if they are
    /// one whatever follows (glibc reports a bad sequence with the bytes it has; the engine
    /// holds, for instance, a lone UTF-8 continuation byte to see how long the bad run is).
    fn held_invalid(&mut self) -> Option<convert_utf8::DecodeError> {
        // The probe (a copy of the decoder) is spared when there is nothing to probe.
        if self.stateless && self.holds_nothing() {
            return None;
        }
        if !self.probe.try_clone_from(&self.decoder) {
            return None;
        }
        let mut stage = [0u8; 2 * TAIL];
        match self.probe.decode(&[], &mut stage, true).status {
            DecodeStatus::Error(error) if error.kind() == convert_utf8::ErrorKind::Invalid => {
                Some(error)
            }
            _ => None,
        }
    }

    /// Whether a call that read all its input reports its drops (`EILSEQ`), as glibc does only
    /// for a drop in the call's last round through its internal buffer.
    fn drop_reported(&self, drops: &mut Drops, dst: &[u8], written: usize) -> bool {
        let Some(before_drop) = drops.chars_before_last else {
            return false;
        };
        if !self.rounds {
            return true;
        }
        let total = drops.count(dst, written);
        total <= before_drop || (total - 1) / IGNORE_ROUND_CHARS == before_drop / IGNORE_ROUND_CHARS
    }
}

/// Where in a call's input, which began at decoder position `origin`, a bad sequence starts.
/// One that began in bytes an earlier call read (UTF-7 bits carried over, completing a bad
/// unit here) is found, by glibc as by the library, at the call's first byte.
fn offset_in_call(error: &convert_utf8::DecodeError, origin: u64) -> usize {
    error.offset().saturating_sub(origin) as usize
}

/// Whether `head` (2 or 4 bytes) is a byte order mark, in either order.
fn is_bom(head: &[u8]) -> bool {
    matches!(
        head,
        [0xFE, 0xFF] | [0xFF, 0xFE] | [0, 0, 0xFE, 0xFF] | [0xFF, 0xFE, 0, 0]
    )
}

/// Decodes again with `decoder`, a copy taken when the tail began (or a held character was
/// written), what it read since (`read`): the decoder is then as it was at that point.
/// Decoding is deterministic and the output of `read` fits in a tail, so this is exact.
fn replay(decoder: &mut Decoder, read: &[u8]) {
    let mut stage = [0u8; 4 * TAIL];
    let mut at = 0;
    while at < read.len() {
        // Bad sequences (dropped under //IGNORE) are consumed by the strict decoder too.
        let step = decoder.decode(&read[at..], &mut stage, false);
        at += step.read;
        // An error may consume only bytes held from before; anything else reads.
        if step.read == 0 && !matches!(step.status, DecodeStatus::Error(_)) {
            debug_assert!(false, "replay stalled: {step:?}");
            break;
        }
    }
}

/// Makes `target` a copy of `source` in place: every charset glibc names is decoded by a decoder
/// that can be copied.
fn copy_into(target: &mut Decoder, source: &Decoder) {
    assert!(
        target.try_clone_from(source),
        "glibc's charsets are never decoded by encoding_rs"
    );
}

/// When `before` holds a character back whose UTF-8 (written by a final call) begins `output`
/// and fits in `room`, the character's length (its bytes are the start of `output`), `before`
/// being left with that character written. Otherwise `None`, `before` being of no further use.
fn held_alone(before: &mut Decoder, output: &[u8], room: usize) -> Option<usize> {
    let mut stage = [0u8; 2 * TAIL];
    let step = before.decode(&[], &mut stage, true);
    let held = &stage[..step.written];
    (step.status == DecodeStatus::InputEmpty
        && !held.is_empty()
        && held.len() <= room
        && held.len() < output.len()
        && output.starts_with(held))
    .then_some(held.len())
}

#[cfg(test)]
mod tests;
