//! f16 and bf16 <-> f32, one vector at a time: the bit-level conversions and how a vector of
//! `f32` lanes is read from and written to half-precision storage.
//!
//! The contract, on every backend and bit for bit `half`'s scalar conversions
//! (`f16::from_f32`, `f16::to_f32`, and the same for `bf16`; tests/half.rs checks all 2^16 and
//! all 2^32 inputs):
//! - half -> f32 is exact; a NaN stays NaN with its sign and payload (shifted into the top of
//!   the f32 mantissa) and is quieted (the top mantissa bit set, as F16C's `vcvtph2ps` does);
//! - f32 -> half rounds to nearest, ties to even; overflow gives `+-inf`; results below the
//!   smallest normal are subnormal (f16) or kept as the bf16 of the truncated f32 (bf16 shares
//!   f32's exponent range); a NaN keeps its sign and the top 10 (f16) or 7 (bf16) bits of its
//!   payload, with the top one set (quiet), as `vcvtps2ph` does.
//!
//! The generic path is integer arithmetic on the bit patterns plus one exact f32 addition or
//! subtraction on normal numbers (so a denormals-are-zero mode of the FP control register
//! changes nothing). AVX-512 converts f16 with `vcvtph2ps`/`vcvtps2ph` (rounding fixed to
//! nearest even in the instruction, whatever the control register says), which compute the
//! same bits. Only the loads and stores differ by backend: AVX2 and AVX-512 widen 16-bit
//! storage to 32-bit lanes with `vpmovzxwd` and narrow with `vpackusdw`/`vpmovdw`; other
//! backends go through a small array.

use half::slice::HalfFloatSliceExt;
use half::{bf16, f16};
use pulp::Simd;
#[cfg(target_arch = "x86_64")]
use pulp::bytemuck::cast;
use pulp::bytemuck::{cast_slice, pod_read_unaligned};

#[cfg(target_arch = "x86_64")]
use super::{as_v3, as_v4};

/// The widest vector of any backend, in `f32` lanes: the size of the stack buffers of the
/// tails.
pub(crate) const MAX_LANES: usize = 16;

/// A stream's element type: how one vector of `f32` lanes is read from and written to a
/// slice of it (`f32` itself, `f16`, `bf16`).
pub(crate) trait Element: Copy + Default + Send + Sync + 'static {
    /// The `S::F32_LANES` elements of `src` (exactly that many) as `f32` lanes.
    fn load<S: Simd>(simd: S, src: &[Self]) -> S::f32s;
    /// `v` rounded to this type, into `dst` (exactly `S::F32_LANES` elements).
    fn store<S: Simd>(simd: S, dst: &mut [Self], v: S::f32s);
}

impl Element for f32 {
    #[inline(always)]
    fn load<S: Simd>(_: S, src: &[f32]) -> S::f32s {
        pod_read_unaligned(cast_slice(src))
    }
    #[inline(always)]
    fn store<S: Simd>(_: S, dst: &mut [f32], v: S::f32s) {
        dst.copy_from_slice(cast_slice(core::slice::from_ref(&v)));
    }
}

impl Element for f16 {
    #[inline(always)]
    fn load<S: Simd>(simd: S, src: &[f16]) -> S::f32s {
        let src = src.reinterpret_cast();
        #[cfg(target_arch = "x86_64")]
        if let Some(v4) = as_v4(&simd) {
            let h: core::arch::x86_64::__m256i = pod_read_unaligned(cast_slice(src));
            return cast(v4.avx512f._mm512_cvtph_ps(h));
        }
        f16_bits_to_f32(simd, widen(simd, src))
    }
    #[inline(always)]
    fn store<S: Simd>(simd: S, dst: &mut [f16], v: S::f32s) {
        let dst = dst.reinterpret_cast_mut();
        #[cfg(target_arch = "x86_64")]
        if let Some(v4) = as_v4(&simd) {
            // Rounding control in the instruction (8: nearest even, exceptions suppressed),
            // not the control register's.
            let h = v4.avx512f._mm512_cvtps_ph::<8>(cast(v));
            dst.copy_from_slice(cast_slice(core::slice::from_ref(&h)));
            return;
        }
        narrow(simd, dst, f32_to_f16_bits(simd, v));
    }
}

