//! The report's JSON: one object per file, with keys `path`, `action`, `charset`,
//! `confidence` and `reason`.
//!
//! A path that is not valid UTF-8 is written with each byte that is not part of a character as
//! a lone surrogate escape `\udcXX` (the convention of Python's `surrogateescape`, whose
//! `json.loads` and `os.fsencode` give the original bytes back): the report stays JSON, and
//! no two paths read the same.

use crate::Entry;
use serde_json::Value;
use std::os::unix::ffi::OsStrExt;

/// `entry` as one JSON object on one line.
pub fn entry_json(entry: &Entry) -> String {
    let mut out = String::with_capacity(128);
    out.push_str("{\"path\":");
    push_path(&mut out, entry.path.as_os_str().as_bytes());
    out.push_str(",\"action\":");
    out.push_str(&Value::from(entry.action.name()).to_string());
    out.push_str(",\"charset\":");
    out.push_str(&Value::from(entry.charset.map(|c| c.name())).to_string());
    out.push_str(",\"confidence\":");
    // The detector's confidence as it prints (0.97, not 0.9700000286102295).
    let confidence = entry
        .confidence
        .and_then(|c| c.to_string().parse::<f64>().ok())
        .and_then(serde_json::Number::from_f64);
    out.push_str(&confidence.map_or(Value::Null, Value::Number).to_string());
    out.push_str(",\"reason\":");
    out.push_str(&Value::from(entry.reason.as_deref()).to_string());
    out.push('}');
    out
}

fn push_path(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        let valid = Value::from(chunk.valid()).to_string();
        out.push_str(&valid[1..valid.len() - 1]);
        for byte in chunk.invalid() {
            out.push_str(&format!("\\udc{byte:02x}"));
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Action;
    use std::ffi::OsStr;
    use std::path::Path;

    #[test]
    fn entries_are_json_objects() {
        let mut entry = Entry::new(
            Path::new("dir/caf\u{e9} \"x\".txt"),
            Action::Converted,
            None,
        );
        entry.charset = convert_utf8::Charset::for_label("cp1251").ok();
        entry.confidence = Some(0.97);
        let json = entry_json(&entry);
        assert_eq!(
            json,
            r#"{"path":"dir/café \"x\".txt","action":"converted","charset":"CP1251","confidence":0.97,"reason":null}"#
        );
        let parsed: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["path"], "dir/café \"x\".txt");
    }

    #[test]
    fn bytes_that_are_not_utf8_become_surrogate_escapes() {
        let path = Path::new(OsStr::from_bytes(b"caf\xe9/\xff\xfe.txt"));
        let entry = Entry::new(path, Action::Skipped(crate::Skip::Binary), "why".to_owned());
        let json = entry_json(&entry);
        assert!(
            json.starts_with(r#"{"path":"caf\udce9/\udcff\udcfe.txt","action":"skipped""#),
            "{json}"
        );
    }
}
