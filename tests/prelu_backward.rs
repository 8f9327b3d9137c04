//! PReLU backward: `dx` exact and `dslopes` within its bound against the `f64` reference on
//! every backend, channels-last and channels-first, bit-identity across backends and thread
//! counts, in-place forms, PyTorch's conventions at the kink and for special values, errors.

mod common;

use common::{Rng, assert_same_bits, backends};
use simd_activations::{Error, Kernels, reference};

/// The ULP of `v` as an `f32`.
fn ulp_of(v: f64) -> f64 {
    let a = (v as f32).abs();
    if a < f32::MIN_POSITIVE {
        f64::from(f32::from_bits(1))
    } else {
        2f64.powi((a.to_bits() >> 23) as i32 - 127 - 23)
    }
}

/// Runs one shape on every backend (sequential), out of place and in place; checks `dx`
/// against the reference bit for bit and `dslopes` against the bound; all backends must agree
/// bit for bit. Returns the largest `|err| / bound` of `dslopes`.
fn check(x: &[f32], dy: &[f32], slopes: &[f32], inner: usize, what: &str) -> f64 {
    let c = slopes.len();
    let mut want = vec![0.0; x.len()];
    let mut want_ds = vec![0.0; c];
    reference::prelu_channels_first_backward(x, dy, &mut want, slopes, &mut want_ds, inner)
        .unwrap();
    // Exact sums and the bound's absolute term.
    let period = c * inner;
    let mut exact = vec![0.0_f64; c];
    let mut mag = vec![0.0_f64; c];
    for (i, (&x, &d)) in x.iter().zip(dy).enumerate() {
        let ch = (i % period) / inner;
        if x <= 0.0 {
            exact[ch] += f64::from(x) * f64::from(d);
            mag[ch] += (f64::from(x) * f64::from(d)).abs();
        }
    }
    let mut worst = 0.0_f64;
    let mut first: Option<(Vec<f32>, Vec<f32>)> = None;
    for (b, k) in backends() {
        let mut dx = vec![0.0; x.len()];
        let mut ds = vec![7.0; c];
        k.prelu_channels_first_backward(x, dy, &mut dx, slopes, &mut ds, inner)
            .unwrap();
        assert_same_bits(&format!("{b} {what}: dx"), x, &dx, &want);
        for ch in 0..c {
            let err = (f64::from(ds[ch]) - exact[ch]).abs();
            let bound = 2.0 * ulp_of(exact[ch]) + 2f64.powi(-23) * mag[ch];
            assert!(
                err <= bound,
                "{b} {what} channel {ch}: got {:e} want {:e} (err {err:e} > {bound:e})",
                ds[ch],
                exact[ch]
            );
            if bound > 0.0 {
                worst = worst.max(err / bound);
            }
        }
        let mut g = dy.to_vec();
        let mut ds2 = vec![0.0; c];
        k.prelu_channels_first_backward_inplace(x, &mut g, slopes, &mut ds2, inner)
            .unwrap();
        assert_same_bits(&format!("{b} {what}: dx in place"), x, &g, &dx);
        assert_same_bits(&format!("{b} {what}: dslopes in place"), slopes, &ds2, &ds);
        if inner == 1 {
            let mut d3 = vec![0.0; x.len()];
            let mut ds3 = vec![0.0; c];
            k.prelu_backward(x, dy, &mut d3, slopes, &mut ds3).unwrap();
            assert_same_bits(&format!("{b} {what}: channels-last"), x, &d3, &dx);
            assert_same_bits(&format!("{b} {what}: channels-last"), slopes, &ds3, &ds);
        }
        match &first {
            None => first = Some((dx, ds)),
            Some((d0, s0)) => {
                assert_same_bits(&format!("{b} {what}: dx vs first backend"), x, &dx, d0);
                assert_same_bits(&format!("{b} {what}: dslopes vs first"), slopes, &ds, s0);
            }
        }
    }
    worst
}

fn data(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>) {
    (rng.vec(n, -2.0, 1.0), rng.vec(n, -1.0, 1.0))
}

#[test]
fn channels_last_shapes() {
    let mut rng = Rng(0x9e1_0001);
    let mut worst = 0.0_f64;
    for c in [
        1, 2, 3, 7, 16, 17, 64, 100, 1000, 1023, 1024, 1025, 1500, 3000,
    ] {
        for rows in [1, 2, 5, 37, 300] {
            let (x, dy) = data(&mut rng, rows * c);
            let slopes = rng.vec(c, -0.5, 0.5);
            worst = worst.max(check(&x, &dy, &slopes, 1, &format!("C={c} rows={rows}")));
        }
    }
    println!("worst dslopes error / bound: {worst:.3}");
}

