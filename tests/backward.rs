//! The elementwise gradients (`<name>_backward`): on random `dy` over every binade against the
//! `f64` reference within each gradient's bound (with its margin where the derivative crosses
//! zero), on every supported backend; named methods, free functions and `activate_backward`
//! agree bit for bit, in place and out of place, threaded and sequential, AVX2 and AVX-512;
//! PyTorch's conventions at every kink; checks before anything is written. (The exhaustive
//! proof with `dy = 1` is in `tests/exhaustive.rs`.)
//!
//! `cargo test --release --test backward`

mod common;

use common::{Rng, assert_same_bits, backends, mixed_inputs};
use simd_activations::accuracy::backward_error;
use simd_activations::{self as act, Activation, Backend, Error, Kernels, reference, ulp};

/// Every activation (defaults), then ELU and Leaky ReLU with other parameters.
fn activations() -> Vec<Activation> {
    let more = [
        Activation::Elu { alpha: 0.5 },
        Activation::Elu { alpha: -2.0 },
        Activation::LeakyRelu { alpha: 0.2 },
        Activation::LeakyRelu { alpha: -1.5 },
    ];
    Activation::ALL.iter().copied().chain(more).collect()
}

/// `n` incoming gradients: both signs, magnitudes log-uniform over `[2^-30, 2^30]`, a few
/// exact ones and zeros.
fn random_dy(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let r = rng.next_u64();
            let sign = if r & 1 == 0 { 1.0 } else { -1.0 };
            match (r >> 1) % 32 {
                0 => sign,
                1 => 0.0 * sign,
                _ => sign * 2f64.powf(rng.unit() * 60.0 - 30.0) as f32,
            }
        })
        .collect()
}

#[test]
fn gradients_are_within_their_bounds_on_random_dy() {
    let n = 200_000;
    let mut failures = Vec::new();
    for act in activations() {
        let x = mixed_inputs(n, 17);
        let dy = random_dy(n, 29);
        let mut want = vec![0.0; n];
        reference::activate_backward(act, &x, &dy, &mut want).unwrap();
        for (b, k) in backends() {
            let mut dx = vec![0.0; n];
            k.activate_backward(act, &x, &dy, &mut dx).unwrap();
            let mut worst = (0, 0.0, 0.0);
            for i in 0..n {
                // The bound holds where f'(x) is finite in f32 (`exp` overflows above 88.7).
                if !reference::activate_backward_one(act, x[i], 1.0).is_finite() {
                    continue;
                }
                let e = backward_error(act, x[i], dy[i], dx[i], want[i]);
                if e > worst.0 {
                    worst = (e, x[i], dy[i]);
                }
            }
            if worst.0 > act.backward_ulp_bound() {
                failures.push(format!(
                    "{act} on {b}: {} ULP (bound {}) at x = {:e}, dy = {:e}",
                    worst.0,
                    act.backward_ulp_bound(),
                    worst.1,
                    worst.2
                ));
            }
        }
    }
    common::assert_no_failures(&failures);
}

/// Calls the named method of `act`'s gradient (out of place, or in place on `dy`).
fn named(k: &Kernels, act: Activation, x: &[f32], dy: &mut [f32], dx: Option<&mut [f32]>) {
    macro_rules! call {
        ($out:ident, $inp:ident $(, $p:expr)?) => {
            match dx {
                Some(dx) => k.$out(x, dy, dx $(, $p)?).unwrap(),
                None => k.$inp(x, dy $(, $p)?).unwrap(),
            }
        };
    }
    match act {
        Activation::Exp => call!(exp_backward, exp_backward_inplace),
        Activation::Sigmoid => call!(sigmoid_backward, sigmoid_backward_inplace),
        Activation::Tanh => call!(tanh_backward, tanh_backward_inplace),
        Activation::Silu => call!(silu_backward, silu_backward_inplace),
        Activation::QuickGelu => call!(quick_gelu_backward, quick_gelu_backward_inplace),
        Activation::Gelu => call!(gelu_backward, gelu_backward_inplace),
        Activation::GeluTanh => call!(gelu_tanh_backward, gelu_tanh_backward_inplace),
        Activation::Mish => call!(mish_backward, mish_backward_inplace),
        Activation::Elu { alpha } => call!(elu_backward, elu_backward_inplace, alpha),
        Activation::Selu => call!(selu_backward, selu_backward_inplace),
        Activation::Relu => call!(relu_backward, relu_backward_inplace),
        Activation::LeakyRelu { alpha } => {
            call!(leaky_relu_backward, leaky_relu_backward_inplace, alpha)
        }
        Activation::HardSigmoid => call!(hard_sigmoid_backward, hard_sigmoid_backward_inplace),
        Activation::HardSwish => call!(hard_swish_backward, hard_swish_backward_inplace),
        Activation::Softplus => call!(softplus_backward, softplus_backward_inplace),
        Activation::LogSigmoid => call!(log_sigmoid_backward, log_sigmoid_backward_inplace),
        other => panic!("{other}: add its gradient's methods here"),
    }
}

