// PLACEHOLDER, to be replaced by the generated registry (`cargo run -p gen-tables`).
// Holds only the Unicode forms so the engine compiles and its first family can be tested.

use crate::charset::{CharsetInfo, Family};

pub(crate) static CHARSETS: &[CharsetInfo] = &[
    CharsetInfo {
        name: "UCS-2",
        aliases: &["ISO-10646/UCS2/", "UCS2"],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UCS-4",
        aliases: &["ISO-10646/UCS4/", "UCS4"],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UCS-4LE",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UNICODE",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UNICODEBIG",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UTF-16",
        aliases: &["UTF16"],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UTF-16BE",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UTF-16LE",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UTF-32",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UTF-32BE",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UTF-32LE",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UTF-7",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UTF-7-IMAP",
        aliases: &[],
        family: Family::Unicode,
    },
    CharsetInfo {
        name: "UTF-8",
        aliases: &["ISO-10646/UTF8/", "UTF8"],
        family: Family::Unicode,
    },
];

/// Every glibc name (normalised: upper case, no `//`), sorted, with its index in `CHARSETS`.
pub(crate) static GLIBC_LABELS: &[(&str, u16)] = &[
    ("ISO-10646/UCS2/", 0),
    ("ISO-10646/UCS4/", 1),
    ("ISO-10646/UTF8/", 13),
    ("UCS-2", 0),
    ("UCS-4", 1),
    ("UCS-4LE", 2),
    ("UCS2", 0),
    ("UCS4", 1),
    ("UNICODE", 3),
    ("UNICODEBIG", 4),
    ("UTF-16", 5),
    ("UTF-16BE", 6),
    ("UTF-16LE", 7),
    ("UTF-32", 8),
    ("UTF-32BE", 9),
    ("UTF-32LE", 10),
    ("UTF-7", 11),
    ("UTF-7-IMAP", 12),
    ("UTF-8", 13),
    ("UTF16", 5),
    ("UTF8", 13),
];
