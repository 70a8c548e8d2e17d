//! Generated data: the charset registry and the decoding tables. Nothing here is edited by
//! hand; each file's first line names the command that regenerates it.

pub(crate) mod charsets;
pub(crate) mod dbcs;
pub(crate) mod ebcdic_dbcs;
pub(crate) mod iso2022;
pub(crate) mod single_byte;
