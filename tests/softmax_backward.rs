//! Softmax and log-softmax backward: every backend against the `f64` reference with the stated
//! bounds, gradient rows summing to 0, bit-identity across backends and thread counts, in-place
//! forms, special values, errors.

mod common;

use common::{Rng, assert_same_bits, backends};
use simd_activations::{Error, Kernels, reference};

type Op = fn(&Kernels, &[f32], &[f32], &mut [f32], usize) -> Result<(), Error>;
type OpInPlace = fn(&Kernels, &[f32], &mut [f32], usize) -> Result<(), Error>;

const FUNCTIONS: [(&str, Op, OpInPlace); 2] = [
    (
        "softmax_backward",
        Kernels::softmax_backward,
        Kernels::softmax_backward_inplace,
    ),
    (
        "log_softmax_backward",
        Kernels::log_softmax_backward,
        Kernels::log_softmax_backward_inplace,
    ),
];

/// The ULP of `v` as an `f32` (subnormal spacing below the normal range).
fn ulp_of(v: f64) -> f64 {
    let a = (v as f32).abs();
    if a < f32::MIN_POSITIVE {
        f64::from(f32::from_bits(1))
    } else {
        let e = (a.to_bits() >> 23) as i32 - 127;
        2f64.powi(e - 23)
    }
}

/// Exact `f64` gradients of a row, and the bound's absolute term per element.
fn exact_row(log: bool, y: &[f32], dy: &[f32]) -> (Vec<f64>, Vec<f64>, f64) {
    if log {
        let t: f64 = dy.iter().map(|&d| f64::from(d)).sum();
        let a: f64 = dy.iter().map(|&d| f64::from(d).abs()).sum();
        let exact = y
            .iter()
            .zip(dy)
            .map(|(&y, &d)| f64::from(d) - f64::from(y).exp() * t)
            .collect();
        let abs = y
            .iter()
            .zip(dy)
            .map(|(&y, &d)| 2f64.powi(-22) * (f64::from(d).abs() + f64::from(y).exp() * a))
            .collect();
        (exact, abs, a)
    } else {
        let s: f64 = y
            .iter()
            .zip(dy)
            .map(|(&y, &d)| f64::from(y) * f64::from(d))
            .sum();
        let a: f64 = y
            .iter()
            .zip(dy)
            .map(|(&y, &d)| (f64::from(y) * f64::from(d)).abs())
            .sum();
        let exact = y
            .iter()
            .zip(dy)
            .map(|(&y, &d)| f64::from(y) * (f64::from(d) - s))
            .collect();
        let abs = y
            .iter()
            .map(|&y| 2f64.powi(-22) * f64::from(y) * a)
            .collect();
        (exact, abs, a)
    }
}

#[derive(Default, Debug)]
struct Worst {
    /// Largest `|dx - exact| / (4 ulp + abs term)`.
    ratio: f64,
    /// Largest error in ULP of the result where the absolute term is below 1% of an ULP.
    ulps: f64,
    /// Largest `|sum dx| / sum |dy y|` (softmax).
    row_sum: f64,
}

