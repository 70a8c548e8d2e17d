//! One-shot decoding of every charset under every error policy.
//!
//! Input: two bytes pick the charset, the rest is decoded whole under Strict, Ignore and
//! Replace. Besides the common invariants, the policies must agree with each other: Strict's
//! output is where the others' begins, all three see the same first error, Ignore and Replace
//! count the same errors, and Replace is Ignore with one U+FFFD per error.

use crate::{
    Decoded, POLICIES, Reader, assert_error_inside, assert_utf8, decode_one_shot, pick_charset,
};

const REPLACEMENT: &str = "\u{FFFD}";

pub fn check(data: &[u8]) {
    let mut reader = Reader::new(data);
    let charset = pick_charset(reader.u16());
    let input = reader.rest();
    let [strict, ignore, replace] = POLICIES.map(|policy| {
        let context = (charset, policy, input);
        let decoded = decode_one_shot(charset, policy, input);
        assert_eq!(
            decoded,
            decode_one_shot(charset, policy, input),
            "{context:?}: not deterministic"
        );
        assert_utf8(&decoded.output, &context);
        for error in decoded.stopped_by.iter().chain(&decoded.first_error) {
            assert_error_inside(error, input, &context);
        }
        decoded
    });
    let context = (charset, input);
    match strict.stopped_by {
        None => {
            assert_eq!(strict.error_count, 0, "{context:?}");
            for other in [&ignore, &replace] {
                assert_eq!(
                    other.output, strict.output,
                    "{context:?}: valid input decodes alike"
                );
                assert_eq!(other.error_count, 0, "{context:?}");
            }
        }
        Some(error) => {
            assert_eq!(strict.first_error, Some(error), "{context:?}");
            for other in [&ignore, &replace] {
                assert_eq!(other.stopped_by, None, "{context:?}: only Strict stops");
                assert_eq!(
                    other.first_error,
                    Some(error),
                    "{context:?}: same first error"
                );
                assert!(
                    other.output.starts_with(&strict.output),
                    "{context:?}: Strict's output {:02X?} does not begin {:02X?}",
                    strict.output,
                    other.output
                );
            }
        }
    }
    assert_eq!(ignore.error_count, replace.error_count, "{context:?}");
    assert_eq!(
        replacements_added(&ignore, &replace),
        ignore.error_count,
        "{context:?}"
    );
}

/// How many more U+FFFD Replace wrote than Ignore, after checking that the two agree once
/// every U+FFFD is removed.
fn replacements_added(ignore: &Decoded, replace: &Decoded) -> u64 {
    let ignore = std::str::from_utf8(&ignore.output).unwrap();
    let replace = std::str::from_utf8(&replace.output).unwrap();
    assert_eq!(
        ignore.replace(REPLACEMENT, ""),
        replace.replace(REPLACEMENT, ""),
        "Replace is not Ignore plus U+FFFD"
    );
    (replace.matches(REPLACEMENT).count() - ignore.matches(REPLACEMENT).count()) as u64
}
