//! convert-utf8 for Arrow columns: a column of legacy-charset bytes (Binary, LargeBinary or
//! BinaryView; sliced, chunked by the caller, with nulls) decoded to a UTF-8 string column in one
//! pass, with one charset for the column or one per row.
//!
//! ```
//! use arrow_array::{Array, BinaryArray, StringArray};
//! use convert_utf8_arrow::{Labels, OnError, decode};
//!
//! let bodies = BinaryArray::from(vec![Some(&b"caf\xe9"[..]), None, Some(b"\x93\xfa\x96\x7b")]);
//! let labels = StringArray::from(vec![Some("latin1"), Some("utf-8"), Some("shift_jis")]);
//! let decoded = decode(&bodies, Labels::PerRow(&labels), OnError::Strict, false)?;
//! let text = decoded.values.as_any().downcast_ref::<StringArray>().unwrap();
//! assert_eq!(text.value(0), "café");
//! assert!(text.is_null(1));
//! assert_eq!(text.value(2), "日本");
//! # Ok::<(), convert_utf8_arrow::ColumnError>(())
//! ```
//!
//! A row's label is any label the engine accepts; a null label, or `auto`, means: detect this
//! row's charset (`convert_utf8::detect`, at its default threshold). Decoders are built once per
//! charset per call (per part of a column split across threads by [`decode_with`]), never per
//! row, and rows are read where they are, without copying. Output is Utf8 for Binary input,
//! LargeUtf8 for LargeBinary (and for Binary whose text outgrows 32-bit offsets), Utf8View for
//! BinaryView. Null rows stay null.

use arrow_array::cast::AsArray;
use arrow_array::types::{GenericBinaryType, GenericStringType};
use arrow_array::{
    Array, ArrayRef, BinaryViewArray, GenericByteArray, GenericStringArray, OffsetSizeTrait,
    StringArray, StringViewArray, builder::StringViewBuilder,
};
use arrow_buffer::{NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::DataType;
use convert_utf8::detect::DEFAULT_THRESHOLD;
use convert_utf8::{Charset, DecodeError, DecodeStatus, Decoder, ErrorPolicy, MIN_OUTPUT_SPACE};
use rayon::prelude::*;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

mod labels;

use labels::{LabelSource, RowLabels};

/// The charsets of a column's rows.
#[derive(Clone, Copy)]
pub enum Labels<'a> {
    /// One label for every row (`auto`: detect each row).
    Column(&'a str),
    /// A label per row: an Arrow array of strings (Utf8, LargeUtf8, Utf8View, or a dictionary of
    /// them) as long as the bodies; a null label, or `auto`, means detect that row.
    PerRow(&'a dyn Array),
}

/// What a bad sequence in a row does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// The call fails, naming the row and the byte offset in it.
    Strict,
    /// Each bad sequence becomes U+FFFD.
    Replace,
    /// Bad sequences are dropped (what `iconv -c` drops).
    Ignore,
    /// The row becomes null; with `reasons`, a second column says why.
    Null,
}

/// The decoded column and, on request, why rows became null.
#[derive(Debug)]
pub struct Decoded {
    /// The text: Utf8, LargeUtf8 or Utf8View (see the crate's documentation).
    pub values: ArrayRef,
    /// With `reasons` under [`OnError::Null`]: a Utf8 column, the reason where a row became
    /// null through an error, null elsewhere.
    pub reasons: Option<ArrayRef>,
}

/// Why a column could not be decoded.
#[derive(Debug)]
#[non_exhaustive]
pub enum ColumnError {
    /// The bodies are not Binary, LargeBinary or BinaryView (or Null: a column of nulls).
    BodiesType(DataType),
    /// The labels are not strings or a dictionary of strings (or Null: every row detected).
    LabelsType(DataType),
    /// The labels column is not as long as the bodies.
    LabelsLength { bodies: usize, labels: usize },
    /// A label the engine does not know (`row` is `None` for the column's label).
    UnknownLabel {
        row: Option<usize>,
        label: String,
        error: convert_utf8::Error,
    },
    /// A bad sequence, under [`OnError::Strict`]; its offset is within the row.
    Decode {
        row: usize,
        charset: Charset,
        error: DecodeError,
    },
    /// A row to detect whose charset could not be told (binary data, or too uncertain).
    Undetected { row: usize, reason: String },
}

impl fmt::Display for ColumnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnError::BodiesType(
                t @ (DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
            ) => {
                write!(
                    f,
                    "the bodies are already text ({t}), not bytes to decode: use them as they \
                     are, or cast them to binary to decode their bytes"
                )
            }
            ColumnError::BodiesType(t) => write!(
                f,
                "the bodies must be Binary, LargeBinary or BinaryView, not {t}"
            ),
            ColumnError::LabelsType(t) => write!(
                f,
                "the labels must be Utf8, LargeUtf8, Utf8View or a dictionary of them, not {t}"
            ),
            ColumnError::LabelsLength { bodies, labels } => write!(
                f,
                "{labels} labels for {bodies} rows: the labels column must be as long as the bodies"
            ),
            ColumnError::UnknownLabel {
                row: Some(row),
                label: _,
                error,
            } => write!(f, "row {row}: {error}"),
            ColumnError::UnknownLabel {
                row: None, error, ..
            } => write!(f, "{error}"),
            ColumnError::Decode {
                row,
                charset,
                error,
            } => write!(f, "row {row} ({charset}): {error}"),
            ColumnError::Undetected { row, reason } => write!(
                f,
                "row {row}: {reason}; give its charset, or use errors=\"null\" to make it null"
            ),
        }
    }
}

