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
use crate::simd::logits::{
    LazyStage, Logits, REFERENCE_FROM, Reference, Stage, needs_recount, reference_of, scaled_pair,
    stage, tiny_sum,
};
use crate::simd::online::{
    ExpScale, Finish, Join, Online, staged_chunk, total, write_staged, write_stored,
};
use crate::simd::softmax::{
    Acc, CHUNK, ExpPass, LogSub, Partial, ReadOnly, SOFTMAX_SIGMA, Scale, Shift, reduce_folded,
    row_max, tree_split,
};
use crate::simd::softmax_short::{short_rows, takes_short_path};
use crate::{Mask, MaskedRows, SoftmaxOptions};

/// Row length from which a row that cannot be given a thread of its own is split across the
/// threads: three synchronised phases, which pay only on long rows.
const LONG_ROW_MIN_LEN: usize = 1 << 18;

/// Row length from which a plain softmax row is computed online (two reads of `x`, `exp`
/// evaluated twice) rather than in three passes (`exp` once, stored and rescaled): where a
/// row no longer stays in L2 between the passes. Shorter rows are compute-bound, and the
/// second `exp` costs more than the traffic it saves (README: "Long rows, online"). The same
/// length as [`LONG_ROW_MIN_LEN`], so that a row split across threads takes the algorithm it
/// takes on one thread, and gives the same bits. Log-softmax reads `x` for its output pass
/// anyway and goes online from two chunks on.
const ONLINE_SOFTMAX_MIN_LEN: usize = LONG_ROW_MIN_LEN;

/// Whether a row of `n` logits without an additive mask is computed in three passes (the
/// maximum, the stored or summed `exp`, the output) rather than online (each chunk relative
/// to its own maximum, the chunk totals joined along the tree).
#[inline(always)]
pub(crate) fn takes_three_passes(n: usize, kind: Kind) -> bool {
    n <= CHUNK || (kind == Kind::Softmax && n < ONLINE_SOFTMAX_MIN_LEN)
}

/// Which function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `exp(x - max) / sum`.
    Softmax,
    /// `(x - max) - log(sum)`.
    LogSoftmax,
}

/// A row's last pass: an elementwise kernel from its input to its output.
pub(crate) trait MapLast {
    /// An elementwise pass from the input to the output.
    fn map_last<S: Simd, F: Unary>(&mut self, simd: S, f: F);
}

/// Input and output of a matrix or a row: what the passes need beyond [`Io`].
pub(crate) trait RowIo: Io<Side = ()> + Buffers + MapLast {
    /// The storing exp pass (softmax): reads the input, writes `e` to the output.
    fn stored(&mut self) -> impl ExpPass + '_;
}

impl RowIo for OutOfPlace<'_> {
    #[inline(always)]
    fn stored(&mut self) -> impl ExpPass + '_ {
        OutOfPlace::new(self.x, &mut *self.y)
    }
}

impl MapLast for OutOfPlace<'_> {
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
}

impl MapLast for InPlace<'_> {
    #[inline(always)]
    fn map_last<S: Simd, F: Unary>(&mut self, simd: S, f: F) {
        InPlace::new(&mut *self.0).map(simd, f);
    }
}

