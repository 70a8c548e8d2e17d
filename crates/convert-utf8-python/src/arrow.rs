//! The native half of `convert_utf8.arrow`: columns in and out through the Arrow PyCapsule
//! interface (`__arrow_c_array__`, `__arrow_c_stream__`), so that any Arrow library's arrays
//! (pyarrow, Polars, nanoarrow, arro3, DuckDB, ...) are read in place and pyarrow is never
//! needed; the column kernel (`convert_utf8_arrow`) runs with the GIL released, and its errors
//! become the package's exceptions, rows counted across chunks.

use crate::detect::DetectionError;
use crate::errors::{DecodeError, reason, unknown_encoding};
use arrow_array::cast::AsArray;
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use arrow_array::ffi_stream::{ArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{Array, ArrayRef, LargeStringArray, make_array, new_empty_array};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};
use convert_utf8_arrow::{ColumnError, Labels, OnError, Options};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyTuple};
use std::collections::VecDeque;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::sync::Arc;

/// A column as it came in: its type and its chunks (one for an array).
struct Column {
    data_type: DataType,
    chunks: Vec<ArrayRef>,
    /// Whether it came as a stream (`__arrow_c_stream__`), which the result then is too.
    stream: bool,
}

impl Column {
    fn len(&self) -> usize {
        self.chunks.iter().map(|chunk| chunk.len()).sum()
    }

    /// Imports `object`'s Arrow data: an array where it offers one, else its stream's chunks.
    /// `what` names it in errors ("the bodies", "the labels").
    fn import(object: &Bound<'_, PyAny>, what: &str) -> PyResult<Column> {
        if object.hasattr("__arrow_c_array__")? {
            let pair = object.call_method0("__arrow_c_array__")?;
            let pair = pair.cast::<PyTuple>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{what}: __arrow_c_array__ must return a (schema, array) pair of capsules"
                ))
            })?;
            let schema = capsule(&pair.get_item(0)?, c"arrow_schema")?;
            let array = capsule(&pair.get_item(1)?, c"arrow_array")?;
            // SAFETY: the capsules are named as the PyCapsule interface names an
            // `ArrowSchema` and an `ArrowArray`. The array is moved out of its capsule (its
            // release callback then belongs to the imported buffers); the schema is only read,
            // and its capsule releases it.
            let data = unsafe {
                let array = FFI_ArrowArray::from_raw(array.cast::<FFI_ArrowArray>());
                from_ffi(array, &*schema.cast::<FFI_ArrowSchema>())
            }
            .map_err(|e| arrow_error(what, e))?;
            let array = make_array(data);
            return Ok(Column {
                data_type: array.data_type().clone(),
                chunks: vec![array],
                stream: false,
            });
        }
        if object.hasattr("__arrow_c_stream__")? {
            let stream = object.call_method0("__arrow_c_stream__")?;
            let stream = capsule(&stream, c"arrow_array_stream")?;
            // SAFETY: a capsule so named holds an `ArrowArrayStream`; it is moved out, the
            // capsule left with a released one.
            let reader =
                unsafe { ArrayStreamReader::from_raw(stream.cast::<FFI_ArrowArrayStream>()) }
                    .map_err(|e| arrow_error(what, e))?;
            let data_type = arrow_array::ArrayReader::field(&reader).data_type().clone();
            let chunks = reader
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| arrow_error(what, e))?;
            return Ok(Column {
                data_type,
                chunks,
                stream: true,
            });
        }
        Err(PyTypeError::new_err(format!(
            "{what} must be an Arrow array or stream (an object with __arrow_c_array__ or \
             __arrow_c_stream__, as pyarrow, Polars, nanoarrow and arro3 arrays have), not {}",
            object.get_type().name()?
        )))
    }
}

