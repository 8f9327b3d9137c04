//! Softmax logits formed with their rounding error: `z = scale * x + mask` as the unevaluated
//! pair `hi + lo` (`hi = fl(z)`, `lo` the rounding error), staged chunk by chunk in stack
//! buffers for the passes of [`super::online`].
//!
//! Rounding `scale * x` (and the mask's addition) to `f32` before the reduction would cost
//! about `|z - max|` ULP after `exp` (with `scale = 1/sqrt(80)` and logits spanning 60, about
//! 30 ULP); carried as `hi + lo` into `exp`, as `x - max` already is, it costs nothing
//! measurable.
//!
//! The pair is normalised (`|lo| <= ulp(hi) / 2`, `hi = fl(hi + lo)`), so the order of the
//! pairs compared as (`hi`, then `lo`) is the order of the exact logits: the row's maximum is
//! taken that way ([`pair_max`]), every `z - max` is then non-positive and `exp` cannot
//! overflow, however large the logits.
//!
//! Every backend forms the same pair: the product's error comes from an FMA on AVX2 and
//! AVX-512 and from `f64` on the scalar backend, both exact.

use pulp::Simd;

use super::exp::{EXP_MIN_NONZERO_INPUT, exp_nonpositive_lo};
use super::softmax::{CHUNK, LANES};
use super::two_sum;

/// What turns a piece of a row of `x` into logits: `scale * x (+ mask)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Logits<'a> {
    /// The inputs.
    pub(crate) x: &'a [f32],
    /// The additive mask, of the length of `x` (`-inf` masks out; never NaN nor `+inf`).
    pub(crate) mask: Option<&'a [f32]>,
    /// The scale (finite, non-zero).
    pub(crate) scale: f32,
}

impl<'a> Logits<'a> {
    /// Elements.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.x.len()
    }

    /// The elements `[start, end)`.
    #[inline(always)]
    pub(crate) fn range(self, start: usize, end: usize) -> Logits<'a> {
        Logits {
            x: &self.x[start..end],
            mask: self.mask.map(|m| &m[start..end]),
            scale: self.scale,
        }
    }
}

/// One 64-byte aligned buffer of a chunk.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct Lanes(pub(crate) [f32; CHUNK]);

/// The staged logits of one chunk (32 KiB on the stack, which stays in L1 between the passes).
pub(crate) struct Stage {
    /// `hi`, then (softmax of a one-chunk row) `exp(z - max)`.
    pub(crate) hi: Lanes,
    /// `lo`.
    pub(crate) lo: Lanes,
}

impl Stage {
    /// Empty buffers.
    #[inline(always)]
    pub(crate) fn new() -> Stage {
        Stage {
            hi: Lanes([0.0; CHUNK]),
            lo: Lanes([0.0; CHUNK]),
        }
    }
}

/// A [`Stage`] made on first use: a dispatch over plain rows (no scale, no mask) never needs
/// one, and making one writes its 32 KiB, which a call on a few short rows would notice.
pub(crate) struct LazyStage(Option<Stage>);

impl LazyStage {
    /// No stage yet.
    #[inline(always)]
    pub(crate) fn new() -> LazyStage {
        LazyStage(None)
    }

    /// The stage, made now if it is not yet.
    #[inline(always)]
    pub(crate) fn get(&mut self) -> &mut Stage {
        self.0.get_or_insert_with(Stage::new)
    }
}

/// Elements staged for `n` logits: whole groups of `2 * LANES` (the exp pass takes groups two by
/// two), padded with `-inf` (whose `exp` is 0).
#[inline(always)]
pub(crate) fn padded(n: usize) -> usize {
    n.next_multiple_of(2 * LANES)
}

/// `scale * x` as `(hi, lo)`: the product and its exact error.
#[inline(always)]
fn scaled<S: Simd>(simd: S, x: S::f32s, scale: S::f32s) -> (S::f32s, S::f32s) {
    if S::F32_LANES == 1 {
        // No FMA: the product is exact in `f64`, and so is its difference with `hi`.
        use pulp::bytemuck::cast;
        let (x, s): (f32, f32) = (cast(x), cast(scale));
        let p = f64::from(x) * f64::from(s);
        let hi = p as f32;
        return (cast(hi), cast((p - f64::from(hi)) as f32));
    }
    let hi = simd.mul_f32s(x, scale);
    (hi, simd.mul_add_e_f32s(x, scale, simd.neg_f32s(hi)))
}

