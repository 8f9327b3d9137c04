//! Build script: lets the crate skip run-time CPU detection when the build itself already
//! guarantees an instruction-set level.
//!
//! With `RUSTFLAGS="-C target-cpu=native"` (or `-C target-feature=...`) on an x86-64-v3 or -v4
//! machine every function of the binary may use those instructions anyway, so asking CPUID at
//! run time is wasted work. This script reads the enabled target features and emits
//! `simd_activations_static_v3` / `simd_activations_static_v4`, which `src/backend.rs` turns
//! into capability tokens built without detection.

use std::env;

/// The features `pulp::x86::V3` checks (x86-64-v3).
const V3: &[&str] = &[
    "sse", "sse2", "fxsr", "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "avx", "avx2", "bmi1",
    "bmi2", "fma", "lzcnt",
];
/// The extra features `pulp::x86::V4` checks (x86-64-v4).
const V4_EXTRA: &[&str] = &["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CARGO_CFG_TARGET_FEATURE");
    println!("cargo::rustc-check-cfg=cfg(simd_activations_static_v3)");
    println!("cargo::rustc-check-cfg=cfg(simd_activations_static_v4)");

    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch != "x86_64" {
        return;
    }
    let enabled = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let enabled: Vec<&str> = enabled.split(',').collect();
    let has_all = |set: &[&str]| set.iter().all(|f| enabled.contains(f));

    let v3 = has_all(V3);
    if v3 {
        println!("cargo::rustc-cfg=simd_activations_static_v3");
    }
    if v3 && has_all(V4_EXTRA) {
        println!("cargo::rustc-cfg=simd_activations_static_v4");
    }
}
