//! The optioned softmax family (`softmax_with`, `log_softmax_with`, `log_sum_exp_with`) against
//! the `f64` reference for every option combination (scale, both mask kinds, both masked-row
//! policies, strides, tight and padded buffers, in place), on every backend and threading;
//! bit identity across AVX2/AVX-512 and thread counts; special rows; errors with the output
//! untouched.

mod common;

use common::{Rng, avx2_and_avx512, backends};
use simd_activations::{
    Error, Kernels, Mask, MaskedRows, SoftmaxOptions, reference, softmax_with, ulp,
};

/// The softmax family's bound, in ULP.
const BOUND: u32 = 4;
/// Where the gaps between strided rows start out (must stay).
const GAP: f32 = 12345.0;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fun {
    Softmax,
    LogSoftmax,
}

type Run = fn(&Kernels, &[f32], &mut [f32], usize, &SoftmaxOptions<'_>) -> Result<(), Error>;
type RunInPlace = fn(&Kernels, &mut [f32], usize, &SoftmaxOptions<'_>) -> Result<(), Error>;
type Reference = fn(&[f32], &mut [f32], usize, &SoftmaxOptions<'_>) -> Result<(), Error>;

impl Fun {
    fn run(self) -> Run {
        match self {
            Fun::Softmax => Kernels::softmax_with,
            Fun::LogSoftmax => Kernels::log_softmax_with,
        }
    }
    fn run_inplace(self) -> RunInPlace {
        match self {
            Fun::Softmax => Kernels::softmax_with_inplace,
            Fun::LogSoftmax => Kernels::log_softmax_with_inplace,
        }
    }
    fn reference(self) -> Reference {
        match self {
            Fun::Softmax => reference::softmax_with,
            Fun::LogSoftmax => reference::log_softmax_with,
        }
    }
}

/// One call's inputs: `x` (gaps filled with [`GAP`]) and the mask storage.
struct Case {
    x: Vec<f32>,
    mask: Vec<f32>,
    cols: usize,
    stride: usize,
    scale: f32,
    mask_kind: u8,
    offset: usize,
    policy: MaskedRows,
}

impl Case {
    fn opts(&self) -> SoftmaxOptions<'_> {
        let mask = match self.mask_kind {
            0 => Mask::None,
            1 | 2 => Mask::Additive(&self.mask),
            _ => Mask::Causal {
                offset: self.offset,
            },
        };
        SoftmaxOptions::new()
            .scale(self.scale)
            .mask(mask)
            .masked_rows(self.policy)
            .row_stride(self.stride)
    }

    fn random(rng: &mut Rng, cols: usize, rows: usize) -> Case {
        let stride = cols + [0, 0, 3, 16][rng.below(4)];
        let padded = rng.below(2) == 0;
        let len = if padded {
            rows * stride
        } else {
            (rows - 1) * stride + cols
        };
        let span = [1.0, 8.0, 60.0, 200.0][rng.below(4)];
        let mut x = vec![GAP; len];
        for r in 0..rows {
            for j in 0..cols {
                x[r * stride + j] = rng.uniform(-span, span);
            }
        }
        let scales = [1.0, 0.125, 1.0 / 80.0_f32.sqrt(), -0.7, 3.0, 1.0 / 0.7];
        let scale = scales[rng.below(scales.len())];
        let mask_kind = rng.below(4) as u8;
        let mask_len = if mask_kind == 2 { rows * cols } else { cols };
        let mask = (0..mask_len)
            .map(|_| match rng.below(6) {
                0 => f32::NEG_INFINITY,
                1 => 0.0,
                _ => rng.uniform(-10.0, 10.0),
            })
            .collect();
        let policy = if rng.below(2) == 0 {
            MaskedRows::Nan
        } else {
            MaskedRows::Zero
        };
        Case {
            x,
            mask,
            cols,
            stride,
            scale,
            mask_kind,
            offset: rng.below(cols + 2),
            policy,
        }
    }
}

/// `got` against `want`: within [`BOUND`] ULP (NaN for NaN), the gaps untouched. Returns the
/// largest distance.
fn check(what: &str, c: &Case, got: &[f32], want: &[f32]) -> u32 {
    let mut worst = 0;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let in_row = i % c.stride < c.cols;
        if !in_row {
            assert_eq!(
                g.to_bits(),
                GAP.to_bits(),
                "{what}: gap element {i} written"
            );
            continue;
        }
        let d = ulp::distance(g, w);
        worst = worst.max(d);
        assert!(
            d <= BOUND,
            "{what}: element {i} (row {}, col {}): got {g:e}, want {w:e}, {d} ULP; x = {:e}",
            i / c.stride,
            i % c.stride,
            c.x[i]
        );
        let (r, j) = (i / c.stride, i % c.stride);
        if is_masked(c, r, j) && !w.is_nan() {
            assert_eq!(
                g.to_bits(),
                w.to_bits(),
                "{what}: masked element {i} not exact"
            );
        }
    }
    worst
}

/// Whether element `j` of row `r` is masked out.
fn is_masked(c: &Case, r: usize, j: usize) -> bool {
    match c.mask_kind {
        1 => c.mask[j] == f32::NEG_INFINITY,
        2 => c.mask[r * c.cols + j] == f32::NEG_INFINITY,
        3 => j > r + c.offset,
        _ => false,
    }
}

/// Runs `fun` on `c` through `k`, out of place and in place (both must agree bit for bit).
fn run_both(fun: Fun, k: &Kernels, c: &Case) -> Vec<f32> {
    let opts = c.opts();
    let mut y = c.x.clone();
    for (i, v) in y.iter_mut().enumerate() {
        if i % c.stride < c.cols {
            *v = -1.0;
        }
    }
    fun.run()(k, &c.x, &mut y, c.cols, &opts).unwrap();
    let mut z = c.x.clone();
    fun.run_inplace()(k, &mut z, c.cols, &opts).unwrap();
    for (i, (a, b)) in y.iter().zip(&z).enumerate() {
        assert!(
            a.to_bits() == b.to_bits(),
            "{fun:?}: in place differs at {i}: {a:e} vs {b:e}"
        );
    }
    y
}

#[test]
fn differential_every_option_combination() {
    let mut rng = Rng(0xA77E_2710);
    let shapes: &[(usize, usize)] = &[
        (1, 1),
        (3, 2),
        (5, 7),
        (4, 16),
        (9, 17),
        (3, 33),
        (8, 100),
        (2, 512),
        (3, 4096),
        (2, 4097),
        (2, 9000),
    ];
    let handles: Vec<(String, Kernels)> = backends()
        .into_iter()
        .flat_map(|(b, k)| {
            [
                (format!("{b} sequential"), k),
                (format!("{b} threaded"), k.parallel_threshold(1)),
            ]
        })
        .collect();
    let mut worst = std::collections::BTreeMap::new();
    for &(rows, cols) in shapes {
        for _ in 0..12 {
            let c = Case::random(&mut rng, cols, rows);
            for fun in [Fun::Softmax, Fun::LogSoftmax] {
                let mut want = c.x.clone();
                fun.reference()(&c.x, &mut want, cols, &c.opts()).unwrap();
                let mut first: Option<Vec<f32>> = None;
                for (name, k) in &handles {
                    let got = run_both(fun, k, &c);
                    let what = format!(
                        "{fun:?} {name} {rows}x{cols} stride {} scale {} mask {} offset {} {:?}",
                        c.stride, c.scale, c.mask_kind, c.offset, c.policy
                    );
                    let d = check(&what, &c, &got, &want);
                    let backend = name.split(' ').next().unwrap();
                    let w = worst.entry(format!("{fun:?} {backend}")).or_insert(0);
                    *w = (*w).max(d);
                    // Threads never change the bits; AVX2 and AVX-512 agree (checked below).
                    if name.ends_with("threaded") {
                        let seq = first.as_ref().unwrap();
                        assert!(
                            seq.iter()
                                .zip(&got)
                                .all(|(a, b)| a.to_bits() == b.to_bits()),
                            "{what}: threads changed the bits"
                        );
                    }
                    first = Some(got);
                }
            }
        }
    }
    println!("max ULP against the f64 softmax of the exact logits: {worst:?}");
}

#[test]
fn avx2_equals_avx512_bit_for_bit() {
    let Some((a, b)) = avx2_and_avx512() else {
        return;
    };
    let mut rng = Rng(77);
    for &(rows, cols) in &[(7, 13), (4, 300), (2, 4096), (2, 10000)] {
        for _ in 0..10 {
            let c = Case::random(&mut rng, cols, rows);
            for fun in [Fun::Softmax, Fun::LogSoftmax] {
                let ya = run_both(fun, &a, &c);
                let yb = run_both(fun, &b, &c);
                common::assert_same_bits(&format!("{fun:?} {rows}x{cols}"), &c.x, &ya, &yb);
            }
        }
    }
}

/// With `scale = 1/sqrt(80)` and logits spanning 60, rounding `scale * x` first would cost
/// about 30 ULP; carried exactly it stays within the bound.
#[test]
fn scaled_logits_keep_the_bound() {
    let mut rng = Rng(5);
    let cols = 1000;
    let x = rng.vec(cols, -30.0 * 80f64.sqrt(), 30.0 * 80f64.sqrt());
    let opts = SoftmaxOptions::new().scale(1.0 / 80.0_f32.sqrt());
    let mut want = vec![0.0; cols];
    reference::softmax_with(&x, &mut want, cols, &opts).unwrap();
    // What rounding the logits first gives (the unfused computation).
    let rounded: Vec<f32> = x.iter().map(|v| v * opts_scale(&opts)).collect();
    let mut unfused = vec![0.0; cols];
    reference::softmax(&rounded, &mut unfused, cols).unwrap();
    let unfused_max = unfused
        .iter()
        .zip(&want)
        .map(|(&a, &b)| ulp::distance(a, b))
        .max()
        .unwrap();
    assert!(
        unfused_max > 8,
        "the case must be hard: unfused {unfused_max} ULP"
    );
    for (b, k) in backends() {
        let mut y = vec![0.0; cols];
        k.softmax_with(&x, &mut y, cols, &opts).unwrap();
        let worst = y
            .iter()
            .zip(&want)
            .map(|(&a, &b)| ulp::distance(a, b))
            .max()
            .unwrap();
        assert!(worst <= BOUND, "{b}: {worst} ULP (unfused: {unfused_max})");
    }
}

fn opts_scale(_: &SoftmaxOptions<'_>) -> f32 {
    1.0 / 80.0_f32.sqrt()
}

#[test]
fn special_rows() {
    let ninf = f32::NEG_INFINITY;
    for (b, k) in backends() {
        for policy in [MaskedRows::Nan, MaskedRows::Zero] {
            let empty = if policy == MaskedRows::Nan {
                f32::NAN
            } else {
                0.0
            };
            // Row 0 fully masked by the mask, row 1 one live entry, row 2 all -inf logits,
            // row 3 NaN under a masked entry (ignored), row 4 a live NaN.
            let x = [
                1.0,
                2.0,
                3.0, //
                1.0,
                2.0,
                3.0, //
                ninf,
                ninf,
                ninf, //
                f32::NAN,
                0.0,
                0.0, //
                f32::NAN,
                0.0,
                0.0,
            ];
            let mask = [
                ninf, ninf, ninf, //
                ninf, 0.0, ninf, //
                0.0, 0.0, 0.0, //
                ninf, 0.0, 0.0, //
                0.0, 0.0, 0.0,
            ];
            let opts = SoftmaxOptions::new()
                .mask(Mask::Additive(&mask))
                .masked_rows(policy);
            let mut y = [0.5_f32; 15];
            k.softmax_with(&x, &mut y, 3, &opts).unwrap();
            let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            assert!(
                y[..3].iter().all(|&v| same(v, empty)),
                "{b} {policy:?}: {y:?}"
            );
            assert_eq!(y[3..6], [0.0, 1.0, 0.0], "{b}");
            assert!(
                y[6..9].iter().all(|&v| same(v, empty)),
                "{b} {policy:?}: {y:?}"
            );
            assert_eq!(y[9..12], [0.0, 0.5, 0.5], "{b}");
            assert!(y[12..].iter().all(|v| v.is_nan()), "{b}: {y:?}");
            let mut l = [0.5_f32; 15];
            k.log_softmax_with(&x, &mut l, 3, &opts).unwrap();
            let lempty = if policy == MaskedRows::Nan {
                f32::NAN
            } else {
                ninf
            };
            assert!(l[..3].iter().all(|&v| same(v, lempty)), "{b}: {l:?}");
            assert_eq!(l[3..6], [ninf, 0.0, ninf], "{b}");
            let mut lse = [0.0_f32; 5];
            k.log_sum_exp_with(&x, &mut lse, 3, &opts).unwrap();
            let lse_empty = if policy == MaskedRows::Nan {
                f32::NAN
            } else {
                ninf
            };
            assert!(
                same(lse[0], lse_empty) && same(lse[2], lse_empty),
                "{b}: {lse:?}"
            );
            assert_eq!(lse[1], 2.0, "{b}");
            assert_eq!(lse[3], std::f32::consts::LN_2, "{b}");
            assert!(lse[4].is_nan(), "{b}");
            // Causal: row 0 of offset 0 has one live entry; a causally masked NaN is not read.
            let x = [f32::NAN, 5.0, 1.0, 2.0];
            let opts = SoftmaxOptions::new()
                .mask(Mask::Causal { offset: 0 })
                .masked_rows(policy);
            let mut y = [0.5_f32; 4];
            k.softmax_with(&[3.0, f32::NAN, 1.0, 1.0], &mut y, 2, &opts)
                .unwrap();
            assert_eq!(y, [1.0, 0.0, 0.5, 0.5], "{b}");
            k.softmax_with(&x, &mut y, 2, &opts).unwrap();
            assert!(y[..2].iter().all(|v| v.is_nan()), "{b}: a live NaN: {y:?}");
        }
    }
}

/// Huge logits: `scale * x` near the top of the `f32` range keeps its exact ordering (the
/// logits' low parts decide), and a product that overflows `f32` is an infinite logit.
#[test]
fn huge_scaled_logits() {
    for (b, k) in backends() {
        // 1e30 * (1 + 2^-23) and 1e30 * 1: the products differ by about 1.2e23.
        let x = [1e8_f32, 1e8 * (1.0 + f32::EPSILON), -1e8];
        let opts = SoftmaxOptions::new().scale(1e30);
        let mut y = [0.0_f32; 3];
        k.softmax_with(&x, &mut y, 3, &opts).unwrap();
        assert_eq!(y, [0.0, 1.0, 0.0], "{b}");
        let mut want = [0.0_f32; 3];
        reference::softmax_with(&x, &mut want, 3, &opts).unwrap();
        assert_eq!(y, want, "{b}");
        // Products of the same f32 whose exact values differ by less than an ULP of them.
        let x = [3.0e8_f32, 3.0e8];
        let opts = SoftmaxOptions::new().scale(1.1e30);
        let mut y = [0.0_f32; 2];
        k.softmax_with(&x, &mut y, 2, &opts).unwrap();
        assert_eq!(y, [0.5, 0.5], "{b}");
        // Overflow: 1e30 * 1e9 is beyond f32: a +inf logit, a NaN row.
        let x = [1e9_f32, 0.0];
        k.softmax_with(&x, &mut y, 2, &SoftmaxOptions::new().scale(1e30))
            .unwrap();
        assert!(y.iter().all(|v| v.is_nan()), "{b}: {y:?}");
        // ... and -inf after a negative scale: output 0, the other entry 1.
        k.softmax_with(&x, &mut y, 2, &SoftmaxOptions::new().scale(-1e30))
            .unwrap();
        assert_eq!(y, [0.0, 1.0], "{b}");
    }
}

/// Each element of `softmax_with` and `log_softmax_with` of the `cols`-wide rows of `x`
/// within [`BOUND`] ULP of the reference (infinities and NaN exactly), on every backend,
/// sequential and threaded.
fn within_bound_everywhere(what: &str, x: &[f32], cols: usize, opts: &SoftmaxOptions<'_>) {
    for log in [false, true] {
        let mut want = vec![0.0_f32; x.len()];
        if log {
            reference::log_softmax_with(x, &mut want, cols, opts).unwrap();
        } else {
            reference::softmax_with(x, &mut want, cols, opts).unwrap();
        }
        for (b, k) in backends() {
            for k in [k, k.parallel_threshold(1)] {
                let mut got = vec![0.0_f32; x.len()];
                if log {
                    k.log_softmax_with(x, &mut got, cols, opts).unwrap();
                } else {
                    k.softmax_with(x, &mut got, cols, opts).unwrap();
                }
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        ulp::distance(*g, *w) <= BOUND,
                        "{what}, log {log}, {b}, element {i} (x = {:e}): got {g:e}, want {w:e}",
                        x[i]
                    );
                }
            }
        }
    }
}

