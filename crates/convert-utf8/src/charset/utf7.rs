//! UTF-7 and UTF-7-IMAP.

crate::charset::family_not_yet_supported!(Utf7Decoder);
