//! Special values and the edges of every function's range, on every supported backend (with
//! automatic threading, sequential, and `parallel_threshold(1)`) and through the free functions
//! (`common::handles`).
//!
//! Every activation of the registry ([`Activation::ALL`], plus Leaky ReLU with slopes 0 and -2)
//! and PReLU (both layouts): NaN in gives NaN out, and with fixed bits (the input NaN quieted
//! for every activation with a nonzero bound; passed through unchanged by the ReLU family).
//! Then, per function: the ReLU family keeps `-0.0` and is exact on negatives; exp's overflow,
//! underflow and gradual-underflow range; sigmoid's limits, subnormal results and range
//! `[0, 1]`; tanh's limits, signed zeros, range `[-1, 1]`, oddness and tiny arguments; hard
//! sigmoid's and hard swish's limits (0 and `-0.0` from -3 down, 1 and `x` from 3 up), hard
//! sigmoid's range `[0, 1]` and hard swish's signed zeros; ELU's and SELU's limits (`-alpha`,
//! `-lambda alpha`), signed zeros and tiny inputs over many alphas; softplus's and
//! log-sigmoid's limits (`x` itself, 0, ln 2), gradual underflow, signs and mirror symmetry;
//! mixed vectors for the
//! kernels that take a second path per vector.
//!
//! Each special value is tried at every position of buffers of 37 and 48 elements, so that it
//! is seen in every lane of a full vector and in the masked tail; the other elements must not be
//! disturbed by it.
//!
//! `cargo test --release --test special_values`
//!
//! Emulated (`SA_SAMPLE_DIVISOR=k`, `.ci/aarch64`) the strided sweeps take every `k`-th of their
//! inputs.

mod common;

use common::Pass;

use simd_activations::accuracy::Inputs;
use simd_activations::{self as act, Activation, Kernels, reference, ulp};

// ---------------------------------------------------------------------------------------------
// What runs, and where
// ---------------------------------------------------------------------------------------------

/// A kernel under test: an activation of the registry, or PReLU with fixed slopes (not in the
/// registry: the slope depends on the element's index).
#[derive(Clone, Copy, Debug)]
enum Kernel {
    Act(Activation),
    /// Channels-last PReLU (`prelu`) with these slopes.
    Prelu(&'static [f32]),
    /// Channels-first PReLU with these slopes and this `inner`.
    PreluChannelsFirst(&'static [f32], usize),
}

const PRELU_SLOPES: &[f32] = &[0.25, 0.0, -2.0];

/// Every activation of the registry, Leaky ReLU with a zero and a negative slope, and PReLU in
/// both layouts.
fn kernels() -> Vec<Kernel> {
    Activation::ALL
        .iter()
        .copied()
        .chain([0.0, -2.0].map(|alpha| Activation::LeakyRelu { alpha }))
        .chain([0.5, -1.0, 0.0].map(|alpha| Activation::Elu { alpha }))
        .map(Kernel::Act)
        .chain([
            Kernel::Prelu(PRELU_SLOPES),
            Kernel::PreluChannelsFirst(PRELU_SLOPES, 2),
        ])
        .collect()
}

impl Kernel {
    /// The length of the shapes' period (buffers must be multiples of it).
    fn period(self) -> usize {
        match self {
            Kernel::Act(_) => 1,
            Kernel::Prelu(s) => s.len(),
            Kernel::PreluChannelsFirst(s, inner) => s.len() * inner,
        }
    }

    /// Runs the kernel on handle `k`, or through the free function if `k` is `None`.
    fn run(self, k: Option<&Kernels>, x: &[f32], y: &mut [f32]) {
        let r = match (self, k) {
            (Kernel::Act(a), k) => common::activate(k, a, x, y),
            (Kernel::Prelu(s), Some(k)) => k.prelu(x, y, s),
            (Kernel::Prelu(s), None) => act::prelu(x, y, s),
            (Kernel::PreluChannelsFirst(s, inner), Some(k)) => {
                k.prelu_channels_first(x, y, s, inner)
            }
            (Kernel::PreluChannelsFirst(s, inner), None) => {
                act::prelu_channels_first(x, y, s, inner)
            }
        };
        r.unwrap_or_else(|e| panic!("{self} on {} elements failed: {e}", x.len()));
    }

    /// The slope applied to element `i`, for the ReLU family (`None` for the others).
    fn slope_at(self, i: usize) -> Option<f32> {
        match self {
            Kernel::Act(Activation::Relu) => Some(0.0),
            Kernel::Act(Activation::LeakyRelu { alpha }) => Some(alpha),
            Kernel::Act(_) => None,
            Kernel::Prelu(s) => Some(s[i % s.len()]),
            Kernel::PreluChannelsFirst(s, inner) => Some(s[(i % (s.len() * inner)) / inner]),
        }
    }

    /// ReLU, Leaky ReLU and PReLU.
    fn is_relu_family(self) -> bool {
        self.slope_at(0).is_some()
    }

    /// The `f64` reference of element `i` of a tensor (the index matters for PReLU).
    fn reference_at(self, x: f32, i: usize) -> f32 {
        match (self, self.slope_at(i)) {
            (Kernel::Act(a), _) => reference::activate_one(a, x),
            (_, Some(slope)) => reference::leaky_relu_one(x, slope),
            (_, None) => unreachable!("PReLU has a slope everywhere"),
        }
    }
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kernel::Act(a) => write!(f, "{a}"),
            Kernel::Prelu(s) => write!(f, "prelu(slopes {s:?})"),
            Kernel::PreluChannelsFirst(s, inner) => {
                write!(f, "prelu_channels_first(slopes {s:?}, inner {inner})")
            }
        }
    }
}

