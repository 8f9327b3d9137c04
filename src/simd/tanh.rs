//! `tanh(x)` for f32 lanes.
//!
//! One formula: with `z = -|x|` and `u = -expm1(2z)` (in `[0, 1)`), `tanh(|x|) = u / (2 - u)`.
//! `expm1` keeps full relative accuracy near 0, so there is no separate small-argument
//! polynomial to evaluate and blend: one reduction, one polynomial, one division per lane.
//! Beyond `|x| = 9.5` (and for `+-inf`) the argument is clamped to 9.5, where the formula
//! gives exactly 1 (the correctly rounded value from `|x| = 13 ln2 / 2 = 9.01091` on). The
//! quotient is never negative, so the sign of `x` goes back on with one bit operation:
//! `tanh(-x) == -tanh(x)` bit for bit.
//!
//! Tiny arguments (`|x| < 2^-13`, where `tanh(x)` rounds to `x`), zeros and NaN take a second
//! path, chosen per vector: there the result is `x` itself (a NaN quieted), and the formula
//! runs on a benign argument instead. This keeps subnormal inputs off the formula, where every
//! multiplication and the division would produce subnormal results (a slow path on many CPUs).
//!
//! Error: at most 2 ULP (checked over all 2^32 inputs by `tests/exhaustive.rs`).

use pulp::Simd;

use super::exp::neg_expm1_twice_unguarded;
use super::{neg_abs, quiet_nan_passthrough, with_sign_of};

/// Beyond this `|x|` the result is `+-1` (and `expm1(-2|x|)` would leave its valid range
/// beyond 43.5).
const SATURATION: f32 = 9.5;

/// Below this `|x|` (`2^-13`), `tanh(x) = x (1 - x^2/3 + ...)` rounds to `x`: the relative
/// correction `x^2/3 < 2^-27.6` is below half an ULP (at least `2^-25` relative).
const TINY: f32 = 1.0 / 8192.0;

/// `tanh(x)` for every lane. NaN -> NaN, `+-inf` -> `+-1`, `+-0` -> `+-0`.
#[inline(always)]
pub(crate) fn tanh<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let z = neg_abs(simd, x);
    // Tiny |x|, zeros and NaN (the negation of an ordered comparison). The second path
    // returns `x` itself on these lanes (NaN quieted) with bit operations: arithmetic would
    // leave a NaN's sign and payload to the compiler, and they must not depend on the
    // neighbours.
    let special = simd.not_m32s(simd.less_than_or_equal_f32s(z, simd.splat_f32s(-TINY)));
    if simd.first_true_m32s(special) == S::F32_LANES {
        with_sign_of(simd, tanh_of_negative(simd, z), x)
    } else {
        // Rare: the formula on a benign argument, then `|x|` on special lanes (`-z` flips a bit),
        // and the input NaN, quieted, on NaN lanes.
        let benign = simd.select_f32s(special, simd.splat_f32s(-1.0), z);
        let t = tanh_of_negative(simd, benign);
        let t = with_sign_of(simd, simd.select_f32s(special, simd.neg_f32s(z), t), x);
        quiet_nan_passthrough(simd, x, t)
    }
}

/// `tanh(|z|)` for lanes `z <= -TINY` (`-inf` included); no NaN lanes.
#[inline(always)]
fn tanh_of_negative<S: Simd>(simd: S, z: S::f32s) -> S::f32s {
    // One `max` rather than a comparison and a blend (fewer instructions); NaN lanes,
    // for which backends' `max` differ, never get here.
    let z = simd.max_f32s(simd.splat_f32s(-SATURATION), z);
    let u = neg_expm1_twice_unguarded(simd, z);
    simd.div_f32s(u, simd.sub_f32s(simd.splat_f32s(2.0), u))
}
