//! GELU (erf form)'s gradient: `f' = Phi(x) + x phi(x)`, `Phi(x) = erfc(-x / sqrt(2)) / 2`,
//! `phi(x) = exp(-x^2 / 2) / sqrt(2 pi)`.
//!
//! With `e = exp(-x^2 / 2)` (the exponent exact into exp, as the forward kernel) and
//! `Phi(-|x|) = e F / 2`, `F = erfcx(|x| / sqrt(2))` (the forward's fitted `N / D`,
//! [`erfcx_parts`]): `f' = e h` for `x < 0` and `1 - e h` for `x >= 0`, where
//! `h = F / 2 - |x| / sqrt(2 pi) = (N / 2 - |x| D / sqrt(2 pi)) / D` (one FMA and one division).
//! The terms cancel at the root `x = -0.7518`: the bound is
//! `|dx - ref| <= 3 ulp(ref) + 2^-23 |dy| M(x)`, `M = Phi(x) + |x| phi(x)`. The one-lane backend
//! evaluates `f'` in `f64` (`libm`'s `erfc`, exp's parts scaled in `f64`), rounding once.
//!
//! Vectors with a lane outside `2^-25 <= |x| <= 13.19` (or NaN) take a second path, chosen per
//! vector, which never computes with a subnormal number: far negative `x` (`e` subnormal) take
//! `h` from the asymptotic series `h = -(|x| - 1 / |x| + 1 / |x|^3 - 3 / |x|^5) / sqrt(2 pi)`
//! (beyond the fit of `F`) and `dx = (dy p h) 2^n` from exp's parts `e = p 2^n`, rounded once,
//! for `|dy| <= 2^80`; far positive `x` give `f' = 1`; tiny `|x|` give `f'(0) = 1/2`. Both paths
//! give the same bits for the lanes they share.
//!
//! Special values: NaN `x` -> the input NaN quieted; NaN `dy` -> NaN; `x = +inf` -> `dy`;
//! `x = -inf` (and `x < -18`) -> `-0 * sign(dy)`; `dy = +-inf` -> `dy * f'(x)` with `f'` rounded
//! to f32 (NaN where that is 0); `-0.0` like `+0.0` (`f' = 1/2`).

use pulp::Simd;

use super::swish::{benign_zero_clamped, pow2_f64, sign_mask, times_dy};
use crate::simd::exp::{
    TINY_INPUT, all_in_range, exp_lo_normal_scale, exp_lo_parts, scale_exactly,
};
use crate::simd::gelu::{erfcx_parts, minus_half_square};
use crate::simd::{abs, apply_remainder, quiet_nan_passthrough, quotient_and_remainder, two_prod};

/// `|x|` up to which `exp(-x^2 / 2)` is normal (`x^2 / 2 <= 87.0`), as the forward's.
const NORMAL_MAX: f32 = 13.19;
/// `|x|` at which the second path clamps `x`: `|f'| < 2^-230` beyond, and `x^2 / 2 log2 e < 249`.
const CLAMP: f32 = 18.0;
/// `1 / sqrt(2 pi)`.
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

/// GELU (erf form)'s gradient, `dy * (Phi(x) + x phi(x))`, for every lane; bound
/// `|dx - ref| <= 3 ulp(ref) + 2^-23 |dy| M(x)`, `M = Phi(x) + |x| phi(x)` (method and special
/// values: module doc).
///
/// Measured over all 2^32 `x` with `dy = 1`, as the largest `|dx - ref| / (3 ulp(ref) + 2^-23 M)`:
/// 0.786 on AVX2 and AVX-512 (bit-identical), 0.467 on the one-lane backend; on 2^24 random
/// `dy` (log-uniform in `[2^-40, 2^40]`, both signs): 0.813 and 0.436. (The fitted `erfcx`,
/// within 1.6e-7 in f32, is most of the SIMD backends' error.)
#[inline(always)]
pub(crate) fn gelu_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    if S::F32_LANES == 1 {
        return scalar(simd, x, dy);
    }
    let neg = sign_mask(simd, x);
    if all_in_range(simd, x, TINY_INPUT, NORMAL_MAX) {
        let (m, m_lo) = minus_half_square(simd, x);
        let e = exp_lo_normal_scale(simd, m, Some(m_lo));
        let h = fitted_h(simd, abs(simd, x));
        return simd.mul_f32s(dy, combine(simd, e, h, neg));
    }
    let xb = benign_zero_clamped(simd, x, CLAMP);
    let neg = sign_mask(simd, xb);
    let (m, m_lo) = minus_half_square(simd, xb);
    let (p, n) = exp_lo_parts(simd, m, Some(m_lo));
    let far = simd.less_than_f32s(m, simd.splat_f32s(-87.0));
    let e = simd.select_f32s(far, simd.splat_f32s(0.0), scale_exactly(simd, p, n));
    let a = abs(simd, xb);
    let f = combine(simd, e, fitted_h(simd, a), neg);
    let tail = simd.and_m32s(far, neg);
    let ph = simd.mul_f32s(p, asymptotic_h(simd, a));
    quiet_nan_passthrough(simd, x, times_dy(simd, dy, f, tail, ph, n))
}

