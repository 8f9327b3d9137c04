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

use super::exp::{EXP_MIN_NONZERO_INPUT, exp_lo_parts, exp_nonpositive_lo, scale_exactly};
use super::softmax::{CHUNK, LANES, scaled_difference};
use super::{abs, two_sum, two_sum_sorted};

/// What turns a piece of a row of `x` into logits: `scale * x (+ mask)`, staged relative to
/// the row's [`Reference`] if it has one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Logits<'a> {
    /// The inputs.
    pub(crate) x: &'a [f32],
    /// The additive mask, of the length of `x` (`-inf` masks out; never NaN nor `+inf`).
    pub(crate) mask: Option<&'a [f32]>,
    /// The scale (finite, non-zero).
    pub(crate) scale: f32,
    /// What the staged logits are relative to (masked rows only; see [`Reference`]).
    pub(crate) reference: Option<Reference>,
}

impl<'a> Logits<'a> {
    /// The logits `scale * x (+ mask)`, staged as they are (no reference).
    #[inline(always)]
    pub(crate) fn new(x: &'a [f32], mask: Option<&'a [f32]>, scale: f32) -> Logits<'a> {
        Logits {
            x,
            mask,
            scale,
            reference: None,
        }
    }

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
            ..self
        }
    }

    /// What the staged logits are relative to, in `f64`: `scale * at + mask` of the reference
    /// (0 without one). Log-sum-exp adds it back.
    #[inline(always)]
    pub(crate) fn offset(&self) -> f64 {
        self.reference.map_or(0.0, |r| {
            f64::from(self.scale) * f64::from(r.at) + f64::from(r.mask)
        })
    }
}

/// A masked row's logits are staged relative to one of them, `scale * at + mask` (the row's
/// largest, [`reference_of`]), where they are large: as `scale * (x - at) + (m - mask)`, each
/// difference exact (TwoSum) before the sum is rounded to a pair. Staged as they are, the pair
/// `hi + lo` of `scale * x + m` holds 48 bits, and the product's low part and a mask of another
/// magnitude need more: a row padded with the mask `-f32::MAX` (every logit about `-3.4e38 + p`)
/// lost each product's low part, up to half an ULP of `p` (softmax 7 ULP off), and logits of
/// `5.8e33` that differ by a mask of `8.2e-7` came out tied (log-softmax 7 ULP off). Relative to
/// the reference, the logits near the maximum are small and their pairs exact to `2^-47` of the
/// differences' own magnitudes.
///
/// A lane where a difference overflows (`x - at` or `m - mask` beyond `f32::MAX`: such a lane
/// is far from the reference unless the two cancel) takes its pair as staged without a
/// reference minus the reference's own pair `(hi, lo)`, as [`shifted`] subtracts the maximum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Reference {
    /// The reference's `x`.
    pub(crate) at: f32,
    /// The reference's mask entry.
    pub(crate) mask: f32,
    /// The reference's logit as staged without a reference.
    pub(crate) hi: f32,
    pub(crate) lo: f32,
    /// Found relative to an earlier reference (the last one a row takes; see
    /// [`reference_of`]).
    pub(crate) second: bool,
}

impl Reference {
    /// Splatted: `(at, mask, hi, lo)`.
    #[inline(always)]
    fn splat<S: Simd>(self, simd: S) -> [S::f32s; 4] {
        [self.at, self.mask, self.hi, self.lo].map(|v| simd.splat_f32s(v))
    }
}

/// Rows whose largest staged logit is at least this large (in magnitude) are staged again
/// relative to a [`Reference`]. Below it the pairs as they are err by at most about `2^-47`
/// of the logits near the maximum (`|z| < 2^12 + 104`), `2^-34` after `exp`, far below an ULP;
/// above, the reference costs a second pass over the row.
pub(crate) const REFERENCE_FROM: f32 = 4096.0;

/// What the staging loops splat where a row has no [`Reference`] (unused there).
const NO_REFERENCE: Reference = Reference {
    at: 0.0,
    mask: 0.0,
    hi: 0.0,
    lo: 0.0,
    second: false,
};

