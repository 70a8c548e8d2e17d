//! The UTF-8 the engine writes, gathered in one growable buffer, and turned into a `str` or
//! `bytes` at the end.
//!
//! Error handlers may return text with lone surrogates (`surrogateescape` does), which UTF-8
//! cannot carry. They are stored in their generalised UTF-8 form (ED A0..BF xx), which the
//! engine never writes, and the `str` is then built with CPython's `surrogatepass` UTF-8
//! decoder, which turns exactly those back into lone surrogates. Output without them, the
//! usual case, is turned into a `str` by the faster route in [`crate::text`].

use crate::input::Input;
use crate::policy::decode_in_batches;
use crate::text::str_from_valid_utf8;
use convert_utf8::Decoder;
use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::cell::Cell;

/// Buffers that grew beyond this are freed after use instead of being kept for the next call.
const KEEP_SCRATCH_UP_TO: usize = 8 * 1024 * 1024;

thread_local! {
    /// One reusable output buffer per thread: repeated calls then touch no fresh pages.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Decoded output: `buf[..len]` is written; `buf[len..]` is zero-initialised room.
pub(crate) struct Utf8Out {
    buf: Vec<u8>,
    len: usize,
    has_surrogates: bool,
}

impl Utf8Out {
    /// An empty output using this thread's scratch buffer (taken, so re-entrant calls from an
    /// error handler get their own).
    pub(crate) fn from_scratch() -> Utf8Out {
        Utf8Out {
            buf: SCRATCH.with(Cell::take),
            len: 0,
            has_surrogates: false,
        }
    }

    pub(crate) fn written(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.has_surrogates = false;
    }

    /// At least `want` bytes of writable room after what is written.
    pub(crate) fn room(
        &mut self,
        want: usize,
    ) -> Result<&mut [u8], std::collections::TryReserveError> {
        let needed = self.len.saturating_add(want);
        if self.buf.len() < needed {
            self.buf.try_reserve(needed - self.buf.len())?;
            self.buf.resize(needed, 0);
        }
        Ok(&mut self.buf[self.len..])
    }

    /// Records that `n` bytes of the room were written.
    pub(crate) fn advance(&mut self, n: usize) {
        debug_assert!(self.len + n <= self.buf.len());
        self.len += n;
    }

    /// Appends the text an error handler returned.
    pub(crate) fn push_text(&mut self, text: &Bound<'_, PyString>) -> PyResult<()> {
        let encoded;
        let utf8: &[u8] = match text.to_str() {
            Ok(s) => s.as_bytes(),
            Err(_) => {
                // Lone surrogates: keep them in generalised UTF-8 (see the module comment).
                encoded = text
                    .call_method1("encode", ("utf-8", "surrogatepass"))?
                    .cast_into::<PyBytes>()?;
                self.has_surrogates = true;
                encoded.as_bytes()
            }
        };
        self.room(utf8.len())
            .map_err(|_| PyMemoryError::new_err(()))?[..utf8.len()]
            .copy_from_slice(utf8);
        self.len += utf8.len();
        Ok(())
    }

    /// The output as UTF-8, borrowed; lone surrogates from an error handler raise as in
    /// [`to_bytes`](Self::to_bytes).
    pub(crate) fn utf8(&self, py: Python<'_>) -> PyResult<&[u8]> {
        if self.has_surrogates {
            return Err(self.to_bytes(py).err().unwrap_or_else(|| {
                PyValueError::new_err("lone surrogates cannot be written as UTF-8")
            }));
        }
        Ok(self.written())
    }

    /// The output as a `str`.
    pub(crate) fn to_str<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        if self.has_surrogates {
            str_from_generalised_utf8(py, self.written())
        } else {
            str_from_valid_utf8(py, self.written())
        }
    }

    /// The output as UTF-8 `bytes`; text with lone surrogates cannot be UTF-8, and raises the
    /// same `UnicodeEncodeError` as `text.encode("utf-8")` would.
    pub(crate) fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        if self.has_surrogates {
            let text = self.to_str(py)?;
            return Ok(text
                .call_method1("encode", ("utf-8",))?
                .cast_into::<PyBytes>()?);
        }
        Ok(PyBytes::new(py, self.written()))
    }
}

impl Drop for Utf8Out {
    fn drop(&mut self) {
        if self.buf.capacity() <= KEEP_SCRATCH_UP_TO {
            let buf = std::mem::take(&mut self.buf);
            SCRATCH.with(|scratch| {
                // Keep the larger of the two if a re-entrant call put one back meanwhile.
                let other = scratch.take();
                scratch.set(if other.capacity() > buf.capacity() {
                    other
                } else {
                    buf
                });
            });
        }
    }
}

/// The UTF-8 `bytes` of a whole input decoded by `decoder` under one of the engine's own
/// policies (no Python error handler), decoded batch by batch (see [`decode_in_batches`]) and
/// appended to the `bytes` with `PyBytes_Concat`, which CPython grows in place while the object
/// is referenced only here. Strict decoding raises at the first bad sequence.
pub(crate) fn bytes_from_engine_in_batches<'py>(
    py: Python<'py>,
    decoder: &mut Decoder,
    input: &Input<'_>,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let mut joined: Option<Bound<'py, PyBytes>> = None;
    decode_in_batches(py, decoder, input, |utf8| {
        let Some(so_far) = joined.take() else {
            joined = Some(PyBytes::new(py, utf8));
            return Ok(());
        };
        let len = ffi::Py_ssize_t::try_from(utf8.len()).map_err(|_| PyMemoryError::new_err(()))?;
        // SAFETY: the memoryview reads `utf8`, which outlives it: it is released below, and
        // PyBytes_Concat keeps no reference to it (it copies the bytes). `so_far` is a reference
        // we own; CPython replaces it with the joined bytes (a reference we own) or releases it
        // and sets it to NULL with an exception set.
        unsafe {
            let view = Bound::from_owned_ptr_or_err(
                py,
                ffi::PyMemoryView_FromMemory(utf8.as_ptr().cast_mut().cast(), len, ffi::PyBUF_READ),
            )?;
            let mut so_far = so_far.into_ptr();
            ffi::PyBytes_Concat(&mut so_far, view.as_ptr());
            drop(view);
            joined = Some(Bound::from_owned_ptr_or_err(py, so_far)?.cast_into_unchecked());
        }
        Ok(())
    })?;
    Ok(Some(joined.unwrap_or_else(|| PyBytes::new(py, b""))))
}

/// A `str` from generalised UTF-8 (see the module comment), by CPython's UTF-8 constructor
/// with `surrogatepass`, which turns the encoded surrogates back into lone surrogates.
fn str_from_generalised_utf8<'py>(py: Python<'py>, utf8: &[u8]) -> PyResult<Bound<'py, PyString>> {
    let len = ffi::Py_ssize_t::try_from(utf8.len()).map_err(|_| PyMemoryError::new_err(()))?;
    // SAFETY: `utf8` is valid for `len` bytes for the whole call; CPython copies it, validates
    // it (raising instead of trusting it) and returns a new reference or NULL with an exception
    // set, which `from_owned_ptr_or_err` turns into a PyErr.
    unsafe {
        let ptr = ffi::PyUnicode_DecodeUTF8(utf8.as_ptr().cast(), len, c"surrogatepass".as_ptr());
        Ok(Bound::from_owned_ptr_or_err(py, ptr)?.cast_into_unchecked::<PyString>())
    }
}
