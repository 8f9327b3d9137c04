//! The row driver of softmax and log-softmax: splits a matrix into rows, rows into threads, and
//! dispatches the SIMD passes of [`crate::simd::softmax`] once per piece of rows.
//!
//! Threading (automatic policy: from [`Cost::Rows`]'s threshold on, where splitting pays, when the
//! pool has more than one thread): many rows are split into pieces of whole rows; a few long rows are each
//! split across the threads (parallel max, parallel exp-sum along the fixed chunk tree, parallel
//! last pass). Either way every row's result is bit-identical to the sequential one.

use pulp::{Simd, WithSimd};

use super::{Cost, PIECES_PER_THREAD, Threading, elementwise, split};
use crate::simd::Unary;
use crate::simd::io::{Buffers, InPlace, Io, OutOfPlace};
use crate::simd::softmax::{
    Acc, CHUNK, ExpPass, LogSub, Partial, ReadOnly, SOFTMAX_SIGMA, Scale, reduce_folded, row_max,
    tree_split,
};
use crate::simd::softmax_short::{short_rows, takes_short_path};

/// Row length from which a row that cannot be given a thread of its own is split across the
/// threads: three synchronised phases, which pay only on long rows.
const LONG_ROW_MIN_LEN: usize = 1 << 18;

/// Which function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `exp(x - max) / sum`.
    Softmax,
    /// `(x - max) - log(sum)`.
    LogSoftmax,
}

/// Input and output of a matrix or a row: what the passes need beyond [`Io`].
pub(crate) trait RowIo: Io<Side = ()> + Buffers {
    /// The storing exp pass (softmax): reads the input, writes `e` to the output.
    fn stored(&mut self) -> impl ExpPass + '_;
    /// An elementwise pass from the input to the output.
    fn map_last<S: Simd, F: Unary>(&mut self, simd: S, f: F);
}

impl RowIo for OutOfPlace<'_> {
    #[inline(always)]
    fn stored(&mut self) -> impl ExpPass + '_ {
        OutOfPlace::new(self.x, &mut *self.y)
    }
    #[inline(always)]
    fn map_last<S: Simd, F: Unary>(&mut self, simd: S, f: F) {
        OutOfPlace::new(self.x, &mut *self.y).map(simd, f);
    }
}

impl RowIo for InPlace<'_> {
    #[inline(always)]
    fn stored(&mut self) -> impl ExpPass + '_ {
        InPlace::new(&mut *self.0)
    }
    #[inline(always)]
    fn map_last<S: Simd, F: Unary>(&mut self, simd: S, f: F) {
        InPlace::new(&mut *self.0).map(simd, f);
    }
}

/// `1 / sum` for softmax; `None`: the row is NaN.
#[inline(always)]
fn softmax_scale(p: Partial) -> Option<Scale> {
    p.sum.is_finite().then(|| Scale::reciprocal_of(p.sum))
}

/// `log(sum)` for log-softmax, `sum = ones + p.sum`; `None`: the row is NaN.
#[inline(always)]
fn log_of_sum(p: Partial) -> Option<f32> {
    if !p.sum.is_finite() {
        None
    } else if p.ones == 1 {
        Some(p.sum.ln_1p() as f32)
    } else {
        Some((p.ones as f64 + p.sum).ln() as f32)
    }
}

/// One row, all three passes, on the calling thread.
#[inline(always)]
fn row<S: Simd, I: RowIo>(simd: S, io: I, kind: Kind) {
    batch::<S, I, 1, false>(simd, &mut [io], kind);
}

