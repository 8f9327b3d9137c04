//! Scalar reference versions of every kernel: straightforward `f64` math with `std`, rounded to
//! `f32` once at the end.
//!
//! These are the yardstick of the crate's tests and accuracy tables; the `f64` functions used
//! are accurate to far below 0.01 `f32` ULP, so the rounded result is the correctly rounded one
//! except in rare double-rounding cases (which the stated bounds absorb). They are slow (one
//! element at a time, no SIMD) and check nothing beyond what their SIMD counterparts check:
//! they take the same arguments and return the same errors.
//!
//! ```
//! use simd_activations::{reference, ulp};
//!
//! let x = [-3.0_f32, 0.0, 2.5];
//! let (mut fast, mut slow) = ([0.0; 3], [0.0; 3]);
//! simd_activations::sigmoid(&x, &mut fast)?;
//! reference::sigmoid(&x, &mut slow)?;
//! for (a, b) in fast.iter().zip(&slow) {
//!     assert!(ulp::distance(*a, *b) <= 2);
//! }
//! # Ok::<(), simd_activations::Error>(())
//! ```

use crate::validate::{self, same_len};
use crate::{Activation, Error, Mask, MaskedRows, SoftmaxOptions};

/// `exp(x)` of one value, in `f64`, rounded to `f32`.
#[inline]
pub fn exp_one(x: f32) -> f32 {
    f64::from(x).exp() as f32
}

/// `1 / (1 + exp(-x))` of one value, in `f64` (written so that no intermediate overflows),
/// rounded to `f32`.
#[inline]
pub fn sigmoid_one(x: f32) -> f32 {
    let x = f64::from(x);
    let s = if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    };
    s as f32
}

/// `x * sigmoid(t)` in `f64` with `t = k x`, or `w` where given (no intermediate overflows).
fn swish_f64(x: f64, k: f64, w: f64) -> f64 {
    let t = if w.is_nan() { k * x } else { w };
    if t >= 0.0 {
        x / (1.0 + (-t).exp())
    } else if x == f64::NEG_INFINITY {
        // The limit (`-inf * 0` would be NaN).
        -0.0
    } else {
        let e = t.exp();
        x * e / (1.0 + e)
    }
}

/// SiLU, `x / (1 + exp(-x))`, of one value, in `f64`, rounded to `f32`.
#[inline]
pub fn silu_one(x: f32) -> f32 {
    swish_f64(f64::from(x), 1.0, f64::NAN) as f32
}

/// quick GELU, `x / (1 + exp(-1.702 x))` (1.702 in `f64`), of one value, in `f64`, rounded
/// to `f32`.
#[inline]
pub fn quick_gelu_one(x: f32) -> f32 {
    swish_f64(f64::from(x), 1.702, f64::NAN) as f32
}

/// GELU, erf form, `x / 2 * erfc(-x / sqrt(2))`, of one value, in `f64` (`libm`'s `erfc`,
/// accurate to about 1 f64 ULP), rounded to `f32`.
#[inline]
pub fn gelu_one(x: f32) -> f32 {
    let x = f64::from(x);
    if x == f64::NEG_INFINITY {
        // The limit (`-inf * 0` would be NaN).
        return -0.0;
    }
    (0.5 * x * libm::erfc(-x * core::f64::consts::FRAC_1_SQRT_2)) as f32
}

/// GELU, tanh form, `x / 2 * (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`, of one value, in
/// `f64` as `x * sigmoid(2 sqrt(2 / pi) (x + 0.044715 x^3))` (the same function, without the
/// cancellation of `1 + tanh` in the negative tail), rounded to `f32`.
#[inline]
pub fn gelu_tanh_one(x: f32) -> f32 {
    let x = f64::from(x);
    let u = (2.0 / core::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x);
    swish_f64(x, 1.0, 2.0 * u) as f32
}

