//! A two-input kernel whose second input repeats with a period: element `i` of the whole tensor
//! uses `params[(i / inner) % params.len()]`. PReLU's slopes (channels-last, `inner == 1`, or
//! channels-first, NCHW, `inner == H * W`) and the bias of a fused bias + activation
//! (channels-last) are such streams.
//!
//! The per-element parameter stream is fed to the vector loop without ever running it on short
//! pieces:
//! - long runs of one parameter (`inner >= 32`): the parameter splatted, run by run;
//! - a period `P = params.len() * inner` whose multiple `lcm(P, lanes)` fits in 64 vectors:
//!   that many parameter vectors are built once on the stack and cycled through along the slice
//!   (the common case: a few channels, channels-last; a single vector, kept in a register, when
//!   `P` divides the lane count);
//! - a period of at most half a window: whole periods, starting at the piece's phase, are
//!   expanded once into a stack window, which then serves as the side stream window after
//!   window (one partial vector per window, not per period);
//! - channels-last with many channels: the params slice itself is the side stream;
//! - anything else: the stream is expanded window by window into a stack buffer.
//!
//! No heap allocation.

use pulp::Simd;

use super::io::{Io, OneInput};
use super::{Binary, Unary};
use crate::drive::Cost;

/// Runs of one parameter at least this long are processed with a splatted parameter.
const MIN_RUN: usize = 32;
/// Most parameter vectors built for the cyclic case (64 x 64 bytes: 4 KiB of stack on AVX-512).
const MAX_CYCLE_VECTORS: usize = 64;
/// Stack buffer for the expanded windows, in floats.
const WINDOW: usize = 1024;

/// Applies `f(x[i], params[(start + i) / inner % params.len()])` to `io`, whose first element
/// has index `start` in the whole tensor.
///
/// `params` is non-empty and `inner >= 1` (checked by the caller).
#[inline(always)]
pub(crate) fn map_periodic<S: Simd, I: OneInput, F: Binary>(
    simd: S,
    io: I,
    start: usize,
    params: &[f32],
    inner: usize,
    f: F,
) {
    let period = params.len() * inner;
    let phase = start % period;
    let cycle = lcm(period, S::F32_LANES);
    if inner >= MIN_RUN {
        runs_of_constant_param(simd, io, phase, params, inner, f);
    } else if cycle <= MAX_CYCLE_VECTORS * S::F32_LANES {
        let mut vectors = [simd.splat_f32s(0.0); MAX_CYCLE_VECTORS];
        let vectors = &mut vectors[..cycle / S::F32_LANES];
        let floats: &mut [f32] = pulp::bytemuck::cast_slice_mut(vectors);
        expand(&mut floats[..period], phase, params, inner);
        repeat_prefix(floats, period);
        io.map_cyclic(simd, f, vectors);
    } else if period <= WINDOW / 2 {
        let mut buf = [0.0_f32; WINDOW];
        let tile = &mut buf[..WINDOW / period * period];
        expand(&mut tile[..period], phase, params, inner);
        repeat_prefix(tile, period);
        walk_pattern(simd, io, 0, tile, f);
    } else if inner == 1 {
        walk_pattern(simd, io, phase, params, f);
    } else {
        expanded_windows(simd, io, phase, params, inner, f);
    }
}

/// Fills `buf` with copies of its first `filled` elements, doubling the copied part each step.
#[inline(always)]
fn repeat_prefix(buf: &mut [f32], mut filled: usize) {
    while filled < buf.len() {
        let n = filled.min(buf.len() - filled);
        buf.copy_within(..n, filled);
        filled += n;
    }
}

/// Walks the parameter stream `pattern`, repeated, starting at position `phase` of it.
#[inline(always)]
fn walk_pattern<S: Simd, I: OneInput, F: Binary>(
    simd: S,
    io: I,
    mut phase: usize,
    pattern: &[f32],
    f: F,
) {
    let mut rest = io;
    while rest.len() > 0 {
        let n = (pattern.len() - phase).min(rest.len());
        let (head, tail) = rest.split_at(n);
        head.with(&pattern[phase..phase + n]).map(simd, f);
        rest = tail;
        phase = 0;
    }
}

/// `f(x, p)` with one parameter `p` for every element: a run of one parameter as a one-input
/// kernel.
#[derive(Clone, Copy)]
struct Splat<F> {
    f: F,
    p: f32,
}

impl<F: Binary> Unary for Splat<F> {
    // Not read: `Unary::COST` chooses the threading of a whole call, and a run is walked
    // within the one dispatch of its piece.
    const COST: Cost = Cost::Memory;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
        self.f.apply(simd, x, simd.splat_f32s(self.p))
    }
}

/// Runs of `inner` elements sharing one parameter, starting at `phase` within the period.
#[inline(always)]
fn runs_of_constant_param<S: Simd, I: OneInput, F: Binary>(
    simd: S,
    io: I,
    mut phase: usize,
    params: &[f32],
    inner: usize,
    f: F,
) {
    let mut rest = io;
    while rest.len() > 0 {
        let n = (inner - phase % inner).min(rest.len());
        let (head, tail) = rest.split_at(n);
        let p = params[phase / inner];
        head.map(simd, Splat { f, p });
        rest = tail;
        phase = (phase + n) % (params.len() * inner);
    }
}

/// Long periods made of short runs: expand the parameter stream window by window.
#[inline(always)]
fn expanded_windows<S: Simd, I: OneInput, F: Binary>(
    simd: S,
    io: I,
    mut phase: usize,
    params: &[f32],
    inner: usize,
    f: F,
) {
    let period = params.len() * inner;
    let mut buf = [0.0_f32; WINDOW];
    let mut rest = io;
    while rest.len() > 0 {
        let n = WINDOW.min(period - phase).min(rest.len());
        expand(&mut buf[..n], phase, params, inner);
        let (head, tail) = rest.split_at(n);
        head.with(&buf[..n]).map(simd, f);
        rest = tail;
        phase = (phase + n) % period;
    }
}

/// Fills `out` with the parameters of the positions `phase, phase + 1, ...` of the period,
/// wrapping around at its end.
#[inline(always)]
fn expand(out: &mut [f32], phase: usize, params: &[f32], inner: usize) {
    let period = params.len() * inner;
    let mut pos = 0;
    let mut p = phase;
    while pos < out.len() {
        let n = (inner - p % inner).min(out.len() - pos);
        out[pos..pos + n].fill(params[p / inner]);
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
