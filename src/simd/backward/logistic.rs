//! Gradients of the logistic family: sigmoid, tanh, softplus and log-sigmoid, from the forward
//! input `x`, and the "from output" forms of sigmoid and tanh.
//!
//! All four derivatives are rational functions of `e = exp(-|x|)` (tanh: `exp(-2|x|)`, `2|x|`
//! being exact), which lies in `(0, 1]` and never overflows:
//! - `sigmoid'(x) = e / (1 + e)^2` (even in `x`);
//! - `tanh'(x) = 1 - tanh(x)^2 = 4e / (1 + e)^2 = e / ((1 + e) / 2)^2`;
//! - `softplus'(x) = sigmoid(x)`: `e / (1 + e)` for `x < 0`, `1 / (1 + e)` for `x >= 0`;
//! - `log_sigmoid'(x) = sigmoid(-x)`: the mirror.
//!
//! Method (AVX2 and AVX-512): `e` from the forward kernels' `exp`; the denominator `1 + e` as
//! the exact two-sum `d + d_lo` (`e <= 1`); for the squared denominators the exact square `D +
//! D_lo = d^2` (one FMA) with `2 d d_lo` joined to the low part; then one division `q0 = n / D`
//! with its exact remainder `n - q0 D` (one FMA), from which the low parts are subtracted
//! (`q0 T_lo`), divided by `D` approximately (a reciprocal from the bit pattern, within 12%, on
//! a correction of about an ULP): `c`. The gradient `dy (q0 + c)` is formed as
//! `fma(dy, q0, dy c)`, rounded once. What remains is `exp`'s error (below an ULP, scaled by
//! the derivative's sensitivity to `e`, which is at most 1), 12% of the correction and the
//! final rounding. The one-lane backend (no FMA) takes `e`'s parts `p 2^n` from the same `exp`
//! and evaluates the rational function and the product with `dy` in `f64`, rounded once.
//!
//! Paths (chosen per vector, as in the forward kernels): the first path takes vectors whose
//! lanes all have `2^-25 <= |x| <= FAR` (64; tanh: 32) and a finite `dy`: there no operation
//! reads or makes a subnormal number (for `|dy| >= 2^-30`; smaller `dy` can make the last,
//! tiny correction subnormal). The second path takes the rest: tiny lanes (zeros and
//! subnormals included) compute `f'(0)`; far lanes (where `f'(x) = e (1 - 2e ...)` is `e` to
//! within `2^-90`, resp. `4e`, `e` or 1) take `dy e` from `e`'s parts `p 2^n` rounded once
//! ([`dy_times_parts`]), which keeps the bound also where `f'(x)` is subnormal and `|dy| > 1`;
//! an infinite `dy` gives `dy` times `f'(x)` rounded to f32 (so NaN where that is 0); a NaN
//! `dy` or `x` gives that NaN, quieted (`x`'s if both are NaN). The results do not depend on the
//! path (the first path and the near lanes of the second compute the same operations on the
//! same `e`).
//!
//! Speed (4096 elements, one thread, this machine, shared): `sigmoid_backward` and
//! `tanh_backward` run at about 0.55x (AVX2) to 0.6x (AVX-512) of their forward kernels'
//! throughput: the exact corrections (about 14 operations after `exp`, against the forward's 4)
//! cost that; `softplus_backward` and `log_sigmoid_backward` run at 1.1x to 1.35x of theirs
//! (no `log1p`). Instructions per element (callgrind, AVX2 path, including loads, stores and
//! the loop): sigmoid 4.14 forward / 7.14 backward, tanh 4.39 / 7.39, softplus 7.64 / 6.76,
//! log-sigmoid 7.64 / 6.64; the from-output forms 5.51.

use pulp::Simd;

use crate::simd::exp::{TINY_INPUT, exp_lo_parts, exp_normal_scale, outside_range, scale_exactly};
use crate::simd::{
    SIGN_BIT, neg_abs, quiet_nan_passthrough, quotient_and_remainder, reciprocal_estimate, two_prod,
};

/// Which derivative [`grad`] computes.
const SIGMOID: u8 = 0;
const TANH: u8 = 1;
const SOFTPLUS: u8 = 2;
const LOG_SIGMOID: u8 = 3;

/// Up to this `|x|` the first path runs (tanh: half of it, so `2|x| <= 64`): `e >= 2^-92.4`,
/// so the remainder and the correction (about `2^-24 e`) stay normal. Beyond it the second
/// path's tail formula `dy e` is exact to `2^-90` relative.
const FAR: f32 = 64.0;
/// The second path clamps `-|x|` (tanh: `-2|x|`) here: `e = 2^-288.5`, whose product with any
/// finite `dy` rounds to 0 like the exact one, and `n` stays within [`exp_lo_parts`]'s range.
const CLAMP: f32 = -200.0;

/// `dy * sigmoid'(x)`, `sigmoid'(x) = e / (1 + e)^2` with `e = exp(-|x|)` (see the module doc
/// for the method).
///
/// Bound: 3 ULP (all 2^32 `x` with `dy = 1`, and random `dy`, on every backend). Measured
/// (exhaustive sweep of this file's tests): all 2^32 `x` with `dy = 1`, max 2 ULP on AVX2 and
/// AVX-512 (66 inputs reach 2, e.g. `x = 4.134931`) and 2 on the one-lane backend; 2^24
/// random `(x, dy)`, `|dy|` log-uniform over `[2^-30, 2^30]`: max 2 on every backend.
/// `sigmoid_backward(30, 1) = 9.357623e-14`.
///
/// Special values: NaN `x` -> NaN (`x` quieted); NaN `dy` -> NaN (`dy` quieted); `x = +-inf`
/// -> `dy * 0` (`+-0` with the sign of `dy`; NaN for `dy = +-inf`); `dy = +-inf` -> `+-inf`
/// where `sigmoid'(x)` rounds to a nonzero f32 (`|x| <= 103.97`), NaN beyond; `-0.0` like
/// `+0.0` (`dy / 4`).
#[inline(always)]
pub(crate) fn sigmoid_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    grad::<S, SIGMOID>(simd, x, dy)
}

