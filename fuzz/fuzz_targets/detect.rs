//! libFuzzer entry point; the checks live in `convert_utf8_fuzz::detect` so that the seed corpus
//! can also run through them as an ordinary test (`tests/corpus.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| convert_utf8_fuzz::detect::check(data));
