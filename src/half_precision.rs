//! Half-precision storage: the `f16`/`bf16` <-> `f32` conversions and the elementwise
//! activations on `f16` and `bf16` slices, computed in `f32` registers and rounded once, at
//! the store. The [`Kernels`] methods and the free functions of the same names.

use half::{bf16, f16};

use crate::drive::half_rows;
use crate::drive::rows::Kind;
use crate::simd::convert::Element;
use crate::simd::half_io::{Convert, ConvertInPlace};
use crate::simd::io::Io;
use crate::simd::{Identity, Unary, UnaryVisitor};
use crate::{Activation, Error, Kernels, validate};

/// Runs the kernel it is handed over `io` with `kernels`' backend and threading.
struct RunOn<'k, I> {
    kernels: &'k Kernels,
    io: I,
}

impl<I: Io<Side = ()>> UnaryVisitor for RunOn<'_, I> {
    type Output = ();
    #[inline]
    fn visit<K: Unary>(self, k: K) {
        self.kernels.run(k, self.io);
    }
}

impl Kernels {
    /// Converts `x` to `f32`, exactly (every `f16` is an `f32`); a NaN stays NaN with its sign
    /// and payload and is quieted (its top mantissa bit set), as F16C's `vcvtph2ps` and
    /// `f16::to_f32` do: bit for bit `half`'s scalar conversion, on every backend.
    ///
    /// Errors: [`Error::LengthMismatch`] if `x.len() != y.len()` (then `y` is untouched).
    ///
    /// ```
    /// use simd_activations::{Kernels, f16};
    ///
    /// let x = [f16::from_f32(0.5), f16::MIN_POSITIVE_SUBNORMAL, f16::NEG_INFINITY];
    /// let mut y = [0.0_f32; 3];
    /// Kernels::global().f16_to_f32(&x, &mut y)?;
    /// assert_eq!(y, [0.5, 2.0_f32.powi(-24), f32::NEG_INFINITY]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn f16_to_f32(&self, x: &[f16], y: &mut [f32]) -> Result<(), Error> {
        self.convert(x, y)
    }

    /// Rounds `x` to `f16`: to nearest, ties to even; beyond the largest finite `f16` (65504;
    /// from 65520 on, which rounds up) to `+-inf`; small values to `f16` subnormals (gradual
    /// underflow, `+-0` below `2^-25`); a NaN stays NaN with its sign and the top 10 bits of
    /// its payload, quieted. Bit for bit `f16::from_f32`, on every backend, independent of
    /// the FP control register.
    ///
    /// Errors: [`Error::LengthMismatch`] if `x.len() != y.len()` (then `y` is untouched).
    ///
    /// ```
    /// use simd_activations::{Kernels, f16};
    ///
    /// let x = [1.0_f32 + 2.0_f32.powi(-11), 65520.0, 1e-7];
    /// let mut y = [f16::ZERO; 3];
    /// Kernels::global().f32_to_f16(&x, &mut y)?;
    /// assert_eq!(y[0], f16::ONE); // a tie, to even
    /// assert_eq!(y[1], f16::INFINITY);
    /// assert_eq!(y[2].to_bits(), 2); // subnormal: 2 * 2^-24
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn f32_to_f16(&self, x: &[f32], y: &mut [f16]) -> Result<(), Error> {
        self.convert(x, y)
    }

    /// Converts `x` to `f32`, exactly (the `bf16` is the top half of the `f32`); a NaN is
    /// quieted. Bit for bit [`bf16::to_f32`], on every backend.
    ///
    /// Errors: [`Error::LengthMismatch`] if `x.len() != y.len()` (then `y` is untouched).
    ///
    /// ```
    /// use simd_activations::{Kernels, bf16};
    ///
    /// let x = [bf16::from_f32(-2.5), bf16::MAX];
    /// let mut y = [0.0_f32; 2];
    /// Kernels::global().bf16_to_f32(&x, &mut y)?;
    /// assert_eq!(y, [-2.5, f32::from_bits(0x7F7F_0000)]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn bf16_to_f32(&self, x: &[bf16], y: &mut [f32]) -> Result<(), Error> {
        self.convert(x, y)
    }

    /// Rounds `x` to `bf16`: to nearest, ties to even; overflow to `+-inf`; subnormal `f32`
    /// values round to `bf16` subnormals (bf16 has the exponent range of `f32`); a NaN keeps
    /// its sign and the top 7 bits of its payload, quieted. Bit for bit [`bf16::from_f32`], on
    /// every backend.
    ///
    /// Errors: [`Error::LengthMismatch`] if `x.len() != y.len()` (then `y` is untouched).
    ///
    /// ```
    /// use simd_activations::{Kernels, bf16};
    ///
    /// let x = [1.0_f32 + 2.0_f32.powi(-8), f32::MAX];
    /// let mut y = [bf16::ZERO; 2];
    /// Kernels::global().f32_to_bf16(&x, &mut y)?;
    /// assert_eq!(y, [bf16::ONE, bf16::INFINITY]); // a tie to even; overflow
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn f32_to_bf16(&self, x: &[f32], y: &mut [bf16]) -> Result<(), Error> {
        self.convert(x, y)
    }

    /// Runs the activation `act` on `f16` storage: each element is widened to `f32`, the
    /// `f32` kernel runs in registers, and its result is rounded once to `f16` at the store.
    /// The result is bit for bit [`Kernels::activate`] on the widened input followed by
    /// [`Kernels::f32_to_f16`] (so within `act`'s `f32` bound plus half an `f16` ulp of the
    /// exact value; the README tabulates the measured maxima), without an intermediate
    /// buffer and without allocating.
    ///
    /// Errors (before anything is written): [`Error::InvalidParameter`] for a NaN or infinite
    /// parameter, [`Error::LengthMismatch`] if `x.len() != y.len()`.
    ///
    /// ```
    /// use simd_activations::{Activation, Kernels, f16};
    ///
    /// let x = [f16::from_f32(-1.0), f16::ZERO, f16::from_f32(2.0)];
    /// let mut y = [f16::ZERO; 3];
    /// Kernels::global().activate_f16(Activation::Sigmoid, &x, &mut y)?;
    /// assert_eq!(y[1], f16::from_f32(0.5));
    /// assert_eq!(y[2], f16::from_f32(0.880_797_1));
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn activate_f16(&self, act: Activation, x: &[f16], y: &mut [f16]) -> Result<(), Error> {
        self.activate_as(act, x, y)
    }

    /// In-place [`Kernels::activate_f16`] (the same bits).
    ///
    /// Errors: [`Error::InvalidParameter`] for a NaN or infinite parameter (then `x` is
    /// untouched).
    pub fn activate_f16_inplace(&self, act: Activation, x: &mut [f16]) -> Result<(), Error> {
        self.activate_inplace_as(act, x)
    }

    /// [`Kernels::activate_f16`] on `bf16` storage: the `f32` kernel's result rounded once to
    /// `bf16` ([`Kernels::f32_to_bf16`]), bit for bit.
    ///
    /// Errors (before anything is written): [`Error::InvalidParameter`] for a NaN or infinite
    /// parameter, [`Error::LengthMismatch`] if `x.len() != y.len()`.
    ///
    /// ```
    /// use simd_activations::{Activation, Kernels, bf16};
    ///
    /// let x = [bf16::from_f32(-3.0), bf16::from_f32(3.0)];
    /// let mut y = [bf16::ZERO; 2];
    /// Kernels::global().activate_bf16(Activation::LeakyRelu { alpha: 0.5 }, &x, &mut y)?;
    /// assert_eq!(y, [bf16::from_f32(-1.5), bf16::from_f32(3.0)]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn activate_bf16(&self, act: Activation, x: &[bf16], y: &mut [bf16]) -> Result<(), Error> {
        self.activate_as(act, x, y)
    }

    /// In-place [`Kernels::activate_bf16`] (the same bits).
    ///
    /// Errors: [`Error::InvalidParameter`] for a NaN or infinite parameter (then `x` is
    /// untouched).
    pub fn activate_bf16_inplace(&self, act: Activation, x: &mut [bf16]) -> Result<(), Error> {
        self.activate_inplace_as(act, x)
    }

    /// Softmax over the rows of a row-major `f16` matrix of `cols` columns, computed in `f32`:
    /// the result is bit for bit [`Kernels::softmax`] of the widened matrix, rounded once to
    /// `f16` ([`Kernels::f32_to_f16`]), so within softmax's `f32` bound plus half an `f16` ulp
    /// of the exact value (the README tabulates the measured maxima); special rows (NaN,
    /// `+inf`, all `-inf`) as there. No intermediate buffer on the heap: rows are widened
    /// into a stack buffer, a few thousand elements at a time.
    ///
    /// Errors (before anything is written): as [`Kernels::softmax`].
    ///
    /// ```
    /// use simd_activations::{Kernels, f16};
    ///
    /// let x = [f16::from_f32(1.0), f16::from_f32(1.0), f16::NEG_INFINITY];
    /// let mut y = [f16::ZERO; 3];
    /// Kernels::global().softmax_f16(&x, &mut y, 3)?;
    /// assert_eq!(y, [f16::from_f32(0.5), f16::from_f32(0.5), f16::ZERO]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn softmax_f16(&self, x: &[f16], y: &mut [f16], cols: usize) -> Result<(), Error> {
        self.rows_as(x, y, cols, Kind::Softmax)
    }

    /// In-place [`Kernels::softmax_f16`] (the same bits).
    ///
    /// Errors: as [`Kernels::softmax_inplace`] (then `x` is untouched).
    pub fn softmax_f16_inplace(&self, x: &mut [f16], cols: usize) -> Result<(), Error> {
        self.rows_inplace_as(x, cols, Kind::Softmax)
    }

    /// [`Kernels::softmax_f16`] on `bf16` storage: [`Kernels::softmax`] of the widened
    /// matrix rounded once to `bf16`, bit for bit.
    ///
    /// Errors (before anything is written): as [`Kernels::softmax`].
    ///
    /// ```
    /// use simd_activations::{Kernels, bf16};
    ///
    /// let x = [bf16::from_f32(0.0), bf16::from_f32(2.0)];
    /// let mut y = [bf16::ZERO; 2];
    /// Kernels::global().softmax_bf16(&x, &mut y, 2)?;
    /// assert_eq!(y, [bf16::from_f32(0.119_202_92), bf16::from_f32(0.880_797_1)]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn softmax_bf16(&self, x: &[bf16], y: &mut [bf16], cols: usize) -> Result<(), Error> {
        self.rows_as(x, y, cols, Kind::Softmax)
    }

    /// In-place [`Kernels::softmax_bf16`] (the same bits).
    ///
    /// Errors: as [`Kernels::softmax_inplace`] (then `x` is untouched).
    pub fn softmax_bf16_inplace(&self, x: &mut [bf16], cols: usize) -> Result<(), Error> {
        self.rows_inplace_as(x, cols, Kind::Softmax)
    }

    /// Log-softmax over the rows of a row-major `f16` matrix: bit for bit
    /// [`Kernels::log_softmax`] of the widened matrix, rounded once to `f16`.
    ///
    /// Errors (before anything is written): as [`Kernels::softmax`].
    ///
    /// ```
    /// use simd_activations::{Kernels, f16};
    ///
    /// let x = [f16::from_f32(3.0), f16::from_f32(3.0)];
    /// let mut y = [f16::ZERO; 2];
    /// Kernels::global().log_softmax_f16(&x, &mut y, 2)?;
    /// assert_eq!(y, [f16::from_f32(-std::f32::consts::LN_2); 2]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn log_softmax_f16(&self, x: &[f16], y: &mut [f16], cols: usize) -> Result<(), Error> {
        self.rows_as(x, y, cols, Kind::LogSoftmax)
    }

    /// In-place [`Kernels::log_softmax_f16`] (the same bits).
    ///
    /// Errors: as [`Kernels::softmax_inplace`] (then `x` is untouched).
    pub fn log_softmax_f16_inplace(&self, x: &mut [f16], cols: usize) -> Result<(), Error> {
        self.rows_inplace_as(x, cols, Kind::LogSoftmax)
    }

    /// [`Kernels::log_softmax_f16`] on `bf16` storage: [`Kernels::log_softmax`] of the
    /// widened matrix rounded once to `bf16`, bit for bit.
    ///
    /// Errors (before anything is written): as [`Kernels::softmax`].
    pub fn log_softmax_bf16(&self, x: &[bf16], y: &mut [bf16], cols: usize) -> Result<(), Error> {
        self.rows_as(x, y, cols, Kind::LogSoftmax)
    }

    /// In-place [`Kernels::log_softmax_bf16`] (the same bits).
    ///
    /// Errors: as [`Kernels::softmax_inplace`] (then `x` is untouched).
    pub fn log_softmax_bf16_inplace(&self, x: &mut [bf16], cols: usize) -> Result<(), Error> {
        self.rows_inplace_as(x, cols, Kind::LogSoftmax)
    }

    /// Softmax or log-softmax from `x` to `y`, both in the storage type `A`.
    fn rows_as<A: Element>(
        &self,
        x: &[A],
        y: &mut [A],
        cols: usize,
        kind: Kind,
    ) -> Result<(), Error> {
        validate::rows(x, Some(y), cols)?;
        half_rows::run(self.arch, self.threading, Convert { x, y }, cols, kind);
        Ok(())
    }

    /// Softmax or log-softmax of `x` in place, in the storage type `A`.
    fn rows_inplace_as<A: Element>(
        &self,
        x: &mut [A],
        cols: usize,
        kind: Kind,
    ) -> Result<(), Error> {
        validate::rows(x, None, cols)?;
        half_rows::run(self.arch, self.threading, ConvertInPlace(x), cols, kind);
        Ok(())
    }

    /// A conversion: the identity kernel from one storage type to another.
    fn convert<A: Element, B: Element>(&self, x: &[A], y: &mut [B]) -> Result<(), Error> {
        validate::same_len(x, y)?;
        self.run(Identity, Convert { x, y });
        Ok(())
    }

    /// `act` from `x` to `y`, both in the storage type `A`.
    fn activate_as<A: Element>(&self, act: Activation, x: &[A], y: &mut [A]) -> Result<(), Error> {
        act.validate()?;
        validate::same_len(x, y)?;
        act.visit_kernel(RunOn {
            kernels: self,
            io: Convert { x, y },
        });
        Ok(())
    }

    /// `act` on `x` in place, in the storage type `A`.
    fn activate_inplace_as<A: Element>(&self, act: Activation, x: &mut [A]) -> Result<(), Error> {
        act.validate()?;
        act.visit_kernel(RunOn {
            kernels: self,
            io: ConvertInPlace(x),
        });
        Ok(())
    }
}