/// `dy * tanh'(x)`, `tanh'(x) = 1 - tanh(x)^2 = 4e / (1 + e)^2` with `e = exp(-2|x|)`
/// (see the module doc for the method).
///
/// Bound: 3 ULP (all 2^32 `x` with `dy = 1`, and random `dy`, on every backend). Measured:
/// all 2^32 `x` with `dy = 1`, max 2 ULP on AVX2 and AVX-512 (66 inputs) and on the one-lane
/// backend; 2^24 random `(x, dy)`: max 2 on every backend.
///
/// Special values: NaN `x` -> NaN (`x` quieted); NaN `dy` -> NaN; `x = +-inf` -> `dy * 0`
/// (`+-0` with the sign of `dy`; NaN for `dy = +-inf`); `dy = +-inf` -> `+-inf` where
/// `tanh'(x)` rounds to a nonzero f32 (`|x| <= 52.68`), NaN beyond; `-0.0` like `+0.0` (`dy`).
#[inline(always)]
pub(crate) fn tanh_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    grad::<S, TANH>(simd, x, dy)
}

/// `dy * softplus'(x) = dy * sigmoid(x)`: `e / (1 + e)` for `x < 0`, `1 / (1 + e)` for
/// `x >= 0`, `e = exp(-|x|)` (see the module doc for the method).
///
/// Bound: 3 ULP (all 2^32 `x` with `dy = 1`, and random `dy`, on every backend). Measured:
/// all 2^32 `x` with `dy = 1`, max 1 ULP on AVX2 and AVX-512, 2 on the one-lane backend;
/// 2^24 random `(x, dy)`: max 2 on every backend.
///
/// Special values: NaN `x` -> NaN (`x` quieted); NaN `dy` -> NaN; `x = +inf` -> `dy`;
/// `x = -inf` -> `dy * 0` (`+-0`; NaN for `dy = +-inf`); `dy = +-inf` -> `+-inf` for
/// `x >= -103.97`, NaN below; `-0.0` like `+0.0` (`dy / 2`).
#[inline(always)]
pub(crate) fn softplus_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    grad::<S, SOFTPLUS>(simd, x, dy)
}

/// `dy * log_sigmoid'(x) = dy * sigmoid(-x)`: `1 / (1 + e)` for `x <= 0`, `e / (1 + e)` for
/// `x > 0`, `e = exp(-|x|)` (see the module doc for the method).
///
/// Bound: 3 ULP (all 2^32 `x` with `dy = 1`, and random `dy`, on every backend). Measured:
/// all 2^32 `x` with `dy = 1`, max 1 ULP on AVX2 and AVX-512, 2 on the one-lane backend;
/// 2^24 random `(x, dy)`: max 2 on every backend.
///
/// Special values: NaN `x` -> NaN (`x` quieted); NaN `dy` -> NaN; `x = -inf` -> `dy`;
/// `x = +inf` -> `dy * 0` (`+-0`; NaN for `dy = +-inf`); `dy = +-inf` -> `+-inf` for
/// `x <= 103.97`, NaN above; `-0.0` like `+0.0` (`dy / 2`).
#[inline(always)]
pub(crate) fn log_sigmoid_backward<S: Simd>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    grad::<S, LOG_SIGMOID>(simd, x, dy)
}

/// `dy * f'(x)` for the derivative `K`: the two paths of the module doc.
#[inline(always)]
fn grad<S: Simd, const K: u8>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    if S::F32_LANES == 1 {
        return grad_in_f64::<S, K>(simd, x, dy);
    }
    let far = if K == TANH { FAR / 2.0 } else { FAR };
    let outside = simd.or_m32s(
        outside_range(simd, x, TINY_INPUT, far),
        not_finite(simd, dy),
    );
    if simd.first_true_m32s(outside) == S::F32_LANES {
        let e = exp_normal_scale(simd, exponent_of::<S, K>(simd, x));
        return rational::<S, K>(simd, x, e, dy).0;
    }
    // Second path. Tiny lanes (zeros and subnormals included) and NaN lanes compute at
    // `x = 0`; the others with `-|x|` clamped (the far lanes' formula result is replaced).
    let z = neg_abs(simd, x);
    let special = simd.not_m32s(simd.less_than_or_equal_f32s(z, simd.splat_f32s(-TINY_INPUT)));
    let x0 = simd.select_f32s(special, simd.splat_f32s(0.0), x);
    let z = simd.max_f32s(exponent_of::<S, K>(simd, x0), simd.splat_f32s(CLAMP));
    let (p, n) = exp_lo_parts(simd, z, None);
    let far_lane = simd.less_than_f32s(neg_abs(simd, x0), simd.splat_f32s(-far));
    // Near lanes: `e` normal (`|z| <= 64`), bit-identical to the first path's. Far lanes run
    // the formula on `e = 0` (no subnormal number) and take their own result below.
    let e = simd.select_f32s(far_lane, simd.splat_f32s(0.0), scale_exactly(simd, p, n));
    let (near, q0) = rational::<S, K>(simd, x0, e, dy);
    // Far lanes: `f'(x)` is `e` (sigmoid, and softplus / log-sigmoid on their `e` side), `4e`
    // (tanh: `n + 2`), or 1 on the other side of softplus / log-sigmoid.
    let n_far = if K == TANH {
        simd.add_i32s(n, simd.splat_i32s(2))
    } else {
        n
    };
    let tail = dy_times_parts(simd, dy, p, n_far);
    let f_tail = scale_exactly(simd, p, n_far);
    let one = simd.splat_f32s(1.0);
    let (far_result, far_f) = match K {
        SIGMOID | TANH => (tail, f_tail),
        _ => {
            let e_side = e_side::<S, K>(simd, x);
            (
                simd.select_f32s(e_side, tail, dy),
                simd.select_f32s(e_side, f_tail, one),
            )
        }
    };
    let r = simd.select_f32s(far_lane, far_result, near);
    // Infinite `dy`: `dy` times `f'(x)` rounded to f32 (NaN where that is 0).
    let f_rounded = simd.select_f32s(far_lane, far_f, q0);
    let r = simd.select_f32s(not_finite(simd, dy), simd.mul_f32s(dy, f_rounded), r);
    quiet_nan_passthrough(simd, x, quiet_nan_passthrough(simd, dy, r))
}

