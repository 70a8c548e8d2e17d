//! TSCII (Tamil), where one byte can become up to four code points.

crate::charset::family_not_yet_supported!(TsciiDecoder);
