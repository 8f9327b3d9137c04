//! The C enums (`sa_activation`, `sa_backend`, `sa_mask_kind`, `sa_masked_rows`), their
//! checked conversions to the Rust types, and the activation and backend queries.
//!
//! C hands an enum over as a plain `uint32_t` that may hold any value, and a Rust enum with an
//! out-of-range value is undefined behaviour: the entry points take `MaybeUninit<E>` (which
//! cbindgen writes as `E`), read it as a `u32` with [`raw`] and check the range.

use core::ffi::{CStr, c_char};
use core::mem::MaybeUninit;

use sa::{Activation, Backend};

use crate::buffers::Buf;
use crate::status::{guard, guard_or, sa_status};

/// The value of an enum argument from C, whatever it is.
pub(crate) fn raw<E: Copy>(v: MaybeUninit<E>) -> u32 {
    const { assert!(size_of::<E>() == 4 && align_of::<E>() == 4) };
    // SAFETY: `E` is one of this crate's `#[repr(u32)]` enums (4 bytes, checked above), whose C
    // type is `uint32_t`: C passes an initialized 32-bit integer, and every bit pattern is a
    // valid `u32`.
    unsafe { v.as_ptr().cast::<u32>().read() }
}

/// An enum argument holding `v` (any value), as C would pass it. For tests.
#[cfg(test)]
pub(crate) fn from_raw<E: Copy>(v: u32) -> MaybeUninit<E> {
    const { assert!(size_of::<E>() == 4) };
    let mut m = MaybeUninit::<E>::uninit();
    // SAFETY: `m` is 4 bytes (checked above) and aligned for `E`, which is `#[repr(u32)]`.
    unsafe { m.as_mut_ptr().cast::<u32>().write(v) };
    m
}

/// An elementwise activation, for `sa_activate`, `sa_activate_backward`, `sa_bias_activate`,
/// `sa_glu`, `sa_glu_rows` and `sa_activate_f16`/`_bf16`. The names are those of the Rust
/// functions (`sa_activation_name`). Activations with a parameter (`SA_ACTIVATION_ELU`: alpha,
/// default 1; `SA_ACTIVATION_LEAKY_RELU`: the slope, default 0.01) take it from the `param`
/// argument of those functions; `param = NAN` asks for the default. The others ignore `param`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum sa_activation {
    /// `exp(x)`.
    SA_ACTIVATION_EXP = 0,
    /// The logistic sigmoid `1 / (1 + exp(-x))`.
    SA_ACTIVATION_SIGMOID = 1,
    /// `tanh(x)`.
    SA_ACTIVATION_TANH = 2,
    /// SiLU (swish), `x * sigmoid(x)`.
    SA_ACTIVATION_SILU = 3,
    /// quick GELU, `x * sigmoid(1.702 x)`.
    SA_ACTIVATION_QUICK_GELU = 4,
    /// GELU, the exact (erf) form.
    SA_ACTIVATION_GELU = 5,
    /// GELU, the tanh form.
    SA_ACTIVATION_GELU_TANH = 6,
    /// mish, `x * tanh(softplus(x))`.
    SA_ACTIVATION_MISH = 7,
    /// ELU with parameter alpha (default 1; NAN: the default).
    SA_ACTIVATION_ELU = 8,
    /// SELU (PyTorch's constants).
    SA_ACTIVATION_SELU = 9,
    /// ReLU, `x < 0 ? +0 : x`.
    SA_ACTIVATION_RELU = 10,
    /// Leaky ReLU with a fixed slope for negative inputs (default 0.01; NAN: the default).
    SA_ACTIVATION_LEAKY_RELU = 11,
    /// Hard sigmoid (PyTorch's).
    SA_ACTIVATION_HARD_SIGMOID = 12,
    /// Hard swish (PyTorch's).
    SA_ACTIVATION_HARD_SWISH = 13,
    /// softplus, `log(1 + exp(x))`.
    SA_ACTIVATION_SOFTPLUS = 14,
    /// log-sigmoid, `-softplus(-x)`.
    SA_ACTIVATION_LOG_SIGMOID = 15,
}

