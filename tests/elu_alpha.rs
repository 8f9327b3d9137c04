//! ELU with alphas other than the default, which the exhaustive proof (`tests/exhaustive.rs`,
//! default alpha 1) does not cover: every 256th bit pattern of the negative floats (all
//! binades, subnormals, `-inf` and NaNs included), every bit pattern of `[-17.6, -16.9]`
//! (where `expm1` reaches -1) and of `[-2^-24, -2^-26]` (where the second path starts), and a
//! million random floats of both signs, for a set of alphas of both signs, tiny to huge, on
//! every backend: within [`Activation::ulp_bound`] (3 ULP for any alpha but 1) of the `f64`
//! reference, no NaN mismatch; and the gradient (`dy = 1`) within its bound on the same inputs.
//! Run with `--nocapture` to see the rows. `SA_SAMPLE_DIVISOR=k` (the emulated aarch64 step)
//! takes every `k`-th of those inputs.
//!
//! `cargo test --release --test elu_alpha`

mod common;

use common::{Pass, Rng};
use simd_activations::Activation;
use simd_activations::accuracy::Inputs;

/// The alphas: PyTorch's default 1, the usual others, both signs, 0, tiny and huge ones.
const ALPHAS: [f32; 14] = [
    1.0,
    0.1,
    0.5,
    1.5,
    2.0,
    1e-3,
    10.0,
    -1.0,
    -0.25,
    0.0,
    0.999_999_94,
    1.000_000_1,
    1e-30,
    3e38,
];

fn inputs() -> Vec<f32> {
    let k = common::sample_divisor();
    let mut v: Vec<f32> = (0x8000_0000_u32..=0xFFFF_FFFF)
        .step_by(256 * k)
        .map(f32::from_bits)
        .collect();
    let range = |lo: f32, hi: f32| (hi.to_bits()..=lo.to_bits()).step_by(k).map(f32::from_bits);
    v.extend(range(-17.6, -16.9));
    v.extend(range(-(2.0f32.powi(-24)), -(2.0f32.powi(-26))));
    let mut rng = Rng(0xE1u64 << 40 | 0xA1FA);
    v.extend((0..1_000_000 / k).map(|_| f32::from_bits(rng.next_u64() as u32)));
    v.extend([f32::NEG_INFINITY, f32::INFINITY, -0.0, 0.0]);
    v
}

#[test]
fn elu_is_within_its_bound_for_many_alphas() {
    let x = inputs();
    assert!(x.len() > 9_000_000 / common::sample_divisor());
    let mut failures = Vec::new();
    for alpha in ALPHAS {
        let act = Activation::Elu { alpha };
        assert_eq!(act.ulp_bound(), if alpha == 1.0 { 2 } else { 3 });
        println!("{act}:");
        failures.extend(common::prove(act, Pass::Forward, Inputs::Values(&x)));
    }
    common::assert_no_failures(&failures);
}

#[test]
fn elus_gradient_is_within_its_bound_for_many_alphas() {
    let x = inputs();
    let mut failures = Vec::new();
    for alpha in ALPHAS {
        let act = Activation::Elu { alpha };
        println!("{act}:");
        failures.extend(common::prove(act, Pass::Backward, Inputs::Values(&x)));
    }
    common::assert_no_failures(&failures);
}