impl std::error::Error for ColumnError {}

impl ColumnError {
    /// The row it names, if it names one (0-based, counted from [`Options::first_row`]).
    pub fn row(&self) -> Option<usize> {
        match *self {
            ColumnError::UnknownLabel { row, .. } => row,
            ColumnError::Decode { row, .. } | ColumnError::Undetected { row, .. } => Some(row),
            _ => None,
        }
    }

    /// What the reasons column says of a row that became null through this error: the
    /// error without the advice a failed call gives (the row is already null).
    fn reason(&self) -> String {
        match self {
            ColumnError::Undetected { row, reason } => format!("row {row}: {reason}"),
            other => other.to_string(),
        }
    }

    /// The error with its row counted from `first_row`.
    fn counted_from(mut self, first_row: usize) -> ColumnError {
        match &mut self {
            ColumnError::UnknownLabel { row: Some(row), .. }
            | ColumnError::Decode { row, .. }
            | ColumnError::Undetected { row, .. } => *row += first_row,
            _ => {}
        }
        self
    }
}

/// What a row's label asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    Charset(Charset),
    Detect,
}

/// Resolves a label: `auto` (any case) means detect.
fn choose(label: &str) -> Result<Choice, convert_utf8::Error> {
    if label.trim().eq_ignore_ascii_case("auto") {
        Ok(Choice::Detect)
    } else {
        Charset::for_label(label).map(Choice::Charset)
    }
}

/// How [`decode_with`] decodes a column.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// What a bad sequence in a row does.
    pub on_error: OnError,
    /// Under [`OnError::Null`], whether to return the column of reasons.
    pub reasons: bool,
    /// How many threads decode: 1, the calling thread only; 0, as many as rayon's global pool
    /// has; `n`, at most `n` of that pool's. A column is split only where each part has at
    /// least a few megabytes to decode: smaller ones are decoded on the calling thread.
    pub threads: usize,
    /// The number errors and reasons give the column's first row: for a column decoded a
    /// batch at a time, the batch's first row in the whole (0 otherwise).
    pub first_row: usize,
}

impl Default for Options {
    /// Strict, no reasons, the calling thread only.
    fn default() -> Options {
        Options {
            on_error: OnError::Strict,
            reasons: false,
            threads: 1,
            first_row: 0,
        }
    }
}

/// The fewest input bytes a part of a column is given to decode on a thread of its own: far
/// more than it costs to hand a part to a thread and to join its output to the others'.
const MIN_PART_BYTES: usize = 2 << 20;

/// Decodes `bodies` with the charsets `labels` gives, `on_error` deciding what a bad sequence
/// does; `reasons` asks, under [`OnError::Null`], for the column of reasons. Decodes on the
/// calling thread; [`decode_with`] can split a large column across threads.
pub fn decode(
    bodies: &dyn Array,
    labels: Labels<'_>,
    on_error: OnError,
    reasons: bool,
) -> Result<Decoded, ColumnError> {
    let options = Options {
        on_error,
        reasons,
        ..Options::default()
    };
    decode_with(bodies, labels, &options)
}