/// `1 / sum` for softmax; `None`: the row is NaN.
#[inline(always)]
pub(crate) fn softmax_scale(p: Partial) -> Option<Scale> {
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

/// One row, all three passes, on the calling thread; a fully masked row is filled with
/// `empty`.
#[inline(always)]
fn row<S: Simd, I: RowIo>(simd: S, io: I, shift: Shift, kind: Kind, empty: f32) -> Status {
    let at = Some(shift.at);
    // Two copies: with the literal scale 1 the compiler drops the passes' scaled branches
    // (it stopped unswitching them itself once `Shift::of` grew its scaled case).
    if shift.scale == 1.0 {
        batch::<S, I, 1, false>(simd, &mut [io], kind, empty, 1.0, at)[0]
    } else {
        batch::<S, I, 1, false>(simd, &mut [io], kind, empty, shift.scale, at)[0]
    }
}

/// Rows processed side by side, each step for every row before the next step: the rows'
/// dependency chains (max, sum, `1 / sum`) are independent, so the CPU overlaps them. This
/// matters for short rows, whose time is otherwise dominated by those chains' latency.
/// `SHORT`: every row is a single chunk. Fully masked rows are filled with `empty`. `at`: the
/// `x` of the largest logit when the caller has it (one row, see [`Shift::of`]), else each
/// row's maximum is taken here (plain rows: `scale` is then the literal 1, which the compiler
/// propagates into the passes; a shift array built by the caller hid it, at 6 instructions
/// per element more on rows of 32).
#[inline(always)]
fn batch<S: Simd, I: RowIo, const B: usize, const SHORT: bool>(
    simd: S,
    rows: &mut [I; B],
    kind: Kind,
    empty: f32,
    scale: f32,
    at: Option<f32>,
) -> [Status; B] {
    let mut status = [Status::Written; B];
    let mut shift = [Shift { at: 0.0, scale }; B];
    let mut max = [0.0_f32; B];
    for b in 0..B {
        let at = at.unwrap_or_else(|| row_max(simd, rows[b].input()));
        shift[b] = Shift { at, scale };
        max[b] = shift[b].top();
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
                            .accumulate::<S, false>(simd, shift[b])
                            .fold(simd, SOFTMAX_SIGMA);
                    }
                }
                for b in 0..B {
                    partial[b].sum = reduce_folded::<S, false>(simd, folded[b]);
                }
            } else {
                for b in 0..B {
                    if max[b].is_finite() {
                        partial[b] = rows[b].stored().chunks::<S, false>(simd, shift[b]);
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
                    None => status[b] = fill_special(&mut rows[b], max[b], empty),
                }
            }
        }
        Kind::LogSoftmax => {
            for b in 0..B {
                if max[b].is_finite() {
                    partial[b] = ReadOnly(rows[b].input()).chunks::<S, true>(simd, shift[b]);
                }
                if needs_recount(partial[b].ones, partial[b].sum) {
                    let l = Logits::new(rows[b].input(), None, shift[b].scale);
                    let m = scaled_pair(shift[b].at, shift[b].scale);
                    partial[b].sum = tiny_sum(simd, l, m);
                }
            }
            for b in 0..B {
                match log_of_sum(partial[b]).filter(|_| max[b].is_finite()) {
                    Some(log_sum) if shift[b].scale == 1.0 => rows[b].map_last(
                        simd,
                        LogSub::<false> {
                            shift: shift[b],
                            log_sum,
                        },
                    ),
                    Some(log_sum) => rows[b].map_last(
                        simd,
                        LogSub::<true> {
                            shift: shift[b],
                            log_sum,
                        },
                    ),
                    None => status[b] = fill_special(&mut rows[b], max[b], empty),
                }
            }
        }
    }
    status
}

/// How a row's (live part's) output was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Its softmax.
    Written,
    /// Fully masked (every logit `-inf`): the policy's fill.
    Empty,
    /// NaN (a NaN or `+inf` logit).
    Nan,
}

/// Fills a row whose maximum `max` or sum is not finite: `empty` if every element is `-inf`,
/// NaN otherwise. Checked before anything is written (the row may be in place).
#[inline(always)]
fn fill_special<I: Buffers>(io: &mut I, max: f32, empty: f32) -> Status {
    let is_empty = max == f32::NEG_INFINITY && !io.input().iter().any(|v| v.is_nan());
    if is_empty {
        io.output().fill(empty);
        Status::Empty
    } else {
        io.output().fill(f32::NAN);
        Status::Nan
    }
}

/// Rows up to this length are processed [`BATCH`] at a time.
const BATCH_MAX_COLS: usize = 256;
/// Rows per batch.
const BATCH: usize = 8;

