//! Softmax and log-softmax: every backend against the `f64` reference, special rows,
//! bit-identity across backends and thread counts, errors.

mod common;

use common::{Rng, assert_same_bits, avx2_and_avx512, backends};
use simd_activations::{Error, Kernels, reference, ulp};

const BOUND: u32 = 4;

/// The sequential handle of every backend this CPU supports.
fn sequential_kernels() -> Vec<Kernels> {
    backends().into_iter().map(|(_, k)| k).collect()
}

type Op = fn(&Kernels, &[f32], &mut [f32], usize) -> Result<(), Error>;
type OpInPlace = fn(&Kernels, &mut [f32], usize) -> Result<(), Error>;
type RefOp = fn(&[f32], &mut [f32], usize) -> Result<(), Error>;

const FUNCTIONS: [(&str, Op, OpInPlace, RefOp); 2] = [
    (
        "softmax",
        Kernels::softmax,
        Kernels::softmax_inplace,
        reference::softmax,
    ),
    (
        "log_softmax",
        Kernels::log_softmax,
        Kernels::log_softmax_inplace,
        reference::log_softmax,
    ),
];

/// Runs every function on every backend (out of place and in place) and checks the ULP bound,
/// the in-place result and, for softmax, the row sums. Returns the max ULP error seen.
fn check(x: &[f32], cols: usize, what: &str) -> u32 {
    let mut worst = 0;
    for (name, op, op_inplace, refop) in FUNCTIONS {
        let mut want = vec![0.0; x.len()];
        refop(x, &mut want, cols).unwrap();
        for k in sequential_kernels() {
            let mut got = vec![0.0; x.len()];
            op(&k, x, &mut got, cols).unwrap();
            for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
                let d = ulp::distance(g, w);
                assert!(
                    d <= BOUND,
                    "{name} {} {what} cols={cols} [{i}]: x={} got {g:e} want {w:e} ({d} ulp)",
                    k.backend(),
                    x[i],
                );
                worst = worst.max(d);
            }
            let mut z = x.to_vec();
            op_inplace(&k, &mut z, cols).unwrap();
            let w = format!("{name} {} {what} cols={cols}: in place", k.backend());
            assert_same_bits(&w, x, &z, &got);
            if name == "softmax" {
                for (r, row) in got.chunks(cols).enumerate() {
                    if row.iter().all(|v| !v.is_nan()) {
                        let s: f64 = row.iter().map(|&v| f64::from(v)).sum();
                        assert!(
                            (s - 1.0).abs() <= 1e-6,
                            "{} {what} cols={cols} row {r}: sum {s}",
                            k.backend()
                        );
                    }
                }
            }
        }
    }
    worst
}

#[test]
fn differential_small_and_odd_shapes() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut worst = 0;
    let mut cols_list: Vec<usize> = (1..=67).collect();
    cols_list.extend([1000, 4099, 65537]);
    for &cols in &cols_list {
        for rows in 1..=5 {
            if cols > 4099 && rows > 2 {
                continue;
            }
            let x = rng.vec(rows * cols, -12.0, 12.0);
            worst = worst.max(check(&x, cols, "[-12, 12]"));
        }
    }
    eprintln!("max ulp: {worst}");
}

#[test]
fn wide_and_narrow_ranges() {
    let mut rng = Rng(42);
    for &(lo, hi) in &[(-1e4, 1e4), (-1e-3, 1e-3), (-100.0, 0.0), (-200.0, 5.0)] {
        for &cols in &[7usize, 64, 1000, 4099] {
            let x = rng.vec(3 * cols, lo, hi);
            check(&x, cols, &format!("[{lo}, {hi}]"));
        }
    }
    // Values anywhere in the finite range, and rows near the largest magnitudes.
    let mut x: Vec<f32> = (0..4 * 999)
        .map(|_| f32::from_bits((rng.next_u64() as u32) & 0xFF7F_FFFF))
        .collect();
    x[0] = f32::MAX;
    x[1] = f32::MAX;
    x[999] = f32::MIN;
    check(&x, 999, "finite bit patterns");
    // Values close to a large maximum: x - max rounds.
    let x: Vec<f32> = (0..2000)
        .map(|_| 1000.0 + rng.uniform(-90.0, 0.0))
        .collect();
    check(&x, 1000, "near 1000");
    let x: Vec<f32> = (0..2000).map(|_| -3e4 + rng.uniform(-100.0, 0.0)).collect();
    check(&x, 500, "near -3e4");
}

#[test]
fn long_row_four_ulp() {
    // 2^20 elements spread over a wide range: about a tenth of them contribute to the sum.
    let mut rng = Rng(7);
    let n = 1 << 20;
    let x: Vec<f32> = (0..n)
        .map(|i| {
            if i % 10 == 0 {
                rng.uniform(-120.0, 30.0)
            } else {
                rng.uniform(-1e4, 1e4)
            }
        })
        .collect();
    let worst = check(&x, n, "2^20 wide");
    eprintln!("2^20 wide: max ulp {worst}");
    let x = rng.vec(n, -20.0, 20.0);
    let worst = check(&x, n, "2^20 [-20, 20]");
    eprintln!("2^20 [-20, 20]: max ulp {worst}");
}