/// The fuzzer's finds near the ends of the `f32` range (`fuzz/regressions/softmax/`).
#[test]
fn logits_near_the_ends_of_the_range() {
    // A scaled row spanning more than `f32::MAX`: `x - max` overflows, `scale * (x - max)` does
    // not (log-softmax gave `-inf` for about `-1.2e38`); either sign of the scale, unmasked and
    // causal.
    let x = [
        f32::MAX,
        -8.713335e33,
        -f32::MAX,
        1.0,
        3.0e38,
        -2.5e38,
        0.0,
        7.0,
    ];
    for scale in [0.17367084_f32, -0.17367084, 3.5242553e-4, 0.75] {
        for mask in [Mask::None, Mask::Causal { offset: 1 }] {
            let opts = SoftmaxOptions::new().scale(scale).mask(mask);
            within_bound_everywhere(&format!("wide row, {opts:?}"), &x, 4, &opts);
            within_bound_everywhere(&format!("wide row, {opts:?}"), &x, 8, &opts);
        }
    }
    // A logit near `-f32::MAX` (from the mask) below a maximum near `f32::MAX`: `z - max` is
    // below `-f32::MAX`, log-softmax `-inf` (it gave NaN).
    let x = [-2.0e38_f32, 9.01, 1.0, -1.0];
    let mask = [0.0_f32, -f32::MAX, 0.0, -f32::MAX];
    let opts = SoftmaxOptions::new()
        .scale(-1.5)
        .mask(Mask::Additive(&mask));
    within_bound_everywhere("mask -f32::MAX", &x, 4, &opts);
    // Two logits near 1e31 whose rounded values tie while their exact values are 9e23 apart:
    // the staged path let `exp(-9e23)` through its underflow test (NaN). Through the staged
    // path (an additive mask of zeros) and through log-sum-exp, which always stages.
    let x = [88.72283_f32, 88.72284, 23.269531, -1.1754944e-38];
    let zeros = [0.0_f32; 4];
    let opts = SoftmaxOptions::new().scale(1.1804384e29);
    within_bound_everywhere("tied huge logits", &x, 4, &opts);
    let masked = opts.mask(Mask::Additive(&zeros));
    within_bound_everywhere("tied huge logits, staged", &x, 4, &masked);
    let mut want = [0.0_f32; 1];
    reference::log_sum_exp_with(&x, &mut want, 4, &opts).unwrap();
    for (b, k) in backends() {
        let mut got = [0.0_f32; 1];
        k.log_sum_exp_with(&x, &mut got, 4, &opts).unwrap();
        assert!(
            ulp::distance(got[0], want[0]) <= 2,
            "{b}: log_sum_exp {:e}, want {:e}",
            got[0],
            want[0]
        );
    }
}

