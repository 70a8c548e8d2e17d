//! EBCDIC double-byte charsets (IBM930, IBM933, ...) switched by SO/SI.

crate::charset::family_not_yet_supported!(EbcdicDbcsDecoder);
