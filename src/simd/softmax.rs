//! The SIMD passes of softmax and log-softmax over one row (or a piece of one row).
//!
//! A row is processed in three passes: [`row_max`]; the fused exp pass ([`ExpPass`]), which
//! computes `e = exp(x - max)` (storing it for softmax) and its sum; and a final elementwise
//! pass ([`Scale`] or [`LogSub`], applied through [`Io::map`](super::io::Io::map)).
//!
//! # Determinism
//! The sum does not depend on the lane width nor on the number of threads:
//! - a row is cut into chunks of [`CHUNK`] elements; within a chunk, element `i` goes to
//!   logical lane `i % 16` (16 lanes whatever the register width: one AVX-512 register, two
//!   AVX2 registers, 16 scalars), each lane a Kahan accumulator; the 16 lanes are reduced in
//!   `f64` in a fixed pairwise order;
//! - the chunk sums are combined in `f64` along a fixed binary tree over the chunk indices
//!   ([`tree_split`]), which the threaded driver follows when it splits a long row.
//!
//! # Accuracy
//! `x - max` is formed with an error-free transformation (TwoSum): `d = fl(x - max)` and its
//! exact rounding error `lo` both enter `exp` ([`exp_nonpositive_lo`]), so `exp` sees `x - max`
//! to far better than `f32` precision. For log-softmax the elements equal to the maximum
//! (whose `e` is exactly 1) are counted apart from the sum `T` of the others, so that
//! `log(count + T)` keeps full relative accuracy when `T` is tiny (`ln_1p(T)`).

use pulp::Simd;

use super::Unary;
use super::exp::{EXP_MIN_NONZERO_INPUT, exp_nonpositive_lo};
use super::io::{InPlace, Io, OutOfPlace};
use super::online::Tree;
use super::two_sum;
use crate::drive::Cost;

/// Elements per chunk of a row: the unit of the sum's fixed evaluation order.
pub(crate) const CHUNK: usize = 4096;
/// Logical accumulator lanes, whatever the register width.
pub(crate) const LANES: usize = 16;

/// The smallest and the largest element of `x` (`(inf, -inf)` if empty), in one pass.
#[inline(always)]
pub(crate) fn row_range<S: Simd>(simd: S, x: &[f32]) -> (f32, f32) {
    let (xv, xt) = S::as_simd_f32s(x);
    let mut lo = [simd.splat_f32s(f32::INFINITY); 2];
    let mut hi = [simd.splat_f32s(f32::NEG_INFINITY); 2];
    let mut pairs = xv.chunks_exact(2);
    for p in &mut pairs {
        for j in 0..2 {
            lo[j] = simd.min_f32s(lo[j], p[j]);
            hi[j] = simd.max_f32s(hi[j], p[j]);
        }
    }
    let mut last = |v| {
        lo[0] = simd.min_f32s(lo[0], v);
        hi[0] = simd.max_f32s(hi[0], v);
    };
    if let [v] = pairs.remainder() {
        last(*v);
    }
    if !xt.is_empty() {
        // Padded with the row's first element, which changes neither extreme.
        let mut buf = [x[0]; LANES];
        buf[..xt.len()].copy_from_slice(xt);
        let (bv, _) = S::as_simd_f32s(&buf);
        last(bv[0]);
    }
    (
        simd.reduce_min_f32s(simd.min_f32s(lo[0], lo[1])),
        simd.reduce_max_f32s(simd.max_f32s(hi[0], hi[1])),
    )
}

