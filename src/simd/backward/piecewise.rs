//! The gradients of the piecewise-linear activations, with PyTorch's choices at the kinks:
//! - ReLU: `x > 0 ? dy : 0`;
//! - Leaky ReLU: `x > 0 ? dy : alpha dy`;
//! - hard sigmoid: `-3 < x < 3 ? dy / 6 : 0`;
//! - hard swish: `x < -3 ? 0 : x <= 3 ? dy (x / 3 + 1/2) : dy`.
//!
//! ReLU, Leaky ReLU and hard sigmoid are exact (one rounding of the product or quotient, as
//! the reference's). Hard swish computes `dy ((x + 3/2) / 3)`: `x + 3/2` is exact from -3 to
//! -0.75 (Sterbenz), so no cancellation is left at the root `x = -1.5`, and the three
//! roundings keep it within 2 ULP of the exact value rounded, a relative bound where
//! PyTorch's `x / 3 + 0.5` cancels.
//!
//! A NaN `x` gives 0 where PyTorch's comparisons select 0 (ReLU, hard sigmoid), and NaN (the
//! input NaN, quieted) for Leaky ReLU and hard swish, whose PyTorch formulas would hand `dy`
//! on unchanged; a NaN `dy` gives NaN except where 0 is selected.

use pulp::Simd;

use crate::simd::quiet_nan_passthrough;

/// `x > 0 ? dy : 0` for every lane.
#[inline(always)]
pub(crate) fn relu_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    let positive = simd.greater_than_f32s(x, simd.splat_f32s(0.0));
    simd.select_f32s(positive, dy, simd.splat_f32s(0.0))
}

/// `x > 0 ? dy : alpha dy` for every lane (NaN `x`: NaN).
#[inline(always)]
pub(crate) fn leaky_relu_backward<S: Simd>(
    simd: S,
    x: S::f32s,
    dy: S::f32s,
    alpha: f32,
) -> S::f32s {
    let positive = simd.greater_than_f32s(x, simd.splat_f32s(0.0));
    let r = simd.select_f32s(positive, dy, simd.mul_f32s(dy, simd.splat_f32s(alpha)));
    quiet_nan_passthrough(simd, x, r)
}

/// `-3 < x < 3 ? dy / 6 : 0` for every lane.
#[inline(always)]
pub(crate) fn hard_sigmoid_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    let inside = simd.and_m32s(
        simd.greater_than_f32s(x, simd.splat_f32s(-3.0)),
        simd.less_than_f32s(x, simd.splat_f32s(3.0)),
    );
    let r = simd.div_f32s(dy, simd.splat_f32s(6.0));
    simd.select_f32s(inside, r, simd.splat_f32s(0.0))
}

/// `x < -3 ? 0 : x <= 3 ? dy (x + 3/2) / 3 : dy` for every lane (NaN `x`: NaN).
#[inline(always)]
pub(crate) fn hard_swish_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    let slope = simd.div_f32s(simd.add_f32s(x, simd.splat_f32s(1.5)), simd.splat_f32s(3.0));
    let middle = simd.mul_f32s(dy, slope);
    let upper = simd.greater_than_f32s(x, simd.splat_f32s(3.0));
    let r = simd.select_f32s(upper, dy, middle);
    let lower = simd.less_than_f32s(x, simd.splat_f32s(-3.0));
    let r = simd.select_f32s(lower, simd.splat_f32s(0.0), r);
    quiet_nan_passthrough(simd, x, r)
}
