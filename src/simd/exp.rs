//! `exp(x)` for f32 lanes: Cody-Waite range reduction, a minimax polynomial, and a two-step
//! power-of-two reconstruction that keeps subnormal results (gradual underflow).
//!
//! Error: below 1 ULP against the correctly rounded result on every backend, subnormal outputs
//! included (checked exhaustively by `tests/exhaustive.rs`).

use pulp::Simd;

use super::as_v4;

use super::{SIGN_BIT, abs, quiet_nan_passthrough};

/// `log2(e)`, for `n = round(x * log2(e))`.
const LOG2E: f32 = core::f32::consts::LOG2_E;
/// `1.5 * 2^23`: adding it rounds to an integer held in the low mantissa bits.
/// (Used instead of a round instruction: pulp 0.22.3's AVX-512 round is wrong.)
const MAGIC_BIAS: f32 = 12_582_912.0;
/// Bit pattern of `MAGIC_BIAS`, minus 256: `bits(t) - ROUND_BITS_OFFSET = n + 256`, which is
/// non-negative over the whole finite range of results, so a logical shift halves it.
const ROUND_BITS_OFFSET: u32 = 0x4B40_0000 - 256;
/// `ln 2` split in two (Cody-Waite, the Cephes constants). `LN2_HI` has 9 significant bits,
/// so `n * LN2_HI` is exact for every `|n| < 2^15` and `x - n * LN2_HI` is exact even without
/// FMA (the scalar backend): the reduced argument carries no cancellation error.
const LN2_HI: f32 = f32::from_bits(0x3F31_8000); // 0.693359375 = 355 / 512
const LN2_LO: f32 = -2.121_944_4e-4;
/// Minimax coefficients of `q(r) ~ (exp(r) - 1 - r) / r^2` on `[-ln2/2, ln2/2]`, fitted for this
/// crate (relative error of `1 + r + r^2 q(r)` with these f32 coefficients: 0.06 ULP; degree 6
/// in all, one FMA fewer than SLEEF's `expf_u10` for the same accuracy, which
/// `tests/exhaustive.rs` checks).
const C2: f32 = 0.499_999_94;
const C3: f32 = 0.166_665_21;
const C4: f32 = 0.041_668_39;
const C5: f32 = 0.008_368_745;
const C6: f32 = 0.001_381_453_9;
/// Minimax coefficients of `q(r) ~ (expm1(r) - r) / r^2` on `[-ln2/2, ln2/2]`, weighted for
/// the relative error of `expm1` (fitted for this crate: 0.03 ULP in the fit with these f32
/// coefficients; what is asserted is tanh's 2-ULP bound, over all inputs).
/// One degree more than `exp`'s: `expm1(r)` is small near 0, so the same absolute error
/// would be a larger relative one.
const M2: f32 = 0.5;
const M3: f32 = 0.166_666_66;
const M4: f32 = 0.041_666_362;
const M5: f32 = 0.008_333_39;
const M6: f32 = 0.001_394_061_4;
const M7: f32 = 0.000_198_458_69;

/// The largest `x` whose `exp` is finite in f32 (`0x42B17217`).
pub(crate) const EXP_MAX_FINITE_INPUT: f32 = 88.722_83;
/// The smallest `x` whose `exp` rounds to a nonzero f32 (`0xC2CFF1B4`); below it, `+0`.
pub(crate) const EXP_MIN_NONZERO_INPUT: f32 = -103.972_08;

/// `exp(x)` for every lane, without the guards for arguments beyond the representable
/// range: valid for `EXP_MIN_NONZERO_INPUT <= x <= EXP_MAX_FINITE_INPUT` and NaN (NaN in, NaN
/// out); other lanes hold garbage that the caller must replace (see [`exp`]).
#[inline(always)]
pub(crate) fn exp_unguarded<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let (t, n) = round_scaled(simd, x, LOG2E, MAGIC_BIAS);
    // r = x - n ln2, |r| <= ln2/2 (plus a hair on the scalar backend).
    let r = reduce(simd, x, n, None, 1.0);
    scale_by_pow2(simd, exp_reduced(simd, r), n, t)
}

