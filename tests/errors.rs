//! Every error the public API can return: the variant, the names and values its message gives
//! the user, and that a refused call writes nothing (the output, or the in-place buffer, is
//! filled with a sentinel beforehand and checked element by element afterwards). Also: the
//! messages of `Activation`'s parse errors, backend support queries are consistent, `Error` is
//! a `std::error::Error`, `Kernels` is `Copy + Send + Sync`, and calls inside a user's rayon
//! pool work.
//!
//! Every elementwise activation is reached through `activate` (`Activation::ALL`, on every
//! handle of `common::handles()`, the free function included); `tests/registry.rs` checks that
//! the named functions return the same results and errors.
//!
//! `cargo test --release --test errors`

mod common;

use common::{handles, mixed_inputs};
use simd_activations::{self as act, Activation, Backend, Error, Kernels, reference};

/// `Kernels` and `Activation` can be copied and shared across threads (checked at compile
/// time).
const _: () = {
    const fn assert_copy_send_sync<T: Copy + Send + Sync + 'static>() {}
    assert_copy_send_sync::<Kernels>();
    assert_copy_send_sync::<Backend>();
    assert_copy_send_sync::<Activation>();
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

/// An out-of-place function checked for shape errors: every activation (through `activate`)
/// and PReLU in both layouts.
#[derive(Clone, Copy, Debug)]
enum Unary {
    Act(Activation),
    Prelu,
    PreluChannelsFirst,
}

impl Unary {
    fn all() -> Vec<Unary> {
        let mut v: Vec<Unary> = Activation::ALL.iter().map(|&a| Unary::Act(a)).collect();
        v.extend([Unary::Prelu, Unary::PreluChannelsFirst]);
        v
    }

    fn name(self) -> String {
        match self {
            Unary::Act(a) => a.to_string(),
            Unary::Prelu => "prelu".into(),
            Unary::PreluChannelsFirst => "prelu_channels_first".into(),
        }
    }

    /// The call on handle `k`, or the free function for `None`.
    fn run(self, k: Option<&Kernels>, x: &[f32], y: &mut [f32]) -> Result<(), Error> {
        match (self, k) {
            (Unary::Act(a), k) => common::activate(k, a, x, y),
            (Unary::Prelu, Some(k)) => k.prelu(x, y, &[0.5]),
            (Unary::Prelu, None) => act::prelu(x, y, &[0.5]),
            (Unary::PreluChannelsFirst, Some(k)) => k.prelu_channels_first(x, y, &[0.5], 1),
            (Unary::PreluChannelsFirst, None) => act::prelu_channels_first(x, y, &[0.5], 1),
        }
    }

    fn reference(self, x: &[f32], y: &mut [f32]) -> Result<(), Error> {
        match self {
            Unary::Act(a) => reference::activate(a, x, y),
            Unary::Prelu => reference::prelu(x, y, &[0.5]),
            Unary::PreluChannelsFirst => reference::prelu_channels_first(x, y, &[0.5], 1),
        }
    }
}

/// `n` inputs: specials, NaNs with payloads, subnormals, ordinary values.
fn inputs(n: usize) -> Vec<f32> {
    mixed_inputs(n, 0xE770)
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
        for f in Unary::all() {
            let fname = f.name();
            for (hname, k) in handles() {
                let what = format!("{fname} on {hname}, x.len() = {nx}, y.len() = {ny}");
                let original = sentinel(ny);
                let mut y = original.clone();
                let err = f.run(k.as_ref(), &x, &mut y).expect_err(&what);
                assert_eq!(err, want, "{what}");
                assert_mentions(&what, &err, &[&nx.to_string(), &ny.to_string()]);
                assert_untouched(&what, &y, &original);
            }
            let what = format!("reference {fname}, {nx} vs {ny}");
            let original = sentinel(ny);
            let mut y = original.clone();
            let err = f.reference(&x, &mut y).expect_err(&what);
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
    for f in Unary::all() {
        for (hname, k) in handles() {
            for n in [0, 1, 17] {
                let x = inputs(n);
                let mut y = sentinel(n);
                let r = f.run(k.as_ref(), &x, &mut y);
                assert_eq!(r, Ok(()), "{} on {hname}, len {n}", f.name());
                let mut r = sentinel(n);
                assert_eq!(f.reference(&x, &mut r), Ok(()), "reference {}", f.name());
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

/// Leaky ReLU on handle `k` (the free function for `None`), out of place: by name or through
/// `activate`.
fn leaky(
    via_activate: bool,
    k: Option<&Kernels>,
    x: &[f32],
    y: &mut [f32],
    alpha: f32,
) -> Result<(), Error> {
    match (via_activate, k) {
        (true, k) => common::activate(k, Activation::LeakyRelu { alpha }, x, y),
        (false, Some(k)) => k.leaky_relu(x, y, alpha),
        (false, None) => act::leaky_relu(x, y, alpha),
    }
}

/// In-place [`leaky`].
fn leaky_inplace(
    via_activate: bool,
    k: Option<&Kernels>,
    x: &mut [f32],
    alpha: f32,
) -> Result<(), Error> {
    match (via_activate, k) {
        (true, k) => common::activate_inplace(k, Activation::LeakyRelu { alpha }, x),
        (false, Some(k)) => k.leaky_relu_inplace(x, alpha),
        (false, None) => act::leaky_relu_inplace(x, alpha),
    }
}

#[test]
fn leaky_relu_rejects_a_non_finite_alpha_and_writes_nothing() {
    let x = inputs(100);
    for &alpha in BAD {
        for via_activate in [false, true] {
            let call = if via_activate {
                "activate(leaky_relu)"
            } else {
                "leaky_relu"
            };
            for (hname, k) in handles() {
                let k = k.as_ref();
                let what = format!("{call} on {hname}, alpha = {alpha}");
                // Out of place, with matching lengths and with mismatching ones.
                for ny in [100, 99] {
                    let original = sentinel(ny);
                    let mut y = original.clone();
                    let err = leaky(via_activate, k, &x, &mut y, alpha).expect_err(&what);
                    if ny == 100 {
                        assert_invalid(&what, err, "alpha", None, alpha);
                    }
                    assert_untouched(&what, &y, &original);
                }
                // In place.
                let what = format!("{what}, in place");
                let mut z = x.clone();
                let r = leaky_inplace(via_activate, k, &mut z, alpha);
                assert_invalid(&what, r.unwrap_err(), "alpha", None, alpha);
                assert_untouched(&what, &z, &x);
            }
        }
        for via_activate in [false, true] {
            let what = format!("reference, via activate: {via_activate}, alpha = {alpha}");
            let mut y = sentinel(100);
            let err = if via_activate {
                reference::activate(Activation::LeakyRelu { alpha }, &x, &mut y)
            } else {
                reference::leaky_relu(&x, &mut y, alpha)
            };
            assert_invalid(&what, err.unwrap_err(), "alpha", None, alpha);
            assert_untouched(&what, &y, &sentinel(100));
        }
    }
    // Finite extremes are fine.
    for alpha in [f32::MAX, f32::MIN, 0.0, -0.0, f32::from_bits(1)] {
        for via_activate in [false, true] {
            let mut y = sentinel(100);
            leaky(via_activate, None, &x, &mut y, alpha).unwrap();
            let mut z = x.clone();
            leaky_inplace(via_activate, None, &mut z, alpha).unwrap();
        }
    }
}

/// Every activation without a parameter accepts any input in place through
/// `activate_inplace` (its error path is the parameter check alone).
#[test]
fn activate_inplace_without_a_parameter_never_fails() {
    let x = inputs(1000);
    for &a in Activation::ALL.iter().filter(|a| a.param_name().is_none()) {
        for (hname, k) in handles() {
            let mut z = x.clone();
            let r = common::activate_inplace(k.as_ref(), a, &mut z);
            assert_eq!(r, Ok(()), "{a} on {hname}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The parse errors of Activation
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_activation_lists_the_known_names() {
    for s in ["nope", "", "softmax", "prelu", "Sigmoid", "nope(0.1)"] {
        let err = s.parse::<Activation>().expect_err(s);
        assert_eq!(err, Error::UnknownActivation, "{s:?}");
    }
    let err = Error::UnknownActivation;
    let names: Vec<&str> = Activation::ALL.iter().map(|a| a.name()).collect();
    assert_mentions("UnknownActivation", &err, &names);
    assert_mentions("UnknownActivation", &err, &["unknown"]);
    // Each name once, as a word of the list (not only inside a longer one: "sigmoid" is in
    // "hard_sigmoid").
    let text = err.to_string();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    for n in &names {
        assert_eq!(
            words.iter().filter(|w| *w == n).count(),
            1,
            "{n} in {text:?}"
        );
    }
}

#[test]
fn malformed_activation_names_the_function() {
    // With a parameter: the message names the function and shows the bracketed form.
    for s in ["leaky_relu(abc)", "leaky_relu()", "leaky_relu(0.1"] {
        let err = s.parse::<Activation>().expect_err(s);
        assert_eq!(
            err,
            Error::MalformedActivation {
                name: "leaky_relu",
                takes_param: true
            },
            "{s:?}"
        );
        assert_mentions(s, &err, &["leaky_relu", "leaky_relu("]);
    }
    // Without a parameter: the message names the function and says it takes none.
    for &a in Activation::ALL.iter().filter(|a| a.param_name().is_none()) {
        let s = format!("{}(0.1)", a.name());
        let err = s.parse::<Activation>().expect_err(&s);
        assert_eq!(
            err,
            Error::MalformedActivation {
                name: a.name(),
                takes_param: false
            },
            "{s:?}"
        );
        assert_mentions(&s, &err, &[a.name(), "no parameter"]);
        // And not another function's bracketed form.
        assert!(!err.to_string().contains("(0.1)"), "{err}");
    }
}

#[test]
fn a_non_finite_parsed_parameter_is_an_invalid_parameter() {
    for (s, value) in [
        ("leaky_relu(NaN)", f32::NAN),
        ("leaky_relu(inf)", f32::INFINITY),
        ("leaky_relu(-inf)", f32::NEG_INFINITY),
    ] {
        let err = s.parse::<Activation>().expect_err(s);
        assert_invalid(s, err, "alpha", None, value);
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

/// `Error::NotDivisible` for `x.len() = len` and the dimension `dim_name = dim`.
fn not_divisible(len: usize, dim_name: &'static str, dim: usize) -> Error {
    Error::NotDivisible {
        what: "x.len()",
        len,
        dim_name,
        dim,
    }
}

/// PReLU with slopes `[0.1, 0.2, 0.3]` on `x` of `nx` elements and `y` of `ny` (and `inner`,
/// channels-first) fails with `expected`, whose message mentions `mentions`, in every form.
#[track_caller]
fn prelu_fails_with(
    what: &str,
    (k, nx, ny, inner): (Option<Kernels>, usize, usize, Option<usize>),
    expected: Error,
    mentions: &[&str],
) {
    for err in prelu_fails(what, k, &inputs(nx), ny, &[0.1, 0.2, 0.3], inner) {
        assert_eq!(err, expected, "{what}");
        assert_mentions(what, &err, mentions);
    }
}

#[test]
fn prelu_rejects_lengths_that_are_not_whole_periods() {
    for (hname, k) in handles() {
        // Channels-last: x.len() = 10, C = 3.
        let expected = not_divisible(10, "slopes.len()", 3);
        let what = format!("prelu on {hname}, len 10, C = 3");
        let mentions = ["x.len()", "10", "slopes.len()", "3"];
        prelu_fails_with(&what, (k, 10, 10, None), expected, &mentions);
        // Channels-first: x.len() = 50, C = 3, inner = 4 (period 12).
        let expected = not_divisible(50, "slopes.len() * inner", 12);
        let what = format!("prelu_channels_first on {hname}, len 50, C = 3, inner = 4");
        prelu_fails_with(
            &what,
            (k, 50, 50, Some(4)),
            expected,
            &["50", "12", "inner"],
        );
        // A multiple of C but not of C * inner.
        let x = inputs(6);
        let what = format!("prelu_channels_first on {hname}, len 6, C = 3, inner = 4");
        for err in prelu_fails(&what, k, &x, 6, &[0.1, 0.2, 0.3], Some(4)) {
            assert!(matches!(err, Error::NotDivisible { .. }), "{what}: {err:?}");
        }
        // Length mismatch with valid shapes.
        let expected = Error::LengthMismatch {
            input: 12,
            output: 9,
        };
        let what = format!("prelu on {hname}, x 12, y 9, C = 3");
        prelu_fails_with(&what, (k, 12, 9, None), expected, &["12", "9"]);
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

/// On aarch64 (natively or under `qemu-aarch64`, `.ci/aarch64`): NEON is detected and is the
/// best backend, the x86 ones are refused, and `Scalar` can still be forced.
#[cfg(target_arch = "aarch64")]
#[test]
fn on_aarch64_neon_is_the_best_backend_and_scalar_can_be_forced() {
    println!("best backend on this aarch64 CPU: {}", Backend::best());
    assert_eq!(Backend::best(), Backend::Neon);
    assert_eq!(Backend::supported(), [Backend::Scalar, Backend::Neon]);
    assert_eq!(Backend::Neon.lanes(), 4);
    assert_eq!(Kernels::global().backend(), Backend::Neon);
    for b in [Backend::Avx2, Backend::Avx512] {
        assert_eq!(
            Kernels::with_backend(b).unwrap_err(),
            Error::UnsupportedBackend(b)
        );
    }
    let scalar = Kernels::with_backend(Backend::Scalar).unwrap();
    assert_eq!(scalar.backend(), Backend::Scalar);
    assert_eq!(scalar.sequential().backend(), Backend::Scalar);
    // The forced scalar handle runs the scalar kernels (tests/bit_for_bit.rs pins their bits,
    // the same as on x86-64): its results equal the sequential scalar handle's.
    let x: Vec<f32> = (0..1000).map(|i| (i as f32 - 500.0) * 0.037).collect();
    let (mut a, mut b) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    scalar.parallel_threshold(1).gelu(&x, &mut a).unwrap();
    scalar.sequential().gelu(&x, &mut b).unwrap();
    assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
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
    let x = inputs(n);
    let slopes = [0.1_f32, 0.2, 0.3, 0.4];
    let best = Kernels::with_backend(Backend::best()).unwrap();
    let seq = best.sequential();

    type Call<'a> = Box<dyn Fn(Option<&Kernels>, &mut [f32]) + Sync + 'a>;
    let mut calls: Vec<(String, Call<'_>)> = Vec::new();
    for &a in Activation::ALL {
        let x = &x;
        calls.push((
            a.to_string(),
            Box::new(move |k, y| common::activate(k, a, x, y).unwrap()),
        ));
        calls.push((
            format!("{a}, in place"),
            Box::new(move |k, y| {
                y.copy_from_slice(x);
                common::activate_inplace(k, a, y).unwrap();
            }),
        ));
    }
    calls.push((
        "leaky_relu(0.05)".into(),
        Box::new(|k, y| common::activate(k, Activation::LeakyRelu { alpha: 0.05 }, &x, y).unwrap()),
    ));
    calls.push((
        "prelu".into(),
        Box::new(|k, y| match k {
            Some(k) => k.prelu(&x, y, &slopes).unwrap(),
            None => act::prelu(&x, y, &slopes).unwrap(),
        }),
    ));

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
            let what = format!("{name}, {label} inside a 1-thread pool (against sequential)");
            common::assert_same_bits(&what, &x, &got, &want);
        }
    }
}
