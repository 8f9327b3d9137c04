//! Gradients of `x * sigmoid(w(x))`: SiLU (`w = x`), quick GELU (`w = 1.702 x`) and the tanh form
//! of GELU (`w = 2 sqrt(2 / pi) (x + 0.044715 x^3)`).
//!
//! `f' = s + x w' s (1 - s)` with `s = sigmoid(w)`; its terms have opposite signs for `x < 0`
//! and cancel at a root (SiLU -1.2785, quick GELU -0.7512, GELU tanh -0.7517), so the bound is
//! `|dx - ref| <= 3 ulp(ref) + 2^-23 |dy| M(x)` with `M = s + |x w'| s (1 - s)`.
//!
//! Method: `e = exp(-|w|)` in `(0, 1]` (with `w` carried exactly into exp as `m + m_lo`, as the
//! forward kernels do), `d + d_lo = 1 + e` exactly (Fast2Sum), and one quotient
//! `f' = A N / D` over `D = (1 + e)^2` (rounded once from the exact `d + d_lo`):
//! for `x < 0`, `f' = e (1 + e + x w') / (1 + e)^2` (`A = e`, `N = (d + x w') + d_lo`, where
//! `d + x w'` is exact next to the root by Sterbenz's lemma); for `x >= 0`,
//! `f' = (1 + e + x w' e) / (1 + e)^2` (`A = 1`, `N = fma(e, x w', d) + d_lo`). One `exp`, one
//! division. The one-lane backend (no FMA) evaluates the same formula in `f64` from exp's
//! parts, rounding once.
//!
//! Far negative `w` (where `e` is subnormal) take the tail `f' = e (1 + x w')` (to far below an
//! ULP), with `dx = (dy p (1 + x w')) 2^n` from exp's parts `e = p 2^n`, rounded once
//! ([`scale_exactly`]): full relative accuracy down to subnormal `dx` for any `dy` with
//! `|dy| <= 2^80` (beyond the clamp of `x`, where `|f'| < 2^-236`, larger `|dy|` could give a
//! nonzero subnormal result that is returned as 0). Vectors with a lane outside
//! `2^-25 <= |x| <= NORMAL_MAX` (or NaN) take this second path, chosen per vector; both paths
//! give the same bits for the lanes they share.
//!
//! Special values: NaN `x` -> the input NaN quieted; NaN `dy` -> NaN; `x = +inf` -> `dy`
//! (`f' = 1`); `x = -inf` (and `x` below the clamp) -> `-0 * sign(dy)` (`f' = -0`); `dy = +-inf` ->
//! `dy * f'(x)` with `f'` rounded to f32 (NaN where that is 0, i.e. far negative `x`); `-0.0`
//! like `+0.0` (`f' = 1/2`).

use pulp::Simd;

use crate::simd::exp::{
    TINY_INPUT, all_in_range, exp_lo_normal_scale, exp_lo_parts, scale_exactly,
};
use crate::simd::swish::C1_LO;
use crate::simd::swish::{Argument, C1, GeluTanh, QuickGelu, Silu};
use crate::simd::{
    SUBNORMAL_EXP_BELOW, abs, apply_remainder, quiet_nan_passthrough, quotient_and_remainder,
    two_prod,
};

/// SiLU's gradient, `dy * (s + x s (1 - s))`, `s = sigmoid(x)`; bound
/// `|dx - ref| <= 3 ulp(ref) + 2^-23 |dy| M(x)`, `M = s + |x| s (1 - s)` (method and special
/// values: module doc). Measured over all 2^32 `x` with `dy = 1`, as the largest
/// `|dx - ref| / (3 ulp(ref) + 2^-23 M)`: 0.543 on AVX2 and AVX-512 (bit-identical), 0.455 on
/// the one-lane backend; on 2^24 random `dy` (log-uniform in `[2^-40, 2^40]`, both signs):
/// 0.638 and 0.438.
#[inline(always)]
pub(crate) fn silu_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    swish_backward::<S, Silu>(simd, x, dy)
}

