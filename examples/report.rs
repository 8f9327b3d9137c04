//! The crate's main job: what the kernels do on this CPU.
//!
//! Prints a legend (what every column means, the timing method, the threads), the backend
//! chosen, then for every elementwise function (every activation of the registry,
//! `Activation::ALL`, parameters at their defaults, and PReLU with four channels):
//! - the throughput (Gelem/s) at 4096 elements (L1) of every supported backend (forced, single
//!   thread), of `reference`, of the naive `std` loop and of `wide`, and the speedups;
//! - the throughput at 16 Mi elements against the `copy_from_slice` memory roofline: one thread,
//!   in place (on a fresh copy of the inputs every call, the copy not timed) and automatic;
//! - the two-thread scaling of sigmoid at 1 Mi elements;
//! - the max ULP error of every backend, beside the activation's proven bound, on a sweep of
//!   10^7 points over [-110, 110] plus tiny values of every binade and specials.
//!
//! Softmax and log-softmax get their own section: Gelem/s per backend on several matrix shapes,
//! the naive loop and the reference, speedups, two-thread scaling and the max ULP error on
//! random rows.
//!
//! A new activation in the registry appears in every table without an edit here.
//!
//! Flags (`cargo run --release --example report -- --help` prints them):
//! - `--quick`: a shorter run (fewer and shorter samples, 4 Mi elements instead of 16 Mi in the
//!   memory table, a 10^6-point sweep instead of 10^7, a shorter long row in the softmax
//!   accuracy table);
//! - `--softmax`: the softmax and log-softmax section only;
//! - `--gradients`: the gradients (training) section only;
//! - `--help`: the flags.

#[path = "../benches/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use simd_activations::accuracy::{self, Inputs};
use simd_activations::{Activation, Backend, Error, Kernels, reference, ulp};
use support::{Function, SLOPES, naive};

const USAGE: &str = "\
Usage: cargo run --release --example report -- [--quick] [--softmax] [--gradients]

What the kernels do on this CPU: throughput of every elementwise activation and PReLU (L1,
memory, threads), max ULP error per backend beside the proven bound, then softmax and
log-softmax (throughput per matrix shape, threads, accuracy).

Options:
  --quick     shorter run: 5 samples of at least 5 ms instead of 11 of at least 20 ms, 4 Mi
              elements instead of 16 Mi in the memory table, a 10^6-point accuracy sweep
              instead of 10^7, a 256 Ki-element long row instead of 1 Mi in the softmax
              accuracy table
  --softmax   the softmax and log-softmax section only
  --gradients the gradients (training) section only
  -h, --help  print this help
";

/// Softmax's automatic threading threshold (`rows * cols`), for the legend (the crate's value:
/// `src/drive/rows.rs`, `PARALLEL_MIN_LEN`; the elementwise ones come from
/// `Activation::automatic_threshold`).
const SOFTMAX_THRESHOLD: usize = 1 << 16;

struct Options {
    quick: bool,
    softmax_only: bool,
    gradients_only: bool,
}

fn options() -> Options {
    let mut o = Options {
        quick: false,
        softmax_only: false,
        gradients_only: false,
    };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => o.quick = true,
            "--softmax" => o.softmax_only = true,
            "--gradients" => o.gradients_only = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => {
                eprint!("report: unknown argument `{other}`\n\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    o
}

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
    let times = (0..samples)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    median(times)
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
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

    /// Gelem/s of `kernel` run in place on `z`, which is restored from `x` before every call.
    /// The clock runs around the kernel call alone (the copy is not timed); a sample sums the
    /// kernel times of as many calls as make up `min_sample`; the median sample counts.
    fn gelems_inplace(&self, x: &[f32], z: &mut [f32], mut kernel: impl FnMut(&mut [f32])) -> f64 {
        z.copy_from_slice(x);
        kernel(z); // warm up
        let times = (0..self.samples)
            .map(|_| {
                let (mut spent, mut calls) = (Duration::ZERO, 0u32);
                while spent < self.min_sample || calls == 0 {
                    z.copy_from_slice(black_box(x));
                    let t = Instant::now();
                    kernel(black_box(&mut *z));
                    spent += t.elapsed();
                    calls += 1;
                }
                spent.as_secs_f64() / f64::from(calls)
            })
            .collect();
        x.len() as f64 / median(times) / 1e9
    }
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

/// Prints `key  text` entries with the texts in one column (a key too long for its column gets
/// a line of its own); `\n` in a text starts a new line in the column.
fn legend(entries: &[(&str, String)]) {
    const KEY: usize = 12;
    for (key, text) in entries {
        let mut lines = text.lines();
        if key.len() < KEY {
            println!("  {key:<KEY$} {}", lines.next().unwrap_or(""));
        } else {
            println!("  {key}");
        }
        for line in lines {
            println!("  {:KEY$} {line}", "");
        }
    }
}

/// `1 << k` elements as `N Ki` / `N Mi`.
fn size(n: usize) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} Mi", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} Ki", n >> 10)
    } else {
        n.to_string()
    }
}

