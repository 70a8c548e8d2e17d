//! The charset an omitted (or empty) `-f` means: the codeset of the locale, as for `iconv`.
//!
//! The locale is the first non-empty of `LC_ALL`, `LC_CTYPE` and `LANG`; `C`, `POSIX` or none
//! means `ANSI_X3.4-1968` (ASCII). A locale that names its codeset (`fr_FR.UTF-8`,
//! `C.UTF-8`, `ja_JP.eucJP@euro`) means that codeset, whether or not the locale is installed:
//! glibc falls back to ASCII for a locale that is not installed, which makes `iconv` reject
//! every non-ASCII byte on machines with `LANG=en_US.UTF-8` and no locales — a deliberate
//! difference. A locale without a codeset (`de_DE`) is asked of the C library, which knows its
//! default codeset when the locale is installed; otherwise it is ASCII, as in glibc.

use convert_utf8::{Charset, LabelMode};

const ASCII: &str = "ANSI_X3.4-1968";

/// The name of the locale's codeset, from the environment.
pub fn codeset(mode: LabelMode) -> String {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|value| !value.is_empty());
    let Some(locale) = locale else {
        return ASCII.to_owned();
    };
    if locale == "C" || locale == "POSIX" {
        return ASCII.to_owned();
    }
    if let Some(named) = named_codeset(&locale)
        && Charset::for_label_in(named, mode).is_ok()
    {
        return named.to_owned();
    }
    c_library_codeset().unwrap_or_else(|| ASCII.to_owned())
}

/// The codeset part of `language_TERRITORY.codeset@modifier`.
fn named_codeset(locale: &str) -> Option<&str> {
    let (_, rest) = locale.split_once('.')?;
    let codeset = rest.split_once('@').map_or(rest, |(codeset, _)| codeset);
    (!codeset.is_empty()).then_some(codeset)
}

/// What the C library says the environment's LC_CTYPE codeset is (`None` if it cannot say).
fn c_library_codeset() -> Option<String> {
    // SAFETY: called once, from the single thread that exists while the command starts, before
    // anything else reads the locale; the arguments are a valid category and a NUL-terminated
    // string. nl_langinfo returns a pointer to a NUL-terminated string owned by the C library,
    // valid until the next setlocale, and it is copied out at once.
    unsafe {
        if libc::setlocale(libc::LC_CTYPE, c"".as_ptr()).is_null() {
            return None;
        }
        let name = libc::nl_langinfo(libc::CODESET);
        if name.is_null() {
            return None;
        }
        let name = std::ffi::CStr::from_ptr(name)
            .to_string_lossy()
            .into_owned();
        (!name.is_empty()).then_some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codeset_part_of_a_locale_name() {
        assert_eq!(named_codeset("fr_FR.UTF-8"), Some("UTF-8"));
        assert_eq!(named_codeset("ja_JP.eucJP@euro"), Some("eucJP"));
        assert_eq!(named_codeset("de_DE@euro"), None);
        assert_eq!(named_codeset("de_DE"), None);
        assert_eq!(named_codeset("xx."), None);
    }
}
