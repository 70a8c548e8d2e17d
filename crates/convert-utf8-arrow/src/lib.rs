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
//! charset per call, never per row, and rows are read where they are, without copying. Output
//! is Utf8 for Binary input, LargeUtf8 for LargeBinary (and for Binary whose text outgrows
//! 32-bit offsets), Utf8View for BinaryView. Null rows stay null.

use arrow_array::cast::AsArray;
use arrow_array::types::{GenericBinaryType, GenericStringType};
use arrow_array::{
    Array, ArrayRef, GenericByteArray, GenericStringArray, OffsetSizeTrait, StringArray,
    StringViewArray, builder::StringViewBuilder,
};
use arrow_buffer::{NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::DataType;
use convert_utf8::detect::DEFAULT_THRESHOLD;
use convert_utf8::{Charset, DecodeError, DecodeStatus, Decoder, ErrorPolicy, MIN_OUTPUT_SPACE};
use std::fmt;
use std::sync::Arc;

mod labels;

use labels::RowLabels;

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
    /// The bodies are not Binary, LargeBinary or BinaryView.
    BodiesType(DataType),
    /// The labels are not strings or a dictionary of strings.
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

/// Decodes `bodies` with the charsets `labels` gives, `on_error` deciding what a bad sequence
/// does; `reasons` asks, under [`OnError::Null`], for the column of reasons.
pub fn decode(
    bodies: &dyn Array,
    labels: Labels<'_>,
    on_error: OnError,
    reasons: bool,
) -> Result<Decoded, ColumnError> {
    let labels = match labels {
        Labels::Column(label) => {
            RowLabels::Column(choose(label).map_err(|error| ColumnError::UnknownLabel {
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
            RowLabels::of(array)?
        }
    };
    let mut run = Run::new(on_error, reasons && on_error == OnError::Null, labels);
    match bodies.data_type() {
        DataType::Binary => run.bytes_column(bodies.as_binary::<i32>()),
        DataType::LargeBinary => run.bytes_column(bodies.as_binary::<i64>()),
        DataType::BinaryView => run.view_column(bodies.as_binary_view()),
        other => Err(ColumnError::BodiesType(other.clone())),
    }
}

/// One call's state: the decoders built so far (one per charset), the labels, the reasons.
struct Run<'a> {
    on_error: OnError,
    labels: RowLabels<'a>,
    /// The decoders built so far, one per charset: a column has few charsets, which a short
    /// list finds faster than a hash.
    decoders: Vec<(Charset, Decoder)>,
    reasons: Option<Vec<Option<String>>>,
}

/// What became of one row.
enum Row {
    /// Decoded: its text was appended.
    Text,
    /// Null: the input row was null, or (under [`OnError::Null`]) it could not be decoded.
    Null,
}

impl<'a> Run<'a> {
    fn new(on_error: OnError, reasons: bool, labels: RowLabels<'a>) -> Run<'a> {
        Run {
            on_error,
            labels,
            decoders: Vec::new(),
            reasons: reasons.then(Vec::new),
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
            Err(error) => error,
        };
        if self.on_error != OnError::Null {
            return Err(failed);
        }
        self.reason(Some(failed.to_string()));
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
                (charset, &bytes[detection.bom_len()..])
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

    /// Binary or LargeBinary in, Utf8 or LargeUtf8 out (LargeUtf8 when the text outgrows 32-bit
    /// offsets).
    fn bytes_column<O: OffsetSizeTrait>(
        &mut self,
        bodies: &GenericByteArray<GenericBinaryType<O>>,
    ) -> Result<Decoded, ColumnError> {
        let len = bodies.len();
        let mut values = TextBuffer::with_capacity(bodies.values().len());
        let mut offsets = Vec::with_capacity(len + 1);
        offsets.push(0usize);
        let mut nulls = NullBufferBuilder::new(len);
        for row in 0..len {
            let bytes = bodies.is_valid(row).then(|| bodies.value(row));
            match self.row(row, bytes, &mut values)? {
                Row::Text => nulls.append_non_null(),
                Row::Null => nulls.append_null(),
            }
            offsets.push(values.len());
        }
        let nulls = nulls.finish();
        let values = values.into_vec();
        let large = O::IS_LARGE || values.len() > i32::MAX as usize;
        let values_array: ArrayRef = if large {
            Arc::new(string_array::<i64>(&offsets, values, nulls))
        } else {
            Arc::new(string_array::<i32>(&offsets, values, nulls))
        };
        Ok(self.finish(values_array))
    }

    /// BinaryView in, Utf8View out.
    fn view_column(
        &mut self,
        bodies: &arrow_array::BinaryViewArray,
    ) -> Result<Decoded, ColumnError> {
        let mut builder = StringViewBuilder::with_capacity(bodies.len());
        let mut text = TextBuffer::with_capacity(0);
        for row in 0..bodies.len() {
            text.clear();
            let bytes = bodies.is_valid(row).then(|| bodies.value(row));
            match self.row(row, bytes, &mut text)? {
                Row::Text => builder.append_value(as_str(text.as_slice())),
                Row::Null => builder.append_null(),
            }
        }
        let values: StringViewArray = builder.finish();
        Ok(self.finish(Arc::new(values)))
    }

    fn finish(&mut self, values: ArrayRef) -> Decoded {
        let reasons = self
            .reasons
            .take()
            .map(|reasons| Arc::new(StringArray::from(reasons)) as ArrayRef);
        Decoded { values, reasons }
    }
}

/// The text decoded so far. The engine writes into initialised memory: the buffer is grown
/// (zeroed) ahead of what is written, by doubling, so that rows are decoded in place without
/// preparing memory for each.
struct TextBuffer {
    bytes: Vec<u8>,
    len: usize,
}

impl TextBuffer {
    fn with_capacity(capacity: usize) -> TextBuffer {
        TextBuffer {
            bytes: vec![0; capacity],
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    fn into_vec(mut self) -> Vec<u8> {
        self.bytes.truncate(self.len);
        self.bytes
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Decodes all of `src` as one input with `decoder`, appending its text; on an error
    /// (under Strict) nothing is appended.
    fn decode(&mut self, decoder: &mut Decoder, src: &[u8]) -> Result<(), DecodeError> {
        let start = self.len;
        let mut read = 0;
        loop {
            let room = decoder
                .max_utf8_len(src.len() - read)
                .unwrap_or(usize::MAX)
                .max(MIN_OUTPUT_SPACE);
            if self.bytes.len() - self.len < room {
                let grown = (self.len + room).max(2 * self.bytes.len());
                self.bytes.resize(grown, 0);
            }
            let step = decoder.decode(&src[read..], &mut self.bytes[self.len..], true);
            read += step.read;
            self.len += step.written;
            match step.status {
                DecodeStatus::InputEmpty => return Ok(()),
                DecodeStatus::OutputFull => {}
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

/// A string array over `values` cut at `offsets`.
fn string_array<O: OffsetSizeTrait>(
    offsets: &[usize],
    values: Vec<u8>,
    nulls: Option<arrow_buffer::NullBuffer>,
) -> GenericStringArray<O> {
    let offsets: Vec<O> = offsets
        .iter()
        .map(|&at| O::from_usize(at).expect("offsets fit the chosen width"))
        .collect();
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
