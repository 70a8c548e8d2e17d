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
//! A full output stops the decoder right after the last character written (see
//! [`crate::Family::Iso2022`]): the general path asks for room for a character before each
//! unit, and a shift or designation leaves the room as it was, so the character after one
//! always fits; the fast path takes shifts only inside a block, with at least 16 bytes of room
//! left, and past its blocks only characters.
//!
//! Speed: the fast path (`fast`) decodes segments between control bytes in one pass, pairs
//! straight through the twin's lookup; what it does not take goes through the general path
//! here, one unit at a time.

mod fast;

use crate::charset::kernel::{
    self, Carry, Drained, MAX_CHAR_UTF8, OutUnit, Unit, UnitStep, sweep_bad_bytes,
};
use crate::charset::multibyte::CjkLookup;
use crate::charset::single_byte::code_point;
use crate::charset::{RawDecoder, RawStep};
use crate::tables::format::{Iso2022Variant as Variant, MbCharset};
use crate::tables::iso2022 as leads;
use crate::tables::single_byte::UNMAPPED;
use crate::tables::{dbcs, single_byte};

const ESC: u8 = 0x1B;
const SO: u8 = 0x0E;
const SI: u8 = 0x0F;
/// The longest escape sequence or character: `ESC $ ( C`, `ESC N` + pair.
const MAX_UNIT: usize = 4;

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

/// Which CJK twin decodes a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TwinId {
    EucJp,
    EucJisx0213,
    EucCn,
    EucKr,
    EucTw,
    Sjis,
}

/// The CJK charsets whose tables hold the sets a variant invokes (with the high bits set, an
/// ISO-2022 pair is its EUC twin's code), as stateless lookups; `None` for those the variant
/// never invokes.
#[derive(Clone)]
struct Twins {
    euc_jp: Option<CjkLookup>,
    euc_cn: Option<CjkLookup>,
    euc_kr: Option<CjkLookup>,
    euc_tw: Option<CjkLookup>,
    euc_jisx0213: Option<CjkLookup>,
    sjis: Option<CjkLookup>,
}

impl Twins {
    fn new(variant: Variant) -> Twins {
        use Variant::{Cn, CnExt, Jp, Jp2, Jp3, Kr};
        let twin =
            |needed: bool, charset: &'static MbCharset| needed.then(|| CjkLookup::of(charset));
        Twins {
            // JIS X 0208 (all three), JIS X 0212 (-JP-2).
            euc_jp: twin(matches!(variant, Jp | Jp2 | Jp3), &dbcs::EUC_JP),
            // GB 2312 (-JP-2, both -CN), and ISO-IR-165 beyond its own cells (-CN-EXT).
            euc_cn: twin(matches!(variant, Jp2 | Cn | CnExt), &dbcs::EUC_CN),
            euc_kr: twin(matches!(variant, Jp2 | Kr), &dbcs::EUC_KR),
            // CNS 11643 planes 1-7.
            euc_tw: twin(matches!(variant, Cn | CnExt), &dbcs::EUC_TW),
            euc_jisx0213: twin(variant == Jp3, &dbcs::EUC_JISX0213),
            // JIS X 0201 Roman and kana.
            sjis: twin(matches!(variant, Jp | Jp2 | Jp3), &dbcs::SJIS),
        }
    }