/// `(t, n)` with `t = round(x * scale) + magic`, in one rounding where the backend has FMA,
/// and `n = t - magic`, the rounded integer itself (exact). `magic` is `MAGIC_BIAS`, possibly
/// plus a small integer that then sits in the low bits of `t`.
#[inline(always)]
fn round_scaled<S: Simd>(simd: S, x: S::f32s, scale: f32, magic: f32) -> (S::f32s, S::f32s) {
    let magic = simd.splat_f32s(magic);
    let t = simd.mul_add_e_f32s(x, simd.splat_f32s(scale), magic);
    (t, simd.sub_f32s(t, magic))
}

/// `1 - exp(2x)` (that is, `-expm1(2x)`) for every lane, to full relative accuracy also near 0
/// (tiny `x` gives `-2x`, `+-0` gives `+0`), without guards: by construction valid for
/// `-43.5 <= x <= 43.5` (`2^n` normal) and NaN; other lanes hold garbage that the caller must
/// replace. Its only caller, tanh, uses `-9.5 <= x <= -2^-13`, which `tests/exhaustive.rs`
/// covers input by input. (The
/// doubling is free: it folds into the reduction and the power of two. tanh needs
/// `-expm1(-2|x|)`, non-negative, so that its sign can be set with one bit operation.)
///
/// With `2x = n ln2 + 2h`: `1 - exp(2x) = 1 - 2^n (expm1(2h) + 1) = (1 - 2^n) - 2^(n+1) e`
/// where `e = expm1(2h) / 2`, one FMA. `1 - 2^n` is exact for `n >= -24` (and rounds to 1
/// below, where the result is 1 to far less than an ULP), so no cancellation is left for
/// small `|x|`: there `n = 0` and the result is twice the polynomial.
#[inline(always)]
pub(crate) fn neg_expm1_twice_unguarded<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    // t = round(2x log2 e) + MAGIC_BIAS + 127: the low bits of t hold the biased exponent
    // n + 127 of 2^n, so one shift builds 2^n (the shift drops the high bits).
    let (t, n) = round_scaled(simd, x, LOG2E * 2.0, MAGIC_BIAS + 127.0);
    // h = x - n ln2/2.
    let h = if S::F32_LANES == 1 {
        // pulp's one-lane backend (`Scalar`) evaluates `mul_add_e` unfused: the rounded
        // product `n * ln2/2` would cost up to 3 ULP, so it takes the two-constant reduction.
        reduce(simd, x, n, None, 2.0)
    } else {
        // With FMA one constant suffices, which saves an FMA per element in a loop bound by
        // the FMA units: ln2/2 rounded to f32 is off by only 9.5e-10, so h is off by
        // |n| 9.5e-10 and the result by 2 |n| 9.5e-10 exp(2x), at most 0.045 ULP of the
        // result (n = -1 with 2x near -1.5 ln2, where the result is 0.29): small beside the
        // 2-ULP bound, which the exhaustive test checks with this reduction.
        simd.mul_add_e_f32s(n, simd.splat_f32s(-core::f32::consts::LN_2 / 2.0), x)
    };
    let e = expm1_reduced_over(simd, h, 2.0);
    // 2^n and -2^(n+1) from the biased exponent n + 127 shifted into place (normal for
    // -126 <= n <= 126): integer operations and one subtraction, which leave the FMA units
    // (the bottleneck here) to the polynomial.
    let s_bits = simd.wrapping_dyn_shl_u32s(simd.transmute_u32s_f32s(t), simd.splat_u32s(23));
    let s = simd.transmute_f32s_u32s(s_bits);
    // Doubled (exponent + 1) and negated (sign bit) in one integer addition.
    let minus_s2 =
        simd.transmute_f32s_u32s(simd.add_u32s(s_bits, simd.splat_u32s((1 << 23) | 0x8000_0000)));
    let one_minus_s = simd.sub_f32s(simd.splat_f32s(1.0), s);
    simd.mul_add_e_f32s(minus_s2, e, one_minus_s)
}