/// The pointer a PyCapsule interface capsule holds, its name checked.
fn capsule(object: &Bound<'_, PyAny>, name: &CStr) -> PyResult<*mut c_void> {
    let capsule = object.cast::<PyCapsule>().map_err(|_| {
        PyTypeError::new_err(format!(
            "expected a PyCapsule named {name:?}, got {}",
            object
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    Ok(capsule.pointer_checked(Some(name))?.as_ptr())
}

fn arrow_error(what: &str, error: arrow_schema::ArrowError) -> PyErr {
    PyValueError::new_err(format!("{what}: {error}"))
}

/// `errors=` as the kernel's policy.
fn on_error(errors: &str) -> PyResult<OnError> {
    Ok(match errors {
        "strict" => OnError::Strict,
        "replace" => OnError::Replace,
        "ignore" => OnError::Ignore,
        "null" => OnError::Null,
        other => {
            return Err(PyValueError::new_err(format!(
                "errors must be \"strict\", \"replace\", \"ignore\" or \"null\", not {other:?}"
            )));
        }
    })
}

/// The labels of rows `start..start + len` as one array, whatever the labels' chunking: a slice
/// of one chunk, or the slices of several joined.
fn labels_for(labels: &Column, start: usize, len: usize) -> Result<ArrayRef, String> {
    let (labels, data_type) = (&labels.chunks, &labels.data_type);
    let mut pieces: Vec<ArrayRef> = Vec::new();
    let mut chunk_start = 0;
    for chunk in labels {
        let chunk_end = chunk_start + chunk.len();
        let from = start.max(chunk_start);
        let to = (start + len).min(chunk_end);
        if from < to {
            pieces.push(chunk.slice(from - chunk_start, to - from));
        }
        chunk_start = chunk_end;
        if chunk_start >= start + len {
            break;
        }
    }
    match pieces.len() {
        // No rows (a stream of labels may have no chunks at all: a filtered table's).
        0 => Ok(new_empty_array(data_type)),
        1 => Ok(pieces.pop().expect("one piece")),
        _ => {
            let pieces: Vec<&dyn Array> = pieces.iter().map(|p| p.as_ref()).collect();
            arrow_select::concat::concat(&pieces).map_err(|e| e.to_string())
        }
    }
}

/// Why decoding the chunks stopped.
enum Failure {
    /// The kernel's error, its row counted from the column's start.
    Column(ColumnError),
    /// The labels of a chunk could not be gathered.
    Labels(String),
}

/// `convert_utf8.arrow.decode`'s native half; see `python/convert_utf8/arrow.py`.
#[pyfunction]
#[pyo3(signature = (array, encoding, errors = "strict", reasons = false, passthrough = false, threads = 1))]
pub(crate) fn arrow_decode<'py>(
    py: Python<'py>,
    array: &Bound<'py, PyAny>,
    encoding: &Bound<'py, PyAny>,
    errors: &str,
    reasons: bool,
    passthrough: bool,
    threads: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let on_error = on_error(errors)?;
    let bodies = Column::import(array, "the bodies")?;
    if passthrough && is_text(&bodies.data_type) {
        return pass_through(array, &bodies);
    }
    let label = encoding.extract::<String>().ok();
    let labels = match label {
        Some(_) => None,
        None => {
            let labels = Column::import(encoding, "the labels")?;
            if labels.len() != bodies.len() {
                return Err(PyValueError::new_err(format!(
                    "{} labels for {} rows: the labels must be as long as the bodies",
                    labels.len(),
                    bodies.len()
                )));
            }
            Some(labels)
        }
    };
    let empty;
    let chunks: &[ArrayRef] = if bodies.chunks.is_empty() {
        // No chunks still has a type: decoding an empty array of it gives the result's.
        empty = [new_empty_array(&bodies.data_type)];
        &empty
    } else {
        &bodies.chunks
    };
    let decoded = py.detach(|| {
        let mut values = Vec::with_capacity(chunks.len());
        let mut why = Vec::new();
        let mut first_row = 0;
        for chunk in chunks {
            let chunk_labels = match &labels {
                None => None,
                Some(labels) => {
                    Some(labels_for(labels, first_row, chunk.len()).map_err(Failure::Labels)?)
                }
            };
            let row_labels = match (&label, &chunk_labels) {
                (Some(label), _) => Labels::Column(label),
                (None, Some(labels)) => Labels::PerRow(labels.as_ref()),
                (None, None) => unreachable!("a label or a labels column"),
            };
            let options = Options {
                on_error,
                reasons,
                threads,
                first_row,
            };
            let out = convert_utf8_arrow::decode_with(chunk.as_ref(), row_labels, &options)
                .map_err(Failure::Column)?;
            values.push(out.values);
            why.extend(out.reasons);
            first_row += chunk.len();
        }
        Ok((values, why))
    });
    let (values, why) = match decoded {
        Ok(done) => done,
        Err(Failure::Column(error)) => return Err(column_error(py, error, array, chunks)),
        Err(Failure::Labels(message)) => {
            return Err(PyValueError::new_err(format!("the labels: {message}")));
        }
    };
    let (result_type, values) = one_type(values);
    let values = if bodies.stream {
        Py::new(py, ArrowChunks::new(result_type, values))?.into_any()
    } else {
        let one = values.into_iter().next().expect("one chunk for an array");
        Py::new(py, ArrowColumn { array: one })?.into_any()
    };
    if !(reasons && on_error == OnError::Null) {
        return Ok(values.into_bound(py));
    }
    let why = if bodies.stream {
        Py::new(py, ArrowChunks::new(DataType::Utf8, why))?.into_any()
    } else {
        let one = why.into_iter().next().expect("reasons for an array");
        Py::new(py, ArrowColumn { array: one })?.into_any()
    };
    Ok(PyTuple::new(py, [values, why])?.into_any())
}

/// The chunks' common type, and the chunks in it. Each chunk's text is Utf8 unless it outgrew
/// 32-bit offsets; a stream has one type, so where any chunk is LargeUtf8 all become so (their
/// offsets widened, their text shared).
fn one_type(values: Vec<ArrayRef>) -> (DataType, Vec<ArrayRef>) {
    let Some(first) = values.first() else {
        return (DataType::Utf8, values);
    };
    let first = first.data_type().clone();
    if values.iter().all(|v| v.data_type() == &first) {
        return (first, values);
    }
    let widened = values
        .into_iter()
        .map(|chunk| match chunk.as_string_opt::<i32>() {
            Some(narrow) => {
                let offsets: ScalarBuffer<i64> =
                    narrow.offsets().iter().map(|&at| i64::from(at)).collect();
                // SAFETY: the offsets of a valid array, widened, over the same valid UTF-8.
                let wide = unsafe {
                    LargeStringArray::new_unchecked(
                        OffsetBuffer::new_unchecked(offsets),
                        narrow.values().clone(),
                        narrow.nulls().cloned(),
                    )
                };
                Arc::new(wide) as ArrayRef
            }
            None => chunk,
        })
        .collect();
    (DataType::LargeUtf8, widened)
}

/// The bytes of row `row` (counted across `chunks`) of a bodies column.
fn row_bytes(chunks: &[ArrayRef], row: usize) -> Option<&[u8]> {
    let mut start = 0;
    for chunk in chunks {
        if row < start + chunk.len() {
            let at = row - start;
            return match chunk.data_type() {
                DataType::Binary => Some(chunk.as_binary::<i32>().value(at)),
                DataType::LargeBinary => Some(chunk.as_binary::<i64>().value(at)),
                DataType::BinaryView => Some(chunk.as_binary_view().value(at)),
                _ => None,
            };
        }
        start += chunk.len();
    }
    None
}

fn is_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// A column that is already text, given back as it came once checked to be valid UTF-8 (an
/// Arrow producer may hand over string arrays it never validated).
fn pass_through<'py>(array: &Bound<'py, PyAny>, text: &Column) -> PyResult<Bound<'py, PyAny>> {
    let mut first_row = 0;
    for chunk in &text.chunks {
        if let Err(e) = chunk.to_data().validate_full() {
            return Err(PyValueError::new_err(format!(
                "the column is text, but not valid UTF-8 in the chunk starting at row \
                 {first_row}: {e}"
            )));
        }
        first_row += chunk.len();
    }
    Ok(array.clone())
}

/// The package's exception for the kernel's `error`.
fn column_error(
    py: Python<'_>,
    error: ColumnError,
    bodies: &Bound<'_, PyAny>,
    chunks: &[ArrayRef],
) -> PyErr {
    match error {
        ColumnError::BodiesType(DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
            PyTypeError::new_err(format!(
                "the bodies are already text ({}), not bytes to decode: pass the column through \
                 as it is (or decode(..., passthrough=True) does), or cast it to binary to \
                 decode its bytes",
                bodies_type_name(bodies)
            ))
        }
        ColumnError::BodiesType(_) | ColumnError::LabelsType(_) => {
            PyTypeError::new_err(error.to_string())
        }
        ColumnError::LabelsLength { .. } => PyValueError::new_err(error.to_string()),
        ColumnError::UnknownLabel { row, label, error } => {
            let message = match row {
                Some(row) => format!("row {row}: {error}"),
                None => error.to_string(),
            };
            let suggestion = match &error {
                convert_utf8::Error::UnknownCharset { suggestion, .. } => *suggestion,
                _ => None,
            };
            let made = unknown_encoding(py, &message, &label, suggestion);
            set_row(py, made, row)
        }
        ColumnError::Decode {
            row,
            charset,
            error,
        } => {
            // As `convert_utf8.decode` gives it for the row alone: the row's bytes, the bad
            // sequence's place in them.
            let offset = error.offset() as usize;
            let (object, start) = match row_bytes(chunks, row) {
                Some(bytes) if offset + error.len() <= bytes.len() => (bytes, offset),
                _ => (error.bytes(), 0),
            };
            let made = py
                .get_type::<DecodeError>()
                .call1((
                    charset.name(),
                    PyBytes::new(py, object),
                    start,
                    start + error.len(),
                    format!("{} in row {row}", reason(error.kind())),
                ))
                .and_then(|exc| {
                    exc.setattr("row", row)?;
                    exc.setattr("offset", error.offset())?;
                    Ok(exc)
                });
            match made {
                Ok(exc) => PyErr::from_value(exc),
                Err(e) => e,
            }
        }
        ColumnError::Undetected { row, .. } => {
            let made = PyErr::new::<DetectionError, _>(error.to_string());
            set_row(py, made, Some(row))
        }
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

fn bodies_type_name(bodies: &Bound<'_, PyAny>) -> String {
    bodies
        .getattr("type")
        .and_then(|t| t.str())
        .map(|t| t.to_string())
        .unwrap_or_else(|_| "a string type".to_owned())
}

/// `error` with a `row` attribute (None for the column's label).
fn set_row(py: Python<'_>, error: PyErr, row: Option<usize>) -> PyErr {
    let value = error.value(py);
    match value.setattr("row", row) {
        Ok(()) => error,
        Err(e) => e,
    }
}

/// A decoded array, offered through `__arrow_c_array__` (and `__arrow_c_stream__`, for
/// consumers that take streams only).
#[pyclass(frozen, module = "convert_utf8.arrow", name = "ArrowArray")]
pub(crate) struct ArrowColumn {
    array: ArrayRef,
}

#[pymethods]
impl ArrowColumn {
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        // The interface lets a producer ignore a requested schema it cannot meet; the consumer
        // casts. The type is chosen by the input's (see the kernel's documentation).
        let _ = requested_schema;
        let (array, schema) =
            to_ffi(&self.array.to_data()).map_err(|e| arrow_error("the result", e))?;
        let schema = PyCapsule::new(py, schema, Some(CString::from(c"arrow_schema")))?;
        let array = PyCapsule::new(py, array, Some(CString::from(c"arrow_array")))?;
        PyTuple::new(py, [schema.into_any(), array.into_any()])
    }

    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        export_stream(py, self.array.data_type(), vec![self.array.clone()])
    }

    fn __len__(&self) -> usize {
        self.array.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<convert_utf8.arrow.ArrowArray {} of {} rows ({} null)>",
            self.array.data_type(),
            self.array.len(),
            self.array.null_count()
        )
    }
}

