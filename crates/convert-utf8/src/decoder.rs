//! The streaming [`Decoder`]: caller input in, UTF-8 into caller output, error policy applied.
//!
//! This is the one place error policies live. Family decoders stop at each bad sequence; the
//! `Decoder` numbers it (absolute offset, length, bytes), counts it, and then stops, drops it or
//! replaces it as the policy says.

use crate::charset::kernel::OutUnit;
use crate::charset::{Charset, FamilyDecoder, RawDecoder, RawStatus};
use crate::error::{DecodeError, ErrorKind, ErrorPolicy, MAX_BAD_SEQUENCE_LEN};

/// With at least this many bytes of room in `dst`, [`Decoder::decode`] always makes progress.
pub const MIN_OUTPUT_SPACE: usize = 16;

/// How many bytes after a bad sequence the family decoder is given before the whole rest of the
/// input again (see [`Decoder::decode`]): shorter than any family's bulk loop needs to start.
const ERROR_RUN_WINDOW: usize = 8;

/// Why a [`Decoder::decode`] call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeStatus {
    /// All input was consumed. If the call had `last = true`, decoding is complete.
    InputEmpty,
    /// `dst` is full: call again with the unread input and more room.
    OutputFull,
    /// A bad sequence under [`ErrorPolicy::Strict`]. Its bytes are consumed: calling again with
    /// the unread input continues right after it.
    Error(DecodeError),
}

/// What one [`Decoder::decode`] call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct DecodeStep {
    /// Bytes of `src` consumed.
    pub read: usize,
    /// Bytes of UTF-8 written to the start of `dst`.
    pub written: usize,
    /// Why it stopped.
    pub status: DecodeStatus,
}

/// A streaming decoder from one charset to UTF-8.
///
/// It holds no heap memory and allocates nothing per call. Input may be split anywhere: a
/// sequence cut between two calls decodes exactly as if it came in one.
///
/// ```
/// use convert_utf8::{Charset, DecodeStatus, Decoder, ErrorPolicy};
///
/// let charset = Charset::for_label("UTF-16")?;
/// let mut decoder = Decoder::new(charset, ErrorPolicy::Strict);
/// let mut out = [0u8; 64];
/// // A little-endian BOM, "A", then "😀" (the surrogate pair D83D DE00) split across two calls.
/// let first = decoder.decode(b"\xFF\xFEA\x00\x3D", &mut out, false);
/// assert_eq!((first.read, first.written), (5, 1));
/// let second = decoder.decode(b"\xD8\x00\xDE", &mut out[1..], true);
/// assert_eq!(second.status, DecodeStatus::InputEmpty);
/// assert_eq!(&out[..1 + second.written], "A😀".as_bytes());
/// # Ok::<(), convert_utf8::Error>(())
/// ```
pub struct Decoder {
    inner: FamilyDecoder,
    charset: Charset,
    policy: ErrorPolicy,
    /// Bytes consumed since the start of this input.
    position: u64,
    /// The last bytes consumed before the current call, oldest first, so that a bad sequence
    /// begun in an earlier call can still be reported with its bytes.
    history: [u8; MAX_BAD_SEQUENCE_LEN],
    history_len: u8,
    /// A U+FFFD owed to the output because `dst` was full when the bad sequence was found.
    replacement_pending: bool,
    error_count: u64,
    first_error: Option<DecodeError>,
    /// Whether a sequence cut by the end of the input was found ([`ErrorKind::Truncated`]).
    truncated: bool,
}

impl Decoder {
    /// A decoder for `charset` with `policy`.
    pub fn new(charset: Charset, policy: ErrorPolicy) -> Decoder {
        let inner = FamilyDecoder::new(charset);
        Decoder {
            inner,
            charset,
            policy,
            position: 0,
            history: [0; MAX_BAD_SEQUENCE_LEN],
            history_len: 0,
            replacement_pending: false,
            error_count: 0,
            first_error: None,
            truncated: false,
        }
    }

