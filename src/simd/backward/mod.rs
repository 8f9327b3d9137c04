//! Gradient (backward) kernels: `dx = dy * f'(x)`, computed from the forward input `x`.

pub(crate) mod gelu;
pub(crate) mod mish;
pub(crate) mod swish;

#[cfg(test)]
pub(crate) mod sweep;