/// Converts `f16` to `f32` on the best backend, exactly; see [`Kernels::f16_to_f32`].
///
/// ```
/// use simd_activations::f16;
///
/// let x = vec![f16::from_f32(1.5); 100];
/// let mut y = vec![0.0_f32; 100];
/// simd_activations::f16_to_f32(&x, &mut y)?;
/// assert!(y.iter().all(|&v| v == 1.5));
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn f16_to_f32(x: &[f16], y: &mut [f32]) -> Result<(), Error> {
    Kernels::global().f16_to_f32(x, y)
}

/// Rounds `f32` to `f16` (nearest even) on the best backend, bit for bit
/// `f16::from_f32`; see [`Kernels::f32_to_f16`].
///
/// ```
/// use simd_activations::f16;
///
/// let mut y = [f16::ZERO; 2];
/// simd_activations::f32_to_f16(&[0.1, 1e6], &mut y)?;
/// assert_eq!(y, [f16::from_f32(0.1), f16::INFINITY]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn f32_to_f16(x: &[f32], y: &mut [f16]) -> Result<(), Error> {
    Kernels::global().f32_to_f16(x, y)
}

/// Converts `bf16` to `f32` on the best backend, exactly; see [`Kernels::bf16_to_f32`].
pub fn bf16_to_f32(x: &[bf16], y: &mut [f32]) -> Result<(), Error> {
    Kernels::global().bf16_to_f32(x, y)
}

