//! Softmax rows summed chunk by chunk, each chunk relative to its own maximum (the "online"
//! softmax): a row's maximum and sum come out of one pass over `x`, and the output pass reads
//! `x` once more, where the three-pass algorithm of [`super::softmax`] reads it twice and the
//! stored `exp` once more. Long rows (more than one [`CHUNK`]) and every row with a scale or a
//! mask go this way.
//!
//! # Determinism
//! A chunk's total ([`Online`]: its maximum and the sum of `exp(z - max)` over it) is computed
//! as in [`super::softmax`] (16 logical Kahan lanes, a fixed reduction), and the chunk totals
//! are joined along the same fixed binary tree over the chunk indices ([`Tree`]), each join
//! rescaling the smaller side's sum to the larger maximum in `f64`. So any lane width and any
//! split of the row across threads give the same bits.
//!
//! # Accuracy
//! Each rescaling multiplies by `exp(m_small - m_big)` in `f64` (relative error about
//! `2^-52`); `exp(z - max)` and the output pass are those of the one-chunk rows: the bounds do
//! not change.

use pulp::Simd;

use super::logits::{LazyStage, Logits, Stage, exp_pair, log_pair, pair_max, stage};
use super::softmax::{
    Acc, CHUNK, ExpPass, Partial, ReadOnly, Scale, Shift, exp_shifted, row_max, scale,
};

/// Joining two adjacent pieces' values: `self` the left piece, `right` the right one.
pub(crate) trait Join: Copy {
    /// The value of the two pieces together.
    fn join(self, right: Self) -> Self;
}

impl Join for Partial {
    #[inline(always)]
    fn join(self, right: Partial) -> Partial {
        Partial::join(self, right)
    }
}

/// The fixed summation tree over a row's chunks, evaluated left to right: `push` each chunk's
/// value in order, `finish` for the row's. A range of `n > 1` chunks is the join of its first
/// [`tree_split`](super::softmax::tree_split)`(n)` chunks and the rest, the split the threaded
/// drivers follow.
pub(crate) struct Tree<T> {
    /// Complete power-of-two subtrees and their levels, which strictly decrease upwards.
    stack: [(T, u32); usize::BITS as usize + 1],
    depth: usize,
}

impl<T: Join> Tree<T> {
    /// An empty tree; `zero` only fills the stack.
    #[inline(always)]
    pub(crate) fn new(zero: T) -> Self {
        Tree {
            stack: [(zero, 0); usize::BITS as usize + 1],
            depth: 0,
        }
    }

    /// The next chunk's value.
    #[inline(always)]
    pub(crate) fn push(&mut self, mut value: T) {
        let mut level = 0;
        while self.depth > 0 && self.stack[self.depth - 1].1 == level {
            self.depth -= 1;
            value = self.stack[self.depth].0.join(value);
            level += 1;
        }
        self.stack[self.depth] = (value, level);
        self.depth += 1;
    }

    /// The value of all the chunks pushed (`zero` if none): the incomplete subtrees joined from
    /// the smallest (rightmost) up.
    #[inline(always)]
    pub(crate) fn finish(self, zero: T) -> T {
        if self.depth == 0 {
            return zero;
        }
        let mut value = self.stack[self.depth - 1].0;
        for i in (0..self.depth - 1).rev() {
            value = self.stack[i].0.join(value);
        }
        value
    }
}

/// A piece of a row: its maximum logit `hi + lo` (compared by `hi`, then `lo`) and the sum of
/// `exp(z - max)` over it, with, for log-softmax, the elements equal to the maximum counted in
/// `ones` rather than in `sum` (see [`Partial`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Online {
    pub(crate) hi: f32,
    pub(crate) lo: f32,
    pub(crate) sum: f64,
    pub(crate) ones: u64,
}

impl Online {
    /// Nothing, or only masked logits.
    pub(crate) const EMPTY: Online = Online {
        hi: f32::NEG_INFINITY,
        lo: 0.0,
        sum: 0.0,
        ones: 0,
    };

    /// A piece whose maximum `hi + lo` is finite, from its partial.
    #[inline(always)]
    fn of(hi: f32, lo: f32, p: Partial) -> Online {
        Online {
            hi,
            lo,
            sum: p.sum,
            ones: p.ones,
        }
    }

