//! The Python exceptions, and the translation of the engine's errors into them.
//!
//! - `DecodeError(UnicodeDecodeError)`: a bad sequence, with `encoding`, `object`, `start`, `end`
//!   and `reason` as Python's codecs set them.
//! - `UnknownEncodingError(LookupError)`: a label no charset goes by, with the engine's "did you
//!   mean" suggestion in the message and in `suggestion`.
//! - `UnsupportedEncodingError(LookupError)`: an attempt to encode (convert_utf8 only decodes),
//!   or a conversion target other than UTF-8. A `LookupError`, as for a codec Python
//!   does not have, so code that falls back on `LookupError` keeps working.

use crate::input::Input;
use convert_utf8::{
    Charset, DecodeError as EngineDecodeError, DecodeStatus, Decoder, Error, ErrorKind,
    ErrorPolicy, MIN_OUTPUT_SPACE,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyLookupError, PyRuntimeError, PyUnicodeDecodeError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

create_exception!(
    convert_utf8,
    DecodeError,
    PyUnicodeDecodeError,
    "A bad byte sequence: `start`/`end` are its byte span in `object`."
);
create_exception!(
    convert_utf8,
    UnknownEncodingError,
    PyLookupError,
    "No charset goes by this label; `label` is the label, `suggestion` the closest known name \
     or None."
);
create_exception!(
    convert_utf8,
    UnsupportedEncodingError,
    PyLookupError,
    "The charset is known but cannot be decoded by this build (or encoding was asked for); \
     `name` is its canonical name."
);

/// `reason` for a bad sequence: glibc's words, which say when the input was cut short.
pub(crate) fn reason(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Truncated => {
            "truncated input: incomplete character or shift sequence at end of input"
        }
        _ => "illegal input sequence",
    }
}

/// A `DecodeError` for bytes `object[start..end]`, not yet raised.
pub(crate) fn decode_error<'py>(
    py: Python<'py>,
    encoding: &str,
    object: &Bound<'py, PyBytes>,
    start: usize,
    end: usize,
    kind: ErrorKind,
) -> PyResult<Bound<'py, PyAny>> {
    py.get_type::<DecodeError>()
        .call1((encoding, object, start, end, reason(kind)))
}

/// The `DecodeError` for the engine's `error` in a whole `input`, whose decoder began `shift`
/// bytes into it, to be raised.
pub(crate) fn engine_decode_error(
    py: Python<'_>,
    encoding: &str,
    input: &Input<'_>,
    error: &EngineDecodeError,
    shift: usize,
) -> PyErr {
    let start = shift + usize::try_from(error.offset()).unwrap_or(usize::MAX - shift);
    let made = decode_error(
        py,
        encoding,
        &input.to_bytes(py),
        start,
        start + error.len(),
        error.kind(),
    );
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// The engine's exception (naming `encoding`) for the first bad sequence of a whole `input` from
/// byte `at` on, which must be where one begins; `reader` is a stateless charset that reads the
/// input from there as the decoder of the whole input does. Only the bad sequence is decoded
/// again.
pub(crate) fn engine_error_at(
    py: Python<'_>,
    encoding: &str,
    reader: Charset,
    input: &Input<'_>,
    at: usize,
) -> PyErr {
    let mut decoder = Decoder::new(reader, ErrorPolicy::Strict);
    // The engine stops at the bad sequence before writing anything: the least room it takes.
    let mut units = [0u16; MIN_OUTPUT_SPACE];
    match decoder
        .decode_utf16(&input.as_slice()[at..], &mut units, true)
        .status
    {
        DecodeStatus::Error(error) => engine_decode_error(py, encoding, input, &error, at),
        _ => PyRuntimeError::new_err(format!("no bad sequence at byte {at} of the input")),
    }
}

/// A `DecodeError` for a bad sequence found in a file, whose bytes are not in memory: `object`
/// holds the bad bytes only, `start`/`end` are their offsets in the file, `filename` the file.
pub(crate) fn file_decode_error(
    py: Python<'_>,
    encoding: &str,
    error: &EngineDecodeError,
    filename: &Bound<'_, PyAny>,
) -> PyErr {
    let object = PyBytes::new(py, error.bytes());
    let made = py
        .get_type::<DecodeError>()
        .call1((
            encoding,
            object,
            error.offset(),
            error.end(),
            reason(error.kind()),
        ))
        .and_then(|exc| {
            exc.setattr("filename", filename)?;
            exc.call_method1("add_note", (format!("in file {}", filename.repr()?),))?;
            Ok(exc)
        });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// The Python exception for an engine error other than a bad sequence.
pub(crate) fn engine_error(py: Python<'_>, error: &Error) -> PyErr {
    let message = error.to_string();
    let made = match error {
        Error::UnknownCharset { label, suggestion } => {
            return unknown_encoding(py, &message, label, *suggestion);
        }
        Error::UnsupportedTarget { label } => unsupported(py, &message, label),
        _ => return PyRuntimeError::new_err(message),
    };
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// An `UnknownEncodingError` for `label`, with the closest known name if there is one.
pub(crate) fn unknown_encoding(
    py: Python<'_>,
    message: &str,
    label: &str,
    suggestion: Option<&str>,
) -> PyErr {
    let made = py
        .get_type::<UnknownEncodingError>()
        .call1((message,))
        .and_then(|exc| {
            exc.setattr("label", label)?;
            exc.setattr("suggestion", suggestion)?;
            Ok(exc)
        });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

fn unsupported<'py>(py: Python<'py>, message: &str, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let exc = py
        .get_type::<UnsupportedEncodingError>()
        .call1((message,))?;
    exc.setattr("name", name)?;
    Ok(exc)
}
