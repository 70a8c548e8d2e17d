//! ISO 6937-style charsets whose prefix byte adds a diacritic to the next letter.

crate::charset::family_not_yet_supported!(Iso6937Decoder);
