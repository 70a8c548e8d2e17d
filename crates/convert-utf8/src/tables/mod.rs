//! Generated data: the charset registry and the decoding tables. Apart from this file and
//! [`format`] (the types the tables are made of), nothing here is edited by hand; each generated
//! file's first line names the command that regenerates it.

pub(crate) mod charsets;
pub(crate) mod dbcs;
pub(crate) mod ebcdic_dbcs;
pub(crate) mod format;
pub(crate) mod iso2022;
pub(crate) mod single_byte;