#[test]
fn channels_first_shapes() {
    let mut rng = Rng(0x9e1_0002);
    let mut worst = 0.0_f64;
    for (n, c, inner) in [
        (1, 3, 7),
        (2, 3, 49),
        (3, 64, 49),
        (2, 5, 1000),
        (2, 3, 1024),
        (2, 3, 1025),
        (2, 2, 3136),
        (4, 40, 30),
        (1, 2000, 3),
    ] {
        let (x, dy) = data(&mut rng, n * c * inner);
        let slopes = rng.vec(c, -0.5, 0.5);
        worst = worst.max(check(
            &x,
            &dy,
            &slopes,
            inner,
            &format!("N={n} C={c} HW={inner}"),
        ));
    }
    println!("worst dslopes error / bound: {worst:.3}");
}

#[test]
fn long_channels() {
    let mut rng = Rng(0x9e1_0003);
    // One channel of 2^24 elements; then 3 channels-last channels of 2^22 + a bit.
    let n = 1 << 24;
    let x: Vec<f32> = (0..n).map(|_| rng.uniform(-1.0, 0.01)).collect();
    let dy: Vec<f32> = (0..n).map(|_| rng.uniform(0.0, 1.0)).collect();
    let w1 = check(&x, &dy, &[0.25], 1, "one channel of 2^24");
    let m = 3 * ((1 << 22) + 5);
    let w2 = check(
        &x[..m],
        &dy[..m],
        &[0.1, 0.2, 0.3],
        1,
        "3 channels of 2^22 + 5",
    );
    let m = 3 * 1024 * 4097;
    let w3 = check(
        &x[..m],
        &dy[..m],
        &[0.1, 0.2, 0.3],
        1 << 10,
        "N=4097 C=3 HW=1024",
    );
    println!("worst dslopes error / bound on long channels: {w1:.3} {w2:.3} {w3:.3}");
}

#[test]
fn same_bits_for_every_thread_count() {
    let mut rng = Rng(0x9e1_0004);
    for (n, c, inner) in [
        (16 * 1024, 64, 1),
        (100_003, 3, 1),
        (5000, 300, 1),
        (2000, 3000, 1),
        (8, 64, 3136),
        (16, 3, 1000),
    ] {
        let (x, dy) = data(&mut rng, n * c * inner);
        let slopes = rng.vec(c, -0.5, 0.5);
        let seq = Kernels::global().sequential();
        let (mut want, mut want_ds) = (vec![0.0; x.len()], vec![0.0; c]);
        seq.prelu_channels_first_backward(&x, &dy, &mut want, &slopes, &mut want_ds, inner)
            .unwrap();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for k in [
                *Kernels::global(),
                Kernels::global().parallel_threshold(1),
                Kernels::global().parallel_threshold(4096),
            ] {
                let (mut dx, mut ds) = (vec![0.0; x.len()], vec![0.0; c]);
                pool.install(|| {
                    k.prelu_channels_first_backward(&x, &dy, &mut dx, &slopes, &mut ds, inner)
                })
                .unwrap();
                let what = format!("N={n} C={c} HW={inner} on {threads} threads");
                assert_same_bits(&what, &x, &dx, &want);
                assert_same_bits(&what, &slopes, &ds, &want_ds);
                let mut g = dy.clone();
                pool.install(|| {
                    k.prelu_channels_first_backward_inplace(&x, &mut g, &slopes, &mut ds, inner)
                })
                .unwrap();
                assert_same_bits(&format!("{what}, in place"), &x, &g, &want);
                assert_same_bits(&format!("{what}, in place"), &slopes, &ds, &want_ds);
            }
        }
    }
}

#[test]
fn kink_and_special_values() {
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    let x = [0.0_f32, -0.0, 1.0, 1.0, -1.0, nan, 0.0, 2.0];
    let dy = [1.0_f32, 1.0, inf, nan, nan, 1.0, inf, -inf];
    let mut dx = [0.0; 8];
    let mut ds = [0.0; 8];
    let slopes = [0.5; 8]; // one channel per element
    simd_activations::prelu_backward(&x, &dy, &mut dx, &slopes, &mut ds).unwrap();
    // x = 0 takes the slope (PyTorch: x > 0 ? dy : slope * dy).
    assert_eq!(dx[..3], [0.5, 0.5, inf]);
    assert!(dx[3].is_nan() && dx[4].is_nan());
    assert_eq!(dx[5], 0.5); // NaN x: the slope branch
    assert_eq!(dx[6], inf);
    assert_eq!(dx[7], -inf);
    // dslopes: x > 0 contributes 0 whatever dy; 0 * inf = NaN; NaN x or dy gives NaN.
    assert_eq!(ds[0], 0.0);
    assert_eq!(ds[1], 0.0);
    assert_eq!(ds[2], 0.0);
    assert_eq!(ds[3], 0.0);
    assert!(ds[4].is_nan() && ds[5].is_nan() && ds[6].is_nan());
    assert_eq!(ds[7], 0.0);
    let mut want = [0.0; 8];
    let mut want_ds = [0.0; 8];
    reference::prelu_backward(&x, &dy, &mut want, &slopes, &mut want_ds).unwrap();
    for (g, w) in dx.iter().chain(&ds).zip(want.iter().chain(&want_ds)) {
        assert!(g == w || (g.is_nan() && w.is_nan()), "{g} vs {w}");
    }
}