/// A call's rows: their shape, logits and outputs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec<'a> {
    pub(crate) cols: usize,
    /// Elements from one row's start to the next's (`>= cols`).
    pub(crate) stride: usize,
    pub(crate) scale: f32,
    pub(crate) mask: RowMask<'a>,
    /// Causal offset: row `r` has `r + offset + 1` live columns.
    pub(crate) causal: Option<usize>,
    /// What a fully masked row is filled with.
    pub(crate) empty: MaskedRows,
    pub(crate) kind: Kind,
}

/// The additive mask of each row.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RowMask<'a> {
    None,
    /// The same `cols` entries for every row.
    Broadcast(&'a [f32]),
    /// `cols` entries per row, rows packed.
    PerRow(&'a [f32]),
}

impl<'a> Spec<'a> {
    /// The plain function over packed rows.
    pub(crate) fn plain(cols: usize, kind: Kind) -> Spec<'a> {
        Spec {
            cols,
            stride: cols,
            scale: 1.0,
            mask: RowMask::None,
            causal: None,
            empty: MaskedRows::Nan,
            kind,
        }
    }

    /// The rows of a validated call with options (`rows` rows).
    pub(crate) fn with(cols: usize, rows: usize, opts: &SoftmaxOptions<'a>, kind: Kind) -> Self {
        let (mask, causal) = match opts.mask {
            Mask::None => (RowMask::None, None),
            Mask::Additive(m) if m.len() == cols && rows != 1 => (RowMask::Broadcast(m), None),
            Mask::Additive(m) => (RowMask::PerRow(m), None),
            Mask::Causal { offset } => (RowMask::None, Some(offset)),
        };
        Spec {
            cols,
            stride: opts.stride(cols),
            scale: opts.scale,
            mask,
            causal,
            empty: opts.masked_rows,
            kind,
        }
    }

    /// Whether the rows are packed, plain logits, unmasked: the three-pass kernels' case.
    fn is_plain_packed(&self) -> bool {
        self.stride == self.cols
            && self.scale == 1.0
            && matches!(self.mask, RowMask::None)
            && self.causal.is_none()
            && self.empty == MaskedRows::Nan
    }

    /// The live columns of row `r` (the others are causally masked).
    #[inline(always)]
    fn live(&self, r: usize) -> usize {
        match self.causal {
            Some(offset) => r.saturating_add(offset).saturating_add(1).min(self.cols),
            None => self.cols,
        }
    }

    /// The additive mask of the first `n` columns of row `r`.
    #[inline(always)]
    fn row_mask(&self, r: usize, n: usize) -> Option<&'a [f32]> {
        match self.mask {
            RowMask::None => None,
            RowMask::Broadcast(m) => Some(&m[..n]),
            RowMask::PerRow(m) => Some(&m[r * self.cols..r * self.cols + n]),
        }
    }

    /// The logits of the first `x.len()` columns of row `r`, whose inputs are `x`.
    #[inline(always)]
    fn logits<'x>(&self, x: &'x [f32], r: usize) -> Logits<'x>
    where
        'a: 'x,
    {
        Logits::new(x, self.row_mask(r, x.len()), self.scale)
    }

    /// What masked entries hold: 0 (log-softmax: `-inf`).
    fn masked_value(&self) -> f32 {
        match self.kind {
            Kind::Softmax => 0.0,
            Kind::LogSoftmax => f32::NEG_INFINITY,
        }
    }

    /// What a fully masked row holds.
    fn empty_value(&self) -> f32 {
        match self.empty {
            MaskedRows::Nan => f32::NAN,
            MaskedRows::Zero => self.masked_value(),
        }
    }
}

/// One dispatch over consecutive rows, the first of them row `first_row` of the call.
struct Rows<'s, I> {
    io: I,
    first_row: usize,
    spec: &'s Spec<'s>,
}

impl<I: RowIo> WithSimd for Rows<'_, I> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        rows_in(
            simd,
            self.io,
            self.first_row,
            self.spec,
            &mut LazyStage::new(),
        );
    }
}

