//! The crate's main job: what the kernels do on this CPU.
//!
//! Prints the backend chosen; per function the throughput (Gelem/s) of every supported backend
//! (single thread), of the automatic call, of `reference`, of the naive `std` loop and of
//! `wide`; the speedups; the kernels' throughput against the `copy_from_slice` memory roofline
//! at 16 Mi elements; the two-thread scaling of sigmoid; and the max ULP error of every backend
//! on a sweep of 10^7 points over [-110, 110] plus tiny values of every binade.
//!
//! Softmax and log-softmax get their own section: Gelem/s per backend on several matrix shapes,
//! the naive loop and the reference, speedups, two-thread scaling and the max ULP error on
//! random rows.
//!
//! `cargo run --release --example report` (add `-- --quick` for a shorter run, `-- --softmax`
//! for the softmax section only).

#[path = "../benches/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use simd_activations::{Backend, Error, Kernels, accuracy, reference};
use support::{naive, wide_f32x8};

/// Median time of one call of `f`, over samples of at least `min_sample` each.
fn time_per_call(samples: usize, min_sample: Duration, mut f: impl FnMut()) -> f64 {
    f(); // warm up: page faults, caches, rayon pool start
    let mut reps = 1usize;
    loop {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        if t.elapsed() >= min_sample {
            break;
        }
        reps *= 2;
    }
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[samples / 2]
}

struct Bench {
    samples: usize,
    min_sample: Duration,
}

impl Bench {
    /// Gelem/s of `f` over `n` elements.
    fn gelems(&self, n: usize, f: impl FnMut()) -> f64 {
        n as f64 / time_per_call(self.samples, self.min_sample, f) / 1e9
    }
}

type Kernel = fn(&Kernels, &[f32], &mut [f32]) -> Result<(), Error>;
type Plain = fn(&[f32], &mut [f32]);

/// One row of the table: a function and its competitors.
struct Function {
    name: &'static str,
    kernel: Kernel,
    reference: Plain,
    naive: Plain,
    wide: Option<Plain>,
    reference_one: fn(f32) -> f32,
}

const SLOPES: [f32; 4] = [0.1, 0.2, 0.3, 0.4];

fn functions() -> Vec<Function> {
    vec![
        Function {
            name: "exp",
            kernel: Kernels::exp,
            reference: |x, y| reference::exp(x, y).unwrap(),
            naive: naive::exp,
            wide: Some(wide_f32x8::exp),
            reference_one: reference::exp_one,
        },
        Function {
            name: "sigmoid",
            kernel: Kernels::sigmoid,
            reference: |x, y| reference::sigmoid(x, y).unwrap(),
            naive: naive::sigmoid,
            wide: Some(wide_f32x8::sigmoid),
            reference_one: reference::sigmoid_one,
        },
        Function {
            name: "tanh",
            kernel: Kernels::tanh,
            reference: |x, y| reference::tanh(x, y).unwrap(),
            naive: naive::tanh,
            wide: Some(wide_f32x8::tanh),
            reference_one: reference::tanh_one,
        },
        Function {
            name: "relu",
            kernel: Kernels::relu,
            reference: |x, y| reference::relu(x, y).unwrap(),
            naive: naive::relu,
            wide: None,
            reference_one: reference::relu_one,
        },
        Function {
            name: "leaky_relu",
            kernel: |k, x, y| k.leaky_relu(x, y, 0.01),
            reference: |x, y| reference::leaky_relu(x, y, 0.01).unwrap(),
            naive: |x, y| naive::leaky_relu(x, y, 0.01),
            wide: None,
            reference_one: |x| reference::leaky_relu_one(x, 0.01),
        },
        Function {
            name: "prelu(C=4)",
            kernel: |k, x, y| k.prelu(x, y, &SLOPES),
            reference: |x, y| reference::prelu(x, y, &SLOPES).unwrap(),
            naive: |x, y| naive::prelu(x, y, &SLOPES),
            wide: None,
            // The accuracy sweep is not a multiple of 4 long: it checks prelu with one slope.
            reference_one: |x| reference::leaky_relu_one(x, SLOPES[0]),
        },
    ]
}

fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let bench = Bench {
        samples: if quick { 5 } else { 11 },
        min_sample: Duration::from_millis(if quick { 5 } else { 20 }),
    };
    let softmax_only = std::env::args().any(|a| a == "--softmax");
    let backends = Backend::supported();
    let kernels: Vec<Kernels> = backends
        .iter()
        .map(|&b| Kernels::with_backend(b).unwrap().sequential())
        .collect();
    let best = *Kernels::global();
    println!("simd-activations report");
    println!(
        "CPU: {} ({} threads in rayon's pool)",
        cpu_name(),
        rayon::current_num_threads()
    );
    println!("backend chosen: {}", best.backend());
    println!(
        "supported: {}",
        backends
            .iter()
            .map(|b| b.name())
            .collect::<Vec<_>>()
            .join(", ")
    );

    if softmax_only {
        softmax_section(&bench, &backends, &kernels, quick);
        return;
    }

    // --- L1: 4096 elements, single thread ------------------------------------------------
    let n = 4096;
    let x = support::typical(n);
    let mut y = vec![0.0_f32; n];
    println!("\nThroughput, {n} elements (L1), single thread, Gelem/s; inputs uniform in [-8, 8]");
    print!("{:<12}", "function");
    for b in &backends {
        print!("{:>9}", b.name());
    }
    println!(
        "{:>9}{:>9}{:>9}{:>14}{:>14}",
        "ref", "naive", "wide", "best/naive", "best/ref"
    );
    for f in functions() {
        print!("{:<12}", f.name);
        let mut best_rate = 0.0_f64;
        for k in &kernels {
            let r = bench.gelems(n, || (f.kernel)(k, black_box(&x), &mut y).unwrap());
            best_rate = best_rate.max(r);
            print!("{r:>9.3}");
        }
        let rf = bench.gelems(n, || (f.reference)(black_box(&x), &mut y));
        let nv = bench.gelems(n, || (f.naive)(black_box(&x), &mut y));
        print!("{rf:>9.3}{nv:>9.3}");
        match f.wide {
            Some(w) => print!("{:>9.3}", bench.gelems(n, || w(black_box(&x), &mut y))),
            None => print!("{:>9}", "-"),
        }
        println!("{:>13.1}x{:>13.1}x", best_rate / nv, best_rate / rf);
    }

    // --- Memory: 16 Mi elements -----------------------------------------------------------
    let n = if quick { 1 << 22 } else { 1 << 24 };
    let x = support::typical(n);
    let mut y = vec![0.0_f32; n];
    let big = Bench {
        samples: if quick { 3 } else { 7 },
        min_sample: Duration::from_millis(1),
    };
    let copy = big.gelems(n, || y.copy_from_slice(black_box(&x)));
    let seq = best.sequential();
    println!(
        "\nThroughput, {n} elements (memory), Gelem/s; copy_from_slice roofline: {copy:.3} Gelem/s \
         ({:.1} GB/s read+write)",
        copy * 8.0
    );
    println!(
        "{:<12}{:>12}{:>12}{:>14}{:>12}{:>14}",
        "function", "1 thread", "/copy", "in place", "/copy", "automatic"
    );
    for f in functions() {
        let one = big.gelems(n, || (f.kernel)(&seq, black_box(&x), &mut y).unwrap());
        let mut z = x.clone();
        let inplace = big.gelems(n, || match f.name {
            "exp" => seq.exp_inplace(&mut z),
            "sigmoid" => seq.sigmoid_inplace(&mut z),
            "tanh" => seq.tanh_inplace(&mut z),
            "relu" => seq.relu_inplace(&mut z),
            "leaky_relu" => seq.leaky_relu_inplace(&mut z, 0.01).unwrap(),
            _ => seq.prelu_inplace(&mut z, &SLOPES[..2]).unwrap(),
        });
        let auto = big.gelems(n, || (f.kernel)(&best, black_box(&x), &mut y).unwrap());
        println!(
            "{:<12}{one:>12.3}{:>11.2}x{inplace:>14.3}{:>11.2}x{auto:>14.3}",
            f.name,
            one / copy,
            inplace / copy
        );
    }

    // --- Threads: compute-bound sigmoid, 1 Mi elements ------------------------------------
    let n = 1 << 20;
    let x = support::typical(n);
    let mut y = vec![0.0_f32; n];
    let one = bench.gelems(n, || seq.sigmoid(black_box(&x), &mut y).unwrap());
    let auto = bench.gelems(n, || best.sigmoid(black_box(&x), &mut y).unwrap());
    println!(
        "\nsigmoid, {n} elements: 1 thread {one:.3} Gelem/s, automatic ({} threads) {auto:.3} \
         Gelem/s: {:.2}x",
        rayon::current_num_threads(),
        auto / one
    );

    // --- Accuracy --------------------------------------------------------------------------
    let points = if quick { 1_000_000 } else { 10_000_000 };
    let sweep = support::accuracy_sweep(points);
    println!(
        "\nMax ULP error against reference (f64 rounded to f32), {} inputs: {points} evenly \
         spaced over [-110, 110], tiny values of every binade, specials",
        sweep.len()
    );
    print!("{:<12}", "function");
    for b in &backends {
        print!("{:>9}", b.name());
    }
    println!("{:>12}", "NaN misses");
    for f in functions() {
        let closures: Vec<accuracy::BoxedKernel<'_>> = kernels
            .iter()
            .map(|&k| {
                let kernel = f.kernel;
                let prelu = f.name.starts_with("prelu");
                Box::new(move |x: &[f32], y: &mut [f32]| {
                    if prelu {
                        k.prelu(x, y, &SLOPES[..1]).unwrap()
                    } else {
                        kernel(&k, x, y).unwrap()
                    }
                }) as accuracy::BoxedKernel<'_>
            })
            .collect();
        let refs: Vec<accuracy::SliceKernel<'_>> = closures
            .iter()
            .map(|c| &**c as accuracy::SliceKernel<'_>)
            .collect();
        let reports = accuracy::measure_inputs(&sweep, &refs, f.reference_one, 0);
        print!("{:<12}", f.name);
        for r in &reports {
            print!("{:>9}", r.max_ulp);
        }
        println!(
            "{:>12}",
            reports.iter().map(|r| r.nan_mismatches).sum::<u64>()
        );
    }

    softmax_section(&bench, &backends, &kernels, quick);
}

