//! `mish(x) = x * tanh(softplus(x)) = x * tanh(ln(1 + exp(x)))` for f32 lanes.
//!
//! With `E = exp(x)`, `tanh(ln(1 + E)) = ((1 + E)^2 - 1) / ((1 + E)^2 + 1) = E (E + 2) / (E (E + 2)
//! + 2)`: no logarithm and no tanh, one `exp` and one division. Evaluated on `e = exp(-|x|)`
//! in `(0, 1]` so that nothing overflows: for `x < 0` (`E = e`) the ratio is `N / (N + 2)` with
//! `N = e (e + 2)`; for `x >= 0` (`E = 1 / e`, numerator and denominator times `e^2`) it is
//! `N / (N + 2 e^2)` with `N = 1 + 2 e`. `N` and the denominator are one FMA each.
//!
//! Vectors with a lane outside `2^-25 <= |x| <= 87.336` (or NaN) take a second path, chosen per
//! vector, which never computes with a subnormal number. There: far negative `x`, where `e`
//! is subnormal, give `x e` (the ratio is `e` to far below an ULP), built as `x p 2^n` from the
//! parts of `exp(x) = p 2^n` and rounded once ([`scale_exactly`]); far positive `x` give `x`;
//! tiny `|x|` gives `0.6 x` (`tanh(ln 2) = 3/5`; the next term, `0.32 x^2`, is below an ULP),
//! formed on `x` scaled into the normal range (a subnormal `x` through its integer pattern)
//! and scaled back exactly. Both paths give the same bits for the lanes they share.
//!
//! Error: at most 3 ULP over all 2^32 inputs on every backend (`tests/exhaustive.rs`). NaN in,
//! the input NaN quieted out; `+inf` -> `+inf`; `-inf` and the far negative tail -> `-0`;
//! `-0.0` -> `-0.0`.

use pulp::Simd;

use super::exp::{TINY_INPUT, all_in_normal_range, exp_lo_parts, exp_normal_scale, scale_exactly};
use super::{
    SIGN_BIT, SUBNORMAL_EXP_BELOW, apply_remainder, benign_clamped, neg_abs, quiet_nan_passthrough,
    quotient_and_remainder, two_prod,
};

/// `mish(x)` for every lane.
#[inline(always)]
pub(crate) fn mish<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let negative = simd.less_than_i32s(simd.transmute_i32s_f32s(x), simd.splat_i32s(0));
    if S::F32_LANES > 1 && all_in_normal_range(simd, x) {
        let e = exp_normal_scale(simd, neg_abs(simd, x));
        return x_times_ratio(simd, x, e, negative);
    }
    // Second path: tiny and NaN lanes run on a benign argument, far ones are clamped to
    // `[-1000, 1000]` (beyond, the result is `x` or `-0` whatever `e`).
    // (Tiny: `|x| < 2^-25`, where the result is `0.6 x`.)
    let (tiny, xb) = benign_clamped(simd, x, TINY_INPUT, 1000.0);
    let z = neg_abs(simd, xb);
    let (p, n) = exp_lo_parts(simd, z, None);
    // Where `e` is subnormal it is 0 here: far positive lanes give `x`, far negative ones are
    // replaced by the tail.
    let far = simd.less_than_f32s(z, simd.splat_f32s(SUBNORMAL_EXP_BELOW));
    let e = simd.select_f32s(far, simd.splat_f32s(0.0), scale_exactly(simd, p, n));
    let q = x_times_ratio(simd, xb, e, negative);
    let q = simd.select_f32s(simd.greater_than_f32s(x, simd.splat_f32s(1000.0)), x, q);
    let tail = scale_exactly(simd, simd.mul_f32s(xb, p), n);
    let r = simd.select_f32s(simd.and_m32s(far, negative), tail, q);
    let r = simd.select_f32s(tiny, three_fifths(simd, x), r);
    quiet_nan_passthrough(simd, x, r)
}

/// `(N, D)` with `tanh(softplus(x)) = N / D` from `e = exp(-|x|)`: `N = e (e + 2)`,
/// `D = N + 2` where `negative`, else `N = 1 + 2 e`, `D = N + 2 e^2` (two FMAs).
#[inline(always)]
pub(crate) fn ratio_parts<S: Simd>(simd: S, e: S::f32s, negative: S::m32s) -> (S::f32s, S::f32s) {
    let one = simd.splat_f32s(1.0);
    let two = simd.splat_f32s(2.0);
    let e2 = simd.add_f32s(e, e);
    // N = a e + b: (e, 2e) or (2, 1).
    let a = simd.select_f32s(negative, e, two);
    let b = simd.select_f32s(negative, e2, one);
    let big_n = simd.mul_add_e_f32s(a, e, b);
    // D = c d + N: (2, 1) or (2e, e).
    let c = simd.select_f32s(negative, two, e2);
    let d = simd.select_f32s(negative, one, e);
    (big_n, simd.mul_add_e_f32s(c, d, big_n))
}

