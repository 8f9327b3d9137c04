//! The elementwise operations: activations and their gradients, PReLU, the fused forms, and
//! half precision.
//!
//! Every entry point: checks the handle, the enums and every buffer (null, alignment, size,
//! overlap) before any slice exists, builds the slices in one `unsafe` block, and calls the
//! in-place Rust function when the output is the input, the out-of-place one otherwise.

use core::mem::MaybeUninit;

use sa::{bf16, f16};

use crate::buffers::{Buf, InOut, Io, Io3, Triple, disjoint};
use crate::enums::{activation, sa_activation};
use crate::kernels::sa_kernels;
use crate::status::{guard, sa_status};

/// Runs the activation `act` (with its parameter `param`; `NAN`: the default; ignored by
/// activations without one) on `x[0..n]`, into `y[0..n]`: `y[i] = act(x[i])`. In place when
/// `y == x`.
///
/// Errors: `SA_STATUS_INVALID_ENUM`, `SA_STATUS_INVALID_PARAMETER` (an infinite parameter),
/// and the buffer and handle errors of the header's conventions.
///
/// # Safety
/// `x` and `y` are NULL with `n == 0`, or valid for `n` floats each (the header's
/// conventions).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_activate(
    k: sa_kernels,
    act: MaybeUninit<sa_activation>,
    param: f32,
    x: *const f32,
    y: *mut f32,
    n: usize,
) -> sa_status {
    guard(|| {
        let (k, act) = (k.kernels()?, activation(act, param)?);
        let io = InOut::new(x, y, n)?;
        // SAFETY: checked by `InOut::new`; valid for `n` floats by this function's contract.
        match unsafe { io.slices() } {
            Io::InPlace(y) => k.activate_inplace(act, y)?,
            Io::Separate(x, y) => k.activate(act, x, y)?,
        }
        Ok(())
    })
}

/// The gradient of the activation `act` (parameter as `sa_activate`) from its forward input:
/// `dx[i] = dy[i] * act'(x[i])`, over `n` elements. In place when `dx == dy`; `dx` must not
/// overlap `x`.
///
/// Errors: as `sa_activate`.
///
/// # Safety
/// `x`, `dy` and `dx` are NULL with `n == 0`, or valid for `n` floats each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_activate_backward(
    k: sa_kernels,
    act: MaybeUninit<sa_activation>,
    param: f32,
    x: *const f32,
    dy: *const f32,
    dx: *mut f32,
    n: usize,
) -> sa_status {
    guard(|| {
        let (k, act) = (k.kernels()?, activation(act, param)?);
        let t = Triple::new(x, dy, dx, n)?;
        // SAFETY: checked by `Triple::new`; valid for `n` floats by this function's contract.
        match unsafe { t.slices() } {
            Io3::InPlace(x, dy) => k.activate_backward_inplace(act, x, dy)?,
            Io3::Separate(x, dy, dx) => k.activate_backward(act, x, dy, dx)?,
        }
        Ok(())
    })
}

/// The gradient of sigmoid from its saved output `y`: `dx[i] = dy[i] * y[i] * (1 - y[i])`.
/// Near saturation only the gradient from the input (`sa_activate_backward` with
/// `SA_ACTIVATION_SIGMOID`) keeps relative accuracy. In place when `dx == dy`; `dx` must not
/// overlap `y`.
///
/// # Safety
/// `y`, `dy` and `dx` are NULL with `n == 0`, or valid for `n` floats each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_sigmoid_backward_from_output(
    k: sa_kernels,
    y: *const f32,
    dy: *const f32,
    dx: *mut f32,
    n: usize,
) -> sa_status {
    guard(|| {
        let k = k.kernels()?;
        let t = Triple::new(y, dy, dx, n)?;
        // SAFETY: checked by `Triple::new`; valid for `n` floats by this function's contract.
        match unsafe { t.slices() } {
            Io3::InPlace(y, dy) => k.sigmoid_backward_from_output_inplace(y, dy)?,
            Io3::Separate(y, dy, dx) => k.sigmoid_backward_from_output(y, dy, dx)?,
        }
        Ok(())
    })
}

