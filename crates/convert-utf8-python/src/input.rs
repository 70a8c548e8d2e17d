//! Input bytes from Python: `bytes` read in place, any other buffer (bytearray, memoryview,
//! array, mmap, ...) through the buffer protocol, `str` refused.
//!
//! Whether the GIL may be released while the engine reads the bytes depends on whether another
//! Python thread could change them meanwhile: `bytes` cannot change, a read-only buffer is not
//! written through by its exporter, but a writable buffer (a bytearray) could be. Large writable
//! buffers are therefore copied once into a `bytes` before decoding; small ones are read in place
//! with the GIL held, during which no Python code runs.

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Inputs at least this long are decoded with the GIL released. Below it, releasing and
/// re-taking the GIL would cost more than it frees.
pub(crate) const DETACH_THRESHOLD: usize = 16 * 1024;

/// The bytes of one input, borrowed from their Python object.
pub(crate) enum Input<'py> {
    /// An immutable `bytes` object (also what large writable buffers are copied into).
    Bytes(Bound<'py, PyBytes>),
    /// Any other buffer, held through the buffer protocol.
    View(BufferView<'py>),
}

impl<'py> Input<'py> {
    /// The bytes of `data`: `bytes` or any object with the buffer protocol; `str` is a TypeError.
    pub(crate) fn from_object(data: &Bound<'py, PyAny>) -> PyResult<Input<'py>> {
        if let Ok(bytes) = data.cast::<PyBytes>() {
            return Ok(Input::Bytes(bytes.clone()));
        }
        if data.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "expected a bytes-like object (bytes, bytearray, memoryview, ...), not 'str': \
                 a str is already decoded",
            ));
        }
        let view = BufferView::get(data)?;
        if !view.readonly() && view.as_slice().len() >= DETACH_THRESHOLD {
            // Copied so that the GIL can be released without another thread writing into the
            // bytes being decoded.
            return Ok(Input::Bytes(PyBytes::new(data.py(), view.as_slice())));
        }
        Ok(Input::View(view))
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Input::Bytes(bytes) => bytes.as_bytes(),
            Input::View(view) => view.as_slice(),
        }
    }

    /// Whether the bytes stay unchanged while the GIL is released (see the module comment).
    pub(crate) fn stable_without_gil(&self) -> bool {
        match self {
            Input::Bytes(_) => true,
            Input::View(view) => view.readonly(),
        }
    }

    /// Runs `work` (which reads these bytes) with the GIL released when the input is large
    /// enough for that to pay off and cannot change meanwhile, with the GIL held otherwise.
    pub(crate) fn run_detached_if_large<T: Send>(
        &self,
        py: Python<'_>,
        work: impl FnOnce() -> T + Send,
    ) -> T {
        if self.stable_without_gil() && self.as_slice().len() >= DETACH_THRESHOLD {
            py.detach(work)
        } else {
            work()
        }
    }

    /// The bytes as a `bytes` object, as `UnicodeDecodeError.object` needs them: the object
    /// itself for `bytes`, a copy otherwise.
    pub(crate) fn to_bytes(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        match self {
            Input::Bytes(bytes) => bytes.clone(),
            Input::View(view) => PyBytes::new(py, view.as_slice()),
        }
    }
}

/// A buffer exported by a Python object (`PyBUF_SIMPLE`: contiguous bytes), released on drop.
pub(crate) struct BufferView<'py> {
    // Boxed so the struct the exporter filled in keeps its address until it is released.
    view: Box<ffi::Py_buffer>,
    _py: Python<'py>,
}

impl<'py> BufferView<'py> {
    fn get(data: &Bound<'py, PyAny>) -> PyResult<BufferView<'py>> {
        let mut view = Box::new(ffi::Py_buffer::new());
        // SAFETY: `data` is a live object and `view` points to writable memory for a Py_buffer;
        // we hold the GIL (the `Bound`). On success the exporter filled `view` and must later be
        // told to release it, which `Drop` does.
        let rc = unsafe { ffi::PyObject_GetBuffer(data.as_ptr(), &mut *view, ffi::PyBUF_SIMPLE) };
        if rc != 0 {
            return Err(PyErr::fetch(data.py()));
        }
        Ok(BufferView {
            view,
            _py: data.py(),
        })
    }

    fn readonly(&self) -> bool {
        self.view.readonly != 0
    }

    fn as_slice(&self) -> &[u8] {
        let len = usize::try_from(self.view.len).unwrap_or(0);
        if len == 0 || self.view.buf.is_null() {
            return &[];
        }
        // SAFETY: a PyBUF_SIMPLE export is `len` contiguous bytes at `buf`, valid (and not
        // resized or freed: exporters refuse while an export is held) until PyBuffer_Release,
        // which only happens in `drop`, after every borrow of `self` has ended.
        unsafe { std::slice::from_raw_parts(self.view.buf.cast::<u8>(), len) }
    }
}

impl Drop for BufferView<'_> {
    fn drop(&mut self) {
        // SAFETY: `view` was filled by a successful PyObject_GetBuffer and is released once.
        // The GIL is held: a BufferView carries the `Python<'py>` token and is not `Send`, so it
        // is only ever dropped on a thread that holds the GIL.
        unsafe { ffi::PyBuffer_Release(&mut *self.view) }
    }
}
