//! Property tests (proptest): the fuzz targets' properties at a small scale, so that
//! `cargo test --release` checks them without the fuzzer.
//!
//! For arbitrary bit patterns, lengths, row widths, offsets into a larger buffer (so that the
//! slices start misaligned), in place or out of place, on every backend this CPU has, with a
//! sequential handle or one that splits every call across threads:
//! - on `Ok`, every element is within the function's stated bound of the `f64` reference (NaN
//!   exactly where the reference is NaN), and the bits are those of the same backend's
//!   sequential handle, and AVX2's and AVX-512's are the same;
//! - on `Err`, the output is bit for bit what it was, and the error comes exactly when the
//!   shapes or parameters are invalid.

mod common;

use proptest::prelude::*;
use simd_activations::accuracy::backward_error;
use simd_activations::{Activation, Backend, Kernels, bf16, f16, reference, ulp};

/// Inputs that reach every regime: any bit pattern (NaNs, infinities, subnormals, huge values),
/// the special values every test file uses, and moderate values where the functions curve.
fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<u32>().prop_map(f32::from_bits),
        proptest::sample::select(common::SPECIALS),
        -30.0_f32..30.0,
        -110.0_f32..110.0,
    ]
}

/// Softmax logits: any bit pattern sometimes (NaN and infinite rows), mostly finite values of
/// any magnitude.
fn any_logit() -> impl Strategy<Value = f32> {
    prop_oneof![
        1 => any::<u32>().prop_map(f32::from_bits),
        1 => proptest::sample::select(common::SPECIALS),
        4 => -50.0_f32..50.0,
        1 => -1e30_f32..1e30,
    ]
}

/// Every activation, and the parameterised ones with any finite parameter.
fn any_activation() -> impl Strategy<Value = Activation> {
    prop_oneof![
        proptest::sample::select(Activation::ALL),
        (-4.0_f32..4.0).prop_map(|alpha| Activation::Elu { alpha }),
        (-4.0_f32..4.0).prop_map(|alpha| Activation::LeakyRelu { alpha }),
    ]
}

/// One of the backends this CPU runs.
fn any_backend() -> impl Strategy<Value = Backend> {
    proptest::sample::select(Backend::supported())
}

/// A handle on `b`: sequential, or splitting every call of at least `split` elements.
fn handle(b: Backend, split: Option<usize>) -> Kernels {
    let k = Kernels::with_backend(b).unwrap();
    match split {
        Some(n) => k.parallel_threshold(n),
        None => k.sequential(),
    }
}

/// `v` copied to `offset` floats into a buffer of its own, which is returned with the range.
fn placed(v: &[f32], offset: usize) -> (Vec<f32>, std::ops::Range<usize>) {
    let mut buf = vec![f32::from_bits(0x7FC0_DEAD); offset + v.len() + 3];
    buf[offset..offset + v.len()].copy_from_slice(v);
    (buf, offset..offset + v.len())
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|v| v.to_bits()).collect()
}