/// The gradient of tanh from its saved output `y`: `dx[i] = dy[i] * (1 - y[i]^2)`. In place
/// when `dx == dy`; `dx` must not overlap `y`.
///
/// # Safety
/// `y`, `dy` and `dx` are NULL with `n == 0`, or valid for `n` floats each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_tanh_backward_from_output(
    k: sa_kernels,
    y: *const f32,
    dy: *const f32,
    dx: *mut f32,
    n: usize,
) -> sa_status {
    guard(|| {
        let k = k.kernels()?;
        let t = Triple::new(y, dy, dx, n)?;
        // SAFETY: checked by `Triple::new`; valid for `n` floats by this function's contract.
        match unsafe { t.slices() } {
            Io3::InPlace(y, dy) => k.tanh_backward_from_output_inplace(y, dy)?,
            Io3::Separate(y, dy, dx) => k.tanh_backward_from_output(y, dy, dx)?,
        }
        Ok(())
    })
}

/// PReLU with learned per-channel slopes, channels-last: `x` holds rows of `channels`
/// elements and `y[i] = x[i] < 0 ? slopes[i % channels] * x[i] : x[i]` (exact). In place when
/// `y == x`; `slopes` must not overlap `y`.
///
/// Errors: `SA_STATUS_ZERO_DIMENSION` (`channels == 0`), `SA_STATUS_INVALID_PARAMETER` (a
/// slope not finite), `SA_STATUS_NOT_DIVISIBLE` (`n` not a multiple of `channels`).
///
/// # Safety
/// `x` and `y` are NULL with `n == 0` or valid for `n` floats each; `slopes` is NULL with
/// `channels == 0` or valid for `channels` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_prelu(
    k: sa_kernels,
    x: *const f32,
    y: *mut f32,
    n: usize,
    slopes: *const f32,
    channels: usize,
) -> sa_status {
    // SAFETY: the same contract.
    unsafe { sa_prelu_channels_first(k, x, y, n, slopes, channels, 1) }
}

/// PReLU, channels-first (NCHW): channel `c` covers runs of `inner` contiguous elements
/// (`inner = H * W`), `y[i] = x[i] < 0 ? slopes[(i / inner) % channels] * x[i] : x[i]`.
/// `inner == 1` is `sa_prelu`. In place when `y == x`; `slopes` must not overlap `y`.
///
/// Errors: as `sa_prelu`, plus `SA_STATUS_ZERO_DIMENSION` for `inner == 0`; `n` must be a
/// multiple of `channels * inner`.
///
/// # Safety
/// As `sa_prelu`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_prelu_channels_first(
    k: sa_kernels,
    x: *const f32,
    y: *mut f32,
    n: usize,
    slopes: *const f32,
    channels: usize,
    inner: usize,
) -> sa_status {
    guard(|| {
        let k = k.kernels()?;
        let io = InOut::new(x, y, n)?;
        let slopes = Buf::new(slopes, channels)?;
        disjoint(io.out(), &[slopes.span()])?;
        // SAFETY: checked above (`y` is `x` or disjoint from it, and disjoint from `slopes`);
        // valid by this function's contract.
        let (io, slopes) = unsafe { (io.slices(), slopes.slice()) };
        match io {
            Io::InPlace(y) => k.prelu_channels_first_inplace(y, slopes, inner)?,
            Io::Separate(x, y) => k.prelu_channels_first(x, y, slopes, inner)?,
        }
        Ok(())
    })
}

