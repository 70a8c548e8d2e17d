//! UTF-7 (RFC 2152) and UTF-7-IMAP (RFC 3501's modified UTF-7), decoded as glibc's `UTF-7`
//! module does.
//!
//! Rules, each checked against glibc:
//!
//! - **Direct characters.** UTF-7: printable ASCII except `+`, `\` and `~`, plus tab, LF and CR.
//!   UTF-7-IMAP: printable ASCII (`0x20`–`0x7E`) except `&`; tab, LF and CR are *not* allowed.
//!   Any other byte outside base64 is a bad unit of 1 byte.
//! - **Shift.** `+` (IMAP: `&`) followed by `-` is a literal `+` (`&`); followed by anything
//!   else it starts a base64 run. As the last byte of the input it is truncated.
//! - **Base64 runs** use the standard alphabet (IMAP: `,` instead of `/`) and carry UTF-16:
//!   every 16 bits make a unit, a high surrogate waits for its low one. Any other byte ends the
//!   run; a `-` that ends it is consumed, any other byte is then decoded as a direct character
//!   (IMAP requires the `-`). Ending a run with non-zero leftover bits, with 6 or more leftover
//!   bits, or inside a surrogate pair is an error whose unit is the 1 byte that ended the run
//!   (it is dropped, and decoding goes on outside base64).
//! - A high surrogate followed by 16 bits that are not a low surrogate: the error is at the base64
//!   character that showed it (1 byte, dropped), and decoding goes on *outside* base64, so the
//!   rest of the run is read as direct characters, as glibc does.
//! - A lone low surrogate is rejected by glibc's second conversion step, which reports it where
//!   the previous character ended; its unit here runs from there to the base64 character that
//!   completed the surrogate, and the base64 run goes on after it (as under `iconv -c`).
//! - **End of input inside a run** is accepted: leftover bits, even half a surrogate pair, are
//!   dropped silently.

use crate::charset::unicode::{encode_utf8, utf8_len};
use crate::charset::{RawDecoder, RawStep};

impl Utf7Decoder {
    /// UTF-7, or with `imap` its IMAP variant.
    pub(crate) fn new(imap: bool) -> Utf7Decoder {
        Utf7Decoder {
            imap,
            shift: 0,
            bits: 0,
            shift_char_pending: false,
            since_output: 0,
        }
    }
}

/// A UTF-7 or UTF-7-IMAP decoder; its state mirrors glibc's.
pub(crate) struct Utf7Decoder {
    imap: bool,
    /// 0 outside base64; inside, 32 minus the number of bits accumulated in `bits`.
    shift: u32,
    /// Accumulated base64 bits, left-aligned.
    bits: u32,
    /// The previous call ended with the shift character (`+` or `&`), whose meaning depends on
    /// the next byte.
    shift_char_pending: bool,
    /// Bytes consumed since the last character was written or the last error, all of them part
    /// of the unit reported for a lone low surrogate.
    since_output: u8,
}

/// The outcome of one step of the byte loop.
enum Stop {
    OutputFull,
    Invalid(usize),
}

impl Utf7Decoder {
    fn shift_char(&self) -> u8 {
        if self.imap { b'&' } else { b'+' }
    }

    fn is_direct(&self, byte: u8) -> bool {
        if self.imap {
            (0x20..=0x7E).contains(&byte) && byte != b'&'
        } else {
            matches!(byte, b'\t' | b'\n' | b'\r')
                || ((0x20..=0x7E).contains(&byte) && !matches!(byte, b'+' | b'\\' | b'~'))
        }
    }

