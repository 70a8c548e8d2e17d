//! ISO-2022-JP, -JP-2, -JP-3, -KR, -CN and -CN-EXT: escape-sequence and SO/SI state
//! machines whose double-byte sets are decoded through the CJK charsets that carry the same
//! character set, so no table is stored twice.
//!
//! Each 94×94 set is looked up as its EUC twin with the high bits set (JIS X 0208 and JIS X 0212
//! through EUC-JP, GB 2312 through EUC-CN, KS C 5601 through EUC-KR, CNS 11643 planes 1 and 2
//! through EUC-TW), JIS X 0201 through SJIS and the ISO-8859-7 G2 set through ISO-8859-7; the
//! generator checks every cell of every set against glibc before it writes
//! `tables::iso2022`, which holds what cannot be derived from the twins: which lead bytes glibc
//! judges "incomplete" when they end the input rather than illegal at once.
//!
//! The state machines follow glibc's: unknown escape sequences are not errors but pass through
//! as text (ISO-2022-JP and -KR), an escape cut by the end of the input is incomplete once
//! glibc would have wanted more bytes to recognise it, a bad double-byte character drops one byte
//! under `-c` (ISO-2022-CN's bad `ESC N` single shift drops two), and each new input starts in
//! the initial state.

use crate::charset::multibyte::{self, MultibyteDecoder};
use crate::charset::single_byte::{self, SingleByteDecoder};
use crate::charset::{RawDecoder, RawStatus, RawStep};
use crate::error::ErrorKind;
use crate::tables::iso2022 as leads;

const ESC: u8 = 0x1B;
const SO: u8 = 0x0E;
const SI: u8 = 0x0F;
/// Room asked for before each character (a JIS X 0213 code may be two code points).
const MAX_CHAR_UTF8: usize = 8;
/// The longest escape sequence or character: `ESC $ ( C`, `ESC N` + pair.
const MAX_UNIT: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Jp,
    Jp2,
    Jp3,
    Kr,
    Cn,
    CnExt,
}

/// The set invoked into GL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Set {
    Ascii,
    JisRoman,
    JisKana,
    Jis0208,
    Jis0212,
    Jis0213Plane1,
    Jis0213Plane2,
    Gb2312,
    Ksc5601,
    Cns1,
    IsoIr165,
}

/// ISO-2022-JP-2's G2 set, used through `ESC N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum G2 {
    None,
    Latin1,
    Greek,
}

/// ISO-2022-CN's SO designation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SoDesignation {
    None,
    Gb2312,
    Cns1,
    IsoIr165,
}

/// The CJK and single-byte decoders the sets are looked up in.
struct Twins {
    euc_jp: MultibyteDecoder,
    euc_cn: MultibyteDecoder,
    euc_kr: MultibyteDecoder,
    euc_tw: MultibyteDecoder,
    euc_jisx0213: MultibyteDecoder,
    sjis: MultibyteDecoder,
    greek: SingleByteDecoder,
}

fn twin(name: &str) -> MultibyteDecoder {
    multibyte::new_decoder(name).expect("the CJK twins are built in")
}

impl Twins {
    fn new() -> Twins {
        Twins {
            euc_jp: twin("EUC-JP"),
            euc_cn: twin("EUC-CN"),
            euc_kr: twin("EUC-KR"),
            euc_tw: twin("EUC-TW"),
            euc_jisx0213: twin("EUC-JISX0213"),
            sjis: twin("SJIS"),
            greek: single_byte::new_decoder("ISO-8859-7").expect("ISO-8859-7 is built in"),
        }
    }
}

/// Decodes one whole character of a twin charset into `out` (room for `MAX_CHAR_UTF8` bytes);
/// `None` if it is not one.
fn through(decoder: &mut impl RawDecoder, bytes: &[u8], out: &mut [u8]) -> Option<usize> {
    // The twins ask for more room than one character needs: decode into a buffer that always
    // has it, then copy.
    let mut buf = [0u8; crate::MIN_OUTPUT_SPACE];
    let step = decoder.decode_raw(bytes, &mut buf, true);
    let whole = step.status == RawStatus::InputEmpty && step.read == bytes.len();
    if !whole || step.written == 0 || step.written > MAX_CHAR_UTF8 {
        return None;
    }
    out[..step.written].copy_from_slice(&buf[..step.written]);
    Some(step.written)
}

