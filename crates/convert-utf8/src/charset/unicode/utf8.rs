//! UTF-8 to UTF-8: SIMD validation plus copy for the well-formed bulk, glibc's rules for the
//! rest (see the parent module for what a bad sequence is).

use crate::charset::kernel::{self, Carry, Drained, Unit, UnitStep, sweep_invalid};
use crate::charset::{RawDecoder, RawStep};

/// Bytes validated, then copied, at a time.
const VALIDATE_WINDOW: usize = 16 * 1024;
/// Windows up to this long are first tested for ASCII.
const SHORT_WINDOW: usize = 1024;

/// UTF-8 to UTF-8: SIMD validation plus copy for the well-formed bulk, glibc's rules for the
/// rest, holding back a sequence cut by the end of a call.
#[derive(Clone, Default)]
pub(crate) struct Utf8Decoder {
    /// The start of a sequence cut by the end of the previous call (at most 5 bytes: a lead byte
    /// of a 6-byte form and 4 continuations, or a bad byte and 4 continuations).
    carry: Carry,
}

/// What glibc's UTF-8 decoder makes of the bytes at the start of a slice that starts with a
/// non-ASCII byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Utf8Unit {
    /// A well-formed character of this many bytes.
    Valid(usize),
    /// A bad unit of this many bytes (what `iconv -c` drops).
    Invalid(usize),
    /// The slice is the end of input and ends inside a sequence of this many bytes.
    Truncated(usize),
    /// The slice ends before the unit does, and more input may follow.
    NeedMore,
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// Classifies the unit at the start of `bytes` as glibc 2.36's `utf8_internal_loop` does, except
/// that values above U+10FFFF (which glibc accepts) are invalid. `at_end` says that no input
/// follows `bytes`. Never looks at more than 6 bytes.
pub(super) fn classify_utf8(bytes: &[u8], at_end: bool) -> Utf8Unit {
    let lead = bytes[0];
    let (count, lead_bits) = match lead {
        0xC2..=0xDF => (2, lead & 0x1F),
        0xE0..=0xEF => (3, lead & 0x0F),
        0xF0..=0xF7 => (4, lead & 0x07),
        0xF8..=0xFB => (5, lead & 0x03),
        0xFC..=0xFD => (6, lead & 0x01),
        _ => {
            // A byte that cannot start a sequence takes the continuation bytes after it along,
            // up to five bytes in all.
            let mut i = 1;
            while i < bytes.len() && i < 5 && is_continuation(bytes[i]) {
                i += 1;
            }
            return if i < 5 && i == bytes.len() && !at_end {
                Utf8Unit::NeedMore
            } else {
                Utf8Unit::Invalid(i)
            };
        }
    };
    let mut value = u32::from(lead_bits);
    let mut i = 1;
    while i < count && i < bytes.len() && is_continuation(bytes[i]) {
        value = (value << 6) | u32::from(bytes[i] & 0x3F);
        i += 1;
    }
    if i < count {
        return if i < bytes.len() {
            Utf8Unit::Invalid(i)
        } else if at_end {
            Utf8Unit::Truncated(i)
        } else {
            Utf8Unit::NeedMore
        };
    }
    let overlong = count > 2 && value >> (5 * count - 4) == 0;
    if overlong || (0xD800..=0xDFFF).contains(&value) || value > 0x10FFFF {
        Utf8Unit::Invalid(count)
    } else {
        Utf8Unit::Valid(count)
    }
}

impl UnitStep<u8> for Utf8Decoder {
    const MAX_SEQUENCE: usize = 6;
    const ROOM: usize = 4;

    fn step(&mut self, window: &[u8], at_end: bool, dst: &mut [u8]) -> Unit {
        match classify_utf8(window, at_end) {
            Utf8Unit::Valid(n) => {
                dst[..n].copy_from_slice(&window[..n]);
                Unit::Decoded { len: n, written: n }
            }
            Utf8Unit::Invalid(n) => Unit::Invalid { len: n },
            Utf8Unit::Truncated(_) | Utf8Unit::NeedMore => Unit::Incomplete,
        }
    }

    fn carry(&mut self) -> &mut Carry {
        &mut self.carry
    }
}

impl RawDecoder for Utf8Decoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = match kernel::drain(self, src, dst, last) {
            Drained::Done { read, written } => (read, written),
            Drained::Stop(step) => return step,
        };
        loop {
            if read == src.len() {
                return RawStep::input_empty(read, written);
            }
            // A window small enough for the copy to find it in the first-level cache where the
            // validation left it: validating all the input first made the copy read it from
            // memory again (`docs/benchmarks/peers.md`).
            let window = (src.len() - read)
                .min(dst.len() - written)
                .min(VALIDATE_WINDOW);
            if window == 0 {
                return RawStep::output_full(read, written);
            }
            let chunk = &src[read..read + window];
            // On a short window (a row of a column) the validator's set-up (its dispatch, the
            // padded copy of its last part block) costs more than the whole check of ASCII,
            // which most such text is and which needs nothing else.
            let valid = if window <= SHORT_WINDOW && chunk.is_ascii() {
                window
            } else {
                match simdutf8::compat::from_utf8(chunk) {
                    Ok(_) => window,
                    Err(e) => e.valid_up_to(),
                }
            };
            dst[written..written + valid].copy_from_slice(&chunk[..valid]);
            read += valid;
            written += valid;
            if valid == window {
                continue;
            }
            // The bulk stops at a sequence that is not well-formed UTF-8 (or is cut by the end of
            // the window): glibc's rules decide what it is.
            let end = src.len().min(read + 6);
            match classify_utf8(&src[read..end], last && end == src.len()) {
                Utf8Unit::Valid(n) => {
                    if dst.len() - written < n {
                        return RawStep::output_full(read, written);
                    }
                    dst[written..written + n].copy_from_slice(&src[read..read + n]);
                    read += n;
                    written += n;
                }
                Utf8Unit::Invalid(n) => return RawStep::invalid(read + n, written, n),
                Utf8Unit::Truncated(n) => return RawStep::truncated(read + n, written, n),
                Utf8Unit::NeedMore => {
                    self.carry.hold(&src[read..]);
                    return RawStep::input_empty(src.len(), written);
                }
            }
        }
    }

    fn reset(&mut self) {
        self.carry.clear();
    }

    fn release_incomplete(&mut self) -> usize {
        self.carry.release()
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        src_len.checked_add(self.carry.len())
    }

    /// The units glibc's rules call invalid, found as `decode_raw` finds them past its bulk.
    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        if !self.carry.is_empty() {
            return (0, 0);
        }
        sweep_invalid(src, max, |rest| {
            let lead = rest[0];
            if lead < 0x80 {
                return None;
            }
            if !(0xC2..=0xFD).contains(&lead) && rest.get(1).is_some_and(|&b| !is_continuation(b)) {
                // What `classify_utf8` says of a byte that can start no sequence and is not
                // followed by a continuation byte, without its call: the common case in a run
                // of bad bytes.
                return Some(1);
            }
            match classify_utf8(&rest[..rest.len().min(6)], false) {
                Utf8Unit::Invalid(n) => Some(n),
                _ => None,
            }
        })
    }
}
