//! PReLU over a slice whose slopes repeat with a period: element `i` of the whole tensor uses
//! `slopes[(i / inner) % slopes.len()]` (`inner == 1`: channels-last; `inner == H * W`:
//! channels-first, NCHW).
//!
//! The per-element slope stream is fed to the vector loop as contiguous windows, chosen so that
//! the loop never runs on short pieces: long runs of one slope use a splatted slope; a short
//! period is replicated once into a stack buffer and walked as a long pattern; anything else
//! is expanded window by window. No heap allocation.

use pulp::Simd;

use super::io::Io;
use super::{LeakyRelu, Prelu};

/// Stack buffer for expanded slopes (4 KiB: stays in L1 beside the data).
const WINDOW: usize = 1024;
/// Runs of one slope at least this long are processed with a splatted slope.
const MIN_RUN: usize = 32;

/// Applies PReLU to `io`, whose first element has index `start` in the whole tensor.
///
/// `slopes` is non-empty and `inner >= 1` (checked by the caller).
#[inline(always)]
pub(crate) fn prelu<S: Simd, I: Io>(simd: S, io: I, start: usize, slopes: &[f32], inner: usize) {
    let channels = slopes.len();
    let period = channels * inner;
    if inner >= MIN_RUN {
        runs_of_constant_slope(simd, io, start % period, slopes, inner);
    } else if inner == 1 && channels >= MIN_RUN {
        walk_pattern(simd, io, start, slopes);
    } else if period <= WINDOW / 2 {
        // Replicate the period as often as fits: the pattern walked is >= WINDOW / 2 long.
        let mut buf = [0.0_f32; WINDOW];
        let len = (WINDOW / period) * period;
        expand(&mut buf[..period], 0, slopes, inner);
        for k in 1..WINDOW / period {
            buf.copy_within(..period, k * period);
        }
        walk_pattern(simd, io, start, &buf[..len]);
    } else {
        expanded_windows(simd, io, start % period, slopes, inner);
    }
}

/// Walks a pattern that repeats with period `pattern.len()`, starting at phase `start`.
#[inline(always)]
fn walk_pattern<S: Simd, I: Io>(simd: S, io: I, start: usize, pattern: &[f32]) {
    let period = pattern.len();
    let mut phase = start % period;
    let mut rest = io;
    while rest.len() > 0 {
        let n = (period - phase).min(rest.len());
        let (head, tail) = rest.split_at(n);
        head.map_with(simd, Prelu, &pattern[phase..phase + n]);
        rest = tail;
        phase = 0;
    }
}

/// Runs of `inner` elements sharing one slope, starting at `phase` within the period.
#[inline(always)]
fn runs_of_constant_slope<S: Simd, I: Io>(
    simd: S,
    io: I,
    mut phase: usize,
    slopes: &[f32],
    inner: usize,
) {
    let mut rest = io;
    while rest.len() > 0 {
        let channel = phase / inner;
        let n = (inner - phase % inner).min(rest.len());
        let (head, tail) = rest.split_at(n);
        head.map(simd, LeakyRelu(slopes[channel]));
        rest = tail;
        phase = (phase + n) % (slopes.len() * inner);
    }
}

/// Long periods made of short runs: expand the slope stream window by window.
#[inline(always)]
fn expanded_windows<S: Simd, I: Io>(
    simd: S,
    io: I,
    mut phase: usize,
    slopes: &[f32],
    inner: usize,
) {
    let period = slopes.len() * inner;
    let mut buf = [0.0_f32; WINDOW];
    let mut rest = io;
    while rest.len() > 0 {
        let n = WINDOW.min(period - phase).min(rest.len());
        expand(&mut buf[..n], phase, slopes, inner);
        let (head, tail) = rest.split_at(n);
        head.map_with(simd, Prelu, &buf[..n]);
        rest = tail;
        phase = (phase + n) % period;
    }
}

/// Fills `out` with the slopes of the period positions `phase..phase + out.len()`
/// (which must not pass the end of the period).
#[inline(always)]
fn expand(out: &mut [f32], phase: usize, slopes: &[f32], inner: usize) {
    let mut pos = 0;
    let mut p = phase;
    while pos < out.len() {
        let n = (inner - p % inner).min(out.len() - pos);
        out[pos..pos + n].fill(slopes[p / inner]);
        pos += n;
        p += n;
    }
}