/// mish, `x * tanh(ln(1 + exp(x)))`, of one value, in `f64`, rounded to `f32`.
#[inline]
pub fn mish_one(x: f32) -> f32 {
    let x = f64::from(x);
    if x == f64::NEG_INFINITY {
        // The limit (`-inf * 0` would be NaN).
        return -0.0;
    }
    (x * x.exp().ln_1p().tanh()) as f32
}

/// `tanh(x)` of one value, in `f64`, rounded to `f32`.
#[inline]
pub fn tanh_one(x: f32) -> f32 {
    f64::from(x).tanh() as f32
}

/// SELU's `lambda`, PyTorch's constant (`1.0507009873554804934193349852946`, here to `f64`
/// precision).
pub const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
/// SELU's `alpha`, PyTorch's constant (`1.6732632423543772848170429916717`, here to `f64`
/// precision).
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_2;

/// `if x > 0 { x } else { alpha * expm1(x) }` of one value, in `f64`, rounded to `f32`.
#[inline]
pub fn elu_one(x: f32, alpha: f32) -> f32 {
    elu_f64(f64::from(x), f64::from(alpha)) as f32
}

/// `lambda * (if x > 0 { x } else { alpha * expm1(x) })` of one value with
/// [`SELU_LAMBDA`] and [`SELU_ALPHA`], in `f64`, rounded to `f32`.
#[inline]
pub fn selu_one(x: f32) -> f32 {
    (SELU_LAMBDA * elu_f64(f64::from(x), SELU_ALPHA)) as f32
}

fn elu_f64(x: f64, alpha: f64) -> f64 {
    if x > 0.0 { x } else { alpha * x.exp_m1() }
}

/// `if x < 0 { slope * x } else { x }` of one value (the product of two `f32` is exact in
/// `f64`, so this is the correctly rounded result).
#[inline]
pub fn leaky_relu_one(x: f32, slope: f32) -> f32 {
    if x < 0.0 {
        (f64::from(slope) * f64::from(x)) as f32
    } else {
        x
    }
}

/// `if x < 0 { +0 } else { x }` of one value.
#[inline]
pub fn relu_one(x: f32) -> f32 {
    if x < 0.0 { 0.0 } else { x }
}

/// `min(max(x + 3, 0), 6) / 6` of one value, in `f64`, rounded to `f32`.
#[inline]
pub fn hard_sigmoid_one(x: f32) -> f32 {
    (hard_sigmoid_f64(f64::from(x))) as f32
}

fn hard_sigmoid_f64(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else {
        (x + 3.0).clamp(0.0, 6.0) / 6.0
    }
}

/// `x * min(max(x + 3, 0), 6) / 6` of one value, in `f64`, rounded to `f32`; `-0.0` for
/// `x <= -3` (the sign of `x * 0`), also for `-inf`, where the product would be NaN.
#[inline]
pub fn hard_swish_one(x: f32) -> f32 {
    let x = f64::from(x);
    if x <= -3.0 {
        -0.0
    } else {
        (x * hard_sigmoid_f64(x)) as f32
    }
}

/// `log(1 + exp(x))` of one value, in `f64` (`x + ln_1p(exp(-x))` for `x > 0`, so that no
/// intermediate overflows and the tail keeps full relative accuracy), rounded to `f32`.
#[inline]
pub fn softplus_one(x: f32) -> f32 {
    softplus_f64(f64::from(x)) as f32
}