/// Decoded chunks, offered through `__arrow_c_stream__` (as often as asked: each stream shares
/// the chunks).
#[pyclass(frozen, module = "convert_utf8.arrow", name = "ArrowArrayStream")]
pub(crate) struct ArrowChunks {
    data_type: DataType,
    chunks: Vec<ArrayRef>,
}

impl ArrowChunks {
    fn new(data_type: DataType, chunks: Vec<ArrayRef>) -> ArrowChunks {
        ArrowChunks { data_type, chunks }
    }
}

#[pymethods]
impl ArrowChunks {
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        export_stream(py, &self.data_type, self.chunks.clone())
    }

    fn __len__(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).sum()
    }

    fn __repr__(&self) -> String {
        format!(
            "<convert_utf8.arrow.ArrowArrayStream {} of {} rows in {} chunks>",
            self.data_type,
            self.__len__(),
            self.chunks.len()
        )
    }
}

/// What an exported stream owns: the chunks still to give, and the last error's message.
struct ChunkStream {
    field: Field,
    chunks: VecDeque<ArrayRef>,
    last_error: Option<CString>,
}

/// `chunks` as an `ArrowArrayStream` of arrays of `data_type`, in a capsule. (arrow-rs
/// exports streams of record batches only; a column's stream is of its arrays.)
fn export_stream<'py>(
    py: Python<'py>,
    data_type: &DataType,
    chunks: Vec<ArrayRef>,
) -> PyResult<Bound<'py, PyCapsule>> {
    let private = Box::new(ChunkStream {
        field: Field::new("", data_type.clone(), true),
        chunks: chunks.into(),
        last_error: None,
    });
    // SAFETY: the callbacks below implement the C stream interface over `private`, which the
    // release callback frees once and then marks the stream released.
    let stream = unsafe {
        FFI_ArrowArrayStream::new_unchecked(
            Some(stream_get_schema),
            Some(stream_get_next),
            Some(stream_get_last_error),
            Some(stream_release),
            Box::into_raw(private).cast::<c_void>(),
        )
    };
    PyCapsule::new(py, stream, Some(CString::from(c"arrow_array_stream")))
}

