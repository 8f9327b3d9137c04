//! The fused kernels against the unfused sequences they replace, bit for bit: `bias_activate`
//! (`x + bias` in `f32`, then `activate`), `glu` (`activate` on the gate, then the `f32`
//! product with `up`), their in-place forms, and `glu_rows` (against `glu` on each row's
//! halves). For every activation of the registry (and ELU / Leaky ReLU with other parameters),
//! every backend this CPU supports, sequential and split handles, the free functions, many
//! lengths and channel counts (each path of the periodic walk: one vector of bias, cycled
//! vectors, a stack tile, the bias itself), misaligned slices, and special values in every
//! input. Then every error, with the output untouched.
//!
//! The one freedom: where both operands of the addition (or of the product) are NaN, IEEE 754
//! leaves the payload of the NaN result open, so there only NaN is required.
//!
//! `cargo test --release --test fused`

mod common;

use common::{Rng, SPECIALS, backends, mixed_inputs};
use simd_activations::{self as act, Activation, Error, Kernels};

/// A bit pattern no kernel produces from these inputs: what an untouched buffer holds.
const SENTINEL: f32 = f32::from_bits(0x7FA5_A5A5);

/// Every activation of the registry, and the ones with a parameter at other values.
fn activations() -> Vec<Activation> {
    let mut acts = Activation::ALL.to_vec();
    acts.extend([
        Activation::Elu { alpha: 0.5 },
        Activation::Elu { alpha: -1.5 },
        Activation::LeakyRelu { alpha: 0.2 },
        Activation::LeakyRelu { alpha: -3.0 },
    ]);
    acts
}

/// A handle to test, named, and the sequential handle of the same backend whose unfused
/// sequence it must reproduce. `None`: the free functions.
struct Handle {
    name: String,
    k: Option<Kernels>,
    reference: Kernels,
}

/// Each supported backend sequential, splitting from one element on (pieces of 64 elements:
/// every phase of the bias), and automatic; and the free functions.
fn handles() -> Vec<Handle> {
    let mut h = Vec::new();
    for (b, k) in backends() {
        for (mode, kk) in [
            ("sequential", k),
            ("parallel_threshold(1)", k.parallel_threshold(1)),
            ("automatic", k.automatic_threading()),
        ] {
            h.push(Handle {
                name: format!("{b} {mode}"),
                k: Some(kk),
                reference: k,
            });
        }
    }
    h.push(Handle {
        name: "free functions".into(),
        k: None,
        reference: Kernels::global().sequential(),
    });
    h
}

