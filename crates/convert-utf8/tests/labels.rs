//! Label resolution against glibc: every name `iconv -l` prints resolves to the charset glibc
//! means by it (from the generated list, and checked live against the system iconv), glibc's
//! normalisation and suffix rules, the WHATWG mode, Python and MIME names, suggestions.

use convert_utf8::{Charset, Decoder, Error, ErrorPolicy, LabelMode, normalize_glibc, parse_label};
use iconv_oracle::Iconv;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// The generated list: lookup key -> canonical name, for every name of `iconv -l`.
fn glibc_names() -> BTreeMap<String, String> {
    include_str!("data/glibc-names.tsv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (key, canonical) = line.split_once('\t').expect("name<TAB>canonical");
            (key.to_owned(), canonical.to_owned())
        })
        .collect()
}

fn name(label: &str) -> &'static str {
    Charset::for_label(label)
        .unwrap_or_else(|e| panic!("{label}: {e}"))
        .name()
}

/// A name iconv can open for the charset (INTERNAL only through its alias).
fn openable(canonical: &str) -> &str {
    if canonical == "INTERNAL" {
        "WCHAR_T"
    } else {
        canonical
    }
}

/// What iconv makes of a few probe inputs: enough to tell charsets apart.
fn fingerprint(cd: &mut Iconv) -> Vec<iconv_oracle::Conversion> {
    let probes: [&[u8]; 8] = [
        b"Az~\\",
        b"\x80\x9F\xA4\xE9\xFF",
        b"\x81\x40\x82\xA0",
        b"\xA1\xA1\xB0\xA1",
        b"\x00A\x00\xE9",
        b"\xFF\xFEA\x00",
        b"\x00\x00\x00A",
        b"\x1B$B0!\x1B(B",
    ];
    probes.iter().map(|p| cd.convert(p)).collect()
}

#[test]
fn every_glibc_name_resolves_to_its_charset() {
    let names = glibc_names();
    assert_eq!(names.len(), 1180, "iconv -l prints 1180 names");
    for (key, canonical) in &names {
        assert_eq!(name(key), canonical, "{key}");
        // Lower case and with the `//` glibc's own list prints, too.
        assert_eq!(
            name(&format!("{}//", key.to_lowercase())),
            canonical,
            "{key}"
        );
    }
    let charsets: std::collections::BTreeSet<&String> = names.values().collect();
    assert_eq!(charsets.len(), 279);
    assert_eq!(Charset::all().len(), 279);
}

#[test]
fn the_list_matches_the_live_system_iconv() {
    let output = std::process::Command::new("iconv")
        .arg("-l")
        .env("LC_ALL", "C")
        .output()
        .expect("iconv -l runs");
    let listed: Vec<String> = String::from_utf8(output.stdout)
        .expect("ASCII")
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('/').to_owned())
        .collect();
    let names = glibc_names();
    assert_eq!(listed.len(), names.len());
    for name in &listed {
        assert!(names.contains_key(name), "{name} of iconv -l is unknown");
    }
    // Each name decodes through iconv exactly like the canonical name of its charset.
    let mut canonical_fingerprints = BTreeMap::new();
    for (key, canonical) in &names {
        let expected = canonical_fingerprints
            .entry(canonical.clone())
            .or_insert_with(|| {
                fingerprint(&mut Iconv::open(openable(canonical)).expect("canonical opens"))
            })
            .clone();
        let mut cd = Iconv::open(key).unwrap_or_else(|| panic!("iconv cannot open {key}"));
        assert_eq!(fingerprint(&mut cd), expected, "{key} vs {canonical}");
    }
}

#[test]
fn every_charset_resolves_by_its_names_and_is_never_unknown() {
    for charset in Charset::all() {
        if charset.name() != "INTERNAL" {
            assert_eq!(Charset::for_label(charset.name()).unwrap(), charset);
        }
        for alias in charset.aliases() {
            assert_eq!(Charset::for_label(alias).unwrap(), charset, "{alias}");
        }
        assert_eq!(
            Decoder::new(charset, ErrorPolicy::Strict).charset(),
            charset
        );
    }
}

#[test]
fn internal_only_through_wchar_t() {
    assert_eq!(name("WCHAR_T"), "INTERNAL");
    assert!(Iconv::open("INTERNAL").is_none());
    assert!(matches!(
        Charset::for_label("INTERNAL"),
        Err(Error::UnknownCharset { .. })
    ));
}

