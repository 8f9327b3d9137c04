//! Softmax and log-softmax over many short rows at once ([`takes_short_path`]).
//!
//! The row passes of [`super::softmax`] pay a fixed cost per row (reductions across lanes, a
//! masked tail per pass) that dominates rows of a few elements. Here a block of whole rows is
//! staged in stack buffers padded to whole vectors and every elementwise step runs over the
//! block as one slice: the row maxima and sums are scalar loops over each row (a few
//! operations per element), and `exp(x - max)` and the last pass are vector loops over the
//! block with the row's value expanded per element. No masked load or store, one copy in and
//! one copy out per block (so the input and the output may be one buffer).
//!
//! Accuracy and special rows as the long-row passes: `exp(x - max)` is [`exp_shifted`] (the
//! rounding error of `x - max` carried into the reduction), the sum is accumulated in `f64`
//! (at most 32 terms of at most 1: the sum's relative error stays below `2^-47`), softmax
//! scales by `1 / sum` as the pair `hi + lo` ([`Scale`]), log-softmax counts the elements
//! equal to the maximum apart and takes `ln_1p` of the others' sum when there is one. The
//! results depend on no lane width (the scalar loops run in element order), so `Avx2` and
//! `Avx512` agree bit for bit; rows never split across threads.

use pulp::Simd;

use super::io::Buffers;
use super::logits::{Logits, needs_recount, tiny_sum};
use super::softmax::{Scale, exp_shifted, log_sub, scale};

/// Rows up to this many columns may take this path.
const SHORT_MAX_COLS: usize = 48;

/// Whether rows of `cols` columns take this path: short rows, except those of 32 and 48
/// columns, which the long-row passes handle in whole groups of their 16 logical lanes with no
/// tail, faster than this path (README: "Short rows").
#[inline(always)]
pub(crate) fn takes_short_path(cols: usize) -> bool {
    cols <= SHORT_MAX_COLS && (cols <= 16 || cols % 16 != 0)
}

/// Elements per block: whole rows, staged in stack buffers (5 of them, 1 KiB each).
const BLOCK: usize = 256;

/// The padded buffers of one block; every pass runs over whole vectors of them.
struct Stage {
    x: [f32; BLOCK],
    /// The row's maximum, per element.
    m: [f32; BLOCK],
    /// `exp(x - max)`.
    e: [f32; BLOCK],
    /// Softmax: `hi` of `1 / sum`, per element; log-softmax: `log(sum)`.
    a: [f32; BLOCK],
    /// Softmax: `lo` of `1 / sum`, per element.
    b: [f32; BLOCK],
}

/// Softmax (`log == false`) or log-softmax of the rows of `cols` columns of `io` (whose length
/// is a multiple of `cols`; `0 < cols <= SHORT_MAX_COLS`).
#[inline(always)]
pub(crate) fn short_rows<S: Simd, B: Buffers>(simd: S, io: &mut B, cols: usize, log: bool) {
    let len = io.input().len();
    debug_assert!(cols > 0 && cols <= SHORT_MAX_COLS && len % cols == 0);
    let mut st = Stage {
        x: [0.0; BLOCK],
        m: [0.0; BLOCK],
        e: [0.0; BLOCK],
        a: [0.0; BLOCK],
        b: [0.0; BLOCK],
    };
    if cols == 1 {
        // Rows of one element: 1 (log: 0) for a finite element, NaN for anything else, as
        // the general rule gives (`exp(x - x) / 1`); no exp, no sum.
        let one = if log { 0.0 } else { 1.0 };
        let mut start = 0;
        while start < len {
            let n = BLOCK.min(len - start);
            st.x[..n].copy_from_slice(&io.input()[start..start + n]);
            for v in &mut st.x[..n] {
                *v = if v.is_finite() { one } else { f32::NAN };
            }
            io.output()[start..start + n].copy_from_slice(&st.x[..n]);
            start += n;
        }
        return;
    }
    let block_len = BLOCK / cols * cols;
    let mut start = 0;
    while start < len {
        let n = block_len.min(len - start);
        // Whole vectors covering the block (the padding holds zeros or stale values of an
        // earlier block; its results are never written out).
        let padded = n.next_multiple_of(S::F32_LANES).min(BLOCK);
        st.x[..n].copy_from_slice(&io.input()[start..start + n]);
        let mut any_nan_row = false;
        for (xr, mr) in st.x[..n]
            .chunks_exact(cols)
            .zip(st.m[..n].chunks_exact_mut(cols))
        {
            mr.fill(row_max(xr));
        }
        {
            let (xv, _) = S::as_simd_f32s(&st.x[..padded]);
            let (mv, _) = S::as_simd_f32s(&st.m[..padded]);
            let (ev, _) = S::as_mut_simd_f32s(&mut st.e[..padded]);
            for ((e, &x), &m) in ev.iter_mut().zip(xv).zip(mv) {
                *e = exp_shifted(simd, x, m);
            }
        }
        for (((xr, mr), er), (ar, br)) in st.x[..n]
            .chunks_exact(cols)
            .zip(st.m[..n].chunks_exact(cols))
            .zip(st.e[..n].chunks_exact(cols))
            .zip(
                st.a[..n]
                    .chunks_exact_mut(cols)
                    .zip(st.b[..n].chunks_exact_mut(cols)),
            )
        {
            let max = mr[0];
            let v = if log {
                log_of_sum(simd, xr, er, max)
            } else {
                let (hi, lo) = inverse_sum(er, max);
                br.fill(lo);
                hi
            };
            any_nan_row |= v.is_nan();
            ar.fill(v);
        }
        if log {
            // y = (x - max) - log(sum), as the long rows' last pass; into `e`.
            let (xv, _) = S::as_simd_f32s(&st.x[..padded]);
            let (mv, _) = S::as_simd_f32s(&st.m[..padded]);
            let (lv, _) = S::as_simd_f32s(&st.a[..padded]);
            let (yv, _) = S::as_mut_simd_f32s(&mut st.e[..padded]);
            for (((y, &x), &m), &l) in yv.iter_mut().zip(xv).zip(mv).zip(lv) {
                *y = log_sub(simd, x, m, l);
            }
        } else {
            // y = e hi + e lo, as `Scale`; into `x`.
            let (ev, _) = S::as_simd_f32s(&st.e[..padded]);
            let (hv, _) = S::as_simd_f32s(&st.a[..padded]);
            let (lv, _) = S::as_simd_f32s(&st.b[..padded]);
            let (yv, _) = S::as_mut_simd_f32s(&mut st.x[..padded]);
            for (((y, &e), &hi), &lo) in yv.iter_mut().zip(ev).zip(hv).zip(lv) {
                *y = scale(simd, e, hi, lo);
            }
        }
        let out = if log { &mut st.e[..n] } else { &mut st.x[..n] };
        if any_nan_row {
            // NaN rows as `f32::NAN` exactly, as the long-row path writes them: arithmetic
            // leaves a NaN's sign to the compiler's operand order.
            for (yr, ar) in out.chunks_exact_mut(cols).zip(st.a[..n].chunks_exact(cols)) {
                if ar[0].is_nan() {
                    yr.fill(f32::NAN);
                }
            }
        }
        io.output()[start..start + n].copy_from_slice(out);
        start += n;
    }
}