/// What the bytes at the current position are.
enum Unit {
    /// A character of `len` bytes, `written` bytes of UTF-8 written.
    Char { len: usize, written: usize },
    /// An escape sequence or shift of `len` bytes that changed the state.
    Shift { len: usize },
    /// Illegal; glibc's `-c` drops `unit` bytes.
    Invalid { unit: usize },
    /// The input ends inside an escape sequence or character.
    Incomplete,
}

pub(crate) fn new_decoder(name: &str) -> Option<Iso2022Decoder> {
    let variant = match name {
        "ISO-2022-JP" => Variant::Jp,
        "ISO-2022-JP-2" => Variant::Jp2,
        "ISO-2022-JP-3" => Variant::Jp3,
        "ISO-2022-KR" => Variant::Kr,
        "ISO-2022-CN" => Variant::Cn,
        "ISO-2022-CN-EXT" => Variant::CnExt,
        _ => return None,
    };
    Some(Iso2022Decoder {
        variant,
        set: Set::Ascii,
        g2: G2::None,
        so: SoDesignation::None,
        ss3_plane: 0,
        drop_next: 0,
        twins: Twins::new(),
        pending: [0; MAX_UNIT],
        pending_len: 0,
    })
}

/// Decodes one ISO-2022 charset.
pub(crate) struct Iso2022Decoder {
    variant: Variant,
    set: Set,
    g2: G2,
    so: SoDesignation,
    /// ISO-2022-CN-EXT's SS3 designation: CNS 11643 plane 3..=7, or 0.
    ss3_plane: u8,
    /// How many of the next bytes are one illegal unit whose start glibc reports after the bytes
    /// it stepped over (ISO-2022-CN-EXT: the byte after an SO without designation, the pair
    /// after a bad `ESC N`); 0 when none.
    drop_next: u8,
    twins: Twins,
    /// Bytes of an escape sequence or character cut by the end of an earlier call.
    pending: [u8; MAX_UNIT],
    pending_len: u8,
}

/// Whether all eight bytes of `x` are in `21..=7E`: below 0x80, at least 0x21 (adding 0x5F sets
/// the high bit) and at most 0x7E (adding 1 leaves it clear); no byte carries into the next.
fn all_in_94(x: u64) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    x & HIGH == 0
        && x.wrapping_add(0x5F5F_5F5F_5F5F_5F5F) & HIGH == HIGH
        && x.wrapping_add(0x0101_0101_0101_0101) & HIGH == 0
}

fn in_mask(mask: u128, byte: u8) -> bool {
    byte < 0x80 && mask >> byte & 1 != 0
}

impl Iso2022Decoder {
    /// Decodes a character of a 94×94 set whose lead byte `bytes[0]` is `21..=7E`.
    fn double(&mut self, set: Set, bytes: &[u8], out: &mut [u8]) -> Unit {
        let (lead_mask, decoder, prefix): (u128, &mut MultibyteDecoder, &[u8]) = match set {
            Set::Jis0208 => (leads::JIS0208, &mut self.twins.euc_jp, &[]),
            Set::Jis0212 => (leads::JIS0212, &mut self.twins.euc_jp, &[0x8F]),
            Set::Jis0213Plane1 => (leads::JIS0213, &mut self.twins.euc_jisx0213, &[]),
            Set::Jis0213Plane2 => (leads::JIS0213, &mut self.twins.euc_jisx0213, &[0x8F]),
            Set::Gb2312 => (leads::GB2312, &mut self.twins.euc_cn, &[]),
            Set::Ksc5601 => (leads::KSC5601, &mut self.twins.euc_kr, &[]),
            Set::Cns1 => (leads::CNS1, &mut self.twins.euc_tw, &[]),
            _ => unreachable!("not a double-byte set"),
        };
        if !in_mask(lead_mask, bytes[0]) {
            return Unit::Invalid { unit: 1 };
        }
        let Some(&trail) = bytes.get(1) else {
            return Unit::Incomplete;
        };
        if !(0x21..=0x7E).contains(&trail) {
            return Unit::Invalid { unit: 1 };
        }
        let mut code = [0u8; 3];
        code[..prefix.len()].copy_from_slice(prefix);
        code[prefix.len()] = bytes[0] | 0x80;
        code[prefix.len() + 1] = trail | 0x80;
        match through(decoder, &code[..prefix.len() + 2], out) {
            Some(written) => Unit::Char { len: 2, written },
            None => Unit::Invalid { unit: 1 },
        }
    }

