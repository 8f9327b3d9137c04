//! `Activation` as a user meets it: its names are the free functions' names, `Display` and
//! `FromStr` round-trip (and refuse what they should, with the right error), its bounds are the
//! documented ones, `activate`/`activate_inplace` give bit for bit what the named functions
//! give (results and errors, on every handle), and the README has a row for every activation
//! in its exhaustive accuracy table and in its special-values table.
//!
//! This is the one file that lists the named functions by hand (`named`, `named_inplace`,
//! `named_reference`); `every_activation_is_in_the_hand_written_lists` fails when
//! `Activation::ALL` grows without them.
//!
//! `cargo test --release --test registry`

mod common;

use common::{Rng, assert_same_bits, handles, mixed_inputs};
use simd_activations::{self as act, Activation, Backend, Error, Kernels, reference};

/// A bit pattern no kernel produces from these inputs: what an untouched buffer holds.
const SENTINEL: f32 = f32::from_bits(0x7FA5_A5A5);

/// The named out-of-place function of `act` on handle `k` (the free function for `None`),
/// with the name it is called by; `None` for an activation this list lacks.
fn named(
    k: Option<&Kernels>,
    a: Activation,
    x: &[f32],
    y: &mut [f32],
) -> Option<(&'static str, Result<(), Error>)> {
    macro_rules! call {
        ($f:ident $(, $p:expr)?) => {
            (
                stringify!($f),
                match k {
                    Some(k) => k.$f(x, y $(, $p)?),
                    None => act::$f(x, y $(, $p)?),
                },
            )
        };
    }
    Some(match a {
        Activation::Exp => call!(exp),
        Activation::Sigmoid => call!(sigmoid),
        Activation::Tanh => call!(tanh),
        Activation::Silu => call!(silu),
        Activation::QuickGelu => call!(quick_gelu),
        Activation::Gelu => call!(gelu),
        Activation::GeluTanh => call!(gelu_tanh),
        Activation::Mish => call!(mish),
        Activation::Relu => call!(relu),
        Activation::Elu { alpha } => call!(elu, alpha),
        Activation::Selu => call!(selu),
        Activation::LeakyRelu { alpha } => call!(leaky_relu, alpha),
        Activation::HardSigmoid => call!(hard_sigmoid),
        Activation::HardSwish => call!(hard_swish),
        Activation::Softplus => call!(softplus),
        Activation::LogSigmoid => call!(log_sigmoid),
        _ => return None,
    })
}

/// The named in-place function of `act` on handle `k` (the free function for `None`), with
/// its name; the forms without a parameter return `()`, reported here as `Ok(())`.
fn named_inplace(
    k: Option<&Kernels>,
    a: Activation,
    x: &mut [f32],
) -> Option<(&'static str, Result<(), Error>)> {
    macro_rules! call {
        ($f:ident) => {{
            match k {
                Some(k) => k.$f(x),
                None => act::$f(x),
            }
            (stringify!($f), Ok(()))
        }};
        ($f:ident, $p:expr) => {
            (
                stringify!($f),
                match k {
                    Some(k) => k.$f(x, $p),
                    None => act::$f(x, $p),
                },
            )
        };
    }
    Some(match a {
        Activation::Exp => call!(exp_inplace),
        Activation::Sigmoid => call!(sigmoid_inplace),
        Activation::Tanh => call!(tanh_inplace),
        Activation::Silu => call!(silu_inplace),
        Activation::QuickGelu => call!(quick_gelu_inplace),
        Activation::Gelu => call!(gelu_inplace),
        Activation::GeluTanh => call!(gelu_tanh_inplace),
        Activation::Mish => call!(mish_inplace),
        Activation::Relu => call!(relu_inplace),
        Activation::Elu { alpha } => call!(elu_inplace, alpha),
        Activation::Selu => call!(selu_inplace),
        Activation::LeakyRelu { alpha } => call!(leaky_relu_inplace, alpha),
        Activation::HardSigmoid => call!(hard_sigmoid_inplace),
        Activation::HardSwish => call!(hard_swish_inplace),
        Activation::Softplus => call!(softplus_inplace),
        Activation::LogSigmoid => call!(log_sigmoid_inplace),
        _ => return None,
    })
}

