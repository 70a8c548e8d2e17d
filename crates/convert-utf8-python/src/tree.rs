//! `convert_tree`: files and trees converted in place by `convert_utf8_tree`, on its own
//! threads, while the calling thread (holding the GIL only to build each entry and call the
//! progress callback) gathers the report. Ctrl-C, or an exception from the callback, stops the
//! run cleanly: conversions already made are put in place, nothing is left half-done.

use crate::charset::resolve;
use crate::detect::is_auto;
use convert_utf8_tree::{Encoding, Entry, Observer, Options, Summary};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// One file of a report: immutable, compared by value.
#[pyclass(frozen, eq, module = "convert_utf8", name = "TreeEntry")]
#[derive(Clone, PartialEq)]
pub(crate) struct TreeEntry {
    /// The path's bytes.
    path: Vec<u8>,
    /// `"converted"`, `"would-convert"`, `"already-utf8"`, `"skipped"`, `"failed"` or
    /// `"removed-temporary"`.
    #[pyo3(get)]
    action: &'static str,
    /// The charset it was (or would be) converted from, or is in.
    #[pyo3(get)]
    charset: Option<&'static str>,
    /// The detector's confidence, when the charset was detected.
    #[pyo3(get)]
    confidence: Option<f64>,
    /// Why it was left or failed, or a note.
    #[pyo3(get)]
    reason: Option<String>,
    /// Its size in bytes.
    #[pyo3(get)]
    bytes: u64,
    /// For a skipped file: whether text was left in its legacy charset (uncertain, invalid,
    /// changed meanwhile, hard links, backup present), as opposed to left by design.
    #[pyo3(get)]
    text_left: bool,
}

#[pymethods]
impl TreeEntry {
    /// The path, as `os.fsdecode` gives it (bytes that are not UTF-8 as surrogate escapes, so
    /// that `os.fsencode` gives them back).
    #[getter]
    fn path<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        PyString::from_encoded_object(
            &PyBytes::new(py, &self.path),
            Some(c"utf-8"),
            Some(c"surrogateescape"),
        )
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = |value: Option<&str>| -> PyResult<String> {
            match value {
                Some(value) => Ok(PyString::new(py, value).repr()?.to_string()),
                None => Ok("None".to_owned()),
            }
        };
        Ok(format!(
            "TreeEntry(path={}, action={}, charset={}, confidence={}, reason={})",
            self.path(py)?.repr()?,
            text(Some(self.action))?,
            text(self.charset)?,
            self.confidence.map_or("None".to_owned(), |c| c.to_string()),
            text(self.reason.as_deref())?,
        ))
    }
}

impl TreeEntry {
    fn new(entry: &Entry) -> TreeEntry {
        TreeEntry {
            path: entry.path.clone().into_os_string().into_vec(),
            action: entry.action.name(),
            charset: entry.charset.map(|c| c.name()),
            confidence: entry
                .confidence
                .map(|c| c.to_string().parse().unwrap_or(f64::from(c))),
            reason: entry.reason.clone(),
            bytes: entry.bytes,
            text_left: matches!(
                entry.action,
                convert_utf8_tree::Action::Skipped(skip) if skip.leaves_text_unconverted()
            ),
        }
    }
}

/// What a run did: the counts, and an entry per file met.
#[pyclass(frozen, module = "convert_utf8", name = "TreeReport")]
pub(crate) struct TreeReport {
    #[pyo3(get)]
    converted: u64,
    #[pyo3(get)]
    would_convert: u64,
    #[pyo3(get)]
    already_utf8: u64,
    #[pyo3(get)]
    skipped: u64,
    #[pyo3(get)]
    failed: u64,
    #[pyo3(get)]
    removed_temporaries: u64,
    /// Of the skipped, text files left in their legacy charset.
    #[pyo3(get)]
    text_left: u64,
    #[pyo3(get)]
    bytes_converted: u64,
    /// Each file met, in the order the run finished them.
    #[pyo3(get)]
    entries: Py<PyList>,
}

#[pymethods]
impl TreeReport {
    /// Whether every file was converted or left by design (no failure, no text left behind):
    /// what the command's exit status 0 means.
    #[getter]
    fn ok(&self) -> bool {
        self.failed == 0 && self.text_left == 0
    }

    fn __repr__(&self) -> String {
        format!(
            "TreeReport(converted={}, would_convert={}, already_utf8={}, skipped={}, failed={}, \
             removed_temporaries={}, text_left={})",
            self.converted,
            self.would_convert,
            self.already_utf8,
            self.skipped,
            self.failed,
            self.removed_temporaries,
            self.text_left
        )
    }
}

/// Sends each entry to the calling thread.
struct Sender(mpsc::Sender<Entry>);

impl Observer for Sender {
    fn entry(&self, entry: &Entry) {
        let _ = self.0.send(entry.clone());
    }
}

/// A path argument: `str`, `bytes` or `os.PathLike`, as `os.fsencode` takes it.
fn path_of(py: Python<'_>, object: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    let os = py.import("os")?;
    let bytes: Vec<u8> = os.call_method1("fsencode", (object,))?.extract()?;
    Ok(PathBuf::from(OsString::from_vec(bytes)))
}

