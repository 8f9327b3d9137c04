//! ELU and SELU for f32 lanes: `if x > 0 { p x } else { c expm1(x) }`, with `p = 1` and
//! `c = alpha` (ELU) or `p = lambda` and `c = lambda alpha` (SELU, PyTorch's constants).
//!
//! One formula for both sides: `c expm1(min(x, 0)) + max(p x, -0)`, one FMA at the end. On a
//! positive lane `expm1(0)` is exactly 0 and the FMA returns `p x` rounded once; on a negative
//! lane `max(p x, -0)` is `-0` and the FMA rounds `c expm1(x)` once. `expm1` is
//! [`expm1_nonpositive`] (within 1 ULP, full relative accuracy near 0).
//!
//! ELU with its default `alpha = 1` skips the product: `max(expm1(min(x, 0)), x)` (see
//! [`formula`]).
//!
//! Error: ELU with `alpha = 1` rounds no product: at most 2 ULP (1 measured; proved on every
//! input by `tests/exhaustive.rs`). With another `alpha`, and for SELU, `expm1`'s error and
//! the product's rounding add: at most 3 ULP (SELU on every input; other alphas by
//! `tests/elu_alpha.rs`). SELU's `lambda` and `lambda alpha` are rounded to f32
//! (relative errors 3.3e-8 and 1.3e-8, below 0.6 ULP of any result).
//!
//! Tiny arguments (`|x| < 2^-25`, where `expm1(x)` rounds to `x`; zeros and subnormals
//! included), NaN and, on the one-lane backend, every vector take a second path, chosen per
//! vector: there the formula runs on a benign argument, tiny lanes get `c x` or `p x`
//! ([`scale_tiny`], which never computes with a subnormal number for `|c|, |p| >= 1/4`) and NaN
//! lanes the input NaN, quieted. Subnormal operands and results cost a microcode assist per
//! operation on Intel cores (README: "Measurements behind the code's shape"); the branch keeps
//! them off the common path. `-0.0` gives `c * -0.0` (`-0.0` for `c > 0`), `+inf` gives
//! `+inf`, `-inf` gives `-c` (`expm1` clamps its argument where it rounds to -1).

use pulp::Simd;

use super::exp::{TINY_INPUT, expm1_nonpositive};
use super::{SIGN_BIT, abs, quiet_nan_passthrough};
use crate::reference::{SELU_ALPHA, SELU_LAMBDA};

/// SELU's `lambda` rounded to f32.
const LAMBDA: f32 = SELU_LAMBDA as f32;
/// SELU's `lambda * alpha`, the product in f64 rounded to f32 once.
const LAMBDA_ALPHA: f32 = (SELU_LAMBDA * SELU_ALPHA) as f32;

/// `elu(x) = if x > 0 { x } else { alpha expm1(x) }` for every lane.
#[inline(always)]
pub(crate) fn elu<S: Simd>(simd: S, x: S::f32s, alpha: f32) -> S::f32s {
    scaled_elu(simd, x, alpha, None)
}

/// `selu(x) = lambda (if x > 0 { x } else { alpha expm1(x) })` for every lane.
#[inline(always)]
pub(crate) fn selu<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    scaled_elu(simd, x, LAMBDA_ALPHA, Some(LAMBDA))
}

/// `if x > 0 { p x } else { c expm1(x) }` for every lane, with `p` = 1 for `None`.
#[inline(always)]
fn scaled_elu<S: Simd>(simd: S, x: S::f32s, c: f32, p: Option<f32>) -> S::f32s {
    // No NaN, no tiny lane: the formula as it is. The one-lane backend always takes the
    // second path, branch-free (a branch per element keeps its loop from vectorizing).
    // Tiny lanes and NaN (the negation of an ordered comparison).
    let tiny =
        simd.not_m32s(simd.greater_than_or_equal_f32s(abs(simd, x), simd.splat_f32s(TINY_INPUT)));
    if S::F32_LANES > 1 && simd.first_true_m32s(tiny) == S::F32_LANES {
        formula(simd, x, c, p)
    } else {
        // The formula on -1 there.
        let benign = simd.select_f32s(tiny, simd.splat_f32s(-1.0), x);
        let y = formula(simd, benign, c, p);
        let y = simd.select_f32s(tiny, scale_tiny(simd, x, c, p.unwrap_or(1.0)), y);
        quiet_nan_passthrough(simd, x, y)
    }
}

