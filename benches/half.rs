//! Criterion throughput benches of half-precision storage, and the ratios the issue sets.
//!
//! Group `half_convert`: the four conversions at 1 Mi elements, every supported backend on
//! one thread and `half` (`half::slice::HalfFloatSliceExt`, which uses F16C for f16 where the
//! CPU has it, and a scalar loop for bf16).
//! Group `half_activate`: `activate` on f32 and `activate_f16`/`activate_bf16` on the best
//! backend with automatic threading (the free functions), relu (memory-bound) and sigmoid
//! (compute-bound), at 4096 and 16 Mi elements, inputs uniform in [-8, 8].
//! Group `half_softmax`: softmax and log-softmax on f32, f16 and bf16 rows, best backend, one
//! thread: 64 x 1024 (attention rows, in L2) and 4 x 128 Ki (vocabulary-sized rows).
//!
//! Then `ratios`: each pair timed alternately in the same run (the fastest of 31 rounds of a few
//! calls each), printed as `ratio <what>: <x>` lines, elements per second over elements per
//! second: the figures of the README's speed table.
//!
//! `cargo bench --bench half` (add `-- --quick` for a short run; `-- ratios` prints only the
//! ratios).

use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput};
use half::slice::HalfFloatSliceExt;
use simd_activations::{Activation, Backend, Kernels, bf16, f16};

/// The conversions' length: 1 Mi elements.
const CONVERT_LEN: usize = 1 << 20;
/// The activations' lengths: in L1 and far beyond the caches.
const ACTIVATE_LENS: [usize; 2] = [4096, 16 << 20];
/// The activations measured: one memory-bound, one compute-bound.
const ACTIVATIONS: [Activation; 2] = [Activation::Relu, Activation::Sigmoid];

/// Inputs uniform in `[-8, 8]`, neighbours unrelated.
fn typical(n: usize) -> Vec<f32> {
    let step = 16.0 / n as f64;
    let stride = (n as f64 * 0.618_033_988_7) as usize | 1;
    (0..n)
        .map(|i| (-8.0 + ((i * stride) % n) as f64 * step) as f32)
        .collect()
}

/// A conversion under test.
#[derive(Clone, Copy)]
enum Conversion {
    F16ToF32,
    F32ToF16,
    Bf16ToF32,
    F32ToBf16,
}

impl Conversion {
    const ALL: [Conversion; 4] = [
        Conversion::F16ToF32,
        Conversion::F32ToF16,
        Conversion::Bf16ToF32,
        Conversion::F32ToBf16,
    ];

    fn name(self) -> &'static str {
        match self {
            Conversion::F16ToF32 => "f16_to_f32",
            Conversion::F32ToF16 => "f32_to_f16",
            Conversion::Bf16ToF32 => "bf16_to_f32",
            Conversion::F32ToBf16 => "f32_to_bf16",
        }
    }
}

/// The buffers of every conversion.
struct Buffers {
    x32: Vec<f32>,
    y32: Vec<f32>,
    h: Vec<f16>,
    b: Vec<bf16>,
}

impl Buffers {
    fn new(n: usize) -> Buffers {
        let x32 = typical(n);
        Buffers {
            h: x32.iter().map(|&v| f16::from_f32(v)).collect(),
            b: x32.iter().map(|&v| bf16::from_f32(v)).collect(),
            y32: vec![0.0; n],
            x32,
        }
    }

    /// Runs `c` with the crate's kernels on `k`.
    fn ours(&mut self, k: &Kernels, c: Conversion) {
        match c {
            Conversion::F16ToF32 => k.f16_to_f32(black_box(&self.h), &mut self.y32),
            Conversion::F32ToF16 => k.f32_to_f16(black_box(&self.x32), &mut self.h),
            Conversion::Bf16ToF32 => k.bf16_to_f32(black_box(&self.b), &mut self.y32),
            Conversion::F32ToBf16 => k.f32_to_bf16(black_box(&self.x32), &mut self.b),
        }
        .unwrap();
        black_box(&mut self.y32);
    }