    /// The charset being decoded.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The error policy in force.
    pub fn policy(&self) -> ErrorPolicy {
        self.policy
    }

    /// Bytes consumed since the start of this input.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// How many bad sequences were found since the start of this input (dropped or replaced ones
    /// included).
    pub fn error_count(&self) -> u64 {
        self.error_count
    }

    /// The first bad sequence found since the start of this input, whatever the policy did with it.
    pub fn first_error(&self) -> Option<DecodeError> {
        self.first_error
    }

    /// Whether the input ended inside a sequence ([`ErrorKind::Truncated`], whatever the policy
    /// did with it) since the start of this input. Under Ignore and Replace this is how a caller
    /// tells glibc's "incomplete character" from dropped bad sequences: a byte held at the end
    /// because it might have begun a sequence can still turn out to be plainly invalid.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// A copy of this decoder, state and counts included, so that a caller can try a call and go
    /// back. `None` for a charset of [`LabelMode::Whatwg`](crate::LabelMode::Whatwg) decoded by
    /// encoding_rs, whose state cannot be copied.
    pub fn try_clone(&self) -> Option<Decoder> {
        Some(Decoder {
            inner: self.inner.try_clone()?,
            charset: self.charset,
            policy: self.policy,
            position: self.position,
            history: self.history,
            history_len: self.history_len,
            replacement_pending: self.replacement_pending,
            error_count: self.error_count,
            first_error: self.first_error,
            truncated: self.truncated,
        })
    }

    /// Makes this decoder a copy of `source` in place, as [`try_clone`](Self::try_clone) would
    /// make one, for a caller that copies a decoder often (at every call, as iconv(3)'s
    /// handles do): a store of the state, not a new decoder built and moved. Returns false, and
    /// leaves this decoder as it was, where `source` cannot be copied.
    ///
    /// ```
    /// use convert_utf8::{Charset, Decoder, ErrorPolicy};
    ///
    /// let sjis = Charset::for_label("SJIS")?;
    /// let mut decoder = Decoder::new(sjis, ErrorPolicy::Strict);
    /// let mut out = [0u8; 16];
    /// let _ = decoder.decode(b"\x93", &mut out, false); // half of 日, held
    /// let mut copy = Decoder::new(sjis, ErrorPolicy::Strict);
    /// assert!(copy.try_clone_from(&decoder));
    /// let step = copy.decode(b"\xfa", &mut out, true);
    /// assert_eq!(&out[..step.written], "日".as_bytes());
    /// # Ok::<(), convert_utf8::Error>(())
    /// ```
    pub fn try_clone_from(&mut self, source: &Decoder) -> bool {
        // Every field named, so that a new one cannot be left out.
        let Decoder {
            inner,
            charset,
            policy,
            position,
            history,
            history_len,
            replacement_pending,
            error_count,
            first_error,
            truncated,
        } = source;
        if !self.inner.try_clone_from(inner) {
            return false;
        }
        self.charset = *charset;
        self.policy = *policy;
        self.position = *position;
        self.history = *history;
        self.history_len = *history_len;
        self.replacement_pending = *replacement_pending;
        self.error_count = *error_count;
        self.first_error = *first_error;
        self.truncated = *truncated;
        true
    }

