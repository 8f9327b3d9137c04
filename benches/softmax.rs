//! Criterion throughput benches of softmax and log-softmax over the rows of a matrix.
//!
//! Groups `softmax` and `log_softmax`: shapes 4096 x 32, 1024 x 1024, 64 x 32768 and
//! 1 x 1048576 (rows x cols), inputs uniform in [-8, 8]; every supported backend on one
//! thread, `automatic` (the free functions: best backend + rayon across and within rows, from
//! 64 Ki `rows * cols` elements, so at every shape here; a single row is split from 256 Ki),
//! `ref` (f64 reference) and `naive` (the loop a user would write, `support::naive`: max, exp,
//! sum, divide per row for softmax; max, exp, sum, log, subtract per row for log_softmax).
//! Group `adversarial_softmax`: 1024 x 1024 on the best backend, one thread, on typical rows,
//! rows spanning [-200, 0] (most outputs subnormal or zero), rows of subnormal inputs and rows
//! laced with NaN / inf (which turn whole rows into NaN).
//!
//! `cargo bench --bench softmax` (add `-- --quick` for a short run, `-- '^softmax/'` for one
//! group). Ids are `<group>/<implementation>/<rows>x<cols>`, throughput in elements.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use simd_activations::{Backend, Error, Kernels, reference};

/// The shapes of the issue: many short rows, square, few long rows, one very long row.
const SHAPES: &[(usize, usize)] = &[(4096, 32), (1024, 1024), (64, 32768), (1, 1 << 20)];

type Kernel = fn(&Kernels, &[f32], &mut [f32], usize) -> Result<(), Error>;
type Plain = fn(&[f32], &mut [f32], usize) -> Result<(), Error>;

fn group(
    c: &mut Criterion,
    name: &str,
    kernel: Kernel,
    reference: Plain,
    naive: fn(&[f32], &mut [f32], usize),
) {
    let backends: Vec<(&str, Kernels)> = Backend::supported()
        .into_iter()
        .map(|b| (b.name(), Kernels::with_backend(b).unwrap().sequential()))
        .collect();
    let automatic = *Kernels::global();
    let mut g = c.benchmark_group(name);
    for &(rows, cols) in SHAPES {
        let n = rows * cols;
        let x = support::typical(n);
        let mut y = vec![0.0_f32; n];
        g.throughput(Throughput::Elements(n as u64));
        let id = |imp: &str| BenchmarkId::new(imp, format!("{rows}x{cols}"));
        for (b, k) in &backends {
            g.bench_function(id(b), |bn| {
                bn.iter(|| kernel(k, black_box(&x), black_box(&mut y), cols).unwrap())
            });
        }
        g.bench_function(id("automatic"), |bn| {
            bn.iter(|| kernel(&automatic, black_box(&x), black_box(&mut y), cols).unwrap())
        });
        g.bench_function(id("ref"), |bn| {
            bn.iter(|| reference(black_box(&x), black_box(&mut y), cols).unwrap())
        });
        g.bench_function(id("naive"), |bn| {
            bn.iter(|| naive(black_box(&x), black_box(&mut y), cols))
        });
    }
    g.finish();
}

fn softmax(c: &mut Criterion) {
    group(
        c,
        "softmax",
        Kernels::softmax,
        reference::softmax,
        support::naive::softmax,
    );
    group(
        c,
        "log_softmax",
        Kernels::log_softmax,
        reference::log_softmax,
        support::naive::log_softmax,
    );
}

fn adversarial(c: &mut Criterion) {
    let (rows, cols) = (1024, 1024);
    let n = rows * cols;
    let k = Kernels::with_backend(Backend::best()).unwrap().sequential();
    let inputs: [(&str, Vec<f32>); 4] = [
        ("typical", support::typical(n)),
        ("subnormal_outputs", support::uniform(n, -200.0, 0.0)),
        ("subnormal_inputs", support::subnormal_inputs(n)),
        ("nan_inf_laced", support::nan_inf_laced(n)),
    ];
    let mut g = c.benchmark_group("adversarial_softmax");
    g.throughput(Throughput::Elements(n as u64));
    let mut y = vec![0.0_f32; n];
    for (name, x) in &inputs {
        g.bench_function(BenchmarkId::new(*name, format!("{rows}x{cols}")), |b| {
            b.iter(|| k.softmax(black_box(x), black_box(&mut y), cols).unwrap())
        });
    }
    g.finish();
}

support::bench_main!(softmax, adversarial);