    fn step_jp(&mut self, bytes: &[u8], out: &mut [u8]) -> Unit {
        let jp2 = self.variant == Variant::Jp2;
        let jp3 = self.variant == Variant::Jp3;
        let ch = bytes[0];
        if ch == ESC {
            let four = (jp2 || jp3) && bytes.get(1) == Some(&b'$') && bytes.get(2) == Some(&b'(');
            if bytes.len() < 3 || (four && bytes.len() < 4) {
                return Unit::Incomplete;
            }
            let designated = match (bytes[1], bytes[2], bytes.get(3)) {
                (b'(', b'B', _) => Some((Set::Ascii, 3)),
                (b'(', b'J', _) => Some((Set::JisRoman, 3)),
                (b'(', b'I', _) if jp2 || jp3 => Some((Set::JisKana, 3)),
                (b'$', b'(', Some(b'O' | b'Q')) if jp3 => Some((Set::Jis0213Plane1, 4)),
                (b'$', b'(', Some(b'P')) if jp3 => Some((Set::Jis0213Plane2, 4)),
                (b'$', b'@' | b'B', _) => Some((Set::Jis0208, 3)),
                (b'$', b'A', _) if jp2 => Some((Set::Gb2312, 3)),
                (b'$', b'(', Some(b'C')) if jp2 => Some((Set::Ksc5601, 4)),
                (b'$', b'(', Some(b'D')) if jp2 => Some((Set::Jis0212, 4)),
                _ => None,
            };
            if let Some((set, len)) = designated {
                self.set = set;
                return Unit::Shift { len };
            }
            if jp2 && bytes[1] == b'.' && matches!(bytes[2], b'A' | b'F') {
                self.g2 = if bytes[2] == b'A' {
                    G2::Latin1
                } else {
                    G2::Greek
                };
                return Unit::Shift { len: 3 };
            }
            if jp2 && bytes[1] == b'N' {
                return self.single_shift_jp2(bytes[2], out);
            }
            // Not an escape sequence this charset knows: ESC is text.
        }
        if ch >= 0x80 {
            return Unit::Invalid { unit: 1 };
        }
        if self.set == Set::Ascii || ch < 0x21 || ch == 0x7F {
            out[0] = ch;
            return Unit::Char { len: 1, written: 1 };
        }
        let sjis_byte = match self.set {
            Set::JisRoman => ch,
            Set::JisKana => ch + 0x80,
            set => return self.double(set, bytes, out),
        };
        match through(&mut self.twins.sjis, &[sjis_byte], out) {
            Some(written) => Unit::Char { len: 1, written },
            None => Unit::Invalid { unit: 1 },
        }
    }

    /// ISO-2022-JP-2's `ESC N` + `byte`: one character of the G2 set.
    fn single_shift_jp2(&mut self, byte: u8, out: &mut [u8]) -> Unit {
        match self.g2 {
            G2::Latin1 => {
                // Any byte: glibc sets its high bit.
                let cp = char::from(byte | 0x80);
                Unit::Char {
                    len: 3,
                    written: cp.encode_utf8(out).len(),
                }
            }
            G2::Greek if (0x20..0x80).contains(&byte) => {
                match through(&mut self.twins.greek, &[byte | 0x80], out) {
                    Some(written) => Unit::Char { len: 3, written },
                    None => Unit::Invalid { unit: 3 },
                }
            }
            G2::Greek | G2::None => Unit::Invalid { unit: 1 },
        }
    }

