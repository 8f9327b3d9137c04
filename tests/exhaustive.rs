//! The accuracy proof: every elementwise activation ([`Activation::ALL`]) and its gradient
//! (with `dy = 1`) on every backend this CPU supports, against the f64 reference and within
//! its own bound ([`Activation::ulp_bound`], [`Activation::backward_ulp_bound`] with its margin
//! where the derivative crosses zero; 0 for the exact ones).
//!
//! With `SA_PROOF=full` in the environment the inputs are all 2^32 f32 bit patterns: the
//! exhaustive proof (7 times the sample's time for the functions, 31 times for the gradients;
//! run before a change to a kernel lands, README section Development):
//!
//! `SA_PROOF=full cargo test --release --test exhaustive -- --nocapture`
//!
//! With `SA_PROOF=every:N` (`N` odd) the inputs are every `N`-th bit pattern, for the
//! functions and the gradients alike: the coarser sample that proves the NEON backend under
//! emulation in `.ci/aarch64`.
//!
//! Without it (`cargo test --release`) they are every [`SAMPLE_STEP`]-th bit pattern (every
//! [`GRADIENT_SAMPLE_STEP`]-th for the gradients), a
//! uniform sample of every binade of both signs, which keeps the test suite within a few
//! minutes as activations are added. `--nocapture` prints the table that the README's accuracy
//! section reproduces (from the full proof). An activation added to the registry is proven here
//! without any change to this file. The transcendental ones are one test each so that they run
//! side by side; the exact ones share one.

mod common;

use common::Pass;
use simd_activations::accuracy;
use simd_activations::accuracy::Inputs;
use simd_activations::{Activation, Kernels, reference};

/// The sample's step: odd, so that it reaches every residue of the low mantissa bits.
const SAMPLE_STEP: u64 = 7;

/// The sample's step for the gradients: larger, to keep `cargo test --release` short.
const GRADIENT_SAMPLE_STEP: u64 = 31;

/// Every f32 with `SA_PROOF=full`; every `N`-th for functions and gradients alike with
/// `SA_PROOF=every:N` (`N` odd, so that the sample reaches every residue of the low mantissa
/// bits: the emulated aarch64 step of `.ci/aarch64` proves NEON on `every:511`); else every
/// `step`-th.
fn inputs(step: u64) -> Inputs<'static> {
    match std::env::var("SA_PROOF").as_deref() {
        Ok("full") => Inputs::Bits(0..1 << 32),
        Ok(other) => {
            let n = other
                .strip_prefix("every:")
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|n| n % 2 == 1);
            let Some(n) = n else {
                panic!("SA_PROOF={other}: the values are `full` and `every:N` with N odd")
            };
            println!("every {n}-th f32 (SA_PROOF={other})");
            Inputs::Strided(0..1 << 32, n)
        }
        Err(_) => {
            println!("every {step}-th f32 (SA_PROOF=full: all 2^32)");
            Inputs::Strided(0..1 << 32, step)
        }
    }
}

/// Proves the kernel `pass` names of every activation whose name `pick` accepts.
fn prove_all(pass: Pass, pick: impl Fn(Activation) -> bool) {
    let step = match pass {
        Pass::Forward => SAMPLE_STEP,
        Pass::Backward => GRADIENT_SAMPLE_STEP,
    };
    let mut failures = Vec::new();
    for &act in Activation::ALL.iter().filter(|&&a| pick(a)) {
        failures.extend(common::prove(act, pass, inputs(step)));
    }
    common::assert_no_failures(&failures);
}

/// One test per transcendental activation, so that they run side by side, and one for the
/// others.
macro_rules! prove_each {
    ($pass:expr, $others:ident; $($test:ident: $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                prove_all($pass, |a| a.name() == $name);
            }
        )*

        #[test]
        fn $others() {
            prove_all($pass, |a| ![$($name),*].contains(&a.name()));
        }
    };
}

prove_each! {
    Pass::Forward, every_other_activation_on_every_input;
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

prove_each! {
    Pass::Backward, every_other_gradient_on_every_input;
    exp_gradient_on_every_input: "exp",
    sigmoid_gradient_on_every_input: "sigmoid",
    tanh_gradient_on_every_input: "tanh",
    silu_gradient_on_every_input: "silu",
    quick_gelu_gradient_on_every_input: "quick_gelu",
    gelu_gradient_on_every_input: "gelu",
    gelu_tanh_gradient_on_every_input: "gelu_tanh",
    mish_gradient_on_every_input: "mish",
    elu_gradient_on_every_input: "elu",
    selu_gradient_on_every_input: "selu",
    softplus_gradient_on_every_input: "softplus",
    log_sigmoid_gradient_on_every_input: "log_sigmoid",
}

/// A `Kernels` method computing a gradient from the saved output.
type GradientFromOutput =
    fn(&Kernels, &[f32], &[f32], &mut [f32]) -> Result<(), simd_activations::Error>;

/// Proves a gradient from the saved output (`dy = 1`) on every backend within 2 ULP of its
/// expression evaluated exactly on the given `y`.
fn prove_from_output(name: &str, kernel: GradientFromOutput, reference: fn(f32, f32) -> f32) {
    let (backends, handles): (Vec<_>, Vec<Kernels>) = common::backends().into_iter().unzip();
    let kernels: Vec<_> = handles
        .iter()
        .map(|k| move |y: &[f32], dx: &mut [f32]| kernel(k, y, &vec![1.0; y.len()], dx).unwrap())
        .collect();
    let reports = accuracy::measure(
        inputs(GRADIENT_SAMPLE_STEP),
        &kernels,
        |y| reference(y, 1.0),
        FROM_OUTPUT_BOUND,
    );
    let mut failures = Vec::new();
    for (b, r) in backends.iter().zip(&reports) {
        println!(
            "| {name} | {b} | {FROM_OUTPUT_BOUND} | {} | {:e} (`{:#010x}`) | {:.4}% |",
            r.max_ulp,
            r.worst_input,
            r.worst_input.to_bits(),
            100.0 * r.exact_share()
        );
        if !r.passed() {
            failures.push(format!("{name} on {b}: {r:?}"));
        }
    }
    common::assert_no_failures(&failures);
}

/// The bound of the gradients from the saved output.
const FROM_OUTPUT_BOUND: u32 = 2;

#[test]
fn sigmoid_gradient_from_output_on_every_input() {
    prove_from_output(
        "sigmoid_backward_from_output",
        Kernels::sigmoid_backward_from_output,
        reference::sigmoid_backward_from_output_one,
    );
}

#[test]
fn tanh_gradient_from_output_on_every_input() {
    prove_from_output(
        "tanh_backward_from_output",
        Kernels::tanh_backward_from_output,
        reference::tanh_backward_from_output_one,
    );
}
