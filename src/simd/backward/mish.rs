//! mish's gradient: `f' = tanh(sp) + x sigmoid(x) (1 - tanh^2(sp))`, `sp = softplus(x)`.
//!
//! With `e = exp(-|x|)` in `(0, 1]` (as the forward kernel): `tanh(sp) = N / D` and
//! `x sigmoid(x) (1 - tanh^2(sp)) = 4 x G / D^2`, so `f' = (N D + 4 x G) / D^2`, where for
//! `x < 0` (`E = exp(x) = e`) `N = e (e + 2)`, `D = N + 2`, `G = e (1 + e)`, and for `x >= 0`
//! (numerator and denominator times `e^4`) `N = 1 + 2e`, `D = N + 2 e^2`, `G = e^2 (1 + e)`.
//! `N` and `D` are the forward's FMAs, the numerator one more FMA: one `exp`, one division.
//! The terms cancel at the root `x = -1.1924`: the bound is
//! `|dx - ref| <= 3 ulp(ref) + 2^-23 |dy| M(x)`, `M = tanh(sp) + |x| sigmoid(x) (1 - tanh^2(sp))`.
//! The one-lane backend (no FMA) evaluates the same formula in `f64` from exp's parts.
//!
//! Vectors with a lane outside `2^-25 <= |x| <= 87.336` (or NaN) take a second path, chosen per
//! vector, which never computes with a subnormal number: far negative `x` (`e` subnormal) take
//! the tail `f' = e (1 + x)` (to far below an ULP), `dx = (dy p (1 + x)) 2^n` from exp's parts
//! `e = p 2^n`, rounded once, for `|dy| <= 2^80` (as SiLU's gradient); tiny `|x|` give
//! `f'(0) = 0.6`, correctly rounded. Both paths give the same bits for the lanes they share.
//!
//! Special values: NaN `x` -> the input NaN quieted; NaN `dy` -> NaN; `x = +inf` -> `dy`;
//! `x = -inf` (and far negative `x`) -> `-0 * sign(dy)`; `dy = +-inf` -> `dy * f'(x)` with `f'`
//! rounded to f32 (NaN where that is 0); `-0.0` like `+0.0` (`f' = 0.6`).

use pulp::Simd;

use super::swish::{benign_zero_clamped, pow2_f64, sign_mask, times_dy};
use crate::simd::exp::{all_in_normal_range, exp_lo_parts, exp_normal_scale, scale_exactly};
use crate::simd::mish::ratio_parts;
use crate::simd::{
    SUBNORMAL_EXP_BELOW, apply_remainder, neg_abs, quiet_nan_passthrough, quotient_and_remainder,
    two_prod,
};

/// `|x|` at which the second path clamps `x` (`|x| log2 e <= 249`; `|f'| < 2^-240` beyond).
const CLAMP: f32 = 172.0;

/// mish's gradient, `dy * (tanh(sp) + x sigmoid(x) (1 - tanh^2(sp)))`, `sp = softplus(x)`,
/// for every lane; bound `|dx - ref| <= 3 ulp(ref) + 2^-23 |dy| M(x)`,
/// `M = tanh(sp) + |x| sigmoid(x) (1 - tanh^2(sp))` (method and special values: module doc).
///
/// Measured over all 2^32 `x` with `dy = 1`, as the largest `|dx - ref| / (3 ulp(ref) + 2^-23 M)`:
/// 0.610 on AVX2 and AVX-512 (bit-identical), 0.455 on the one-lane backend; on 2^24 random
/// `dy` (log-uniform in `[2^-40, 2^40]`, both signs): 0.676 and 0.438.
#[inline(always)]
pub(crate) fn mish_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    if S::F32_LANES == 1 {
        return scalar(simd, x, dy);
    }
    if all_in_normal_range(simd, x) {
        let e = exp_normal_scale(simd, neg_abs(simd, x));
        return simd.mul_f32s(dy, derivative(simd, x, e, sign_mask(simd, x)));
    }
    let xb = benign_zero_clamped(simd, x, CLAMP);
    let neg = sign_mask(simd, xb);
    let z = neg_abs(simd, xb);
    let (p, n) = exp_lo_parts(simd, z, None);
    let far = simd.less_than_f32s(z, simd.splat_f32s(SUBNORMAL_EXP_BELOW));
    let e = simd.select_f32s(far, simd.splat_f32s(0.0), scale_exactly(simd, p, n));
    let f = derivative(simd, xb, e, neg);
    let tail = simd.and_m32s(far, neg);
    let pc = simd.mul_f32s(p, simd.add_f32s(simd.splat_f32s(1.0), xb));
    quiet_nan_passthrough(simd, x, times_dy(simd, dy, f, tail, pc, n))
}