    fn step_kr(&mut self, bytes: &[u8], out: &mut [u8]) -> Unit {
        let ch = bytes[0];
        if ch >= 0x80 {
            return Unit::Invalid { unit: 1 };
        }
        match ch {
            ESC => {
                if bytes.len() < 2
                    || (bytes[1] == b'$'
                        && (bytes.len() < 3 || (bytes[2] == b')' && bytes.len() < 4)))
                {
                    return Unit::Incomplete;
                }
                if bytes[1..].starts_with(b"$)C") {
                    // The header announcing KS C 5601 as G1: nothing to do.
                    return Unit::Shift { len: 4 };
                }
            }
            SO => {
                self.set = Set::Ksc5601;
                return Unit::Shift { len: 1 };
            }
            SI => {
                self.set = Set::Ascii;
                return Unit::Shift { len: 1 };
            }
            _ => {}
        }
        if self.set == Set::Ascii {
            out[0] = ch;
            return Unit::Char { len: 1, written: 1 };
        }
        self.double(Set::Ksc5601, bytes, out)
    }

    fn step_cn(&mut self, bytes: &[u8], out: &mut [u8]) -> Unit {
        let ext = self.variant == Variant::CnExt;
        if self.drop_next > 0 {
            let unit = usize::from(self.drop_next);
            if bytes.len() < unit {
                return Unit::Incomplete;
            }
            self.drop_next = 0;
            return Unit::Invalid { unit };
        }
        let ch = bytes[0];
        if ch > 0x7F || (ch == 0x7F && !ext) {
            return Unit::Invalid { unit: 1 };
        }
        match ch {
            ESC => {
                let wants = match bytes.get(1) {
                    None => 2,
                    Some(b'$') => match bytes.get(2) {
                        None => 3,
                        Some(b')' | b'*') => 4,
                        Some(b'+') if ext => 4,
                        Some(_) => 3,
                    },
                    Some(b'N') => 4,
                    Some(b'O') if ext => 4,
                    Some(_) => 2,
                };
                if bytes.len() < wants {
                    return Unit::Incomplete;
                }
                let designated = match &bytes[1..] {
                    [b'$', b')', b'A', ..] => Some(SoDesignation::Gb2312),
                    [b'$', b')', b'G', ..] => Some(SoDesignation::Cns1),
                    [b'$', b')', b'E', ..] if ext => Some(SoDesignation::IsoIr165),
                    _ => None,
                };
                if let Some(designation) = designated {
                    self.so = designation;
                    return Unit::Shift { len: 4 };
                }
                match &bytes[1..] {
                    // The SS2 designation: plane 2 is the only G2 set.
                    [b'$', b'*', b'H', ..] => return Unit::Shift { len: 4 },
                    [b'$', b'+', plane @ b'I'..=b'M', ..] if ext => {
                        self.ss3_plane = plane - b'I' + 3;
                        return Unit::Shift { len: 4 };
                    }
                    &[b'N', lead, trail, ..] => {
                        // CNS 11643 plane 2 through EUC-TW's `8E A2` form. A bad code: ISO-2022-CN
                        // drops the `ESC N`; ISO-2022-CN-EXT steps over it and drops the pair.
                        return match self.cns_plane(2, lead, trail, out) {
                            Some(written) => Unit::Char { len: 4, written },
                            None if ext => {
                                self.drop_next = 2;
                                Unit::Shift { len: 2 }
                            }
                            None => Unit::Invalid { unit: 2 },
                        };
                    }
                    &[b'O', lead, trail, ..] if ext => {
                        let plane = self.ss3_plane;
                        return match (plane != 0)
                            .then(|| self.cns_plane(plane, lead, trail, out))
                            .flatten()
                        {
                            Some(written) => Unit::Char { len: 4, written },
                            None => Unit::Invalid { unit: 4 },
                        };
                    }
                    _ => {}
                }
            }
            SO => {
                self.set = match self.so {
                    SoDesignation::Gb2312 => Set::Gb2312,
                    SoDesignation::Cns1 => Set::Cns1,
                    SoDesignation::IsoIr165 => Set::IsoIr165,
                    // Without a designation ISO-2022-CN takes GB 2312; ISO-2022-CN-EXT
                    // rejects the byte after the SO.
                    SoDesignation::None if !ext => Set::Gb2312,
                    SoDesignation::None => {
                        if bytes.len() < 2 {
                            return Unit::Incomplete;
                        }
                        self.drop_next = 1;
                        self.set
                    }
                };
                return Unit::Shift { len: 1 };
            }
            SI => {
                self.set = Set::Ascii;
                return Unit::Shift { len: 1 };
            }
            _ => {}
        }
        if self.set == Set::Ascii {
            out[0] = ch;
            return Unit::Char { len: 1, written: 1 };
        }
        if !ext {
            return self.double(self.set, bytes, out);
        }
        // ISO-2022-CN-EXT wants two bytes whatever the first, and drops both when bad.
        let Some(&trail) = bytes.get(1) else {
            return Unit::Incomplete;
        };
        let in_94 = |b: u8| (0x21..=0x7E).contains(&b);
        if !in_94(ch) || !in_94(trail) {
            return Unit::Invalid { unit: 2 };
        }
        let written = match self.set {
            Set::IsoIr165 => self.iso_ir_165(ch, trail, out),
            set => match self.double(set, bytes, out) {
                Unit::Char { written, .. } => Some(written),
                _ => None,
            },
        };
        match written {
            Some(written) => Unit::Char { len: 2, written },
            None => Unit::Invalid { unit: 2 },
        }
    }

