//! Hard sigmoid and hard swish (PyTorch's definitions): piecewise-linear stand-ins for sigmoid
//! and swish, `hard_sigmoid(x) = min(max(x + 3, 0), 6) / 6`, `hard_swish(x) = x *
//! hard_sigmoid(x)`.
//!
//! Error (over all 2^32 inputs, every backend, `tests/exhaustive.rs`): hard_sigmoid <= 1 ULP,
//! hard_swish <= 2 ULP. Why: `t = x + 3` is exact for `-6 <= x <= -1.5` (Sterbenz) and rounds
//! once elsewhere; the division by 6 (not a multiplication by a rounded 1/6) rounds once more,
//! so the result is within `(1 + 2^-24)^2 - 1 < 2^-23` relative of the exact value: less than
//! one ULP of it, hence at most 1 ULP from the correctly rounded value. hard_swish adds the
//! product's rounding: below 1.5 ULP of the exact value, so at most 2 ULP from the rounded one.
//! Every operation is correctly rounded IEEE arithmetic, so all backends agree bit for bit.
//!
//! `max`/`min` differ across instruction sets on NaN, so NaN lanes are returned as the input
//! NaN, quieted, with bit operations.

use pulp::Simd;

use super::quiet_nan_passthrough;

/// `min(max(x + 3, 0), 6) / 6` for non-NaN lanes, garbage on NaN lanes.
#[inline(always)]
fn hard_sigmoid_of_numbers<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let t = simd.add_f32s(x, simd.splat_f32s(3.0));
    let t = simd.min_f32s(simd.max_f32s(t, simd.splat_f32s(0.0)), simd.splat_f32s(6.0));
    simd.div_f32s(t, simd.splat_f32s(6.0))
}

/// `hard_sigmoid(x)` for every lane: 0 for `x <= -3`, 1 for `x >= 3`, NaN for NaN.
#[inline(always)]
pub(crate) fn hard_sigmoid<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    quiet_nan_passthrough(simd, x, hard_sigmoid_of_numbers(simd, x))
}

/// `hard_swish(x)` for every lane: `-0.0` for `x <= -3` (the sign of `x * 0`; also for
/// `-inf`, where the product would be NaN), `x` for `x >= 3`, `-0.0` for `-0.0`, NaN for NaN.
#[inline(always)]
pub(crate) fn hard_swish<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let r = simd.mul_f32s(x, hard_sigmoid_of_numbers(simd, x));
    let low = simd.less_than_or_equal_f32s(x, simd.splat_f32s(-3.0));
    let r = simd.select_f32s(low, simd.splat_f32s(-0.0), r);
    quiet_nan_passthrough(simd, x, r)
}