/// `expm1(k h) / k` for a reduced argument `|k h| <= ln2/2` (`k` = 1 or 2): `h + h^2 Q(h)`,
/// where `Q(h) = k q(k h)` has the coefficients of `q` (M2..M7) scaled by powers of two, so
/// every rounding is that of evaluating `q` on `r = k h`, scaled exactly. Full relative
/// accuracy near 0 (`+-0` gives `+0`). `k = 2` is tanh's doubling, folded into the reduction.
#[inline(always)]
fn expm1_reduced_over<S: Simd>(simd: S, h: S::f32s, k: f32) -> S::f32s {
    let c = |m: f32, power: i32| simd.splat_f32s(m * k.powi(power));
    let q = simd.mul_add_e_f32s(c(M7, 6), h, c(M6, 5));
    let q = simd.mul_add_e_f32s(q, h, c(M5, 4));
    let q = simd.mul_add_e_f32s(q, h, c(M4, 3));
    let q = simd.mul_add_e_f32s(q, h, c(M3, 2));
    let q = simd.mul_add_e_f32s(q, h, c(M2, 1));
    // h^2 independent of Q, so the two run in parallel (shorter dependency chain).
    simd.mul_add_e_f32s(simd.mul_f32s(h, h), q, h)
}

/// Clamp of [`expm1_nonpositive`]'s argument: from `-25 ln2 = -17.3287` down, `expm1` rounds
/// to -1, and so does the formula from here down (`-inf` included).
const EXPM1_CLAMP: f32 = -17.5;
/// The multiplier of [`expm1_nonpositive`]'s `n = round(x EXPM1_N_SCALE)`: below `log2 e`, so
/// that `n >= -24` down to the clamp (`-17.5 * 1.39 = -24.3`).
const EXPM1_N_SCALE: f32 = 1.39;

/// `expm1(x)` for every lane `x <= 0` (`-inf` included; NaN lanes hold garbage), to full
/// relative accuracy near 0; the caller keeps tiny `|x|` (below `TINY_INPUT`, where the result
/// rounds to `x`) away, or they compute with subnormal numbers. `+0` gives `+0`.
///
/// With `x = n ln2 + r`: `expm1(x) = 2^n expm1(r) + (2^n - 1)`, one FMA, where `2^n - 1` is
/// exact for `n >= -24` (so no cancellation is left: near 0, `n = 0` and the result is the
/// polynomial). `n = -25` would make `2^n - 1` inexact where the result must still be told
/// apart from -1 (down to `-25 ln2`): so `n = round(1.39 x)` rather than `round(x log2 e)`,
/// which stays at -24 or above down to the clamp. Any integer `n` is exact in the Cody-Waite
/// reduction; the smaller multiplier only widens `r` by `0.026 |n|` beyond `-ln2/2`, where the
/// polynomial's error is scaled by `2^n` against a result near -1 (`r = -0.36` at `n = 0`,
/// -0.39 at `n = -1`, down to `-17.5 + 24 ln2 = -0.86` at the clamp, where the result is
/// `-1 + 2^-24 exp(r)` and rounds to -1 or to its neighbour according as `exp(r)` is below
/// or above 1/2). `tests/exhaustive.rs` checks every input.
#[inline(always)]
pub(crate) fn expm1_nonpositive<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let z = simd.max_f32s(x, simd.splat_f32s(EXPM1_CLAMP));
    // The low bits of t hold the biased exponent n + 127 of 2^n.
    let (t, n) = round_scaled(simd, z, EXPM1_N_SCALE, MAGIC_BIAS + 127.0);
    let r = if S::F32_LANES == 1 {
        // Unfused (the one-lane backend): the two-constant reduction, as in
        // `neg_expm1_twice_unguarded`.
        reduce(simd, z, n, None, 1.0)
    } else {
        // ln2 rounded to f32 is off by 1.9e-9: r is off by |n| 1.9e-9 and the result by
        // |n| 1.9e-9 exp(x), at most 0.02 ULP of the result (n = -1).
        simd.mul_add_e_f32s(n, simd.splat_f32s(-core::f32::consts::LN_2), z)
    };
    let e = expm1_reduced_over(simd, r, 1.0);
    let s = simd.transmute_f32s_u32s(
        simd.wrapping_dyn_shl_u32s(simd.transmute_u32s_f32s(t), simd.splat_u32s(23)),
    );
    simd.mul_add_e_f32s(s, e, simd.sub_f32s(s, simd.splat_f32s(1.0)))
}

