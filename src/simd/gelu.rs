//! GELU, erf form: `gelu(x) = x Phi(x) = x / 2 * erfc(-x / sqrt(2))` for f32 lanes.
//!
//! With `z = |x| / sqrt(2)` and `E = erfc(z) / 2 = Phi(-|x|)` in `(0, 1/2]`: `gelu(x) = x E` for
//! `x < 0` and `x - x E` for `x >= 0`, one FMA either way. `erfc(z) = exp(-z^2) F(z)`, where
//! `F(z) = erfc(z) exp(z^2)` (the scaled complementary error function, `erfcx`) is smooth and
//! slowly varying (`F(0) = 1`, `F(z) ~ 1 / (z sqrt(pi))`): its approximation
//! ([`erfcx`], fitted for this crate) multiplies, so its rounding errors stay relative, and the
//! exponent `-z^2 = -x^2 / 2` enters `exp` exactly (an exact square, carried as `m + m_lo` into
//! exp's reduced argument). Rounding `x^2 / 2` to f32 first would cost `x^2 / 2 * 2^-24` of
//! relative error in the negative tail: 100 ULP near `x = -14`, where clamping libraries
//! (XNNPACK at -5.16, ggml at -10) return `-0`.
//!
//! Vectors with a lane outside `2^-25 <= |x| <= 13.19` (where `exp(-x^2 / 2)` is normal) or
//! NaN take a second path, chosen per vector, which never computes with a subnormal number:
//! there the far negative tail is `x F / 2 * p 2^n` from the parts of `exp(-z^2) = p 2^n`,
//! rounded once ([`scale_exactly`]), down to subnormal results and `-0`; far positive `x`
//! gives `x`; tiny `|x|` gives `x / 2` correctly rounded (the next term, `x^2 / sqrt(2 pi)`, is
//! below half an ULP and breaks the tie of an odd subnormal toward `+inf`).
//!
//! Error over all 2^32 inputs (`tests/exhaustive.rs`): at most 4 ULP on AVX2 and AVX-512 (two
//! inputs, near `x = -3.015`, reach 4; 5431 reach 3), 2 ULP on the one-lane backend, which
//! evaluates `erfcx` and the quotient in `f64`. The f32 evaluation of the fitted `erfcx`
//! (within 1.6e-7, about 2.6 ULP, from the roundings of its two polynomials) is what keeps the
//! SIMD backends above the 3 ULP of the other functions. NaN in,
//! the input NaN quieted out; `+inf` -> `+inf`; `-inf` and the far negative tail -> `-0`;
//! `-0.0` -> `-0.0`.

use pulp::Simd;

use super::exp::{TINY_INPUT, all_in_range, exp_lo_normal_scale, exp_lo_parts, scale_exactly};
use super::swish::{TINY_X, half_rounded_up};
use super::{
    abs, apply_remainder, benign_clamped, quiet_nan_passthrough, quotient_and_remainder, two_prod,
};

/// `|x|` up to which `exp(-x^2 / 2)` is normal (`x^2 / 2 <= 87.0`).
const NORMAL_MAX: f32 = 13.19;
/// Beyond this `|x|` the result is `x` or `-0` (`gelu(-14.5)` is below half the smallest
/// subnormal); the second path clamps `x` there.
const CLAMP: f32 = 14.5;
/// `1 / sqrt(2)`.
const FRAC_1_SQRT_2: f32 = core::f32::consts::FRAC_1_SQRT_2;

/// `gelu(x)` (erf form) for every lane.
#[inline(always)]
pub(crate) fn gelu<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let negative = simd.less_than_i32s(simd.transmute_i32s_f32s(x), simd.splat_i32s(0));
    if S::F32_LANES > 1 && all_in_range(simd, x, TINY_INPUT, NORMAL_MAX) {
        let (m, m_lo) = minus_half_square(simd, x);
        let e = exp_lo_normal_scale(simd, m, Some(m_lo));
        let q = half_x_scaled_erfc(simd, x, e);
        return simd.select_f32s(negative, q, simd.sub_f32s(x, q));
    }
    // Second path: tiny and NaN lanes run on a benign argument, far ones are clamped.
    let (tiny, xb) = benign_clamped(simd, x, TINY_X, CLAMP);
    let (m, m_lo) = minus_half_square(simd, xb);
    let (p, n) = exp_lo_parts(simd, m, Some(m_lo));
    // Where `exp(-x^2 / 2)` is subnormal, the quotient takes its normal part `p`: far negative
    // lanes scale it by `2^n` exactly, far positive ones give `x` (`E` below half an ULP).
    let far = simd.less_than_f32s(m, simd.splat_f32s(-87.0));
    let e = simd.select_f32s(far, p, scale_exactly(simd, p, n));
    let q = half_x_scaled_erfc(simd, xb, e);
    let near = simd.select_f32s(negative, q, simd.sub_f32s(xb, q));
    let far_result = simd.select_f32s(negative, scale_exactly(simd, q, n), x);
    let r = simd.select_f32s(far, far_result, near);
    let r = simd.select_f32s(tiny, half_rounded_up(simd, x), r);
    quiet_nan_passthrough(simd, x, r)
}