/// `scale * x + mask` as the normalised pair `(hi, lo)`; masked lanes (`mask = -inf`) give
/// `(-inf, 0)` whatever `x` holds, and so do `-inf` logits.
#[inline(always)]
fn masked<S: Simd>(simd: S, x: S::f32s, scale: S::f32s, mask: S::f32s) -> (S::f32s, S::f32s) {
    let (p, pe) = scaled(simd, x, scale);
    let (s, se) = two_sum(simd, p, mask);
    // `p + mask` may cancel, leaving `pe + se` larger than an ULP of `s`: renormalise.
    let (hi, lo) = two_sum(simd, s, simd.add_f32s(pe, se));
    let ninf = simd.splat_f32s(f32::NEG_INFINITY);
    // Masked, or a `-inf` logit (`-inf` in `x`, or an overflow), whose `lo` is NaN.
    let out = simd.or_m32s(simd.equal_f32s(mask, ninf), simd.equal_f32s(s, ninf));
    (
        simd.select_f32s(out, ninf, hi),
        simd.select_f32s(out, simd.splat_f32s(0.0), lo),
    )
}

/// Stages the logits of `l` (`l.len() <= CHUNK`) in `st`; returns the staged length,
/// [`padded`]`(l.len())`.
#[inline(always)]
pub(crate) fn stage<S: Simd>(simd: S, l: Logits<'_>, st: &mut Stage) -> usize {
    let n = l.len();
    debug_assert!(n <= CHUNK);
    let staged = padded(n);
    let scale = simd.splat_f32s(l.scale);
    {
        let (hv, _) = S::as_mut_simd_f32s(&mut st.hi.0[..staged]);
        let (lv, _) = S::as_mut_simd_f32s(&mut st.lo.0[..staged]);
        let (xv, xt) = S::as_simd_f32s(l.x);
        let full = xv.len();
        match l.mask {
            None => {
                for ((h, lo), &x) in hv.iter_mut().zip(lv.iter_mut()).zip(xv) {
                    (*h, *lo) = scaled(simd, x, scale);
                }
                if !xt.is_empty() {
                    (hv[full], lv[full]) = scaled(simd, simd.partial_load_f32s(xt), scale);
                }
            }
            Some(mask) => {
                let (mv, mt) = S::as_simd_f32s(mask);
                for (((h, lo), &x), &m) in hv.iter_mut().zip(lv.iter_mut()).zip(xv).zip(mv) {
                    (*h, *lo) = masked(simd, x, scale, m);
                }
                if !xt.is_empty() {
                    let (x, m) = (simd.partial_load_f32s(xt), simd.partial_load_f32s(mt));
                    (hv[full], lv[full]) = masked(simd, x, scale, m);
                }
            }
        }
    }
    st.hi.0[n..staged].fill(f32::NEG_INFINITY);
    st.lo.0[n..staged].fill(0.0);
    staged
}

/// The largest staged pair, compared by `hi` then `lo` (the order of the exact logits), of
/// the first `staged` elements. With a NaN among them the result is unspecified: the sum is
/// NaN then, and so is the row. The order of a maximum does not depend on the evaluation
/// order, so every lane width gives the same pair.
#[inline(always)]
pub(crate) fn pair_max<S: Simd>(simd: S, st: &Stage, staged: usize) -> (f32, f32) {
    let (hv, _) = S::as_simd_f32s(&st.hi.0[..staged]);
    let (lv, _) = S::as_simd_f32s(&st.lo.0[..staged]);
    let ninf = simd.splat_f32s(f32::NEG_INFINITY);
    let mut acc = [(ninf, simd.splat_f32s(0.0)); 2];
    for (i, (&h, &l)) in hv.iter().zip(lv).enumerate() {
        let (mh, ml) = &mut acc[i & 1];
        let above = simd.greater_than_f32s(h, *mh);
        let tie = simd.equal_f32s(h, *mh);
        *ml = simd.select_f32s(above, l, simd.select_f32s(tie, simd.max_f32s(l, *ml), *ml));
        *mh = simd.max_f32s(h, *mh);
    }
    let mut best = (f32::NEG_INFINITY, 0.0_f32);
    for (h, l) in acc {
        let mut hs = [0.0_f32; LANES];
        let mut ls = [0.0_f32; LANES];
        let (hb, _) = S::as_mut_simd_f32s(&mut hs);
        let (lb, _) = S::as_mut_simd_f32s(&mut ls);
        hb[0] = h;
        lb[0] = l;
        for k in 0..S::F32_LANES {
            if hs[k] > best.0 || (hs[k] == best.0 && ls[k] > best.1) {
                best = (hs[k], ls[k]);
            }
        }
    }
    best
}