/// What every section needs.
struct Ctx {
    quick: bool,
    bench: Bench,
    backends: Vec<Backend>,
    /// One sequential handle per backend, forced.
    kernels: Vec<Kernels>,
    /// `"scalar, avx2, avx512"`.
    names: String,
    /// `Kernels::global()`: the automatic handle.
    best: Kernels,
    /// The same, on one thread.
    seq: Kernels,
    threads: usize,
    functions: Vec<Function>,
    /// Width of the first column of the elementwise tables.
    width: usize,
}

fn main() {
    let Options {
        quick,
        softmax_only,
        gradients_only,
    } = options();
    let backends = Backend::supported();
    let best = *Kernels::global();
    let functions = Function::all();
    let ctx = Ctx {
        quick,
        bench: Bench {
            samples: if quick { 5 } else { 11 },
            min_sample: Duration::from_millis(if quick { 5 } else { 20 }),
        },
        kernels: backends
            .iter()
            .map(|&b| Kernels::with_backend(b).unwrap().sequential())
            .collect(),
        names: backends
            .iter()
            .map(|b| b.name())
            .collect::<Vec<_>>()
            .join(", "),
        backends,
        best,
        seq: best.sequential(),
        threads: rayon::current_num_threads(),
        width: functions
            .iter()
            .map(|f| f.label().len() + 2)
            .max()
            .unwrap_or(0)
            .max(12),
        functions,
    };
    header(&ctx);
    if gradients_only {
        gradients_table(&ctx);
        return;
    }
    if !softmax_only {
        l1_table(&ctx);
        memory_table(&ctx);
        threads_line(&ctx);
        accuracy_table(&ctx);
        gradients_table(&ctx);
    }
    softmax_section(&ctx);
}

/// The machine, the backends and the legend of every table.
fn header(ctx: &Ctx) {
    let quick = if ctx.quick { " (--quick)" } else { "" };
    println!("simd-activations report{quick}");
    println!(
        "CPU: {} ({} threads in rayon's pool)",
        cpu_name(),
        ctx.threads
    );
    println!("backend chosen: {}", ctx.best.backend());
    println!("supported: {}", ctx.names);
    println!("\nLegend (every table):");
    legend(&[
        (
            "Gelem/s",
            format!(
                "10^9 elements per second; each figure is the median of {} timed samples of\n\
                 at least {} ms (the machine may be shared: compare ratios within a run)",
                ctx.bench.samples,
                ctx.bench.min_sample.as_millis()
            ),
        ),
        (
            &ctx.names,
            "that backend forced, one thread: Kernels::with_backend(b).sequential()".into(),
        ),
        (
            "best",
            "the fastest of those forced backends in the row (one thread)".into(),
        ),
        (
            "automatic",
            format!(
                "Kernels::global(), the free functions' handle: backend {}; may split across\n\
                 rayon's {} threads from {} elements for exp and the functions built on\n\
                 it, from {} for the memory-bound ones (ReLU family, PReLU, hard_*), from\n\
                 {} rows*cols for softmax, and does where splitting has timed faster than\n\
                 one thread in its earlier calls (README, section Threads)",
                ctx.best.backend(),
                ctx.threads,
                size(Activation::Exp.automatic_threshold()),
                size(Activation::Relu.automatic_threshold()),
                size(SOFTMAX_THRESHOLD),
            ),
        ),
        (
            "ref",
            "simd_activations::reference: f64 math rounded once to f32, per element".into(),
        ),
        (
            "naive",
            "the std loop a user would write: simd_activations::naive::activate;\n\
             PReLU, softmax, log_softmax: benches/support/mod.rs"
                .into(),
        ),
        (
            "wide",
            "wide::f32x8 (exp, tanh; sigmoid built from its exp); - where wide has none".into(),
        ),
        (
            "inputs",
            format!(
                "uniform in [-8, 8], shuffled; parameters at their defaults; PReLU with\n\
                 slopes {SLOPES:?}, channels-last"
            ),
        ),
    ]);
}

