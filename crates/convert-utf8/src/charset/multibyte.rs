//! Table-driven CJK multi-byte charsets (SJIS, EUC-*, GBK, GB18030, Big5, UHC, JOHAB, ...).

crate::charset::family_not_yet_supported!(MultibyteDecoder);
