//! The row operations: softmax, log-softmax (plain and with options), log-sum-exp, and their
//! gradients.

use core::mem::MaybeUninit;

use sa::{Mask, MaskedRows, SoftmaxOptions, bf16, f16};

use crate::buffers::{Buf, InOut, Io, Io3, Span, Triple, disjoint};
use crate::enums::{raw, sa_mask_kind, sa_masked_rows};
use crate::kernels::sa_kernels;
use crate::status::{guard, guard_or, sa_status};

/// Options of `sa_softmax_with`, `sa_log_softmax_with` and `sa_log_sum_exp_with`: row `r` of
/// logits is `z[j] = scale * x[r * row_stride + j] + mask[r][j]` for `j < cols`.
///
/// Start from `sa_softmax_options_default()` (the plain softmax) and set the fields you need.
/// With `row_stride = s >= cols`, row `r` occupies `x[r * s .. r * s + cols]` (and the same
/// range of `y`); the elements between rows are neither read nor written; the number of rows
/// is `ceil(n / s)` and `n` must be at least `(rows - 1) * s + cols`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sa_softmax_options {
    /// The logits are `scale * x` (+ mask): finite and non-zero (`1 / sqrt(d)` in
    /// attention, `1 / temperature` in sampling). Default 1.
    pub scale: f32,
    /// The mask. Default `SA_MASK_NONE`.
    pub mask_kind: MaybeUninit<sa_mask_kind>,
    /// `SA_MASK_ADDITIVE`: the mask, `mask_len` floats (`cols` or `rows * cols`); must not
    /// overlap the output. Ignored for the other kinds. Default NULL.
    pub mask: *const f32,
    /// `SA_MASK_ADDITIVE`: the number of floats at `mask`. Default 0.
    pub mask_len: usize,
    /// `SA_MASK_CAUSAL`: how many columns past the diagonal row 0 sees. Default 0.
    pub causal_offset: usize,
    /// What a row with no unmasked entry gives. Default `SA_MASKED_ROWS_NAN`.
    pub masked_rows: MaybeUninit<sa_masked_rows>,
    /// Rows start `row_stride` floats apart in `x` and `y` (at least `cols`); 0 (the
    /// default) means packed rows, `row_stride = cols`.
    pub row_stride: usize,
}

/// The options of the plain softmax: scale 1, no mask, NaN for fully masked rows, packed
/// rows.
#[unsafe(no_mangle)]
pub extern "C" fn sa_softmax_options_default() -> sa_softmax_options {
    let default = sa_softmax_options {
        scale: 1.0,
        mask_kind: MaybeUninit::new(sa_mask_kind::SA_MASK_NONE),
        mask: core::ptr::null(),
        mask_len: 0,
        causal_offset: 0,
        masked_rows: MaybeUninit::new(sa_masked_rows::SA_MASKED_ROWS_NAN),
        row_stride: 0,
    };
    guard_or(default, || default)
}

/// Options read from C and checked, the mask not yet a slice.
struct Checked {
    scale: f32,
    mask: CheckedMask,
    masked_rows: MaskedRows,
    row_stride: Option<usize>,
}

/// The mask of [`Checked`].
enum CheckedMask {
    None,
    Additive(Buf<f32>),
    Causal(usize),
}

