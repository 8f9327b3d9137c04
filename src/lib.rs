//! SIMD-accelerated activation functions for `f32` slices, with stated error bounds.
//!
//! The kernels compute `exp`, sigmoid, tanh, SiLU, quick GELU, GELU (erf and tanh forms),
//! mish, ELU, SELU, softplus, log-sigmoid, ReLU, Leaky ReLU, PReLU, hard sigmoid and hard swish
//! over slices, and softmax and log-softmax over the rows of a matrix, and the gradients of
//! all of them for training. They are written once,
//! generic over [`pulp`]'s `Simd` trait, and dispatched at run time to AVX-512, AVX2 + FMA,
//! NEON (aarch64) or portable scalar code (see [`Backend`]); long slices are split across rayon threads. `exp` is
//! the crate's own (range reduction, minimax polynomial, exponent bit tricks) and every
//! transcendental function is built on it (tanh, ELU and SELU on its `expm1` form, softplus
//! and log-sigmoid with the crate's own `log1p`, GELU with its own `erfcx` fit).
//!
//! # Accuracy
//! Error bounds are stated in ULP (see [`ulp`]) against the `f64` result rounded to `f32`
//! ([`mod@reference`]), on every backend, subnormal results included. The elementwise bounds
//! are proven on all 2^32 inputs (ELU at its default alpha; other alphas by a dense sweep);
//! each function's doc, and [`Activation`], state its bound and special values
//! ([`Activation::ulp_bound`] returns it):
//!
//! | function | bound | special values |
//! |---|---|---|
//! | [`exp`] | 1 ULP | NaN -> NaN, `x > 88.72283` -> `+inf`, `-inf` -> `+0` |
//! | [`sigmoid`] | 2 ULP | NaN -> NaN, `+inf` -> 1, `-inf` -> 0, `-0.0` -> 0.5, in `[0, 1]` |
//! | [`tanh`] | 2 ULP | NaN -> NaN, `+-inf` -> `+-1`, `+-0` -> `+-0`, odd bit for bit |
//! | [`silu`], [`quick_gelu`] | 2 ULP | NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-0.0`, `-0.0` -> `-0.0` |
//! | [`gelu`], [`gelu_tanh`], [`mish`] | 3 ULP | NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-0.0`, `-0.0` -> `-0.0` |
//! | [`softplus`] | 2 ULP | NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `+0` |
//! | [`log_sigmoid`] | 2 ULP | NaN -> NaN, `+inf` -> `-0.0`, `-inf` -> `-inf` |
//! | [`elu`] | 2 ULP (`alpha = 1`), 3 ULP (other alphas) | NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-alpha`, `-0.0` -> `alpha * -0.0` |
//! | [`selu`] | 3 ULP | NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-lambda * alpha`, `-0.0` -> `-0.0` |
//! | [`relu`], [`leaky_relu`], [`prelu`] | exact | NaN -> NaN, `-0.0` -> `-0.0` |
//! | [`hard_sigmoid`] | 1 ULP | NaN -> NaN, `x <= -3` -> 0, `x >= 3` -> 1 |
//! | [`hard_swish`] | 2 ULP | NaN -> NaN, `x <= -3` -> `-0.0`, `-0.0` -> `-0.0` |
//! | [`softmax`], [`log_softmax`] | 4 ULP per element, rows sum to 1 within `1e-6` | a row with NaN or `+inf`, or all `-inf` -> NaN row; `-inf` -> 0 (log: `-inf`) |
//!
//! The softmax bounds hold for rows of any length (tested up to 2^20 elements) and values
//! anywhere in the finite range: `x - max` is carried to better than `f32` precision into `exp`,
//! the sums are compensated, and log-softmax keeps `log(sum)` accurate when it is close to 0.
//! (The README lists the measured maxima per backend.)
//!
//! `Avx2` and `Avx512` give bit-identical results (softmax too: its sums use 16 logical lanes
//! and a fixed reduction order on every backend, and do not depend on the number of threads);
//! [`Backend`] says what differs between backends and why results still agree, and that the
//! payload of a NaN result is not pinned. No kernel changes the floating-point control register.
//!
//! # Training
//! Every elementwise activation has its gradient from the forward input,
//! `<name>_backward(x, dy, dx)` (`dx = dy * f'(x)`) with an `_inplace` form that overwrites
//! `dy`, and [`activate_backward`] for an [`Activation`] chosen at run time; sigmoid and tanh
//! also from their saved output ([`sigmoid_backward_from_output`],
//! [`tanh_backward_from_output`]); [`softmax_backward`] and [`log_softmax_backward`] from the
//! forward output; [`prelu_backward`] and [`prelu_channels_first_backward`] with the slopes'
//! gradient. Bounds against `dy * f'(x)` in `f64` rounded once
//! ([`Activation::backward_ulp_bound`]; 3 ULP for the transcendental functions, exact for the
//! ReLU family and hard sigmoid), proven on all 2^32 inputs with `dy = 1`; where the derivative
//! crosses zero (SiLU, quick GELU, the GELUs, mish) an absolute margin `2^-23 |dy| M(x)` is
//! added ([`reference::backward_margin`]). Kinks follow PyTorch's conventions.
//!
//! ```
//! use simd_activations as act;
//!
//! let x = [-30.0_f32, -1.0, 0.0, 30.0];
//! let (dy, mut dx) = ([1.0_f32; 4], [0.0_f32; 4]);
//! act::sigmoid_backward(&x, &dy, &mut dx)?;
//! assert_eq!(dx[2], 0.25);
//! assert!(dx[3] > 9.35e-14); // exp(-30): not 0, as y * (1 - y) would give
//! act::relu_backward(&x, &dy, &mut dx)?;
//! assert_eq!(dx, [0.0, 0.0, 0.0, 1.0]); // PyTorch's x > 0 ? dy : 0
//! # Ok::<(), act::Error>(())
//! ```
//!
//! # Fused bias + activation and gated units
//! [`bias_activate`] computes `act(x + bias)` with the bias broadcast over rows of channels
//! (channels-last), [`glu`] the gated unit `act(gate) * up` (SwiGLU with [`Activation::Silu`],
//! GeGLU with [`Activation::Gelu`] or [`Activation::GeluTanh`], ReGLU with
//! [`Activation::Relu`], GLU with [`Activation::Sigmoid`]) and [`glu_rows`] the same over rows
//! that hold both halves; in-place forms too. Each is one pass over memory and gives bit for
//! bit what the unfused sequence gives, for every activation.
//!
//! ```
//! use simd_activations::{self as act, Activation};
//!
//! let (h, bias) = ([0.5_f32, -2.0, 1.0, 3.0], [0.5_f32, 1.0]);
//! let (mut gate, up) = ([0.0_f32; 4], [2.0_f32; 4]);
//! act::bias_activate(&h, &bias, &mut gate, Activation::Relu)?;
//! assert_eq!(gate, [1.0, 0.0, 1.5, 4.0]);
//! let mut y = [0.0_f32; 4];
//! act::glu(&gate, &up, &mut y, Activation::Relu)?; // ReGLU
//! assert_eq!(y, [2.0, 0.0, 3.0, 8.0]);
//! # Ok::<(), act::Error>(())
//! ```
//!
//! # Use
//! ```
//! use simd_activations as act;
//!
//! let x = vec![-2.0_f32, -0.5, 0.0, 0.5, 2.0];
//! let mut y = vec![0.0; x.len()];
//! act::sigmoid(&x, &mut y)?;
//! approx::assert_relative_eq!(y[4], 0.880_797_1, max_relative = 1e-6);
//!
//! let mut z = x.clone();
//! act::leaky_relu_inplace(&mut z, 0.01)?;
//! assert_eq!(z[0], -0.02);
//!
//! // A handle that forces a backend and stays on the calling thread.
//! let k = act::Kernels::with_backend(act::Backend::Scalar)?.sequential();
//! k.exp(&x, &mut y)?;
//! # Ok::<(), act::Error>(())
//! ```
//!
//! # Errors and panics
//! Every function checks shapes and parameters before it writes anything and returns an
//! [`Error`]; on `Err` the output is untouched. No function panics on any input.
//!
//! # Allocation
//! No kernel allocates; the one allocating function of the default API is
//! [`Backend::supported`], which returns a `Vec`. The measuring machinery (`accuracy`, which
//! allocates, uses threads and asserts) and the naive baselines (`naive`) are behind the opt-in
//! cargo feature `testing`, which the crate's tests, benches and example enable. A sequential call ([`Kernels::sequential`], or any input below
//! the parallel threshold) makes no heap allocation at all. A call split across threads from
//! inside a rayon pool (`pool.install(..)`) allocates nothing once the pool has run it once.
//! From outside any pool, rayon hands the work over through its global injector queue, which
//! allocates one small block per 63 jobs it carries: rayon's cost, not the crate's, and avoided
//! by calling from inside a pool or with a sequential handle. `tests/no_alloc.rs` checks this
//! with a counting allocator.
//!
//! # Cargo features
//! - `rayon` (default): long calls may split across the threads of the current rayon pool
//!   (see [`Kernels`]). Without it (`default-features = false`), for engines that run their
//!   own scheduler or targets without threads, rayon is not a dependency, every call runs on
//!   the calling thread, the API is the same, and the threading methods of [`Kernels`] change
//!   nothing. Results are the same bits either way.
//! - `testing` (off): the measuring machinery (`accuracy`) and the naive `std` baselines
//!   (`naive`), for re-running the accuracy proof on one's own CPU.