#[test]
fn glibc_normalisation_from_its_documented_cases() {
    for (label, canonical) in [
        ("utf8", "UTF-8"),
        ("Utf-8", "UTF-8"),
        ("UTF 8", "UTF-8"),
        ("latin1", "ISO-8859-1"),
        ("ISO8859-1", "ISO-8859-1"),
        ("ISO_8859-1:1987", "ISO-8859-1"),
        ("cp1252", "CP1252"),
        ("MS-ANSI", "CP1252"),
        ("SJIS", "SJIS"),
        ("shift-jis", "SJIS"),
        ("shift_jis", "SJIS"),
        ("windows-31j", "CP932"),
    ] {
        assert!(Iconv::open(label).is_some(), "glibc accepts {label}");
        assert_eq!(name(label), canonical, "{label}");
    }
    // glibc rejects these: no folding of `-` and `_`.
    let names = glibc_names();
    for label in [
        "UTF_8",
        "Latin-1",
        "iso8859_1",
        "CP-1252",
        "WINDOWS1252",
        "x-sjis",
        "ks_c_5601-1987",
    ] {
        assert!(Iconv::open(label).is_none(), "glibc rejects {label}");
        assert!(!names.contains_key(&normalize_glibc(label)), "{label}");
    }
}

/// Spellings of known names: case changes, inserted characters glibc drops, suffixes.
fn spelling() -> impl Strategy<Value = String> {
    let names: Vec<String> = glibc_names().into_keys().collect();
    (
        proptest::sample::select(names),
        proptest::collection::vec(any::<bool>(), 32),
        proptest::collection::vec(
            proptest::sample::select(vec![
                "", "", "", " ", "\t", "@", "-", "_", "/", "//", ",", "é", "'",
            ]),
            32,
        ),
        proptest::sample::select(vec![
            "",
            "//",
            "//IGNORE",
            "//translit",
            "//TRANSLIT//IGNORE",
            "//TRANSLIT,IGNORE",
            "/IGNORE",
            ",IGNORE",
            "//FOO",
            " ",
            "/",
        ]),
    )
        .prop_map(|(name, lower, inserts, suffix)| {
            let mut out = String::new();
            for (i, c) in name.chars().enumerate() {
                out.push_str(inserts[i % inserts.len()]);
                out.push(if lower[i % lower.len()] {
                    c.to_ascii_lowercase()
                } else {
                    c
                });
            }
            out + suffix
        })
}

