//! The SIMD kernels, generic over `pulp::Simd`.
//!
//! Every function here is `#[inline(always)]`: each is compiled into the body of one `pulp`
//! dispatch (`WithSimd::with_simd`), where the target features of the chosen level are
//! enabled. A generic helper that is not inlined is compiled without them and runs many times
//! slower. The math of a function lives in exactly one generic function (`exp::exp`,
//! `sigmoid::sigmoid`, ...), with its bound and algorithm in its doc.
//!
//! What differs between backends, and why results still agree:
//! - lane width (1, 8 or 16; softmax's sums use 16 logical lanes whatever the width);
//! - `exp`'s power-of-two scaling: one `vscalefps` on AVX-512, two exact multiplications
//!   elsewhere; both round the same exact value once, so AVX2 and AVX-512 agree bit for bit;
//! - fused multiply-add: AVX2 and AVX-512 fuse every `mul_add_e`; the scalar backend (no FMA)
//!   evaluates them unfused, and where an unfused step would lose accuracy it takes a
//!   two-constant Cody-Waite reduction instead of one constant (the `expm1` of tanh and ELU).
//!   Its results can differ from the SIMD backends' by an ULP, within the same proven bounds.

pub(crate) mod backward;
pub(crate) mod convert;
pub(crate) mod elu;
pub(crate) mod exp;
pub(crate) mod fused;
pub(crate) mod gelu;
pub(crate) mod grad;
pub(crate) mod half_io;
pub(crate) mod hard;
pub(crate) mod io;
pub(crate) mod log1p;
pub(crate) mod logits;
pub(crate) mod mish;
pub(crate) mod online;
pub(crate) mod periodic;
pub(crate) mod relu;
pub(crate) mod sigmoid;
pub(crate) mod softmax;
pub(crate) mod softmax_short;
pub(crate) mod softplus;
pub(crate) mod swish;
pub(crate) mod tanh;

use pulp::Simd;

use crate::drive::Cost;

/// `|x|` (the sign bit cleared; NaN stays NaN).
#[inline(always)]
pub(crate) fn abs<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    simd.transmute_f32s_u32s(simd.and_u32s(simd.transmute_u32s_f32s(x), simd.splat_u32s(!SIGN_BIT)))
}

/// `-|x|` (the sign bit set), for the kernels that evaluate on the non-positive half.
#[inline(always)]
pub(crate) fn neg_abs<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    simd.transmute_f32s_u32s(simd.or_u32s(simd.transmute_u32s_f32s(x), simd.splat_u32s(SIGN_BIT)))
}

/// `t` (never negative) with the sign bit of `x`.
#[inline(always)]
pub(crate) fn with_sign_of<S: Simd>(simd: S, t: S::f32s, x: S::f32s) -> S::f32s {
    let sign = simd.and_u32s(simd.transmute_u32s_f32s(x), simd.splat_u32s(SIGN_BIT));
    simd.transmute_f32s_u32s(simd.or_u32s(simd.transmute_u32s_f32s(t), sign))
}

/// `(a b, err)` with `a b + err` exactly the product: one FMA where the backend fuses, else
/// Dekker's product of Veltkamp's 12-bit halves (the one-lane backend: `mul_add_e` is not
/// fused there). Valid for finite products of finite `|a|, |b| < 2^100` (the split's `4097 a`
/// must not overflow).
#[inline(always)]
pub(crate) fn two_prod<S: Simd>(simd: S, a: S::f32s, b: S::f32s) -> (S::f32s, S::f32s) {
    let p = simd.mul_f32s(a, b);
    if S::F32_LANES > 1 {
        return (p, simd.mul_add_e_f32s(a, b, simd.neg_f32s(p)));
    }
    let split = |v: S::f32s| {
        let c = simd.mul_f32s(v, simd.splat_f32s(4097.0));
        let hi = simd.sub_f32s(c, simd.sub_f32s(c, v));
        (hi, simd.sub_f32s(v, hi))
    };
    let ((a1, a2), (b1, b2)) = (split(a), split(b));
    let e = simd.sub_f32s(simd.mul_f32s(a1, b1), p);
    let e = simd.add_f32s(e, simd.mul_f32s(a1, b2));
    let e = simd.add_f32s(e, simd.mul_f32s(a2, b1));
    (p, simd.add_f32s(e, simd.mul_f32s(a2, b2)))
}

