//! [`Kernels`]: a backend plus a threading policy, with one method per kernel.

mod fused;

use std::sync::OnceLock;

use crate::drive::grad::{self, RowGrad};
use crate::drive::rows::{self, Kind, RowIo, Spec};
use crate::drive::{Cost, Threading, elementwise};
use crate::simd::backward::FromOutput;
use crate::simd::grad::{Overwrite, Separate};
use crate::simd::io::{InPlace, Io, Kernel, OneInput, OutOfPlace};
use crate::simd::{Prelu, Unary};
use crate::{Backend, Error, validate};

/// A handle on the kernels: the backend they run on and how they use threads.
///
/// `Kernels` is `Copy + Send + Sync` and costs nothing to pass around; an inference engine can
/// keep one per model or per thread. The free functions of the crate
/// ([`sigmoid`](crate::sigmoid), ...) are the methods of [`Kernels::global`]: the best backend of
/// this CPU (detected once) with automatic threading.
///
/// Threading: with the automatic policy a call may split its slice across the threads of the
/// current rayon pool once the slice is long enough (see [`Kernels::parallel_threshold`]), and
/// does where splitting has timed faster than one thread in the policy's earlier calls of that
/// kind and size on this machine; called inside `ThreadPool::install`, it uses that pool.
/// [`Kernels::sequential`] never touches rayon. Results are the same bits whatever the split
/// (NaN payloads aside, see [`Backend`]).
/// No method allocates. Without the crate's `rayon` feature (on by default) every call runs on
/// the calling thread, and the threading methods ([`Kernels::sequential`],
/// [`Kernels::parallel_threshold`], [`Kernels::automatic_threading`]) change nothing.
///
/// ```
/// use simd_activations::{Backend, Kernels};
///
/// let x: Vec<f32> = (0..1000).map(|i| i as f32 * 0.01 - 5.0).collect();
/// let mut y = vec![0.0; x.len()];
///
/// // Force the portable backend, on the calling thread only.
/// let k = Kernels::with_backend(Backend::Scalar)?.sequential();
/// k.tanh(&x, &mut y)?;
/// assert!(y.iter().all(|v| (-1.0..=1.0).contains(v)));
/// # Ok::<(), simd_activations::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Kernels {
    backend: Backend,
    pub(crate) arch: pulp::Arch,
    pub(crate) threading: Threading,
}

impl Default for Kernels {
    fn default() -> Self {
        Kernels::new()
    }
}

impl Kernels {
    /// The best backend of this CPU, automatic threading.
    pub fn new() -> Kernels {
        let backend = Backend::best();
        Kernels {
            backend,
            arch: backend.arch().unwrap_or(pulp::Arch::Scalar),
            threading: Threading::Automatic,
        }
    }