    /// A piece whose maximum `m` is not finite: empty (every logit `-inf`), or NaN (a NaN or
    /// `+inf` logit), which makes the row NaN.
    #[inline(always)]
    fn not_finite(m: f32, any_nan: bool) -> Online {
        if m == f32::NEG_INFINITY && !any_nan {
            Online::EMPTY
        } else {
            Online {
                hi: m,
                lo: 0.0,
                sum: f64::NAN,
                ones: 0,
            }
        }
    }

    /// The sum and the count, relative to the maximum.
    #[inline(always)]
    pub(crate) fn partial(self) -> Partial {
        Partial {
            sum: self.sum,
            ones: self.ones,
        }
    }

    /// Whether the row is fully masked (every logit `-inf`, no NaN).
    #[inline(always)]
    pub(crate) fn is_empty(self) -> bool {
        self.hi == f32::NEG_INFINITY && !self.sum.is_nan()
    }
}

impl Join for Online {
    #[inline(always)]
    fn join(self, right: Online) -> Online {
        let right_above = right.hi > self.hi || (right.hi == self.hi && right.lo > self.lo);
        let (big, small) = if right_above {
            (right, self)
        } else {
            (self, right)
        };
        if small.hi == big.hi && small.lo == big.lo {
            return Online {
                sum: big.sum + small.sum,
                ones: big.ones + small.ones,
                ..big
            };
        }
        if small.hi == f32::NEG_INFINITY {
            // Empty (sum 0) or NaN: adding keeps the NaN.
            return Online {
                sum: big.sum + small.sum,
                ..big
            };
        }
        if !big.hi.is_finite() {
            return Online::not_finite(big.hi, true);
        }
        // Both maxima finite: `small`'s terms rescaled to `big`'s maximum (for log-softmax its
        // elements at its own maximum are no longer at the row's).
        let shift =
            (f64::from(small.hi) - f64::from(big.hi)) + (f64::from(small.lo) - f64::from(big.lo));
        Online {
            sum: big.sum + (small.sum + small.ones as f64) * shift.exp(),
            ..big
        }
    }
}

/// The total of a piece of plain logits (`z = x`; `x.len() <= CHUNK`).
#[inline(always)]
pub(crate) fn plain_chunk<S: Simd, const LOG: bool>(simd: S, x: &[f32]) -> Online {
    let m = row_max(simd, x);
    if m.is_finite() {
        let shift = Shift { at: m, scale: 1.0 };
        Online::of(m, 0.0, ReadOnly(x).chunk::<S, LOG>(simd, shift))
    } else {
        Online::not_finite(m, x.iter().any(|v| v.is_nan()))
    }
}

/// The total of a piece of logits (`l.len() <= CHUNK`), staged in `st`; with `STORE` the
/// staged `hi` are replaced by `exp(z - max)` (the first `l.len()` of them are the row's).
#[inline(always)]
pub(crate) fn staged_chunk<S: Simd, const LOG: bool, const STORE: bool>(
    simd: S,
    l: Logits<'_>,
    st: &mut Stage,
) -> Online {
    let n = stage(simd, l, st);
    let (m_hi, m_lo) = pair_max(simd, st, n);
    if !m_hi.is_finite() {
        return Online::not_finite(m_hi, st.hi.0[..n].iter().any(|v| v.is_nan()));
    }
    let mut acc = Acc::<S>::new::<LOG>(simd);
    let r = Acc::<S>::REGS;
    let m = (simd.splat_f32s(m_hi), simd.splat_f32s(m_lo));
    let (hv, _) = S::as_mut_simd_f32s(&mut st.hi.0[..n]);
    let (lv, _) = S::as_simd_f32s(&st.lo.0[..n]);
    for (h, l) in hv.chunks_exact_mut(2 * r).zip(lv.chunks_exact(2 * r)) {
        for j in 0..r {
            let a = exp_pair(simd, (h[j], l[j]), m);
            let b = exp_pair(simd, (h[r + j], l[r + j]), m);
            acc.add_pair::<LOG>(simd, j, a, b);
            if STORE {
                h[j] = a.0;
                h[r + j] = b.0;
            }
        }
    }
    Online::of(m_hi, m_lo, acc.finish::<LOG>(simd))
}

