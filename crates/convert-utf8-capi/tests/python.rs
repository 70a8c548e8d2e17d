//! Runs the Python examples (`examples/python/`, through ctypes and cffi) against the built
//! library and checks their output and messages against the engine's own decoding of the same
//! bytes, and the detection example (`cu8_detect` through ctypes) against the engine's detector.
//! Also checks that the ctypes examples in `docs/c-api.md` are those very files.
//!
//! Without `python3` (or `$PYTHON`), or without the `cffi` module, the affected test says so and
//! passes, unless `CU8_REQUIRE_PYTHON=1` (set by scripts/test-all.sh).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use convert_utf8::{Charset, Decoder, ErrorPolicy};

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Whether `python -c code` succeeds; if not, the test is skipped (or fails when required).
fn python_can(code: &str, what: &str) -> bool {
    let works = Command::new(python())
        .args(["-c", code])
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        assert!(
            !common::required("CU8_REQUIRE_PYTHON"),
            "CU8_REQUIRE_PYTHON=1 but {what} is missing"
        );
        eprintln!("skipped: {what} is missing");
    }
    works
}

/// UTF-8 text long enough to cross the examples' 4096-byte read size many times, with
/// multi-byte characters straddling the boundaries and, when `bad` is set, invalid bytes at
/// and around them and a truncated tail.
fn sample_utf8(bad: bool) -> Vec<u8> {
    let mut text = Vec::new();
    for i in 0..1500 {
        text.extend_from_slice(format!("{i}: caf\u{e9} \u{2713} \u{1F600} ").as_bytes());
    }
    if bad {
        for at in [100, 4095, 4096, 8191, 12_000] {
            text[at] = 0xFF;
        }
        text.extend_from_slice(b"\xF0\x9F\x98");
    }
    text
}

/// Runs `script` on `input` and compares with the engine.
fn check_example(script: &str, label: &str, policy_name: &str, input: &[u8]) {
    let library = common::library();
    let mut child = Command::new(python())
        .arg(common::crate_dir().join("examples/python").join(script))
        .arg(&library.shared_lib)
        .args([label, policy_name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input_copy = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input_copy));
    let output = child.wait_with_output().expect("run python");
    feeder.join().expect("feeder thread").expect("write stdin");
    let stderr = String::from_utf8_lossy(&output.stderr);

    let policy = ErrorPolicy::from_name(policy_name).expect("a policy name");
    let mut decoder = Decoder::new(Charset::for_label(label).expect("a known label"), policy);
    let mut expected = Vec::new();
    let outcome = decoder.decode_to_vec(input, &mut expected);
    let context = format!("{script} {label} {policy_name}");
    assert!(
        output.stdout == expected,
        "{context}: stdout differs from the engine's output; stderr: {stderr}"
    );
    match outcome {
        Ok(()) => assert!(output.status.success(), "{context}: {stderr}"),
        Err(error) => {
            assert_eq!(output.status.code(), Some(1), "{context}: {stderr}");
            let script_name = script.trim_end_matches(".py");
            assert_eq!(
                stderr.trim_end(),
                format!("{script_name}: {error}"),
                "{context}"
            );
        }
    }
}

fn check_all_cases(script: &str) {
    for policy in ["strict", "ignore", "replace"] {
        check_example(script, "UTF-8", policy, &sample_utf8(false));
        check_example(script, "utf8", policy, &sample_utf8(true));
        check_example(script, "UTF-8", policy, b"");
    }
    let text = String::from_utf8_lossy(&sample_utf8(false)).into_owned();
    let mut bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.push(b'!'); // an odd byte out: truncated at the end
    for policy in ["strict", "replace"] {
        check_example(script, "UTF-16LE", policy, &bytes);
    }
    // A label naming nothing: a message and exit status 1.
    let library = common::library();
    let output = Command::new(python())
        .arg(common::crate_dir().join("examples/python").join(script))
        .arg(&library.shared_lib)
        .args(["no-such-charset", "strict"])
        .stdin(Stdio::null())
        .output()
        .expect("run python");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown charset"));
}

#[test]
fn ctypes_example_matches_the_engine() {
    if python_can("import ctypes", "python3 with ctypes") {
        check_all_cases("cu8_ctypes.py");
    }
}

#[test]
fn cffi_example_matches_the_engine() {
    if python_can("import cffi", "the Python module cffi") {
        check_all_cases("cu8_cffi.py");
    }
}

/// Runs the detection example on `input` (with `declared` if any): its stdout and exit status.
fn run_detect_example(input: &[u8], declared: Option<&str>) -> (String, Option<i32>, String) {
    let library = common::library();
    let mut child = Command::new(python())
        .arg(common::crate_dir().join("examples/python/cu8_detect_ctypes.py"))
        .arg(&library.shared_lib)
        .args(declared)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input)
        .expect("write stdin");
    let output = child.wait_with_output().expect("run python");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn detect_ctypes_example_matches_the_engine() {
    if !python_can("import ctypes", "python3 with ctypes") {
        return;
    }
    let koi8_r: &[u8] = b"\xf3\xdf\xc5\xdb\xd8 \xd6\xc5 \xc5\xdd\xa3 \xdc\xd4\xc9\xc8 \xcd\xd1\xc7\xcb\xc9\xc8 \
        \xc6\xd2\xc1\xce\xc3\xd5\xda\xd3\xcb\xc9\xc8 \xc2\xd5\xcc\xcf\xcb, \xc4\xc1 \xd7\xd9\xd0\xc5\xca \xde\xc1\xc0.";
    let cases: [(&[u8], Option<&str>); 7] = [
        (koi8_r, None),
        (koi8_r, Some("UTF-8")),
        (b"plain", Some("latin1")),
        (b"\xEF\xBB\xBFcaf\xC3\xA9", None),
        (b"\xFE\xFF\0h\0i", None),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", None),
        (b"", None),
    ];
    for (input, declared) in cases {
        let detection = match declared {
            Some(label) => convert_utf8::detect_with_declared(
                input,
                Charset::for_label(label).expect("a known label"),
            ),
            None => convert_utf8::detect(input),
        };
        let expected = match detection.charset() {
            Some(charset) => format!(
                "{}\t{:.4}\t{}\t{}\n",
                charset.name(),
                detection.confidence(),
                detection.language().unwrap_or(""),
                detection.bom_len()
            ),
            None if detection.is_binary() => format!("binary\t{:.4}\n", detection.confidence()),
            None => "undetected\n".to_owned(),
        };
        let (stdout, status, stderr) = run_detect_example(input, declared);
        assert_eq!(
            (stdout, status),
            (expected, Some(0)),
            "{input:02X?} {declared:?}: {stderr}"
        );
    }
    let (stdout, status, stderr) = run_detect_example(b"x", Some("no-such-charset"));
    assert_eq!((stdout.as_str(), status), ("", Some(1)));
    assert!(stderr.contains("unknown charset"), "{stderr}");
}

#[test]
fn documented_ctypes_examples_are_the_tested_files() {
    let dir = common::crate_dir();
    let docs =
        std::fs::read_to_string(dir.join("../../docs/c-api.md")).expect("read docs/c-api.md");
    for file in ["cu8_ctypes.py", "cu8_detect_ctypes.py"] {
        let example = std::fs::read_to_string(dir.join("examples/python").join(file))
            .expect("read the example");
        assert!(
            docs.contains(&format!("```python\n{example}```")),
            "docs/c-api.md must show examples/python/{file} verbatim in a ```python block"
        );
    }
}