/// Decodes `bodies` with the charsets `labels` gives, as `options` say.
///
/// With more than one thread, a large column is cut into contiguous runs of rows of about as
/// many bytes each, decoded at once on rayon's global pool and joined: the result is the same
/// as [`decode`]'s, under [`OnError::Strict`] the error at the lowest row included. Memory
/// holds the output and, while they are joined, what the parts decoded.
///
/// ```
/// use arrow_array::{Array, BinaryArray, StringArray};
/// use convert_utf8_arrow::{Labels, Options, decode_with};
///
/// let bodies = BinaryArray::from(vec![&b"caf\xe9"[..]; 1000]);
/// let options = Options { threads: 0, ..Options::default() };
/// let decoded = decode_with(&bodies, Labels::Column("latin1"), &options)?;
/// let text = decoded.values.as_any().downcast_ref::<StringArray>().unwrap();
/// assert_eq!(text.value(999), "café");
/// # Ok::<(), convert_utf8_arrow::ColumnError>(())
/// ```
pub fn decode_with(
    bodies: &dyn Array,
    labels: Labels<'_>,
    options: &Options,
) -> Result<Decoded, ColumnError> {
    decode_split(bodies, labels, options, MIN_PART_BYTES)
}

/// [`decode_with`], a part of the column given at least `min_part` bytes (the tests split
/// small columns with a small one).
fn decode_split(
    bodies: &dyn Array,
    labels: Labels<'_>,
    options: &Options,
    min_part: usize,
) -> Result<Decoded, ColumnError> {
    let source = match labels {
        Labels::Column(label) => {
            LabelSource::Column(choose(label).map_err(|error| ColumnError::UnknownLabel {
                row: None,
                label: label.to_owned(),
                error,
            })?)
        }
        Labels::PerRow(array) => {
            if array.len() != bodies.len() {
                return Err(ColumnError::LabelsLength {
                    bodies: bodies.len(),
                    labels: array.len(),
                });
            }
            LabelSource::of(array)?
        }
    };
    let threads = match options.threads {
        0 => rayon::current_num_threads(),
        n => n,
    };
    let column = Column {
        on_error: options.on_error,
        reasons: options.reasons && options.on_error == OnError::Null,
        labels: &source,
        threads,
        min_part,
        first_row: options.first_row,
    };
    match bodies.data_type() {
        DataType::Binary => column.bytes(bodies.as_binary::<i32>()),
        DataType::LargeBinary => column.bytes(bodies.as_binary::<i64>()),
        DataType::BinaryView => column.views(bodies.as_binary_view()),
        // A column of nulls only (what pyarrow makes of `[None, None]`): nulls out.
        DataType::Null => Ok(all_null(bodies.len(), column.reasons)),
        other => Err(ColumnError::BodiesType(other.clone())),
    }
}

/// A Utf8 column of `rows` nulls, and its reasons (none) when asked for.
fn all_null(rows: usize, reasons: bool) -> Decoded {
    Decoded {
        values: Arc::new(StringArray::new_null(rows)),
        reasons: reasons.then(|| Arc::new(StringArray::new_null(rows)) as ArrayRef),
    }
}

/// One call: what it asks for, and how it may split the column.
struct Column<'s, 'a> {
    on_error: OnError,
    /// Whether to keep the reasons (asked for, under Null).
    reasons: bool,
    labels: &'s LabelSource<'a>,
    threads: usize,
    min_part: usize,
    first_row: usize,
}

impl Column<'_, '_> {
    /// How many parts a column of `rows` rows and `bytes` bytes is cut into.
    fn parts(&self, rows: usize, bytes: usize) -> usize {
        let worth = bytes / self.min_part.max(1);
        self.threads.min(worth).min(rows).max(1)
    }

    fn run(&self) -> Run<'_, '_> {
        Run::new(
            self.on_error,
            self.reasons,
            RowLabels::new(self.labels),
            self.first_row,
        )
    }

    /// Decodes the parts `ranges` cut the rows into with `decode_part`, at once when there are
    /// several, and returns them in row order, or the error of the lowest part that had one.
    fn decode_parts<P: Send>(
        &self,
        ranges: Vec<Range<usize>>,
        decode_part: impl Fn(&mut Run<'_, '_>, Range<usize>) -> Result<P, ColumnError> + Sync,
    ) -> Result<Vec<P>, ColumnError> {
        if ranges.len() == 1 {
            let range = ranges.into_iter().next().expect("one range");
            return Ok(vec![decode_part(&mut self.run(), range)?]);
        }
        // Each part stops at its own first error; the parts are in row order, so the first
        // error among them is the one at the lowest row, as one thread would have reported.
        ranges
            .into_par_iter()
            .map(|range| decode_part(&mut self.run(), range))
            .collect::<Vec<_>>()
            .into_iter()
            .collect()
    }