/// `exp(r)` for a reduced argument `|r| <= ln2/2`: `1 + r (1 + r q(r))`, Horner all the way
/// (one operation fewer than `1 + (r + r^2 q)`, at no cost in accuracy: the exhaustive test
/// checks it).
#[inline(always)]
fn exp_reduced<S: Simd>(simd: S, r: S::f32s) -> S::f32s {
    let q = simd.mul_add_e_f32s(simd.splat_f32s(C6), r, simd.splat_f32s(C5));
    let q = simd.mul_add_e_f32s(q, r, simd.splat_f32s(C4));
    let q = simd.mul_add_e_f32s(q, r, simd.splat_f32s(C3));
    let q = simd.mul_add_e_f32s(q, r, simd.splat_f32s(C2));
    let one = simd.splat_f32s(1.0);
    let q = simd.mul_add_e_f32s(q, r, one);
    simd.mul_add_e_f32s(q, r, one)
}

/// `v exp(r)` for a reduced argument `|r| <= ln2/2` (plus a hair), as an unevaluated sum
/// `(y, y_lo)`: [`exp_reduced`]'s polynomial with `v` multiplied in before its last two steps,
/// `v q = v + (v q') r` and `v p = v + (v q) r`, so that the last step's rounding error is
/// recovered, itself rounded once (`v - y` is exact: `y / v` is `exp(r)`, within `[1/2, 2]`). What is left
/// is the polynomial's error and the roundings of the earlier steps, each scaled by at least
/// `r` (`|r| <= 0.35`), where [`exp_reduced`] adds its last rounding, up to half an ULP. `v`
/// must be normal and far from overflow (`|v| < 2^126`); a power-of-two scaling `v = w 2^n`
/// then gives `w exp(n ln2 + r)`.
#[inline(always)]
pub(crate) fn mul_exp_reduced<S: Simd>(simd: S, v: S::f32s, r: S::f32s) -> (S::f32s, S::f32s) {
    let q = simd.mul_add_e_f32s(simd.splat_f32s(C6), r, simd.splat_f32s(C5));
    let q = simd.mul_add_e_f32s(q, r, simd.splat_f32s(C4));
    let q = simd.mul_add_e_f32s(q, r, simd.splat_f32s(C3));
    let q = simd.mul_add_e_f32s(q, r, simd.splat_f32s(C2));
    let vq = simd.mul_add_e_f32s(simd.mul_f32s(v, q), r, v);
    let y = simd.mul_add_e_f32s(vq, r, v);
    (y, simd.mul_add_e_f32s(vq, r, simd.sub_f32s(v, y)))
}

/// The reduced argument `r = x + lo - n ln2` of `exp(x + lo)` (as in [`exp_lo_parts`]) and
/// `n = round(x log2 e)` as `i32` lanes, for finite `|x| <= 2^22`: [`mul_exp_reduced`] takes
/// `r`.
#[inline(always)]
pub(crate) fn exp_lo_reduced<S: Simd>(simd: S, x: S::f32s, lo: S::f32s) -> (S::f32s, S::i32s) {
    let (t, n) = round_scaled(simd, x, LOG2E, MAGIC_BIAS);
    let r = reduce(simd, x, n, Some(lo), 1.0);
    let ni = simd.sub_u32s(
        simd.transmute_u32s_f32s(t),
        simd.splat_u32s(MAGIC_BIAS.to_bits()),
    );
    (r, simd.transmute_i32s_u32s(ni))
}

/// [`exp_lo_reduced`] with `2^n` as a float, built with one shift, for lanes whose `n` lies in
/// `[-126, 126]` (`|x| <= NORMAL_SCALE_MAX`; other lanes hold garbage): the same `n` and `r`
/// (see [`exp_normal_scale`] on the two magic constants), on every backend.
#[inline(always)]
pub(crate) fn exp_lo_reduced_normal_scale<S: Simd>(
    simd: S,
    x: S::f32s,
    lo: S::f32s,
) -> (S::f32s, S::f32s) {
    // The low bits of t hold the biased exponent n + 127 of 2^n.
    let (t, n) = round_scaled(simd, x, LOG2E, MAGIC_BIAS + 127.0);
    let r = reduce(simd, x, n, Some(lo), 1.0);
    let s = simd.wrapping_dyn_shl_u32s(simd.transmute_u32s_f32s(t), simd.splat_u32s(23));
    (r, simd.transmute_f32s_u32s(s))
}