/// PReLU backward, channels-last: `dx[i] = x[i] > 0 ? dy[i] : slopes[c] * dy[i]` and
/// `dslopes[c]` = the sum of `x[i] * dy[i]` over channel `c`'s elements with `x[i] <= 0`
/// (`dslopes` is overwritten; compensated, deterministic). In place when `dx == dy`; `dx` and
/// `dslopes` must not overlap any other buffer.
///
/// Errors: as `sa_prelu`, plus `SA_STATUS_SLICE_LENGTH`.
///
/// # Safety
/// `x`, `dy`, `dx` are NULL with `n == 0` or valid for `n` floats each; `slopes` and
/// `dslopes` are NULL with `channels == 0` or valid for `channels` floats each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_prelu_backward(
    k: sa_kernels,
    x: *const f32,
    dy: *const f32,
    dx: *mut f32,
    n: usize,
    slopes: *const f32,
    dslopes: *mut f32,
    channels: usize,
) -> sa_status {
    // SAFETY: the same contract.
    unsafe { sa_prelu_channels_first_backward(k, x, dy, dx, n, slopes, dslopes, channels, 1) }
}

/// PReLU backward, channels-first (element `i` has channel `(i / inner) % channels`), as
/// `sa_prelu_backward` otherwise.
///
/// Errors: as `sa_prelu_backward`, plus `SA_STATUS_ZERO_DIMENSION` for `inner == 0`.
///
/// # Safety
/// As `sa_prelu_backward`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_prelu_channels_first_backward(
    k: sa_kernels,
    x: *const f32,
    dy: *const f32,
    dx: *mut f32,
    n: usize,
    slopes: *const f32,
    dslopes: *mut f32,
    channels: usize,
    inner: usize,
) -> sa_status {
    guard(|| {
        let k = k.kernels()?;
        let t = Triple::new(x, dy, dx, n)?;
        let slopes = Buf::new(slopes, channels)?;
        let dslopes = Buf::new(dslopes, channels)?;
        disjoint(t.out(), &[slopes.span(), dslopes.span()])?;
        disjoint(
            dslopes.span(),
            &[t.a(), Buf::new(dy, n)?.span(), slopes.span()],
        )?;
        // SAFETY: checked above: the two outputs are disjoint from each other and from every
        // input (`dx` may be `dy` exactly); valid by this function's contract.
        let (t, slopes, dslopes) = unsafe { (t.slices(), slopes.slice(), dslopes.slice_mut()) };
        match t {
            Io3::InPlace(x, dy) => {
                k.prelu_channels_first_backward_inplace(x, dy, slopes, dslopes, inner)?
            }
            Io3::Separate(x, dy, dx) => {
                k.prelu_channels_first_backward(x, dy, dx, slopes, dslopes, inner)?
            }
        }
        Ok(())
    })
}

/// Bias + activation, fused: `y[i] = act(x[i] + bias[i % channels])` (channels-last), bit for
/// bit the unfused sum then `sa_activate`. The bias is not checked (a NaN bias makes its
/// channel NaN). In place when `y == x`; `bias` must not overlap `y`.
///
/// Errors: `SA_STATUS_ZERO_DIMENSION` (`channels == 0`), `SA_STATUS_NOT_DIVISIBLE`,
/// `SA_STATUS_INVALID_ENUM`, `SA_STATUS_INVALID_PARAMETER`.
///
/// # Safety
/// `x` and `y` are NULL with `n == 0` or valid for `n` floats each; `bias` is NULL with
/// `channels == 0` or valid for `channels` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_bias_activate(
    k: sa_kernels,
    act: MaybeUninit<sa_activation>,
    param: f32,
    x: *const f32,
    y: *mut f32,
    n: usize,
    bias: *const f32,
    channels: usize,
) -> sa_status {
    guard(|| {
        let (k, act) = (k.kernels()?, activation(act, param)?);
        let io = InOut::new(x, y, n)?;
        let bias = Buf::new(bias, channels)?;
        disjoint(io.out(), &[bias.span()])?;
        // SAFETY: checked above; valid by this function's contract.
        let (io, bias) = unsafe { (io.slices(), bias.slice()) };
        match io {
            Io::InPlace(y) => k.bias_activate_inplace(y, bias, act)?,
            Io::Separate(x, y) => k.bias_activate(x, bias, y, act)?,
        }
        Ok(())
    })
}

