//! `sigmoid(x) = 1 / (1 + exp(-x))` for f32 lanes.
//!
//! Evaluated on `z = -|x|` so that `e = exp(z)` lies in `[0, 1]` and never overflows; then
//! `sigmoid(x) = e / (1 + e)` for `x <= 0` and `1 / (1 + e)` for `x > 0`. Unlike the rational
//! approximations clamped near +-18 (MLAS, tract), this keeps full relative accuracy in the
//! negative tail, down to subnormal results. Error: at most 2 ULP.

use pulp::Simd;

use super::exp::{exp_unguarded, flush_underflow};

/// `sigmoid(x)` for every lane. NaN -> NaN, `+inf` -> 1, `-inf` -> 0, `-0.0` -> 0.5; the result
/// is always in `[0, 1]`.
#[inline(always)]
pub(crate) fn sigmoid<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let sign = simd.splat_u32s(0x8000_0000);
    // z = -|x|: set the sign bit.
    let z = simd.transmute_f32s_u32s(simd.or_u32s(simd.transmute_u32s_f32s(x), sign));
    let e = flush_underflow(simd, z, exp_unguarded(simd, z));
    let one = simd.splat_f32s(1.0);
    let positive = simd.greater_than_f32s(x, simd.splat_f32s(0.0));
    let numerator = simd.select_f32s(positive, one, e);
    simd.div_f32s(numerator, simd.add_f32s(one, e))
}