/// The bits every other backend gives must equal: AVX2 and AVX-512 (where both run).
fn simd_pair_agrees(run: impl Fn(&Kernels) -> Vec<u32>) -> Result<(), TestCaseError> {
    if let Some((avx2, avx512)) = common::avx2_and_avx512() {
        prop_assert_eq!(run(&avx2), run(&avx512), "AVX2 and AVX-512 differ");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn elementwise_within_bound_and_the_same_bits_everywhere(
        act in any_activation(),
        x in proptest::collection::vec(any_f32(), 0..300),
        backend in any_backend(),
        split in proptest::option::of(1_usize..64),
        (x_off, y_off) in (0_usize..17, 0_usize..17),
        inplace in any::<bool>(),
    ) {
        let k = handle(backend, split);
        let (xbuf, xr) = placed(&x, x_off);
        let (mut ybuf, yr) = placed(&vec![0.0; x.len()], y_off);
        let got = if inplace {
            let mut z = xbuf.clone();
            k.activate_inplace(act, &mut z[xr.clone()]).unwrap();
            prop_assert_eq!(bits(&z[..xr.start]), bits(&xbuf[..xr.start]));
            prop_assert_eq!(bits(&z[xr.end..]), bits(&xbuf[xr.end..]));
            z[xr].to_vec()
        } else {
            k.activate(act, &xbuf[xr.clone()], &mut ybuf[yr.clone()]).unwrap();
            prop_assert!(ybuf[..yr.start].iter().chain(&ybuf[yr.end..]).all(|v| v.to_bits() == 0x7FC0_DEAD));
            ybuf[yr].to_vec()
        };
        let mut want = vec![0.0; x.len()];
        reference::activate(act, &x, &mut want).unwrap();
        for i in 0..x.len() {
            let d = ulp::distance(got[i], want[i]);
            prop_assert!(
                d <= act.ulp_bound(),
                "{act} on {backend}: x = {:e} ({:#010x}) got {:e} want {:e}: {d} ULP",
                x[i], x[i].to_bits(), got[i], want[i]
            );
        }
        let seq = |k: &Kernels| {
            let mut y = vec![0.0; x.len()];
            k.activate(act, &x, &mut y).unwrap();
            bits(&y)
        };
        prop_assert_eq!(bits(&got), seq(&handle(backend, None)), "threads or offsets changed the bits");
        simd_pair_agrees(seq)?;
    }

    #[test]
    fn gradients_within_bound_and_the_same_bits_everywhere(
        act in any_activation(),
        xdy in proptest::collection::vec((any_f32(), -1e6_f32..1e6), 0..300),
        backend in any_backend(),
        split in proptest::option::of(1_usize..64),
        offset in 0_usize..17,
        inplace in any::<bool>(),
    ) {
        let (x, dy): (Vec<f32>, Vec<f32>) = xdy.into_iter().unzip();
        let k = handle(backend, split);
        let (dybuf, r) = placed(&dy, offset);
        let got = if inplace {
            let mut z = dybuf.clone();
            k.activate_backward_inplace(act, &x, &mut z[r.clone()]).unwrap();
            z[r].to_vec()
        } else {
            let mut dx = vec![0.0; x.len()];
            k.activate_backward(act, &x, &dybuf[r], &mut dx).unwrap();
            dx
        };
        let mut want = vec![0.0; x.len()];
        reference::activate_backward(act, &x, &dy, &mut want).unwrap();
        for i in 0..x.len() {
            // The bound holds where f'(x) is finite in f32 (as the docs state).
            if !reference::activate_backward_one(act, x[i], 1.0).is_finite() {
                continue;
            }
            let e = backward_error(act, x[i], dy[i], got[i], want[i]);
            prop_assert!(
                e <= act.backward_ulp_bound(),
                "{act}' on {backend}: x = {:e}, dy = {:e}: got {:e} want {:e} ({e})",
                x[i], dy[i], got[i], want[i]
            );
        }
        let seq = |k: &Kernels| {
            let mut dx = vec![0.0; x.len()];
            k.activate_backward(act, &x, &dy, &mut dx).unwrap();
            bits(&dx)
        };
        prop_assert_eq!(bits(&got), seq(&handle(backend, None)));
        simd_pair_agrees(seq)?;
    }

    #[test]
    fn softmax_rows_within_four_ulp_and_the_same_bits_everywhere(
        (cols, x) in (1_usize..90).prop_flat_map(|cols| {
            (Just(cols), (1_usize..6).prop_flat_map(move |rows| {
                proptest::collection::vec(any_logit(), rows * cols)
            }))
        }),
        log in any::<bool>(),
        backend in any_backend(),
        split in proptest::option::of(1_usize..200),
        offset in 0_usize..17,
        inplace in any::<bool>(),
    ) {
        let op = if log { Kernels::log_softmax } else { Kernels::softmax };
        let k = handle(backend, split);
        let (xbuf, r) = placed(&x, offset);
        let got = if inplace {
            let mut z = xbuf.clone();
            let f = if log { Kernels::log_softmax_inplace } else { Kernels::softmax_inplace };
            f(&k, &mut z[r.clone()], cols).unwrap();
            z[r].to_vec()
        } else {
            let mut y = vec![0.0; x.len()];
            op(&k, &xbuf[r], &mut y, cols).unwrap();
            y
        };
        let mut want = vec![0.0; x.len()];
        let refop = if log { reference::log_softmax } else { reference::softmax };
        refop(&x, &mut want, cols).unwrap();
        for i in 0..x.len() {
            let d = ulp::distance(got[i], want[i]);
            prop_assert!(d <= 4, "log = {log}, {backend}, cols = {cols} [{i}]: got {:e} want {:e} ({d} ULP)", got[i], want[i]);
        }
        let seq = |k: &Kernels| {
            let mut y = vec![0.0; x.len()];
            op(k, &x, &mut y, cols).unwrap();
            bits(&y)
        };
        prop_assert_eq!(bits(&got), seq(&handle(backend, None)));
        simd_pair_agrees(seq)?;
    }

    #[test]
    fn half_softmax_is_the_f32_kernel_rounded_once(
        (cols, x) in (1_usize..70).prop_flat_map(|cols| {
            (Just(cols), (1_usize..5).prop_flat_map(move |rows| {
                proptest::collection::vec(any::<u16>(), rows * cols)
            }))
        }),
        log in any::<bool>(),
        backend in any_backend(),
    ) {
        let k = handle(backend, None);
        let op = if log { Kernels::log_softmax } else { Kernels::softmax };
        // The same 16-bit patterns as f16 and as bf16.
        macro_rules! check {
            ($t:ty, $softmax:ident, $log_softmax:ident) => {{
                let h: Vec<$t> = x.iter().map(|&b| <$t>::from_bits(b)).collect();
                let wide: Vec<f32> = h.iter().map(|v| v.to_f32()).collect();
                let mut y32 = vec![0.0; wide.len()];
                op(&k, &wide, &mut y32, cols).unwrap();
                let mut y = vec![<$t>::ZERO; h.len()];
                if log { k.$log_softmax(&h, &mut y, cols) } else { k.$softmax(&h, &mut y, cols) }.unwrap();
                for (a, b) in y.iter().zip(&y32) {
                    let want = <$t>::from_f32(*b);
                    prop_assert!(a.to_bits() == want.to_bits() || (a.is_nan() && want.is_nan()));
                }
            }};
        }
        check!(f16, softmax_f16, log_softmax_f16);
        check!(bf16, softmax_bf16, log_softmax_bf16);
    }

    #[test]
    fn invalid_shapes_are_refused_and_nothing_is_written(
        n in 0_usize..40,
        m in 0_usize..40,
        cols in 0_usize..9,
        slopes in proptest::collection::vec(any_f32(), 0..6),
        backend in any_backend(),
        split in proptest::option::of(1_usize..8),
    ) {
        let k = handle(backend, split);
        let x: Vec<f32> = (0..n).map(|i| i as f32 - 7.5).collect();
        let sentinel: Vec<f32> = (0..m).map(|i| f32::from_bits(0x7FC0_0000 | i as u32)).collect();

        let mut y = sentinel.clone();
        let r = k.activate(Activation::Gelu, &x, &mut y);
        prop_assert_eq!(r.is_ok(), n == m);
        if r.is_err() { prop_assert_eq!(bits(&y), bits(&sentinel)); }

        for log in [false, true] {
            let op = if log { Kernels::log_softmax } else { Kernels::softmax };
            let mut y = sentinel.clone();
            let r = op(&k, &x, &mut y, cols);
            prop_assert_eq!(r.is_ok(), cols > 0 && n == m && n % cols == 0, "{:?}", r);
            if r.is_err() { prop_assert_eq!(bits(&y), bits(&sentinel)); }
        }

        let mut y = sentinel.clone();
        let r = k.prelu(&x, &mut y, &slopes);
        let valid = !slopes.is_empty()
            && slopes.iter().all(|s| s.is_finite())
            && n == m
            && n % slopes.len() == 0;
        prop_assert_eq!(r.is_ok(), valid, "{:?}", r);
        if r.is_err() { prop_assert_eq!(bits(&y), bits(&sentinel)); }
    }
}
