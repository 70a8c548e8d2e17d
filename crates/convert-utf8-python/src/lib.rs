//! The Python face of convert-utf8: the `convert_utf8._native` extension module.
//!
//! A thin layer over the engine: labels, decoders, error policies, error positions and file
//! conversion all come from the `convert-utf8` crate; this crate turns Python objects into
//! bytes (`input`), runs the engine with Python's `errors=` conventions (`decode`), builds the
//! resulting `str`/`bytes` (`output`) and raises Python's exceptions (`errors`). The pure-Python
//! package `convert_utf8` (codecs registration, the `codecs.IncrementalDecoder` subclass)
//! re-exports what is here.

mod arrow;
mod charset;
mod detect;
mod errors;
mod file;
mod incremental;
mod input;
mod output;
mod policy;
#[cfg(not(feature = "abi3"))]
mod storage;
mod text;
mod tree;

use charset::{PooledDecoder, resolve};
use convert_utf8::{Charset, Decoder, ErrorPolicy, Family};
use input::Input;
use output::Utf8Out;
use policy::{BATCH_LEN, ErrorMode, decode_input};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use text::OnBad;

/// Decodes all of `input` (a whole input) and returns the output.
fn decode_all(
    py: Python<'_>,
    input: &Input<'_>,
    charset: Charset,
    errors: &str,
) -> PyResult<Utf8Out> {
    let mode = ErrorMode::new(errors);
    let mut decoder = PooledDecoder::get(charset, mode.policy());
    let mut out = Utf8Out::from_scratch();
    decode_input(py, &mut decoder, input, &[], true, &mode, &mut out)?;
    Ok(out)
}

/// The output of a large whole `input` under an engine policy, built by `build` from the engine's
/// output batch by batch; `None` for a small input or a Python error handler (which
/// [`decode_all`] then handles). Strict decoding raises at the first bad sequence.
fn in_batches<'py, T>(
    py: Python<'py>,
    input: &Input<'_>,
    charset: Charset,
    errors: &str,
    build: impl FnOnce(Python<'py>, &mut Decoder, &Input<'_>) -> PyResult<Option<T>>,
) -> PyResult<Option<T>> {
    let mode = ErrorMode::new(errors);
    if mode.calls_handler() || input.as_slice().len() <= BATCH_LEN {
        return Ok(None);
    }
    let mut decoder = PooledDecoder::get(charset, mode.policy());
    build(py, &mut decoder, input)
}

/// Decodes `data` (bytes, bytearray, memoryview or any buffer; not str) from `encoding` (any
/// label: glibc, WHATWG, Python or MIME name) to a str.
///
/// `errors` is `"strict"` (raise `DecodeError`, a `UnicodeDecodeError`), `"ignore"` (drop what
/// `iconv -c` drops), `"replace"` (U+FFFD), or any `codecs` error handler name
/// (`"backslashreplace"`, `"surrogateescape"`, or one registered with `codecs.register_error`).
/// Unknown labels raise `UnknownEncodingError` (a `LookupError`). `encoding="auto"` detects the charset first
/// (`detect()`), raising `DetectionError` (a `ValueError`) for binary data or an uncertain answer.
#[pyfunction]
#[pyo3(signature = (data, encoding, errors = "strict"))]
fn decode<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    encoding: &str,
    errors: &str,
) -> PyResult<Bound<'py, PyString>> {
    with_charset(py, data, encoding, errors, decode_as)
}

/// Runs `decode_as` on `data` with the charset `encoding` names, or, for `"auto"`, the one
/// detected.
fn with_charset<'py, T>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    encoding: &str,
    errors: &str,
    decode_as: impl FnOnce(Python<'py>, &Input<'_>, Charset, &str) -> PyResult<T>,
) -> PyResult<T> {
    if detect::is_auto(encoding) {
        return detect::decode_detected(py, data, errors, decode_as);
    }
    decode_as(
        py,
        &Input::from_object(data)?,
        resolve(py, encoding)?,
        errors,
    )
}