    fn base64_value(&self, byte: u8) -> Option<u32> {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' if !self.imap => 63,
            b',' if self.imap => 63,
            _ => return None,
        };
        Some(u32::from(value))
    }

    /// Enters a base64 run (the shift character was not followed by `-`).
    fn start_base64(&mut self) {
        self.shift = 32;
        self.bits = 0;
    }

    fn count_consumed(&mut self) {
        self.since_output = self.since_output.saturating_add(1);
    }

    /// Writes `c` if there is room, and starts counting a new unit.
    fn emit(&mut self, c: u32, dst: &mut [u8], written: &mut usize) -> Result<(), Stop> {
        if dst.len() - *written < utf8_len(c) {
            return Err(Stop::OutputFull);
        }
        *written += encode_utf8(c, &mut dst[*written..]);
        self.since_output = 0;
        Ok(())
    }

    /// Decodes one base64-run byte. `Ok(true)` if it was consumed, `Ok(false)` if it ended the run
    /// without being consumed (it is then decoded outside base64).
    fn base64_byte(&mut self, byte: u8, dst: &mut [u8], written: &mut usize) -> Result<bool, Stop> {
        let Some(value) = self.base64_value(byte) else {
            let leftover_bad = self.bits != 0 || self.shift <= 26;
            if leftover_bad || (self.imap && byte != b'-') {
                self.shift = 0;
                self.since_output = 0;
                return Err(Stop::Invalid(1));
            }
            self.shift = 0;
            if byte == b'-' {
                self.count_consumed();
                return Ok(true);
            }
            return Ok(false);
        };
        if self.shift > 6 {
            let shift = self.shift - 6;
            let mut bits = self.bits | (value << shift);
            let mut new_shift = shift;
            if shift <= 16 && shift > 10 {
                // A 16-bit unit is complete.
                let unit = bits >> 16;
                if !(0xD800..0xDC00).contains(&unit) {
                    if (0xDC00..0xE000).contains(&unit) {
                        // glibc passes the lone low surrogate on, and its next step rejects it.
                        let len = usize::from(self.since_output) + 1;
                        self.bits = bits << 16;
                        self.shift = shift + 16;
                        self.since_output = 0;
                        return Err(Stop::Invalid(len.min(crate::error::MAX_BAD_SEQUENCE_LEN)));
                    }
                    if dst.len() - *written < utf8_len(unit) {
                        return Err(Stop::OutputFull);
                    }
                    self.emit(unit, dst, written)?;
                    bits <<= 16;
                    new_shift += 16;
                    self.bits = bits;
                    self.shift = new_shift;
                    return Ok(true);
                }
            } else if shift <= 10 && shift > 4 {
                // The top bits of the unit after a high surrogate are known: it must be a low one.
                let low = bits & 0xFFFF;
                if !(0xDC00..0xE000).contains(&low) {
                    self.shift = 0;
                    self.since_output = 0;
                    return Err(Stop::Invalid(1));
                }
            }
            self.bits = bits;
            self.shift = new_shift;
            self.count_consumed();
        } else {
            // A surrogate pair is complete.
            let high = self.bits >> 16;
            let low = (self.bits & 0xFFFF) | (value >> (6 - self.shift));
            let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            self.emit(c, dst, written)?;
            self.bits = (value << self.shift) << 26;
            self.shift += 26;
        }
        Ok(true)
    }
}

