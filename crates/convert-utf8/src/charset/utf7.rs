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
//!
//! **Speed.** One loop writes both outputs, UTF-8 and UTF-16 (the units a base64 run carries,
//! with no UTF-8 in between). It takes the input eight bytes at a time, classified by one table
//! lookup per byte: outside base64, the direct characters that lead the window are copied
//! together; inside, the base64 characters that lead it (up to eight: 48 bits, three units)
//! are merged into one word and their complete units written at once. What a window cannot
//! take (a surrogate, the end of a run, the last bytes of the input, a full output) goes
//! through the step of one byte, which has every rule above.

use crate::charset::kernel::{OutUnit, sweep_bad_bytes, utf8_len};
use crate::charset::{RawDecoder, RawStatus, RawStep};
use crate::error::{ErrorKind, MAX_BAD_SEQUENCE_LEN};

impl Utf7Decoder {
    /// UTF-7, or with `imap` its IMAP variant.
    pub(crate) fn new(imap: bool) -> Utf7Decoder {
        Utf7Decoder {
            imap,
            base64: false,
            bits: 0,
            count: 0,
            shift_char_pending: false,
            since_output: 0,
        }
    }
}

/// A UTF-7 or UTF-7-IMAP decoder; its state mirrors glibc's.
#[derive(Clone)]
pub(crate) struct Utf7Decoder {
    imap: bool,
    /// Inside a base64 run.
    base64: bool,
    /// The run's bits not yet decoded, right-aligned: the start of the next 16-bit unit, after
    /// a high surrogate waiting for its low one if `count` is 16 or more.
    bits: u32,
    /// How many bits `bits` holds (below 32).
    count: u32,
    /// The previous call ended with the shift character (`+` or `&`), whose meaning depends on
    /// the next byte.
    shift_char_pending: bool,
    /// Bytes consumed since the last character was written or the last error, all of them part
    /// of the unit reported for a lone low surrogate.
    since_output: u8,
}

/// In [`CLASSES`], a byte that is not in the base64 alphabet; the others have their value in
/// the low six bits.
const NOT_BASE64: u8 = 0x40;
/// In [`CLASSES`], a byte that is a direct character outside base64.
const DIRECT: u8 = 0x80;

/// What each byte is to UTF-7 (`[0]`) and to UTF-7-IMAP (`[1]`).
static CLASSES: [[u8; 256]; 2] = [classes(false), classes(true)];

const fn classes(imap: bool) -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let byte = i as u8;
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' if !imap => 63,
            b',' if imap => 63,
            _ => NOT_BASE64,
        };
        let printable = byte >= 0x20 && byte <= 0x7E;
        let direct = if imap {
            printable && byte != b'&'
        } else {
            matches!(byte, b'\t' | b'\n' | b'\r')
                || (printable && !matches!(byte, b'+' | b'\\' | b'~'))
        };
        table[i] = value | if direct { DIRECT } else { 0 };
        i += 1;
    }
    table
}

/// How many units of `U` the scalar value `c` takes.
#[inline(always)]
fn char_len<U>(c: u32) -> usize {
    if size_of::<U>() == 1 {
        utf8_len(c)
    } else {
        1 + usize::from(c >= 0x10000)
    }
}

/// The byte that starts a base64 run.
fn shift_char(imap: bool) -> u8 {
    if imap { b'&' } else { b'+' }
}

/// Whether the 16-bit unit `unit` is a surrogate.
#[inline(always)]
fn is_surrogate(unit: u16) -> bool {
    unit & 0xF800 == 0xD800
}

/// Whether any of the first `complete` of the three 16-bit units in the top 48 bits of
/// `aligned` is a surrogate.
#[inline(always)]
fn any_surrogate(aligned: u64, complete: usize) -> bool {
    // Each unit's top five bits, cleared where they are a surrogate's (11011), moved down to
    // the bottom of its 16 bits; adding 31 sets bit 5 of the units where some bit is left.
    let differ = ((aligned ^ 0xD800_D800_D800_0000) & 0xF800_F800_F800_0000) >> 11;
    let surrogates = !(differ + 0x001F_001F_001F_0000) & 0x0020_0020_0020_0000;
    surrogates & !(u64::MAX >> (16 * complete)) != 0
}

/// The classes of the first eight bytes of `chunk`, the first in the low byte.
#[inline(always)]
fn classes_of(classes: &[u8; 256], chunk: &[u8]) -> u64 {
    let mut packed = 0;
    for (i, &byte) in chunk[..8].iter().enumerate() {
        packed |= u64::from(classes[usize::from(byte)]) << (8 * i);
    }
    packed
}