/// `(N D + 4 x G) / D^2` from `e = exp(-|x|)` (see the module doc).
#[inline(always)]
fn derivative<S: Simd>(simd: S, x: S::f32s, e: S::f32s, neg: S::m32s) -> S::f32s {
    let one = simd.splat_f32s(1.0);
    let two = simd.splat_f32s(2.0);
    // The forward's `tanh(softplus(x)) = N / D`.
    let (big_n, big_d) = ratio_parts(simd, e, neg);
    // 4 G = 4 e (1 + e) (times e where x >= 0), with `1 + e = s + s_lo` exactly (Fast2Sum):
    // `4 e s` here, the rest `4 e s_lo` joins the remainder below.
    let s1 = simd.add_f32s(one, e);
    let s1_lo = simd.sub_f32s(e, simd.sub_f32s(s1, one));
    let e4 = simd.mul_f32s(e, simd.splat_f32s(4.0));
    let e4 = simd.select_f32s(neg, e4, simd.mul_f32s(e4, e));
    let g = simd.mul_f32s(e4, s1);
    // The exact rounding error of `D = N + 2` where `x < 0` (Fast2Sum: exact for `N <= 3`),
    // where it matters in the tail (`D` about 2, an error of `2^-24` relative, twice in `D^2`).
    let d_lo = simd.sub_f32s(big_n, simd.sub_f32s(big_d, two));
    let d_lo = simd.select_f32s(neg, d_lo, simd.splat_f32s(0.0));
    let (xg, xg_lo) = two_prod(simd, x, g);
    let num = simd.mul_add_e_f32s(big_n, big_d, xg);
    // The quotient corrected by its exact remainder and the exact rounding errors of `x G`,
    // `D` and `D^2`.
    let (den, den_lo) = two_prod(simd, big_d, big_d);
    let den_lo = simd.mul_add_e_f32s(simd.add_f32s(big_d, big_d), d_lo, den_lo);
    let (q0, r) = quotient_and_remainder(simd, num, den);
    let r = simd.add_f32s(r, simd.mul_add_e_f32s(simd.mul_f32s(x, e4), s1_lo, xg_lo));
    let r = simd.mul_add_e_f32s(big_n, d_lo, r);
    let r = simd.mul_add_e_f32s(simd.neg_f32s(q0), den_lo, r);
    apply_remainder(simd, q0, r, den)
}

/// The one-lane backend: the formula in `f64` from exp's parts, rounded once.
#[inline(always)]
fn scalar<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    use pulp::bytemuck::cast;
    let xb = benign_zero_clamped(simd, x, CLAMP);
    let (p, n) = exp_lo_parts(simd, neg_abs(simd, xb), None);
    let (p, n, xb, dy): (f32, i32, f32, f32) = (cast(p), cast(n), cast(xb), cast(dy));
    let e = f64::from(p) * pow2_f64(n);
    let x64 = f64::from(xb);
    let (big_n, big_d, g) = if xb < 0.0 {
        let big_n = e * (e + 2.0);
        (big_n, big_n + 2.0, e * (1.0 + e))
    } else {
        let big_n = 1.0 + 2.0 * e;
        (big_n, big_n + 2.0 * e * e, e * e * (1.0 + e))
    };
    let f = (big_n * big_d + 4.0 * x64 * g) / (big_d * big_d);
    let dx = if dy.is_finite() {
        (f64::from(dy) * f) as f32
    } else {
        dy * f as f32
    };
    quiet_nan_passthrough(simd, x, cast(dx))
}