/// The argument of `exp`: `-|x|`, or `-2|x|` for tanh (exact).
#[inline(always)]
fn exponent_of<S: Simd, const K: u8>(simd: S, x: S::f32s) -> S::f32s {
    let z = neg_abs(simd, x);
    if K == TANH { simd.add_f32s(z, z) } else { z }
}

/// Lanes where softplus' / log-sigmoid's derivative is `e / (1 + e)` (its numerator is `e`):
/// `x` with the sign bit set for softplus, clear for log-sigmoid (at `+-0` both forms give 1/2).
#[inline(always)]
fn e_side<S: Simd, const K: u8>(simd: S, x: S::f32s) -> S::m32s {
    let xi = simd.transmute_i32s_f32s(x);
    if K == SOFTPLUS {
        simd.less_than_i32s(xi, simd.splat_i32s(0))
    } else {
        simd.greater_than_i32s(xi, simd.splat_i32s(-1))
    }
}

/// Lanes where `dy` is infinite or NaN.
#[inline(always)]
fn not_finite<S: Simd>(simd: S, dy: S::f32s) -> S::m32s {
    let magnitude = simd.and_u32s(simd.transmute_u32s_f32s(dy), simd.splat_u32s(!SIGN_BIT));
    simd.greater_than_i32s(
        simd.transmute_i32s_u32s(magnitude),
        simd.splat_i32s(0x7F7F_FFFF),
    )
}

/// `(dy f'(x), q0)` from `e` (normal, in `(0, 1]`, or 0), for finite `dy`: the corrected
/// quotient of the module doc, and its rounded quotient `q0` (`f'(x)` within an ULP or so;
/// positive where `e` is).
#[inline(always)]
fn rational<S: Simd, const K: u8>(
    simd: S,
    x: S::f32s,
    e: S::f32s,
    dy: S::f32s,
) -> (S::f32s, S::f32s) {
    let one = simd.splat_f32s(1.0);
    let (q0, r, den) = if K == SIGMOID || K == TANH {
        // d + d_lo = 1 + e (sigmoid) or (1 + e) / 2 (tanh), exactly: `d - 1` (resp. `d - 1/2`)
        // is exact by Sterbenz's lemma, and the rounding error of a sum is representable.
        let (d, d_lo) = if K == SIGMOID {
            let d = simd.add_f32s(one, e);
            (d, simd.sub_f32s(e, simd.sub_f32s(d, one)))
        } else {
            let half = simd.splat_f32s(0.5);
            let d = simd.mul_add_e_f32s(e, half, half);
            let d_lo = simd.mul_add_e_f32s(e, half, simd.neg_f32s(simd.sub_f32s(d, half)));
            (d, d_lo)
        };
        // (d + d_lo)^2 = D + T_lo (+ d_lo^2, below 2^-48 relative): D + D_lo = d^2 exactly.
        let big_d = simd.mul_f32s(d, d);
        let d_sq_lo = simd.mul_add_e_f32s(d, d, simd.neg_f32s(big_d));
        let t_lo = simd.mul_add_e_f32s(simd.add_f32s(d, d), d_lo, d_sq_lo);
        let (q0, r) = quotient_and_remainder(simd, e, big_d);
        (q0, simd.mul_add_e_f32s(simd.neg_f32s(q0), t_lo, r), big_d)
    } else {
        let numerator = simd.select_f32s(e_side::<S, K>(simd, x), e, one);
        let d = simd.add_f32s(one, e);
        let d_lo = simd.sub_f32s(e, simd.sub_f32s(d, one));
        let (q0, r) = quotient_and_remainder(simd, numerator, d);
        (q0, simd.mul_add_e_f32s(simd.neg_f32s(q0), d_lo, r), d)
    };
    // `dy / den` off the critical path (it waits only for the divisor), then one
    // multiplication of the remainder: `dy c`.
    let dy_over = simd.mul_f32s(dy, reciprocal_estimate(simd, den));
    (simd.mul_add_e_f32s(dy, q0, simd.mul_f32s(r, dy_over)), q0)
}

