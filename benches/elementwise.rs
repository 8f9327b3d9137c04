//! Throughput of the elementwise kernels: one criterion group per function (`exp`, `sigmoid`,
//! `tanh`, `relu`, `leaky_relu`, `prelu`), `Throughput::Elements`, at 4 Ki (L1), 256 Ki (L2-L3)
//! and 16 Mi (memory) elements of `support::typical` inputs (uniform in `[-8, 8]`).
//!
//! Side by side in each group (benchmark ids `<function>/<implementation>/<elements>`, the
//! names of `examples/report.rs`):
//! - `scalar`, `avx2`, `avx512`: every backend this CPU supports, single thread
//!   (`Kernels::with_backend(b)?.sequential()`);
//! - `automatic`: `Kernels::global()`, the handle behind the free functions (best backend,
//!   rayon from 32 Ki elements for exp/sigmoid/tanh, 256 Ki for the ReLU family);
//! - `ref`: `simd_activations::reference` (f64 math rounded to f32);
//! - `naive`: the `std` loop a user would write (`support::naive`);
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
//! Adding a function (softmax, ...) is one more entry in `functions()`: its kernel wrapped
//! as `fn(&Kernels, &[f32], &mut [f32])` (fix any extra parameter, such as a row length, in
//! the closure), its reference, its naive loop and its sizes.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use simd_activations::{Backend, Kernels, reference};
use support::{naive, wide_f32x8};

/// A kernel of the crate, run through a [`Kernels`] handle.
type Kernel = fn(&Kernels, &[f32], &mut [f32]);
/// A plain slice function (reference, naive loop, wide).
type Plain = fn(&[f32], &mut [f32]);

/// Sizes of the elementwise kernels: L1, L2-L3 (x + y = 2 MiB), memory.
const ELEMENTWISE_SIZES: &[usize] = &[4096, 262_144, 16_777_216];

/// PReLU slopes: four channels, channels-last (the report's `prelu(C=4)`).
const SLOPES: [f32; 4] = [0.1, 0.2, 0.3, 0.4];
const ALPHA: f32 = 0.01;

/// One criterion group: a function and its competitors.
struct Function {
    /// Group name (the first part of every benchmark id).
    name: &'static str,
    kernel: Kernel,
    reference: Plain,
    naive: Plain,
    wide: Option<Plain>,
    sizes: &'static [usize],
    /// `ref` and `naive` run only up to this many elements (they are slow scalar loops).
    baselines_max_len: usize,
    input: fn(usize) -> Vec<f32>,
}

fn functions() -> Vec<Function> {
    vec![
        Function {
            name: "exp",
            kernel: |k, x, y| k.exp(x, y).unwrap(),
            reference: |x, y| reference::exp(x, y).unwrap(),
            naive: naive::exp,
            wide: Some(wide_f32x8::exp),
            sizes: ELEMENTWISE_SIZES,
            baselines_max_len: usize::MAX,
            input: support::typical,
        },
        Function {
            name: "sigmoid",
            kernel: |k, x, y| k.sigmoid(x, y).unwrap(),
            reference: |x, y| reference::sigmoid(x, y).unwrap(),
            naive: naive::sigmoid,
            wide: Some(wide_f32x8::sigmoid),
            sizes: ELEMENTWISE_SIZES,
            baselines_max_len: usize::MAX,
            input: support::typical,
        },
        Function {
            name: "tanh",
            kernel: |k, x, y| k.tanh(x, y).unwrap(),
            reference: |x, y| reference::tanh(x, y).unwrap(),
            naive: naive::tanh,
            wide: Some(wide_f32x8::tanh),
            sizes: ELEMENTWISE_SIZES,
            baselines_max_len: usize::MAX,
            input: support::typical,
        },
        Function {
            name: "relu",
            kernel: |k, x, y| k.relu(x, y).unwrap(),
            reference: |x, y| reference::relu(x, y).unwrap(),
            naive: naive::relu,
            wide: None,
            sizes: ELEMENTWISE_SIZES,
            baselines_max_len: usize::MAX,
            input: support::typical,
        },
        Function {
            name: "leaky_relu",
            kernel: |k, x, y| k.leaky_relu(x, y, ALPHA).unwrap(),
            reference: |x, y| reference::leaky_relu(x, y, ALPHA).unwrap(),
            naive: |x, y| naive::leaky_relu(x, y, ALPHA),
            wide: None,
            sizes: ELEMENTWISE_SIZES,
            baselines_max_len: usize::MAX,
            input: support::typical,
        },
        Function {
            name: "prelu",
            kernel: |k, x, y| k.prelu(x, y, &SLOPES).unwrap(),
            reference: |x, y| reference::prelu(x, y, &SLOPES).unwrap(),
            naive: |x, y| naive::prelu(x, y, &SLOPES),
            wide: None,
            sizes: ELEMENTWISE_SIZES,
            baselines_max_len: usize::MAX,
            input: support::typical,
        },
    ]
}

/// Registers one group: every implementation of `f` at every size.
fn bench_function(c: &mut Criterion, f: &Function) {
    let backends: Vec<(&str, Kernels)> = Backend::supported()
        .into_iter()
        .map(|b| (b.name(), Kernels::with_backend(b).unwrap().sequential()))
        .collect();
    let automatic = *Kernels::global();

    let mut group = c.benchmark_group(f.name);
    for &n in f.sizes {
        let x = (f.input)(n);
        let mut y = vec![0.0_f32; n];
        group.throughput(Throughput::Elements(n as u64));

        let mut run = |id: &str, g: &dyn Fn(&[f32], &mut [f32])| {
            group.bench_function(BenchmarkId::new(id, n), |b| {
                b.iter(|| g(black_box(&x), black_box(&mut y)))
            });
        };
        for (name, k) in &backends {
            run(name, &|x, y| (f.kernel)(k, x, y));
        }
        run("automatic", &|x, y| (f.kernel)(&automatic, x, y));
        if n <= f.baselines_max_len {
            run("ref", &f.reference);
            run("naive", &f.naive);
        }
        if let Some(w) = f.wide {
            run("wide", &w);
        }
    }
    group.finish();
}

fn elementwise(c: &mut Criterion) {
    for f in functions() {
        bench_function(c, &f);
    }
}

criterion_group! {
    name = benches;
    config = support::criterion_config();
    targets = elementwise
}
criterion_main!(benches);