/// Target names followed by any run of separators and suffix words.
fn suffixed() -> impl Strategy<Value = String> {
    let names = vec![
        "UTF-8",
        "utf8",
        "ISO-8859-1",
        "cp1252",
        "UTF-16LE",
        "ISO-10646/UCS2/",
    ];
    let separators = vec!["/", "//", ",", " ", "///"];
    let words = vec![
        "IGNORE", "ignore", "TRANSLIT", "Translit", "FOO", "", "IGNORE,",
    ];
    (
        proptest::sample::select(names),
        proptest::collection::vec(
            (
                proptest::sample::select(separators),
                proptest::sample::select(words),
            ),
            0..4,
        ),
    )
        .prop_map(|(name, parts)| {
            let mut label = name.to_owned();
            for (separator, word) in parts {
                label.push_str(separator);
                label.push_str(word);
            }
            label
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// glibc opens a spelling exactly when its normalised key is a glibc name, and then means
    /// the same charset. (An empty key means the locale's charset to glibc; it names no charset
    /// here.)
    #[test]
    fn normalisation_agrees_with_glibc(label in spelling()) {
        let names = glibc_names();
        let key = normalize_glibc(&label);
        prop_assume!(!key.is_empty());
        let opens = Iconv::open(&label);
        prop_assert_eq!(opens.is_some(), names.contains_key(&key), "{:?} -> {:?}", label, key);
        if let Some(mut cd) = opens {
            let canonical = &names[&key];
            prop_assert_eq!(name(&label), canonical.as_str());
            let mut expected = Iconv::open(openable(canonical)).unwrap();
            prop_assert_eq!(fingerprint(&mut cd), fingerprint(&mut expected));
        }
    }

    /// The IGNORE flag is what glibc makes of the same label as a target charset: with it,
    /// converting `a`, an invalid byte, `b` gives the same as converting `ab`.
    #[test]
    fn suffix_flags_agree_with_glibc(label in suffixed()) {
        let cd = Iconv::open_to("UTF-8", &label);
        prop_assert_eq!(cd.is_some(), Charset::for_label(&label).is_ok(), "{:?}", label);
        let Some(mut cd) = cd else {
            return Ok(());
        };
        let clean = cd.convert(b"ab");
        // Only targets that can write `a` and `b` tell.
        prop_assume!(clean.outcome == iconv_oracle::Outcome::Complete);
        let glibc_ignores = cd.convert(b"a\xFFb").output == clean.output;
        prop_assert_eq!(parse_label(&label).ignore, glibc_ignores, "{:?}", label);
    }
}

#[test]
fn suffixes() {
    for (label, ignore, translit) in [
        ("UTF-8//IGNORE", true, false),
        ("utf-8//translit", false, true),
        ("UTF-8//TRANSLIT//IGNORE", true, true),
        ("UTF-8//IGNORE//TRANSLIT", true, true),
        ("UTF-8//TRANSLIT,IGNORE", true, true),
        ("UTF-8//FOO", false, false),
        ("UTF-8//", false, false),
    ] {
        let parsed = parse_label(label);
        assert_eq!(
            (
                parsed.name.to_ascii_uppercase().as_str(),
                parsed.ignore,
                parsed.translit
            ),
            ("UTF-8", ignore, translit),
            "{label}"
        );
        assert_eq!(name(label).to_ascii_uppercase(), "UTF-8");
        assert!(Iconv::open(label).is_some());
    }
    // glibc rejects these; so do we.
    for label in ["UTF-8,IGNORE", "utf-8,ignore", "UTF-8/IGNORE"] {
        assert!(Iconv::open(label).is_none(), "{label}");
        assert!(Charset::for_label(label).is_err(), "{label}");
    }
}

#[test]
fn whatwg_mode_gives_the_web_meaning() {
    for (label, glibc, whatwg) in [
        ("latin1", "ISO-8859-1", "windows-1252"),
        ("iso-8859-1", "ISO-8859-1", "windows-1252"),
        ("ascii", "ANSI_X3.4-1968", "windows-1252"),
        ("us-ascii", "ANSI_X3.4-1968", "windows-1252"),
        ("iso-8859-9", "ISO-8859-9", "windows-1254"),
        ("tis-620", "TIS-620", "windows-874"),
        ("gb2312", "EUC-CN", "GBK"),
    ] {
        assert_eq!(name(label), glibc, "{label}");
        let web = Charset::for_label_in(label, LabelMode::Whatwg).unwrap();
        assert_eq!(web.name(), whatwg, "{label}");
    }
    let bytes = b"\x80";
    let glibc = Charset::for_label("latin1").unwrap();
    let web = Charset::for_label_in("latin1", LabelMode::Whatwg).unwrap();
    assert_eq!(
        glibc.decode_to_string(bytes, ErrorPolicy::Strict).unwrap(),
        "\u{80}"
    );
    assert_eq!(
        web.decode_to_string(bytes, ErrorPolicy::Strict).unwrap(),
        "€"
    );
    // Names WHATWG does not know keep glibc's meaning in WHATWG mode.
    assert_eq!(
        Charset::for_label_in("IBM037", LabelMode::Whatwg)
            .unwrap()
            .name(),
        "IBM037"
    );
}

#[test]
fn python_and_mail_names_mean_the_glibc_charset_that_decodes_like_them() {
    for (label, canonical) in [
        ("x-sjis", "CP932"),
        ("ks_c_5601-1987", "UHC"),
        ("x-mac-roman", "MACINTOSH"),
        ("x-cp1252", "CP1252"),
        ("unicode-1-1-utf-8", "UTF-8"),
        ("utf_8", "UTF-8"),
        ("UTF_8", "UTF-8"),
        ("latin_1", "ISO-8859-1"),
        ("Latin-1", "ISO-8859-1"),
        ("iso8859_1", "ISO-8859-1"),
        ("cp932", "CP932"),
        ("euc_jis_2004", "EUC-JISX0213"),
        ("iso2022_jp", "ISO-2022-JP"),
        ("shift_jis_2004", "SHIFT_JISX0213"),
        ("utf_16_le", "UTF-16LE"),
        ("koi8_u", "KOI8-U"),
        // A same-named charset wins when it decodes nearly alike: Python's tis_620 also accepts
        // the C1 bytes glibc's TIS-620 rejects, and HP-THAI8 happens to decode closer.
        ("tis_620", "TIS-620"),
        ("koi8-u", "KOI8-U"),
    ] {
        assert_eq!(name(label), canonical, "{label}");
    }
    // The meaning checked by decoding: x-sjis decodes like glibc's CP932 (0x5C is a backslash).
    let sjis = Charset::for_label("x-sjis").unwrap();
    assert_eq!(
        sjis.decode_to_string(b"\x5C", ErrorPolicy::Strict).ok(),
        Iconv::open("CP932")
            .unwrap()
            .convert(b"\x5C")
            .output
            .iter()
            .map(|&b| b as char)
            .collect::<String>()
            .into()
    );
}

#[test]
fn unknown_names_get_a_suggestion_when_close() {
    let suggestion = |label: &str| match Charset::for_label(label) {
        Err(Error::UnknownCharset {
            label: given,
            suggestion,
        }) => {
            assert_eq!(given, label);
            suggestion
        }
        other => panic!("{label}: {other:?}"),
    };
    assert_eq!(suggestion("CP-1252"), Some("CP1252"));
    assert_eq!(suggestion("WINDOWS1252"), Some("WINDOWS-1252"));
    assert_eq!(suggestion("UTF-88"), Some("UTF-8"));
    assert_eq!(suggestion("completely-made-up-name"), None);
    let message = Charset::for_label("CP-1252").unwrap_err().to_string();
    assert!(message.contains("did you mean `CP1252'"), "{message}");
}