/// TwoSum (Knuth): `a + b = t + err` exactly, `t = fl(a + b)`, for any finite `a`, `b` whose
/// sum does not overflow, and `b` not `±f32::MAX`: its first step `fl(t - a)` is `b` plus
/// `t`'s rounding error, which overflows when `|b| = f32::MAX` and `t` was rounded away from
/// zero by exactly half an ULP of the top binade (then `err` is NaN). No other condition on
/// the magnitudes.
#[inline(always)]
pub(crate) fn two_sum<S: Simd>(simd: S, a: S::f32s, b: S::f32s) -> (S::f32s, S::f32s) {
    let t = simd.add_f32s(a, b);
    let bp = simd.sub_f32s(t, a);
    let ap = simd.sub_f32s(t, bp);
    let db = simd.sub_f32s(b, bp);
    let da = simd.sub_f32s(a, ap);
    (t, simd.add_f32s(da, db))
}

/// [`two_sum`] without its precondition on `±f32::MAX`: `a + b = t + err` exactly for any
/// finite `a`, `b` whose sum does not overflow. Fast2Sum (Dekker) on the operands ordered by
/// magnitude: with `|big| >= |small|`, `fl(t - big)` is exact (Dekker's lemma), so it is a
/// float and cannot overflow, and `err = small - fl(t - big)`. The rounding error of `t` is
/// one number, so wherever [`two_sum`] is defined both give the same bits; this costs two
/// operations more (the magnitudes' comparison and two selects, against TwoSum's two extra
/// subtractions).
#[inline(always)]
pub(crate) fn two_sum_sorted<S: Simd>(simd: S, a: S::f32s, b: S::f32s) -> (S::f32s, S::f32s) {
    let swap = simd.less_than_f32s(abs(simd, a), abs(simd, b));
    let big = simd.select_f32s(swap, b, a);
    let small = simd.select_f32s(swap, a, b);
    let t = simd.add_f32s(big, small);
    (t, simd.sub_f32s(small, simd.sub_f32s(t, big)))
}

/// `ln(2^-126)`, rounded up: below it `exp` is subnormal (or 0). The kernels built on `exp`
/// send such lanes to their second path, where no subnormal number is computed with.
pub(crate) const SUBNORMAL_EXP_BELOW: f32 = -87.336_54;

/// The second paths' view of `x`: `(tiny, xb)`, where `tiny` marks `|x| < tiny_below` (zeros and
/// subnormals included), and `xb` is `x` with tiny and NaN lanes replaced by 1 and the rest
/// clamped to `[-clamp, clamp]`, so that the formula runs on benign, finite values (the caller
/// gives those lanes their own results).
#[inline(always)]
pub(crate) fn benign_clamped<S: Simd>(
    simd: S,
    x: S::f32s,
    tiny_below: f32,
    clamp: f32,
) -> (S::m32s, S::f32s) {
    let tiny = simd.less_than_f32s(abs(simd, x), simd.splat_f32s(tiny_below));
    let nan = simd.not_m32s(simd.equal_f32s(x, x));
    let xb = simd.select_f32s(simd.or_m32s(tiny, nan), simd.splat_f32s(1.0), x);
    let xb = simd.max_f32s(
        simd.min_f32s(xb, simd.splat_f32s(clamp)),
        simd.splat_f32s(-clamp),
    );
    (tiny, xb)
}

/// `n / d` (`d` positive and normal, `n` normal or 0) corrected toward the exact quotient of
/// `n + lo`: the rounded quotient `q0` and the exact remainder `r = n - q0 d` (one FMA), to
/// which the caller adds the exact rounding errors of its operands (`lo` terms), then `q0 + r /
/// d` with `1 / d` from the bit pattern (within 12%, on a correction of about an ULP). Returns
/// `(q0, r)`; [`apply_remainder`] finishes.
#[inline(always)]
pub(crate) fn quotient_and_remainder<S: Simd>(
    simd: S,
    n: S::f32s,
    d: S::f32s,
) -> (S::f32s, S::f32s) {
    let q0 = simd.div_f32s(n, d);
    (q0, simd.mul_add_e_f32s(simd.neg_f32s(q0), d, n))
}

/// `q0 + r / d`, with `1 / d` approximated from the bit pattern of `d` (see
/// [`quotient_and_remainder`]).
#[inline(always)]
pub(crate) fn apply_remainder<S: Simd>(simd: S, q0: S::f32s, r: S::f32s, d: S::f32s) -> S::f32s {
    simd.mul_add_e_f32s(r, reciprocal_estimate(simd, d), q0)
}