/// Largest element of `x` (not empty). With a NaN in `x` the result is unspecified (NaN or a
/// number); the callers then produce a NaN row whatever it is.
#[inline(always)]
pub(crate) fn row_max<S: Simd>(simd: S, x: &[f32]) -> f32 {
    let (xv, xt) = S::as_simd_f32s(x);
    let mut acc = [simd.splat_f32s(f32::NEG_INFINITY); 4];
    let mut quads = xv.chunks_exact(4);
    for q in &mut quads {
        for j in 0..4 {
            acc[j] = simd.max_f32s(acc[j], q[j]);
        }
    }
    for (j, &v) in quads.remainder().iter().enumerate() {
        acc[j] = simd.max_f32s(acc[j], v);
    }
    if !xt.is_empty() {
        let mut buf = [f32::NEG_INFINITY; LANES];
        buf[..xt.len()].copy_from_slice(xt);
        let (bv, _) = S::as_simd_f32s(&buf);
        acc[0] = simd.max_f32s(acc[0], bv[0]);
    }
    let a = simd.max_f32s(simd.max_f32s(acc[0], acc[1]), simd.max_f32s(acc[2], acc[3]));
    simd.reduce_max_f32s(a)
}

/// A row's shift: its exp pass computes `exp(scale * (x - at))`, where `at` is the `x` at which
/// the logits `scale * x` are largest (the largest `x` for a positive scale, the smallest for
/// a negative one). Scale 1: the plain softmax.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shift {
    pub(crate) at: f32,
    pub(crate) scale: f32,
}

impl Shift {
    /// The shift of a plain row (scale 1): its largest `x`.
    #[inline(always)]
    pub(crate) fn plain<S: Simd>(simd: S, x: &[f32]) -> Shift {
        Shift {
            at: row_max(simd, x),
            scale: 1.0,
        }
    }

    /// The row's shift: `x` at the largest logit; `None` for a scaled row whose elements
    /// span more than `f32::MAX` (infinite elements included). There `x - at` overflows for
    /// some `x` although the scaled difference `scale * (x - at)` need not (a scale below 1),
    /// so such rows take the staged logits of [`super::logits`] instead, which scale before
    /// they subtract (and give an infinite `x` its infinite logit). At scale 1 an overflowing
    /// `x - at` is the exact difference overflowing: its `exp` is 0 and its log-softmax
    /// `-inf`, both correctly rounded.
    ///
    /// Also `None` for a scaled row whose `at` is `±f32::MAX`: the exact `x - at` of the
    /// scaled passes (TwoSum of `x` and `-at`) computes `fl(x - at) - x`, which overflows
    /// when `at` is `±f32::MAX` and `fl(x - at)` was rounded away from zero by exactly half an
    /// ULP (`x = 6.927456e37` below `f32::MAX`), and the row came out NaN. The staged logits
    /// subtract after scaling; where their maximum is still `f32::MAX` (a scale just below 1),
    /// `log_pair` covers the same overflow.
    ///
    /// And `None` for a scaled row where `scale * x` overflows at the far end (`x = 1972.13`
    /// at scale `-1.75e35`): by the crate's rule that logit is infinite (`-inf`, whose
    /// log-softmax is `-inf`), but the three passes never form `scale * x`, and their
    /// `scale * (x - at)` came out finite (`-3.3e38`). The staged logits form it.
    #[inline(always)]
    pub(crate) fn of<S: Simd>(simd: S, x: &[f32], scale: f32) -> Option<Shift> {
        if scale == 1.0 {
            return Some(Shift::plain(simd, x));
        }
        let (lo, hi) = row_range(simd, x);
        let (at, far) = if scale > 0.0 { (hi, lo) } else { (lo, hi) };
        if (hi - lo).is_infinite() || at.abs() == f32::MAX || (scale * far).is_infinite() {
            return None;
        }
        Some(Shift { at, scale })
    }

    /// The largest logit, `scale * at` rounded (infinite if it overflows: by the crate's
    /// rule such a row is NaN or fully masked).
    #[inline(always)]
    pub(crate) fn top(self) -> f32 {
        self.scale * self.at
    }

    /// Splatted.
    #[inline(always)]
    pub(crate) fn splat<S: Simd>(self, simd: S) -> ShiftV<S> {
        ShiftV {
            m: simd.splat_f32s(self.at),
            s: simd.splat_f32s(self.scale),
            scaled: self.scale != 1.0,
            pad: if self.scale > 0.0 {
                f32::NEG_INFINITY
            } else {
                f32::INFINITY
            },
        }
    }
}