/// The values of the eight base64 characters whose classes are `packed` (see [`classes_of`]),
/// the first in the top bits of the 48 returned.
#[inline(always)]
fn sextets(packed: u64) -> u64 {
    // Neighbours merged into 12, then 24, then 48 bits, the earlier one on top each time.
    let v = packed & 0x3F3F_3F3F_3F3F_3F3F;
    let v = (v & 0x00FF_00FF_00FF_00FF) << 6 | (v >> 8) & 0x00FF_00FF_00FF_00FF;
    let v = (v & 0x0000_FFFF_0000_FFFF) << 12 | (v >> 16) & 0x0000_FFFF_0000_FFFF;
    (v & 0xFFFF_FFFF) << 24 | v >> 32
}

/// How many of the classes in `packed` (see [`classes_of`]) come before the first with `flag`.
#[inline(always)]
fn leading_without(packed: u64, flag: u8) -> usize {
    (packed & u64::from_le_bytes([flag; 8])).trailing_zeros() as usize / 8
}

/// Copies direct characters a window of eight bytes at a time while there are eight bytes
/// and room for them: all of the window is stored, and as many units kept as direct bytes
/// lead it. Returns the new `(read, written)`, stopping at the first other byte.
#[inline(always)]
fn copy_direct<U: Copy + From<u8>>(
    classes: &[u8; 256],
    src: &[u8],
    dst: &mut [U],
    (mut read, mut written): (usize, usize),
) -> (usize, usize) {
    while let Some(chunk) = src.get(read..read + 8)
        && let Some(out) = dst.get_mut(written..written + 8)
    {
        for (unit, &byte) in out.iter_mut().zip(chunk) {
            *unit = U::from(byte);
        }
        let direct = leading_without(!classes_of(classes, chunk), DIRECT);
        read += direct;
        written += direct;
        if direct < 8 {
            break;
        }
    }
    (read, written)
}

/// An output form as the base64 windows write it.
trait Utf7Out: OutUnit + From<u8> {
    /// The room a window asks for: three characters and a direct one.
    const WINDOW_ROOM: usize;

    /// Writes the first `complete` of the three units in the top 48 bits of `aligned` (no
    /// surrogates among them) at the start of `dst` ([`Self::WINDOW_ROOM`] units) and returns
    /// how many units that took. What is stored after them is not output. `recent`, a unit
    /// written before, stands in for those not complete where it helps to choose how to store
    /// them.
    fn put_units(dst: &mut [Self], aligned: u64, complete: usize, recent: u16) -> usize;
}

impl Utf7Out for u8 {
    // Three characters of up to three bytes, the last stored as a word of four (or a direct
    // one after them).
    const WINDOW_ROOM: usize = 10;

    #[inline(always)]
    fn put_units(dst: &mut [u8], aligned: u64, complete: usize, recent: u16) -> usize {
        // Units past `complete` stand in for the last complete one (or the one written before
        // when none is), so that the three tell what the complete ones need, and text in one
        // script takes the same way every time.
        let [a, b, c] = units_of(aligned).map(u32::from);
        let a = if complete > 0 { a } else { u32::from(recent) };
        let b = if complete > 1 { b } else { a };
        let c = if complete > 2 { c } else { b };
        if (a >= 0x800) & (b >= 0x800) & (c >= 0x800) {
            // Three bytes each (most CJK text).
            let word = utf8_3(a) | utf8_3(b) << 24;
            dst[..8].copy_from_slice(&word.to_le_bytes());
            dst[6..10].copy_from_slice(&(utf8_3(c) as u32).to_le_bytes());
            3 * complete
        } else if (a >= 0x80) & (b >= 0x80) & (c >= 0x80) & ((a | b | c) < 0x800) {
            // Two bytes each (Cyrillic, Greek, Hebrew, Arabic...), the three at once: with the
            // bytes swapped end for end, each unit's 16 bits hold its high byte (at most 7)
            // below its low one, and become its two bytes of UTF-8 in place.
            let swapped = aligned.swap_bytes();
            let high = swapped & 0x00FF_00FF_00FF;
            let low = swapped >> 8 & 0x00FF_00FF_00FF;
            let word = 0x80C0_80C0_80C0
                | high << 2
                | low >> 6 & 0x3_0003_0003
                | (low & 0x3F_003F_003F) << 8;
            dst[..8].copy_from_slice(&word.to_le_bytes());
            2 * complete
        } else {
            let mut written = 0;
            for (i, c) in [a, b, c].into_iter().enumerate() {
                let (word, len) = match c {
                    0..0x80 => (u64::from(c), 1),
                    0x80..0x800 => (utf8_2(c), 2),
                    _ => (utf8_3(c), 3),
                };
                dst[written..written + 4].copy_from_slice(&(word as u32).to_le_bytes());
                written += if i < complete { len } else { 0 };
            }
            written
        }
    }
}

