//! Criterion throughput benches of the row and channel gradients (issue 13).
//!
//! Groups `softmax_backward` and `log_softmax_backward`: shapes 4096 x 32, 1024 x 1024,
//! 64 x 32768 and 1 x 1048576 (rows x cols), `y` the forward output of logits uniform in
//! [-8, 8], `dy` uniform in [-1, 1]; every supported backend on one thread, `automatic` (the
//! free functions), `forward` (this crate's forward `softmax` on the same shape, best backend,
//! one thread: the yardstick) and `naive` (the loop a user would write: the dot product
//! then `y * (dy - s)`, resp. `dy - exp(y) * sum(dy)`, per row).
//! Group `prelu_backward`: 64 channels x 16 Ki rows and 3 channels x 16 Ki rows, channels-last;
//! every backend on one thread, `automatic`, `leaky_backward` (the three-stream loop
//! `dx = x > 0 ? dy : alpha * dy`, compiler-vectorized: the yardstick until the
//! registry's `leaky_relu_backward` lands) and `naive` (one loop, `dslopes` in `f32`).
//!
//! `cargo bench --bench backward` (add `-- --quick` for a short run). Ids are
//! `<group>/<implementation>/<shape>`, throughput in elements.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use simd_activations::{Backend, Error, Kernels};

const SHAPES: &[(usize, usize)] = &[(4096, 32), (1024, 1024), (64, 32768), (1, 1 << 20)];

type Kernel = fn(&Kernels, &[f32], &[f32], &mut [f32], usize) -> Result<(), Error>;

fn backends() -> Vec<(&'static str, Kernels)> {
    Backend::supported()
        .into_iter()
        .map(|b| (b.name(), Kernels::with_backend(b).unwrap().sequential()))
        .collect()
}

fn naive_softmax_backward(y: &[f32], dy: &[f32], dx: &mut [f32], cols: usize) {
    for ((yr, dr), xr) in y.chunks(cols).zip(dy.chunks(cols)).zip(dx.chunks_mut(cols)) {
        let s: f32 = yr.iter().zip(dr).map(|(a, b)| a * b).sum();
        for ((o, &y), &d) in xr.iter_mut().zip(yr).zip(dr) {
            *o = y * (d - s);
        }
    }
}

fn naive_log_softmax_backward(y: &[f32], dy: &[f32], dx: &mut [f32], cols: usize) {
    for ((yr, dr), xr) in y.chunks(cols).zip(dy.chunks(cols)).zip(dx.chunks_mut(cols)) {
        let s: f32 = dr.iter().sum();
        for ((o, &y), &d) in xr.iter_mut().zip(yr).zip(dr) {
            *o = d - y.exp() * s;
        }
    }
}

fn rows_group(c: &mut Criterion, name: &str, kernel: Kernel, log: bool) {
    let backends = backends();
    let automatic = *Kernels::global();
    let best = Kernels::with_backend(Backend::best()).unwrap().sequential();
    let naive = if log {
        naive_log_softmax_backward
    } else {
        naive_softmax_backward
    };
    let mut g = c.benchmark_group(name);
    for &(rows, cols) in SHAPES {
        let n = rows * cols;
        let x = support::typical(n);
        let mut y = vec![0.0_f32; n];
        if log {
            best.log_softmax(&x, &mut y, cols).unwrap();
        } else {
            best.softmax(&x, &mut y, cols).unwrap();
        }
        let dy = support::uniform(n, -1.0, 1.0);
        let mut dx = vec![0.0_f32; n];
        g.throughput(Throughput::Elements(n as u64));
        let id = |imp: &str| BenchmarkId::new(imp, format!("{rows}x{cols}"));
        for (b, k) in &backends {
            g.bench_function(id(b), |bn| {
                bn.iter(|| kernel(k, black_box(&y), black_box(&dy), &mut dx, cols).unwrap())
            });
        }
        g.bench_function(id("automatic"), |bn| {
            bn.iter(|| kernel(&automatic, black_box(&y), black_box(&dy), &mut dx, cols).unwrap())
        });
        g.bench_function(id("forward"), |bn| {
            bn.iter(|| best.softmax(black_box(&x), &mut dx, cols).unwrap())
        });
        g.bench_function(id("naive"), |bn| {
            bn.iter(|| naive(black_box(&y), black_box(&dy), &mut dx, cols))
        });
    }
    g.finish();
}

fn softmax_backward(c: &mut Criterion) {
    rows_group(c, "softmax_backward", Kernels::softmax_backward, false);
    rows_group(
        c,
        "log_softmax_backward",
        Kernels::log_softmax_backward,
        true,
    );
}

fn prelu_backward(c: &mut Criterion) {
    let backends = backends();
    let automatic = *Kernels::global();
    let mut g = c.benchmark_group("prelu_backward");
    for (rows, channels) in [(16 * 1024, 64), (16 * 1024, 3)] {
        let n = rows * channels;
        let x = support::uniform(n, -1.0, 1.0);
        let dy = support::uniform(n, -1.0, 1.0);
        let slopes = support::uniform(channels, 0.0, 0.3);
        let mut dx = vec![0.0_f32; n];
        let mut ds = vec![0.0_f32; channels];
        g.throughput(Throughput::Elements(n as u64));
        let id = |imp: &str| BenchmarkId::new(imp, format!("{channels}ch_x_{rows}"));
        for (b, k) in &backends {
            g.bench_function(id(b), |bn| {
                bn.iter(|| {
                    k.prelu_backward(black_box(&x), black_box(&dy), &mut dx, &slopes, &mut ds)
                        .unwrap()
                })
            });
        }
        g.bench_function(id("automatic"), |bn| {
            bn.iter(|| {
                automatic
                    .prelu_backward(black_box(&x), black_box(&dy), &mut dx, &slopes, &mut ds)
                    .unwrap()
            })
        });
        g.bench_function(id("leaky_backward"), |bn| {
            bn.iter(|| {
                for ((o, &x), &d) in dx.iter_mut().zip(black_box(&x)).zip(black_box(&dy)) {
                    *o = if x > 0.0 { d } else { 0.1 * d };
                }
            })
        });
        g.bench_function(id("naive"), |bn| {
            bn.iter(|| {
                ds.fill(0.0);
                for (i, ((o, &x), &d)) in dx
                    .iter_mut()
                    .zip(black_box(&x))
                    .zip(black_box(&dy))
                    .enumerate()
                {
                    let c = i % channels;
                    if x > 0.0 {
                        *o = d;
                    } else {
                        *o = slopes[c] * d;
                        ds[c] += x * d;
                    }
                }
            })
        });
    }
    g.finish();
}

support::bench_main!(softmax_backward, prelu_backward);