impl Element for bf16 {
    #[inline(always)]
    fn load<S: Simd>(simd: S, src: &[bf16]) -> S::f32s {
        let src = src.reinterpret_cast();
        #[cfg(target_arch = "x86_64")]
        if let Some(v4) = as_v4(&simd) {
            // One `vpermw` puts each value in the high half of its lane, zeros below.
            let h: core::arch::x86_64::__m256i = pod_read_unaligned(cast_slice(src));
            let h = v4.avx512f._mm512_castsi256_si512(h);
            let high =
                v4.avx512bw
                    ._mm512_maskz_permutexvar_epi16(0xAAAA_AAAA, cast(INTO_HIGH_WORDS), h);
            return quiet_nan(simd, cast(high));
        }
        let bits = shl(simd, widen(simd, src), 16);
        quiet_nan(simd, simd.transmute_f32s_u32s(bits))
    }
    #[inline(always)]
    fn store<S: Simd>(simd: S, dst: &mut [bf16], v: S::f32s) {
        let dst = dst.reinterpret_cast_mut();
        let high = f32_to_bf16_high(simd, v);
        #[cfg(target_arch = "x86_64")]
        if let Some(v4) = as_v4(&simd) {
            // The high word of each lane gathered by one `vpermw`.
            let words = v4
                .avx512bw
                ._mm512_permutexvar_epi16(cast(HIGH_WORDS), cast(high));
            let h = v4.avx512f._mm512_castsi512_si256(words);
            dst.copy_from_slice(cast_slice(core::slice::from_ref(&h)));
            return;
        }
        narrow(simd, dst, shr(simd, high, 16));
    }
}

/// `vpermw` indices: word `i` of the source to word `2 i + 1` (the high half of lane `i`).
#[cfg(target_arch = "x86_64")]
const INTO_HIGH_WORDS: [u16; 32] = {
    let mut idx = [0; 32];
    let mut i = 0;
    while i < 16 {
        idx[2 * i + 1] = i as u16;
        i += 1;
    }
    idx
};

/// `vpermw` indices: the high word of lane `i` to word `i`.
#[cfg(target_arch = "x86_64")]
const HIGH_WORDS: [u16; 32] = word_indices(1);

/// `vpermw` indices: the low word of lane `i` to word `i`.
#[cfg(target_arch = "x86_64")]
const LOW_WORDS: [u16; 32] = word_indices(0);

/// Word `2 i + offset` to word `i`, for the 16 lanes (the upper 16 words unused).
#[cfg(target_arch = "x86_64")]
const fn word_indices(offset: u16) -> [u16; 32] {
    let mut idx = [0; 32];
    let mut i = 0;
    while i < 16 {
        idx[i] = 2 * i as u16 + offset;
        i += 1;
    }
    idx
}

/// The `S::F32_LANES` 16-bit values of `src`, zero-extended to 32-bit lanes, in order.
#[inline(always)]
fn widen<S: Simd>(simd: S, src: &[u16]) -> S::u32s {
    debug_assert_eq!(src.len(), S::F32_LANES);
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(v4) = as_v4(&simd) {
            return cast(
                v4.avx512f
                    ._mm512_cvtepu16_epi32(pod_read_unaligned(cast_slice(src))),
            );
        }
        if let Some(v3) = as_v3(&simd) {
            return cast(
                v3.avx2
                    ._mm256_cvtepu16_epi32(pod_read_unaligned(cast_slice(src))),
            );
        }
    }
    let mut wide = [0_u32; MAX_LANES];
    for (w, &h) in wide.iter_mut().zip(src) {
        *w = u32::from(h);
    }
    simd.partial_load_u32s(&wide[..S::F32_LANES])
}

