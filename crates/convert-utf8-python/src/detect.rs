//! Charset detection for Python: `detect()`, the `Detection` objects it returns, the
//! `DetectionError` raised when a detection is too uncertain to decode with, and the charset that
//! `decode(data, "auto")` and `to_utf8(data, "auto")` decode with.
//!
//! Everything here goes through the engine's public detector (`convert_utf8::detect`), with the
//! GIL released while it runs; decoding after a detection is the ordinary `decode`/`to_utf8`
//! path, given the detected charset.

use crate::charset::resolve;
use crate::errors::{DecodeError, unknown_encoding};
use crate::input::Input;
use convert_utf8::Charset;
use convert_utf8::detect::{Basis, DEFAULT_THRESHOLD, DeclaredVerdict};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyMemoryView, PySlice, PyTuple};
use std::hash::{DefaultHasher, Hash, Hasher};

create_exception!(
    convert_utf8,
    DetectionError,
    PyValueError,
    "`decode(data, \"auto\")` or `to_utf8(data, \"auto\")` found binary data, or no charset \
     with a confidence of at least DETECT_THRESHOLD; `detection` is what the detector found."
);

/// The label that asks `decode` and `to_utf8` to detect the charset (ASCII case ignored).
pub(crate) fn is_auto(label: &str) -> bool {
    label.eq_ignore_ascii_case("auto")
}

/// The confidence below which `"auto"` refuses to decode, as a Python float.
pub(crate) fn threshold() -> f64 {
    to_python_float(DEFAULT_THRESHOLD)
}

/// The `UnknownEncodingError` for `"auto"` where a charset is needed up front (lookup, the
/// incremental decoder, the codec, `convert_file`): detection is for whole inputs.
pub(crate) fn auto_is_not_a_charset(py: Python<'_>, label: &str) -> PyErr {
    let message = format!(
        "`{label}' is not a charset: charset detection works on whole inputs, through \
         decode(data, \"auto\"), to_utf8(data, \"auto\") and detect(data); for a stream or a \
         file, detect() its start and pass the encoding found"
    );
    unknown_encoding(py, &message, label, None)
}

/// An f32 as the Python float with the same shortest decimal form (0.99, not
/// 0.9900000095367432), so that confidences read and compare as they print.
fn to_python_float(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

/// What the detector found, as Python sees it: immutable, compared and hashed by value.
#[pyclass(frozen, eq, module = "convert_utf8", name = "Detection")]
#[derive(Clone, PartialEq)]
pub(crate) struct Detection {
    encoding: Option<&'static str>,
    confidence: f64,
    language: Option<&'static str>,
    bom_len: usize,
    basis: &'static str,
    alternatives: Vec<(&'static str, f64)>,
    declared: Option<&'static str>,
}

impl Detection {
    fn new(found: &convert_utf8::Detection) -> Detection {
        Detection {
            encoding: found.charset().map(|c| c.name()),
            confidence: to_python_float(found.confidence()),
            language: found.language(),
            bom_len: found.bom_len(),
            basis: basis_name(found.basis()),
            alternatives: found
                .alternatives()
                .iter()
                .map(|a| (a.charset.name(), to_python_float(a.confidence)))
                .collect(),
            declared: found.declared().map(|(_, verdict)| verdict_name(verdict)),
        }
    }
}

fn basis_name(basis: Basis) -> &'static str {
    match basis {
        Basis::Empty => "empty",
        Basis::ByteOrderMark => "bom",
        Basis::NulPattern => "nul-pattern",
        Basis::Ascii => "ascii",
        Basis::Escapes => "escapes",
        Basis::Utf8 => "utf-8",
        Basis::Statistics => "statistics",
        Basis::Declared => "declared",
        Basis::Binary => "binary",
        Basis::Unknown => "unknown",
        // A basis added to the engine later: named once this face knows it.
        _ => "other",
    }
}

fn verdict_name(verdict: DeclaredVerdict) -> &'static str {
    match verdict {
        DeclaredVerdict::Kept => "kept",
        DeclaredVerdict::Invalid => "invalid",
        DeclaredVerdict::LessNatural => "less-natural",
        _ => "overridden",
    }
}

