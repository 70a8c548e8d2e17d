//! The Python face of convert-utf8 (being built).
