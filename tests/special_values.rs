//! Special values and the edges of every function's range, on every supported backend
//! (sequential and threaded handles) and through the free functions.
//!
//! Each special value is tried at every position of buffers of 37 and 48 elements, so that it
//! is seen in every lane of a full vector and in the masked tail; the other elements must not be
//! disturbed by it.
//!
//! `cargo test --release --test special_values`

use simd_activations::accuracy::{self, BoxedKernel, SliceKernel};
use simd_activations::{self as act, Backend, Kernels, reference, ulp};

// ---------------------------------------------------------------------------------------------
// Functions and where they run
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Func {
    Exp,
    Sigmoid,
    Tanh,
    Relu,
    Leaky(f32),
    /// Channels-last PReLU with these slopes.
    Prelu(&'static [f32]),
    /// Channels-first PReLU with these slopes and this `inner`.
    PreluCf(&'static [f32], usize),
}

const PRELU_SLOPES: &[f32] = &[0.25, 0.0, -2.0];

const FUNCS: &[Func] = &[
    Func::Exp,
    Func::Sigmoid,
    Func::Tanh,
    Func::Relu,
    Func::Leaky(0.01),
    Func::Leaky(0.0),
    Func::Leaky(-2.0),
    Func::Prelu(PRELU_SLOPES),
    Func::PreluCf(PRELU_SLOPES, 2),
];

impl Func {
    /// The length of the shapes' period (buffers must be multiples of it).
    fn period(self) -> usize {
        match self {
            Func::Prelu(s) => s.len(),
            Func::PreluCf(s, inner) => s.len() * inner,
            _ => 1,
        }
    }

    /// Runs the function on handle `k`, or the free function if `k` is `None`.
    fn run(self, k: Option<&Kernels>, x: &[f32], y: &mut [f32]) {
        let r = match (self, k) {
            (Func::Exp, Some(k)) => k.exp(x, y),
            (Func::Sigmoid, Some(k)) => k.sigmoid(x, y),
            (Func::Tanh, Some(k)) => k.tanh(x, y),
            (Func::Relu, Some(k)) => k.relu(x, y),
            (Func::Leaky(a), Some(k)) => k.leaky_relu(x, y, a),
            (Func::Prelu(s), Some(k)) => k.prelu(x, y, s),
            (Func::PreluCf(s, inner), Some(k)) => k.prelu_channels_first(x, y, s, inner),
            (Func::Exp, None) => act::exp(x, y),
            (Func::Sigmoid, None) => act::sigmoid(x, y),
            (Func::Tanh, None) => act::tanh(x, y),
            (Func::Relu, None) => act::relu(x, y),
            (Func::Leaky(a), None) => act::leaky_relu(x, y, a),
            (Func::Prelu(s), None) => act::prelu(x, y, s),
            (Func::PreluCf(s, inner), None) => act::prelu_channels_first(x, y, s, inner),
        };
        r.unwrap_or_else(|e| panic!("{self:?} on {} elements failed: {e}", x.len()));
    }

    /// The `f64` reference of element `i` of a tensor (the index matters for PReLU).
    fn reference_at(self, x: f32, i: usize) -> f32 {
        match self {
            Func::Exp => reference::exp_one(x),
            Func::Sigmoid => reference::sigmoid_one(x),
            Func::Tanh => reference::tanh_one(x),
            Func::Relu => reference::relu_one(x),
            Func::Leaky(a) => reference::leaky_relu_one(x, a),
            Func::Prelu(s) => reference::leaky_relu_one(x, s[i % s.len()]),
            Func::PreluCf(s, inner) => {
                reference::leaky_relu_one(x, s[(i % (s.len() * inner)) / inner])
            }
        }
    }

    /// The slope applied to element `i` (ReLU family only).
    fn slope_at(self, i: usize) -> f32 {
        match self {
            Func::Relu => 0.0,
            Func::Leaky(a) => a,
            Func::Prelu(s) => s[i % s.len()],
            Func::PreluCf(s, inner) => s[(i % (s.len() * inner)) / inner],
            _ => f32::NAN,
        }
    }
}

/// Every place a kernel runs: each supported backend sequential and with
/// `parallel_threshold(1)`, and the free functions (`None`).
fn targets() -> Vec<(String, Option<Kernels>)> {
    let mut t = Vec::new();
    for b in Backend::supported() {
        let k = Kernels::with_backend(b).unwrap();
        t.push((format!("{b} sequential"), Some(k.sequential())));
        t.push((
            format!("{b} parallel_threshold(1)"),
            Some(k.parallel_threshold(1)),
        ));
    }
    t.push(("free functions".to_string(), None));
    t
}

/// Sequential handles of every supported backend, for the large sweeps.
fn backends() -> Vec<(Backend, Kernels)> {
    Backend::supported()
        .into_iter()
        .map(|b| (b, Kernels::with_backend(b).unwrap().sequential()))
        .collect()
}

fn eval(f: Func, k: Option<&Kernels>, x: &[f32]) -> Vec<f32> {
    let mut y = vec![f32::from_bits(0x7F7F_1234); x.len()];
    f.run(k, x, &mut y);
    y
}

fn bits(v: f32) -> String {
    format!("{v:e} ({:#010x})", v.to_bits())
}

/// Evaluates `v` at every position of buffers of 37 and 48 elements (rounded down to whole
/// periods) filled with 0.75, on every target, and calls `check(what, index, got)` for each.
/// Also checks that the filler's outputs are the same as without `v`.
fn at_every_position(f: Func, v: f32, check: &dyn Fn(&str, usize, f32)) {
    at_every_position_among(f, 0.75, v, check);
}

/// [`at_every_position`] with another filler.
fn at_every_position_among(f: Func, filler: f32, v: f32, check: &dyn Fn(&str, usize, f32)) {
    for (name, k) in targets() {
        for len in [37, 48] {
            let len = len / f.period() * f.period();
            let clean = eval(f, k.as_ref(), &vec![filler; len]);
            for p in 0..len {
                let mut x = vec![filler; len];
                x[p] = v;
                let y = eval(f, k.as_ref(), &x);
                let what = format!(
                    "{f:?} on {name}, len {len}, x = {} at index {p} among {}",
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
        .step_by(stride)
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

const NANS: &[u32] = &[
    0x7FC0_0000, // the canonical quiet NaN
    0xFFC0_0000, // negative quiet NaN
    0x7F80_0001, // signalling NaN, smallest payload
    0xFF80_0001,
    0x7FBF_FFFF, // signalling NaN, largest payload
    0x7FC1_2345, // quiet NaN with a payload
    0xFFFF_FFFF,
];

#[test]
fn nan_in_gives_nan_out_for_every_function_on_every_backend() {
    for &f in FUNCS {
        for &nb in NANS {
            at_every_position(f, f32::from_bits(nb), &|what, _, got| {
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
fn sigmoid_and_tanh_return_the_input_nan_quieted_on_every_backend() {
    // Their NaN lanes are handled with bit operations, so the bits are fixed, whatever the
    // neighbours (ordinary values, or lanes that take the second path) and the backend.
    for f in [Func::Sigmoid, Func::Tanh] {
        for &nb in NANS {
            let want = f32::from_bits(nb | 0x0040_0000);
            for filler in [0.75, 0.0, -100.0] {
                at_every_position_among(f, filler, f32::from_bits(nb), &|what, _, got| {
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
    let f = Func::Exp;
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
        expect_ulp(what, 88.72283, got, reference::exp_one(88.72283), 1);
    });
    at_every_position(f, -100.0, &|what, _, got| {
        assert!(
            got > 0.0 && got < f32::MIN_POSITIVE,
            "{what}: exp(-100) must be subnormal (not flushed), got {}",
            bits(got)
        );
        expect_ulp(what, -100.0, got, reference::exp_one(-100.0), 1);
    });
    let x = -103.97208_f32;
    let want = reference::exp_one(x);
    at_every_position(f, x, &|what, _, got| {
        assert!(
            got.to_bits() <= 1,
            "{what}: must be the smallest subnormal or +0, got {}",
            bits(got)
        );
        expect_ulp(what, x, got, want, 1);
    });
}

#[test]
fn exp_is_within_1_ulp_on_every_input_of_the_gradual_underflow_range() {
    // Every bit pattern from the smallest normal result (-87.33655) down to -104: the outputs
    // are subnormal or zero, and must be within 1 ULP (of 2^-149) of the reference.
    let lo = (-87.33655_f32).to_bits() as u64;
    let hi = (-104.0_f32).to_bits() as u64;
    let handles = backends();
    let closures: Vec<BoxedKernel<'_>> = handles
        .iter()
        .map(|(_, k)| {
            let k = *k;
            Box::new(move |x: &[f32], y: &mut [f32]| k.exp(x, y).unwrap()) as BoxedKernel<'_>
        })
        .collect();
    let kernels: Vec<SliceKernel<'_>> = closures.iter().map(|c| &**c as SliceKernel<'_>).collect();
    let reports = accuracy::measure_bits(lo..hi + 1, &kernels, reference::exp_one, 1);
    for ((b, _), r) in handles.iter().zip(&reports) {
        let w = r.worst_input;
        assert!(
            r.passed(),
            "exp on {b} over [-104, -87.33655]: {} inputs over 1 ULP, max {} ULP at x = {}, \
             reference {}; {} NaN mismatches",
            r.over_bound,
            r.max_ulp,
            bits(w),
            bits(reference::exp_one(w)),
            r.nan_mismatches
        );
    }
}

// ---------------------------------------------------------------------------------------------
// sigmoid
// ---------------------------------------------------------------------------------------------

#[test]
fn sigmoid_limits_and_zero() {
    let f = Func::Sigmoid;
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
fn sigmoid_gives_subnormal_results_within_2_ulp_for_x_in_minus_103_to_minus_88() {
    let x = every_float_between(-88.0, -103.0);
    for (b, k) in backends() {
        let y = eval(Func::Sigmoid, Some(&k), &x);
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
            expect_ulp(&what, xi, got, want, 2);
        }
    }
}

#[test]
fn sigmoid_and_tanh_stay_in_range_over_a_sweep_of_all_bit_patterns() {
    let x = strided_all_bits(997);
    for (name, k) in targets() {
        let y = eval(Func::Sigmoid, k.as_ref(), &x);
        for (&xi, &got) in x.iter().zip(&y) {
            assert!(
                xi.is_nan() || (0.0..=1.0).contains(&got),
                "sigmoid on {name}: x = {}: got {} outside [0, 1]",
                bits(xi),
                bits(got)
            );
        }
        let y = eval(Func::Tanh, k.as_ref(), &x);
        for (&xi, &got) in x.iter().zip(&y) {
            assert!(
                xi.is_nan() || (-1.0..=1.0).contains(&got),
                "tanh on {name}: x = {}: got {} outside [-1, 1]",
                bits(xi),
                bits(got)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// tanh
// ---------------------------------------------------------------------------------------------

#[test]
fn tanh_limits_and_signed_zeros() {
    let f = Func::Tanh;
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
        .step_by(97)
        .chain([0x7F80_0000, 1, 0x007F_FFFF, 0x0080_0000])
        .map(f32::from_bits)
        .collect();
    let neg: Vec<f32> = pos.iter().map(|v| -v).collect();
    for (b, k) in backends() {
        let yp = eval(Func::Tanh, Some(&k), &pos);
        let yn = eval(Func::Tanh, Some(&k), &neg);
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
        .step_by(7)
        .chain((0x0080_0000..=top).step_by(1009))
        .chain([0x007F_FFFF, 0x0080_0000, top])
        .map(f32::from_bits)
        .chain([1e-20, 1e-30, 1e-38, 1e-10])
        .collect();
    let negatives: Vec<f32> = x.iter().map(|v| -v).collect();
    x.extend(negatives);
    for (name, k) in targets() {
        let y = eval(Func::Tanh, k.as_ref(), &x);
        for (&xi, &got) in x.iter().zip(&y) {
            expect_bits(&format!("tanh on {name}, tiny x = {}", bits(xi)), got, xi);
        }
    }
    for v in [1e-20_f32, -1e-20, f32::from_bits(1), -f32::from_bits(3)] {
        at_every_position(Func::Tanh, v, &|what, _, got| expect_bits(what, got, v));
    }
}

/// Every value of `values` at every position among each filler of `fillers`: within `bound`
/// ULP of the reference (the input NaN quieted for NaN). For kernels that choose a second path per vector when
/// one lane needs it: the other lanes must come out as on the first path.
fn mixed_lanes_match_reference(f: Func, fillers: &[f32], values: &[f32], bound: u32) {
    let values = NANS
        .iter()
        .map(|&b| f32::from_bits(b))
        .chain(values.iter().copied());
    for v in values {
        for &filler in fillers {
            at_every_position_among(f, filler, v, &|what, i, got| {
                if v.is_nan() {
                    // The input NaN, quieted (as `sigmoid_and_tanh_return_the_input_nan_...`).
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
    mixed_lanes_match_reference(Func::Tanh, &fillers, &values, 2);
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
    mixed_lanes_match_reference(Func::Sigmoid, &fillers, &values, 2);
}

// ---------------------------------------------------------------------------------------------
// ReLU, Leaky ReLU, PReLU
// ---------------------------------------------------------------------------------------------

#[test]
fn relu_family_keeps_negative_zero_and_zeroes_negatives_with_plus_zero() {
    for &f in FUNCS.iter().filter(|f| {
        matches!(
            f,
            Func::Relu | Func::Leaky(_) | Func::Prelu(_) | Func::PreluCf(..)
        )
    }) {
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
                if let Func::Relu = f {
                    // ReLU of a negative is +0 (bits 0), not -0.
                    expect_bits(what, got, 0.0);
                }
                let slope = f.slope_at(i);
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

/// splitmix64
fn rng(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn leaky_relu_and_prelu_products_are_exact() {
    // Random bit patterns of negative x (all magnitudes, subnormal products, overflow to -inf)
    // times slopes of every size: the result must be the correctly rounded f32 product, i.e.
    // the exact f64 product rounded once.
    let mut s = 42_u64;
    let x: Vec<f32> = (0..48_000)
        .map(|_| f32::from_bits((rng(&mut s) as u32) | 0x8000_0000))
        .map(|v| if v.is_nan() { -1.5 } else { v })
        .collect();
    let alphas = [
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
    let slopes: &'static [f32] = Box::leak(alphas.to_vec().into_boxed_slice());
    for (b, k) in backends() {
        for a in alphas {
            let y = eval(Func::Leaky(a), Some(&k), &x);
            for (&xi, &got) in x.iter().zip(&y) {
                let want = (f64::from(a) * f64::from(xi)) as f32;
                let ok = if want.is_nan() {
                    got.is_nan()
                } else {
                    got.to_bits() == want.to_bits()
                };
                assert!(
                    ok,
                    "leaky_relu on {b}: alpha = {}, x = {}: got {}, exact product {}",
                    bits(a),
                    bits(xi),
                    bits(got),
                    bits(want)
                );
            }
        }
        // PReLU with those slopes as channels (channels-last and channels-first).
        let n = x.len() / (slopes.len() * 3) * (slopes.len() * 3);
        for f in [Func::Prelu(slopes), Func::PreluCf(slopes, 3)] {
            let y = eval(f, Some(&k), &x[..n]);
            for (i, (&xi, &got)) in x.iter().zip(&y).enumerate() {
                let a = f.slope_at(i);
                let want = (f64::from(a) * f64::from(xi)) as f32;
                let ok = if want.is_nan() {
                    got.is_nan()
                } else {
                    got.to_bits() == want.to_bits()
                };
                assert!(
                    ok,
                    "{f:?} on {b}: index {i}, slope = {}, x = {}: got {}, exact product {}",
                    bits(a),
                    bits(xi),
                    bits(got),
                    bits(want)
                );
            }
        }
    }
}
