//! The references of the gradients: `dy * f'(x)` in `f64`, rounded to `f32` once, written so
//! that no intermediate overflows or underflows for any `f32` input.

use super::{SELU_ALPHA, SELU_LAMBDA};
use crate::validate;
use crate::{Activation, Error};

/// Reference [`activate_backward`](crate::activate_backward): `dx[i] =
/// activate_backward_one(act, x[i], dy[i])`, with the same checks.
pub fn activate_backward(
    act: Activation,
    x: &[f32],
    dy: &[f32],
    dx: &mut [f32],
) -> Result<(), Error> {
    act.validate()?;
    validate::backward(x, dy, Some(dx))?;
    crate::activations::reference_slices::activate_backward_each(act, x, dy, dx);
    Ok(())
}

/// `dy * exp(x)` in `f64`, rounded to `f32`.
#[inline]
pub fn exp_backward_one(x: f32, dy: f32) -> f32 {
    (f64::from(dy) * f64::from(x).exp()) as f32
}

/// `x > 0 ? dy : dy * alpha * exp(x)` in `f64`, rounded to `f32`.
#[inline]
pub fn elu_backward_one(x: f32, dy: f32, alpha: f32) -> f32 {
    elu_backward_f64(f64::from(x), f64::from(dy), f64::from(alpha)) as f32
}

/// `lambda * (x > 0 ? dy : dy * alpha * exp(x))` with [`SELU_LAMBDA`] and [`SELU_ALPHA`], in
/// `f64`, rounded to `f32`.
#[inline]
pub fn selu_backward_one(x: f32, dy: f32) -> f32 {
    let (x, dy) = (f64::from(x), f64::from(dy));
    if x > 0.0 {
        (SELU_LAMBDA * dy) as f32
    } else {
        elu_backward_f64(x, SELU_LAMBDA * dy, SELU_ALPHA) as f32
    }
}

fn elu_backward_f64(x: f64, dy: f64, alpha: f64) -> f64 {
    if x > 0.0 { dy } else { dy * alpha * x.exp() }
}

/// `x > 0 ? dy : 0` (PyTorch's convention at the kink and for NaN `x`).
#[inline]
pub fn relu_backward_one(x: f32, dy: f32) -> f32 {
    if x > 0.0 { dy } else { 0.0 }
}

/// `x > 0 ? dy : alpha * dy` (the product of two `f32` is exact in `f64`); NaN `x` gives NaN.
#[inline]
pub fn leaky_relu_backward_one(x: f32, dy: f32, alpha: f32) -> f32 {
    if x.is_nan() {
        x
    } else if x > 0.0 {
        dy
    } else {
        (f64::from(alpha) * f64::from(dy)) as f32
    }
}

/// `-3 < x < 3 ? dy / 6 : 0` (PyTorch's convention at the kinks and for NaN `x`).
#[inline]
pub fn hard_sigmoid_backward_one(x: f32, dy: f32) -> f32 {
    if x > -3.0 && x < 3.0 {
        (f64::from(dy) / 6.0) as f32
    } else {
        0.0
    }
}

/// `x < -3 ? 0 : x <= 3 ? dy * (x / 3 + 1/2) : dy` (PyTorch's convention at the kinks); NaN
/// `x` gives NaN.
#[inline]
pub fn hard_swish_backward_one(x: f32, dy: f32) -> f32 {
    if x.is_nan() {
        x
    } else if x < -3.0 {
        0.0
    } else if x <= 3.0 {
        (f64::from(dy) * (f64::from(x) / 3.0 + 0.5)) as f32
    } else {
        dy
    }
}

/// Reference [`sigmoid_backward_from_output`](crate::sigmoid_backward_from_output):
/// [`sigmoid_backward_from_output_one`](super::sigmoid_backward_from_output_one) on every element, with the same checks.
pub fn sigmoid_backward_from_output(y: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<(), Error> {
    from_output(y, dy, dx, super::sigmoid_backward_from_output_one)
}

/// Reference [`tanh_backward_from_output`](crate::tanh_backward_from_output):
/// [`tanh_backward_from_output_one`](super::tanh_backward_from_output_one) on every element, with the same checks.
pub fn tanh_backward_from_output(y: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<(), Error> {
    from_output(y, dy, dx, super::tanh_backward_from_output_one)
}

fn from_output(y: &[f32], dy: &[f32], dx: &mut [f32], f: fn(f32, f32) -> f32) -> Result<(), Error> {
    validate::from_output(y, dy, Some(dx))?;
    for ((dx, &y), &dy) in dx.iter_mut().zip(y).zip(dy) {
        *dx = f(y, dy);
    }
    Ok(())
}
