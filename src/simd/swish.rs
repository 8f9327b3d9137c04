//! `x * sigmoid(k x)` for f32 lanes: SiLU (`k = 1`) and quick GELU (`k = 1.702`).
//!
//! Evaluated as the definition reads, `x / (1 + exp(-k x))`: one `exp`, one addition, one
//! division, and `x` exact in the numerator. (The sigmoid form `x e / (1 + e)` with
//! `e = exp(-|k x|)` rounds one more product: up to 3 ULP of SiLU near `x = -1.9`.) For
//! `k != 1` the argument `k x` is not rounded before `exp`: it is carried as `t + t_lo`, its
//! exact value (an exact product: FMA, or Veltkamp's splitting on the one-lane backend, which
//! has no FMA), and `t_lo` enters exp's reduced argument. Rounding `1.702 x` to f32 first would
//! cost `|k x| 2^-24` of relative error in the result: 85 ULP at `x = -50`.
//!
//! Vectors with a lane outside `2^-25 <= |k x| <= 87.336` (or NaN) take a second path, chosen
//! per vector as in sigmoid, which never computes with a subnormal number; typical vectors pay
//! one integer comparison for it. There the negative tail keeps full relative accuracy down to
//! subnormal results and `-0`: where `exp(-k x)` would overflow, the result is `x exp(k x)`
//! (to far below an ULP), built as `x p 2^n` from the parts of `exp(k x) = p 2^n`: `x p` is a
//! normal number and the power of two is applied exactly, rounding once ([`scale_exactly`]).
//! Tiny `|x|` (below `2^-25 / 1.75`, zeros and subnormals included) gives `x / 2` correctly
//! rounded (the next term, `k x^2 / 4`, is below half an ULP, and breaks the tie of an odd
//! subnormal `x` toward `+inf`). Both paths give the same bits for the lanes they share.
//!
//! Error: SiLU at most 2 ULP, quick GELU at most 2 ULP, over all 2^32 inputs on every backend
//! (`tests/exhaustive.rs`). NaN in, the input NaN quieted out; `+inf` -> `+inf`; `-inf` and the
//! far negative tail -> `-0`; `-0.0` -> `-0.0`.

use pulp::Simd;

use super::exp::{
    NORMAL_SCALE_MAX, TINY_INPUT, all_in_range, exp_lo_normal_scale, exp_lo_parts, scale_exactly,
};
use super::{SIGN_BIT, abs, quiet_nan_passthrough};

/// quick GELU's slope, 1.702, as `K_HI + K_LO` (the f32 nearest and the rest).
const K_HI: f32 = 1.702;
const K_LO: f32 = (1.702_f64 - K_HI as f64) as f32;

/// `|x|` below which the result is `x / 2` correctly rounded: `|t| < 2^-25` for both slopes
/// (`2^-25 / 1.702`, rounded down).
const TINY_X: f32 = 1.0 / 33_554_432.0 / 1.75;
/// `|x|` up to which quick GELU's `|t|` stays within `NORMAL_SCALE_MAX` (`87.336 / 1.702`,
/// rounded down).
const QUICK_NORMAL_MAX: f32 = 51.3;
/// `ln(2^-126)`, rounded up: for `t` below it `exp(t)` is subnormal.
const SUBNORMAL_BELOW: f32 = -87.336_54;

/// SiLU, `x * sigmoid(x) = x / (1 + exp(-x))`, for every lane.
#[inline(always)]
pub(crate) fn silu<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    swish::<S, false>(simd, x)
}

/// quick GELU, `x * sigmoid(1.702 x)`, for every lane.
#[inline(always)]
pub(crate) fn quick_gelu<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    swish::<S, true>(simd, x)
}