/// 4096 elements, single thread: every backend and every baseline, speedups.
fn l1_table(ctx: &Ctx) {
    let (bench, width) = (&ctx.bench, ctx.width);
    let n = 4096;
    let x = support::typical(n);
    let mut y = vec![0.0_f32; n];
    println!("\nThroughput, {n} elements (L1), single thread, Gelem/s");
    print!("{:<width$}", "function");
    for b in &ctx.backends {
        print!("{:>9}", b.name());
    }
    println!(
        "{:>9}{:>9}{:>9}{:>14}{:>14}",
        "ref", "naive", "wide", "best/naive", "best/ref"
    );
    for &f in &ctx.functions {
        print!("{:<width$}", f.label());
        let mut best_rate = 0.0_f64;
        for k in &ctx.kernels {
            let r = bench.gelems(n, || f.run(k, black_box(&x), black_box(&mut y)));
            best_rate = best_rate.max(r);
            print!("{r:>9.3}");
        }
        let rf = bench.gelems(n, || f.reference(black_box(&x), black_box(&mut y)));
        let nv = bench.gelems(n, || f.naive(black_box(&x), black_box(&mut y)));
        print!("{rf:>9.3}{nv:>9.3}");
        match f.wide() {
            Some(w) => print!(
                "{:>9.3}",
                bench.gelems(n, || w(black_box(&x), black_box(&mut y)))
            ),
            None => print!("{:>9}", "-"),
        }
        println!("{:>13.1}x{:>13.1}x", best_rate / nv, best_rate / rf);
    }
}

/// 16 Mi elements: one thread, in place and automatic against the `copy_from_slice` roofline.
fn memory_table(ctx: &Ctx) {
    let (seq, best, width) = (&ctx.seq, &ctx.best, ctx.width);
    let n = if ctx.quick { 1 << 22 } else { 1 << 24 };
    let x = support::typical(n);
    let mut y = vec![0.0_f32; n];
    let mut z = vec![0.0_f32; n];
    let big = Bench {
        samples: if ctx.quick { 3 } else { 7 },
        min_sample: Duration::from_millis(1),
    };
    let copy = big.gelems(n, || y.copy_from_slice(black_box(&x)));
    let threads = if Activation::ALL.iter().all(|a| n >= a.automatic_threshold()) {
        format!(
            "may split across {} threads for every function here",
            ctx.threads
        )
    } else {
        format!(
            "may split across {} threads for exp and the functions built on it, 1 for the\n\
             others",
            ctx.threads
        )
    };
    let l3 = "; with --quick, x and z together are 32 MiB:\nthey may be served partly from L3";
    println!(
        "\nThroughput, {n} elements ({}, memory), Gelem/s (medians of {} samples); \
         copy_from_slice roofline: {copy:.3} Gelem/s ({:.1} GB/s read+write)",
        size(n),
        big.samples,
        copy * 8.0,
    );
    legend(&[
        (
            "1 thread",
            format!("backend {}, one thread, x -> y", seq.backend()),
        ),
        (
            "in place",
            format!(
                "the same handle on z, restored from x before every call: the clock runs\n\
                 around the kernel call alone (the copy is not timed, but may leave part of\n\
                 z in cache{})",
                if ctx.quick { l3 } else { "" }
            ),
        ),
        ("automatic", format!("Kernels::global(), x -> y, {threads}")),
        ("/copy", "the column to its left over the roofline".into()),
    ]);
    println!(
        "{:<width$}{:>12}{:>12}{:>14}{:>12}{:>14}",
        "function", "1 thread", "/copy", "in place", "/copy", "automatic"
    );
    for &f in &ctx.functions {
        let one = big.gelems(n, || f.run(seq, black_box(&x), black_box(&mut y)));
        let inplace = big.gelems_inplace(&x, &mut z, |z| f.run_inplace(seq, z));
        let auto = big.gelems(n, || f.run(best, black_box(&x), black_box(&mut y)));
        println!(
            "{:<width$}{one:>12.3}{:>11.2}x{inplace:>14.3}{:>11.2}x{auto:>14.3}",
            f.label(),
            one / copy,
            inplace / copy
        );
    }
}

