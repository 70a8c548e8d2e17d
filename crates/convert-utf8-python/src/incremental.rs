//! The native half of `convert_utf8.IncrementalDecoder`: one engine decoder kept across calls,
//! so a sequence split between two inputs decodes as if it came in one.

use crate::charset::resolve;
use crate::input::Input;
use crate::output::Utf8Out;
use crate::policy::{Earlier, ErrorMode, decode_input};
use convert_utf8::{Charset, Decoder};
use pyo3::prelude::*;
use pyo3::types::PyString;

/// Decodes a stream given in pieces. Not for use by several threads at once (a second thread
/// gets a `RuntimeError` while the first is inside `decode`).
#[pyclass(module = "convert_utf8._native", name = "IncrementalDecoder")]
pub(crate) struct IncrementalDecoder {
    charset: Charset,
    errors: ErrorMode,
    decoder: Decoder,
    /// The last bytes given, for exceptions about sequences that began in an earlier call.
    earlier: Earlier,
}

#[pymethods]
impl IncrementalDecoder {
    #[new]
    #[pyo3(signature = (encoding, errors = "strict"))]
    fn new(py: Python<'_>, encoding: &str, errors: &str) -> PyResult<Self> {
        let charset = resolve(py, encoding)?;
        let errors = ErrorMode::new(errors);
        let decoder = Decoder::new(charset, errors.policy());
        Ok(IncrementalDecoder {
            charset,
            errors,
            decoder,
            earlier: Earlier::default(),
        })
    }

    /// Decodes `input`, holding back a sequence it ends inside; with `final=True` nothing
    /// follows and what is held back goes through the error policy. After a `DecodeError` the
    /// decoder starts over as if new.
    #[pyo3(signature = (input, r#final = false))]
    fn decode<'py>(
        &mut self,
        py: Python<'py>,
        input: &Bound<'py, PyAny>,
        r#final: bool,
    ) -> PyResult<Bound<'py, PyString>> {
        let input = Input::from_object(input)?;
        let mut out = Utf8Out::from_scratch();
        let decoded = decode_input(
            py,
            &mut self.decoder,
            &input,
            self.earlier.bytes(),
            r#final,
            &self.errors,
            &mut out,
        );
        if decoded.is_err() || r#final {
            // After an error, or after the end, the next input starts a new stream.
            self.reset();
        } else {
            self.earlier.remember(input.as_slice());
        }
        decoded?;
        out.to_str(py)
    }

    /// Back to the state of a new decoder.
    fn reset(&mut self) {
        self.decoder.reset();
        self.earlier.clear();
    }

    /// The canonical name of the charset being decoded.
    #[getter]
    fn encoding(&self) -> &'static str {
        self.charset.name()
    }

    /// The `errors=` name in force.
    #[getter]
    fn errors(&self) -> &str {
        self.errors.name()
    }
}