#![warn(missing_docs)]

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(feature = "testing")]
pub mod accuracy;
mod activations;
mod attention;
mod backend;
mod drive;
mod error;
mod half_precision;
mod kernels;
pub mod reference;
mod simd;
mod softmax_options;
pub mod ulp;
mod validate;

pub use activations::Activation;
pub use activations::free::*;
#[cfg(feature = "testing")]
pub use activations::naive;
pub use backend::Backend;
pub use error::Error;
/// The half-precision storage types of the `half` crate, which the `_f16`/`_bf16` functions
/// take (re-exported so that callers use the same version).
pub use half::{bf16, f16};
pub use half_precision::{
    activate_bf16, activate_bf16_inplace, activate_f16, activate_f16_inplace, bf16_to_f32,
    f16_to_f32, f32_to_bf16, f32_to_f16, log_softmax_bf16, log_softmax_bf16_inplace,
    log_softmax_f16, log_softmax_f16_inplace, softmax_bf16, softmax_bf16_inplace, softmax_f16,
    softmax_f16_inplace,
};
pub use kernels::Kernels;
pub use softmax_options::{Mask, MaskedRows, SoftmaxOptions};

/// Runs the activation `act` (chosen at run time) on the best backend: bit for bit what its
/// named function gives. See [`Kernels::activate`].
///
/// ```
/// use simd_activations::Activation;
///
/// let act: Activation = "hard_swish".parse()?;
/// let mut y = [0.0_f32; 3];
/// simd_activations::activate(act, &[-4.0, 0.0, 4.0], &mut y)?;
/// assert_eq!(y, [-0.0, 0.0, 4.0]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn activate(act: Activation, x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    Kernels::global().activate(act, x, y)
}

