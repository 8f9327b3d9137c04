//! Long softmax rows, beyond L2: the plain `softmax` and `log_softmax` on 64 x 32768 and
//! 1 x 4 Mi (best backend, one thread), against `copy_from_slice` of the same bytes (the memory
//! roofline, measured in the same run). The file uses only the plain API, so that the same
//! bench runs on an older checkout for a before/after ratio.
//!
//! `cargo bench --bench long_rows -- --quick`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use simd_activations::Kernels;

fn long_rows(c: &mut Criterion) {
    let k = Kernels::new().sequential();
    let mut g = c.benchmark_group("long_rows");
    for &(rows, cols) in &[(64usize, 32768usize), (1, 1 << 22)] {
        let n = rows * cols;
        let x: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 16001) as f32 / 1000.0 - 8.0)
            .collect();
        let mut y = vec![0.0_f32; n];
        g.throughput(Throughput::Elements(n as u64));
        let id = |what: &str| BenchmarkId::new(what, format!("{rows}x{cols}"));
        g.bench_function(id("softmax"), |b| {
            b.iter(|| k.softmax(black_box(&x), black_box(&mut y), cols).unwrap())
        });
        g.bench_function(id("log_softmax"), |b| {
            b.iter(|| {
                k.log_softmax(black_box(&x), black_box(&mut y), cols)
                    .unwrap()
            })
        });
        g.bench_function(id("copy"), |b| {
            b.iter(|| black_box(&mut y).copy_from_slice(black_box(&x)))
        });
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    long_rows(&mut c);
    c.final_summary();
}