    /// Gives back the bytes at the end of the input read so far that only begin a sequence
    /// (those a call with `last` would report as [`ErrorKind::Truncated`]): the decoder is left
    /// as if they had never been read, and the number of them is returned, to be passed again
    /// with the input that completes them.
    ///
    /// This is iconv(3)'s contract, where an incomplete sequence at the end of a call's input
    /// is not consumed but left to the caller. Characters a family holds back as state (one
    /// waiting for a combining mark, UTF-7's bits) are not input and stay.
    ///
    /// ```
    /// use convert_utf8::{Charset, Decoder, ErrorPolicy};
    ///
    /// let mut decoder = Decoder::new(Charset::for_label("UTF-8")?, ErrorPolicy::Strict);
    /// let mut out = [0u8; 16];
    /// let step = decoder.decode(b"ab\xE2\x82", &mut out, false);
    /// assert_eq!(step.read, 4);
    /// assert_eq!(decoder.release_incomplete(), 2); // "\xE2\x82" is given back
    /// assert_eq!(decoder.position(), 2);
    /// # Ok::<(), convert_utf8::Error>(())
    /// ```
    pub fn release_incomplete(&mut self) -> usize {
        let released = self.inner.release_incomplete();
        self.position -= released as u64;
        // The history is right-aligned, newest last: the released bytes are its newest.
        let released_history = released.min(usize::from(self.history_len));
        self.history
            .copy_within(..MAX_BAD_SEQUENCE_LEN - released_history, released_history);
        self.history_len -= released_history as u8;
        released
    }

    /// Back to the state of a new decoder.
    #[inline]
    pub fn reset(&mut self) {
        self.inner.reset();
        self.clear_position();
    }

    /// Starts a new input the way glibc's `iconv` program does between files: positions count
    /// from zero and shift states are reset, but what glibc carries over (the byte order a UTF-16
    /// or UTF-32 BOM chose, which then applies to a later file without a BOM) is kept.
    pub fn begin_next_input(&mut self) {
        self.inner.begin_next_input();
        self.clear_position();
    }

    fn clear_position(&mut self) {
        self.position = 0;
        self.history_len = 0;
        self.replacement_pending = false;
        self.error_count = 0;
        self.first_error = None;
        self.truncated = false;
    }

    /// The most UTF-8 bytes the next [`decode`](Self::decode) call can write for `src_len` bytes
    /// of input, whatever they are (`None` if that overflows `usize`). Output buffers of this
    /// size never see [`DecodeStatus::OutputFull`]. It bounds the UTF-16 units of
    /// [`decode_utf16`](Self::decode_utf16) too: no character takes more units than bytes.
    pub fn max_utf8_len(&self, src_len: usize) -> Option<usize> {
        let mut bound = self.inner.max_utf8_len(src_len)?;
        if self.policy == ErrorPolicy::Replace {
            // Each replaced byte (including any held from earlier calls) becomes three bytes.
            let replaced = src_len.checked_add(MAX_BAD_SEQUENCE_LEN)?.checked_mul(3)?;
            bound = bound.max(replaced);
        }
        if self.replacement_pending {
            bound = bound.checked_add(u8::REPLACEMENT.len())?;
        }
        Some(bound)
    }

    /// Decodes from `src` into `dst`; `last` says no input follows `src`.
    ///
    /// Returns how much was read and written and why it stopped. With `dst` at least
    /// [`MIN_OUTPUT_SPACE`] bytes long, every call makes progress.
    pub fn decode(&mut self, src: &[u8], dst: &mut [u8], last: bool) -> DecodeStep {
        self.decode_units(src, dst, last)
    }

    /// [`decode`](Self::decode) writing UTF-16 code units (in the machine's byte order) instead
    /// of UTF-8: the same text, errors, policies and streaming contract; `written` counts units.
    /// A caller may switch between the two forms from one call to the next.
    ///
    /// ```
    /// use convert_utf8::{Charset, Decoder, ErrorPolicy};
    ///
    /// let mut decoder = Decoder::new(Charset::for_label("SJIS")?, ErrorPolicy::Replace);
    /// let mut units = [0u16; 16];
    /// let step = decoder.decode_utf16(b"\x93\xfa\x96\x7b\xff", &mut units, true);
    /// assert_eq!(String::from_utf16(&units[..step.written]).unwrap(), "日本\u{FFFD}");
    /// # Ok::<(), convert_utf8::Error>(())
    /// ```
    pub fn decode_utf16(&mut self, src: &[u8], dst: &mut [u16], last: bool) -> DecodeStep {
        self.decode_units(src, dst, last)
    }