/// A [`Shift`] splatted.
#[derive(Clone, Copy)]
pub(crate) struct ShiftV<S: Simd> {
    pub(crate) m: S::f32s,
    pub(crate) s: S::f32s,
    scaled: bool,
    /// What pads a partial group: an `x` whose logit is `-inf`.
    pad: f32,
}

impl<S: Simd> ShiftV<S> {
    /// `exp(scale * (x - at))`: [`exp_shifted`], or [`exp_scaled_shifted`].
    #[inline(always)]
    pub(crate) fn exp(self, simd: S, x: S::f32s) -> S::f32s {
        if self.scaled {
            exp_scaled_shifted(simd, x, self.m, self.s)
        } else {
            exp_shifted(simd, x, self.m)
        }
    }

    /// `scale * (x - at)` as `(hi, lo)`: `x - at` exactly (TwoSum) times the scale, the
    /// product's error carried in `lo` (`|lo|` about an ULP of `hi` at most).
    #[inline(always)]
    pub(crate) fn logit(self, simd: S, x: S::f32s) -> (S::f32s, S::f32s) {
        scaled_difference(simd, x, self.m, self.s)
    }
}

/// `s * (x - m)` as `(hi, lo)` (see [`ShiftV::logit`]).
#[inline(always)]
pub(crate) fn scaled_difference<S: Simd>(
    simd: S,
    x: S::f32s,
    m: S::f32s,
    s: S::f32s,
) -> (S::f32s, S::f32s) {
    let (d, dl) = two_sum(simd, x, simd.neg_f32s(m));
    if S::F32_LANES == 1 {
        // No FMA: the products in `f64`, both exact, and the pair formed as the FMAs below
        // form it: `hi` from `s * d` alone, `lo` from its error plus `s * dl` (rounded to
        // `f64`, then `f32`, where the FMA rounds once: far below an ULP of `hi`). (Rounding
        // `s * d + s * dl` to `f64` first lost `dl` below `2^-53` of `d`: `x = f32::MAX`
        // against `at = 2.8e-5` tied with the maximum, a softmax of 0.5 for 0.5000071.)
        use pulp::bytemuck::cast;
        let (d, dl, s): (f32, f32, f32) = (cast(d), cast(dl), cast(s));
        let p = f64::from(s) * f64::from(d);
        let hi = p as f32;
        let lo = if d.is_finite() && hi.is_finite() {
            (p - f64::from(hi)) + f64::from(s) * f64::from(dl)
        } else {
            p - f64::from(hi) // NaN or infinite, as the FMAs give it
        };
        return (cast(hi), cast(lo as f32));
    }
    let hi = simd.mul_f32s(s, d);
    let pe = simd.mul_add_e_f32s(s, d, simd.neg_f32s(hi));
    (hi, simd.mul_add_e_f32s(s, dl, pe))
}

/// `exp(s * (x - m))` for `s * (x - m) <= 0` with the product and the difference carried
/// beyond `f32` precision (see [`ShiftV::logit`]); below the underflow threshold (and for
/// `-inf`) exactly 0, NaN for NaN.
#[inline(always)]
pub(crate) fn exp_scaled_shifted<S: Simd>(simd: S, x: S::f32s, m: S::f32s, s: S::f32s) -> S::f32s {
    let (hi, lo) = scaled_difference(simd, x, m, s);
    let e = exp_nonpositive_lo(simd, hi, lo);
    let under = simd.less_than_f32s(hi, simd.splat_f32s(EXP_MIN_NONZERO_INPUT));
    simd.select_f32s(under, simd.splat_f32s(0.0), e)
}