    /// A character of CNS 11643 plane 2..=7 through EUC-TW's four-byte form.
    fn cns_plane(&mut self, plane: u8, lead: u8, trail: u8, out: &mut [u8]) -> Option<usize> {
        if !(0x21..=0x7E).contains(&lead) || !(0x21..=0x7E).contains(&trail) {
            return None;
        }
        let code = [0x8E, 0xA0 + plane, lead | 0x80, trail | 0x80];
        through(&mut self.twins.euc_tw, &code, out)
    }

    /// ISO-IR-165: GB 2312 plus the cells listed in `tables::iso2022::ISO_IR_165`.
    fn iso_ir_165(&mut self, lead: u8, trail: u8, out: &mut [u8]) -> Option<usize> {
        let code = u16::from(lead) << 8 | u16::from(trail);
        match leads::ISO_IR_165.binary_search_by_key(&code, |&(c, _)| c) {
            Ok(i) => {
                let cp = char::from_u32(leads::ISO_IR_165[i].1)?;
                Some(cp.encode_utf8(out).len())
            }
            Err(_) => through(&mut self.twins.euc_cn, &[lead | 0x80, trail | 0x80], out),
        }
    }

    fn step(&mut self, bytes: &[u8], out: &mut [u8]) -> Unit {
        match self.variant {
            Variant::Jp | Variant::Jp2 | Variant::Jp3 => self.step_jp(bytes, out),
            Variant::Kr => self.step_kr(bytes, out),
            Variant::Cn | Variant::CnExt => self.step_cn(bytes, out),
        }
    }

    /// Decodes the run of 94×94 pairs at the start of `src` through the current set's twin in
    /// one call (the pairs with their high bits set, behind the twin's prefix), stopping before
    /// the first byte outside `21..=7E` or the first code the twin rejects, which are left to
    /// [`Self::step`]. Returns `(read, written)`; `(0, 0)` outside a double-byte set.
    fn double_run(&mut self, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        let twins = &mut self.twins;
        let (decoder, prefix): (&mut MultibyteDecoder, &[u8]) = match self.set {
            Set::Jis0208 => (&mut twins.euc_jp, &[]),
            Set::Jis0212 => (&mut twins.euc_jp, &[0x8F]),
            Set::Jis0213Plane1 => (&mut twins.euc_jisx0213, &[]),
            Set::Jis0213Plane2 => (&mut twins.euc_jisx0213, &[0x8F]),
            Set::Gb2312 => (&mut twins.euc_cn, &[]),
            Set::Ksc5601 => (&mut twins.euc_kr, &[]),
            Set::Cns1 => (&mut twins.euc_tw, &[]),
            _ => return (0, 0),
        };
        let per_pair = prefix.len() + 2;
        let mut buf = [0u8; 288];
        // The run: pairs of bytes in 21..=7E, eight bytes at a time while they all are.
        let limit = (src.len() & !1).min(buf.len() / per_pair * 2);
        let mut n = 0;
        while n + 8 <= limit {
            let chunk = u64::from_le_bytes(src[n..n + 8].try_into().unwrap());
            if !all_in_94(chunk) {
                break;
            }
            n += 8;
        }
        let in_94 = |b: u8| (0x21..=0x7E).contains(&b);
        while n + 2 <= limit && in_94(src[n]) && in_94(src[n + 1]) {
            n += 2;
        }
        if n == 0 {
            return (0, 0);
        }
        let len = n / 2 * per_pair;
        if prefix.is_empty() {
            for (to, from) in buf[..n].iter_mut().zip(&src[..n]) {
                *to = from | 0x80;
            }
        } else {
            for (to, pair) in buf[..len].chunks_exact_mut(3).zip(src[..n].chunks_exact(2)) {
                to.copy_from_slice(&[prefix[0], pair[0] | 0x80, pair[1] | 0x80]);
            }
        }
        let step = decoder.decode_raw(&buf[..len], dst, true);
        let decoded = match step.status {
            RawStatus::InputEmpty | RawStatus::OutputFull => step.read,
            RawStatus::Malformed { len: bad, .. } => {
                decoder.reset();
                step.read - usize::from(bad)
            }
        };
        debug_assert_eq!(decoded % per_pair, 0);
        (decoded / per_pair * 2, step.written)
    }