/// The number of `sa_activation` values (they are `0 .. SA_ACTIVATION_COUNT - 1`).
pub const SA_ACTIVATION_COUNT: u32 = 16;

impl sa_activation {
    /// Every value, in value order: the order of the Rust `Activation::ALL` (checked by the
    /// tests).
    pub(crate) const ALL: [sa_activation; SA_ACTIVATION_COUNT as usize] = [
        sa_activation::SA_ACTIVATION_EXP,
        sa_activation::SA_ACTIVATION_SIGMOID,
        sa_activation::SA_ACTIVATION_TANH,
        sa_activation::SA_ACTIVATION_SILU,
        sa_activation::SA_ACTIVATION_QUICK_GELU,
        sa_activation::SA_ACTIVATION_GELU,
        sa_activation::SA_ACTIVATION_GELU_TANH,
        sa_activation::SA_ACTIVATION_MISH,
        sa_activation::SA_ACTIVATION_ELU,
        sa_activation::SA_ACTIVATION_SELU,
        sa_activation::SA_ACTIVATION_RELU,
        sa_activation::SA_ACTIVATION_LEAKY_RELU,
        sa_activation::SA_ACTIVATION_HARD_SIGMOID,
        sa_activation::SA_ACTIVATION_HARD_SWISH,
        sa_activation::SA_ACTIVATION_SOFTPLUS,
        sa_activation::SA_ACTIVATION_LOG_SIGMOID,
    ];

    /// The names, NUL-terminated, in value order (equal to `Activation::name()`: tested).
    const NAMES: [&'static CStr; SA_ACTIVATION_COUNT as usize] = [
        c"exp",
        c"sigmoid",
        c"tanh",
        c"silu",
        c"quick_gelu",
        c"gelu",
        c"gelu_tanh",
        c"mish",
        c"elu",
        c"selu",
        c"relu",
        c"leaky_relu",
        c"hard_sigmoid",
        c"hard_swish",
        c"softplus",
        c"log_sigmoid",
    ];
}

/// The Rust activation for a C value and parameter (`NAN`: the default).
pub(crate) fn activation(
    act: MaybeUninit<sa_activation>,
    param: f32,
) -> Result<Activation, sa_status> {
    let default = *Activation::ALL
        .get(raw(act) as usize)
        .ok_or(sa_status::SA_STATUS_INVALID_ENUM)?;
    if param.is_nan() {
        return Ok(default);
    }
    // `Activation` is non-exhaustive: `tests::parameters_reach_rust` checks that every
    // activation with a parameter is listed here.
    Ok(match default {
        Activation::Elu { .. } => Activation::Elu { alpha: param },
        Activation::LeakyRelu { .. } => Activation::LeakyRelu { alpha: param },
        other => other,
    })
}

/// The C value and parameter (`NAN` if it has none) of a Rust activation.
fn from_activation(a: Activation) -> Option<(sa_activation, f32)> {
    let i = Activation::ALL.iter().position(|d| d.name() == a.name())?;
    let param = match a {
        Activation::Elu { alpha } | Activation::LeakyRelu { alpha } => alpha,
        _ => f32::NAN,
    };
    Some((*sa_activation::ALL.get(i)?, param))
}

/// The name of an activation (`"leaky_relu"`), static and NUL-terminated, as
/// `sa_activation_from_name` reads it; NULL for a value that is no `sa_activation`.
#[unsafe(no_mangle)]
pub extern "C" fn sa_activation_name(act: MaybeUninit<sa_activation>) -> *const c_char {
    guard_or(core::ptr::null(), || {
        sa_activation::NAMES
            .get(raw(act) as usize)
            .map_or(core::ptr::null(), |n| n.as_ptr())
    })
}