/// `exp(x - m)` for `x <= m` (`m` finite), with `x - m` carried to better than `f32` precision:
/// TwoSum gives `d = fl(x - m)` and its exact rounding error `lo`, and both enter
/// [`exp_nonpositive_lo`]. Lanes with `d` below the underflow threshold (including `-inf`:
/// padding, masked entries, `x - m` overflowing) give exactly 0; NaN gives NaN.
#[inline(always)]
pub(crate) fn exp_shifted<S: Simd>(simd: S, x: S::f32s, m: S::f32s) -> S::f32s {
    let d = simd.sub_f32s(x, m);
    let bp = simd.sub_f32s(d, x); // -m, rounded
    let ap = simd.sub_f32s(d, bp); // x, rounded
    let db = simd.sub_f32s(simd.sub_f32s(simd.splat_f32s(0.0), m), bp);
    let da = simd.sub_f32s(x, ap);
    let lo = simd.add_f32s(da, db);
    let e = exp_nonpositive_lo(simd, d, lo);
    let under = simd.less_than_f32s(d, simd.splat_f32s(EXP_MIN_NONZERO_INPUT));
    simd.select_f32s(under, simd.splat_f32s(0.0), e)
}

/// A chunk's (or a range of chunks') contribution to a row's sum: `sum` of the `e` that are
/// not counted in `ones`, and `ones`, the number of elements equal to the row's maximum
/// (log-softmax; softmax puts everything in `sum`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Partial {
    pub(crate) sum: f64,
    pub(crate) ones: u64,
}

impl Partial {
    pub(crate) const ZERO: Partial = Partial { sum: 0.0, ones: 0 };

    /// `self` followed by `right`: one node of the fixed summation tree.
    #[inline(always)]
    pub(crate) fn join(self, right: Partial) -> Partial {
        Partial {
            sum: self.sum + right.sum,
            ones: self.ones + right.ones,
        }
    }
}

