//! The SIMD passes of the row and channel gradients: softmax and log-softmax backward (a
//! compensated row sum, then an elementwise pass) and PReLU backward (`dx` and the slope
//! gradient's compensated per-position sums in one pass).
//!
//! # Determinism
//! As in the forward softmax ([`super::softmax`]): a row is cut into chunks of [`CHUNK`]
//! elements; within a chunk, element `i` goes to logical lane `i % 16` (16 lanes whatever the
//! register width: one AVX-512 register, two AVX2 registers, 16 scalars), the terms of two
//! consecutive groups of 16 are added pairwise with TwoSum, and each lane is a TwoSum
//! accumulator `(s, c)`; the 16 lanes are then stored and reduced in `f64` in a fixed pairwise
//! order, and the chunks combined in `f64` along the fixed tree of
//! [`tree_split`](super::softmax::tree_split). Only additions, subtractions and
//! multiplications of two numbers are used in the sums and in softmax's last pass (no fused
//! multiply-add), so every backend, the scalar one included, gives the same bits there;
//! log-softmax's last pass uses the crate's `exp` (as the gradient of `exp` does, see
//! [`exp_backward`]), which on the scalar backend can differ by an ULP (`Avx2` and `Avx512`
//! agree). PReLU's slot accumulators are indexed by the
//! position within a window of the period, never by the lane, so they do not depend on the
//! width either.

use pulp::Simd;

use super::backward::exp::exp_backward;
use super::{abs, two_sum, two_sum_sorted};

/// Elements per chunk of a row: the unit of the row sums' fixed evaluation order.
pub(crate) use super::softmax::CHUNK;
/// Logical accumulator lanes, whatever the register width.
const LANES: usize = 16;

/// One chunk's (`len() <= CHUNK`) sum of `dy[i] * y[i]` (`DOT`) or of `dy[i]` (`!DOT`), in
/// `f64`, in the fixed order described in the module docs.
///
/// The sums use [`two_sum`], whose error is NaN where an operand (a term, or a lane's partial
/// sum) is `±f32::MAX` and the sum ties away from zero: the chunk's sum is then NaN where the
/// exact one is finite. Such a chunk (rare: one holding a NaN or an infinity is NaN anyway) is
/// summed again with [`two_sum_sorted`], which gives the same bits wherever `two_sum` is
/// defined, so the result is that of the sorted sums everywhere.
#[inline(always)]
pub(crate) fn chunk_sum<S: Simd, const DOT: bool>(simd: S, y: &[f32], dy: &[f32]) -> f64 {
    let sum = chunk_sum_with::<S, DOT, false>(simd, y, dy);
    if sum.is_nan() {
        chunk_sum_with::<S, DOT, true>(simd, y, dy)
    } else {
        sum
    }
}

/// `a + b` as `(t, err)`: [`two_sum_sorted`] (`SORTED`) or [`two_sum`].
#[inline(always)]
fn add_exactly<S: Simd, const SORTED: bool>(simd: S, a: S::f32s, b: S::f32s) -> (S::f32s, S::f32s) {
    if SORTED {
        two_sum_sorted(simd, a, b)
    } else {
        two_sum(simd, a, b)
    }
}

