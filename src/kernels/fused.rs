//! The fused methods of [`Kernels`]: bias + activation and the gated units (SwiGLU, GeGLU,
//! ReGLU, GLU), each one pass over memory where the unfused sequence makes two.

use super::Kernels;
use crate::drive::fused;
use crate::simd::io::{InPlace, OutOfPlace};
use crate::{Activation, Error, validate};

impl Kernels {
    /// Bias + activation, fused: `y[i] = act(x[i] + bias[i % C])` with `C = bias.len()`.
    ///
    /// `x` is a sequence of rows of `C` channels (channels-last, as the output of a linear
    /// layer); the bias is added in `f32`, then the activation runs on the sum, in one pass over
    /// memory. The result is bit for bit that of the unfused sequence (`x[i] + bias[i % C]`
    /// rounded to `f32`, stored, then [`Kernels::activate`]), on every backend and for every
    /// number of threads, so `act`'s error bound and special values hold on the sum; only the
    /// payload of a NaN may differ where `x[i]` and `bias[i % C]` are both NaN.
    ///
    /// The bias's values are not checked: a NaN or infinite bias flows through the addition as
    /// in the unfused sequence (a NaN bias makes its channel NaN; `+inf` gives `act(+inf)`,
    /// or NaN where `x[i]` is `-inf`).
    ///
    /// Errors (before anything is written): [`Error::ZeroDimension`] if `bias` is empty,
    /// [`Error::NotDivisible`] if `x.len()` is not a multiple of `C`,
    /// [`Error::LengthMismatch`] if `x.len() != y.len()`, [`Error::InvalidParameter`] for a NaN
    /// or infinite parameter of `act`. An empty `x` is fine.
    ///
    /// ```
    /// use simd_activations::{Activation, Kernels};
    ///
    /// let k = Kernels::global();
    /// let x = [-1.0_f32, 0.5, 2.0, -3.0]; // two rows of two channels
    /// let bias = [1.0_f32, -1.0];
    /// let mut y = [0.0_f32; 4];
    /// k.bias_activate(&x, &bias, &mut y, Activation::Relu)?;
    /// assert_eq!(y, [0.0, 0.0, 3.0, 0.0]);
    ///
    /// // The bits of the unfused sequence.
    /// let sum: Vec<f32> = x.iter().zip(bias.iter().cycle()).map(|(x, b)| x + b).collect();
    /// let mut want = [0.0_f32; 4];
    /// k.activate(Activation::Silu, &sum, &mut want)?;
    /// k.bias_activate(&x, &bias, &mut y, Activation::Silu)?;
    /// assert_eq!(y.map(f32::to_bits), want.map(f32::to_bits));
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn bias_activate(
        &self,
        x: &[f32],
        bias: &[f32],
        y: &mut [f32],
        act: Activation,
    ) -> Result<(), Error> {
        validate::bias_activate(x, bias, Some(y), act)?;
        let io = OutOfPlace::new(x, y);
        fused::bias_activate(self.arch, self.threading, io, bias, act);
        Ok(())
    }

