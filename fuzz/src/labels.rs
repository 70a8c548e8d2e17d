//! Label resolution: any string, in both label modes.
//!
//! Besides never panicking and being deterministic, a resolved glibc charset's canonical name
//! and every alias resolve back to it, and a "did you mean" suggestion always names a charset.

use convert_utf8::{Charset, Error, Family, LabelMode, normalize_glibc, parse_label};

pub fn check(data: &[u8]) {
    let label = String::from_utf8_lossy(data);
    let label = label.as_ref();
    let parsed = parse_label(label);
    assert!(
        label.contains(parsed.name),
        "{label:?}: parsed name {:?}",
        parsed.name
    );
    let _ = normalize_glibc(label);
    for mode in [LabelMode::Glibc, LabelMode::Whatwg] {
        let context = (label, mode);
        let found = Charset::for_label_in(label, mode);
        let again = Charset::for_label_in(label, mode);
        match (&found, &again) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{context:?}: not deterministic"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{context:?}"),
            _ => panic!("{context:?}: not deterministic: {found:?} then {again:?}"),
        }
        match found {
            Ok(charset) => {
                if charset.family() != Family::Whatwg {
                    for name in
                        std::iter::once(charset.name()).chain(charset.aliases().iter().copied())
                    {
                        assert_eq!(
                            Charset::for_label(name).ok(),
                            Some(charset),
                            "{context:?}: {name} does not name {charset:?}"
                        );
                    }
                }
            }
            Err(Error::UnknownCharset { suggestion, .. }) => {
                if let Some(suggestion) = suggestion {
                    assert!(
                        Charset::for_label_in(suggestion, mode).is_ok(),
                        "{context:?}: suggestion {suggestion:?} names nothing"
                    );
                }
            }
            Err(other) => {
                let _ = other.to_string();
            }
        }
    }
}