/// Compute-bound sigmoid at 1 Mi elements: one thread against a forced split and the automatic
/// handle (which splits only where splitting timed faster).
fn threads_line(ctx: &Ctx) {
    let n = 1 << 20;
    let x = support::typical(n);
    let mut y = vec![0.0_f32; n];
    let mut rate = |k: &Kernels| {
        ctx.bench.gelems(n, || {
            k.activate(Activation::Sigmoid, black_box(&x), black_box(&mut y))
                .unwrap()
        })
    };
    let one = rate(&ctx.seq);
    let split = rate(&ctx.best.parallel_threshold(1));
    let auto = rate(&ctx.best);
    println!(
        "\nsigmoid, {n} elements ({}): 1 thread {one:.3} Gelem/s; split across {} threads \
         {split:.3} Gelem/s ({:.2}x); automatic {auto:.3} Gelem/s ({:.2}x)",
        ctx.seq.backend(),
        ctx.threads,
        split / one,
        auto / one
    );
}

/// What one backend did on the accuracy sweep.
struct Accuracy {
    max_ulp: u32,
    nan_mismatches: u64,
    passed: bool,
}

/// Max ULP error of every backend on the sweep, beside the proven bound.
fn accuracy_table(ctx: &Ctx) {
    let width = ctx.width;
    let points = if ctx.quick { 1_000_000 } else { 10_000_000 };
    let sweep = support::accuracy_sweep(points);
    println!(
        "\nMax ULP error against reference (f64 rounded to f32), {} inputs: {points} evenly \
         spaced over [-110, 110], tiny values of every binade, specials",
        sweep.len(),
    );
    legend(&[
        (
            &ctx.names,
            "that backend forced, one thread per kernel call (the sweep runs on rayon)".into(),
        ),
        (
            "bound",
            "the proven bound, Activation::ulp_bound (0: exact)".into(),
        ),
        (
            "NaN misses",
            "inputs where exactly one of kernel and reference is NaN, all backends".into(),
        ),
        ("ok", "every backend within the bound, no NaN miss".into()),
    ]);
    print!("{:<width$}", "function");
    for b in &ctx.backends {
        print!("{:>9}", b.name());
    }
    println!("{:>8}{:>12}{:>6}", "bound", "NaN misses", "ok");
    for &f in &ctx.functions {
        let (bound, rows) = match f {
            Function::Activation(act) => (
                act.ulp_bound(),
                accuracy::measure_activation(Inputs::Values(&sweep), act, &ctx.kernels)
                    .into_iter()
                    .map(|r| Accuracy {
                        max_ulp: r.max_ulp,
                        nan_mismatches: r.nan_mismatches,
                        passed: r.passed(),
                    })
                    .collect(),
            ),
            Function::Prelu => (0, prelu_accuracy(&sweep, &ctx.kernels)),
        };
        print!("{:<width$}", f.label());
        for r in &rows {
            print!("{:>9}", r.max_ulp);
        }
        let nan: u64 = rows.iter().map(|r| r.nan_mismatches).sum();
        let ok = if rows.iter().all(|r| r.passed) {
            "yes"
        } else {
            "NO"
        };
        println!("{bound:>8}{nan:>12}{ok:>6}");
    }
}

