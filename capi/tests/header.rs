//! The committed header `include/simd_activations.h` is what cbindgen generates from this
//! crate now; `SA_BLESS=1` rewrites it.

use std::path::PathBuf;

#[test]
fn header_is_fresh() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("capi/cbindgen.toml parses");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        // The sources directly (cbindgen follows the `mod` declarations): no `cargo metadata`
        // run inside the test.
        .with_src(crate_dir.join("src/lib.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");
    let path = crate_dir.join("../include/simd_activations.h");
    if std::env::var_os("SA_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("include/simd_activations.h is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(generated.lines().count()));
        panic!(
            "include/simd_activations.h is stale (first difference at line {}): regenerate it \
             with\n    SA_BLESS=1 cargo test -p simd-activations-capi --test header\nand commit \
             it",
            line + 1
        );
    }
}