    /// The handle behind the crate's free functions: [`Kernels::new`], detected once.
    pub fn global() -> &'static Kernels {
        static GLOBAL: OnceLock<Kernels> = OnceLock::new();
        GLOBAL.get_or_init(Kernels::new)
    }

    /// A handle on a given backend, with automatic threading.
    ///
    /// Errors: [`Error::UnsupportedBackend`] if this CPU cannot run it.
    pub fn with_backend(backend: Backend) -> Result<Kernels, Error> {
        Ok(Kernels {
            backend,
            arch: backend.require_arch()?,
            threading: Threading::Automatic,
        })
    }

    /// The same handle, never using threads: every call runs on the calling thread and makes no
    /// rayon call (without the `rayon` feature every handle is like this).
    #[must_use]
    pub fn sequential(self) -> Kernels {
        Kernels {
            threading: Threading::Sequential,
            ..self
        }
    }

    /// The same handle, splitting work across the current rayon pool for every slice of at
    /// least `min_len` elements (softmax: `rows * cols`), whatever the kernel.
    ///
    /// The automatic policy ([`Kernels::automatic_threading`]) uses per-kernel thresholds
    /// instead ([`Activation::automatic_threshold`](crate::Activation::automatic_threshold)):
    /// 1 Mi elements for the transcendental functions (exp, sigmoid, tanh, elu, selu), 4 Mi for
    /// the memory-bound ones (the ReLU family, hard sigmoid, hard swish), 64 Ki for softmax and
    /// log-softmax (`rows * cols`; a single row is split across threads from 256 Ki on); and
    /// above them it splits only where splitting has timed faster. A `parallel_threshold`
    /// handle splits every call from `min_len` on, unconditionally.
    ///
    /// Without the `rayon` feature: no effect (every call runs on the calling thread).
    #[must_use]
    pub fn parallel_threshold(self, min_len: usize) -> Kernels {
        Kernels {
            threading: Threading::FromLen(min_len),
            ..self
        }
    }

    /// The same handle with the automatic threading policy (the default; without the `rayon`
    /// feature, no effect).
    #[must_use]
    pub fn automatic_threading(self) -> Kernels {
        Kernels {
            threading: Threading::Automatic,
            ..self
        }
    }

    /// The backend the kernels run on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the handle never splits work across threads (made by [`Kernels::sequential`]).
    pub fn is_sequential(&self) -> bool {
        self.threading == Threading::Sequential
    }

    /// PReLU, channels-last: `x` is a sequence of rows of `slopes.len()` channels and
    /// `y[i] = if x[i] < 0 { slopes[i % C] * x[i] } else { x[i] }` with `C = slopes.len()`.
    /// Exact, like [`Kernels::leaky_relu`].
    ///
    /// Errors (before anything is written): [`Error::ZeroDimension`] if `slopes` is empty,
    /// [`Error::InvalidParameter`] if a slope is NaN or infinite, [`Error::LengthMismatch`],
    /// [`Error::NotDivisible`] if `x.len()` is not a multiple of `slopes.len()`.
    pub fn prelu(&self, x: &[f32], y: &mut [f32], slopes: &[f32]) -> Result<(), Error> {
        self.prelu_channels_first(x, y, slopes, 1)
    }

    /// In-place [`Kernels::prelu`].
    pub fn prelu_inplace(&self, x: &mut [f32], slopes: &[f32]) -> Result<(), Error> {
        self.prelu_channels_first_inplace(x, slopes, 1)
    }

    /// PReLU, channels-first (NCHW): channel `c` covers runs of `inner` contiguous elements
    /// (`inner = H * W`), so `y[i] = leaky(x[i], slopes[(i / inner) % C])`.
    /// `inner == 1` is the channels-last layout.
    ///
    /// Errors (before anything is written): as [`Kernels::prelu`], plus
    /// [`Error::ZeroDimension`] if `inner == 0`; `x.len()` must be a multiple of
    /// `slopes.len() * inner`.
    ///
    /// ```
    /// // N = 1, C = 2, H * W = 3
    /// let x = [-1.0_f32, -2.0, 3.0, -1.0, -2.0, 3.0];
    /// let mut y = [0.0; 6];
    /// simd_activations::prelu_channels_first(&x, &mut y, &[0.5, 0.25], 3)?;
    /// assert_eq!(y, [-0.5, -1.0, 3.0, -0.25, -0.5, 3.0]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn prelu_channels_first(
        &self,
        x: &[f32],
        y: &mut [f32],
        slopes: &[f32],
        inner: usize,
    ) -> Result<(), Error> {
        validate::prelu(x.len(), slopes, inner)?;
        validate::same_len(x, y)?;
        let io = OutOfPlace::new(x, y);
        self.run_prelu(io, slopes, inner);
        Ok(())
    }

    /// In-place [`Kernels::prelu_channels_first`].
    pub fn prelu_channels_first_inplace(
        &self,
        x: &mut [f32],
        slopes: &[f32],
        inner: usize,
    ) -> Result<(), Error> {
        validate::prelu(x.len(), slopes, inner)?;
        self.run_prelu(InPlace::new(x), slopes, inner);
        Ok(())
    }

    /// The gradient of sigmoid from its saved output `y = sigmoid(x)`: `dx = dy y (1 - y)`,
    /// for frameworks that keep `y` rather than `x`. Within 2 ULP of that expression evaluated
    /// exactly on the given `y`.
    ///
    /// Near saturation only the gradient from the input keeps relative accuracy: once
    /// `sigmoid(x)` rounds to 1 (from `x = 16.6` on) `y (1 - y)` is 0, while the true gradient
    /// `exp(-x)` is far from 0 in `f32`; [`Kernels::sigmoid_backward`] computes it from `x`.
    ///
    /// Errors (before anything is written): [`Error::SliceLength`] if `dy` or `dx` is not as
    /// long as `y`.
    ///
    /// ```
    /// use simd_activations::Kernels;
    ///
    /// let k = Kernels::global();
    /// let (y, dy, mut dx) = ([0.5_f32, 1.0], [1.0_f32; 2], [0.0_f32; 2]);
    /// k.sigmoid_backward_from_output(&y, &dy, &mut dx)?;
    /// assert_eq!(dx, [0.25, 0.0]);
    /// // From the input, x = 20 (whose sigmoid rounds to 1) keeps its gradient.
    /// k.sigmoid_backward(&[20.0], &[1.0], &mut dx[..1])?;
    /// assert!(dx[0] > 2.0e-9);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn sigmoid_backward_from_output(
        &self,
        y: &[f32],
        dy: &[f32],
        dx: &mut [f32],
    ) -> Result<(), Error> {
        self.gradient_from_output(FromOutput::Sigmoid, y, dy, dx)
    }

    /// In-place [`Kernels::sigmoid_backward_from_output`]: the gradient overwrites `dy`.
    pub fn sigmoid_backward_from_output_inplace(
        &self,
        y: &[f32],
        dy: &mut [f32],
    ) -> Result<(), Error> {
        self.gradient_from_output_inplace(FromOutput::Sigmoid, y, dy)
    }

    /// The gradient of tanh from its saved output `y = tanh(x)`: `dx = dy (1 - y^2)`. Within 2
    /// ULP of that expression evaluated exactly on the given `y`.
    ///
    /// Near saturation only the gradient from the input keeps relative accuracy: once
    /// `tanh(x)` rounds to 1 (from `x = 9.01` on) `1 - y^2` is 0, while the true gradient is
    /// about `4 exp(-2x)`; [`Kernels::tanh_backward`] computes it from `x`.
    ///
    /// Errors (before anything is written): [`Error::SliceLength`] if `dy` or `dx` is not as
    /// long as `y`.
    pub fn tanh_backward_from_output(
        &self,
        y: &[f32],
        dy: &[f32],
        dx: &mut [f32],
    ) -> Result<(), Error> {
        self.gradient_from_output(FromOutput::Tanh, y, dy, dx)
    }

    /// In-place [`Kernels::tanh_backward_from_output`]: the gradient overwrites `dy`.
    pub fn tanh_backward_from_output_inplace(
        &self,
        y: &[f32],
        dy: &mut [f32],
    ) -> Result<(), Error> {
        self.gradient_from_output_inplace(FromOutput::Tanh, y, dy)
    }

    fn gradient_from_output(
        &self,
        f: FromOutput,
        y: &[f32],
        dy: &[f32],
        dx: &mut [f32],
    ) -> Result<(), Error> {
        validate::from_output(y, dy, Some(dx))?;
        let io = OutOfPlace {
            x: dy,
            side: y,
            y: dx,
        };
        self.run_kernel(Cost::Memory, f, io);
        Ok(())
    }

    fn gradient_from_output_inplace(
        &self,
        f: FromOutput,
        y: &[f32],
        dy: &mut [f32],
    ) -> Result<(), Error> {
        validate::from_output(y, dy, None)?;
        self.run_kernel(Cost::Memory, f, InPlace(dy, y));
        Ok(())
    }

    /// Softmax over the rows of a row-major matrix of `cols` columns:
    /// `y[i] = exp(x[i] - max) / sum_j exp(x[j] - max)` within each row.
    ///
    /// Every element is within 4 ULP of the correctly rounded result (see the crate docs) and
    /// each row sums to 1 within `1e-6`; huge finite values do not overflow. A row holding a
    /// NaN or `+inf`, or made only of `-inf`, becomes all NaN; otherwise `-inf` entries give
    /// exactly 0. Rows of one element give 1. Results do not depend on the backend's lane width
    /// (`Avx2` and `Avx512` agree bit for bit) nor on the number of threads.
    ///
    /// Errors (before anything is written): [`Error::ZeroDimension`] if `cols == 0`,
    /// [`Error::NotDivisible`] if `x.len()` is not a multiple of `cols`,
    /// [`Error::LengthMismatch`] if `x.len() != y.len()`. An empty matrix is fine.
    ///
    /// ```
    /// use simd_activations::Kernels;
    ///
    /// let x = [1.0_f32, 2.0, 3.0, 0.0, 0.0, f32::NEG_INFINITY];
    /// let mut y = [0.0; 6];
    /// Kernels::global().softmax(&x, &mut y, 3)?;
    /// assert!((y[2] - 0.665_240_9).abs() < 1e-6);
    /// assert_eq!(y[3..], [0.5, 0.5, 0.0]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn softmax(&self, x: &[f32], y: &mut [f32], cols: usize) -> Result<(), Error> {
        validate::rows(x, Some(y), cols)?;
        self.rows(OutOfPlace::new(x, y), cols, Kind::Softmax);
        Ok(())
    }

    /// In-place [`Kernels::softmax`]. Errors: [`Error::ZeroDimension`] if `cols == 0`,
    /// [`Error::NotDivisible`] if `x.len()` is not a multiple of `cols` (then `x` is untouched).
    pub fn softmax_inplace(&self, x: &mut [f32], cols: usize) -> Result<(), Error> {
        validate::rows(x, None, cols)?;
        self.rows(InPlace::new(x), cols, Kind::Softmax);
        Ok(())
    }

    /// Log-softmax over the rows of a row-major matrix of `cols` columns:
    /// `y[i] = (x[i] - max) - log(sum_j exp(x[j] - max))` within each row (never
    /// `log(softmax)`), within 4 ULP of the correctly rounded result, also where `log(sum)` is
    /// close to 0 (next to a row's maximum when every other term of the sum is subnormal, that
    /// sum is recounted with its terms scaled by 2^64). Special rows as [`Kernels::softmax`],
    /// except that `-inf` entries give `-inf` and rows of one element give 0.
    ///
    /// Errors: as [`Kernels::softmax`].
    ///
    /// ```
    /// let x = [0.0_f32, 0.0, f32::NEG_INFINITY];
    /// let mut y = [0.0; 3];
    /// simd_activations::Kernels::global().log_softmax(&x, &mut y, 3)?;
    /// assert_eq!(y, [-std::f32::consts::LN_2, -std::f32::consts::LN_2, f32::NEG_INFINITY]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn log_softmax(&self, x: &[f32], y: &mut [f32], cols: usize) -> Result<(), Error> {
        validate::rows(x, Some(y), cols)?;
        self.rows(OutOfPlace::new(x, y), cols, Kind::LogSoftmax);
        Ok(())
    }

    /// In-place [`Kernels::log_softmax`]. Errors: as [`Kernels::softmax_inplace`].
    pub fn log_softmax_inplace(&self, x: &mut [f32], cols: usize) -> Result<(), Error> {
        validate::rows(x, None, cols)?;
        self.rows(InPlace::new(x), cols, Kind::LogSoftmax);
        Ok(())
    }

    /// Softmax backward over the rows of a row-major matrix of `cols` columns, from the
    /// forward *output* `y`: `dx[i] = y[i] * (dy[i] - s)` with `s = sum_j dy[j] * y[j]` over
    /// the row.
    ///
    /// Accuracy: `s` is accumulated with compensation (TwoSum in 16 logical lanes, chunks
    /// combined in `f64`) and kept as an `f32` pair, so that
    /// `|dx[i] - ref[i]| <= 4 ulp(ref[i]) + 2^-22 * y[i] * sum_j |dy[j] y[j]|` against the
    /// `f64` result, for rows of any length (tested up to 2^20), and each row of `dx` sums to 0
    /// within `2^-22 * sum_j |dy[j] y[j]|` (plus `|s| * |1 - sum_j y[j]|` when `y` does not sum
    /// to 1 exactly). Results are the same bits on every backend (the scalar one included) and
    /// for every number of threads: the sum has a fixed evaluation order.
    ///
    /// Special values follow the formula in IEEE arithmetic: a NaN in `y` or `dy`, or an
    /// infinite `dy`, makes `s` NaN or infinite and so (generally) the whole row NaN, as the
    /// `f64` formula does. The bound holds where `cols * max_j |dy[j]|` and
    /// `sum_j |dy[j] y[j]|` are below `f32::MAX / 16`: `s` is accumulated in `f32` lanes, so
    /// beyond that a row can give non-finite results where the exact ones are finite.
    ///
    /// Errors (before anything is written): [`Error::ZeroDimension`] if `cols == 0`,
    /// [`Error::NotDivisible`] if `y.len()` is not a multiple of `cols`,
    /// [`Error::SliceLength`] if `dy` or `dx` differs in length from `y`.
    ///
    /// ```
    /// use simd_activations::Kernels;
    ///
    /// let x = [1.0_f32, 2.0, 3.0];
    /// let mut y = [0.0; 3];
    /// let k = Kernels::global();
    /// k.softmax(&x, &mut y, 3)?;
    /// // The loss is y[2]: dy = (0, 0, 1), dx = y[2] * (e_2 - y).
    /// let mut dx = [0.0; 3];
    /// k.softmax_backward(&y, &[0.0, 0.0, 1.0], &mut dx, 3)?;
    /// assert!((dx[2] - y[2] * (1.0 - y[2])).abs() < 1e-7);
    /// assert!(dx.iter().sum::<f32>().abs() < 1e-7);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn softmax_backward(
        &self,
        y: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        cols: usize,
    ) -> Result<(), Error> {
        validate::rows_backward(y, dy, Some(dx), cols)?;
        grad::run_rows(
            self.arch,
            self.threading,
            y,
            Separate { dy, dx },
            cols,
            RowGrad::Softmax,
        );
        Ok(())
    }

    /// In-place [`Kernels::softmax_backward`]: the gradient overwrites `dy` (same bits).
    /// Errors: as [`Kernels::softmax_backward`] (then `dy` is untouched).
    pub fn softmax_backward_inplace(
        &self,
        y: &[f32],
        dy: &mut [f32],
        cols: usize,
    ) -> Result<(), Error> {
        validate::rows_backward(y, dy, None, cols)?;
        grad::run_rows(
            self.arch,
            self.threading,
            y,
            Overwrite(dy),
            cols,
            RowGrad::Softmax,
        );
        Ok(())
    }

    /// Log-softmax backward over the rows of a row-major matrix of `cols` columns, from the
    /// forward *output* `y`: `dx[i] = dy[i] - exp(y[i]) * t` with `t = sum_j dy[j]` over the
    /// row (`exp` is the crate's, 1 ULP).
    ///
    /// Accuracy: `t` is accumulated with compensation in the same fixed order as
    /// [`Kernels::softmax_backward`]'s sum, and
    /// `|dx[i] - ref[i]| <= 4 ulp(ref[i]) + 2^-22 * (|dy[i]| + exp(y[i]) * sum_j |dy[j]|)`
    /// against the `f64` result, for rows of any length (tested up to 2^20). Bit-identical
    /// across `Avx2` and `Avx512` and thread counts (the scalar backend's `exp` can differ by
    /// an ULP, within the bound). Special values follow the formula in IEEE arithmetic (a NaN
    /// or infinite `dy` makes the row's `t` NaN or infinite; `y = -inf` gives `exp(y) = 0`, so
    /// `dx = dy` there unless `t` is not finite). The bound holds where `cols * max_j |dy[j]|`
    /// and `sum_j |dy[j]|` are below `f32::MAX / 16`: `t` and `exp(y[i]) * t` are `f32`, so
    /// beyond that a row can give `±inf` where the exact result is finite.
    ///
    /// Errors: as [`Kernels::softmax_backward`].
    ///
    /// ```
    /// let y = [-std::f32::consts::LN_2; 2]; // log_softmax of [0, 0]
    /// let mut dx = [0.0; 2];
    /// simd_activations::Kernels::global().log_softmax_backward(&y, &[1.0, 0.0], &mut dx, 2)?;
    /// assert!((dx[0] - 0.5).abs() < 1e-7 && (dx[1] + 0.5).abs() < 1e-7);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn log_softmax_backward(
        &self,
        y: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        cols: usize,
    ) -> Result<(), Error> {
        validate::rows_backward(y, dy, Some(dx), cols)?;
        grad::run_rows(
            self.arch,
            self.threading,
            y,
            Separate { dy, dx },
            cols,
            RowGrad::LogSoftmax,
        );
        Ok(())
    }

    /// In-place [`Kernels::log_softmax_backward`]: the gradient overwrites `dy` (same bits).
    /// Errors: as [`Kernels::softmax_backward`] (then `dy` is untouched).
    pub fn log_softmax_backward_inplace(
        &self,
        y: &[f32],
        dy: &mut [f32],
        cols: usize,
    ) -> Result<(), Error> {
        validate::rows_backward(y, dy, None, cols)?;
        grad::run_rows(
            self.arch,
            self.threading,
            y,
            Overwrite(dy),
            cols,
            RowGrad::LogSoftmax,
        );
        Ok(())
    }

    /// PReLU backward, channels-last (element `i` has channel `i % C`, `C = slopes.len()`):
    /// `dx[i] = if x[i] > 0 { dy[i] } else { slopes[c] * dy[i] }` (exact: one rounding), and
    /// `dslopes[c]` = the sum of `x[i] * dy[i]` over the elements of channel `c` with
    /// `x[i] <= 0` (PyTorch's convention; `dslopes` is overwritten).
    ///
    /// Accuracy of `dslopes`: compensated accumulation (TwoSum per position, partial sums
    /// combined in `f64`), `|dslopes[c] - ref| <= 2 ulp(ref) + 2^-23 * sum_i |x[i] dy[i]|` over
    /// the channel, for channels of any length (tested up to 2^24 elements). The summation
    /// order depends only on the shape: results are the same bits on every backend and for
    /// every number of threads (a call uses at most 8 threads for the slope sums: the
    /// elements are cut into 8 fixed superblocks whose sums are combined along a fixed tree).
    ///
    /// Special values: a NaN `x` takes the slope branch (`dx = slope * dy`) and makes its
    /// channel's `dslopes` NaN (`x * dy`); a NaN `dy` gives a NaN `dx` and, where `x <= 0`, a
    /// NaN `dslopes`; `x > 0` contributes exactly 0 to `dslopes` whatever `dy` (also
    /// infinite); `x = 0` with an infinite `dy` gives `0 * inf = NaN` in `dslopes`, as in
    /// PyTorch.
    ///
    /// Errors (before anything is written): as [`Kernels::prelu`] (`slopes` empty or not
    /// finite, `x.len()` not a multiple of `C`), and [`Error::SliceLength`] if `dy` or `dx`
    /// differs in length from `x` or `dslopes` from `slopes`.
    ///
    /// ```
    /// let x = [-1.0_f32, 2.0, -4.0, -0.5]; // two rows of two channels
    /// let dy = [1.0_f32, 1.0, 0.5, 2.0];
    /// let (mut dx, mut dslopes) = ([0.0; 4], [0.0; 2]);
    /// simd_activations::Kernels::global().prelu_backward(&x, &dy, &mut dx, &[0.5, 0.25], &mut dslopes)?;
    /// assert_eq!(dx, [0.5, 1.0, 0.25, 0.5]);
    /// assert_eq!(dslopes, [-1.0 + -2.0, -1.0]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn prelu_backward(
        &self,
        x: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        slopes: &[f32],
        dslopes: &mut [f32],
    ) -> Result<(), Error> {
        self.prelu_channels_first_backward(x, dy, dx, slopes, dslopes, 1)
    }

    /// In-place [`Kernels::prelu_backward`]: `dx` overwrites `dy` (same bits); `dslopes` is
    /// computed from the incoming `dy` as it is read. Errors: as
    /// [`Kernels::prelu_backward`] (then `dy` and `dslopes` are untouched).
    pub fn prelu_backward_inplace(
        &self,
        x: &[f32],
        dy: &mut [f32],
        slopes: &[f32],
        dslopes: &mut [f32],
    ) -> Result<(), Error> {
        self.prelu_channels_first_backward_inplace(x, dy, slopes, dslopes, 1)
    }

    /// PReLU backward, channels-first (NCHW: element `i` has channel `(i / inner) % C`), as
    /// [`Kernels::prelu_backward`] otherwise (same accuracy, special values and determinism).
    ///
    /// Errors (before anything is written): as [`Kernels::prelu_backward`], plus
    /// [`Error::ZeroDimension`] if `inner == 0`; `x.len()` must be a multiple of
    /// `slopes.len() * inner`.
    ///
    /// ```
    /// // N = 1, C = 2, H * W = 2
    /// let x = [-1.0_f32, 3.0, -2.0, -2.0];
    /// let dy = [1.0_f32; 4];
    /// let (mut dx, mut dslopes) = ([0.0; 4], [0.0; 2]);
    /// simd_activations::prelu_channels_first_backward(&x, &dy, &mut dx, &[0.5, 0.25], &mut dslopes, 2)?;
    /// assert_eq!(dx, [0.5, 1.0, 0.25, 0.25]);
    /// assert_eq!(dslopes, [-1.0, -4.0]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn prelu_channels_first_backward(
        &self,
        x: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        slopes: &[f32],
        dslopes: &mut [f32],
        inner: usize,
    ) -> Result<(), Error> {
        validate::prelu_backward(x, dy, Some(dx), slopes, dslopes, inner)?;
        grad::run_prelu(
            self.arch,
            self.threading,
            x,
            Some(dy),
            dx,
            slopes,
            dslopes,
            inner,
        );
        Ok(())
    }

    /// In-place [`Kernels::prelu_channels_first_backward`]: `dx` overwrites `dy`.
    pub fn prelu_channels_first_backward_inplace(
        &self,
        x: &[f32],
        dy: &mut [f32],
        slopes: &[f32],
        dslopes: &mut [f32],
        inner: usize,
    ) -> Result<(), Error> {
        validate::prelu_backward(x, dy, None, slopes, dslopes, inner)?;
        grad::run_prelu(
            self.arch,
            self.threading,
            x,
            None,
            dy,
            slopes,
            dslopes,
            inner,
        );
        Ok(())
    }

    /// Runs softmax or log-softmax over the rows of `io` with this handle's backend and
    /// threading.
    fn rows<I: RowIo>(&self, io: I, cols: usize, kind: Kind) {
        rows::run(self.arch, self.threading, io, &Spec::plain(cols, kind));
    }

    /// Runs PReLU over `io` with this handle's backend and threading.
    fn run_prelu<I: OneInput>(&self, io: I, slopes: &[f32], inner: usize) {
        let (arch, threading) = (self.arch, self.threading);
        elementwise::run_periodic(arch, threading, Cost::Memory, io, slopes, inner, Prelu);
    }

    /// Runs a one-input kernel over `io` with this handle's backend and threading.
    #[inline]
    pub(crate) fn run<K: Unary, I: Io<Side = ()>>(&self, k: K, io: I) {
        elementwise::run(self.arch, self.threading, K::COST, io, k);
    }

    /// Runs a kernel of class `cost` over `io` (with its side streams) with this handle's
    /// backend and threading.
    #[inline]
    pub(crate) fn run_kernel<I: Io, K: Kernel<I::Side>>(&self, cost: Cost, k: K, io: I) {
        elementwise::run(self.arch, self.threading, cost, io, k);
    }
}