/// The rows of `io`, the first of them row `first_row` of the call, on the calling thread.
#[inline(always)]
fn rows_in<S: Simd, I: RowIo>(
    simd: S,
    io: I,
    first_row: usize,
    spec: &Spec<'_>,
    st: &mut LazyStage,
) {
    let cols = spec.cols;
    let mut rest = io;
    if spec.is_plain_packed() && cols <= CHUNK {
        if takes_short_path(cols) {
            short_rows(simd, &mut rest, cols, spec.kind == Kind::LogSoftmax);
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
                let rows = &mut [r0, r1, r2, r3, r4, r5, r6, r7];
                batch::<S, I, BATCH, true>(simd, rows, spec.kind, f32::NAN, 1.0, None);
                rest = tail;
            }
        }
    }
    let mut r = first_row;
    while Io::len(&rest) > 0 {
        let take = spec.stride.min(Io::len(&rest));
        let (block, tail) = Io::split_at(rest, take);
        let (head, _gap) = Io::split_at(block, cols);
        one_row(simd, head, r, spec, st);
        rest = tail;
        r += 1;
    }
}

/// Row `r` of the call (`io`: its `cols` elements): the live columns, then the masked ones.
#[inline(always)]
fn one_row<S: Simd, I: RowIo>(simd: S, io: I, r: usize, spec: &Spec<'_>, st: &mut LazyStage) {
    let (live, mut dead) = Io::split_at(io, spec.live(r));
    let fill = match live_row(simd, live, r, spec, st) {
        Status::Written => spec.masked_value(),
        Status::Empty => spec.empty_value(),
        Status::Nan => f32::NAN,
    };
    dead.output().fill(fill);
}

/// The live part of row `r`: softmax or log-softmax written, or the row filled as its
/// [`Status`] says.
#[inline(always)]
fn live_row<S: Simd, I: RowIo>(
    simd: S,
    mut io: I,
    r: usize,
    spec: &Spec<'_>,
    st: &mut LazyStage,
) -> Status {
    let n = Io::len(&io);
    if n == 0 {
        return Status::Empty;
    }
    let mut l = spec.logits(io.input(), r);
    let plain = l.mask.is_none() && l.scale == 1.0;
    let staged_once = !plain && n <= CHUNK;
    // Without an additive mask the logits `scale * x` are ordered as `x` (reversed for a
    // negative scale): the three passes find the maximum on `x` and scale `x - max` exactly,
    // unless `x - max` can overflow (`Shift::of`), where the staged path below takes over.
    if l.mask.is_none() && takes_three_passes(n, spec.kind) {
        if let Some(shift) = Shift::of(simd, io.input(), spec.scale) {
            return row(simd, io, shift, spec.kind, spec.empty_value());
        }
    }
    let log = spec.kind == Kind::LogSoftmax;
    // Once, twice with a reference, three times with a second one (`reference_for` gives none
    // after that): one copy of the inlined passes, not three.
    let mut t = loop {
        let t = row_total(simd, l, log, staged_once, st);
        match reference_for(simd, l, t, st) {
            Some(r) => l.reference = Some(r),
            None => break t,
        }
    };
    if log {
        t = recounted(simd, t, l);
    }
    let reference = l.reference;
    let Some(f) = finish(t, spec.kind) else {
        return fill_total(&mut io, t, spec.empty_value());
    };
    if staged_once {
        if log {
            write_staged::<S, true>(simd, st.get(), io.output(), f);
        } else {
            write_stored(simd, st.get(), io.output(), f.scale);
        }
    } else if plain {
        map_plain(simd, &mut io, f, spec.kind);
    } else {
        let out = StagedOutput {
            io,
            mask: spec.row_mask(r, n),
            scale: spec.scale,
            reference,
            f,
            kind: spec.kind,
        };
        out.write(simd, st.get());
    }
    Status::Written
}