/// `decode()` once the input and its charset are known.
fn decode_as<'py>(
    py: Python<'py>,
    input: &Input<'_>,
    charset: Charset,
    errors: &str,
) -> PyResult<Bound<'py, PyString>> {
    let mode = ErrorMode::new(errors);
    let on_bad = if mode.calls_handler() {
        OnBad::Handler
    } else if mode.policy() == ErrorPolicy::Strict {
        OnBad::Raise
    } else {
        OnBad::EnginePolicy
    };
    if let Some(text) = text::str_from_utf8_input(py, charset, input, on_bad)? {
        return Ok(text);
    }
    if let Some(text) = text::str_from_utf16_input(py, charset, input, on_bad)? {
        return Ok(text);
    }
    if let Some(text) = text::str_from_single_byte_input(py, charset, input, on_bad)? {
        return Ok(text);
    }
    // CJK multi-byte and UTF-7 decode to UTF-16 natively: the str is built from their units,
    // under the engine's policies in one pass.
    let native_utf16 = matches!(charset.name(), "UTF-7" | "UTF-7-IMAP");
    // Under ignore and replace, every family goes this way once its fast route (above) found
    // the input not clean: the engine applies the policy as it decodes, in one pass.
    let engine_policy = on_bad == OnBad::EnginePolicy;
    if (charset.family() == Family::CjkMultibyte || native_utf16 || engine_policy)
        && on_bad != OnBad::Handler
    {
        let mut decoder = PooledDecoder::get(charset, mode.policy());
        if let Some(text) = text::str_from_engine_utf16(py, &mut decoder, input, true)? {
            return Ok(text);
        }
    }
    if let Some(text) = in_batches(py, input, charset, errors, text::str_from_engine_in_batches)? {
        return Ok(text);
    }
    decode_all(py, input, charset, errors)?.to_str(py)
}

/// Like `decode()`, but returns the UTF-8 encoded bytes without building a str.
#[pyfunction]
#[pyo3(signature = (data, encoding, errors = "strict"))]
fn to_utf8<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    encoding: &str,
    errors: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    with_charset(py, data, encoding, errors, to_utf8_as)
}

/// `to_utf8()` once the input and its charset are known.
fn to_utf8_as<'py>(
    py: Python<'py>,
    input: &Input<'_>,
    charset: Charset,
    errors: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let batched = in_batches(
        py,
        input,
        charset,
        errors,
        output::bytes_from_engine_in_batches,
    )?;
    if let Some(utf8) = batched {
        return Ok(utf8);
    }
    decode_all(py, input, charset, errors)?.to_bytes(py)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add_function(wrap_pyfunction!(to_utf8, m)?)?;
    m.add_function(wrap_pyfunction!(charset::lookup, m)?)?;
    m.add_function(wrap_pyfunction!(charset::charsets, m)?)?;
    m.add_function(wrap_pyfunction!(file::convert_file, m)?)?;
    m.add_function(wrap_pyfunction!(detect::detect, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::arrow_decode, m)?)?;
    m.add_function(wrap_pyfunction!(tree::convert_tree, m)?)?;
    m.add_class::<tree::TreeEntry>()?;
    m.add_class::<tree::TreeReport>()?;
    m.add_class::<arrow::ArrowColumn>()?;
    m.add_class::<arrow::ArrowChunks>()?;
    m.add_class::<charset::Charset>()?;
    m.add_class::<detect::Detection>()?;
    m.add_class::<incremental::IncrementalDecoder>()?;
    m.add("DecodeError", py.get_type::<errors::DecodeError>())?;
    m.add(
        "UnknownEncodingError",
        py.get_type::<errors::UnknownEncodingError>(),
    )?;
    m.add(
        "UnsupportedEncodingError",
        py.get_type::<errors::UnsupportedEncodingError>(),
    )?;
    m.add("DetectionError", py.get_type::<detect::DetectionError>())?;
    m.add("DETACH_THRESHOLD", input::DETACH_THRESHOLD)?;
    m.add("DETECT_THRESHOLD", detect::threshold())?;
    Ok(())
}
