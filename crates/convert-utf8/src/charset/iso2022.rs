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
//!
//! Speed: the fast path ([`Iso2022Decoder::twin_run`]) rewrites a stretch of input into the
//! twin's EUC form (ASCII as it is, pairs with their high bits set, behind the twin's prefix),
//! stepping over the shifts and escapes between them, and decodes it in one call of the twin's
//! hot loop. Where the twin stops early (an error, a full output), it rewrites again up to there
//! to find the input position and the state. What it does not rewrite goes through the general
//! path one unit at a time.

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

/// Which twin decodes a 94×94 set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TwinId {
    EucJp,
    EucJisx0213,
    EucCn,
    EucKr,
    EucTw,
}

impl Twins {
    fn get(&mut self, id: TwinId) -> &mut MultibyteDecoder {
        match id {
            TwinId::EucJp => &mut self.euc_jp,
            TwinId::EucJisx0213 => &mut self.euc_jisx0213,
            TwinId::EucCn => &mut self.euc_cn,
            TwinId::EucKr => &mut self.euc_kr,
            TwinId::EucTw => &mut self.euc_tw,
        }
    }
}

/// The twin of a 94×94 set and the prefix its pairs take there; `None` for the other sets.
fn twin_of(set: Set) -> Option<(TwinId, Option<u8>)> {
    Some(match set {
        Set::Jis0208 => (TwinId::EucJp, None),
        Set::Jis0212 => (TwinId::EucJp, Some(0x8F)),
        Set::Jis0213Plane1 => (TwinId::EucJisx0213, None),
        Set::Jis0213Plane2 => (TwinId::EucJisx0213, Some(0x8F)),
        Set::Gb2312 => (TwinId::EucCn, None),
        Set::Ksc5601 => (TwinId::EucKr, None),
        Set::Cns1 => (TwinId::EucTw, None),
        Set::Ascii | Set::JisRoman | Set::JisKana | Set::IsoIr165 => return None,
    })
}

/// Input bytes the fast path rewrites for one call of a twin (its buffer's size).
const RUN_BYTES: usize = 1024;
/// The whole shift state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    set: Set,
    g2: G2,
    so: SoDesignation,
    ss3_plane: u8,
    drop_next: u8,
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

/// How many of the bytes of `x` (little-endian), from the first, are in `low..=7E` (`low` is
/// at least 1).
fn leading_in_range(x: u64, low: u8) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    // Without their high bits no byte carries into the next: adding `80 - low` sets the high
    // bit of the bytes from `low` on, adding 1 that of 7F.
    let low7 = x & !HIGH;
    let below = !low7.wrapping_add(ONES * u64::from(0x80 - low)) & HIGH;
    let del = low7.wrapping_add(ONES) & HIGH;
    let outside = x & HIGH | below | del;
    outside.trailing_zeros() as usize / 8
}

fn in_mask(mask: u128, byte: u8) -> bool {
    byte < 0x80 && mask >> byte & 1 != 0
}

impl Iso2022Decoder {
    /// Decodes a character of a 94×94 set whose lead byte `bytes[0]` is `21..=7E`.
    fn double(&mut self, set: Set, bytes: &[u8], out: &mut [u8]) -> Unit {
        let lead_mask = match set {
            Set::Jis0208 => leads::JIS0208,
            Set::Jis0212 => leads::JIS0212,
            Set::Jis0213Plane1 | Set::Jis0213Plane2 => leads::JIS0213,
            Set::Gb2312 => leads::GB2312,
            Set::Ksc5601 => leads::KSC5601,
            Set::Cns1 => leads::CNS1,
            _ => unreachable!("not a double-byte set"),
        };
        let (twin, prefix) = twin_of(set).expect("a 94×94 set has a twin");
        if !in_mask(lead_mask, bytes[0]) {
            return Unit::Invalid { unit: 1 };
        }
        let Some(&trail) = bytes.get(1) else {
            return Unit::Incomplete;
        };
        if !(0x21..=0x7E).contains(&trail) {
            return Unit::Invalid { unit: 1 };
        }
        let code = match prefix {
            Some(prefix) => &[prefix, bytes[0] | 0x80, trail | 0x80][..],
            None => &[bytes[0] | 0x80, trail | 0x80][..],
        };
        match through(self.twins.get(twin), code, out) {
            Some(written) => Unit::Char { len: 2, written },
            None => Unit::Invalid { unit: 1 },
        }
    }

