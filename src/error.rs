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
    /// A string given to [`Activation::from_str`](crate::Activation) names no activation.
    UnknownActivation,
    /// A string given to [`Activation::from_str`](crate::Activation) names an activation but
    /// its bracketed parameter is malformed: not a number, or brackets on a function that has
    /// no parameter.
    MalformedActivation {
        /// The activation's name.
        name: &'static str,
        /// Whether it takes a parameter (`"leaky_relu(0.2)"`) or none (`"sigmoid"`).
        takes_param: bool,
    },
    /// A slice that must have as many elements as another has a different length (a
    /// gradient's `dy` or `dx` against the forward input `x`).
    SliceLength {
        /// Name of the slice (`"dy"`, `"dx"`).
        name: &'static str,
        /// Its length.
        len: usize,
        /// The length it must have.
        expected: usize,
        /// Name of the slice whose length it must match (`"x"`).
        of: &'static str,
    },
    /// A softmax scale of 0 ([`SoftmaxOptions::scale`](crate::SoftmaxOptions::scale) must be
    /// finite and non-zero; a NaN or infinite one is [`Error::InvalidParameter`]).
    ZeroScale,
    /// A row stride smaller than the row ([`SoftmaxOptions::row_stride`](crate::SoftmaxOptions::row_stride)).
    RowStride {
        /// The stride.
        row_stride: usize,
        /// The columns per row.
        cols: usize,
    },
    /// A buffer whose last row is incomplete: with `rows = ceil(len / row_stride)` it must hold
    /// at least `(rows - 1) * row_stride + cols` elements.
    ShortBuffer {
        /// Its length.
        len: usize,
        /// The length its rows need.
        needed: usize,
        /// The rows it holds, `ceil(len / row_stride)`.
        rows: usize,
    },
    /// An additive softmax mask that has neither `cols` nor `rows * cols` entries.
    MaskLength {
        /// Its length.
        len: usize,
        /// The columns per row.
        cols: usize,
        /// The rows of the call.
        rows: usize,
    },
    /// A per-row output (such as [`log_sum_exp`](crate::log_sum_exp)'s) with other than one
    /// element per row.
    OutputRows {
        /// Its length.
        len: usize,
        /// The rows of the input.
        rows: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::LengthMismatch { input, output } => write!(
                f,
                "length mismatch: the input has {input} elements but the output has {output}; \
                 they must be equal"
            ),
            Error::SliceLength {
                name,
                len,
                expected,
                of,
            } => write!(
                f,
                "length mismatch: {name} has {len} elements but {of} has {expected}; they must \
                 be equal"
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
                name: "mask",
                index: Some(i),
                value,
            } => write!(
                f,
                "invalid mask entry: mask[{i}] = {value}; entries must be finite or -inf"
            ),
            Error::InvalidParameter {
                name,
                index: Some(i),
                value,
            } => write!(
                f,
                "invalid parameter: {name}[{i}] = {value}; every element must be finite"
            ),
            Error::ZeroScale => f.write_str("scale is 0; it must be finite and non-zero"),
            Error::RowStride { row_stride, cols } => write!(
                f,
                "row_stride = {row_stride} is smaller than cols = {cols}; rows cannot overlap"
            ),
            Error::ShortBuffer { len, needed, rows } => write!(
                f,
                "a buffer of {len} elements holds {rows} rows (ceil(len / row_stride)), which \
                 need at least {needed} elements; the last row is incomplete"
            ),
            Error::MaskLength { len, cols, rows } => write!(
                f,
                "the mask has {len} entries; it must have cols = {cols} (one row for all) or \
                 rows * cols = {} (one per row)",
                rows * cols
            ),
            Error::OutputRows { len, rows } => write!(
                f,
                "the output has {len} elements; it must have one per row: {rows}"
            ),
            Error::UnsupportedBackend(b) => {
                write!(
                    f,
                    "backend {b} is not supported by this CPU; supported here:"
                )?;
                for (i, s) in crate::Backend::ALL
                    .iter()
                    .filter(|s| s.is_supported())
                    .enumerate()
                {
                    write!(f, "{}{s}", if i == 0 { " " } else { ", " })?;
                }
                Ok(())
            }
            Error::UnknownActivation => {
                f.write_str("unknown activation; the known names are")?;
                for (i, name) in crate::Activation::ALL.iter().map(|a| a.name()).enumerate() {
                    write!(f, "{}{name}", if i == 0 { " " } else { ", " })?;
                }
                Ok(())
            }
            Error::MalformedActivation {
                name,
                takes_param: true,
            } => write!(
                f,
                "malformed parameter for {name}: write {name} or {name}(value) with a finite \
                 number, for example {name}(0.1)"
            ),
            Error::MalformedActivation {
                name,
                takes_param: false,
            } => write!(
                f,
                "{name} takes no parameter: write {name} without brackets"
            ),
        }
    }
}

impl std::error::Error for Error {}