#[pymethods]
impl Detection {
    /// The canonical name of the charset to decode with (any function of this package accepts
    /// it), or None for binary data and text the detector cannot place.
    #[getter]
    fn encoding(&self) -> Option<&'static str> {
        self.encoding
    }

    /// The probability, 0 to 1, that decoding with `encoding` gives the right text (charsets
    /// that decode these bytes alike count as one answer); for binary data, how sure the
    /// detector is that it is binary.
    #[getter]
    fn confidence(&self) -> f64 {
        self.confidence
    }

    /// The language the text reads best in (`"ru"`, `"ja"`, `"zh-Hant"`, ...), or None.
    #[getter]
    fn language(&self) -> Option<&'static str> {
        self.language
    }

    /// Whether the data starts with a byte order mark.
    #[getter]
    fn bom(&self) -> bool {
        self.bom_len > 0
    }

    /// How the answer was reached: "empty", "bom", "nul-pattern" (UTF-16/32 without a BOM),
    /// "ascii", "escapes" (ISO-2022-*, UTF-7), "utf-8", "statistics", "declared", "binary" or
    /// "unknown".
    #[getter]
    fn basis(&self) -> &'static str {
        self.basis
    }

    /// The runners-up as `(encoding, confidence)` pairs, most likely first.
    #[getter]
    fn alternatives<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.alternatives)
    }

    /// What became of the `declared=` label: None when there was none, else "kept", "invalid"
    /// (the data is not valid in it) or "less-natural" (valid, but clearly another charset).
    #[getter]
    fn declared(&self) -> Option<&'static str> {
        self.declared
    }

    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.encoding.hash(&mut hasher);
        self.confidence.to_bits().hash(&mut hasher);
        self.language.hash(&mut hasher);
        self.bom_len.hash(&mut hasher);
        self.basis.hash(&mut hasher);
        for (encoding, confidence) in &self.alternatives {
            encoding.hash(&mut hasher);
            confidence.to_bits().hash(&mut hasher);
        }
        self.declared.hash(&mut hasher);
        hasher.finish()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repr = |value: Bound<'_, PyAny>| -> PyResult<String> { Ok(value.repr()?.to_string()) };
        Ok(format!(
            "Detection(encoding={}, confidence={}, language={}, basis={}, bom={}, \
             declared={}, alternatives={})",
            repr(self.encoding.into_pyobject(py)?)?,
            repr(self.confidence.into_pyobject(py)?.into_any())?,
            repr(self.language.into_pyobject(py)?)?,
            repr(self.basis.into_pyobject(py)?.into_any())?,
            if self.bom_len > 0 { "True" } else { "False" },
            repr(self.declared.into_pyobject(py)?)?,
            repr(self.alternatives(py)?.into_any())?,
        ))
    }
}

/// Runs the detector on `input` with the GIL released.
fn run(py: Python<'_>, input: &Input<'_>, declared: Option<Charset>) -> convert_utf8::Detection {
    let detect = |bytes: &[u8]| match declared {
        Some(charset) => convert_utf8::detect_with_declared(bytes, charset),
        None => convert_utf8::detect(bytes),
    };
    if input.stable_without_gil() {
        let bytes = input.as_slice();
        py.detach(|| detect(bytes))
    } else {
        // A small writable buffer (Input copies large ones): another thread could write into it
        // while the GIL is released, so the detector reads a copy.
        let copy = input.as_slice().to_vec();
        py.detach(|| detect(&copy))
    }
}

