//! The data path below the public functions: split the work across rayon threads, dispatch
//! once per piece to the chosen backend, run the generic kernel over the piece.
//!
//! Work is split only when it is long enough for the threads to pay for themselves: each
//! kernel's [`Cost`] class sets the automatic threshold (what the thresholds are and how they
//! were chosen: README, section Threads). Below the threshold there is no rayon call at all;
//! above it the automatic policy times its calls and splits only where splitting has measured
//! faster on this machine ([`adaptive`]).
//! Splitting uses `rayon::join`, so a call made inside a user's `ThreadPool::install` runs on
//! that pool and uses its thread count. Without the `rayon` feature there is one thread:
//! [`current_num_threads`] is 1, so no plan splits, and [`join`] runs its two halves in turn. [`elementwise`] drives the elementwise kernels (one or
//! two inputs), [`rows`] softmax and log-softmax, both through [`split`].

pub(crate) mod adaptive;
pub(crate) mod elementwise;
pub(crate) mod fused;
pub(crate) mod grad;
pub(crate) mod half_rows;
pub(crate) mod rows;

use crate::simd::io::Io;
// The trait `split` cuts by (an `Io`, a softmax pass, the gated units' rows of two halves).
pub(crate) use crate::simd::softmax::Pieces;

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
    /// Softmax and log-softmax over rows (`rows * cols` elements): about exp's cost per
    /// element, but a call pays the thread wake-up once for all its rows.
    Rows,
}

impl Cost {
    /// The automatic policy's threshold, in elements.
    pub(crate) const fn parallel_min_len(self) -> usize {
        match self {
            Cost::Transcendental => 1 << 20,
            Cost::Memory => 1 << 22,
            Cost::Rows => 1 << 16,
        }
    }
}

/// How a [`Kernels`](crate::Kernels) handle splits work across threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Threading {
    /// Never: everything runs on the calling thread.
    Sequential,
    /// From each kernel's own threshold on (its [`Cost`] class), where splitting has measured
    /// faster than not on this machine ([`adaptive`]).
    Automatic,
    /// From this many elements on, for every kernel.
    FromLen(usize),
}

/// What one call does about threads: how many to split across, and, under the automatic
/// policy, the timer that reports how long the call took (see [`adaptive`]).
pub(crate) struct Plan {
    /// 1: the call runs whole on the calling thread.
    pub(crate) threads: usize,
    timer: Option<adaptive::Timer>,
}

impl Plan {
    /// Ends the call: reports its time to the automatic policy.
    pub(crate) fn finish(self) {
        if let Some(timer) = self.timer {
            timer.finish();
        }
    }
}

impl Threading {
    /// The plan of a call of class `cost` on `len` elements. Asks rayon nothing below the
    /// threshold, nor for sequential handles.
    #[inline]
    pub(crate) fn plan(self, len: usize, cost: Cost) -> Plan {
        let min_len = match self {
            Threading::Sequential => usize::MAX,
            Threading::Automatic => cost.parallel_min_len(),
            Threading::FromLen(n) => n.max(1),
        };
        let whole = Plan {
            threads: 1,
            timer: None,
        };
        if len < min_len {
            return whole;
        }
        let threads = current_num_threads();
        if threads <= 1 {
            return whole;
        }
        match self {
            Threading::Automatic => {
                let timer = adaptive::start(cost, len);
                Plan {
                    threads: if timer.split() { threads } else { 1 },
                    timer: Some(timer),
                }
            }
            _ => Plan {
                threads,
                timer: None,
            },
        }
    }
}

/// Calls `f(piece, start)` on consecutive pieces of `io` covering it exactly, where `start` is
/// the index of the piece's first element in `io`. Pieces run in parallel on the current rayon
/// pool when `threading` says so for a call of class `cost` on `io.len()` elements; otherwise
/// `f` runs once, on the whole, on the calling thread.
#[inline]
pub(crate) fn for_each_piece<I, F>(io: I, threading: Threading, cost: Cost, f: &F)
where
    I: Io,
    F: Fn(I, usize) + Sync,
{
    for_each_piece_of(io, PIECE_ALIGN, threading, cost, f);
}

/// [`for_each_piece`] with pieces whose lengths are multiples of `align` (the last one
/// excepted): whole rows of a matrix.
#[inline]
pub(crate) fn for_each_piece_of<I, F>(io: I, align: usize, threading: Threading, cost: Cost, f: &F)
where
    I: Pieces,
    F: Fn(I, usize) + Sync,
{
    let len = io.len();
    let plan = threading.plan(len, cost);
    if plan.threads <= 1 {
        f(io, 0);
    } else {
        let piece_len = len
            .div_ceil(plan.threads * PIECES_PER_THREAD)
            .next_multiple_of(align);
        split(io, 0, piece_len, f);
    }
    plan.finish();
}

/// Calls `f(piece, start)` on pieces of `io` of `piece_len` elements (the last one shorter), in
/// parallel through `rayon::join`: halves at a multiple of `piece_len`, recursively, so that
/// pieces stay whole multiples of it (whole rows, whole cache lines).
pub(crate) fn split<I, F>(io: I, start: usize, piece_len: usize, f: &F)
where
    I: Pieces,
    F: Fn(I, usize) + Sync,
{
    let len = io.len();
    if len <= piece_len {
        f(io, start);
        return;
    }
    let mid = len.div_ceil(piece_len) / 2 * piece_len;
    let (a, b) = io.split_at(mid);
    join(
        || split(a, start, piece_len, f),
        || split(b, start + mid, piece_len, f),
    );
}

/// The threads of the current rayon pool; 1 without the `rayon` feature.
#[inline]
pub(crate) fn current_num_threads() -> usize {
    #[cfg(feature = "rayon")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "rayon"))]
    {
        1
    }
}

/// `rayon::join`; without the `rayon` feature, `a` then `b` on the calling thread (the results
/// are the same bits either way: every split point is fixed by the data, not by the threads).
#[inline]
pub(crate) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    #[cfg(feature = "rayon")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "rayon"))]
    {
        (a(), b())
    }
}