/// `dy p 2^n` rounded once, for finite `dy`, `p` in about `[0.7, 1.42]` and `n <= -90`:
/// `dy = m 2^k` with `m` in `[1, 2)` (from the bit pattern; zero and subnormal `dy` give
/// `k = -127`, whose result rounds to `+-0` like the exact one), `m p` rounded (in
/// `[0.7, 2.84]`), then [`scale_exactly`] by `2^(n + k)`, exact where the result is normal.
#[inline(always)]
fn dy_times_parts<S: Simd>(simd: S, dy: S::f32s, p: S::f32s, n: S::i32s) -> S::f32s {
    let bits = simd.transmute_u32s_f32s(dy);
    let biased = simd.and_u32s(
        simd.wrapping_dyn_shr_u32s(bits, simd.splat_u32s(23)),
        simd.splat_u32s(0xFF),
    );
    let k = simd.sub_i32s(simd.transmute_i32s_u32s(biased), simd.splat_i32s(127));
    let m = simd.or_u32s(
        simd.and_u32s(bits, simd.splat_u32s(0x807F_FFFF)),
        simd.splat_u32s(0x3F80_0000),
    );
    let v = simd.mul_f32s(simd.transmute_f32s_u32s(m), p);
    scale_exactly(simd, v, simd.add_i32s(n, k))
}

/// The one-lane backend (no FMA): `e = p 2^n` from [`exp_lo_parts`] (exact in `f64`), the
/// rational function and the product with `dy` in `f64`, rounded once.
#[inline(always)]
fn grad_in_f64<S: Simd, const K: u8>(simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
    use pulp::bytemuck::cast;
    let z = simd.max_f32s(exponent_of::<S, K>(simd, x), simd.splat_f32s(CLAMP));
    let (p, n) = exp_lo_parts(simd, z, None);
    let (xs, dys, p, n): (f32, f32, f32, i32) = (cast(x), cast(dy), cast(p), cast(n));
    // n >= -289 (the clamp); NaN lanes have garbage, replaced below.
    let scale = f64::from_bits((((n + 1023) as u32 as u64) & 0x7FF) << 52);
    let e = f64::from(p) * scale;
    let f = match K {
        SIGMOID => e / ((1.0 + e) * (1.0 + e)),
        TANH => 4.0 * e / ((1.0 + e) * (1.0 + e)),
        SOFTPLUS => (if xs < 0.0 { e } else { 1.0 }) / (1.0 + e),
        _ => (if xs > 0.0 { e } else { 1.0 }) / (1.0 + e),
    };
    // Infinite `dy`: `f'(x)` rounded to f32 (NaN where that is 0).
    let f = if dys.is_infinite() && (f as f32) == 0.0 {
        0.0
    } else {
        f
    };
    let r: S::f32s = cast((f64::from(dys) * f) as f32);
    quiet_nan_passthrough(simd, x, quiet_nan_passthrough(simd, dy, r))
}

/// Below this `|y|` (2) the from-output kernels' `1 - y` (sigmoid) is a Fast2Sum of `1` and
/// `-y` (`|y| < 2`: exponent at most 1's); tanh's `1 - y^2` is one of `1` and `-y^2` below
/// `|y| = 1.25` (`y^2 < 2`).
const SIGMOID_Y_SMALL: f32 = 2.0;
const TANH_Y_SMALL: f32 = 1.25;
/// From this `|y|` (`2^62`) on, the exact product's low part is dropped (`y^2` overflows from
/// `2^64`, where the FMA of the low part would give NaN); `1 - y` is `-y` there, and the result
/// `dy` times the rounded product.
const Y_BIG: f32 = 4_611_686_018_427_387_904.0;

/// `dy * y * (1 - y)`: the sigmoid gradient from the saved output `y = sigmoid(x)`.
///
/// Method: `1 - y = w + w_lo` exactly (Fast2Sum), `y w = P + P_lo` exactly (FMA), `P_lo +=
/// y w_lo`, and `fma(dy, P, dy P_lo)`, rounded once: within 1 ULP of `dy y (1 - y)` evaluated
/// exactly (2-ULP bound; the one-lane backend evaluates it in `f64`). Measured over all 2^32
/// `y` with `dy = 1`: max 1 ULP on AVX2 and AVX-512 (3409 inputs, all tiny `y` near `2^-24`),
/// 0 on the one-lane backend; 2^24 random `(y, dy)` (`|y| < 2^62`): 0. Near saturation (`y`
/// rounded to 1 from `x = 16.6` on) only [`sigmoid_backward`], from `x`, keeps relative
/// accuracy. Limit: for `|y| >= 2^62` (not a sigmoid output) the product `y (1 - y)` is rounded
/// before `dy` multiplies it, and overflows to `-inf` from `|y| = 2^64` whatever `dy`.
///
/// Special values: NaN `y` or `dy` -> NaN (quieted, `y`'s first); `y = +-inf` -> `-inf * dy`;
/// `dy = +-inf` -> `+-inf` times the sign of `y (1 - y)`, NaN at `y = 0` or 1; `-0.0` like
/// `+0.0` (`dy * -0.0`).
#[inline(always)]
pub(crate) fn sigmoid_backward_from_output<S: Simd>(simd: S, y: S::f32s, dy: S::f32s) -> S::f32s {
    if S::F32_LANES == 1 {
        use pulp::bytemuck::cast;
        let (ys, dys): (f32, f32) = (cast(y), cast(dy));
        let (y64, dy64) = (f64::from(ys), f64::from(dys));
        let r: S::f32s = cast((dy64 * (y64 * (1.0 - y64))) as f32);
        return quiet_nan_passthrough(simd, y, quiet_nan_passthrough(simd, dy, r));
    }
    let one = simd.splat_f32s(1.0);
    let w = simd.sub_f32s(one, y);
    let small = less_in_magnitude(simd, y, SIGMOID_Y_SMALL);
    let outside = simd.or_m32s(simd.not_m32s(small), not_finite(simd, dy));
    if simd.first_true_m32s(outside) == S::F32_LANES {
        let w_lo = simd.sub_f32s(simd.sub_f32s(one, w), y);
        let (p, p_lo) = two_prod(simd, y, w);
        let p_lo = simd.mul_add_e_f32s(y, w_lo, p_lo);
        return simd.mul_add_e_f32s(dy, p, simd.mul_f32s(dy, p_lo));
    }
    // Second path: |y| >= 2 takes the Fast2Sum of -y and 1; huge and non-finite y drop the
    // low part; infinite dy multiplies the rounded product.
    let w_lo = simd.select_f32s(
        small,
        simd.sub_f32s(simd.sub_f32s(one, w), y),
        simd.sub_f32s(one, simd.add_f32s(w, y)),
    );
    let (p, p_lo) = two_prod(simd, y, w);
    let p_lo = simd.mul_add_e_f32s(y, w_lo, p_lo);
    let big = simd.not_m32s(less_in_magnitude(simd, y, Y_BIG));
    let p_lo = simd.select_f32s(big, simd.splat_f32s(0.0), p_lo);
    let r = simd.mul_add_e_f32s(dy, p, finite_or_zero(simd, simd.mul_f32s(dy, p_lo)));
    let r = simd.select_f32s(not_finite(simd, dy), simd.mul_f32s(dy, p), r);
    quiet_nan_passthrough(simd, y, quiet_nan_passthrough(simd, dy, r))
}

