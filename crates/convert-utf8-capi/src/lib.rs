//! The C ABI of convert-utf8 (being built).