/// The named slice reference of `act`, with its name.
fn named_reference(
    a: Activation,
    x: &[f32],
    y: &mut [f32],
) -> Option<(&'static str, Result<(), Error>)> {
    Some(match a {
        Activation::Exp => ("exp", reference::exp(x, y)),
        Activation::Sigmoid => ("sigmoid", reference::sigmoid(x, y)),
        Activation::Tanh => ("tanh", reference::tanh(x, y)),
        Activation::Silu => ("silu", reference::silu(x, y)),
        Activation::QuickGelu => ("quick_gelu", reference::quick_gelu(x, y)),
        Activation::Gelu => ("gelu", reference::gelu(x, y)),
        Activation::GeluTanh => ("gelu_tanh", reference::gelu_tanh(x, y)),
        Activation::Mish => ("mish", reference::mish(x, y)),
        Activation::Relu => ("relu", reference::relu(x, y)),
        Activation::Elu { alpha } => ("elu", reference::elu(x, y, alpha)),
        Activation::Selu => ("selu", reference::selu(x, y)),
        Activation::LeakyRelu { alpha } => ("leaky_relu", reference::leaky_relu(x, y, alpha)),
        Activation::HardSigmoid => ("hard_sigmoid", reference::hard_sigmoid(x, y)),
        Activation::HardSwish => ("hard_swish", reference::hard_swish(x, y)),
        Activation::Softplus => ("softplus", reference::softplus(x, y)),
        Activation::LogSigmoid => ("log_sigmoid", reference::log_sigmoid(x, y)),
        _ => return None,
    })
}

/// The documented bound of every activation, by name.
const BOUNDS: &[(&str, u32)] = &[
    ("exp", 1),
    ("sigmoid", 2),
    ("tanh", 2),
    ("silu", 2),
    ("quick_gelu", 2),
    ("gelu", 3),
    ("gelu_tanh", 3),
    ("mish", 3),
    ("elu", 2),
    ("selu", 3),
    ("relu", 0),
    ("leaky_relu", 0),
    ("hard_sigmoid", 1),
    ("hard_swish", 2),
    ("softplus", 2),
    ("log_sigmoid", 2),
];