impl Checked {
    /// Reads `*opts` (NULL: the defaults) and checks its enums and its mask, which must not
    /// overlap `out`.
    ///
    /// # Safety
    /// `opts` is NULL or points to a readable `sa_softmax_options`.
    unsafe fn read(opts: *const sa_softmax_options, out: Span) -> Result<Checked, sa_status> {
        let o = if opts.is_null() {
            sa_softmax_options_default()
        } else {
            let b = Buf::new(opts, 1)?;
            // SAFETY: non-null and aligned (`Buf::new`), readable by this function's contract;
            // the struct is copied out at once and no `&mut` covers it.
            unsafe { b.slice()[0] }
        };
        let mask = match raw(o.mask_kind) {
            v if v == sa_mask_kind::SA_MASK_NONE as u32 => CheckedMask::None,
            v if v == sa_mask_kind::SA_MASK_ADDITIVE as u32 => {
                let m = Buf::new(o.mask, o.mask_len)?;
                disjoint(out, &[m.span()])?;
                CheckedMask::Additive(m)
            }
            v if v == sa_mask_kind::SA_MASK_CAUSAL as u32 => CheckedMask::Causal(o.causal_offset),
            _ => return Err(sa_status::SA_STATUS_INVALID_ENUM),
        };
        let masked_rows = match raw(o.masked_rows) {
            v if v == sa_masked_rows::SA_MASKED_ROWS_NAN as u32 => MaskedRows::Nan,
            v if v == sa_masked_rows::SA_MASKED_ROWS_ZERO as u32 => MaskedRows::Zero,
            _ => return Err(sa_status::SA_STATUS_INVALID_ENUM),
        };
        Ok(Checked {
            scale: o.scale,
            mask,
            masked_rows,
            row_stride: (o.row_stride != 0).then_some(o.row_stride),
        })
    }

    /// The Rust options.
    ///
    /// # Safety
    /// As [`Buf::slice`] for the mask (checked disjoint from the output by [`Checked::read`]).
    unsafe fn options<'a>(&self) -> SoftmaxOptions<'a> {
        let mask = match self.mask {
            CheckedMask::None => Mask::None,
            // SAFETY: this function's contract.
            CheckedMask::Additive(m) => Mask::Additive(unsafe { m.slice() }),
            CheckedMask::Causal(offset) => Mask::Causal { offset },
        };
        let o = SoftmaxOptions::new()
            .scale(self.scale)
            .mask(mask)
            .masked_rows(self.masked_rows);
        match self.row_stride {
            Some(s) => o.row_stride(s),
            None => o,
        }
    }
}

/// Which function of the softmax family.
#[derive(Clone, Copy)]
enum Kind {
    Softmax,
    LogSoftmax,
}

/// The body of the plain and optioned softmax and log-softmax.
///
/// # Safety
/// The entry points' contract.
unsafe fn rows(
    k: sa_kernels,
    x: *const f32,
    y: *mut f32,
    n: usize,
    cols: usize,
    opts: Option<*const sa_softmax_options>,
    kind: Kind,
) -> Result<(), sa_status> {
    let k = k.kernels()?;
    let io = InOut::new(x, y, n)?;
    let Some(opts) = opts else {
        // SAFETY: checked by `InOut::new`; valid by the entry points' contract.
        match (unsafe { io.slices() }, kind) {
            (Io::InPlace(y), Kind::Softmax) => k.softmax_inplace(y, cols)?,
            (Io::InPlace(y), Kind::LogSoftmax) => k.log_softmax_inplace(y, cols)?,
            (Io::Separate(x, y), Kind::Softmax) => k.softmax(x, y, cols)?,
            (Io::Separate(x, y), Kind::LogSoftmax) => k.log_softmax(x, y, cols)?,
        }
        return Ok(());
    };
    // SAFETY: the entry points' contract (`opts` NULL or readable).
    let checked = unsafe { Checked::read(opts, io.out())? };
    // SAFETY: `x`, `y` checked by `InOut::new`, the mask disjoint from `y` by `Checked::read`;
    // valid by the entry points' contract.
    let (io, o) = unsafe { (io.slices(), checked.options()) };
    match (io, kind) {
        (Io::InPlace(y), Kind::Softmax) => k.softmax_with_inplace(y, cols, &o)?,
        (Io::InPlace(y), Kind::LogSoftmax) => k.log_softmax_with_inplace(y, cols, &o)?,
        (Io::Separate(x, y), Kind::Softmax) => k.softmax_with(x, y, cols, &o)?,
        (Io::Separate(x, y), Kind::LogSoftmax) => k.log_softmax_with(x, y, cols, &o)?,
    }
    Ok(())
}