    /// Binary or LargeBinary in, Utf8 or LargeUtf8 out (LargeUtf8 when the text outgrows 32-bit
    /// offsets).
    fn bytes<O: OffsetSizeTrait>(
        &self,
        bodies: &GenericByteArray<GenericBinaryType<O>>,
    ) -> Result<Decoded, ColumnError> {
        let offsets = bodies.value_offsets();
        let (first, len) = (offsets[0].as_usize(), bodies.len());
        let bytes = offsets[len].as_usize() - first;
        let parts = self.parts(len, bytes);
        // Cut where the bytes before a row reach each part's share.
        let cuts: Vec<usize> = (1..parts)
            .map(|k| {
                let share = first + bytes / parts * k;
                offsets[..len].partition_point(|at| at.as_usize() < share)
            })
            .collect();
        let parts = self.decode_parts(ranges(len, &cuts), |run, rows| {
            run.bytes_part(bodies, rows, O::IS_LARGE)
        })?;
        Ok(join_bytes(parts))
    }

    /// BinaryView in, Utf8View out.
    fn views(&self, bodies: &BinaryViewArray) -> Result<Decoded, ColumnError> {
        let len = bodies.len();
        // A view's first 32 bits are its length.
        let lengths = || bodies.views().iter().map(|&view| view as u32 as usize);
        let bytes: usize = lengths().sum();
        let parts = self.parts(len, bytes);
        let mut cuts = Vec::with_capacity(parts);
        if parts > 1 {
            let mut before = 0;
            for (row, length) in lengths().enumerate() {
                if before >= bytes / parts * (cuts.len() + 1) {
                    cuts.push(row);
                    if cuts.len() == parts - 1 {
                        break;
                    }
                }
                before += length;
            }
        }
        let parts =
            self.decode_parts(ranges(len, &cuts), |run, rows| run.view_part(bodies, rows))?;
        Ok(join_views(parts))
    }
}

/// The runs of rows from 0 to `len` that `cuts` (rising) cut them into.
fn ranges(len: usize, cuts: &[usize]) -> Vec<Range<usize>> {
    let mut starts = vec![0];
    starts.extend(cuts.iter().map(|&cut| cut.min(len)));
    let mut ends = starts[1..].to_vec();
    ends.push(len);
    starts
        .into_iter()
        .zip(ends)
        .map(|(start, end)| start..end.max(start))
        .collect()
}

/// One part's rows decoded for a Utf8 or LargeUtf8 column.
struct BytesPart {
    text: Vec<u8>,
    /// Where each row's text starts in `text`, and where the last ends.
    offsets: Offsets,
    nulls: NullBufferBuilder,
    reasons: Option<Vec<Option<String>>>,
}

/// One part's rows decoded for a Utf8View column.
struct ViewPart {
    text: StringViewArray,
    reasons: Option<Vec<Option<String>>>,
}

/// The parts, in row order, as one column: the first part's buffers grown to hold the
/// others', each other part dropped once copied, so that memory holds the output and what is
/// left to join.
fn join_bytes(parts: Vec<BytesPart>) -> Decoded {
    let total: usize = parts.iter().map(|part| part.text.len()).sum();
    let rows: usize = parts.iter().map(|part| part.nulls.len()).sum();
    let mut parts = parts.into_iter();
    let BytesPart {
        mut text,
        mut offsets,
        mut nulls,
        mut reasons,
    } = parts.next().expect("a column has a part");
    text.reserve_exact(total - text.len());
    offsets.reserve(rows + 1);
    for part in parts {
        offsets.append_shifted(&part.offsets, text.len());
        text.extend_from_slice(&part.text);
        let mut part_nulls = part.nulls;
        let len = part_nulls.len();
        match part_nulls.finish() {
            Some(part_nulls) => nulls.append_buffer(&part_nulls),
            None => nulls.append_n_non_nulls(len),
        }
        if let (Some(reasons), Some(more)) = (&mut reasons, part.reasons) {
            reasons.extend(more);
        }
    }
    if text.capacity() - text.len() > text.len() / 8 {
        // Much of the room reserved went unused: the array would keep it all.
        text.shrink_to_fit();
    }
    Decoded {
        values: offsets.into_array(text, nulls.finish()),
        reasons: reasons_array(reasons),
    }
}