/// quick GELU's gradient, `dy * (s + 1.702 x s (1 - s))`, `s = sigmoid(1.702 x)`; bound
/// `|dx - ref| <= 3 ulp(ref) + 2^-23 |dy| M(x)`, `M = s + 1.702 |x| s (1 - s)`. Measured over
/// all 2^32 `x` with `dy = 1`, as the largest `|dx - ref| / (3 ulp(ref) + 2^-23 M)`: 0.641 on
/// AVX2 and AVX-512 (bit-identical), 0.470 on the one-lane backend; on 2^24 random `dy`: 0.636
/// and 0.429.
#[inline(always)]
pub(crate) fn quick_gelu_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    swish_backward::<S, QuickGelu>(simd, x, dy)
}

/// GELU (tanh form)'s gradient, `dy * (0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u')`,
/// `u = sqrt(2 / pi) (x + 0.044715 x^3)`; as `s + x w' s (1 - s)` with `s = sigmoid(2u)`,
/// `w' = 2u'`; bound `|dx - ref| <= 3 ulp(ref) + 2^-23 |dy| M(x)`, `M = s + |x w'| s (1 - s)`.
/// Measured over all 2^32 `x` with `dy = 1`, as the largest `|dx - ref| / (3 ulp(ref) + 2^-23
/// M)`: 0.796 on AVX2 and AVX-512 (bit-identical), 0.462 on the one-lane backend; on 2^24
/// random `dy`: 0.792 and 0.432.
#[inline(always)]
pub(crate) fn gelu_tanh_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    swish_backward::<S, GeluTanh>(simd, x, dy)
}

/// What the gradient needs beyond the forward's [`Argument`].
pub(crate) trait Slope: Argument {
    /// `|x|` at which the second path clamps `x`: `|w| log2 e <= 249` there (so that
    /// [`scale_exactly`]'s scale stays in range), and `|f'| < 2^-236` beyond.
    const BACK_CLAMP: f32;
    /// `x w'(x)` in f32, for `|x| <= BACK_CLAMP` (`m + m_lo` is the forward's `-w`).
    fn x_slope<S: Simd>(simd: S, x: S::f32s, m: S::f32s, m_lo: Option<S::f32s>) -> S::f32s;
    /// `x w'(x)` in f64 (the one-lane backend).
    fn x_slope_f64(x: f64) -> f64;
}

impl Slope for Silu {
    const BACK_CLAMP: f32 = 172.0;
    #[inline(always)]
    fn x_slope<S: Simd>(_simd: S, x: S::f32s, _m: S::f32s, _lo: Option<S::f32s>) -> S::f32s {
        x
    }
    #[inline(always)]
    fn x_slope_f64(x: f64) -> f64 {
        x
    }
}

impl Slope for QuickGelu {
    /// `101 * 1.702 = 171.9`.
    const BACK_CLAMP: f32 = 101.0;
    #[inline(always)]
    fn x_slope<S: Simd>(simd: S, _x: S::f32s, m: S::f32s, _lo: Option<S::f32s>) -> S::f32s {
        // 1.702 x rounded: the forward's `-m`.
        simd.neg_f32s(m)
    }
    #[inline(always)]
    fn x_slope_f64(x: f64) -> f64 {
        1.702 * x
    }
}

impl Slope for GeluTanh {
    /// `w(12.8) = 170.1`.
    const BACK_CLAMP: f32 = 12.8;
    #[inline(always)]
    fn x_slope<S: Simd>(simd: S, x: S::f32s, m: S::f32s, m_lo: Option<S::f32s>) -> S::f32s {
        // x (C1 + 3 C3 x^2) = 3 w - 2 C1 x, rounded once: the exact `-3 m - 2 C1_HI x` (no
        // cancellation: the terms of `x w'` have one sign), then the low parts.
        let (a, a_lo) = two_prod(simd, x, simd.splat_f32s(2.0 * C1));
        let t = simd.mul_add_e_f32s(simd.splat_f32s(-3.0), m, simd.neg_f32s(a));
        let lo = simd.mul_add_e_f32s(x, simd.splat_f32s(-2.0 * C1_LO), simd.neg_f32s(a_lo));
        let lo = match m_lo {
            Some(m_lo) => simd.mul_add_e_f32s(simd.splat_f32s(-3.0), m_lo, lo),
            None => lo,
        };
        simd.add_f32s(t, lo)
    }
    #[inline(always)]
    fn x_slope_f64(x: f64) -> f64 {
        const C1_64: f64 = 1.595_769_121_605_730_7;
        const C3_64: f64 = 0.071_354_816_272_600_25;
        x * (C1_64 + 3.0 * C3_64 * x * x)
    }
}