#[test]
fn every_entry_point_gives_the_same_bits() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    for act in activations() {
        for n in [0, 1, 7, 16, 33, 1000, 4099] {
            let x = mixed_inputs(n + 3, 5);
            let dy = random_dy(n + 3, 11);
            // Misaligned views, as sub-slices of larger buffers.
            let (x, dy) = (&x[3..], &dy[3..]);
            let mut base = vec![0.0; n];
            act::activate_backward(act, x, dy, &mut base).unwrap();
            for (b, k) in backends() {
                let what = format!("{act} on {b}, {n} elements");
                let mut dx = vec![0.0; n];
                k.activate_backward(act, x, dy, &mut dx).unwrap();
                if b == Backend::best()
                    || (b != Backend::Scalar && Backend::best() != Backend::Scalar)
                {
                    assert_same_bits(&what, x, &dx, &base);
                }
                let mut named_out = vec![0.0; n];
                named(&k, act, x, &mut dy.to_vec(), Some(&mut named_out));
                assert_same_bits(&format!("{what}: named"), x, &named_out, &dx);
                let mut inplace = dy.to_vec();
                named(&k, act, x, &mut inplace, None);
                assert_same_bits(&format!("{what}: named in place"), x, &inplace, &dx);
                let mut inplace = dy.to_vec();
                k.activate_backward_inplace(act, x, &mut inplace).unwrap();
                assert_same_bits(&format!("{what}: in place"), x, &inplace, &dx);
                let mut split = vec![0.0; n];
                pool.install(|| {
                    k.parallel_threshold(1)
                        .activate_backward(act, x, dy, &mut split)
                        .unwrap()
                });
                assert_same_bits(&format!("{what}: split across 3 threads"), x, &split, &dx);
            }
        }
    }
}

#[test]
fn the_pytorch_conventions_hold_at_every_kink() {
    let k = Kernels::global();
    let dy = [2.0_f32, -3.0, f32::NAN];
    let grad = |act: Activation, x: f32| {
        let mut dx = [0.0_f32; 3];
        k.activate_backward(act, &[x; 3], &dy, &mut dx).unwrap();
        dx
    };
    // relu: x > 0 ? dy : 0, also for NaN x and NaN dy below the kink.
    assert_eq!(grad(Activation::Relu, 0.0)[..2], [0.0, 0.0]);
    assert_eq!(grad(Activation::Relu, -0.0)[2], 0.0);
    assert_eq!(grad(Activation::Relu, f32::NAN)[..2], [0.0, 0.0]);
    assert_eq!(grad(Activation::Relu, f32::MIN_POSITIVE)[..2], [2.0, -3.0]);
    assert!(grad(Activation::Relu, 1.0)[2].is_nan());
    // leaky_relu: x > 0 ? dy : alpha dy.
    let leaky = Activation::LeakyRelu { alpha: 0.5 };
    assert_eq!(grad(leaky, 0.0)[..2], [1.0, -1.5]);
    assert_eq!(grad(leaky, 1e-30)[..2], [2.0, -3.0]);
    assert!(grad(leaky, f32::NAN)[0].is_nan());
    // hard_sigmoid: -3 < x < 3 ? dy / 6 : 0.
    for x in [-3.0, 3.0, f32::NAN, 1e9] {
        assert_eq!(grad(Activation::HardSigmoid, x), [0.0; 3], "x = {x}");
    }
    assert_eq!(grad(Activation::HardSigmoid, 2.9)[..2], [2.0 / 6.0, -0.5]);
    // hard_swish: x < -3 ? 0 : x <= 3 ? dy (x / 3 + 1/2) : dy.
    assert_eq!(grad(Activation::HardSwish, -3.0)[..2], [-1.0, 1.5]);
    assert_eq!(grad(Activation::HardSwish, 3.0)[..2], [3.0, -4.5]);
    assert_eq!(grad(Activation::HardSwish, -1.5)[..2], [0.0, 0.0]);
    assert_eq!(grad(Activation::HardSwish, -3.0001)[..2], [0.0, 0.0]);
    assert_eq!(grad(Activation::HardSwish, 3.0001)[..2], [2.0, -3.0]);
    assert!(grad(Activation::HardSwish, f32::NAN)[0].is_nan());
    // elu: x > 0 ? dy : dy alpha exp(x); the kink belongs to the exponential side.
    let elu = Activation::Elu { alpha: 0.5 };
    assert_eq!(grad(elu, 0.0)[..2], [1.0, -1.5]);
    assert_eq!(grad(elu, -0.0)[..2], [1.0, -1.5]);
    assert_eq!(grad(elu, f32::INFINITY)[..2], [2.0, -3.0]);
    assert_eq!(grad(elu, f32::NEG_INFINITY)[..2], [0.0, -0.0]);
}

