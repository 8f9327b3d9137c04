//! The elementwise driver: split a slice (one or two inputs) across threads, dispatch once per
//! piece, walk the piece with the generic kernel.

use pulp::{Simd, WithSimd};

use super::{Cost, Threading, for_each_piece};
use crate::simd::Binary;
use crate::simd::io::{Io, Kernel, OneInput};
use crate::simd::periodic;

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

/// Runs `f(x[i], params[(i / inner) % C])` over `io`, a kernel of class `cost` whose second
/// input repeats with a period (PReLU's slopes; a bias, `inner == 1`): split across threads as
/// `threading` says, one dispatch per piece, each piece told where it starts in the period.
#[inline]
pub(crate) fn run_periodic<I: OneInput, F: Binary>(
    arch: pulp::Arch,
    threading: Threading,
    cost: Cost,
    io: I,
    params: &[f32],
    inner: usize,
    f: F,
) {
    for_each_piece(io, threading, cost, &|piece, start| {
        arch.dispatch(Periodic {
            io: piece,
            start,
            params,
            inner,
            f,
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

/// One dispatch of a periodic kernel over a piece starting at element `start` of the tensor.
struct Periodic<'a, I, F> {
    io: I,
    start: usize,
    params: &'a [f32],
    inner: usize,
    f: F,
}

impl<I: OneInput, F: Binary> WithSimd for Periodic<'_, I, F> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        periodic::map_periodic(simd, self.io, self.start, self.params, self.inner, self.f);
    }
}
