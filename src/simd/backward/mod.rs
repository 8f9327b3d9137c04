//! The gradients of the elementwise activations: `dx = dy * f'(x)`, computed from the forward
//! input `x` and the incoming gradient `dy`, lane by lane.
//!
//! Each kernel takes `(x, dy)` and returns `dx`; the registry (`src/activations.rs`) wires it
//! to its public `<name>_backward` functions. The bounds are stated against `dy * f'(x)` in
//! `f64`, rounded once, for every finite `dy` where `f'(x)` is finite in `f32`; where `f'(x)`
//! would be subnormal, the kernels keep `f'(x)` as a normal factor and a power of two, and
//! multiply `dy` in before the power of two ([`times_pow2`]), so that a large `dy` still gets
//! a relatively accurate gradient from the far tail.

pub(crate) mod elu;
pub(crate) mod exp;
pub(crate) mod gelu;
pub(crate) mod logistic;
pub(crate) mod mish;
pub(crate) mod piecewise;
#[cfg(test)]
mod sweep;
pub(crate) mod swish;

use pulp::Simd;

/// `2^e` for integral `e` in `[-126, 127]` (built from the exponent bits).
#[inline(always)]
fn pow2<S: Simd>(simd: S, e: S::i32s) -> S::f32s {
    let biased = simd.add_i32s(e, simd.splat_i32s(127));
    simd.transmute_f32s_u32s(
        simd.wrapping_dyn_shl_u32s(simd.transmute_u32s_i32s(biased), simd.splat_u32s(23)),
    )
}

/// `dy * c * 2^n` for finite `dy`, a normal `c` in `[0.5, 2)` (up to sign) and integral `n`
/// in `[-280, -62]` (the far negative tail of an exponential: `n = round(x log2 e)` for
/// `x >= -194`), within one rounding of the exact product plus one of the final scaling; no
/// intermediate overflows.
///
/// `d = dy 2^-64` is exact unless it is subnormal, where `|dy| < 2^-62` and the result is
/// below `2^-188` (it rounds to 0 either way). With `n + 64 = n1 + n2`, `n1 = ceil((n + 64) /
/// 2)` and `n2 = floor((n + 64) / 2)`, both in `[-108, 1]`: `c 2^n1` is exact and normal,
/// `a = d c 2^n1` rounds once and cannot overflow (`|d| <= 2^64`), and `a 2^n2` rounds once
/// more (also into the subnormal range). Where `a` itself is subnormal, `|a 2^n2|` is below
/// `2^-126 2^-31`: 0 either way.
#[inline(always)]
pub(crate) fn times_pow2<S: Simd>(simd: S, dy: S::f32s, c: S::f32s, n: S::i32s) -> S::f32s {
    const TWO_MINUS_64: f32 = f32::from_bits(0x1F80_0000); // 2^-64
    let m = simd.add_i32s(n, simd.splat_i32s(64));
    // Arithmetic shift: floor((n + 64) / 2).
    let n2 = simd.transmute_i32s_u32s(simd.wrapping_dyn_shr_u32s(
        simd.transmute_u32s_i32s(simd.add_i32s(m, simd.splat_i32s(512))),
        simd.splat_u32s(1),
    ));
    let n2 = simd.sub_i32s(n2, simd.splat_i32s(256));
    let n1 = simd.sub_i32s(m, n2);
    let d = simd.mul_f32s(dy, simd.splat_f32s(TWO_MINUS_64));
    let a = simd.mul_f32s(d, simd.mul_f32s(c, pow2(simd, n1)));
    simd.mul_f32s(a, pow2(simd, n2))
}

/// The gradients of sigmoid and tanh from their saved output `y` rather than their input.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FromOutput {
    /// `dy y (1 - y)`.
    Sigmoid,
    /// `dy (1 - y^2)`.
    Tanh,
}

impl crate::simd::Binary for FromOutput {
    /// `dy` is the main stream (the in-place form overwrites it), `y` the side stream.
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, dy: S::f32s, y: S::f32s) -> S::f32s {
        match self {
            FromOutput::Sigmoid => logistic::sigmoid_backward_from_output(simd, y, dy),
            FromOutput::Tanh => logistic::tanh_backward_from_output(simd, y, dy),
        }
    }
}