/// In-place [`activate`].
pub fn activate_inplace(act: Activation, x: &mut [f32]) -> Result<(), Error> {
    Kernels::global().activate_inplace(act, x)
}

/// The gradient of the activation `act` (chosen at run time) on the best backend:
/// `dx[i] = dy[i] * f'(x[i])`, bit for bit what its named `<name>_backward` function gives.
/// See [`Kernels::activate_backward`].
///
/// ```
/// use simd_activations::Activation;
///
/// let mut dx = [0.0_f32; 3];
/// simd_activations::activate_backward(Activation::Relu, &[-1.0, 0.0, 2.0], &[5.0; 3], &mut dx)?;
/// assert_eq!(dx, [0.0, 0.0, 5.0]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn activate_backward(
    act: Activation,
    x: &[f32],
    dy: &[f32],
    dx: &mut [f32],
) -> Result<(), Error> {
    Kernels::global().activate_backward(act, x, dy, dx)
}

/// The gradient of sigmoid from its saved output `y`: `dx = dy y (1 - y)`. See
/// [`Kernels::sigmoid_backward_from_output`] (and why [`sigmoid_backward`], from the input,
/// is the accurate one near saturation).
pub fn sigmoid_backward_from_output(y: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<(), Error> {
    Kernels::global().sigmoid_backward_from_output(y, dy, dx)
}

/// In-place [`sigmoid_backward_from_output`]: the gradient overwrites `dy`.
pub fn sigmoid_backward_from_output_inplace(y: &[f32], dy: &mut [f32]) -> Result<(), Error> {
    Kernels::global().sigmoid_backward_from_output_inplace(y, dy)
}

/// The gradient of tanh from its saved output `y`: `dx = dy (1 - y^2)`. See
/// [`Kernels::tanh_backward_from_output`] (and why [`tanh_backward`], from the input, is the
/// accurate one near saturation).
pub fn tanh_backward_from_output(y: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<(), Error> {
    Kernels::global().tanh_backward_from_output(y, dy, dx)
}

/// In-place [`tanh_backward_from_output`]: the gradient overwrites `dy`.
pub fn tanh_backward_from_output_inplace(y: &[f32], dy: &mut [f32]) -> Result<(), Error> {
    Kernels::global().tanh_backward_from_output_inplace(y, dy)
}

/// In-place [`activate_backward`]: the gradient overwrites `dy`.
pub fn activate_backward_inplace(act: Activation, x: &[f32], dy: &mut [f32]) -> Result<(), Error> {
    Kernels::global().activate_backward_inplace(act, x, dy)
}

/// PReLU with learned per-channel slopes, channels-last: element `i` uses
/// `slopes[i % slopes.len()]`. See [`Kernels::prelu`] for the errors.
///
/// ```
/// let x = [-1.0_f32, -1.0, 2.0, -4.0]; // two rows of two channels
/// let mut y = [0.0; 4];
/// simd_activations::prelu(&x, &mut y, &[0.5, 0.25])?;
/// assert_eq!(y, [-0.5, -0.25, 2.0, -1.0]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn prelu(x: &[f32], y: &mut [f32], slopes: &[f32]) -> Result<(), Error> {
    Kernels::global().prelu(x, y, slopes)
}

/// In-place [`prelu`].
pub fn prelu_inplace(x: &mut [f32], slopes: &[f32]) -> Result<(), Error> {
    Kernels::global().prelu_inplace(x, slopes)
}

/// PReLU, channels-first (NCHW): channel `c` covers runs of `inner` contiguous elements.
/// See [`Kernels::prelu_channels_first`].
pub fn prelu_channels_first(
    x: &[f32],
    y: &mut [f32],
    slopes: &[f32],
    inner: usize,
) -> Result<(), Error> {
    Kernels::global().prelu_channels_first(x, y, slopes, inner)
}

/// In-place [`prelu_channels_first`].
pub fn prelu_channels_first_inplace(
    x: &mut [f32],
    slopes: &[f32],
    inner: usize,
) -> Result<(), Error> {
    Kernels::global().prelu_channels_first_inplace(x, slopes, inner)
}

/// Bias + activation, fused: `y[i] = act(x[i] + bias[i % bias.len()])` (channels-last), bit
/// for bit the unfused `x + bias` in `f32` followed by [`activate`]. See
/// [`Kernels::bias_activate`] for the semantics (the bias is not checked) and the errors.
///
/// ```
/// use simd_activations::Activation;
///
/// let x = [1.0_f32, -2.0, 3.0, -4.0, 5.0, -6.0]; // three rows of two channels
/// let mut y = [0.0_f32; 6];
/// simd_activations::bias_activate(&x, &[1.0, 5.0], &mut y, Activation::LeakyRelu { alpha: 0.5 })?;
/// assert_eq!(y, [2.0, 3.0, 4.0, 1.0, 6.0, -0.5]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn bias_activate(x: &[f32], bias: &[f32], y: &mut [f32], act: Activation) -> Result<(), Error> {
    Kernels::global().bias_activate(x, bias, y, act)
}