/// The three 16-bit units in the top 48 bits of `aligned`, the first on top.
#[inline(always)]
fn units_of(aligned: u64) -> [u16; 3] {
    [
        (aligned >> 48) as u16,
        (aligned >> 32) as u16,
        (aligned >> 16) as u16,
    ]
}

/// The UTF-8 form of `c` (U+0080 to U+07FF), first byte lowest.
#[inline(always)]
fn utf8_2(c: u32) -> u64 {
    u64::from(0x80C0 | c >> 6 | (c & 0x3F) << 8)
}

/// The UTF-8 form of `c` (U+0800 to U+FFFF), first byte lowest.
#[inline(always)]
fn utf8_3(c: u32) -> u64 {
    u64::from(0x80_80E0 | c >> 12 | (c >> 6 & 0x3F) << 8 | (c & 0x3F) << 16)
}

impl Utf7Out for u16 {
    const WINDOW_ROOM: usize = 4;

    #[inline(always)]
    fn put_units(dst: &mut [u16], aligned: u64, complete: usize, _: u16) -> usize {
        dst[..3].copy_from_slice(&units_of(aligned));
        complete
    }
}

/// A base64 run being decoded: the bits held and where counting for a lone low surrogate's
/// unit started.
struct Run {
    /// The last unit a window wrote (see [`Utf7Out::put_units`]).
    recent: u16,
    /// As [`Utf7Decoder::bits`], with room for one more base64 character.
    bits: u64,
    count: u32,
    /// `read` minus the bytes consumed since the last character or error (wrapping).
    origin: usize,
}

/// What one base64 character did to a [`Run`].
enum Sextet {
    /// Its bits are held.
    Held,
    /// They completed this character, to be written.
    Char(u32),
    /// They completed a lone low surrogate: a bad unit of this many bytes, up to this
    /// character; the run goes on.
    LoneLow(usize),
    /// They showed that the unit after a high surrogate is not a low one: a bad unit of this
    /// character, and the run is over.
    NotLow,
}

impl Run {
    /// Decodes the base64 characters that lead windows of eight bytes, a window at a time,
    /// while no high surrogate is held, the units they complete are no surrogates and there is
    /// room for them, and goes on to the next run where one direct character separates them;
    /// returns the new `(read, written)`, stopping at the first byte that is not base64 or that
    /// is left to the step of one character.
    #[inline(always)]
    fn blocks<U: Utf7Out>(
        &mut self,
        imap: bool,
        classes: &[u8; 256],
        src: &[u8],
        dst: &mut [U],
        (mut read, mut written): (usize, usize),
    ) -> (usize, usize) {
        while self.count < 16
            && let Some(chunk) = src.get(read..read + 8)
            && let Some(out) = dst.get_mut(written..written + U::WINDOW_ROOM)
        {
            let packed = classes_of(classes, chunk);
            let len = leading_without(packed, NOT_BASE64);
            // The bits held and those of the `len` base64 characters, right-aligned, then
            // left-aligned: at most 15 + 48 of them (none at all is fine too).
            let total = self.count + 6 * len as u32;
            let bits = self.bits << (6 * len) | sextets(packed) >> (6 * (8 - len));
            let aligned = bits << 1 << (63 - total);
            let complete = (total / 16) as usize;
            if any_surrogate(aligned, complete) {
                break;
            }
            written += U::put_units(out, aligned, complete, self.recent);
            self.recent = units_of(aligned)[complete.saturating_sub(1)];
            // The last unit was completed by the character that brought the bits to it (a
            // choice without a branch: how many complete varies with the text).
            let needed = (16 * complete).saturating_sub(self.count as usize);
            let after_last = read + needed.div_ceil(6);
            self.origin = std::hint::select_unpredictable(complete > 0, after_last, self.origin);
            self.take_bits(bits, total % 16);
            read += len;
            if len == 8 {
                continue;
            }
            // The run ends at `read`. Text that leaves its words in base64 goes on to the next
            // one after a space or a punctuation mark: `+...- +...`, or `+... +...` where the
            // run ends implicitly. That way is taken here when the run ends cleanly; anything
            // else is left to the one-byte steps.
            let at = if src[read] == b'-' {
                read + 1
            } else if imap {
                break;
            } else {
                read
            };
            let Some(&[direct, shift, first]) = src.get(at..at + 3) else {
                break;
            };
            let class = |byte: u8| classes[usize::from(byte)];
            if self.bits != 0
                || self.count >= 6
                || class(direct) & DIRECT == 0
                || shift != shift_char(imap)
                || class(first) & NOT_BASE64 != 0
            {
                break;
            }
            dst[written] = U::from(direct);
            written += 1;
            self.origin = at + 1;
            (self.bits, self.count) = (0, 0);
            read = at + 2;
        }
        (read, written)
    }

