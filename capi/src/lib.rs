//! The C ABI of `simd-activations`: `libsimd_activations.{so,a}` and the header
//! `include/simd_activations.h`, generated from this crate by cbindgen (`capi/cbindgen.toml`;
//! `tests/header.rs` fails when the committed header is stale).
//!
//! A crate of its own, not a feature of the Rust crate: a cargo feature cannot change a
//! crate's `crate-type`, so a feature would make every Rust user build a cdylib and a
//! staticlib.
//!
//! Every entry point is `sa_<name>`, takes an [`sa_kernels`] handle by
//! value first, and returns an [`sa_status`]. The boundary is the only
//! place with `unsafe`: buffers from C are checked (null with a non-zero length, alignment,
//! size, partial overlap) before any slice exists (`buffers.rs`), enums and handles from C
//! are read as integers and range-checked (`enums.rs`), and every body runs inside
//! `catch_unwind`, so no panic crosses into C (`status.rs`). The conventions C sees are in the
//! header's preamble (`cbindgen.toml`).

// C names: `sa_status`, `sa_kernels`, ... are the header's type names.
#![allow(non_camel_case_types)]
// A C signature passes each buffer as a pointer and a length.
#![allow(clippy::too_many_arguments)]
#![warn(missing_docs)]

// In the header's order (cbindgen follows the declarations).
mod status;

mod enums;

mod kernels;

mod ops;

mod softmax;

// The checks of buffers from C.
mod buffers;

pub use enums::{
    SA_ACTIVATION_COUNT, sa_activation, sa_activation_from_name, sa_activation_name, sa_backend,
    sa_backend_best, sa_backend_lanes, sa_backend_name, sa_backend_supported, sa_mask_kind,
    sa_masked_rows,
};
pub use kernels::{
    sa_kernels, sa_kernels_automatic_threading, sa_kernels_backend, sa_kernels_is_sequential,
    sa_kernels_new, sa_kernels_parallel_threshold, sa_kernels_sequential, sa_kernels_with_backend,
};
pub use ops::{
    sa_activate, sa_activate_backward, sa_activate_bf16, sa_activate_f16, sa_bf16_to_f32,
    sa_bias_activate, sa_f16_to_f32, sa_f32_to_bf16, sa_f32_to_f16, sa_glu, sa_glu_rows, sa_prelu,
    sa_prelu_backward, sa_prelu_channels_first, sa_prelu_channels_first_backward,
    sa_sigmoid_backward_from_output, sa_tanh_backward_from_output,
};
pub use softmax::{
    sa_log_softmax, sa_log_softmax_backward, sa_log_softmax_with, sa_log_sum_exp,
    sa_log_sum_exp_with, sa_softmax, sa_softmax_backward, sa_softmax_options,
    sa_softmax_options_default, sa_softmax_with,
};
pub use status::{sa_status, sa_status_message};