/// `x N / D` with `e = exp(-|x|)`: `N = e (e + 2)`, `D = N + 2` where `negative`, else
/// `N = 1 + 2 e`, `D = N + 2 e^2`.
#[inline(always)]
fn x_times_ratio<S: Simd>(simd: S, x: S::f32s, e: S::f32s, negative: S::m32s) -> S::f32s {
    let (big_n, big_d) = ratio_parts(simd, e, negative);
    if S::F32_LANES == 1 {
        // No FMA to make the correction below exact: the quotient in `f64`, rounded once.
        use pulp::bytemuck::cast;
        let (x, big_n, big_d): (f32, f32, f32) = (cast(x), cast(big_n), cast(big_d));
        return cast((f64::from(x) * f64::from(big_n) / f64::from(big_d)) as f32);
    }
    // The quotient of the rounded product `x N` by `D`, corrected by the exact remainder and
    // the exact rounding error of the product. Without it, the two roundings of `x N / D`
    // cost up to 4 ULP near `x = -3.27`.
    let (n, n_lo) = two_prod(simd, x, big_n);
    let (q0, r) = quotient_and_remainder(simd, n, big_d);
    apply_remainder(simd, q0, simd.add_f32s(r, n_lo), big_d)
}

/// `0.6 x` rounded once, for `|x| < 2^-25`, without computing with a subnormal number: a
/// normal `x` is scaled by `2^64` first (64 added to its exponent bits), a subnormal one is
/// read as the integer `k` of its pattern (`|x| = k 2^-149`, `k < 2^23`, converted exactly
/// through `2^23 + k`); the product with 0.6 is normal either way and [`scale_exactly`] scales
/// it back. (Integer operations only on `x`: a floating-point `2^64 x` behind a selection
/// lets the compiler multiply the subnormal lanes too, a microcode assist per vector.)
#[inline(always)]
fn three_fifths<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    const TWO_23: f32 = 8_388_608.0;
    let bits = simd.transmute_u32s_f32s(x);
    let sign = simd.and_u32s(bits, simd.splat_u32s(SIGN_BIT));
    let magnitude = simd.and_u32s(bits, simd.splat_u32s(!SIGN_BIT));
    let subnormal = simd.less_than_u32s(magnitude, simd.splat_u32s(0x0080_0000));
    let k = simd.sub_f32s(
        simd.transmute_f32s_u32s(simd.or_u32s(magnitude, simd.splat_u32s(TWO_23.to_bits()))),
        simd.splat_f32s(TWO_23),
    );
    let k = simd.or_u32s(simd.transmute_u32s_f32s(k), sign);
    let scaled = simd.add_u32s(bits, simd.splat_u32s(64 << 23));
    let w = simd.transmute_f32s_u32s(simd.select_u32s(subnormal, k, scaled));
    let n = simd.select_i32s(subnormal, simd.splat_i32s(-149), simd.splat_i32s(-64));
    // 0.6 is not an f32: `w (C_HI + C_LO)` with the exact product by `C_HI`, so that the
    // product is rounded once (with 0.6 rounded to f32, 0.6 x would be an ULP off for most
    // tiny inputs, a third of all f32).
    let (p, err) = two_prod(simd, w, simd.splat_f32s(THREE_FIFTHS_HI));
    let v = simd.add_f32s(
        p,
        simd.mul_add_e_f32s(w, simd.splat_f32s(THREE_FIFTHS_LO), err),
    );
    // The sign of `x`, also for `-0` (where `-0 + 0` is `+0`).
    let v = simd.transmute_f32s_u32s(simd.or_u32s(simd.transmute_u32s_f32s(v), sign));
    scale_exactly(simd, v, n)
}

/// 0.6 as the nearest f32 and the rest.
const THREE_FIFTHS_HI: f32 = 0.6;
const THREE_FIFTHS_LO: f32 = (0.6_f64 - THREE_FIFTHS_HI as f64) as f32;