    /// Bytes that go straight through in the current state: ASCII text other than the bytes
    /// that start escapes and shifts.
    fn is_plain(&self, b: u8) -> bool {
        self.set == Set::Ascii && b < 0x7F && b != ESC && b != SO && b != SI && self.drop_next == 0
    }

    /// The step for input that ends inside a unit whose `len` bytes are in `pending`: truncated,
    /// except that ISO-2022-CN-EXT calls a final SO without designation illegal (glibc reports it
    /// one byte further on, past the end of the input, and its `-c` reads beyond the input).
    fn end_inside(&mut self, read: usize, written: usize, len: usize) -> RawStep {
        let lone_so = self.variant == Variant::CnExt
            && len == 1
            && self.pending[0] == SO
            && self.so == SoDesignation::None
            && self.drop_next == 0;
        self.reset();
        if lone_so {
            RawStep::invalid(read, written, 1)
        } else {
            RawStep::truncated(read, written, len)
        }
    }

    /// Finishes what earlier calls left pending, taking bytes from `src` as needed; returns
    /// `(read, written, Some(step))` when the call must return that step.
    fn drain_pending(
        &mut self,
        src: &[u8],
        dst: &mut [u8],
        last: bool,
    ) -> (usize, usize, Option<RawStep>) {
        let (mut read, mut written) = (0, 0);
        while self.pending_len > 0 {
            if dst.len() - written < MAX_CHAR_UTF8 {
                return (read, written, Some(RawStep::output_full(read, written)));
            }
            let held = usize::from(self.pending_len);
            let mut window = [0u8; 2 * MAX_UNIT];
            window[..held].copy_from_slice(&self.pending[..held]);
            let taken = (src.len() - read).min(MAX_UNIT);
            window[held..held + taken].copy_from_slice(&src[read..read + taken]);
            let avail = held + taken;
            let (len, bad) = match self.step(&window[..avail], &mut dst[written..]) {
                Unit::Char { len, written: w } => {
                    written += w;
                    (len, false)
                }
                Unit::Shift { len } => (len, false),
                Unit::Invalid { unit } => (unit, true),
                Unit::Incomplete => {
                    // Fewer than MAX_UNIT bytes in all: they fit in `pending`.
                    let rest = &src[read..];
                    self.pending[held..held + rest.len()].copy_from_slice(rest);
                    read = src.len();
                    if last {
                        let len = held + rest.len();
                        let step = self.end_inside(read, written, len);
                        return (read, written, Some(step));
                    }
                    self.pending_len = (held + rest.len()) as u8;
                    return (read, written, Some(RawStep::input_empty(read, written)));
                }
            };
            if len >= held {
                read += len - held;
                self.pending_len = 0;
            } else {
                self.pending.copy_within(len..held, 0);
                self.pending_len = (held - len) as u8;
            }
            if bad {
                let step = RawStep {
                    read,
                    written,
                    status: RawStatus::Malformed {
                        len: len as u8,
                        consumed_after: self.pending_len,
                        kind: ErrorKind::Invalid,
                    },
                };
                return (read, written, Some(step));
            }
        }
        (read, written, None)
    }
}