#[test]
fn log_softmax_max_element_with_tiny_others() {
    let mut rng = Rng(99);
    for &cols in &[2usize, 17, 1000, 5000] {
        for &(lo, hi) in &[
            (-25.0, -15.0),
            (-60.0, -40.0),
            (-103.0, -90.0),
            (-8.0, -7.9),
        ] {
            let mut x = rng.vec(cols, lo, hi);
            x[cols / 3] = 0.0;
            check(&x, cols, &format!("tiny others [{lo}, {hi}]"));
            let shifted: Vec<f32> = x.iter().map(|v| v + 50.0).collect();
            check(&shifted, cols, "tiny others, shifted");
        }
    }
}

fn expect_row(f: &str, got: &[f32], want: &[f32]) {
    for (g, w) in got.iter().zip(want) {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "{f}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn special_rows() {
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    let ninf = f32::NEG_INFINITY;
    for k in sequential_kernels() {
        for cols in [1usize, 3, 17, 40] {
            let base: Vec<f32> = (0..cols).map(|i| i as f32 * 0.25 - 2.0).collect();
            let mut cases: Vec<(Vec<f32>, &str)> = Vec::new();
            for pos in [0, cols / 2, cols - 1] {
                for (v, what) in [(nan, "nan"), (inf, "+inf")] {
                    let mut r = base.clone();
                    r[pos] = v;
                    cases.push((r, what));
                }
            }
            cases.push((vec![ninf; cols], "all -inf"));
            for (x, what) in cases {
                for (name, op, _, _) in FUNCTIONS {
                    let mut y = vec![0.0; cols];
                    op(&k, &x, &mut y, cols).unwrap();
                    assert!(
                        y.iter().all(|v| v.is_nan()),
                        "{name} {} {what} cols={cols}: {y:?}",
                        k.backend()
                    );
                }
            }
            // -inf entries: exactly 0 (log: -inf); the rest is the softmax of the others.
            if cols > 1 {
                let mut x = base.clone();
                let mut finite = Vec::new();
                for (i, v) in x.iter_mut().enumerate() {
                    if i % 2 == 1 {
                        *v = ninf;
                    } else {
                        finite.push(*v);
                    }
                }
                let mut y = vec![0.0; cols];
                let mut yf = vec![0.0; finite.len()];
                for (name, op, _, refop) in FUNCTIONS {
                    op(&k, &x, &mut y, cols).unwrap();
                    refop(&finite, &mut yf, finite.len()).unwrap();
                    let masked = if name == "softmax" { 0.0 } else { ninf };
                    for (i, &v) in y.iter().enumerate() {
                        if i % 2 == 1 {
                            assert_eq!(v.to_bits(), masked.to_bits(), "{name} masked");
                        } else {
                            assert!(ulp::distance(v, yf[i / 2]) <= BOUND, "{name} {y:?}");
                        }
                    }
                }
            }
        }
        // Rows of one element.
        let x = [3.0_f32, -1e30, 0.0, f32::MAX];
        let mut y = [0.0; 4];
        k.softmax(&x, &mut y, 1).unwrap();
        assert_eq!(y, [1.0; 4]);
        k.log_softmax(&x, &mut y, 1).unwrap();
        expect_row("log1", &y, &[0.0; 4]);
        // Huge values: no overflow, no NaN from underflow.
        let x = [f32::MAX, f32::MAX, 0.0, f32::MIN];
        let mut y = [0.0; 4];
        k.softmax(&x, &mut y, 4).unwrap();
        expect_row("huge", &y, &[0.5, 0.5, 0.0, 0.0]);
        k.log_softmax(&x, &mut y, 4).unwrap();
        assert_eq!(y[0], -std::f32::consts::LN_2);
        assert_eq!(y[1], -std::f32::consts::LN_2);
        assert_eq!(y[2], f32::MIN);
        assert_eq!(y[3], ninf);
        let x = [0.0_f32, -1000.0, -104.0, -90.0];
        k.softmax(&x, &mut y, 4).unwrap();
        assert!(y.iter().all(|v| !v.is_nan()) && y[1] == 0.0 && y[3] > 0.0);
    }
}

#[test]
fn avx2_equals_avx512_bit_for_bit() {
    let Some((a, b)) = avx2_and_avx512() else {
        return;
    };
    let mut rng = Rng(5);
    for &cols in &[1usize, 5, 16, 31, 33, 100, 4096, 4097, 20000] {
        for &(lo, hi) in &[(-12.0, 12.0), (-1e4, 1e4), (-1e-3, 1e-3)] {
            let mut x = rng.vec(3 * cols, lo, hi);
            x[cols / 2] = f32::NEG_INFINITY;
            for (name, op, _, _) in FUNCTIONS {
                let (mut ya, mut yb) = (vec![0.0; x.len()], vec![0.0; x.len()]);
                op(&a, &x, &mut ya, cols).unwrap();
                op(&b, &x, &mut yb, cols).unwrap();
                assert_same_bits(&format!("{name} cols={cols} [{lo}, {hi}]"), &x, &ya, &yb);
            }
        }
    }
}

#[test]
fn threads_equal_sequential_bit_for_bit() {
    let mut rng = Rng(11);
    let shapes = [
        (1usize, 1usize << 20),
        (1, 300_007),
        (2, 262_149),
        (3, 100_003),
        (64, 4096),
        (1000, 67),
        (2, 1 << 15),
    ];
    for (rows, cols) in shapes {
        let x = rng.vec(rows * cols, -30.0, 30.0);
        for (name, op, op_inplace, _) in FUNCTIONS {
            let seq = Kernels::global().sequential();
            let mut want = vec![0.0; x.len()];
            op(&seq, &x, &mut want, cols).unwrap();
            for threads in [2, 3, 4] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                for k in [*Kernels::global(), Kernels::global().parallel_threshold(1)] {
                    let mut got = vec![0.0; x.len()];
                    pool.install(|| op(&k, &x, &mut got, cols)).unwrap();
                    let what = format!("{name} {rows}x{cols} on {threads} threads");
                    assert_same_bits(&what, &x, &got, &want);
                    let mut z = x.clone();
                    pool.install(|| op_inplace(&k, &mut z, cols)).unwrap();
                    let what = format!("{name} in place {rows}x{cols} on {threads} threads");
                    assert_same_bits(&what, &x, &z, &want);
                }
            }
        }
    }
}

