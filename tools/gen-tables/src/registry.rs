//! The charset registry and label tables: every charset and name the system iconv accepts (from
//! the gconv configuration and `iconv -l`), by family.
//!
//! Names come from three places: modules of the gconv configuration that decode to INTERNAL
//! (their names are the canonical names), the configuration's aliases of those modules, and
//! glibc's built-in converters, which the configuration does not list. A built-in name is
//! attributed by probing: its fingerprint (see [`probe`]) must match exactly one charset.
//!
//! Other generators iterate [`charsets`] to find the charsets of their family.

pub mod foreign;
pub mod gconv;
pub mod probe;

use crate::GeneratedFile;
use iconv_oracle::{Iconv, Outcome};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The decoding family of a charset: which decoder algorithm of the engine handles it. The
/// engine's `Family` of a charset follows from the decoder this generator gives it
/// ([`decoder_kind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FamilyKind {
    Unicode,
    SingleByte,
    Composing,
    Iso6937,
    Tscii,
    CjkMultibyte,
    Iso2022,
    EbcdicDbcs,
}

/// One charset glibc decodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharsetRecord {
    /// Canonical name: the gconv module name, or for a built-in converter its chosen name.
    pub name: String,
    /// Every other name glibc accepts for it, as `iconv -l` prints them without the `//`
    /// padding, sorted.
    pub aliases: Vec<String>,
    pub family: FamilyKind,
}

/// Every charset glibc decodes, sorted by canonical name. Computed once per process.
pub fn charsets() -> Vec<CharsetRecord> {
    registry().charsets.clone()
}

/// The built-in converters of glibc (not in the gconv configuration), by the canonical name the
/// engine gives them and a name that opens each one for probing. INTERNAL itself cannot be
/// opened (glibc refuses the bare name); WCHAR_T is its documented alias.
const BUILTINS: &[(&str, &str)] = &[
    ("ANSI_X3.4-1968", "ANSI_X3.4-1968"),
    ("INTERNAL", "WCHAR_T"),
    ("UCS-2", "UCS-2"),
    ("UCS-4", "UCS-4"),
    ("UCS-4LE", "UCS-4LE"),
    ("UNICODEBIG", "UNICODEBIG"),
    ("UTF-8", "UTF-8"),
];

/// The Unicode forms and the engine's decoder of each (a `DecoderKind` variant).
const UNICODE_FORMS: &[(&str, &str)] = &[
    ("INTERNAL", "Utf32 { order: ByteOrderMode::Little }"),
    (
        "UCS-2",
        "Utf16 { pairs: false, order: ByteOrderMode::Little }",
    ),
    ("UCS-4", "Utf32 { order: ByteOrderMode::Big }"),
    ("UCS-4LE", "Utf32 { order: ByteOrderMode::Little }"),
    (
        "UNICODE",
        "Utf16 { pairs: false, order: ByteOrderMode::Sniff }",
    ),
    (
        "UNICODEBIG",
        "Utf16 { pairs: false, order: ByteOrderMode::Big }",
    ),
    (
        "UTF-16",
        "Utf16 { pairs: true, order: ByteOrderMode::Sniff }",
    ),
    (
        "UTF-16BE",
        "Utf16 { pairs: true, order: ByteOrderMode::Big }",
    ),
    (
        "UTF-16LE",
        "Utf16 { pairs: true, order: ByteOrderMode::Little }",
    ),
    ("UTF-32", "Utf32 { order: ByteOrderMode::Sniff }"),
    ("UTF-32BE", "Utf32 { order: ByteOrderMode::Big }"),
    ("UTF-32LE", "Utf32 { order: ByteOrderMode::Little }"),
    ("UTF-7", "Utf7 { imap: false }"),
    ("UTF-7-IMAP", "Utf7 { imap: true }"),
    ("UTF-8", "Utf8"),
];

/// The ISO-2022 charsets and the engine's `Iso2022Variant` of each.
const ISO2022_VARIANTS: &[(&str, &str)] = &[
    ("ISO-2022-CN", "Cn"),
    ("ISO-2022-CN-EXT", "CnExt"),
    ("ISO-2022-JP", "Jp"),
    ("ISO-2022-JP-2", "Jp2"),
    ("ISO-2022-JP-3", "Jp3"),
    ("ISO-2022-KR", "Kr"),
];