/// Rows processed side by side, each step for every row before the next step: the rows'
/// dependency chains (max, sum, `1 / sum`) are independent, so the CPU overlaps them. This
/// matters for short rows, whose time is otherwise dominated by those chains' latency.
/// `SHORT`: every row is a single chunk.
#[inline(always)]
fn batch<S: Simd, I: RowIo, const B: usize, const SHORT: bool>(
    simd: S,
    rows: &mut [I; B],
    kind: Kind,
) {
    let mut max = [0.0_f32; B];
    for b in 0..B {
        max[b] = row_max(simd, rows[b].input());
    }
    let mut partial = [Partial::ZERO; B];
    match kind {
        Kind::Softmax => {
            if SHORT {
                // The chunks' folded sums first, their (long-latency) reductions after.
                let mut folded = [Acc::new::<false>(simd).fold(simd, SOFTMAX_SIGMA); B];
                for b in 0..B {
                    if max[b].is_finite() {
                        folded[b] = rows[b]
                            .stored()
                            .accumulate::<S, false>(simd, max[b])
                            .fold(simd, SOFTMAX_SIGMA);
                    }
                }
                for b in 0..B {
                    partial[b].sum = reduce_folded::<S, false>(simd, folded[b]);
                }
            } else {
                for b in 0..B {
                    if max[b].is_finite() {
                        partial[b] = rows[b].stored().chunks::<S, false>(simd, max[b]);
                    }
                }
            }
            let mut scale = [None; B];
            for b in 0..B {
                scale[b] = softmax_scale(partial[b]).filter(|_| max[b].is_finite());
            }
            for b in 0..B {
                match scale[b] {
                    Some(scale) => InPlace::new(rows[b].output()).map(simd, scale),
                    None => rows[b].output().fill(f32::NAN),
                }
            }
        }
        Kind::LogSoftmax => {
            for b in 0..B {
                if max[b].is_finite() {
                    partial[b] = ReadOnly(rows[b].input()).chunks::<S, true>(simd, max[b]);
                }
            }
            for b in 0..B {
                match log_of_sum(partial[b]).filter(|_| max[b].is_finite()) {
                    Some(log_sum) => rows[b].map_last(
                        simd,
                        LogSub {
                            max: max[b],
                            log_sum,
                        },
                    ),
                    None => rows[b].output().fill(f32::NAN),
                }
            }
        }
    }
}

/// Rows up to this length are processed [`BATCH`] at a time.
const BATCH_MAX_COLS: usize = 256;
/// Rows per batch.
const BATCH: usize = 8;

/// One dispatch over consecutive rows.
struct Rows<I> {
    io: I,
    cols: usize,
    kind: Kind,
}

impl<I: RowIo> WithSimd for Rows<I> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let cols = self.cols;
        let mut rest = self.io;
        if takes_short_path(cols) {
            short_rows(simd, &mut rest, cols, self.kind == Kind::LogSoftmax);
            return;
        }
        if cols <= BATCH_MAX_COLS {
            while Io::len(&rest) >= BATCH * cols {
                let (r0, tail) = Io::split_at(rest, cols);
                let (r1, tail) = Io::split_at(tail, cols);
                let (r2, tail) = Io::split_at(tail, cols);
                let (r3, tail) = Io::split_at(tail, cols);
                let (r4, tail) = Io::split_at(tail, cols);
                let (r5, tail) = Io::split_at(tail, cols);
                let (r6, tail) = Io::split_at(tail, cols);
                let (r7, tail) = Io::split_at(tail, cols);
                batch::<S, I, BATCH, true>(simd, &mut [r0, r1, r2, r3, r4, r5, r6, r7], self.kind);
                rest = tail;
            }
        }
        while Io::len(&rest) > 0 {
            let (head, tail) = Io::split_at(rest, cols);
            row(simd, head, self.kind);
            rest = tail;
        }
    }
}

/// One dispatch of the max pass over a piece of a row.
struct Max<'a>(&'a [f32]);

impl WithSimd for Max<'_> {
    type Output = f32;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f32 {
        row_max(simd, self.0)
    }
}

/// One dispatch of the exp pass over a piece of a row starting at a chunk boundary.
struct ExpChunks<E, const LOG: bool> {
    piece: E,
    max: f32,
}

impl<E: ExpPass, const LOG: bool> WithSimd for ExpChunks<E, LOG> {
    type Output = Partial;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Partial {
        self.piece.chunks::<S, LOG>(simd, self.max)
    }
}