/// Where the summation tree splits a range of `n > 1` chunks: at the largest power of two
/// below `n`. A range's value is `value(left) + value(right)`; the threaded driver splits at
/// the same points, so any split gives the same bits.
#[inline(always)]
pub(crate) fn tree_split(n: usize) -> usize {
    debug_assert!(n > 1);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// Sixteen logical Kahan accumulators (`s`, compensation `c`) and, for log-softmax, counters of
/// the elements equal to the maximum.
#[derive(Clone, Copy)]
pub(crate) struct Acc<S: Simd> {
    s: [S::f32s; LANES],
    c: [S::f32s; LANES],
    ones: [S::f32s; LANES],
}

impl<S: Simd> Acc<S> {
    /// Registers per 16 logical lanes.
    pub(crate) const REGS: usize = LANES / S::F32_LANES;

    /// Empty accumulators: `s` starts at [`bias`] (2 for softmax, see [`Acc::add`]).
    #[inline(always)]
    pub(crate) fn new<const LOG: bool>(simd: S) -> Self {
        let z = simd.splat_f32s(0.0);
        Acc {
            s: [simd.splat_f32s(bias::<LOG>()); LANES],
            c: [z; LANES],
            ones: [z; LANES],
        }
    }

    /// The term register `j` adds for `e` (one register of `exp(z - m)`): for log-softmax the
    /// lanes where `is_max` (`z == m`, whose `e` is exactly 1) are counted instead and add 0.
    #[inline(always)]
    fn split<const LOG: bool>(
        &mut self,
        simd: S,
        j: usize,
        is_max: S::m32s,
        e: S::f32s,
    ) -> S::f32s {
        if LOG {
            self.ones[j] = simd.add_f32s(
                self.ones[j],
                simd.select_f32s(is_max, simd.splat_f32s(1.0), simd.splat_f32s(0.0)),
            );
            simd.select_f32s(is_max, simd.splat_f32s(0.0), e)
        } else {
            e
        }
    }

    /// Two registers' terms `e0`, `e1` (the lanes of `max0`, `max1` counted apart for
    /// log-softmax) into register `j` of the accumulators, added pairwise first (one rounding,
    /// at most half an ULP of the pair), which halves the cost of the compensated sum.
    #[inline(always)]
    pub(crate) fn add_pair<const LOG: bool>(
        &mut self,
        simd: S,
        j: usize,
        (e0, max0): (S::f32s, S::m32s),
        (e1, max1): (S::f32s, S::m32s),
    ) {
        let a0 = self.split::<LOG>(simd, j, max0, e0);
        let a1 = self.split::<LOG>(simd, j, max1, e1);
        self.add::<LOG>(simd, j, simd.add_f32s(a0, a1));
    }

    /// Adds `a` (non-negative; at most 2 for softmax) to register `j` of the accumulators.
    #[inline(always)]
    fn add<const LOG: bool>(&mut self, simd: S, j: usize, a: S::f32s) {
        // Compensated summation: s + a = t + err exactly, c -= err. The loop-carried chains
        // are one addition each (Kahan's would be four).
        let s = self.s[j];
        let t = simd.add_f32s(s, a);
        let err = if LOG {
            // TwoSum: any magnitudes (the sum of the non-maximal terms can be tiny).
            let bp = simd.sub_f32s(t, s);
            let ap = simd.sub_f32s(t, bp);
            let db = simd.sub_f32s(a, bp);
            let da = simd.sub_f32s(s, ap);
            simd.add_f32s(da, db)
        } else {
            // Fast2Sum, exact because the exponent of s is at least that of a: s starts at the
            // bias 2 and a <= 2.
            simd.sub_f32s(a, simd.sub_f32s(t, s))
        };
        self.c[j] = simd.sub_f32s(self.c[j], err);
        self.s[j] = t;
    }

    /// One group of 16 (`REGS` registers): `e` stored back into `g`, accumulated.
    #[inline(always)]
    fn group<const LOG: bool>(&mut self, simd: S, g: &mut [S::f32s], m: ShiftV<S>) {
        for (j, v) in g.iter_mut().enumerate().take(Self::REGS) {
            let e = m.exp(simd, *v);
            let a = self.split::<LOG>(simd, j, simd.equal_f32s(*v, m.m), e);
            self.add::<LOG>(simd, j, a);
            *v = e;
        }
    }

    /// The last, partial group of a row (`x.len() < 16`), padded with `-inf` logits (`e = 0`):
    /// accumulated, and its `e` returned (the padding's included).
    #[inline(always)]
    fn tail<const LOG: bool>(&mut self, simd: S, x: &[f32], m: ShiftV<S>) -> [f32; LANES] {
        let mut buf = [m.pad; LANES];
        buf[..x.len()].copy_from_slice(x);
        let (bv, _) = S::as_mut_simd_f32s(&mut buf);
        self.group::<LOG>(simd, bv, m);
        buf
    }

    /// Two consecutive groups of 16 (`2 * REGS` registers), through [`Acc::add_pair`].
    #[inline(always)]
    fn pair<const LOG: bool>(&mut self, simd: S, x: &[S::f32s], y: &mut [S::f32s], m: ShiftV<S>) {
        let r = Self::REGS;
        for j in 0..r {
            let (x0, x1) = (x[j], x[r + j]);
            let e0 = m.exp(simd, x0);
            let e1 = m.exp(simd, x1);
            let max0 = simd.equal_f32s(x0, m.m);
            let max1 = simd.equal_f32s(x1, m.m);
            self.add_pair::<LOG>(simd, j, (e0, max0), (e1, max1));
            y[j] = e0;
            y[r + j] = e1;
        }
    }

    /// The 16 lanes reduced to one `f64`, exactly apart from tiny low parts: each lane's `s`
    /// is split (Rump's ExtractScalar) into `hi`, a multiple of `ulp(sigma)` with `sigma` a
    /// power of two at least 16 times every lane, so that any sum of the `hi` is exact, and
    /// `lo = s - hi` (exact). The sum of the `hi` is therefore the same whatever the order;
    /// the low parts and the Kahan compensations are added in `f32` in the order of
    /// `reduce_sum_f32s` (lane `i` with `i + 8`, then `i + 4`, `i + 2`, `i + 1`), which the AVX2
    /// path reproduces by first adding its two registers.
    ///
    /// Softmax uses the fixed `sigma = 2^12` (a lane holds its bias 2 plus at most
    /// `CHUNK / 16 = 256` terms of at most 1): the low parts are below `2^-12`, their rounding errors below `2^-31`,
    /// negligible against a row's sum, which is at least 1. Log-softmax sums only the terms
    /// below the maximum, which can all be tiny: it takes `sigma` from the largest lane, so that
    /// the sum keeps its relative accuracy at any magnitude.
    #[inline(always)]
    pub(crate) fn finish<const LOG: bool>(&self, simd: S) -> Partial {
        let sigma = if LOG {
            let mut top = self.s[0];
            for j in 1..Self::REGS {
                top = simd.max_f32s(top, self.s[j]);
            }
            let top = simd.reduce_max_f32s(top);
            // 2^(e + 5) > 16 * top, e the exponent of top (top <= 256: no overflow).
            f32::from_bits(((top.to_bits() >> 23) + 5) << 23)
        } else {
            SOFTMAX_SIGMA
        };
        let sum = reduce_folded::<S, LOG>(simd, self.fold(simd, sigma));
        let ones = if LOG {
            let mut k = self.ones[0];
            for j in 1..Self::REGS {
                k = simd.add_f32s(k, self.ones[j]);
            }
            // Counts of at most CHUNK: exact in f32 whatever the order.
            simd.reduce_sum_f32s(k) as u64
        } else {
            0
        };
        Partial { sum, ones }
    }

    /// The first, register-wide step of [`Acc::finish`]: the `hi` parts and the low parts of
    /// the registers, each added up across registers.
    #[inline(always)]
    pub(crate) fn fold(&self, simd: S, sigma: f32) -> Folded<S> {
        let sigma = simd.splat_f32s(sigma);
        let mut hi = simd.splat_f32s(0.0);
        let mut low = simd.splat_f32s(0.0);
        for j in 0..Self::REGS {
            let h = simd.sub_f32s(simd.add_f32s(sigma, self.s[j]), sigma);
            let l = simd.sub_f32s(simd.sub_f32s(self.s[j], h), self.c[j]);
            if j == 0 {
                hi = h;
                low = l;
            } else {
                hi = simd.add_f32s(hi, h);
                low = simd.add_f32s(low, l);
            }
        }
        Folded { hi, low }
    }
}

/// `sigma` of softmax's lane reduction (see [`Acc::finish`]).
pub(crate) const SOFTMAX_SIGMA: f32 = 4096.0;

/// A chunk's sum after [`Acc::fold`]: two registers.
#[derive(Clone, Copy)]
pub(crate) struct Folded<S: Simd> {
    hi: S::f32s,
    low: S::f32s,
}

/// The starting value of every lane's `s`: 2 for softmax (so that Fast2Sum applies), 0 for
/// log-softmax.
#[inline(always)]
const fn bias<const LOG: bool>() -> f32 {
    if LOG { 0.0 } else { 2.0 }
}

/// The last step of [`Acc::finish`]: the sum of a folded chunk, the lanes' biases removed
/// (exactly: the sum of the `hi` parts is exact and so is its difference with `16 * bias`).
#[inline(always)]
pub(crate) fn reduce_folded<S: Simd, const LOG: bool>(simd: S, f: Folded<S>) -> f64 {
    let hi = f64::from(simd.reduce_sum_f32s(f.hi)) - LANES as f64 * f64::from(bias::<LOG>());
    hi + f64::from(simd.reduce_sum_f32s(f.low))
}

/// The fused exp pass over a piece of a row that starts at a chunk boundary: `e = exp(x - m)`
/// (stored unless the pass is read-only) and the sum of the chunks' partials along the fixed
/// tree. `LOG` counts the elements equal to `m` apart (see [`Partial`]).
pub(crate) trait ExpPass: Pieces {
    /// One chunk (`len() <= CHUNK`): its accumulators, to be [`Acc::finish`]ed.
    #[inline(always)]
    fn accumulate<S: Simd, const LOG: bool>(self, simd: S, m: Shift) -> Acc<S> {
        let mut acc = Acc::<S>::new::<LOG>(simd);
        self.accumulate_into::<S, LOG>(simd, &mut acc, m.splat(simd));
        acc
    }

    /// [`ExpPass::accumulate`] into `acc`, with the shift splatted.
    fn accumulate_into<S: Simd, const LOG: bool>(self, simd: S, acc: &mut Acc<S>, m: ShiftV<S>);

    /// One chunk (`len() <= CHUNK`): its partial.
    #[inline(always)]
    fn chunk<S: Simd, const LOG: bool>(self, simd: S, m: Shift) -> Partial {
        self.accumulate::<S, LOG>(simd, m).finish::<LOG>(simd)
    }

    /// Every chunk of the piece, combined along the fixed tree ([`Tree`]).
    #[inline(always)]
    fn chunks<S: Simd, const LOG: bool>(self, simd: S, m: Shift) -> Partial {
        if self.len() <= CHUNK {
            return self.chunk::<S, LOG>(simd, m);
        }
        let mut tree = Tree::new(Partial::ZERO);
        let mut rest = self;
        while rest.len() > 0 {
            let n = rest.len().min(CHUNK);
            let (head, tail) = rest.split_at(n);
            rest = tail;
            tree.push(head.chunk::<S, LOG>(simd, m));
        }
        tree.finish(Partial::ZERO)
    }
}

/// What an [`ExpPass`] is split by: its length and `split_at`, those of [`Io`] for the layouts
/// that write.
pub(crate) trait Pieces: Sized + Send {
    /// Elements.
    fn len(&self) -> usize;
    /// As `slice::split_at`.
    fn split_at(self, mid: usize) -> (Self, Self);
}

impl<T: Io> Pieces for T {
    #[inline(always)]
    fn len(&self) -> usize {
        Io::len(self)
    }
    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        Io::split_at(self, mid)
    }
}