/// Asserts `got == want` bit for bit, except where `both_nan[i]` (the two operands of the
/// addition or product were NaN): there both must be NaN.
#[track_caller]
fn assert_unfused_bits(what: &str, got: &[f32], want: &[f32], both_nan: impl Fn(usize) -> bool) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = if both_nan(i) {
            g.is_nan() && w.is_nan()
        } else {
            g.to_bits() == w.to_bits()
        };
        assert!(
            ok,
            "{what}: element {i}: fused {g} ({:#010x}), unfused {w} ({:#010x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// bias_activate
// ---------------------------------------------------------------------------------------------

/// `x + bias` in `f32`, then `activate` on `k`.
fn unfused_bias(k: &Kernels, x: &[f32], bias: &[f32], a: Activation) -> Vec<f32> {
    let sum: Vec<f32> = x
        .iter()
        .zip(bias.iter().cycle())
        .map(|(x, b)| x + b)
        .collect();
    let mut y = vec![0.0; x.len()];
    k.activate(a, &sum, &mut y).unwrap();
    y
}

fn bias_activate(
    h: &Handle,
    x: &[f32],
    bias: &[f32],
    y: &mut [f32],
    a: Activation,
) -> Result<(), Error> {
    match &h.k {
        Some(k) => k.bias_activate(x, bias, y, a),
        None => act::bias_activate(x, bias, y, a),
    }
}

fn bias_activate_inplace(
    h: &Handle,
    x: &mut [f32],
    bias: &[f32],
    a: Activation,
) -> Result<(), Error> {
    match &h.k {
        Some(k) => k.bias_activate_inplace(x, bias, a),
        None => act::bias_activate_inplace(x, bias, a),
    }
}

/// The channel counts and row counts tried: one bias vector (C divides the lanes), cycled
/// vectors (3, 17, 64), a stack tile (100, 255), the bias itself as the side stream (1000, 4096).
const SHAPES: &[(usize, &[usize])] = &[
    (1, &[0, 1, 15, 16, 17, 33, 1000]),
    (3, &[0, 1, 5, 6, 11, 400]),
    (8, &[1, 3, 70]),
    (17, &[1, 3, 61]),
    (64, &[1, 2, 33]),
    (100, &[1, 3, 21]),
    (255, &[1, 2, 9]),
    (1000, &[1, 3]),
    (4096, &[1, 2]),
];

/// Runs `check(x, bias)` on slices starting at offsets 0 and 3 of their buffers (so that the
/// streams are aligned alike, and differently).
fn with_offsets(n: usize, c: usize, seed: u64, mut check: impl FnMut(&[f32], &[f32], usize)) {
    for offset in [0, 3] {
        let xs = mixed_inputs(n + offset, seed);
        let bs = mixed_inputs(c + 2 * offset, seed ^ 0xB1A5);
        check(&xs[offset..], &bs[2 * offset..], offset);
    }
}

#[test]
fn bias_activate_is_the_unfused_sequence_bit_for_bit() {
    let handles = handles();
    for a in activations() {
        for h in &handles {
            for &(c, rows) in SHAPES {
                for &r in rows {
                    let n = r * c;
                    with_offsets(n, c, (n * 31 + c) as u64, |x, bias, offset| {
                        let what = format!(
                            "bias_activate {a} on {}, C = {c}, len {n}, offset {offset}",
                            h.name
                        );
                        let want = unfused_bias(&h.reference, x, bias, a);
                        let both_nan = |i: usize| x[i].is_nan() && bias[i % c].is_nan();
                        let mut y = vec![SENTINEL; n];
                        bias_activate(h, x, bias, &mut y, a).expect(&what);
                        assert_unfused_bits(&what, &y, &want, both_nan);
                        let mut z = x.to_vec();
                        bias_activate_inplace(h, &mut z, bias, a).expect(&what);
                        assert_unfused_bits(&format!("{what}, in place"), &z, &want, both_nan);
                    });
                }
            }
        }
    }
}

/// Every special value as a bias (one channel each), against special and ordinary inputs.
#[test]
fn special_biases_flow_through_the_addition() {
    let c = SPECIALS.len();
    let mut rng = Rng(0x5EC1A1);
    for a in activations() {
        for h in &handles() {
            let mut x = mixed_inputs(c * 40, 77);
            // Rows of the specials themselves: NaN + NaN, inf + -inf, -0 + -0, subnormal sums.
            x[..c].copy_from_slice(SPECIALS);
            for (i, v) in x[c..2 * c].iter_mut().enumerate() {
                *v = SPECIALS[(i + 1 + rng.below(c - 1)) % c];
            }
            let want = unfused_bias(&h.reference, &x, SPECIALS, a);
            let both_nan = |i: usize| x[i].is_nan() && SPECIALS[i % c].is_nan();
            let what = format!("bias_activate {a} on {}, special biases", h.name);
            let mut y = vec![SENTINEL; x.len()];
            bias_activate(h, &x, SPECIALS, &mut y, a).expect(&what);
            assert_unfused_bits(&what, &y, &want, both_nan);
            bias_activate_inplace(h, &mut x.clone(), SPECIALS, a).expect(&what);
        }
    }
}

/// Lengths on both sides of a splitting threshold, so that the same call runs whole and in
/// pieces (the pieces start mid-period: 64-element pieces against periods of 3 and 100).
#[test]
fn bias_activate_across_the_thread_split_threshold() {
    const THRESHOLD: usize = 3000;
    for (b, k) in backends() {
        let split = k.parallel_threshold(THRESHOLD);
        for a in [Activation::Silu, Activation::Relu, Activation::Gelu] {
            for c in [3, 100] {
                for n in [
                    THRESHOLD - c,
                    THRESHOLD / c * c,
                    (THRESHOLD / c + 1) * c,
                    40 * THRESHOLD / c * c,
                ] {
                    let x = mixed_inputs(n, n as u64);
                    let bias = mixed_inputs(c, 3);
                    let want = unfused_bias(&k, &x, &bias, a);
                    let both_nan = |i: usize| x[i].is_nan() && bias[i % c].is_nan();
                    let what = format!(
                        "bias_activate {a} on {b}, threshold {THRESHOLD}, C = {c}, len {n}"
                    );
                    let mut y = vec![SENTINEL; n];
                    split.bias_activate(&x, &bias, &mut y, a).unwrap();
                    assert_unfused_bits(&what, &y, &want, both_nan);
                }
            }
        }
    }
}

/// The automatic policy's own thresholds (1 Mi elements for the transcendental functions, 4 Mi
/// for the memory-bound ones), through the free functions: the policy alternates splitting
/// and not at first, so two calls see both.
#[test]
fn bias_activate_beyond_the_automatic_thresholds() {
    let k = Kernels::global().sequential();
    for a in [Activation::Sigmoid, Activation::Relu] {
        let c = 3;
        let n = (a.automatic_threshold() / c + 5) * c;
        let x = mixed_inputs(n, 11);
        let bias = [0.5, -1.0, f32::NAN];
        let want = unfused_bias(&k, &x, &bias, a);
        let both_nan = |i: usize| x[i].is_nan() && bias[i % c].is_nan();
        for call in 0..2 {
            let mut y = vec![SENTINEL; n];
            act::bias_activate(&x, &bias, &mut y, a).unwrap();
            assert_unfused_bits(
                &format!("bias_activate {a}, len {n}, call {call}"),
                &y,
                &want,
                both_nan,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// glu
// ---------------------------------------------------------------------------------------------

/// `activate(gate)` on `k`, then the `f32` product with `up`.
fn unfused_glu(k: &Kernels, gate: &[f32], up: &[f32], a: Activation) -> Vec<f32> {
    let mut y = vec![0.0; gate.len()];
    k.activate(a, gate, &mut y).unwrap();
    for (y, u) in y.iter_mut().zip(up) {
        *y *= u;
    }
    y
}

fn glu(h: &Handle, gate: &[f32], up: &[f32], y: &mut [f32], a: Activation) -> Result<(), Error> {
    match &h.k {
        Some(k) => k.glu(gate, up, y, a),
        None => act::glu(gate, up, y, a),
    }
}

fn glu_inplace(h: &Handle, gate: &[f32], up: &mut [f32], a: Activation) -> Result<(), Error> {
    match &h.k {
        Some(k) => k.glu_inplace(gate, up, a),
        None => act::glu_inplace(gate, up, a),
    }
}

fn glu_rows(h: &Handle, x: &[f32], y: &mut [f32], cols: usize, a: Activation) -> Result<(), Error> {
    match &h.k {
        Some(k) => k.glu_rows(x, y, cols, a),
        None => act::glu_rows(x, y, cols, a),
    }
}

/// Lengths around the vector widths, and longer ones.
const LENGTHS: &[usize] = &[
    0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 1000, 4099,
];

#[test]
fn glu_is_the_unfused_sequence_bit_for_bit() {
    let handles = handles();
    for a in activations() {
        for h in &handles {
            for &n in LENGTHS {
                for offset in [0, 1] {
                    let gs = mixed_inputs(n + offset, n as u64 ^ 0x6A7E);
                    let us = mixed_inputs(n + 2 * offset, n as u64 ^ 0x0B);
                    let (gate, up) = (&gs[offset..], &us[2 * offset..]);
                    let what = format!("glu {a} on {}, len {n}, offset {offset}", h.name);
                    let want = unfused_glu(&h.reference, gate, up, a);
                    let both_nan = |i: usize| want[i].is_nan() && up[i].is_nan();
                    let mut y = vec![SENTINEL; n];
                    glu(h, gate, up, &mut y, a).expect(&what);
                    assert_unfused_bits(&what, &y, &want, both_nan);
                    let mut z = up.to_vec();
                    glu_inplace(h, gate, &mut z, a).expect(&what);
                    assert_unfused_bits(&format!("{what}, in place"), &z, &want, both_nan);
                }
            }
        }
    }
}

/// Every special value as the gate against every special value as `up`.
#[test]
fn glu_of_special_values() {
    let n = SPECIALS.len();
    let gate: Vec<f32> = (0..n * n).map(|i| SPECIALS[i / n]).collect();
    let up: Vec<f32> = (0..n * n).map(|i| SPECIALS[i % n]).collect();
    for a in activations() {
        for h in &handles() {
            let want = unfused_glu(&h.reference, &gate, &up, a);
            let both_nan = |i: usize| want[i].is_nan() && up[i].is_nan();
            let what = format!("glu {a} on {}, special values", h.name);
            let mut y = vec![SENTINEL; n * n];
            glu(h, &gate, &up, &mut y, a).expect(&what);
            assert_unfused_bits(&what, &y, &want, both_nan);
            let mut z = up.clone();
            glu_inplace(h, &gate, &mut z, a).expect(&what);
            assert_unfused_bits(&format!("{what}, in place"), &z, &want, both_nan);
        }
    }
}

#[test]
fn glu_across_the_thread_split_threshold() {
    const THRESHOLD: usize = 3000;
    for (b, k) in backends() {
        let split = k.parallel_threshold(THRESHOLD);
        for a in [Activation::Silu, Activation::Relu] {
            for n in [THRESHOLD - 1, THRESHOLD, THRESHOLD + 17, 50 * THRESHOLD + 5] {
                let (gate, up) = (mixed_inputs(n, 1), mixed_inputs(n, 2));
                let want = unfused_glu(&k, &gate, &up, a);
                let both_nan = |i: usize| want[i].is_nan() && up[i].is_nan();
                let what = format!("glu {a} on {b}, threshold {THRESHOLD}, len {n}");
                let mut y = vec![SENTINEL; n];
                split.glu(&gate, &up, &mut y, a).unwrap();
                assert_unfused_bits(&what, &y, &want, both_nan);
                let mut z = up.clone();
                split.glu_inplace(&gate, &mut z, a).unwrap();
                assert_unfused_bits(&format!("{what}, in place"), &z, &want, both_nan);
            }
        }
    }
}

#[test]
fn glu_rows_is_glu_on_each_rows_halves() {
    let handles = handles();
    for a in activations() {
        for h in &handles {
            for cols in [1, 3, 16, 17, 100] {
                for rows in [0, 1, 5, 64] {
                    let x = mixed_inputs(2 * cols * rows, (cols * 7 + rows) as u64);
                    let mut want = vec![SENTINEL; cols * rows];
                    for (row, out) in x.chunks_exact(2 * cols).zip(want.chunks_exact_mut(cols)) {
                        let (gate, up) = row.split_at(cols);
                        h.reference.glu(gate, up, out, a).unwrap();
                    }
                    let what = format!("glu_rows {a} on {}, {rows} x {cols}", h.name);
                    let both_nan = |i: usize| {
                        let up = x[(i / cols) * 2 * cols + cols + i % cols];
                        want[i].is_nan() && up.is_nan()
                    };
                    let mut y = vec![SENTINEL; cols * rows];
                    glu_rows(h, &x, &mut y, cols, a).expect(&what);
                    assert_unfused_bits(&what, &y, &want, both_nan);
                }
            }
        }
    }
    // Many rows split across threads, whole rows per piece.
    for (b, k) in backends() {
        let (cols, rows) = (33, 500);
        let x = mixed_inputs(2 * cols * rows, 9);
        let (mut y, mut want) = (vec![SENTINEL; cols * rows], vec![SENTINEL; cols * rows]);
        k.glu_rows(&x, &mut want, cols, Activation::Silu).unwrap();
        k.parallel_threshold(1)
            .glu_rows(&x, &mut y, cols, Activation::Silu)
            .unwrap();
        common::assert_same_bits(&format!("glu_rows silu on {b}, split"), &x, &y, &want);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors: before anything is written
// ---------------------------------------------------------------------------------------------

/// Activations whose parameter is not finite.
fn invalid_activations() -> Vec<(Activation, Error)> {
    [f32::NAN, f32::INFINITY, f32::NEG_INFINITY]
        .into_iter()
        .flat_map(|v| {
            let e = Error::InvalidParameter {
                name: "alpha",
                index: None,
                value: v,
            };
            [
                (Activation::Elu { alpha: v }, e),
                (Activation::LeakyRelu { alpha: v }, e),
            ]
        })
        .collect()
}

/// `InvalidParameter` carries the value: compare NaNs as NaNs.
fn same_error(a: Error, b: Error) -> bool {
    match (a, b) {
        (
            Error::InvalidParameter { name, index, value },
            Error::InvalidParameter {
                name: n2,
                index: i2,
                value: v2,
            },
        ) => name == n2 && index == i2 && (value == v2 || (value.is_nan() && v2.is_nan())),
        _ => a == b,
    }
}

/// Runs `f` on a buffer of `n` sentinels and asserts that it fails with `want` and leaves the
/// buffer untouched.
#[track_caller]
fn assert_fails(
    what: &str,
    n: usize,
    want: Error,
    f: impl FnOnce(&mut [f32]) -> Result<(), Error>,
) {
    let mut buf = vec![SENTINEL; n];
    let err = f(&mut buf).expect_err(what);
    assert!(same_error(err, want), "{what}: {err:?}, expected {want:?}");
    assert!(
        buf.iter().all(|v| v.to_bits() == SENTINEL.to_bits()),
        "{what}: the output was written"
    );
    assert!(!err.to_string().is_empty());
}

#[test]
fn bias_activate_errors_write_nothing() {
    let x = mixed_inputs(12, 5);
    let s = Activation::Silu;
    for h in &handles() {
        let name = &h.name;
        let zero = Error::ZeroDimension { name: "bias.len()" };
        assert_fails(&format!("{name}: empty bias"), 12, zero, |y| {
            bias_activate(h, &x, &[], y, s)
        });
        assert_fails(&format!("{name}: empty bias, in place"), 12, zero, |z| {
            bias_activate_inplace(h, z, &[], s)
        });
        assert_fails(&format!("{name}: empty bias and x"), 0, zero, |y| {
            bias_activate(h, &[], &[], y, s)
        });
        let nd = Error::NotDivisible {
            what: "x.len()",
            len: 12,
            dim_name: "bias.len()",
            dim: 5,
        };
        assert_fails(&format!("{name}: 12 % 5"), 12, nd, |y| {
            bias_activate(h, &x, &[1.0; 5], y, s)
        });
        assert_fails(&format!("{name}: 12 % 5, in place"), 12, nd, |z| {
            bias_activate_inplace(h, z, &[1.0; 5], s)
        });
        let lm = Error::LengthMismatch {
            input: 12,
            output: 11,
        };
        assert_fails(&format!("{name}: y 11"), 11, lm, |y| {
            bias_activate(h, &x, &[1.0; 3], y, s)
        });
        let lm = Error::LengthMismatch {
            input: 12,
            output: 13,
        };
        assert_fails(&format!("{name}: y 13"), 13, lm, |y| {
            bias_activate(h, &x, &[1.0; 3], y, s)
        });
        for (a, e) in invalid_activations() {
            assert_fails(&format!("{name}: {a:?}"), 12, e, |y| {
                bias_activate(h, &x, &[1.0; 3], y, a)
            });
            assert_fails(&format!("{name}: {a:?}, in place"), 12, e, |z| {
                bias_activate_inplace(h, z, &[1.0; 3], a)
            });
        }
        // A NaN or infinite bias is no error: it flows through the addition.
        let mut y = vec![SENTINEL; 12];
        bias_activate(
            h,
            &x,
            &[f32::NAN, f32::INFINITY, f32::NEG_INFINITY],
            &mut y,
            s,
        )
        .unwrap();
        assert!(y.iter().step_by(3).all(|v| v.is_nan()), "{name}: NaN bias");
    }
}

#[test]
fn glu_errors_write_nothing() {
    let (gate, up) = (mixed_inputs(10, 1), mixed_inputs(10, 2));
    let s = Activation::Silu;
    let short = |name, len| Error::SliceLength {
        name,
        len,
        expected: 10,
        of: "gate",
    };
    for h in &handles() {
        let name = &h.name;
        assert_fails(&format!("{name}: up 9"), 10, short("up", 9), |y| {
            glu(h, &gate, &up[..9], y, s)
        });
        assert_fails(&format!("{name}: up 9, in place"), 9, short("up", 9), |z| {
            glu_inplace(h, &gate, z, s)
        });
        assert_fails(
            &format!("{name}: up 11, in place"),
            11,
            short("up", 11),
            |z| glu_inplace(h, &gate, z, s),
        );
        assert_fails(&format!("{name}: y 9"), 9, short("y", 9), |y| {
            glu(h, &gate, &up, y, s)
        });
        assert_fails(&format!("{name}: y 11"), 11, short("y", 11), |y| {
            glu(h, &gate, &up, y, s)
        });
        for (a, e) in invalid_activations() {
            assert_fails(&format!("{name}: {a:?}"), 10, e, |y| {
                glu(h, &gate, &up, y, a)
            });
            assert_fails(&format!("{name}: {a:?}, in place"), 10, e, |z| {
                glu_inplace(h, &gate, z, a)
            });
        }
    }
}

#[test]
fn glu_rows_errors_write_nothing() {
    let x = mixed_inputs(12, 3);
    let s = Activation::Silu;
    for h in &handles() {
        let name = &h.name;
        let zero = Error::ZeroDimension { name: "cols" };
        assert_fails(&format!("{name}: cols 0"), 6, zero, |y| {
            glu_rows(h, &x, y, 0, s)
        });
        assert_fails(&format!("{name}: cols 0, empty"), 0, zero, |y| {
            glu_rows(h, &[], y, 0, s)
        });
        let nd = Error::NotDivisible {
            what: "x.len()",
            len: 12,
            dim_name: "2 * cols",
            dim: 8,
        };
        assert_fails(&format!("{name}: 12 % 8"), 6, nd, |y| {
            glu_rows(h, &x, y, 4, s)
        });
        for ny in [5, 7, 12] {
            let e = Error::SliceLength {
                name: "y",
                len: ny,
                expected: 6,
                of: "x.len() / 2",
            };
            assert_fails(&format!("{name}: y {ny}"), ny, e, |y| {
                glu_rows(h, &x, y, 3, s)
            });
        }
        for (a, e) in invalid_activations() {
            assert_fails(&format!("{name}: {a:?}"), 6, e, |y| {
                glu_rows(h, &x, y, 3, a)
            });
        }
        // Huge `cols` on an empty matrix: no rows, no error.
        glu_rows(h, &[], &mut [], usize::MAX, s).unwrap();
    }
}
