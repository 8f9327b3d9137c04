//! Inputs and baselines shared by the criterion benches (`benches/`) and the report example
//! (`examples/report.rs`, which includes this file by path), so that both measure the same
//! workloads under the same names: the inputs, [`Function`] (every activation of the registry,
//! then PReLU, with its kernel, reference, naive loop and `wide` baseline), the naive loops the
//! registry does not generate (PReLU, softmax, log-softmax) and the criterion settings.
#![allow(dead_code)] // each user takes the parts it needs

use std::hint::black_box;

use simd_activations::{Activation, Kernels, reference};

/// Deterministic inputs evenly spread over `[lo, hi]`, shuffled by a fixed stride so that
/// neighbouring elements are unrelated (no branch or cache pattern to exploit).
pub fn uniform(n: usize, lo: f32, hi: f32) -> Vec<f32> {
    // A stride coprime with n visits every index once.
    let mut stride = (n as f64 * 0.618_033_988_7) as usize | 1;
    while gcd(stride, n.max(1)) != 1 {
        stride += 2;
    }
    let step = (f64::from(hi) - f64::from(lo)) / (n.max(2) - 1) as f64;
    (0..n)
        .map(|i| (f64::from(lo) + ((i * stride) % n) as f64 * step) as f32)
        .collect()
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The typical input range of the benches: `[-8, 8]`.
pub fn typical(n: usize) -> Vec<f32> {
    uniform(n, -8.0, 8.0)
}

/// Inputs whose exp / sigmoid is subnormal: `[-103, -88]`.
pub fn subnormal_outputs(n: usize) -> Vec<f32> {
    uniform(n, -103.0, -88.0)
}

/// Subnormal inputs of both signs.
pub fn subnormal_inputs(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let v = f32::from_bits(1 + (i as u32).wrapping_mul(2_654_435_761) % 0x007F_FFFF);
            if i % 2 == 0 { v } else { -v }
        })
        .collect()
}

/// Typical inputs with one in eight replaced by NaN, `+inf` or `-inf`.
pub fn nan_inf_laced(n: usize) -> Vec<f32> {
    let mut x = typical(n);
    let specials = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
    for (k, v) in x.iter_mut().step_by(8).enumerate() {
        *v = specials[k % 3];
    }
    x
}

/// The sweep of the accuracy columns: `points` evenly spaced values over `[-110, 110]`, plus
/// bit patterns of both signs up to `2^-10` with a stride that visits every binade.
pub fn accuracy_sweep(points: usize) -> Vec<f32> {
    let mut x: Vec<f32> = (0..points)
        .map(|i| (-110.0 + 220.0 * i as f64 / (points - 1) as f64) as f32)
        .collect();
    let top = (2.0_f32).powi(-10).to_bits();
    let mut b = 0;
    while b <= top {
        x.push(f32::from_bits(b));
        x.push(-f32::from_bits(b));
        b += 4099;
    }
    x.extend([
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
    ]);
    x
}

/// The loops a user would write with `std` that the registry does not generate: PReLU, softmax
/// and log-softmax. (The naive loop of every elementwise activation is
/// `simd_activations::naive::activate`, run through [`Function::naive`].)
pub mod naive {
    use super::black_box;

