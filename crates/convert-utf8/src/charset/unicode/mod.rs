//! The Unicode forms glibc decodes natively: UTF-8, UTF-16, UCS-2, UTF-32, UCS-4 and their
//! byte-order variants (UTF-7 lives in [`super::utf7`]).
//!
//! Each form follows glibc's module for it, so that output, error positions and what
//! `iconv -c` drops are the same:
//!
//! - **UTF-8** (glibc's `ISO-10646/UTF8/`). A BOM is passed through. A bad sequence is glibc's
//!   unit: for a byte that cannot start a sequence (`80`–`C1`, `FE`, `FF`) that byte plus the
//!   continuation bytes right after it, five bytes at most; for a lead byte, the lead plus the
//!   continuation bytes before the first byte that does not continue it, or the whole sequence
//!   when it is complete but overlong or a surrogate (`ED A0 80` is one bad unit of three bytes).
//!   A lead byte followed only by continuation bytes up to the end of input is *truncated*, even
//!   when those bytes could never become valid (`E0 80` at the end).
//! - **UTF-16**, **UTF-16LE**, **UTF-16BE**: a lone low surrogate is a bad unit of 2 bytes; a
//!   high surrogate not followed by a low one is a bad unit of 2 bytes (the high surrogate alone;
//!   what follows is decoded on its own). A high surrogate with fewer than two bytes after it at
//!   the end of input, or an odd last byte, is truncated.
//! - **UCS-2** (glibc's `ISO-10646/UCS2/`, little-endian), **UNICODEBIG** (UCS-2BE) and
//!   **UNICODE**: 16-bit units without surrogate pairs; every surrogate is a bad unit of 2 bytes.
//! - **UTF-32**, **UTF-32LE**, **UTF-32BE**, **UCS-4** (glibc's `ISO-10646/UCS4/`, always
//!   big-endian), **UCS-4LE** and **INTERNAL** (`WCHAR_T`, little-endian): 4-byte units; a
//!   surrogate or a value above U+10FFFF is a bad unit of 4 bytes; 1–3 bytes left at the end are
//!   truncated.
//!
//! **Byte order marks.** UTF-16, UTF-32 and UNICODE look at the first unit of each input: a BOM
//! of either order is consumed and a big-endian one switches the decoder to big-endian; with no
//! BOM the order is glibc's host order on the platforms it is used on, little-endian. As in glibc,
//! the switch to big-endian sticks: a later input (see [`RawDecoder::begin_next_input`]) without a
//! BOM, or even with a little-endian one, is still read big-endian; only `reset` forgets it. The
//! fixed-order forms (LE, BE, UCS-2, UNICODEBIG, UCS-4, UCS-4LE, INTERNAL) never consume a BOM: it
//! comes out as U+FEFF. A BOM-sniffing form given 1 byte (UTF-16, UNICODE) or 1–3 bytes
//! (UTF-32) in all reports them as truncated.
//!
//! **Speed.** The 16-bit forms convert blocks of units with no surrogate in a vector loop
//! ([`utf16_simd`], SSSE3 or AVX2 where the CPU has them); everything else, and every error,
//! goes through the scalar loop from the exact unit where that loop stopped.
//!
//! **Deliberate difference from glibc.** Output is always valid UTF-8. glibc's UTF-8 decoder
//! accepts 5- and 6-byte sequences (`F8`–`FD` leads) and 4-byte sequences above U+10FFFF
//! (`F4 90 80 80` and up, `F5`–`F7` leads), and its UCS-4, UCS-4LE and INTERNAL decoders accept
//! values from U+110000 to 0x7FFFFFFF; it writes them out as 4- to 6-byte "UTF-8". Here each such
//! sequence is an invalid sequence whose unit is the whole sequence glibc would have decoded (the
//! 4, 5 or 6 bytes; the 4-byte unit in UCS-4), so `-c`-style dropping removes it as one piece.

use crate::charset::{RawDecoder, RawStep};
use crate::tables::format::ByteOrderMode;
use fixed_width::{FixedWidthDecoder, Utf16Units, Utf32Units};
use utf8::Utf8Decoder;

