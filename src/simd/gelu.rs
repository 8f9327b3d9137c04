//! GELU, erf form: `gelu(x) = x Phi(x) = x / 2 * erfc(-x / sqrt(2))` for f32 lanes.
//!
//! With `z = |x| / sqrt(2)` and `E = erfc(z) / 2 = Phi(-|x|)` in `(0, 1/2]`: `gelu(x) = x E` for
//! `x < 0` and `x - x E` for `x >= 0`, one FMA either way. `erfc(z) = exp(-z^2) F(z)`, where
//! `F(z) = erfc(z) exp(z^2)` (the scaled complementary error function, `erfcx`) is smooth and
//! slowly varying (`F(0) = 1`, `F(z) ~ 1 / (z sqrt(pi))`): its approximation
//! ([`erfcx_parts`], fitted for this crate as a function of `|x|` itself, so that `z` is never
//! rounded) multiplies, so its rounding errors stay relative, and the exponent
//! `-z^2 = -x^2 / 2` enters `exp` exactly (an exact square, carried as `m + m_lo` into exp's
//! reduced argument). Rounding `x^2 / 2` to f32 first would cost `x^2 / 2 * 2^-24` of
//! relative error in the negative tail: 100 ULP near `x = -14`, where clamping libraries
//! (XNNPACK at -5.16, ggml at -10) return `-0`. `exp`'s own last rounding is not made either:
//! `x / 2 exp(-x^2 / 2)` comes as an unevaluated sum ([`mul_exp_reduced`]) into the corrected
//! quotient, with the rounding error of `erfcx`'s denominator where it weighs most.
//!
//! Vectors with a lane outside `2^-25 <= |x| <= 13.19` (where `exp(-x^2 / 2)` is normal) or
//! NaN take a second path, chosen per vector, which never computes with a subnormal number:
//! there the far negative tail is `x F / 2 * p 2^n` from the parts of `exp(-z^2) = p 2^n`,
//! rounded once ([`scale_exactly`]), down to subnormal results and `-0`; far positive `x`
//! gives `x`; tiny `|x|` gives `x / 2` correctly rounded (the next term, `x^2 / sqrt(2 pi)`, is
//! below half an ULP and breaks the tie of an odd subnormal toward `+inf`).
//!
//! Error over all 2^32 inputs (`tests/exhaustive.rs`): at most 2 ULP on AVX2 and AVX-512
//! (186398 inputs reach 2, none 3; 96.83% correctly rounded), 1 ULP on the one-lane backend,
//! which evaluates `erfcx` and the quotient in `f64` (99.55%); the bound is 3. Before the fit
//! in `|x|` and the two carried rounding errors (two vector operations more in all), the f32
//! evaluation reached 4 ULP (two inputs near `x = -3.015`; 5431 at 3): the rounded
//! `z = |x| / sqrt(2)` cost up to 1.3 `2^-24` of relative error in `F`, the rounding of `exp`
//! about 1 ULP of the result, and the roundings of the constant terms of `N`, `M` and `D`, near
//! `F(0) = 1`, about 0.7 `2^-24` each. NaN in, the input NaN quieted out; `+inf` -> `+inf`;
//! `-inf` and the far negative tail -> `-0`; `-0.0` -> `-0.0`.

use pulp::Simd;

use super::exp::{
    TINY_INPUT, all_in_range, exp_lo_reduced, exp_lo_reduced_normal_scale, mul_exp_reduced,
    scale_exactly,
};
use super::swish::{TINY_X, half_rounded_up};
use super::{
    abs, apply_remainder, benign_clamped, quiet_nan_passthrough, quotient_and_remainder, two_prod,
};

/// `|x|` up to which `exp(-x^2 / 2)` is normal (`x^2 / 2 <= 87.0`).
const NORMAL_MAX: f32 = 13.19;
/// Beyond this `|x|` the result is `x` or `-0` (`gelu(-14.5)` is below half the smallest
/// subnormal); the second path clamps `x` there.
const CLAMP: f32 = 14.5;

