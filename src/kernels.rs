//! [`Kernels`]: a backend plus a threading policy, with one method per kernel.

use std::sync::OnceLock;

use crate::drive::rows::{self, Kind, RowIo};
use crate::drive::{Cost, Threading, elementwise};
use crate::simd::Unary;
use crate::simd::backward::FromOutput;
use crate::simd::io::{InPlace, Io, Kernel, OutOfPlace};
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
/// [`Kernels::sequential`] never touches rayon. Results are the same bits whatever the split.
/// No method allocates.
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
    arch: pulp::Arch,
    threading: Threading,
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
    /// rayon call.
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
    #[must_use]
    pub fn parallel_threshold(self, min_len: usize) -> Kernels {
        Kernels {
            threading: Threading::FromLen(min_len),
            ..self
        }
    }

    /// The same handle with the automatic threading policy (the default).
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
        elementwise::run_prelu(
            self.arch,
            self.threading,
            OutOfPlace::new(x, y),
            slopes,
            inner,
        );
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
        elementwise::run_prelu(self.arch, self.threading, InPlace::new(x), slopes, inner);
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
    /// close to 0. Special rows as [`Kernels::softmax`], except that `-inf` entries give `-inf`
    /// and rows of one element give 0.
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

    /// Runs softmax or log-softmax over the rows of `io` with this handle's backend and
    /// threading.
    fn rows<I: RowIo>(&self, io: I, cols: usize, kind: Kind) {
        rows::run(self.arch, self.threading, io, cols, kind);
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