impl RawDecoder for Iso2022Decoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = (0, 0);
        if self.pending_len > 0 {
            let (r, w, step) = self.drain_pending(src, dst, last);
            if let Some(step) = step {
                return step;
            }
            (read, written) = (r, w);
        }
        while read < src.len() {
            if dst.len() - written < MAX_CHAR_UTF8 {
                return RawStep::output_full(read, written);
            }
            if self.is_plain(src[read]) {
                // Runs of plain ASCII are copied as they are.
                let room = dst.len() - written;
                let run = src[read..]
                    .iter()
                    .take(room)
                    .position(|&b| !self.is_plain(b))
                    .unwrap_or((src.len() - read).min(room));
                dst[written..written + run].copy_from_slice(&src[read..read + run]);
                read += run;
                written += run;
                continue;
            }
            if self.drop_next == 0 {
                let (r, w) = self.double_run(&src[read..], &mut dst[written..]);
                if r > 0 {
                    read += r;
                    written += w;
                    continue;
                }
            }
            match self.step(&src[read..], &mut dst[written..]) {
                Unit::Char { len, written: w } => {
                    read += len;
                    written += w;
                }
                Unit::Shift { len } => read += len,
                Unit::Invalid { unit } => return RawStep::invalid(read + unit, written, unit),
                Unit::Incomplete => {
                    let rest = &src[read..];
                    if last {
                        self.pending[..rest.len()].copy_from_slice(rest);
                        return self.end_inside(src.len(), written, rest.len());
                    }
                    self.pending[..rest.len()].copy_from_slice(rest);
                    self.pending_len = rest.len() as u8;
                    return RawStep::input_empty(src.len(), written);
                }
            }
        }
        if last {
            // glibc keeps no state across the end of the input.
            self.reset();
        }
        RawStep::input_empty(read, written)
    }

    fn reset(&mut self) {
        self.set = Set::Ascii;
        self.g2 = G2::None;
        self.so = SoDesignation::None;
        self.ss3_plane = 0;
        self.drop_next = 0;
        self.pending_len = 0;
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        // Every byte writes at most 3 bytes (a pair or a G2 character: at most 3 for 2 or 3
        // bytes); the loop asks for MAX_CHAR_UTF8 bytes of room before each character.
        src_len
            .checked_add(usize::from(self.pending_len))?
            .checked_mul(3)?
            .checked_add(MAX_CHAR_UTF8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(name: &str, src: &[u8]) -> (String, RawStatus) {
        let mut d = new_decoder(name).expect("an ISO-2022 charset");
        let mut out = [0u8; 64];
        let step = d.decode_raw(src, &mut out, true);
        (
            String::from_utf8(out[..step.written].to_vec()).unwrap(),
            step.status,
        )
    }

    #[test]
    fn designations_switch_sets_and_unknown_escapes_are_text() {
        assert_eq!(
            decode("ISO-2022-JP", b"\x1b$B\x30\x21\x1b(Ba\x1b(J\x5c\x1b.A").0,
            "\u{4E9C}a\u{A5}\x1b.A"
        );
        assert_eq!(decode("ISO-2022-JP-2", b"\x1b.A\x1bN\x69").0, "\u{E9}");
    }

    #[test]
    fn a_cut_escape_is_truncated_at_the_end() {
        let (_, status) = decode("ISO-2022-JP", b"a\x1b$");
        assert_eq!(
            status,
            RawStatus::Malformed {
                len: 2,
                consumed_after: 0,
                kind: ErrorKind::Truncated
            }
        );
    }

    #[test]
    fn a_bad_pair_drops_one_byte_and_a_bad_single_shift_two() {
        let (_, status) = decode("ISO-2022-KR", b"\x0e\x30\x0a");
        assert!(matches!(status, RawStatus::Malformed { len: 1, .. }));
        let (_, status) = decode("ISO-2022-CN", b"\x1bN\x7e\x7e");
        assert!(matches!(status, RawStatus::Malformed { len: 2, .. }));
    }
}

#[cfg(test)]
mod run_tests {
    use super::all_in_94;

    #[test]
    fn all_in_94_checks_every_byte_against_both_bounds() {
        assert!(all_in_94(u64::from_le_bytes(*b"!~0!~0!~")));
        for bad in [0x00, 0x20, 0x7F, 0x80, 0xA1, 0xFF] {
            for at in 0..8 {
                let mut bytes = *b"!!!!~~~~";
                bytes[at] = bad;
                assert!(!all_in_94(u64::from_le_bytes(bytes)), "{bad:02X} at {at}");
            }
        }
    }
}
