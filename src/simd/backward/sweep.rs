//! Sweeps of this crate's margin-bounded gradient kernels against their `f64` references, on
//! every supported backend: all 2^32 inputs with `dy = 1` (`--ignored`, heavy) and random `dy`;
//! a strided subset runs with the normal tests.
//!
//! The bound: `|dx - ref| <= 3 ulp(ref) + 2^-23 |dy| M(x)` (`ulp` of a subnormal or zero `ref`
//! is `2^-149`; NaN must match NaN).

use pulp::{Simd, WithSimd};
use rayon::prelude::*;

use crate::Backend;

/// A gradient kernel `dx = dy f'(x)`.
pub(crate) trait Grad: Copy + Send + Sync {
    const NAME: &'static str;
    fn apply<S: Simd>(self, simd: S, x: S::f32s, dy: S::f32s) -> S::f32s;
    fn reference(x: f32, dy: f32) -> f32;
    fn margin(x: f32) -> f64;
}

struct Run<'a, G> {
    g: G,
    x: &'a [f32],
    dy: &'a [f32],
    dx: &'a mut [f32],
}

impl<G: Grad> WithSimd for Run<'_, G> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let (xv, xt) = S::as_simd_f32s(self.x);
        let (dv, dt) = S::as_simd_f32s(self.dy);
        let (ov, ot) = S::as_mut_simd_f32s(self.dx);
        for ((o, &x), &d) in ov.iter_mut().zip(xv).zip(dv) {
            *o = self.g.apply(simd, x, d);
        }
        if !xt.is_empty() {
            let r = self
                .g
                .apply(simd, simd.partial_load_f32s(xt), simd.partial_load_f32s(dt));
            simd.partial_store_f32s(ot, r);
        }
    }
}

/// Runs `g` on one backend.
pub(crate) fn run<G: Grad>(g: G, backend: Backend, x: &[f32], dy: &[f32], dx: &mut [f32]) {
    backend.arch().unwrap().dispatch(Run { g, x, dy, dx });
}

/// `ulp(r)`: `2^-149` for subnormal and zero `r`.
fn ulp(r: f32) -> f64 {
    let e = (r.to_bits() >> 23) & 0xFF;
    if e == 0 {
        f64::from_bits(((1023 - 149) as u64) << 52)
    } else {
        f64::from_bits(((e as i64 - 127 - 23 + 1023) as u64) << 52)
    }
}

/// The worst figures of one sweep on one backend.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Stats {
    /// Largest `ulp::distance(dx, ref)`.
    pub max_ulp: u32,
    pub max_ulp_x: f32,
    /// Largest `|dx - ref| / (3 ulp(ref) + 2^-23 |dy| M)` (at most 1 within the bound).
    pub usage: f64,
    pub usage_x: f32,
    pub usage_dy: f32,
    /// Largest `(|dx - ref| - 2^-23 |dy| M) / ulp(ref)` (at most 3 within the bound).
    pub excess: f64,
    pub failures: u64,
    pub count: u64,
}

impl Stats {
    fn check<G: Grad>(&mut self, x: f32, dy: f32, dx: f32, r: f32) {
        self.count += 1;
        if dx.to_bits() == r.to_bits() || (dx.is_nan() && r.is_nan()) {
            return;
        }
        let d = crate::ulp::distance(dx, r);
        if d > self.max_ulp {
            self.max_ulp = d;
            self.max_ulp_x = x;
        }
        if dx.is_nan() || r.is_nan() || r.is_infinite() || dx.is_infinite() {
            if dx != r {
                self.failures += 1;
                self.usage = f64::INFINITY;
                self.usage_x = x;
                self.usage_dy = dy;
            }
            return;
        }
        let err = (f64::from(dx) - f64::from(r)).abs();
        let m = f64::from(dy).abs() * G::margin(x) * f64::from_bits((1023 - 23) << 52);
        let u = ulp(r);
        let usage = err / (3.0 * u + m);
        let excess = (err - m) / u;
        if usage > self.usage {
            self.usage = usage;
            self.usage_x = x;
            self.usage_dy = dy;
        }
        self.excess = self.excess.max(excess);
        if usage > 1.0 {
            self.failures += 1;
        }
    }

