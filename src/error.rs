//! The crate's error type.
//!
//! Every public kernel checks its arguments before it writes anything, so on `Err` the output
//! slice holds exactly what it held before the call.

use core::fmt;

use crate::Backend;

/// Why a kernel call or a [`Kernels`](crate::Kernels) construction was refused.
///
/// ```
/// use simd_activations as act;
///
/// let x = [1.0_f32; 4];
/// let mut y = [0.0_f32; 3];
/// let err = act::sigmoid(&x, &mut y).unwrap_err();
/// assert_eq!(err, act::Error::LengthMismatch { input: 4, output: 3 });
/// assert_eq!(y, [0.0; 3]); // untouched
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The input and output slices have different lengths.
    LengthMismatch {
        /// Length of the input slice `x`.
        input: usize,
        /// Length of the output slice `y`.
        output: usize,
    },
    /// A length is not a multiple of the dimension that must divide it
    /// (for example `x.len()` and the number of PReLU channels, or of softmax columns).
    NotDivisible {
        /// What is being divided (`"x.len()"`).
        what: &'static str,
        /// Its value.
        len: usize,
        /// Name of the dimension that must divide it (`"slopes.len()"`, `"cols"`, ...).
        dim_name: &'static str,
        /// The dimension's value.
        dim: usize,
    },
    /// A dimension that must be at least 1 is 0.
    ZeroDimension {
        /// Name of the dimension (`"slopes.len()"`, `"inner"`, `"cols"`).
        name: &'static str,
    },
    /// A parameter is NaN or infinite.
    InvalidParameter {
        /// Name of the parameter (`"alpha"`, `"slopes[3]"` is reported as `"slopes"` with its index).
        name: &'static str,
        /// Index of the offending element, for slice parameters such as PReLU slopes.
        index: Option<usize>,
        /// The offending value.
        value: f32,
    },
    /// The requested backend cannot run on this CPU (or this build's target).
    UnsupportedBackend(Backend),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::LengthMismatch { input, output } => write!(
                f,
                "length mismatch: the input has {input} elements but the output has {output}; \
                 they must be equal"
            ),
            Error::NotDivisible {
                what,
                len,
                dim_name,
                dim,
            } => write!(f, "{what} = {len} is not a multiple of {dim_name} = {dim}"),
            Error::ZeroDimension { name } => write!(f, "{name} is 0; it must be at least 1"),
            Error::InvalidParameter {
                name,
                index: None,
                value,
            } => write!(f, "invalid parameter: {name} = {value}; it must be finite"),
            Error::InvalidParameter {
                name,
                index: Some(i),
                value,
            } => write!(
                f,
                "invalid parameter: {name}[{i}] = {value}; every element must be finite"
            ),
            Error::UnsupportedBackend(b) => write!(
                f,
                "backend {b} is not supported by this CPU; supported here: {}",
                crate::backend::supported_list()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Checks that an out-of-place call's slices have equal lengths.
#[inline]
pub(crate) fn check_same_len(x: &[f32], y: &[f32]) -> Result<(), Error> {
    if x.len() == y.len() {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            input: x.len(),
            output: y.len(),
        })
    }
}

/// Checks that a scalar parameter is finite.
#[inline]
pub(crate) fn check_finite(name: &'static str, value: f32) -> Result<(), Error> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            index: None,
            value,
        })
    }
}

/// Checks that every element of a parameter slice is finite.
#[inline]
pub(crate) fn check_all_finite(name: &'static str, values: &[f32]) -> Result<(), Error> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::InvalidParameter {
            name,
            index: Some(i),
            value: values[i],
        }),
    }
}

/// Checks that `dim` is non-zero and divides `len`.
#[inline]
pub(crate) fn check_divides(
    what: &'static str,
    len: usize,
    dim_name: &'static str,
    dim: usize,
) -> Result<(), Error> {
    if dim == 0 {
        Err(Error::ZeroDimension { name: dim_name })
    } else if len % dim != 0 {
        Err(Error::NotDivisible {
            what,
            len,
            dim_name,
            dim,
        })
    } else {
        Ok(())
    }
}
