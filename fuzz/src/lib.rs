//! The fuzz targets' checks: `checks` (the Rust API; shared with the main crate's
//! `tests/fuzz_corpus.rs`) and `capi_checks` (the C API, which only this crate links).

// Links the C library: its `sa_*` symbols are what `capi_checks` declares and calls.
use capi as _;

pub mod capi_checks;
pub mod checks;

/// A target's check: panics on a failure.
pub type Check = fn(&[u8]);

/// The fuzz targets, each a `pub fn(&[u8])` of the modules above, by name: what the corpus
/// replays iterate over.
pub const TARGETS: &[(&str, Check)] = &[
    ("elementwise", checks::elementwise),
    ("backward", checks::backward),
    ("prelu", checks::prelu),
    ("softmax", checks::softmax),
    ("softmax_backward", checks::softmax_backward),
    ("fused", checks::fused),
    ("from_str", checks::from_str),
    ("half", checks::half),
    ("capi", capi_checks::capi),
    ("capi_from_name", capi_checks::capi_from_name),
];
