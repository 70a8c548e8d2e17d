//! The stateful charsets: EBCDIC double-byte (SO/SI) and ISO-2022 (escape sequences).

pub mod ebcdic;
pub mod iso2022;

/// The files this module owns.
pub fn generate() -> Vec<crate::GeneratedFile> {
    vec![ebcdic::generate(), iso2022::generate()]
}