/// The total of a row (or of a piece starting at a chunk boundary) of logits `l`, chunk by
/// chunk along the [`Tree`]; `plain`: `z = x` (no scale, no mask), read without staging.
#[inline(always)]
pub(crate) fn total<S: Simd, const LOG: bool>(
    simd: S,
    l: Logits<'_>,
    plain: bool,
    st: &mut LazyStage,
) -> Online {
    let mut tree = Tree::new(Online::EMPTY);
    let mut start = 0;
    while start < l.len() {
        let end = l.len().min(start + CHUNK);
        tree.push(if plain {
            plain_chunk::<S, LOG>(simd, &l.x[start..end])
        } else {
            staged_chunk::<S, LOG, false>(simd, l.range(start, end), st.get())
        });
        start = end;
    }
    tree.finish(Online::EMPTY)
}

/// The row's value `m = hi + lo` and the scale `1 / sum` of its softmax, splatted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Finish {
    pub(crate) hi: f32,
    pub(crate) lo: f32,
    /// Softmax: `1 / sum`; log-softmax: `(log(sum), 0)`.
    pub(crate) scale: Scale,
}

/// Writes the output of the staged, stored `exp(z - max)` (see [`staged_chunk`]) times the
/// scale into `y` (`y.len()` staged elements).
#[inline(always)]
pub(crate) fn write_stored<S: Simd>(simd: S, st: &Stage, y: &mut [f32], s: Scale) {
    let (hi, lo) = (simd.splat_f32s(s.hi), simd.splat_f32s(s.lo));
    let (ev, _) = S::as_simd_f32s(&st.hi.0[..y.len().next_multiple_of(S::F32_LANES)]);
    let (yv, yt) = S::as_mut_simd_f32s(y);
    for (o, &e) in yv.iter_mut().zip(ev) {
        *o = scale(simd, e, hi, lo);
    }
    if !yt.is_empty() {
        simd.partial_store_f32s(yt, scale(simd, ev[ev.len() - 1], hi, lo));
    }
}

/// Writes softmax (`LOG == false`: `exp(z - m) / sum`) or log-softmax (`(z - m) - log(sum)`)
/// of the staged logits (first `y.len()` of them) into `y`.
#[inline(always)]
pub(crate) fn write_staged<S: Simd, const LOG: bool>(
    simd: S,
    st: &Stage,
    y: &mut [f32],
    f: Finish,
) {
    let m = (simd.splat_f32s(f.hi), simd.splat_f32s(f.lo));
    let (hi, lo) = (simd.splat_f32s(f.scale.hi), simd.splat_f32s(f.scale.lo));
    let n = y.len().next_multiple_of(S::F32_LANES);
    let (hv, _) = S::as_simd_f32s(&st.hi.0[..n]);
    let (lv, _) = S::as_simd_f32s(&st.lo.0[..n]);
    let (yv, yt) = S::as_mut_simd_f32s(y);
    for (i, o) in yv.iter_mut().enumerate() {
        *o = staged_out::<S, LOG>(simd, (hv[i], lv[i]), m, (hi, lo));
    }
    if !yt.is_empty() {
        let i = yv.len();
        simd.partial_store_f32s(yt, staged_out::<S, LOG>(simd, (hv[i], lv[i]), m, (hi, lo)));
    }
}

/// One register of [`write_staged`]'s output.
#[inline(always)]
fn staged_out<S: Simd, const LOG: bool>(
    simd: S,
    z: (S::f32s, S::f32s),
    m: (S::f32s, S::f32s),
    (hi, lo): (S::f32s, S::f32s),
) -> S::f32s {
    if LOG {
        log_pair(simd, z, m, hi)
    } else {
        scale(simd, exp_pair(simd, z, m).0, hi, lo)
    }
}

/// Softmax's output pass over plain logits: `exp(x - m) / sum`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExpScale {
    pub(crate) max: f32,
    pub(crate) scale: Scale,
}

impl super::Unary for ExpScale {
    const COST: crate::drive::Cost = crate::drive::Cost::Rows;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
        let e = exp_shifted(simd, x, simd.splat_f32s(self.max));
        scale(
            simd,
            e,
            simd.splat_f32s(self.scale.hi),
            simd.splat_f32s(self.scale.lo),
        )
    }
}