/// Checks every function on every backend (sequential) against the bounds, and the in-place
/// forms; the softmax rows of `dx` must sum to 0 within `2^-22 sum |dy y|` (plus the part due
/// to `y` not summing to 1 exactly).
fn check(y: &[f32], ylog: &[f32], dy: &[f32], cols: usize, what: &str, worst: &mut [Worst; 2]) {
    for (f, (name, op, op_inplace)) in FUNCTIONS.iter().enumerate() {
        let log = f == 1;
        let y = if log { ylog } else { y };
        let mut want = vec![0.0; y.len()];
        if log {
            reference::log_softmax_backward(y, dy, &mut want, cols).unwrap();
        } else {
            reference::softmax_backward(y, dy, &mut want, cols).unwrap();
        }
        let mut first: Option<Vec<f32>> = None;
        for (b, k) in backends() {
            let mut got = vec![0.0; y.len()];
            op(&k, y, dy, &mut got, cols).unwrap();
            for r in 0..y.len() / cols {
                let span = r * cols..(r + 1) * cols;
                let (exact, abs, a) = exact_row(log, &y[span.clone()], &dy[span.clone()]);
                for (j, i) in span.clone().enumerate() {
                    let err = (f64::from(got[i]) - exact[j]).abs();
                    let bound = 4.0 * ulp_of(exact[j]) + abs[j];
                    assert!(
                        err <= bound,
                        "{name} {b} {what} cols={cols} [{i}]: y={} dy={} got {:e} want {:e} \
                         (exact {:e}, err {err:e} > bound {bound:e})",
                        y[i],
                        dy[i],
                        got[i],
                        want[i],
                        exact[j]
                    );
                    let w = &mut worst[f];
                    w.ratio = w.ratio.max(err / bound);
                    if abs[j] < 0.01 * ulp_of(exact[j]) {
                        w.ulps = w.ulps.max(err / ulp_of(exact[j]));
                    }
                }
                if !log && a > 0.0 {
                    let sum: f64 = got[span.clone()].iter().map(|&v| f64::from(v)).sum();
                    let s: f64 = y[span.clone()]
                        .iter()
                        .zip(&dy[span.clone()])
                        .map(|(&y, &d)| f64::from(y) * f64::from(d))
                        .sum();
                    let ysum: f64 = y[span.clone()].iter().map(|&v| f64::from(v)).sum();
                    // The exact gradient of this y sums to s (1 - sum y).
                    let off = (sum - s * (1.0 - ysum)).abs();
                    assert!(
                        off <= 2f64.powi(-22) * a,
                        "{name} {b} {what} row {r}: sums to {sum:e}, {:e} of sum|dy y|",
                        off / a
                    );
                    worst[0].row_sum = worst[0].row_sum.max(off / a);
                }
            }
            let mut z = dy.to_vec();
            op_inplace(&k, y, &mut z, cols).unwrap();
            assert_same_bits(&format!("{name} {b} {what}: in place"), y, &z, &got);
            // Softmax backward: every backend the same bits; log-softmax's `exp` may differ
            // by an ULP on the scalar backend (no FMA), so there Avx2 == Avx512 only.
            if !log || b != simd_activations::Backend::Scalar {
                match &first {
                    None => first = Some(got),
                    Some(g) => assert_same_bits(
                        &format!("{name} {b} {what}: vs the first backend"),
                        y,
                        &got,
                        g,
                    ),
                }
            }
        }
    }
}

/// `(softmax(x), log_softmax(x))` of random logits.
fn forward(x: &[f32], cols: usize) -> (Vec<f32>, Vec<f32>) {
    let mut y = vec![0.0; x.len()];
    let mut l = vec![0.0; x.len()];
    reference::softmax(x, &mut y, cols).unwrap();
    reference::log_softmax(x, &mut l, cols).unwrap();
    (y, l)
}

#[test]
fn differential_shapes_and_tails() {
    let mut rng = Rng(0x5eed_0001);
    let mut worst = [Worst::default(), Worst::default()];
    let mut shapes: Vec<(usize, usize)> = (1..=70).map(|c| (5, c)).collect();
    shapes.extend([
        (3, 255),
        (2, 4095),
        (2, 4096),
        (2, 4097),
        (2, 12345),
        (1, 40000),
        (64, 1000),
    ]);
    for (rows, cols) in shapes {
        for (lo, hi) in [(-5.0, 5.0), (-30.0, 30.0)] {
            let x = rng.vec(rows * cols, lo, hi);
            let (y, l) = forward(&x, cols);
            let dy = rng.vec(rows * cols, -1.0, 1.0);
            check(&y, &l, &dy, cols, "random", &mut worst);
            // dy of mixed magnitudes and one sign (heavy cancellation in softmax).
            let dy: Vec<f32> = (0..rows * cols)
                .map(|_| rng.uniform(0.5, 1.0) * 2f32.powi(rng.below(20) as i32 - 10))
                .collect();
            check(&y, &l, &dy, cols, "mixed", &mut worst);
        }
    }
    println!("worst: {worst:?}");
}

#[test]
fn long_rows() {
    let mut rng = Rng(0x5eed_0002);
    let mut worst = [Worst::default(), Worst::default()];
    for cols in [1 << 20, (1 << 20) - 3] {
        let x = rng.vec(cols, -10.0, 10.0);
        let (y, l) = forward(&x, cols);
        let dy = rng.vec(cols, -1.0, 1.0);
        check(&y, &l, &dy, cols, "long", &mut worst);
        let dy: Vec<f32> = (0..cols).map(|_| rng.uniform(0.9, 1.1)).collect();
        check(&y, &l, &dy, cols, "long, near-constant dy", &mut worst);
    }
    println!("worst (rows of 2^20): {worst:?}");
}