mod fixed_width;
mod utf16_simd;
mod utf8;

/// The decoders of this module, dispatched once per call.
#[derive(Clone)]
pub(crate) enum UnicodeDecoder {
    Utf8(Utf8Decoder),
    Utf16(FixedWidthDecoder<Utf16Units>),
    Utf32(FixedWidthDecoder<Utf32Units>),
}

impl UnicodeDecoder {
    pub(crate) fn utf8() -> UnicodeDecoder {
        UnicodeDecoder::Utf8(Utf8Decoder::default())
    }

    /// UTF-16 when `pairs` (surrogate pairs decode), UCS-2 otherwise.
    pub(crate) fn utf16(pairs: bool, mode: ByteOrderMode) -> UnicodeDecoder {
        UnicodeDecoder::Utf16(FixedWidthDecoder::new(Utf16Units { pairs }, mode))
    }

    pub(crate) fn utf32(mode: ByteOrderMode) -> UnicodeDecoder {
        UnicodeDecoder::Utf32(FixedWidthDecoder::new(Utf32Units, mode))
    }
}

impl RawDecoder for UnicodeDecoder {
    #[inline]
    fn decode_raw(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> RawStep {
        match self {
            UnicodeDecoder::Utf8(d) => d.decode_raw(src, dst, last),
            UnicodeDecoder::Utf16(d) => d.decode_raw(src, dst, last),
            UnicodeDecoder::Utf32(d) => d.decode_raw(src, dst, last),
        }
    }

    #[inline]
    fn decode_raw_utf16(&mut self, src: &[u8], dst: &mut [u16], last: bool) -> RawStep {
        match self {
            UnicodeDecoder::Utf8(d) => d.decode_raw_utf16(src, dst, last),
            UnicodeDecoder::Utf16(d) => d.decode_raw_utf16(src, dst, last),
            UnicodeDecoder::Utf32(d) => d.decode_raw_utf16(src, dst, last),
        }
    }

    fn reset(&mut self) {
        match self {
            UnicodeDecoder::Utf8(d) => d.reset(),
            UnicodeDecoder::Utf16(d) => d.reset(),
            UnicodeDecoder::Utf32(d) => d.reset(),
        }
    }

    fn begin_next_input(&mut self) {
        match self {
            UnicodeDecoder::Utf8(d) => d.begin_next_input(),
            UnicodeDecoder::Utf16(d) => d.begin_next_input(),
            UnicodeDecoder::Utf32(d) => d.begin_next_input(),
        }
    }

    fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        match self {
            UnicodeDecoder::Utf8(d) => d.max_utf8_len(src_len),
            UnicodeDecoder::Utf16(d) => d.max_utf8_len(src_len),
            UnicodeDecoder::Utf32(d) => d.max_utf8_len(src_len),
        }
    }

    fn skip_invalid(&mut self, src: &[u8], max: usize) -> (usize, usize) {
        match self {
            UnicodeDecoder::Utf8(d) => d.skip_invalid(src, max),
            UnicodeDecoder::Utf16(d) => d.skip_invalid(src, max),
            UnicodeDecoder::Utf32(d) => d.skip_invalid(src, max),
        }
    }

    fn release_incomplete(&mut self) -> usize {
        match self {
            UnicodeDecoder::Utf8(d) => d.release_incomplete(),
            UnicodeDecoder::Utf16(d) => d.release_incomplete(),
            UnicodeDecoder::Utf32(d) => d.release_incomplete(),
        }
    }
}

/// Whether `src`, as one whole input of UTF-8, decodes without a bad sequence; its decoded text
/// is then `src` itself (a BOM included), so a caller that needs the text in another form can
/// build it from `src` without a decoding pass into a buffer first.
pub fn is_well_formed_utf8(src: &[u8]) -> bool {
    // The decoder's bulk is this very check; its own rules only decide what a bad sequence is.
    simdutf8::basic::from_utf8(src).is_ok()
}

#[cfg(test)]
mod tests;
