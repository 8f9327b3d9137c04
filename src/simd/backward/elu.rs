//! The gradients of ELU and SELU: `dx = dy` (SELU: `lambda dy`) for `x > 0`, else
//! `dy alpha exp(x)` (SELU: `dy lambda alpha exp(x)`).
//!
//! `dy` is first multiplied by the constant (`alpha`, or SELU's `lambda alpha` rounded to f32
//! once; exact for ELU's default `alpha = 1`), then by `exp(x)` as in the gradient of `exp`
//! (module [`exp`](super::exp)): exp's result where it is normal, its parts with the power of
//! two applied last in the far tail. About 2.5 ULP of rounding at most: the bound asserted is
//! 3 ULP (`tests/exhaustive.rs`, every input for the default alpha; `tests/elu_alpha.rs` for
//! others). Special values: NaN in `x` or `dy` -> NaN; `+inf` -> `dy` (SELU: `lambda dy`);
//! `x < -194` and `-inf` -> `dy alpha * 0`; `-0.0` -> `dy alpha` (the kink belongs to the
//! negative side, as in PyTorch's `x > 0 ? dy : ...`).

use pulp::Simd;

use super::exp::select_zero_below;
use super::times_pow2;
use crate::reference::{SELU_ALPHA, SELU_LAMBDA};
use crate::simd::exp::{NORMAL_SCALE_MAX, exp, exp_lo_parts, exp_normal_scale};

/// SELU's `lambda` rounded to f32.
const LAMBDA: f32 = SELU_LAMBDA as f32;
/// SELU's `lambda * alpha`, the product in f64 rounded to f32 once.
const LAMBDA_ALPHA: f32 = (SELU_LAMBDA * SELU_ALPHA) as f32;

/// `x > 0 ? dy : dy alpha exp(x)` for every lane.
#[inline(always)]
pub(crate) fn elu_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s, alpha: f32) -> S::f32s {
    scaled_elu_backward(simd, x, dy, alpha, None)
}

/// `x > 0 ? lambda dy : lambda alpha dy exp(x)` for every lane.
#[inline(always)]
pub(crate) fn selu_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    scaled_elu_backward(simd, x, dy, LAMBDA_ALPHA, Some(LAMBDA))
}

/// `x > 0 ? p dy : c dy exp(x)` for every lane, `p` = 1 for `None`.
#[inline(always)]
fn scaled_elu_backward<S: Simd>(
    simd: S,
    x: S::f32s,
    dy: S::f32s,
    c: f32,
    p: Option<f32>,
) -> S::f32s {
    let positive = simd.greater_than_f32s(x, simd.splat_f32s(0.0));
    let pos = match p {
        Some(p) => simd.mul_f32s(dy, simd.splat_f32s(p)),
        None => dy,
    };
    let dc = if c == 1.0 {
        dy
    } else {
        simd.mul_f32s(dy, simd.splat_f32s(c))
    };
    // `x` on the other lanes, NaN included (its `exp` is NaN, so is the product).
    let x_neg = simd.select_f32s(positive, simd.splat_f32s(0.0), x);
    // No NaN and nothing below -87.336: exp(x_neg) is normal, no guard needed.
    let out_of_range =
        simd.not_m32s(simd.greater_than_or_equal_f32s(x, simd.splat_f32s(-NORMAL_SCALE_MAX)));
    if S::F32_LANES > 1 && simd.first_true_m32s(out_of_range) == S::F32_LANES {
        let neg = simd.mul_f32s(dc, exp_normal_scale(simd, x_neg));
        return simd.select_f32s(positive, pos, neg);
    }
    // The full `exp` (with its range test) rather than exp_backward's `exp_any`: with it the
    // compiler allocates registers better here (callgrind, AVX2: 4.86 instructions per
    // element against 5.42), and both round the same `p 2^n` once.
    let near = simd.mul_f32s(dc, exp(simd, x_neg));
    let tail = simd.less_than_f32s(x, simd.splat_f32s(-NORMAL_SCALE_MAX));
    let x_tail = simd.select_f32s(
        tail,
        simd.max_f32s(x, simd.splat_f32s(-194.0)),
        simd.splat_f32s(-100.0),
    );
    let (e, n) = exp_lo_parts(simd, x_tail, None);
    let far = select_zero_below(simd, x, dc, times_pow2(simd, dc, e, n));
    let neg = simd.select_f32s(tail, far, near);
    simd.select_f32s(positive, pos, neg)
}