/// PReLU with [`SLOPES`] against `reference::prelu` on the sweep (padded with zeros to a whole
/// number of channels), on every handle; its bound is 0 (exact).
/// The gradients (`<name>_backward`): single-thread Gelem/s of the best backend at 4096
/// elements beside the activation's own forward kernel and the three-stream loop
/// `dx = x + dy`; at the memory size, the ratio to that loop; and the largest error on random
/// `(x, dy)` over every backend, in the gradient's units (ULP, beyond its margin where the
/// derivative crosses zero), beside its bound.
fn gradients_table(ctx: &Ctx) {
    let (bench, width) = (&ctx.bench, ctx.width + 9);
    let n = 4096;
    let big = if ctx.quick { 1 << 22 } else { 1 << 24 };
    let (x, dy) = (support::typical(n), support::uniform(n, -1.0, 1.0));
    let (xb, dyb) = (support::typical(big), support::uniform(big, -1.0, 1.0));
    let (mut dx, mut dxb) = (vec![0.0_f32; n], vec![0.0_f32; big]);
    let add = |x: &[f32], dy: &[f32], dx: &mut [f32]| {
        for ((d, &a), &b) in dx.iter_mut().zip(x).zip(dy) {
            *d = a + b;
        }
    };
    let seq = &ctx.seq;
    let add_rate = bench.gelems(n, || add(black_box(&x), black_box(&dy), black_box(&mut dx)));
    let add_big = bench.gelems(big, || {
        add(black_box(&xb), black_box(&dyb), black_box(&mut dxb))
    });
    println!(
        "\nGradients (training): dx = dy * f'(x), single thread, {} backend",
        seq.backend()
    );
    println!(
        "  {n} elements: Gelem/s of the gradient, the forward kernel, the loop dx = x + dy \
         ({add_rate:.3}) and the naive std loop;"
    );
    println!(
        "  {} elements: gradient / (x + dy loop, {add_big:.3} Gelem/s); max error on 10^5 random \
         (x, dy), every backend",
        size(big)
    );
    println!(
        "{:<width$}{:>9}{:>9}{:>9}{:>10}{:>9}{:>10}{:>11}{:>7}",
        "gradient", "Gelem/s", "forward", "ratio", "vs add", "naive", "memory", "max err", "bound"
    );
    let (sx, sdy) = (
        support::uniform(100_000, -110.0, 110.0),
        support::uniform(100_000, -4.0, 4.0),
    );
    for &act in Activation::ALL {
        let g = bench.gelems(n, || {
            seq.activate_backward(act, black_box(&x), black_box(&dy), black_box(&mut dx))
                .unwrap()
        });
        let f = bench.gelems(n, || {
            seq.activate(act, black_box(&x), black_box(&mut dx))
                .unwrap()
        });
        let nv = bench.gelems(n, || {
            simd_activations::naive::activate_backward(
                act,
                black_box(&x),
                black_box(&dy),
                black_box(&mut dx),
            )
        });
        let gb = bench.gelems(big, || {
            seq.activate_backward(act, black_box(&xb), black_box(&dyb), black_box(&mut dxb))
                .unwrap()
        });
        let err = gradient_error(act, &sx, &sdy, &ctx.kernels);
        println!(
            "{:<width$}{g:>9.3}{f:>9.3}{:>8.2}x{:>9.2}x{nv:>9.3}{:>9.2}x{err:>11}{:>7}",
            format!("{}_backward", act.name()),
            g / f,
            g / add_rate,
            gb / add_big,
            act.backward_ulp_bound(),
        );
    }
}

/// The largest error of `act`'s gradient on the pairs `(x, dy)` over `kernels`, in the
/// gradient's units, where `f'(x)` is finite in `f32`.
fn gradient_error(act: Activation, x: &[f32], dy: &[f32], kernels: &[Kernels]) -> u32 {
    let mut want = vec![0.0_f32; x.len()];
    reference::activate_backward(act, x, dy, &mut want).unwrap();
    let mut got = vec![0.0_f32; x.len()];
    let mut worst = 0;
    for k in kernels {
        k.activate_backward(act, x, dy, &mut got).unwrap();
        for i in 0..x.len() {
            if !reference::activate_backward_one(act, x[i], 1.0).is_finite() {
                continue;
            }
            let e = accuracy::backward_error(act, x[i], dy[i], got[i], want[i]);
            worst = worst.max(e);
        }
    }
    worst
}

fn prelu_accuracy(sweep: &[f32], kernels: &[Kernels]) -> Vec<Accuracy> {
    let mut x = sweep.to_vec();
    x.resize(sweep.len().next_multiple_of(SLOPES.len()), 0.0);
    let mut want = vec![0.0_f32; x.len()];
    reference::prelu(&x, &mut want, &SLOPES).unwrap();
    let mut got = vec![0.0_f32; x.len()];
    kernels
        .iter()
        .map(|k| {
            k.prelu(&x, &mut got, &SLOPES).unwrap();
            let (mut max_ulp, mut nan_mismatches) = (0, 0);
            for (&g, &w) in got.iter().zip(&want) {
                match ulp::distance(g, w) {
                    u32::MAX => nan_mismatches += 1,
                    d => max_ulp = max_ulp.max(d),
                }
            }
            Accuracy {
                max_ulp,
                nan_mismatches,
                passed: max_ulp == 0 && nan_mismatches == 0,
            }
        })
        .collect()
}

type RowKernel = fn(&Kernels, &[f32], &mut [f32], usize) -> Result<(), Error>;
type RowReference = fn(&[f32], &mut [f32], usize) -> Result<(), Error>;
type RowNaive = fn(&[f32], &mut [f32], usize);