    /// The one decoding loop of both output forms: the family's steps, and the policy applied
    /// at each bad sequence.
    fn decode_units<U: OutUnit>(&mut self, src: &[u8], dst: &mut [U], last: bool) -> DecodeStep {
        let replacement = U::REPLACEMENT;
        let mut read = 0;
        let mut written = 0;
        if self.replacement_pending {
            if dst.len() < replacement.len() {
                return DecodeStep {
                    read,
                    written,
                    status: DecodeStatus::OutputFull,
                };
            }
            dst[..replacement.len()].copy_from_slice(replacement);
            written = replacement.len();
            self.replacement_pending = false;
        }
        // After a bad sequence under Ignore or Replace, the family decoder sees only a short
        // window of what follows: bad bytes come in runs (binary data, a wrong charset), and a
        // call over the whole rest would set up its bulk loops only to stop at the next byte.
        // A window decoded without error goes back to the whole rest. Input may be split
        // anywhere, so the windows change nothing but the cost.
        let mut window = usize::MAX;
        let status = loop {
            let rest = &src[read..];
            let (piece, piece_last) = match rest.get(..window) {
                Some(piece) if piece.len() < rest.len() => (piece, false),
                _ => (rest, last),
            };
            let step = U::decode_raw(&mut self.inner, piece, &mut dst[written..], piece_last);
            read += step.read;
            written += step.written;
            match step.status {
                RawStatus::InputEmpty if piece.len() == rest.len() => {
                    break DecodeStatus::InputEmpty;
                }
                RawStatus::InputEmpty => window = usize::MAX,
                RawStatus::OutputFull => break DecodeStatus::OutputFull,
                RawStatus::Malformed {
                    len,
                    consumed_after,
                    kind,
                } => {
                    self.error_count += 1;
                    self.truncated |= kind == ErrorKind::Truncated;
                    // Only Strict reports every error; the others keep the first and count the
                    // rest, so a run of bad bytes costs no locating or copying per byte.
                    if self.policy == ErrorPolicy::Strict || self.first_error.is_none() {
                        let error = self.locate(src, read, len, consumed_after, kind);
                        self.first_error.get_or_insert(error);
                        if self.policy == ErrorPolicy::Strict {
                            break DecodeStatus::Error(error);
                        }
                    }
                    let replace = self.policy == ErrorPolicy::Replace;
                    if replace {
                        if dst.len() - written < replacement.len() {
                            self.replacement_pending = true;
                            break DecodeStatus::OutputFull;
                        }
                        dst[written..written + replacement.len()].copy_from_slice(replacement);
                        written += replacement.len();
                    }
                    // The bad sequences right after this one go in one sweep where the family
                    // can tell them apart cheaply (as many as `dst` has room to replace).
                    let room = if replace {
                        (dst.len() - written) / replacement.len()
                    } else {
                        usize::MAX
                    };
                    let (skipped, count) = self.inner.skip_invalid(&src[read..], room);
                    read += skipped;
                    self.error_count += count as u64;
                    if replace {
                        for out in dst[written..]
                            .chunks_exact_mut(replacement.len())
                            .take(count)
                        {
                            out.copy_from_slice(replacement);
                        }
                        written += count * replacement.len();
                    }
                    window = ERROR_RUN_WINDOW;
                }
            }
        };
        self.remember(&src[..read]);
        DecodeStep {
            read,
            written,
            status,
        }
    }

