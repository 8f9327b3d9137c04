//! [`SoftmaxOptions`]: what attention needs around a softmax (a scale, a mask, rows inside a
//! larger buffer, a policy for fully masked rows), fused into the softmax passes.

/// A mask on the logits of [`SoftmaxOptions`].
///
/// ```
/// use simd_activations::Mask;
///
/// // Padding: the last two keys of every row are masked out.
/// let pad = [0.0, 0.0, f32::NEG_INFINITY, f32::NEG_INFINITY];
/// let m = Mask::Additive(&pad);
/// // A block of 3 new queries after 5 cached keys: row r sees keys 0..=5 + r.
/// let c = Mask::Causal { offset: 5 };
/// # let _ = (m, c);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Mask<'a> {
    /// No mask.
    #[default]
    None,
    /// Added to the scaled logits (ALiBi-style biases, padding): `cols` entries (the same for
    /// every row) or `rows * cols` (one row of the mask per row, contiguous even when the rows
    /// of `x` are strided). `-inf` masks an entry out: its output is exactly 0 (`-inf` for
    /// log-softmax) whatever `x` holds there, NaN included. NaN and `+inf` entries are refused.
    Additive(&'a [f32]),
    /// Causal: in row `r` (counted from 0 in the call), the columns `j > r + offset` are masked
    /// out. They are neither read nor computed: their output is written directly. For a block
    /// of queries that follows `past_len` cached keys, `offset = past_len`.
    Causal {
        /// How many columns past the diagonal row 0 sees.
        offset: usize,
    },
}

/// What a row with no unmasked entry (every logit `-inf`: masked out, or `-inf` in `x`) gives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MaskedRows {
    /// NaN throughout, as the plain [`softmax`](crate::softmax) of a row of `-inf` (the
    /// mathematical `0 / 0`, and PyTorch's `softmax`).
    #[default]
    Nan,
    /// Zeros (log-softmax: `-inf`; [`log_sum_exp`](crate::log_sum_exp): `-inf`), as PyTorch's
    /// `_safe_softmax`: a padded sequence does not poison the batch with NaN.
    Zero,
}

/// Options of [`Kernels::softmax_with`](crate::Kernels::softmax_with),
/// [`log_softmax_with`](crate::Kernels::log_softmax_with) and
/// [`log_sum_exp_with`](crate::Kernels::log_sum_exp_with): the row `r` of logits is
/// `z_j = scale * x[r * row_stride + j] + mask_rj`, for `j < cols`.
///
/// The default (`SoftmaxOptions::new()`) is the plain softmax: scale 1, no mask, NaN for
/// fully masked rows, rows packed (`row_stride = cols`).
///
/// # Shape
/// With `row_stride = s >= cols`, row `r` occupies `x[r * s .. r * s + cols]` (and the same
/// range of `y`); the elements between rows are neither read nor written. The number of rows
/// is `rows = ceil(x.len() / s)`, and `x.len()` must be at least `(rows - 1) * s + cols`:
/// both the tight buffer (`(rows - 1) * s + cols`) and the padded one (`rows * s`) are
/// accepted. `y` has the length of `x`.
///
/// # Accuracy
/// Each output is within the bound of the plain function (4 ULP) of the softmax of the exact
/// `scale * x + mask`: the rounding errors of the product and of the sum are carried into the
/// reduction with the logits, as `x - max` is, and a masked row whose largest logit is `2^12`
/// or more in magnitude (a row padded with `-f32::MAX`, say) is computed relative to that logit,
/// with one more pass over the row. Not yet where, next to the maximum, a large difference of
/// `scale * x` and a large difference of the mask cancel (README, Known issues). A product or
/// sum that overflows `f32` is an infinite logit, as an infinite `x` is (`+inf`: NaN row;
/// `-inf`: output 0).
///
/// ```
/// use simd_activations::{Mask, MaskedRows, SoftmaxOptions};
///
/// # fn main() -> Result<(), simd_activations::Error> {
/// let (rows, cols, stride) = (3, 4, 8); // 3 query rows in a KV cache of capacity 8
/// let x = vec![0.5_f32; rows * stride];
/// let mut y = vec![0.0_f32; rows * stride];
/// let opts = SoftmaxOptions::new()
///     .scale(1.0 / (64.0_f32).sqrt())
///     .mask(Mask::Causal { offset: 1 })
///     .masked_rows(MaskedRows::Zero)
///     .row_stride(stride);
/// simd_activations::softmax_with(&x, &mut y, cols, &opts)?;
/// assert_eq!(&y[..4], &[0.5, 0.5, 0.0, 0.0]); // row 0 sees columns 0 and 1
/// assert_eq!(&y[16..20], &[0.25; 4]); // row 2 sees all four
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SoftmaxOptions<'a> {
    pub(crate) scale: f32,
    pub(crate) mask: Mask<'a>,
    pub(crate) masked_rows: MaskedRows,
    pub(crate) row_stride: Option<usize>,
}

impl Default for SoftmaxOptions<'_> {
    fn default() -> Self {
        SoftmaxOptions::new()
    }
}

impl<'a> SoftmaxOptions<'a> {
    /// The plain softmax's options: scale 1, [`Mask::None`], [`MaskedRows::Nan`], packed rows.
    pub const fn new() -> Self {
        SoftmaxOptions {
            scale: 1.0,
            mask: Mask::None,
            masked_rows: MaskedRows::Nan,
            row_stride: None,
        }
    }

    /// The logits are `scale * x` (+ mask). Must be finite and non-zero (checked by the
    /// call): `1 / sqrt(d)` in attention, `1 / temperature` in sampling.
    pub const fn scale(self, scale: f32) -> Self {
        SoftmaxOptions { scale, ..self }
    }

    /// The mask, added after scaling.
    pub const fn mask(self, mask: Mask<'a>) -> Self {
        SoftmaxOptions { mask, ..self }
    }

    /// What a row with no unmasked entry gives.
    pub const fn masked_rows(self, masked_rows: MaskedRows) -> Self {
        SoftmaxOptions {
            masked_rows,
            ..self
        }
    }

    /// Rows start `row_stride` elements apart in `x` and `y` (at least `cols`, checked by the
    /// call).
    pub const fn row_stride(self, row_stride: usize) -> Self {
        SoftmaxOptions {
            row_stride: Some(row_stride),
            ..self
        }
    }

    /// The row stride for rows of `cols` columns.
    pub(crate) fn stride(&self, cols: usize) -> usize {
        self.row_stride.unwrap_or(cols)
    }
}