fn eval(f: Kernel, k: Option<&Kernels>, x: &[f32]) -> Vec<f32> {
    let mut y = vec![f32::from_bits(0x7F7F_1234); x.len()];
    f.run(k, x, &mut y);
    y
}

fn bits(v: f32) -> String {
    format!("{v:e} ({:#010x})", v.to_bits())
}

/// Evaluates `v` at every position of buffers of 37 and 48 elements (rounded down to whole
/// periods) filled with 0.75, on every handle, and calls `check(what, index, got)` for each.
/// Also checks that the filler's outputs are the same as without `v`.
fn at_every_position(f: Kernel, v: f32, check: &dyn Fn(&str, usize, f32)) {
    at_every_position_among(f, 0.75, v, check);
}

/// [`at_every_position`] with another filler.
fn at_every_position_among(f: Kernel, filler: f32, v: f32, check: &dyn Fn(&str, usize, f32)) {
    for (name, k) in common::handles() {
        for len in [37, 48] {
            let len = len / f.period() * f.period();
            let clean = eval(f, k.as_ref(), &vec![filler; len]);
            for p in 0..len {
                let mut x = vec![filler; len];
                x[p] = v;
                let y = eval(f, k.as_ref(), &x);
                let what = format!(
                    "{f} on {name}, len {len}, x = {} at index {p} among {}",
                    bits(v),
                    bits(filler)
                );
                check(&what, p, y[p]);
                for (i, (a, b)) in y.iter().zip(&clean).enumerate() {
                    assert!(
                        i == p || a.to_bits() == b.to_bits(),
                        "{what}: neighbour {i} changed: {} instead of {}",
                        bits(*a),
                        bits(*b)
                    );
                }
            }
        }
    }
}

/// `got` is exactly `want` (same bits).
fn expect_bits(what: &str, got: f32, want: f32) {
    assert!(
        got.to_bits() == want.to_bits(),
        "{what}: got {}, expected exactly {}",
        bits(got),
        bits(want)
    );
}

/// `got` is within `bound` ULP of the reference of `x`.
fn expect_ulp(what: &str, x: f32, got: f32, want: f32, bound: u32) {
    let d = ulp::distance(got, want);
    assert!(
        d <= bound,
        "{what}: x = {}: got {}, expected {} (reference), {d} ULP > {bound}",
        bits(x),
        bits(got),
        bits(want)
    );
}

/// Every bit pattern with a stride over all 2^32, plus the infinities and zeros.
fn strided_all_bits(stride: usize) -> Vec<f32> {
    (0..=u32::MAX)
        .step_by(stride * common::sample_divisor())
        .map(f32::from_bits)
        .chain([f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0, 1.0, -1.0])
        .collect()
}

/// All `f32` in `[lo, hi]` (both of the same sign), every bit pattern.
fn every_float_between(lo: f32, hi: f32) -> Vec<f32> {
    let (a, b) = (lo.to_bits(), hi.to_bits());
    (a.min(b)..=a.max(b)).map(f32::from_bits).collect()
}

// ---------------------------------------------------------------------------------------------
// NaN
// ---------------------------------------------------------------------------------------------

/// The NaNs of [`common::SPECIALS`] (both signs, quiet and signalling, with payloads), and the
/// signalling NaN with the largest payload.
fn nans() -> Vec<f32> {
    common::SPECIALS
        .iter()
        .copied()
        .filter(|v| v.is_nan())
        .chain([f32::from_bits(0x7FBF_FFFF)])
        .collect()
}

#[test]
fn nan_in_gives_nan_out_for_every_function_on_every_backend() {
    for f in kernels() {
        for nan in nans() {
            at_every_position(f, nan, &|what, _, got| {
                assert!(
                    got.is_nan(),
                    "{what}: NaN in must give NaN out (never 0, never 1), got {}",
                    bits(got)
                );
            });
        }
    }
}

