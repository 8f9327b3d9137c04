//! Softmax and log-softmax over rows stored as `f16` or `bf16`: each row's `f32` result, as the
//! `f32` kernel computes it from the widened row, rounded once to the storage type.
//!
//! - Rows of up to [`BLOCK`] elements are widened, as many whole rows at a time as fit, into a
//!   stack buffer, where the `f32` row driver itself ([`rows::rows_in`]) computes them in
//!   place; the buffer is then narrowed into the output. The bits are the `f32` kernel's by
//!   construction.
//! - Longer rows (several [`CHUNK`]s) are computed chunk by chunk with the `f32` kernel's own
//!   passes, each chunk widened into the buffer when it is read: the maximum, the chunk
//!   partials joined along the same fixed tree ([`Tree`]), and the output pass, which reads the
//!   half-precision input, computes in `f32` registers and rounds at the store. The three-pass
//!   softmax stores `exp(x - max)` and scales it; here the output pass recomputes that `exp`
//!   from the same `x` and `max`, which gives the same `f32` and so the same result.
//!
//! Threads split the matrix into pieces of whole rows; a long row stays on one thread (the
//! `f32` kernel may split it, with the same bits).

use pulp::{Simd, WithSimd};

use super::rows::{self, Kind, MapLast, Spec, finish, map_plain, softmax_scale};
use super::{Cost, Threading, elementwise, for_each_piece_of};
use crate::simd::convert::Element;
use crate::simd::half_io::{Convert, ConvertInPlace};
use crate::simd::io::{InPlace, Io};
use crate::simd::online::{Finish, Online, Tree, plain_chunk};
use crate::simd::softmax::{CHUNK, ExpPass, Partial, ReadOnly, Shift, row_max};
use crate::simd::{Identity, Unary};

/// Rows up to this length are widened whole into the stack buffer (32 KiB).
const BLOCK: usize = 2 * CHUNK;
/// The buffer of a call on at most this many elements: 2 KiB, so that short calls do not pay
/// for writing the large one.
const SMALL: usize = 512;

/// A matrix in half-precision storage, out of place or in place.
pub(crate) trait HalfIo: Io<Side = ()> + MapLast {
    /// The storage type.
    type E: Element;
    /// The input elements.
    fn input(&self) -> &[Self::E];
    /// The output elements.
    fn output(&mut self) -> &mut [Self::E];
    /// Elements `start..end`, as a layout of the same kind.
    fn range(&mut self, start: usize, end: usize) -> impl HalfIo<E = Self::E> + '_;
}

impl<A: Element> MapLast for Convert<'_, A, A> {
    #[inline(always)]
    fn map_last<S: Simd, F: Unary>(&mut self, simd: S, f: F) {
        Convert {
            x: self.x,
            y: &mut *self.y,
        }
        .map(simd, f);
    }
}

impl<A: Element> HalfIo for Convert<'_, A, A> {
    type E = A;
    #[inline(always)]
    fn input(&self) -> &[A] {
        self.x
    }
    #[inline(always)]
    fn output(&mut self) -> &mut [A] {
        self.y
    }
    #[inline(always)]
    fn range(&mut self, start: usize, end: usize) -> impl HalfIo<E = A> + '_ {
        Convert {
            x: &self.x[start..end],
            y: &mut self.y[start..end],
        }
    }
}

impl<A: Element> MapLast for ConvertInPlace<'_, A> {
    #[inline(always)]
    fn map_last<S: Simd, F: Unary>(&mut self, simd: S, f: F) {
        ConvertInPlace(&mut *self.0).map(simd, f);
    }
}

impl<A: Element> HalfIo for ConvertInPlace<'_, A> {
    type E = A;
    #[inline(always)]
    fn input(&self) -> &[A] {
        self.0
    }
    #[inline(always)]
    fn output(&mut self) -> &mut [A] {
        self.0
    }
    #[inline(always)]
    fn range(&mut self, start: usize, end: usize) -> impl HalfIo<E = A> + '_ {
        ConvertInPlace(&mut self.0[start..end])
    }
}

/// Softmax or log-softmax (`kind`) over the rows of `cols` elements of `io` (validated: whole
/// rows).
pub(crate) fn run<H: HalfIo>(
    arch: pulp::Arch,
    threading: Threading,
    io: H,
    cols: usize,
    kind: Kind,
) {
    let spec = Spec::plain(cols, kind);
    for_each_piece_of(io, cols, threading, Cost::Rows, &|piece: H, _| {
        if Io::len(&piece) <= SMALL {
            rows_through::<H, SMALL>(arch, piece, &spec);
        } else {
            rows_through::<H, BLOCK>(arch, piece, &spec);
        }
    });
}

// Each step below is a dispatch of its own over the buffer or one chunk: the `f32` row
// driver, the conversions and the chunk passes are then the crate's existing instances, not
// new copies of them per storage type (the row driver is large, and inlined whole).