    /// In-place [`Kernels::bias_activate`]: `x[i] = act(x[i] + bias[i % C])`, the same bits.
    ///
    /// Errors (before anything is written, so `x` is untouched): as
    /// [`Kernels::bias_activate`], without the length check of `y`.
    ///
    /// ```
    /// use simd_activations::{Activation, Kernels};
    ///
    /// let mut h = [0.0_f32, 1.0, 2.0, 3.0, 4.0, 5.0]; // two rows of three channels
    /// Kernels::global().bias_activate_inplace(&mut h, &[1.0, 0.0, -10.0], Activation::Relu)?;
    /// assert_eq!(h, [1.0, 1.0, 0.0, 4.0, 4.0, 0.0]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn bias_activate_inplace(
        &self,
        x: &mut [f32],
        bias: &[f32],
        act: Activation,
    ) -> Result<(), Error> {
        validate::bias_activate(x, bias, None, act)?;
        fused::bias_activate(self.arch, self.threading, InPlace::new(x), bias, act);
        Ok(())
    }

    /// Gated unit, fused: `y[i] = act(gate[i]) * up[i]`.
    ///
    /// | name | `act` |
    /// | --- | --- |
    /// | SwiGLU | [`Activation::Silu`] |
    /// | GeGLU | [`Activation::Gelu`] (or [`Activation::GeluTanh`], the tanh approximation some models use) |
    /// | ReGLU | [`Activation::Relu`] |
    /// | GLU (Dauphin et al.) | [`Activation::Sigmoid`] |
    ///
    /// The result is bit for bit that of the unfused sequence ([`Kernels::activate`] on
    /// `gate`, then the `f32` product with `up`), on every backend and for every number of
    /// threads; only the payload of a NaN may differ where `act(gate[i])` and `up[i]` are both
    /// NaN. So `act`'s bound holds on the gate, and the product adds one rounding; special
    /// values follow IEEE arithmetic (`act(gate) = 0` times an infinite `up` is NaN).
    ///
    /// Errors (before anything is written): [`Error::SliceLength`] if `up` or `y` is not as
    /// long as `gate`, [`Error::InvalidParameter`] for a NaN or infinite parameter of `act`.
    ///
    /// ```
    /// use simd_activations::{Activation, Kernels};
    ///
    /// // SwiGLU: silu(gate) * up.
    /// let gate = [0.0_f32, 20.0, -1.0];
    /// let up = [5.0_f32, 2.0, 0.0];
    /// let mut y = [1.0_f32; 3];
    /// Kernels::global().glu(&gate, &up, &mut y, Activation::Silu)?;
    /// assert_eq!(y[..2], [0.0, 40.0]);
    /// assert_eq!(y[2], 0.0); // silu(-1) * 0
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn glu(
        &self,
        gate: &[f32],
        up: &[f32],
        y: &mut [f32],
        act: Activation,
    ) -> Result<(), Error> {
        validate::glu(gate, up, Some(y), act)?;
        let io = OutOfPlace {
            x: gate,
            side: up,
            y,
        };
        fused::glu::<_, false>(self.arch, self.threading, io, act);
        Ok(())
    }

    /// In-place [`Kernels::glu`]: `up[i] = act(gate[i]) * up[i]`, the same bits.
    ///
    /// Errors (before anything is written, so `up` is untouched): [`Error::SliceLength`] if
    /// `up` is not as long as `gate`, [`Error::InvalidParameter`] for a NaN or infinite
    /// parameter of `act`.
    ///
    /// ```
    /// use simd_activations::{Activation, Kernels};
    ///
    /// // ReGLU over `up`.
    /// let mut up = [3.0_f32, 3.0];
    /// Kernels::global().glu_inplace(&[-1.0, 2.0], &mut up, Activation::Relu)?;
    /// assert_eq!(up, [0.0, 6.0]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn glu_inplace(&self, gate: &[f32], up: &mut [f32], act: Activation) -> Result<(), Error> {
        validate::glu(gate, up, None, act)?;
        fused::glu::<_, true>(self.arch, self.threading, InPlace(up, gate), act);
        Ok(())
    }

    /// Gated unit over rows that hold both halves: each row of `x` has `2 * cols` entries, the
    /// gate in the first `cols` and `up` in the last `cols` (ggml's layout, the output of one
    /// fused gate-and-up projection), and `y[r * cols + j] = act(x[r][j]) * x[r][cols + j]`;
    /// `y` has `rows * cols` entries. Bit for bit [`Kernels::glu`] on each row's halves (names
    /// of the gated units: see there).
    ///
    /// PyTorch's `F.glu(x, dim=-1)` puts the gate in the *second* half
    /// (`a * sigmoid(b)` with `a, b = x.chunk(2, -1)`): call [`Kernels::glu`] on each row with
    /// the halves swapped, as the second example shows.
    ///
    /// Errors (before anything is written): [`Error::ZeroDimension`] if `cols == 0`,
    /// [`Error::NotDivisible`] if `x.len()` is not a multiple of `2 * cols`,
    /// [`Error::SliceLength`] if `y.len() != x.len() / 2`, [`Error::InvalidParameter`] for a
    /// NaN or infinite parameter of `act`.
    ///
    /// ```
    /// use simd_activations::{Activation, Kernels};
    ///
    /// let k = Kernels::global();
    /// // Two rows, cols = 2: [gate | up].
    /// let x = [2.0_f32, -4.0, 0.0, 100.0, 3.0, 5.0, -200.0, 0.0];
    /// let mut y = [0.0_f32; 4];
    /// k.glu_rows(&x, &mut y, 2, Activation::Relu)?; // ReGLU
    /// assert_eq!(y, [0.0, 0.0, -600.0, 0.0]);
    ///
    /// // PyTorch's F.glu(x, dim=-1) = a * sigmoid(b): the gate is the second half `b`.
    /// for (row, out) in x.chunks_exact(4).zip(y.chunks_exact_mut(2)) {
    ///     let (a, b) = row.split_at(2);
    ///     k.glu(b, a, out, Activation::Sigmoid)?;
    /// }
    /// assert_eq!(y, [2.0 * 0.5, -4.0 * 1.0, 3.0 * 0.0, 5.0 * 0.5]);
    /// # Ok::<(), simd_activations::Error>(())
    /// ```
    pub fn glu_rows(
        &self,
        x: &[f32],
        y: &mut [f32],
        cols: usize,
        act: Activation,
    ) -> Result<(), Error> {
        validate::glu_rows(x, y, cols, act)?;
        fused::glu_rows(self.arch, self.threading, x, y, cols, act);
        Ok(())
    }
}