#[test]
fn errors_leave_outputs_untouched() {
    let x = [1.0_f32; 12];
    let dy = [1.0_f32; 12];
    let k = Kernels::global();
    // (slopes, dslopes.len(), dy.len(), dx.len(), inner, error)
    type Case<'a> = (&'a [f32], usize, usize, usize, usize, Error);
    let cases: [Case; 7] = [
        (
            &[],
            0,
            12,
            12,
            1,
            Error::ZeroDimension {
                name: "slopes.len()",
            },
        ),
        (
            &[0.1, 0.2],
            2,
            12,
            12,
            0,
            Error::ZeroDimension { name: "inner" },
        ),
        (
            &[0.1, f32::NAN],
            2,
            12,
            12,
            1,
            Error::InvalidParameter {
                name: "slopes",
                index: Some(1),
                value: f32::NAN,
            },
        ),
        (
            &[0.1; 5],
            5,
            12,
            12,
            1,
            Error::NotDivisible {
                what: "x.len()",
                len: 12,
                dim_name: "slopes.len()",
                dim: 5,
            },
        ),
        (
            &[0.1; 2],
            2,
            11,
            12,
            1,
            Error::SliceLength {
                name: "dy",
                len: 11,
                expected: 12,
                of: "x",
            },
        ),
        (
            &[0.1; 2],
            2,
            12,
            13,
            1,
            Error::SliceLength {
                name: "dx",
                len: 13,
                expected: 12,
                of: "x",
            },
        ),
        (
            &[0.1; 2],
            3,
            12,
            12,
            1,
            Error::SliceLength {
                name: "dslopes",
                len: 3,
                expected: 2,
                of: "slopes",
            },
        ),
    ];
    for (slopes, dslen, dylen, dxlen, inner, want) in cases {
        let mut dx = vec![9.0_f32; dxlen];
        let mut ds = vec![9.0_f32; dslen];
        let r = k.prelu_channels_first_backward(&x, &dy[..dylen], &mut dx, slopes, &mut ds, inner);
        match want {
            Error::InvalidParameter { .. } => assert!(matches!(
                r,
                Err(Error::InvalidParameter { index: Some(1), .. })
            )),
            _ => assert_eq!(r, Err(want)),
        }
        assert!(
            dx.iter().chain(&ds).all(|&v| v == 9.0),
            "written on {want:?}"
        );
        if dxlen == 12 {
            let mut g = vec![9.0_f32; dylen];
            let r = k.prelu_channels_first_backward_inplace(&x, &mut g, slopes, &mut ds, inner);
            assert!(r.is_err());
            assert!(
                g.iter().chain(&ds).all(|&v| v == 9.0),
                "in place: written on {want:?}"
            );
        }
        let mut rdx = vec![9.0_f32; dxlen];
        assert!(
            reference::prelu_channels_first_backward(
                &x,
                &dy[..dylen],
                &mut rdx,
                slopes,
                &mut ds,
                inner
            )
            .is_err()
        );
    }
}

/// A slope's sum through `f32::MAX`: TwoSum's first step overflows where an operand is
/// `f32::MAX` and the sum ties away from zero (a product `x * dy = f32::MAX` added to a slot's
/// `-3 * 2^103`), which made the slope's gradient NaN where the exact one is
/// `f32::MAX - 3 * 2^103`. The slots are the positions of a window of 1024 elements and the
/// leaves of the fixed tree hold `n / 8` segments: with 16 segments, element 0 and
/// `f32::MAX` at 1024 (the same slot, the next segment) meet in one TwoSum; the other positions
/// meet in other orders.
#[test]
fn slope_sums_through_f32_max() {
    let n = 16 * 1024;
    for k in (1..n).filter(|k| k % 1024 == 0 || *k < 40) {
        let x = vec![-1.0_f32; n];
        let mut dy = vec![0.0_f32; n];
        dy[0] = 3.0 * 2f32.powi(103);
        dy[k] = -f32::MAX;
        check(&x, &dy, &[0.25], 1, &format!("f32::MAX at {k}"));
        check(
            &x,
            &dy,
            &[0.25, -2.0],
            8,
            &format!("f32::MAX at {k}, 2 channels of 8"),
        );
    }
}