/// `x e F(z) / 2` with `F = erfcx` at `z = |x| / sqrt(2)` (so `x E` when `e = exp(-z^2)`), as
/// nearly correctly rounded as `e` and `F`'s approximation allow: `F = N / D` ([`erfcx_parts`])
/// and the quotient `(x / 2) e N / D` is formed with one division, corrected by its exact
/// remainder and the exact rounding errors of the two products (FMAs), divided by `D`
/// approximately (a reciprocal from the bit pattern, within 12%, on a correction of about an
/// ULP). The one-lane backend, without FMA, computes the quotient in `f64` instead.
#[inline(always)]
fn half_x_scaled_erfc<S: Simd>(simd: S, x: S::f32s, e: S::f32s) -> S::f32s {
    if S::F32_LANES == 1 {
        // No FMA: the polynomials and the quotient in `f64`, rounded once.
        use pulp::bytemuck::cast;
        let (x, e): (f32, f32) = (cast(x), cast(e));
        let z = f64::from(x.abs()) * core::f64::consts::FRAC_1_SQRT_2;
        let horner = |c: &[f32; 6]| c.iter().rev().fold(0.0, |acc, &k| acc * z + f64::from(k));
        let (n, m) = (horner(&ERFCX_N), horner(&ERFCX_M));
        let q = 0.5 * f64::from(x) * f64::from(e) * n / (2.0 * z * n + m);
        return cast(q as f32);
    }
    let (big_n, big_d) = erfcx_parts(simd, abs(simd, x));
    let half_x = simd.mul_f32s(x, simd.splat_f32s(0.5));
    let (a, a_lo) = two_prod(simd, half_x, e);
    let (n, n_lo) = two_prod(simd, a, big_n);
    let (q0, r) = quotient_and_remainder(simd, n, big_d);
    let r = simd.add_f32s(r, simd.mul_add_e_f32s(a_lo, big_n, n_lo));
    apply_remainder(simd, q0, r, big_d)
}

/// `(m, m_lo)` with `m + m_lo = -x^2 / 2` exactly.
#[inline(always)]
fn minus_half_square<S: Simd>(simd: S, x: S::f32s) -> (S::f32s, S::f32s) {
    let (s, s_lo) = two_prod(simd, x, x);
    let minus_half = simd.splat_f32s(-0.5);
    (
        simd.mul_f32s(s, minus_half),
        simd.mul_f32s(s_lo, minus_half),
    )
}

/// `(N, D)` with `erfcx(z) = erfc(z) exp(z^2) ~ N / D` at `z = a / sqrt(2)`, for
/// `0 <= a <= CLAMP`: `N` and `M` of degree 5 in `z`, `D = 2 z N + M` (so that `M`, and its
/// rounding errors, are a small part of `D` for large `z`), both constant terms 1.75 (so that
/// `F(0) = 1` exactly). Fitted for this crate (relative minimax over `z` in `[0, 10.1]`): the
/// fit is within 8.4e-9 of `erfcx`; evaluated in f32 (Horner with FMA) `N / D` is within
/// 1.6e-7, mostly from the roundings of the two polynomials.
#[inline(always)]
pub(crate) fn erfcx_parts<S: Simd>(simd: S, a: S::f32s) -> (S::f32s, S::f32s) {
    let z = simd.mul_f32s(a, simd.splat_f32s(FRAC_1_SQRT_2));
    let horner = |c: &[f32; 6]| {
        let mut acc = simd.splat_f32s(c[5]);
        for &k in c[..5].iter().rev() {
            acc = simd.mul_add_e_f32s(acc, z, simd.splat_f32s(k));
        }
        acc
    };
    let big_n = horner(&ERFCX_N);
    let big_m = horner(&ERFCX_M);
    let big_d = simd.mul_add_e_f32s(simd.add_f32s(z, z), big_n, big_m);
    (big_n, big_d)
}

/// The coefficients of [`erfcx_parts`]'s `N` and `M`, constant term first.
const ERFCX_N: [f32; 6] = [
    f32::from_bits(0x3fe00000), // 1.75
    f32::from_bits(0x4004b152), // 2.0733228
    f32::from_bits(0x3f97cbef), // 1.185911
    f32::from_bits(0x3eb6f9e7), // 0.35737535
    f32::from_bits(0x3d4716f2), // 0.048605867
    f32::from_bits(0x355106ac), // 7.7868276e-07
];
const ERFCX_M: [f32; 6] = [
    f32::from_bits(0x3fe00000), // 1.75
    f32::from_bits(0x3f0c48db), // 0.5479867
    f32::from_bits(0xbe12829f), // -0.1430764
    f32::from_bits(0xbe69e361), // -0.22840644
    f32::from_bits(0xbda63d92), // -0.08117212
    f32::from_bits(0xbc35559c), // -0.011067774
];