    fn merge(mut self, o: Stats) -> Stats {
        if o.max_ulp > self.max_ulp {
            self.max_ulp = o.max_ulp;
            self.max_ulp_x = o.max_ulp_x;
        }
        if o.usage > self.usage {
            self.usage = o.usage;
            self.usage_x = o.usage_x;
            self.usage_dy = o.usage_dy;
        }
        self.excess = self.excess.max(o.excess);
        self.failures += o.failures;
        self.count += o.count;
        self
    }
}

/// Checks `g` on every supported backend over the `x` patterns `start + k * stride`
/// (`k < count`), with `dy` from `dy_of(bits)`; bit-identity of AVX2 and AVX-512 too.
pub(crate) fn sweep<G: Grad>(
    g: G,
    start: u64,
    stride: u64,
    count: u64,
    dy_of: impl Fn(u32) -> f32 + Sync,
) -> Vec<(Backend, Stats)> {
    const CHUNK: u64 = 1 << 16;
    let backends = Backend::supported();
    let chunks = count.div_ceil(CHUNK);
    let stats = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let k0 = c * CHUNK;
            let len = CHUNK.min(count - k0) as usize;
            let x: Vec<f32> = (0..len as u64)
                .map(|k| f32::from_bits((start + (k0 + k) * stride) as u32))
                .collect();
            let dy: Vec<f32> = x.iter().map(|x| dy_of(x.to_bits())).collect();
            let r: Vec<f32> = x
                .iter()
                .zip(&dy)
                .map(|(&x, &d)| G::reference(x, d))
                .collect();
            let mut outs = Vec::new();
            let mut st = vec![Stats::default(); backends.len()];
            for (b, s) in backends.iter().zip(st.iter_mut()) {
                let mut dx = vec![0.0; len];
                run(g, *b, &x, &dy, &mut dx);
                for (((&x, &dy), &dx), &r) in x.iter().zip(&dy).zip(&dx).zip(&r) {
                    s.check::<G>(x, dy, dx, r);
                }
                outs.push(dx);
            }
            let (a2, a5) = (
                backends.iter().position(|b| *b == Backend::Avx2),
                backends.iter().position(|b| *b == Backend::Avx512),
            );
            if let (Some(a2), Some(a5)) = (a2, a5) {
                for (((&p, &q), &x), &dy) in outs[a2].iter().zip(&outs[a5]).zip(&x).zip(&dy) {
                    assert!(
                        p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()),
                        "{}: AVX2 {p:e} != AVX-512 {q:e} at x = {x:e} (dy {dy:e})",
                        G::NAME,
                    );
                }
            }
            st
        })
        .reduce(
            || vec![Stats::default(); backends.len()],
            |a, b| a.into_iter().zip(b).map(|(a, b)| a.merge(b)).collect(),
        );
    backends.into_iter().zip(stats).collect()
}

/// A random `dy` from the bits of `x`: both signs, magnitude `2^k (1 + f)` with `k` uniform in
/// `[-40, 40]`.
pub(crate) fn random_dy(bits: u32, salt: u64) -> f32 {
    let mut h = u64::from(bits) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    let k = (h % 81) as i32 - 40;
    let f = ((h >> 8) & 0x7F_FFFF) as u32;
    let sign = ((h >> 40) & 1) as u32;
    f32::from_bits((sign << 31) | (((k + 127) as u32) << 23) | f)
}

pub(crate) fn print(name: &str, what: &str, res: &[(Backend, Stats)]) {
    for (b, s) in res {
        println!(
            "{name} {what} {b:?}: n {} max ulp {} (x {:e}), bound usage {:.3} (x {:e}, dy {:e}), \
             excess {:.2} ulp, failures {}",
            s.count, s.max_ulp, s.max_ulp_x, s.usage, s.usage_x, s.usage_dy, s.excess, s.failures
        );
    }
}

/// The full checks of one kernel: `dy = 1` on all 2^32 inputs (or every `stride`-th), random
/// `dy` on `random` inputs spread over all patterns. Asserts the bound.
pub(crate) fn check_all<G: Grad>(g: G, stride: u64, random: u64) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        let ones = sweep(g, 0, stride, (1u64 << 32) / stride, |_| 1.0);
        print(G::NAME, "dy=1", &ones);
        let step = ((1u64 << 32) / random) | 1;
        let rnd = sweep(g, 12345, step, random, |b| random_dy(b, 7));
        print(G::NAME, "random dy", &rnd);
        for (b, s) in ones.iter().chain(&rnd) {
            assert_eq!(s.failures, 0, "{} on {b:?}: {s:?}", G::NAME);
        }
    });
}