/// The fuzzer's finds where TwoSum overflows at `f32::MAX` (its first step `fl(t - a)` is
/// `f32::MAX` plus half an ULP of the top binade) and where the reference rounded its logits
/// (`fuzz/regressions/softmax/`).
#[test]
fn two_sum_at_the_end_of_the_range() {
    // A scaled row whose maximum `x` is `f32::MAX` (span below `f32::MAX`): the three passes'
    // exact `x - max` overflowed for `x = 6.927456e37`; the row was NaN on the scalar backend
    // and that element NaN on the others. Now staged.
    let x = [
        -998650000.0_f32,
        -107432.555,
        0.003736282,
        1e30,
        -180273950000.0,
        107.640625,
        2.251075e21,
        f32::MAX,
        65504.0,
        7.233178e29,
        6.927456e37,
        88.72283,
    ];
    for scale in [6.598778e-5_f32, -6.598778e-5, 0.5] {
        let opts = SoftmaxOptions::new().scale(scale);
        within_bound_everywhere(&format!("max f32::MAX, {opts:?}"), &x, 12, &opts);
    }
    let reversed: Vec<f32> = x.iter().map(|v| -v).collect();
    let opts = SoftmaxOptions::new().scale(-6.598778e-5);
    within_bound_everywhere("min -f32::MAX, negative scale", &reversed, 12, &opts);
    // The staged path's maximum logit `f32::MAX` (a mask of zeros): log-softmax's pair
    // arithmetic gave NaN for the logit 6.927456e37.
    let zeros = [0.0_f32; 12];
    for scale in [1.0_f32, 0.5] {
        let opts = SoftmaxOptions::new()
            .scale(scale)
            .mask(Mask::Additive(&zeros));
        within_bound_everywhere(
            &format!("staged, max logit f32::MAX, {opts:?}"),
            &x,
            12,
            &opts,
        );
    }
    // The reference's own rounding: `1e30 + 1.1075093e19` in `f64` loses 3.8e13, 34 ULP of
    // the log-softmax `-1.1075093e19` it once wanted as `-1.1075055e19`. Exactly, the first
    // output is `-103.97209 - 1.1075093e19`, which rounds to `-1.1075093e19`.
    let x = [1e30_f32, 1e30];
    let mask = [-103.97209_f32, 1.1075093e19];
    let opts = SoftmaxOptions::new().mask(Mask::Additive(&mask));
    let mut want = [0.0_f32; 2];
    reference::log_softmax_with(&x, &mut want, 2, &opts).unwrap();
    assert_eq!(want, [-1.1075093e19, 0.0]);
    within_bound_everywhere("1e30 + a large mask", &x, 2, &opts);
}