/// The parts, in row order, as one Utf8View column: their views, each pointing into its own
/// part's buffers, renumbered to point into all the parts' buffers side by side.
fn join_views(parts: Vec<ViewPart>) -> Decoded {
    if parts.len() == 1 {
        let part = parts.into_iter().next().expect("one part");
        return Decoded {
            values: Arc::new(part.text),
            reasons: reasons_array(part.reasons),
        };
    }
    let rows: usize = parts.iter().map(|part| part.text.len()).sum();
    let mut views = Vec::with_capacity(rows);
    let mut buffers = Vec::new();
    let mut nulls = NullBufferBuilder::new(rows);
    let mut reasons = parts[0].reasons.as_ref().map(|_| Vec::with_capacity(rows));
    for part in parts {
        let base = buffers.len() as u128;
        // A view of more than 12 bytes says which buffer holds them in its third 32 bits.
        views.extend(part.text.views().iter().map(|&view| {
            if view as u32 > 12 {
                view + (base << 64)
            } else {
                view
            }
        }));
        buffers.extend(part.text.data_buffers().iter().cloned());
        match part.text.nulls() {
            Some(part_nulls) => nulls.append_buffer(part_nulls),
            None => nulls.append_n_non_nulls(part.text.len()),
        }
        if let (Some(reasons), Some(more)) = (&mut reasons, part.reasons) {
            reasons.extend(more);
        }
    }
    let views = ScalarBuffer::from(views);
    let nulls = nulls.finish();
    debug_assert!(StringViewArray::try_new(views.clone(), buffers.clone(), nulls.clone()).is_ok());
    // SAFETY: each view is a view of a valid part array, pointing (for more than 12 bytes)
    // into that part's buffers, which keep their order and are renumbered by how many buffers
    // the parts before it had; so each view points at the same valid UTF-8 as before.
    let values = unsafe { StringViewArray::new_unchecked(views, buffers.into(), nulls) };
    Decoded {
        values: Arc::new(values),
        reasons: reasons_array(reasons),
    }
}

fn reasons_array(reasons: Option<Vec<Option<String>>>) -> Option<ArrayRef> {
    reasons.map(|reasons| Arc::new(StringArray::from(reasons)) as ArrayRef)
}

/// One part's state: the decoders built so far (one per charset), the labels, the reasons.
struct Run<'s, 'a> {
    on_error: OnError,
    labels: RowLabels<'s, 'a>,
    /// The decoders built so far, one per charset: a column has few charsets, which a short
    /// list finds faster than a hash.
    decoders: Vec<(Charset, Decoder)>,
    reasons: Option<Vec<Option<String>>>,
    /// What errors number row 0 ([`Options::first_row`]).
    first_row: usize,
}

/// What became of one row.
enum Row {
    /// Decoded: its text was appended.
    Text,
    /// Null: the input row was null, or (under [`OnError::Null`]) it could not be decoded.
    Null,
}

impl<'s, 'a> Run<'s, 'a> {
    fn new(
        on_error: OnError,
        reasons: bool,
        labels: RowLabels<'s, 'a>,
        first_row: usize,
    ) -> Run<'s, 'a> {
        Run {
            on_error,
            labels,
            decoders: Vec::new(),
            reasons: reasons.then(Vec::new),
            first_row,
        }
    }

    /// The policy the decoders run under: Null stops at the first bad sequence, as Strict.
    fn policy(&self) -> ErrorPolicy {
        match self.on_error {
            OnError::Strict | OnError::Null => ErrorPolicy::Strict,
            OnError::Replace => ErrorPolicy::Replace,
            OnError::Ignore => ErrorPolicy::Ignore,
        }
    }

    /// Decodes row `row` (`bytes`, or null) appending its text to `out`.
    fn row(
        &mut self,
        row: usize,
        bytes: Option<&[u8]>,
        out: &mut TextBuffer,
    ) -> Result<Row, ColumnError> {
        let Some(bytes) = bytes else {
            self.reason(None);
            return Ok(Row::Null);
        };
        let failed = match self.decode_row(row, bytes, out) {
            Ok(()) => {
                self.reason(None);
                return Ok(Row::Text);
            }
            Err(error) => error.counted_from(self.first_row),
        };
        if self.on_error != OnError::Null {
            return Err(failed);
        }
        self.reason(Some(failed.reason()));
        Ok(Row::Null)
    }

