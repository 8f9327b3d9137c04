//! The ReLU family: `if x < 0 { a * x } else { x }` with `a` = 0 (ReLU), a fixed `alpha`
//! (Leaky ReLU) or a per-channel slope (PReLU). Exact; NaN passes through (`NaN < 0` is false)
//! and `-0.0` stays `-0.0` (`-0.0 < 0` is false too).

use pulp::Simd;

/// `x < 0 ? slope * x : x` for every lane.
#[inline(always)]
pub(crate) fn leaky<S: Simd>(simd: S, x: S::f32s, slope: S::f32s) -> S::f32s {
    let negative = simd.less_than_f32s(x, simd.splat_f32s(0.0));
    simd.select_f32s(negative, simd.mul_f32s(x, slope), x)
}

/// `x < 0 ? +0 : x` for every lane (not `max(x, 0)`, whose NaN handling differs by ISA).
#[inline(always)]
pub(crate) fn relu<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let zero = simd.splat_f32s(0.0);
    simd.select_f32s(simd.less_than_f32s(x, zero), zero, x)
}

/// Leaky ReLU with one slope for every lane.
#[inline(always)]
pub(crate) fn leaky_relu<S: Simd>(simd: S, x: S::f32s, alpha: f32) -> S::f32s {
    leaky(simd, x, simd.splat_f32s(alpha))
}