/// `x * sigmoid(k x) = x / (1 + exp(-k x))` with `k = 1.702` if `QUICK`, else 1.
#[inline(always)]
fn swish<S: Simd, const QUICK: bool>(simd: S, x: S::f32s) -> S::f32s {
    let one = simd.splat_f32s(1.0);
    // The range check is on `x`, before `k x` is formed: a subnormal `x` must not reach a
    // multiplication. Within it, `2^-25 <= |k x| <= NORMAL_SCALE_MAX`.
    let high = if QUICK {
        QUICK_NORMAL_MAX
    } else {
        NORMAL_SCALE_MAX
    };
    if S::F32_LANES > 1 && all_in_range(simd, x, TINY_INPUT, high) {
        let (m, m_lo) = minus_k_times::<S, QUICK>(simd, x);
        let e = exp_lo_normal_scale(simd, m, m_lo);
        return simd.div_f32s(x, simd.add_f32s(one, e));
    }
    // Second path. Tiny and NaN lanes run on a benign argument, and `x` is clamped to
    // `[-1000, 1000]` (beyond, the result is `x` or `-0` whatever `e`): `k x` stays finite,
    // and `x p` and `n` in the range of `scale_exactly`.
    let tiny = simd.less_than_f32s(abs(simd, x), simd.splat_f32s(TINY_X));
    let nan = simd.not_m32s(simd.equal_f32s(x, x));
    let xb = simd.select_f32s(simd.or_m32s(tiny, nan), one, x);
    let xb = simd.max_f32s(
        simd.min_f32s(xb, simd.splat_f32s(1000.0)),
        simd.splat_f32s(-1000.0),
    );
    let (m, m_lo) = minus_k_times::<S, QUICK>(simd, xb);
    // `exp(-k x)` overflows past the far negative end, and is subnormal past the far positive
    // one, where `1 + e` is 1. The far negative lanes take `exp(k x)` instead (one evaluation
    // for both): there the result is `x exp(k x)`, built as `x p 2^n`, rounded once.
    let far_negative = simd.greater_than_f32s(m, simd.splat_f32s(-SUBNORMAL_BELOW));
    let far_positive = simd.less_than_f32s(m, simd.splat_f32s(SUBNORMAL_BELOW));
    let w = simd.select_f32s(far_negative, simd.neg_f32s(m), m);
    let w_lo = m_lo.map(|lo| simd.select_f32s(far_negative, simd.neg_f32s(lo), lo));
    let (p, n) = exp_lo_parts(simd, w, w_lo);
    // `e` is 0 on both far sides: no subnormal operand reaches the addition.
    let far = simd.or_m32s(far_negative, far_positive);
    let e = simd.select_f32s(far, simd.splat_f32s(0.0), scale_exactly(simd, p, n));
    let q = simd.div_f32s(xb, simd.add_f32s(one, e));
    // Beyond the clamp on the positive side the result is `x` itself; `+inf` included.
    let q = simd.select_f32s(simd.greater_than_f32s(x, simd.splat_f32s(1000.0)), x, q);
    let tail = scale_exactly(simd, simd.mul_f32s(xb, p), n);
    let r = simd.select_f32s(far_negative, tail, q);
    let r = simd.select_f32s(tiny, half_rounded_up(simd, x), r);
    quiet_nan_passthrough(simd, x, r)
}

/// `(m, m_lo)` with `m + m_lo = -k x` (`m_lo`: `None` for `k = 1`, where `m = -x` is exact).
#[inline(always)]
fn minus_k_times<S: Simd, const QUICK: bool>(simd: S, x: S::f32s) -> (S::f32s, Option<S::f32s>) {
    if QUICK {
        let (m, m_lo) = times_k(simd, x, -K_HI, -K_LO);
        (m, Some(m_lo))
    } else {
        (simd.neg_f32s(x), None)
    }
}

/// `x / 2 + (a positive amount below half an ULP)`, correctly rounded: `x` with its exponent
/// decreased where that is exact, else (`|x| < 2^-125`, where the bit pattern is the value in
/// units of `2^-149`) the pattern halved, rounded toward `+inf` (up in magnitude for positive
/// `x`, down for negative).
#[inline(always)]
fn half_rounded_up<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let bits = simd.transmute_u32s_f32s(x);
    let sign = simd.and_u32s(bits, simd.splat_u32s(SIGN_BIT));
    let magnitude = simd.and_u32s(bits, simd.splat_u32s(!SIGN_BIT));
    let exponent_down = simd.sub_u32s(magnitude, simd.splat_u32s(1 << 23));
    let positive = simd.equal_u32s(sign, simd.splat_u32s(0));
    let up = simd.select_u32s(positive, simd.splat_u32s(1), simd.splat_u32s(0));
    let halved = simd.wrapping_dyn_shr_u32s(simd.add_u32s(magnitude, up), simd.splat_u32s(1));
    let small = simd.less_than_u32s(magnitude, simd.splat_u32s(2 << 23));
    simd.transmute_f32s_u32s(simd.or_u32s(simd.select_u32s(small, halved, exponent_down), sign))
}

/// `k x` as `(t, t_lo)` with `t + t_lo` equal to `(k + k_lo) x` to far below an ULP of `t`:
/// `k x` exactly (FMA; on the one-lane backend Veltkamp's splitting of `x`, `k` being split at
/// compile time) plus `k_lo x`.
#[inline(always)]
fn times_k<S: Simd>(simd: S, x: S::f32s, k: f32, k_lo: f32) -> (S::f32s, S::f32s) {
    let t = simd.mul_f32s(x, simd.splat_f32s(k));
    let err = if S::F32_LANES == 1 {
        // Without FMA: x = x_hi + x_lo and k = k1 + k2 with halves of 12 bits, whose products
        // are exact. (The callers' |x| <= 1000 keeps `x * 4097` finite.)
        let k1 = split_hi(k);
        let (k1, k2) = (simd.splat_f32s(k1), simd.splat_f32s(k - k1));
        let c = simd.mul_f32s(x, simd.splat_f32s(4097.0));
        let x_hi = simd.sub_f32s(c, simd.sub_f32s(c, x));
        let x_lo = simd.sub_f32s(x, x_hi);
        let e = simd.sub_f32s(simd.mul_f32s(x_hi, k1), t);
        let e = simd.add_f32s(e, simd.mul_f32s(x_lo, k1));
        let e = simd.add_f32s(e, simd.mul_f32s(x_hi, k2));
        simd.add_f32s(e, simd.mul_f32s(x_lo, k2))
    } else {
        simd.mul_add_e_f32s(x, simd.splat_f32s(k), simd.neg_f32s(t))
    };
    (t, simd.mul_add_e_f32s(x, simd.splat_f32s(k_lo), err))
}

/// The upper 12 significant bits of `k` (Veltkamp's split with the factor `2^12 + 1`).
const fn split_hi(k: f32) -> f32 {
    let c = k * 4097.0;
    c - (c - k)
}
