//! PReLU over a slice whose slopes repeat with a period: element `i` of the whole tensor uses
//! `slopes[(i / inner) % slopes.len()]` (`inner == 1`: channels-last; `inner == H * W`:
//! channels-first, NCHW).
//!
//! The per-element slope stream is fed to the vector loop without ever running it on short
//! pieces:
//! - long runs of one slope (`inner >= 32`): Leaky ReLU with the slope splatted, run by run;
//! - a period `P = slopes.len() * inner` whose multiple `lcm(P, lanes)` fits in 64 vectors:
//!   that many slope vectors are built once on the stack and cycled through along the slice
//!   (the common case: a few channels, channels-last);
//! - channels-last with many channels: the slopes slice itself is the parameter stream;
//! - anything else: the stream is expanded window by window into a stack buffer.
//!
//! No heap allocation.

use pulp::Simd;

use super::Prelu;
use super::io::{Io, OneInput};
use crate::activations::kernel::LeakyRelu;

/// Runs of one slope at least this long are processed with a splatted slope.
const MIN_RUN: usize = 32;
/// Most slope vectors built for the cyclic case (64 x 64 bytes: 4 KiB of stack on AVX-512).
const MAX_CYCLE_VECTORS: usize = 64;
/// Stack buffer for the expanded windows of the general case, in floats.
const WINDOW: usize = 1024;

/// Applies PReLU to `io`, whose first element has index `start` in the whole tensor.
///
/// `slopes` is non-empty and `inner >= 1` (checked by the caller).
#[inline(always)]
pub(crate) fn prelu<S: Simd, I: OneInput>(
    simd: S,
    io: I,
    start: usize,
    slopes: &[f32],
    inner: usize,
) {
    let period = slopes.len() * inner;
    let phase = start % period;
    let cycle = lcm(period, S::F32_LANES);
    if inner >= MIN_RUN {
        runs_of_constant_slope(simd, io, phase, slopes, inner);
    } else if cycle <= MAX_CYCLE_VECTORS * S::F32_LANES {
        let mut vectors = [simd.splat_f32s(0.0); MAX_CYCLE_VECTORS];
        let vectors = &mut vectors[..cycle / S::F32_LANES];
        let floats: &mut [f32] = pulp::bytemuck::cast_slice_mut(vectors);
        expand(&mut floats[..period], phase, slopes, inner);
        let mut filled = period;
        while filled < cycle {
            let n = filled.min(cycle - filled);
            floats.copy_within(..n, filled);
            filled += n;
        }
        io.map_cyclic(simd, Prelu, vectors);
    } else if inner == 1 {
        walk_pattern(simd, io, phase, slopes);
    } else {
        expanded_windows(simd, io, phase, slopes, inner);
    }
}

/// Walks the parameter stream `pattern`, repeated, starting at position `phase` of it.
#[inline(always)]
fn walk_pattern<S: Simd, I: OneInput>(simd: S, io: I, mut phase: usize, pattern: &[f32]) {
    let mut rest = io;
    while rest.len() > 0 {
        let n = (pattern.len() - phase).min(rest.len());
        let (head, tail) = rest.split_at(n);
        head.with(&pattern[phase..phase + n]).map(simd, Prelu);
        rest = tail;
        phase = 0;
    }
}

/// Runs of `inner` elements sharing one slope, starting at `phase` within the period.
#[inline(always)]
fn runs_of_constant_slope<S: Simd, I: OneInput>(
    simd: S,
    io: I,
    mut phase: usize,
    slopes: &[f32],
    inner: usize,
) {
    let mut rest = io;
    while rest.len() > 0 {
        let n = (inner - phase % inner).min(rest.len());
        let (head, tail) = rest.split_at(n);
        head.map(
            simd,
            LeakyRelu {
                alpha: slopes[phase / inner],
            },
        );
        rest = tail;
        phase = (phase + n) % (slopes.len() * inner);
    }
}

/// Long periods made of short runs: expand the slope stream window by window.
#[inline(always)]
fn expanded_windows<S: Simd, I: OneInput>(
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
        head.with(&buf[..n]).map(simd, Prelu);
        rest = tail;
        phase = (phase + n) % period;
    }
}

/// Fills `out` with the slopes of the positions `phase, phase + 1, ...` of the period,
/// wrapping around at its end.
#[inline(always)]
fn expand(out: &mut [f32], phase: usize, slopes: &[f32], inner: usize) {
    let period = slopes.len() * inner;
    let mut pos = 0;
    let mut p = phase;
    while pos < out.len() {
        let n = (inner - p % inner).min(out.len() - pos);
        out[pos..pos + n].fill(slopes[p / inner]);
        pos += n;
        p += n;
        if p == period {
            p = 0;
        }
    }
}

/// Least common multiple (saturating: a huge period simply fails the size test).
#[inline(always)]
fn lcm(a: usize, b: usize) -> usize {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    (a / x).saturating_mul(b)
}
