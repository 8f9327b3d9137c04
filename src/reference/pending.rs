//! TEMPORARY (replaced by the helpers' references before landing).
#![allow(missing_docs)]
fn s(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
pub fn silu_backward_one(x: f32, dy: f32) -> f32 {
    let x = x as f64;
    let s = s(x);
    (dy as f64 * (s + x * s * (1.0 - s))) as f32
}
pub fn silu_backward_margin(x: f32) -> f64 {
    let x = x as f64;
    let s = s(x);
    s + x.abs() * s * (1.0 - s)
}
pub fn quick_gelu_backward_one(x: f32, dy: f32) -> f32 {
    let x = x as f64;
    let s = s(1.702 * x);
    (dy as f64 * (s + 1.702 * x * s * (1.0 - s))) as f32
}
pub fn quick_gelu_backward_margin(x: f32) -> f64 {
    let x = x as f64;
    let s = s(1.702 * x);
    s + 1.702 * x.abs() * s * (1.0 - s)
}
pub fn gelu_backward_one(x: f32, dy: f32) -> f32 {
    let x = x as f64;
    let phi = (-0.5 * x * x).exp() * 0.3989422804014327;
    (dy as f64 * (0.5 * libm::erfc(-x * std::f64::consts::FRAC_1_SQRT_2) + x * phi)) as f32
}
pub fn gelu_backward_margin(x: f32) -> f64 {
    let x = x as f64;
    let phi = (-0.5 * x * x).exp() * 0.3989422804014327;
    0.5 * libm::erfc(-x * std::f64::consts::FRAC_1_SQRT_2) + x.abs() * phi
}
pub fn gelu_tanh_backward_one(x: f32, dy: f32) -> f32 {
    let x = x as f64;
    let k = (2.0 / std::f64::consts::PI).sqrt();
    let u = k * (x + 0.044715 * x * x * x);
    let t = u.tanh();
    (dy as f64 * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * x * x)))
        as f32
}
pub fn gelu_tanh_backward_margin(x: f32) -> f64 {
    let x = x as f64;
    let k = (2.0 / std::f64::consts::PI).sqrt();
    let u = k * (x + 0.044715 * x * x * x);
    let t = u.tanh();
    0.5 * (1.0 + t) + 0.5 * x.abs() * (1.0 - t * t) * k * (1.0 + 3.0 * 0.044715 * x * x)
}
pub fn mish_backward_one(x: f32, dy: f32) -> f32 {
    let x = x as f64;
    let t = x.exp().ln_1p().tanh();
    (dy as f64 * (t + x * s(x) * (1.0 - t * t))) as f32
}
pub fn mish_backward_margin(x: f32) -> f64 {
    let x = x as f64;
    let t = x.exp().ln_1p().tanh();
    t.abs() + x.abs() * s(x) * (1.0 - t * t)
}