/// `1 / d` within 12% for positive normal `d`, from the bit pattern (one integer subtraction):
/// the divisor of a remainder's correction of about an ULP (see [`quotient_and_remainder`]).
#[inline(always)]
pub(crate) fn reciprocal_estimate<S: Simd>(simd: S, d: S::f32s) -> S::f32s {
    simd.transmute_f32s_u32s(
        simd.sub_u32s(simd.splat_u32s(0x7EF3_11C3), simd.transmute_u32s_f32s(d)),
    )
}

/// The AVX-512 level, if `simd` is it (resolved at compile time): where a kernel leaves the
/// generic trait for an instruction it lacks (`vscalefps` in exp, `vcvtph2ps` in the f16
/// conversions), with results identical to the generic path's.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn as_v4<S: Simd>(simd: &S) -> Option<&pulp::x86::V4> {
    (simd as &dyn core::any::Any).downcast_ref::<pulp::x86::V4>()
}

/// The AVX2 level, if `simd` is it (resolved at compile time): see [`as_v4`] (the half
/// conversions take its zero-extending loads and packing stores).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn as_v3<S: Simd>(simd: &S) -> Option<&pulp::x86::V3> {
    (simd as &dyn core::any::Any).downcast_ref::<pulp::x86::V3>()
}

/// No x86 level exists on other targets (aarch64): every kernel takes the generic path (only
/// `exp` asks outside `cfg(target_arch = "x86_64")` code).
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn as_v4<S: Simd>(_: &S) -> Option<&'static NotX86> {
    None
}

/// The (uninhabited) x86 level on targets without one.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) enum NotX86 {}

/// The sign bit of an f32.
pub(crate) const SIGN_BIT: u32 = 0x8000_0000;

/// `r` with every NaN lane of `x` replaced by that NaN, quieted (bit operations only, so the
/// result's bits are fixed: arithmetic on a NaN leaves its sign and payload to the compiler).
#[inline(always)]
pub(crate) fn quiet_nan_passthrough<S: Simd>(simd: S, x: S::f32s, r: S::f32s) -> S::f32s {
    let quiet = simd.transmute_f32s_u32s(
        simd.or_u32s(simd.transmute_u32s_f32s(x), simd.splat_u32s(0x0040_0000)),
    );
    let nan = simd.not_m32s(simd.equal_f32s(x, x));
    simd.select_f32s(nan, quiet, r)
}

/// A lane-wise function `f32 -> f32`: one elementwise kernel of one input stream.
pub(crate) trait Unary: Copy + Send + Sync {
    /// How costly the kernel is per element, which sets from what length the automatic
    /// threading policy splits the work.
    const COST: Cost;
    /// The kernel applied to one vector.
    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s;
}

/// Something to do with a [`Unary`] kernel of any type: what an [`Activation`] chosen at run
/// time is handed to ([`Activation::visit_kernel`]), so that one match over the registry
/// serves every storage type.
///
/// [`Activation`]: crate::Activation
/// [`Activation::visit_kernel`]: crate::Activation::visit_kernel
pub(crate) trait UnaryVisitor {
    /// What the visit returns.
    type Output;
    /// Runs with the kernel `k`.
    fn visit<K: Unary>(self, k: K) -> Self::Output;
}

/// The identity, as a kernel: the conversions between storage types are this kernel on a
/// layout whose input and output types differ.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Identity;
impl Unary for Identity {
    const COST: Cost = Cost::Memory;
    #[inline(always)]
    fn apply<S: Simd>(self, _: S, x: S::f32s) -> S::f32s {
        x
    }
}

/// A lane-wise function of two input streams read in lockstep: the input and a second stream
/// (PReLU: the slope of each element; a gradient: the incoming `dy`).
pub(crate) trait Binary: Copy + Send + Sync {
    /// The kernel applied to one vector of each stream.
    fn apply<S: Simd>(self, simd: S, x: S::f32s, b: S::f32s) -> S::f32s;
}

/// PReLU: Leaky ReLU with the slope given per element by the second stream.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prelu;
impl Binary for Prelu {
    #[inline(always)]
    fn apply<S: Simd>(self, simd: S, x: S::f32s, slope: S::f32s) -> S::f32s {
        relu::leaky(simd, x, slope)
    }
}