/// Gated unit, fused: `y[i] = act(gate[i]) * up[i]` over `n` elements. SwiGLU:
/// `SA_ACTIVATION_SILU`; GeGLU: `SA_ACTIVATION_GELU` or `SA_ACTIVATION_GELU_TANH`; ReGLU:
/// `SA_ACTIVATION_RELU`; GLU: `SA_ACTIVATION_SIGMOID`. In place when `y == up`; `y` must not
/// overlap `gate`.
///
/// Errors: `SA_STATUS_INVALID_ENUM`, `SA_STATUS_INVALID_PARAMETER`.
///
/// # Safety
/// `gate`, `up` and `y` are NULL with `n == 0`, or valid for `n` floats each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_glu(
    k: sa_kernels,
    act: MaybeUninit<sa_activation>,
    param: f32,
    gate: *const f32,
    up: *const f32,
    y: *mut f32,
    n: usize,
) -> sa_status {
    guard(|| {
        let (k, act) = (k.kernels()?, activation(act, param)?);
        let t = Triple::new(gate, up, y, n)?;
        // SAFETY: checked by `Triple::new`; valid by this function's contract.
        match unsafe { t.slices() } {
            Io3::InPlace(gate, up) => k.glu_inplace(gate, up, act)?,
            Io3::Separate(gate, up, y) => k.glu(gate, up, y, act)?,
        }
        Ok(())
    })
}

/// Gated unit over rows of `2 * cols` floats, the gate first and `up` second (ggml's layout):
/// `y[r * cols + j] = act(x[r][j]) * x[r][cols + j]`. `x` has `x_len` floats, `y` has
/// `y_len = x_len / 2`. `y` must not overlap `x`.
///
/// Errors: `SA_STATUS_ZERO_DIMENSION` (`cols == 0`), `SA_STATUS_NOT_DIVISIBLE` (`x_len` not a
/// multiple of `2 * cols`), `SA_STATUS_SLICE_LENGTH` (`y_len != x_len / 2`),
/// `SA_STATUS_INVALID_ENUM`, `SA_STATUS_INVALID_PARAMETER`.
///
/// # Safety
/// `x` is NULL with `x_len == 0` or valid for `x_len` floats; `y` likewise with `y_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_glu_rows(
    k: sa_kernels,
    act: MaybeUninit<sa_activation>,
    param: f32,
    x: *const f32,
    x_len: usize,
    y: *mut f32,
    y_len: usize,
    cols: usize,
) -> sa_status {
    guard(|| {
        let (k, act) = (k.kernels()?, activation(act, param)?);
        let (x, y) = (Buf::new(x, x_len)?, Buf::new(y, y_len)?);
        disjoint(y.span(), &[x.span()])?;
        // SAFETY: checked above (disjoint); valid by this function's contract.
        let (x, y) = unsafe { (x.slice(), y.slice_mut()) };
        k.glu_rows(x, y, cols, act)?;
        Ok(())
    })
}

/// Converts a buffer of one element type into a disjoint buffer of another.
fn convert<T, U>(
    k: sa_kernels,
    x: *const T,
    y: *mut U,
    n: usize,
    f: impl FnOnce(&sa::Kernels, &[T], &mut [U]) -> Result<(), sa::Error>,
) -> Result<(), sa_status> {
    let k = k.kernels()?;
    let (x, y) = (Buf::new(x, n)?, Buf::new(y, n)?);
    disjoint(y.span(), &[x.span()])?;
    // SAFETY: checked above (disjoint); the entry points' contract makes both valid for `n`
    // elements.
    let (x, y) = unsafe { (x.slice(), y.slice_mut()) };
    Ok(f(&k, x, y)?)
}