/// Parses an activation written as the Rust crate's `Activation` displays it: its name
/// (`"gelu"`), with its parameter in brackets where it has one (`"leaky_relu(0.2)"`; without
/// brackets the default). Writes the activation to `*act` and its parameter to `*param`
/// (`NAN` for the default or an activation without a parameter, so that the pair can be
/// passed to `sa_activate` as it is).
///
/// Errors (nothing written): `SA_STATUS_NULL_POINTER` (any argument NULL),
/// `SA_STATUS_MISALIGNED`, `SA_STATUS_UNKNOWN_ACTIVATION` (no such name, or not UTF-8),
/// `SA_STATUS_MALFORMED_ACTIVATION`, `SA_STATUS_INVALID_PARAMETER` (a parameter that is not
/// finite).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `act` and `param` are NULL or point to writable
/// objects of their types.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_activation_from_name(
    name: *const c_char,
    act: *mut sa_activation,
    param: *mut f32,
) -> sa_status {
    guard(|| {
        if name.is_null() {
            return Err(sa_status::SA_STATUS_NULL_POINTER);
        }
        let (act, param) = (Buf::new(act, 1)?, Buf::new(param, 1)?);
        // SAFETY: `name` is not NULL and, by this function's contract, NUL-terminated and
        // valid for reads during the call.
        let name = unsafe { CStr::from_ptr(name) };
        let parsed: Activation = name
            .to_str()
            .map_err(|_| sa_status::SA_STATUS_UNKNOWN_ACTIVATION)?
            .parse()?;
        let (a, mut p) = from_activation(parsed).ok_or(sa_status::SA_STATUS_OTHER_ERROR)?;
        if !name.to_bytes().contains(&b'(') {
            p = f32::NAN; // the default, written as such
        }
        // SAFETY: both are non-null and aligned (checked by `Buf::new`) and, by this
        // function's contract, writable; each slice lives for one store, so the two never
        // coexist even if the pointers alias.
        unsafe {
            act.slice_mut()[0] = a;
            param.slice_mut()[0] = p;
        }
        Ok(())
    })
}

/// An instruction-set backend.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum sa_backend {
    /// Portable code, one float at a time. Always supported.
    SA_BACKEND_SCALAR = 0,
    /// x86-64-v3: AVX2 with FMA (8 lanes).
    SA_BACKEND_AVX2 = 1,
    /// x86-64-v4: AVX-512 F/BW/CD/DQ/VL (16 lanes).
    SA_BACKEND_AVX512 = 2,
    /// AArch64 NEON (4 lanes); unsupported on other targets.
    SA_BACKEND_NEON = 3,
}

impl sa_backend {
    /// Every value, in value order.
    pub(crate) const ALL: [sa_backend; 4] = [
        sa_backend::SA_BACKEND_SCALAR,
        sa_backend::SA_BACKEND_AVX2,
        sa_backend::SA_BACKEND_AVX512,
        sa_backend::SA_BACKEND_NEON,
    ];