#[test]
fn errors_leave_output_untouched() {
    let x = [1.0_f32; 12];
    for (name, op, op_inplace, refop) in FUNCTIONS {
        let k = Kernels::global();
        let mut y = [7.0_f32; 12];
        assert_eq!(
            op(k, &x, &mut y, 0),
            Err(Error::ZeroDimension { name: "cols" }),
            "{name}"
        );
        assert_eq!(
            op(k, &x, &mut y, 5),
            Err(Error::NotDivisible {
                what: "x.len()",
                len: 12,
                dim_name: "cols",
                dim: 5
            })
        );
        let mut short = [7.0_f32; 11];
        assert_eq!(
            op(k, &x, &mut short, 3),
            Err(Error::LengthMismatch {
                input: 12,
                output: 11
            })
        );
        assert!(refop(&x, &mut short, 3).is_err());
        assert!(refop(&x, &mut y, 0).is_err());
        assert_eq!(y, [7.0; 12]);
        assert_eq!(short, [7.0; 11]);
        let mut z = [7.0_f32; 12];
        assert!(op_inplace(k, &mut z, 0).is_err());
        assert!(op_inplace(k, &mut z, 7).is_err());
        assert_eq!(z, [7.0; 12]);
        // Empty matrices are fine.
        op(k, &[], &mut [], 3).unwrap();
        op_inplace(k, &mut [], 1).unwrap();
    }
    simd_activations::softmax(&x, &mut [0.0; 12], 4).unwrap();
    simd_activations::log_softmax_inplace(&mut [0.0; 4], 2).unwrap();
}

/// Rows are independent: in a matrix mixing special rows (NaN, `+inf`, all `-inf`, masked
/// entries, huge values) with ordinary ones, every row comes out bit for bit as it does alone,
/// whatever the rows around it (many short rows are processed side by side, in blocks).
#[test]
fn rows_are_independent_of_their_neighbours() {
    let mut rng = Rng(0x5107_0000_0001);
    let specials = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, -1e30];
    for k in sequential_kernels() {
        for cols in [1usize, 2, 3, 7, 8, 16, 17, 33, 40, 48, 49, 100] {
            let rows = 300;
            let mut x = rng.vec(rows * cols, -30.0, 30.0);
            for row in x.chunks_mut(cols) {
                match rng.below(8) {
                    0 => row.fill(f32::NEG_INFINITY),
                    1 | 2 => {
                        let i = rng.below(cols);
                        row[i] = specials[rng.below(specials.len())];
                    }
                    _ => {}
                }
            }
            for (name, op, op_inplace, _) in FUNCTIONS {
                let mut together = vec![0.0; x.len()];
                op(&k, &x, &mut together, cols).unwrap();
                let mut alone = vec![0.0; cols];
                for (r, row) in x.chunks(cols).enumerate() {
                    op(&k, row, &mut alone, cols).unwrap();
                    let what = format!("{name} {} cols={cols} row {r}", k.backend());
                    assert_same_bits(&what, row, &alone, &together[r * cols..(r + 1) * cols]);
                }
                let mut z = x.clone();
                op_inplace(&k, &mut z, cols).unwrap();
                let what = format!("{name} {} cols={cols} in place", k.backend());
                assert_same_bits(&what, &x, &together, &z);
            }
        }
    }
}