/// The low 16 bits of each lane of `v` (whose high bits are 0), into `dst`
/// (`S::F32_LANES` elements), in order.
#[inline(always)]
fn narrow<S: Simd>(simd: S, dst: &mut [u16], v: S::u32s) {
    debug_assert_eq!(dst.len(), S::F32_LANES);
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(v4) = as_v4(&simd) {
            // The low word of each lane gathered into the low half by `vpermw` (one uop; the
            // `vpmovdw` to memory that LLVM makes of `_mm512_cvtepi32_epi16` is more).
            let words = v4
                .avx512bw
                ._mm512_permutexvar_epi16(cast(LOW_WORDS), cast(v));
            let h = v4.avx512f._mm512_castsi512_si256(words);
            dst.copy_from_slice(cast_slice(core::slice::from_ref(&h)));
            return;
        }
        if let Some(v3) = as_v3(&simd) {
            // `vpackusdw` saturates signed 32-bit lanes to u16: exact for values below 2^16.
            let v: core::arch::x86_64::__m256i = cast(v);
            let lo = v3.avx._mm256_castsi256_si128(v);
            let hi = v3.avx2._mm256_extracti128_si256::<1>(v);
            let h = v3.sse4_1._mm_packus_epi32(lo, hi);
            dst.copy_from_slice(cast_slice(core::slice::from_ref(&h)));
            return;
        }
    }
    let mut wide = [0_u32; MAX_LANES];
    simd.partial_store_u32s(&mut wide[..S::F32_LANES], v);
    for (h, &w) in dst.iter_mut().zip(&wide) {
        *h = w as u16;
    }
}

/// `u32` lanes all equal to `c`.
#[inline(always)]
fn splat<S: Simd>(simd: S, c: u32) -> S::u32s {
    simd.splat_u32s(c)
}

/// `a > b` on lanes below 2^31, as a signed compare (native on AVX2, where the unsigned one
/// is emulated).
#[inline(always)]
fn greater<S: Simd>(simd: S, a: S::u32s, b: u32) -> S::m32s {
    simd.greater_than_i32s(
        simd.transmute_i32s_u32s(a),
        simd.transmute_i32s_u32s(splat(simd, b)),
    )
}

/// `x << n`.
#[inline(always)]
fn shl<S: Simd>(simd: S, x: S::u32s, n: u32) -> S::u32s {
    simd.wrapping_dyn_shl_u32s(x, splat(simd, n))
}

/// `x >> n` (logical).
#[inline(always)]
fn shr<S: Simd>(simd: S, x: S::u32s, n: u32) -> S::u32s {
    simd.wrapping_dyn_shr_u32s(x, splat(simd, n))
}

/// The f32 quiet bit, set on NaN results.
const F32_QUIET: u32 = 0x0040_0000;

/// f16 bit patterns (in the low 16 bits of each lane) to f32, exactly.
///
/// The exponent and mantissa move up 13 bits and the exponent is rebiased by `127 - 15`;
/// infinities and NaNs (exponent 31) are rebiased to 255 instead, NaNs quieted. A subnormal
/// `m 2^-24` is built as the f32 `2^-14 (1 + m 2^-10)` (a normal number, from the bits) minus
/// `2^-14`: exact, and never a subnormal operand.
#[inline(always)]
pub(crate) fn f16_bits_to_f32<S: Simd>(simd: S, h: S::u32s) -> S::f32s {
    let em = simd.and_u32s(h, splat(simd, 0x7FFF));
    let t = shl(simd, em, 13);
    let normal = simd.add_u32s(t, splat(simd, 112 << 23));
    let special = simd.add_u32s(t, splat(simd, 224 << 23));
    let r = simd.select_u32s(greater(simd, em, 0x7BFF), special, normal);
    let quiet = simd.select_u32s(
        greater(simd, em, 0x7C00),
        splat(simd, F32_QUIET),
        splat(simd, 0),
    );
    let r = simd.or_u32s(r, quiet);
    let sub = simd.sub_f32s(
        simd.transmute_f32s_u32s(simd.add_u32s(t, splat(simd, 113 << 23))),
        simd.splat_f32s(f32::from_bits(113 << 23)),
    );
    let r = simd.select_u32s(greater(simd, em, 0x03FF), r, simd.transmute_u32s_f32s(sub));
    let sign = shl(simd, simd.and_u32s(h, splat(simd, 0x8000)), 16);
    simd.transmute_f32s_u32s(simd.or_u32s(r, sign))
}

