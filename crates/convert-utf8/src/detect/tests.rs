//! Detector tests on text encoded by the system iconv.

use super::*;
use iconv_oracle::{Iconv, Outcome};

/// `text` encoded in `charset` by the system iconv.
fn encode(text: &str, charset: &str) -> Vec<u8> {
    let mut iconv = Iconv::open_to("UTF-8", charset)
        .unwrap_or_else(|| panic!("iconv cannot convert UTF-8 to {charset}"));
    let converted = iconv.convert(text.as_bytes());
    assert_eq!(
        converted.outcome,
        Outcome::Complete,
        "iconv -t {charset} failed"
    );
    converted.output
}

fn right(detection: &Detection, bytes: &[u8], text: &str) -> bool {
    detection
        .charset()
        .and_then(|c| {
            c.decode_to_string(&bytes[detection.decode_start()..], ErrorPolicy::Strict)
                .ok()
        })
        .is_some_and(|decoded| decoded == text)
}

const SAMPLES: &[(&str, &str, &[&str])] = &[
    (
        "ru",
        "Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.",
        &[
            "CP1251",
            "KOI8-R",
            "IBM866",
            "ISO-8859-5",
            "UTF-8",
            "UTF-16LE",
            "UTF-16BE",
        ],
    ),
    (
        "uk",
        "Чуєш їх, доцю, га? Кумедна ж ти, прощайся без ґольфів! Жебракують філософи при ґанку церкви в Гадячі, ще й шатро їхнє п'яне знаємо.",
        &["CP1251", "KOI8-U"],
    ),
    (
        "el",
        "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Η γλώσσα μου έδωσαν ελληνική το σπίτι φτωχικό στις αμμουδιές του Ομήρου.",
        &["CP1253", "ISO-8859-7"],
    ),
    (
        "he",
        "דג סקרן שט בים מאוכזב ולפתע מצא חברה. עטלף אבק נס דרך מזגן שהתפוצץ כי חם.",
        &["CP1255", "ISO-8859-8"],
    ),
    (
        "ar",
        "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق. صِف خَلقَ خَودِ كَمِثلِ الشَمسِ إِذ بَزَغَت",
        &["CP1256"],
    ),
    (
        "pl",
        "Pchnąć w tę łódź jeża lub ośm skrzyń fig. Zażółć gęślą jaźń, a potem idź spać bez żadnego żalu.",
        &["CP1250", "ISO-8859-2"],
    ),
    (
        "cs",
        "Příliš žluťoučký kůň úpěl ďábelské ódy. Nechť již hříšné saxofony ďáblů rozezvučí síň úděsnými tóny waltzu, tanga a quickstepu.",
        &["CP1250", "ISO-8859-2"],
    ),
    (
        "de",
        "Victor jagt zwölf Boxkämpfer quer über den großen Sylter Deich. Falsches Üben von Xylophonmusik quält jeden größeren Zwerg.",
        &["CP1252", "IBM850", "IBM273", "IBM037", "IBM500"],
    ),
    (
        "fr",
        "Voix ambiguë d'un cœur qui, au zéphyr, préfère les jattes de kiwis. Le cœur déçu mais l'âme plutôt naïve, Louÿs rêva de crapaüter en canoë au delà des îles.",
        &["CP1252", "ISO-8859-15"],
    ),
    (
        "tr",
        "Pijamalı hasta yağız şoföre çabucak güvendi. Fahiş bluz güvencesi yağmurda ağır çıktı, işçi öğleden sonra döndü.",
        &["CP1254", "ISO-8859-9"],
    ),
    (
        "lt",
        "Įlinkdama fechtuotojo špaga sublykčiojusi pragręžė apvalų arbūzą. Ąžuolo šakos linksta į žemę, ūkininkai čia gyvena.",
        &["CP1257", "ISO-8859-13"],
    ),
    (
        "th",
        "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน จงฝ่าฟันพัฒนาวิชาการ อย่าล้างผลาญฤๅเข่นฆ่าบีฑาใคร",
        &["TIS-620", "CP874"],
    ),
    (
        "ja",
        "いろはにほへとちりぬるを、わかよたれそつねならむ。日本語の文章を正しく判定できるかどうかを確かめるための例文です。",
        &["SJIS", "EUC-JP", "ISO-2022-JP"],
    ),
    (
        "zh-Hans",
        "我们在这里测试简体中文的文本，看看检测器能否正确地判断出它的编码。中华人民共和国成立于一九四九年。",
        &["GBK", "GB18030"],
    ),
    (
        "zh-Hant",
        "我們在這裡測試繁體中文的文本，看看偵測器能否正確地判斷出它的編碼。臺灣的經濟發展十分迅速。",
        &["BIG5"],
    ),
    (
        "ko",
        "다람쥐 헌 쳇바퀴에 타고파. 한국어 문장을 올바르게 판별할 수 있는지 확인하기 위한 예문입니다.",
        &["EUC-KR", "UHC", "ISO-2022-KR"],
    ),
];

