//! The dense accuracy sweep: more than 10^7 evenly spaced points over [-110, 110], bit patterns
//! of every binade between -2^-10 and 2^-10 (stride 4099 over the patterns, both signs), the
//! neighbourhoods of the thresholds (overflow, underflow, saturation), and every special value.
//!
//! Per backend: exp <= 1 ULP, sigmoid <= 2 ULP, tanh <= 2 ULP against the `f64` reference, with
//! no NaN mismatch. Avx2 and Avx512 give bit-identical results over the whole sweep for every
//! function. Run with `--nocapture` to see the largest error per function and backend:
//!
//! `cargo test --release --test accuracy_sweep -- --nocapture`

use std::sync::OnceLock;

use simd_activations::accuracy::{self, BoxedKernel, Report, SliceKernel};
use simd_activations::{Backend, Error, Kernels, reference, ulp};

/// Points evenly spaced over [-110, 110] (both ends included).
const DENSE_POINTS: usize = 10_000_001;
/// Stride over the bit patterns of [0, 2^-10]: small enough to visit every binade (2^23
/// patterns each) many times.
const TINY_STRIDE: usize = 4099;

fn special_values() -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7F80_0001), // signalling NaN
        f32::from_bits(0xFF80_0001),
        f32::from_bits(0x7FC1_2345), // quiet NaN with a payload
        f32::from_bits(0xFFFF_FFFF),
        f32::from_bits(0x7FBF_FFFF),
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(1),
        f32::from_bits(0x007F_FFFF),
        -f32::from_bits(0x007F_FFFF),
        f32::EPSILON,
        -f32::EPSILON,
        1.0,
        -1.0,
        0.5,
        -0.5,
        2.0,
        -2.0,
        88.72283,
        88.72284,
        89.0,
        -87.33655,
        -88.0,
        -100.0,
        -103.27893,
        -103.97208,
        -103.97209,
        -104.0,
        9.01,
        -9.01,
        1e-20,
        -1e-20,
        1e30,
        -1e30,
    ];
    // Every bit pattern within +-1000 of the places where the kernels change regime.
    let centres: [f32; 14] = [
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
        let top = 2.0f32.powi(-10).to_bits();
        let mut v = Vec::with_capacity(DENSE_POINTS + 2 * (top as usize / TINY_STRIDE) + 40_000);
        let step = 220.0 / (DENSE_POINTS - 1) as f64;
        v.extend((0..DENSE_POINTS).map(|i| (-110.0 + step * i as f64) as f32));
        for b in (0..=top).step_by(TINY_STRIDE).chain([top]) {
            let x = f32::from_bits(b);
            v.push(x);
            v.push(-x);
        }
        v.extend(special_values());
        v
    })
}

type Method = fn(&Kernels, &[f32], &mut [f32]) -> Result<(), Error>;

