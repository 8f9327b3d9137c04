//! The data path below the public functions: split the work across rayon threads, dispatch
//! once per piece to the chosen backend, run the generic kernel over the piece.
//!
//! Work is split only when it is long enough for the threads to pay for themselves: each
//! kernel's [`Cost`] class sets the automatic threshold (what the thresholds are and how they
//! were chosen: README, section Threads). Below the threshold there is no rayon call at all.
//! Splitting uses `rayon::join`, so a call made inside a user's `ThreadPool::install` runs on
//! that pool and uses its thread count. [`elementwise`] drives the elementwise kernels (one or
//! two inputs), [`rows`] softmax and log-softmax, both through [`split`].

pub(crate) mod elementwise;
pub(crate) mod rows;

use crate::simd::io::Io;

/// Pieces are whole cache lines (16 floats) times 4, so that no two threads write one line.
const PIECE_ALIGN: usize = 64;
/// Pieces per thread: a few, so that a slow thread does not hold the others up.
pub(crate) const PIECES_PER_THREAD: usize = 4;

/// How costly an elementwise kernel is per element: this picks the length from which the
/// automatic policy splits it across threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cost {
    /// exp and the functions built on it: compute-bound, yet two threads pay reliably only
    /// from about a million elements on the machines measured (README, section Threads).
    Transcendental,
    /// The ReLU family and other kernels of a few instructions: bound by memory traffic, a
    /// second thread helps only on large slices.
    Memory,
}

impl Cost {
    /// The automatic policy's threshold, in elements.
    pub(crate) const fn parallel_min_len(self) -> usize {
        match self {
            Cost::Transcendental => 1 << 20,
            Cost::Memory => 1 << 22,
        }
    }
}

/// How a [`Kernels`](crate::Kernels) handle splits work across threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Threading {
    /// Never: everything runs on the calling thread.
    Sequential,
    /// From each kernel's own threshold on (its [`Cost`] class; softmax's row threshold).
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

/// The number of threads to split `len` elements across: the current pool's when `len` reaches
/// `min_len` (`None`: never), else 1. Asks rayon nothing below the threshold.
#[inline]
pub(crate) fn threads_for(len: usize, min_len: Option<usize>) -> usize {
    if min_len.is_some_and(|m| len >= m.max(1)) {
        rayon::current_num_threads()
    } else {
        1
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
    let threads = threads_for(len, min_len);
    if threads <= 1 {
        f(io, 0);
        return;
    }
    let piece_len = len
        .div_ceil(threads * PIECES_PER_THREAD)
        .next_multiple_of(PIECE_ALIGN);
    split(io, 0, piece_len, f);
}

/// Calls `f(piece, start)` on pieces of `io` of `piece_len` elements (the last one shorter), in
/// parallel through `rayon::join`: halves at a multiple of `piece_len`, recursively, so that
/// pieces stay whole multiples of it (whole rows, whole cache lines).
pub(crate) fn split<I, F>(io: I, start: usize, piece_len: usize, f: &F)
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