    fn reason(&mut self, reason: Option<String>) {
        if let Some(reasons) = &mut self.reasons {
            reasons.push(reason);
        }
    }

    /// Decodes one non-null row; on failure `out` is as it was.
    fn decode_row(
        &mut self,
        row: usize,
        bytes: &[u8],
        out: &mut TextBuffer,
    ) -> Result<(), ColumnError> {
        let (charset, body) = match self.labels.choice(row)? {
            Choice::Charset(charset) => (charset, bytes),
            Choice::Detect => {
                let detection = convert_utf8::detect(bytes);
                let Some(charset) = detection.charset_at(DEFAULT_THRESHOLD) else {
                    let reason = if detection.is_binary() {
                        "binary data, no charset to decode it with".to_owned()
                    } else {
                        format!(
                            "charset too uncertain to decode with (confidence {:.2})",
                            detection.confidence()
                        )
                    };
                    return Err(ColumnError::Undetected { row, reason });
                };
                (charset, &bytes[detection.decode_start()..])
            }
        };
        let policy = self.policy();
        let at = match self
            .decoders
            .iter()
            .position(|(known, _)| *known == charset)
        {
            Some(at) => at,
            None => {
                self.decoders.push((charset, Decoder::new(charset, policy)));
                self.decoders.len() - 1
            }
        };
        let decoder = &mut self.decoders[at].1;
        decoder.reset();
        out.decode(decoder, body)
            .map_err(|error| ColumnError::Decode {
                row,
                charset,
                error,
            })
    }

    /// Decodes `rows` of a Binary or LargeBinary column (`wide`: LargeBinary, whose text gets
    /// 64-bit offsets).
    fn bytes_part<O: OffsetSizeTrait>(
        &mut self,
        bodies: &GenericByteArray<GenericBinaryType<O>>,
        rows: Range<usize>,
        wide: bool,
    ) -> Result<BytesPart, ColumnError> {
        let offsets = bodies.value_offsets();
        let input = (offsets[rows.end] - offsets[rows.start]).as_usize();
        let mut text = TextBuffer::for_input(input);
        let mut ends = Offsets::new(wide, rows.len());
        let mut nulls = NullBufferBuilder::new(rows.len());
        for row in rows {
            let bytes = bodies.is_valid(row).then(|| bodies.value(row));
            match self.row(row, bytes, &mut text)? {
                Row::Text => nulls.append_non_null(),
                Row::Null => nulls.append_null(),
            }
            ends.push(text.len());
        }
        Ok(BytesPart {
            text: text.into_vec(),
            offsets: ends,
            nulls,
            reasons: self.reasons.take(),
        })
    }

    /// Decodes `rows` of a BinaryView column.
    fn view_part(
        &mut self,
        bodies: &BinaryViewArray,
        rows: Range<usize>,
    ) -> Result<ViewPart, ColumnError> {
        let mut builder = StringViewBuilder::with_capacity(rows.len());
        let mut text = TextBuffer::for_input(0);
        for row in rows {
            text.clear();
            let bytes = bodies.is_valid(row).then(|| bodies.value(row));
            match self.row(row, bytes, &mut text)? {
                Row::Text => builder.append_value(as_str(text.as_slice())),
                Row::Null => builder.append_null(),
            }
        }
        Ok(ViewPart {
            text: builder.finish(),
            reasons: self.reasons.take(),
        })
    }
}

/// The text decoded so far. The engine writes into initialised memory, so the buffer is zeroed
/// a window at a time just ahead of the rows decoded into it, where the window is still in the
/// cache when they are. Its allocation is reserved from an estimate of the whole text, set
/// again from the rate of the first rows decoded, and if it must grow, grows exactly to what
/// the rows so far project for the rest: grown by doubling, with each new half zeroed at once,
/// it cost page faults on memory never written and a copy of the text, more than the decoding.
struct TextBuffer {
    /// `bytes.len()` is how far the buffer is zeroed, its capacity how far it is reserved; the
    /// text is its first `len` bytes.
    bytes: Vec<u8>,
    len: usize,
    /// The input bytes to decode into the buffer, and how many have been.
    input: usize,
    read: usize,
    /// Whether the reserve was set from the rate of the rows decoded.
    projected: bool,
    /// How far the reserve's pages were made present (see [`populate`]).
    populated: usize,
}