/// The total of the live row `l` (log-softmax: `log`): one staged chunk, stored for softmax
/// (`staged_once`), or chunk by chunk along the tree. (A function, not a closure: a closure
/// called twice was not inlined and lost the target features.)
#[inline(always)]
fn row_total<S: Simd>(
    simd: S,
    l: Logits<'_>,
    log: bool,
    staged_once: bool,
    st: &mut LazyStage,
) -> Online {
    let plain = l.mask.is_none() && l.scale == 1.0;
    match (log, staged_once) {
        (false, true) => staged_chunk::<S, false, true>(simd, l, st.get()),
        (true, true) => staged_chunk::<S, true, false>(simd, l, st.get()),
        (false, false) => total::<S, false>(simd, l, plain, st),
        (true, false) => total::<S, true>(simd, l, plain, st),
    }
}

/// The [`Reference`] a masked row `l` is staged relative to, given its total `t` as staged so
/// far (without a reference, or relative to a first one); `None` where it needs none, or no
/// other ([`reference_of`]).
#[inline(always)]
fn reference_for<S: Simd>(
    simd: S,
    l: Logits<'_>,
    t: Online,
    st: &mut LazyStage,
) -> Option<Reference> {
    if l.mask.is_none()
        || l.reference.is_some_and(|r| r.second)
        || !t.hi.is_finite()
        || t.hi.abs() < REFERENCE_FROM
        || t.sum.is_nan()
    {
        return None;
    }
    reference_of(simd, l, (t.hi, t.lo), st.get())
}

/// One dispatch of [`reference_for`], for the rows split across threads (the reference is
/// found on the calling thread).
struct FindReference<'a> {
    l: Logits<'a>,
    t: Online,
}

impl WithSimd for FindReference<'_> {
    type Output = Option<Reference>;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Option<Reference> {
        reference_for(simd, self.l, self.t, &mut LazyStage::new())
    }
}

/// The output pass of plain logits: `exp(x - max) / sum` or `(x - max) - log(sum)`.
#[inline(always)]
pub(crate) fn map_plain<S: Simd, I: MapLast>(simd: S, io: &mut I, f: Finish, kind: Kind) {
    match kind {
        Kind::Softmax => io.map_last(
            simd,
            ExpScale {
                max: f.hi,
                scale: f.scale,
            },
        ),
        Kind::LogSoftmax => io.map_last(
            simd,
            LogSub::<false> {
                shift: Shift {
                    at: f.hi,
                    scale: 1.0,
                },
                log_sum: f.scale.hi,
            },
        ),
    }
}

/// The row's maximum and its scale (`1 / sum`) or `log(sum)`; `None` if the row is fully
/// masked or NaN.
#[inline(always)]
pub(crate) fn finish(t: Online, kind: Kind) -> Option<Finish> {
    if !t.hi.is_finite() {
        return None;
    }
    let scale = match kind {
        Kind::Softmax => softmax_scale(t.partial())?,
        Kind::LogSoftmax => Scale {
            hi: log_of_sum(t.partial())?,
            lo: 0.0,
        },
    };
    Some(Finish {
        hi: t.hi,
        lo: t.lo,
        scale,
    })
}

/// A log-softmax row's total `t` of the logits `l`, its sum recounted by [`tiny_sum`] where
/// [`needs_recount`] says.
#[inline(always)]
fn recounted<S: Simd>(simd: S, t: Online, l: Logits<'_>) -> Online {
    if needs_recount(t.ones, t.sum) {
        Online {
            sum: tiny_sum(simd, l, (t.hi, t.lo)),
            ..t
        }
    } else {
        t
    }
}

/// [`recounted`] for a row whose total was split across threads: a row is recounted whole, on
/// the calling thread, so that the sum's order does not depend on the split.
fn recounted_on(arch: pulp::Arch, t: Online, l: Logits<'_>) -> Online {
    if needs_recount(t.ones, t.sum) {
        arch.dispatch(Recount { t, l })
    } else {
        t
    }
}

/// One dispatch of [`recounted`].
struct Recount<'a> {
    t: Online,
    l: Logits<'a>,
}