/// The rows of `io` through a stack buffer of `N` `f32`, on the calling thread.
fn rows_through<H: HalfIo, const N: usize>(arch: pulp::Arch, mut io: H, spec: &Spec<'_>) {
    let mut buf = [0.0_f32; N];
    let cols = spec.cols;
    let len = Io::len(&io);
    if cols <= N {
        let per = N / cols * cols;
        let mut start = 0;
        while start < len {
            let end = len.min(start + per);
            let b = &mut buf[..end - start];
            convert(arch, &io.input()[start..end], b);
            rows::run(arch, Threading::Sequential, InPlace::new(b), spec);
            convert(arch, b, &mut io.output()[start..end]);
            start = end;
        }
    } else {
        for start in (0..len).step_by(cols) {
            long_row(arch, io.range(start, start + cols), spec.kind, &mut buf);
        }
    }
}

/// `x` converted into `y` (the same length), on the calling thread.
fn convert<A: Element, B: Element>(arch: pulp::Arch, x: &[A], y: &mut [B]) {
    elementwise::run(
        arch,
        Threading::Sequential,
        Cost::Memory,
        Convert { x, y },
        Identity,
    );
}

/// The chunks of `x`, each widened into `buf` and handed to `f`.
fn for_each_chunk<A: Element>(
    arch: pulp::Arch,
    x: &[A],
    buf: &mut [f32],
    mut f: impl FnMut(&[f32]),
) {
    for c in x.chunks(CHUNK) {
        let b = &mut buf[..c.len()];
        convert(arch, c, b);
        f(b);
    }
}

/// A row longer than the buffer, chunk by chunk: the passes the `f32` kernel runs on a row of
/// that length ([`rows::takes_three_passes`]).
fn long_row<H: HalfIo>(arch: pulp::Arch, io: H, kind: Kind, buf: &mut [f32]) {
    let n = Io::len(&io);
    let f = if rows::takes_three_passes(n, kind) {
        debug_assert_eq!(kind, Kind::Softmax);
        three_pass_softmax(arch, io.input(), buf)
    } else {
        let mut tree = Tree::new(Online::EMPTY);
        for_each_chunk(arch, io.input(), buf, |c| {
            tree.push(match kind {
                Kind::Softmax => arch.dispatch(ChunkTotal::<false>(c)),
                Kind::LogSoftmax => arch.dispatch(ChunkTotal::<true>(c)),
            })
        });
        finish(tree.finish(Online::EMPTY), kind)
    };
    arch.dispatch(Output { io, f, kind });
}

/// The maximum and scale of a softmax row as the three-pass kernel finds them: the maximum,
/// then the sum of `exp(x - max)` chunk by chunk along the tree; `None` if the row is NaN.
fn three_pass_softmax<A: Element>(arch: pulp::Arch, x: &[A], buf: &mut [f32]) -> Option<Finish> {
    let mut max = f32::NEG_INFINITY;
    for_each_chunk(arch, x, buf, |c| max = max.max(arch.dispatch(ChunkMax(c))));
    if !max.is_finite() {
        return None;
    }
    let shift = Shift {
        at: max,
        scale: 1.0,
    };
    let mut tree = Tree::new(Partial::ZERO);
    for_each_chunk(arch, x, buf, |c| {
        tree.push(arch.dispatch(ChunkSum { x: c, shift }))
    });
    let scale = softmax_scale(tree.finish(Partial::ZERO))?;
    Some(Finish {
        hi: max,
        lo: 0.0,
        scale,
    })
}

/// A widened chunk's maximum.
struct ChunkMax<'a>(&'a [f32]);

impl WithSimd for ChunkMax<'_> {
    type Output = f32;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f32 {
        row_max(simd, self.0)
    }
}

/// A widened chunk's partial sum of `exp(x - shift)`, as the three-pass kernel's.
struct ChunkSum<'a> {
    x: &'a [f32],
    shift: Shift,
}

impl WithSimd for ChunkSum<'_> {
    type Output = Partial;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Partial {
        ReadOnly(self.x).chunk::<S, false>(simd, self.shift)
    }
}

/// A widened chunk's online total, as the online kernel's (`LOG`: the elements at the
/// maximum counted apart).
struct ChunkTotal<'a, const LOG: bool>(&'a [f32]);

impl<const LOG: bool> WithSimd for ChunkTotal<'_, LOG> {
    type Output = Online;
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Online {
        plain_chunk::<S, LOG>(simd, self.0)
    }
}

/// A long row's output pass: from the half input, in `f32` registers, rounded at the store;
/// NaN where the row has no [`Finish`] (a plain row is then NaN, fully masked rows too).
struct Output<H> {
    io: H,
    f: Option<Finish>,
    kind: Kind,
}

impl<H: HalfIo> WithSimd for Output<H> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let mut io = self.io;
        match self.f {
            Some(f) => map_plain(simd, &mut io, f, self.kind),
            None => io.map_last(simd, Constant(f32::NAN)),
        }
    }
}

/// Every lane `self.0`.
#[derive(Clone, Copy, Debug)]
struct Constant(f32);

impl Unary for Constant {
    const COST: Cost = Cost::Memory;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, _: S::f32s) -> S::f32s {
        simd.splat_f32s(self.0)
    }
}