/// [`chunk_sum`]'s sum, its additions by [`add_exactly`].
#[inline(always)]
fn chunk_sum_with<S: Simd, const DOT: bool, const SORTED: bool>(
    simd: S,
    y: &[f32],
    dy: &[f32],
) -> f64 {
    debug_assert!(y.len() == dy.len() && y.len() <= CHUNK);
    let regs = LANES / S::F32_LANES;
    let z = simd.splat_f32s(0.0);
    let mut s = [z; LANES];
    let mut c = [z; LANES];
    let full = y.len() / LANES * LANES;
    let (yv, _) = S::as_simd_f32s(&y[..full]);
    let (dv, _) = S::as_simd_f32s(&dy[..full]);
    let mut yp = yv.chunks_exact(2 * regs);
    let mut dp = dv.chunks_exact(2 * regs);
    for (gy, gd) in (&mut yp).zip(&mut dp) {
        for j in 0..regs {
            let (a, ea) = add_exactly::<S, SORTED>(
                simd,
                term::<S, DOT>(simd, gy[j], gd[j]),
                term::<S, DOT>(simd, gy[regs + j], gd[regs + j]),
            );
            let (t, et) = add_exactly::<S, SORTED>(simd, s[j], a);
            s[j] = t;
            c[j] = simd.sub_f32s(c[j], simd.add_f32s(ea, et));
        }
    }
    let (ry, rd) = (yp.remainder(), dp.remainder());
    for j in 0..ry.len() {
        let (t, et) = add_exactly::<S, SORTED>(simd, s[j], term::<S, DOT>(simd, ry[j], rd[j]));
        s[j] = t;
        c[j] = simd.sub_f32s(c[j], et);
    }
    if full < y.len() {
        let mut by = [0.0_f32; LANES];
        let mut bd = [0.0_f32; LANES];
        let n = y.len() - full;
        by[..n].copy_from_slice(&y[full..]);
        bd[..n].copy_from_slice(&dy[full..]);
        let (yv, _) = S::as_simd_f32s(&by);
        let (dv, _) = S::as_simd_f32s(&bd);
        for j in 0..regs {
            let (t, et) = add_exactly::<S, SORTED>(simd, s[j], term::<S, DOT>(simd, yv[j], dv[j]));
            s[j] = t;
            c[j] = simd.sub_f32s(c[j], et);
        }
    }
    reduce_lanes::<S>(&s[..regs], &c[..regs])
}

/// A row sum's term: `y * dy` or `dy`.
#[inline(always)]
fn term<S: Simd, const DOT: bool>(simd: S, y: S::f32s, dy: S::f32s) -> S::f32s {
    if DOT { simd.mul_f32s(y, dy) } else { dy }
}

/// The 16 logical lanes `s - c` summed in `f64` in a fixed pairwise order.
#[inline(always)]
fn reduce_lanes<S: Simd>(s: &[S::f32s], c: &[S::f32s]) -> f64 {
    let sf: &[f32] = pulp::bytemuck::cast_slice(s);
    let cf: &[f32] = pulp::bytemuck::cast_slice(c);
    let mut v = [0.0_f64; LANES];
    for k in 0..LANES {
        // A lane that met an infinity has a NaN compensation: it is its `s` (IEEE).
        v[k] = if sf[k].is_finite() {
            f64::from(sf[k]) - f64::from(cf[k])
        } else {
            f64::from(sf[k])
        };
    }
    let mut n = LANES;
    while n > 1 {
        n /= 2;
        for k in 0..n {
            v[k] += v[k + n];
        }
    }
    v[0]
}

/// The elementwise pass of softmax backward: `dx = y * ((dy - hi) - lo)`, `hi + lo` the row's
/// `sum dy y`. `EDGE`: the row's `|hi|` is `2^103` or more ([`SoftmaxGrad::EDGE_FROM`]), where
/// `dy - hi` can overflow although `dy - (hi + lo)` is finite; such lanes are computed as
/// `(dy - lo) - hi` (see [`GradFn::apply`]). A const parameter, so that the common rows pay
/// nothing for it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SoftmaxGrad<const EDGE: bool> {
    pub(crate) hi: f32,
    pub(crate) lo: f32,
}

impl SoftmaxGrad<false> {
    /// Rows whose `|hi|` is below this cannot overflow in `dy - hi` (`|dy| <= f32::MAX`, and
    /// an overflow needs `|dy - hi| >= 2^128 - 2^103`).
    pub(crate) const EDGE_FROM: f32 = f32::from_bits(0x7300_0000); // 2^103
}

/// The elementwise pass of log-softmax backward: `dx = dy - exp(y) * sum`. The product is
/// the gradient of `exp` at `y` with `dy = sum` ([`exp_backward`]): below `y = -87.336`,
/// where `exp(y)` alone would be subnormal or 0, `sum` multiplies its parts before the power
/// of two, so that a large `sum` meets a relatively accurate `exp(y)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LogSoftmaxGrad {
    pub(crate) sum: f32,
}