/// In-place [`bias_activate`]: `x[i] = act(x[i] + bias[i % bias.len()])`. See
/// [`Kernels::bias_activate_inplace`].
///
/// ```
/// use simd_activations::Activation;
///
/// let mut x = [-1.0_f32, 1.0, 0.0];
/// simd_activations::bias_activate_inplace(&mut x, &[1.0], Activation::Relu)?;
/// assert_eq!(x, [0.0, 2.0, 1.0]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn bias_activate_inplace(x: &mut [f32], bias: &[f32], act: Activation) -> Result<(), Error> {
    Kernels::global().bias_activate_inplace(x, bias, act)
}

/// Gated unit, fused: `y[i] = act(gate[i]) * up[i]`, bit for bit the unfused [`activate`] then
/// `f32` product. SwiGLU: `act` = [`Activation::Silu`]; GeGLU: [`Activation::Gelu`] or
/// [`Activation::GeluTanh`]; ReGLU: [`Activation::Relu`]; GLU: [`Activation::Sigmoid`]. See
/// [`Kernels::glu`] for the errors.
///
/// ```
/// use simd_activations::Activation;
///
/// // GLU (sigmoid gate).
/// let mut y = [0.0_f32; 2];
/// simd_activations::glu(&[0.0, 100.0], &[3.0, -2.0], &mut y, Activation::Sigmoid)?;
/// assert_eq!(y, [1.5, -2.0]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn glu(gate: &[f32], up: &[f32], y: &mut [f32], act: Activation) -> Result<(), Error> {
    Kernels::global().glu(gate, up, y, act)
}

