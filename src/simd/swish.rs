//! `x * sigmoid(w(x))` for f32 lanes: SiLU (`w = x`), quick GELU (`w = 1.702 x`) and the tanh
//! form of GELU (`x / 2 (1 + tanh(u)) = x sigmoid(2u)`, so `w = 2 sqrt(2 / pi) (x + 0.044715 x^3)`).
//!
//! Evaluated as `x / (1 + exp(-w))`: one `exp`, one addition, one division, and `x` exact in
//! the numerator. (The sigmoid form `x e / (1 + e)` with `e = exp(-|w|)` rounds one more
//! product: up to 3 ULP of SiLU near `x = -1.9`.) Where `w` is not `x` itself it is not rounded
//! before `exp`: it is carried as `m + m_lo = -w`, to far below an ULP of `m` (exact products:
//! FMA, or Dekker's product on the one-lane backend, which has no FMA), and `m_lo` enters
//! exp's reduced argument. Rounding `w` to f32 first would cost `|w| 2^-24` of relative error
//! in the result: 85 ULP of quick GELU at `x = -50`, 100 ULP of GELU's tanh form at `x = -10`.
//!
//! Vectors with a lane outside `2^-25 <= |x|` and `|w| <= 87.336` (or NaN) take a second path,
//! chosen per vector as in sigmoid, which never computes with a subnormal number; typical
//! vectors pay one integer comparison for it. There the negative tail keeps full relative
//! accuracy down to subnormal results and `-0`: where `exp(-w)` would overflow, the result is
//! `x exp(w)` (to far below an ULP), built as `x p 2^n` from the parts of `exp(w) = p 2^n`:
//! `x p` is a normal number and the power of two is applied exactly, rounding once
//! ([`scale_exactly`]).
//! Tiny `|x|` (below `2^-25 / 1.75`, zeros and subnormals included) gives `x / 2` correctly
//! rounded (the next term, `k x^2 / 4`, is below half an ULP, and breaks the tie of an odd
//! subnormal `x` toward `+inf`). Both paths give the same bits for the lanes they share.
//!
//! Error over all 2^32 inputs on every backend (`tests/exhaustive.rs`): SiLU and quick GELU
//! at most 2 ULP, GELU's tanh form at most 3 ULP. NaN in, the input NaN quieted out; `+inf` -> `+inf`; `-inf` and the
//! far negative tail -> `-0`; `-0.0` -> `-0.0`.

use pulp::Simd;

use super::exp::{
    NORMAL_SCALE_MAX, TINY_INPUT, all_in_range, exp_lo_normal_scale, exp_lo_parts, scale_exactly,
};
use super::{SIGN_BIT, SUBNORMAL_EXP_BELOW, benign_clamped, quiet_nan_passthrough, two_prod};

/// quick GELU's slope, 1.702, as `K_HI + K_LO` (the f32 nearest and the rest).
const K_HI: f32 = 1.702;
const K_LO: f32 = (1.702_f64 - K_HI as f64) as f32;

/// `|x|` below which the result is `x / 2` correctly rounded: `|t| < 2^-25` for both slopes
/// (`2^-25 / 1.702`, rounded down).
pub(crate) const TINY_X: f32 = 1.0 / 33_554_432.0 / 1.75;

/// SiLU, `x * sigmoid(x) = x / (1 + exp(-x))`, for every lane.
#[inline(always)]
pub(crate) fn silu<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    swish::<S, Silu>(simd, x)
}

/// quick GELU, `x * sigmoid(1.702 x)`, for every lane.
#[inline(always)]
pub(crate) fn quick_gelu<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    swish::<S, QuickGelu>(simd, x)
}

/// GELU, tanh form: `x / 2 * (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`, which is
/// `x * sigmoid(w)` with `w = 2 sqrt(2 / pi) (x + 0.044715 x^3)`, for every lane.
#[inline(always)]
pub(crate) fn gelu_tanh<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    swish::<S, GeluTanh>(simd, x)
}

/// The argument of the sigmoid, `w(x)` in `x * sigmoid(w(x))`.
pub(crate) trait Argument {
    /// `|x|` up to which `|w(x)| <= NORMAL_SCALE_MAX` (the first path's range).
    const NORMAL_MAX: f32;
    /// `|x|` beyond which the result is `x` or `-0` whatever the exponential; the second path
    /// clamps `x` there, so that `w` and `x p` stay finite and `|w| log2 e < 2^22`.
    const CLAMP: f32;
    /// `(m, m_lo)` with `m + m_lo = -w(x)` to far below an ULP of `m` (`None`: `m` is exact),
    /// for `|x| <= CLAMP`.
    fn minus<S: Simd>(simd: S, x: S::f32s) -> (S::f32s, Option<S::f32s>);
}

pub(crate) struct Silu;
impl Argument for Silu {
    const NORMAL_MAX: f32 = NORMAL_SCALE_MAX;
    const CLAMP: f32 = 1000.0;
    #[inline(always)]
    fn minus<S: Simd>(simd: S, x: S::f32s) -> (S::f32s, Option<S::f32s>) {
        (simd.neg_f32s(x), None)
    }
}

pub(crate) struct QuickGelu;
impl Argument for QuickGelu {
    /// `87.336 / 1.702`, rounded down.
    const NORMAL_MAX: f32 = 51.3;
    const CLAMP: f32 = 1000.0;
    #[inline(always)]
    fn minus<S: Simd>(simd: S, x: S::f32s) -> (S::f32s, Option<S::f32s>) {
        // -1.702 = -(K_HI + K_LO): the exact product with K_HI plus K_LO x.
        let (m, err) = two_prod(simd, x, simd.splat_f32s(-K_HI));
        (m, Some(simd.mul_add_e_f32s(x, simd.splat_f32s(-K_LO), err)))
    }
}

