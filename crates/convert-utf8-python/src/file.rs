//! `convert_file`: a file to UTF-8 in bounded memory, in place atomically when there is no
//! destination. The engine's `convert_utf8::io` does the work (64 KiB chunks, temporary file,
//! fsync, permissions, rename); this module only translates its errors into Python's, and, for
//! Python error handlers, feeds the same atomic writer from a chunk loop that can call them.

use crate::charset::resolve;
use crate::errors::file_decode_error;
use crate::input::Input;
use crate::output::Utf8Out;
use crate::policy::{Earlier, ErrorMode, decode_input};
use convert_utf8::Decoder;
use convert_utf8::io::{
    AtomicReplace, DEFAULT_CHUNK_SIZE, TranscodeError, convert_file as engine_convert_file,
    describe_io_error,
};
use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::fs::File;
use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::path::PathBuf;

/// The `OSError` subclass Python itself raises for `error` (FileNotFoundError, PermissionError,
/// IsADirectoryError, ...), with `filename` set.
fn os_error(py: Python<'_>, error: &std::io::Error, filename: &Bound<'_, PyAny>) -> PyErr {
    let made = match error.raw_os_error() {
        // OSError(errno, strerror, filename) picks the subclass from errno, as for open().
        Some(code) => py
            .get_type::<PyOSError>()
            .call1((code, describe_io_error(error), filename)),
        None => {
            let err = PyErr::from(std::io::Error::new(error.kind(), error.to_string()));
            let value = err.into_value(py).into_bound(py).into_any();
            value.setattr("filename", filename).map(|()| value)
        }
    };
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// Converts the file `src` from `encoding` to UTF-8, into `dst`, or in place when `dst` is None
/// (or names the same file). Memory stays bounded whatever the file size. The destination is
/// replaced atomically (temporary file in its directory, fsync, permissions of the file it
/// replaces, rename): on any error it is left as it was and no temporary file remains.
///
/// `errors` is as for `decode()`; under `"strict"` a bad sequence raises `DecodeError` whose
/// `start`/`end` are byte offsets in the file and whose `object` holds just the bad bytes.
/// I/O failures raise the matching `OSError` subclass with `filename` set. Returns how many bad
/// sequences were dropped, replaced or handed to the error handler.
#[pyfunction]
#[pyo3(signature = (src, dst = None, *, encoding, errors = "strict"))]
pub(crate) fn convert_file(
    py: Python<'_>,
    src: &Bound<'_, PyAny>,
    dst: Option<&Bound<'_, PyAny>>,
    encoding: &str,
    errors: &str,
) -> PyResult<u64> {
    let src_path: PathBuf = src.extract()?;
    let dst_path: Option<PathBuf> = dst.map(|d| d.extract()).transpose()?;
    let dst_object = dst.unwrap_or(src);
    let charset = resolve(py, encoding)?;
    let mode = ErrorMode::new(errors);
    if !mode.calls_handler() {
        let result = py
            .detach(|| engine_convert_file(&src_path, dst_path.as_deref(), charset, mode.policy()));
        return match result {
            Ok(done) => Ok(done.errors),
            Err(TranscodeError::Open(e) | TranscodeError::Read(e)) => Err(os_error(py, &e, src)),
            Err(TranscodeError::Write(e)) => Err(os_error(py, &e, dst_object)),
            Err(TranscodeError::Decode(e)) => Err(file_decode_error(py, charset.name(), &e, src)),
            Err(other) => Err(PyRuntimeError::new_err(other.to_string())),
        };
    }

    // A Python error handler: the same atomic writer, fed chunk by chunk with the GIL held
    // around each handler call.
    let mut decoder = Decoder::new(charset, mode.policy());
    let mut input = File::open(&src_path).map_err(|e| os_error(py, &e, src))?;
    let mut output = AtomicReplace::new(dst_path.as_deref().unwrap_or(&src_path))
        .map_err(|e| os_error(py, &e, dst_object))?;
    let mut chunk = vec![0u8; DEFAULT_CHUNK_SIZE];
    let mut out = Utf8Out::from_scratch();
    let mut handled = 0;
    let mut earlier = Earlier::default();
    loop {
        let n = match input.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == IoErrorKind::Interrupted => continue,
            Err(e) => return Err(os_error(py, &e, src)),
        };
        let last = n == 0;
        let piece = Input::Bytes(PyBytes::new(py, &chunk[..n]));
        handled += decode_input(
            py,
            &mut decoder,
            &piece,
            earlier.bytes(),
            last,
            &mode,
            &mut out,
        )?;
        earlier.remember(&chunk[..n]);
        output
            .write_all(out.utf8(py)?)
            .map_err(|e| os_error(py, &e, dst_object))?;
        out.clear();
        if last {
            break;
        }
    }
    output.commit().map_err(|e| os_error(py, &e, dst_object))?;
    Ok(handled)
}