    /// The names, as `Backend::name()` (tested).
    const NAMES: [&'static CStr; 4] = [c"scalar", c"avx2", c"avx512", c"neon"];

    /// The checked value of a C argument.
    pub(crate) fn from_c(b: u32) -> Result<sa_backend, sa_status> {
        sa_backend::ALL
            .get(b as usize)
            .copied()
            .ok_or(sa_status::SA_STATUS_INVALID_ENUM)
    }

    /// The Rust backend, if this build's target has it.
    pub(crate) fn to_rust(self) -> Option<Backend> {
        match self {
            sa_backend::SA_BACKEND_SCALAR => Some(Backend::Scalar),
            sa_backend::SA_BACKEND_AVX2 => Some(Backend::Avx2),
            sa_backend::SA_BACKEND_AVX512 => Some(Backend::Avx512),
            #[cfg(target_arch = "aarch64")]
            sa_backend::SA_BACKEND_NEON => Some(Backend::Neon),
            #[cfg(not(target_arch = "aarch64"))]
            sa_backend::SA_BACKEND_NEON => None,
        }
    }

    /// The C value of a Rust backend.
    pub(crate) fn from_rust(b: Backend) -> sa_backend {
        sa_backend::ALL
            .into_iter()
            .find(|c| c.to_rust() == Some(b))
            // Unreachable: `tests::every_backend_has_a_c_value`.
            .unwrap_or(sa_backend::SA_BACKEND_SCALAR)
    }
}

/// Whether this CPU (and this build's target) can run the backend; false for a value that is
/// no `sa_backend`.
#[unsafe(no_mangle)]
pub extern "C" fn sa_backend_supported(backend: MaybeUninit<sa_backend>) -> bool {
    guard_or(false, || {
        sa_backend::from_c(raw(backend))
            .ok()
            .and_then(sa_backend::to_rust)
            .is_some_and(Backend::is_supported)
    })
}

/// The fastest backend this CPU supports (the one `sa_kernels_new` uses).
#[unsafe(no_mangle)]
pub extern "C" fn sa_backend_best() -> sa_backend {
    guard_or(sa_backend::SA_BACKEND_SCALAR, || {
        sa_backend::from_rust(Backend::best())
    })
}

/// The backend's short lower-case name (`"scalar"`, `"avx2"`, `"avx512"`, `"neon"`), static
/// and NUL-terminated; NULL for a value that is no `sa_backend`.
#[unsafe(no_mangle)]
pub extern "C" fn sa_backend_name(backend: MaybeUninit<sa_backend>) -> *const c_char {
    guard_or(core::ptr::null(), || {
        sa_backend::NAMES
            .get(raw(backend) as usize)
            .map_or(core::ptr::null(), |n| n.as_ptr())
    })
}

/// The number of float lanes in one vector register of the backend (1, 8, 16, 4); 0 for a
/// value that is no `sa_backend`.
#[unsafe(no_mangle)]
pub extern "C" fn sa_backend_lanes(backend: MaybeUninit<sa_backend>) -> usize {
    guard_or(0, || match sa_backend::from_c(raw(backend)) {
        Ok(sa_backend::SA_BACKEND_SCALAR) => 1,
        Ok(sa_backend::SA_BACKEND_AVX2) => 8,
        Ok(sa_backend::SA_BACKEND_AVX512) => 16,
        Ok(sa_backend::SA_BACKEND_NEON) => 4,
        Err(_) => 0,
    })
}

/// The mask of `sa_softmax_options`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum sa_mask_kind {
    /// No mask (`mask`, `mask_len` and `causal_offset` are ignored).
    SA_MASK_NONE = 0,
    /// `mask[mask_len]` is added to the scaled logits: `cols` entries (the same for every row)
    /// or `rows * cols` (one per row, contiguous even when the rows are strided). `-INFINITY`
    /// masks an entry out (its output is exactly 0, `-INFINITY` for log-softmax); NaN and
    /// `+INFINITY` entries are refused.
    SA_MASK_ADDITIVE = 1,
    /// Causal: in row `r` (counted from 0 in the call), columns `j > r + causal_offset` are
    /// masked out, neither read nor computed. For queries after `past_len` cached keys,
    /// `causal_offset = past_len`.
    SA_MASK_CAUSAL = 2,
}