macro_rules! grad {
    ($ty:ident, $name:literal, $kernel:path, $reference:path, $margin:path) => {
        #[derive(Clone, Copy)]
        pub(crate) struct $ty;
        impl Grad for $ty {
            const NAME: &'static str = $name;
            #[inline(always)]
            fn apply<S: Simd>(self, simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
                $kernel(simd, x, dy)
            }
            fn reference(x: f32, dy: f32) -> f32 {
                $reference(x, dy)
            }
            fn margin(x: f32) -> f64 {
                $margin(x)
            }
        }
    };
}

use super::swish::{gelu_tanh_backward, quick_gelu_backward, silu_backward};
use crate::reference as r;
grad!(
    SiluB,
    "silu_backward",
    silu_backward,
    r::silu_backward_one,
    r::silu_backward_margin
);
grad!(
    QuickGeluB,
    "quick_gelu_backward",
    quick_gelu_backward,
    r::quick_gelu_backward_one,
    r::quick_gelu_backward_margin
);
grad!(
    GeluTanhB,
    "gelu_tanh_backward",
    gelu_tanh_backward,
    r::gelu_tanh_backward_one,
    r::gelu_tanh_backward_margin
);

use super::mish::mish_backward;
grad!(
    MishB,
    "mish_backward",
    mish_backward,
    r::mish_backward_one,
    r::mish_backward_margin
);

#[test]
fn mish_strided() {
    check_all(MishB, 4099, 1 << 16);
}
#[test]
#[ignore]
fn mish_exhaustive() {
    check_all(MishB, 1, 1 << 24);
}
use super::gelu::gelu_backward;
grad!(
    GeluB,
    "gelu_backward",
    gelu_backward,
    r::gelu_backward_one,
    r::gelu_backward_margin
);

#[test]
fn gelu_strided() {
    check_all(GeluB, 4099, 1 << 16);
}
#[test]
#[ignore]
fn gelu_exhaustive() {
    check_all(GeluB, 1, 1 << 24);
}
#[test]
fn silu_strided() {
    check_all(SiluB, 4099, 1 << 16);
}
#[test]
fn quick_gelu_strided() {
    check_all(QuickGeluB, 4099, 1 << 16);
}
#[test]
fn gelu_tanh_strided() {
    check_all(GeluTanhB, 4099, 1 << 16);
}
#[test]
#[ignore]
fn silu_exhaustive() {
    check_all(SiluB, 1, 1 << 24);
}
#[test]
#[ignore]
fn quick_gelu_exhaustive() {
    check_all(QuickGeluB, 1, 1 << 24);
}
#[test]
#[ignore]
fn gelu_tanh_exhaustive() {
    check_all(GeluTanhB, 1, 1 << 24);
}

/// The forward kernel of each gradient, in the same plain loop, for instruction counts.
struct Fwd<'a> {
    name: &'a str,
    x: &'a [f32],
    y: &'a mut [f32],
}

impl WithSimd for Fwd<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let (xv, _) = S::as_simd_f32s(self.x);
        let (yv, _) = S::as_mut_simd_f32s(self.y);
        macro_rules! go {
            ($f:path) => {
                for (y, &x) in yv.iter_mut().zip(xv) {
                    *y = $f(simd, x);
                }
            };
        }
        match self.name {
            "silu" => go!(crate::simd::swish::silu),
            "quick_gelu" => go!(crate::simd::swish::quick_gelu),
            "gelu_tanh" => go!(crate::simd::swish::gelu_tanh),
            "mish" => go!(crate::simd::mish::mish),
            "gelu" => go!(crate::simd::gelu::gelu),
            _ => panic!("unknown kernel"),
        }
    }
}

