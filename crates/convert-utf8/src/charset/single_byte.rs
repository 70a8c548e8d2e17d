//! Plain table-driven single-byte charsets: one byte, one character.

crate::charset::family_not_yet_supported!(SingleByteDecoder);
