//! The elementwise driver: split a slice (one or two inputs) across threads, dispatch once per
//! piece, walk the piece with the generic kernel.

use pulp::{Simd, WithSimd};

use super::{Cost, Threading, for_each_piece};
use crate::simd::io::{Io, Kernel, OneInput};
use crate::simd::prelu;

/// Runs `k`, a kernel of class `cost`, over `io`: split across threads as `threading` says,
/// one dispatch per piece.
#[inline]
pub(crate) fn run<I: Io, K: Kernel<I::Side>>(
    arch: pulp::Arch,
    threading: Threading,
    cost: Cost,
    io: I,
    k: K,
) {
    for_each_piece(io, threading, cost, &|piece, _| {
        arch.dispatch(Map { k, io: piece })
    });
}

/// Runs PReLU over `io` (a tensor whose element `i` uses `slopes[(i / inner) % C]`).
#[inline]
pub(crate) fn run_prelu<I: OneInput>(
    arch: pulp::Arch,
    threading: Threading,
    io: I,
    slopes: &[f32],
    inner: usize,
) {
    for_each_piece(io, threading, Cost::Memory, &|piece, start| {
        arch.dispatch(Prelu {
            io: piece,
            start,
            slopes,
            inner,
        })
    });
}

/// One dispatch of an elementwise kernel over a piece.
struct Map<K, I> {
    k: K,
    io: I,
}

impl<I: Io, K: Kernel<I::Side>> WithSimd for Map<K, I> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        self.io.map(simd, self.k);
    }
}

/// One dispatch of PReLU over a piece starting at element `start` of the tensor.
struct Prelu<'a, I> {
    io: I,
    start: usize,
    slopes: &'a [f32],
    inner: usize,
}

impl<I: OneInput> WithSimd for Prelu<'_, I> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        prelu::prelu(simd, self.io, self.start, self.slopes, self.inner);
    }
}