/// An elementwise function of `(y, dy)`.
pub(crate) trait GradFn: Copy + Send + Sync {
    /// One vector.
    fn apply<S: Simd>(self, simd: S, y: S::f32s, dy: S::f32s) -> S::f32s;
}

impl<const EDGE: bool> GradFn for SoftmaxGrad<EDGE> {
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, y: S::f32s, dy: S::f32s) -> S::f32s {
        let (hi, lo) = (simd.splat_f32s(self.hi), simd.splat_f32s(self.lo));
        let d = simd.sub_f32s(simd.sub_f32s(dy, hi), lo);
        if !EDGE {
            return simd.mul_f32s(y, d);
        }
        // `dy - hi` overflows where `dy - (hi + lo)` is within half an ULP of the top binade's
        // edge and `hi` was rounded away from `dy` (`dy = -3 * 2^103` against the row sum
        // `f32::MAX - 3 * 2^103`, whose `hi` ties up: `-inf` where the exact value is
        // `-f32::MAX`). There `lo` has the other sign and comes off first: `(dy - lo) - hi`,
        // within an ULP. Elsewhere (a finite `d`, or an infinite `dy` or sum) as computed.
        let alt = simd.sub_f32s(simd.sub_f32s(dy, lo), hi);
        let inf = simd.splat_f32s(f32::INFINITY);
        let take = simd.and_m32s(
            simd.equal_f32s(abs(simd, d), inf),
            simd.less_than_f32s(abs(simd, alt), inf),
        );
        simd.mul_f32s(y, simd.select_f32s(take, alt, d))
    }
}

impl GradFn for LogSoftmaxGrad {
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, y: S::f32s, dy: S::f32s) -> S::f32s {
        simd.sub_f32s(dy, exp_backward(simd, y, simd.splat_f32s(self.sum)))
    }
}

/// Where a gradient pass reads `dy` and writes `dx`: two slices, or one (in place).
pub(crate) trait GradIo: Sized + Send {
    /// The incoming gradient.
    fn dy(&self) -> &[f32];
    /// As `slice::split_at`.
    fn split_at(self, mid: usize) -> (Self, Self);
    /// `dx = f(y, dy)` elementwise (`y.len() == self.len()`).
    fn map<S: Simd, F: GradFn>(&mut self, simd: S, y: &[f32], f: F);
}

/// `dy` read, `dx` written.
pub(crate) struct Separate<'a> {
    pub(crate) dy: &'a [f32],
    pub(crate) dx: &'a mut [f32],
}

/// `dy` overwritten by `dx`.
pub(crate) struct Overwrite<'a>(pub(crate) &'a mut [f32]);

impl GradIo for Separate<'_> {
    #[inline(always)]
    fn dy(&self) -> &[f32] {
        self.dy
    }
    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.dy.split_at(mid);
        let (c, d) = self.dx.split_at_mut(mid);
        (Separate { dy: a, dx: c }, Separate { dy: b, dx: d })
    }
    #[inline(always)]
    fn map<S: Simd, F: GradFn>(&mut self, simd: S, y: &[f32], f: F) {
        let (yv, yt) = S::as_simd_f32s(y);
        let (dv, dt) = S::as_simd_f32s(self.dy);
        let (xv, xt) = S::as_mut_simd_f32s(self.dx);
        for ((o, &a), &b) in xv.iter_mut().zip(yv).zip(dv) {
            *o = f.apply(simd, a, b);
        }
        if !yt.is_empty() {
            let a = simd.partial_load_f32s(yt);
            let b = simd.partial_load_f32s(dt);
            simd.partial_store_f32s(xt, f.apply(simd, a, b));
        }
    }
}

impl GradIo for Overwrite<'_> {
    #[inline(always)]
    fn dy(&self) -> &[f32] {
        self.0
    }
    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at_mut(mid);
        (Overwrite(a), Overwrite(b))
    }
    #[inline(always)]
    fn map<S: Simd, F: GradFn>(&mut self, simd: S, y: &[f32], f: F) {
        let (yv, yt) = S::as_simd_f32s(y);
        let (dv, dt) = S::as_mut_simd_f32s(self.0);
        for (o, &a) in dv.iter_mut().zip(yv) {
            *o = f.apply(simd, a, *o);
        }
        if !yt.is_empty() {
            let a = simd.partial_load_f32s(yt);
            let b = simd.partial_load_f32s(dt);
            simd.partial_store_f32s(dt, f.apply(simd, a, b));
        }
    }
}