#[test]
#[cfg_attr(miri, ignore = "runs the system iconv")]
fn detects_each_language_in_each_charset() {
    let mut failures = Vec::new();
    for (language, text, charsets) in SAMPLES {
        for charset in *charsets {
            let bytes = encode(text, charset);
            let detection = detect(&bytes);
            if !right(&detection, &bytes, text) {
                failures.push(format!("{language} in {charset}: {detection:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[cfg_attr(miri, ignore = "runs the system iconv")]
fn languages_are_named() {
    for (language, text, charsets) in SAMPLES {
        let bytes = encode(text, charsets[0]);
        let detection = detect(&bytes);
        if detection.basis() == Basis::Statistics {
            assert_eq!(
                detection.language(),
                Some(*language),
                "{charsets:?} {detection:?}"
            );
        }
        // A 7-bit charset that writes one language names it.
        for charset in charsets.iter().filter(|c| c.starts_with("ISO-2022")) {
            let detection = detect(&encode(text, charset));
            assert_eq!(detection.basis(), Basis::Escapes, "{charset}");
            assert_eq!(detection.language(), Some(*language), "{charset}");
        }
    }
}

#[test]
fn structure_decides_first() {
    assert_eq!(detect(b"").basis(), Basis::Empty);
    assert_eq!(
        detect(b"plain text").charset().unwrap().name(),
        "ANSI_X3.4-1968"
    );
    let bom = detect(b"\xEF\xBB\xBFcaf\xC3\xA9");
    assert_eq!((bom.charset().unwrap().name(), bom.bom_len()), ("UTF-8", 3));
    assert_eq!(detect("café crème".as_bytes()).basis(), Basis::Utf8);
    assert!(detect(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").is_binary());
    assert!(
        detect(b"\x7FELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00").is_binary()
    );
    assert!(detect(&[0u8; 100]).is_binary());
    // A ZIP local file header: signature, version, flags, method, times, sizes, name.
    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x8b\x7a\x86\x59\x1f\x2c\xd4\x5a\x20\x01\x00\x00\x80\x02\x00\x00\x08\x00\x00\x00notes.txt\xed\x92\xcd";
    let d = detect(zip);
    assert!(d.is_binary() && d.charset().is_none(), "{d:?}");
}

#[test]
fn bad_input_never_panics_and_stays_bounded() {
    let mut state = 0x1234_5678u32;
    for len in [1usize, 2, 3, 7, 64, 511, 4096, 70_000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect();
        let detection = detect(&bytes);
        assert!(
            (0.0..=1.0).contains(&detection.confidence()),
            "{detection:?}"
        );
    }
    for byte in 0..=255u8 {
        let detection = detect(&[byte]);
        assert!((0.0..=1.0).contains(&detection.confidence()));
    }
}

#[test]
#[cfg_attr(miri, ignore = "64 MiB under Miri takes hours")]
fn huge_inputs_are_decided_on_a_bounded_prefix() {
    // 64 MiB of NULs, then of ASCII with a KOI8-R letter at the very end: the detector stops
    // wanting input after SCAN_LIMIT bytes and decides on what it saw.
    let zeros = vec![0u8; 64 << 20];
    assert!(detect(&zeros).is_binary());
    let mut ascii = b"plain ascii line\n".repeat((64 << 20) / 17);
    ascii.push(0xC1);
    assert_eq!(detect(&ascii).basis(), Basis::Ascii);
    let mut detector = Detector::new();
    let mut fed = 0;
    for piece in ascii.chunks(1 << 16) {
        fed += piece.len();
        if !detector.feed(piece) {
            break;
        }
    }
    assert!(fed <= SCAN_LIMIT + (1 << 16), "fed {fed}");
    assert_eq!(detector.finish(), detect(&ascii));
}

#[test]
#[cfg_attr(miri, ignore = "runs the system iconv")]
fn streaming_gives_the_one_shot_answer() {
    let text = "Съешь же ещё этих мягких французских булок, да выпей чаю. ".repeat(40);
    let bytes = [b"ascii prologue ".repeat(3000), encode(&text, "KOI8-R")].concat();
    let one_shot = detect(&bytes);
    for chunk in [1usize, 7, 100, 4096, 65_536] {
        let mut detector = Detector::new();
        for piece in bytes.chunks(chunk) {
            if !detector.feed(piece) {
                break;
            }
        }
        assert_eq!(detector.finish(), one_shot, "chunks of {chunk}");
    }
    assert_eq!(one_shot.charset().unwrap().name(), "KOI8-R");
    // A long text is decided early, at the first checkpoint where the answer is sure.
    let long_text = encode(&text.repeat(20), "KOI8-R");
    let mut detector = Detector::new();
    let mut fed = 0;
    for piece in long_text.chunks(1000) {
        fed += piece.len();
        if !detector.feed(piece) {
            break;
        }
    }
    assert!(
        fed < EARLY_CHECKPOINTS[0] + 1000,
        "fed {fed} of {}",
        long_text.len()
    );
    assert_eq!(detector.finish(), detect(&long_text));
    // More ASCII before the first non-ASCII byte than the sample holds: the context kept is the
    // ASCII right before it, however the input comes.
    let long = [b"ascii words, ".repeat(6000), encode(&text, "KOI8-R")].concat();
    let one_shot = detect(&long);
    for chunk in [4096usize, 65_536, 70_000] {
        let mut detector = Detector::new();
        for piece in long.chunks(chunk) {
            if !detector.feed(piece) {
                break;
            }
        }
        assert_eq!(
            detector.finish(),
            one_shot,
            "chunks of {chunk} after long ASCII"
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs the system iconv")]
fn declared_labels_are_kept_unless_contradicted() {
    let ru = SAMPLES[0].1;
    let cp1251 = encode(ru, "CP1251");
    let koi8 = Charset::for_label("KOI8-R").unwrap();
    let win = Charset::for_label("CP1251").unwrap();
    // koi8-r declared over windows-1251: more natural in windows-1251.
    let d = detect_with_declared(&cp1251, koi8);
    assert_eq!(d.charset(), Some(win));
    assert_eq!(d.declared(), Some((koi8, DeclaredVerdict::LessNatural)));
    // A right label is kept.
    let d = detect_with_declared(&cp1251, win);
    assert_eq!(d.declared(), Some((win, DeclaredVerdict::Kept)));
    let latin1 = Charset::for_label("ISO-8859-1").unwrap();
    // iso-8859-1 declared over windows-1252 quotes, which it reads as C1 controls.
    let cp1252 = encode("le type d\u{2019}erreur rencontr\u{e9}es", "CP1252");
    let d = detect_with_declared(&cp1252, latin1);
    assert_eq!(d.charset().unwrap().name(), "CP1252", "{d:?}");
    assert_eq!(d.declared(), Some((latin1, DeclaredVerdict::LessNatural)));
    // iso-8859-1 declared over UTF-8.
    let d = detect_with_declared("naïve café".as_bytes(), latin1);
    assert_eq!(d.charset().unwrap().name(), "UTF-8");
    // us-ascii over 8-bit text: invalid.
    let ascii = Charset::for_label("US-ASCII").unwrap();
    let d = detect_with_declared(&cp1251, ascii);
    assert_eq!(d.declared(), Some((ascii, DeclaredVerdict::Invalid)));
    // Binary bytes under a text label stay binary.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00";
    let d = detect_with_declared(png, latin1);
    assert!(d.is_binary() && d.charset().is_none(), "{d:?}");
    assert_eq!(d.declared(), Some((latin1, DeclaredVerdict::LessNatural)));
    // ASCII text keeps any ASCII-based label.
    let d = detect_with_declared(b"plain", koi8);
    assert_eq!(d.charset(), Some(koi8));
}

/// `text` after enough of the `language` sample that it falls past the statistics window.
fn past_the_window(language: &str, text: &str) -> String {
    let (_, lead, _) = SAMPLES.iter().find(|s| s.0 == language).expect("a sample");
    // CJK text is at most half as long again in UTF-8 as in its charset.
    let repeats = 2 * STATISTICS_WINDOW / lead.len() + 2;
    [lead.repeat(repeats).as_str(), text].concat()
}

#[test]
#[cfg_attr(miri, ignore = "runs the system iconv")]
fn charsets_that_read_the_window_alike_are_told_apart_past_it() {
    // CP932 and Shift_JIS read Japanese alike but for 0x5C and 0x7E (a backslash and a tilde in
    // CP932, a yen sign and an overline in Shift_JIS). Past the window, CP932's reading of a
    // path is the natural one, and the confidence says so.
    let text = past_the_window("ja", "ファイルは C:\\temp\\memo.txt と ~/memo.txt にある。");
    let bytes = encode(&text, "CP932");
    let detection = detect(&bytes);
    assert!(right(&detection, &bytes, &text), "{detection:?}");
    assert!(detection.confidence() > 0.9, "{detection:?}");
    // Big5-HKSCS writes a bullet where Big5 reads a hyphenation point, two characters the model
    // prices alike: the two readings share the confidence, as the window alone could not say.
    let text = past_the_window("zh-Hant", "第一項•第二項");
    let bytes = encode(&text, "BIG5-HKSCS");
    let detection = detect(&bytes);
    let big5 = Charset::for_label("BIG5").unwrap();
    let hkscs = Charset::for_label("BIG5-HKSCS").unwrap();
    let answers = [
        detection.charset(),
        detection.alternatives().first().map(|a| a.charset),
    ];
    assert!(
        answers.contains(&Some(big5)) && answers.contains(&Some(hkscs)),
        "{detection:?}"
    );
    assert!(
        (0.45..0.6).contains(&detection.confidence()),
        "{detection:?}"
    );
    // A reading that cannot decode the rest has no share, and the group lives on in those that
    // can: past the window, a character only GB18030 has (four bytes), which GBK and EUC-CN
    // reject.
    let text = past_the_window("zh-Hans", "笑脸😀。");
    let bytes = encode(&text, "GB18030");
    let detection = detect(&bytes);
    assert!(right(&detection, &bytes, &text), "{detection:?}");
    assert!(detection.confidence() > 0.9, "{detection:?}");
}

/// Characters that another charset reads as something a language model prices alike must be
/// priced for what they stand for: an acute accent typed for an apostrophe, a middle dot between
/// items, a letter that an Arabic charset reads as a vowel mark on a Latin letter, a quotation
/// mark opening a word.
#[test]
#[cfg_attr(miri, ignore = "calls the system iconv")]
fn western_punctuation_and_stray_marks_are_priced_for_what_they_are() {
    let cases = [
        // ISO-8859-13 reads the accent as a quotation mark, and ë and ï as Baltic letters.
        (
            "Zo´n auto´s en foto´s staan in de garage. De ruïne werd geëvalueerd door de \
             gemeente, die de kosten van de restauratie begroot.",
            "ISO-8859-1",
        ),
        // ISO-8859-4 reads the middle dot as a caron, a letter on its own.
        (
            "Hem · Om oss · Kontakt · Sök · Nyheter från förbundet · Kalender för året · \
             Arkiv · Medlemmar · Styrelsen",
            "ISO-8859-1",
        ),
        // ISO-8859-6 reads ï as a damma, a vowel mark on the Latin letter before it.
        (
            "Het naïeve plan werd beïnvloed door de egoïstische eigenaar, die de mozaïeken \
             van de kerk wilde verkopen aan een heroïsche verzamelaar.",
            "ISO-8859-1",
        ),
    ];
    let mut wrong: Vec<String> = cases
        .iter()
        .filter_map(|&(text, charset)| {
            let bytes = encode(text, charset);
            let detection = detect(&bytes);
            (!right(&detection, &bytes, text)).then(|| format!("{charset} {text}: {detection:?}"))
        })
        .collect();
    // An apostrophe does not open a word: where ISO-8859-13's opening quotation marks open words,
    // windows-1252's acute accent is unlikely, and the marks alone make the answer sure.
    let text = "Vali “Seaded”, siis “Privaatsus” ja “Kontod”, seejärel “Logi välja”.";
    let bytes = encode(text, "ISO-8859-13");
    let detection = detect(&bytes);
    if !right(&detection, &bytes, text) || detection.confidence() <= 0.9 {
        wrong.push(format!("ISO-8859-13 {text}: {detection:?}"));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