pub(crate) struct GeluTanh;
impl Argument for GeluTanh {
    /// `w(10) = 87.31`.
    const NORMAL_MAX: f32 = 10.0;
    /// `w(20) = 602`: `exp(-602)` is 0 in f32, so beyond 20 the result is `x` or `-0`.
    const CLAMP: f32 = 20.0;
    /// `w = x (C1 + C3 x^2)` in double-f32 arithmetic: `x^2`, `C3 x^2` and the final product
    /// exact (two-product), `C1 + C3 x^2` by Fast2Sum on the larger and smaller term, and
    /// the constants' own rounding errors (`C1_LO`, `C3_LO`) and the low parts joined in
    /// the correction. Rounding `w` (up to 100 in the tail) to f32 would cost `|w| 2^-24` of
    /// relative error in the result: 100 ULP.
    #[inline(always)]
    fn minus<S: Simd>(simd: S, x: S::f32s) -> (S::f32s, Option<S::f32s>) {
        let c1 = simd.splat_f32s(C1);
        let c3 = simd.splat_f32s(C3);
        let (x2, x2_lo) = two_prod(simd, x, x);
        let (p, p_lo) = two_prod(simd, c3, x2);
        let (hi, lo) = (simd.max_f32s(c1, p), simd.min_f32s(c1, p));
        let s = simd.add_f32s(hi, lo);
        let s_lo = simd.add_f32s(simd.sub_f32s(hi, s), lo);
        // The rest of C1 + C3 x^2: p_lo + C3 x2_lo + C3_LO x2 + C1_LO.
        let rest = simd.add_f32s(p_lo, simd.splat_f32s(C1_LO));
        let rest = simd.mul_add_e_f32s(c3, x2_lo, rest);
        let rest = simd.mul_add_e_f32s(simd.splat_f32s(C3_LO), x2, rest);
        let s_lo = simd.add_f32s(s_lo, rest);
        let (w, w_err) = two_prod(simd, x, s);
        let w_lo = simd.mul_add_e_f32s(x, s_lo, w_err);
        (simd.neg_f32s(w), Some(simd.neg_f32s(w_lo)))
    }
}

/// `2 sqrt(2 / pi)` and `2 sqrt(2 / pi) 0.044715`, each as the nearest f32 plus the rest.
pub(crate) const C1: f32 = 1.595_769_2;
pub(crate) const C1_LO: f32 = (1.595_769_121_605_730_7_f64 - C1 as f64) as f32;
const C3: f32 = 0.071_354_814;
const C3_LO: f32 = (0.071_354_816_272_600_25_f64 - C3 as f64) as f32;

/// `x * sigmoid(w(x)) = x / (1 + exp(-w(x)))`.
#[inline(always)]
fn swish<S: Simd, W: Argument>(simd: S, x: S::f32s) -> S::f32s {
    let one = simd.splat_f32s(1.0);
    // The range check is on `x`, before `w` is formed: a subnormal `x` must not reach a
    // multiplication. Within it, `2^-25 <= |w| <= NORMAL_SCALE_MAX`.
    if S::F32_LANES > 1 && all_in_range(simd, x, TINY_INPUT, W::NORMAL_MAX) {
        let (m, m_lo) = W::minus(simd, x);
        let e = exp_lo_normal_scale(simd, m, m_lo);
        return simd.div_f32s(x, simd.add_f32s(one, e));
    }
    // Second path. Tiny and NaN lanes run on a benign argument, and `x` is clamped to
    // `[-CLAMP, CLAMP]` (beyond, the result is `x` or `-0` whatever `e`).
    let (tiny, xb) = benign_clamped(simd, x, TINY_X, W::CLAMP);
    let (m, m_lo) = W::minus(simd, xb);
    // `exp(-w)` overflows past the far negative end, and is subnormal past the far positive
    // one, where `1 + e` is 1. The far negative lanes take `exp(w)` instead (one evaluation
    // for both): there the result is `x exp(w)`, built as `x p 2^n`, rounded once.
    let far_negative = simd.greater_than_f32s(m, simd.splat_f32s(-SUBNORMAL_EXP_BELOW));
    let far_positive = simd.less_than_f32s(m, simd.splat_f32s(SUBNORMAL_EXP_BELOW));
    let v = simd.select_f32s(far_negative, simd.neg_f32s(m), m);
    let v_lo = m_lo.map(|lo| simd.select_f32s(far_negative, simd.neg_f32s(lo), lo));
    let (p, n) = exp_lo_parts(simd, v, v_lo);
    // `e` is 0 on both far sides: no subnormal operand reaches the addition.
    let far = simd.or_m32s(far_negative, far_positive);
    let e = simd.select_f32s(far, simd.splat_f32s(0.0), scale_exactly(simd, p, n));
    let q = simd.div_f32s(xb, simd.add_f32s(one, e));
    // Beyond the clamp on the positive side the result is `x` itself; `+inf` included.
    let q = simd.select_f32s(simd.greater_than_f32s(x, simd.splat_f32s(W::CLAMP)), x, q);
    let tail = scale_exactly(simd, simd.mul_f32s(xb, p), n);
    let r = simd.select_f32s(far_negative, tail, q);
    let r = simd.select_f32s(tiny, half_rounded_up(simd, x), r);
    quiet_nan_passthrough(simd, x, r)
}

/// `x / 2 + (a positive amount below half an ULP)`, correctly rounded: `x` with its exponent
/// decreased where that is exact, else (`|x| < 2^-125`, where the bit pattern is the value in
/// units of `2^-149`) the pattern halved, rounded toward `+inf` (up in magnitude for positive
/// `x`, down for negative).
#[inline(always)]
pub(crate) fn half_rounded_up<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
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