fn softplus_f64(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `-log(1 + exp(-x))` (`log(sigmoid(x))`) of one value, in `f64`, rounded to `f32`: the
/// negated [`softplus_one`] of `-x`.
#[inline]
pub fn log_sigmoid_one(x: f32) -> f32 {
    (-softplus_f64(-f64::from(x))) as f32
}

/// Reference [`activate`](crate::activate): `y[i] = activate_one(act, x[i])`, with the same
/// checks.
pub fn activate(act: Activation, x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    act.validate()?;
    same_len(x, y)?;
    crate::activations::reference_slices::activate_each(act, x, y);
    Ok(())
}

pub use crate::activations::reference_slices::*;

mod backward;
pub use backward::*;

/// Reference [`prelu`](crate::prelu) (channels-last).
pub fn prelu(x: &[f32], y: &mut [f32], slopes: &[f32]) -> Result<(), Error> {
    prelu_channels_first(x, y, slopes, 1)
}

/// Reference [`prelu_channels_first`](crate::prelu_channels_first) (NCHW).
pub fn prelu_channels_first(
    x: &[f32],
    y: &mut [f32],
    slopes: &[f32],
    inner: usize,
) -> Result<(), Error> {
    validate::prelu(x.len(), slopes, inner)?;
    same_len(x, y)?;
    let period = slopes.len() * inner;
    for (i, (y, &x)) in y.iter_mut().zip(x).enumerate() {
        *y = leaky_relu_one(x, slopes[(i % period) / inner]);
    }
    Ok(())
}

/// One row's maximum, count of elements equal to it, and the sum of `exp(x - max)` over the
/// others, in `f64`; `None` for a row that must be NaN (a NaN or `+inf`, or all `-inf`).
fn row_sums(row: &[f32]) -> Option<(f64, f64, u64)> {
    if row.iter().any(|v| v.is_nan()) {
        return None;
    }
    let m = f64::from(row.iter().copied().fold(f32::NEG_INFINITY, f32::max));
    if !m.is_finite() {
        return None;
    }
    let mut others = 0.0_f64;
    let mut ones = 0_u64;
    for &v in row {
        let v = f64::from(v);
        if v == m {
            ones += 1;
        } else {
            others += (v - m).exp();
        }
    }
    Some((m, others, ones))
}

/// Reference [`softmax`](crate::softmax): per row, `exp(x - max) / sum` in `f64` (the
/// elements equal to the maximum contribute exactly 1 each), rounded once to `f32`.
pub fn softmax(x: &[f32], y: &mut [f32], cols: usize) -> Result<(), Error> {
    rows(x, y, cols, |x, m, others, ones| {
        (x - m).exp() / (ones as f64 + others)
    })
}

/// Reference [`log_softmax`](crate::log_softmax): per row, `(x - max) - ln(sum)` in `f64`,
/// with `ln(sum) = ln_1p(others)` when one element holds the maximum (so that it keeps full
/// relative accuracy when the others are tiny), rounded once to `f32`.
pub fn log_softmax(x: &[f32], y: &mut [f32], cols: usize) -> Result<(), Error> {
    rows(x, y, cols, |x, m, others, ones| {
        let log_sum = if ones == 1 {
            others.ln_1p()
        } else {
            (ones as f64 + others).ln()
        };
        (x - m) - log_sum
    })
}

/// `y = f(x, max, others, ones)` per element in `f64`, rounded once, row by row (see
/// [`row_sums`]); NaN rows where `row_sums` says so.
fn rows(
    x: &[f32],
    y: &mut [f32],
    cols: usize,
    f: impl Fn(f64, f64, f64, u64) -> f64,
) -> Result<(), Error> {
    validate::rows(x, Some(y), cols)?;
    for (xr, yr) in x.chunks_exact(cols).zip(y.chunks_exact_mut(cols)) {
        match row_sums(xr) {
            None => yr.fill(f32::NAN),
            Some((m, others, ones)) => {
                for (y, &x) in yr.iter_mut().zip(xr) {
                    *y = f(f64::from(x), m, others, ones) as f32;
                }
            }
        }
    }
    Ok(())
}

/// Reference [`softmax_backward`](crate::softmax_backward): per row, `s = sum_j dy[j] y[j]` and
/// `dx[i] = y[i] * (dy[i] - s)` in `f64`, rounded once to `f32`. Same checks.
pub fn softmax_backward(y: &[f32], dy: &[f32], dx: &mut [f32], cols: usize) -> Result<(), Error> {
    validate::rows_backward(y, dy, Some(dx), cols)?;
    for ((yr, dr), xr) in y
        .chunks_exact(cols)
        .zip(dy.chunks_exact(cols))
        .zip(dx.chunks_exact_mut(cols))
    {
        let s: f64 = yr
            .iter()
            .zip(dr)
            .map(|(&y, &d)| f64::from(y) * f64::from(d))
            .sum();
        for ((o, &y), &d) in xr.iter_mut().zip(yr).zip(dr) {
            *o = (f64::from(y) * (f64::from(d) - s)) as f32;
        }
    }
    Ok(())
}

/// Reference [`log_softmax_backward`](crate::log_softmax_backward): per row,
/// `t = sum_j dy[j]` and `dx[i] = dy[i] - exp(y[i]) * t` in `f64`, rounded once to `f32`.
pub fn log_softmax_backward(
    y: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    cols: usize,
) -> Result<(), Error> {
    validate::rows_backward(y, dy, Some(dx), cols)?;
    for ((yr, dr), xr) in y
        .chunks_exact(cols)
        .zip(dy.chunks_exact(cols))
        .zip(dx.chunks_exact_mut(cols))
    {
        let t: f64 = dr.iter().map(|&d| f64::from(d)).sum();
        for ((o, &y), &d) in xr.iter_mut().zip(yr).zip(dr) {
            *o = (f64::from(d) - f64::from(y).exp() * t) as f32;
        }
    }
    Ok(())
}

/// Reference [`prelu_backward`](crate::prelu_backward) (channels-last).
pub fn prelu_backward(
    x: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    slopes: &[f32],
    dslopes: &mut [f32],
) -> Result<(), Error> {
    prelu_channels_first_backward(x, dy, dx, slopes, dslopes, 1)
}

/// Reference [`prelu_channels_first_backward`](crate::prelu_channels_first_backward):
/// `dx[i] = x[i] > 0 ? dy[i] : slope * dy[i]` (in `f64`, rounded once) and `dslopes[c]` the
/// `f64` sum of `x[i] * dy[i]` over the channel's elements with `x[i] <= 0` (products exact in
/// `f64`), rounded once.
pub fn prelu_channels_first_backward(
    x: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    slopes: &[f32],
    dslopes: &mut [f32],
    inner: usize,
) -> Result<(), Error> {
    validate::prelu_backward(x, dy, Some(dx), slopes, dslopes, inner)?;
    let period = slopes.len() * inner;
    let mut sums = vec![0.0_f64; slopes.len()];
    for (i, ((o, &x), &d)) in dx.iter_mut().zip(x).zip(dy).enumerate() {
        let c = (i % period) / inner;
        if x > 0.0 {
            *o = d;
        } else {
            *o = (f64::from(slopes[c]) * f64::from(d)) as f32;
            sums[c] += f64::from(x) * f64::from(d);
        }
    }
    for (o, s) in dslopes.iter_mut().zip(sums) {
        *o = s as f32;
    }
    Ok(())
}

/// `sigmoid(x)` in `f64` (no intermediate overflow), the derivative of softplus.
fn sigmoid_f64(x: f64) -> f64 {
    let e = (-x.abs()).exp();
    if x >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    }
}

