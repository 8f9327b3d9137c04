//! The optioned softmax family (scale, masks, strided rows, fully masked rows) and
//! log-sum-exp: [`Kernels`] methods; the free functions of the same names are in the crate
//! root.

use crate::drive::rows::{self, Kind, RowIo, Spec};
use crate::simd::io::{InPlace, OutOfPlace};
use crate::{Error, Kernels, SoftmaxOptions, validate};

impl Kernels {
    /// Softmax over the rows of `x` with [`SoftmaxOptions`]: per row
    /// `y_j = exp(z_j - max) / sum_k exp(z_k - max)` of the logits
    /// `z_j = scale * x_j + mask_j`, masked entries exactly 0.
    ///
    /// Accuracy: within 4 ULP of the `f64` softmax of the exact `scale * x + mask` (the
    /// rounding of the product and of the mask's addition is carried into the reduction), the
    /// same bits on AVX2, AVX-512 and any number of threads. Special rows: a live NaN or
    /// `+inf` logit makes the whole row NaN; a row with no live finite logit gives
    /// [`MaskedRows`](crate::MaskedRows)' choice. Causally masked columns are not read.
    ///
    /// Errors, before anything is written: [`Error::ZeroDimension`] (`cols == 0`),
    /// [`Error::RowStride`] (`row_stride < cols`), [`Error::InvalidParameter`] (NaN or
    /// infinite scale; a NaN or `+inf` mask entry), [`Error::ZeroScale`],
    /// [`Error::ShortBuffer`] (incomplete last row), [`Error::LengthMismatch`] (`y.len() !=
    /// x.len()`), [`Error::MaskLength`].
    ///
    /// ```
    /// use simd_activations::{Kernels, Mask, MaskedRows, SoftmaxOptions};
    ///
    /// // Two rows of three logits; the second row is padding (fully masked).
    /// let x = [1.0_f32, 2.0, 3.0, 7.0, 7.0, 7.0];
    /// let mask = [0.0, 0.0, 0.0, f32::NEG_INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
    /// let opts = SoftmaxOptions::new()
    ///     .scale(0.5)
    ///     .mask(Mask::Additive(&mask))
    ///     .masked_rows(MaskedRows::Zero);
    /// let mut y = [0.0_f32; 6];
    /// Kernels::global().softmax_with(&x, &mut y, 3, &opts)?;
    /// assert!((y[..3].iter().sum::<f32>() - 1.0).abs() < 1e-6);
    /// assert_eq!(y[3..], [0.0; 3]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn softmax_with(
        &self,
        x: &[f32],
        y: &mut [f32],
        cols: usize,
        opts: &SoftmaxOptions<'_>,
    ) -> Result<(), Error> {
        let rows = validate::softmax_with(x, Some(y), cols, opts)?;
        self.rows_with(OutOfPlace::new(x, y), cols, rows, opts, Kind::Softmax);
        Ok(())
    }

    /// In-place [`Kernels::softmax_with`]; the elements between strided rows are untouched.
    pub fn softmax_with_inplace(
        &self,
        x: &mut [f32],
        cols: usize,
        opts: &SoftmaxOptions<'_>,
    ) -> Result<(), Error> {
        let rows = validate::softmax_with(x, None, cols, opts)?;
        self.rows_with(InPlace::new(x), cols, rows, opts, Kind::Softmax);
        Ok(())
    }

    /// Log-softmax over the rows of `x` with [`SoftmaxOptions`]: `y_j = (z_j - max) -
    /// log(sum_k exp(z_k - max))` of the logits `z = scale * x + mask`, masked entries `-inf`.
    /// Accuracy (4 ULP), special rows and errors as [`Kernels::softmax_with`].
    ///
    /// ```
    /// use simd_activations::{Kernels, Mask, SoftmaxOptions};
    ///
    /// let x = [0.0_f32, 0.0, 5.0];
    /// let opts = SoftmaxOptions::new().mask(Mask::Causal { offset: 1 });
    /// let mut y = [0.0_f32; 3];
    /// Kernels::global().log_softmax_with(&x, &mut y, 3, &opts)?;
    /// assert_eq!(y, [-std::f32::consts::LN_2, -std::f32::consts::LN_2, f32::NEG_INFINITY]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn log_softmax_with(
        &self,
        x: &[f32],
        y: &mut [f32],
        cols: usize,
        opts: &SoftmaxOptions<'_>,
    ) -> Result<(), Error> {
        let rows = validate::softmax_with(x, Some(y), cols, opts)?;
        self.rows_with(OutOfPlace::new(x, y), cols, rows, opts, Kind::LogSoftmax);
        Ok(())
    }

    /// In-place [`Kernels::log_softmax_with`].
    pub fn log_softmax_with_inplace(
        &self,
        x: &mut [f32],
        cols: usize,
        opts: &SoftmaxOptions<'_>,
    ) -> Result<(), Error> {
        let rows = validate::softmax_with(x, None, cols, opts)?;
        self.rows_with(InPlace::new(x), cols, rows, opts, Kind::LogSoftmax);
        Ok(())
    }

    /// Log-sum-exp of each row of a row-major matrix of `cols` columns:
    /// `out[r] = log(sum_j exp(x[r][j]))`, the normaliser of a cross-entropy loss, without
    /// overflow (computed as `max + log(sum_j exp(x_j - max))`).
    ///
    /// Accuracy: within `2 ulp(result) + 2^-24 |m| + 2^-23 ln(sum_j exp(x_j - m))` of the exact
    /// value, `m = max_j x_j` (the last term is the rounding of the terms, an ULP each at most:
    /// it matters where the result cancels, `m` near `-ln(sum)`). A row with NaN
    /// or `+inf`, or all `-inf`, gives NaN (as softmax; see [`Kernels::log_sum_exp_with`] for
    /// `-inf`).
    ///
    /// Errors: as [`Kernels::softmax`](Kernels::softmax), plus [`Error::OutputRows`] if
    /// `out.len()` is not the number of rows.
    ///
    /// ```
    /// let x = [0.0_f32, 0.0, 1000.0, 1000.0];
    /// let mut out = [0.0_f32; 2];
    /// simd_activations::Kernels::global().log_sum_exp(&x, &mut out, 2)?;
    /// assert_eq!(out, [std::f32::consts::LN_2, 1000.0 + std::f32::consts::LN_2]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn log_sum_exp(&self, x: &[f32], out: &mut [f32], cols: usize) -> Result<(), Error> {
        validate::rows(x, None, cols)?;
        self.log_sum_exp_with(x, out, cols, &SoftmaxOptions::new())
    }

    /// [`Kernels::log_sum_exp`] of the logits `z = scale * x + mask` of [`SoftmaxOptions`]:
    /// `out[r] = log(sum_j exp(z_rj))` over the live entries, within
    /// `2 ulp(result) + 2^-24 |m| + 2^-23 ln(sum_j exp(z_j - m))` of the exact value, `m = max_j
    /// z_j`. A fully masked row gives NaN
    /// ([`MaskedRows::Nan`](crate::MaskedRows::Nan)) or `-inf`
    /// ([`MaskedRows::Zero`](crate::MaskedRows::Zero), the log of an empty sum).
    ///
    /// Errors: as [`Kernels::softmax_with`], plus [`Error::OutputRows`].
    ///
    /// ```
    /// use simd_activations::{Kernels, SoftmaxOptions};
    ///
    /// // Logits at temperature 2 for two samples of four classes.
    /// let x = [2.0_f32, 2.0, 2.0, 2.0, 8.0, 0.0, 0.0, 0.0];
    /// let mut lse = [0.0_f32; 2];
    /// Kernels::global().log_sum_exp_with(&x, &mut lse, 4, &SoftmaxOptions::new().scale(0.5))?;
    /// assert!((lse[0] - (1.0 + 4.0_f32.ln())).abs() < 1e-6);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn log_sum_exp_with(
        &self,
        x: &[f32],
        out: &mut [f32],
        cols: usize,
        opts: &SoftmaxOptions<'_>,
    ) -> Result<(), Error> {
        let rows = validate::log_sum_exp(x, out, cols, opts)?;
        let spec = Spec::with(cols, rows, opts, Kind::LogSoftmax);
        rows::log_sum_exp(self.arch, self.threading, x, out, &spec);
        Ok(())
    }

    /// Runs the validated rows of `io` (`rows` of them) with the options.
    fn rows_with<I: RowIo>(
        &self,
        io: I,
        cols: usize,
        rows: usize,
        opts: &SoftmaxOptions<'_>,
        kind: Kind,
    ) {
        rows::run(
            self.arch,
            self.threading,
            io,
            &Spec::with(cols, rows, opts, kind),
        );
    }
}
