//! `softplus(x) = log(1 + exp(x))` and `log_sigmoid(x) = -softplus(-x)` for f32 lanes.
//!
//! Evaluated as `max(x, 0) + log1p(e)` with `e = exp(-|x|)` in `(0, 1]`, which never overflows,
//! and `log1p(e)` from [`log1p_unit`] (within 0.92 ULP of exact): for `x <= 0` the result is
//! that value, for `x > 0` one more rounding, of a sum whose terms are both positive. No
//! threshold replaces the formula by `x`: the sum rounds to `x` by itself where that is the
//! rounded value. Error: at most 2 ULP (checked over all 2^32 inputs by `tests/exhaustive.rs`),
//! subnormal results included (`softplus(x)` is `exp(x)` rounded far out in the negative tail,
//! down to `+0` below -103.97208).
//!
//! A vector with a lane `|x| > DEEP` (infinities included), a tiny lane (`|x| < 2^-25`,
//! subnormals included) or a NaN takes a second path, chosen per vector: there `e` comes from
//! `exp_general`, which never computes with a subnormal number; deep lanes get their result
//! directly (`e` for negative `x`, `x` for positive `x`), tiny lanes compute `softplus(0)`
//! (`ln 2`, their rounded value), and the formula runs on benign values. On the first path no
//! operation reads or makes a subnormal number (each would cost a microcode assist on Intel
//! cores). The one-lane backend always takes the second path, branch-free (as sigmoid's does).
//!
//! `log_sigmoid(x)` is `-softplus(-x)` bit for bit, computed as `min(x, 0) - log1p(e)` (see
//! [`softplus_or_log_sigmoid`]): its bound, special values and paths are softplus's mirrored.
//! NaN comes out as the input NaN, quieted, on every backend.

use pulp::Simd;

use super::exp::{TINY_INPUT, all_in_range, exp_general, exp_normal_scale, exp_scaled_in_float};
use super::log1p::log1p_unit;
use super::{SIGN_BIT, neg_abs, quiet_nan_passthrough};

/// Beyond this `|x|` the result is `x` (for `x > 0`: `e = exp(-86.5) < 2^-124` is far below
/// half an ULP of `x`) or `e` (for `x < 0`: `log1p(e) = e (1 - e/2 + ...)` rounds to `e`
/// there). Up to it `e >= 2^-124.8`, which [`log1p_unit`] takes without a subnormal
/// intermediate.
const DEEP: f32 = 86.5;

/// `softplus(x)` for every lane. NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `+0`; the result is
/// never negative (`+0` only below `x = -103.97208`, where the rounded value is 0).
#[inline(always)]
pub(crate) fn softplus<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    softplus_or_log_sigmoid::<S, false>(simd, x)
}

/// `log_sigmoid(x) = -softplus(-x)` for every lane, bit for bit. NaN -> NaN, `+inf` -> `-0`,
/// `-inf` -> `-inf`; the result is never positive.
#[inline(always)]
pub(crate) fn log_sigmoid<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    softplus_or_log_sigmoid::<S, true>(simd, x)
}

/// `softplus(x)`, or with `LOG_SIGMOID` its mirror `-softplus(-x)` computed as
/// `min(x, 0) - log1p(e)`: the same `e = exp(-|x|)` (`-|x|` ignores the sign), and
/// `-(max(-x, 0) + l) = min(x, 0) - l` exactly (rounding to nearest is symmetric), so no sign
/// flip is spent on either side.
#[inline(always)]
fn softplus_or_log_sigmoid<S: Simd, const LOG_SIGMOID: bool>(simd: S, x: S::f32s) -> S::f32s {
    let z = neg_abs(simd, x);
    let zero = simd.splat_f32s(0.0);
    // `max(x, 0) + l`, or `min(x, 0) - l`.
    let combine = |outer: S::f32s, l: S::f32s| {
        if LOG_SIGMOID {
            simd.sub_f32s(outer, l)
        } else {
            simd.add_f32s(outer, l)
        }
    };
    if S::F32_LANES > 1 && all_in_range(simd, x, TINY_INPUT, DEEP) {
        let l = log1p_unit(simd, exp_normal_scale(simd, z));
        // No NaN on this path, so `max` and `min` agree on every instruction set.
        let outer = if LOG_SIGMOID {
            simd.min_f32s(x, zero)
        } else {
            simd.max_f32s(x, zero)
        };
        combine(outer, l)
    } else {
        // Tiny lanes: `exp_general` computes `exp(0) = 1` there, and the outer part is 0 (the
        // result, ln 2 rounded, is theirs: `x / 2` moves ln 2 by less than half an ULP).
        let e = if S::F32_LANES == 1 {
            exp_scaled_in_float(simd, z)
        } else {
            exp_general(simd, z)
        };
        let outer_lane = if LOG_SIGMOID {
            simd.less_than_f32s(x, simd.splat_f32s(-TINY_INPUT))
        } else {
            simd.greater_than_f32s(x, simd.splat_f32s(TINY_INPUT))
        };
        let outer = simd.select_f32s(outer_lane, x, zero);
        // Deep lanes (infinities included; not NaN): the formula runs on e = 1 instead.
        let deep = simd.less_than_f32s(z, simd.splat_f32s(-DEEP));
        let benign = simd.select_f32s(deep, simd.splat_f32s(1.0), e);
        let r = combine(outer, log1p_unit(simd, benign));
        // Their result: `x` on the outer side (x > 0 for softplus, x < 0 for log_sigmoid),
        // else `e` (softplus) or `-e` (log_sigmoid, whose `-0.0` at `+inf` needs the bit flip).
        let negative = simd.less_than_i32s(simd.transmute_i32s_f32s(x), simd.splat_i32s(0));
        let deep_result = if LOG_SIGMOID {
            simd.select_f32s(negative, x, flip_sign(simd, e))
        } else {
            simd.select_f32s(negative, e, x)
        };
        let r = simd.select_f32s(deep, deep_result, r);
        quiet_nan_passthrough(simd, x, r)
    }
}

/// `-x` as a bit operation (`-0.0` for `+0`).
#[inline(always)]
fn flip_sign<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    simd.transmute_f32s_u32s(simd.xor_u32s(simd.transmute_u32s_f32s(x), simd.splat_u32s(SIGN_BIT)))
}
