//! Compiles the C programs in `tests/c/` against `include/convert_utf8.h` and the library and
//! runs them: linked statically, linked dynamically, and linked statically under
//! AddressSanitizer + LeakSanitizer (zero errors and zero leaks, or the program fails).
//!
//! The C compiler is `$CC`, else `cc`. Where the compiler cannot build sanitized programs the
//! sanitizer test says so and passes, unless `CU8_REQUIRE_C_TOOLS=1` (set by scripts/test-all.sh).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const PROGRAMS: &[&str] = &[
    "test_oneshot",
    "test_streaming",
    "test_large",
    "test_threads",
    "test_detect",
];

#[derive(Clone, Copy, Debug)]
enum Link {
    Static,
    Shared,
    StaticWithSanitizers,
}

fn compiler() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_owned())
}

fn out_dir(link: Link) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("c-programs-{link:?}"));
    std::fs::create_dir_all(&dir).expect("create the output directory");
    dir
}

/// Compiles `tests/c/<program>.c` into `dir`, warnings as errors.
fn compile(program: &str, link: Link, dir: &Path) -> PathBuf {
    let library = common::library();
    let source_dir = common::crate_dir().join("tests/c");
    let executable = dir.join(program);
    let mut command = Command::new(compiler());
    command
        .args([
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-g",
            "-O1",
            "-pthread",
        ])
        .arg("-I")
        .arg(&library.include_dir)
        .arg(source_dir.join(format!("{program}.c")))
        .arg("-o")
        .arg(&executable);
    match link {
        Link::Static => {
            command
                .arg(&library.static_lib)
                .args(common::NATIVE_STATIC_LIBS);
        }
        Link::StaticWithSanitizers => {
            command
                .args(["-fsanitize=address", "-fno-omit-frame-pointer"])
                .arg(&library.static_lib)
                .args(common::NATIVE_STATIC_LIBS);
        }
        Link::Shared => {
            let lib_dir = library.dir();
            command
                .arg(format!("-L{}", lib_dir.display()))
                .arg("-lconvert_utf8")
                .arg(format!("-Wl,-rpath,{}", lib_dir.display()));
        }
    }
    let output = command.output().expect("run the C compiler");
    assert!(
        output.status.success(),
        "compiling {program} ({link:?}) failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    executable
}

/// Runs every program, reporting all failures together.
fn compile_and_run_all(link: Link) {
    let dir = out_dir(link);
    let mut failures = Vec::new();
    for program in PROGRAMS {
        let executable = compile(program, link, &dir);
        let mut command = Command::new(&executable);
        if let Link::StaticWithSanitizers = link {
            command.env(
                "ASAN_OPTIONS",
                "detect_leaks=1:halt_on_error=1:abort_on_error=0",
            );
        }
        let output = command.output().expect("run the C program");
        print!("{}", String::from_utf8_lossy(&output.stdout));
        if !output.status.success() {
            failures.push(format!(
                "{program} ({link:?}) exited with {}:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn c_programs_linked_statically() {
    compile_and_run_all(Link::Static);
}

#[test]
fn c_programs_linked_dynamically() {
    compile_and_run_all(Link::Shared);
}

/// Whether the C compiler builds and runs AddressSanitizer programs here.
fn sanitizers_work() -> bool {
    let dir = out_dir(Link::StaticWithSanitizers);
    let source = dir.join("probe.c");
    std::fs::write(&source, "int main(void) { return 0; }\n").expect("write the probe");
    let executable = dir.join("probe");
    let compiled = Command::new(compiler())
        .args(["-fsanitize=address", "-o"])
        .arg(&executable)
        .arg(&source)
        .output()
        .is_ok_and(|o| o.status.success());
    compiled
        && Command::new(&executable)
            .output()
            .is_ok_and(|o| o.status.success())
}

#[test]
fn c_programs_under_address_sanitizer() {
    if !sanitizers_work() {
        assert!(
            !common::required("CU8_REQUIRE_C_TOOLS"),
            "CU8_REQUIRE_C_TOOLS=1 but {} cannot build AddressSanitizer programs",
            compiler()
        );
        eprintln!(
            "skipped: {} cannot build AddressSanitizer programs here",
            compiler()
        );
        return;
    }
    compile_and_run_all(Link::StaticWithSanitizers);
}

/// The header is also valid C++ (its `extern "C"` guard) and strict C89-free of surprises in
/// C99 mode; both compile with every warning as an error.
#[test]
fn header_compiles_as_c99_and_cpp() {
    let library = common::library();
    let dir = out_dir(Link::Static);
    let source = dir.join("include_only.c");
    std::fs::write(
        &source,
        "#include \"convert_utf8.h\"\nint main(void) { return CU8_OK; }\n",
    )
    .expect("write the source");
    let c99 = Command::new(compiler())
        .args([
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-fsyntax-only",
            "-I",
        ])
        .arg(&library.include_dir)
        .arg(&source)
        .output()
        .expect("run the C compiler");
    assert!(
        c99.status.success(),
        "{}",
        String::from_utf8_lossy(&c99.stderr)
    );
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".to_owned());
    match Command::new(&cxx)
        .args([
            "-x",
            "c++",
            "-std=c++11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fsyntax-only",
            "-I",
        ])
        .arg(&library.include_dir)
        .arg(&source)
        .output()
    {
        Ok(output) => assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(_) => eprintln!("skipped the C++ check: no {cxx} here"),
    }
}