/// In-place [`glu`]: `up[i] = act(gate[i]) * up[i]`. See [`Kernels::glu_inplace`].
///
/// ```
/// use simd_activations::Activation;
///
/// let mut up = [2.0_f32, 2.0];
/// simd_activations::glu_inplace(&[0.0, -5.0], &mut up, Activation::Silu)?; // SwiGLU
/// assert_eq!(up[0], 0.0);
/// assert!(up[1] < 0.0 && up[1] > -0.07);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn glu_inplace(gate: &[f32], up: &mut [f32], act: Activation) -> Result<(), Error> {
    Kernels::global().glu_inplace(gate, up, act)
}

/// Gated unit over rows of `2 * cols` entries, gate first, `up` second (ggml's layout):
/// `y` has `cols` entries per row. See [`Kernels::glu_rows`], also for PyTorch's `F.glu`
/// (gate second).
///
/// ```
/// use simd_activations::Activation;
///
/// let x = [1.0_f32, 7.0, -1.0, 7.0]; // two rows, cols = 1: [gate, up]
/// let mut y = [0.0_f32; 2];
/// simd_activations::glu_rows(&x, &mut y, 1, Activation::Relu)?;
/// assert_eq!(y, [7.0, 0.0]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn glu_rows(x: &[f32], y: &mut [f32], cols: usize, act: Activation) -> Result<(), Error> {
    Kernels::global().glu_rows(x, y, cols, act)
}

/// Softmax over the rows of a row-major matrix with `cols` columns (`x.len() / cols` rows):
/// `y[i] = exp(x[i] - max) / sum_j exp(x[j] - max)` within each row. See [`Kernels::softmax`]
/// for the accuracy (4 ULP), the special rows and the errors.
///
/// ```
/// // Two rows of three columns.
/// let x = [1.0_f32, 2.0, 3.0, f32::MAX, f32::MAX, 0.0];
/// let mut y = [0.0; 6];
/// simd_activations::softmax(&x, &mut y, 3)?;
/// assert!((y[..3].iter().sum::<f32>() - 1.0).abs() < 1e-6);
/// assert_eq!(y[3..], [0.5, 0.5, 0.0]); // no overflow
///
/// // Errors leave the output untouched.
/// assert!(simd_activations::softmax(&x, &mut y, 4).is_err());
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn softmax(x: &[f32], y: &mut [f32], cols: usize) -> Result<(), Error> {
    Kernels::global().softmax(x, y, cols)
}