/// The [`Reference`] of a masked row `l` whose staged maximum is `m`: the first logit whose
/// staged pair is the maximum, if `|m| >= REFERENCE_FROM` (and finite); `None` otherwise
/// (nothing staged), or for an unmasked row. The maximum is found by staging the row again,
/// chunk by chunk, in `st`, which the caller then stages again with the reference.
///
/// A row staged relative to a reference can need a second one: staged as they are, the pairs
/// can tie where the logits do not (the mask below an ULP of the product's low part: `scale *
/// -f32::MAX` with the masks `-4.9e14`, `0.56` and `50.5`), and the first of the tied lanes
/// need not be the largest. Relative to it the logits are exact, but large (`4.9e14 + 50.5`),
/// and the difference of two such pairs rounds their low parts (softmax 27 ULP off, a fuzz
/// find). Relative to that, `m` is then the distance of the largest logit from the reference;
/// if it is at least `REFERENCE_FROM`, the row is staged once more relative to the largest
/// logit (the lane of `m`), and that one is the last.
#[inline(always)]
pub(crate) fn reference_of<S: Simd>(
    simd: S,
    l: Logits<'_>,
    (m_hi, m_lo): (f32, f32),
    st: &mut Stage,
) -> Option<Reference> {
    let mask = l.mask?;
    if !m_hi.is_finite() || m_hi.abs() < REFERENCE_FROM || l.reference.is_some_and(|r| r.second) {
        return None;
    }
    let mut start = 0;
    while start < l.len() {
        let end = l.len().min(start + CHUNK);
        stage(simd, l.range(start, end), st);
        let found = (0..end - start).find(|&i| st.hi.0[i] == m_hi && st.lo.0[i] == m_lo);
        if let Some(i) = found {
            let j = start + i;
            // The reference's own pair as staged without one (its fallback subtracts it): the
            // maximum itself the first time, else `masked` of the lane, splatted (the same
            // arithmetic as staging, with less inlined code than a second `stage`).
            let (hi, lo) = if l.reference.is_some() {
                let splat = |v: f32| simd.splat_f32s(v);
                let (h, lo) = masked(simd, splat(l.x[j]), splat(l.scale), splat(mask[j]));
                (simd.reduce_max_f32s(h), simd.reduce_max_f32s(lo))
            } else {
                (m_hi, m_lo)
            };
            return Some(Reference {
                at: l.x[j],
                mask: mask[j],
                hi,
                lo,
                second: l.reference.is_some(),
            });
        }
        start = end;
    }
    // Not reached: the maximum is one of the staged pairs.
    None
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
    // The mask may be `±f32::MAX`, where `two_sum` can overflow (an odd multiple of 2^103 as
    // `p` made the row NaN).
    let (s, se) = two_sum_sorted(simd, p, mask);
    // `p + mask` may cancel, leaving `pe + se` larger than an ULP of `s`: renormalise.
    let (hi, lo) = two_sum(simd, s, simd.add_f32s(pe, se));
    // Masked, or a `-inf` logit (`-inf` in `x`, or an overflow), whose `lo` is NaN.
    minus_inf_where_out(simd, (mask, s), (hi, lo))
}

/// `(hi, lo)`, but `(-inf, 0)` in the lanes where either of `a` is `-inf` (masked lanes and
/// `-inf` logits).
#[inline(always)]
fn minus_inf_where_out<S: Simd>(
    simd: S,
    a: (S::f32s, S::f32s),
    (hi, lo): (S::f32s, S::f32s),
) -> (S::f32s, S::f32s) {
    let ninf = simd.splat_f32s(f32::NEG_INFINITY);
    let out = simd.or_m32s(simd.equal_f32s(a.0, ninf), simd.equal_f32s(a.1, ninf));
    (
        simd.select_f32s(out, ninf, hi),
        simd.select_f32s(out, simd.splat_f32s(0.0), lo),
    )
}