#[test]
fn log_sum_exp_within_its_bound() {
    let mut rng = Rng(99);
    for &(rows, cols) in &[
        (1, 1),
        (7, 3),
        (5, 100),
        (3, 4096),
        (2, 10000),
        (1, 300_000),
    ] {
        for _ in 0..4 {
            let c = Case::random(&mut rng, cols, rows);
            let opts = c.opts();
            let mut want = vec![0.0_f32; rows];
            reference::log_sum_exp_with(&c.x, &mut want, cols, &opts).unwrap();
            let mut first: Option<Vec<f32>> = None;
            for (b, k) in backends() {
                for k in [k, k.parallel_threshold(1)] {
                    let mut got = vec![0.0_f32; rows];
                    k.log_sum_exp_with(&c.x, &mut got, cols, &opts).unwrap();
                    for r in 0..rows {
                        let (g, w) = (got[r], want[r]);
                        if w.is_nan() || w.is_infinite() {
                            assert!(g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()));
                            continue;
                        }
                        let allowed = lse_allowed(w, max_logit(&c, r));
                        let err = (f64::from(g) - f64::from(w)).abs();
                        assert!(
                            err <= allowed,
                            "{b} {rows}x{cols} row {r}: got {g:e}, want {w:e}, err {err:e} > {allowed:e}"
                        );
                    }
                    if let Some(f) = &first
                        && b != simd_activations::Backend::Scalar
                    {
                        common::assert_same_bits(&format!("{b} lse"), &got, f, &got);
                    }
                    if b != simd_activations::Backend::Scalar {
                        first = Some(got);
                    }
                }
            }
        }
    }
    // A row with `+inf` (or NaN) is NaN, as softmax; a fully `-inf` row too (default policy).
    let x = [
        1.0_f32,
        f32::INFINITY,
        2.0,
        f32::NAN,
        f32::NEG_INFINITY,
        f32::NEG_INFINITY,
    ];
    for (b, k) in backends() {
        let mut out = [0.0_f32; 3];
        k.log_sum_exp(&x, &mut out, 2).unwrap();
        assert!(out.iter().all(|v| v.is_nan()), "{b}: {out:?}");
    }
    // The plain form is the default options'.
    let x = [1.0_f32, 2.0, 3.0, 4.0];
    let mut a = [0.0; 2];
    let mut b = [0.0; 2];
    simd_activations::log_sum_exp(&x, &mut a, 2).unwrap();
    simd_activations::log_sum_exp_with(&x, &mut b, 2, &SoftmaxOptions::new()).unwrap();
    assert_eq!(a, b);
}