/// Softmax over the rows of a row-major matrix of `cols` columns (`n / cols` rows):
/// `y[i] = exp(x[i] - max) / sum_j exp(x[j] - max)` within each row, within 4 ULP; a row
/// holding NaN or `+INFINITY`, or only `-INFINITY`, becomes NaN. In place when `y == x`.
///
/// Errors: `SA_STATUS_ZERO_DIMENSION` (`cols == 0`), `SA_STATUS_NOT_DIVISIBLE` (`n` not a
/// multiple of `cols`).
///
/// # Safety
/// `x` and `y` are NULL with `n == 0`, or valid for `n` floats each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_softmax(
    k: sa_kernels,
    x: *const f32,
    y: *mut f32,
    n: usize,
    cols: usize,
) -> sa_status {
    // SAFETY: the same contract.
    guard(|| unsafe { rows(k, x, y, n, cols, None, Kind::Softmax) })
}

/// Log-softmax over the rows of a row-major matrix of `cols` columns:
/// `y[i] = (x[i] - max) - log(sum_j exp(x[j] - max))`, within 4 ULP. In place when `y == x`.
///
/// Errors: as `sa_softmax`.
///
/// # Safety
/// As `sa_softmax`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_log_softmax(
    k: sa_kernels,
    x: *const f32,
    y: *mut f32,
    n: usize,
    cols: usize,
) -> sa_status {
    // SAFETY: the same contract.
    guard(|| unsafe { rows(k, x, y, n, cols, None, Kind::LogSoftmax) })
}

/// Softmax with options (scale, mask, masked-row policy, row stride; NULL `opts`: the
/// defaults): per row `y[j] = exp(z[j] - max) / sum_k exp(z[k] - max)` of the logits
/// `z = scale * x + mask`, masked entries exactly 0; causally masked columns are not read.
/// In place when `y == x` (the elements between strided rows are untouched); the mask must
/// not overlap `y`.
///
/// Errors: `SA_STATUS_ZERO_DIMENSION`, `SA_STATUS_ROW_STRIDE`, `SA_STATUS_INVALID_PARAMETER`
/// (scale not finite; a NaN or +inf mask entry), `SA_STATUS_ZERO_SCALE`,
/// `SA_STATUS_SHORT_BUFFER`, `SA_STATUS_MASK_LENGTH`, `SA_STATUS_INVALID_ENUM`.
///
/// # Safety
/// `x` and `y` are NULL with `n == 0`, or valid for `n` floats each; `opts` is NULL or
/// points to an `sa_softmax_options` whose `mask` is NULL with `mask_len == 0` or valid for
/// `mask_len` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_softmax_with(
    k: sa_kernels,
    x: *const f32,
    y: *mut f32,
    n: usize,
    cols: usize,
    opts: *const sa_softmax_options,
) -> sa_status {
    // SAFETY: the same contract.
    guard(|| unsafe { rows(k, x, y, n, cols, Some(opts), Kind::Softmax) })
}

/// Log-softmax with options: `y[j] = (z[j] - max) - log(sum_k exp(z[k] - max))` of the
/// logits `z = scale * x + mask`, masked entries `-INFINITY`. As `sa_softmax_with` otherwise.
///
/// # Safety
/// As `sa_softmax_with`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_log_softmax_with(
    k: sa_kernels,
    x: *const f32,
    y: *mut f32,
    n: usize,
    cols: usize,
    opts: *const sa_softmax_options,
) -> sa_status {
    // SAFETY: the same contract.
    guard(|| unsafe { rows(k, x, y, n, cols, Some(opts), Kind::LogSoftmax) })
}

/// The body of the log-sum-exp entry points.
///
/// # Safety
/// The entry points' contract.
unsafe fn lse(
    k: sa_kernels,
    x: *const f32,
    n: usize,
    out: *mut f32,
    rows: usize,
    cols: usize,
    opts: Option<*const sa_softmax_options>,
) -> Result<(), sa_status> {
    let k = k.kernels()?;
    let (x, out) = (Buf::new(x, n)?, Buf::new(out, rows)?);
    disjoint(out.span(), &[x.span()])?;
    let checked = match opts {
        // SAFETY: the entry points' contract (`opts` NULL or readable).
        Some(o) => Some(unsafe { Checked::read(o, out.span())? }),
        None => None,
    };
    // SAFETY: `out` is disjoint from `x` and the mask (checked above); valid by the entry
    // points' contract.
    let (x, out) = unsafe { (x.slice(), out.slice_mut()) };
    match checked {
        // SAFETY: as above.
        Some(c) => k.log_sum_exp_with(x, out, cols, &unsafe { c.options() })?,
        None => k.log_sum_exp(x, out, cols)?,
    }
    Ok(())
}

