//! Runs every fuzz target's checks over its committed seed corpus (`corpus/<target>/`) as an
//! ordinary test: what `scripts/test-all.sh` runs where cargo-fuzz cannot build, and a quick
//! way to replay a crash file (`CU8_FUZZ_TARGET=name CU8_FUZZ_INPUT=path cargo test --test corpus replay`).

use std::path::Path;

fn run_corpus(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        check(&data);
        count += 1;
    }
    assert!(count > 0, "{}: empty seed corpus", dir.display());
}

#[test]
fn one_shot() {
    run_corpus("one_shot", convert_utf8_fuzz::one_shot::check);
}

#[test]
fn streaming() {
    run_corpus("streaming", convert_utf8_fuzz::streaming::check);
}

#[test]
fn labels() {
    run_corpus("labels", convert_utf8_fuzz::labels::check);
}

#[test]
fn capi() {
    run_corpus("capi", convert_utf8_fuzz::capi::check);
}

#[test]
fn glibc_differential() {
    run_corpus(
        "glibc_differential",
        convert_utf8_fuzz::glibc_differential::check,
    );
}

#[test]
fn detect() {
    run_corpus("detect", convert_utf8_fuzz::detect::check);
}

/// Replays one input (a crash or a corpus file) through the target named by CU8_FUZZ_TARGET.
#[test]
fn replay() {
    let (Ok(path), Ok(target)) = (
        std::env::var("CU8_FUZZ_INPUT"),
        std::env::var("CU8_FUZZ_TARGET"),
    ) else {
        return;
    };
    let data = std::fs::read(&path).unwrap();
    match target.as_str() {
        "one_shot" => convert_utf8_fuzz::one_shot::check(&data),
        "streaming" => convert_utf8_fuzz::streaming::check(&data),
        "labels" => convert_utf8_fuzz::labels::check(&data),
        "capi" => convert_utf8_fuzz::capi::check(&data),
        "glibc_differential" => convert_utf8_fuzz::glibc_differential::check(&data),
        "detect" => convert_utf8_fuzz::detect::check(&data),
        other => panic!("no target {other}"),
    }
}