impl WithSimd for Recount<'_> {
    type Output = Online;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Online {
        recounted(simd, self.t, self.l)
    }
}

/// Fills a row whose total has no [`finish`]: `empty` if fully masked, NaN otherwise.
#[inline(always)]
fn fill_total<I: Buffers>(io: &mut I, t: Online, empty: f32) -> Status {
    if t.is_empty() {
        io.output().fill(empty);
        Status::Empty
    } else {
        io.output().fill(f32::NAN);
        Status::Nan
    }
}

/// One dispatch of a piece of a row's total (the piece starts at a chunk boundary).
struct Total<'a> {
    l: Logits<'a>,
    plain: bool,
    log: bool,
}

impl WithSimd for Total<'_> {
    type Output = Online;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Online {
        let mut st = LazyStage::new();
        if self.log {
            total::<S, true>(simd, self.l, self.plain, &mut st)
        } else {
            total::<S, false>(simd, self.l, self.plain, &mut st)
        }
    }
}

/// The output pass over a piece of a row of staged logits (the inputs are the piece's; `mask`
/// its mask), staged again chunk by chunk as the total was.
struct StagedOutput<'a, I> {
    io: I,
    mask: Option<&'a [f32]>,
    scale: f32,
    reference: Option<Reference>,
    f: Finish,
    kind: Kind,
}

impl<I: RowIo> StagedOutput<'_, I> {
    /// Writes the piece's output, staging in `st`.
    #[inline(always)]
    fn write<S: Simd>(self, simd: S, st: &mut Stage) {
        let mut io = self.io;
        let n = Io::len(&io);
        let mut start = 0;
        while start < n {
            let end = n.min(start + CHUNK);
            let l = Logits {
                reference: self.reference,
                ..Logits::new(
                    &io.input()[start..end],
                    self.mask.map(|m| &m[start..end]),
                    self.scale,
                )
            };
            stage(simd, l, st);
            let y = &mut io.output()[start..end];
            match self.kind {
                Kind::Softmax => write_staged::<S, false>(simd, st, y, self.f),
                Kind::LogSoftmax => write_staged::<S, true>(simd, st, y, self.f),
            }
            start = end;
        }
    }
}

impl<I: RowIo> WithSimd for StagedOutput<'_, I> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        self.write(simd, &mut Stage::new());
    }
}

/// Runs softmax or log-softmax over the rows of `io` as `spec` says (`io` validated: whole
/// rows, `io.len() >= (rows - 1) * stride + cols`).
pub(crate) fn run<I: RowIo>(arch: pulp::Arch, threading: Threading, io: I, spec: &Spec<'_>) {
    let len = Io::len(&io);
    if len == 0 {
        return;
    }
    // Below the threshold (and for sequential handles) no rayon call at all.
    let plan = threading.plan(len, Cost::Rows);
    if plan.threads <= 1 {
        arch.dispatch(Rows {
            io,
            first_row: 0,
            spec,
        });
    } else {
        split_rows(arch, io, spec, plan.threads);
    }
    plan.finish();
}

/// Softmax or log-softmax over the rows of `io`, split across `threads` threads.
fn split_rows<I: RowIo>(arch: pulp::Arch, io: I, spec: &Spec<'_>, threads: usize) {
    let len = Io::len(&io);
    let rows = len.div_ceil(spec.stride);
    if rows >= 2 * threads || spec.cols < LONG_ROW_MIN_LEN {
        let piece_rows = rows.div_ceil(threads * PIECES_PER_THREAD).max(1);
        split(io, 0, piece_rows * spec.stride, &|piece, start| {
            arch.dispatch(Rows {
                io: piece,
                first_row: start / spec.stride,
                spec,
            })
        });
    } else {
        let mut rest = io;
        let mut r = 0;
        while Io::len(&rest) > 0 {
            let take = spec.stride.min(Io::len(&rest));
            let (block, tail) = Io::split_at(rest, take);
            let (head, _gap) = Io::split_at(block, spec.cols);
            long_row(arch, head, r, spec, threads);
            rest = tail;
            r += 1;
        }
    }
}

