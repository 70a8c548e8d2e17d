//! Charsets and their decoder families.
//!
//! This module owns the [`Charset`] handle, the [`Family`] classification, and the contract every
//! family decoder implements ([`RawDecoder`]): decode as far as possible, stop right after the first
//! bad sequence and say how long it was. Error policies are applied once, above this, in
//! [`crate::Decoder`]; families never see them.
//!
//! One module per family, each with a decoder built from what the registry row's
//! [`DecoderKind`] holds (its tables, byte order or variant); [`FamilyDecoder::new`] picks it.

pub(crate) mod composing;
pub(crate) mod ebcdic_dbcs;
pub(crate) mod iso2022;
pub(crate) mod iso6937;
pub(crate) mod kernel;
pub(crate) mod multibyte;
pub(crate) mod single_byte;
pub(crate) mod tscii;
pub(crate) mod unicode;
pub(crate) mod utf7;
pub(crate) mod whatwg;

use crate::error::ErrorKind;
use crate::tables::charsets::CHARSETS;
use crate::tables::format::{CharsetInfo, DecoderKind};
use std::fmt;

/// The families of charsets glibc iconv decodes, plus the WHATWG encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Family {
    /// UTF-8, UTF-16, UTF-32, UCS-2, UCS-4, UTF-7 and their variants.
    Unicode,
    /// One byte, one character: ASCII-based 8-bit, 7-bit ISO 646 variants and EBCDIC code pages.
    SingleByte,
    /// Single-byte charsets that compose a base letter with a following combining mark
    /// (CP1255, CP1258, TCVN5712-1).
    Composing,
    /// ISO 6937-style charsets whose prefix byte adds a diacritic to the next letter.
    Iso6937,
    /// TSCII (Tamil): one byte can become up to four code points.
    Tscii,
    /// CJK multi-byte charsets (Shift_JIS, EUC-*, GBK, GB18030, Big5, UHC, JOHAB, ...).
    CjkMultibyte,
    /// ISO-2022 charsets switched by escape sequences. A [`crate::Decoder::decode`] call that
    /// stops for a full output stops right after the last character it wrote: a shift or
    /// designation after it is left unread, as glibc leaves an iconv(3) caller's input.
    Iso2022,
    /// EBCDIC double-byte charsets switched by SO/SI.
    EbcdicDbcs,
    /// A WHATWG Encoding Standard encoding, decoded as browsers do (see [`crate::LabelMode`]).
    Whatwg,
}

impl DecoderKind {
    /// The family of the charsets this decoder decodes.
    fn family(self) -> Family {
        match self {
            DecoderKind::Utf8
            | DecoderKind::Utf16 { .. }
            | DecoderKind::Utf32 { .. }
            | DecoderKind::Utf7 { .. } => Family::Unicode,
            DecoderKind::SingleByte(_) => Family::SingleByte,
            DecoderKind::Composing(_) => Family::Composing,
            DecoderKind::Iso6937(_) => Family::Iso6937,
            DecoderKind::Tscii => Family::Tscii,
            DecoderKind::Multibyte(_) => Family::CjkMultibyte,
            DecoderKind::Iso2022(_) => Family::Iso2022,
            DecoderKind::EbcdicDbcs(_) => Family::EbcdicDbcs,
        }
    }
}

/// A charset: cheap to copy, compare and hash.
///
/// Get one from a label with [`Charset::for_label`], or list them all with [`Charset::all`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Charset(pub(crate) CharsetId);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CharsetId {
    /// Index into the generated registry of glibc charsets.
    Glibc(u16),
    /// A WHATWG encoding, decoded by encoding_rs.
    Whatwg(&'static encoding_rs::Encoding),
}

impl Charset {
    pub(crate) fn from_index(index: u16) -> Charset {
        debug_assert!(usize::from(index) < CHARSETS.len());
        Charset(CharsetId::Glibc(index))
    }

