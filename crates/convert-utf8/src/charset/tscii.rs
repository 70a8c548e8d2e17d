//! TSCII (Tamil): one byte can become up to four code points, and some bytes wait for the next.
//!
//! The per-byte expansions and which bytes hold their last code point back are probed by the
//! generator; the context rules are glibc's: a held VIRAMA (after bytes 0x8A, 0x8B) merges with a
//! following vowel sign U or UU (bytes 0xA4, 0xA5) into that sign; a held prefix vowel sign E, EE
//! or AI (bytes 0xA6..=0xA8, written before the consonant in TSCII) is written after the
//! consonant that follows it, and then merges with a following AA or AU length mark
//! (0xA1, 0xAA) into the two-part vowel sign O, OO or AU. Anything else writes the held code
//! point and decodes the byte afresh.

use crate::charset::single_byte::{
    INVALID, TableId, Utf8Table, entry_len, shared_utf8_table, write_code_point,
};
use crate::charset::{RawDecoder, RawStep};
use crate::tables::single_byte::{TSCII_HELD, TSCII_HIGH, TSCII_LOW_HALF};

const VIRAMA: u16 = 0x0BCD;
const VOWEL_SIGN_E: u16 = 0x0BC6;
const VOWEL_SIGN_EE: u16 = 0x0BC7;
const VOWEL_SIGN_AI: u16 = 0x0BC8;
/// Bytes of the vowel signs U and UU, which absorb a held VIRAMA.
const SIGN_U_BYTES: [u8; 2] = [0xA4, 0xA5];
/// The vowel sign AA and the AU length mark, which complete a two-part vowel sign.
const SIGN_AA_BYTE: u8 = 0xA1;
const AU_LENGTH_MARK_BYTE: u8 = 0xAA;
/// The consonants a prefix vowel sign moves behind.
const CONSONANT_BYTES: std::ops::RangeInclusive<u8> = 0xB8..=0xC9;
/// Room for the longest expansion (four code points of three bytes) plus a held code point.
const STEP_ROOM: usize = 15;

#[derive(Clone)]
pub(crate) struct TsciiDecoder {
    /// Bytes 0x00..=0x7F (ASCII); the upper half lives in `TSCII_HIGH`.
    utf8: &'static Utf8Table,
    /// The held code point (0: none).
    held: u16,
    /// For a held VIRAMA: it may merge with a vowel sign U/UU. For a held prefix vowel sign: its
    /// consonant has been written.
    held_flag: bool,
    /// Whether every byte of the lower half decodes to itself, so that runs of it are copied.
    ascii_identity: bool,
}

impl TsciiDecoder {
    pub(crate) fn new() -> TsciiDecoder {
        let utf8 = shared_utf8_table(TableId::Tscii, [TSCII_LOW_HALF as u16; 2]);
        let ascii_identity = (0..0x80u8).all(|byte| {
            let entry = utf8[usize::from(byte)];
            entry != INVALID && entry_len(entry) == 1 && entry.to_le_bytes()[0] == byte
        });
        TsciiDecoder {
            utf8,
            held: 0,
            held_flag: false,
            ascii_identity,
        }
    }
}

fn write(cp: u16, dst: &mut [u8], written: &mut usize) {
    *written += write_code_point(cp, &mut dst[*written..]).expect("room checked per step");
}

impl TsciiDecoder {
    /// Tries to merge `byte` with the held code point; true if it was consumed.
    fn merge_held(&mut self, byte: u8, dst: &mut [u8], written: &mut usize) -> bool {
        let held = self.held;
        if held == VIRAMA && self.held_flag {
            if SIGN_U_BYTES.contains(&byte) {
                write(TSCII_HIGH[usize::from(byte - 0x80)][0], dst, written);
                self.held = 0;
                return true;
            }
        } else if (VOWEL_SIGN_E..=VOWEL_SIGN_AI).contains(&held) {
            let two_part = match (held, byte) {
                (VOWEL_SIGN_E, SIGN_AA_BYTE) => Some(0x0BCA),
                (VOWEL_SIGN_EE, SIGN_AA_BYTE) => Some(0x0BCB),
                (VOWEL_SIGN_EE, AU_LENGTH_MARK_BYTE) => Some(0x0BCC),
                _ => None,
            };
            if let Some(cp) = two_part {
                write(cp, dst, written);
                self.held = 0;
                return true;
            }
            if CONSONANT_BYTES.contains(&byte) && !self.held_flag {
                write(TSCII_HIGH[usize::from(byte - 0x80)][0], dst, written);
                self.held_flag = true;
                return true;
            }
        }
        false
    }
}

impl RawDecoder for TsciiDecoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = (0, 0);
        while let Some(&byte) = src.get(read) {
            // With nothing held, a run of ASCII (the lower half is ASCII) is copied at once.
            if self.held == 0 && byte < 0x80 && self.ascii_identity {
                let run = src[read..]
                    .iter()
                    .take(dst.len() - written)
                    .take_while(|&&b| b < 0x80)
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
            if self.held != 0 {
                if self.merge_held(byte, dst, &mut written) {
                    read += 1;
                    continue;
                }
                write(self.held, dst, &mut written);
                self.held = 0;
            }
            if byte < 0x80 {
                let entry = self.utf8[usize::from(byte)];
                debug_assert_ne!(entry, INVALID);
                let len = entry_len(entry);
                dst[written..written + len].copy_from_slice(&entry.to_le_bytes()[..len]);
                written += len;
                read += 1;
                continue;
            }
            let expansion = &TSCII_HIGH[usize::from(byte - 0x80)];
            let count = expansion.iter().take_while(|cp| **cp != 0).count();
            if count == 0 {
                return RawStep::invalid(read + 1, written, 1);
            }
            read += 1;
            let is_held = TSCII_HELD[usize::from(byte >> 6)] >> (byte & 63) & 1 != 0;
            let (now, later) = expansion[..count].split_at(count - usize::from(is_held));
            for &cp in now {
                write(cp, dst, &mut written);
            }
            if let Some(&cp) = later.first() {
                self.held = cp;
                // A VIRAMA held after a consonant may merge with U/UU; a vowel sign has yet to
                // see its consonant.
                self.held_flag = cp == VIRAMA;
            }
        }
        if last && self.held != 0 {
            if dst.len() - written < 3 {
                return RawStep::output_full(read, written);
            }
            write(self.held, dst, &mut written);
            self.held = 0;
        }
        RawStep::input_empty(read, written)
    }

    fn reset(&mut self) {
        self.held = 0;
        self.held_flag = false;
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        src_len.checked_mul(12)?.checked_add(3)
    }
}

#[cfg(test)]
mod tests;