/// The sign bit of `x` as a mask.
#[inline(always)]
pub(crate) fn sign_mask<S: Simd>(simd: S, x: S::f32s) -> S::m32s {
    simd.less_than_i32s(simd.transmute_i32s_f32s(x), simd.splat_i32s(0))
}

/// A value and its optional low part.
type Split<S> = (<S as Simd>::f32s, Option<<S as Simd>::f32s>);

/// `-|w|` as `(v, v_lo)` from the forward's `m + m_lo = -w` (`w` has the sign of `x`), and
/// `(m, m_lo)`.
#[inline(always)]
fn minus_abs_w<S: Simd, W: Argument>(simd: S, x: S::f32s, neg: S::m32s) -> (Split<S>, Split<S>) {
    let (m, m_lo) = W::minus(simd, x);
    let v = simd.select_f32s(neg, simd.neg_f32s(m), m);
    let v_lo = m_lo.map(|lo| simd.select_f32s(neg, simd.neg_f32s(lo), lo));
    ((v, v_lo), (m, m_lo))
}

/// `f'` from `e = exp(-|w|)` (normal or 0) and `xs = x w'` (see the module doc): the quotient
/// `A N / D` corrected by its exact remainder and the exact rounding errors of `A N` and of
/// `D = (d + d_lo)^2` (FMAs), so that it is rounded about once.
#[inline(always)]
fn derivative<S: Simd>(simd: S, e: S::f32s, xs: S::f32s, neg: S::m32s) -> S::f32s {
    let one = simd.splat_f32s(1.0);
    let d = simd.add_f32s(one, e);
    let d_lo = simd.sub_f32s(e, simd.sub_f32s(d, one));
    let a = simd.select_f32s(neg, e, one);
    let b = simd.select_f32s(neg, one, e);
    let num = simd.add_f32s(simd.mul_add_e_f32s(b, xs, d), d_lo);
    let (an, an_lo) = two_prod(simd, a, num);
    let (den, den_lo) = two_prod(simd, d, d);
    let den_lo = simd.mul_add_e_f32s(simd.add_f32s(d, d), d_lo, den_lo);
    let (q0, r) = quotient_and_remainder(simd, an, den);
    let r = simd.mul_add_e_f32s(simd.neg_f32s(q0), den_lo, simd.add_f32s(r, an_lo));
    apply_remainder(simd, q0, r, den)
}