/// `dy * (1 - y^2)`: the tanh gradient from the saved output `y = tanh(x)`.
///
/// Method: `y^2 = S + S_lo` exactly (FMA), `1 - S = h + h_lo` exactly (Fast2Sum), and
/// `fma(dy, h, dy (h_lo - S_lo))`, rounded once: within 1 ULP of `dy (1 - y^2)` evaluated
/// exactly, also where `1 - y^2` cancels (`|y|` near 1) (2-ULP bound; the one-lane backend
/// evaluates it in `f64`). Measured over all 2^32 `y` with `dy = 1` and 2^24 random
/// `(y, dy)` (`|y| < 2^62`): max 0 ULP on every backend. Near saturation (`tanh(x)` rounds to `+-1` from `|x| = 9.01` on)
/// only [`tanh_backward`], from `x`, keeps relative accuracy. Limit: for `|y| >= 2^62` (not a
/// tanh output) `1 - y^2` is rounded before `dy` multiplies it, and overflows to `-inf` from
/// `|y| = 2^64` whatever `dy`.
///
/// Special values: NaN `y` or `dy` -> NaN (quieted, `y`'s first); `y = +-inf` -> `-inf * dy`;
/// `dy = +-inf` -> `+-inf` times the sign of `1 - y^2`, NaN at `y = +-1`; `-0.0` like `+0.0`
/// (`dy`).
#[inline(always)]
pub(crate) fn tanh_backward_from_output<S: Simd>(simd: S, y: S::f32s, dy: S::f32s) -> S::f32s {
    if S::F32_LANES == 1 {
        use pulp::bytemuck::cast;
        let (ys, dys): (f32, f32) = (cast(y), cast(dy));
        let (y64, dy64) = (f64::from(ys), f64::from(dys));
        let r: S::f32s = cast((dy64 * (1.0 - y64 * y64)) as f32);
        return quiet_nan_passthrough(simd, y, quiet_nan_passthrough(simd, dy, r));
    }
    let one = simd.splat_f32s(1.0);
    let (s, s_lo) = two_prod(simd, y, y);
    let h = simd.sub_f32s(one, s);
    let small = less_in_magnitude(simd, y, TANH_Y_SMALL);
    let outside = simd.or_m32s(simd.not_m32s(small), not_finite(simd, dy));
    if simd.first_true_m32s(outside) == S::F32_LANES {
        let h_lo = simd.sub_f32s(simd.sub_f32s(one, h), s);
        let lo = simd.sub_f32s(h_lo, s_lo);
        return simd.mul_add_e_f32s(dy, h, simd.mul_f32s(dy, lo));
    }
    // Second path: |y| >= 1.25 takes the Fast2Sum of -y^2 and 1; huge and non-finite y drop
    // the low parts; infinite dy multiplies the rounded difference.
    let h_lo = simd.select_f32s(
        small,
        simd.sub_f32s(simd.sub_f32s(one, h), s),
        simd.sub_f32s(one, simd.add_f32s(h, s)),
    );
    let lo = simd.sub_f32s(h_lo, s_lo);
    let big = simd.not_m32s(less_in_magnitude(simd, y, Y_BIG));
    let lo = simd.select_f32s(big, simd.splat_f32s(0.0), lo);
    let r = simd.mul_add_e_f32s(dy, h, finite_or_zero(simd, simd.mul_f32s(dy, lo)));
    let r = simd.select_f32s(not_finite(simd, dy), simd.mul_f32s(dy, h), r);
    quiet_nan_passthrough(simd, y, quiet_nan_passthrough(simd, dy, r))
}

/// `t`, or 0 where `t` is not finite: the low term `dy lo` overflows only where `dy` times
/// the high part overflows too (`|lo| <= 2^-22` of it), whose result is then that infinity,
/// whatever the low term's sign.
#[inline(always)]
fn finite_or_zero<S: Simd>(simd: S, t: S::f32s) -> S::f32s {
    simd.select_f32s(not_finite(simd, t), simd.splat_f32s(0.0), t)
}

/// Lanes with `|y| < bound` (NaN excluded), one integer comparison.
#[inline(always)]
fn less_in_magnitude<S: Simd>(simd: S, y: S::f32s, bound: f32) -> S::m32s {
    let magnitude = simd.and_u32s(simd.transmute_u32s_f32s(y), simd.splat_u32s(!SIGN_BIT));
    simd.less_than_i32s(
        simd.transmute_i32s_u32s(magnitude),
        simd.splat_i32s(bound.to_bits() as i32),
    )
}

