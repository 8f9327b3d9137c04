//! The drivers of the fused kernels: bias + activation (a side stream that repeats with the
//! bias's period) and the gated units (two input streams; or rows holding both halves). The
//! activation's kernel is picked once per call (`Activation::visit_kernel`); then, as for every
//! elementwise kernel, the work is split across threads by the kernel's cost class and
//! dispatched once per piece.

use pulp::{Simd, WithSimd};

use super::{Pieces, Threading, elementwise, for_each_piece_of};
use crate::Activation;
use crate::simd::fused::{BiasThen, Gated};
use crate::simd::io::{Io, OneInput, OutOfPlace};
use crate::simd::{Binary, Unary, UnaryVisitor};

/// `act(x[i] + bias[i % C])` over `io` (`C = bias.len() > 0` divides `io.len()`).
pub(crate) fn bias_activate<I: OneInput>(
    arch: pulp::Arch,
    threading: Threading,
    io: I,
    bias: &[f32],
    act: Activation,
) {
    act.visit_kernel(Bias {
        arch,
        threading,
        io,
        bias,
    });
}

struct Bias<'a, I> {
    arch: pulp::Arch,
    threading: Threading,
    io: I,
    bias: &'a [f32],
}

impl<I: OneInput> UnaryVisitor for Bias<'_, I> {
    type Output = ();
    #[inline]
    fn visit<K: Unary>(self, k: K) {
        let (arch, threading) = (self.arch, self.threading);
        // The bias's period is one row of channels: `inner == 1`.
        elementwise::run_periodic(arch, threading, K::COST, self.io, self.bias, 1, BiasThen(k));
    }
}

/// `act(gate[i]) * up[i]` over `io`, whose main stream is `up` and side stream `gate` if
/// `UP_MAIN` (in place over `up`), else the other way round.
pub(crate) fn glu<'s, I: Io<Side = &'s [f32]>, const UP_MAIN: bool>(
    arch: pulp::Arch,
    threading: Threading,
    io: I,
    act: Activation,
) {
    act.visit_kernel(Glu::<I, UP_MAIN> {
        arch,
        threading,
        io,
    });
}

struct Glu<I, const UP_MAIN: bool> {
    arch: pulp::Arch,
    threading: Threading,
    io: I,
}

impl<'s, I: Io<Side = &'s [f32]>, const UP_MAIN: bool> UnaryVisitor for Glu<I, UP_MAIN> {
    type Output = ();
    #[inline]
    fn visit<K: Unary>(self, k: K) {
        let f = Gated::<K, UP_MAIN>(k);
        elementwise::run(self.arch, self.threading, K::COST, self.io, f);
    }
}

/// `y[r][j] = act(x[r][j]) * x[r][cols + j]` for every row `r` of `x` (`2 * cols` entries) and
/// of `y` (`cols` entries); `x.len() == 2 * y.len()`, a multiple of `2 * cols`.
pub(crate) fn glu_rows(
    arch: pulp::Arch,
    threading: Threading,
    x: &[f32],
    y: &mut [f32],
    cols: usize,
    act: Activation,
) {
    if y.is_empty() {
        return;
    }
    let rows = RowPairs { x, y, cols };
    act.visit_kernel(GluRows {
        arch,
        threading,
        rows,
    });
}

/// Rows of `2 * cols` inputs and `cols` outputs; its length is that of the output.
struct RowPairs<'a> {
    x: &'a [f32],
    y: &'a mut [f32],
    cols: usize,
}

impl Pieces for RowPairs<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.y.len()
    }
    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (x0, x1) = self.x.split_at(2 * mid);
        let (y0, y1) = self.y.split_at_mut(mid);
        let cols = self.cols;
        (
            RowPairs { x: x0, y: y0, cols },
            RowPairs { x: x1, y: y1, cols },
        )
    }
}

struct GluRows<'a> {
    arch: pulp::Arch,
    threading: Threading,
    rows: RowPairs<'a>,
}

impl UnaryVisitor for GluRows<'_> {
    type Output = ();
    #[inline]
    fn visit<K: Unary>(self, k: K) {
        let (arch, cols) = (self.arch, self.rows.cols);
        let f = Gated::<K, false>(k);
        // Pieces of whole rows.
        for_each_piece_of(self.rows, cols, self.threading, K::COST, &|rows, _| {
            arch.dispatch(RowsPiece { rows, f })
        });
    }
}

/// One dispatch over consecutive rows: each row's gate and up halves walked as the main and
/// side streams.
struct RowsPiece<'a, F> {
    rows: RowPairs<'a>,
    f: F,
}

impl<F: Binary> WithSimd for RowsPiece<'_, F> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let cols = self.rows.cols;
        let pairs = self.rows.x.chunks_exact(2 * cols);
        for (x, y) in pairs.zip(self.rows.y.chunks_exact_mut(cols)) {
            let (gate, up) = x.split_at(cols);
            OutOfPlace {
                x: gate,
                side: up,
                y,
            }
            .map(simd, self.f);
        }
    }
}
