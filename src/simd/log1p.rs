//! `log1p(e)` for f32 lanes with `e` in `[0, 1]`: the building block of softplus and
//! log-sigmoid (`e = exp(-|x|)`).
//!
//! Reduction without rounding: for `e < 1/2`, `f = e`; for `e >= 1/2`,
//! `log1p(e) = ln 2 + log1p(f)` with `f = (e - 1) / 2` (one FMA `e * 0.5 - 0.5`, exact: `e - 1`
//! is exact for `e` in `[1/2, 1]` by Sterbenz's lemma, and halving is exact). So `f` lies in
//! `[-1/4, 1/2)` and carries no rounding error, and `log1p(f) = f + (f Q(f)) f` with a minimax
//! polynomial `Q` of degree 8, rounded once by the last FMA; `ln 2` is added last where
//! `e >= 1/2` (`|log1p(f)| <= 0.29` there, so its rounding is at most a quarter of the sum's
//! ULP).
//!
//! Error: at most 0.92 ULP from the exact value (0.95 on the one-lane backend, whose
//! `mul_add_e` is unfused), so at most 1 ULP from the correctly rounded one: measured over
//! every f32 `e` in `[0, 1]`. What the crate asserts is softplus's and log-sigmoid's 2-ULP
//! bound, over all inputs, by `tests/exhaustive.rs`.
//!
//! Subnormal numbers: for `e >= 2^-125` no operation reads or makes one (the smallest
//! intermediate, `f Q(f)`, is about `e / 2`); softplus keeps smaller `e` off this function.

use pulp::Simd;

/// `ln 2` rounded to f32 (`0x3F317218`, 0.032 ULP above the exact value: small beside the
/// rounding of the sum, so no low part is carried).
const LN2: f32 = core::f32::consts::LN_2;

/// Minimax coefficients of `Q(f) ~ (log1p(f) - f) / f^2` on `[-1/4, 1/2]`, fitted for this
/// crate with the error weighted by `f^2 / log1p(e)` (the tail's share of the result), each
/// coefficient rounded to f32 in turn and the later ones refitted: relative error `2^-28.4` of
/// the result from the fit.
const Q0: f32 = -0.500_000_1;
const Q1: f32 = 0.333_334_9;
const Q2: f32 = -0.249_992_76;
const Q3: f32 = 0.199_881_78;
const Q4: f32 = -0.166_623_58;
const Q5: f32 = 0.145_358_07;
const Q6: f32 = -0.131_041_48;
const Q7: f32 = 0.100_741_31;
const Q8: f32 = -0.041_450_627;

/// `log1p(e)` for every lane with `0 <= e <= 1` (see the module doc for the error): `+0` for
/// `e = 0`, `ln 2` rounded for `e = 1`.
#[inline(always)]
pub(crate) fn log1p_unit<S: Simd>(simd: S, e: S::f32s) -> S::f32s {
    let half = simd.splat_f32s(0.5);
    let upper = simd.greater_than_or_equal_f32s(e, half);
    // (e - 1) / 2 in one exact step (also unfused: e * 0.5 is exact, and so is the sum).
    let f = simd.select_f32s(
        upper,
        simd.mul_add_e_f32s(e, half, simd.splat_f32s(-0.5)),
        e,
    );
    let q = simd.mul_add_e_f32s(simd.splat_f32s(Q8), f, simd.splat_f32s(Q7));
    let q = simd.mul_add_e_f32s(q, f, simd.splat_f32s(Q6));
    let q = simd.mul_add_e_f32s(q, f, simd.splat_f32s(Q5));
    let q = simd.mul_add_e_f32s(q, f, simd.splat_f32s(Q4));
    let q = simd.mul_add_e_f32s(q, f, simd.splat_f32s(Q3));
    let q = simd.mul_add_e_f32s(q, f, simd.splat_f32s(Q2));
    let q = simd.mul_add_e_f32s(q, f, simd.splat_f32s(Q1));
    let q = simd.mul_add_e_f32s(q, f, simd.splat_f32s(Q0));
    // log1p(f) = f + (f Q) f, rounded once (f Q first: f^2 would underflow before f Q does).
    let log1p_f = simd.mul_add_e_f32s(simd.mul_f32s(f, q), f, f);
    let k = simd.select_f32s(upper, simd.splat_f32s(LN2), simd.splat_f32s(0.0));
    simd.add_f32s(k, log1p_f)
}