type RowKernel = fn(&Kernels, &[f32], &mut [f32], usize) -> Result<(), Error>;
type RowReference = fn(&[f32], &mut [f32], usize) -> Result<(), Error>;

/// Softmax and log-softmax: throughput per shape, speedups, thread scaling, accuracy.
fn softmax_section(bench: &Bench, backends: &[Backend], kernels: &[Kernels], quick: bool) {
    let shapes: [(usize, usize); 4] = [(1024, 1024), (4096, 32), (64, 32768), (1, 1 << 20)];
    let best = *Kernels::global();
    let seq = best.sequential();
    let functions: [(&str, RowKernel, RowReference); 2] = [
        ("softmax", Kernels::softmax, reference::softmax),
        ("log_softmax", Kernels::log_softmax, reference::log_softmax),
    ];
    println!(
        "\nSoftmax over rows, single thread, Gelem/s; inputs uniform in [-8, 8]; naive = max, \
         exp, sum, divide per row"
    );
    print!("{:<12}{:>13}", "function", "shape");
    for b in backends {
        print!("{:>9}", b.name());
    }
    println!(
        "{:>9}{:>9}{:>12}{:>12}{:>10}{:>11}",
        "ref", "naive", "best/naive", "best/ref", "2 thr", "2thr/1thr"
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for (name, kernel, refk) in functions {
        for (rows, cols) in shapes {
            let n = rows * cols;
            let x = support::typical(n);
            let mut y = vec![0.0_f32; n];
            print!("{name:<12}{:>13}", format!("{rows}x{cols}"));
            let mut best_rate = 0.0_f64;
            for k in kernels {
                let r = bench.gelems(n, || kernel(k, black_box(&x), &mut y, cols).unwrap());
                best_rate = best_rate.max(r);
                print!("{r:>9.3}");
            }
            let rf = bench.gelems(n, || refk(black_box(&x), &mut y, cols).unwrap());
            let nv = bench.gelems(n, || naive::softmax(black_box(&x), &mut y, cols));
            let one = bench.gelems(n, || kernel(&seq, black_box(&x), &mut y, cols).unwrap());
            let two = pool.install(|| {
                bench.gelems(n, || kernel(&best, black_box(&x), &mut y, cols).unwrap())
            });
            println!(
                "{rf:>9.3}{nv:>9.3}{:>11.1}x{:>11.1}x{two:>10.3}{:>10.2}x",
                best_rate / nv,
                best_rate / rf,
                two / one
            );
        }
    }

    // Accuracy on random rows of several lengths and ranges.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut uniform = |lo: f64, hi: f64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (lo + (state >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)) as f32
    };
    let cases: Vec<(usize, usize, f64, f64)> = vec![
        (2000, 33, -12.0, 12.0),
        (200, 1000, -1e4, 1e4),
        (200, 1000, -100.0, 0.0),
        (200, 1000, -1e-3, 1e-3),
        (1, if quick { 1 << 18 } else { 1 << 20 }, -120.0, 30.0),
    ];
    println!("\nSoftmax max ULP error against reference (f64 rounded to f32), random rows");
    print!("{:<12}{:>28}", "function", "rows x cols, range");
    for b in backends {
        print!("{:>9}", b.name());
    }
    println!("{:>16}", "max |sum - 1|");
    for (name, kernel, refk) in functions {
        for &(rows, cols, lo, hi) in &cases {
            let x: Vec<f32> = (0..rows * cols).map(|_| uniform(lo, hi)).collect();
            let mut want = vec![0.0_f32; x.len()];
            refk(&x, &mut want, cols).unwrap();
            print!(
                "{name:<12}{:>28}",
                format!("{rows}x{cols}, [{lo:e}, {hi:e}]")
            );
            let mut sum_err = 0.0_f64;
            for k in kernels {
                let mut got = vec![0.0_f32; x.len()];
                kernel(k, &x, &mut got, cols).unwrap();
                let worst = got
                    .iter()
                    .zip(&want)
                    .map(|(&g, &w)| simd_activations::ulp::distance(g, w))
                    .max()
                    .unwrap_or(0);
                print!("{worst:>9}");
                if name == "softmax" {
                    for row in got.chunks(cols) {
                        let s: f64 = row.iter().map(|&v| f64::from(v)).sum();
                        sum_err = sum_err.max((s - 1.0).abs());
                    }
                }
            }
            if name == "softmax" {
                println!("{sum_err:>16.1e}");
            } else {
                println!("{:>16}", "-");
            }
        }
    }
}