/// `e h` where `neg`, else `1 - e h`, with `h = num / D` (see [`fitted_h`]): the quotient
/// `e num / D` corrected by its exact remainder and the exact rounding error of `e num`.
#[inline(always)]
fn combine<S: Simd>(
    simd: S,
    e: S::f32s,
    (num, big_d): (S::f32s, S::f32s),
    neg: S::m32s,
) -> S::f32s {
    let (en, en_lo) = two_prod(simd, e, num);
    let (q0, r) = quotient_and_remainder(simd, en, big_d);
    let q = apply_remainder(simd, q0, simd.add_f32s(r, en_lo), big_d);
    simd.select_f32s(neg, q, simd.sub_f32s(simd.splat_f32s(1.0), q))
}

/// `h = F / 2 - a / sqrt(2 pi)` with `F = N / D` fitted (`0 <= a <= 14.5`), as `(num, D)`:
/// `h = num / D`.
#[inline(always)]
fn fitted_h<S: Simd>(simd: S, a: S::f32s) -> (S::f32s, S::f32s) {
    // The forward kernel's fit; its `D_lo` (the rounding of `M`'s last step) is below what
    // this quotient resolves.
    let (big_n, big_d, _) = erfcx_parts(simd, a);
    let ac = simd.mul_f32s(a, simd.splat_f32s(FRAC_1_SQRT_2PI));
    let num = simd.mul_add_e_f32s(
        simd.neg_f32s(ac),
        big_d,
        simd.mul_f32s(big_n, simd.splat_f32s(0.5)),
    );
    (num, big_d)
}

/// `h` from its asymptotic series, for `a >= 13` (the next term, `15 / a^7`, is below
/// `2^-26` of `h`).
#[inline(always)]
fn asymptotic_h<S: Simd>(simd: S, a: S::f32s) -> S::f32s {
    let one = simd.splat_f32s(1.0);
    let ia = simd.div_f32s(one, a);
    let ia2 = simd.mul_f32s(ia, ia);
    // 1 - ia2 (1 - 3 ia2)
    let t = simd.mul_add_e_f32s(simd.splat_f32s(-3.0), ia2, one);
    let t = simd.mul_add_e_f32s(simd.neg_f32s(ia2), t, one);
    let s = simd.mul_add_e_f32s(simd.neg_f32s(ia), t, a);
    simd.mul_f32s(s, simd.splat_f32s(-FRAC_1_SQRT_2PI))
}

/// The one-lane backend: `Phi(-|x|)` from `libm`'s `erfc` and `phi` from exp's parts, in
/// `f64`, rounded once.
#[inline(always)]
fn scalar<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    use pulp::bytemuck::cast;
    let xb = benign_zero_clamped(simd, x, CLAMP);
    let (m, m_lo) = minus_half_square(simd, xb);
    let (p, n) = exp_lo_parts(simd, m, Some(m_lo));
    let (p, n, xb, dy): (f32, i32, f32, f32) = (cast(p), cast(n), cast(xb), cast(dy));
    let a = f64::from(xb.abs());
    let e_half = 0.5 * libm::erfc(a * core::f64::consts::FRAC_1_SQRT_2);
    let a_phi = a
        * f64::from(p)
        * pow2_f64(n)
        * (0.5 * core::f64::consts::FRAC_2_SQRT_PI)
        * core::f64::consts::FRAC_1_SQRT_2;
    let f = if xb < 0.0 {
        e_half - a_phi
    } else {
        (1.0 - e_half) + a_phi
    };
    let dx = if dy.is_finite() {
        (f64::from(dy) * f) as f32
    } else {
        dy * f as f32
    };
    quiet_nan_passthrough(simd, x, cast(dx))
}