/// Row `r` split across the threads of the current pool: the total of its live part in
/// pieces along the chunk tree, then the output pass in pieces.
fn long_row<I: RowIo>(arch: pulp::Arch, io: I, r: usize, spec: &Spec<'_>, threads: usize) {
    if spec.live(r) < LONG_ROW_MIN_LEN {
        // A causal row whose live part is short: as on one thread.
        arch.dispatch(Rows {
            io,
            first_row: r,
            spec,
        });
        return;
    }
    let (mut live, mut dead) = Io::split_at(io, spec.live(r));
    let len = Io::len(&live);
    let pieces = threads * PIECES_PER_THREAD;
    let piece_len = len.div_ceil(pieces).next_multiple_of(CHUNK);
    let mask = spec.row_mask(r, len);
    let plain = mask.is_none() && spec.scale == 1.0;
    let log = spec.kind == Kind::LogSoftmax;
    let mut l = spec.logits(live.input(), r);
    let mut t = par_total(arch, l, plain, log, piece_len / CHUNK);
    while let Some(r) = arch.dispatch(FindReference { l, t }) {
        l.reference = Some(r);
        t = par_total(arch, l, plain, log, piece_len / CHUNK);
    }
    if log {
        t = recounted_on(arch, t, l);
    }
    let reference = l.reference;
    let status = match finish(t, spec.kind) {
        None => fill_total(&mut live, t, spec.empty_value()),
        Some(f) if plain => {
            let single = Threading::FromLen(1);
            match spec.kind {
                Kind::Softmax => {
                    let k = ExpScale {
                        max: f.hi,
                        scale: f.scale,
                    };
                    elementwise::run(arch, single, Cost::Rows, live, k);
                }
                Kind::LogSoftmax => {
                    let k = LogSub::<false> {
                        shift: Shift {
                            at: f.hi,
                            scale: 1.0,
                        },
                        log_sum: f.scale.hi,
                    };
                    elementwise::run(arch, single, Cost::Rows, live, k);
                }
            }
            Status::Written
        }
        Some(f) => {
            split(live, 0, piece_len, &|piece: I, start| {
                let n = Io::len(&piece);
                arch.dispatch(StagedOutput {
                    io: piece,
                    mask: mask.map(|m| &m[start..start + n]),
                    scale: spec.scale,
                    reference,
                    f,
                    kind: spec.kind,
                })
            });
            Status::Written
        }
    };
    let fill = match status {
        Status::Written => spec.masked_value(),
        Status::Empty => spec.empty_value(),
        Status::Nan => f32::NAN,
    };
    dead.output().fill(fill);
}

/// A row's total over a piece starting at a chunk boundary, split along the fixed summation
/// tree until pieces have at most `leaf_chunks` chunks.
fn par_total(
    arch: pulp::Arch,
    l: Logits<'_>,
    plain: bool,
    log: bool,
    leaf_chunks: usize,
) -> Online {
    let n = l.len().div_ceil(CHUNK);
    if n <= leaf_chunks.max(1) {
        return arch.dispatch(Total { l, plain, log });
    }
    let mid = tree_split(n) * CHUNK;
    let (a, b) = (l.range(0, mid), l.range(mid, l.len()));
    let (ta, tb) = super::join(
        || par_total(arch, a, plain, log, leaf_chunks),
        || par_total(arch, b, plain, log, leaf_chunks),
    );
    ta.join(tb)
}

