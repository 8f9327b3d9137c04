//! The fused kernels against the sequences they replace, single thread, best backend
//! (`Kernels::global().sequential()`), `Throughput::Elements`, at 4 Ki (L1) and 16 Mi
//! (memory) elements of `support::typical` inputs:
//! - `bias_activate/<act>/C=<c>/<impl>/<n>` for silu, gelu, relu and sigmoid, C in {1, 3, 64,
//!   4096}: `fused` (`bias_activate`), `unfused` (`x + bias` into `y`, then
//!   `activate_inplace(y)`: two passes), and `fused_inplace`;
//! - `glu/<act>/<impl>/<n>`: `fused` (`glu`) and `unfused` (`activate(gate)` into `y`, then
//!   `y *= up`) (no in-place form: repeated in place, `up` would decay into subnormals);
//! - `plain/<act>/<n>`: the activation alone (`activate`), what the fused forms must stay close
//!   to at 4 Ki elements.
//!
//! Run: `cargo bench --bench fused -- --quick`, or one group: `cargo bench --bench fused --
//! '^glu/silu/'`. `examples/fused_speed.rs` prints the same comparisons as a table of ratios.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use simd_activations::{Activation, Kernels};

const SIZES: &[usize] = &[4096, 16_777_216];
const ACTIVATIONS: &[Activation] = &[
    Activation::Silu,
    Activation::Gelu,
    Activation::Relu,
    Activation::Sigmoid,
];
const CHANNELS: &[usize] = &[1, 3, 64, 4096];

fn fused(c: &mut Criterion) {
    let k = Kernels::global().sequential();
    for &a in ACTIVATIONS {
        for &n in SIZES {
            let x = support::typical(n);
            let up = support::uniform(n, -2.0, 2.0);
            let mut y = vec![0.0_f32; n];

            let mut group = c.benchmark_group(format!("plain/{a}"));
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::from_parameter(n), |b| {
                b.iter(|| k.activate(a, black_box(&x), black_box(&mut y)).unwrap())
            });
            group.finish();

            for &ch in CHANNELS {
                // Whole rows: 4095 elements for C = 3.
                let m = n / ch * ch;
                let (x, y) = (&x[..m], &mut y[..m]);
                let bias = support::uniform(ch, -1.0, 1.0);
                let tiled = support::unfused::tiled_bias(&bias);
                let mut group = c.benchmark_group(format!("bias_activate/{a}/C={ch}"));
                group.throughput(Throughput::Elements(m as u64));
                group.bench_function(BenchmarkId::new("fused", n), |b| {
                    b.iter(|| {
                        k.bias_activate(black_box(x), &bias, black_box(&mut *y), a)
                            .unwrap()
                    })
                });
                group.bench_function(BenchmarkId::new("unfused", n), |b| {
                    b.iter(|| {
                        support::unfused::add_bias(black_box(x), &tiled, black_box(&mut *y));
                        k.activate_inplace(a, &mut *y).unwrap();
                    })
                });
                group.bench_function(BenchmarkId::new("fused_inplace", n), |b| {
                    b.iter(|| {
                        k.bias_activate_inplace(black_box(&mut *y), &bias, a)
                            .unwrap()
                    })
                });
                group.finish();
            }

            let mut group = c.benchmark_group(format!("glu/{a}"));
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::new("fused", n), |b| {
                b.iter(|| k.glu(black_box(&x), &up, black_box(&mut y), a).unwrap())
            });
            group.bench_function(BenchmarkId::new("unfused", n), |b| {
                b.iter(|| {
                    k.activate(a, black_box(&x), black_box(&mut y)).unwrap();
                    support::unfused::mul(&mut y, &up);
                })
            });
            group.finish();
        }
    }
}

support::bench_main!(fused);
