//! The drivers of the row and channel gradients: softmax and log-softmax backward (rows split
//! across threads like the forward ones, [`super::rows`]) and PReLU backward (a fixed tree of
//! superblocks for the slope sums).
//!
//! Every result is bit-identical whatever the number of threads: rows are never split except
//! along the fixed chunk tree of their sum, and PReLU's slot sums are combined along a tree of
//! [`SUPERBLOCKS`] leaves whose boundaries depend only on the shape.

use pulp::{Simd, WithSimd};

use super::{Cost, PIECES_PER_THREAD, Threading};
use crate::simd::grad::{
    CHUNK, GradIo, LogSoftmaxGrad, SoftmaxGrad, WINDOW, chunk_sum, prelu_window,
};
use crate::simd::softmax::tree_split;

/// Row length from which a row that cannot be given a thread of its own is split across the
/// threads (as the forward softmax).
const LONG_ROW_MIN_LEN: usize = 1 << 18;

/// Which row gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RowGrad {
    /// `dx = y * (dy - sum(dy * y))`.
    Softmax,
    /// `dx = dy - exp(y) * sum(dy)`.
    LogSoftmax,
}

/// The sum of a row piece starting at a chunk boundary: the chunks combined along the fixed
/// tree (evaluated left to right with a stack of complete power-of-two subtrees).
#[inline(always)]
fn chunks_sum<S: Simd, const DOT: bool>(simd: S, y: &[f32], dy: &[f32]) -> f64 {
    if y.len() <= CHUNK {
        return chunk_sum::<S, DOT>(simd, y, dy);
    }
    let mut stack = [(0.0_f64, 0_u32); usize::BITS as usize + 1];
    let mut depth = 0;
    for (yc, dc) in y.chunks(CHUNK).zip(dy.chunks(CHUNK)) {
        let mut value = chunk_sum::<S, DOT>(simd, yc, dc);
        let mut level = 0;
        while depth > 0 && stack[depth - 1].1 == level {
            depth -= 1;
            value += stack[depth].0;
            // Joins are left + right: addition is commutative, so `left + right` here.
            level += 1;
        }
        stack[depth] = (value, level);
        depth += 1;
    }
    let mut value = stack[depth - 1].0;
    for i in (0..depth - 1).rev() {
        value += stack[i].0;
    }
    value
}

/// The elementwise function of a row whose sum is `sum`.
#[derive(Clone, Copy)]
enum RowFn {
    Softmax(SoftmaxGrad<false>),
    /// A softmax row whose sum is near the top of the range ([`SoftmaxGrad::EDGE_FROM`]).
    SoftmaxEdge(SoftmaxGrad<true>),
    LogSoftmax(LogSoftmaxGrad),
}

#[inline(always)]
fn row_fn(kind: RowGrad, sum: f64) -> RowFn {
    match kind {
        RowGrad::Softmax => {
            let hi = sum as f32;
            let lo = if sum.is_finite() && hi.is_finite() {
                (sum - f64::from(hi)) as f32
            } else {
                0.0
            };
            if hi.abs() >= SoftmaxGrad::<false>::EDGE_FROM {
                RowFn::SoftmaxEdge(SoftmaxGrad { hi, lo })
            } else {
                RowFn::Softmax(SoftmaxGrad { hi, lo })
            }
        }
        RowGrad::LogSoftmax => RowFn::LogSoftmax(LogSoftmaxGrad { sum: sum as f32 }),
    }
}

#[inline(always)]
fn apply_row<S: Simd, G: GradIo>(simd: S, y: &[f32], io: &mut G, f: RowFn) {
    match f {
        RowFn::Softmax(f) => io.map(simd, y, f),
        RowFn::SoftmaxEdge(f) => io.map(simd, y, f),
        RowFn::LogSoftmax(f) => io.map(simd, y, f),
    }
}

#[inline(always)]
fn row_sum<S: Simd>(simd: S, kind: RowGrad, y: &[f32], dy: &[f32]) -> f64 {
    match kind {
        RowGrad::Softmax => chunks_sum::<S, true>(simd, y, dy),
        RowGrad::LogSoftmax => chunks_sum::<S, false>(simd, y, dy),
    }
}

/// Rows up to this length are processed [`BATCH`] at a time.
const BATCH_MAX_COLS: usize = 256;
/// Rows per batch.
const BATCH: usize = 8;