/// The engine's classification of charsets whose decoding is not one byte -> one character:
/// each family is one decoder algorithm (the Unicode forms and ISO-2022 charsets are listed
/// above with their decoders). Every other charset is single-byte, which the generator verifies
/// by probing.
const FAMILIES: &[(FamilyKind, &[&str])] = &[
    (FamilyKind::Composing, &["CP1255", "CP1258", "TCVN5712-1"]),
    (
        FamilyKind::Iso6937,
        &["ANSI_X3.110", "ISO_6937", "ISO_6937-2", "T.61-8BIT"],
    ),
    (FamilyKind::Tscii, &["TSCII"]),
    (
        FamilyKind::CjkMultibyte,
        &[
            "BIG5",
            "BIG5HKSCS",
            "CP932",
            "EUC-CN",
            "EUC-JISX0213",
            "EUC-JP",
            "EUC-JP-MS",
            "EUC-KR",
            "EUC-TW",
            "GB18030",
            "GBK",
            "IBM932",
            "IBM943",
            "JOHAB",
            "SHIFT_JISX0213",
            "SJIS",
            "UHC",
        ],
    ),
    (
        FamilyKind::EbcdicDbcs,
        &[
            "IBM930", "IBM933", "IBM935", "IBM937", "IBM939", "IBM1364", "IBM1371", "IBM1388",
            "IBM1390", "IBM1399",
        ],
    ),
];

/// The registry: charsets and every name glibc accepts.
#[derive(Debug)]
pub struct Registry {
    pub charsets: Vec<CharsetRecord>,
    /// Every name `iconv -l` prints, as its lookup key (upper case, no trailing slashes),
    /// with the index of its charset; sorted by key.
    pub names: Vec<(String, usize)>,
}

/// The registry, computed once per process.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(build_registry)
}

fn build_registry() -> Registry {
    let config = gconv::read_config(&gconv::gconv_dirs());
    let listed = gconv::iconv_list();
    assert!(
        !config.modules.is_empty(),
        "the gconv configuration lists no modules"
    );

    // Canonical name -> every name printed by `iconv -l` that means it.
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for module in &config.modules {
        assert!(
            listed.contains(module),
            "gconv module {module} is missing from `iconv -l`"
        );
        members.insert(gconv::display_name(module), Vec::new());
    }
    let mut builtin_names = Vec::new();
    for name in &listed {
        let target = if config.modules.contains(name) {
            Some(name)
        } else {
            config
                .aliases
                .get(name)
                .filter(|target| config.modules.contains(target))
        };
        match target {
            Some(module) => members
                .get_mut(&gconv::display_name(module))
                .expect("module registered above")
                .push(name.clone()),
            None => builtin_names.push(name.clone()),
        }
    }
    attribute_builtins(&builtin_names, &mut members);

    for name in family_members() {
        assert!(
            members.contains_key(name),
            "family list names {name}, which glibc does not have"
        );
    }

    let mut charsets = Vec::new();
    let mut names = Vec::new();
    for (index, (canonical, printed)) in members.into_iter().enumerate() {
        let mut aliases: Vec<String> = printed
            .iter()
            .map(|n| gconv::display_name(n))
            .filter(|n| *n != canonical)
            .collect();
        aliases.sort();
        names.extend(printed.iter().map(|n| (gconv::lookup_key(n), index)));
        charsets.push(CharsetRecord {
            family: family_of(&canonical),
            name: canonical,
            aliases,
        });
    }
    names.sort();
    for pair in names.windows(2) {
        assert_ne!(pair[0].0, pair[1].0, "two names share a lookup key");
    }
    assert_eq!(
        names.len(),
        listed.len(),
        "every name of `iconv -l` is attributed once"
    );
    for charset in &charsets {
        if charset.family == FamilyKind::SingleByte {
            check_single_byte(&charset.name);
        }
    }
    Registry { charsets, names }
}

/// The names of [`UNICODE_FORMS`], [`ISO2022_VARIANTS`] and [`FAMILIES`].
fn family_members() -> impl Iterator<Item = &'static str> {
    let named = |list: &'static [(&'static str, &'static str)]| list.iter().map(|(name, _)| *name);
    named(UNICODE_FORMS)
        .chain(named(ISO2022_VARIANTS))
        .chain(FAMILIES.iter().flat_map(|(_, names)| names.iter().copied()))
}

/// The family of a charset by its canonical name: single-byte unless listed.
fn family_of(name: &str) -> FamilyKind {
    let listed = |list: &[(&str, &str)]| list.iter().any(|(n, _)| *n == name);
    if listed(UNICODE_FORMS) {
        return FamilyKind::Unicode;
    }
    if listed(ISO2022_VARIANTS) {
        return FamilyKind::Iso2022;
    }
    FAMILIES
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map_or(FamilyKind::SingleByte, |(family, _)| *family)
}