    /// The bits of one base64 character of value `value` at `read`. Nothing changes for a
    /// character that is written: the caller commits it with [`Run::take`] once it fits.
    #[inline(always)]
    fn sextet(&mut self, value: u8, read: usize) -> Sextet {
        let bits = self.bits << 6 | u64::from(value);
        let count = self.count + 6;
        if count < 16 {
            (self.bits, self.count) = (bits, count);
            return Sextet::Held;
        }
        if self.count < 16 {
            // A 16-bit unit is complete.
            let unit = (bits >> (count - 16)) as u16;
            if !is_surrogate(unit) {
                return Sextet::Char(u32::from(unit));
            }
            if unit < 0xDC00 {
                // A high surrogate: it waits for its low one.
                (self.bits, self.count) = (bits, count);
                return Sextet::Held;
            }
            // glibc passes the lone low surrogate on, and its next step rejects it.
            let len = read.wrapping_sub(self.origin) + 1;
            self.take_bits(bits, count - 16);
            self.origin = read + 1;
            return Sextet::LoneLow(len.min(MAX_BAD_SEQUENCE_LEN));
        }
        if count >= 32 {
            // A surrogate pair is complete (its low half was checked below).
            let rest = count - 32;
            let high = (bits >> (rest + 16)) as u16;
            let low = (bits >> rest) as u16;
            let c = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
            return Sextet::Char(c);
        }
        if self.count < 22 && (bits >> (count - 22)) & 0x3F != 0xDC00 >> 10 {
            // The top six bits of the unit after a high surrogate are known, and they are not
            // those of a low surrogate.
            return Sextet::NotLow;
        }
        (self.bits, self.count) = (bits, count);
        Sextet::Held
    }

    /// Commits the character [`Run::sextet`] found at `read`, once written.
    #[inline(always)]
    fn take(&mut self, value: u8, read: usize) {
        let bits = self.bits << 6 | u64::from(value);
        let count = self.count + 6;
        self.take_bits(bits, count % 16);
        self.origin = read + 1;
    }

    /// Keeps the low `count` of `bits`.
    #[inline(always)]
    fn take_bits(&mut self, bits: u64, count: u32) {
        self.bits = bits & ((1 << count) - 1);
        self.count = count;
    }
}

impl Utf7Decoder {
    fn shift_char(&self) -> u8 {
        shift_char(self.imap)
    }

