//! The `convert-utf8` command (being built): a drop-in for `iconv -f X -t UTF-8`.

fn main() {
    eprintln!("convert-utf8: not built yet");
    std::process::exit(1);
}