fn ulp_of(w: f32) -> f64 {
    let a = w.abs();
    f64::from(f32::from_bits(a.to_bits() + 1)) - f64::from(a)
}

/// The largest live logit of row `r` (`f64`, exact product).
fn max_logit(c: &Case, r: usize) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for j in 0..c.cols {
        let bias = match c.mask_kind {
            1 => f64::from(c.mask[j]),
            2 => f64::from(c.mask[r * c.cols + j]),
            3 if j > r + c.offset => f64::NEG_INFINITY,
            _ => 0.0,
        };
        m = m.max(f64::from(c.x[r * c.stride + j]) * f64::from(c.scale) + bias);
    }
    m
}

/// A long single row split across threads (the parallel total and output passes) gives the
/// sequential bits, with every option.
#[test]
fn long_row_across_threads() {
    let mut rng = Rng(3);
    let cols = 300_000;
    // Plain (online from 2^18 elements), scaled, both additive masks, causal with a short and
    // a full live part.
    let variants = [
        (0, 0, 1.0),
        (0, 0, 0.3),
        (1, 0, 0.5),
        (2, 0, 1.0),
        (3, cols / 2, 1.0),
        (3, cols, 1.0),
        (3, cols / 2, 0.9),
    ];
    for (mask_kind, offset, scale) in variants {
        let mut c = Case::random(&mut rng, cols, 1);
        c.mask_kind = mask_kind;
        c.offset = offset;
        c.scale = scale;
        for fun in [Fun::Softmax, Fun::LogSoftmax] {
            let mut want = c.x.clone();
            fun.reference()(&c.x, &mut want, cols, &c.opts()).unwrap();
            for (b, k) in backends() {
                let seq = run_both(fun, &k, &c);
                check(&format!("{fun:?} {b} long"), &c, &seq, &want);
                let par = run_both(fun, &k.parallel_threshold(1), &c);
                assert!(
                    seq.iter()
                        .zip(&par)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{fun:?} {b} mask {mask_kind}: threads changed the bits"
                );
            }
        }
    }
}

#[test]
fn errors_leave_the_output_untouched() {
    let x = [1.0_f32; 12];
    let bad_mask = [0.0, f32::NAN, 0.0];
    let inf_mask = [0.0, f32::INFINITY, 0.0];
    let short_mask = [0.0_f32; 5];
    let o = SoftmaxOptions::new();
    let cases: Vec<(usize, usize, SoftmaxOptions<'_>, Error)> = vec![
        (12, 0, o, Error::ZeroDimension { name: "cols" }),
        (
            12,
            4,
            o.row_stride(3),
            Error::RowStride {
                row_stride: 3,
                cols: 4,
            },
        ),
        (
            12,
            3,
            o.scale(f32::NAN),
            Error::InvalidParameter {
                name: "scale",
                index: None,
                value: f32::NAN,
            },
        ),
        (
            12,
            3,
            o.scale(f32::INFINITY),
            Error::InvalidParameter {
                name: "scale",
                index: None,
                value: f32::INFINITY,
            },
        ),
        (12, 3, o.scale(0.0), Error::ZeroScale),
        (12, 3, o.scale(-0.0), Error::ZeroScale),
        // stride 5: rows = ceil(12 / 5) = 3 need 2 * 5 + 4 = 14.
        (
            12,
            4,
            o.row_stride(5),
            Error::ShortBuffer {
                len: 12,
                needed: 14,
                rows: 3,
            },
        ),
        (
            12,
            3,
            o.mask(Mask::Additive(&short_mask)),
            Error::MaskLength {
                len: 5,
                cols: 3,
                rows: 4,
            },
        ),
        (
            12,
            3,
            o.mask(Mask::Additive(&bad_mask)),
            Error::InvalidParameter {
                name: "mask",
                index: Some(1),
                value: f32::NAN,
            },
        ),
        (
            12,
            3,
            o.mask(Mask::Additive(&inf_mask)),
            Error::InvalidParameter {
                name: "mask",
                index: Some(1),
                value: f32::INFINITY,
            },
        ),
    ];
    for (len, cols, opts, want) in cases {
        let mut y = [7.0_f32; 12];
        let got = softmax_with(&x[..len], &mut y, cols, &opts).unwrap_err();
        assert!(format!("{got}").len() > 10);
        let same = match (got, want) {
            (
                Error::InvalidParameter {
                    name: a,
                    index: i,
                    value: v,
                },
                Error::InvalidParameter {
                    name: b,
                    index: j,
                    value: w,
                },
            ) => a == b && i == j && v.to_bits() == w.to_bits(),
            (g, w) => g == w,
        };
        assert!(same, "got {got:?}, want {want:?}");
        assert_eq!(y, [7.0; 12]);
        let mut z = [7.0_f32; 12];
        assert!(simd_activations::log_softmax_with_inplace(&mut z[..len], cols, &opts).is_err());
        assert_eq!(z, [7.0; 12]);
        let mut out = [7.0_f32; 4];
        assert!(simd_activations::log_sum_exp_with(&x[..len], &mut out, cols, &opts).is_err());
        assert_eq!(out, [7.0; 4]);
    }
    let mut y = [7.0_f32; 11];
    assert_eq!(
        softmax_with(&x, &mut y, 3, &o),
        Err(Error::LengthMismatch {
            input: 12,
            output: 11
        })
    );
    let mut out = [7.0_f32; 3];
    assert_eq!(
        simd_activations::log_sum_exp(&x, &mut out, 3),
        Err(Error::OutputRows { len: 3, rows: 4 })
    );
    assert_eq!(out, [7.0; 3]);
    // Both buffer layouts are accepted: tight (2 * 5 + 3 = 13) and padded (3 * 5 = 15).
    let x = [0.0_f32; 15];
    let mut y = [0.0_f32; 15];
    softmax_with(&x[..13], &mut y[..13], 3, &o.row_stride(5)).unwrap();
    softmax_with(&x, &mut y, 3, &o.row_stride(5)).unwrap();
}