/// Inputs `|x| <= NORMAL_SCALE_MAX` have `n = round(x log2 e)` in `[-126, 126]`, so `2^n` is a
/// normal f32 (`126 / log2 e = 87.34`, rounded down).
pub(crate) const NORMAL_SCALE_MAX: f32 = 87.336;

/// `exp(x)` for lanes whose `n = round(x log2 e)` lies in `[-126, 126]` (so that `2^n` is
/// normal), NaN excluded; other lanes hold garbage. The same `n`, reduced argument and
/// polynomial as [`exp_unguarded`] (which AVX-512 runs as it is), then one multiplication by
/// `2^n` built with one shift: `p * 2^n` is the same exact product rounded once (into the
/// subnormal range too, when `n = -126` and `p < 1`), so the result is bit-identical to
/// `exp_unguarded`'s.
///
/// (`round(x log2 e + MAGIC_BIAS + 127)` has no ties to break differently from
/// `round(x log2 e + MAGIC_BIAS)`: `x log2 e` is never an odd multiple of 1/2, because the
/// 24-bit odd significand of `log2 e` in f32 divides no odd integer below 2^9.)
#[inline(always)]
pub(crate) fn exp_normal_scale<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    exp_lo_normal_scale(simd, x, None)
}

/// [`exp_normal_scale`] of `x + lo`, where `lo` (if any) is a small correction below `x`'s
/// precision that enters the reduced argument after the exact Cody-Waite step (see
/// [`reduce`]), so that the result is as accurate as `exp` of the unrounded sum.
#[inline(always)]
pub(crate) fn exp_lo_normal_scale<S: Simd>(simd: S, x: S::f32s, lo: Option<S::f32s>) -> S::f32s {
    if as_v4(&simd).is_some() {
        // One `vscalefps` scales there, whatever the range.
        let (t, n) = round_scaled(simd, x, LOG2E, MAGIC_BIAS);
        return scale_by_pow2(simd, exp_reduced(simd, reduce(simd, x, n, lo, 1.0)), n, t);
    }
    // The low bits of t hold the biased exponent n + 127 of 2^n.
    let (t, n) = round_scaled(simd, x, LOG2E, MAGIC_BIAS + 127.0);
    let r = reduce(simd, x, n, lo, 1.0);
    let s = simd.wrapping_dyn_shl_u32s(simd.transmute_u32s_f32s(t), simd.splat_u32s(23));
    simd.mul_f32s(exp_reduced(simd, r), simd.transmute_f32s_u32s(s))
}

/// `r = x + lo - n ln2 / k` (`k` = 1 or 2, which divides both Cody-Waite constants exactly):
/// the first step is exact (also without FMA), `lo` (if any) joins the exact difference, the
/// second constant comes last.
#[inline(always)]
fn reduce<S: Simd>(simd: S, x: S::f32s, n: S::f32s, lo: Option<S::f32s>, k: f32) -> S::f32s {
    let r = simd.mul_add_e_f32s(n, simd.splat_f32s(-LN2_HI / k), x);
    let r = match lo {
        Some(lo) => simd.add_f32s(r, lo),
        None => r,
    };
    simd.mul_add_e_f32s(n, simd.splat_f32s(-LN2_LO / k), r)
}

/// `exp(x + lo) = p * 2^n` as its parts: `p = exp(r)` (in about `[0.7, 1.42]`) and the integer
/// `n = round(x log2 e)` as `i32` lanes, for finite `|x| <= 2^22` (`lo` as in
/// [`exp_lo_normal_scale`]); [`scale_exactly`] puts them together, also into the subnormal
/// range, and a caller may first multiply `p` by a factor of its own (`x exp(x)` keeps full
/// precision where `exp(x)` alone would be subnormal).
#[inline(always)]
pub(crate) fn exp_lo_parts<S: Simd>(
    simd: S,
    x: S::f32s,
    lo: Option<S::f32s>,
) -> (S::f32s, S::i32s) {
    let (t, n) = round_scaled(simd, x, LOG2E, MAGIC_BIAS);
    let p = exp_reduced(simd, reduce(simd, x, n, lo, 1.0));
    // n as a two's-complement integer: the low bits of t.
    let ni = simd.sub_u32s(
        simd.transmute_u32s_f32s(t),
        simd.splat_u32s(MAGIC_BIAS.to_bits()),
    );
    (p, simd.transmute_i32s_u32s(ni))
}

