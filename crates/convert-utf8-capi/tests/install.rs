//! `install.sh` installs the libraries, the header and pkg-config files that work: a C program
//! built with `pkg-config --cflags --libs convert_utf8` against the installed copy runs, and so
//! does one built with `convert_utf8_iconv` (the iconv(3)-compatible library), whose iconv is
//! then the library's.
//!
//! Without `pkg-config` the test says so and passes, unless `CU8_REQUIRE_C_TOOLS=1` (set by
//! scripts/test-all.sh).

mod common;

use std::path::Path;
use std::process::Command;

const PROGRAM: &str = r#"#include <convert_utf8.h>
#include <stdio.h>
int main(void) {
    uint8_t *out; size_t len;
    if (cu8_decode("latin1", (const uint8_t *)"caf\xE9", 4, CU8_STRICT | CU8_WHATWG_LABELS,
                   &out, &len, NULL) != CU8_OK) return 1;
    printf("%s %s\n", cu8_version(), (const char *)out);
    cu8_free(out, len);
    return 0;
}
"#;

/// Links the iconv(3)-compatible library: a null handle is EBADF there (glibc would crash).
const ICONV_PROGRAM: &str = r#"#include <errno.h>
#include <iconv.h>
#include <stdio.h>
int main(void) {
    char in[] = "caf\xe9", out[8], *ip = in, *op = out;
    size_t il = 4, ol = sizeof out;
    errno = 0;
    if (iconv((iconv_t)0, &ip, &il, &op, &ol) != (size_t)-1 || errno != EBADF) return 1;
    iconv_t cd = iconv_open("UTF-8", "ISO-8859-1");
    if (cd == (iconv_t)-1 || iconv(cd, &ip, &il, &op, &ol) != 0) return 2;
    printf("%.*s\n", (int)(op - out), out);
    return iconv_close(cd);
}
"#;

fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn installed_library_builds_through_pkg_config() {
    if Command::new("pkg-config")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            !common::required("CU8_REQUIRE_C_TOOLS"),
            "CU8_REQUIRE_C_TOOLS=1 but pkg-config is missing"
        );
        eprintln!("skipped: pkg-config is missing");
        return;
    }
    let library = common::library();
    // The iconv(3)-compatible library is installed from the same directory.
    let mut build_iconv = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    build_iconv.args(["build", "--locked", "-p", "convert-utf8-iconv"]);
    if !cfg!(debug_assertions) {
        build_iconv.arg("--release");
    }
    run(&mut build_iconv);
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("install-test");
    let _ = std::fs::remove_dir_all(&work);
    let prefix = work.join("prefix");
    run(Command::new("bash")
        .arg(common::crate_dir().join("install.sh"))
        .arg(&prefix)
        .env("CU8_LIB_DIR", library.dir())
        .env_remove("DESTDIR")
        .env_remove("LIBDIR")
        .env_remove("INCLUDEDIR"));
    for installed in [
        "lib/libconvert_utf8.so",
        "lib/libconvert_utf8.a",
        "include/convert_utf8.h",
        "lib/libconvert_utf8_iconv.so",
        "lib/pkgconfig/convert_utf8_iconv.pc",
    ] {
        assert!(
            prefix.join(installed).is_file(),
            "{installed} was not installed"
        );
    }

    let pkg_config_of = |package: &str, args: &[&str]| {
        run(Command::new("pkg-config")
            .args(args)
            .arg(package)
            .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig")))
    };
    let pkg_config = |args: &[&str]| pkg_config_of("convert_utf8", args);
    assert_eq!(
        pkg_config(&["--modversion"]).trim(),
        env!("CARGO_PKG_VERSION")
    );
    assert!(pkg_config(&["--static", "--libs"]).contains("-lpthread"));
    let flags = pkg_config(&["--cflags", "--libs"]);

    let source = work.join("program.c");
    std::fs::write(&source, PROGRAM).expect("write the program");
    let executable = work.join("program");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    run(Command::new(cc)
        .arg(&source)
        .arg("-o")
        .arg(&executable)
        .args(flags.split_whitespace()));
    let printed = run(Command::new(&executable).env("LD_LIBRARY_PATH", prefix.join("lib")));
    assert_eq!(printed, format!("{} café\n", env!("CARGO_PKG_VERSION")));

    assert_eq!(
        pkg_config_of("convert_utf8_iconv", &["--variable=preload"]).trim(),
        prefix
            .join("lib/libconvert_utf8_iconv.so")
            .to_str()
            .unwrap()
    );
    let flags = pkg_config_of("convert_utf8_iconv", &["--cflags", "--libs"]);
    let source = work.join("iconv_program.c");
    std::fs::write(&source, ICONV_PROGRAM).expect("write the program");
    let executable = work.join("iconv_program");
    run(
        Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".to_owned()))
            .arg(&source)
            .arg("-o")
            .arg(&executable)
            .args(flags.split_whitespace()),
    );
    let printed = run(Command::new(&executable).env("LD_LIBRARY_PATH", prefix.join("lib")));
    assert_eq!(printed, "café\n");
}