/// Converts `n` IEEE half-precision values (`uint16_t` bit patterns) to float, exactly (a NaN
/// is quieted). `y` must not overlap `x`.
///
/// # Safety
/// `x` is NULL with `n == 0` or valid for `n` `uint16_t` (2-byte aligned); `y` likewise for
/// `n` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_f16_to_f32(
    k: sa_kernels,
    x: *const u16,
    y: *mut f32,
    n: usize,
) -> sa_status {
    guard(|| convert(k, x.cast::<f16>(), y, n, sa::Kernels::f16_to_f32))
}

/// Rounds `n` floats to IEEE half precision (`uint16_t` bit patterns): to nearest, ties to
/// even, overflow to infinity, subnormals kept, NaN stays NaN (quieted). `y` must not overlap
/// `x`.
///
/// # Safety
/// `x` is NULL with `n == 0` or valid for `n` floats; `y` likewise for `n` `uint16_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_f32_to_f16(
    k: sa_kernels,
    x: *const f32,
    y: *mut u16,
    n: usize,
) -> sa_status {
    guard(|| convert(k, x, y.cast::<f16>(), n, sa::Kernels::f32_to_f16))
}

/// Converts `n` bfloat16 values (`uint16_t` bit patterns) to float, exactly (a NaN is
/// quieted). `y` must not overlap `x`.
///
/// # Safety
/// As `sa_f16_to_f32`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_bf16_to_f32(
    k: sa_kernels,
    x: *const u16,
    y: *mut f32,
    n: usize,
) -> sa_status {
    guard(|| convert(k, x.cast::<bf16>(), y, n, sa::Kernels::bf16_to_f32))
}

/// Rounds `n` floats to bfloat16 (`uint16_t` bit patterns): to nearest, ties to even, NaN
/// stays NaN (quieted). `y` must not overlap `x`.
///
/// # Safety
/// As `sa_f32_to_f16`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_f32_to_bf16(
    k: sa_kernels,
    x: *const f32,
    y: *mut u16,
    n: usize,
) -> sa_status {
    guard(|| convert(k, x, y.cast::<bf16>(), n, sa::Kernels::f32_to_bf16))
}

/// `sa_activate` on IEEE half-precision storage (`uint16_t` bit patterns): computed in float
/// and rounded once at the store, bit for bit the float result rounded to half. In place when
/// `y == x`.
///
/// # Safety
/// `x` and `y` are NULL with `n == 0`, or valid for `n` `uint16_t` each (2-byte aligned).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_activate_f16(
    k: sa_kernels,
    act: MaybeUninit<sa_activation>,
    param: f32,
    x: *const u16,
    y: *mut u16,
    n: usize,
) -> sa_status {
    guard(|| {
        let (k, act) = (k.kernels()?, activation(act, param)?);
        let io = InOut::new(x.cast::<f16>(), y.cast::<f16>(), n)?;
        // SAFETY: checked by `InOut::new`; valid by this function's contract.
        match unsafe { io.slices() } {
            Io::InPlace(y) => k.activate_f16_inplace(act, y)?,
            Io::Separate(x, y) => k.activate_f16(act, x, y)?,
        }
        Ok(())
    })
}

/// `sa_activate` on bfloat16 storage (`uint16_t` bit patterns), as `sa_activate_f16`.
///
/// # Safety
/// As `sa_activate_f16`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_activate_bf16(
    k: sa_kernels,
    act: MaybeUninit<sa_activation>,
    param: f32,
    x: *const u16,
    y: *mut u16,
    n: usize,
) -> sa_status {
    guard(|| {
        let (k, act) = (k.kernels()?, activation(act, param)?);
        let io = InOut::new(x.cast::<bf16>(), y.cast::<bf16>(), n)?;
        // SAFETY: checked by `InOut::new`; valid by this function's contract.
        match unsafe { io.slices() } {
            Io::InPlace(y) => k.activate_bf16_inplace(act, y)?,
            Io::Separate(x, y) => k.activate_bf16(act, x, y)?,
        }
        Ok(())
    })
}