/// `v * 2^n` rounded once (to nearest, ties to even), without computing with a subnormal
/// number, for normal `v` with `2^-20 <= |v| < 2^20` and integral `n` with a normal or
/// subnormal (or zero) result: at most `127` above `v`'s exponent.
///
/// A normal result is `v` with `n` added to its exponent bits. A subnormal one is built as an
/// integer: its bit pattern is `k = round(|v| 2^(n + 149))`, where `|v| 2^(n + 149)` is exact
/// (a power-of-two scaling that stays in the normal range) and adding `2^23` rounds it to an
/// integer, ties to even, exactly as the hardware rounds a subnormal result (a carry into
/// `2^23` gives the smallest normal number, also right). On Intel cores every operation that
/// reads or makes a subnormal costs a microcode assist (README: adversarial findings).
#[inline(always)]
pub(crate) fn scale_exactly<S: Simd>(simd: S, v: S::f32s, n: S::i32s) -> S::f32s {
    const TWO_23: f32 = 8_388_608.0;
    let bits = simd.transmute_u32s_f32s(v);
    let sign = simd.and_u32s(bits, simd.splat_u32s(SIGN_BIT));
    let magnitude = simd.and_u32s(bits, simd.splat_u32s(!SIGN_BIT));
    let n_bits = simd.transmute_u32s_i32s(n);
    let normal = simd.add_u32s(
        bits,
        simd.wrapping_dyn_shl_u32s(n_bits, simd.splat_u32s(23)),
    );
    // 2^(n + 149), with the exponent clamped so that the factor is normal and the product
    // too (results beyond the clamps are not subnormal, or round to 0 either way).
    let e = simd.add_i32s(n, simd.splat_i32s(149));
    let e = simd.max_i32s(
        simd.min_i32s(e, simd.splat_i32s(127)),
        simd.splat_i32s(-100),
    );
    let biased = simd.add_u32s(simd.transmute_u32s_i32s(e), simd.splat_u32s(127));
    let factor = simd.transmute_f32s_u32s(simd.wrapping_dyn_shl_u32s(biased, simd.splat_u32s(23)));
    let prod = simd.mul_f32s(simd.transmute_f32s_u32s(magnitude), factor);
    let k = simd.sub_u32s(
        simd.transmute_u32s_f32s(simd.add_f32s(prod, simd.splat_f32s(TWO_23))),
        simd.splat_u32s(TWO_23.to_bits()),
    );
    // Subnormal: the biased exponent of v plus n is below 1.
    let exponent = simd.wrapping_dyn_shr_u32s(magnitude, simd.splat_u32s(23));
    let result_exponent = simd.add_i32s(simd.transmute_i32s_u32s(exponent), n);
    let subnormal = simd.less_than_i32s(result_exponent, simd.splat_i32s(1));
    let k = simd.or_u32s(k, sign);
    simd.transmute_f32s_u32s(simd.select_u32s(subnormal, k, normal))
}