#[test]
fn gradients_keep_relative_accuracy_in_the_tails() {
    let k = Kernels::global();
    let one = |act: Activation, x: f32, dy: f32| {
        let mut dx = [0.0_f32];
        k.activate_backward(act, &[x], &[dy], &mut dx).unwrap();
        dx[0]
    };
    // sigmoid'(30) = exp(-30) / (1 + exp(-30))^2, where y (1 - y) is 0.
    let s = one(Activation::Sigmoid, 30.0, 1.0);
    assert!(ulp::distance(s, 9.357_623e-14) <= 3, "{s:e}");
    // exp's gradient from the far tail with a large dy: exp(-100) is subnormal in f32 but
    // 2^40 exp(-100) is not.
    let want = (2f64.powi(40) * (-100f64).exp()) as f32;
    let got = one(Activation::Exp, -100.0, 2f32.powi(40));
    assert!(ulp::distance(got, want) <= 3, "{got:e} vs {want:e}");
    let got = one(Activation::Elu { alpha: 1.0 }, -100.0, 2f32.powi(40));
    assert!(ulp::distance(got, want) <= 3, "{got:e} vs {want:e}");
    // Below -194, dy * 0 for every finite dy.
    assert_eq!(one(Activation::Exp, -200.0, f32::MAX).to_bits(), 0);
    assert!(one(Activation::Exp, f32::NEG_INFINITY, f32::INFINITY).is_nan());
    assert_eq!(one(Activation::Exp, 1.0, 0.0), 0.0);
}

#[test]
fn bad_shapes_and_parameters_are_refused_before_anything_is_written() {
    let k = Kernels::global();
    let x = [1.0_f32; 4];
    let dy = [1.0_f32; 4];
    let mut dx = [7.0_f32; 3];
    assert_eq!(
        k.sigmoid_backward(&x, &dy, &mut dx),
        Err(Error::SliceLength {
            name: "dx",
            len: 3,
            expected: 4,
            of: "x"
        })
    );
    assert_eq!(dx, [7.0; 3]);
    let mut dx = [7.0_f32; 4];
    assert_eq!(
        act::tanh_backward(&x, &dy[..2], &mut dx),
        Err(Error::SliceLength {
            name: "dy",
            len: 2,
            expected: 4,
            of: "x"
        })
    );
    assert_eq!(dx, [7.0; 4]);
    let mut g = [5.0_f32; 3];
    assert!(matches!(
        k.relu_backward_inplace(&x, &mut g),
        Err(Error::SliceLength { name: "dy", .. })
    ));
    assert_eq!(g, [5.0; 3]);
    let mut g = [5.0_f32; 4];
    for bad in [f32::NAN, f32::INFINITY] {
        assert!(matches!(
            k.elu_backward_inplace(&x, &mut g, bad),
            Err(Error::InvalidParameter { name: "alpha", .. })
        ));
        assert!(matches!(
            k.activate_backward(Activation::LeakyRelu { alpha: bad }, &x, &dy, &mut dx),
            Err(Error::InvalidParameter { name: "alpha", .. })
        ));
    }
    assert_eq!(g, [5.0; 4]);
    assert_eq!(dx, [7.0; 4]);
    // Empty slices are fine.
    k.mish_backward(&[], &[], &mut []).unwrap();
    let msg = Error::SliceLength {
        name: "dy",
        len: 2,
        expected: 4,
        of: "x",
    }
    .to_string();
    assert!(msg.contains("dy has 2 elements but x has 4"), "{msg}");
}

