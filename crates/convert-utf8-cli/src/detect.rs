//! `-f auto` and `--detect`: reading enough of an input to tell its charset, then handing the
//! conversion a reader that starts from the input's first byte again.

use convert_utf8::detect::SCAN_LIMIT;
use convert_utf8::{Charset, Detection, Detector};
use std::fs::File;
use std::io::{self, Chain, Cursor, Read, Seek, SeekFrom};

/// The label that asks for detection.
pub const AUTO: &str = "auto";

const CHUNK: usize = 64 * 1024;

/// An input after detection: the bytes detection read from a pipe, then the rest.
pub type Rewound = Chain<Cursor<Vec<u8>>, File>;

/// Reads from `input` until the detector has seen enough, and returns what it decided with a
/// reader that gives the input from where it started.
pub fn detect_input(
    mut input: File,
    declared: Option<Charset>,
) -> io::Result<(Detection, Rewound)> {
    let start = input.stream_position().ok();
    let mut detector = Detector::new();
    if let Some(declared) = declared {
        detector.declare(declared);
    }
    let mut consumed = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    // The detector wants no more past its scan limit; what a pipe gave is kept to be converted.
    while consumed.len() < SCAN_LIMIT + CHUNK {
        let n = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        consumed.extend_from_slice(&chunk[..n]);
        if !detector.feed(&chunk[..n]) {
            break;
        }
    }
    // A file seeks back and is read again; a pipe's bytes are converted from memory.
    if let Some(start) = start
        && input.seek(SeekFrom::Start(start)).is_ok()
    {
        consumed.clear();
    }
    Ok((detector.finish(), Cursor::new(consumed).chain(input)))
}

/// One `--detect` line: `CHARSET (confidence 0.97, language ru)`, with what became of a declared
/// label.
pub fn describe(detection: &Detection) -> String {
    let mut text = match detection.charset() {
        Some(charset) => charset.name().to_owned(),
        None if detection.is_binary() => "binary".to_owned(),
        None => "unknown".to_owned(),
    };
    text.push_str(&format!(" (confidence {:.2}", detection.confidence()));
    if let Some(language) = detection.language() {
        text.push_str(&format!(", language {language}"));
    }
    if detection.bom() {
        text.push_str(", byte order mark");
    }
    if let Some((declared, verdict)) = detection.declared() {
        use convert_utf8::detect::DeclaredVerdict;
        let what = match verdict {
            DeclaredVerdict::Kept => "kept",
            DeclaredVerdict::Invalid => "overridden: the bytes are invalid in it",
            DeclaredVerdict::LessNatural => "overridden: the text reads better in the answer",
            _ => "weighed",
        };
        text.push_str(&format!(", declared {} {what}", declared.name()));
    }
    text.push(')');
    text
}

/// The charset to convert with at `threshold`, or why there is none.
pub fn usable_charset(detection: &Detection, threshold: f32) -> Result<Charset, String> {
    if detection.is_binary() {
        return Err("looks binary, not text; name its charset with -f to convert it anyway".into());
    }
    match detection.charset() {
        Some(charset) if detection.confidence() >= threshold => Ok(charset),
        Some(charset) => Err(format!(
            "cannot tell the charset: the best guess, {}, has confidence {:.2}, below {:.2}; \
             name the charset with -f, or lower --threshold",
            charset.name(),
            detection.confidence(),
            threshold
        )),
        None => Err("cannot tell the charset; name it with -f".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_is_read_again_from_its_start() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all("naïve café".as_bytes()).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let (detection, mut rewound) = detect_input(file, None).unwrap();
        assert_eq!(detection.charset().unwrap().name(), "UTF-8");
        let mut again = String::new();
        rewound.read_to_string(&mut again).unwrap();
        assert_eq!(again, "naïve café");
    }

    #[test]
    fn refusals_say_why() {
        let binary = convert_utf8::detect(b"\x00\x01\x02\x03PNG");
        assert!(usable_charset(&binary, 0.5).unwrap_err().contains("binary"));
        let text = convert_utf8::detect(b"plain");
        assert_eq!(
            usable_charset(&text, 0.5),
            text.charset().ok_or(String::new())
        );
        assert!(
            usable_charset(&text, 1.0)
                .unwrap_err()
                .contains("below 1.00")
        );
    }

    #[test]
    fn lines_name_the_charset_and_the_evidence() {
        let line = describe(&convert_utf8::detect(b"plain"));
        assert_eq!(line, "ANSI_X3.4-1968 (confidence 0.99)");
        let koi8 = Charset::for_label("KOI8-R").unwrap();
        let line = describe(&convert_utf8::detect_with_declared(b"plain", koi8));
        assert!(line.ends_with("declared KOI8-R kept)"), "{line}");
    }
}
