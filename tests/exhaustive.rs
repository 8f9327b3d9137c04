//! The exhaustive accuracy proof: every elementwise activation ([`Activation::ALL`]) on every
//! one of the 2^32 f32 bit patterns, on every backend this CPU supports, against the f64
//! reference and within its own bound ([`Activation::ulp_bound`]; 0 for the exact ones).
//!
//! An activation added to the registry is proven here without any change to this file. The
//! transcendental ones are one test each so that they run side by side; the rest share one.
//! Run with `--nocapture` to see the table that the README's accuracy section reproduces:
//!
//! `cargo test --release --test exhaustive -- --nocapture`

mod common;

use simd_activations::Activation;
use simd_activations::accuracy::Inputs;

const EVERY_F32: Inputs<'static> = Inputs::Bits(0..1 << 32);

/// Proves every activation whose name `pick` accepts.
fn prove_all(pick: impl Fn(&str) -> bool) {
    let mut failures = Vec::new();
    for &act in Activation::ALL.iter().filter(|a| pick(a.name())) {
        failures.extend(common::prove(act, EVERY_F32));
    }
    common::assert_no_failures(&failures);
}

#[test]
fn exp_on_every_input() {
    prove_all(|n| n == "exp");
}

#[test]
fn sigmoid_on_every_input() {
    prove_all(|n| n == "sigmoid");
}

#[test]
fn tanh_on_every_input() {
    prove_all(|n| n == "tanh");
}

#[test]
fn every_other_activation_on_every_input() {
    prove_all(|n| !["exp", "sigmoid", "tanh"].contains(&n));
}