/// `log(sum_j exp(z_j))` of a row's total, in `f64` rounded once: `m + log(sum)` (with
/// `ln_1p` when one element holds the maximum); NaN or the fully masked value as [`finish`].
fn lse_value(t: Online, l: &Logits<'_>, empty: MaskedRows) -> f32 {
    if t.is_empty() {
        return match empty {
            MaskedRows::Nan => f32::NAN,
            MaskedRows::Zero => f32::NEG_INFINITY,
        };
    }
    if !t.hi.is_finite() || !t.sum.is_finite() {
        return f32::NAN;
    }
    let log_sum = if t.ones == 1 {
        t.sum.ln_1p()
    } else {
        (t.ones as f64 + t.sum).ln()
    };
    (((l.offset() + f64::from(t.hi)) + f64::from(t.lo)) + log_sum) as f32
}

/// One dispatch of log-sum-exp over consecutive rows (`out`: one value per row).
struct LseRows<'s, 'x> {
    x: &'x [f32],
    out: &'x mut [f32],
    first_row: usize,
    spec: &'s Spec<'s>,
}

impl WithSimd for LseRows<'_, '_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let spec = self.spec;
        let mut st = LazyStage::new();
        for (i, o) in self.out.iter_mut().enumerate() {
            let r = self.first_row + i;
            let start = i * spec.stride;
            let x = &self.x[start..start + spec.live(r)];
            let mut l = spec.logits(x, r);
            let plain = l.mask.is_none() && l.scale == 1.0;
            // One call site of the inlined passes (see `live_row`).
            let t = loop {
                let t = total::<S, true>(simd, l, plain, &mut st);
                match reference_for(simd, l, t, &mut st) {
                    Some(r) => l.reference = Some(r),
                    None => break t,
                }
            };
            let t = recounted(simd, t, l);
            *o = lse_value(t, &l, spec.empty);
        }
    }
}

/// `log_sum_exp` over the rows of `x` (validated: `out.len()` rows) as `spec` says.
pub(crate) fn log_sum_exp(
    arch: pulp::Arch,
    threading: Threading,
    x: &[f32],
    out: &mut [f32],
    spec: &Spec<'_>,
) {
    if out.is_empty() {
        return;
    }
    let plan = threading.plan(x.len(), Cost::Rows);
    if plan.threads <= 1 {
        arch.dispatch(LseRows {
            x,
            out,
            first_row: 0,
            spec,
        });
    } else if out.len() >= 2 * plan.threads || spec.cols < LONG_ROW_MIN_LEN {
        let piece_rows = out.len().div_ceil(plan.threads * PIECES_PER_THREAD).max(1);
        split_lse(arch, x, out, 0, piece_rows, spec);
    } else {
        let leaf_chunks = (spec.cols.div_ceil(plan.threads * PIECES_PER_THREAD) / CHUNK).max(1);
        for (r, o) in out.iter_mut().enumerate() {
            let start = r * spec.stride;
            let mut l = spec.logits(&x[start..start + spec.live(r)], r);
            let plain = l.mask.is_none() && l.scale == 1.0;
            let mut t = par_total(arch, l, plain, true, leaf_chunks);
            while let Some(r) = arch.dispatch(FindReference { l, t }) {
                l.reference = Some(r);
                t = par_total(arch, l, plain, true, leaf_chunks);
            }
            let t = recounted_on(arch, t, l);
            *o = lse_value(t, &l, spec.empty);
        }
    }
    plan.finish();
}

/// [`log_sum_exp`]'s rows split in halves of whole pieces of `piece_rows` rows, in parallel.
fn split_lse(
    arch: pulp::Arch,
    x: &[f32],
    out: &mut [f32],
    first_row: usize,
    piece_rows: usize,
    spec: &Spec<'_>,
) {
    let rows = out.len();
    if rows <= piece_rows {
        arch.dispatch(LseRows {
            x,
            out,
            first_row,
            spec,
        });
        return;
    }
    let mid = rows.div_ceil(piece_rows) / 2 * piece_rows;
    let (xa, xb) = x.split_at(mid * spec.stride);
    let (oa, ob) = out.split_at_mut(mid);
    super::join(
        || split_lse(arch, xa, oa, first_row, piece_rows, spec),
        || split_lse(arch, xb, ob, first_row + mid, piece_rows, spec),
    );
}
