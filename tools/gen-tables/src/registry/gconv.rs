//! Reading what the system's glibc knows: its gconv configuration (`gconv-modules` and
//! `gconv-modules.d/*.conf`) and the names `iconv -l` prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the gconv configuration says about decoders: which modules convert to INTERNAL, and
/// which aliases name something.
#[derive(Debug, Default)]
pub struct GconvConfig {
    /// Names (as glibc's database spells them, e.g. `ISO-8859-1//`) of modules that decode to
    /// INTERNAL.
    pub modules: Vec<String>,
    /// Alias -> target, first definition wins (as in glibc).
    pub aliases: BTreeMap<String, String>,
}

/// The gconv directories glibc reads: those in `GCONV_PATH`, then the system's own.
pub fn gconv_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("GCONV_PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    let system = system_gconv_dir().unwrap_or_else(|| {
        panic!(
            "cannot find glibc's gconv directory (no gconv-modules under the standard lib \
             directories); set GCONV_PATH to it"
        )
    });
    if !dirs.contains(&system) {
        dirs.push(system);
    }
    dirs
}

/// The system's gconv directory: `<libdir>/gconv` holding a `gconv-modules` file, looked for in
/// the multiarch lib directories (preferring this machine's architecture) and the classic ones.
fn system_gconv_dir() -> Option<PathBuf> {
    let arch = std::env::consts::ARCH;
    let mut candidates: Vec<PathBuf> = Vec::new();
    for root in ["/usr/lib", "/lib", "/usr/lib64", "/lib64", "/usr/lib32"] {
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        let mut multiarch: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.contains("-linux-"))
            })
            .collect();
        multiarch.sort();
        // This machine's triplet first, so that an i386 multiarch library is not picked on
        // x86-64.
        multiarch.sort_by_key(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(arch))
        });
        candidates.extend(multiarch.into_iter().map(|p| p.join("gconv")));
        candidates.push(Path::new(root).join("gconv"));
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("gconv-modules").is_file())
}

/// Reads the configuration files of `dirs` in glibc's order: each directory's `gconv-modules`,
/// then its `gconv-modules.d/*.conf` in name order.
pub fn read_config(dirs: &[PathBuf]) -> GconvConfig {
    let mut config = GconvConfig::default();
    for dir in dirs {
        let mut files = vec![dir.join("gconv-modules")];
        if let Ok(entries) = std::fs::read_dir(dir.join("gconv-modules.d")) {
            let mut confs: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "conf"))
                .collect();
            confs.sort();
            files.extend(confs);
        }
        for file in files {
            if let Ok(text) = std::fs::read_to_string(&file) {
                parse_config(&text, &mut config);
            }
        }
    }
    config
}

fn parse_config(text: &str, config: &mut GconvConfig) {
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["alias", from, to, ..] => {
                config
                    .aliases
                    .entry(from.to_ascii_uppercase())
                    .or_insert_with(|| to.to_ascii_uppercase());
            }
            ["module", from, to, ..] if *to == "INTERNAL" => {
                let from = from.to_ascii_uppercase();
                if !config.modules.contains(&from) {
                    config.modules.push(from);
                }
            }
            _ => {}
        }
    }
}

/// The names `iconv -l` prints, as printed (`UTF-8//`, `ISO-10646/UCS2/`).
pub fn iconv_list() -> Vec<String> {
    let output = Command::new("iconv")
        .arg("-l")
        .env("LC_ALL", "C")
        .output()
        .expect("cannot run `iconv -l`: is glibc's iconv program installed?");
    assert!(output.status.success(), "`iconv -l` failed");
    let text = String::from_utf8(output.stdout).expect("`iconv -l` prints ASCII");
    let mut names: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A name as users write it: glibc's database form without the padding `//` (`UTF-8`,
/// `ISO-10646/UCS2/`).
pub fn display_name(db_name: &str) -> String {
    db_name.strip_suffix("//").unwrap_or(db_name).to_owned()
}

/// The lookup key of a database name: its trailing slashes removed (`UTF-8`, `ISO-10646/UCS2`).
/// This is also what the engine's label parser produces, so lookups are exact.
pub fn lookup_key(db_name: &str) -> String {
    db_name.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_first_alias_wins_and_only_decoders_count() {
        let mut config = GconvConfig::default();
        parse_config(
            "# comment\nalias\tL1//\tISO-8859-1//\nalias L1// OTHER//\n\
             module ISO-8859-1// INTERNAL ISO8859-1 1\nmodule INTERNAL ISO-8859-1// ISO8859-1 1\n\
             module EUC-CN// BIG5// GBBIG5 1\n",
            &mut config,
        );
        assert_eq!(config.modules, ["ISO-8859-1//"]);
        assert_eq!(config.aliases["L1//"], "ISO-8859-1//");
    }

    #[test]
    fn names_and_keys() {
        assert_eq!(display_name("UTF-8//"), "UTF-8");
        assert_eq!(display_name("ISO-10646/UCS2/"), "ISO-10646/UCS2/");
        assert_eq!(lookup_key("ISO-10646/UCS2/"), "ISO-10646/UCS2");
        assert_eq!(lookup_key("UTF-8//"), "UTF-8");
    }
}