/// Every activation of `ALL`, and Leaky ReLU and ELU with other parameters.
fn activations() -> Vec<Activation> {
    let mut v = Activation::ALL.to_vec();
    for alpha in [0.2, -1.5, 0.0, -0.0, 3.0, f32::MAX] {
        v.push(Activation::LeakyRelu { alpha });
        v.push(Activation::Elu { alpha });
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Names, bounds, coverage of the hand-written lists
// ---------------------------------------------------------------------------------------------

#[test]
fn every_activation_is_in_the_hand_written_lists() {
    let mut missing = Vec::new();
    for &a in Activation::ALL {
        let (x, mut y, mut z) = ([1.0_f32], [0.0_f32], [1.0_f32]);
        if named(None, a, &x, &mut y).is_none() {
            missing.push(format!("{a}: not in named()"));
        }
        if named_inplace(None, a, &mut z).is_none() {
            missing.push(format!("{a}: not in named_inplace()"));
        }
        if named_reference(a, &x, &mut y).is_none() {
            missing.push(format!("{a}: not in named_reference()"));
        }
        if !BOUNDS.iter().any(|(n, _)| *n == a.name()) {
            missing.push(format!("{a}: not in BOUNDS"));
        }
    }
    assert!(
        missing.is_empty(),
        "Activation::ALL holds activations this file does not list by hand:\n{}",
        missing.join("\n")
    );
    // And nothing listed here has left the registry.
    for (n, _) in BOUNDS {
        assert!(
            Activation::ALL.iter().any(|a| a.name() == *n),
            "{n} is listed here but not in Activation::ALL"
        );
    }
    assert_eq!(BOUNDS.len(), Activation::ALL.len());
}

#[test]
fn name_is_the_free_function_name() {
    let x = [0.5_f32, -2.0];
    for a in activations() {
        let mut y = [0.0; 2];
        let (f, r) = named(None, a, &x, &mut y).expect("listed");
        assert_eq!(r, Ok(()), "{f}");
        assert_eq!(a.name(), f, "{a:?}");
        let mut z = x;
        let (g, r) = named_inplace(None, a, &mut z).expect("listed");
        assert_eq!(r, Ok(()), "{g}");
        assert_eq!(g, format!("{}_inplace", a.name()), "{a:?}");
        let (h, _) = named_reference(a, &x, &mut y).expect("listed");
        assert_eq!(a.name(), h, "{a:?}");
    }
    // Distinct names, in the order of ALL.
    let names: Vec<&str> = Activation::ALL.iter().map(|a| a.name()).collect();
    assert_eq!(
        names,
        [
            "exp",
            "sigmoid",
            "tanh",
            "silu",
            "quick_gelu",
            "gelu",
            "gelu_tanh",
            "mish",
            "elu",
            "selu",
            "relu",
            "leaky_relu",
            "hard_sigmoid",
            "hard_swish",
            "softplus",
            "log_sigmoid"
        ]
    );
}

#[test]
fn ulp_bounds_param_names_and_special_values() {
    for &a in Activation::ALL {
        let want = BOUNDS.iter().find(|(n, _)| *n == a.name()).expect("listed");
        assert_eq!(a.ulp_bound(), want.1, "{a}");
        let param = match a {
            Activation::LeakyRelu { .. } | Activation::Elu { .. } => Some("alpha"),
            _ => None,
        };
        assert_eq!(a.param_name(), param, "{a}");
        let s = a.special_values();
        assert!(s.starts_with("NaN -> NaN"), "{a}: {s:?}");
    }
    // The parameter does not change the name, nor Leaky ReLU's bound; ELU's is 2 at its
    // default alpha (no product to round) and 3 for any other.
    let a = Activation::LeakyRelu { alpha: -3.5 };
    assert_eq!((a.name(), a.ulp_bound()), ("leaky_relu", 0));
    for (alpha, bound) in [(1.0, 2), (0.5, 3), (-1.0, 3), (0.0, 3), (1.000_000_1, 3)] {
        let a = Activation::Elu { alpha };
        assert_eq!((a.name(), a.ulp_bound()), ("elu", bound), "{a}");
    }
    // The default of the one parameter.
    assert!(
        Activation::ALL.contains(&Activation::LeakyRelu { alpha: 0.01 }),
        "{:?}",
        Activation::ALL
    );
    assert!(
        Activation::ALL.contains(&Activation::Elu { alpha: 1.0 }),
        "{:?}",
        Activation::ALL
    );
}

// ---------------------------------------------------------------------------------------------
// Display and FromStr
// ---------------------------------------------------------------------------------------------

fn parse(s: &str) -> Result<Activation, Error> {
    s.parse::<Activation>()
}

/// `a` and `b` are the same variant with bit-identical parameters (`-0.0` is not `0.0`).
fn same(a: Activation, b: Activation) -> bool {
    match (a, b) {
        (Activation::LeakyRelu { alpha: p }, Activation::LeakyRelu { alpha: q })
        | (Activation::Elu { alpha: p }, Activation::Elu { alpha: q }) => {
            p.to_bits() == q.to_bits()
        }
        _ => a == b,
    }
}

#[test]
fn display_and_from_str_round_trip() {
    let mut all = activations();
    let mut rng = Rng(0x5EED_D15B);
    for v in [
        1e-7,
        0.1,
        1e-30,
        -1e30,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
    ] {
        all.push(Activation::LeakyRelu { alpha: v });
        all.push(Activation::Elu { alpha: v });
    }
    for _ in 0..1000 {
        // Finite bit patterns of both signs (the lowest exponent bit cleared: never inf/NaN).
        let v = f32::from_bits(rng.next_u64() as u32 & 0xFF7F_FFFF);
        all.push(Activation::LeakyRelu { alpha: v });
    }
    for a in all {
        let s = a.to_string();
        let back = parse(&s).unwrap_or_else(|e| panic!("{a:?} -> {s:?} does not parse: {e}"));
        assert!(same(back, a), "{a:?} -> {s:?} -> {back:?}");
        assert_eq!(back.to_string(), s);
        assert!(s.starts_with(a.name()), "{s}");
    }
    for &a in Activation::ALL {
        match a {
            Activation::LeakyRelu { .. } => assert_eq!(a.to_string(), "leaky_relu(0.01)"),
            Activation::Elu { .. } => assert_eq!(a.to_string(), "elu(1)"),
            _ => assert_eq!(a.to_string(), a.name()),
        }
    }
    // The values of the brief, as the docs show them.
    for (alpha, text) in [
        (0.2, "leaky_relu(0.2)"),
        (-1.5, "leaky_relu(-1.5)"),
        (3.0, "leaky_relu(3)"),
    ] {
        let a = Activation::LeakyRelu { alpha };
        assert_eq!(a.to_string(), text);
        assert!(same(parse(text).unwrap(), a), "{text}");
    }
    let tiny = Activation::LeakyRelu { alpha: 1e-7 };
    assert!(same(parse(&tiny.to_string()).unwrap(), tiny), "{tiny}");
    assert!(same(parse("leaky_relu(1e-7)").unwrap(), tiny));
    assert!(same(
        parse("leaky_relu(3.0)").unwrap(),
        Activation::LeakyRelu { alpha: 3.0 }
    ));
    for (alpha, text) in [(0.5, "elu(0.5)"), (1.0, "elu(1)"), (-1.0, "elu(-1)")] {
        let a = Activation::Elu { alpha };
        assert_eq!(a.to_string(), text);
        assert!(same(parse(text).unwrap(), a), "{text}");
    }
}

/// Names honour width and alignment, as `str`'s `Display` does (tables of a report line up).
#[test]
fn display_pads_names_to_the_requested_width() {
    assert_eq!(format!("{:<8}|", Activation::Exp), "exp     |");
    assert_eq!(format!("{:>8}|", Activation::Tanh), "    tanh|");
    assert_eq!(format!("{:<8}|", Backend::Scalar), "scalar  |");
    // With a parameter, the name and the value as they are.
    let leaky = Activation::LeakyRelu { alpha: 0.5 };
    assert_eq!(format!("{leaky:<20}|"), "leaky_relu(0.5)|");
}

#[test]
fn from_str_defaults_and_white_space() {
    assert!(same(
        parse("leaky_relu").unwrap(),
        Activation::LeakyRelu { alpha: 0.01 }
    ));
    // "elu" is ELU with alpha 1 (PyTorch's default).
    assert!(same(parse("elu").unwrap(), Activation::Elu { alpha: 1.0 }));
    for (s, want) in [
        (" leaky_relu( 0.2 ) ", Activation::LeakyRelu { alpha: 0.2 }),
        ("leaky_relu (0.2)", Activation::LeakyRelu { alpha: 0.2 }),
        (
            "\tleaky_relu(\n-1.5)\n",
            Activation::LeakyRelu { alpha: -1.5 },
        ),
        ("  leaky_relu  ", Activation::LeakyRelu { alpha: 0.01 }),
        (" sigmoid ", Activation::Sigmoid),
        ("quick_gelu ", Activation::QuickGelu),
        ("hard_swish\n", Activation::HardSwish),
        (" elu( 0.5 ) ", Activation::Elu { alpha: 0.5 }),
        ("\tselu\n", Activation::Selu),
        ("  softplus", Activation::Softplus),
        ("log_sigmoid\t", Activation::LogSigmoid),
    ] {
        let got = parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        assert!(same(got, want), "{s:?}: {got:?}");
    }
    for &a in Activation::ALL {
        assert!(same(parse(a.name()).unwrap(), a), "{a}");
        assert!(same(parse(&format!("  {}\t", a.name())).unwrap(), a), "{a}");
    }
}

#[test]
fn from_str_errors() {
    for s in [
        "nope",
        "",
        "   ",
        "nope(0.1)",
        "nope(abc)",
        "(0.1)",
        "Sigmoid",
        "sigmoid_",
    ] {
        assert_eq!(parse(s), Err(Error::UnknownActivation), "{s:?}");
    }
    let malformed_leaky = Err(Error::MalformedActivation {
        name: "leaky_relu",
        takes_param: true,
    });
    for s in [
        "leaky_relu(abc)",
        "leaky_relu()",
        "leaky_relu(0.1",
        "leaky_relu(",
        "leaky_relu(0.1))",
        "leaky_relu(0.1)x",
        "leaky_relu(0.1, 0.2)",
        " leaky_relu ( ) ",
    ] {
        assert_eq!(parse(s), malformed_leaky, "{s:?}");
    }
    for &a in Activation::ALL {
        if a.param_name().is_some() {
            continue;
        }
        let name = a.name();
        let want = Err(Error::MalformedActivation {
            name,
            takes_param: false,
        });
        for s in [
            format!("{name}(0.1)"),
            format!("{name}()"),
            format!("{name}(abc)"),
        ] {
            assert_eq!(parse(&s), want, "{s:?}");
        }
    }
    assert_eq!(
        parse("sigmoid(0.1)"),
        Err(Error::MalformedActivation {
            name: "sigmoid",
            takes_param: false
        })
    );
    for (s, value) in [
        ("leaky_relu(NaN)", f32::NAN),
        ("leaky_relu(inf)", f32::INFINITY),
        ("leaky_relu(-inf)", f32::NEG_INFINITY),
        ("leaky_relu(1e39)", f32::INFINITY), // rounds to infinity
        ("elu(NaN)", f32::NAN),
        ("elu(-inf)", f32::NEG_INFINITY),
    ] {
        match parse(s) {
            Err(Error::InvalidParameter {
                name: "alpha",
                index: None,
                value: v,
            }) => assert!(
                v.to_bits() == value.to_bits() || (v.is_nan() && value.is_nan()),
                "{s:?}: value {v}"
            ),
            other => panic!("{s:?}: expected InvalidParameter for alpha, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// activate == the named functions
// ---------------------------------------------------------------------------------------------

#[test]
fn activate_equals_the_named_functions_bit_for_bit() {
    let handles = handles();
    for n in [0, 1, 7, 8, 15, 16, 17, 33, 1000, 4099, 300_007] {
        let x = mixed_inputs(n, 0xAC7);
        for a in activations() {
            for (hname, k) in &handles {
                let k = k.as_ref();
                let what = format!("{a} on {hname}, n = {n}");
                let (mut want, mut got) = (vec![SENTINEL; n], vec![SENTINEL; n]);
                let (_, r) = named(k, a, &x, &mut want).expect("listed");
                assert_eq!(r, Ok(()), "{what}");
                assert_eq!(common::activate(k, a, &x, &mut got), Ok(()), "{what}");
                assert_same_bits(&what, &x, &got, &want);
                let (mut want, mut got) = (x.clone(), x.clone());
                let (_, r) = named_inplace(k, a, &mut want).expect("listed");
                assert_eq!(r, Ok(()), "{what}, in place");
                assert_eq!(
                    common::activate_inplace(k, a, &mut got),
                    Ok(()),
                    "{what}, in place"
                );
                assert_same_bits(&format!("{what}, in place"), &x, &got, &want);
            }
            // The references too.
            if n <= 4099 {
                let what = format!("reference {a}, n = {n}");
                let (mut want, mut got) = (vec![SENTINEL; n], vec![SENTINEL; n]);
                named_reference(a, &x, &mut want)
                    .expect("listed")
                    .1
                    .unwrap();
                reference::activate(a, &x, &mut got).unwrap();
                assert_same_bits(&what, &x, &got, &want);
                for (i, &v) in x.iter().enumerate() {
                    let one = reference::activate_one(a, v);
                    assert_eq!(
                        one.to_bits(),
                        want[i].to_bits(),
                        "{what}: activate_one({v:e})"
                    );
                }
            }
        }
    }
}

#[test]
fn activate_returns_the_named_functions_errors() {
    let x = mixed_inputs(100, 0xE77);
    let bad = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN];
    let mut cases: Vec<(Activation, usize)> = Vec::new();
    for a in activations() {
        cases.push((a, 99));
        cases.push((a, 101));
    }
    for &alpha in &bad {
        cases.push((Activation::LeakyRelu { alpha }, 100));
        cases.push((Activation::LeakyRelu { alpha }, 99));
    }
    for (hname, k) in handles() {
        let k = k.as_ref();
        for &(a, ny) in &cases {
            let what = format!("{a:?} on {hname}, y.len() = {ny}");
            let (mut want, mut got) = (vec![SENTINEL; ny], vec![SENTINEL; ny]);
            let (_, r) = named(k, a, &x, &mut want).expect("listed");
            let e = r.expect_err(&what);
            let g = common::activate(k, a, &x, &mut got).expect_err(&what);
            // Compared as text: a NaN value is not equal to itself.
            assert_eq!(format!("{e:?}"), format!("{g:?}"), "{what}");
            assert!(
                got.iter().all(|v| v.to_bits() == SENTINEL.to_bits()),
                "{what}"
            );
            assert!(
                want.iter().all(|v| v.to_bits() == SENTINEL.to_bits()),
                "{what}"
            );
            let mut r = vec![SENTINEL; ny];
            let (_, re) = named_reference(a, &x, &mut r).expect("listed");
            let rg = reference::activate(a, &x, &mut r).expect_err(&what);
            assert_eq!(
                format!("{:?}", re.expect_err(&what)),
                format!("{rg:?}"),
                "{what}"
            );
            assert!(
                r.iter().all(|v| v.to_bits() == SENTINEL.to_bits()),
                "{what}"
            );
            if ny == x.len() {
                let (mut want, mut got) = (x.clone(), x.clone());
                let (_, r) = named_inplace(k, a, &mut want).expect("listed");
                let e = r.expect_err(&what);
                let g = common::activate_inplace(k, a, &mut got).expect_err(&what);
                assert_eq!(format!("{e:?}"), format!("{g:?}"), "{what}, in place");
                assert_same_bits(&format!("{what}, in place"), &x, &got, &x);
                assert_same_bits(&format!("{what}, in place"), &x, &want, &x);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// README
// ---------------------------------------------------------------------------------------------

const README: &str = include_str!("../README.md");

/// The rows (`| ... |` lines) of the README table whose header line starts with `header`,
/// each split into its trimmed cells.
fn table(header: &str) -> Vec<Vec<&'static str>> {
    table_where(header, |l| l.starts_with(header))
}

/// The rows of the first README table whose header line is exactly `header` (where another
/// table's header starts the same way).
fn table_headed_exactly(header: &str) -> Vec<Vec<&'static str>> {
    table_where(header, |l| l == header)
}

fn table_where(header: &str, is_header: impl Fn(&str) -> bool) -> Vec<Vec<&'static str>> {
    let mut lines = README.lines().skip_while(|l| !is_header(l));
    assert!(lines.next().is_some(), "README: no table headed {header:?}");
    lines
        .take_while(|l| l.starts_with('|'))
        .filter(|l| !l.starts_with("|---"))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect()
        })
        .collect()
}

/// The backends the README's exhaustive table covers: scalar and x86.
fn readme_backends() -> Vec<Backend> {
    Backend::ALL
        .iter()
        .copied()
        .filter(|b| matches!(b, Backend::Scalar | Backend::Avx2 | Backend::Avx512))
        .collect()
}

#[test]
fn readme_has_an_exhaustive_row_per_activation_and_backend() {
    let rows = table("| function | backend | bound | max ULP |");
    let mut missing = Vec::new();
    for &a in Activation::ALL {
        for b in readme_backends() {
            let row = rows.iter().find(|r| r[0] == a.name() && r[1] == b.name());
            let Some(row) = row else {
                missing.push(format!("| {} | {} | {} | ...", a.name(), b, a.ulp_bound()));
                continue;
            };
            assert_eq!(
                row[2],
                a.ulp_bound().to_string(),
                "README row {row:?}: bound column differs from ulp_bound()"
            );
            let max: u32 = row[3]
                .parse()
                .unwrap_or_else(|_| panic!("README row {row:?}: max ULP is not a number"));
            assert!(
                max <= a.ulp_bound(),
                "README row {row:?}: max ULP over the bound"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "README's exhaustive accuracy table lacks {} rows:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The SIMD backends' rows in the exhaustive tables are AVX2's: AVX-512's, measured on every
/// input, came out as AVX2's (the two give the same bits: `tests/sweep_digests.rs` checks it on
/// a CPU with both), and NEON gives AVX2's bits on every input (the same test, swept under
/// emulation on all 64 parts: README section Accuracy). A row edited, added or left out on one
/// backend and not the other fails here.
#[test]
fn readme_simd_rows_are_the_avx2_rows() {
    // The backends whose rows must be AVX2's.
    const SAME_AS_AVX2: &[&str] = &["avx512", "neon"];
    const TABLES: [&str; 3] = [
        "| function | backend | bound | max ULP | worst input | correctly rounded | 0 ULP | 1 ULP | 2 ULP | more |",
        "| gradient | backend | bound | max (ULP, beyond the margin where there is one) | worst input | exact | 0 | 1 | 2 | more |",
        "| gradient | backend | bound | max ULP | worst input | correctly rounded |",
    ];
    for header in TABLES {
        let rows = table_headed_exactly(header);
        // A backend's rows in order, without the backend's cell.
        let on = |backend: &str| -> Vec<Vec<&str>> {
            rows.iter()
                .filter(|r| r.get(1) == Some(&backend))
                .map(|r| [&r[..1], &r[2..]].concat())
                .collect()
        };
        let avx2 = on("avx2");
        assert!(!avx2.is_empty(), "README table {header:?} has no avx2 rows");
        let mut names: Vec<&str> = avx2.iter().map(|r| r[0]).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            avx2.len(),
            "README table {header:?}: a kernel twice"
        );
        for &other in SAME_AS_AVX2 {
            assert_eq!(
                on(other),
                avx2,
                "README table {header:?}: the {other} rows are not the avx2 rows"
            );
        }
    }
}

#[test]
fn readme_has_a_special_values_row_per_activation() {
    let rows = table("| function | bound | special values |");
    let mut missing = Vec::new();
    for &a in Activation::ALL {
        let cell = format!("`{}`", a.name());
        if !rows.iter().any(|r| r[0] == cell) {
            missing.push(format!("| `{}` | ...", a.name()));
        }
    }
    assert!(
        missing.is_empty(),
        "README's special-values table lacks rows:\n{}",
        missing.join("\n")
    );
}
