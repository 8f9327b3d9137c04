//! The fuzz targets' committed corpus (`fuzz/corpus/<target>/`) and regression inputs
//! (`fuzz/regressions/<target>/`), replayed through the same checks the fuzzer runs
//! (`fuzz/src/checks.rs`, included here), so that `cargo test --release` checks them without
//! libFuzzer or a nightly flag. The C API's targets (`fuzz/src/capi_checks.rs`) need the C
//! library, which is no dependency of this crate's tests:
//! `cargo test --release -p simd-activations-fuzz` replays those, and `.ci/fuzz` runs every
//! target from its corpus.

#[path = "../fuzz/src/checks.rs"]
#[allow(dead_code)]
mod checks;

use std::path::Path;

/// Replays every committed input of `target`; returns how many there were.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    // `SA_FUZZ_FINDINGS=1` adds the open findings (`fuzz/findings/`), to triage a fix.
    let findings = std::env::var_os("SA_FUZZ_FINDINGS").is_some();
    let dirs: &[&str] = if findings {
        &["corpus", "regressions", "findings"]
    } else {
        &["corpus", "regressions"]
    };
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries
            .map(|e| e.expect("a directory entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).expect("a corpus file");
            // The file's name in the message of any failure: the input to reproduce it with.
            println!("{target}: {}", path.display());
            check(&data);
            count += 1;
        }
    }
    count
}

macro_rules! corpus_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                // A target without a committed corpus is a mistake: the test would check
                // nothing.
                assert!(replay(stringify!($name), checks::$name) > 0, "no corpus");
            }
        )*
    };
}

corpus_tests!(
    elementwise,
    backward,
    prelu,
    softmax,
    softmax_backward,
    fused,
    from_str,
    half,
);