    /// The twin `id`, which the variant has wherever one of its sets asks for it.
    fn get(&self, id: TwinId) -> CjkLookup {
        match id {
            TwinId::EucJp => self.euc_jp,
            TwinId::EucJisx0213 => self.euc_jisx0213,
            TwinId::EucCn => self.euc_cn,
            TwinId::EucKr => self.euc_kr,
            TwinId::EucTw => self.euc_tw,
            TwinId::Sjis => self.sjis,
        }
        .expect("every set a variant invokes has its twin")
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

impl Iso2022Decoder {
    pub(crate) fn new(variant: Variant) -> Iso2022Decoder {
        Iso2022Decoder {
            variant,
            set: Set::Ascii,
            g2: G2::None,
            so: SoDesignation::None,
            ss3_plane: 0,
            drop_next: 0,
            twins: Twins::new(variant),
            carry: Carry::default(),
        }
    }
}

/// Decodes one ISO-2022 charset.
#[derive(Clone)]
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
    carry: Carry,
}

/// The set ISO-2022-KR's or -CN's SO invokes with ISO-2022-CN's SO designation `so`; `None`
/// where SO does not just switch the set (ISO-2022-JP, ISO-2022-CN-EXT without a designation).
fn shifted_out_set(variant: Variant, so: SoDesignation) -> Option<Set> {
    Some(match (variant, so) {
        (Variant::Kr, _) => Set::Ksc5601,
        (Variant::Cn | Variant::CnExt, SoDesignation::Gb2312) => Set::Gb2312,
        (Variant::Cn | Variant::CnExt, SoDesignation::Cns1) => Set::Cns1,
        (Variant::Cn | Variant::CnExt, SoDesignation::IsoIr165) => Set::IsoIr165,
        // Without a designation ISO-2022-CN takes GB 2312.
        (Variant::Cn, SoDesignation::None) => Set::Gb2312,
        _ => return None,
    })
}

/// The SO designation of ISO-2022-CN (-EXT) an escape sequence at the start of `bytes`
/// makes (`ESC $ ) A`, `G`, and `E` in ISO-2022-CN-EXT); `None` for anything else.
fn so_designation(variant: Variant, bytes: &[u8]) -> Option<SoDesignation> {
    let ext = variant == Variant::CnExt;
    match bytes {
        [ESC, b'$', b')', b'A', ..] if ext || variant == Variant::Cn => Some(SoDesignation::Gb2312),
        [ESC, b'$', b')', b'G', ..] if ext || variant == Variant::Cn => Some(SoDesignation::Cns1),
        [ESC, b'$', b')', b'E', ..] if ext => Some(SoDesignation::IsoIr165),
        _ => None,
    }
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
            return Unit::Invalid { len: 1 };
        }
        let Some(&trail) = bytes.get(1) else {
            return Unit::Incomplete;
        };
        if !(0x21..=0x7E).contains(&trail) {
            return Unit::Invalid { len: 1 };
        }
        let code = match prefix {
            Some(prefix) => &[prefix, bytes[0] | 0x80, trail | 0x80][..],
            None => &[bytes[0] | 0x80, trail | 0x80][..],
        };
        match self.twins.get(twin).decode_code(code, out) {
            Some(written) => Unit::Decoded { len: 2, written },
            None => Unit::Invalid { len: 1 },
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
                return Unit::Decoded { len, written: 0 };
            }
            if jp2 && bytes[1] == b'.' && matches!(bytes[2], b'A' | b'F') {
                self.g2 = if bytes[2] == b'A' {
                    G2::Latin1
                } else {
                    G2::Greek
                };
                return Unit::Decoded { len: 3, written: 0 };
            }
            if jp2 && bytes[1] == b'N' {
                return self.single_shift_jp2(bytes[2], out);
            }
            // Not an escape sequence this charset knows: ESC is text.
        }
        if ch >= 0x80 {
            return Unit::Invalid { len: 1 };
        }
        if self.set == Set::Ascii || ch < 0x21 || ch == 0x7F {
            out[0] = ch;
            return Unit::Decoded { len: 1, written: 1 };
        }
        let sjis_byte = match self.set {
            Set::JisRoman => ch,
            Set::JisKana => ch + 0x80,
            set => return self.double(set, bytes, out),
        };
        match self.twins.get(TwinId::Sjis).decode_code(&[sjis_byte], out) {
            Some(written) => Unit::Decoded { len: 1, written },
            None => Unit::Invalid { len: 1 },
        }
    }

    /// ISO-2022-JP-2's `ESC N` + `byte`: one character of the G2 set.
    fn single_shift_jp2(&mut self, byte: u8, out: &mut [u8]) -> Unit {
        match self.g2 {
            G2::Latin1 => {
                // Any byte: glibc sets its high bit.
                let cp = char::from(byte | 0x80);
                Unit::Decoded {
                    len: 3,
                    written: cp.encode_utf8(out).len(),
                }
            }
            G2::Greek if (0x20..0x80).contains(&byte) => {
                // The upper half of ISO 8859-7 (only -JP-2 designates it).
                match code_point(single_byte::ISO_8859_7.halves, byte | 0x80) {
                    UNMAPPED => Unit::Invalid { len: 3 },
                    cp => Unit::Decoded {
                        len: 3,
                        written: u8::push_char(out, u32::from(cp)),
                    },
                }
            }
            G2::Greek | G2::None => Unit::Invalid { len: 1 },
        }
    }

    fn step_kr(&mut self, bytes: &[u8], out: &mut [u8]) -> Unit {
        let ch = bytes[0];
        if ch >= 0x80 {
            return Unit::Invalid { len: 1 };
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
                    return Unit::Decoded { len: 4, written: 0 };
                }
            }
            SO | SI => {
                self.shift_set(ch);
                return Unit::Decoded { len: 1, written: 0 };
            }
            _ => {}
        }
        if self.set == Set::Ascii {
            out[0] = ch;
            return Unit::Decoded { len: 1, written: 1 };
        }
        self.double(Set::Ksc5601, bytes, out)
    }

    /// The set ISO-2022-KR's and -CN's SO or SI `b` switches to, where it only switches the set
    /// (all but ISO-2022-CN-EXT's SO without a designation); `None` for any other byte.
    #[inline(always)]
    fn shift_target(&self, b: u8) -> Option<Set> {
        match b {
            SO => shifted_out_set(self.variant, self.so),
            SI if !matches!(self.variant, Variant::Jp | Variant::Jp2 | Variant::Jp3) => {
                Some(Set::Ascii)
            }
            _ => None,
        }
    }

    /// [`Self::shift_target`], taken; returns whether `b` was such a shift.
    fn shift_set(&mut self, b: u8) -> bool {
        let target = self.shift_target(b);
        if let Some(set) = target {
            self.set = set;
        }
        target.is_some()
    }

    fn step_cn(&mut self, bytes: &[u8], out: &mut [u8]) -> Unit {
        let ext = self.variant == Variant::CnExt;
        if self.drop_next > 0 {
            let unit = usize::from(self.drop_next);
            if bytes.len() < unit {
                return Unit::Incomplete;
            }
            self.drop_next = 0;
            return Unit::Invalid { len: unit };
        }
        let ch = bytes[0];
        if ch > 0x7F || (ch == 0x7F && !ext) {
            return Unit::Invalid { len: 1 };
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
                if let Some(designation) = so_designation(self.variant, bytes) {
                    self.so = designation;
                    return Unit::Decoded { len: 4, written: 0 };
                }
                match &bytes[1..] {
                    // The SS2 designation: plane 2 is the only G2 set.
                    [b'$', b'*', b'H', ..] => return Unit::Decoded { len: 4, written: 0 },
                    [b'$', b'+', plane @ b'I'..=b'M', ..] if ext => {
                        self.ss3_plane = plane - b'I' + 3;
                        return Unit::Decoded { len: 4, written: 0 };
                    }
                    &[b'N', lead, trail, ..] => {
                        // CNS 11643 plane 2 through EUC-TW's `8E A2` form. A bad code: ISO-2022-CN
                        // drops the `ESC N`; ISO-2022-CN-EXT steps over it and drops the pair.
                        return match self.cns_plane(2, lead, trail, out) {
                            Some(written) => Unit::Decoded { len: 4, written },
                            None if ext => {
                                self.drop_next = 2;
                                Unit::Decoded { len: 2, written: 0 }
                            }
                            None => Unit::Invalid { len: 2 },
                        };
                    }
                    &[b'O', lead, trail, ..] if ext => {
                        let plane = self.ss3_plane;
                        return match (plane != 0)
                            .then(|| self.cns_plane(plane, lead, trail, out))
                            .flatten()
                        {
                            Some(written) => Unit::Decoded { len: 4, written },
                            None => Unit::Invalid { len: 4 },
                        };
                    }
                    _ => {}
                }
            }
            SO | SI if self.shift_set(ch) => return Unit::Decoded { len: 1, written: 0 },
            SO => {
                // ISO-2022-CN-EXT without a designation rejects the byte after the SO.
                if bytes.len() < 2 {
                    return Unit::Incomplete;
                }
                self.drop_next = 1;
                return Unit::Decoded { len: 1, written: 0 };
            }
            _ => {}
        }
        if self.set == Set::Ascii {
            out[0] = ch;
            return Unit::Decoded { len: 1, written: 1 };
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
            return Unit::Invalid { len: 2 };
        }
        let written = match self.set {
            Set::IsoIr165 => self.iso_ir_165(ch, trail, out),
            set => match self.double(set, bytes, out) {
                Unit::Decoded { written, .. } => Some(written),
                _ => None,
            },
        };
        match written {
            Some(written) => Unit::Decoded { len: 2, written },
            None => Unit::Invalid { len: 2 },
        }
    }

    /// A character of CNS 11643 plane 2..=7 through EUC-TW's four-byte form.
    fn cns_plane(&mut self, plane: u8, lead: u8, trail: u8, out: &mut [u8]) -> Option<usize> {
        if !(0x21..=0x7E).contains(&lead) || !(0x21..=0x7E).contains(&trail) {
            return None;
        }
        let code = [0x8E, 0xA0 + plane, lead | 0x80, trail | 0x80];
        self.twins.get(TwinId::EucTw).decode_code(&code, out)
    }

    /// ISO-IR-165: GB 2312 plus the cells listed in `tables::iso2022::ISO_IR_165`.
    fn iso_ir_165(&mut self, lead: u8, trail: u8, out: &mut [u8]) -> Option<usize> {
        let code = u16::from(lead) << 8 | u16::from(trail);
        match leads::ISO_IR_165.binary_search_by_key(&code, |&(c, _)| c) {
            Ok(i) => {
                let cp = char::from_u32(leads::ISO_IR_165[i].1)?;
                Some(cp.encode_utf8(out).len())
            }
            Err(_) => self
                .twins
                .get(TwinId::EucCn)
                .decode_code(&[lead | 0x80, trail | 0x80], out),
        }
    }

    fn step(&mut self, bytes: &[u8], out: &mut [u8]) -> Unit {
        match self.variant {
            Variant::Jp | Variant::Jp2 | Variant::Jp3 => self.step_jp(bytes, out),
            Variant::Kr => self.step_kr(bytes, out),
            Variant::Cn | Variant::CnExt => self.step_cn(bytes, out),
        }
    }
}