    pub fn prelu(x: &[f32], y: &mut [f32], slopes: &[f32]) {
        for (i, (y, &x)) in y.iter_mut().zip(x).enumerate() {
            let a = slopes[i % slopes.len()];
            *y = if x < 0.0 { a * x } else { x };
        }
        black_box(y);
    }
    /// Softmax over rows of `cols`: max, exp, sum, divide, one row at a time.
    pub fn softmax(x: &[f32], y: &mut [f32], cols: usize) {
        for (xr, yr) in x.chunks_exact(cols).zip(y.chunks_exact_mut(cols)) {
            let m = xr.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0_f32;
            for (y, &x) in yr.iter_mut().zip(xr) {
                let e = (x - m).exp();
                *y = e;
                sum += e;
            }
            for y in yr.iter_mut() {
                *y /= sum;
            }
        }
        black_box(y);
    }
    /// Log-softmax over rows of `cols`: max, exp, sum, log, subtract, one row at a time.
    pub fn log_softmax(x: &[f32], y: &mut [f32], cols: usize) {
        for (xr, yr) in x.chunks_exact(cols).zip(y.chunks_exact_mut(cols)) {
            let m = xr.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let sum: f32 = xr.iter().map(|&x| (x - m).exp()).sum();
            let log_sum = sum.ln();
            for (y, &x) in yr.iter_mut().zip(xr) {
                *y = (x - m) - log_sum;
            }
        }
        black_box(y);
    }
}

/// The first steps of the unfused sequences the fused kernels replace (`benches/fused.rs`,
/// `examples/fused_speed.rs`): what a user without them calls before or after the activation.
pub mod unfused {
    /// The bias repeated to a length that is a multiple of its own (and at least 1024), built
    /// once outside the timed loop, so that [`add_bias`] runs as fast vectorized slices for
    /// any channel count (per-row slices of 1 or 3 channels would not vectorize).
    pub fn tiled_bias(bias: &[f32]) -> Vec<f32> {
        let reps = 1024_usize.div_ceil(bias.len());
        bias.repeat(reps)
    }

    /// `y[i] = x[i] + bias[i % C]` with `tiled` from [`tiled_bias`] (`x.len()` a multiple of C).
    pub fn add_bias(x: &[f32], tiled: &[f32], y: &mut [f32]) {
        for (y, x) in y.chunks_mut(tiled.len()).zip(x.chunks(tiled.len())) {
            for ((y, x), b) in y.iter_mut().zip(x).zip(tiled) {
                *y = x + b;
            }
        }
    }

    /// `y[i] *= up[i]`.
    pub fn mul(y: &mut [f32], up: &[f32]) {
        for (y, u) in y.iter_mut().zip(up) {
            *y *= u;
        }
    }
}

/// PReLU's slopes in the benches and the report: four channels, channels-last (`prelu(C=4)`).
pub const SLOPES: [f32; 4] = [0.1, 0.2, 0.3, 0.4];

/// A plain slice function (naive loop, `wide`).
pub type Plain = fn(&[f32], &mut [f32]);

/// An elementwise function the benches and the report measure: every activation of the
/// registry (`Activation::ALL`, parameters at their defaults), then PReLU. A new activation in
/// the registry shows up here, and so in every bench and table, without an edit.
#[derive(Clone, Copy, Debug)]
pub enum Function {
    /// An activation of the registry.
    Activation(Activation),
    /// PReLU with [`SLOPES`]: not in the registry (its parameter is a slice).
    Prelu,
}

impl Function {
    /// `Activation::ALL` in order, then PReLU.
    pub fn all() -> Vec<Function> {
        Activation::ALL
            .iter()
            .map(|&a| Function::Activation(a))
            .chain([Function::Prelu])
            .collect()
    }

