//! The accuracy proof: every elementwise activation ([`Activation::ALL`]) on every backend this
//! CPU supports, against the f64 reference and within its own bound
//! ([`Activation::ulp_bound`]; 0 for the exact ones).
//!
//! With `SA_PROOF=full` in the environment the inputs are all 2^32 f32 bit patterns: the
//! exhaustive proof, which `.ci/run` runs as a step of its own (7 times the sample's time):
//!
//! `SA_PROOF=full cargo test --release --test exhaustive -- --nocapture`
//!
//! Without it (`cargo test --release`) they are every [`SAMPLE_STEP`]-th bit pattern, a
//! uniform sample of every binade of both signs, which keeps the test suite within a few
//! minutes as activations are added. `--nocapture` prints the table that the README's accuracy
//! section reproduces (from the full proof). An activation added to the registry is proven here
//! without any change to this file. The transcendental ones are one test each so that they run
//! side by side; the exact ones share one.

mod common;

use simd_activations::Activation;
use simd_activations::accuracy::Inputs;

/// The sample's step: odd, so that it reaches every residue of the low mantissa bits.
const SAMPLE_STEP: u64 = 7;

/// Every f32 with `SA_PROOF=full`, else every `SAMPLE_STEP`-th.
fn inputs() -> Inputs<'static> {
    match std::env::var("SA_PROOF").as_deref() {
        Ok("full") => Inputs::Bits(0..1 << 32),
        Ok(other) => panic!("SA_PROOF={other}: the only value is `full`"),
        Err(_) => {
            println!("every {SAMPLE_STEP}th f32 (SA_PROOF=full: all 2^32)");
            Inputs::Strided(0..1 << 32, SAMPLE_STEP)
        }
    }
}

/// Proves every activation whose name `pick` accepts.
fn prove_all(pick: impl Fn(Activation) -> bool) {
    let mut failures = Vec::new();
    for &act in Activation::ALL.iter().filter(|&&a| pick(a)) {
        failures.extend(common::prove(act, inputs()));
    }
    common::assert_no_failures(&failures);
}

/// One test per transcendental activation, so that they run side by side.
macro_rules! prove_each {
    ($($test:ident: $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                prove_all(|a| a.name() == $name);
            }
        )*

        #[test]
        fn every_other_activation_on_every_input() {
            prove_all(|a| ![$($name),*].contains(&a.name()));
        }
    };
}

prove_each! {
    exp_on_every_input: "exp",
    sigmoid_on_every_input: "sigmoid",
    tanh_on_every_input: "tanh",
    silu_on_every_input: "silu",
    quick_gelu_on_every_input: "quick_gelu",
    gelu_on_every_input: "gelu",
    gelu_tanh_on_every_input: "gelu_tanh",
    mish_on_every_input: "mish",
    elu_on_every_input: "elu",
    selu_on_every_input: "selu",
    softplus_on_every_input: "softplus",
    log_sigmoid_on_every_input: "log_sigmoid",
}
