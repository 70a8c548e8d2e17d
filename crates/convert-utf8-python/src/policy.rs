//! Decoding with Python's `errors=` conventions, on top of the engine's [`Decoder`].
//!
//! `strict`, `ignore` and `replace` are the engine's own policies. Every other name
//! (`backslashreplace`, `surrogateescape`, anything given to `codecs.register_error`) runs the
//! engine in strict mode: at each bad sequence it stops, this module builds a real
//! `UnicodeDecodeError` (`DecodeError`) for it, calls the handler `codecs.lookup_error(name)`
//! returns, appends the text the handler gives back and resumes where the handler says.
//!
//! Resuming right after the bad sequence (what every built-in handler does) continues the same
//! engine decoder, state and all. Resuming anywhere else restarts a fresh decoder at that
//! position: exact for stateless charsets, but a stateful one (ISO-2022 shift state, a UTF-16 byte
//! order learnt from a BOM) starts over from its initial state there.

use crate::errors::{decode_error, engine_decode_error};
use crate::input::{DETACH_THRESHOLD, Input};
use crate::output::Utf8Out;
use convert_utf8::{
    DecodeError as EngineDecodeError, DecodeStatus, Decoder, ErrorPolicy, MAX_BAD_SEQUENCE_LEN,
    MIN_OUTPUT_SPACE,
};
use pyo3::exceptions::{PyIndexError, PyMemoryError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

/// Output room asked for beyond the input length in one go; the buffer grows as needed.
const OUTPUT_SLACK: usize = 64 * 1024;

/// An `errors=` argument: the engine policy the decoder runs with, and whether a Python error
/// handler is called at each bad sequence.
#[derive(Clone, Debug)]
pub(crate) struct ErrorMode {
    name: String,
    policy: ErrorPolicy,
    calls_handler: bool,
}

impl ErrorMode {
    pub(crate) fn new(name: &str) -> ErrorMode {
        match ErrorPolicy::from_name(name) {
            Some(policy) => ErrorMode {
                name: name.to_owned(),
                policy,
                calls_handler: false,
            },
            None => ErrorMode {
                name: name.to_owned(),
                policy: ErrorPolicy::Strict,
                calls_handler: true,
            },
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Whether a Python error handler is called at each bad sequence.
    pub(crate) fn calls_handler(&self) -> bool {
        self.calls_handler
    }

    /// The policy the engine decoder is built with.
    pub(crate) fn policy(&self) -> ErrorPolicy {
        self.policy
    }

    /// The handler, looked up when the first bad sequence needs it (as Python's codecs do: an
    /// unknown handler name only fails once there is an error to handle).
    fn handler<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        if !self.calls_handler {
            return Ok(None);
        }
        let codecs = py.import(intern!(py, "codecs"))?;
        Ok(Some(codecs.call_method1(
            intern!(py, "lookup_error"),
            (&self.name,),
        )?))
    }
}

/// How far one engine run got.
struct Progress {
    read: usize,
    error: Option<EngineDecodeError>,
}

/// Decodes `src` into `out` until its end or the first bad sequence the policy stops at.
fn run(
    decoder: &mut Decoder,
    src: &[u8],
    last: bool,
    out: &mut Utf8Out,
) -> Result<Progress, std::collections::TryReserveError> {
    let mut read = 0;
    loop {
        let remaining = src.len() - read;
        let want = decoder
            .max_utf8_len(remaining)
            .unwrap_or(usize::MAX)
            .min(remaining.saturating_add(OUTPUT_SLACK))
            .max(MIN_OUTPUT_SPACE);
        let step = decoder.decode(&src[read..], out.room(want)?, last);
        out.advance(step.written);
        read += step.read;
        match step.status {
            DecodeStatus::InputEmpty => return Ok(Progress { read, error: None }),
            DecodeStatus::OutputFull => {}
            DecodeStatus::Error(error) => {
                return Ok(Progress {
                    read,
                    error: Some(error),
                });
            }
        }
    }
}

/// [`run`], with the GIL released when the input is large and cannot change meanwhile.
fn run_releasing_gil(
    py: Python<'_>,
    decoder: &mut Decoder,
    src: &[u8],
    last: bool,
    out: &mut Utf8Out,
    stable: bool,
) -> PyResult<Progress> {
    let progress = if stable && src.len() >= DETACH_THRESHOLD {
        py.detach(|| run(decoder, src, last, out))
    } else {
        run(decoder, src, last, out)
    };
    progress.map_err(|_| PyMemoryError::new_err("out of memory for the decoded text"))
}

/// Whole inputs longer than this are decoded by the engine this many bytes at a time by
/// [`decode_in_batches`].
pub(crate) const BATCH_LEN: usize = 1024 * 1024;

/// Decodes the whole `input` with `decoder` (under one of the engine's own policies) batch by
/// batch into one reused buffer, handing the UTF-8 of each batch to `take`: the output of a
/// large input then never sits whole in a buffer of its own, whose fresh pages would cost more
/// than decoding it. Strict decoding stops at the first bad sequence and raises the engine's
/// error for it, found on this one pass.
pub(crate) fn decode_in_batches(
    py: Python<'_>,
    decoder: &mut Decoder,
    input: &Input<'_>,
    mut take: impl FnMut(&[u8]) -> PyResult<()>,
) -> PyResult<()> {
    let mut out = Utf8Out::from_scratch();
    let mut batches = input.as_slice().chunks(BATCH_LEN).peekable();
    while let Some(batch) = batches.next() {
        out.clear();
        let last = batches.peek().is_none();
        let stable = input.stable_without_gil();
        let progress = run_releasing_gil(py, decoder, batch, last, &mut out, stable)?;
        if let Some(error) = progress.error {
            return Err(engine_decode_error(
                py,
                decoder.charset().name(),
                input,
                &error,
                0,
            ));
        }
        take(out.written())?;
    }
    Ok(())
}

/// How many bytes of earlier inputs [`decode_input`] may need: a bad sequence and the bytes a
/// decoder holds after it are each at most `MAX_BAD_SEQUENCE_LEN` long.
pub(crate) const EARLIER_BYTES: usize = 2 * MAX_BAD_SEQUENCE_LEN;

/// Keeps the last [`EARLIER_BYTES`] of everything passed through it.
#[derive(Default)]
pub(crate) struct Earlier(Vec<u8>);

impl Earlier {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn remember(&mut self, input: &[u8]) {
        let keep_input = &input[input.len().saturating_sub(EARLIER_BYTES)..];
        let keep_old = self.0.len().min(EARLIER_BYTES - keep_input.len());
        self.0.drain(..self.0.len() - keep_old);
        self.0.extend_from_slice(keep_input);
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

/// Decodes one input (`last`: nothing follows it) with `decoder`, appending to `out`, applying
/// `errors`. Exceptions name the charset by its canonical name. Returns how many bad sequences an error
/// handler was called for.
///
/// `UnicodeDecodeError.object` is the input as `bytes`. When a bad sequence began in an earlier
/// input (incremental decoding), the bytes from its start on are put in front, taken from
/// `earlier` (the inputs' last bytes, see [`Earlier`]), so that `object[start:end]` is always the
/// whole bad sequence and resuming anywhere after it is exact.
pub(crate) fn decode_input(
    py: Python<'_>,
    decoder: &mut Decoder,
    input: &Input<'_>,
    earlier: &[u8],
    last: bool,
    errors: &ErrorMode,
    out: &mut Utf8Out,
) -> PyResult<u64> {
    let input_start = decoder.position();
    let src = input.as_slice();
    let progress = run_releasing_gil(py, decoder, src, last, out, input.stable_without_gil())?;
    let Some(mut error) = progress.error else {
        return Ok(0);
    };

    // The bytes `object` the exceptions carry, and how to turn the decoder's offsets into indices
    // in it: index = offset + shift (the decoder numbers from its start or last reset).
    let carried = usize::try_from(input_start.saturating_sub(error.offset())).unwrap_or(usize::MAX);
    let object = if carried == 0 {
        input.to_bytes(py)
    } else {
        // Where `earlier` is too short (it never is for inputs given one after the other),
        // the bad bytes themselves stand in.
        let carried_bytes = match earlier.get(earlier.len().wrapping_sub(carried)..) {
            Some(bytes) if carried <= earlier.len() => bytes,
            _ => error.bytes(),
        };
        let mut joined = Vec::with_capacity(carried_bytes.len() + src.len());
        joined.extend_from_slice(carried_bytes);
        joined.extend_from_slice(src);
        PyBytes::new(py, &joined)
    };
    let carried = if carried <= earlier.len() {
        carried
    } else {
        error.bytes().len().min(carried)
    };
    let mut shift = carried as i128 - i128::from(input_start);
    let mut pos = carried + progress.read;
    let mut handled = 0u64;
    let mut handler = None;
    loop {
        let start = usize::try_from(i128::from(error.offset()) + shift).unwrap_or(0);
        let end = start + error.len();
        let exc = decode_error(
            py,
            decoder.charset().name(),
            &object,
            start,
            end,
            error.kind(),
        )?;
        if handler.is_none() {
            handler = errors.handler(py)?;
        }
        let Some(handler) = &handler else {
            return Err(PyErr::from_value(exc));
        };
        let result = handler.call1((&exc,))?;
        handled += 1;
        let (replacement, newpos) = parse_handler_result(&result)?;
        out.push_text(&replacement)?;

        // Like CPython's own decoders, resume in the original bytes even if the handler
        // assigned a new `exc.object`.
        let len = object.as_bytes().len();
        let newpos = if newpos < 0 {
            newpos.saturating_add(i64::try_from(len).unwrap_or(i64::MAX))
        } else {
            newpos
        };
        let newpos = usize::try_from(newpos)
            .ok()
            .filter(|&p| p <= len)
            .ok_or_else(|| {
                PyIndexError::new_err(format!(
                    "position {newpos} from error handler out of bounds"
                ))
            })?;
        if newpos != end {
            decoder.reset();
            shift = newpos as i128;
            pos = newpos;
        }

        let progress = run_releasing_gil(py, decoder, &object.as_bytes()[pos..], last, out, true)?;
        pos += progress.read;
        match progress.error {
            None => return Ok(handled),
            Some(next) => error = next,
        }
    }
}

/// The `(str, int)` an error handler returns, checked as CPython checks it.
fn parse_handler_result<'py>(result: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyString>, i64)> {
    const MESSAGE: &str = "decoding error handler must return (str, int) tuple";
    let tuple = result
        .cast::<PyTuple>()
        .map_err(|_| PyTypeError::new_err(MESSAGE))?;
    if tuple.len() != 2 {
        return Err(PyTypeError::new_err(MESSAGE));
    }
    let text = tuple
        .get_item(0)?
        .cast_into::<PyString>()
        .map_err(|_| PyTypeError::new_err(MESSAGE))?;
    let position = tuple.get_item(1)?;
    if !position.is_instance_of::<pyo3::types::PyInt>() {
        return Err(PyTypeError::new_err(MESSAGE));
    }
    Ok((text, position.extract::<i64>()?))
}