/// `gelu(x)` (erf form) for every lane.
#[inline(always)]
pub(crate) fn gelu<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let negative = simd.less_than_i32s(simd.transmute_i32s_f32s(x), simd.splat_i32s(0));
    let half = simd.splat_f32s(0.5);
    if S::F32_LANES > 1 && all_in_range(simd, x, TINY_INPUT, NORMAL_MAX) {
        let (m, m_lo) = minus_half_square(simd, x);
        let (r, s) = exp_lo_reduced_normal_scale(simd, m, m_lo);
        let q = half_x_scaled_erfc(simd, x, simd.mul_f32s(simd.mul_f32s(x, half), s), r);
        return simd.select_f32s(negative, q, simd.sub_f32s(x, q));
    }
    // Second path: tiny and NaN lanes run on a benign argument, far ones are clamped.
    let (tiny, xb) = benign_clamped(simd, x, TINY_X, CLAMP);
    let (m, m_lo) = minus_half_square(simd, xb);
    let (r, n) = exp_lo_reduced(simd, m, m_lo);
    // Where `exp(-x^2 / 2) = exp(r) 2^n` is subnormal, the quotient takes `x / 2` unscaled: far
    // negative lanes scale it by `2^n` exactly, far positive ones give `x` (`E` below half an
    // ULP). Elsewhere `2^n` is normal, built from its biased exponent.
    let far = simd.less_than_f32s(m, simd.splat_f32s(-87.0));
    let pow2 = simd.wrapping_dyn_shl_u32s(
        simd.transmute_u32s_i32s(simd.add_i32s(n, simd.splat_i32s(127))),
        simd.splat_u32s(23),
    );
    let scale = simd.select_f32s(far, simd.splat_f32s(1.0), simd.transmute_f32s_u32s(pow2));
    let q = half_x_scaled_erfc(simd, xb, simd.mul_f32s(simd.mul_f32s(xb, half), scale), r);
    let near = simd.select_f32s(negative, q, simd.sub_f32s(xb, q));
    let far_result = simd.select_f32s(negative, scale_exactly(simd, q, n), x);
    let r = simd.select_f32s(far, far_result, near);
    let r = simd.select_f32s(tiny, half_rounded_up(simd, x), r);
    quiet_nan_passthrough(simd, x, r)
}

/// `v exp(r) F(a)` with `F = erfcx` at `z = a / sqrt(2)`, `a = |x|` (so `x E` when
/// `v = x / 2 * 2^n` and `exp(-x^2 / 2) = exp(r) 2^n`), as nearly correctly rounded as `exp`'s
/// and `F`'s approximations allow: `v exp(r) = y + y_lo` ([`mul_exp_reduced`], the rounding
/// of `exp`'s last step recovered), `F = N / D` ([`erfcx_parts`]) and the quotient
/// `y N / D` is formed with one division, corrected by its exact remainder, the exact rounding
/// errors of the product `y N` and of `y_lo`, and the rounding error of `D`'s last addition,
/// divided by `D` approximately (a reciprocal from the bit pattern, within 12%, on a correction
/// of about an ULP). The one-lane backend, without FMA, computes the quotient in `f64`
/// instead.
#[inline(always)]
fn half_x_scaled_erfc<S: Simd>(simd: S, x: S::f32s, v: S::f32s, r: S::f32s) -> S::f32s {
    let (y, y_lo) = mul_exp_reduced(simd, v, r);
    if S::F32_LANES == 1 {
        // No FMA: the polynomials and the quotient in `f64`, rounded once.
        use pulp::bytemuck::cast;
        let (x, y, y_lo): (f32, f32, f32) = (cast(x), cast(y), cast(y_lo));
        let a = f64::from(x.abs());
        let horner = |c: &[f32; 6]| c.iter().rev().fold(0.0, |acc, &k| acc * a + f64::from(k));
        let (n, m) = (horner(&ERFCX_N), horner(&ERFCX_M));
        let q = (f64::from(y) + f64::from(y_lo)) * n / (a * n + m);
        return cast(q as f32);
    }
    let (big_n, big_d, d_lo) = erfcx_parts(simd, abs(simd, x));
    let (n, n_lo) = two_prod(simd, y, big_n);
    let (q0, rem) = quotient_and_remainder(simd, n, big_d);
    let rem = simd.add_f32s(rem, simd.mul_add_e_f32s(y_lo, big_n, n_lo));
    let rem = simd.mul_add_e_f32s(simd.neg_f32s(q0), d_lo, rem);
    apply_remainder(simd, q0, rem, big_d)
}