/// `scale * (x - at) + (m - mask)` as the normalised pair `(hi, lo)` for the [`Reference`]
/// `r` (splatted): both differences exact, the product's error from an FMA (or `f64` on the
/// one-lane backend), the low parts added exactly (TwoSum), the whole renormalised; where
/// that overflows (or is NaN from an infinite `x`), the pair of [`masked`] minus the
/// reference's. Masked lanes, and lanes whose logit `scale * x + m` is `-inf` as [`masked`]
/// forms it, give `(-inf, 0)`.
#[inline(always)]
fn referenced<S: Simd>(
    simd: S,
    x: S::f32s,
    scale: S::f32s,
    m: S::f32s,
    [at, m_ref, r_hi, r_lo]: [S::f32s; 4],
) -> (S::f32s, S::f32s) {
    let (p, pe) = scaled_difference(simd, x, at, scale);
    let (c, c_lo) = two_sum_sorted(simd, m, simd.neg_f32s(m_ref));
    let (s, se) = two_sum_sorted(simd, p, c);
    // The low parts added exactly: where `p` and `c` cancel (`s = 0`), they are the logit
    // itself, and their sum rounded to one `f32` cost its last bit (`58.41` against a mask of
    // `f32::MAX` beside `f32::MAX + 9.01`: log-softmax 26 ULP off).
    let (u, ue) = two_sum(simd, pe, c_lo);
    let (v, ve) = two_sum(simd, u, se);
    let (t, te) = two_sum(simd, s, v);
    let (hi, lo) = two_sum(simd, t, simd.add_f32s(te, simd.add_f32s(ue, ve)));
    let inf = simd.splat_f32s(f32::INFINITY);
    let exact = simd.and_m32s(
        simd.less_than_f32s(abs(simd, hi), inf),
        simd.less_than_f32s(abs(simd, lo), inf),
    );
    // The rare fallback, computed for every lane (the rows that take a reference are rare).
    let (z_hi, z_lo) = masked(simd, x, scale, m);
    let (d, d_lo, coarse) = shifted(simd, (z_hi, z_lo), (r_hi, r_lo));
    // Where that pair arithmetic is NaN (TwoSum overflowing at `±f32::MAX`, or `z - r` below
    // `-f32::MAX`), the rounded difference, as `log_pair` takes it: `-inf` where even that
    // overflows (the exact difference is below `-f32::MAX` too); masked lanes `-inf` as well.
    let ok = simd.equal_f32s(d, d);
    let d = simd.select_f32s(ok, d, coarse);
    let d_lo = simd.select_f32s(ok, d_lo, simd.splat_f32s(0.0));
    let hi = simd.select_f32s(exact, hi, d);
    let lo = simd.select_f32s(exact, lo, d_lo);
    // `-inf` where the logit itself is (`z_hi`: masked, or `scale * x + m` beyond `-f32::MAX`,
    // which the difference to the reference can bring back into range: `-f32::MAX - 4e34`
    // against the reference `-f32::MAX + 1.3e38` gave `-1.3e38`), or where the difference is.
    minus_inf_where_out(simd, (z_hi, hi), (hi, lo))
}

/// The staged pair of one register of `x` (and of the mask `m`, ignored for an unmasked row)
/// as `l` says: [`scaled`], [`masked`] or [`referenced`]. `r`: the reference splatted.
#[inline(always)]
fn logit_pair<S: Simd>(
    simd: S,
    l: &Logits<'_>,
    x: S::f32s,
    m: S::f32s,
    scale: S::f32s,
    r: [S::f32s; 4],
) -> (S::f32s, S::f32s) {
    match (l.mask, l.reference) {
        (None, _) => scaled(simd, x, scale),
        (Some(_), None) => masked(simd, x, scale, m),
        (Some(_), Some(_)) => referenced(simd, x, scale, m, r),
    }
}

