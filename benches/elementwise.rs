//! Throughput of the elementwise kernels: one criterion group per function, every activation of
//! the registry (`Activation::ALL`: `exp`, `sigmoid`, `tanh`, `relu`, `leaky_relu`,
//! `hard_sigmoid`, `hard_swish`, ...) and then `prelu`, `Throughput::Elements`, at 4 Ki (L1),
//! 256 Ki (L2-L3) and 16 Mi (memory) elements of `support::typical` inputs (uniform in
//! `[-8, 8]`). Parameters take their defaults (`leaky_relu`: alpha 0.01); `prelu` has four
//! channels, channels-last (`support::SLOPES`).
//!
//! Side by side in each group (benchmark ids `<function>/<implementation>/<elements>`, the
//! names of `examples/report.rs`):
//! - `scalar`, `avx2`, `avx512`: every backend this CPU supports, forced, single thread
//!   (`Kernels::with_backend(b)?.sequential()`);
//! - `automatic`: `Kernels::global()`, the handle behind the free functions (best backend;
//!   split across rayon threads from `Activation::automatic_threshold()` on: 1 Mi elements for
//!   the transcendental kernels (exp, sigmoid, tanh, elu, selu), 4 Mi for the memory-bound ones
//!   (the ReLU family, PReLU, hard_sigmoid, hard_swish): so threaded at 16 Mi only);
//! - `ref`: `simd_activations::reference` (f64 math rounded to f32);
//! - `naive`: the `std` loop a user would write (`simd_activations::naive::activate`;
//!   `support::naive::prelu`);
//! - `wide`: `wide::f32x8` (`support::wide_f32x8`), for exp, sigmoid and tanh.
//!
//! Run:
//! - whole file, short: `cargo bench --bench elementwise -- --quick`
//! - one group: `cargo bench --bench elementwise -- '^sigmoid/'` (the filter is a regex on
//!   the id; anchor it, since `relu` also matches `leaky_relu` and `prelu`)
//! - one implementation: `cargo bench --bench elementwise -- 'tanh/avx512'`
//!
//! HTML report: `target/criterion/report/index.html` (under `$CARGO_TARGET_DIR` if set).
//!
//! A new activation in the registry gets its group here without an edit (`support::Function`).

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use simd_activations::{Backend, Kernels};
use support::Function;

/// Sizes: L1, L2-L3 (x + y = 2 MiB), memory.
const SIZES: &[usize] = &[4096, 262_144, 16_777_216];

/// Registers one group: every implementation of `f` at every size.
fn bench_function(c: &mut Criterion, f: Function) {
    let backends: Vec<(&str, Kernels)> = Backend::supported()
        .into_iter()
        .map(|b| (b.name(), Kernels::with_backend(b).unwrap().sequential()))
        .collect();
    let automatic = *Kernels::global();

    let mut group = c.benchmark_group(f.name());
    for &n in SIZES {
        let x = support::typical(n);
        let mut y = vec![0.0_f32; n];
        group.throughput(Throughput::Elements(n as u64));

        let mut run = |id: &str, g: &dyn Fn(&[f32], &mut [f32])| {
            group.bench_function(BenchmarkId::new(id, n), |b| {
                b.iter(|| g(black_box(&x), black_box(&mut y)))
            });
        };
        for (name, k) in &backends {
            run(name, &|x, y| f.run(k, x, y));
        }
        run("automatic", &|x, y| f.run(&automatic, x, y));
        run("ref", &|x, y| f.reference(x, y));
        run("naive", &|x, y| f.naive(x, y));
        if let Some(w) = f.wide() {
            run("wide", &w);
        }
    }
    group.finish();
}

fn elementwise(c: &mut Criterion) {
    for f in Function::all() {
        bench_function(c, f);
    }
}

support::bench_main!(elementwise);