/// Rounds `f32` to `bf16` (nearest even) on the best backend, bit for bit
/// [`bf16::from_f32`]; see [`Kernels::f32_to_bf16`].
///
/// ```
/// use simd_activations::bf16;
///
/// let mut y = [bf16::ZERO; 2];
/// simd_activations::f32_to_bf16(&[3.0, f32::NAN], &mut y)?;
/// assert_eq!(y[0], bf16::from_f32(3.0));
/// assert!(y[1].is_nan());
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn f32_to_bf16(x: &[f32], y: &mut [bf16]) -> Result<(), Error> {
    Kernels::global().f32_to_bf16(x, y)
}

/// Runs `act` on `f16` storage on the best backend: the `f32` kernel's result rounded once
/// to `f16`; see [`Kernels::activate_f16`].
///
/// ```
/// use simd_activations::{Activation, f16};
///
/// let x: Vec<f16> = (-4..4).map(|i| f16::from_f32(i as f32)).collect();
/// let mut y = vec![f16::ZERO; x.len()];
/// simd_activations::activate_f16(Activation::Relu, &x, &mut y)?;
/// assert_eq!(y[7], f16::from_f32(3.0));
/// assert_eq!(y[0], f16::ZERO);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn activate_f16(act: Activation, x: &[f16], y: &mut [f16]) -> Result<(), Error> {
    Kernels::global().activate_f16(act, x, y)
}