/// `dy * sigmoid'(x)` of one value, `sigmoid'(x) = e / (1 + e)^2` with `e = exp(-|x|)` in `f64`
/// (accurate in both tails, no intermediate overflow), rounded to `f32` once.
#[inline]
pub fn sigmoid_backward_one(x: f32, dy: f32) -> f32 {
    let e = (-f64::from(x).abs()).exp();
    (f64::from(dy) * (e / ((1.0 + e) * (1.0 + e)))) as f32
}

/// `dy * tanh'(x)` of one value, `tanh'(x) = 1 - tanh(x)^2 = 4e / (1 + e)^2` with
/// `e = exp(-2|x|)` in `f64` (accurate in the tails, no intermediate overflow), rounded to
/// `f32` once.
#[inline]
pub fn tanh_backward_one(x: f32, dy: f32) -> f32 {
    let e = (-2.0 * f64::from(x).abs()).exp();
    (f64::from(dy) * (4.0 * e / ((1.0 + e) * (1.0 + e)))) as f32
}

/// `dy * softplus'(x) = dy * sigmoid(x)` of one value, in `f64`, rounded to `f32` once.
#[inline]
pub fn softplus_backward_one(x: f32, dy: f32) -> f32 {
    (f64::from(dy) * sigmoid_f64(f64::from(x))) as f32
}

