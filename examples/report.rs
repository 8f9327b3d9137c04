//! The crate's main job: what the kernels do on this CPU.
//!
//! Prints the backend chosen; per function the throughput (Gelem/s) of every supported backend
//! (single thread), of the automatic call, of `reference`, of the naive `std` loop and of
//! `wide`; the speedups; the kernels' throughput against the `copy_from_slice` memory roofline
//! at 16 Mi elements; the two-thread scaling of sigmoid; and the max ULP error of every backend
//! on a sweep of 10^7 points over [-110, 110] plus tiny values of every binade.
//!
//! `cargo run --release --example report` (add `-- --quick` for a shorter run).

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
}
