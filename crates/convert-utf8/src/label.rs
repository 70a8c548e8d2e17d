//! Label resolution: a name as users write it -> the [`Charset`] it means.
//!
//! glibc's rules come first (its names, its normalisation, its meanings); names glibc does not
//! know are then tried as WHATWG labels, Python codec names and MIME names seen in mail.
//! [`LabelMode::Whatwg`] gives the WHATWG meaning to labels the two disagree on.

use crate::charset::{Charset, CharsetId};
use crate::error::Error;
use crate::tables::charsets::GLIBC_LABELS;

/// Whose meaning a label has when glibc and the WHATWG Encoding Standard disagree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LabelMode {
    /// glibc iconv's meaning: `latin1` is ISO-8859-1, `gb2312` is EUC-CN. The default.
    #[default]
    Glibc,
    /// The WHATWG meaning, as browsers and mail readers decode: every WHATWG label resolves to
    /// its WHATWG encoding (`latin1` is windows-1252, `gb2312` is GBK); other names as in
    /// [`LabelMode::Glibc`].
    Whatwg,
}

/// glibc's normalisation: drop every character outside `[A-Za-z0-9_.,:/-]`, upper-case the rest.
pub fn normalize_glibc(label: &str) -> String {
    label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "_.,:/-".contains(*c))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn glibc_lookup(normalized: &str) -> Option<Charset> {
    let name = normalized.strip_suffix("//").unwrap_or(normalized);
    GLIBC_LABELS
        .binary_search_by(|(label, _)| (*label).cmp(name))
        .ok()
        .map(|i| Charset::from_index(GLIBC_LABELS[i].1))
}

impl Charset {
    /// The charset a label means, glibc's meaning first.
    ///
    /// ```
    /// use convert_utf8::Charset;
    /// assert_eq!(Charset::for_label("utf8")?.name(), "UTF-8");
    /// assert!(Charset::for_label("no-such-charset").is_err());
    /// # Ok::<(), convert_utf8::Error>(())
    /// ```
    pub fn for_label(label: &str) -> Result<Charset, Error> {
        Charset::for_label_in(label, LabelMode::Glibc)
    }

    /// The charset a label means under `mode`.
    pub fn for_label_in(label: &str, mode: LabelMode) -> Result<Charset, Error> {
        if mode == LabelMode::Whatwg
            && let Some(encoding) = encoding_rs::Encoding::for_label(label.trim().as_bytes())
        {
            return Ok(Charset(CharsetId::Whatwg(encoding)));
        }
        glibc_lookup(&normalize_glibc(label)).ok_or_else(|| Error::UnknownCharset {
            label: label.to_owned(),
            suggestion: None,
        })
    }
}