/// f32 to f16 bit patterns (in the low 16 bits of each lane), rounded to nearest even.
///
/// On `|x|`: from `2^16` up, infinity, or a quiet NaN with the top 10 payload bits; below
/// `2^-14` (the f16 subnormals), `|x| + 1/2` in f32 rounds `|x|` to a multiple of `2^-24`
/// (the ulp of f32 at 1/2) in the FPU's rounding, nearest even, and that multiple is read off
/// the low mantissa bits; otherwise the rebiased bits plus `0xFFF` plus the lowest kept bit,
/// shifted right by 13, round to nearest even (a carry into the exponent is right, up to
/// infinity from 65520 on).
#[inline(always)]
pub(crate) fn f32_to_f16_bits<S: Simd>(simd: S, x: S::f32s) -> S::u32s {
    let x = simd.transmute_u32s_f32s(x);
    let a = simd.and_u32s(x, splat(simd, 0x7FFF_FFFF));
    // Overflow, infinity and NaN.
    let nan = simd.or_u32s(
        simd.and_u32s(shr(simd, a, 13), splat(simd, 0x03FF)),
        splat(simd, 0x7E00),
    );
    let big = simd.select_u32s(greater(simd, a, 0x7F80_0000), nan, splat(simd, 0x7C00));
    // Normal results.
    let odd = simd.and_u32s(shr(simd, a, 13), splat(simd, 1));
    let biased = simd.add_u32s(a, splat(simd, ((15 - 127) << 23) as u32 + 0xFFF));
    let normal = shr(simd, simd.add_u32s(biased, odd), 13);
    // Subnormal results and zeros.
    const HALF: u32 = 126 << 23;
    let sum = simd.add_f32s(
        simd.transmute_f32s_u32s(a),
        simd.transmute_f32s_u32s(splat(simd, HALF)),
    );
    let sub = simd.sub_u32s(simd.transmute_u32s_f32s(sum), splat(simd, HALF));
    let r = simd.select_u32s(greater(simd, a, (143 << 23) - 1), big, normal);
    let r = simd.select_u32s(greater(simd, a, (113 << 23) - 1), r, sub);
    let sign = shr(simd, simd.and_u32s(x, splat(simd, 0x8000_0000)), 16);
    simd.or_u32s(r, sign)
}

/// `x` with every NaN lane quieted (its top mantissa bit set), by bit operations: a bf16
/// widened to f32 keeps its payload, as `half`'s `bf16::to_f32` does. (The NaN test is a
/// float compare, which a denormals-are-zero mode does not change.)
#[inline(always)]
fn quiet_nan<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let bits = simd.transmute_u32s_f32s(x);
    let quiet = simd.or_u32s(bits, splat(simd, F32_QUIET));
    simd.transmute_f32s_u32s(simd.select_u32s(simd.equal_f32s(x, x), bits, quiet))
}

/// f32 to bf16, rounded to nearest even, in the high 16 bits of each lane (the low bits are
/// garbage): add `0x7FFF` plus the lowest kept bit (a carry into the exponent is right, up to
/// infinity). A NaN keeps its top half, quieted.
#[inline(always)]
pub(crate) fn f32_to_bf16_high<S: Simd>(simd: S, x: S::f32s) -> S::u32s {
    let bits = simd.transmute_u32s_f32s(x);
    // `x + 0x8000`, less 1 where the lowest kept bit is 0 (ties go to it).
    let up = simd.add_u32s(bits, splat(simd, 0x8000));
    let even = simd.equal_u32s(
        simd.and_u32s(bits, splat(simd, 0x0001_0000)),
        splat(simd, 0),
    );
    let rounded = simd.select_u32s(even, simd.sub_u32s(up, splat(simd, 1)), up);
    let quiet = simd.or_u32s(bits, splat(simd, F32_QUIET));
    simd.select_u32s(simd.equal_f32s(x, x), rounded, quiet)
}