/// `z - m` for the staged pair `z = (hi, lo)` and the maximum `m = (m_hi, m_lo)`: the
/// normalised pair `(d, d_lo)` (`d = 0` exactly for the logits equal to the maximum; NaN for
/// masked lanes) and `fl(hi - m_hi)` (`-inf` for masked lanes), which decides underflow.
#[inline(always)]
pub(crate) fn shifted<S: Simd>(
    simd: S,
    (hi, lo): (S::f32s, S::f32s),
    (m_hi, m_lo): (S::f32s, S::f32s),
) -> (S::f32s, S::f32s, S::f32s) {
    let (d, e) = two_sum(simd, hi, simd.neg_f32s(m_hi));
    let (d2, d2_lo) = two_sum(simd, d, simd.add_f32s(e, simd.sub_f32s(lo, m_lo)));
    (d2, d2_lo, d)
}

/// `exp(z - m)` of the staged pair `z` (see [`shifted`]); masked lanes and lanes below the
/// underflow threshold give exactly 0, NaN gives NaN. Also returns the lanes equal to the
/// maximum (`exp` exactly 1).
#[inline(always)]
pub(crate) fn exp_pair<S: Simd>(
    simd: S,
    z: (S::f32s, S::f32s),
    m: (S::f32s, S::f32s),
) -> (S::f32s, S::m32s) {
    let (d, d_lo, coarse) = shifted(simd, z, m);
    let e = exp_nonpositive_lo(simd, d, d_lo);
    // `coarse` is `-inf` for masked and overflowing lanes (where `d` is NaN); `d` can be far
    // below `coarse` where both logits are huge: their `hi` equal, their `lo` (each up to half
    // an ULP of `hi`) apart by much more than the threshold.
    let thr = simd.splat_f32s(EXP_MIN_NONZERO_INPUT);
    let under = simd.or_m32s(
        simd.less_than_f32s(coarse, thr),
        simd.less_than_f32s(d, thr),
    );
    let e = simd.select_f32s(under, simd.splat_f32s(0.0), e);
    (e, simd.equal_f32s(d, simd.splat_f32s(0.0)))
}

/// Log-softmax's value of the staged pair `z`: `(z - m) - log_sum`, the pair's low part added
/// last; masked lanes give `-inf`, and so do the lanes where `z - m` overflows (a finite
/// logit near `-f32::MAX` below a large maximum: the exact value is below `-f32::MAX` too),
/// whose pair arithmetic would give NaN.
///
/// Every lane whose pair arithmetic gives NaN takes `coarse - log_sum` instead, where
/// `coarse = fl(hi - m_hi)`: the masked and overflowing lanes (`coarse = -inf`, so `-inf`), and
/// the lanes where TwoSum overflows at `±f32::MAX` (see [`two_sum`]: a maximum
/// `m_hi = f32::MAX`). There `|coarse|` is in the top binade, where the low parts (half an ULP of `hi` and of `m_hi` at most) and `coarse`'s own
/// rounding move the result by 1.5 ULP at most.
#[inline(always)]
pub(crate) fn log_pair<S: Simd>(
    simd: S,
    z: (S::f32s, S::f32s),
    m: (S::f32s, S::f32s),
    log_sum: S::f32s,
) -> S::f32s {
    let (d, d_lo, coarse) = shifted(simd, z, m);
    let y = simd.add_f32s(simd.sub_f32s(d, log_sum), d_lo);
    // `y == y`: not NaN.
    simd.select_f32s(simd.equal_f32s(y, y), y, simd.sub_f32s(coarse, log_sum))
}
