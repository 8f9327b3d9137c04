//! Splitting work across rayon threads.
//!
//! Work is split only when the slice is long enough for the threads to pay for themselves.
//! Per-kernel thresholds, measured with the example on the 2-core development VM (AMD EPYC,
//! Zen 5), where waking rayon's second worker costs tens of microseconds: sigmoid on two
//! threads runs at 0.2x the single-thread speed at 32 Ki elements, 0.6x at 128 Ki, 1.4x at
//! 256 Ki and 1.7x at 1 Mi, so exp, sigmoid and tanh split from 256 Ki on; ReLU is at 0.8x at
//! 1 Mi and 1.5x at 4 Mi, so the memory-bound ReLU family splits from 4 Mi on. Below the
//! threshold there is no rayon call at all. Splitting uses `rayon::join`, so a call made inside
//! a user's `ThreadPool::install` runs on that pool and
//! uses its thread count.

use crate::simd::io::Io;

/// Pieces are whole cache lines (16 floats) times 4, so that no two threads write one line.
const PIECE_ALIGN: usize = 64;
/// Pieces per thread: a few, so that a slow thread does not hold the others up.
const PIECES_PER_THREAD: usize = 4;

/// How a [`Kernels`](crate::Kernels) handle splits work across threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Threading {
    /// Never: everything runs on the calling thread.
    Sequential,
    /// From each kernel's measured threshold on.
    Automatic,
    /// From this many elements on, for every kernel.
    FromLen(usize),
}

impl Threading {
    /// The length from which to split, given the kernel's own threshold; `None`: never.
    #[inline]
    pub(crate) fn min_len(self, kernel_default: usize) -> Option<usize> {
        match self {
            Threading::Sequential => None,
            Threading::Automatic => Some(kernel_default),
            Threading::FromLen(n) => Some(n),
        }
    }
}

/// Calls `f(piece, start)` on consecutive pieces of `io` covering it exactly, where `start` is
/// the index of the piece's first element in `io`. Pieces run in parallel on the current rayon
/// pool when `io.len() >= min_len` and the pool has more than one thread; otherwise `f` runs
/// once, on the whole, on the calling thread.
#[inline]
pub(crate) fn for_each_piece<I, F>(io: I, min_len: Option<usize>, f: &F)
where
    I: Io,
    F: Fn(I, usize) + Sync,
{
    let len = io.len();
    let parallel = min_len.is_some_and(|m| len >= m.max(1)) && rayon::current_num_threads() > 1;
    if !parallel {
        f(io, 0);
        return;
    }
    let pieces = rayon::current_num_threads() * PIECES_PER_THREAD;
    let piece_len = len.div_ceil(pieces).next_multiple_of(PIECE_ALIGN);
    split(io, 0, piece_len, f);
}

fn split<I, F>(io: I, start: usize, piece_len: usize, f: &F)
where
    I: Io,
    F: Fn(I, usize) + Sync,
{
    let len = io.len();
    if len <= piece_len {
        f(io, start);
        return;
    }
    let mid = len.div_ceil(piece_len) / 2 * piece_len;
    let (a, b) = io.split_at(mid);
    rayon::join(
        || split(a, start, piece_len, f),
        || split(b, start + mid, piece_len, f),
    );
}
