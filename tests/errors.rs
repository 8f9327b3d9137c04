//! Every error the public API can return: the variant, the names and values its message gives
//! the user, and that a refused call writes nothing (the output, or the in-place buffer, is
//! filled with a sentinel beforehand and checked element by element afterwards). Also: backend
//! support queries are consistent, `Error` is a `std::error::Error`, `Kernels` is
//! `Copy + Send + Sync`, and calls inside a user's rayon pool work.
//!
//! `cargo test --release --test errors`

use simd_activations::{self as act, Backend, Error, Kernels, reference};

/// `Kernels` can be copied and shared across threads (checked at compile time).
const _: () = {
    const fn assert_copy_send_sync<T: Copy + Send + Sync + 'static>() {}
    assert_copy_send_sync::<Kernels>();
    assert_copy_send_sync::<Backend>();
};

/// `Error` is a standard error, usable with `?` into `Box<dyn Error + Send + Sync>`.
const _: () = {
    const fn assert_error<T: std::error::Error + Send + Sync + Copy + 'static>() {}
    assert_error::<Error>();
};

const SENTINEL: f32 = -7.25e-3;

fn sentinel(n: usize) -> Vec<f32> {
    vec![SENTINEL; n]
}

#[track_caller]
fn assert_untouched(what: &str, buf: &[f32], original: &[f32]) {
    assert_eq!(buf.len(), original.len());
    for (i, (a, b)) in buf.iter().zip(original).enumerate() {
        assert!(
            a.to_bits() == b.to_bits(),
            "{what}: element {i} was written ({a:e}, was {b:e}) although the call failed"
        );
    }
}

#[track_caller]
fn assert_mentions(what: &str, err: &Error, needles: &[&str]) {
    let text = err.to_string();
    for n in needles {
        assert!(
            text.contains(n),
            "{what}: the message of {err:?} should mention {n:?}: {text:?}"
        );
    }
}

/// The handles every check runs on: each supported backend, sequential and threaded, and the
/// free functions (`None`).
fn handles() -> Vec<(String, Option<Kernels>)> {
    let mut h: Vec<(String, Option<Kernels>)> = Vec::new();
    for b in Backend::supported() {
        let k = Kernels::with_backend(b).unwrap();
        h.push((format!("{b} automatic"), Some(k)));
        h.push((format!("{b} sequential"), Some(k.sequential())));
        h.push((
            format!("{b} parallel_threshold(1)"),
            Some(k.parallel_threshold(1)),
        ));
    }
    h.push(("free functions".into(), None));
    h
}

type Unary = (
    &'static str,
    fn(&Kernels, &[f32], &mut [f32]) -> Result<(), Error>,
);

/// Every out-of-place function, as a method; the free function is called through `free`.
fn unary_methods() -> Vec<Unary> {
    vec![
        ("exp", Kernels::exp),
        ("sigmoid", Kernels::sigmoid),
        ("tanh", Kernels::tanh),
        ("relu", Kernels::relu),
        ("leaky_relu", |k, x, y| k.leaky_relu(x, y, 0.1)),
        ("prelu", |k, x, y| k.prelu(x, y, &[0.5])),
        ("prelu_channels_first", |k, x, y| {
            k.prelu_channels_first(x, y, &[0.5], 1)
        }),
    ]
}

fn free(name: &str, x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    match name {
        "exp" => act::exp(x, y),
        "sigmoid" => act::sigmoid(x, y),
        "tanh" => act::tanh(x, y),
        "relu" => act::relu(x, y),
        "leaky_relu" => act::leaky_relu(x, y, 0.1),
        "prelu" => act::prelu(x, y, &[0.5]),
        "prelu_channels_first" => act::prelu_channels_first(x, y, &[0.5], 1),
        _ => unreachable!("{name}"),
    }
}

fn reference_of(name: &str, x: &[f32], y: &mut [f32]) -> Result<(), Error> {
    match name {
        "exp" => reference::exp(x, y),
        "sigmoid" => reference::sigmoid(x, y),
        "tanh" => reference::tanh(x, y),
        "relu" => reference::relu(x, y),
        "leaky_relu" => reference::leaky_relu(x, y, 0.1),
        "prelu" => reference::prelu(x, y, &[0.5]),
        "prelu_channels_first" => reference::prelu_channels_first(x, y, &[0.5], 1),
        _ => unreachable!("{name}"),
    }
}

