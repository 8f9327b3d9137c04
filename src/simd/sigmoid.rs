//! `sigmoid(x) = 1 / (1 + exp(-x))` for f32 lanes.
//!
//! Evaluated on `z = -|x|` so that `e = exp(z)` lies in `[0, 1]` and never overflows; then
//! `sigmoid(x) = e / (1 + e)` for `x <= 0` and `1 / (1 + e)` for `x > 0`. Unlike the rational
//! approximations clamped near +-18 (MLAS, tract), this keeps full relative accuracy in the
//! negative tail, down to subnormal results. Error: at most 2 ULP.
//!
//! A vector with a lane `|x| > -SUBNORMAL_EXP_BELOW` (where `e` is subnormal, or 0), a tiny lane
//! (`|x| < 2^-25`, subnormals included) or a NaN takes a second path, chosen per vector: there
//! `e` comes from `exp_general`, which never computes with a subnormal number; where `1 + e`
//! rounds to 1 the result for negative `x` is `e` itself, and the division runs on a benign
//! numerator instead. Subnormal operands or results cost a microcode assist per operation on
//! Intel cores and a division with a subnormal quotient a slow path on Zen 5 (README:
//! "Measurements behind the code's shape"); the branch replaces the guards that every vector
//! would otherwise need, so typical inputs pay nothing for it. NaN comes out as the input NaN,
//! quieted, on every backend.

use pulp::Simd;

use super::exp::{all_in_normal_range, exp_general, exp_normal_scale, exp_scaled_in_float};
use super::{SUBNORMAL_EXP_BELOW, neg_abs, quiet_nan_passthrough};

/// `sigmoid(x)` for every lane. NaN -> NaN, `+inf` -> 1, `-inf` -> 0, `-0.0` -> 0.5; the result
/// is always in `[0, 1]`.
#[inline(always)]
pub(crate) fn sigmoid<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let z = neg_abs(simd, x);
    let one = simd.splat_f32s(1.0);
    // A vector with a NaN, a tiny `|x|` or a `|x|` whose `exp` is subnormal takes the
    // second path. NaN lanes: it returns the input NaN (quieted) with bit operations.
    // Arithmetic leaves a NaN's sign and payload to the compiler (it may fold the sign-setting
    // `or` into an FMA's negation in one copy of the loop and not in another), and a NaN's
    // bits must not depend on its neighbours or on where a slice is split. The one-lane
    // backend always takes the second path, branch-free: a branch per element keeps the
    // compiler from vectorizing its loop.
    if S::F32_LANES > 1 && all_in_normal_range(simd, x) {
        // exp needs no guard, and `2^n` (n >= -126) is normal, so one multiplication scales
        // (bit-identical to the general path).
        let e = exp_normal_scale(simd, z);
        // The numerator is `e` where the sign bit of `x` is set and 1 elsewhere: an integer
        // sign test, which a blend on the sign bit performs without a comparison. (At `x = +0`
        // it gives 1 where `x > 0` gave `e`; both are 1 there.)
        let negative = simd.less_than_i32s(simd.transmute_i32s_f32s(x), simd.splat_i32s(0));
        let numerator = simd.select_f32s(negative, e, one);
        simd.div_f32s(numerator, simd.add_f32s(one, e))
    } else {
        let positive = simd.greater_than_f32s(x, simd.splat_f32s(0.0));
        // No subnormal computation even where `e` is subnormal (see `exp_general`); the
        // one-lane backend scales in floating point (see `exp_scaled_in_float`).
        let e = if S::F32_LANES == 1 {
            exp_scaled_in_float(simd, z)
        } else {
            exp_general(simd, z)
        };
        // Deep negative lanes: the result is `e`; divide 1 instead. (Deep positive lanes give
        // `1 / 1` on the way as on the first path.)
        let deep_negative = simd.less_than_f32s(x, simd.splat_f32s(SUBNORMAL_EXP_BELOW));
        let numerator = simd.select_f32s(simd.or_m32s(positive, deep_negative), one, e);
        let q = simd.div_f32s(numerator, simd.add_f32s(one, e));
        let r = simd.select_f32s(deep_negative, e, q);
        quiet_nan_passthrough(simd, x, r)
    }
}