    /// The set an ISO-2022-JP escape sequence at the start of `bytes` designates, and its
    /// length; `None` for anything else (including a sequence cut short).
    #[inline(always)]
    fn jp_designation(&self, bytes: &[u8]) -> Option<(Set, usize)> {
        let jp2 = self.variant == Variant::Jp2;
        let jp3 = self.variant == Variant::Jp3;
        let &[ESC, first, second, ..] = bytes else {
            return None;
        };
        Some(match (first, second, bytes.get(3)) {
            (b'(', b'B', _) => (Set::Ascii, 3),
            (b'(', b'J', _) => (Set::JisRoman, 3),
            (b'(', b'I', _) if jp2 || jp3 => (Set::JisKana, 3),
            (b'$', b'(', Some(b'O' | b'Q')) if jp3 => (Set::Jis0213Plane1, 4),
            (b'$', b'(', Some(b'P')) if jp3 => (Set::Jis0213Plane2, 4),
            (b'$', b'@' | b'B', _) => (Set::Jis0208, 3),
            (b'$', b'A', _) if jp2 => (Set::Gb2312, 3),
            (b'$', b'(', Some(b'C')) if jp2 => (Set::Ksc5601, 4),
            (b'$', b'(', Some(b'D')) if jp2 => (Set::Jis0212, 4),
            _ => return None,
        })
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
            if let Some((set, len)) = self.jp_designation(bytes) {
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
            SO | SI => {
                self.shift_set(ch);
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

    /// ISO-2022-KR's and -CN's SO and SI where they only switch the set (all but
    /// ISO-2022-CN-EXT's SO without a designation); returns whether `b` was one.
    #[inline(always)]
    fn shift_set(&mut self, b: u8) -> bool {
        self.set = match (self.variant, b) {
            (Variant::Kr, SO) => Set::Ksc5601,
            (Variant::Kr | Variant::Cn | Variant::CnExt, SI) => Set::Ascii,
            (Variant::Cn | Variant::CnExt, SO) => match self.so {
                SoDesignation::Gb2312 => Set::Gb2312,
                SoDesignation::Cns1 => Set::Cns1,
                SoDesignation::IsoIr165 => Set::IsoIr165,
                // Without a designation ISO-2022-CN takes GB 2312.
                SoDesignation::None if self.variant == Variant::Cn => Set::Gb2312,
                SoDesignation::None => return false,
            },
            _ => return false,
        };
        true
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
            SO | SI if self.shift_set(ch) => return Unit::Shift { len: 1 },
            SO => {
                // ISO-2022-CN-EXT without a designation rejects the byte after the SO.
                if bytes.len() < 2 {
                    return Unit::Incomplete;
                }
                self.drop_next = 1;
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

    fn state(&self) -> State {
        State {
            set: self.set,
            g2: self.g2,
            so: self.so,
            ss3_plane: self.ss3_plane,
            drop_next: self.drop_next,
        }
    }

    fn restore(&mut self, state: State) {
        self.set = state.set;
        self.g2 = state.g2;
        self.so = state.so;
        self.ss3_plane = state.ss3_plane;
        self.drop_next = state.drop_next;
    }

    /// Whether `b` is a character of its own in the ASCII set (not the start of an escape or
    /// shift, nor illegal).
    fn is_plain_ascii(&self, b: u8) -> bool {
        match self.variant {
            Variant::Jp | Variant::Jp2 | Variant::Jp3 => b < 0x80 && b != ESC,
            Variant::Kr => b < 0x80 && b != ESC && b != SO && b != SI,
            Variant::Cn | Variant::CnExt => b < 0x7F && b != ESC && b != SO && b != SI,
        }
    }

    /// The fast path (see the module documentation): decodes from the start of `src` through
    /// one twin while the input is ASCII, 94×94 pairs of sets that twin decodes, and the shifts
    /// between them. Returns `(read, written)`, `(0, 0)` when it could not start; the state is
    /// the one after the bytes read. `dst` has room for `MAX_CHAR_UTF8` bytes at least.
    fn twin_run(&mut self, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        let start = self.state();
        let mut buf = [0u8; RUN_BYTES];
        let (read, at, twin) = self.rewrite(src, &mut buf, usize::MAX);
        if at == 0 {
            return (read, 0);
        }
        let id = twin.unwrap_or(match self.variant {
            Variant::Jp | Variant::Jp2 | Variant::Jp3 => TwinId::EucJp,
            Variant::Kr => TwinId::EucKr,
            Variant::Cn | Variant::CnExt => TwinId::EucCn,
        });
        let decoder = self.twins.get(id);
        let step = decoder.decode_raw(&buf[..at], dst, true);
        let decoded = match step.status {
            RawStatus::InputEmpty | RawStatus::OutputFull => step.read,
            RawStatus::Malformed { len: bad, .. } => {
                decoder.reset();
                step.read - usize::from(bad)
            }
        };
        if decoded == at {
            return (read, step.written);
        }
        // The twin stopped early (an error, or a full output), where a unit of the rewritten
        // bytes starts: rewrite again from the start up to there, for the input position and
        // the state.
        self.restore(start);
        let (read, replayed, _) = self.rewrite(src, &mut buf, decoded);
        debug_assert_eq!(replayed, decoded);
        (read, step.written)
    }

    /// Rewrites the start of `src` into `buf` for [`Self::twin_run`], taking shifts as it goes,
    /// until the rewritten bytes reach `until` or the run must end. Returns the bytes read, the
    /// bytes rewritten and the twin they are for (`None`: ASCII only).
    fn rewrite(
        &mut self,
        src: &[u8],
        buf: &mut [u8; RUN_BYTES],
        until: usize,
    ) -> (usize, usize, Option<TwinId>) {
        if self.variant == Variant::Kr {
            return self.rewrite_kr(src, buf, until);
        }
        // A unit (at most eight bytes: an ASCII or a pair word) starts only with room for it.
        let stop = until.min(RUN_BYTES - 7);
        let jp = matches!(self.variant, Variant::Jp | Variant::Jp2 | Variant::Jp3);
        let mut twin = twin_of(self.set).map(|(id, _)| id);
        let (mut read, mut at) = (0, 0);
        loop {
            // Rewrite a stretch in the current set.
            if self.set == Set::Ascii {
                while read < src.len() && at < stop {
                    if let Some(word) = src.get(read..read + 8) {
                        // Copy the word, keep its printable bytes up to the first other one.
                        let word = u64::from_le_bytes(word.try_into().unwrap());
                        let n = leading_in_range(word, 0x20).min(until - at);
                        buf[at..][..8].copy_from_slice(&word.to_le_bytes());
                        (read, at) = (read + n, at + n);
                        if n == 8 || at >= stop {
                            continue;
                        }
                    }
                    if !self.is_plain_ascii(src[read]) {
                        break;
                    }
                    buf[at] = src[read];
                    (read, at) = (read + 1, at + 1);
                }
            } else if let Some((_, prefix)) = twin_of(self.set) {
                let in_94 = |b: u8| (0x21..=0x7E).contains(&b);
                while read < src.len() && at < stop {
                    if prefix.is_none()
                        && let Some(word) = src.get(read..read + 8)
                    {
                        // Set the high bits of the word, keep its whole pairs up to the first
                        // byte outside 21..=7E.
                        let word = u64::from_le_bytes(word.try_into().unwrap());
                        let n = (leading_in_range(word, 0x21) & !1).min(until - at);
                        let high = word | 0x8080_8080_8080_8080;
                        buf[at..][..8].copy_from_slice(&high.to_le_bytes());
                        (read, at) = (read + n, at + n);
                        if n == 8 || at >= stop {
                            continue;
                        }
                    }
                    let lead = src[read];
                    if let Some(&trail) = src.get(read + 1)
                        && in_94(lead)
                        && in_94(trail)
                    {
                        let pair = [lead | 0x80, trail | 0x80];
                        if let Some(prefix) = prefix {
                            buf[at..at + 3].copy_from_slice(&[prefix, pair[0], pair[1]]);
                            at += 3;
                        } else {
                            buf[at..at + 2].copy_from_slice(&pair);
                            at += 2;
                        }
                        read += 2;
                    } else if jp && prefix.is_none() && (lead < 0x21 && lead != ESC || lead == 0x7F)
                    {
                        // ISO-2022-JP takes controls as they are in any set.
                        buf[at] = lead;
                        (read, at) = (read + 1, at + 1);
                    } else {
                        break;
                    }
                }
            }
            // Then a shift, or the end of the run.
            if read == src.len() || at >= stop {
                break;
            }
            if self.shift_set(src[read]) {
                read += 1;
            } else if let Some((set, len)) = jp.then(|| self.jp_designation(&src[read..])).flatten()
            {
                self.set = set;
                read += len;
            } else {
                let before = self.state();
                let mut scratch = [0u8; MAX_CHAR_UTF8];
                let Unit::Shift { len } = self.step(&src[read..], &mut scratch) else {
                    // A character or error of the general path's: the general path redoes it.
                    self.restore(before);
                    break;
                };
                read += len;
            }
            let next = twin_of(self.set).map(|(id, _)| id);
            if self.drop_next != 0 || next.is_some_and(|id| twin.is_some_and(|t| t != id)) {
                // A two-step error, or a set of another twin: the run ends after the shift.
                break;
            }
            twin = twin.or(next);
        }
        (read, at, twin)
    }

    /// [`Self::rewrite`] for ISO-2022-KR, whose Korean text shifts out and in around nearly
    /// every word: one loop that takes SO and SI where they fall.
    fn rewrite_kr(
        &mut self,
        src: &[u8],
        buf: &mut [u8; RUN_BYTES],
        until: usize,
    ) -> (usize, usize, Option<TwinId>) {
        // A unit (at most eight bytes) starts only with room for it.
        let stop = until.min(RUN_BYTES - 7);
        let in_94 = |b: u8| (0x21..=0x7E).contains(&b);
        let mut shifted = self.set == Set::Ksc5601;
        let (mut read, mut at) = (0, 0);
        while read < src.len() && at < stop {
            if let Some(word) = src.get(read..read + 8) {
                // As many whole units of a word as it starts with (ASCII, or pairs).
                let word = u64::from_le_bytes(word.try_into().unwrap());
                let (n, rewritten) = if shifted {
                    let n = leading_in_range(word, 0x21) & !1;
                    (n, word | 0x8080_8080_8080_8080)
                } else {
                    (leading_in_range(word, 0x20), word)
                };
                let n = n.min(until - at);
                if n > 0 {
                    buf[at..][..8].copy_from_slice(&rewritten.to_le_bytes());
                    (read, at) = (read + n, at + n);
                    continue;
                }
            }
            let b = src[read];
            if b == SO || b == SI {
                shifted = b == SO;
                read += 1;
            } else if !shifted && b < 0x80 && b != ESC {
                buf[at] = b;
                (read, at) = (read + 1, at + 1);
            } else if let Some(&trail) = src.get(read + 1)
                && shifted
                && in_94(b)
                && in_94(trail)
            {
                buf[at..at + 2].copy_from_slice(&[b | 0x80, trail | 0x80]);
                (read, at) = (read + 2, at + 2);
            } else {
                // An escape, an error, or a pair cut by the end: the general path's.
                break;
            }
        }
        self.set = if shifted { Set::Ksc5601 } else { Set::Ascii };
        (read, at, Some(TwinId::EucKr))
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
            if self.drop_next == 0 {
                let (r, w) = self.twin_run(&src[read..], &mut dst[written..]);
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
    use super::*;

    /// Decodes all of `src` with at most `room` bytes of output per call, going on after
    /// errors; returns the output and where each error ended, with its status.
    fn decode_with_room(name: &str, src: &[u8], room: usize) -> (Vec<u8>, Vec<(usize, RawStatus)>) {
        let mut d = new_decoder(name).expect("an ISO-2022 charset");
        let (mut out, mut errors, mut read) = (Vec::new(), Vec::new(), 0);
        let mut buf = vec![0u8; room];
        loop {
            let step = d.decode_raw(&src[read..], &mut buf, true);
            out.extend_from_slice(&buf[..step.written]);
            read += step.read;
            match step.status {
                RawStatus::InputEmpty => return (out, errors),
                RawStatus::OutputFull => {}
                status => errors.push((read, status)),
            }
        }
    }

    #[test]
    fn the_twin_stopping_early_resumes_at_its_input_position_and_state() {
        // Shifts every few bytes, then bad pairs and bytes late in the run, decoded with every
        // output size from one character up: the twin stops at a full output or an error
        // anywhere in the run, and the fast path must find the input and the state there.
        let word_kr = b"\x0e\x30\x21\x30\x22\x0f a";
        let word_jp = b"\x1b$B\x30\x21\x30\x22\x1b(B a";
        let word_cn = b"\x1b$)A\x0e\x30\x21\x30\x22\x0f a";
        for (name, word, bad) in [
            (
                "ISO-2022-KR",
                &word_kr[..],
                &b"\x0e\x30\x21\x22\x7f\x0f\x80"[..],
            ),
            (
                "ISO-2022-JP",
                &word_jp[..],
                &b"\x1b$B\x30\x21\x29\x21\x1b(B\x80"[..],
            ),
            (
                "ISO-2022-JP-2",
                &word_jp[..],
                &b"\x1b$(D\x30\x21\x22\x21\x1b(B\x80"[..],
            ),
            (
                "ISO-2022-CN-EXT",
                &word_cn[..],
                &b"\x0e\x30\x21\x7f\x7f\x0f\x7f"[..],
            ),
        ] {
            let mut src = word.repeat(40);
            src.extend_from_slice(bad);
            src.extend_from_slice(&word.repeat(40));
            let whole = decode_with_room(name, &src, 4096);
            assert!(!whole.1.is_empty(), "{name}: the bad bytes are errors");
            for room in MAX_CHAR_UTF8..64 {
                assert_eq!(
                    decode_with_room(name, &src, room),
                    whole,
                    "{name}, room {room}"
                );
            }
        }
    }

    #[test]
    fn leading_in_range_stops_at_the_first_byte_outside() {
        assert_eq!(leading_in_range(u64::from_le_bytes(*b" !0~ !0~"), 0x20), 8);
        assert_eq!(leading_in_range(u64::from_le_bytes(*b"!!0~~!0~"), 0x21), 8);
        for bad in [0x00, 0x1F, 0x20, 0x7F, 0x80, 0xA1, 0xFF] {
            for at in 0..8 {
                let mut bytes = *b"!!!!~~~~";
                bytes[at] = bad;
                let n = leading_in_range(u64::from_le_bytes(bytes), 0x21);
                assert_eq!(n, at, "{bad:02X} at {at}");
                let n = leading_in_range(u64::from_le_bytes(bytes), 0x20);
                assert_eq!(n, if bad == 0x20 { 8 } else { at }, "{bad:02X} at {at}");
            }
        }
    }
}
