//! Charsets as Python sees them: label resolution, the `Charset` objects `lookup()` and
//! `charsets()` return, and building engine decoders with the engine's errors translated.

use crate::detect::{auto_is_not_a_charset, is_auto};
use crate::errors::engine_error;
use convert_utf8::{Charset as EngineCharset, Decoder, ErrorPolicy};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::cell::RefCell;

/// How many labels, and how many idle decoders, each thread keeps for reuse.
const CACHED_PER_THREAD: usize = 8;

thread_local! {
    /// Labels resolved lately: resolving one means normalising it and searching 1,180 names,
    /// which costs more than decoding a short input.
    static RESOLVED: RefCell<Vec<(Box<str>, EngineCharset)>> = const { RefCell::new(Vec::new()) };
    /// Decoders finished with, reset to their initial state: building one for some families
    /// means finding its tables by name, again more than a short input costs.
    /// Boxed, because some decoders are large and a box moves as one pointer.
    #[allow(clippy::vec_box, reason = "decoders move in and out on every call")]
    static IDLE_DECODERS: RefCell<Vec<Box<Decoder>>> = const { RefCell::new(Vec::new()) };
}

/// The charset `label` means (glibc's meaning first, then WHATWG, Python and MIME names).
/// `"auto"` is no charset: only `decode` and `to_utf8` take it, before resolving.
pub(crate) fn resolve(py: Python<'_>, label: &str) -> PyResult<EngineCharset> {
    let cached = RESOLVED.with_borrow(|resolved| {
        resolved
            .iter()
            .find(|(known, _)| **known == *label)
            .map(|&(_, charset)| charset)
    });
    if let Some(charset) = cached {
        return Ok(charset);
    }
    let charset = EngineCharset::for_label(label).map_err(|e| {
        if is_auto(label) {
            auto_is_not_a_charset(py, label)
        } else {
            engine_error(py, &e)
        }
    })?;
    RESOLVED.with_borrow_mut(|resolved| {
        if resolved.len() == CACHED_PER_THREAD {
            resolved.remove(0);
        }
        resolved.push((label.into(), charset));
    });
    Ok(charset)
}

/// A decoder for one whole input, taken from this thread's idle decoders when one for the same
/// charset and policy is there, and put back (reset) when dropped.
pub(crate) struct PooledDecoder(Option<Box<Decoder>>);

impl PooledDecoder {
    pub(crate) fn get(charset: EngineCharset, policy: ErrorPolicy) -> PooledDecoder {
        let idle = IDLE_DECODERS.with_borrow_mut(|idle| {
            let at = idle
                .iter()
                .position(|d| d.charset() == charset && d.policy() == policy)?;
            Some(idle.swap_remove(at))
        });
        PooledDecoder(Some(
            idle.unwrap_or_else(|| Box::new(Decoder::new(charset, policy))),
        ))
    }
}

impl std::ops::Deref for PooledDecoder {
    type Target = Decoder;
    fn deref(&self) -> &Decoder {
        self.0.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for PooledDecoder {
    fn deref_mut(&mut self) -> &mut Decoder {
        self.0.as_mut().expect("present until dropped")
    }
}

impl Drop for PooledDecoder {
    fn drop(&mut self) {
        let Some(mut decoder) = self.0.take() else {
            return;
        };
        // Back to the state of a new decoder, so the next input cannot see this one's state.
        decoder.reset();
        IDLE_DECODERS.with_borrow_mut(|idle| {
            if idle.len() == CACHED_PER_THREAD {
                idle.remove(0);
            }
            idle.push(decoder);
        });
    }
}

/// The engine's family name in Python's spelling: `CjkMultibyte` -> `cjk_multibyte`.
fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A charset: its canonical `name`, the `aliases` glibc also accepts, its `family`, and whether
/// this build can decode it (`supported`).
#[pyclass(frozen, eq, hash, module = "convert_utf8", name = "Charset")]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct Charset {
    inner: EngineCharset,
}

#[pymethods]
impl Charset {
    /// The canonical name (glibc's module name, e.g. `"SJIS"`, `"ISO-8859-1"`, `"UTF-8"`).
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    /// Every other name glibc accepts for this charset.
    #[getter]
    fn aliases<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.aliases())
    }

    /// The decoder family, e.g. `"unicode"`, `"single_byte"`, `"cjk_multibyte"`, `"iso2022"`.
    #[getter]
    fn family(&self) -> String {
        snake_case(&format!("{:?}", self.inner.family()))
    }

    fn __repr__(&self) -> String {
        format!(
            "Charset(name='{}', family='{}')",
            self.inner.name(),
            self.family(),
        )
    }

    fn __str__(&self) -> &'static str {
        self.inner.name()
    }
}

/// The charset `label` names: `.name` (canonical), `.aliases`, `.family`, `.supported`.
/// Raises `UnknownEncodingError` (a `LookupError`) for an unknown label.
#[pyfunction]
pub(crate) fn lookup(py: Python<'_>, label: &str) -> PyResult<Charset> {
    Ok(Charset {
        inner: resolve(py, label)?,
    })
}

/// Every charset glibc iconv decodes, in the order of their canonical names.
#[pyfunction]
pub(crate) fn charsets() -> Vec<Charset> {
    EngineCharset::all()
        .map(|inner| Charset { inner })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn family_names_are_snake_case() {
        assert_eq!(snake_case("CjkMultibyte"), "cjk_multibyte");
        assert_eq!(snake_case("Unicode"), "unicode");
        assert_eq!(snake_case("Iso2022"), "iso2022");
    }
}