/// `(m, m_lo)` with `m + m_lo = -x^2 / 2` exactly.
#[inline(always)]
pub(crate) fn minus_half_square<S: Simd>(simd: S, x: S::f32s) -> (S::f32s, S::f32s) {
    let (s, s_lo) = two_prod(simd, x, x);
    let minus_half = simd.splat_f32s(-0.5);
    (
        simd.mul_f32s(s, minus_half),
        simd.mul_f32s(s_lo, minus_half),
    )
}

/// `(N, D, D_lo)` with `erfcx(a / sqrt(2)) = erfc(z) exp(z^2) ~ N / (D + D_lo)`, for
/// `0 <= a <= CLAMP`: `N` and `M` of degree 5 in `a` itself (so `z = a / sqrt(2)` is never
/// rounded), `D = a N + M` (so that `M`, and its rounding errors, are a small part of `D` for
/// large `a`: a fifth), both constant terms 1.875 (so that `F(0) = 1` exactly). Fitted for
/// this crate (relative minimax over `a` in `[0, 14.5]`): the fit is within 9.3e-9 of `erfcx`
/// with these f32 coefficients. `D_lo` is the rounding error of `M`'s last Horner step
/// (`1.875 - M` is exact while `M <= 3.75`, where that error weighs most: for small `a`, `M`
/// is most of `D`).
#[inline(always)]
pub(crate) fn erfcx_parts<S: Simd>(simd: S, a: S::f32s) -> (S::f32s, S::f32s, S::f32s) {
    // Horner down to the linear coefficient; the constant term is added by the caller.
    let tail = |c: &[f32; 6]| {
        let mut acc = simd.splat_f32s(c[5]);
        for &k in c[1..5].iter().rev() {
            acc = simd.mul_add_e_f32s(acc, a, simd.splat_f32s(k));
        }
        acc
    };
    let c0 = simd.splat_f32s(ERFCX_N[0]);
    let big_n = simd.mul_add_e_f32s(tail(&ERFCX_N), a, c0);
    let m_tail = tail(&ERFCX_M);
    let big_m = simd.mul_add_e_f32s(m_tail, a, c0);
    let m_lo = simd.mul_add_e_f32s(m_tail, a, simd.sub_f32s(c0, big_m));
    let big_d = simd.mul_add_e_f32s(a, big_n, big_m);
    (big_n, big_d, m_lo)
}

/// The coefficients of [`erfcx_parts`]'s `N` and `M`, constant term first (the same constant
/// term in both).
const ERFCX_N: [f32; 6] = [
    f32::from_bits(0x3ff00000), // 1.875
    f32::from_bits(0x3fc9afc8), // 1.5756769
    f32::from_bits(0x3f2380ca), // 0.6386839
    f32::from_bits(0x3e0bb9c2), // 0.1364508
    f32::from_bits(0x3c57a742), // 0.013162436
    f32::from_bits(0xb3b7b879), // -8.555157e-08
];
const ERFCX_M: [f32; 6] = [
    f32::from_bits(0x3ff00000), // 1.875
    f32::from_bits(0x3f992dd0), // 1.1967106
    f32::from_bits(0x3f138d53), // 0.5763752
    f32::from_bits(0x3e35f4ff), // 0.1776924
    f32::from_bits(0x3d0dbab1), // 0.03460187
    f32::from_bits(0x3b5a6c63), // 0.0033328764
];