/// `p * 2^n` rounded once, for integral `n` in `[-150, 128]`, where `t` is `n + MAGIC_BIAS` (the
/// magic-bias rounding result, whose low mantissa bits hold `n`). Normal, subnormal and
/// overflowing results are all correctly rounded from `p`.
///
/// AVX-512 does this in one instruction (`vscalefps`). Elsewhere `2^n = 2^n1 * 2^n2` with
/// `n1 = floor(n / 2)` and `n2 = n - n1`: both factors are normal for `n` in `[-150, 128]`, the
/// first product is exact and the second rounds once, also into the subnormal range (a single
/// `2^n` factor would not exist there, nor for `n = 128`). Both paths round the same exact
/// value once, so AVX2 and AVX-512 stay bit-identical.
#[inline(always)]
fn scale_by_pow2<S: Simd>(simd: S, p: S::f32s, n: S::f32s, t: S::f32s) -> S::f32s {
    #[cfg(target_arch = "x86_64")]
    if let Some(v4) = as_v4(&simd) {
        let scaled = v4
            .avx512f
            ._mm512_scalef_ps(pulp::bytemuck::cast(p), pulp::bytemuck::cast(n));
        return pulp::bytemuck::cast(scaled);
    }
    let _ = n;
    let a = simd.sub_u32s(
        simd.transmute_u32s_f32s(t),
        simd.splat_u32s(ROUND_BITS_OFFSET),
    ); // n + 256
    let one = simd.splat_u32s(1);
    let h = simd.wrapping_dyn_shr_u32s(a, one); // n1 + 128
    let n1_biased = simd.sub_u32s(h, one); // n1 + 127
    let n2_biased = simd.sub_u32s(simd.sub_u32s(a, h), one); // n2 + 127
    let exp_shift = simd.splat_u32s(23);
    let s1 = simd.transmute_f32s_u32s(simd.wrapping_dyn_shl_u32s(n1_biased, exp_shift));
    let s2 = simd.transmute_f32s_u32s(simd.wrapping_dyn_shl_u32s(n2_biased, exp_shift));
    simd.mul_f32s(simd.mul_f32s(p, s1), s2)
}

/// Replaces the lanes below the underflow threshold (including `-inf`) by `+0`.
#[inline(always)]
pub(crate) fn flush_underflow<S: Simd>(simd: S, x: S::f32s, e: S::f32s) -> S::f32s {
    let under = simd.less_than_f32s(x, simd.splat_f32s(EXP_MIN_NONZERO_INPUT));
    simd.select_f32s(under, simd.splat_f32s(0.0), e)
}

/// Below this `|x|` (`2^-25`), `exp(x)` rounds to 1: the general path computes `exp(0)`
/// there, which keeps subnormal inputs out of the arithmetic.
pub(crate) const TINY_INPUT: f32 = 1.0 / 33_554_432.0;

/// Whether every lane has `TINY_INPUT <= |x| <= NORMAL_SCALE_MAX` (no NaN): then `exp` needs
/// no guard, its `2^n` is normal, and no operation sees or makes a subnormal number (which
/// costs a microcode assist per operation on Intel cores).
#[inline(always)]
pub(crate) fn all_in_normal_range<S: Simd>(simd: S, x: S::f32s) -> bool {
    all_in_range(simd, x, TINY_INPUT, NORMAL_SCALE_MAX)
}

/// Whether every lane has `low <= |x| <= high` (no NaN; `0 < low < high` finite), in one
/// integer comparison (see [`all_in_normal_range`]).
#[inline(always)]
pub(crate) fn all_in_range<S: Simd>(simd: S, x: S::f32s, low: f32, high: f32) -> bool {
    simd.first_true_m32s(outside_range(simd, x, low, high)) == S::F32_LANES
}

/// The lanes outside `low <= |x| <= high` (NaN included; `0 < low < high` finite), in one
/// integer comparison: the mask of [`all_in_range`], for callers that add conditions of their
/// own before the one test.
#[inline(always)]
pub(crate) fn outside_range<S: Simd>(simd: S, x: S::f32s, low: f32, high: f32) -> S::m32s {
    let low = low.to_bits();
    let span = high.to_bits() - low;
    let abs = simd.transmute_u32s_f32s(abs(simd, x));
    let shifted = simd.add_u32s(abs, simd.splat_u32s(SIGN_BIT.wrapping_sub(low)));
    simd.greater_than_i32s(
        simd.transmute_i32s_u32s(shifted),
        simd.splat_i32s((span ^ SIGN_BIT) as i32),
    )
}

