//! The gradient of `exp`: `dx = dy exp(x)`.
//!
//! Where `exp(x)` is normal (`|x| <= 87.336`, no NaN in the vector) the product of `dy` and
//! exp's result (within 1 ULP) rounds once more: within 2 ULP of the exact `dy exp(x)`
//! rounded. Other vectors take a second path: there `exp(x) = p 2^n` is kept as its parts
//! below `x = -87.336` and `dy` is multiplied in before the power of two ([`times_pow2`]), so
//! that a large `dy` meets a relatively accurate `exp(x)` even where `exp(x)` alone would be
//! subnormal or 0; below `x = -194` the exact result is below the smallest subnormal for
//! every finite `dy`, and `dx = dy * 0`.
//!
//! Measured over all 2^32 inputs with `dy = 1` (`tests/exhaustive.rs`): see the README; the
//! bound asserted is 3 ULP. Special values: NaN in `x` or `dy` -> NaN; `x > 88.72283` (where
//! `exp(x)` overflows `f32`) -> `dy * inf`; `x < -194` and `-inf` -> `dy * 0` (`+-0`, NaN for
//! an infinite `dy`).

use pulp::Simd;

use super::times_pow2;
use crate::simd::exp::{
    NORMAL_SCALE_MAX, all_in_normal_range, exp_general, exp_lo_parts, exp_normal_scale,
    exp_scaled_in_float,
};

/// Below this `x`, `|dy| exp(x) < 2^-150` for every finite `dy`: `dx` rounds to 0.
const ZERO_BELOW: f32 = -194.0;

/// `dy exp(x)` for every lane.
#[inline(always)]
pub(crate) fn exp_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    if S::F32_LANES > 1 && all_in_normal_range(simd, x) {
        return simd.mul_f32s(dy, exp_normal_scale(simd, x));
    }
    let near = simd.mul_f32s(dy, exp_any(simd, x));
    let tail = simd.less_than_f32s(x, simd.splat_f32s(-NORMAL_SCALE_MAX));
    let x_tail = simd.select_f32s(
        tail,
        simd.max_f32s(x, simd.splat_f32s(ZERO_BELOW)),
        simd.splat_f32s(-100.0),
    );
    let (p, n) = exp_lo_parts(simd, x_tail, None);
    let far = times_pow2(simd, dy, p, n);
    let far = select_zero_below(simd, x, dy, far);
    simd.select_f32s(tail, far, near)
}

/// `exp(x)` for every lane, on the path of [`exp`](crate::simd::exp::exp) that does not test
/// the range again (a gradient's second path has tested it).
#[inline(always)]
fn exp_any<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    if S::F32_LANES == 1 {
        exp_scaled_in_float(simd, x)
    } else {
        exp_general(simd, x)
    }
}

/// `dy * 0` on the lanes with `x < -194` (and `-inf`), `v` on the others.
#[inline(always)]
pub(crate) fn select_zero_below<S: Simd>(simd: S, x: S::f32s, dy: S::f32s, v: S::f32s) -> S::f32s {
    let zero = simd.less_than_f32s(x, simd.splat_f32s(ZERO_BELOW));
    simd.select_f32s(zero, simd.mul_f32s(dy, simd.splat_f32s(0.0)), v)
}
