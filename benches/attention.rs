//! The optioned softmax against the plain one and against the unfused sequence a user would
//! write (scale pass, mask pass, softmax), best backend, one thread:
//! - decode: 32 x 4096, scale `1/sqrt(128)` and a causal mask (every column live);
//! - prefill: 512 x 512 causal (half the entries masked);
//! - padding: 64 x 1024 with an additive mask, 1/8 of each row `-inf`;
//! - `log_sum_exp` on 1024 x 1024 against `log_softmax` of the same shape.
//!
//! `cargo bench --bench attention -- --quick`. Ids are `<shape>/<implementation>`, throughput in
//! elements (rows * cols, masked or not).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use simd_activations::{Kernels, Mask, SoftmaxOptions};

/// Inputs uniform in about [-8, 8], deterministic.
fn logits(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7919) % 16001) as f32 / 1000.0 - 8.0)
        .collect()
}

/// The unfused sequence: `x * scale + mask` (causal: `-inf` past the diagonal), then softmax.
fn unfused(
    k: &Kernels,
    x: &[f32],
    t: &mut [f32],
    y: &mut [f32],
    cols: usize,
    scale: f32,
    offset: usize,
) {
    for (r, (tr, xr)) in t
        .chunks_exact_mut(cols)
        .zip(x.chunks_exact(cols))
        .enumerate()
    {
        for (j, (t, &x)) in tr.iter_mut().zip(xr).enumerate() {
            *t = if j > r + offset {
                f32::NEG_INFINITY
            } else {
                x * scale
            };
        }
    }
    k.softmax(t, y, cols).unwrap();
}

fn attention(c: &mut Criterion) {
    let k = Kernels::new().sequential();
    let mut g = c.benchmark_group("attention");
    let scale = 1.0 / 128.0_f32.sqrt();
    for &(name, rows, cols, offset) in &[("decode", 32, 4096, 4096), ("prefill", 512, 512, 0)] {
        let n = rows * cols;
        let x = logits(n);
        let mut y = vec![0.0_f32; n];
        let mut t = vec![0.0_f32; n];
        let opts = SoftmaxOptions::new()
            .scale(scale)
            .mask(Mask::Causal { offset });
        g.throughput(Throughput::Elements(n as u64));
        let id = |what: &str| BenchmarkId::new(format!("{name}_{rows}x{cols}"), what);
        g.bench_function(id("softmax"), |b| {
            b.iter(|| k.softmax(black_box(&x), black_box(&mut y), cols).unwrap())
        });
        g.bench_function(id("softmax_with"), |b| {
            b.iter(|| {
                k.softmax_with(black_box(&x), black_box(&mut y), cols, &opts)
                    .unwrap()
            })
        });
        g.bench_function(id("unfused"), |b| {
            b.iter(|| {
                unfused(
                    &k,
                    black_box(&x),
                    &mut t,
                    black_box(&mut y),
                    cols,
                    scale,
                    offset,
                )
            })
        });
    }
    {
        let (rows, cols) = (64, 1024);
        let n = rows * cols;
        let x = logits(n);
        let mut y = vec![0.0_f32; n];
        let mask: Vec<f32> = (0..cols)
            .map(|j| {
                if j >= cols * 7 / 8 {
                    f32::NEG_INFINITY
                } else {
                    0.0
                }
            })
            .collect();
        let opts = SoftmaxOptions::new().mask(Mask::Additive(&mask));
        g.throughput(Throughput::Elements(n as u64));
        let id = |what: &str| BenchmarkId::new(format!("padding_{rows}x{cols}"), what);
        g.bench_function(id("softmax"), |b| {
            b.iter(|| k.softmax(black_box(&x), black_box(&mut y), cols).unwrap())
        });
        g.bench_function(id("softmax_with"), |b| {
            b.iter(|| {
                k.softmax_with(black_box(&x), black_box(&mut y), cols, &opts)
                    .unwrap()
            })
        });
    }
    {
        let (rows, cols) = (1024, 1024);
        let x = logits(rows * cols);
        let mut y = vec![0.0_f32; rows * cols];
        let mut out = vec![0.0_f32; rows];
        g.throughput(Throughput::Elements((rows * cols) as u64));
        let id = |what: &str| BenchmarkId::new(format!("lse_{rows}x{cols}"), what);
        g.bench_function(id("log_softmax"), |b| {
            b.iter(|| {
                k.log_softmax(black_box(&x), black_box(&mut y), cols)
                    .unwrap()
            })
        });
        g.bench_function(id("log_sum_exp"), |b| {
            b.iter(|| {
                k.log_sum_exp(black_box(&x), black_box(&mut out), cols)
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    attention(&mut c);
    c.final_summary();
}
