//! The exhaustive accuracy proof: exp, sigmoid and tanh on every one of the 2^32 f32 bit
//! patterns, on every backend this CPU supports, against the f64 reference.
//!
//! Each function is one test (they run in parallel, and each sweep is itself parallel); on this
//! 2-core machine the three take about two minutes in release mode. Run with `--nocapture` to
//! see the table that the README's accuracy section reproduces:
//!
//! `cargo test --release --test exhaustive -- --nocapture`

use simd_activations::accuracy::{self, HISTOGRAM_BUCKETS, Report, SliceKernel};
use simd_activations::{Backend, Kernels, reference};

type Method = fn(&Kernels, &[f32], &mut [f32]) -> Result<(), simd_activations::Error>;

fn prove(name: &str, method: Method, reference: fn(f32) -> f32, bound: u32) {
    let backends = Backend::supported();
    let handles: Vec<Kernels> = backends
        .iter()
        .map(|&b| Kernels::with_backend(b).unwrap().sequential())
        .collect();
    let closures: Vec<accuracy::BoxedKernel<'_>> = handles
        .iter()
        .map(|&k| {
            Box::new(move |x: &[f32], y: &mut [f32]| method(&k, x, y).unwrap())
                as accuracy::BoxedKernel<'_>
        })
        .collect();
    let kernels: Vec<SliceKernel<'_>> = closures.iter().map(|c| &**c as SliceKernel<'_>).collect();
    let reports = accuracy::measure_bits(0..1 << 32, &kernels, reference, bound);

    let mut failures = Vec::new();
    for (backend, r) in backends.iter().zip(&reports) {
        println!("{}", table_row(name, *backend, bound, r));
        assert_eq!(r.inputs, 1 << 32);
        if !r.passed() {
            failures.push(format!(
                "{name} on {backend}: {} inputs over {bound} ULP (max {} ULP at {:e} = {:#010x}), \
                 {} NaN mismatches (first at {:?})",
                r.over_bound,
                r.max_ulp,
                r.worst_input,
                r.worst_input.to_bits(),
                r.nan_mismatches,
                r.first_nan_mismatch,
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `| function | backend | bound | max ULP | worst input | correctly rounded | 0 | 1 | 2 | 3+ |`
fn table_row(name: &str, backend: Backend, bound: u32, r: &Report) -> String {
    let h = &r.histogram;
    let beyond: u64 = h[3..HISTOGRAM_BUCKETS].iter().sum();
    format!(
        "| {name} | {backend} | {bound} | {} | {:e} (`{:#010x}`) | {:.4}% | {} | {} | {} | {beyond} |",
        r.max_ulp,
        r.worst_input,
        r.worst_input.to_bits(),
        100.0 * r.exact_share(),
        h[0],
        h[1],
        h[2],
    )
}

#[test]
fn exp_is_within_1_ulp_on_every_input() {
    prove("exp", Kernels::exp, reference::exp_one, 1);
}

#[test]
fn sigmoid_is_within_2_ulp_on_every_input() {
    prove("sigmoid", Kernels::sigmoid, reference::sigmoid_one, 2);
}

#[test]
fn tanh_is_within_2_ulp_on_every_input() {
    prove("tanh", Kernels::tanh, reference::tanh_one, 2);
}