    /// Runs `c` with `half`'s slice conversion.
    fn half(&mut self, c: Conversion) {
        match c {
            Conversion::F16ToF32 => black_box(&self.h).convert_to_f32_slice(&mut self.y32),
            Conversion::F32ToF16 => self.h.convert_from_f32_slice(black_box(&self.x32)),
            Conversion::Bf16ToF32 => black_box(&self.b).convert_to_f32_slice(&mut self.y32),
            Conversion::F32ToBf16 => self.b.convert_from_f32_slice(black_box(&self.x32)),
        }
        black_box(&mut self.y32);
    }
}

fn convert(c: &mut Criterion) {
    let backends: Vec<(&str, Kernels)> = Backend::supported()
        .into_iter()
        .map(|b| (b.name(), Kernels::with_backend(b).unwrap().sequential()))
        .collect();
    let mut bufs = Buffers::new(CONVERT_LEN);
    let mut g = c.benchmark_group("half_convert");
    g.throughput(Throughput::Elements(CONVERT_LEN as u64));
    for conv in Conversion::ALL {
        for (name, k) in &backends {
            g.bench_function(BenchmarkId::new(conv.name(), name), |bn| {
                bn.iter(|| bufs.ours(k, conv))
            });
        }
        g.bench_function(BenchmarkId::new(conv.name(), "half"), |bn| {
            bn.iter(|| bufs.half(conv))
        });
    }
    g.finish();
}

/// The storage types of `activate`.
#[derive(Clone, Copy)]
enum Storage {
    F32,
    F16,
    Bf16,
}

/// The buffers of the activations at one length.
struct Activations {
    x32: Vec<f32>,
    y32: Vec<f32>,
    x16: Vec<f16>,
    y16: Vec<f16>,
    xb: Vec<bf16>,
    yb: Vec<bf16>,
}

impl Activations {
    fn new(n: usize) -> Activations {
        let b = Buffers::new(n);
        Activations {
            y32: vec![0.0; n],
            y16: vec![f16::ZERO; n],
            yb: vec![bf16::ZERO; n],
            x16: b.h,
            xb: b.b,
            x32: b.x32,
        }
    }

    fn run(&mut self, act: Activation, s: Storage) {
        match s {
            Storage::F32 => simd_activations::activate(act, black_box(&self.x32), &mut self.y32),
            Storage::F16 => {
                simd_activations::activate_f16(act, black_box(&self.x16), &mut self.y16)
            }
            Storage::Bf16 => {
                simd_activations::activate_bf16(act, black_box(&self.xb), &mut self.yb)
            }
        }
        .unwrap();
    }
}

/// Softmax shapes `(rows, cols)`: attention rows in L2, and vocabulary-sized rows (longer
/// than the 8 Ki elements the half path widens whole: computed chunk by chunk).
const SOFTMAX_SHAPES: [(usize, usize); 2] = [(64, 1024), (4, 128 << 10)];

impl Activations {
    /// Softmax (`log`: log-softmax) over rows of `cols`, on the best backend, one thread.
    fn rows(&mut self, k: &Kernels, log: bool, s: Storage, cols: usize) {
        match (s, log) {
            (Storage::F32, false) => k.softmax(black_box(&self.x32), &mut self.y32, cols),
            (Storage::F32, true) => k.log_softmax(black_box(&self.x32), &mut self.y32, cols),
            (Storage::F16, false) => k.softmax_f16(black_box(&self.x16), &mut self.y16, cols),
            (Storage::F16, true) => k.log_softmax_f16(black_box(&self.x16), &mut self.y16, cols),
            (Storage::Bf16, false) => k.softmax_bf16(black_box(&self.xb), &mut self.yb, cols),
            (Storage::Bf16, true) => k.log_softmax_bf16(black_box(&self.xb), &mut self.yb, cols),
        }
        .unwrap();
    }
}

fn softmax(c: &mut Criterion) {
    let mut g = c.benchmark_group("half_softmax");
    let k = Kernels::global().sequential();
    for (rows, cols) in SOFTMAX_SHAPES {
        let n = rows * cols;
        let mut bufs = Activations::new(n);
        g.throughput(Throughput::Elements(n as u64));
        for (log, what) in [(false, "softmax"), (true, "log_softmax")] {
            for (s, name) in [
                (Storage::F32, "f32"),
                (Storage::F16, "f16"),
                (Storage::Bf16, "bf16"),
            ] {
                let id = BenchmarkId::new(format!("{what}/{name}"), format!("{rows}x{cols}"));
                g.bench_function(id, |bn| bn.iter(|| bufs.rows(&k, log, s, cols)));
            }
        }
    }
    g.finish();
}

