//! The dense accuracy sweep: more than 10^7 evenly spaced points over [-110, 110], bit patterns
//! of every binade between -2^-10 and 2^-10 (stride 4099 over the patterns, both signs), the
//! neighbourhoods of the thresholds (overflow, underflow, saturation, the hard functions'
//! corners), and every special value.
//!
//! Per backend, every elementwise activation of the registry ([`Activation::ALL`]) is within
//! its own bound ([`Activation::ulp_bound`]; 0: exact) of the `f64` reference, with no NaN
//! mismatch; an activation added to the registry is swept without any change here. Avx2 and
//! Avx512 give bit-identical results over the whole sweep for every activation (and Leaky ReLU
//! with a negative slope, and PReLU in both layouts). Run with `--nocapture` to see the largest
//! error per activation and backend (one README-style table row each):
//!
//! `cargo test --release --test accuracy_sweep -- --nocapture`
//!
//! `SA_SAMPLE_DIVISOR=k` (the emulated aarch64 step of CI) makes the dense part `k` times
//! sparser.

mod common;

use common::Pass;

use std::sync::OnceLock;

use simd_activations::accuracy::Inputs;
use simd_activations::{Activation, Kernels};

/// Points evenly spaced over [-110, 110] (both ends included).
const DENSE_POINTS: usize = 10_000_001;
/// Stride over the bit patterns of [0, 2^-10]: small enough to visit every binade (2^23
/// patterns each) many times.
const TINY_STRIDE: usize = 4099;

/// [`common::SPECIALS`], two more inputs, and every bit pattern within +-1000 of the places
/// where the kernels change regime.
fn special_values() -> Vec<f32> {
    let mut v = common::SPECIALS.to_vec();
    // A signalling NaN with the largest payload, and a value above exp's overflow threshold.
    v.extend([f32::from_bits(0x7FBF_FFFF), 89.0]);
    let centres: [f32; 16] = [
        88.72283,
        -87.33655,
        -88.72283,
        -103.27893,
        -103.97208,
        9.01,
        -9.01,
        0.625,
        -0.625,
        0.55,
        -0.55,
        1.0,
        2.0f32.powi(-12),
        -(2.0f32.powi(-12)),
        // The corners of hard sigmoid and hard swish.
        3.0,
        -3.0,
    ];
    for c in centres {
        let b = c.to_bits();
        v.extend((b - 1000..=b + 1000).map(f32::from_bits));
    }
    v
}

/// The whole sweep, built once and shared by the tests.
fn sweep() -> &'static [f32] {
    static SWEEP: OnceLock<Vec<f32>> = OnceLock::new();
    SWEEP.get_or_init(|| {
        // Smaller under emulation (`SA_SAMPLE_DIVISOR`); the special values stay whole.
        let k = common::sample_divisor();
        let (points, stride) = ((DENSE_POINTS - 1) / k + 1, TINY_STRIDE * k);
        let top = 2.0f32.powi(-10).to_bits();
        let mut v = Vec::with_capacity(points + 2 * (top as usize / stride) + 40_000);
        let step = 220.0 / (points - 1) as f64;
        v.extend((0..points).map(|i| (-110.0 + step * i as f64) as f32));
        for b in (0..=top).step_by(stride).chain([top]) {
            let x = f32::from_bits(b);
            v.push(x);
            v.push(-x);
        }
        v.extend(special_values());
        v
    })
}

#[test]
fn every_activation_is_within_its_bound_over_the_sweep() {
    let inputs = sweep();
    assert!(inputs.len() > DENSE_POINTS / common::sample_divisor());
    let mut failures = Vec::new();
    for &act in Activation::ALL {
        failures.extend(common::prove(act, Pass::Forward, Inputs::Values(inputs)));
    }
    common::assert_no_failures(&failures);
}

/// A function under comparison, run on a handle.
type SliceFn<'a> = dyn Fn(&Kernels, &[f32], &mut [f32]) + 'a;

#[test]
fn avx2_and_avx512_are_bit_identical_over_the_sweep() {
    // Sequential handles: this compares the kernels; threading is covered by differential.rs.
    let Some((avx2, avx512)) = common::avx2_and_avx512() else {
        return;
    };
    let x = sweep();
    let mut failures = Vec::new();
    let mut compare = |name: &str, x: &[f32], f: &SliceFn<'_>| {
        let mut a = vec![0.0_f32; x.len()];
        let mut b = vec![0.0_f32; x.len()];
        f(&avx2, x, &mut a);
        f(&avx512, x, &mut b);
        match common::first_bit_difference(x, &a, &b) {
            Some(d) => {
                let count = a
                    .iter()
                    .zip(&b)
                    .filter(|(p, q)| p.to_bits() != q.to_bits())
                    .count();
                failures.push(format!(
                    "{name}: Avx2 and Avx512 differ on {count} of {} inputs; first at {d}",
                    x.len()
                ));
            }
            None => println!(
                "{name}: Avx2 and Avx512 bit-identical on {} inputs",
                x.len()
            ),
        }
    };
    let negative_slope = Activation::LeakyRelu { alpha: -1.5 };
    for &act in Activation::ALL.iter().chain([&negative_slope]) {
        compare(&act.to_string(), x, &|k, x, y| {
            k.activate(act, x, y).unwrap()
        });
    }
    // PReLU on the largest prefix that fits the shape.
    let slopes = [0.25_f32, -0.5, 0.0, 1.5, 0.01, 3.0, -0.0];
    let n = x.len() / slopes.len() * slopes.len();
    compare("prelu, C = 7", &x[..n], &|k, x, y| {
        k.prelu(x, y, &slopes).unwrap()
    });
    let inner = 19;
    let n = x.len() / (slopes.len() * inner) * (slopes.len() * inner);
    compare(
        "prelu_channels_first, C = 7, inner = 19",
        &x[..n],
        &|k, x, y| k.prelu_channels_first(x, y, &slopes, inner).unwrap(),
    );
    common::assert_no_failures(&failures);
}