#[test]
fn nan_comes_out_with_fixed_bits_on_every_backend() {
    // Every activation with a nonzero bound returns the input NaN, quieted (its NaN lanes are
    // handled with bit operations); the ReLU family passes it through unchanged (`NaN < 0` is
    // false), signalling NaNs included. The bits are the same whatever the neighbours (ordinary
    // values, or lanes that take a second path) and the backend.
    for f in kernels() {
        let quieted = matches!(f, Kernel::Act(a) if a.ulp_bound() > 0);
        if !quieted && !f.is_relu_family() {
            continue;
        }
        for nan in nans() {
            let want = if quieted {
                f32::from_bits(nan.to_bits() | 0x0040_0000)
            } else {
                nan
            };
            for filler in [0.75, 0.0, -100.0] {
                at_every_position_among(f, filler, nan, &|what, _, got| {
                    expect_bits(what, got, want)
                });
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// exp
// ---------------------------------------------------------------------------------------------

#[test]
fn exp_limits_overflow_and_underflow() {
    let f = Kernel::Act(Activation::Exp);
    let bound = Activation::Exp.ulp_bound();
    let exact: &[(f32, f32)] = &[
        (f32::INFINITY, f32::INFINITY),
        (f32::NEG_INFINITY, 0.0),
        (88.72284, f32::INFINITY),
        (88.8, f32::INFINITY),
        (89.0, f32::INFINITY),
        (100.0, f32::INFINITY),
        (1e10, f32::INFINITY),
        (f32::MAX, f32::INFINITY),
        (-104.0, 0.0),
        (-105.0, 0.0),
        (-1000.0, 0.0),
        (f32::MIN, 0.0),
        (0.0, 1.0),
        (-0.0, 1.0),
        (f32::from_bits(1), 1.0),
        (-f32::from_bits(1), 1.0),
    ];
    for &(x, want) in exact {
        at_every_position(f, x, &|what, _, got| expect_bits(what, got, want));
    }
    // The largest input with a finite result, and the gradual-underflow landmarks.
    at_every_position(f, 88.72283, &|what, _, got| {
        assert!(got.is_finite(), "{what}: must be finite, got {}", bits(got));
        expect_ulp(what, 88.72283, got, reference::exp_one(88.72283), bound);
    });
    at_every_position(f, -100.0, &|what, _, got| {
        assert!(
            got > 0.0 && got < f32::MIN_POSITIVE,
            "{what}: exp(-100) must be subnormal (not flushed), got {}",
            bits(got)
        );
        expect_ulp(what, -100.0, got, reference::exp_one(-100.0), bound);
    });
    let x = -103.97208_f32;
    let want = reference::exp_one(x);
    at_every_position(f, x, &|what, _, got| {
        assert!(
            got.to_bits() <= 1,
            "{what}: must be the smallest subnormal or +0, got {}",
            bits(got)
        );
        expect_ulp(what, x, got, want, bound);
    });
}

#[test]
fn exp_is_within_its_bound_on_every_input_of_the_gradual_underflow_range() {
    // Every bit pattern from the smallest normal result (-87.33655) down to -104: the outputs
    // are subnormal or zero, and must be within the bound (1 ULP, of 2^-149) of the reference.
    let lo = (-87.33655_f32).to_bits() as u64;
    let hi = (-104.0_f32).to_bits() as u64;
    let failures = common::prove(Activation::Exp, Pass::Forward, Inputs::Bits(lo..hi + 1));
    common::assert_no_failures(&failures);
}

// ---------------------------------------------------------------------------------------------
// sigmoid
// ---------------------------------------------------------------------------------------------

#[test]
fn sigmoid_limits_and_zero() {
    let f = Kernel::Act(Activation::Sigmoid);
    for (x, want) in [
        (f32::INFINITY, 1.0),
        (f32::NEG_INFINITY, 0.0),
        (-0.0, 0.5),
        (0.0, 0.5),
        (f32::MAX, 1.0),
        (100.0, 1.0),
        (f32::MIN, 0.0),
        (-200.0, 0.0),
    ] {
        at_every_position(f, x, &|what, _, got| {
            assert!(
                got == want,
                "{what}: got {}, expected {}",
                bits(got),
                bits(want)
            );
        });
    }
}

#[test]
fn sigmoid_gives_subnormal_results_within_its_bound_for_x_in_minus_103_to_minus_88() {
    let x = every_float_between(-88.0, -103.0);
    let bound = Activation::Sigmoid.ulp_bound();
    for (b, k) in common::backends() {
        let y = eval(Kernel::Act(Activation::Sigmoid), Some(&k), &x);
        for (&xi, &got) in x.iter().zip(&y) {
            let want = reference::sigmoid_one(xi);
            let what = format!("sigmoid on {b}");
            assert!(
                got > 0.0 && got < f32::MIN_POSITIVE,
                "{what}: x = {}: expected a subnormal result (reference {}), got {}",
                bits(xi),
                bits(want),
                bits(got)
            );
            expect_ulp(&what, xi, got, want, bound);
        }
    }
}

#[test]
fn bounded_functions_stay_in_range_over_a_sweep_of_all_bit_patterns() {
    let ranges = [
        (Activation::Sigmoid, 0.0, 1.0),
        (Activation::Tanh, -1.0, 1.0),
        (Activation::HardSigmoid, 0.0, 1.0),
    ];
    let x = strided_all_bits(997);
    for (name, k) in common::handles() {
        for (a, lo, hi) in ranges {
            let y = eval(Kernel::Act(a), k.as_ref(), &x);
            for (&xi, &got) in x.iter().zip(&y) {
                assert!(
                    xi.is_nan() || (lo..=hi).contains(&got),
                    "{a} on {name}: x = {}: got {} outside [{lo}, {hi}]",
                    bits(xi),
                    bits(got)
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// tanh
// ---------------------------------------------------------------------------------------------

#[test]
fn tanh_limits_and_signed_zeros() {
    let f = Kernel::Act(Activation::Tanh);
    for (x, want) in [
        (f32::INFINITY, 1.0),
        (f32::NEG_INFINITY, -1.0),
        (0.0, 0.0),
        (-0.0, -0.0),
        (f32::MAX, 1.0),
        (f32::MIN, -1.0),
        (20.0, 1.0),
        (-20.0, -1.0),
    ] {
        // Exact bits: the sign of zero is checked.
        at_every_position(f, x, &|what, _, got| expect_bits(what, got, want));
    }
}

#[test]
fn tanh_is_odd_bit_for_bit_over_a_sweep() {
    // Every 97th positive bit pattern up to +inf (NaN excluded), and its negative.
    let pos: Vec<f32> = (0..=0x7F80_0000_u32)
        .step_by(97 * common::sample_divisor())
        .chain([0x7F80_0000, 1, 0x007F_FFFF, 0x0080_0000])
        .map(f32::from_bits)
        .collect();
    let neg: Vec<f32> = pos.iter().map(|v| -v).collect();
    let f = Kernel::Act(Activation::Tanh);
    for (b, k) in common::backends() {
        let yp = eval(f, Some(&k), &pos);
        let yn = eval(f, Some(&k), &neg);
        for ((&x, &p), &n) in pos.iter().zip(&yp).zip(&yn) {
            assert!(
                n.to_bits() == (-p).to_bits(),
                "tanh on {b}: tanh({}) = {} but tanh({}) = {}: not odd bit for bit",
                bits(x),
                bits(p),
                bits(-x),
                bits(n)
            );
        }
    }
}

#[test]
fn tanh_of_tiny_x_is_x_exactly() {
    // Every 7th subnormal, then every 1009th pattern up to 2^-30, both signs, and a few named
    // values; tanh(x) rounds to x there (x^3/3 is far below half an ULP of x).
    let top = 2.0f32.powi(-30).to_bits();
    let mut x: Vec<f32> = (1..0x0080_0000_u32)
        .step_by(7 * common::sample_divisor())
        .chain((0x0080_0000..=top).step_by(1009 * common::sample_divisor()))
        .chain([0x007F_FFFF, 0x0080_0000, top])
        .map(f32::from_bits)
        .chain([1e-20, 1e-30, 1e-38, 1e-10])
        .collect();
    let negatives: Vec<f32> = x.iter().map(|v| -v).collect();
    x.extend(negatives);
    let f = Kernel::Act(Activation::Tanh);
    for (name, k) in common::handles() {
        let y = eval(f, k.as_ref(), &x);
        for (&xi, &got) in x.iter().zip(&y) {
            if got.to_bits() != xi.to_bits() {
                expect_bits(&format!("tanh on {name}, tiny x = {}", bits(xi)), got, xi);
            }
        }
    }
    for v in [1e-20_f32, -1e-20, f32::from_bits(1), -f32::from_bits(3)] {
        at_every_position(f, v, &|what, _, got| expect_bits(what, got, v));
    }
}

/// Every value of `values` and every NaN at every position among each filler of `fillers`:
/// within `act`'s bound of the reference (the input NaN quieted for NaN). For kernels that
/// choose a second path per vector when one lane needs it: the other lanes must come out as on
/// the first path.
fn mixed_lanes_match_reference(act: Activation, fillers: &[f32], values: &[f32]) {
    let f = Kernel::Act(act);
    let bound = act.ulp_bound();
    for v in nans().into_iter().chain(values.iter().copied()) {
        for &filler in fillers {
            at_every_position_among(f, filler, v, &|what, i, got| {
                if v.is_nan() {
                    // The input NaN, quieted (as `nan_comes_out_with_fixed_bits_...`).
                    expect_bits(what, got, f32::from_bits(v.to_bits() | 0x0040_0000));
                } else {
                    expect_ulp(what, v, got, f.reference_at(v, i), bound);
                }
            });
        }
    }
}

#[test]
fn tanh_mixes_tiny_lanes_with_nan_inf_and_ordinary_lanes() {
    // A vector holding a tiny lane or a zero takes tanh's second path.
    let fillers = [0.0, -0.0, 1e-20, -f32::from_bits(5), 1e-4];
    let values = [
        f32::INFINITY,
        f32::NEG_INFINITY,
        20.0,
        -9.75,
        -3.0,
        0.5,
        -1.22e-4,
    ];
    mixed_lanes_match_reference(Activation::Tanh, &fillers, &values);
}

#[test]
fn sigmoid_mixes_deep_lanes_with_nan_and_ordinary_lanes() {
    // A vector holding a lane with |x| > 87.3 (subnormal exp(-|x|)) takes sigmoid's second
    // path; so does one with an infinity.
    let fillers = [
        -100.0,
        -88.0,
        95.0,
        200.0,
        f32::NEG_INFINITY,
        f32::INFINITY,
        0.75,
    ];
    let values = [
        0.0, -0.0, 0.5, -3.0, 20.0, -20.0, -87.0, -90.0, -103.9, -104.0, 90.0, 1e30,
    ];
    mixed_lanes_match_reference(Activation::Sigmoid, &fillers, &values);
}

// ---------------------------------------------------------------------------------------------
// SiLU, quick GELU, GELU (both forms), mish
// ---------------------------------------------------------------------------------------------

#[test]
fn swish_family_and_mish_limits_signed_zeros_and_tails() {
    for act in [
        Activation::Silu,
        Activation::QuickGelu,
        Activation::Gelu,
        Activation::GeluTanh,
        Activation::Mish,
    ] {
        let f = Kernel::Act(act);
        // +inf stays, -inf and the far negative tail give -0.0, zeros keep their sign.
        for (x, want) in [
            (f32::INFINITY, f32::INFINITY),
            (f32::MAX, f32::MAX),
            (1e30, 1e30),
            (f32::NEG_INFINITY, -0.0),
            (f32::MIN, -0.0),
            (-1e30, -0.0),
            (-200.0, -0.0),
            (0.0, 0.0),
            (-0.0, -0.0),
        ] {
            at_every_position(f, x, &|what, _, got| expect_bits(what, got, want));
        }
        // In the tails, down to subnormal results, and on subnormal inputs: the reference's
        // bits within the bound, at every position of a vector (both paths).
        for x in [
            -9.0, -10.0, -10.3, -13.0, -14.0, -14.3, -20.0, -50.0, -60.0, -62.0, -90.0, -100.0,
            -105.0, -108.0, 1e-40, -1e-40, 3e-45, -3e-45, 1e-38, -1e-38, 1e-8, -1e-8, 10.0, 15.0,
            30.0, 88.0, 100.0,
        ] {
            let want = reference::activate_one(act, x);
            at_every_position(f, x, &|what, _, got| {
                let d = ulp::distance(got, want);
                assert!(
                    d <= act.ulp_bound(),
                    "{what}: got {}, expected {} within {} ULP",
                    bits(got),
                    bits(want),
                    act.ulp_bound()
                );
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ELU, SELU
// ---------------------------------------------------------------------------------------------

/// ELU's alphas of these tests: the default, others of both signs, 0, and extremes.
const ELU_ALPHAS: [f32; 9] = [1.0, 0.5, 1.5, 2.0, 1e-3, 10.0, -1.0, 0.0, 3e38];

#[test]
fn elu_and_selu_limits_and_signed_zeros() {
    // SELU's lambda * alpha, in f64 rounded once: selu(-inf).
    let selu_floor = -(reference::SELU_LAMBDA * reference::SELU_ALPHA) as f32;
    assert_eq!(selu_floor.to_bits(), 0xBFE1_0966, "-1.7580993");
    let mut cases: Vec<(Activation, f32, f32)> = vec![
        (Activation::Selu, f32::NEG_INFINITY, selu_floor),
        (Activation::Selu, f32::INFINITY, f32::INFINITY),
        (Activation::Selu, -0.0, -0.0),
        (Activation::Selu, 0.0, 0.0),
        (Activation::Selu, f32::MAX, f32::INFINITY), // lambda * MAX overflows
        (Activation::Selu, -1e30, selu_floor),
    ];
    for alpha in ELU_ALPHAS {
        let elu = Activation::Elu { alpha };
        cases.extend([
            (elu, f32::NEG_INFINITY, -alpha),
            (elu, -1e30, -alpha),
            (elu, -17.5, -alpha),
            (elu, f32::INFINITY, f32::INFINITY),
            (elu, f32::MAX, f32::MAX),
            (elu, 0.0, 0.0),
            (elu, f32::from_bits(1), f32::from_bits(1)),
            (elu, -0.0, alpha * -0.0),
        ]);
    }
    for (act, x, want) in cases {
        at_every_position(Kernel::Act(act), x, &|what, _, got| {
            expect_bits(&format!("{what}, x = {x:e}"), got, want)
        });
    }
}

#[test]
fn elu_and_selu_tiny_and_subnormal_inputs_are_within_the_bound() {
    // |x| < 2^-25 (zeros and subnormals included): `alpha x`, `lambda x` or `lambda alpha x`,
    // built without subnormal arithmetic; every such input of both signs, strided.
    let top = 2.0f32.powi(-25).to_bits();
    let x: Vec<f32> = (0..=top)
        .step_by(1021 * common::sample_divisor())
        .flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
        .collect();
    let acts = ELU_ALPHAS
        .iter()
        .map(|&alpha| Activation::Elu { alpha })
        .chain([Activation::Selu]);
    for act in acts {
        for (b, k) in common::backends() {
            let y = eval(Kernel::Act(act), Some(&k), &x);
            for (&xi, &got) in x.iter().zip(&y) {
                let want = reference::activate_one(act, xi);
                expect_ulp(&format!("{act} on {b}"), xi, got, want, act.ulp_bound());
            }
        }
    }
    // ELU with alpha 1 returns tiny x itself, both signs.
    let k = Kernels::new();
    let mut y = vec![0.0; x.len()];
    k.elu(&x, &mut y, 1.0).unwrap();
    common::assert_same_bits("elu(1) of tiny x", &x, &y, &x);
}

#[test]
fn elu_and_selu_mix_tiny_lanes_with_nan_inf_and_ordinary_lanes() {
    // A vector holding a tiny lane, a zero or a NaN takes the second path.
    let fillers = [0.0, -0.0, 1e-20, -f32::from_bits(5), -1e-30, 0.75, -2.5];
    let values = [
        f32::INFINITY,
        f32::NEG_INFINITY,
        20.0,
        -17.0,
        -17.4,
        -100.0,
        -3.0,
        0.5,
        -1.22e-4,
        -2.9e-8,
        f32::from_bits(0x0080_0000),
        -f32::from_bits(0x0000_0001),
    ];
    for alpha in [1.0, 0.5, -1.0, 0.0] {
        mixed_lanes_match_reference(Activation::Elu { alpha }, &fillers, &values);
    }
    mixed_lanes_match_reference(Activation::Selu, &fillers, &values);
}

// ---------------------------------------------------------------------------------------------
// hard sigmoid, hard swish
// ---------------------------------------------------------------------------------------------

#[test]
fn hard_sigmoid_and_hard_swish_limits_and_signed_zeros() {
    let sigmoid = Kernel::Act(Activation::HardSigmoid);
    let swish = Kernel::Act(Activation::HardSwish);
    let below_3 = f32::from_bits((-3.0_f32).to_bits() + 1);
    let above_3 = f32::from_bits(3.0_f32.to_bits() + 1);
    // From -3 down (and -inf): hard_sigmoid is 0, hard_swish is -0.0 (the sign of x * 0).
    for x in [
        -3.0,
        below_3,
        -4.0,
        -6.0,
        -100.0,
        -1e30,
        f32::MIN,
        f32::NEG_INFINITY,
    ] {
        at_every_position(sigmoid, x, &|what, _, got| {
            assert!(got == 0.0, "{what}: got {}, expected 0", bits(got));
        });
        at_every_position(swish, x, &|what, _, got| expect_bits(what, got, -0.0));
    }
    // From 3 up (and +inf): hard_sigmoid is 1, hard_swish is x itself.
    for x in [3.0, above_3, 4.0, 6.0, 100.0, 1e30, f32::MAX, f32::INFINITY] {
        at_every_position(sigmoid, x, &|what, _, got| {
            assert!(got == 1.0, "{what}: got {}, expected 1", bits(got));
        });
        at_every_position(swish, x, &|what, _, got| expect_bits(what, got, x));
    }
    // Zeros: hard_swish keeps their sign, hard_sigmoid gives one half.
    for x in [0.0, -0.0] {
        at_every_position(swish, x, &|what, _, got| expect_bits(what, got, x));
        at_every_position(sigmoid, x, &|what, _, got| expect_bits(what, got, 0.5));
    }
    // The same limits over a sweep of all bit patterns.
    let x = strided_all_bits(997);
    for (name, k) in common::handles() {
        let ys = eval(sigmoid, k.as_ref(), &x);
        let yw = eval(swish, k.as_ref(), &x);
        for ((&xi, &s), &w) in x.iter().zip(&ys).zip(&yw) {
            let (want_s, want_w) = if xi <= -3.0 {
                (0.0, -0.0)
            } else if xi >= 3.0 {
                (1.0, xi)
            } else {
                continue;
            };
            assert!(
                s == want_s,
                "hard_sigmoid on {name}: x = {}: got {}, expected {want_s}",
                bits(xi),
                bits(s)
            );
            if w.to_bits() != want_w.to_bits() {
                expect_bits(
                    &format!("hard_swish on {name}: x = {}", bits(xi)),
                    w,
                    want_w,
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// softplus, log_sigmoid
// ---------------------------------------------------------------------------------------------

#[test]
fn softplus_and_log_sigmoid_limits_and_zeros() {
    let softplus = Kernel::Act(Activation::Softplus);
    let log_sigmoid = Kernel::Act(Activation::LogSigmoid);
    let ln2 = core::f32::consts::LN_2;
    // Exact bits: the sign of zero is checked. Large |x|: `x` itself on the outer side
    // (softplus(x) = x + e with e far below half an ULP of x), 0 on the other (below the
    // gradual underflow of exp); tiny and zero x: ln 2 rounded.
    let softplus_cases = [
        (f32::INFINITY, f32::INFINITY),
        (f32::NEG_INFINITY, 0.0),
        (f32::MAX, f32::MAX),
        (f32::MIN, 0.0),
        (1e30, 1e30),
        (-1e30, 0.0),
        (100.0, 100.0),
        (20.0, 20.0),
        (-104.0, 0.0),
        (-200.0, 0.0),
        (0.0, ln2),
        (-0.0, ln2),
        (f32::from_bits(1), ln2),
        (-f32::from_bits(1), ln2),
        (1e-20, ln2),
        (-1e-20, ln2),
    ];
    for (x, want) in softplus_cases {
        at_every_position(softplus, x, &|what, _, got| expect_bits(what, got, want));
        // log_sigmoid(-x) = -softplus(x), bit for bit.
        at_every_position(log_sigmoid, -x, &|what, _, got| {
            expect_bits(what, got, -want)
        });
    }
    // The gradual-underflow landmarks: subnormal, not flushed, within the bound.
    let bound = Activation::Softplus.ulp_bound();
    for x in [-88.0_f32, -100.0, -103.0, -103.97208] {
        let want = reference::softplus_one(x);
        at_every_position(softplus, x, &|what, _, got| {
            assert!(
                got.is_sign_positive() && got < f32::MIN_POSITIVE && (got > 0.0 || x < -103.9),
                "{what}: softplus({x}) must be a positive subnormal, got {}",
                bits(got)
            );
            expect_ulp(what, x, got, want, bound);
        });
        at_every_position(log_sigmoid, -x, &|what, _, got| {
            expect_bits(what, got, -want)
        });
    }
}

#[test]
fn softplus_and_log_sigmoid_are_within_their_bound_on_the_gradual_underflow_range() {
    // Every bit pattern from -86 (where softplus leaves its first path) down to -104: the
    // results are exp(x) rounded, normal, subnormal or zero; and the mirror for log_sigmoid.
    let lo = (-86.0_f32).to_bits() as u64;
    let hi = (-104.0_f32).to_bits() as u64;
    let failures = common::prove(
        Activation::Softplus,
        Pass::Forward,
        Inputs::Bits(lo..hi + 1),
    );
    common::assert_no_failures(&failures);
    let (lo, hi) = (86.0_f32.to_bits() as u64, 104.0_f32.to_bits() as u64);
    let failures = common::prove(
        Activation::LogSigmoid,
        Pass::Forward,
        Inputs::Bits(lo..hi + 1),
    );
    common::assert_no_failures(&failures);
}

#[test]
fn softplus_is_never_negative_and_log_sigmoid_its_mirror_over_a_sweep() {
    // Every 97th bit pattern (NaN excluded) with its negative: softplus has a clear sign bit
    // (never -0.0), log_sigmoid(-x) == -softplus(x) bit for bit.
    let pos: Vec<f32> = (0..=0x7F80_0000_u32)
        .step_by(97 * common::sample_divisor())
        .chain([0x7F80_0000, 1, 0x007F_FFFF, 0x0080_0000])
        .map(f32::from_bits)
        .collect();
    let x: Vec<f32> = pos.iter().flat_map(|&v| [v, -v]).collect();
    let neg: Vec<f32> = x.iter().map(|v| -v).collect();
    for (name, k) in common::handles() {
        let sp = eval(Kernel::Act(Activation::Softplus), k.as_ref(), &x);
        let ls = eval(Kernel::Act(Activation::LogSigmoid), k.as_ref(), &neg);
        for ((&xi, &p), &l) in x.iter().zip(&sp).zip(&ls) {
            assert!(
                p.is_sign_positive() && p >= 0.0,
                "softplus on {name}: x = {}: got {}, must not be negative",
                bits(xi),
                bits(p)
            );
            assert!(
                l.to_bits() == (-p).to_bits(),
                "log_sigmoid on {name}: log_sigmoid({}) = {} but softplus({}) = {}",
                bits(-xi),
                bits(l),
                bits(xi),
                bits(p)
            );
        }
    }
}

#[test]
fn softplus_and_log_sigmoid_mix_special_lanes_with_nan_inf_and_ordinary_lanes() {
    // A vector holding a tiny lane, a lane with |x| > 86.5 or an infinity takes the second
    // path; the other lanes must come out as on the first.
    let fillers = [
        0.0,
        -f32::from_bits(5),
        1e-20,
        -100.0,
        95.0,
        f32::NEG_INFINITY,
        f32::INFINITY,
        0.75,
    ];
    let values = [
        0.0, -0.0, 0.5, -0.5, -3.0, 20.0, -20.0, -50.0, 50.0, -87.0, -90.0, -103.9, -104.0, 90.0,
        1e30, -1e30,
    ];
    mixed_lanes_match_reference(Activation::Softplus, &fillers, &values);
    mixed_lanes_match_reference(Activation::LogSigmoid, &fillers, &values);
}

// ---------------------------------------------------------------------------------------------
// ReLU, Leaky ReLU, PReLU
// ---------------------------------------------------------------------------------------------

#[test]
fn relu_family_keeps_negative_zero_and_zeroes_negatives_with_plus_zero() {
    for f in kernels().into_iter().filter(|f| f.is_relu_family()) {
        // -0.0 is not < 0: it passes through with its sign, whatever the slope.
        at_every_position(f, -0.0, &|what, _, got| expect_bits(what, got, -0.0));
        at_every_position(f, 0.0, &|what, _, got| expect_bits(what, got, 0.0));
        at_every_position(f, f32::INFINITY, &|what, _, got| {
            expect_bits(what, got, f32::INFINITY)
        });
        for x in [
            -1.0,
            -f32::from_bits(1),
            -f32::MIN_POSITIVE,
            -3.5e-39,
            -1e-30,
            -123.456,
            -f32::MAX,
            f32::NEG_INFINITY,
        ] {
            at_every_position(f, x, &|what, i, got| {
                let want = f.reference_at(x, i);
                if let Kernel::Act(Activation::Relu) = f {
                    // ReLU of a negative is +0 (bits 0), not -0.
                    expect_bits(what, got, 0.0);
                }
                let slope = f.slope_at(i).unwrap();
                if want.is_nan() {
                    // 0 * -inf
                    assert!(got.is_nan(), "{what}: slope {slope}: got {}", bits(got));
                } else {
                    expect_bits(&format!("{what}, slope {slope}"), got, want);
                }
            });
        }
        for x in [1.0, f32::from_bits(1), 2.5e-39, 123.456, f32::MAX] {
            // Positives pass through unchanged.
            at_every_position(f, x, &|what, _, got| expect_bits(what, got, x));
        }
    }
}

#[test]
fn leaky_relu_and_prelu_products_are_exact() {
    // Random bit patterns of negative x (all magnitudes, subnormal products, overflow to -inf)
    // times slopes of every size: the result must be the correctly rounded f32 product, i.e.
    // the exact f64 product rounded once.
    let mut rng = common::Rng(42);
    let x: Vec<f32> = (0..48_000)
        .map(|_| f32::from_bits((rng.next_u64() as u32) | 0x8000_0000))
        .map(|v| if v.is_nan() { -1.5 } else { v })
        .collect();
    // A `static`, so that PReLU's `&'static` slopes borrow it (the earlier `Box::leak` was the
    // one leak LeakSanitizer reported in the suite, `.ci/asan`).
    static ALPHAS: [f32; 13] = [
        0.01_f32,
        0.1,
        0.2,
        -1.5,
        3.0,
        1e-30,
        1e-40,
        7.5e30,
        -0.0,
        0.0,
        f32::MAX,
        f32::from_bits(1),
        0.333_333_34,
    ];
    let (alphas, slopes): ([f32; 13], &'static [f32]) = (ALPHAS, &ALPHAS);
    for (b, k) in common::backends() {
        for a in alphas {
            let y = eval(
                Kernel::Act(Activation::LeakyRelu { alpha: a }),
                Some(&k),
                &x,
            );
            for (&xi, &got) in x.iter().zip(&y) {
                expect_exact_product(&format!("leaky_relu on {b}: alpha"), a, xi, got);
            }
        }
        // PReLU with those slopes as channels (channels-last and channels-first).
        let n = x.len() / (slopes.len() * 3) * (slopes.len() * 3);
        for f in [Kernel::Prelu(slopes), Kernel::PreluChannelsFirst(slopes, 3)] {
            let y = eval(f, Some(&k), &x[..n]);
            for (i, (&xi, &got)) in x.iter().zip(&y).enumerate() {
                let a = f.slope_at(i).unwrap();
                expect_exact_product(&format!("{f} on {b}: index {i}, slope"), a, xi, got);
            }
        }
    }
}

/// `got` is `a * x` rounded once (NaN where the product is NaN), bit for bit.
#[track_caller]
fn expect_exact_product(what: &str, a: f32, x: f32, got: f32) {
    let want = (f64::from(a) * f64::from(x)) as f32;
    assert!(
        common::same_bits_or_both_nan(got, want),
        "{what} = {}, x = {}: got {}, exact product {}",
        bits(a),
        bits(x),
        bits(got),
        bits(want)
    );
}