fn inputs(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i as f32 * 0.37).sin() * 5.0).collect()
}

// ---------------------------------------------------------------------------------------------
// LengthMismatch
// ---------------------------------------------------------------------------------------------

#[test]
fn length_mismatch_names_both_lengths_and_writes_nothing() {
    let cases: &[(usize, usize)] = &[(37, 41), (41, 37), (0, 5), (5, 0), (1 << 20, (1 << 20) - 1)];
    for &(nx, ny) in cases {
        let x = inputs(nx);
        let want = Error::LengthMismatch {
            input: nx,
            output: ny,
        };
        for (fname, method) in unary_methods() {
            for (hname, k) in handles() {
                let what = format!("{fname} on {hname}, x.len() = {nx}, y.len() = {ny}");
                let original = sentinel(ny);
                let mut y = original.clone();
                let err = match k {
                    Some(k) => method(&k, &x, &mut y),
                    None => free(fname, &x, &mut y),
                }
                .expect_err(&what);
                assert_eq!(err, want, "{what}");
                assert_mentions(&what, &err, &[&nx.to_string(), &ny.to_string()]);
                assert_untouched(&what, &y, &original);
            }
            let what = format!("reference::{fname}, {nx} vs {ny}");
            let original = sentinel(ny);
            let mut y = original.clone();
            let err = reference_of(fname, &x, &mut y).expect_err(&what);
            assert_eq!(err, want, "{what}");
            assert_untouched(&what, &y, &original);
        }
    }
    // Display text, in full, for one case.
    let text = Error::LengthMismatch {
        input: 4,
        output: 3,
    }
    .to_string();
    assert!(
        text.contains("input") && text.contains("output") && text.contains('4'),
        "{text}"
    );
}