#[cfg(test)]
mod tests {
    use pulp::{Simd, WithSimd};
    use rayon::prelude::*;

    use crate::{Backend, reference, ulp};

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Which {
        Sigmoid,
        Tanh,
        Softplus,
        LogSigmoid,
        SigmoidOut,
        TanhOut,
    }

    impl Which {
        const ALL: [Which; 6] = [
            Which::Sigmoid,
            Which::Tanh,
            Which::Softplus,
            Which::LogSigmoid,
            Which::SigmoidOut,
            Which::TanhOut,
        ];
        fn reference(self, x: f32, dy: f32) -> f32 {
            match self {
                Which::Sigmoid => reference::sigmoid_backward_one(x, dy),
                Which::Tanh => reference::tanh_backward_one(x, dy),
                Which::Softplus => reference::softplus_backward_one(x, dy),
                Which::LogSigmoid => reference::log_sigmoid_backward_one(x, dy),
                Which::SigmoidOut => reference::sigmoid_backward_from_output_one(x, dy),
                Which::TanhOut => reference::tanh_backward_from_output_one(x, dy),
            }
        }
        fn bound(self) -> u32 {
            match self {
                Which::SigmoidOut | Which::TanhOut => 2,
                _ => 3,
            }
        }
    }

    struct Run<'a> {
        which: Which,
        x: &'a [f32],
        dy: &'a [f32],
        out: &'a mut [f32],
    }

    impl WithSimd for Run<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) {
            let (xs, xt) = S::as_simd_f32s(self.x);
            let (ds, _) = S::as_simd_f32s(self.dy);
            let (os, _) = S::as_mut_simd_f32s(self.out);
            assert!(xt.is_empty());
            macro_rules! each {
                ($f:path) => {
                    for ((o, &x), &dy) in os.iter_mut().zip(xs).zip(ds) {
                        *o = $f(simd, x, dy);
                    }
                };
            }
            match self.which {
                Which::Sigmoid => each!(super::sigmoid_backward),
                Which::Tanh => each!(super::tanh_backward),
                Which::Softplus => each!(super::softplus_backward),
                Which::LogSigmoid => each!(super::log_sigmoid_backward),
                Which::SigmoidOut => each!(super::sigmoid_backward_from_output),
                Which::TanhOut => each!(super::tanh_backward_from_output),
            }
        }
    }

    fn run(backend: Backend, which: Which, x: &[f32], dy: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; x.len()];
        backend.arch().unwrap().dispatch(Run {
            which,
            x,
            dy,
            out: &mut out,
        });
        out
    }

    /// Per backend: (max ulp, worst x, worst dy, count of each ulp 0..=4+, count over bound).
    #[derive(Clone, Debug, Default)]
    struct Stats {
        max: u32,
        worst: (f32, f32),
        hist: [u64; 5],
        over: u64,
        avx_mismatch: u64,
    }

    fn merge(a: &mut [Stats], b: &[Stats]) {
        for (s, t) in a.iter_mut().zip(b) {
            if t.max > s.max {
                s.max = t.max;
                s.worst = t.worst;
            }
            for i in 0..5 {
                s.hist[i] += t.hist[i];
            }
            s.over += t.over;
            s.avx_mismatch += t.avx_mismatch;
        }
    }

    fn check_block(which: Which, x: &[f32], dy: &[f32]) -> Vec<Stats> {
        let backends = Backend::supported();
        let refs: Vec<f32> = x
            .iter()
            .zip(dy)
            .map(|(&a, &b)| which.reference(a, b))
            .collect();
        let mut stats = vec![Stats::default(); backends.len()];
        let mut outs = Vec::new();
        for (bi, &b) in backends.iter().enumerate() {
            let got = run(b, which, x, dy);
            let s = &mut stats[bi];
            for i in 0..x.len() {
                let d = ulp::distance(got[i], refs[i]);
                s.hist[d.min(4) as usize] += 1;
                if d > which.bound() {
                    s.over += 1;
                }
                if d > s.max {
                    s.max = d;
                    s.worst = (x[i], dy[i]);
                }
            }
            outs.push((b, got));
        }
        let avx2 = outs.iter().find(|o| o.0 == Backend::Avx2);
        let avx512 = outs.iter().position(|o| o.0 == Backend::Avx512);
        if let (Some(a), Some(i)) = (avx2, avx512) {
            stats[i].avx_mismatch =
                a.1.iter()
                    .zip(&outs[i].1)
                    .filter(|(p, q)| p.to_bits() != q.to_bits())
                    .count() as u64;
        }
        stats
    }

    fn report(which: Which, what: &str, stats: &[Stats]) {
        for (b, s) in Backend::supported().iter().zip(stats) {
            println!(
                "{which:?} {what} {b}: max {} ulp at (x, dy) = ({:e}, {:e}) [{:#010x}]; hist 0..4+ {:?}; over bound {}; avx2 != avx512 {}",
                s.max,
                s.worst.0,
                s.worst.1,
                s.worst.0.to_bits(),
                s.hist,
                s.over,
                s.avx_mismatch
            );
        }
    }

    /// dy = 1 on every `step`-th bit pattern, in blocks.
    fn sweep_dy_one(which: Which, step: u64) -> Vec<Stats> {
        const BLOCK: u64 = 1 << 16;
        let n = Backend::supported().len();
        let blocks = (1u64 << 32).div_ceil(BLOCK * step);
        (0..blocks)
            .into_par_iter()
            .map(|b| {
                let x: Vec<f32> = (0..BLOCK)
                    .map(|i| (b * BLOCK + i) * step)
                    .filter(|&v| v < 1 << 32)
                    .map(|v| f32::from_bits(v as u32))
                    .collect();
                let len = x.len() / 16 * 16;
                let dy = vec![1.0f32; len];
                check_block(which, &x[..len], &dy)
            })
            .reduce(
                || vec![Stats::default(); n],
                |mut a, b| {
                    merge(&mut a, &b);
                    a
                },
            )
    }

    fn xorshift(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    /// Random x bits (every binade, both signs; from-output: |y| < 2^62) and random dy, both
    /// signs, log-uniform over [2^-30, 2^30].
    fn sweep_random_dy(which: Which, blocks: u64) -> Vec<Stats> {
        const BLOCK: usize = 1 << 16;
        let n = Backend::supported().len();
        (0..blocks)
            .into_par_iter()
            .map(|b| {
                let mut s = 0x9E37_79B9_7F4A_7C15u64 ^ (b + 1).wrapping_mul(0xD1B5_4A32_D192_ED03);
                let mut x = Vec::with_capacity(BLOCK);
                let mut dy = Vec::with_capacity(BLOCK);
                while x.len() < BLOCK {
                    let r = xorshift(&mut s);
                    let xv = f32::from_bits(r as u32);
                    if matches!(which, Which::SigmoidOut | Which::TanhOut)
                        && (xv.is_nan() || xv.abs() >= super::Y_BIG)
                    {
                        continue;
                    }
                    let u = ((r >> 32) as f64) / 4_294_967_296.0;
                    let m = 2f64.powf(60.0 * u - 30.0);
                    let sign = if (xorshift(&mut s) & 1) == 1 {
                        -1.0
                    } else {
                        1.0
                    };
                    x.push(xv);
                    dy.push((sign * m) as f32);
                }
                check_block(which, &x, &dy)
            })
            .reduce(
                || vec![Stats::default(); n],
                |mut a, b| {
                    merge(&mut a, &b);
                    a
                },
            )
    }

    fn pool() -> rayon::ThreadPool {
        let threads = std::env::var("SWEEP_THREADS")
            .ok()
            .and_then(|v| v.parse().ok());
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.unwrap_or(2))
            .build()
            .unwrap()
    }

    fn assert_ok(which: Which, stats: &[Stats]) {
        for s in stats {
            assert_eq!(s.over, 0, "{which:?}: {s:?}");
            assert_eq!(s.avx_mismatch, 0, "{which:?}: {s:?}");
        }
    }

    /// A cheap strided check that stays in the suite: every 65537th bit pattern with dy = 1,
    /// and 2^18 random (x, dy) pairs, per function and backend.
    #[test]
    fn strided_and_random_dy_within_bounds() {
        pool().install(|| {
            for which in Which::ALL {
                let s = sweep_dy_one(which, 65_537);
                assert_ok(which, &s);
                let s = sweep_random_dy(which, 4);
                assert_ok(which, &s);
            }
        });
    }

    /// The exhaustive sweep (dy = 1, all 2^32 x) and 2^24 random dy per function:
    /// `SWEEP=sigmoid,tanh cargo test --release --lib backward::logistic -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn exhaustive_sweep() {
        let pick = std::env::var("SWEEP").unwrap_or_default();
        let step: u64 = std::env::var("SWEEP_STEP")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        pool().install(|| {
            for which in Which::ALL {
                let name = format!("{which:?}").to_lowercase();
                if !pick.is_empty() && !pick.split(',').any(|p| p == name) {
                    continue;
                }
                let t = std::time::Instant::now();
                let s = sweep_dy_one(which, step);
                report(which, "dy=1", &s);
                let r = sweep_random_dy(which, 256);
                report(which, "random dy", &r);
                println!("  ({:.1} s)", t.elapsed().as_secs_f64());
                assert_ok(which, &s);
                assert_ok(which, &r);
            }
        });
    }

    /// Forward kernels, for the speed comparison.
    struct Forward<'a> {
        which: Which,
        x: &'a [f32],
        out: &'a mut [f32],
    }

    impl WithSimd for Forward<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) {
            let (xs, _) = S::as_simd_f32s(self.x);
            let (os, _) = S::as_mut_simd_f32s(self.out);
            macro_rules! each {
                ($f:path) => {
                    for (o, &x) in os.iter_mut().zip(xs) {
                        *o = $f(simd, x);
                    }
                };
            }
            use crate::simd::{sigmoid, softplus, tanh};
            match self.which {
                Which::Sigmoid | Which::SigmoidOut => each!(sigmoid::sigmoid),
                Which::Tanh | Which::TanhOut => each!(tanh::tanh),
                Which::Softplus => each!(softplus::softplus),
                Which::LogSigmoid => each!(softplus::log_sigmoid),
            }
        }
    }

    /// Throughput, forward vs backward, 4096 elements in [-8, 8] (from-output: y in (0, 1) /
    /// (-1, 1)), one thread. `CALLS` (env) runs only the backward (`BACKWARD=1`) or forward
    /// kernel of `SWEEP` that many times, for callgrind.
    #[test]
    #[ignore]
    fn speed() {
        let mut s = 0x1234_5678_9ABC_DEF1u64;
        let x: Vec<f32> = (0..4096)
            .map(|_| (xorshift(&mut s) >> 40) as f32 / (1u64 << 24) as f32 * 16.0 - 8.0)
            .collect();
        let dy: Vec<f32> = (0..4096)
            .map(|_| (xorshift(&mut s) >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
            .collect();
        let mut out = vec![0.0f32; 4096];
        if let Ok(calls) = std::env::var("CALLS") {
            let calls: usize = calls.parse().unwrap();
            let pick = std::env::var("SWEEP").unwrap();
            let which = *Which::ALL
                .iter()
                .find(|w| format!("{w:?}").to_lowercase() == pick)
                .unwrap();
            let backend = match std::env::var("BACKEND").as_deref() {
                Ok("avx512") => Backend::Avx512,
                Ok("scalar") => Backend::Scalar,
                _ => Backend::Avx2,
            };
            let backward = std::env::var("BACKWARD").is_ok();
            let arch = backend.arch().unwrap();
            for _ in 0..calls {
                let xb = std::hint::black_box(&x[..]);
                if backward {
                    arch.dispatch(Run {
                        which,
                        x: xb,
                        dy: &dy,
                        out: &mut out,
                    });
                } else {
                    arch.dispatch(Forward {
                        which,
                        x: xb,
                        out: &mut out,
                    });
                }
            }
            std::hint::black_box(&out);
            return;
        }
        let y: Vec<f32> = x.iter().map(|v| v.tanh()).collect();
        for b in Backend::supported() {
            let arch = b.arch().unwrap();
            for which in Which::ALL {
                let input = if matches!(which, Which::SigmoidOut | Which::TanhOut) {
                    &y
                } else {
                    &x
                };
                let time = |f: &mut dyn FnMut()| {
                    let mut best = f64::MAX;
                    for _ in 0..30 {
                        let t = std::time::Instant::now();
                        for _ in 0..100 {
                            f();
                        }
                        best = best.min(t.elapsed().as_secs_f64() / (100.0 * 4096.0) * 1e9);
                    }
                    best
                };
                let fwd = time(&mut || {
                    arch.dispatch(Forward {
                        which,
                        x: std::hint::black_box(&x),
                        out: &mut out,
                    })
                });
                let bwd = time(&mut || {
                    arch.dispatch(Run {
                        which,
                        x: std::hint::black_box(input),
                        dy: &dy,
                        out: &mut out,
                    })
                });
                println!(
                    "{b:>6} {which:?}: forward {fwd:.3} ns/elem, backward {bwd:.3} ns/elem, ratio fwd/bwd {:.2}",
                    fwd / bwd
                );
            }
        }
    }

    fn one(backend: Backend, which: Which, x: f32, dy: f32) -> f32 {
        let xs = [x; 16];
        let dys = [dy; 16];
        run(backend, which, &xs, &dys)[0]
    }

    #[test]
    fn special_values() {
        let inf = f32::INFINITY;
        let nan = f32::NAN;
        for b in Backend::supported() {
            let g = |w, x, dy| one(b, w, x, dy);
            assert_eq!(g(Which::Sigmoid, 30.0, 1.0), 9.357_623e-14, "{b}");
            assert_eq!(g(Which::Sigmoid, -30.0, 1.0), 9.357_623e-14, "{b}");
            for w in [
                Which::Sigmoid,
                Which::Tanh,
                Which::Softplus,
                Which::LogSigmoid,
            ] {
                assert!(g(w, nan, 1.0).is_nan());
                assert!(g(w, 1.0, nan).is_nan());
                assert!(g(w, 1.0, inf) == inf, "{w:?} {b}");
                assert!(g(w, -1.0, -inf) == -inf, "{w:?} {b}");
                assert_eq!(g(w, 0.0, 1.0), g(w, -0.0, 1.0));
            }
            for w in [Which::Sigmoid, Which::Tanh] {
                for x in [inf, -inf, 200.0, -200.0] {
                    assert_eq!(g(w, x, 1.0).to_bits(), 0, "{w:?} {b} {x}");
                    assert_eq!(g(w, x, -1.0).to_bits(), 0x8000_0000, "{w:?} {b} {x}");
                    assert!(g(w, x, inf).is_nan(), "{w:?} {b} {x}");
                }
            }
            assert_eq!(g(Which::Sigmoid, 0.0, 3.0), 0.75);
            assert_eq!(g(Which::Tanh, 0.0, 3.0), 3.0);
            assert_eq!(g(Which::Softplus, inf, 3.0), 3.0);
            assert_eq!(g(Which::Softplus, -inf, 3.0), 0.0);
            assert!(g(Which::Softplus, -inf, inf).is_nan());
            assert_eq!(g(Which::LogSigmoid, -inf, 3.0), 3.0);
            assert_eq!(g(Which::LogSigmoid, inf, 3.0), 0.0);
            assert_eq!(g(Which::Softplus, 0.0, 3.0), 1.5);
            // The tails keep the bound where f' is subnormal and dy is large.
            for (w, x) in [
                (Which::Sigmoid, -100.0),
                (Which::Tanh, 50.0),
                (Which::Softplus, -100.0),
            ] {
                let dy = 1.0e30;
                let r = w.reference(x, dy);
                assert!(ulp::distance(g(w, x, dy), r) <= 3, "{w:?} {b}");
            }
            for w in [Which::SigmoidOut, Which::TanhOut] {
                assert!(g(w, nan, 1.0).is_nan());
                assert!(g(w, 0.5, nan).is_nan());
                assert_eq!(g(w, inf, 1.0), -inf);
                assert_eq!(g(w, -inf, 1.0), -inf);
                assert_eq!(g(w, 1.0e30, 1.0), -inf);
            }
            assert!(g(Which::SigmoidOut, 1.0, inf).is_nan());
            assert!(g(Which::SigmoidOut, 0.0, inf).is_nan());
            assert_eq!(g(Which::SigmoidOut, 0.5, inf), inf);
            assert!(g(Which::TanhOut, 1.0, inf).is_nan());
            assert_eq!(g(Which::TanhOut, 0.0, -inf), -inf);
            assert_eq!(g(Which::TanhOut, -0.0, 2.0), 2.0);
        }
    }
}