impl UnitStep<u8> for Iso2022Decoder {
    const MAX_SEQUENCE: usize = MAX_UNIT;
    const ROOM: usize = MAX_CHAR_UTF8;

    fn step(&mut self, window: &[u8], _at_end: bool, dst: &mut [u8]) -> Unit {
        Iso2022Decoder::step(self, window, dst)
    }

    fn carry(&mut self) -> &mut Carry {
        &mut self.carry
    }

    /// Truncated, except that ISO-2022-CN-EXT calls a final SO without designation illegal
    /// (glibc reports it one byte further on, past the end of the input, and its `-c` reads
    /// beyond the input).
    fn ends_inside(&mut self, held: &[u8], read: usize, written: usize) -> RawStep {
        let lone_so = self.variant == Variant::CnExt
            && held == [SO]
            && self.so == SoDesignation::None
            && self.drop_next == 0;
        self.reset();
        if lone_so {
            RawStep::invalid(read, written, 1)
        } else {
            RawStep::truncated(read, written, held.len())
        }
    }
}

impl RawDecoder for Iso2022Decoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        let (mut read, mut written) = match kernel::drain(self, src, dst, last) {
            Drained::Done { read, written } => (read, written),
            Drained::Stop(step) => return step,
        };
        while read < src.len() {
            if dst.len() - written < MAX_CHAR_UTF8 {
                return RawStep::output_full(read, written);
            }
            // The fast loops are set up only for more than a byte: one byte (as iconv(3)'s
            // output's last bytes are filled) is a step of the general path either way.
            if self.drop_next == 0 && src.len() - read >= 2 {
                let (r, w) = self.fast_run(&src[read..], &mut dst[written..]);
                if r > 0 {
                    read += r;
                    written += w;
                    continue;
                }
            }
            let unit = self.step(&src[read..], &mut dst[written..]);
            (read, written) = match kernel::after_step(self, unit, src, (read, written), last) {
                Ok(at) => at,
                Err(step) => return step,
            };
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
        self.carry.clear();
    }

    fn release_incomplete(&mut self) -> usize {
        self.carry.release()
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        // Every byte writes at most 3 bytes (a pair or a G2 character: at most 3 for 2 or 3
        // bytes); the loop asks for MAX_CHAR_UTF8 bytes of room before each character.
        kernel::output_bound(src_len, self.carry.len(), 3)
    }

    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        // These are 7-bit charsets: with nothing held, a byte from 80 on is one illegal unit in
        // every set and shift state, and leaves the state as it was. (Illegal pairs of a 94×94
        // set are left to `decode_raw`.)
        if !self.carry.is_empty() || self.drop_next > 0 {
            return (0, 0);
        }
        sweep_bad_bytes(src, max, |b| b >= 0x80)
    }
}

/// The decoder of the ISO-2022 charset `name` names, for the tests.
#[cfg(test)]
mod tests;