/// Softmax and log-softmax: throughput per shape, speedups, thread scaling, accuracy.
fn softmax_section(ctx: &Ctx) {
    let (bench, best, seq) = (&ctx.bench, &ctx.best, &ctx.seq);
    let shapes: [(usize, usize); 4] = [(1024, 1024), (4096, 32), (64, 32768), (1, 1 << 20)];
    let functions: [(&str, RowKernel, RowReference, RowNaive); 2] = [
        (
            "softmax",
            Kernels::softmax,
            reference::softmax,
            naive::softmax,
        ),
        (
            "log_softmax",
            Kernels::log_softmax,
            reference::log_softmax,
            naive::log_softmax,
        ),
    ];
    println!("\nSoftmax over rows, Gelem/s; inputs uniform in [-8, 8]");
    legend(&[
        (
            &ctx.names,
            "that backend forced, one thread; best: the fastest of them".into(),
        ),
        (
            "naive",
            "max, exp, sum, divide per row (softmax);\n\
             max, exp, sum, log, subtract per row (log_softmax)"
                .into(),
        ),
        (
            "2 thr",
            format!(
                "backend {}, split across a 2-thread rayon pool (parallel_threshold(1))",
                best.backend(),
            ),
        ),
        (
            "2thr/1thr",
            format!("2 thr over backend {} on one thread", seq.backend()),
        ),
        (
            "auto/1thr",
            format!(
                "Kernels::global() in that pool over one thread (every shape has at least\n\
                 {} elements: it splits where splitting timed faster)",
                size(SOFTMAX_THRESHOLD)
            ),
        ),
    ]);
    print!("{:<12}{:>13}", "function", "shape");
    for b in &ctx.backends {
        print!("{:>9}", b.name());
    }
    println!(
        "{:>9}{:>9}{:>12}{:>12}{:>10}{:>11}{:>11}",
        "ref", "naive", "best/naive", "best/ref", "2 thr", "2thr/1thr", "auto/1thr"
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for (name, kernel, refk, naivek) in functions {
        for (rows, cols) in shapes {
            let n = rows * cols;
            let x = support::typical(n);
            let mut y = vec![0.0_f32; n];
            let mut rate = |k: &Kernels| {
                bench.gelems(n, || {
                    kernel(k, black_box(&x), black_box(&mut y), cols).unwrap()
                })
            };
            print!("{name:<12}{:>13}", format!("{rows}x{cols}"));
            let mut best_rate = 0.0_f64;
            for k in &ctx.kernels {
                let r = rate(k);
                best_rate = best_rate.max(r);
                print!("{r:>9.3}");
            }
            let one = rate(seq);
            let two = pool.install(|| rate(&best.parallel_threshold(1)));
            let auto = pool.install(|| rate(best));
            let rf = bench.gelems(n, || refk(black_box(&x), black_box(&mut y), cols).unwrap());
            let nv = bench.gelems(n, || naivek(black_box(&x), black_box(&mut y), cols));
            println!(
                "{rf:>9.3}{nv:>9.3}{:>11.1}x{:>11.1}x{two:>10.3}{:>10.2}x{:>10.2}x",
                best_rate / nv,
                best_rate / rf,
                two / one,
                auto / one
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
    let long_row = if ctx.quick { 1 << 18 } else { 1 << 20 };
    let cases: [(usize, usize, f64, f64); 5] = [
        (2000, 33, -12.0, 12.0),
        (200, 1000, -1e4, 1e4),
        (200, 1000, -100.0, 0.0),
        (200, 1000, -1e-3, 1e-3),
        (1, long_row, -120.0, 30.0),
    ];
    println!(
        "\nSoftmax max ULP error against reference (f64 rounded to f32), random rows; bound: 4 \
         ULP per element, rows summing to 1 within 1e-6"
    );
    print!("{:<12}{:>28}", "function", "rows x cols, range");
    for b in &ctx.backends {
        print!("{:>9}", b.name());
    }
    println!("{:>16}", "max |sum - 1|");
    for (name, kernel, refk, _) in functions {
        for &(rows, cols, lo, hi) in &cases {
            let x: Vec<f32> = (0..rows * cols).map(|_| uniform(lo, hi)).collect();
            let mut want = vec![0.0_f32; x.len()];
            refk(&x, &mut want, cols).unwrap();
            let case = format!("{rows}x{cols}, [{lo:e}, {hi:e}]");
            print!("{name:<12}{case:>28}");
            let mut sum_err = 0.0_f64;
            let mut got = vec![0.0_f32; x.len()];
            for k in &ctx.kernels {
                kernel(k, &x, &mut got, cols).unwrap();
                let worst = got
                    .iter()
                    .zip(&want)
                    .map(|(&g, &w)| ulp::distance(g, w))
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