/// Log-softmax near a row's maximum where every other term `exp(z - max)` is subnormal (the
/// fuzzer's `crash-1e67d6c8…`): the exp passes round each such term to a multiple of 2^-149,
/// which put `[0, -97 x 999]` 218 ULP off at its maximum. Such rows' sums are recounted with
/// the terms scaled (`tiny_sum`). Every path: short rows, batches of short rows, three passes,
/// online (several chunks), split across threads, scaled, masked, causal, and
/// `log_sum_exp_with`.
#[test]
fn log_softmax_where_the_other_terms_are_subnormal() {
    for &(cols, below) in &[
        (1000, 97.0_f32),
        (1000, 90.0),
        (1000, 125.0),
        (40, 97.0),
        (20, 101.0),
        (32, 97.0),
        (256, 95.0),
        (10_000, 97.0),
        (300_000, 100.0),
    ] {
        // Spread below the maximum, the maximum somewhere inside.
        let row = |at: usize| -> Vec<f32> {
            (0..cols)
                .map(|i| {
                    if i == at {
                        0.0
                    } else {
                        -below - (i % 7) as f32 * 0.375
                    }
                })
                .collect()
        };
        let x = row(cols / 3);
        let what = format!("{cols} columns, {below} below");
        within_bound_everywhere(&what, &x, cols, &SoftmaxOptions::new());
        // log-sum-exp: about `others` itself (the maximum is 0).
        let mut want = [0.0_f32];
        reference::log_sum_exp_with(&x, &mut want, cols, &SoftmaxOptions::new()).unwrap();
        for (b, k) in backends() {
            for k in [k, k.parallel_threshold(1)] {
                let mut got = [0.0_f32];
                k.log_sum_exp_with(&x, &mut got, cols, &SoftmaxOptions::new())
                    .unwrap();
                assert!(
                    ulp::distance(got[0], want[0]) <= 2,
                    "{what}, log_sum_exp, {b}: got {:e}, want {:e}",
                    got[0],
                    want[0]
                );
            }
        }
        if cols > 10_000 {
            // One row split across threads, plain only (valgrind runs this file).
            continue;
        }
        if cols <= 1000 {
            // Nine rows (the batched path of short rows), the maximum moving.
            let rows: Vec<f32> = (0..9).flat_map(|r| row(r * 7 % cols)).collect();
            within_bound_everywhere(&what, &rows, cols, &SoftmaxOptions::new());
        }
        for scale in [0.5_f32, -0.25] {
            let xs: Vec<f32> = x.iter().map(|v| v / scale).collect();
            let opts = SoftmaxOptions::new().scale(scale);
            within_bound_everywhere(&format!("{what}, {opts:?}"), &xs, cols, &opts);
            let zeros = vec![0.0_f32; cols];
            let masked = opts.mask(Mask::Additive(&zeros));
            within_bound_everywhere(
                &format!("{what}, masked, scale {scale}"),
                &xs,
                cols,
                &masked,
            );
        }
        let causal = SoftmaxOptions::new().mask(Mask::Causal { offset: cols / 2 });
        within_bound_everywhere(&format!("{what}, causal"), &x, cols, &causal);
    }
}

/// An additive mask of `±f32::MAX` on a logit that is an odd multiple of 2^103: the staging
/// TwoSum of `scale * x + mask` overflowed in its first step (the sum ties away from zero) and
/// the row came out NaN. Either sign, at every position of a row of 40, unscaled and scaled.
#[test]
fn additive_mask_of_f32_max() {
    let odd = 3.0 * 2f32.powi(103);
    for sign in [1.0_f32, -1.0] {
        for at in 0..40 {
            let mut x: Vec<f32> = (0..40).map(|i| (i % 5) as f32).collect();
            let mut mask = vec![0.0_f32; 40];
            x[at] = sign * odd;
            mask[at] = -sign * f32::MAX;
            for scale in [1.0_f32, 0.5] {
                let xs: Vec<f32> = x.iter().map(|v| v / scale).collect();
                let opts = SoftmaxOptions::new()
                    .scale(scale)
                    .mask(Mask::Additive(&mask));
                within_bound_everywhere(
                    &format!("±f32::MAX mask at {at}, {opts:?}"),
                    &xs,
                    40,
                    &opts,
                );
            }
        }
    }
}

/// `log_sum_exp`'s bound where the reference is `w` and the row's largest logit `max`:
/// `2 ulp(result) + 2^-24 |max| + 2^-23 ln(sum_j exp(z_j - max))`, that log being `w - max`.
fn lse_allowed(w: f32, max: f64) -> f64 {
    let ln_sum = (f64::from(w) - max).max(0.0);
    2.0 * ulp_of(w) + 2f64.powi(-24) * max.abs() + 2f64.powi(-23) * ln_sum
}

/// `log_sum_exp_with` of `x` (rows of `cols`) within its bound ([`lse_allowed`]) on every
/// backend and threading.
fn lse_within_bound(what: &str, x: &[f32], cols: usize, opts: &SoftmaxOptions<'_>, max: &[f64]) {
    let rows = x.len() / cols;
    let mut want = vec![0.0_f32; rows];
    reference::log_sum_exp_with(x, &mut want, cols, opts).unwrap();
    for (b, k) in backends() {
        for k in [k, k.parallel_threshold(1)] {
            let mut got = vec![0.0_f32; rows];
            k.log_sum_exp_with(x, &mut got, cols, opts).unwrap();
            for r in 0..rows {
                let (g, w) = (got[r], want[r]);
                let allowed = lse_allowed(w, max[r]);
                let err = (f64::from(g) - f64::from(w)).abs();
                assert!(
                    err <= allowed,
                    "{what}, log_sum_exp, {b}, row {r}: got {g:e}, want {w:e}"
                );
            }
        }
    }
}