/// `c expm1(min(x, 0)) + max(p x, -0)` for lanes without NaN and with `|x| >= 2^-25`.
#[inline(always)]
fn formula<S: Simd>(simd: S, x: S::f32s, c: f32, p: Option<f32>) -> S::f32s {
    // No zero lanes here, so `min` and `max` never compare equal operands.
    let e = expm1_nonpositive(simd, simd.min_f32s(x, simd.splat_f32s(0.0)));
    if p.is_none() && c == 1.0 {
        // ELU's default: `max(expm1(min(x, 0)), x)`, one operation fewer. `expm1(x) > x` for
        // `x < 0`, and rounding keeps the order, so this is `expm1(x)` there; where `e` is
        // an ULP below `x` (`|x|` tiny, `expm1(x)` within an ULP of `x`), `x` is no farther
        // from the exact value than `e`. On positive lanes `e = 0` and the result is `x`.
        return simd.max_f32s(e, x);
    }
    let px = match p {
        Some(p) => simd.mul_f32s(x, simd.splat_f32s(p)),
        None => x,
    };
    // `-0`, not `+0`, on negative lanes: adding it keeps the sign of `c e` when that is a
    // zero (`c = 0`), as in the reference's `alpha * expm1(x)`.
    let positive_part = simd.max_f32s(px, simd.splat_f32s(-0.0));
    simd.mul_add_e_f32s(simd.splat_f32s(c), e, positive_part)
}

/// `c x` on lanes with `x < 0` (sign bit set) and `p x` on the others, for `|x| < 2^-25`
/// (zeros and subnormals included; other lanes hold garbage), each rounded once, without a
/// subnormal operand or result for `|c|, |p| >= 1/4` (below, a subnormal product can occur).
/// (`expm1(x)` rounds to `x` there: `c x` is then within 1 ULP of `c expm1(x)`.)
///
/// `X = |x| 2^25` is normal (`|x| >= 2^-124` below 1): built from the bits, by adding 25 to
/// the exponent of a normal `x` and as `(2^-101 + w 2^-124) - 2^-101` from a subnormal `x`'s
/// mantissa `w` (exact). Then `P = |k| X` (`k` = `c` or `p`): where `P >= 2^-101` the result
/// `P 2^-25` is normal and 25 is subtracted from `P`'s exponent; below, the result is
/// subnormal, and its bit pattern is `round(|k| X 2^124)`, which `2^-101 + |k| X` rounds to
/// (ulp `2^-124`), ties to even, as the hardware rounds a subnormal result. The sign is that
/// of `k x`.
#[inline(always)]
fn scale_tiny<S: Simd>(simd: S, x: S::f32s, c: f32, p: f32) -> S::f32s {
    const SCALE: u32 = 25 << 23;
    const OFFSET: f32 = 1.0 / 2_535_301_200_456_458_802_993_406_410_752.0; // 2^-101
    let u = |v: S::f32s| simd.transmute_u32s_f32s(v);
    let f = |v: S::u32s| simd.transmute_f32s_u32s(v);
    let bits = u(x);
    let abs_bits = simd.and_u32s(bits, simd.splat_u32s(!SIGN_BIT));
    let subnormal = simd.less_than_u32s(abs_bits, simd.splat_u32s(0x0080_0000));
    let from_subnormal = simd.sub_f32s(
        f(simd.or_u32s(abs_bits, simd.splat_u32s(OFFSET.to_bits()))),
        simd.splat_f32s(OFFSET),
    );
    let from_normal = f(simd.add_u32s(abs_bits, simd.splat_u32s(SCALE)));
    let big_x = simd.select_f32s(subnormal, from_subnormal, from_normal);
    let negative = simd.less_than_i32s(simd.transmute_i32s_u32s(bits), simd.splat_i32s(0));
    let k = simd.select_f32s(negative, simd.splat_f32s(c), simd.splat_f32s(p));
    let abs_k = abs(simd, k);
    let product = simd.mul_f32s(abs_k, big_x);
    let normal_bits = simd.sub_u32s(u(product), simd.splat_u32s(SCALE));
    let rounded = simd.mul_add_e_f32s(abs_k, big_x, simd.splat_f32s(OFFSET));
    let subnormal_bits = simd.sub_u32s(u(rounded), simd.splat_u32s(OFFSET.to_bits()));
    let result_subnormal = simd.less_than_f32s(product, simd.splat_f32s(OFFSET));
    let magnitude = simd.select_u32s(result_subnormal, subnormal_bits, normal_bits);
    let sign = simd.and_u32s(simd.xor_u32s(bits, u(k)), simd.splat_u32s(SIGN_BIT));
    f(simd.or_u32s(magnitude, sign))
}