    pub(crate) fn info(self) -> Option<&'static CharsetInfo> {
        match self.0 {
            CharsetId::Glibc(i) => Some(&CHARSETS[usize::from(i)]),
            CharsetId::Whatwg(_) => None,
        }
    }

    /// Every glibc charset, in the order of their canonical names.
    pub fn all() -> impl ExactSizeIterator<Item = Charset> {
        (0..CHARSETS.len() as u16).map(Charset::from_index)
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self.0 {
            CharsetId::Glibc(i) => CHARSETS[usize::from(i)].name,
            CharsetId::Whatwg(e) => e.name(),
        }
    }

    /// The other names glibc accepts for this charset (empty for WHATWG encodings).
    pub fn aliases(self) -> &'static [&'static str] {
        self.info().map_or(&[], |info| info.aliases)
    }

    /// The family this charset belongs to.
    pub fn family(self) -> Family {
        match self.0 {
            CharsetId::Glibc(i) => CHARSETS[usize::from(i)].kind.family(),
            CharsetId::Whatwg(_) => Family::Whatwg,
        }
    }
}

impl fmt::Debug for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Charset({})", self.name())
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one call of [`RawDecoder::decode_raw`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawStep {
    pub read: usize,
    pub written: usize,
    pub status: RawStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawStatus {
    /// All of `src` was consumed (a partial sequence at its end, when not `last`, is kept in the
    /// decoder's state). With `last`, decoding is complete and the state is back to initial.
    InputEmpty,
    /// `dst` has no room for the next character; nothing of it was consumed.
    OutputFull,
    /// A bad sequence of `len` bytes (1..=16) ends `consumed_after` bytes before `read`; those
    /// `consumed_after` bytes are held in the decoder's state and decoded on the next call.
    /// The bad bytes may have begun in an earlier call. `Truncated` only comes with `last`, and
    /// then the decoder's state is back to initial.
    Malformed {
        len: u8,
        consumed_after: u8,
        kind: ErrorKind,
    },
}

impl RawStep {
    /// This step as seen by a caller that had already read `read` bytes of its input before
    /// passing on the rest.
    pub(crate) fn after(mut self, read: usize) -> Self {
        self.read += read;
        self
    }

    pub(crate) fn input_empty(read: usize, written: usize) -> Self {
        RawStep {
            read,
            written,
            status: RawStatus::InputEmpty,
        }
    }

    pub(crate) fn output_full(read: usize, written: usize) -> Self {
        RawStep {
            read,
            written,
            status: RawStatus::OutputFull,
        }
    }

    pub(crate) fn invalid(read: usize, written: usize, len: usize) -> Self {
        RawStep::malformed(read, written, len, ErrorKind::Invalid)
    }

    pub(crate) fn truncated(read: usize, written: usize, len: usize) -> Self {
        RawStep::malformed(read, written, len, ErrorKind::Truncated)
    }

    fn malformed(read: usize, written: usize, len: usize, kind: ErrorKind) -> Self {
        debug_assert!((1..=crate::error::MAX_BAD_SEQUENCE_LEN).contains(&len));
        RawStep {
            read,
            written,
            status: RawStatus::Malformed {
                len: len as u8,
                consumed_after: 0,
                kind,
            },
        }
    }
}

/// The contract of a family decoder.
///
/// - Decodes `src` into `dst` as UTF-8, never writing invalid UTF-8 and never writing part of a
///   character: when fewer than [`crate::MIN_OUTPUT_SPACE`] bytes are left it may stop with
///   `OutputFull`, but with at least that much room it always makes progress.
/// - Stops right after the first bad sequence (`Malformed`); the next call continues after it.
///   The bad sequence is exactly the unit glibc's `iconv -c` drops, and it starts where glibc
///   reports "illegal input sequence at position N".
/// - Allocates nothing.
pub(crate) trait RawDecoder {
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep;

    /// [`Self::decode_raw`] writing UTF-16 code units (in the machine's byte order) instead of
    /// UTF-8, with the same contract; `max_utf8_len` bounds the units too. Families without
    /// steps of their own for it widen their UTF-8 ([`kernel::utf16_through_utf8`]).
    fn decode_raw_utf16(&mut self, src: &[u8], dst: &mut [u16], last: bool) -> RawStep {
        kernel::utf16_through_utf8(self, src, dst, last)
    }

    /// Back to the state of a new decoder.
    fn reset(&mut self);

    /// The state glibc's `iconv` program leaves between two input files: shift state reset, but
    /// anything glibc keeps (such as a UTF-16 byte order learnt from a BOM) kept.
    fn begin_next_input(&mut self) {
        self.reset();
    }

    /// The most UTF-8 bytes the next call could write for `src_len` more input bytes, counting
    /// what the decoder holds from earlier calls; `None` on overflow.
    fn max_utf8_len(&self, src_len: usize) -> Option<usize>;

    /// Consumes the bad sequences at the start of `src` (at most `max` of them) that
    /// `decode_raw` would report one by one as `Invalid` with nothing held after them, and
    /// returns how many bytes and how many sequences that was. Stops at anything else: good
    /// input, a sequence that needs more input, state held from earlier calls.
    ///
    /// This lets [`crate::Decoder`] drop or replace a run of bad bytes without a `decode_raw`
    /// call (and its bulk loops' set-up) per bad sequence. A family without a cheap way to tell
    /// skips nothing and is simply called again.
    fn skip_invalid(&mut self, _src: &[u8], _max: usize) -> (usize, usize) {
        (0, 0)
    }

    /// Drops the bytes held at the end of the input read so far because they only begin a
    /// sequence (what a `last` call would report as `Truncated`), leaving the decoder as if they
    /// had never been read, and returns how many there were. Families whose held state is not
    /// input bytes (a character waiting for a mark, UTF-7's bits) hold nothing of the kind.
    fn release_incomplete(&mut self) -> usize {
        0
    }
}

/// Static dispatch over the families: a `Decoder` is `Sized` and needs no allocation.
pub(crate) enum FamilyDecoder {
    Unicode(unicode::UnicodeDecoder),
    Utf7(utf7::Utf7Decoder),
    SingleByte(single_byte::SingleByteDecoder),
    Composing(composing::ComposingDecoder),
    Iso6937(iso6937::Iso6937Decoder),
    Tscii(tscii::TsciiDecoder),
    Multibyte(multibyte::MultibyteDecoder),
    Iso2022(iso2022::Iso2022Decoder),
    EbcdicDbcs(ebcdic_dbcs::EbcdicDbcsDecoder),
    Whatwg(whatwg::WhatwgDecoder),
}

macro_rules! dispatch {
    ($self:expr, $d:ident => $body:expr) => {
        match $self {
            FamilyDecoder::Unicode($d) => $body,
            FamilyDecoder::Utf7($d) => $body,
            FamilyDecoder::SingleByte($d) => $body,
            FamilyDecoder::Composing($d) => $body,
            FamilyDecoder::Iso6937($d) => $body,
            FamilyDecoder::Tscii($d) => $body,
            FamilyDecoder::Multibyte($d) => $body,
            FamilyDecoder::Iso2022($d) => $body,
            FamilyDecoder::EbcdicDbcs($d) => $body,
            FamilyDecoder::Whatwg($d) => $body,
        }
    };
}

impl FamilyDecoder {
    /// A copy of this decoder and its state; `None` for the WHATWG family, whose encoding_rs
    /// state cannot be copied.
    pub(crate) fn try_clone(&self) -> Option<FamilyDecoder> {
        use FamilyDecoder as D;
        Some(match self {
            D::Unicode(d) => D::Unicode(d.clone()),
            D::Utf7(d) => D::Utf7(d.clone()),
            D::SingleByte(d) => D::SingleByte(d.clone()),
            D::Composing(d) => D::Composing(d.clone()),
            D::Iso6937(d) => D::Iso6937(d.clone()),
            D::Tscii(d) => D::Tscii(d.clone()),
            D::Multibyte(d) => D::Multibyte(d.clone()),
            D::Iso2022(d) => D::Iso2022(d.clone()),
            D::EbcdicDbcs(d) => D::EbcdicDbcs(d.clone()),
            D::Whatwg(_) => return None,
        })
    }

    /// Makes this decoder a copy of `source` in place, as [`try_clone`](Self::try_clone) would
    /// make one: one store of the state where both are of one family, rather than a new
    /// decoder built and moved. False, and this decoder unchanged, for the WHATWG family.
    pub(crate) fn try_clone_from(&mut self, source: &FamilyDecoder) -> bool {
        use FamilyDecoder as D;
        match (self, source) {
            (D::Unicode(d), D::Unicode(s)) => d.clone_from(s),
            (D::Utf7(d), D::Utf7(s)) => d.clone_from(s),
            (D::SingleByte(d), D::SingleByte(s)) => d.clone_from(s),
            (D::Composing(d), D::Composing(s)) => d.clone_from(s),
            (D::Iso6937(d), D::Iso6937(s)) => d.clone_from(s),
            (D::Tscii(d), D::Tscii(s)) => d.clone_from(s),
            (D::Multibyte(d), D::Multibyte(s)) => d.clone_from(s),
            (D::Iso2022(d), D::Iso2022(s)) => d.clone_from(s),
            (D::EbcdicDbcs(d), D::EbcdicDbcs(s)) => d.clone_from(s),
            (this, source) => match source.try_clone() {
                Some(copy) => *this = copy,
                None => return false,
            },
        }
        true
    }

    /// A fresh decoder for `charset`.
    pub(crate) fn new(charset: Charset) -> FamilyDecoder {
        let kind = match charset.0 {
            CharsetId::Whatwg(encoding) => {
                return FamilyDecoder::Whatwg(whatwg::WhatwgDecoder::new(encoding));
            }
            CharsetId::Glibc(i) => CHARSETS[usize::from(i)].kind,
        };
        use FamilyDecoder as D;
        match kind {
            DecoderKind::Utf8 => D::Unicode(unicode::UnicodeDecoder::utf8()),
            DecoderKind::Utf16 { pairs, order } => {
                D::Unicode(unicode::UnicodeDecoder::utf16(pairs, order))
            }
            DecoderKind::Utf32 { order } => D::Unicode(unicode::UnicodeDecoder::utf32(order)),
            DecoderKind::Utf7 { imap } => D::Utf7(utf7::Utf7Decoder::new(imap)),
            DecoderKind::SingleByte(table) => {
                D::SingleByte(single_byte::SingleByteDecoder::new(table))
            }
            DecoderKind::Composing(table) => D::Composing(composing::ComposingDecoder::new(table)),
            DecoderKind::Iso6937(table) => D::Iso6937(iso6937::Iso6937Decoder::new(table)),
            DecoderKind::Tscii => D::Tscii(tscii::TsciiDecoder::new()),
            DecoderKind::Multibyte(charset) => {
                D::Multibyte(multibyte::MultibyteDecoder::new(charset))
            }
            DecoderKind::Iso2022(variant) => D::Iso2022(iso2022::Iso2022Decoder::new(variant)),
            DecoderKind::EbcdicDbcs(table) => {
                D::EbcdicDbcs(ebcdic_dbcs::EbcdicDbcsDecoder::new(table))
            }
        }
    }
}

/// The decoder kind of the glibc charset `label` names, for the families' tests.
#[cfg(test)]
pub(crate) fn kind_of(label: &str) -> Option<DecoderKind> {
    Some(Charset::for_label(label).ok()?.info()?.kind)
}

impl RawDecoder for FamilyDecoder {
    #[inline]
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        dispatch!(self, d => d.decode_raw(src, dst, last))
    }

    #[inline]
    fn decode_raw_utf16(&mut self, src: &[u8], dst: &mut [u16], last: bool) -> RawStep {
        dispatch!(self, d => d.decode_raw_utf16(src, dst, last))
    }

    #[inline]
    fn reset(&mut self) {
        dispatch!(self, d => d.reset())
    }

    fn begin_next_input(&mut self) {
        dispatch!(self, d => d.begin_next_input())
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        dispatch!(self, d => d.max_utf8_len(src_len))
    }

    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        dispatch!(self, d => d.skip_invalid(src, max))
    }

    fn release_incomplete(&mut self) -> usize {
        dispatch!(self, d => d.release_incomplete())
    }
}