/// Cache-line alignment for the slot accumulators (a misaligned 64-byte vector straddles two
/// lines: two accesses per load and store).
#[repr(align(64))]
struct Aligned<T>(T);

/// One vector of PReLU backward: `(dx, x > 0 ? 0 : x * dy)`.
#[inline(always)]
fn prelu_term<S: Simd>(simd: S, x: S::f32s, dy: S::f32s, slope: S::f32s) -> (S::f32s, S::f32s) {
    let zero = simd.splat_f32s(0.0);
    let pos = simd.greater_than_f32s(x, zero);
    let g = simd.select_f32s(pos, dy, simd.mul_f32s(slope, dy));
    (g, simd.select_f32s(pos, zero, simd.mul_f32s(x, dy)))
}

/// `(s, c) += p0 + p1`, both additions with TwoSum ([`two_sum_sorted`]: a product `x * dy` or a
/// slot's sum can be `±f32::MAX`, and the pass writes `dx` as it sums, in place too, so it
/// cannot sum again as [`chunk_sum`] does).
#[inline(always)]
fn accumulate_pair<S: Simd>(simd: S, s: &mut S::f32s, c: &mut S::f32s, p0: S::f32s, p1: S::f32s) {
    let (a, ea) = two_sum_sorted(simd, p0, p1);
    let (t, et) = two_sum_sorted(simd, *s, a);
    *s = t;
    *c = simd.sub_f32s(*c, simd.add_f32s(ea, et));
}

/// One vector of PReLU backward: returns `dx`, accumulates `x > 0 ? 0 : x * dy` into `(s, c)`.
#[inline(always)]
fn prelu_step<S: Simd>(
    simd: S,
    x: S::f32s,
    dy: S::f32s,
    slope: S::f32s,
    s: &mut S::f32s,
    c: &mut S::f32s,
) -> S::f32s {
    let zero = simd.splat_f32s(0.0);
    let pos = simd.greater_than_f32s(x, zero);
    let g = simd.select_f32s(pos, dy, simd.mul_f32s(slope, dy));
    let p = simd.select_f32s(pos, zero, simd.mul_f32s(x, dy));
    // Sorted, as in `accumulate_pair`.
    let (t, e) = two_sum_sorted(simd, *s, p);
    *s = t;
    *c = simd.sub_f32s(*c, e);
    g
}

/// The largest window of the PReLU period processed with one set of slot accumulators.
pub(crate) const WINDOW: usize = 1024;

