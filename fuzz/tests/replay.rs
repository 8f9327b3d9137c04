//! Replays the committed corpus and regressions of every target (the C API's included, which
//! the main crate's `tests/fuzz_corpus.rs` cannot link) through the checks, without libFuzzer:
//! `cargo test --release -p simd-activations-fuzz`.

use std::path::Path;

#[test]
fn every_committed_input_passes_its_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut replayed = 0;
    for &(name, check) in simd_activations_fuzz::TARGETS {
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            for entry in entries {
                let path = entry.expect("a directory entry").path();
                let data = std::fs::read(&path).expect("a corpus file");
                println!("{name}: {}", path.display());
                check(&data);
                replayed += 1;
            }
        }
    }
    assert!(replayed > 0, "no corpus under {}", root.display());
}