/// Measures one function on every supported backend over the sweep, prints a line per
/// backend and asserts the bound.
fn check(name: &str, method: Method, reference: fn(f32) -> f32, bound: u32) {
    let inputs = sweep();
    assert!(inputs.len() > DENSE_POINTS);
    let backends = Backend::supported();
    let handles: Vec<Kernels> = backends
        .iter()
        .map(|&b| Kernels::with_backend(b).unwrap().sequential())
        .collect();
    let closures: Vec<BoxedKernel<'_>> = handles
        .iter()
        .map(|&k| {
            Box::new(move |x: &[f32], y: &mut [f32]| method(&k, x, y).unwrap()) as BoxedKernel<'_>
        })
        .collect();
    let kernels: Vec<SliceKernel<'_>> = closures.iter().map(|c| &**c as SliceKernel<'_>).collect();
    let reports = accuracy::measure_inputs(inputs, &kernels, reference, bound);

    let mut failures = Vec::new();
    for ((backend, r), k) in backends.iter().zip(&reports).zip(&handles) {
        println!("{}", describe(name, *backend, bound, r));
        assert_eq!(r.inputs, inputs.len() as u64);
        if !r.passed() {
            let w = r.worst_input;
            let first_nan = r
                .first_nan_mismatch
                .map(|x| {
                    let mut y = [0.0];
                    method(k, &[x], &mut y).unwrap();
                    format!(
                        "x = {x:e} ({:#010x}): got {:e} ({:#010x}), expected {:e}",
                        x.to_bits(),
                        y[0],
                        y[0].to_bits(),
                        reference(x)
                    )
                })
                .unwrap_or_else(|| "none".into());
            let mut y = [0.0];
            method(k, &[w], &mut y).unwrap();
            failures.push(format!(
                "{name} on {backend}: {} inputs over {bound} ULP; worst x = {w:e} ({:#010x}): \
                 got {:e} ({:#010x}), expected {:e} ({:#010x}), {} ULP; {} NaN mismatches \
                 (first: {first_nan})",
                r.over_bound,
                w.to_bits(),
                y[0],
                y[0].to_bits(),
                reference(w),
                reference(w).to_bits(),
                r.max_ulp,
                r.nan_mismatches,
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn describe(name: &str, backend: Backend, bound: u32, r: &Report) -> String {
    format!(
        "{name:8} {backend:7} bound {bound} ULP: max {} ULP at x = {:e} ({:#010x}); \
         {} inputs, {:.4}% exact, histogram {:?}, over bound {}, NaN mismatches {}",
        r.max_ulp,
        r.worst_input,
        r.worst_input.to_bits(),
        r.inputs,
        100.0 * r.exact_share(),
        r.histogram,
        r.over_bound,
        r.nan_mismatches,
    )
}

#[test]
fn exp_is_within_1_ulp_over_the_sweep() {
    check("exp", Kernels::exp, reference::exp_one, 1);
}

#[test]
fn sigmoid_is_within_2_ulp_over_the_sweep() {
    check("sigmoid", Kernels::sigmoid, reference::sigmoid_one, 2);
}

#[test]
fn tanh_is_within_2_ulp_over_the_sweep() {
    check("tanh", Kernels::tanh, reference::tanh_one, 2);
}

/// A function under comparison, run on a handle.
type SliceFn<'a> = dyn Fn(&Kernels, &[f32], &mut [f32]) + 'a;

/// Runs `f` with the Avx2 and the Avx512 handle and compares every output bit pattern.
fn compare_avx2_avx512(name: &str, x: &[f32], f: impl Fn(&Kernels, &[f32], &mut [f32])) {
    // Sequential handles: this compares the kernels; threading is covered by differential.rs.
    let avx2 = Kernels::with_backend(Backend::Avx2).unwrap().sequential();
    let avx512 = Kernels::with_backend(Backend::Avx512).unwrap().sequential();
    let mut a = vec![0.0_f32; x.len()];
    let mut b = vec![0.0_f32; x.len()];
    f(&avx2, x, &mut a);
    f(&avx512, x, &mut b);
    let differ = |(p, q): (&f32, &f32)| p.to_bits() != q.to_bits();
    let count = a.iter().zip(&b).filter(|&pq| differ(pq)).count();
    if let Some(i) = a.iter().zip(&b).position(differ) {
        panic!(
            "{name}: Avx2 and Avx512 differ on {count} of {} inputs; first at x = {:e} \
             ({:#010x}): avx2 {:e} ({:#010x}), avx512 {:e} ({:#010x}), {} ULP apart",
            x.len(),
            x[i],
            x[i].to_bits(),
            a[i],
            a[i].to_bits(),
            b[i],
            b[i].to_bits(),
            ulp::distance(a[i], b[i]),
        );
    }
    println!(
        "{name}: Avx2 and Avx512 bit-identical on {} inputs",
        x.len()
    );
}

#[test]
fn avx2_and_avx512_are_bit_identical_over_the_sweep() {
    for b in [Backend::Avx2, Backend::Avx512] {
        if !b.is_supported() {
            println!("NOTE: backend {b} is not supported on this CPU; comparison skipped");
            return;
        }
    }
    let x = sweep();
    let mut failures = Vec::new();
    let mut run = |name: &str, x: &[f32], f: &SliceFn<'_>| {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            compare_avx2_avx512(name, x, f)
        }));
        if let Err(p) = r {
            failures.push(
                p.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{name}: panicked")),
            );
        }
    };
    run("exp", x, &|k, x, y| k.exp(x, y).unwrap());
    run("sigmoid", x, &|k, x, y| k.sigmoid(x, y).unwrap());
    run("tanh", x, &|k, x, y| k.tanh(x, y).unwrap());
    run("relu", x, &|k, x, y| k.relu(x, y).unwrap());
    run("leaky_relu(0.01)", x, &|k, x, y| {
        k.leaky_relu(x, y, 0.01).unwrap()
    });
    run("leaky_relu(-1.5)", x, &|k, x, y| {
        k.leaky_relu(x, y, -1.5).unwrap()
    });
    // PReLU on the largest prefix that fits the shape.
    let slopes = [0.25_f32, -0.5, 0.0, 1.5, 0.01, 3.0, -0.0];
    let n = x.len() / slopes.len() * slopes.len();
    run("prelu, C = 7", &x[..n], &|k, x, y| {
        k.prelu(x, y, &slopes).unwrap()
    });
    let inner = 19;
    let n = x.len() / (slopes.len() * inner) * (slopes.len() * inner);
    run(
        "prelu_channels_first, C = 7, inner = 19",
        &x[..n],
        &|k, x, y| k.prelu_channels_first(x, y, &slopes, inner).unwrap(),
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
