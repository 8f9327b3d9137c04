//! Scalar reference versions of every kernel: straightforward `f64` math with `std`, rounded to
//! `f32` once at the end.
//!
//! These are the yardstick of the crate's tests and accuracy tables; the `f64` functions used
//! are accurate to far below 0.01 `f32` ULP, so the rounded result is the correctly rounded one
//! except in rare double-rounding cases (which the stated bounds absorb). They are slow (one
//! element at a time, no SIMD) and check nothing beyond what their SIMD counterparts check:
//! they take the same arguments and return the same errors.
//!
//! ```
//! use simd_activations::{reference, ulp};
//!
//! let x = [-3.0_f32, 0.0, 2.5];
//! let (mut fast, mut slow) = ([0.0; 3], [0.0; 3]);
//! simd_activations::sigmoid(&x, &mut fast)?;
//! reference::sigmoid(&x, &mut slow)?;
//! for (a, b) in fast.iter().zip(&slow) {
//!     assert!(ulp::distance(*a, *b) <= 2);
//! }
//! # Ok::<(), simd_activations::Error>(())
//! ```

use crate::Error;
use crate::error::{check_finite, check_same_len};

/// `exp(x)` of one value, in `f64`, rounded to `f32`.
#[inline]
pub fn exp_one(x: f32) -> f32 {
    f64::from(x).exp() as f32
}

/// `1 / (1 + exp(-x))` of one value, in `f64` (written so that no intermediate overflows),
/// rounded to `f32`.
#[inline]
pub fn sigmoid_one(x: f32) -> f32 {
    let x = f64::from(x);
    let s = if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    };
    s as f32
}

/// `tanh(x)` of one value, in `f64`, rounded to `f32`.
#[inline]
pub fn tanh_one(x: f32) -> f32 {
    f64::from(x).tanh() as f32
}

/// `if x < 0 { slope * x } else { x }` of one value (the product of two `f32` is exact in
/// `f64`, so this is the correctly rounded result).
#[inline]
pub fn leaky_relu_one(x: f32, slope: f32) -> f32 {
    if x < 0.0 {
        (f64::from(slope) * f64::from(x)) as f32
    } else {
        x
    }
}

/// `if x < 0 { +0 } else { x }` of one value.
#[inline]
pub fn relu_one(x: f32) -> f32 {
    if x < 0.0 { 0.0 } else { x }
}

fn map(x: &[f32], y: &mut [f32], f: impl Fn(f32) -> f32) -> Result<(), Error> {
    check_same_len(x, y)?;
    for (y, &x) in y.iter_mut().zip(x) {
        *y = f(x);
    }
    Ok(())
}

/// Reference [`exp`](crate::exp).
pub fn exp(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    map(x, y, exp_one)
}

/// Reference [`sigmoid`](crate::sigmoid).
pub fn sigmoid(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    map(x, y, sigmoid_one)
}

/// Reference [`tanh`](crate::tanh).
pub fn tanh(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    map(x, y, tanh_one)
}

/// Reference [`relu`](crate::relu).
pub fn relu(x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    map(x, y, relu_one)
}

/// Reference [`leaky_relu`](crate::leaky_relu).
pub fn leaky_relu(x: &[f32], y: &mut [f32], alpha: f32) -> Result<(), Error> {
    check_finite("alpha", alpha)?;
    map(x, y, |v| leaky_relu_one(v, alpha))
}

/// Reference [`prelu`](crate::prelu) (channels-last).
pub fn prelu(x: &[f32], y: &mut [f32], slopes: &[f32]) -> Result<(), Error> {
    prelu_channels_first(x, y, slopes, 1)
}

/// Reference [`prelu_channels_first`](crate::prelu_channels_first) (NCHW).
pub fn prelu_channels_first(
    x: &[f32],
    y: &mut [f32],
    slopes: &[f32],
    inner: usize,
) -> Result<(), Error> {
    crate::kernels::check_prelu(x.len(), slopes, inner)?;
    check_same_len(x, y)?;
    let period = slopes.len() * inner;
    for (i, (y, &x)) in y.iter_mut().zip(x).enumerate() {
        *y = leaky_relu_one(x, slopes[(i % period) / inner]);
    }
    Ok(())
}