/// The engine's `DecoderKind` of a charset, as Rust source in `charsets.rs` (where the table
/// modules are in scope by their names).
fn decoder_kind(charset: &CharsetRecord) -> String {
    let name = charset.name.as_str();
    let lookup = |list: &[(&str, &'static str)]| {
        list.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, kind)| *kind)
            .unwrap_or_else(|| panic!("{name} is not listed with its decoder"))
    };
    let ident = crate::rust_ident(name);
    match charset.family {
        FamilyKind::Unicode => format!("DecoderKind::{}", lookup(UNICODE_FORMS)),
        FamilyKind::SingleByte => format!("DecoderKind::SingleByte(&single_byte::{ident})"),
        FamilyKind::Composing => format!("DecoderKind::Composing(&single_byte::{ident})"),
        FamilyKind::Iso6937 => format!("DecoderKind::Iso6937(&single_byte::{ident})"),
        FamilyKind::Tscii => "DecoderKind::Tscii".to_owned(),
        FamilyKind::CjkMultibyte => format!("DecoderKind::Multibyte(&dbcs::{ident})"),
        FamilyKind::Iso2022 => format!(
            "DecoderKind::Iso2022(Iso2022Variant::{})",
            lookup(ISO2022_VARIANTS)
        ),
        FamilyKind::EbcdicDbcs => format!("DecoderKind::EbcdicDbcs(&ebcdic_dbcs::{ident})"),
    }
}

/// Attributes each name of a built-in converter to the charset whose fingerprint it shares,
/// and adds the built-in charsets to `members`.
fn attribute_builtins(builtin_names: &[String], members: &mut BTreeMap<String, Vec<String>>) {
    let fingerprint_of = |name: &str| {
        probe::fingerprint(name)
            .unwrap_or_else(|| panic!("iconv lists {name} but cannot open it for decoding"))
    };
    // A name the configuration does not list can only belong to a built-in converter, so only
    // built-ins are candidates (configured modules such as IBM891 decode exactly like ASCII).
    let mut candidates: Vec<(String, Vec<iconv_oracle::Conversion>)> = Vec::new();
    for (canonical, probe_name) in BUILTINS {
        candidates.push((canonical.to_string(), fingerprint_of(probe_name)));
        members.insert(canonical.to_string(), Vec::new());
    }
    for name in builtin_names {
        let display = gconv::display_name(name);
        // A built-in's own probing name is its by definition (WCHAR_T and UCS-4LE decode alike).
        let owner = match BUILTINS
            .iter()
            .find(|(_, probe_name)| *probe_name == display)
        {
            Some((canonical, _)) => canonical.to_string(),
            None => {
                let fp = fingerprint_of(&display);
                let matches: Vec<&String> = candidates
                    .iter()
                    .filter(|(_, candidate)| *candidate == fp)
                    .map(|(canonical, _)| canonical)
                    .collect();
                match matches.as_slice() {
                    [one] => (*one).clone(),
                    _ => panic!(
                        "built-in name {display} matches {} charsets by fingerprint: {matches:?}",
                        matches.len()
                    ),
                }
            }
        };
        members
            .get_mut(&owner)
            .expect("every candidate is a charset")
            .push(name.clone());
    }
}

/// A single-byte charset decodes every byte alone or rejects it; a byte that starts a longer
/// sequence means the family classification above is wrong.
fn check_single_byte(name: &str) {
    let mut cd = Iconv::open(name).unwrap_or_else(|| panic!("cannot open {name}"));
    for byte in 0..=255u8 {
        let outcome = cd.convert(&[byte]).outcome;
        assert!(
            matches!(outcome, Outcome::Complete | Outcome::Invalid(0)),
            "{name} is classified single-byte, but byte {byte:#04X} alone gives {outcome:?}: \
             move it to its family in registry.rs"
        );
    }
}

/// Where the list of every glibc name and its charset goes, relative to the engine's
/// `src/tables/`: the engine's label tests read it, so that they have it in a fresh clone.
pub const NAMES_DATA_PATH: &str = "../../tests/data/glibc-names.tsv";

/// The files this module owns: `charsets.rs` and the label test data.
pub fn generate() -> Vec<GeneratedFile> {
    let registry = registry();
    let foreign = foreign::foreign_matches(&registry.charsets);
    vec![
        GeneratedFile {
            path: "charsets.rs".to_owned(),
            contents: crate::single_byte::rustfmt(&charsets_rs(registry, &foreign)),
        },
        GeneratedFile {
            path: NAMES_DATA_PATH.to_owned(),
            contents: names_tsv(registry),
        },
    ]
}