/// The C interface's error code for an export that failed.
const EIO: c_int = 5;

/// # Safety
/// `stream` is a live stream made by `export_stream`.
unsafe fn chunk_stream<'a>(stream: *mut FFI_ArrowArrayStream) -> &'a mut ChunkStream {
    unsafe { &mut *(*stream).private_data().cast::<ChunkStream>() }
}

unsafe extern "C" fn stream_get_schema(
    stream: *mut FFI_ArrowArrayStream,
    out: *mut FFI_ArrowSchema,
) -> c_int {
    // SAFETY: the C interface calls this with the stream and room for a schema.
    let private = unsafe { chunk_stream(stream) };
    match FFI_ArrowSchema::try_from(&private.field) {
        Ok(schema) => {
            unsafe { std::ptr::write(out, schema) };
            0
        }
        Err(e) => {
            private.last_error = CString::new(e.to_string()).ok();
            EIO
        }
    }
}

unsafe extern "C" fn stream_get_next(
    stream: *mut FFI_ArrowArrayStream,
    out: *mut FFI_ArrowArray,
) -> c_int {
    // SAFETY: the C interface calls this with the stream and room for an array.
    let private = unsafe { chunk_stream(stream) };
    let Some(chunk) = private.chunks.pop_front() else {
        // The end: a released array.
        unsafe { std::ptr::write(out, FFI_ArrowArray::empty()) };
        return 0;
    };
    match to_ffi(&chunk.to_data()) {
        Ok((array, _schema)) => {
            unsafe { std::ptr::write(out, array) };
            0
        }
        Err(e) => {
            private.last_error = CString::new(e.to_string()).ok();
            EIO
        }
    }
}

unsafe extern "C" fn stream_get_last_error(stream: *mut FFI_ArrowArrayStream) -> *const c_char {
    // SAFETY: the C interface calls this with a live stream.
    let private = unsafe { chunk_stream(stream) };
    private
        .last_error
        .as_ref()
        .map_or(std::ptr::null(), |message| message.as_ptr())
}

unsafe extern "C" fn stream_release(stream: *mut FFI_ArrowArrayStream) {
    // SAFETY: called once, by the stream's consumer or its drop, on a live stream whose
    // private data `export_stream` boxed.
    unsafe {
        drop(Box::from_raw(
            (*stream).private_data().cast::<ChunkStream>(),
        ));
        (*stream).set_release(None);
    }
}