/// Read only (log-softmax keeps `x` for its last pass).
pub(crate) struct ReadOnly<'a>(pub(crate) &'a [f32]);

impl Pieces for ReadOnly<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at(mid);
        (ReadOnly(a), ReadOnly(b))
    }
}

impl ExpPass for ReadOnly<'_> {
    #[inline(always)]
    fn accumulate_into<S: Simd, const LOG: bool>(self, simd: S, acc: &mut Acc<S>, mv: ShiftV<S>) {
        let regs = Acc::<S>::REGS;
        let full = self.0.len() / LANES * LANES;
        let (xv, _) = S::as_simd_f32s(&self.0[..full]);
        let mut scratch = [simd.splat_f32s(0.0); 2 * LANES];
        let mut pairs = xv.chunks_exact(2 * regs);
        for g in &mut pairs {
            acc.pair::<LOG>(simd, g, &mut scratch[..2 * regs], mv);
        }
        let rest = pairs.remainder();
        if !rest.is_empty() {
            scratch[..regs].copy_from_slice(rest);
            acc.group::<LOG>(simd, &mut scratch[..regs], mv);
        }
        let xt = &self.0[full..];
        if !xt.is_empty() {
            acc.tail::<LOG>(simd, xt, mv);
        }
    }
}

impl ExpPass for OutOfPlace<'_> {
    #[inline(always)]
    fn accumulate_into<S: Simd, const LOG: bool>(self, simd: S, acc: &mut Acc<S>, mv: ShiftV<S>) {
        debug_assert_eq!(self.x.len(), self.y.len());
        let regs = Acc::<S>::REGS;
        let full = self.x.len() / LANES * LANES;
        let (xh, xt) = self.x.split_at(full);
        let (yh, yt) = self.y.split_at_mut(full);
        let (xv, _) = S::as_simd_f32s(xh);
        let (yv, _) = S::as_mut_simd_f32s(yh);
        let mut xp = xv.chunks_exact(2 * regs);
        let mut yp = yv.chunks_exact_mut(2 * regs);
        for (g, o) in (&mut xp).zip(&mut yp) {
            acc.pair::<LOG>(simd, g, o, mv);
        }
        let o = yp.into_remainder();
        if !o.is_empty() {
            o.copy_from_slice(xp.remainder());
            acc.group::<LOG>(simd, o, mv);
        }
        if !xt.is_empty() {
            let e = acc.tail::<LOG>(simd, xt, mv);
            yt.copy_from_slice(&e[..yt.len()]);
        }
    }
}