/// `dy * log_sigmoid'(x) = dy * sigmoid(-x)` of one value, in `f64`, rounded to `f32` once.
#[inline]
pub fn log_sigmoid_backward_one(x: f32, dy: f32) -> f32 {
    (f64::from(dy) * sigmoid_f64(-f64::from(x))) as f32
}

/// `dy * y * (1 - y)` (the sigmoid gradient from its output `y`) of one value, in `f64`
/// (within 3 `f64` roundings of exact, no intermediate overflow), rounded to `f32`.
#[inline]
pub fn sigmoid_backward_from_output_one(y: f32, dy: f32) -> f32 {
    let y = f64::from(y);
    (f64::from(dy) * (y * (1.0 - y))) as f32
}

/// `dy * (1 - y^2)` (the tanh gradient from its output `y`) of one value, in `f64` (`y^2`
/// exact), rounded to `f32`.
#[inline]
pub fn tanh_backward_from_output_one(y: f32, dy: f32) -> f32 {
    let y = f64::from(y);
    (f64::from(dy) * (1.0 - y * y)) as f32
}

/// `(f'(x), M(x))` of `x * sigmoid(w)` in `f64`: `f' = s + x w' s (1 - s)` with `s = sigmoid(w)`,
/// `M = s + |x w'| s (1 - s)`, from `e = exp(-|w|)` (no overflow; `x = +-inf` take the limits).
fn swish_backward_f64(x: f64, w: f64, w_slope: f64) -> (f64, f64) {
    if x == f64::INFINITY {
        return (1.0, 1.0);
    }
    if x == f64::NEG_INFINITY {
        return (-0.0, 0.0);
    }
    let e = (-w.abs()).exp();
    let r = 1.0 / (1.0 + e);
    let (s, t) = if w >= 0.0 { (r, e * r) } else { (e * r, r) };
    let xs = x * w_slope;
    (s + xs * s * t, s + xs.abs() * s * t)
}

/// `w` and `w'` of GELU's tanh form as `x sigmoid(w)`: `w = 2 sqrt(2 / pi) (x + 0.044715 x^3)`.
fn gelu_tanh_w(x: f64) -> (f64, f64) {
    let c = 2.0 * (2.0 / core::f64::consts::PI).sqrt();
    (
        c * (x + 0.044715 * x * x * x),
        c * (1.0 + 3.0 * 0.044715 * x * x),
    )
}

/// `dy * f'` in `f64`, rounded once (NaN `x` -> NaN).
fn times_dy(dy: f32, derivative: f64) -> f32 {
    (f64::from(dy) * derivative) as f32
}

/// SiLU's gradient, `dy * (s + x s (1 - s))` with `s = sigmoid(x)`, in `f64`, rounded once.
#[inline]
pub fn silu_backward_one(x: f32, dy: f32) -> f32 {
    let x = f64::from(x);
    times_dy(dy, swish_backward_f64(x, x, 1.0).0)
}

/// `M(x) = s + |x| s (1 - s)` of [`silu_backward_one`] (the sum of the absolute values of the
/// derivative's terms).
#[inline]
pub fn silu_backward_margin(x: f32) -> f64 {
    let x = f64::from(x);
    swish_backward_f64(x, x, 1.0).1
}

/// quick GELU's gradient, `dy * (s + 1.702 x s (1 - s))` with `s = sigmoid(1.702 x)`, in
/// `f64`, rounded once.
#[inline]
pub fn quick_gelu_backward_one(x: f32, dy: f32) -> f32 {
    let x = f64::from(x);
    times_dy(dy, swish_backward_f64(x, 1.702 * x, 1.702).0)
}