fn paths_of(py: Python<'_>, paths: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    let one = paths.is_instance_of::<PyString>()
        || paths.is_instance_of::<PyBytes>()
        || paths.hasattr("__fspath__")?;
    if one {
        return Ok(vec![path_of(py, paths)?]);
    }
    let mut all = Vec::new();
    for path in paths.try_iter().map_err(|_| {
        PyTypeError::new_err(
            "paths must be a path (str, bytes, os.PathLike) or an iterable of them",
        )
    })? {
        all.push(path_of(py, &path?)?);
    }
    if all.is_empty() {
        return Err(PyValueError::new_err("no file or directory to convert"));
    }
    Ok(all)
}

/// `include=` or `exclude=`: one glob, or an iterable of them (none for `None`), as `paths_of`
/// takes one path or several.
fn globs(given: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Vec<String>> {
    let Some(given) = given.filter(|given| !given.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(one) = given.extract::<String>() {
        return Ok(vec![one]);
    }
    let not_globs = || {
        PyTypeError::new_err(format!(
            "{name} must be a glob (str) or an iterable of them"
        ))
    };
    given
        .try_iter()
        .map_err(|_| not_globs())?
        .map(|item| item?.extract::<String>().map_err(|_| not_globs()))
        .collect()
}

/// See `convert_utf8.convert_tree` (in `python/convert_utf8/__init__.py`).
#[pyfunction]
#[pyo3(signature = (
    paths, encoding = "auto", *, recursive = true, dry_run = false, backup = None, jobs = None,
    progress = None, threshold = None, include = None, exclude = None, hidden = false,
    ignore_files = true, follow_links = false, hard_links = false, keep_mtime = false
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn convert_tree(
    py: Python<'_>,
    paths: &Bound<'_, PyAny>,
    encoding: &str,
    recursive: bool,
    dry_run: bool,
    backup: Option<&Bound<'_, PyAny>>,
    jobs: Option<usize>,
    progress: Option<&Bound<'_, PyAny>>,
    threshold: Option<f64>,
    include: Option<&Bound<'_, PyAny>>,
    exclude: Option<&Bound<'_, PyAny>>,
    hidden: bool,
    ignore_files: bool,
    follow_links: bool,
    hard_links: bool,
    keep_mtime: bool,
) -> PyResult<TreeReport> {
    let paths = paths_of(py, paths)?;
    let include = globs(include, "include")?;
    let exclude = globs(exclude, "exclude")?;
    let encoding = if is_auto(encoding) {
        Encoding::Auto
    } else {
        Encoding::Charset(resolve(py, encoding)?)
    };
    let threshold = threshold.unwrap_or_else(crate::detect::threshold) as f32;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(PyValueError::new_err(format!(
            "threshold must be between 0 and 1, not {threshold}"
        )));
    }
    if jobs.is_some_and(|jobs| !(1..=convert_utf8_tree::MAX_JOBS).contains(&jobs)) {
        return Err(PyValueError::new_err(format!(
            "jobs must be an int from 1 to {} or None",
            convert_utf8_tree::MAX_JOBS
        )));
    }
    let backup = match backup {
        None => None,
        Some(suffix) => {
            let suffix = path_of(py, suffix)?.into_os_string();
            if suffix.is_empty() || suffix.as_encoded_bytes().contains(&b'/') {
                return Err(PyValueError::new_err(
                    "backup must be a non-empty suffix without '/'",
                ));
            }
            Some(suffix)
        }
    };
    if let Some(progress) = progress
        && !progress.is_callable()
    {
        return Err(PyTypeError::new_err("progress must be callable or None"));
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let options = Options {
        encoding,
        threshold,
        recursive,
        include,
        exclude,
        hidden,
        ignore_files,
        follow_links,
        hard_links,
        dry_run,
        backup,
        jobs: jobs.unwrap_or(0),
        keep_times: keep_mtime,
        durable: true,
        cancel: Some(Arc::clone(&cancel)),
    };
    let (sender, received) = mpsc::channel();
    // Waited on without the GIL, which wants a receiver that can be shared.
    let received = std::sync::Mutex::new(received);
    let running = std::thread::spawn(move || {
        convert_utf8_tree::convert_tree(&paths, &options, &Sender(sender))
            .map_err(|e| e.to_string())
    });
    let entries = PyList::empty(py);
    let mut stopped: Option<PyErr> = None;
    loop {
        let next = py.detach(|| {
            received
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .recv_timeout(Duration::from_millis(100))
        });
        match next {
            Ok(entry) => {
                let entry = Py::new(py, TreeEntry::new(&entry))?;
                entries.append(&entry)?;
                if stopped.is_none()
                    && let Some(progress) = progress
                    && let Err(e) = progress.call1((entry,))
                {
                    cancel.store(true, Ordering::Relaxed);
                    stopped = Some(e);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if stopped.is_none()
                    && let Err(e) = py.check_signals()
                {
                    cancel.store(true, Ordering::Relaxed);
                    stopped = Some(e);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let summary = py
        .detach(|| running.join())
        .map_err(|_| PyValueError::new_err("the conversion stopped unexpectedly"))?
        .map_err(PyValueError::new_err)?;
    if let Some(e) = stopped {
        return Err(e);
    }
    Ok(report(summary, entries.unbind()))
}

fn report(summary: Summary, entries: Py<PyList>) -> TreeReport {
    TreeReport {
        converted: summary.converted,
        would_convert: summary.would_convert,
        already_utf8: summary.already_utf8,
        skipped: summary.skipped,
        failed: summary.failed,
        removed_temporaries: summary.removed_temporaries,
        text_left: summary.text_left,
        bytes_converted: summary.bytes_converted,
        entries,
    }
}
