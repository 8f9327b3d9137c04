//! The C API from C and C++: `tests/c/test_capi.c` compiled by the system C compiler
//! (`$CC`, else `cc`) with `-std=c11 -Wall -Wextra -Werror`, linked against the static library
//! that this `cargo test` run built, and run; the header compiled as C++17 (`$CXX`, else
//! `c++`), alone and from `tests/c/header_check.cpp`.
//!
//! The static library: cargo builds this package's library, with all its crate types
//! (`cdylib`, `staticlib`, `rlib`), before the integration tests that depend on it, and puts
//! it next to the test executable's `deps/` directory (`target/<profile>/`) or in it; the test
//! takes the newest `libsimd_activations*.a` of the two.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("capi/ has a parent")
        .to_path_buf()
}

/// The newest `libsimd_activations*.a` beside or above this test executable.
fn static_library() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for dir in [deps, deps.parent().expect("target/<profile>")] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("libsimd_activations") && name.ends_with(".a") {
                let modified = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                found.push((modified, e.path()));
            }
        }
    }
    found.sort();
    match found.pop() {
        Some((_, path)) => path,
        None => panic!(
            "no libsimd_activations*.a in {} or its parent: cargo should have built the \
             staticlib of simd-activations-capi before this test",
            deps.display()
        ),
    }
}

/// A compiler from the environment variable `var`, else `default`.
fn compiler(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Runs `cmd`, panicking with its output unless it succeeds; returns its stdout.
fn run(mut cmd: Command) -> String {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e} (is a C/C++ compiler installed?)"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{shown} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn c_program_passes() {
    let root = root();
    let lib = static_library();
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test_capi");
    let mut cc = Command::new(compiler("CC", "cc"));
    cc.args([
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-O1",
        "-I",
    ])
    .arg(root.join("include"))
    .arg(root.join("tests/c/test_capi.c"))
    .arg(&lib)
    .args(["-lpthread", "-ldl", "-lm", "-o"])
    .arg(&exe);
    run(cc);
    let out = run(Command::new(&exe));
    print!("{out}");
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

#[test]
fn header_compiles_as_cpp17() {
    let root = root();
    let cxx = compiler("CXX", "c++");
    let flags = ["-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror"];
    let mut alone = Command::new(&cxx);
    alone
        .args(flags)
        .args(["-x", "c++"])
        .arg(root.join("include/simd_activations.h"));
    run(alone);
    let mut user = Command::new(&cxx);
    user.args(flags)
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c/header_check.cpp"));
    run(user);
}

#[test]
fn header_compiles_as_c99() {
    let mut cc = Command::new(compiler("CC", "cc"));
    cc.args([
        "-std=c99",
        "-fsyntax-only",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-x",
        "c",
    ])
    .arg(root().join("include/simd_activations.h"));
    run(cc);
}
