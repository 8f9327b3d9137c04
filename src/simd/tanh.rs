//! `tanh(x)` for f32 lanes.
//!
//! Computed on `a = |x|`, the sign restored by a bit operation so that `tanh(-x) == -tanh(x)`
//! bit for bit and `-0.0` stays `-0.0`:
//! - `a < 0.55`: odd minimax polynomial `a + a^3 P(a^2)` (tiny `a` returns `a` exactly);
//! - `0.55 <= a <= 9.5`: `1 - 2 / (exp(2a) + 1)` on the accurate `exp`; there `tanh >= 0.5`, so
//!   the subtraction does not amplify the error of the quotient;
//! - `a > 9.5` (and `inf`): 1, the correctly rounded value from `a = 9.0109` on.
//!
//! Error: at most 2 ULP.

use pulp::Simd;

use super::exp::exp_unguarded;

/// Below this `|x|` the polynomial is used.
const POLY_LIMIT: f32 = 0.55;
/// Above this `|x|` the result is 1 (and `exp(2|x|)` would leave its valid range past 44).
const SATURATION: f32 = 9.5;
/// Minimax coefficients of `P(u) ~ (tanh(a) - a) / a^3`, `u = a^2`, for `a` in `[0, 0.55]`
/// (relative error of the approximation 0.07 f32 ULP; fitted for this crate).
const P0: f32 = -0.333_333_16;
const P1: f32 = 0.133_325_86;
const P2: f32 = -0.053_852_31;
const P3: f32 = 0.021_071_678;
const P4: f32 = -0.006_274_239;

/// `tanh(x)` for every lane. NaN -> NaN, `+-inf` -> `+-1`, `+-0` -> `+-0`.
#[inline(always)]
pub(crate) fn tanh<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let sign_mask = simd.splat_u32s(0x8000_0000);
    let bits = simd.transmute_u32s_f32s(x);
    let sign = simd.and_u32s(bits, sign_mask);
    let a = simd.transmute_f32s_u32s(simd.xor_u32s(bits, sign));

    // Small |x|: a + a^3 P(a^2).
    let u = simd.mul_f32s(a, a);
    let p = simd.mul_add_e_f32s(simd.splat_f32s(P4), u, simd.splat_f32s(P3));
    let p = simd.mul_add_e_f32s(p, u, simd.splat_f32s(P2));
    let p = simd.mul_add_e_f32s(p, u, simd.splat_f32s(P1));
    let p = simd.mul_add_e_f32s(p, u, simd.splat_f32s(P0));
    let small = simd.mul_add_e_f32s(simd.mul_f32s(a, u), p, a);

    // Larger |x|: 1 - 2 / (exp(2a) + 1).
    let one = simd.splat_f32s(1.0);
    let e = exp_unguarded(simd, simd.add_f32s(a, a));
    let q = simd.div_f32s(simd.splat_f32s(2.0), simd.add_f32s(e, one));
    let large = simd.sub_f32s(one, q);

    let r = simd.select_f32s(
        simd.less_than_f32s(a, simd.splat_f32s(POLY_LIMIT)),
        small,
        large,
    );
    let r = simd.select_f32s(
        simd.greater_than_f32s(a, simd.splat_f32s(SATURATION)),
        one,
        r,
    );
    simd.transmute_f32s_u32s(simd.or_u32s(simd.transmute_u32s_f32s(r), sign))
}
