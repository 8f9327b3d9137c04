//! `sa_status`: what every operation returns, one value per Rust `Error` variant plus the
//! boundary's own (null pointer, misalignment, overlap, size, bad enum value, bad handle,
//! panic).

use core::ffi::c_char;
use core::mem::MaybeUninit;
use std::panic::{AssertUnwindSafe, catch_unwind};

use sa::Error;

use crate::enums::raw;

/// What an operation returns: `SA_STATUS_OK` (0) or why it wrote nothing.
///
/// Values are stable; new ones are added at the end. `sa_status_message` describes each.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum sa_status {
    /// Success.
    SA_STATUS_OK = 0,
    /// An output has another length than its input (Rust `Error::LengthMismatch`).
    SA_STATUS_LENGTH_MISMATCH = 1,
    /// A length is not a multiple of the dimension that must divide it: columns, channels,
    /// `channels * inner` (Rust `Error::NotDivisible`).
    SA_STATUS_NOT_DIVISIBLE = 2,
    /// A dimension that must be at least 1 is 0: `cols`, `channels`, `inner`
    /// (Rust `Error::ZeroDimension`).
    SA_STATUS_ZERO_DIMENSION = 3,
    /// A parameter is NaN or infinite: an activation's parameter, a PReLU slope, a softmax
    /// scale, a mask entry that is NaN or +inf (Rust `Error::InvalidParameter`).
    SA_STATUS_INVALID_PARAMETER = 4,
    /// The backend cannot run on this CPU or this build's target
    /// (Rust `Error::UnsupportedBackend`).
    SA_STATUS_UNSUPPORTED_BACKEND = 5,
    /// `sa_activation_from_name`: the string names no activation
    /// (Rust `Error::UnknownActivation`).
    SA_STATUS_UNKNOWN_ACTIVATION = 6,
    /// `sa_activation_from_name`: a malformed bracketed parameter, or brackets on an
    /// activation without a parameter (Rust `Error::MalformedActivation`).
    SA_STATUS_MALFORMED_ACTIVATION = 7,
    /// A buffer that must be as long as another is not: a gradient's `dy` or `dx`, `up`,
    /// `dslopes` (Rust `Error::SliceLength`).
    SA_STATUS_SLICE_LENGTH = 8,
    /// A softmax scale of 0 (Rust `Error::ZeroScale`).
    SA_STATUS_ZERO_SCALE = 9,
    /// A softmax row stride smaller than `cols` (Rust `Error::RowStride`).
    SA_STATUS_ROW_STRIDE = 10,
    /// A strided buffer whose last row is incomplete (Rust `Error::ShortBuffer`).
    SA_STATUS_SHORT_BUFFER = 11,
    /// An additive mask with neither `cols` nor `rows * cols` entries
    /// (Rust `Error::MaskLength`).
    SA_STATUS_MASK_LENGTH = 12,
    /// A per-row output (log-sum-exp) without exactly one element per row
    /// (Rust `Error::OutputRows`).
    SA_STATUS_OUTPUT_ROWS = 13,
    /// A null pointer with a non-zero length (or a null out-pointer, options or string).
    SA_STATUS_NULL_POINTER = 14,
    /// A pointer not aligned for its element type (4 bytes for `float`, 2 for `uint16_t`).
    SA_STATUS_MISALIGNED = 15,
    /// An output overlaps an input other than exactly (in place, where allowed), or overlaps
    /// another output.
    SA_STATUS_OVERLAP = 16,
    /// A buffer of more than `PTRDIFF_MAX` bytes, or one that wraps around the address space.
    SA_STATUS_TOO_LARGE = 17,
    /// An enum argument out of range: `sa_activation`, `sa_backend`, `sa_mask_kind`,
    /// `sa_masked_rows`.
    SA_STATUS_INVALID_ENUM = 18,
    /// An `sa_kernels` handle that no `sa_kernels_*` function made (garbage fields).
    SA_STATUS_INVALID_HANDLE = 19,
    /// A Rust panic inside the library, caught at the boundary (a bug: please report it).
    /// Nothing is known about the outputs.
    SA_STATUS_PANIC = 20,
    /// An error of the Rust crate that this version of the C API does not know (a bug of the
    /// build: the coverage tests map every known one).
    SA_STATUS_OTHER_ERROR = 21,
}