/// Log-sum-exp of each row of a row-major matrix of `cols` columns (`n` floats):
/// `out[r] = log(sum_j exp(x[r][j]))`, without overflow. `out` has `rows = n / cols` floats
/// and must not overlap `x`.
///
/// Errors: as `sa_softmax`, plus `SA_STATUS_OUTPUT_ROWS` (`rows != n / cols`).
///
/// # Safety
/// `x` is NULL with `n == 0` or valid for `n` floats; `out` likewise with `rows`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_log_sum_exp(
    k: sa_kernels,
    x: *const f32,
    n: usize,
    out: *mut f32,
    rows: usize,
    cols: usize,
) -> sa_status {
    // SAFETY: the same contract.
    guard(|| unsafe { lse(k, x, n, out, rows, cols, None) })
}

/// Log-sum-exp of each row's logits `z = scale * x + mask` with options (NULL: the
/// defaults): a fully masked row gives NaN (`SA_MASKED_ROWS_NAN`) or `-INFINITY`
/// (`SA_MASKED_ROWS_ZERO`). `out` has one float per row and must not overlap `x` or the mask.
///
/// Errors: as `sa_softmax_with`, plus `SA_STATUS_OUTPUT_ROWS`.
///
/// # Safety
/// As `sa_log_sum_exp`, and `opts` as in `sa_softmax_with`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_log_sum_exp_with(
    k: sa_kernels,
    x: *const f32,
    n: usize,
    out: *mut f32,
    rows: usize,
    cols: usize,
    opts: *const sa_softmax_options,
) -> sa_status {
    // SAFETY: the same contract.
    guard(|| unsafe { lse(k, x, n, out, rows, cols, Some(opts)) })
}

/// Softmax backward from the forward output `y`: `dx[i] = y[i] * (dy[i] - s)` with
/// `s = sum_j dy[j] * y[j]` over each row of `cols` columns (compensated, deterministic). In
/// place when `dx == dy`; `dx` must not overlap `y`.
///
/// Errors: `SA_STATUS_ZERO_DIMENSION`, `SA_STATUS_NOT_DIVISIBLE`.
///
/// # Safety
/// `y`, `dy` and `dx` are NULL with `n == 0`, or valid for `n` floats each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_softmax_backward(
    k: sa_kernels,
    y: *const f32,
    dy: *const f32,
    dx: *mut f32,
    n: usize,
    cols: usize,
) -> sa_status {
    guard(|| {
        let k = k.kernels()?;
        let t = Triple::new(y, dy, dx, n)?;
        // SAFETY: checked by `Triple::new`; valid by this function's contract.
        match unsafe { t.slices() } {
            Io3::InPlace(y, dy) => k.softmax_backward_inplace(y, dy, cols)?,
            Io3::Separate(y, dy, dx) => k.softmax_backward(y, dy, dx, cols)?,
        }
        Ok(())
    })
}

/// Log-softmax backward from the forward output `y`: `dx[i] = dy[i] - exp(y[i]) * t` with
/// `t = sum_j dy[j]` over each row of `cols` columns. In place when `dx == dy`; `dx` must not
/// overlap `y`.
///
/// Errors: as `sa_softmax_backward`.
///
/// # Safety
/// As `sa_softmax_backward`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_log_softmax_backward(
    k: sa_kernels,
    y: *const f32,
    dy: *const f32,
    dx: *mut f32,
    n: usize,
    cols: usize,
) -> sa_status {
    guard(|| {
        let k = k.kernels()?;
        let t = Triple::new(y, dy, dx, n)?;
        // SAFETY: checked by `Triple::new`; valid by this function's contract.
        match unsafe { t.slices() } {
            Io3::InPlace(y, dy) => k.log_softmax_backward_inplace(y, dy, cols)?,
            Io3::Separate(y, dy, dx) => k.log_softmax_backward(y, dy, dx, cols)?,
        }
        Ok(())
    })
}