/// Detects the charset of `data` (bytes, bytearray, memoryview or any buffer; not str).
///
/// `declared` is the label the data came with (an HTTP header, a `<meta>` tag, ...), weighed as
/// evidence: kept unless the data is invalid in it or clearly more natural in another charset;
/// `Detection.declared` says which. An unknown label raises `UnknownEncodingError`.
#[pyfunction]
#[pyo3(signature = (data, *, declared = None))]
pub(crate) fn detect(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    declared: Option<&str>,
) -> PyResult<Detection> {
    let input = Input::from_object(data)?;
    let declared = declared.map(|label| resolve(py, label)).transpose()?;
    Ok(Detection::new(&run(py, &input, declared)))
}

/// `DetectionError` for a detection `decode(data, "auto")` will not decode with.
fn detection_error(py: Python<'_>, found: &convert_utf8::Detection) -> PyErr {
    let detection = Detection::new(found);
    let how_sure = format!("confidence {:.2}", detection.confidence);
    let message = match detection.encoding {
        _ if found.is_binary() => {
            format!("cannot decode: the data looks binary, not text ({how_sure})")
        }
        None => {
            "cannot decode: the data looks like text in no charset the detector knows".to_owned()
        }
        Some(encoding) => {
            let language = detection
                .language
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            let others = detection
                .alternatives
                .iter()
                .map(|(name, confidence)| format!("{name} {confidence:.2}"))
                .collect::<Vec<_>>()
                .join(", ");
            let others = if others.is_empty() {
                String::new()
            } else {
                format!("; alternatives: {others}")
            };
            format!(
                "cannot decode: the charset is uncertain, best guess {encoding}{language} with \
                 {how_sure}, below the threshold {threshold}{others}; pass the encoding instead \
                 of \"auto\"",
                threshold = threshold(),
            )
        }
    };
    let made = py
        .get_type::<DetectionError>()
        .call1((message,))
        .and_then(|exc| {
            exc.setattr("detection", Py::new(py, detection)?)?;
            Ok(exc)
        });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// `decode(data, "auto")` and `to_utf8(data, "auto")`: detects the charset of `data`, then has
/// `decode_as` decode it (after a UTF-8 byte order mark, which the other charsets a mark is
/// detected for, UTF-16 and UTF-32, read and drop themselves). `DetectionError` when the data
/// looks binary or no charset reaches the threshold.
pub(crate) fn decode_detected<'py, T>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    errors: &str,
    decode_as: impl FnOnce(Python<'py>, &Input<'_>, Charset, &str) -> PyResult<T>,
) -> PyResult<T> {
    let input = Input::from_object(data)?;
    let found = run(py, &input, None);
    // Binary data has no charset, at any confidence.
    let Some(charset) = found.charset_at(DEFAULT_THRESHOLD) else {
        return Err(detection_error(py, &found));
    };
    let skip = found.decode_start();
    if skip == 0 {
        return decode_as(py, &input, charset, errors);
    }
    let rest =
        PyMemoryView::from(data)?.get_item(PySlice::new(py, skip as isize, isize::MAX, 1))?;
    let rest = Input::from_object(&rest)?;
    decode_as(py, &rest, charset, errors).map_err(|e| counted_from_start(py, e, &input, skip))
}

/// A `DecodeError` raised about the input after its first `skip` bytes, made to describe the
/// whole input: its `object` and the positions in it.
fn counted_from_start(py: Python<'_>, error: PyErr, input: &Input<'_>, skip: usize) -> PyErr {
    if !error.is_instance_of::<DecodeError>(py) {
        return error;
    }
    let exc = error.value(py);
    let shifted = (|| -> PyResult<()> {
        let start: usize = exc.getattr("start")?.extract()?;
        let end: usize = exc.getattr("end")?.extract()?;
        exc.setattr("object", input.to_bytes(py))?;
        exc.setattr("start", start + skip)?;
        exc.setattr("end", end + skip)?;
        Ok(())
    })();
    match shifted {
        Ok(()) => error,
        Err(e) => e,
    }
}