impl ExpPass for InPlace<'_> {
    #[inline(always)]
    fn accumulate_into<S: Simd, const LOG: bool>(self, simd: S, acc: &mut Acc<S>, mv: ShiftV<S>) {
        let regs = Acc::<S>::REGS;
        let full = self.0.len() / LANES * LANES;
        let (h, t) = self.0.split_at_mut(full);
        let (v, _) = S::as_mut_simd_f32s(h);
        let mut pairs = v.chunks_exact_mut(2 * regs);
        let mut x = [simd.splat_f32s(0.0); 2 * LANES];
        for g in &mut pairs {
            x[..2 * regs].copy_from_slice(g);
            acc.pair::<LOG>(simd, &x[..2 * regs], g, mv);
        }
        let rest = pairs.into_remainder();
        if !rest.is_empty() {
            acc.group::<LOG>(simd, rest, mv);
        }
        if !t.is_empty() {
            let e = acc.tail::<LOG>(simd, t, mv);
            let n = t.len();
            t.copy_from_slice(&e[..n]);
        }
    }
}

/// Softmax's last pass: `y = e * (1 / sum)`, with `1 / sum` as the unevaluated pair
/// `hi + lo` so that the product is within about half an ULP of `e / sum`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    pub(crate) hi: f32,
    pub(crate) lo: f32,
}