    /// The decoding loop of both output forms.
    #[inline(always)]
    fn decode_units<U: Utf7Out>(&mut self, src: &[u8], dst: &mut [U], last: bool) -> RawStep {
        let shift_char = self.shift_char();
        let (mut read, mut written): (usize, usize) = (0, 0);
        if self.shift_char_pending {
            match src.first() {
                None if last => {
                    self.reset();
                    return RawStep::truncated(0, 0, 1);
                }
                None => return RawStep::input_empty(0, 0),
                Some(b'-') => {
                    let Some(first) = dst.first_mut() else {
                        return RawStep::output_full(0, 0);
                    };
                    *first = U::from(shift_char);
                    (read, written) = (1, 1);
                    self.since_output = 0;
                }
                Some(_) => (self.base64, self.bits, self.count) = (true, 0, 0),
            }
            self.shift_char_pending = false;
        }
        let classes = &CLASSES[usize::from(self.imap)];
        let mut base64 = self.base64;
        let mut run = Run {
            bits: u64::from(self.bits),
            count: self.count,
            origin: read.wrapping_sub(usize::from(self.since_output)),
            recent: 0,
        };
        let step = loop {
            if !base64 {
                let copied = copy_direct(classes, src, dst, (read, written));
                if copied.0 != read {
                    (read, written) = copied;
                    run.origin = read;
                }
                let Some(&byte) = src.get(read) else {
                    break RawStep::input_empty(read, written);
                };
                if classes[usize::from(byte)] & DIRECT != 0 {
                    let Some(unit) = dst.get_mut(written) else {
                        break RawStep::output_full(read, written);
                    };
                    *unit = U::from(byte);
                    (read, written) = (read + 1, written + 1);
                    run.origin = read;
                } else if byte == shift_char {
                    match src.get(read + 1) {
                        None if last => break RawStep::truncated(read + 1, written, 1),
                        None => {
                            // The next call learns what it means.
                            self.shift_char_pending = true;
                            break RawStep::input_empty(read + 1, written);
                        }
                        Some(b'-') => {
                            let Some(unit) = dst.get_mut(written) else {
                                break RawStep::output_full(read, written);
                            };
                            *unit = U::from(byte);
                            (read, written) = (read + 2, written + 1);
                            run.origin = read;
                        }
                        Some(_) => {
                            (base64, run.bits, run.count) = (true, 0, 0);
                            read += 1;
                        }
                    }
                } else {
                    run.origin = read + 1;
                    break RawStep::invalid(read + 1, written, 1);
                }
                continue;
            }
            (read, written) = run.blocks(self.imap, classes, src, dst, (read, written));
            let Some(&byte) = src.get(read) else {
                break RawStep::input_empty(read, written);
            };
            let class = classes[usize::from(byte)];
            if class & NOT_BASE64 != 0 {
                // The end of the run. Bits left over are an error unless they are fewer than
                // six, all zero: the byte that ended the run is then the bad unit.
                let leftover_bad = run.bits != 0 || run.count >= 6;
                (base64, run.bits, run.count) = (false, 0, 0);
                if leftover_bad || (self.imap && byte != b'-') {
                    run.origin = read + 1;
                    break RawStep::invalid(read + 1, written, 1);
                }
                // A '-' is consumed with the run; any other byte is read outside base64.
                if byte == b'-' {
                    read += 1;
                }
                continue;
            }
            let value = class & 0x3F;
            match run.sextet(value, read) {
                Sextet::Held => read += 1,
                Sextet::Char(c) => {
                    if dst.len() - written < char_len::<U>(c) {
                        break RawStep::output_full(read, written);
                    }
                    written += U::push_char(&mut dst[written..], c);
                    run.take(value, read);
                    read += 1;
                }
                Sextet::LoneLow(len) => break RawStep::invalid(read + 1, written, len),
                Sextet::NotLow => {
                    // As glibc does, the rest of the run is read outside base64.
                    (base64, run.bits, run.count) = (false, 0, 0);
                    run.origin = read + 1;
                    break RawStep::invalid(read + 1, written, 1);
                }
            }
        };
        self.base64 = base64;
        self.bits = run.bits as u32;
        self.count = run.count;
        self.since_output = step.read.wrapping_sub(run.origin).min(255) as u8;
        let done = matches!(
            step.status,
            RawStatus::InputEmpty
                | RawStatus::Malformed {
                    kind: ErrorKind::Truncated,
                    ..
                }
        );
        if last && done {
            // An unterminated base64 run is accepted; its leftover bits are dropped.
            self.reset();
        }
        step
    }
}

impl RawDecoder for Utf7Decoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        self.decode_units(src, dst, last)
    }

    fn decode_raw_utf16(&mut self, src: &[u8], dst: &mut [u16], last: bool) -> RawStep {
        self.decode_units(src, dst, last)
    }

    fn reset(&mut self) {
        *self = Utf7Decoder::new(self.imap);
    }

    fn release_incomplete(&mut self) -> usize {
        // A shift character at the end is the only input held: whether it opens a base64 run
        // or is written (`+-`) depends on the next byte.
        if !self.shift_char_pending {
            return 0;
        }
        self.shift_char_pending = false;
        self.since_output = self.since_output.saturating_sub(1);
        1
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        // Direct characters give 1 byte each; base64 gives at most 3 bytes per 16 bits, that is
        // 9 bytes per 8 characters, plus one character completed by bits already held.
        let total = src_len.checked_add(usize::from(self.shift_char_pending))?;
        total.checked_add(total / 8)?.checked_add(4)
    }

    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        if self.base64 || self.shift_char_pending {
            return (0, 0);
        }
        // Outside base64, a byte that is neither direct nor the shift character is a bad unit
        // of its own, whatever follows.
        let (classes, shift_char) = (&CLASSES[usize::from(self.imap)], self.shift_char());
        let skipped = sweep_bad_bytes(src, max, |b| {
            classes[usize::from(b)] & DIRECT == 0 && b != shift_char
        });
        if skipped.1 > 0 {
            self.since_output = 0;
        }
        skipped
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
