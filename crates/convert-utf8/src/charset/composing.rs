//! CP1255, CP1258 and TCVN5712-1: single-byte tables plus glibc's base + combining mark composition.

crate::charset::family_not_yet_supported!(ComposingDecoder);