/// Stages the logits of `l` (`l.len() <= CHUNK`) in `st`; returns the staged length,
/// [`padded`]`(l.len())`.
#[inline(always)]
pub(crate) fn stage<S: Simd>(simd: S, l: Logits<'_>, st: &mut Stage) -> usize {
    let n = l.len();
    debug_assert!(n <= CHUNK);
    let staged = padded(n);
    let scale = simd.splat_f32s(l.scale);
    let r = l.reference.unwrap_or(NO_REFERENCE).splat(simd);
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
            // One loop each: the choice is the row's, not the register's.
            Some(mask) => match l.reference {
                None => stage_masked::<S, false>(simd, (hv, lv), (l.x, mask), scale, r),
                Some(_) => stage_masked::<S, true>(simd, (hv, lv), (l.x, mask), scale, r),
            },
        }
    }
    st.hi.0[n..staged].fill(f32::NEG_INFINITY);
    st.lo.0[n..staged].fill(0.0);
    staged
}

/// The staging loop of a masked piece: the pair of every register of `x` and `mask` into
/// `(hv, lv)` (whole registers covering the piece), [`referenced`] to `r` (`REF`) or
/// [`masked`]. (A closure there was not inlined: it lost the target features, 12 times the
/// instructions.)
#[inline(always)]
fn stage_masked<S: Simd, const REF: bool>(
    simd: S,
    (hv, lv): (&mut [S::f32s], &mut [S::f32s]),
    (x, mask): (&[f32], &[f32]),
    scale: S::f32s,
    r: [S::f32s; 4],
) {
    let (xv, xt) = S::as_simd_f32s(x);
    let (mv, mt) = S::as_simd_f32s(mask);
    for (((h, lo), &x), &m) in hv.iter_mut().zip(lv.iter_mut()).zip(xv).zip(mv) {
        (*h, *lo) = masked_pair::<S, REF>(simd, x, m, scale, r);
    }
    if !xt.is_empty() {
        let full = xv.len();
        let (x, m) = (simd.partial_load_f32s(xt), simd.partial_load_f32s(mt));
        (hv[full], lv[full]) = masked_pair::<S, REF>(simd, x, m, scale, r);
    }
}