/// Runs softmax or log-softmax over the rows of `io` (`cols > 0` divides `io.len()`).
pub(crate) fn run<I: RowIo>(
    arch: pulp::Arch,
    threading: Threading,
    io: I,
    cols: usize,
    kind: Kind,
) {
    let len = Io::len(&io);
    if len == 0 {
        return;
    }
    // Below the threshold (and for sequential handles) no rayon call at all.
    let plan = threading.plan(len, Cost::Rows);
    if plan.threads <= 1 {
        arch.dispatch(Rows { io, cols, kind });
    } else {
        split_rows(arch, io, cols, kind, plan.threads);
    }
    plan.finish();
}

/// Softmax or log-softmax over the rows of `io`, split across `threads` threads.
fn split_rows<I: RowIo>(arch: pulp::Arch, io: I, cols: usize, kind: Kind, threads: usize) {
    let len = Io::len(&io);
    let rows = len / cols;
    if rows >= 2 * threads || cols < LONG_ROW_MIN_LEN {
        let piece_rows = rows.div_ceil(threads * PIECES_PER_THREAD).max(1);
        split(io, 0, piece_rows * cols, &|piece, _| {
            arch.dispatch(Rows {
                io: piece,
                cols,
                kind,
            })
        });
    } else {
        let mut rest = io;
        while Io::len(&rest) > 0 {
            let (head, tail) = Io::split_at(rest, cols);
            long_row(arch, head, kind, threads);
            rest = tail;
        }
    }
}

/// One row split across the threads of the current pool.
fn long_row<I: RowIo>(arch: pulp::Arch, mut io: I, kind: Kind, threads: usize) {
    let len = Io::len(&io);
    let pieces = threads * PIECES_PER_THREAD;
    let piece_len = len.div_ceil(pieces).next_multiple_of(CHUNK);
    let m = par_max(arch, io.input(), piece_len);
    if !m.is_finite() {
        io.output().fill(f32::NAN);
        return;
    }
    let leaf_chunks = piece_len / CHUNK;
    match kind {
        Kind::Softmax => {
            let p = par_exp::<_, false>(arch, io.stored(), m, leaf_chunks);
            match softmax_scale(p) {
                Some(scale) => elementwise::run(
                    arch,
                    Threading::FromLen(1),
                    Cost::Rows,
                    InPlace::new(io.output()),
                    scale,
                ),
                None => io.output().fill(f32::NAN),
            }
        }
        Kind::LogSoftmax => {
            let p = par_exp::<_, true>(arch, ReadOnly(io.input()), m, leaf_chunks);
            match log_of_sum(p) {
                Some(log_sum) => {
                    let f = LogSub { max: m, log_sum };
                    elementwise::run(arch, Threading::FromLen(1), Cost::Rows, io, f);
                }
                None => io.output().fill(f32::NAN),
            }
        }
    }
}

fn par_max(arch: pulp::Arch, x: &[f32], piece_len: usize) -> f32 {
    if x.len() <= piece_len {
        return arch.dispatch(Max(x));
    }
    let (a, b) = x.split_at(x.len().div_ceil(piece_len) / 2 * piece_len);
    let (ma, mb) = rayon::join(
        || par_max(arch, a, piece_len),
        || par_max(arch, b, piece_len),
    );
    // With a NaN in the row the maximum does not matter: the sum is NaN.
    ma.max(mb)
}

/// The exp pass over a piece starting at a chunk boundary, split along the fixed summation
/// tree until pieces have at most `leaf_chunks` chunks.
fn par_exp<E: ExpPass, const LOG: bool>(
    arch: pulp::Arch,
    piece: E,
    max: f32,
    leaf_chunks: usize,
) -> Partial {
    let n = piece.len().div_ceil(CHUNK);
    if n <= leaf_chunks.max(1) {
        return arch.dispatch(ExpChunks::<E, LOG> { piece, max });
    }
    let (a, b) = piece.split_at(tree_split(n) * CHUNK);
    let (pa, pb) = rayon::join(
        || par_exp::<E, LOG>(arch, a, max, leaf_chunks),
        || par_exp::<E, LOG>(arch, b, max, leaf_chunks),
    );
    pa.join(pb)
}