#[test]
fn same_bits_for_every_thread_count() {
    let mut rng = Rng(0x5eed_0003);
    let shapes = [
        (4096, 32),
        (64, 4096),
        (3, 1 << 19),
        (1, (1 << 20) + 5),
        (1000, 67),
    ];
    for (rows, cols) in shapes {
        let x = rng.vec(rows * cols, -8.0, 8.0);
        let (y, l) = forward(&x, cols);
        let dy = rng.vec(rows * cols, -1.0, 1.0);
        for (f, (name, op, op_inplace)) in FUNCTIONS.iter().enumerate() {
            let y = if f == 1 { &l } else { &y };
            let seq = Kernels::global().sequential();
            let mut want = vec![0.0; y.len()];
            op(&seq, y, &dy, &mut want, cols).unwrap();
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                for k in [
                    *Kernels::global(),
                    Kernels::global().parallel_threshold(1),
                    Kernels::global().parallel_threshold(1000),
                ] {
                    let mut got = vec![0.0; y.len()];
                    pool.install(|| op(&k, y, &dy, &mut got, cols)).unwrap();
                    let what = format!("{name} {rows}x{cols} on {threads} threads");
                    assert_same_bits(&what, y, &got, &want);
                    let mut z = dy.clone();
                    pool.install(|| op_inplace(&k, y, &mut z, cols)).unwrap();
                    assert_same_bits(&format!("{what}, in place"), y, &z, &want);
                }
            }
        }
    }
}

/// Log-softmax outputs below -87 (where `exp(y)` alone is subnormal or 0 in `f32`) with a
/// large `sum dy`: `exp(y) * sum` is a normal number there, and keeps the bound (the fuzzer's
/// `fuzz/regressions/softmax_backward/`: 7 to 10^7 ULP beyond it before).
#[test]
fn log_softmax_backward_below_exp_normal_range() {
    let ylog = [
        -118.49651_f32,
        -100.0,
        -90.0,
        -87.5,
        -150.0,
        -200.0,
        0.0,
        -1.0,
    ];
    let ysoft = [0.125_f32; 8];
    let dy = [-1.1754944e-38_f32, 1e30, -3e29, 2.0, 7e25, -1.0, 1e-3, 5e28];
    let mut worst = [Worst::default(), Worst::default()];
    check(&ysoft, &ylog, &dy, 8, "far tail", &mut worst);
    check(&ysoft, &ylog, &dy, 4, "far tail, rows of 4", &mut worst);
}

#[test]
fn special_values_follow_the_formula() {
    // softmax: a NaN dy or y makes the row NaN; an infinite dy too, except where the formula
    // keeps it infinite.
    for (name, op, _) in FUNCTIONS {
        for (y, dy) in [
            ([0.5_f32, 0.5, 0.0], [f32::NAN, 1.0, 1.0]),
            ([f32::NAN, 0.5, 0.0], [1.0, 1.0, 1.0]),
            ([0.5, 0.5, 0.0], [f32::INFINITY, 1.0, 1.0]),
        ] {
            let mut got = [0.0; 3];
            op(Kernels::global(), &y, &dy, &mut got, 3).unwrap();
            let mut want = [0.0; 3];
            if name == "softmax_backward" {
                reference::softmax_backward(&y, &dy, &mut want, 3).unwrap();
            } else {
                reference::log_softmax_backward(&y, &dy, &mut want, 3).unwrap();
            }
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g.is_nan() && w.is_nan()) || simd_activations::ulp::distance(*g, *w) <= 4,
                    "{name} y={y:?} dy={dy:?}: got {got:?} want {want:?}"
                );
            }
        }
    }
    // log-softmax: y = -inf (a masked entry) passes dy through.
    let mut dx = [0.0; 2];
    simd_activations::log_softmax_backward(&[0.0, f32::NEG_INFINITY], &[0.5, 7.0], &mut dx, 2)
        .unwrap();
    assert_eq!(dx, [0.5 - 7.5, 7.0]);
}