/// `GRAD_KERNEL=<name>[_backward] GRAD_ITERS=<calls> [GRAD_BACKEND=avx2|avx512]`: runs the
/// kernel on 4096 inputs uniform in `[-8, 8]` (as `examples/instructions.rs`), for callgrind
/// (two runs, with `calls` and 0) or for timing (prints ns per element).
#[test]
#[ignore]
fn instructions() {
    let name = std::env::var("GRAD_KERNEL").unwrap();
    let calls: usize = std::env::var("GRAD_ITERS").unwrap().parse().unwrap();
    let backend = match std::env::var("GRAD_BACKEND").as_deref() {
        Ok("avx512") => Backend::Avx512,
        _ => Backend::Avx2,
    };
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let x: Vec<f32> = (0..4096)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            16.0 * ((r >> 40) as f32 / (1u64 << 24) as f32) - 8.0
        })
        .collect();
    let dy: Vec<f32> = (0..4096).map(|i| 1.0 + i as f32 / 8192.0).collect();
    let mut out = vec![0.0f32; 4096];
    let arch = backend.arch().unwrap();
    let start = std::time::Instant::now();
    for _ in 0..calls {
        let (x, dy) = (std::hint::black_box(&x[..]), std::hint::black_box(&dy[..]));
        match name.as_str() {
            "silu_backward" => run(SiluB, backend, x, dy, &mut out),
            "quick_gelu_backward" => run(QuickGeluB, backend, x, dy, &mut out),
            "gelu_tanh_backward" => run(GeluTanhB, backend, x, dy, &mut out),
            "mish_backward" => run(MishB, backend, x, dy, &mut out),
            "gelu_backward" => run(GeluB, backend, x, dy, &mut out),
            n => arch.dispatch(Fwd {
                name: n,
                x,
                y: &mut out,
            }),
        }
        std::hint::black_box(&mut out);
    }
    let t = start.elapsed().as_secs_f64();
    println!(
        "{name} {backend:?}: {:.3} ns/elem",
        t * 1e9 / (calls as f64 * 4096.0)
    );
}

/// Special values on every backend: NaN `x` or `dy` -> NaN, `x = +inf` -> `dy`, `x = -inf` ->
/// `-0 * sign(dy)` (NaN for infinite `dy`), zeros and subnormal `x` -> `dy f'(0)`, and finite
/// `dy` everywhere within the bound (each value at every lane position of a vector).
fn special_values<G: Grad>(g: G) {
    let xs = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        1e-40,
        -1e-40,
        -1000.0,
        1000.0,
        -200.0,
        -100.0,
        -60.0,
        -20.0,
        -13.5,
        -9.8,
        -1.0,
        f32::MAX,
        f32::MIN,
    ];
    let dys = [
        1.0,
        -1.0,
        0.0,
        -0.0,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        // Within the documented `|dy| <= 2^80` of the far tail.
        1e20,
        -1e-30,
        1e-45,
    ];
    for b in Backend::supported() {
        for &x in &xs {
            for &dy in &dys {
                for pos in 0..16 {
                    let mut xv = [1.5f32; 16];
                    let mut dv = [1.0f32; 16];
                    xv[pos] = x;
                    dv[pos] = dy;
                    let mut out = [0.0f32; 16];
                    run(g, b, &xv, &dv, &mut out);
                    let dx = out[pos];
                    let what = format!("{} {b:?} x {x:e} dy {dy:e}: {dx:e}", G::NAME);
                    if x.is_nan() || dy.is_nan() {
                        assert!(dx.is_nan(), "{what}");
                    } else if x == f32::INFINITY {
                        assert_eq!(dx.to_bits(), dy.to_bits(), "{what}");
                    } else if x == f32::NEG_INFINITY || x <= -200.0 {
                        if dy.is_infinite() {
                            assert!(dx.is_nan(), "{what}");
                        } else {
                            assert_eq!(dx, 0.0, "{what}");
                            if dy != 0.0 {
                                assert_eq!(dx.is_sign_negative(), dy > 0.0, "{what}");
                            }
                        }
                    } else if dy.is_infinite() {
                        // `dy` times `f'` rounded to f32 (NaN where that is 0).
                        let r = dy * G::reference(x, 1.0);
                        assert!(dx == r || (dx.is_nan() && r.is_nan()), "{what}");
                    } else {
                        let mut s = Stats::default();
                        s.check::<G>(x, dy, dx, G::reference(x, dy));
                        assert_eq!(s.failures, 0, "{what}: {s:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn special_values_all() {
    special_values(SiluB);
    special_values(QuickGeluB);
    special_values(GeluTanhB);
    special_values(MishB);
    special_values(GeluB);
}