/// The half-precision softmax family: `x`, `y` as `uint16_t` bit patterns of the storage type
/// `H`, in place when `y == x`.
///
/// # Safety
/// As the entry points below.
unsafe fn half_rows<H>(
    k: sa_kernels,
    x: *const u16,
    y: *mut u16,
    n: usize,
    cols: usize,
    run: HalfRows<H>,
) -> Result<(), sa_status> {
    let k = k.kernels()?;
    let io = InOut::new(x.cast::<H>(), y.cast::<H>(), n)?;
    // SAFETY: checked by `InOut::new`; valid by the entry points' contract.
    match unsafe { io.slices() } {
        Io::InPlace(y) => (run.inplace)(&k, y, cols)?,
        Io::Separate(x, y) => (run.separate)(&k, x, y, cols)?,
    }
    Ok(())
}

/// A half-precision softmax function out of place: `(kernels, x, y, cols)`.
type Separate<H> = fn(&sa::Kernels, &[H], &mut [H], usize) -> Result<(), sa::Error>;
/// The same in place: `(kernels, x, cols)`.
type InPlace<H> = fn(&sa::Kernels, &mut [H], usize) -> Result<(), sa::Error>;

/// The two Rust forms of one half-precision softmax function.
struct HalfRows<H: 'static> {
    separate: Separate<H>,
    inplace: InPlace<H>,
}

/// `sa_softmax` on IEEE half-precision storage (`uint16_t` bit patterns): bit for bit the
/// float softmax of the widened matrix, rounded once to half. In place when `y == x`.
///
/// Errors: as `sa_softmax`.
///
/// # Safety
/// `x` and `y` are NULL with `n == 0`, or valid for `n` `uint16_t` each (2-byte aligned).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_softmax_f16(
    k: sa_kernels,
    x: *const u16,
    y: *mut u16,
    n: usize,
    cols: usize,
) -> sa_status {
    let run = HalfRows {
        separate: sa::Kernels::softmax_f16,
        inplace: sa::Kernels::softmax_f16_inplace,
    };
    // SAFETY: the same contract.
    guard(|| unsafe { half_rows::<f16>(k, x, y, n, cols, run) })
}

/// `sa_softmax` on bfloat16 storage (`uint16_t` bit patterns), as `sa_softmax_f16`.
///
/// # Safety
/// As `sa_softmax_f16`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_softmax_bf16(
    k: sa_kernels,
    x: *const u16,
    y: *mut u16,
    n: usize,
    cols: usize,
) -> sa_status {
    let run = HalfRows {
        separate: sa::Kernels::softmax_bf16,
        inplace: sa::Kernels::softmax_bf16_inplace,
    };
    // SAFETY: the same contract.
    guard(|| unsafe { half_rows::<bf16>(k, x, y, n, cols, run) })
}

/// `sa_log_softmax` on IEEE half-precision storage, as `sa_softmax_f16`.
///
/// # Safety
/// As `sa_softmax_f16`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_log_softmax_f16(
    k: sa_kernels,
    x: *const u16,
    y: *mut u16,
    n: usize,
    cols: usize,
) -> sa_status {
    let run = HalfRows {
        separate: sa::Kernels::log_softmax_f16,
        inplace: sa::Kernels::log_softmax_f16_inplace,
    };
    // SAFETY: the same contract.
    guard(|| unsafe { half_rows::<f16>(k, x, y, n, cols, run) })
}

/// `sa_log_softmax` on bfloat16 storage, as `sa_softmax_f16`.
///
/// # Safety
/// As `sa_softmax_f16`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_log_softmax_bf16(
    k: sa_kernels,
    x: *const u16,
    y: *mut u16,
    n: usize,
    cols: usize,
) -> sa_status {
    let run = HalfRows {
        separate: sa::Kernels::log_softmax_bf16,
        inplace: sa::Kernels::log_softmax_bf16_inplace,
    };
    // SAFETY: the same contract.
    guard(|| unsafe { half_rows::<bf16>(k, x, y, n, cols, run) })
}
