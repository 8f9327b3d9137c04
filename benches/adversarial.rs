//! Adversarial inputs: does a kernel slow down on inputs that hit its special paths?
//!
//! One criterion group per function, `adversarial_<function>` (`exp`, `sigmoid`, `tanh`), on
//! the best backend of this CPU, single thread (`Kernels::new().sequential()`), at 4 Ki and
//! 256 Ki elements, `Throughput::Elements`. Benchmark ids are `<group>/<input>/<elements>`:
//! - `typical`: uniform in `[-8, 8]` (the baseline of the ratios);
//! - `subnormal_outputs`: `x` in `[-103, -88]`, where exp and sigmoid are subnormal
//!   (gradual underflow; tanh has no such range: its subnormal outputs are its subnormal
//!   inputs);
//! - `subnormal_inputs`: subnormal `x` of both signs;
//! - `nan_inf_laced`: typical inputs with one in eight replaced by NaN, `+inf` or `-inf`;
//! - `tiny_normal_inputs` (tanh): normal `x` of both signs with `|x|` in `[2^-126, 2^-63)`,
//!   whose square underflows (on this CPU a multiplication or division whose result is
//!   subnormal or underflows is the slow case, not a subnormal operand; tanh keeps such
//!   arguments off its formula).
//!
//! The target is at most 3x the time of `typical` for every input; the measured ratios are
//! in the README's "Benchmarks" section.
//!
//! Run:
//! - whole file, short: `cargo bench --bench adversarial -- --quick`
//! - one group: `cargo bench --bench adversarial -- adversarial_sigmoid`
//!
//! HTML report: `target/criterion/report/index.html` (under `$CARGO_TARGET_DIR` if set).
//!
//! Adding a function (softmax, ...) is one more entry in `functions()`.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use simd_activations::Kernels;

/// A kernel of the crate, run through a [`Kernels`] handle.
type Kernel = fn(&Kernels, &[f32], &mut [f32]);
/// A named input generator.
type Input = (&'static str, fn(usize) -> Vec<f32>);

const SIZES: &[usize] = &[4096, 262_144];

const TYPICAL: Input = ("typical", support::typical);
const SUBNORMAL_OUTPUTS: Input = ("subnormal_outputs", support::subnormal_outputs);
const SUBNORMAL_INPUTS: Input = ("subnormal_inputs", support::subnormal_inputs);
const NAN_INF_LACED: Input = ("nan_inf_laced", support::nan_inf_laced);
const TINY_NORMAL_INPUTS: Input = ("tiny_normal_inputs", tiny_normal_inputs);

/// Normal inputs of both signs with `|x|` in `[2^-126, 2^-63)`: `x * x` underflows.
fn tiny_normal_inputs(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let h = (i as u32).wrapping_mul(2_654_435_761);
            let biased_exponent = 1 + (h >> 8) % 63; // 2^-126 ..= 2^-64
            let v = f32::from_bits(biased_exponent << 23 | (h & 0x007F_FFFF));
            if i % 2 == 0 { v } else { -v }
        })
        .collect()
}

/// One criterion group: a function and the inputs it is tried on (`typical` first).
struct Function {
    name: &'static str,
    kernel: Kernel,
    inputs: &'static [Input],
    sizes: &'static [usize],
}

fn functions() -> Vec<Function> {
    vec![
        Function {
            name: "exp",
            kernel: |k, x, y| k.exp(x, y).unwrap(),
            inputs: &[TYPICAL, SUBNORMAL_OUTPUTS, SUBNORMAL_INPUTS, NAN_INF_LACED],
            sizes: SIZES,
        },
        Function {
            name: "sigmoid",
            kernel: |k, x, y| k.sigmoid(x, y).unwrap(),
            inputs: &[TYPICAL, SUBNORMAL_OUTPUTS, SUBNORMAL_INPUTS, NAN_INF_LACED],
            sizes: SIZES,
        },
        Function {
            name: "tanh",
            kernel: |k, x, y| k.tanh(x, y).unwrap(),
            inputs: &[TYPICAL, SUBNORMAL_INPUTS, NAN_INF_LACED, TINY_NORMAL_INPUTS],
            sizes: SIZES,
        },
    ]
}

fn bench_function(c: &mut Criterion, f: &Function) {
    let k = Kernels::new().sequential();
    let mut group = c.benchmark_group(format!("adversarial_{}", f.name));
    for &n in f.sizes {
        group.throughput(Throughput::Elements(n as u64));
        let mut y = vec![0.0_f32; n];
        for &(input, make) in f.inputs {
            let x = make(n);
            group.bench_function(BenchmarkId::new(input, n), |b| {
                b.iter(|| (f.kernel)(&k, black_box(&x), black_box(&mut y)))
            });
        }
    }
    group.finish();
}

fn adversarial(c: &mut Criterion) {
    for f in functions() {
        bench_function(c, &f);
    }
}

criterion_group! {
    name = benches;
    config = support::criterion_config();
    targets = adversarial
}
criterion_main!(benches);