fn activate(c: &mut Criterion) {
    let mut g = c.benchmark_group("half_activate");
    for n in ACTIVATE_LENS {
        let mut bufs = Activations::new(n);
        g.throughput(Throughput::Elements(n as u64));
        if n > 1 << 20 {
            g.sample_size(10);
        }
        for act in ACTIVATIONS {
            for (s, name) in [
                (Storage::F32, "f32"),
                (Storage::F16, "f16"),
                (Storage::Bf16, "bf16"),
            ] {
                g.bench_function(BenchmarkId::new(format!("{act}/{name}"), n), |bn| {
                    bn.iter(|| bufs.run(act, s))
                });
            }
        }
    }
    g.finish();
}

/// The median time of `f`, in seconds per call, and of `g`, timed alternately: rounds of
/// `calls` calls each.
fn paired(calls: usize, mut f: impl FnMut(), mut g: impl FnMut()) -> (f64, f64) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..31 {
        for (times, h) in [(&mut a, &mut f as &mut dyn FnMut()), (&mut b, &mut g)] {
            let t = Instant::now();
            for _ in 0..calls {
                h();
            }
            times.push(t.elapsed().as_secs_f64() / calls as f64);
        }
    }
    // The fastest round: on a shared machine other processes only ever slow a round down.
    let fastest = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    (fastest(&a), fastest(&b))
}

/// The ratios of the issue, timed in one run (see the module doc).
fn ratios() {
    println!(
        "machine: see `lscpu`; best backend here: {}",
        Backend::best()
    );
    let best = Kernels::global().sequential();
    // 1 Mi elements (the size: beyond L2 here, bound by memory for both), and 16 Ki
    // (in L2: bound by the instructions).
    for (n, calls) in [(CONVERT_LEN, 20), (16 << 10, 2000)] {
        ratios_convert(&best, n, calls);
    }
    for n in ACTIVATE_LENS {
        let calls = if n > 1 << 20 { 2 } else { 2000 };
        let mut bufs = Activations::new(n);
        for act in ACTIVATIONS {
            for (s, name) in [(Storage::F16, "f16"), (Storage::Bf16, "bf16")] {
                let cell = std::cell::RefCell::new(&mut bufs);
                let (half, single) = paired(
                    calls,
                    || cell.borrow_mut().run(act, s),
                    || cell.borrow_mut().run(act, Storage::F32),
                );
                println!(
                    "ratio {act} {n} elements, {name} / f32 (elements/s, free functions): {:.2}",
                    single / half
                );
            }
        }
    }
    for (rows, cols) in SOFTMAX_SHAPES {
        let mut bufs = Activations::new(rows * cols);
        for (log, what) in [(false, "softmax"), (true, "log_softmax")] {
            for (s, name) in [(Storage::F16, "f16"), (Storage::Bf16, "bf16")] {
                let cell = std::cell::RefCell::new(&mut bufs);
                let (half, single) = paired(
                    20,
                    || cell.borrow_mut().rows(&best, log, s, cols),
                    || cell.borrow_mut().rows(&best, log, Storage::F32, cols),
                );
                println!(
                    "ratio {what} {rows}x{cols}, {name} / f32 (elements/s, one thread): {:.2}",
                    single / half
                );
            }
        }
    }
}

/// The conversions' ratios at `n` elements.
fn ratios_convert(best: &Kernels, n: usize, calls: usize) {
    let mut bufs = Buffers::new(n);
    for conv in Conversion::ALL {
        let cell = std::cell::RefCell::new(&mut bufs);
        let (ours, half) = paired(
            calls,
            || cell.borrow_mut().ours(best, conv),
            || cell.borrow_mut().half(conv),
        );
        println!(
            "ratio {} {n} elements ({} one thread) / half's slice conversion: {:.2}",
            conv.name(),
            Backend::best(),
            half / ours
        );
    }
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.as_deref() == Some("ratios") {
        ratios();
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    convert(&mut c);
    activate(&mut c);
    softmax(&mut c);
    c.final_summary();
    ratios();
}