/// One dispatch over consecutive whole rows.
struct Rows<'a, G> {
    y: &'a [f32],
    io: G,
    cols: usize,
    kind: RowGrad,
}

impl<G: GradIo> WithSimd for Rows<'_, G> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let cols = self.cols;
        let mut rest = self.io;
        let mut y = self.y;
        if cols <= BATCH_MAX_COLS {
            // Short rows: the sums of BATCH rows first, then their elementwise passes, so that
            // the rows' reductions (long dependency chains) overlap. Same bits.
            while y.len() >= BATCH * cols {
                let (yb, yt) = y.split_at(BATCH * cols);
                let (head, tail) = rest.split_at(BATCH * cols);
                let mut sums = [0.0_f64; BATCH];
                let d = head.dy();
                for (b, s) in sums.iter_mut().enumerate() {
                    let r = b * cols..(b + 1) * cols;
                    *s = row_sum(simd, self.kind, &yb[r.clone()], &d[r]);
                }
                let mut h = head;
                for (b, &s) in sums.iter().enumerate() {
                    let (mut row, t) = h.split_at(cols);
                    apply_row(
                        simd,
                        &yb[b * cols..(b + 1) * cols],
                        &mut row,
                        row_fn(self.kind, s),
                    );
                    h = t;
                }
                rest = tail;
                y = yt;
            }
        }
        while !y.is_empty() {
            let (yr, yt) = y.split_at(cols);
            let (mut head, tail) = rest.split_at(cols);
            let sum = row_sum(simd, self.kind, yr, head.dy());
            apply_row(simd, yr, &mut head, row_fn(self.kind, sum));
            rest = tail;
            y = yt;
        }
    }
}

/// Runs softmax or log-softmax backward over the rows of `(y, io)` (`cols > 0` divides the
/// length, checked by the caller).
pub(crate) fn run_rows<G: GradIo>(
    arch: pulp::Arch,
    threading: Threading,
    y: &[f32],
    io: G,
    cols: usize,
    kind: RowGrad,
) {
    let len = y.len();
    if len == 0 {
        return;
    }
    let plan = threading.plan(len, Cost::Rows);
    if plan.threads <= 1 {
        arch.dispatch(Rows { y, io, cols, kind });
    } else {
        let rows = len / cols;
        if rows >= 2 * plan.threads || cols < LONG_ROW_MIN_LEN {
            let piece = rows.div_ceil(plan.threads * PIECES_PER_THREAD).max(1) * cols;
            split_rows(arch, y, io, cols, kind, piece);
        } else {
            let mut rest = io;
            let mut y = y;
            while !y.is_empty() {
                let (yr, yt) = y.split_at(cols);
                let (head, tail) = rest.split_at(cols);
                long_row(arch, yr, head, kind, plan.threads);
                rest = tail;
                y = yt;
            }
        }
    }
    plan.finish();
}

/// Pieces of `piece` elements (whole rows) in parallel.
fn split_rows<G: GradIo>(
    arch: pulp::Arch,
    y: &[f32],
    io: G,
    cols: usize,
    kind: RowGrad,
    piece: usize,
) {
    if y.len() <= piece {
        arch.dispatch(Rows { y, io, cols, kind });
        return;
    }
    let mid = y.len().div_ceil(piece) / 2 * piece;
    let (ya, yb) = y.split_at(mid);
    let (a, b) = io.split_at(mid);
    super::join(
        || split_rows(arch, ya, a, cols, kind, piece),
        || split_rows(arch, yb, b, cols, kind, piece),
    );
}

/// One dispatch of the sum over a piece of a row (starting at a chunk boundary).
struct Sum<'a> {
    y: &'a [f32],
    dy: &'a [f32],
    kind: RowGrad,
}

impl WithSimd for Sum<'_> {
    type Output = f64;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f64 {
        row_sum(simd, self.kind, self.y, self.dy)
    }
}

/// One dispatch of the elementwise pass over a piece of a row.
struct Apply<'a, G> {
    y: &'a [f32],
    io: G,
    f: RowFn,
}

impl<G: GradIo> WithSimd for Apply<'_, G> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(mut self, simd: S) {
        apply_row(simd, self.y, &mut self.io, self.f);
    }
}