/// PReLU backward over one window of positions for a run of consecutive segments: for each
/// segment `k`, the elements `x[k * stride .. k * stride + w]` (`w = slopes.len() <= WINDOW`,
/// the slope of each position of the window), `dx = x > 0 ? dy : slope * dy`, and the slot of
/// each position accumulates `x > 0 ? 0 : x * dy` (TwoSum). Returns nothing; adds the slots'
/// values `s - c` (in `f64`) into `out[..w]`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn prelu_window<S: Simd>(
    simd: S,
    x: &[f32],
    dy: Option<&[f32]>,
    dx: &mut [f32],
    stride: usize,
    segments: usize,
    slopes: &[f32],
    out: &mut [f64],
) {
    let w = slopes.len();
    // `s` and `c` in one array, `c` not 4 KiB after `s` (a load of `c[i]` right after a store
    // to `s[i]` 4 KiB before would wait for it: 4K aliasing).
    let mut acc = Aligned([0.0_f32; 2 * WINDOW + 32]);
    let (s, c) = acc.0.split_at_mut(WINDOW + 32);
    let full = w / S::F32_LANES * S::F32_LANES;
    let (lv, lt) = S::as_simd_f32s(slopes);
    let mut k = 0;
    // Two segments at a time: their terms added with TwoSum before the accumulation, which
    // halves the accumulators' loads and stores.
    while k + 2 <= segments {
        let (b0, b1) = (k * stride, (k + 1) * stride);
        let (sv, st) = S::as_mut_simd_f32s(&mut s[..w]);
        let (cv, ct) = S::as_mut_simd_f32s(&mut c[..w]);
        let (x0, x0t) = S::as_simd_f32s(&x[b0..b0 + w]);
        let (x1, x1t) = S::as_simd_f32s(&x[b1..b1 + w]);
        let (dxa, dxb) = dx.split_at_mut(b1);
        let (o0, o0t) = S::as_mut_simd_f32s(&mut dxa[b0..b0 + w]);
        let (o1, o1t) = S::as_mut_simd_f32s(&mut dxb[..w]);
        let (d0, d0t, d1, d1t) = match dy {
            Some(dy) => {
                let (d0, d0t) = S::as_simd_f32s(&dy[b0..b0 + w]);
                let (d1, d1t) = S::as_simd_f32s(&dy[b1..b1 + w]);
                (Some(d0), d0t, Some(d1), d1t)
            }
            None => (None, &[][..], None, &[][..]),
        };
        for i in 0..x0.len() {
            let (dy0, dy1) = match (d0, d1) {
                (Some(d0), Some(d1)) => (d0[i], d1[i]),
                _ => (o0[i], o1[i]),
            };
            let (g0, p0) = prelu_term(simd, x0[i], dy0, lv[i]);
            let (g1, p1) = prelu_term(simd, x1[i], dy1, lv[i]);
            o0[i] = g0;
            o1[i] = g1;
            accumulate_pair(simd, &mut sv[i], &mut cv[i], p0, p1);
        }
        if full < w {
            let (dy0, dy1) = match dy {
                Some(_) => (simd.partial_load_f32s(d0t), simd.partial_load_f32s(d1t)),
                None => (simd.partial_load_f32s(o0t), simd.partial_load_f32s(o1t)),
            };
            let sl = simd.partial_load_f32s(lt);
            let (g0, p0) = prelu_term(simd, simd.partial_load_f32s(x0t), dy0, sl);
            let (g1, p1) = prelu_term(simd, simd.partial_load_f32s(x1t), dy1, sl);
            simd.partial_store_f32s(o0t, g0);
            simd.partial_store_f32s(o1t, g1);
            let mut a = simd.partial_load_f32s(st);
            let mut b = simd.partial_load_f32s(ct);
            accumulate_pair(simd, &mut a, &mut b, p0, p1);
            simd.partial_store_f32s(st, a);
            simd.partial_store_f32s(ct, b);
        }
        k += 2;
    }
    if k < segments {
        let base = k * stride;
        let (sv, st) = S::as_mut_simd_f32s(&mut s[..w]);
        let (cv, ct) = S::as_mut_simd_f32s(&mut c[..w]);
        let (xv, xt) = S::as_simd_f32s(&x[base..base + w]);
        let (dv, dt) = match dy {
            Some(dy) => {
                let (dv, dt) = S::as_simd_f32s(&dy[base..base + w]);
                (Some(dv), dt)
            }
            None => (None, &[][..]),
        };
        let (ov, ot) = S::as_mut_simd_f32s(&mut dx[base..base + w]);
        for i in 0..xv.len() {
            let d = match dv {
                Some(dv) => dv[i],
                None => ov[i],
            };
            ov[i] = prelu_step(simd, xv[i], d, lv[i], &mut sv[i], &mut cv[i]);
        }
        if full < w {
            let d = match dy {
                Some(_) => simd.partial_load_f32s(dt),
                None => simd.partial_load_f32s(ot),
            };
            let mut a = simd.partial_load_f32s(st);
            let mut b = simd.partial_load_f32s(ct);
            let g = prelu_step(
                simd,
                simd.partial_load_f32s(xt),
                d,
                simd.partial_load_f32s(lt),
                &mut a,
                &mut b,
            );
            simd.partial_store_f32s(ot, g);
            simd.partial_store_f32s(st, a);
            simd.partial_store_f32s(ct, b);
        }
    }
    for j in 0..w {
        out[j] += f64::from(s[j]) - f64::from(c[j]);
    }
}
