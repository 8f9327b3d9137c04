//! Adversarial inputs: does a kernel slow down on inputs that hit its special paths?
//!
//! One criterion group per activation of the registry (`Activation::ALL`: `adversarial_exp`,
//! `adversarial_sigmoid`, `adversarial_tanh`, `adversarial_relu`, `adversarial_leaky_relu`,
//! `adversarial_hard_sigmoid`, `adversarial_hard_swish`, ...), on the best backend of this CPU,
//! single thread (`Kernels::new().sequential()`), at 4 Ki and 256 Ki elements,
//! `Throughput::Elements`. Every group tries every input; benchmark ids are
//! `<group>/<input>/<elements>`:
//! - `typical`: uniform in `[-8, 8]` (the baseline of the ratios);
//! - `subnormal_outputs`: `x` in `[-103, -88]`, where exp and sigmoid are subnormal
//!   (gradual underflow; tanh has no such range: its subnormal outputs are its subnormal
//!   inputs);
//! - `subnormal_inputs`: subnormal `x` of both signs;
//! - `nan_inf_laced`: typical inputs with one in eight replaced by NaN, `+inf` or `-inf`;
//! - `tiny_normal_inputs`: normal `x` of both signs with `|x|` in `[2^-126, 2^-63)`, whose
//!   square (and `alpha * x`) underflows.
//!
//! Where the slow cases are depends on the CPU: on AMD Zen 5 a multiplication or division whose
//! result is subnormal is slow, a subnormal operand is not; on the Intel Xeon (AVX-512) this
//! suite also ran on, subnormal operands were slow too. tanh keeps tiny and subnormal arguments
//! off its formula.
//!
//! The target is at most 3x the time of `typical` for every input; the measured ratios are
//! in the README's "Benchmarks" section.
//!
//! Run:
//! - whole file, short: `cargo bench --bench adversarial -- --quick`
//! - one group: `cargo bench --bench adversarial -- '^adversarial_sigmoid/'`
//!
//! HTML report: `target/criterion/report/index.html` (under `$CARGO_TARGET_DIR` if set).
//!
//! A new activation in the registry gets its group here without an edit;
//! a new adversarial input is one more entry in `INPUTS`.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use simd_activations::{Activation, Kernels};

const SIZES: &[usize] = &[4096, 262_144];

/// A named input generator.
type Input = (&'static str, fn(usize) -> Vec<f32>);

/// The inputs every group is tried on, `typical` (the baseline) first.
const INPUTS: &[Input] = &[
    ("typical", support::typical),
    ("subnormal_outputs", support::subnormal_outputs),
    ("subnormal_inputs", support::subnormal_inputs),
    ("nan_inf_laced", support::nan_inf_laced),
    ("tiny_normal_inputs", tiny_normal_inputs),
];

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

fn bench_activation(c: &mut Criterion, act: Activation) {
    let k = Kernels::new().sequential();
    let mut group = c.benchmark_group(format!("adversarial_{}", act.name()));
    for &n in SIZES {
        group.throughput(Throughput::Elements(n as u64));
        let mut y = vec![0.0_f32; n];
        for &(input, make) in INPUTS {
            let x = make(n);
            group.bench_function(BenchmarkId::new(input, n), |b| {
                b.iter(|| k.activate(act, black_box(&x), black_box(&mut y)).unwrap())
            });
        }
    }
    group.finish();
}

fn adversarial(c: &mut Criterion) {
    // The exact ones too: leaky_relu's product `alpha * x` is subnormal for subnormal and tiny
    // normal `x`, a slow case on some CPUs.
    for &act in Activation::ALL {
        bench_activation(c, act);
    }
}

support::bench_main!(adversarial);