impl RawDecoder for Utf7Decoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = (0, 0);
        if self.shift_char_pending {
            match src.first() {
                None if last => {
                    self.reset();
                    return RawStep::truncated(0, 0, 1);
                }
                None => return RawStep::input_empty(0, 0),
                Some(b'-') => {
                    let c = u32::from(self.shift_char());
                    if self.emit(c, dst, &mut written).is_err() {
                        return RawStep::output_full(0, 0);
                    }
                    self.shift_char_pending = false;
                    read = 1;
                }
                Some(_) => {
                    self.shift_char_pending = false;
                    self.start_base64();
                    self.count_consumed();
                }
            }
        }
        while read < src.len() {
            let byte = src[read];
            if self.shift != 0 {
                match self.base64_byte(byte, dst, &mut written) {
                    Ok(true) => read += 1,
                    Ok(false) => {}
                    Err(Stop::OutputFull) => return RawStep::output_full(read, written),
                    Err(Stop::Invalid(len)) => return RawStep::invalid(read + 1, written, len),
                }
                continue;
            }
            if self.is_direct(byte) {
                if self.emit(u32::from(byte), dst, &mut written).is_err() {
                    return RawStep::output_full(read, written);
                }
                read += 1;
            } else if byte == self.shift_char() {
                match src.get(read + 1) {
                    None if last => {
                        self.reset();
                        return RawStep::truncated(read + 1, written, 1);
                    }
                    None => {
                        self.shift_char_pending = true;
                        return RawStep::input_empty(read + 1, written);
                    }
                    Some(b'-') => {
                        if self.emit(u32::from(byte), dst, &mut written).is_err() {
                            return RawStep::output_full(read, written);
                        }
                        read += 2;
                    }
                    Some(_) => {
                        self.start_base64();
                        self.count_consumed();
                        read += 1;
                    }
                }
            } else {
                self.since_output = 0;
                return RawStep::invalid(read + 1, written, 1);
            }
        }
        if last {
            // An unterminated base64 run is accepted; its leftover bits are dropped.
            self.reset();
        }
        RawStep::input_empty(read, written)
    }

    fn reset(&mut self) {
        self.shift = 0;
        self.bits = 0;
        self.shift_char_pending = false;
        self.since_output = 0;
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        // Direct characters give 1 byte each; base64 gives at most 3 bytes per 16 bits, that is
        // 9 bytes per 8 characters, plus one character completed by bits already held.
        let total = src_len.checked_add(usize::from(self.shift_char_pending))?;
        total.checked_add(total / 8)?.checked_add(4)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Charset, DecodeStatus, Decoder, ErrorKind, ErrorPolicy};

    fn decode(label: &str, input: &[u8], policy: ErrorPolicy) -> (Vec<u8>, Option<(u64, usize)>) {
        let mut out = Vec::new();
        let mut d = Decoder::new(Charset::for_label(label).unwrap(), policy);
        let e = d.decode_to_vec(input, &mut out).err();
        (out, e.map(|e| (e.offset(), e.len())))
    }

    #[test]
    fn base64_runs_and_literals() {
        let strict = ErrorPolicy::Strict;
        assert_eq!(decode("UTF-7", b"a+-b", strict), (b"a+b".to_vec(), None));
        assert_eq!(decode("UTF-7", b"+AGE-", strict), (b"a".to_vec(), None));
        assert_eq!(decode("UTF-7", b"+AGEx", strict), (b"a".to_vec(), None));
        assert_eq!(decode("UTF-7", b"+AAA.", strict), (b"\0.".to_vec(), None));
        assert_eq!(decode("UTF-7", b"+2D3eAA-", strict), ("😀".into(), None));
        assert_eq!(
            decode("UTF-7-IMAP", b"&AP8-&-", strict),
            ("ÿ&".into(), None)
        );
    }

    #[test]
    fn errors_are_where_glibc_reports_them() {
        let strict = ErrorPolicy::Strict;
        // Leftover bits before '-': the '-' is the bad unit.
        assert_eq!(
            decode("UTF-7", b"+AGF-", strict),
            (b"a".to_vec(), Some((4, 1)))
        );
        assert_eq!(
            decode("UTF-7", b"a~b", strict),
            (b"a".to_vec(), Some((1, 1)))
        );
        // A lone low surrogate: from the end of the previous character to its last base64 byte.
        assert_eq!(
            decode("UTF-7", b"x+3AA-", strict),
            (b"x".to_vec(), Some((1, 4)))
        );
        // A high surrogate without its low one: the rest is read outside base64.
        let ignore = ErrorPolicy::Ignore;
        assert_eq!(
            decode("UTF-7", b"+2D0AQQ-", ignore),
            (b"QQ-".to_vec(), None)
        );
        assert_eq!(
            decode("UTF-7-IMAP", b"a\tb", ignore),
            (b"ab".to_vec(), None)
        );
        assert_eq!(
            decode("UTF-7-IMAP", b"&AGE/-", ignore),
            (b"a-".to_vec(), None)
        );
    }

    #[test]
    fn shift_character_at_the_end_is_truncated_even_across_calls() {
        let mut d = Decoder::new(Charset::for_label("UTF-7").unwrap(), ErrorPolicy::Strict);
        let mut out = [0u8; 16];
        let a = d.decode(b"ab+", &mut out, false);
        assert_eq!((a.read, a.written), (3, 2));
        let b = d.decode(b"", &mut out, true);
        let DecodeStatus::Error(e) = b.status else {
            panic!("{b:?}")
        };
        assert_eq!(
            (e.kind(), e.offset(), e.bytes()),
            (ErrorKind::Truncated, 2, &b"+"[..])
        );
        let mut d = Decoder::new(Charset::for_label("UTF-7").unwrap(), ErrorPolicy::Strict);
        let _ = d.decode(b"ab+", &mut out, false);
        let c = d.decode(b"-", &mut out, true);
        assert_eq!(&out[..c.written], b"+");
    }
}