/// In-place [`activate_f16`].
pub fn activate_f16_inplace(act: Activation, x: &mut [f16]) -> Result<(), Error> {
    Kernels::global().activate_f16_inplace(act, x)
}

/// Runs `act` on `bf16` storage on the best backend: the `f32` kernel's result rounded once
/// to `bf16`; see [`Kernels::activate_bf16`].
///
/// ```
/// use simd_activations::{Activation, bf16};
///
/// let mut x = [bf16::from_f32(0.0); 4];
/// simd_activations::activate_bf16_inplace(Activation::Exp, &mut x)?;
/// assert_eq!(x, [bf16::ONE; 4]);
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn activate_bf16(act: Activation, x: &[bf16], y: &mut [bf16]) -> Result<(), Error> {
    Kernels::global().activate_bf16(act, x, y)
}

/// In-place [`activate_bf16`].
pub fn activate_bf16_inplace(act: Activation, x: &mut [bf16]) -> Result<(), Error> {
    Kernels::global().activate_bf16_inplace(act, x)
}

/// Softmax over the rows of an `f16` matrix on the best backend; see [`Kernels::softmax_f16`].
///
/// ```
/// use simd_activations::f16;
///
/// let x = vec![f16::from_f32(0.25); 8];
/// let mut y = vec![f16::ZERO; 8];
/// simd_activations::softmax_f16(&x, &mut y, 4)?;
/// assert!(y.iter().all(|&v| v == f16::from_f32(0.25)));
/// # Ok::<(), simd_activations::Error>(())
/// ```
pub fn softmax_f16(x: &[f16], y: &mut [f16], cols: usize) -> Result<(), Error> {
    Kernels::global().softmax_f16(x, y, cols)
}