#[test]
fn errors_leave_outputs_untouched() {
    let y = [0.25_f32; 8];
    let dy = [1.0_f32; 8];
    for (name, op, op_inplace) in FUNCTIONS {
        let k = Kernels::global();
        for (cols, dylen, dxlen, want) in [
            (0, 8, 8, Error::ZeroDimension { name: "cols" }),
            (
                3,
                8,
                8,
                Error::NotDivisible {
                    what: "y.len()",
                    len: 8,
                    dim_name: "cols",
                    dim: 3,
                },
            ),
            (
                4,
                7,
                8,
                Error::SliceLength {
                    name: "dy",
                    len: 7,
                    expected: 8,
                    of: "y",
                },
            ),
            (
                4,
                8,
                9,
                Error::SliceLength {
                    name: "dx",
                    len: 9,
                    expected: 8,
                    of: "y",
                },
            ),
        ] {
            let mut dx = vec![9.0_f32; dxlen];
            assert_eq!(
                op(k, &y, &vec![1.0_f32; dylen], &mut dx, cols),
                Err(want),
                "{name}"
            );
            assert!(dx.iter().all(|&v| v == 9.0), "{name}: output written");
            if dxlen == 8 {
                let mut g: Vec<f32> = vec![9.0; dylen];
                assert_eq!(
                    op_inplace(k, &y, &mut g, cols),
                    Err(want),
                    "{name} in place"
                );
                assert!(g.iter().all(|&v| v == 9.0), "{name}: dy written");
            }
        }
    }
    // The references check the same.
    let mut dx = [0.0; 8];
    assert!(reference::softmax_backward(&y, &dy, &mut dx, 3).is_err());
    assert!(reference::log_softmax_backward(&y, &dy, &mut dx, 0).is_err());
}

/// A row sum through `f32::MAX`: TwoSum's first step overflows where an operand is `f32::MAX`
/// and the sum ties away from zero (a lane's sum `-3 * 2^103`, then a term `f32::MAX`), which
/// made the row's sum NaN where the exact one is `f32::MAX - 3 * 2^103`. `f32::MAX` sits at
/// every position after the two terms `-1.5 * 2^103` (elements 0 and 16, whose pair is one
/// lane's `-3 * 2^103`), so that some order of every backend meets it.
#[test]
fn row_sums_through_f32_max() {
    let h = 1.5 * 2f32.powi(103);
    let cols = 64;
    let mut worst = [Worst::default(), Worst::default()];
    for k in (1..cols).filter(|&k| k != 16) {
        let mut y = vec![0.0_f32; cols];
        let mut ylog = vec![-200.0_f32; cols];
        let mut dy = vec![0.0_f32; cols];
        for i in [0, 16] {
            (y[i], ylog[i], dy[i]) = (1.0, 0.0, -h);
        }
        (y[k], ylog[k], dy[k]) = (1.0, 0.0, f32::MAX);
        check(
            &y,
            &ylog,
            &dy,
            cols,
            &format!("f32::MAX at {k}"),
            &mut worst,
        );
    }
}

/// Softmax backward's last pass at the top of the range: the row sum `f32::MAX - 3 * 2^103`
/// ties to `hi = 2^128 - 2^105` (rounded up), `lo = -2^103`, so that for `dy = -3 * 2^103`
/// the pass's `dy - hi` overflowed to `-inf` where `dy - sum` is exactly `-f32::MAX`; and the
/// same reflected. `f32::MAX` sits at every position after the first, so that every order of
/// the sum on every backend meets it.
#[test]
fn last_pass_at_the_end_of_the_range() {
    let t = 3.0 * 2f32.powi(103);
    let cols = 64;
    for sign in [1.0_f32, -1.0] {
        for at in 1..cols {
            let mut y = vec![0.0_f32; cols];
            let mut dy = vec![0.0_f32; cols];
            (y[0], dy[0]) = (1.0, -sign * t);
            (y[at], dy[at]) = (1.0, sign * f32::MAX);
            for (b, k) in backends() {
                let what = format!("{b} sign {sign} f32::MAX at {at}");
                let mut dx = vec![f32::NAN; cols];
                k.softmax_backward(&y, &dy, &mut dx, cols).unwrap();
                // `1 * (dy - sum)`, exact: `-f32::MAX` and `f32::MAX - sum = 3 * 2^103`.
                assert_eq!(dx[0], -sign * f32::MAX, "{what}: dx[0]");
                assert_eq!(dx[at], sign * t, "{what}: dx[{at}]");
                assert!(
                    dx.iter()
                        .enumerate()
                        .all(|(i, &v)| i == 0 || i == at || v == 0.0),
                    "{what}: y = 0 elsewhere"
                );
                let mut z = dy.clone();
                k.softmax_backward_inplace(&y, &mut z, cols).unwrap();
                assert_same_bits(&format!("{what}: in place"), &y, &z, &dx);
            }
        }
    }
}
