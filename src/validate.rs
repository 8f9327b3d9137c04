//! Shape and parameter checks, run by every public function before it writes anything, so
//! that on `Err` the output is untouched.

use crate::{Activation, Error, Mask, SoftmaxOptions};

/// Checks that an out-of-place call's slices have equal lengths (of any element types: a
/// conversion's differ).
#[inline]
pub(crate) fn same_len<A, B>(x: &[A], y: &[B]) -> Result<(), Error> {
    if x.len() == y.len() {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            input: x.len(),
            output: y.len(),
        })
    }
}

/// Checks that `slice` (called `name`) has the length of `of` (called `of_name`).
#[inline]
pub(crate) fn len_of(
    name: &'static str,
    slice: &[f32],
    of_name: &'static str,
    of: &[f32],
) -> Result<(), Error> {
    if slice.len() == of.len() {
        Ok(())
    } else {
        Err(Error::SliceLength {
            name,
            len: slice.len(),
            expected: of.len(),
            of: of_name,
        })
    }
}

/// The checks of an elementwise gradient: `dy` (and `dx`, out of place) as long as `x`.
#[inline]
pub(crate) fn backward(x: &[f32], dy: &[f32], dx: Option<&[f32]>) -> Result<(), Error> {
    len_of("dy", dy, "x", x)?;
    match dx {
        Some(dx) => len_of("dx", dx, "x", x),
        None => Ok(()),
    }
}

/// The checks of a gradient from the saved output: `dy` (and `dx`) as long as `y`.
#[inline]
pub(crate) fn from_output(y: &[f32], dy: &[f32], dx: Option<&[f32]>) -> Result<(), Error> {
    len_of("dy", dy, "y", y)?;
    match dx {
        Some(dx) => len_of("dx", dx, "y", y),
        None => Ok(()),
    }
}