impl sa_status {
    /// Every status, in value order.
    pub(crate) const ALL: [sa_status; 22] = [
        sa_status::SA_STATUS_OK,
        sa_status::SA_STATUS_LENGTH_MISMATCH,
        sa_status::SA_STATUS_NOT_DIVISIBLE,
        sa_status::SA_STATUS_ZERO_DIMENSION,
        sa_status::SA_STATUS_INVALID_PARAMETER,
        sa_status::SA_STATUS_UNSUPPORTED_BACKEND,
        sa_status::SA_STATUS_UNKNOWN_ACTIVATION,
        sa_status::SA_STATUS_MALFORMED_ACTIVATION,
        sa_status::SA_STATUS_SLICE_LENGTH,
        sa_status::SA_STATUS_ZERO_SCALE,
        sa_status::SA_STATUS_ROW_STRIDE,
        sa_status::SA_STATUS_SHORT_BUFFER,
        sa_status::SA_STATUS_MASK_LENGTH,
        sa_status::SA_STATUS_OUTPUT_ROWS,
        sa_status::SA_STATUS_NULL_POINTER,
        sa_status::SA_STATUS_MISALIGNED,
        sa_status::SA_STATUS_OVERLAP,
        sa_status::SA_STATUS_TOO_LARGE,
        sa_status::SA_STATUS_INVALID_ENUM,
        sa_status::SA_STATUS_INVALID_HANDLE,
        sa_status::SA_STATUS_PANIC,
        sa_status::SA_STATUS_OTHER_ERROR,
    ];

    /// The static message (NUL-terminated).
    fn message(self) -> &'static core::ffi::CStr {
        match self {
            sa_status::SA_STATUS_OK => c"success",
            sa_status::SA_STATUS_LENGTH_MISMATCH => {
                c"length mismatch: the input and the output must have the same length"
            }
            sa_status::SA_STATUS_NOT_DIVISIBLE => {
                c"a length is not a multiple of the dimension that must divide it (cols, channels, channels * inner)"
            }
            sa_status::SA_STATUS_ZERO_DIMENSION => {
                c"a dimension (cols, channels, inner) is 0; it must be at least 1"
            }
            sa_status::SA_STATUS_INVALID_PARAMETER => {
                c"invalid parameter: NaN or infinite (activation parameter, slope, scale), or a NaN or +inf mask entry"
            }
            sa_status::SA_STATUS_UNSUPPORTED_BACKEND => {
                c"the backend is not supported by this CPU or build"
            }
            sa_status::SA_STATUS_UNKNOWN_ACTIVATION => c"unknown activation name",
            sa_status::SA_STATUS_MALFORMED_ACTIVATION => {
                c"malformed activation parameter: write name or name(value) with a finite number, brackets only where the activation takes a parameter"
            }
            sa_status::SA_STATUS_SLICE_LENGTH => {
                c"length mismatch: a buffer that must be as long as another (dy, dx, up, dslopes) is not"
            }
            sa_status::SA_STATUS_ZERO_SCALE => c"scale is 0; it must be finite and non-zero",
            sa_status::SA_STATUS_ROW_STRIDE => {
                c"row_stride is smaller than cols; rows cannot overlap"
            }
            sa_status::SA_STATUS_SHORT_BUFFER => {
                c"the last row of a strided buffer is incomplete"
            }
            sa_status::SA_STATUS_MASK_LENGTH => {
                c"the additive mask must have cols or rows * cols entries"
            }
            sa_status::SA_STATUS_OUTPUT_ROWS => c"the output must have one element per row",
            sa_status::SA_STATUS_NULL_POINTER => c"null pointer with a non-zero length",
            sa_status::SA_STATUS_MISALIGNED => {
                c"misaligned pointer: a float buffer must be 4-byte aligned, a uint16_t buffer 2-byte aligned"
            }
            sa_status::SA_STATUS_OVERLAP => {
                c"an output partially overlaps an input or another output (in place means the same pointer)"
            }
            sa_status::SA_STATUS_TOO_LARGE => {
                c"buffer too large: more than PTRDIFF_MAX bytes or wrapping around the address space"
            }
            sa_status::SA_STATUS_INVALID_ENUM => {
                c"enum value out of range (sa_activation, sa_backend, sa_mask_kind or sa_masked_rows)"
            }
            sa_status::SA_STATUS_INVALID_HANDLE => {
                c"invalid sa_kernels handle: make one with sa_kernels_new or sa_kernels_with_backend"
            }
            sa_status::SA_STATUS_PANIC => {
                c"internal error: a Rust panic was caught at the C boundary (please report it)"
            }
            sa_status::SA_STATUS_OTHER_ERROR => {
                c"internal error: an error this version of the C API does not know"
            }
        }
    }
}