/// `dy * f'(x)` for `f = x sigmoid(w(x))`.
#[inline(always)]
fn swish_backward<S: Simd, W: Slope>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    if S::F32_LANES == 1 {
        return scalar::<S, W>(simd, x, dy);
    }
    if all_in_range(simd, x, TINY_INPUT, W::NORMAL_MAX) {
        let neg = sign_mask(simd, x);
        let ((v, v_lo), (m, v_lo_m)) = minus_abs_w::<S, W>(simd, x, neg);
        let e = exp_lo_normal_scale(simd, v, v_lo);
        let xs = W::x_slope(simd, x, m, v_lo_m);
        return simd.mul_f32s(dy, derivative(simd, e, xs, neg));
    }
    // Second path: tiny and NaN lanes run on `x = 0` (tiny ones keep that result: within
    // 0.43 ULP of theirs), far ones are clamped.
    let xb = benign_zero_clamped(simd, x, W::BACK_CLAMP);
    let neg = sign_mask(simd, xb);
    let ((v, v_lo), (m, v_lo_m)) = minus_abs_w::<S, W>(simd, xb, neg);
    let (p, n) = exp_lo_parts(simd, v, v_lo);
    let far = simd.less_than_f32s(v, simd.splat_f32s(SUBNORMAL_EXP_BELOW));
    // `e` is 0 where it would be subnormal: far positive lanes give `f' = 1`, far negative
    // ones are replaced by the tail.
    let e = simd.select_f32s(far, simd.splat_f32s(0.0), scale_exactly(simd, p, n));
    let xs = W::x_slope(simd, xb, m, v_lo_m);
    let f = derivative(simd, e, xs, neg);
    let tail = simd.and_m32s(far, neg);
    let pc = simd.mul_f32s(p, simd.add_f32s(simd.splat_f32s(1.0), xs));
    quiet_nan_passthrough(simd, x, times_dy(simd, dy, f, tail, pc, n))
}

/// `dy f` where `tail` is false; where it is true, `dy pc 2^n` rounded once (for finite `dy`;
/// `dy` times `pc 2^n` rounded to f32 otherwise, so that IEEE's infinities and NaN come out).
#[inline(always)]
pub(crate) fn times_dy<S: Simd>(
    simd: S,
    dy: S::f32s,
    f: S::f32s,
    tail: S::m32s,
    pc: S::f32s,
    n: S::i32s,
) -> S::f32s {
    let g = simd.select_f32s(tail, scale_exactly(simd, pc, n), f);
    let plain = simd.mul_f32s(dy, g);
    let exact = scale_exactly(simd, simd.mul_f32s(dy, pc), n);
    let finite = simd.less_than_f32s(abs(simd, dy), simd.splat_f32s(f32::INFINITY));
    simd.select_f32s(simd.and_m32s(tail, finite), exact, plain)
}

/// `x` with tiny (`|x| < 2^-25`) and NaN lanes replaced by `+0` and the rest clamped to
/// `[-clamp, clamp]`.
#[inline(always)]
pub(crate) fn benign_zero_clamped<S: Simd>(simd: S, x: S::f32s, clamp: f32) -> S::f32s {
    let tiny = simd.less_than_f32s(abs(simd, x), simd.splat_f32s(TINY_INPUT));
    let nan = simd.not_m32s(simd.equal_f32s(x, x));
    let xb = simd.select_f32s(simd.or_m32s(tiny, nan), simd.splat_f32s(0.0), x);
    simd.max_f32s(
        simd.min_f32s(xb, simd.splat_f32s(clamp)),
        simd.splat_f32s(-clamp),
    )
}

/// `2^n` in f64 (`-1022 <= n <= 1023`).
#[inline(always)]
pub(crate) fn pow2_f64(n: i32) -> f64 {
    f64::from_bits(((n + 1023) as u64) << 52)
}

/// The one-lane backend: the formula in `f64` from exp's parts, rounded once.
#[inline(always)]
fn scalar<S: Simd, W: Slope>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    use pulp::bytemuck::cast;
    let xb = benign_zero_clamped(simd, x, W::BACK_CLAMP);
    let neg = sign_mask(simd, xb);
    let ((v, v_lo), _) = minus_abs_w::<S, W>(simd, xb, neg);
    let (p, n) = exp_lo_parts(simd, v, v_lo);
    let (p, n, xb, dy): (f32, i32, f32, f32) = (cast(p), cast(n), cast(xb), cast(dy));
    let e = f64::from(p) * pow2_f64(n);
    let xs = W::x_slope_f64(f64::from(xb));
    let d = 1.0 + e;
    let num = if xb < 0.0 { e * (d + xs) } else { d + xs * e };
    let f = num / (d * d);
    let dx = if dy.is_finite() {
        (f64::from(dy) * f) as f32
    } else {
        dy * f as f32
    };
    quiet_nan_passthrough(simd, x, cast(dx))
}