/// The largest element of a row; `-inf` for a row of `-inf` and NaN (NaN never wins a
/// comparison: such rows come out NaN through their sum).
#[inline(always)]
fn row_max(row: &[f32]) -> f32 {
    // Four independent chains: the comparisons' latency, not their number, bounds a row.
    let mut m = [f32::NEG_INFINITY; 4];
    let mut quads = row.chunks_exact(4);
    for q in &mut quads {
        for j in 0..4 {
            if q[j] > m[j] {
                m[j] = q[j];
            }
        }
    }
    for (j, &v) in quads.remainder().iter().enumerate() {
        if v > m[j] {
            m[j] = v;
        }
    }
    let a = if m[1] > m[0] { m[1] } else { m[0] };
    let b = if m[3] > m[2] { m[3] } else { m[2] };
    if b > a { b } else { a }
}

/// Softmax's scale `1 / sum` of a row's `e` as the pair `(hi, lo)`; NaN for a row that must be
/// NaN (its maximum not finite, or a NaN in it).
#[inline(always)]
fn inverse_sum(e: &[f32], max: f32) -> (f32, f32) {
    let sum: f64 = e.iter().map(|&v| f64::from(v)).sum();
    if max.is_finite() && sum.is_finite() {
        let s = Scale::reciprocal_of(sum);
        (s.hi, s.lo)
    } else {
        (f32::NAN, f32::NAN)
    }
}

/// Log-softmax's `log(sum)` of a row, with the elements equal to the maximum counted apart
/// (`ln_1p` of the others' sum when there is one of them, recounted by [`tiny_sum`] where
/// [`needs_recount`] says); NaN for a row that must be NaN.
#[inline(always)]
fn log_of_sum<S: Simd>(simd: S, x: &[f32], e: &[f32], max: f32) -> f32 {
    let mut ones = 0_u32;
    let mut others = 0.0_f64;
    // Branch-free: where the maximum sits in a row is unpredictable.
    for (&x, &e) in x.iter().zip(e) {
        let is_max = x == max;
        ones += u32::from(is_max);
        others += f64::from(if is_max { 0.0 } else { e });
    }
    if !max.is_finite() || !others.is_finite() {
        return f32::NAN;
    }
    if needs_recount(u64::from(ones), others) {
        others = tiny_sum(simd, Logits::new(x, None, 1.0), (max, 0.0));
    }
    if ones == 1 {
        ln_1p(others) as f32
    } else {
        (f64::from(ones) + others).ln() as f32
    }
}

/// `ln(1 + t)` for `t >= 0` (no NaN), within `2^-29` relative: far below the `f32` rounding
/// that follows, at the cost of one `ln` (`std`'s `ln_1p` costs several times more, and this
/// runs once per row). From `t = 2^-24` on, `1 + t` rounds by at most `2^-53`, which `ln` turns
/// into at most `2^-53 / t <= 2^-29` relative to `ln(1 + t) ~ t`. Below, `t - t^2 / 2` is off
/// by less than `t^3 / 3`: at most `2^-48` relative.
#[inline(always)]
fn ln_1p(t: f64) -> f64 {
    if t < f64::from(f32::EPSILON) / 2.0 {
        t - 0.5 * t * t
    } else {
        (1.0 + t).ln()
    }
}