/// The special values the docs state (`Activation::backward_special_values`), on every backend
/// and at every lane position of a vector.
#[test]
fn the_stated_special_values_hold_on_every_backend() {
    let lambda = reference::SELU_LAMBDA as f32;
    let lambda_alpha = (reference::SELU_LAMBDA * reference::SELU_ALPHA) as f32;
    let (inf, tiny) = (f32::INFINITY, f32::from_bits(3));
    // (activation, x, dy, expected dx); NaN expected means any NaN.
    let mut cases: Vec<(Activation, f32, f32, f32)> = vec![
        (Activation::Exp, 89.0, 2.0, inf),
        (Activation::Exp, -inf, 2.0, 0.0),
        (Activation::Exp, -inf, -2.0, -0.0),
        (Activation::Exp, -inf, inf, f32::NAN),
        (Activation::Exp, -200.0, f32::MAX, 0.0),
        (Activation::Sigmoid, inf, 2.0, 0.0),
        (Activation::Sigmoid, -inf, -2.0, -0.0),
        (Activation::Sigmoid, -0.0, 2.0, 0.5),
        (Activation::Tanh, inf, 2.0, 0.0),
        (Activation::Tanh, -inf, 2.0, 0.0),
        (Activation::Tanh, 0.0, 3.0, 3.0),
        (Activation::Mish, inf, 2.0, 2.0),
        (Activation::Mish, -inf, 2.0, -0.0),
        (Activation::Mish, -inf, -2.0, 0.0),
        (Activation::Mish, -0.0, 2.0, 0.6 * 2.0),
        (Activation::Mish, tiny, 2.0, 0.6 * 2.0),
        (Activation::Elu { alpha: 0.5 }, inf, 2.0, 2.0),
        (Activation::Elu { alpha: 0.5 }, -0.0, 2.0, 1.0),
        (Activation::Elu { alpha: 0.5 }, -inf, 2.0, 0.0),
        (Activation::Selu, inf, 2.0, lambda * 2.0),
        (Activation::Selu, -0.0, 2.0, lambda_alpha * 2.0),
        (Activation::Selu, -inf, 2.0, 0.0),
        (Activation::Softplus, inf, 2.0, 2.0),
        (Activation::Softplus, -inf, 2.0, 0.0),
        (Activation::Softplus, 0.0, 2.0, 1.0),
        (Activation::LogSigmoid, -inf, 2.0, 2.0),
        (Activation::LogSigmoid, inf, 2.0, 0.0),
        (Activation::LogSigmoid, -0.0, 2.0, 1.0),
    ];
    for act in [
        Activation::Silu,
        Activation::QuickGelu,
        Activation::Gelu,
        Activation::GeluTanh,
    ] {
        cases.extend([
            (act, inf, 2.0, 2.0),
            (act, -inf, 2.0, -0.0),
            (act, -inf, -2.0, 0.0),
            (act, 0.0, 2.0, 1.0),
            (act, -0.0, 2.0, 1.0),
            (act, tiny, 2.0, 1.0),
        ]);
    }
    // NaN in x: NaN, except where a kink selects 0 (relu, hard_sigmoid).
    for &act in Activation::ALL {
        let want = match act {
            Activation::Relu | Activation::HardSigmoid => 0.0,
            _ => f32::NAN,
        };
        cases.push((act, f32::NAN, 2.0, want));
        if !matches!(act, Activation::Relu | Activation::HardSigmoid) {
            cases.push((act, 0.5, f32::NAN, f32::NAN));
        }
    }
    for (b, k) in backends() {
        for &(act, x, dy, want) in &cases {
            for pos in 0..17 {
                let mut xs = vec![0.25_f32; 17];
                let mut dys = vec![1.0_f32; 17];
                xs[pos] = x;
                dys[pos] = dy;
                let mut dx = vec![0.0_f32; 17];
                k.activate_backward(act, &xs, &dys, &mut dx).unwrap();
                let got = dx[pos];
                let ok = if want.is_nan() {
                    got.is_nan()
                } else {
                    got.to_bits() == want.to_bits()
                };
                assert!(
                    ok,
                    "{act} on {b}: x = {x:e}, dy = {dy:e} at lane {pos}: {got:e}, want {want:e}"
                );
            }
        }
    }
}