/// How far ahead of the zeroed bytes the reserve's pages are made present at a time.
const POPULATE_AHEAD: usize = 1 << 20;

/// Makes the pages wholly inside `room` present and writable at once (Linux's
/// `MADV_POPULATE_WRITE`; elsewhere, or where refused, nothing: the writes fault them in).
fn populate(room: &mut [std::mem::MaybeUninit<u8>]) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let start = (room.as_mut_ptr() as usize).next_multiple_of(PAGE);
        let end = (room.as_mut_ptr() as usize + room.len()) & !(PAGE - 1);
        if end > start {
            // SAFETY: the range lies within `room`, memory this buffer owns; the advice only
            // makes its pages present (zero-filled where new), changing no byte in use.
            unsafe {
                libc::madvise(
                    start as *mut libc::c_void,
                    end - start,
                    libc::MADV_POPULATE_WRITE,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = room;
}

/// How far ahead the buffer is zeroed at a time: small enough to stay in the cache until the
/// rows are decoded into it, large enough to zero in one call for many rows.
const ZERO_AHEAD: usize = 32 * 1024;

impl TextBuffer {
    /// A buffer for the text of `input` bytes of input.
    fn for_input(input: usize) -> TextBuffer {
        // Most text is longer in UTF-8 than in its charset: half as much again.
        TextBuffer {
            bytes: Vec::with_capacity(input.saturating_add(input / 2)),
            len: 0,
            input,
            read: 0,
            projected: false,
            populated: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// The text, its allocation cut to it where much of the room went unused (the array keeps
    /// the allocation as it is).
    fn into_vec(mut self) -> Vec<u8> {
        self.bytes.truncate(self.len);
        if self.bytes.capacity() - self.len > self.len / 8 {
            self.bytes.shrink_to_fit();
        }
        self.bytes
    }

    /// Makes at least `room` zeroed bytes ready after the text.
    #[inline]
    fn make_room(&mut self, room: usize) {
        if self.bytes.len() - self.len < room {
            self.grow(room);
        }
    }

    #[cold]
    fn grow(&mut self, room: usize) {
        let needed = self.len.saturating_add(room);
        // Once a sixteenth of the input is decoded, and whenever the reserve runs out, the
        // reserve is set to what the rest of the input makes at the rate so far, and a little
        // more: exactly that (`resize` alone would double it), and early, while a move of the
        // allocation copies little.
        let checkpoint = !self.projected && self.read >= self.input / 16;
        if checkpoint || needed > self.bytes.capacity() {
            self.projected = true;
            let rest = self.input.saturating_sub(self.read) as f64;
            let rate = self.len as f64 / self.read.max(1) as f64;
            let projected = self.len + (rest * rate * 1.0625) as usize + ZERO_AHEAD;
            let target = projected.max(needed);
            if target > self.bytes.capacity() {
                self.bytes.reserve_exact(target - self.bytes.len());
                // The reserve may have moved: none of its room is known present.
                self.populated = 0;
            }
        }
        let ahead = needed.max(self.len + ZERO_AHEAD).min(self.bytes.capacity());
        if ahead > self.populated {
            // The pages ahead, made present in one call for many: a fault on each first
            // write cost more than the decoding on a large column.
            let zeroed = self.bytes.len();
            let start = self.populated.max(zeroed);
            let end = (start + POPULATE_AHEAD)
                .max(ahead)
                .min(self.bytes.capacity());
            populate(&mut self.bytes.spare_capacity_mut()[start - zeroed..end - zeroed]);
            self.populated = end;
        }
        self.bytes.resize(ahead.max(needed), 0);
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Decodes all of `src` as one input with `decoder`, appending its text; on an error
    /// (under Strict) nothing is appended.
    fn decode(&mut self, decoder: &mut Decoder, src: &[u8]) -> Result<(), DecodeError> {
        let start = self.len;
        let mut read = 0;
        self.read += src.len();
        // First room for four bytes per input byte, which holds what most charsets make and
        // needs no call into the decoder; the decoder's own bound only once that fell short.
        let mut exact = false;
        loop {
            let rest = src.len() - read;
            let room = if exact {
                decoder.max_utf8_len(rest).unwrap_or(usize::MAX)
            } else {
                rest.saturating_mul(4)
            };
            self.make_room(room.max(MIN_OUTPUT_SPACE));
            let step = decoder.decode(&src[read..], &mut self.bytes[self.len..], true);
            read += step.read;
            self.len += step.written;
            match step.status {
                DecodeStatus::InputEmpty => return Ok(()),
                DecodeStatus::OutputFull => exact = true,
                DecodeStatus::Error(error) => {
                    self.len = start;
                    return Err(error);
                }
            }
        }
    }
}

/// The engine's output as `str`.
fn as_str(utf8: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(utf8).is_ok());
    // SAFETY: `utf8` is one row's text as the engine wrote it: whole characters of valid UTF-8
    // (see `string_array`, which relies on the same), not validated a second time.
    unsafe { std::str::from_utf8_unchecked(utf8) }
}

/// The rows' offsets in their text, 32-bit until the text outgrows them (for Binary input) or
/// 64-bit from the start (for LargeBinary): built in the width the array takes, not converted
/// at the end.
enum Offsets {
    Narrow(Vec<i32>),
    Wide(Vec<i64>),
}

impl Offsets {
    /// Offsets for up to `rows` rows, with the start of the first.
    fn new(wide: bool, rows: usize) -> Offsets {
        if wide {
            let mut offsets = Vec::with_capacity(rows + 1);
            offsets.push(0);
            Offsets::Wide(offsets)
        } else {
            let mut offsets = Vec::with_capacity(rows + 1);
            offsets.push(0);
            Offsets::Narrow(offsets)
        }
    }

    fn reserve(&mut self, total: usize) {
        match self {
            Offsets::Narrow(offsets) => offsets.reserve(total.saturating_sub(offsets.len())),
            Offsets::Wide(offsets) => offsets.reserve(total.saturating_sub(offsets.len())),
        }
    }

    /// Adds the end of the next row.
    #[inline]
    fn push(&mut self, at: usize) {
        match self {
            Offsets::Narrow(offsets) => match i32::try_from(at) {
                Ok(at) => offsets.push(at),
                Err(_) => {
                    let mut wide: Vec<i64> = Vec::with_capacity(offsets.capacity());
                    wide.extend(offsets.iter().map(|&at| i64::from(at)));
                    wide.push(at as i64);
                    *self = Offsets::Wide(wide);
                }
            },
            Offsets::Wide(offsets) => offsets.push(at as i64),
        }
    }

    /// Adds the ends of the rows of `other`, a part whose text starts at `base`.
    fn append_shifted(&mut self, other: &Offsets, base: usize) {
        let ends: Box<dyn Iterator<Item = usize>> = match other {
            Offsets::Narrow(offsets) => Box::new(offsets[1..].iter().map(|&at| at as usize)),
            Offsets::Wide(offsets) => Box::new(offsets[1..].iter().map(|&at| at as usize)),
        };
        for at in ends {
            self.push(base + at);
        }
    }

    /// A Utf8 or LargeUtf8 array over `values`, cut at these offsets.
    fn into_array(self, values: Vec<u8>, nulls: Option<arrow_buffer::NullBuffer>) -> ArrayRef {
        match self {
            Offsets::Narrow(offsets) => Arc::new(string_array(offsets, values, nulls)),
            Offsets::Wide(offsets) => Arc::new(string_array(offsets, values, nulls)),
        }
    }
}

/// A string array over `values` cut at `offsets`.
fn string_array<O: OffsetSizeTrait>(
    offsets: Vec<O>,
    values: Vec<u8>,
    nulls: Option<arrow_buffer::NullBuffer>,
) -> GenericStringArray<O> {
    let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
    debug_assert!(
        GenericByteArray::<GenericStringType<O>>::try_new(
            offsets.clone(),
            values.clone().into(),
            nulls.clone()
        )
        .is_ok()
    );
    // SAFETY: the offsets rise from 0 to `values.len()` (one per row, each after the row's
    // text), and each row's text is what the engine wrote for it: whole characters of valid
    // UTF-8 (its decoders never write anything else, which the engine's tests and fuzzing
    // check; in debug builds the full validation above does too). Checking it again here cost
    // a third of the kernel's time.
    unsafe {
        GenericByteArray::<GenericStringType<O>>::new_unchecked(offsets, values.into(), nulls)
    }
}

#[cfg(test)]
mod tests;
