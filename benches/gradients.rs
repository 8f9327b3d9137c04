//! Throughput of the elementwise gradients (`<name>_backward`): one criterion group per
//! activation of the registry (`Activation::ALL`, parameters at their defaults), plus the
//! gradients of sigmoid and tanh from their saved output, `Throughput::Elements`, at 4 Ki (L1)
//! and 16 Mi (memory) elements of `support::typical` inputs (uniform in `[-8, 8]`) with `dy`
//! uniform in `[-1, 1]`.
//!
//! Side by side in each group (benchmark ids `<function>_backward/<implementation>/<elements>`):
//! - `scalar`, `avx2`, `avx512`: every backend this CPU supports, forced, single thread;
//! - `forward`: the activation itself on the best backend, single thread (the issue's
//!   target is a gradient at >= 0.8x its own forward kernel);
//! - `add`: `dx[i] = x[i] + dy[i]`, the three-stream loop of the same memory traffic;
//! - `naive`: the `std` loop a user would write (`simd_activations::naive::activate_backward`).
//!
//! Run: `cargo bench --bench gradients -- --quick`, or one group:
//! `cargo bench --bench gradients -- '^sigmoid_backward/'`.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use simd_activations::{Activation, Backend, Kernels, naive};

/// A gradient as the benches call it: `(x, dy, dx)`.
type Gradient<'a> = &'a dyn Fn(&[f32], &[f32], &mut [f32]);
/// A `Kernels` method computing a gradient from the saved output.
type FromOutput = fn(&Kernels, &[f32], &[f32], &mut [f32]) -> Result<(), simd_activations::Error>;

/// Sizes: L1, memory.
const SIZES: &[usize] = &[4096, 16_777_216];

/// The three-stream loop every gradient is compared with.
fn add(x: &[f32], dy: &[f32], dx: &mut [f32]) {
    for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
        *dx = x + dy;
    }
}

fn gradients(c: &mut Criterion) {
    let backends: Vec<(&str, Kernels)> = Backend::supported()
        .into_iter()
        .map(|b| (b.name(), Kernels::with_backend(b).unwrap().sequential()))
        .collect();
    let best = Kernels::with_backend(Backend::best()).unwrap().sequential();
    for &act in Activation::ALL {
        let mut group = c.benchmark_group(format!("{}_backward", act.name()));
        for &n in SIZES {
            let x = support::typical(n);
            let dy = support::uniform(n, -1.0, 1.0);
            let mut dx = vec![0.0_f32; n];
            group.throughput(Throughput::Elements(n as u64));
            let mut run = |id: &str, g: Gradient| {
                group.bench_function(BenchmarkId::new(id, n), |b| {
                    b.iter(|| g(black_box(&x), black_box(&dy), black_box(&mut dx)))
                });
            };
            for (name, k) in &backends {
                run(name, &|x, dy, dx| {
                    k.activate_backward(act, x, dy, dx).unwrap()
                });
            }
            run("forward", &|x, _, dx| best.activate(act, x, dx).unwrap());
            run("add", &add);
            run("naive", &|x, dy, dx| {
                naive::activate_backward(act, x, dy, dx)
            });
        }
        group.finish();
    }
    let from_output: [(&str, FromOutput); 2] = [
        (
            "sigmoid_backward_from_output",
            Kernels::sigmoid_backward_from_output,
        ),
        (
            "tanh_backward_from_output",
            Kernels::tanh_backward_from_output,
        ),
    ];
    for (name, f) in from_output {
        let mut group = c.benchmark_group(name);
        for &n in SIZES {
            let y = support::uniform(n, 0.0, 1.0);
            let dy = support::uniform(n, -1.0, 1.0);
            let mut dx = vec![0.0_f32; n];
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::new("best", n), |b| {
                b.iter(|| f(&best, black_box(&y), black_box(&dy), black_box(&mut dx)).unwrap())
            });
            group.bench_function(BenchmarkId::new("add", n), |b| {
                b.iter(|| add(black_box(&y), black_box(&dy), black_box(&mut dx)))
            });
        }
        group.finish();
    }
}

support::bench_main!(gradients);