/// `exp(x)` for every lane: `+inf` above the overflow threshold (and for `+inf`), `+0` below
/// the underflow threshold (and for `-inf`), the input NaN quieted for NaN.
///
/// A vector whose lanes all pass [`all_in_normal_range`] takes [`exp_normal_scale`]: no
/// guards, one multiplication by `2^n` (AVX-512: one `vscalefps`); other vectors take
/// [`exp_general`]. The one-lane backend, where a branch per element costs more than it saves,
/// takes [`exp_scaled_in_float`]. All round the same exact product `p * 2^n` once, so the
/// results do not depend on the path (nor on the backend, AVX2 or AVX-512).
#[inline(always)]
pub(crate) fn exp<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    if S::F32_LANES == 1 {
        return exp_scaled_in_float(simd, x);
    }
    if all_in_normal_range(simd, x) {
        return exp_normal_scale(simd, x);
    }
    exp_general(simd, x)
}

/// `exp(x)` for every lane with the scaling in floating point (two exact multiplications,
/// or `vscalefps`) and the guards as selections: the one-lane backend's path, where the
/// integer operations of [`exp_general`] cost twice the time (the compiler vectorizes that
/// backend's loops with SSE2, which lacks 32-bit integer minimum and maximum). It rounds the
/// same product `p * 2^n` once, as [`exp_general`] does; only subnormal inputs and results run
/// slower on CPUs that assist them.
#[inline(always)]
pub(crate) fn exp_scaled_in_float<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let e = exp_unguarded(simd, x);
    let over = simd.greater_than_f32s(x, simd.splat_f32s(EXP_MAX_FINITE_INPUT));
    let e = simd.select_f32s(over, simd.splat_f32s(f32::INFINITY), e);
    flush_underflow(simd, x, e)
}

/// `exp(x)` for every lane, every input, without ever computing with a subnormal number:
/// tiny inputs (`|x| < TINY_INPUT`, subnormal ones included) are computed as 0 (their `exp`
/// rounds to 1); normal results are `p * 2^n` built exactly by adding `n` to the exponent bits
/// of `p`; subnormal results are built as integers, `k = round(p * 2^(n + 149))` being the bit
/// pattern of `p * 2^n` rounded to the subnormal grid: `p * 2^(n + 149)` is exact (a
/// power-of-two scaling into the normal range) and adding `2^23` rounds it to an integer,
/// ties to even, exactly as the hardware rounds a subnormal result. On Intel cores every
/// operation that reads or makes a subnormal costs a microcode assist (README: adversarial
/// findings); the results are bit-identical to scaling in floating point.
#[inline(always)]
pub(crate) fn exp_general<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let tiny = simd.less_than_f32s(abs(simd, x), simd.splat_f32s(TINY_INPUT));
    // Tiny lanes computed as exp(0); the others clamped so that `n` stays in the range of
    // `scale_exactly` (the clamped lanes are replaced below).
    let x0 = simd.select_f32s(tiny, simd.splat_f32s(0.0), x);
    let x0 = simd.max_f32s(
        simd.min_f32s(x0, simd.splat_f32s(100.0)),
        simd.splat_f32s(-200.0),
    );
    let (p, n) = exp_lo_parts(simd, x0, None);
    let e = scale_exactly(simd, p, n);
    let over = simd.greater_than_f32s(x, simd.splat_f32s(EXP_MAX_FINITE_INPUT));
    let e = simd.select_f32s(over, simd.splat_f32s(f32::INFINITY), e);
    quiet_nan_passthrough(simd, x, flush_underflow(simd, x, e))
}

/// `exp(x + lo)` for `EXP_MIN_NONZERO_INPUT <= x <= 0` (and NaN), where `lo` is a small
/// correction (about an ULP of `x` at most) carried below `x`'s precision, such as the exact
/// rounding error of a subtraction `x = fl(a - b)`. The correction enters the reduced argument
/// after the exact Cody-Waite step, so the result is as accurate as `exp` of the unrounded
/// `x + lo`. Other lanes hold garbage that the caller must replace.
#[inline(always)]
pub(crate) fn exp_nonpositive_lo<S: Simd>(simd: S, x: S::f32s, lo: S::f32s) -> S::f32s {
    let (t, n) = round_scaled(simd, x, LOG2E, MAGIC_BIAS);
    let r = reduce(simd, x, n, Some(lo), 1.0);
    scale_by_pow2(simd, exp_reduced(simd, r), n, t)
}