impl From<Error> for sa_status {
    fn from(e: Error) -> sa_status {
        match e {
            Error::LengthMismatch { .. } => sa_status::SA_STATUS_LENGTH_MISMATCH,
            Error::NotDivisible { .. } => sa_status::SA_STATUS_NOT_DIVISIBLE,
            Error::ZeroDimension { .. } => sa_status::SA_STATUS_ZERO_DIMENSION,
            Error::InvalidParameter { .. } => sa_status::SA_STATUS_INVALID_PARAMETER,
            Error::UnsupportedBackend(_) => sa_status::SA_STATUS_UNSUPPORTED_BACKEND,
            Error::UnknownActivation => sa_status::SA_STATUS_UNKNOWN_ACTIVATION,
            Error::MalformedActivation { .. } => sa_status::SA_STATUS_MALFORMED_ACTIVATION,
            Error::SliceLength { .. } => sa_status::SA_STATUS_SLICE_LENGTH,
            Error::ZeroScale => sa_status::SA_STATUS_ZERO_SCALE,
            Error::RowStride { .. } => sa_status::SA_STATUS_ROW_STRIDE,
            Error::ShortBuffer { .. } => sa_status::SA_STATUS_SHORT_BUFFER,
            Error::MaskLength { .. } => sa_status::SA_STATUS_MASK_LENGTH,
            Error::OutputRows { .. } => sa_status::SA_STATUS_OUTPUT_ROWS,
            // `Error` is non-exhaustive; `tests::every_error_variant_has_a_status` reads
            // src/error.rs so that a new variant does not end up here.
            _ => sa_status::SA_STATUS_OTHER_ERROR,
        }
    }
}

/// Runs an entry point's body: its error, or `SA_STATUS_OK`, or `SA_STATUS_PANIC` if it
/// panicked (no unwinding crosses into C).
pub(crate) fn guard(body: impl FnOnce() -> Result<(), sa_status>) -> sa_status {
    guard_or(sa_status::SA_STATUS_PANIC, || {
        body().err().unwrap_or(sa_status::SA_STATUS_OK)
    })
}

/// Runs `body`, or returns `fallback` if it panicked.
pub(crate) fn guard_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            // Dropping the payload could panic again, outside any guard: leak it (a panic is a
            // bug; the box is small).
            core::mem::forget(payload);
            fallback
        }
    }
}