/// `M(x) = s + 1.702 |x| s (1 - s)` of [`quick_gelu_backward_one`].
#[inline]
pub fn quick_gelu_backward_margin(x: f32) -> f64 {
    let x = f64::from(x);
    swish_backward_f64(x, 1.702 * x, 1.702).1
}

/// GELU (tanh form)'s gradient, `dy * (0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u')`, in `f64`
/// as `s + x w' s (1 - s)` with `s = sigmoid(w)`, `w = 2u` (no cancellation of `1 + tanh` in
/// the tail), rounded once.
#[inline]
pub fn gelu_tanh_backward_one(x: f32, dy: f32) -> f32 {
    let x = f64::from(x);
    let (w, ws) = gelu_tanh_w(x);
    times_dy(dy, swish_backward_f64(x, w, ws).0)
}

/// `M(x) = s + |x w'| s (1 - s)` of [`gelu_tanh_backward_one`].
#[inline]
pub fn gelu_tanh_backward_margin(x: f32) -> f64 {
    let x = f64::from(x);
    let (w, ws) = gelu_tanh_w(x);
    swish_backward_f64(x, w, ws).1
}

/// `(f'(x), M(x))` of mish in `f64`: `f' = tanh(sp) + x sigmoid(x) (1 - tanh^2(sp))`,
/// `sp = softplus(x)`, as `(N D + 4 x G) / D^2` from `e = exp(-|x|)`: for `x <= 0`, `N = e (e + 2)`,
/// `D = N + 2`, `G = e (1 + e)`; for `x > 0` (numerator and denominator times `exp(-4x)`),
/// `N = 1 + 2e`, `D = N + 2 e^2`, `G = e^2 (1 + e)`. `M = (N D + 4 |x| G) / D^2`.
fn mish_backward_f64(x: f64) -> (f64, f64) {
    if x == f64::INFINITY {
        return (1.0, 1.0);
    }
    if x == f64::NEG_INFINITY {
        return (-0.0, 0.0);
    }
    let e = (-x.abs()).exp();
    let (n, d, g) = if x <= 0.0 {
        let n = e * (e + 2.0);
        (n, n + 2.0, e * (1.0 + e))
    } else {
        let n = 1.0 + 2.0 * e;
        (n, n + 2.0 * e * e, e * e * (1.0 + e))
    };
    let d2 = d * d;
    ((n * d + 4.0 * x * g) / d2, (n * d + 4.0 * x.abs() * g) / d2)
}

/// mish's gradient, `dy * (tanh(sp) + x sigmoid(x) (1 - tanh^2(sp)))`, `sp = softplus(x)`, in
/// `f64`, rounded once.
#[inline]
pub fn mish_backward_one(x: f32, dy: f32) -> f32 {
    times_dy(dy, mish_backward_f64(f64::from(x)).0)
}

/// `M(x) = tanh(sp) + |x| sigmoid(x) (1 - tanh^2(sp))` of [`mish_backward_one`].
#[inline]
pub fn mish_backward_margin(x: f32) -> f64 {
    mish_backward_f64(f64::from(x)).1
}

/// `(f'(x), M(x))` of GELU (erf form) in `f64`: `f' = Phi(x) + x phi(x)`, `M = Phi(x) + |x|
/// phi(x)`, `Phi(x) = erfc(-x / sqrt(2)) / 2` (`libm`), `phi(x) = exp(-x^2 / 2) / sqrt(2 pi)`.
fn gelu_backward_f64(x: f64) -> (f64, f64) {
    if x == f64::INFINITY {
        return (1.0, 1.0);
    }
    if x == f64::NEG_INFINITY {
        return (-0.0, 0.0);
    }
    let big_phi = 0.5 * libm::erfc(-x * core::f64::consts::FRAC_1_SQRT_2);
    let phi = (-0.5 * x * x).exp()
        * (0.5 * core::f64::consts::FRAC_2_SQRT_PI)
        * core::f64::consts::FRAC_1_SQRT_2;
    (big_phi + x * phi, big_phi + x.abs() * phi)
}