    /// The name of the free function (`leaky_relu`, `prelu`): the criterion group.
    pub fn name(self) -> &'static str {
        match self {
            Function::Activation(a) => a.name(),
            Function::Prelu => "prelu",
        }
    }

    /// The name with its parameters (`leaky_relu(0.01)`, `prelu(C=4)`): the report's rows.
    pub fn label(self) -> String {
        match self {
            Function::Activation(a) => a.to_string(),
            Function::Prelu => format!("prelu(C={})", SLOPES.len()),
        }
    }

    /// The crate's kernel through the handle `k` (`Kernels::activate`, `Kernels::prelu`).
    pub fn run(self, k: &Kernels, x: &[f32], y: &mut [f32]) {
        match self {
            Function::Activation(a) => k.activate(a, x, y).unwrap(),
            Function::Prelu => k.prelu(x, y, &SLOPES).unwrap(),
        }
    }

    /// The crate's in-place kernel (`Kernels::activate_inplace`, `Kernels::prelu_inplace`).
    pub fn run_inplace(self, k: &Kernels, x: &mut [f32]) {
        match self {
            Function::Activation(a) => k.activate_inplace(a, x).unwrap(),
            Function::Prelu => k.prelu_inplace(x, &SLOPES).unwrap(),
        }
    }

    /// `simd_activations::reference` (`f64` math rounded to `f32`).
    pub fn reference(self, x: &[f32], y: &mut [f32]) {
        match self {
            Function::Activation(a) => reference::activate(a, x, y).unwrap(),
            Function::Prelu => reference::prelu(x, y, &SLOPES).unwrap(),
        }
    }

    /// The naive `std` loop (`simd_activations::naive::activate`, [`naive::prelu`]).
    pub fn naive(self, x: &[f32], y: &mut [f32]) {
        match self {
            Function::Activation(a) => simd_activations::naive::activate(a, x, y),
            Function::Prelu => naive::prelu(x, y, &SLOPES),
        }
        black_box(y);
    }

    /// The `wide` baseline, where `wide` has the function.
    pub fn wide(self) -> Option<Plain> {
        wide_f32x8::by_name(self.name())
    }
}

/// `wide`'s 8-lane functions: the baseline of a user who vectorizes by hand (sigmoid is built
/// from wide's `exp`: wide has none).
pub mod wide_f32x8 {
    use wide::f32x8;

    fn map(x: &[f32], y: &mut [f32], f: impl Fn(f32x8) -> f32x8) {
        let mut xc = x.chunks_exact(8);
        let mut yc = y.chunks_exact_mut(8);
        for (x, y) in (&mut xc).zip(&mut yc) {
            let v = f32x8::from(<[f32; 8]>::try_from(x).unwrap());
            y.copy_from_slice(&f(v).to_array());
        }
        let (xt, yt) = (xc.remainder(), yc.into_remainder());
        if !xt.is_empty() {
            let mut buf = [0.0; 8];
            buf[..xt.len()].copy_from_slice(xt);
            let r = f(f32x8::from(buf)).to_array();
            yt.copy_from_slice(&r[..yt.len()]);
        }
    }
    pub fn exp(x: &[f32], y: &mut [f32]) {
        map(x, y, |v| v.exp());
    }
    pub fn tanh(x: &[f32], y: &mut [f32]) {
        map(x, y, |v| v.tanh());
    }
    pub fn sigmoid(x: &[f32], y: &mut [f32]) {
        map(x, y, |v| f32x8::ONE / (f32x8::ONE + (-v).exp()));
    }

    /// The `wide` function of the activation called `name` (its `Activation::name`), if any:
    /// the one table by name in the benches.
    pub fn by_name(name: &str) -> Option<super::Plain> {
        match name {
            "exp" => Some(exp),
            "sigmoid" => Some(sigmoid),
            "tanh" => Some(tanh),
            _ => None,
        }
    }
}

/// The criterion settings of every bench file: short runs, so that the whole suite takes a few
/// minutes on two cores (and about a minute with `--quick`); 5,000 bootstrap resamples instead
/// of 100,000, which made drawing the HTML plots take 2.5 s per benchmark. Command-line options
/// (`--sample-size`, `--measurement-time`, ...) override them.
pub fn criterion_config() -> criterion::Criterion {
    criterion::Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1))
        .nresamples(5_000)
}

/// criterion's `main` running `$targets` with [`criterion_config`], the one configuration of
/// every bench file.
#[allow(unused_macros)] // the report example includes this file too
macro_rules! bench_main {
    ($($targets:ident),+) => {
        criterion::criterion_group! {
            name = benches;
            config = support::criterion_config();
            targets = $($targets),+
        }
        criterion::criterion_main!(benches);
    };
}
#[allow(unused_imports)] // the report example includes this file too
pub(crate) use bench_main;