/// In-place [`softmax_f16`]; see [`Kernels::softmax_f16_inplace`].
pub fn softmax_f16_inplace(x: &mut [f16], cols: usize) -> Result<(), Error> {
    Kernels::global().softmax_f16_inplace(x, cols)
}

/// Softmax over the rows of a `bf16` matrix on the best backend; see
/// [`Kernels::softmax_bf16`].
pub fn softmax_bf16(x: &[bf16], y: &mut [bf16], cols: usize) -> Result<(), Error> {
    Kernels::global().softmax_bf16(x, y, cols)
}

/// In-place [`softmax_bf16`]; see [`Kernels::softmax_bf16_inplace`].
pub fn softmax_bf16_inplace(x: &mut [bf16], cols: usize) -> Result<(), Error> {
    Kernels::global().softmax_bf16_inplace(x, cols)
}

/// Log-softmax over the rows of an `f16` matrix on the best backend; see
/// [`Kernels::log_softmax_f16`].
pub fn log_softmax_f16(x: &[f16], y: &mut [f16], cols: usize) -> Result<(), Error> {
    Kernels::global().log_softmax_f16(x, y, cols)
}

/// In-place [`log_softmax_f16`]; see [`Kernels::log_softmax_f16_inplace`].
pub fn log_softmax_f16_inplace(x: &mut [f16], cols: usize) -> Result<(), Error> {
    Kernels::global().log_softmax_f16_inplace(x, cols)
}

/// Log-softmax over the rows of a `bf16` matrix on the best backend; see
/// [`Kernels::log_softmax_bf16`].
pub fn log_softmax_bf16(x: &[bf16], y: &mut [bf16], cols: usize) -> Result<(), Error> {
    Kernels::global().log_softmax_bf16(x, y, cols)
}

/// In-place [`log_softmax_bf16`]; see [`Kernels::log_softmax_bf16_inplace`].
pub fn log_softmax_bf16_inplace(x: &mut [bf16], cols: usize) -> Result<(), Error> {
    Kernels::global().log_softmax_bf16_inplace(x, cols)
}