/// [`referenced`] to `r` (`REF`) or [`masked`].
#[inline(always)]
fn masked_pair<S: Simd, const REF: bool>(
    simd: S,
    x: S::f32s,
    m: S::f32s,
    scale: S::f32s,
    r: [S::f32s; 4],
) -> (S::f32s, S::f32s) {
    if REF {
        referenced(simd, x, scale, m, r)
    } else {
        masked(simd, x, scale, m)
    }
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

/// Log-softmax recounts the sum `others` of a row's terms `exp(z - max)` below its maximum
/// with [`tiny_sum`] when one logit holds the maximum and `others` is below `2^-64`. The row's
/// values near its maximum are then about `-others`, to be known to full relative precision,
/// but the exp passes round every subnormal term to a multiple of `2^-149` and flush those
/// below `2^-149` to 0: up to `len * 2^-149` in all, which against `2^-64` is below `2^-50`
/// relative for any row of fewer than `2^35` elements.
pub(crate) const RECOUNT_BELOW: f64 = 1.0 / 18_446_744_073_709_551_616.0;

/// Whether a log-softmax row whose maximum is held by `ones` logits and whose other terms sum
/// to `others` has that sum recounted ([`RECOUNT_BELOW`]); never for a NaN sum.
#[inline(always)]
pub(crate) fn needs_recount(ones: u64, others: f64) -> bool {
    ones == 1 && others < RECOUNT_BELOW
}

/// [`tiny_sum`]'s terms are `exp(z - max) 2^TINY_SCALE_LOG2`, normal down to `z - max = -131`;
/// `2^-TINY_SCALE_LOG2` is [`RECOUNT_BELOW`].
const TINY_SCALE_LOG2: i32 = 64;

/// Logits further below the maximum add nothing to [`tiny_sum`]: each term is below
/// `exp(-140) < 2^-201`, so that all of them in a row of fewer than `2^35` elements are below
/// `2^-166`, far below half an ULP of any `f32` (`2^-150`) and below `2^-100` relative to a sum
/// from `2^-66` on.
const TINY_MIN_INPUT: f32 = -140.0;

/// `exp(z - m) 2^64` of the pair `z` against the maximum `m` (as [`shifted`]), exact to the
/// crate's `exp`, for `-140 <= z - m < 0`; every other lane (the maximum itself, masked lanes,
/// padding, NaN) gives 0.
#[inline(always)]
fn tiny_term<S: Simd>(simd: S, z: (S::f32s, S::f32s), m: (S::f32s, S::f32s)) -> S::f32s {
    let (d, d_lo, _) = shifted(simd, z, m);
    let zero = simd.splat_f32s(0.0);
    // `d` is NaN for masked lanes, padding and NaN logits: both comparisons fail.
    let keep = simd.and_m32s(
        simd.greater_than_or_equal_f32s(d, simd.splat_f32s(TINY_MIN_INPUT)),
        simd.less_than_f32s(d, zero),
    );
    let d = simd.select_f32s(keep, d, zero);
    let d_lo = simd.select_f32s(keep, d_lo, zero);
    let (p, n) = exp_lo_parts(simd, d, Some(d_lo));
    let n = simd.add_i32s(n, simd.splat_i32s(TINY_SCALE_LOG2));
    simd.select_f32s(keep, scale_exactly(simd, p, n), zero)
}

/// The sum of `exp(z - m)` over the logits `z` of `l` below the row's maximum `m = (hi, lo)`
/// (the pair [`stage`] forms for it; one logit of `l` equals it), for rows whose exp pass
/// found that sum below [`RECOUNT_BELOW`]. Each term is scaled by `2^64` ([`tiny_term`]), which
/// keeps it normal, and the terms are added in `f64` into 16 accumulators by element index
/// (modulo 16), joined pairwise in a fixed order: the same bits on every backend and thread
/// count (a row is recounted whole, on one thread). The relative error is that of the crate's
/// `exp`, as for any other row's sum.
#[inline(always)]
pub(crate) fn tiny_sum<S: Simd>(simd: S, l: Logits<'_>, (m_hi, m_lo): (f32, f32)) -> f64 {
    let m = (simd.splat_f32s(m_hi), simd.splat_f32s(m_lo));
    let scale = simd.splat_f32s(l.scale);
    let r = l.reference.unwrap_or(NO_REFERENCE).splat(simd);
    let mut acc = [0.0_f64; LANES];
    let mut start = 0;
    while start < l.len() {
        let end = l.len().min(start + LANES);
        // Padding: NaN logits (unmasked) or masked lanes, which add 0.
        let mut x = [f32::NAN; LANES];
        let mut mask = [f32::NEG_INFINITY; LANES];
        x[..end - start].copy_from_slice(&l.x[start..end]);
        if let Some(mk) = l.mask {
            mask[..end - start].copy_from_slice(&mk[start..end]);
        }
        let mut terms = [0.0_f32; LANES];
        {
            let (xv, _) = S::as_simd_f32s(&x);
            let (mv, _) = S::as_simd_f32s(&mask);
            let (tv, _) = S::as_mut_simd_f32s(&mut terms);
            for ((t, &x), &mk) in tv.iter_mut().zip(xv).zip(mv) {
                *t = tiny_term(simd, logit_pair(simd, &l, x, mk, scale, r), m);
            }
        }
        for (a, &t) in acc.iter_mut().zip(&terms) {
            *a += f64::from(t);
        }
        start = end;
    }
    let mut n = LANES;
    while n > 1 {
        n /= 2;
        for k in 0..n {
            acc[k] += acc[k + n];
        }
    }
    // Times 2^-64 (`RECOUNT_BELOW`): exact, the terms' scale undone in `f64`.
    acc[0] * RECOUNT_BELOW
}

/// The pair `scale * at` as [`stage`] forms it (`(hi, lo)`, the product and its exact error):
/// the maximum of a row whose largest logit is `scale * at`.
#[inline(always)]
pub(crate) fn scaled_pair(at: f32, scale: f32) -> (f32, f32) {
    let p = f64::from(at) * f64::from(scale);
    let hi = p as f32;
    (hi, (p - f64::from(hi)) as f32)
}