/// A static, NUL-terminated description of `status` (`"unknown status"` for a value that is
/// no `sa_status`). Never NULL; the string must not be freed.
#[unsafe(no_mangle)]
pub extern "C" fn sa_status_message(status: MaybeUninit<sa_status>) -> *const c_char {
    guard_or(c"internal error".as_ptr(), || {
        let v = raw(status);
        sa_status::ALL
            .get(v as usize)
            .map_or(c"unknown status", |s| s.message())
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa::{Backend, Error};
    use std::collections::HashSet;

    #[test]
    fn values_are_in_order() {
        for (i, s) in sa_status::ALL.iter().enumerate() {
            assert_eq!(*s as u32 as usize, i);
        }
    }

    /// One instance of every variant of `Error`.
    fn one_of_each() -> Vec<(&'static str, Error)> {
        vec![
            (
                "LengthMismatch",
                Error::LengthMismatch {
                    input: 1,
                    output: 2,
                },
            ),
            (
                "NotDivisible",
                Error::NotDivisible {
                    what: "x",
                    len: 3,
                    dim_name: "cols",
                    dim: 2,
                },
            ),
            ("ZeroDimension", Error::ZeroDimension { name: "cols" }),
            (
                "InvalidParameter",
                Error::InvalidParameter {
                    name: "alpha",
                    index: None,
                    value: f32::NAN,
                },
            ),
            (
                "UnsupportedBackend",
                Error::UnsupportedBackend(Backend::Avx512),
            ),
            ("UnknownActivation", Error::UnknownActivation),
            (
                "MalformedActivation",
                Error::MalformedActivation {
                    name: "elu",
                    takes_param: true,
                },
            ),
            (
                "SliceLength",
                Error::SliceLength {
                    name: "dy",
                    len: 1,
                    expected: 2,
                    of: "x",
                },
            ),
            ("ZeroScale", Error::ZeroScale),
            (
                "RowStride",
                Error::RowStride {
                    row_stride: 1,
                    cols: 2,
                },
            ),
            (
                "ShortBuffer",
                Error::ShortBuffer {
                    len: 1,
                    needed: 2,
                    rows: 1,
                },
            ),
            (
                "MaskLength",
                Error::MaskLength {
                    len: 1,
                    cols: 2,
                    rows: 2,
                },
            ),
            ("OutputRows", Error::OutputRows { len: 1, rows: 2 }),
        ]
    }

    /// The variant names declared in the Rust crate's `src/error.rs` (the lines of the enum
    /// body indented by four spaces that start with an upper-case identifier).
    fn declared_variants() -> Vec<String> {
        let src = include_str!("../../src/error.rs");
        let body = src
            .split("pub enum Error {")
            .nth(1)
            .expect("src/error.rs declares `pub enum Error {`");
        let body = &body[..body.find("\n}").expect("the enum ends with `}`")];
        body.lines()
            .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
            .map(str::trim)
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|l| {
                l.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn every_error_variant_has_a_distinct_status() {
        let each = one_of_each();
        let declared = declared_variants();
        let listed: Vec<String> = each.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            declared, listed,
            "src/error.rs declares other variants than this test lists: map the new ones to a \
             status of their own in capi/src/status.rs and list them here"
        );
        let mut seen = HashSet::new();
        for (name, e) in each {
            let s = sa_status::from(e);
            assert_ne!(s, sa_status::SA_STATUS_OTHER_ERROR, "{name}");
            assert_ne!(s, sa_status::SA_STATUS_OK, "{name}");
            assert!(seen.insert(s), "{name} shares its status {s:?}");
        }
    }

    #[test]
    fn messages_are_distinct_and_static() {
        let mut seen = HashSet::new();
        for s in sa_status::ALL {
            let p = sa_status_message(MaybeUninit::new(s));
            // SAFETY: `sa_status_message` returns a pointer to a static NUL-terminated string.
            let m = unsafe { core::ffi::CStr::from_ptr(p) };
            assert!(!m.is_empty());
            assert!(seen.insert(m.to_owned()), "{s:?}");
        }
        let garbage: MaybeUninit<sa_status> = crate::enums::from_raw(12345);
        // SAFETY: as above.
        let m = unsafe { core::ffi::CStr::from_ptr(sa_status_message(garbage)) };
        assert_eq!(m, c"unknown status");
    }

    #[test]
    fn a_panic_becomes_a_status() {
        assert_eq!(guard(|| panic!("test panic")), sa_status::SA_STATUS_PANIC);
        assert_eq!(guard(|| Ok(())), sa_status::SA_STATUS_OK);
        assert_eq!(
            guard(|| Err(sa_status::SA_STATUS_OVERLAP)),
            sa_status::SA_STATUS_OVERLAP
        );
    }
}