/// What a row with no unmasked entry gives in the softmax functions with options.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum sa_masked_rows {
    /// NaN throughout, as the plain softmax of a row of `-INFINITY` (PyTorch's `softmax`).
    SA_MASKED_ROWS_NAN = 0,
    /// Zeros (log-softmax and log-sum-exp: `-INFINITY`), as PyTorch's `_safe_softmax`.
    SA_MASKED_ROWS_ZERO = 1,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_activation_has_a_c_value_with_its_name_and_back() {
        assert_eq!(
            Activation::ALL.len(),
            SA_ACTIVATION_COUNT as usize,
            "the Rust crate has {} activations and the C API {SA_ACTIVATION_COUNT}: add the \
             missing ones to `sa_activation` (in the order of `Activation::ALL`)",
            Activation::ALL.len()
        );
        for (i, a) in Activation::ALL.iter().enumerate() {
            let c = sa_activation::ALL[i];
            assert_eq!(c as u32 as usize, i);
            assert_eq!(sa_activation::NAMES[i].to_str().unwrap(), a.name());
            let p = sa_activation_name(MaybeUninit::new(c));
            // SAFETY: a static NUL-terminated string.
            assert_eq!(unsafe { CStr::from_ptr(p) }.to_str().unwrap(), a.name());
            // The variant's name, upper-cased, is the C name's suffix.
            let upper = format!("{c:?}");
            assert_eq!(
                upper.strip_prefix("SA_ACTIVATION_").unwrap(),
                a.name().to_uppercase()
            );
            assert_eq!(activation(MaybeUninit::new(c), f32::NAN), Ok(*a));
            assert_eq!(from_activation(*a).map(|(c, _)| c), Some(c));
        }
        assert_eq!(
            activation(from_raw(SA_ACTIVATION_COUNT), f32::NAN),
            Err(sa_status::SA_STATUS_INVALID_ENUM)
        );
        assert!(sa_activation_name(from_raw(u32::MAX)).is_null());
    }

    #[test]
    fn parameters_reach_rust() {
        for (i, a) in Activation::ALL.iter().enumerate() {
            let c = MaybeUninit::new(sa_activation::ALL[i]);
            let with = activation(c, 0.5).unwrap();
            match a.param_name() {
                Some(_) => {
                    assert_eq!(with.to_string(), format!("{}(0.5)", a.name()));
                    assert_eq!(from_activation(with).unwrap().1, 0.5);
                }
                None => {
                    assert_eq!(with, *a, "{} ignores the parameter", a.name());
                    assert!(from_activation(with).unwrap().1.is_nan());
                }
            }
        }
    }

    #[test]
    fn every_backend_has_a_c_value() {
        for b in Backend::ALL {
            let c = sa_backend::from_rust(*b);
            assert_eq!(c.to_rust(), Some(*b));
            assert_eq!(sa_backend::NAMES[c as usize].to_str().unwrap(), b.name());
            assert_eq!(sa_backend_lanes(MaybeUninit::new(c)), b.lanes());
            assert_eq!(sa_backend_supported(MaybeUninit::new(c)), b.is_supported());
        }
        assert_eq!(sa_backend_best().to_rust(), Some(Backend::best()));
        assert!(!sa_backend_supported(from_raw(7)));
        assert!(sa_backend_name(from_raw(4)).is_null());
        assert_eq!(sa_backend_lanes(from_raw(4)), 0);
    }

    #[test]
    fn from_name() {
        let (mut act, mut param) = (sa_activation::SA_ACTIVATION_EXP, 0.0_f32);
        // SAFETY: valid string and out-pointers.
        let s =
            unsafe { sa_activation_from_name(c"leaky_relu(0.2)".as_ptr(), &mut act, &mut param) };
        assert_eq!(s, sa_status::SA_STATUS_OK);
        assert_eq!((act, param), (sa_activation::SA_ACTIVATION_LEAKY_RELU, 0.2));
        // SAFETY: as above.
        let s = unsafe { sa_activation_from_name(c"elu".as_ptr(), &mut act, &mut param) };
        assert_eq!(s, sa_status::SA_STATUS_OK);
        assert_eq!(act, sa_activation::SA_ACTIVATION_ELU);
        assert!(param.is_nan());
        for (name, want) in [
            (c"nope", sa_status::SA_STATUS_UNKNOWN_ACTIVATION),
            (c"relu(1)", sa_status::SA_STATUS_MALFORMED_ACTIVATION),
            (c"elu(inf)", sa_status::SA_STATUS_INVALID_PARAMETER),
        ] {
            // SAFETY: as above.
            let s = unsafe { sa_activation_from_name(name.as_ptr(), &mut act, &mut param) };
            assert_eq!(s, want, "{name:?}");
        }
    }
}