/// GELU (erf form)'s gradient, `dy * (Phi(x) + x phi(x))`, in `f64`, rounded once.
#[inline]
pub fn gelu_backward_one(x: f32, dy: f32) -> f32 {
    times_dy(dy, gelu_backward_f64(f64::from(x)).0)
}

/// `M(x) = Phi(x) + |x| phi(x)` of [`gelu_backward_one`].
#[inline]
pub fn gelu_backward_margin(x: f32) -> f64 {
    gelu_backward_f64(f64::from(x)).1
}

/// A logit `scale * x + mask`, exact, as an unevaluated sum `hi + lo` of two `f64`:
/// `hi = fl(scale * x + mask)` and `lo` its rounding error (the product is exact in `f64`, the
/// sum is not: `1e30 + 1.1e19` loses 3.8e13 to `f64`'s rounding, 34 `f32` ULP of a
/// log-softmax output `-1.1e19`). The derived order (by `hi`, then `lo`) is the order of the
/// exact values, since `hi` is their rounding. Infinite logits have `lo = 0`.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
struct Logit {
    hi: f64,
    lo: f64,
}

impl Logit {
    /// `p + bias` exactly (Knuth's two-sum); an infinite sum has `lo = 0`.
    fn sum(p: f64, bias: f64) -> Self {
        let hi = p + bias;
        if hi.is_infinite() {
            return Self { hi, lo: 0.0 };
        }
        let b = hi - p;
        let lo = (p - (hi - b)) + (bias - b);
        Self { hi, lo }
    }

    /// `self - max` in `f64`, for `max` finite and at least `self`: the difference of the
    /// `hi` parts exactly (two-sum), then the small parts. Accurate to a few units of `f64`
    /// rounding of the difference itself, however close the two logits are.
    fn minus(self, max: Self) -> f64 {
        if self.hi == f64::NEG_INFINITY {
            return f64::NEG_INFINITY;
        }
        let d = Self::sum(self.hi, -max.hi);
        d.hi + (d.lo + (self.lo - max.lo))
    }
}