#[test]
fn equal_lengths_including_empty_succeed() {
    for (fname, method) in unary_methods() {
        for (hname, k) in handles() {
            for n in [0, 1, 17] {
                let x = inputs(n);
                let mut y = sentinel(n);
                let r = match k {
                    Some(k) => method(&k, &x, &mut y),
                    None => free(fname, &x, &mut y),
                };
                assert_eq!(r, Ok(()), "{fname} on {hname}, len {n}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// InvalidParameter
// ---------------------------------------------------------------------------------------------

const BAD: &[f32] = &[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN];

fn value_text(v: f32) -> &'static str {
    if v.is_nan() { "NaN" } else { "inf" }
}

#[track_caller]
fn assert_invalid(what: &str, err: Error, name: &str, index: Option<usize>, value: f32) {
    match err {
        Error::InvalidParameter {
            name: n,
            index: i,
            value: v,
        } => {
            assert_eq!(n, name, "{what}: parameter name");
            assert_eq!(i, index, "{what}: index");
            assert!(
                v.to_bits() == value.to_bits() || (v.is_nan() && value.is_nan()),
                "{what}: value {v} instead of {value}"
            );
        }
        other => panic!("{what}: expected InvalidParameter, got {other:?}"),
    }
    let mut needles = vec![value_text(value).to_string()];
    match index {
        Some(i) => needles.push(format!("{name}[{i}]")),
        None => needles.push(name.to_string()),
    }
    if value == f32::NEG_INFINITY {
        needles.push("-inf".into());
    }
    let needles: Vec<&str> = needles.iter().map(|s| s.as_str()).collect();
    assert_mentions(what, &err, &needles);
}

#[test]
fn leaky_relu_rejects_a_non_finite_alpha_and_writes_nothing() {
    let x = inputs(100);
    for &alpha in BAD {
        for (hname, k) in handles() {
            let what = format!("leaky_relu on {hname}, alpha = {alpha}");
            // Out of place, with matching lengths and with mismatching ones.
            for ny in [100, 99] {
                let original = sentinel(ny);
                let mut y = original.clone();
                let r = match k {
                    Some(k) => k.leaky_relu(&x, &mut y, alpha),
                    None => act::leaky_relu(&x, &mut y, alpha),
                };
                let err = r.expect_err(&what);
                if ny == 100 {
                    assert_invalid(&what, err, "alpha", None, alpha);
                }
                assert_untouched(&what, &y, &original);
            }
            // In place.
            let mut z = x.clone();
            let r = match k {
                Some(k) => k.leaky_relu_inplace(&mut z, alpha),
                None => act::leaky_relu_inplace(&mut z, alpha),
            };
            assert_invalid(
                &format!("{what}, in place"),
                r.unwrap_err(),
                "alpha",
                None,
                alpha,
            );
            assert_untouched(&format!("{what}, in place"), &z, &x);
        }
        let mut y = sentinel(100);
        let err = reference::leaky_relu(&x, &mut y, alpha).unwrap_err();
        assert_invalid("reference::leaky_relu", err, "alpha", None, alpha);
        assert_untouched("reference::leaky_relu", &y, &sentinel(100));
    }
    // Finite extremes are fine.
    for alpha in [f32::MAX, f32::MIN, 0.0, -0.0, f32::from_bits(1)] {
        let mut y = sentinel(100);
        act::leaky_relu(&x, &mut y, alpha).unwrap();
    }
}

/// A PReLU call on one handle: channels-last (`inner == None`) or channels-first, out of place
/// or in place. Returns the error and checks the buffer is untouched.
fn prelu_fails(
    what: &str,
    k: Option<Kernels>,
    x: &[f32],
    ny: usize,
    slopes: &[f32],
    inner: Option<usize>,
) -> Vec<Error> {
    let mut errs = Vec::new();
    // Out of place.
    let original = sentinel(ny);
    let mut y = original.clone();
    let r = match (k, inner) {
        (Some(k), None) => k.prelu(x, &mut y, slopes),
        (Some(k), Some(i)) => k.prelu_channels_first(x, &mut y, slopes, i),
        (None, None) => act::prelu(x, &mut y, slopes),
        (None, Some(i)) => act::prelu_channels_first(x, &mut y, slopes, i),
    };
    errs.push(r.expect_err(what));
    assert_untouched(what, &y, &original);
    // In place (no second buffer, so only when the lengths match).
    if ny == x.len() {
        let mut z = x.to_vec();
        let r = match (k, inner) {
            (Some(k), None) => k.prelu_inplace(&mut z, slopes),
            (Some(k), Some(i)) => k.prelu_channels_first_inplace(&mut z, slopes, i),
            (None, None) => act::prelu_inplace(&mut z, slopes),
            (None, Some(i)) => act::prelu_channels_first_inplace(&mut z, slopes, i),
        };
        let what = format!("{what}, in place");
        errs.push(r.expect_err(&what));
        assert_untouched(&what, &z, x);
    }
    // The reference checks the same things.
    let mut y = original.clone();
    let r = match inner {
        None => reference::prelu(x, &mut y, slopes),
        Some(i) => reference::prelu_channels_first(x, &mut y, slopes, i),
    };
    let what = format!("{what}, reference");
    errs.push(r.expect_err(&what));
    assert_untouched(&what, &y, &original);
    errs
}

#[test]
fn prelu_rejects_non_finite_slopes_naming_the_index() {
    let x = inputs(64 * 8);
    for &bad in BAD {
        for index in [0, 3, 7] {
            let mut slopes = vec![0.25_f32; 8];
            slopes[index] = bad;
            // A later bad slope too: the first one is reported.
            if index < 7 {
                slopes[7] = f32::NAN;
            }
            for (hname, k) in handles() {
                for inner in [None, Some(1), Some(4)] {
                    let what =
                        format!("prelu on {hname}, slopes[{index}] = {bad}, inner {inner:?}");
                    for err in prelu_fails(&what, k, &x, x.len(), &slopes, inner) {
                        assert_invalid(&what, err, "slopes", Some(index), bad);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ZeroDimension, NotDivisible
// ---------------------------------------------------------------------------------------------

#[test]
fn prelu_rejects_empty_slopes_and_zero_inner() {
    for n in [0, 12] {
        let x = inputs(n);
        for (hname, k) in handles() {
            for inner in [None, Some(1), Some(3)] {
                let what = format!("prelu on {hname}, len {n}, empty slopes, inner {inner:?}");
                for err in prelu_fails(&what, k, &x, n, &[], inner) {
                    assert_eq!(
                        err,
                        Error::ZeroDimension {
                            name: "slopes.len()"
                        },
                        "{what}"
                    );
                    assert_mentions(&what, &err, &["slopes", "0"]);
                }
            }
            let what = format!("prelu_channels_first on {hname}, len {n}, inner = 0");
            for err in prelu_fails(&what, k, &x, n, &[0.5, 0.25], Some(0)) {
                assert_eq!(err, Error::ZeroDimension { name: "inner" }, "{what}");
                assert_mentions(&what, &err, &["inner", "0"]);
            }
        }
    }
}

#[test]
fn prelu_rejects_lengths_that_are_not_whole_periods() {
    for (hname, k) in handles() {
        // Channels-last: x.len() = 10, C = 3.
        let x = inputs(10);
        let what = format!("prelu on {hname}, len 10, C = 3");
        for err in prelu_fails(&what, k, &x, 10, &[0.1, 0.2, 0.3], None) {
            assert_eq!(
                err,
                Error::NotDivisible {
                    what: "x.len()",
                    len: 10,
                    dim_name: "slopes.len()",
                    dim: 3
                },
                "{what}"
            );
            assert_mentions(&what, &err, &["x.len()", "10", "slopes.len()", "3"]);
        }
        // Channels-first: x.len() = 50, C = 3, inner = 4 (period 12).
        let x = inputs(50);
        let what = format!("prelu_channels_first on {hname}, len 50, C = 3, inner = 4");
        for err in prelu_fails(&what, k, &x, 50, &[0.1, 0.2, 0.3], Some(4)) {
            match err {
                Error::NotDivisible { len, dim, .. } => {
                    assert_eq!((len, dim), (50, 12), "{what}");
                }
                other => panic!("{what}: expected NotDivisible, got {other:?}"),
            }
            assert_mentions(&what, &err, &["50", "12", "inner"]);
        }
        // A multiple of C but not of C * inner.
        let x = inputs(6);
        let what = format!("prelu_channels_first on {hname}, len 6, C = 3, inner = 4");
        for err in prelu_fails(&what, k, &x, 6, &[0.1, 0.2, 0.3], Some(4)) {
            assert!(matches!(err, Error::NotDivisible { .. }), "{what}: {err:?}");
        }
        // Length mismatch with valid shapes.
        let x = inputs(12);
        let what = format!("prelu on {hname}, x 12, y 9, C = 3");
        for err in prelu_fails(&what, k, &x, 9, &[0.1, 0.2, 0.3], None) {
            assert_eq!(
                err,
                Error::LengthMismatch {
                    input: 12,
                    output: 9
                },
                "{what}"
            );
            assert_mentions(&what, &err, &["12", "9"]);
        }
    }
    // Huge C * inner does not overflow into a bogus success.
    let x = inputs(8);
    let mut y = sentinel(8);
    let err = act::prelu_channels_first(&x, &mut y, &[0.5, 0.5], usize::MAX / 2 + 1).unwrap_err();
    assert!(matches!(err, Error::NotDivisible { .. }), "{err:?}");
    assert_untouched("huge inner", &y, &sentinel(8));
}

// ---------------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------------

#[test]
fn backend_support_queries_are_consistent() {
    let supported = Backend::supported();
    assert!(supported.contains(&Backend::Scalar));
    assert!(Backend::Scalar.is_supported());
    assert_eq!(Backend::best(), *supported.last().unwrap());
    assert_eq!(Kernels::new().backend(), Backend::best());
    assert_eq!(Kernels::global().backend(), Backend::best());
    assert_eq!(Kernels::default().backend(), Backend::best());
    // supported() keeps the order of ALL.
    let filtered: Vec<Backend> = Backend::ALL
        .iter()
        .copied()
        .filter(|b| b.is_supported())
        .collect();
    assert_eq!(filtered, supported);
    for &b in Backend::ALL {
        assert_eq!(b.is_supported(), supported.contains(&b), "{b}");
        match Kernels::with_backend(b) {
            Ok(k) => {
                assert!(
                    b.is_supported(),
                    "{b}: handle built for an unsupported backend"
                );
                assert_eq!(k.backend(), b);
                assert_eq!(k.sequential().backend(), b);
                assert_eq!(k.parallel_threshold(5).backend(), b);
            }
            Err(e) => {
                assert!(!b.is_supported(), "{b}: supported but refused: {e}");
                assert_eq!(e, Error::UnsupportedBackend(b));
                assert_mentions(&format!("{b}"), &e, &[b.name(), "scalar"]);
            }
        }
    }
    if supported.len() == Backend::ALL.len() {
        println!(
            "NOTE: every backend is supported on this CPU; UnsupportedBackend is not reachable \
             here (only its Display text is checked)"
        );
    }
    // The message of UnsupportedBackend names the backend and the supported ones.
    let e = Error::UnsupportedBackend(Backend::Avx512);
    assert_mentions("UnsupportedBackend display", &e, &["avx512", "scalar"]);
}

#[test]
fn error_is_a_std_error() {
    fn boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        act::sigmoid(&[1.0, 2.0], &mut [0.0])?;
        Ok(())
    }
    let e = boxed().unwrap_err();
    assert!(e.to_string().contains('2') && e.to_string().contains('1'));
    assert!(e.source().is_none());
    let concrete: &Error = e.downcast_ref::<Error>().expect("downcasts to Error");
    assert_eq!(
        *concrete,
        Error::LengthMismatch {
            input: 2,
            output: 1
        }
    );
    // Debug works too (used by unwrap).
    assert!(format!("{concrete:?}").contains("LengthMismatch"));
}

// ---------------------------------------------------------------------------------------------
// Rayon pools
// ---------------------------------------------------------------------------------------------

#[test]
fn calls_inside_a_one_thread_user_pool_work_and_give_identical_results() {
    let n = 1 << 20;
    let x: Vec<f32> = (0..n).map(|i| (i as f32 * 1e-3).sin() * 30.0).collect();
    let slopes = [0.1_f32, 0.2, 0.3, 0.4];
    let best = Kernels::with_backend(Backend::best()).unwrap();
    let seq = best.sequential();

    type Call<'a> = Box<dyn Fn(Option<&Kernels>, &mut [f32]) + Sync + 'a>;
    let calls: Vec<(&str, Call<'_>)> = vec![
        (
            "exp",
            Box::new(|k, y| match k {
                Some(k) => k.exp(&x, y).unwrap(),
                None => act::exp(&x, y).unwrap(),
            }),
        ),
        (
            "sigmoid",
            Box::new(|k, y| match k {
                Some(k) => k.sigmoid(&x, y).unwrap(),
                None => act::sigmoid(&x, y).unwrap(),
            }),
        ),
        (
            "tanh",
            Box::new(|k, y| match k {
                Some(k) => k.tanh(&x, y).unwrap(),
                None => act::tanh(&x, y).unwrap(),
            }),
        ),
        (
            "relu",
            Box::new(|k, y| match k {
                Some(k) => k.relu(&x, y).unwrap(),
                None => act::relu(&x, y).unwrap(),
            }),
        ),
        (
            "leaky_relu",
            Box::new(|k, y| match k {
                Some(k) => k.leaky_relu(&x, y, 0.05).unwrap(),
                None => act::leaky_relu(&x, y, 0.05).unwrap(),
            }),
        ),
        (
            "prelu",
            Box::new(|k, y| match k {
                Some(k) => k.prelu(&x, y, &slopes).unwrap(),
                None => act::prelu(&x, y, &slopes).unwrap(),
            }),
        ),
        (
            "sigmoid_inplace",
            Box::new(|k, y| {
                y.copy_from_slice(&x);
                match k {
                    Some(k) => k.sigmoid_inplace(y),
                    None => act::sigmoid_inplace(y),
                }
            }),
        ),
    ];

    let pool1 = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for (name, call) in &calls {
        let mut want = vec![0.0_f32; n];
        call(Some(&seq), &mut want);
        for (label, k) in [
            ("free function", None),
            ("automatic handle", Some(best)),
            (
                "parallel_threshold(1) handle",
                Some(best.parallel_threshold(1)),
            ),
            ("sequential handle", Some(seq)),
        ] {
            let mut got = vec![SENTINEL; n];
            pool1.install(|| {
                assert_eq!(rayon::current_num_threads(), 1);
                call(k.as_ref(), &mut got);
            });
            let first_diff = got
                .iter()
                .zip(&want)
                .position(|(a, b)| a.to_bits() != b.to_bits());
            assert!(
                first_diff.is_none(),
                "{name}, {label} inside a 1-thread pool differs from sequential at index {:?}: \
                 x = {:e}, got {:e}, expected {:e}",
                first_diff,
                x[first_diff.unwrap()],
                got[first_diff.unwrap()],
                want[first_diff.unwrap()],
            );
        }
    }
}