/// Rows of large logits, staged relative to their largest (`Reference` in
/// `src/simd/logits.rs`): rows padded with one large mask value (the pair of `scale * x + mask`
/// lost the product's low part: softmax 7 ULP off with `-f32::MAX` at scale 0.37, 17 ULP with
/// `-1e30` at scale 1), one chunk, several chunks, one row split across threads, the mask
/// broadcast over rows; and logits of `5.8e33` that differ by a mask of `8.2e-7` (the
/// fuzzer's `crash-cc739cea…`: log-softmax 7 ULP off, the two largest tied).
#[test]
fn large_logits_relative_to_their_maximum() {
    let mut rng = Rng(5);
    for &(fill, scale) in &[
        (-f32::MAX, 0.37_f32),
        (-1e9, 0.37),
        (-3e38, 0.125),
        (-1e30, 1.0),
        (1e20, -0.5),
        (-5000.0, 3.0),
    ] {
        for &(rows, cols) in &[(1, 64), (3, 64), (1, 5000), (1, 300_000)] {
            if cols > 5000 && scale != 0.37 {
                // One row split across threads (valgrind runs this file: kept short).
                continue;
            }
            let x = rng.vec(rows * cols, -10.0, 10.0);
            let mask = vec![fill; cols];
            let opts = SoftmaxOptions::new()
                .scale(scale)
                .mask(Mask::Additive(&mask));
            let what = format!("{rows}x{cols} padded with {fill:e}, scale {scale}");
            within_bound_everywhere(&what, &x, cols, &opts);
            let max: Vec<f64> = x
                .chunks(cols)
                .map(|row| {
                    row.iter()
                        .map(|&v| f64::from(v) * f64::from(scale) + f64::from(fill))
                        .fold(f64::NEG_INFINITY, f64::max)
                })
                .collect();
            lse_within_bound(&what, &x, cols, &opts, &max);
        }
    }
    let x = [7.747085e31_f32, 7.747085e31, 7.747085e31, 7.744609e31];
    let mask = [8.2195123e-7_f32, 0.0, -2.379759e23, 0.0];
    let opts = SoftmaxOptions::new()
        .scale(74.61719)
        .mask(Mask::Additive(&mask));
    within_bound_everywhere("5.8e33 apart by 8.2e-7", &x, 4, &opts);
    let max = f64::from(x[0]) * 74.61719 + f64::from(mask[0]);
    lse_within_bound("5.8e33 apart by 8.2e-7", &x, 4, &opts, &[max]);
    // The fuzzer's `crash-12016105…`: masked lanes of `x` as far as `-f32::MAX` (no reason to
    // give up the reference); 319 ULP off when it did.
    let x = [1.3792748e-5_f32, 1.3792748e-5, 251.40392, -f32::MAX];
    let mask = [9.803019_f32, 0.0, f32::NEG_INFINITY, f32::NEG_INFINITY];
    let opts = SoftmaxOptions::new()
        .scale(2.1269281e17)
        .mask(Mask::Additive(&mask));
    within_bound_everywhere("masked lanes far away", &x, 4, &opts);
    // A live lane whose `x - at` overflows (`-3e38 - 2e38`) while its logit does not: it takes
    // its pair as staged minus the reference's (`-2.5e38` below the maximum).
    let x = [2e38_f32, 2e38, -3e38, 0.0];
    let mask = [8.2e-7_f32, 0.0, 0.0, 0.0];
    let opts = SoftmaxOptions::new().scale(0.5).mask(Mask::Additive(&mask));
    within_bound_everywhere("x - at overflows", &x, 4, &opts);
    let max = 1e38 + f64::from(mask[0]);
    lse_within_bound("x - at overflows", &x, 4, &opts, &[max]);
}

/// The fuzzer's `crash-59a1a195…`: staged as they are, the pairs of `scale * -f32::MAX + m`
/// for the masks `-4.9e14`, `0.56` and `50.5` tie (each mask is below an ULP of the product's
/// low part), and the first of them was taken as the reference, not the largest. Relative to
/// it the logits are `4.9e14 + 0.56` and `4.9e14 + 50.5`, exact but large, and their difference
/// rounded the low parts: softmax 27 ULP off on every backend. Such rows are staged once more,
/// relative to the largest logit: in one chunk, with the largest in a later chunk, in a long
/// row split across threads, and in `log_sum_exp`.
#[test]
fn reference_that_is_not_the_largest_logit() {
    let scale = -0.0029258577_f32;
    let top = f64::from(scale) * f64::from(-f32::MAX) + 50.527344;
    let x = [-f32::MAX; 3];
    let mask = [-4.8708174e14_f32, 0.556547, 50.527344];
    let opts = SoftmaxOptions::new()
        .scale(scale)
        .mask(Mask::Additive(&mask));
    within_bound_everywhere("the first of three tied pairs", &x, 3, &opts);
    lse_within_bound("the first of three tied pairs", &x, 3, &opts, &[top]);
    // Longer rows: the first tied lane at 0, the largest at `at`, the rest spread below it.
    for (cols, at) in [
        (40, 37),
        (3 * 4096 + 5, 2 * 4096 + 1),
        ((1 << 18) + 3, 1 << 17),
    ] {
        let x = vec![-f32::MAX; cols];
        let mut rng = Rng(cols as u64);
        let mut mask: Vec<f32> = (0..cols).map(|_| rng.uniform(-60.0, 40.0)).collect();
        mask[0] = -4.8708174e14;
        mask[at] = 50.527344;
        let opts = SoftmaxOptions::new()
            .scale(scale)
            .mask(Mask::Additive(&mask));
        let what = format!("{cols} tied pairs, the largest at {at}");
        within_bound_everywhere(&what, &x, cols, &opts);
        lse_within_bound(&what, &x, cols, &opts, &[top]);
    }
}