    /// Builds the error for a bad sequence of `len` bytes ending `consumed_after` bytes before
    /// `src[read]`, reaching back into earlier calls' bytes where needed.
    fn locate(
        &self,
        src: &[u8],
        read: usize,
        len: u8,
        consumed_after: u8,
        kind: ErrorKind,
    ) -> DecodeError {
        let len = usize::from(len);
        let held = usize::from(consumed_after);
        // The held bytes may reach back before this call's input (a UTF-16 high surrogate and
        // one byte after it, all consumed in an earlier call): then the sequence ends in history.
        let end_in_src = read.saturating_sub(held);
        let held_in_history = held.saturating_sub(read);
        let end = self.position + end_in_src as u64 - held_in_history as u64;
        let offset = end.saturating_sub(len as u64);
        let mut bytes = [0u8; MAX_BAD_SEQUENCE_LEN];
        let from_src = len.min(end_in_src);
        let history_end = MAX_BAD_SEQUENCE_LEN - held_in_history;
        let from_history =
            (len - from_src).min(usize::from(self.history_len).saturating_sub(held_in_history));
        let history = &self.history[history_end - from_history..history_end];
        bytes[..from_history].copy_from_slice(history);
        bytes[from_history..from_history + from_src]
            .copy_from_slice(&src[end_in_src - from_src..end_in_src]);
        DecodeError::new(kind, offset, &bytes[..from_history + from_src])
    }

    /// Records that `consumed` was read: advances the position and keeps its last bytes.
    fn remember(&mut self, consumed: &[u8]) {
        self.position += consumed.len() as u64;
        let n = consumed.len();
        if n >= MAX_BAD_SEQUENCE_LEN {
            self.history
                .copy_from_slice(&consumed[n - MAX_BAD_SEQUENCE_LEN..]);
            self.history_len = MAX_BAD_SEQUENCE_LEN as u8;
        } else if n == 1 {
            // One byte (what iconv(3)'s filling of an output's last bytes consumes at a time):
            // a shift, where the general case is two calls to copy a few bytes.
            let shifted = u128::from_le_bytes(self.history) >> 8 | u128::from(consumed[0]) << 120;
            self.history = shifted.to_le_bytes();
            self.history_len = (self.history_len + 1).min(MAX_BAD_SEQUENCE_LEN as u8);
        } else if n > 0 {
            self.history.copy_within(n.., 0);
            self.history[MAX_BAD_SEQUENCE_LEN - n..].copy_from_slice(consumed);
            self.history_len = (usize::from(self.history_len) + n).min(MAX_BAD_SEQUENCE_LEN) as u8;
        }
    }

    /// Decodes all of `src` as one complete input, appending to `out`.
    ///
    /// Under [`ErrorPolicy::Strict`] it stops at the first bad sequence and returns it; what was
    /// decoded before it stays in `out`.
    pub fn decode_to_vec(&mut self, src: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.decode_to_units(src, out)
    }

    /// [`decode_to_vec`](Self::decode_to_vec) writing UTF-16 code units.
    pub fn decode_to_utf16_vec(
        &mut self,
        src: &[u8],
        out: &mut Vec<u16>,
    ) -> Result<(), DecodeError> {
        self.decode_to_units(src, out)
    }

    fn decode_to_units<U: OutUnit>(
        &mut self,
        src: &[u8],
        out: &mut Vec<U>,
    ) -> Result<(), DecodeError> {
        // Input goes through in slices so that the output room made ready for each (zeroed, since
        // decoders write into initialised memory) stays small and cache-resident, instead of one
        // worst-case buffer of several times the input.
        const SLICE: usize = 64 * 1024;
        out.reserve(src.len().saturating_add(MIN_OUTPUT_SPACE));
        let mut read = 0;
        loop {
            let end = src.len().min(read + SLICE);
            let last = end == src.len();
            let room = self
                .max_utf8_len(end - read)
                .unwrap_or(usize::MAX)
                .max(MIN_OUTPUT_SPACE);
            let start = out.len();
            out.resize(start + room, U::default());
            let step = self.decode_units(&src[read..end], &mut out[start..], last);
            out.truncate(start + step.written);
            read += step.read;
            match step.status {
                DecodeStatus::InputEmpty if last => return Ok(()),
                DecodeStatus::InputEmpty | DecodeStatus::OutputFull => {}
                DecodeStatus::Error(error) => return Err(error),
            }
        }
    }
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("charset", &self.charset)
            .field("policy", &self.policy)
            .field("position", &self.position)
            .field("error_count", &self.error_count)
            .finish_non_exhaustive()
    }
}