/// The logits of row `r` of an optioned softmax call (see [`SoftmaxOptions`]), exact:
/// `None` for a masked entry, else `scale * x + mask` (a product or sum beyond the `f32` range
/// is the infinite logit the kernels see). `None` for the whole row if it has a live NaN or
/// `+inf` logit (`Err(())`), and the row's live logits otherwise.
#[allow(clippy::type_complexity)]
fn logits_with(
    x: &[f32],
    cols: usize,
    r: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<Vec<Option<Logit>>, ()> {
    let stride = opts.stride(cols);
    let row = &x[r * stride..r * stride + cols];
    let mut z = Vec::with_capacity(cols);
    for (j, &v) in row.iter().enumerate() {
        let (live, bias) = match opts.mask {
            Mask::None => (true, 0.0),
            Mask::Causal { offset } => (j <= r.saturating_add(offset), 0.0),
            Mask::Additive(m) => {
                let b = if m.len() == cols {
                    m[j]
                } else {
                    m[r * cols + j]
                };
                (b != f32::NEG_INFINITY, f64::from(b))
            }
        };
        if !live {
            z.push(None);
            continue;
        }
        let p = f64::from(v) * f64::from(opts.scale);
        let p = if (p as f32).is_infinite() {
            f64::from(p as f32)
        } else {
            p
        };
        let s = Logit::sum(p, bias);
        let s = if (s.hi as f32).is_infinite() {
            Logit {
                hi: f64::from(s.hi as f32),
                lo: 0.0,
            }
        } else {
            s
        };
        if s.hi.is_nan() || s.hi == f64::INFINITY {
            return Err(());
        }
        z.push(Some(s));
    }
    Ok(z)
}

/// One row's `(max, sum of exp(z - max) over the non-maximal logits, count at the max)` of
/// live finite logits; `None` if there are none.
fn sums_with(z: &[Option<Logit>]) -> Option<(Logit, f64, u64)> {
    let m = z.iter().flatten().copied().fold(
        Logit {
            hi: f64::NEG_INFINITY,
            lo: 0.0,
        },
        |m, v| if v > m { v } else { m },
    );
    if m.hi == f64::NEG_INFINITY {
        return None;
    }
    let (mut others, mut ones) = (0.0, 0_u64);
    for &v in z.iter().flatten() {
        if v == m {
            ones += 1;
        } else {
            others += v.minus(m).exp();
        }
    }
    Some((m, others, ones))
}

/// `ln(ones + others)`, as `ln_1p(others)` when `ones == 1`.
fn log_of(others: f64, ones: u64) -> f64 {
    if ones == 1 {
        others.ln_1p()
    } else {
        (ones as f64 + others).ln()
    }
}

/// Row by row per [`SoftmaxOptions`]: `f(z - max, others, ones)` for live logits, `masked` for
/// masked entries, NaN rows, fully masked rows per the options' policy (`empty`). The elements
/// between strided rows are untouched.
fn rows_with(
    x: &[f32],
    y: &mut [f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
    masked: f32,
    f: impl Fn(f64, f64, u64) -> f64,
) -> Result<(), Error> {
    let rows = validate::softmax_with(x, Some(y), cols, opts)?;
    let stride = opts.stride(cols);
    let empty = match opts.masked_rows {
        MaskedRows::Nan => f32::NAN,
        MaskedRows::Zero => masked,
    };
    for r in 0..rows {
        let out = &mut y[r * stride..r * stride + cols];
        let Ok(z) = logits_with(x, cols, r, opts) else {
            out.fill(f32::NAN);
            continue;
        };
        let Some((m, others, ones)) = sums_with(&z) else {
            out.fill(empty);
            continue;
        };
        for (o, z) in out.iter_mut().zip(&z) {
            *o = match z {
                Some(v) => f(v.minus(m), others, ones) as f32,
                None => masked,
            };
        }
    }
    Ok(())
}

/// Reference [`softmax_with`](crate::softmax_with): per row, the `f64` softmax of the exact
/// logits `scale * x + mask` (see [`SoftmaxOptions`]), rounded once; masked entries 0.
pub fn softmax_with(
    x: &[f32],
    y: &mut [f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<(), Error> {
    rows_with(x, y, cols, opts, 0.0, |d, others, ones| {
        d.exp() / (ones as f64 + others)
    })
}

/// Reference [`log_softmax_with`](crate::log_softmax_with): per row, `(z - max) - ln(sum)` of
/// the exact logits in `f64`, rounded once; masked entries `-inf`.
pub fn log_softmax_with(
    x: &[f32],
    y: &mut [f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<(), Error> {
    rows_with(x, y, cols, opts, f32::NEG_INFINITY, |d, others, ones| {
        d - log_of(others, ones)
    })
}

/// Reference [`log_sum_exp_with`](crate::log_sum_exp_with): per row, `max + ln(sum)` of the
/// exact logits in `f64`, rounded once; NaN rows NaN, fully masked rows NaN or `-inf` as the
/// options say.
pub fn log_sum_exp_with(
    x: &[f32],
    out: &mut [f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<(), Error> {
    validate::log_sum_exp(x, out, cols, opts)?;
    for (r, o) in out.iter_mut().enumerate() {
        *o = match logits_with(x, cols, r, opts) {
            Err(()) => f32::NAN,
            Ok(z) => match sums_with(&z) {
                None if opts.masked_rows == MaskedRows::Zero => f32::NEG_INFINITY,
                None => f32::NAN,
                Some((m, others, ones)) => (m.hi + (m.lo + log_of(others, ones))) as f32,
            },
        };
    }
    Ok(())
}