/// `log_sum_exp` where the result cancels (`max` near `-ln(sum)`): the terms' rounding, up to
/// an ULP each, moves `ln(sum)` by up to `2^-23 ln(sum)`, which the bound now carries. Without
/// that term the fuzzer's `crash-40b848ce…` row was outside it (`5.228305e-3` for
/// `5.2283015e-3`, scalar backend), and so were about 1 in 2300 (scalar) and 1 in 3300 (AVX2)
/// of 400 k random rows of 2 to 41 terms made as below: terms spread over `[-20, 0]`, terms
/// just above a power of two (where an ULP is the largest relative error), and terms near the
/// maximum.
#[test]
fn log_sum_exp_that_cancels() {
    let x = [-106.01953_f32, -20.984375, -3.1784263, -0.037088513];
    lse_within_bound(
        "crash-40b848ce",
        &x,
        4,
        &SoftmaxOptions::new(),
        &[-0.037088513],
    );
    let mut rng = Rng(41);
    for kind in 0..3 {
        let cols = 2 + kind * 13;
        let rows = 3000;
        let mut x = Vec::with_capacity(rows * cols);
        let mut max = Vec::with_capacity(rows);
        for _ in 0..rows {
            let d: Vec<f64> = (0..cols)
                .map(|j| match (j, kind) {
                    (0, _) => 0.0,
                    (_, 0) => -20.0 * rng.unit(),
                    (_, 1) => {
                        let k = 1 + rng.next_u64() % 20;
                        -(k as f64) * std::f64::consts::LN_2 + 1e-4 * rng.unit()
                    }
                    _ => -4.0 * rng.unit(),
                })
                .collect();
            let ln_sum = d.iter().map(|v| v.exp()).sum::<f64>().ln();
            let m = (0.01 * (rng.unit() - 0.5) - ln_sum) as f32;
            x.extend(d.iter().map(|&v| (f64::from(m) + v) as f32));
            max.push(f64::from(m));
        }
        let what = format!("{rows} cancelling rows of {cols}");
        lse_within_bound(&what, &x, cols, &SoftmaxOptions::new(), &max);
    }
}

/// The fuzzer's find (`fuzz/regressions/softmax/crash-4c6d1ddd…`): a scaled row where
/// `scale * x` overflows at the far end from the maximum. By the crate's rule that logit is
/// `-inf` (log-softmax `-inf`, softmax 0), but the three passes, which scale `x - at` and never
/// form `scale * x`, gave the finite `-3.2955784e38` for `x = 1972.1307` at scale
/// `-1.7516517e35`. Such rows now take the staged logits; at either sign of the scale.
#[test]
fn scaled_logits_that_overflow_far_from_the_maximum() {
    let x = [6.3399156e35_f32, 90.71875, 116.86719, 1972.1307];
    let scale = -1.7516517e35_f32;
    let reversed: Vec<f32> = x.iter().map(|v| -v).collect();
    for (row, scale) in [(&x[..], scale), (&reversed[..], -scale)] {
        let opts = SoftmaxOptions::new().scale(scale);
        within_bound_everywhere(&format!("{row:?}, {opts:?}"), row, 4, &opts);
        for (b, k) in backends() {
            let mut y = [0.0_f32; 4];
            k.log_softmax_with(row, &mut y, 4, &opts).unwrap();
            assert_eq!(
                y[0],
                f32::NEG_INFINITY,
                "{b}: log-softmax of the logit -1.1e71"
            );
            assert_eq!(
                y[3],
                f32::NEG_INFINITY,
                "{b}: log-softmax of the logit -3.45e38"
            );
        }
    }
}

/// The fuzzer's find (`fuzz/regressions/softmax/crash-6032da58…`): on the scalar backend the
/// difference `x - at` of a logit staged relative to its row's reference lost its low part
/// when that part was below `2^-53` of it (`s * d + s * dl` rounded to `f64`): the logits
/// `f32::MAX + 1.2e-38` and `2.8388007e-5 + f32::MAX` (an additive mask of `f32::MAX`) tied,
/// a softmax of 0.5 each where the answer is `0.5000071` and `0.4999929`.
#[test]
fn reference_difference_below_f64_precision() {
    let x = [f32::MAX, 2.8388007e-5, 3430856000000000.0, -1.0];
    let mask = [1.1754944e-38_f32, f32::MAX, 0.0, 0.0];
    for scale in [1.0_f32, 0.75] {
        let opts = SoftmaxOptions::new()
            .scale(scale)
            .mask(Mask::Additive(&mask));
        within_bound_everywhere(&format!("{opts:?}"), &x, 4, &opts);
    }
    let opts = SoftmaxOptions::new().mask(Mask::Additive(&mask));
    for (b, k) in backends() {
        let mut y = [0.0_f32; 4];
        k.softmax_with(&x, &mut y, 4, &opts).unwrap();
        assert_eq!(y[..2], [0.4999929, 0.5000071], "{b}");
    }
}

/// The fuzzer's find (`fuzz/regressions/softmax/crash-e7075c45…`): next to the reference
/// (`58.41` with a mask of `f32::MAX`), the logit `f32::MAX + 9.01` is the sum of two large
/// differences that cancel exactly, `f32::MAX - 58.41` and `9.01 - f32::MAX`, and it is their
/// low parts, `-58.41` and `9.01`, whose sum was rounded to one `f32`: log-softmax's
/// `-exp(-49.400156)` 26 ULP off. They are now added exactly.
#[test]
fn cancelling_differences_next_to_the_reference() {
    let x = [58.410156_f32, f32::MAX, -1.0, 3.0];
    let mask = [f32::MAX, 9.01, 0.0, -1e30];
    for scale in [1.0_f32, 0.5] {
        let opts = SoftmaxOptions::new()
            .scale(scale)
            .mask(Mask::Additive(&mask));
        within_bound_everywhere(&format!("{opts:?}"), &x, 4, &opts);
    }
}

/// The fuzzer's find (`fuzz/regressions/softmax/crash-180a9dc7…`): a logit that overflows,
/// `-f32::MAX + -3.9763e34`, is `-inf` by the crate's rule, but staged relative to the row's
/// reference (`-f32::MAX + 1.3220726e38`) its difference `-1.3224702e38` is finite, and
/// log-softmax gave that instead of `-inf`.
#[test]
fn overflowing_logit_in_a_row_with_a_reference() {
    // The largest logit is `-2.08e38` (a reference: `2^12` or more in magnitude).
    let x = [-f32::MAX; 4];
    let mask = [-3.9763e34_f32, 1.3220726e38, 0.0, 1e38];
    let opts = SoftmaxOptions::new().mask(Mask::Additive(&mask));
    within_bound_everywhere("overflowing logit", &x, 4, &opts);
    for (b, k) in backends() {
        let mut y = [0.0_f32; 4];
        k.log_softmax_with(&x, &mut y, 4, &opts).unwrap();
        assert_eq!(y[0], f32::NEG_INFINITY, "{b}");
    }
}