/// In-place [`softmax`].
pub fn softmax_inplace(x: &mut [f32], cols: usize) -> Result<(), Error> {
    Kernels::global().softmax_inplace(x, cols)
}

/// Log-softmax over the rows of a row-major matrix with `cols` columns:
/// `y[i] = (x[i] - max) - log(sum_j exp(x[j] - max))` within each row. See
/// [`Kernels::log_softmax`].
pub fn log_softmax(x: &[f32], y: &mut [f32], cols: usize) -> Result<(), Error> {
    Kernels::global().log_softmax(x, y, cols)
}

/// In-place [`log_softmax`].
pub fn log_softmax_inplace(x: &mut [f32], cols: usize) -> Result<(), Error> {
    Kernels::global().log_softmax_inplace(x, cols)
}

/// Softmax with [`SoftmaxOptions`] (scale, mask, strided rows, fully masked rows) on the
/// global handle. See [`Kernels::softmax_with`].
pub fn softmax_with(
    x: &[f32],
    y: &mut [f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<(), Error> {
    Kernels::global().softmax_with(x, y, cols, opts)
}

/// In-place [`softmax_with`].
pub fn softmax_with_inplace(
    x: &mut [f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<(), Error> {
    Kernels::global().softmax_with_inplace(x, cols, opts)
}

/// Log-softmax with [`SoftmaxOptions`]. See [`Kernels::log_softmax_with`].
pub fn log_softmax_with(
    x: &[f32],
    y: &mut [f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<(), Error> {
    Kernels::global().log_softmax_with(x, y, cols, opts)
}

/// In-place [`log_softmax_with`].
pub fn log_softmax_with_inplace(
    x: &mut [f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<(), Error> {
    Kernels::global().log_softmax_with_inplace(x, cols, opts)
}

/// Log-sum-exp of each row: `out[r] = log(sum_j exp(x[r][j]))`. See [`Kernels::log_sum_exp`].
///
/// ```
/// let mut out = [0.0_f32];
/// simd_activations::log_sum_exp(&[0.0, 0.0], &mut out, 2)?;
/// assert_eq!(out[0], std::f32::consts::LN_2);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn log_sum_exp(x: &[f32], out: &mut [f32], cols: usize) -> Result<(), Error> {
    Kernels::global().log_sum_exp(x, out, cols)
}

/// Log-sum-exp of each row's logits with [`SoftmaxOptions`]. See
/// [`Kernels::log_sum_exp_with`].
pub fn log_sum_exp_with(
    x: &[f32],
    out: &mut [f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<(), Error> {
    Kernels::global().log_sum_exp_with(x, out, cols, opts)
}

/// Softmax backward from the forward output `y`: `dx = y * (dy - sum_j dy[j] y[j])` per row of
/// `cols` columns. See [`Kernels::softmax_backward`] for the accuracy, special values and
/// errors.
///
/// ```
/// let y = [0.25_f32, 0.75];
/// let mut dx = [0.0; 2];
/// simd_activations::softmax_backward(&y, &[1.0, 0.0], &mut dx, 2)?;
/// assert_eq!(dx, [0.25 * 0.75, -0.75 * 0.25]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn softmax_backward(y: &[f32], dy: &[f32], dx: &mut [f32], cols: usize) -> Result<(), Error> {
    Kernels::global().softmax_backward(y, dy, dx, cols)
}

/// In-place [`softmax_backward`]: the gradient overwrites `dy`.
///
/// ```
/// let y = [0.5_f32, 0.5];
/// let mut g = [1.0_f32, -1.0];
/// simd_activations::softmax_backward_inplace(&y, &mut g, 2)?;
/// assert_eq!(g, [0.5, -0.5]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn softmax_backward_inplace(y: &[f32], dy: &mut [f32], cols: usize) -> Result<(), Error> {
    Kernels::global().softmax_backward_inplace(y, dy, cols)
}

/// Log-softmax backward from the forward output `y`: `dx = dy - exp(y) * sum_j dy[j]` per row
/// of `cols` columns. See [`Kernels::log_softmax_backward`].
///
/// ```
/// let y = [0.0_f32, f32::NEG_INFINITY]; // log_softmax of [0, -inf]
/// let mut dx = [0.0; 2];
/// simd_activations::log_softmax_backward(&y, &[1.0, 2.0], &mut dx, 2)?;
/// assert_eq!(dx, [1.0 - 3.0, 2.0]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn log_softmax_backward(
    y: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    cols: usize,
) -> Result<(), Error> {
    Kernels::global().log_softmax_backward(y, dy, dx, cols)
}

/// In-place [`log_softmax_backward`]: the gradient overwrites `dy`.
///
/// ```
/// let y = [0.0_f32];
/// let mut g = [3.0_f32];
/// simd_activations::log_softmax_backward_inplace(&y, &mut g, 1)?;
/// assert_eq!(g, [0.0]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn log_softmax_backward_inplace(y: &[f32], dy: &mut [f32], cols: usize) -> Result<(), Error> {
    Kernels::global().log_softmax_backward_inplace(y, dy, cols)
}

/// PReLU backward, channels-last: `dx[i] = x[i] > 0 ? dy[i] : slopes[i % C] * dy[i]` and
/// `dslopes[c] = sum of x[i] * dy[i]` over channel `c`'s elements with `x[i] <= 0`. See
/// [`Kernels::prelu_backward`] for the accuracy (compensated, deterministic) and the errors.
///
/// ```
/// let x = [-2.0_f32, 1.0, -1.0, -3.0]; // two rows of two channels
/// let dy = [1.0_f32; 4];
/// let (mut dx, mut dslopes) = ([0.0; 4], [0.0; 2]);
/// simd_activations::prelu_backward(&x, &dy, &mut dx, &[0.5, 0.25], &mut dslopes)?;
/// assert_eq!(dx, [0.5, 1.0, 0.5, 0.25]);
/// assert_eq!(dslopes, [-3.0, -3.0]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn prelu_backward(
    x: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    slopes: &[f32],
    dslopes: &mut [f32],
) -> Result<(), Error> {
    Kernels::global().prelu_backward(x, dy, dx, slopes, dslopes)
}

/// In-place [`prelu_backward`]: `dx` overwrites `dy`.
///
/// ```
/// let x = [-2.0_f32, 1.0];
/// let mut g = [1.0_f32, 1.0];
/// let mut dslopes = [0.0];
/// simd_activations::prelu_backward_inplace(&x, &mut g, &[0.5], &mut dslopes)?;
/// assert_eq!((g, dslopes), ([0.5, 1.0], [-2.0]));
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn prelu_backward_inplace(
    x: &[f32],
    dy: &mut [f32],
    slopes: &[f32],
    dslopes: &mut [f32],
) -> Result<(), Error> {
    Kernels::global().prelu_backward_inplace(x, dy, slopes, dslopes)
}

/// PReLU backward, channels-first (NCHW: element `i` has channel `(i / inner) % C`). See
/// [`Kernels::prelu_channels_first_backward`].
pub fn prelu_channels_first_backward(
    x: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    slopes: &[f32],
    dslopes: &mut [f32],
    inner: usize,
) -> Result<(), Error> {
    Kernels::global().prelu_channels_first_backward(x, dy, dx, slopes, dslopes, inner)
}

/// In-place [`prelu_channels_first_backward`]: `dx` overwrites `dy`.
pub fn prelu_channels_first_backward_inplace(
    x: &[f32],
    dy: &mut [f32],
    slopes: &[f32],
    dslopes: &mut [f32],
    inner: usize,
) -> Result<(), Error> {
    Kernels::global().prelu_channels_first_backward_inplace(x, dy, slopes, dslopes, inner)
}