/// One long row split across the threads: the sum along the fixed chunk tree, then the
/// elementwise pass.
fn long_row<G: GradIo>(arch: pulp::Arch, y: &[f32], io: G, kind: RowGrad, threads: usize) {
    let pieces = threads * PIECES_PER_THREAD;
    let piece_len = y.len().div_ceil(pieces).next_multiple_of(CHUNK);
    let sum = par_sum(arch, y, io.dy(), kind, piece_len / CHUNK);
    let f = row_fn(kind, sum);
    par_apply(arch, y, io, f, piece_len);
}

/// The sum of a piece starting at a chunk boundary, split along the fixed tree until pieces
/// have at most `leaf_chunks` chunks.
fn par_sum(arch: pulp::Arch, y: &[f32], dy: &[f32], kind: RowGrad, leaf_chunks: usize) -> f64 {
    let n = y.len().div_ceil(CHUNK);
    if n <= leaf_chunks.max(1) {
        return arch.dispatch(Sum { y, dy, kind });
    }
    let mid = tree_split(n) * CHUNK;
    let (ya, yb) = y.split_at(mid);
    let (da, db) = dy.split_at(mid);
    let (a, b) = super::join(
        || par_sum(arch, ya, da, kind, leaf_chunks),
        || par_sum(arch, yb, db, kind, leaf_chunks),
    );
    a + b
}

fn par_apply<G: GradIo>(arch: pulp::Arch, y: &[f32], io: G, f: RowFn, piece: usize) {
    if y.len() <= piece {
        arch.dispatch(Apply { y, io, f });
        return;
    }
    let mid = y.len().div_ceil(piece) / 2 * piece;
    let (ya, yb) = y.split_at(mid);
    let (a, b) = io.split_at(mid);
    super::join(
        || par_apply(arch, ya, a, f, piece),
        || par_apply(arch, yb, b, f, piece),
    );
}

/// Leaves of the fixed tree over which a window's segments are split (the most threads a
/// PReLU backward call uses at once).
const SUPERBLOCKS: usize = 8;
/// A window pass splits its superblocks across threads only from this many elements on.
const MIN_PARALLEL_WINDOW: usize = 1 << 15;

/// One window of the period over a run of segments (see [`prelu_window`]): `x`, `dy`, `dx`
/// start at the window's first element in the first segment.
struct Window<'a> {
    x: &'a [f32],
    dy: Option<&'a [f32]>,
    dx: &'a mut [f32],
    stride: usize,
    segments: usize,
    slopes: &'a [f32],
}

impl<'a> Window<'a> {
    /// The first `k` segments and the rest.
    fn split(self, k: usize) -> (Window<'a>, Window<'a>) {
        let at = (k * self.stride).min(self.x.len());
        let (xa, xb) = self.x.split_at(at);
        let (da, db) = match self.dy {
            Some(dy) => {
                let (a, b) = dy.split_at(at);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        let (oa, ob) = self.dx.split_at_mut(at);
        (
            Window {
                x: xa,
                dy: da,
                dx: oa,
                stride: self.stride,
                segments: k,
                slopes: self.slopes,
            },
            Window {
                x: xb,
                dy: db,
                dx: ob,
                stride: self.stride,
                segments: self.segments - k,
                slopes: self.slopes,
            },
        )
    }
}

struct WindowPass<'a, 'b>(Window<'a>, &'b mut [f64]);

impl WithSimd for WindowPass<'_, '_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let w = self.0;
        prelu_window(
            simd, w.x, w.dy, w.dx, w.stride, w.segments, w.slopes, self.1,
        );
    }
}

/// The slot sums of a window over `segments` segments into `out[..width]`: leaf `k` of the
/// fixed tree covers the segments `[k n / 8, (k + 1) n / 8)`; nodes add their children's sums
/// (left + right).
fn window_tree(
    arch: pulp::Arch,
    parallel: bool,
    w: Window<'_>,
    out: &mut [f64],
    first_leaf: usize,
    leaves: usize,
    total: usize,
) {
    let width = w.slopes.len();
    if leaves == 1 {
        out[..width].fill(0.0);
        arch.dispatch(WindowPass(w, out));
        return;
    }
    let half = leaves / 2;
    let seg = |k: usize| total * k / SUPERBLOCKS;
    let k = seg(first_leaf + half) - seg(first_leaf);
    let (a, b) = w.split(k);
    let mut r = [0.0_f64; WINDOW];
    if parallel {
        super::join(
            || window_tree(arch, true, a, out, first_leaf, half, total),
            || {
                window_tree(
                    arch,
                    true,
                    b,
                    &mut r,
                    first_leaf + half,
                    leaves - half,
                    total,
                )
            },
        );
    } else {
        window_tree(arch, false, a, out, first_leaf, half, total);
        window_tree(
            arch,
            false,
            b,
            &mut r,
            first_leaf + half,
            leaves - half,
            total,
        );
    }
    for (l, r) in out[..width].iter_mut().zip(&r[..width]) {
        *l += r;
    }
}

