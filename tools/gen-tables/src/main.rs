//! Probes the system's iconv and gconv configuration and writes the engine's generated tables.

fn main() {
    eprintln!("gen-tables: not built yet");
    std::process::exit(1);
}