fn charsets_rs(registry: &Registry, foreign: &foreign::ForeignMatches) -> String {
    use std::fmt::Write;
    let mut out = crate::header();
    out += "//! The charset registry and the label tables: every charset glibc decodes, every name it\n\
            //! accepts, and the glibc charset each WHATWG encoding and Python codec means (found by\n\
            //! decoding the same probes with both and keeping the closest charset).\n\n\
            use super::{dbcs, ebcdic_dbcs, single_byte};\n            use crate::tables::format::{ByteOrderMode, CharsetInfo, DecoderKind, Iso2022Variant};\n\n";
    out += "/// Every charset glibc decodes, sorted by canonical name.\n";
    out += "pub(crate) static CHARSETS: &[CharsetInfo] = &[\n";
    let mut idents = std::collections::BTreeSet::new();
    for charset in &registry.charsets {
        assert!(
            idents.insert(crate::rust_ident(&charset.name)),
            "two charsets share the table name of {}",
            charset.name
        );
        let aliases: Vec<String> = charset.aliases.iter().map(|a| format!("{a:?}")).collect();
        let _ = writeln!(
            out,
            "    CharsetInfo {{\n        name: {:?},\n        aliases: &[{}],\n        kind: {},\n    }},",
            charset.name,
            aliases.join(", "),
            decoder_kind(charset)
        );
    }
    out += "];\n\n";

    out += "/// Every name glibc accepts, as its lookup key (upper case, no trailing `/`), sorted, with\n\
            /// its charset's index in [`CHARSETS`].\n";
    write_table(&mut out, "GLIBC_LABELS", &registry.names);

    let mut whatwg: Vec<(String, usize)> = foreign
        .whatwg
        .iter()
        .filter_map(|(name, m)| {
            m.filter(|m| m.is_good())
                .map(|m| (name.to_string(), m.index))
        })
        .collect();
    whatwg.sort();
    out += "\n/// Each WHATWG encoding (by its encoding_rs name) that has a glibc equivalent, with that\n\
            /// charset's index in [`CHARSETS`]; sorted. The others decode through encoding_rs.\n";
    write_table(&mut out, "WHATWG_IN_GLIBC", &whatwg);

    let mut python: Vec<(String, usize)> = foreign
        .python
        .iter()
        .filter_map(|(names, m)| m.filter(|m| m.is_good()).map(|m| (names, m.index)))
        .flat_map(|(names, index)| names.iter().map(move |n| (n.to_ascii_lowercase(), index)))
        .collect();
    python.sort();
    python.dedup_by(|a, b| a.0 == b.0);
    out += "\n/// Every Python codec name and alias (as Python normalises them: lower case, `_` between\n\
            /// words) whose codec has a glibc equivalent, with that charset's index in [`CHARSETS`];\n\
            /// sorted.\n";
    write_table(&mut out, "PYTHON_LABELS", &python);
    out
}

fn write_table(out: &mut String, name: &str, rows: &[(String, usize)]) {
    use std::fmt::Write;
    let _ = writeln!(out, "pub(crate) static {name}: &[(&str, u16)] = &[");
    for (key, index) in rows {
        let _ = writeln!(out, "    ({key:?}, {index}),");
    }
    out.push_str("];\n");
}

fn names_tsv(registry: &Registry) -> String {
    let mut out = format!(
        "# @generated by `{}` from the system iconv. Do not edit.\n\
         # Every name `iconv -l` prints (lookup key: upper case, no trailing slash) and the\n\
         # canonical name of the charset glibc means by it.\n",
        crate::REGENERATE
    );
    for (key, index) in &registry.names {
        out += &format!("{key}\t{}\n", registry.charsets[*index].name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(name: &str) -> CharsetRecord {
        charsets()
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no charset {name}"))
    }

    #[test]
    fn builtins_get_their_names_by_probing() {
        assert!(
            find("UTF-8")
                .aliases
                .contains(&"ISO-10646/UTF8/".to_owned())
        );
        assert!(find("UTF-8").aliases.contains(&"UTF8".to_owned()));
        assert_eq!(find("INTERNAL").aliases, ["WCHAR_T"]);
        assert!(find("UCS-2").aliases.contains(&"UNICODELITTLE".to_owned()));
        assert!(find("UCS-4").aliases.contains(&"UCS-4BE".to_owned()));
        assert!(
            find("ANSI_X3.4-1968")
                .aliases
                .contains(&"US-ASCII".to_owned())
        );
        assert_eq!(find("UNICODEBIG").aliases, ["UCS-2BE"]);
    }

    #[test]
    fn configured_aliases_and_families() {
        let latin1 = find("ISO-8859-1");
        assert!(latin1.aliases.contains(&"LATIN1".to_owned()));
        assert_eq!(latin1.family, FamilyKind::SingleByte);
        assert_eq!(find("SJIS").family, FamilyKind::CjkMultibyte);
        assert_eq!(find("CP1255").family, FamilyKind::Composing);
        assert_eq!(find("UTF-7-IMAP").family, FamilyKind::Unicode);
        let names = &registry().names;
        assert!(
            names
                .binary_search_by(|(k, _)| k.as_str().cmp("ISO-10646/UCS2"))
                .is_ok()
        );
        assert!(names.iter().all(|(k, _)| k != "INTERNAL"));
    }
}
