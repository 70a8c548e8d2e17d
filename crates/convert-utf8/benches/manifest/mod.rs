//! What the throughput bench and the strongest-peers bench (`bench/peers`, which includes this
//! file by path) share: the suite's input manifest and the two decoders' calls on a whole input.
//!
//! The manifest, `cases.tsv` in the directory written by `bench/inputs.py`, has one line per
//! family: `family<TAB>glibc charset<TAB>encoding_rs label or -<TAB>input file<TAB>expected
//! UTF-8 file`.

use convert_utf8::Decoder;
use std::path::{Path, PathBuf};

/// The contents of `dir/name`; panics naming the file.
pub fn read(dir: &Path, name: &str) -> Vec<u8> {
    let path = dir.join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The manifest's lines: (family, glibc charset, encoding_rs label, input, expected UTF-8).
pub fn cases(dir: &Path) -> Vec<(String, String, Option<String>, PathBuf, PathBuf)> {
    let manifest = String::from_utf8(read(dir, "cases.tsv")).expect("UTF-8 manifest");
    manifest
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 5, "manifest line {line:?}");
            let encoding_rs = (fields[2] != "-").then(|| fields[2].to_owned());
            (
                fields[0].to_owned(),
                fields[1].to_owned(),
                encoding_rs,
                dir.join(fields[3]),
                dir.join(fields[4]),
            )
        })
        .collect()
}

/// Decodes all of `input` into `dst` (room for the worst case), as encoding_rs and iconv are
/// given a buffer once; returns the UTF-8 length.
pub fn ours(decoder: &mut Decoder, input: &[u8], dst: &mut [u8]) -> usize {
    decoder.reset();
    let step = decoder.decode(input, dst, true);
    assert_eq!(step.read, input.len());
    step.written
}

/// encoding_rs on all of `input` into `dst`; returns the UTF-8 length.
pub fn with_encoding_rs(
    encoding: &'static encoding_rs::Encoding,
    input: &[u8],
    dst: &mut [u8],
) -> usize {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let (result, _, written) = decoder.decode_to_utf8_without_replacement(input, dst, true);
    assert_eq!(result, encoding_rs::DecoderResult::InputEmpty);
    written
}
