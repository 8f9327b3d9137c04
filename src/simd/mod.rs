//! The SIMD kernels, generic over `pulp::Simd`.
//!
//! Every function here is `#[inline(always)]`: each is compiled into the body of one `pulp`
//! dispatch (`WithSimd::with_simd`), where the target features of the chosen level are
//! enabled. A generic helper that is not inlined is compiled without them and runs many times
//! slower. The math of a kernel lives in exactly one function (`exp::exp`, `sigmoid::sigmoid`,
//! ...); backends differ only in lane width.

pub(crate) mod exp;
pub(crate) mod io;
pub(crate) mod prelu;
pub(crate) mod relu;
pub(crate) mod sigmoid;
pub(crate) mod softmax;
pub(crate) mod tanh;

use pulp::Simd;

/// `-|x|` (the sign bit set), for the kernels that evaluate on the non-positive half.
#[inline(always)]
pub(crate) fn neg_abs<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    simd.transmute_f32s_u32s(simd.or_u32s(simd.transmute_u32s_f32s(x), simd.splat_u32s(SIGN_BIT)))
}

/// `t` (never negative) with the sign bit of `x`.
#[inline(always)]
pub(crate) fn with_sign_of<S: Simd>(simd: S, t: S::f32s, x: S::f32s) -> S::f32s {
    let sign = simd.and_u32s(simd.transmute_u32s_f32s(x), simd.splat_u32s(SIGN_BIT));
    simd.transmute_f32s_u32s(simd.or_u32s(simd.transmute_u32s_f32s(t), sign))
}

/// The sign bit of an f32.
const SIGN_BIT: u32 = 0x8000_0000;

/// `r` with every NaN lane of `x` replaced by that NaN, quieted (bit operations only, so the
/// result's bits are fixed: arithmetic on a NaN leaves its sign and payload to the compiler).
#[inline(always)]
pub(crate) fn quiet_nan_passthrough<S: Simd>(simd: S, x: S::f32s, r: S::f32s) -> S::f32s {
    let quiet = simd.transmute_f32s_u32s(
        simd.or_u32s(simd.transmute_u32s_f32s(x), simd.splat_u32s(0x0040_0000)),
    );
    let nan = simd.not_m32s(simd.equal_f32s(x, x));
    simd.select_f32s(nan, quiet, r)
}

/// A lane-wise function `f32 -> f32`: one elementwise kernel.
pub(crate) trait Unary: Copy + Send + Sync {
    /// Slice length from which the automatic policy splits the work across threads
    /// (measured on the development machine; see `parallel.rs`).
    const PARALLEL_MIN_LEN: usize;
    /// The kernel applied to one vector.
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s;
}

/// A lane-wise function of the input and a per-element parameter (a PReLU slope).
pub(crate) trait Binary: Copy + Send + Sync {
    /// The kernel applied to one vector of inputs and one of parameters.
    fn apply<S: Simd>(self, simd: S, x: S::f32s, param: S::f32s) -> S::f32s;
}

/// Threads pay off for exp, sigmoid and tanh from here on (measured: see `parallel.rs`).
const TRANSCENDENTAL_PARALLEL_MIN_LEN: usize = 1 << 18;
/// The ReLU family is memory-bound: a second thread only helps on large slices.
const LINEAR_PARALLEL_MIN_LEN: usize = 1 << 22;

/// `exp`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Exp;
impl Unary for Exp {
    const PARALLEL_MIN_LEN: usize = TRANSCENDENTAL_PARALLEL_MIN_LEN;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
        exp::exp(simd, x)
    }
}

/// The logistic sigmoid.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sigmoid;
impl Unary for Sigmoid {
    const PARALLEL_MIN_LEN: usize = TRANSCENDENTAL_PARALLEL_MIN_LEN;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
        sigmoid::sigmoid(simd, x)
    }
}

/// `tanh`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tanh;
impl Unary for Tanh {
    const PARALLEL_MIN_LEN: usize = TRANSCENDENTAL_PARALLEL_MIN_LEN;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
        tanh::tanh(simd, x)
    }
}

/// ReLU.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Relu;
impl Unary for Relu {
    const PARALLEL_MIN_LEN: usize = LINEAR_PARALLEL_MIN_LEN;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
        relu::relu(simd, x)
    }
}

/// Leaky ReLU with a fixed slope.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LeakyRelu(pub f32);
impl Unary for LeakyRelu {
    const PARALLEL_MIN_LEN: usize = LINEAR_PARALLEL_MIN_LEN;
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
        relu::leaky(simd, x, simd.splat_f32s(self.0))
    }
}

/// PReLU: Leaky ReLU with the slope given per element.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prelu;
impl Prelu {
    pub(crate) const PARALLEL_MIN_LEN: usize = LINEAR_PARALLEL_MIN_LEN;
}
impl Binary for Prelu {
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s, slope: S::f32s) -> S::f32s {
        relu::leaky(simd, x, slope)
    }
}