/// PReLU backward over a whole tensor (`x.len()` a multiple of `slopes.len() * inner`, checked
/// by the caller): `dx` (into `dx`, or over `dx` holding `dy` when `dy` is `None`) and
/// `dslopes`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_prelu(
    arch: pulp::Arch,
    threading: Threading,
    x: &[f32],
    dy: Option<&[f32]>,
    dx: &mut [f32],
    slopes: &[f32],
    dslopes: &mut [f32],
    inner: usize,
) {
    let len = x.len();
    let channels = slopes.len();
    let period = channels * inner;
    let plan = threading.plan(len, Cost::Memory);
    let threads = plan.threads;
    let mut pos_slopes = [0.0_f32; WINDOW];
    let mut sums = [0.0_f64; WINDOW];
    let segments = len / period;
    // One window pass: `segments` segments of `stride`, window of `width` positions from
    // `offset`, whose position `j` has channel `channel_of(j)`.
    let window = |offset: usize,
                  width: usize,
                  stride: usize,
                  segments: usize,
                  pos_slopes: &[f32],
                  dx: &mut [f32],
                  out: &mut [f64]| {
        out[..width].fill(0.0);
        if segments == 0 || width == 0 {
            return;
        }
        let end = offset + (segments - 1) * stride + width;
        let w = Window {
            x: &x[offset..end],
            dy: dy.map(|d| &d[offset..end]),
            dx: &mut dx[offset..end],
            stride,
            segments,
            slopes: &pos_slopes[..width],
        };
        let parallel = threads > 1 && segments * width >= MIN_PARALLEL_WINDOW;
        window_tree(arch, parallel, w, out, 0, SUPERBLOCKS, segments);
    };
    let mut r = [0.0_f64; WINDOW];
    if period <= WINDOW {
        // Super-rows of whole periods, and the last periods that do not fill one.
        let width = period * (WINDOW / period);
        for (c, run) in pos_slopes[..period].chunks_mut(inner).enumerate() {
            run.fill(slopes[c]);
        }
        for start in (period..width).step_by(period) {
            pos_slopes.copy_within(..period, start);
        }
        let rows = len / width;
        window(0, width, width, rows, &pos_slopes, dx, &mut sums);
        let rest = len - rows * width;
        window(rows * width, rest, rest.max(1), 1, &pos_slopes, dx, &mut r);
        for j in 0..rest {
            sums[j] += r[j];
        }
        let mut per_channel = [0.0_f64; WINDOW];
        for row in sums[..width].chunks(period) {
            for (c, run) in row.chunks(inner).enumerate() {
                for &s in run {
                    per_channel[c] += s;
                }
            }
        }
        for (d, &s) in dslopes.iter_mut().zip(&per_channel[..channels]) {
            *d = s as f32;
        }
    } else if inner <= WINDOW {
        // Groups of whole channels.
        let group = WINDOW / inner;
        let mut c0 = 0;
        while c0 < channels {
            let c1 = (c0 + group).min(channels);
            let width = (c1 - c0) * inner;
            for (c, run) in pos_slopes[..width].chunks_mut(inner).enumerate() {
                run.fill(slopes[c0 + c]);
            }
            window(c0 * inner, width, period, segments, &pos_slopes, dx, &mut r);
            for c in c0..c1 {
                let mut acc = 0.0_f64;
                for &v in &r[(c - c0) * inner..(c - c0 + 1) * inner] {
                    acc += v;
                }
                dslopes[c] = acc as f32;
            }
            c0 = c1;
        }
    } else {
        // Each channel's run in windows.
        for c in 0..channels {
            let mut acc = 0.0_f64;
            pos_slopes.fill(slopes[c]);
            let mut q = 0;
            while q < inner {
                let width = (inner - q).min(WINDOW);
                window(
                    c * inner + q,
                    width,
                    period,
                    segments,
                    &pos_slopes,
                    dx,
                    &mut r,
                );
                for &v in &r[..width] {
                    acc += v;
                }
                q += width;
            }
            dslopes[c] = acc as f32;
        }
    }
    plan.finish();
}
