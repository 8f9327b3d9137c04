//! The fused kernels: an activation's kernel composed with the elementwise step around it,
//! so that the intermediate never goes to memory.
//!
//! Each composes the very operations of the unfused sequence, in the same order, each rounded
//! once to `f32` as there: an `f32` addition then the activation's kernel (bias +
//! activation), the activation's kernel then an `f32` multiplication (gated units). The results
//! are therefore the unfused sequence's bits on every backend; only a NaN's payload may differ
//! where both operands of the addition or the multiplication are NaN (IEEE 754 leaves the
//! choice open, and compilers may swap the operands of a commutative operation).

use pulp::Simd;

use super::{Binary, Unary};

/// `act(x + b)`: the main stream `x`, the side stream the bias `b` of each element.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BiasThen<K>(pub(crate) K);

impl<K: Unary> Binary for BiasThen<K> {
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s, b: S::f32s) -> S::f32s {
        self.0.apply(simd, simd.add_f32s(x, b))
    }
}

/// `act(gate) * up`. `UP_MAIN`: the main stream is `up` and the side stream `gate` (in place
/// over `up`); else the main stream is `gate` and the side stream `up`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gated<K, const UP_MAIN: bool>(pub(crate) K);

impl<K: Unary, const UP_MAIN: bool> Binary for Gated<K, UP_MAIN> {
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, main: S::f32s, side: S::f32s) -> S::f32s {
        let (gate, up) = if UP_MAIN { (side, main) } else { (main, side) };
        simd.mul_f32s(self.0.apply(simd, gate), up)
    }
}