/// Checks that a scalar parameter is finite.
#[inline]
pub(crate) fn finite(name: &'static str, value: f32) -> Result<(), Error> {
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
pub(crate) fn all_finite(name: &'static str, values: &[f32]) -> Result<(), Error> {
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
pub(crate) fn divides(
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

/// The shape and parameter checks of PReLU (also run by `reference`).
pub(crate) fn prelu(len: usize, slopes: &[f32], inner: usize) -> Result<(), Error> {
    if slopes.is_empty() {
        return Err(Error::ZeroDimension {
            name: "slopes.len()",
        });
    }
    if inner == 0 {
        return Err(Error::ZeroDimension { name: "inner" });
    }
    all_finite("slopes", slopes)?;
    let (dim_name, dim) = if inner == 1 {
        ("slopes.len()", slopes.len())
    } else {
        ("slopes.len() * inner", slopes.len().saturating_mul(inner))
    };
    divides("x.len()", len, dim_name, dim)
}

/// The checks of softmax and log-softmax: `cols > 0` divides `x.len()`, and `y` (if any) has
/// the length of `x`.
pub(crate) fn rows<T>(x: &[T], y: Option<&[T]>, cols: usize) -> Result<(), Error> {
    divides("x.len()", x.len(), "cols", cols)?;
    match y {
        Some(y) => same_len(x, y),
        None => Ok(()),
    }
}

/// The checks of softmax and log-softmax backward: `cols > 0` divides `y.len()`, and `dy` and
/// `dx` (if any) have the length of `y`.
pub(crate) fn rows_backward(
    y: &[f32],
    dy: &[f32],
    dx: Option<&[f32]>,
    cols: usize,
) -> Result<(), Error> {
    divides("y.len()", y.len(), "cols", cols)?;
    from_output(y, dy, dx)
}

/// The checks of PReLU backward: those of [`prelu`], `dy` and `dx` (if any) of the length of
/// `x`, `dslopes` of the length of `slopes`.
pub(crate) fn prelu_backward(
    x: &[f32],
    dy: &[f32],
    dx: Option<&[f32]>,
    slopes: &[f32],
    dslopes: &[f32],
    inner: usize,
) -> Result<(), Error> {
    prelu(x.len(), slopes, inner)?;
    backward(x, dy, dx)?;
    len_of("dslopes", dslopes, "slopes", slopes)
}

/// The checks of the optioned softmax family, in this order: `cols > 0`, `row_stride >= cols`,
/// the scale, `x` holding whole rows, `y` (if any) as long as `x`, the mask's length and
/// entries. Returns the number of rows, `ceil(x.len() / row_stride)`.
pub(crate) fn softmax_with(
    x: &[f32],
    y: Option<&[f32]>,
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<usize, Error> {
    if cols == 0 {
        return Err(Error::ZeroDimension { name: "cols" });
    }
    let stride = opts.stride(cols);
    if stride < cols {
        return Err(Error::RowStride {
            row_stride: stride,
            cols,
        });
    }
    finite("scale", opts.scale)?;
    if opts.scale == 0.0 {
        return Err(Error::ZeroScale);
    }
    let rows = x.len().div_ceil(stride);
    if rows > 0 {
        let needed = (rows - 1) * stride + cols;
        if x.len() < needed {
            return Err(Error::ShortBuffer {
                len: x.len(),
                needed,
                rows,
            });
        }
    }
    if let Some(y) = y {
        same_len(x, y)?;
    }
    if let Mask::Additive(mask) = opts.mask {
        if mask.len() != cols && mask.len() != rows * cols {
            return Err(Error::MaskLength {
                len: mask.len(),
                cols,
                rows,
            });
        }
        if let Some(i) = mask.iter().position(|m| m.is_nan() || *m == f32::INFINITY) {
            return Err(Error::InvalidParameter {
                name: "mask",
                index: Some(i),
                value: mask[i],
            });
        }
    }
    Ok(rows)
}

/// The checks of bias + activation: `C = bias.len() > 0` divides `x.len()`, `y` (if any) has
/// the length of `x`, the activation's parameters are finite. The bias's values are not
/// checked (they flow through the addition as in the unfused sequence).
pub(crate) fn bias_activate(
    x: &[f32],
    bias: &[f32],
    y: Option<&[f32]>,
    act: Activation,
) -> Result<(), Error> {
    divides("x.len()", x.len(), "bias.len()", bias.len())?;
    if let Some(y) = y {
        same_len(x, y)?;
    }
    act.validate()
}

/// The checks of a gated unit: `up` and `y` (if any) as long as `gate`, the activation's
/// parameters finite.
pub(crate) fn glu(
    gate: &[f32],
    up: &[f32],
    y: Option<&[f32]>,
    act: Activation,
) -> Result<(), Error> {
    len_of("up", up, "gate", gate)?;
    if let Some(y) = y {
        len_of("y", y, "gate", gate)?;
    }
    act.validate()
}

/// The checks of the gated unit over rows: `cols > 0`, `2 * cols` divides `x.len()`,
/// `y.len() == x.len() / 2`, the activation's parameters finite.
pub(crate) fn glu_rows(x: &[f32], y: &[f32], cols: usize, act: Activation) -> Result<(), Error> {
    if cols == 0 {
        return Err(Error::ZeroDimension { name: "cols" });
    }
    divides("x.len()", x.len(), "2 * cols", cols.saturating_mul(2))?;
    if y.len() != x.len() / 2 {
        return Err(Error::SliceLength {
            name: "y",
            len: y.len(),
            expected: x.len() / 2,
            of: "x.len() / 2",
        });
    }
    act.validate()
}

/// The checks of log-sum-exp: those of [`softmax_with`] on `x`, then one output per row.
/// Returns the number of rows.
pub(crate) fn log_sum_exp(
    x: &[f32],
    out: &[f32],
    cols: usize,
    opts: &SoftmaxOptions<'_>,
) -> Result<usize, Error> {
    let rows = softmax_with(x, None, cols, opts)?;
    if out.len() != rows {
        return Err(Error::OutputRows {
            len: out.len(),
            rows,
        });
    }
    Ok(rows)
}