impl Scale {
    /// The scale `1 / sum` (`sum >= 1`, finite).
    #[inline(always)]
    pub(crate) fn reciprocal_of(sum: f64) -> Scale {
        let inv = 1.0 / sum;
        let hi = inv as f32;
        Scale {
            hi,
            lo: (inv - f64::from(hi)) as f32,
        }
    }
}

impl Unary for Scale {
    const COST: Cost = Cost::Memory;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, e: S::f32s) -> S::f32s {
        scale(simd, e, simd.splat_f32s(self.hi), simd.splat_f32s(self.lo))
    }
}

/// Log-softmax's last pass: `y = scale * (x - max) - log(sum)` (`max`: the `x` of the largest
/// logit, see [`Shift`]); `SCALED == false` for scale 1 (`(x - max) - log(sum)`), chosen once
/// per row rather than per vector.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LogSub<const SCALED: bool = false> {
    pub(crate) shift: Shift,
    pub(crate) log_sum: f32,
}

impl<const SCALED: bool> Unary for LogSub<SCALED> {
    const COST: Cost = Cost::Memory;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
        let log_sum = simd.splat_f32s(self.log_sum);
        let m = self.shift.splat(simd);
        if !SCALED {
            return log_sub(simd, x, m.m, log_sum);
        }
        // `-inf` logits stay `-inf` (their low part is NaN).
        let (hi, lo) = m.logit(simd, x);
        let y = simd.add_f32s(simd.sub_f32s(hi, log_sum), lo);
        let ninf = simd.splat_f32s(f32::NEG_INFINITY);
        simd.select_f32s(simd.equal_f32s(hi, ninf), ninf, y)
    }
}

/// Softmax's last step: `e hi + e lo`, within about half an ULP of `e / sum` when
/// `hi + lo = 1 / sum`.
#[inline(always)]
pub(crate) fn scale<S: Simd>(simd: S, e: S::f32s, hi: S::f32s, lo: S::f32s) -> S::f32s {
    simd.mul_add_e_f32s(e, hi, simd.mul_f32s(e, lo))
}

/// Log-softmax's last step: `(x - max) - log(sum)`.
#[inline(always)]
pub(crate) fn log_sub<S: Simd>(simd: S, x: S::f32s, max: S::f32s, log_sum: S::f32s) -> S::f32s {
    simd.sub_f32s(simd.sub_f32s(x, max), log_sum)
}
