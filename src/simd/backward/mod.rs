//! Gradient (backward) kernels: `dx = dy * f'(x)` for the elementwise activations, and the
//! "from output" forms. Each file holds one family.

pub(crate) mod logistic;
