//! Same-run speed ratios of the fused kernels (single thread, best backend), the figures of the
//! README's section "Fused bias + activation and gated units":
//! - `bias_activate` against the unfused `x + bias` then `activate_inplace`, and against the
//!   plain activation, for silu, gelu, relu, sigmoid and C in {1, 3, 64, 4096};
//! - `glu` against the unfused `activate(gate)` then `y *= up`, and against the plain activation;
//!
//! at 4 Ki and 16 Mi elements. Variants are timed interleaved, and each figure is the fastest
//! of many rounds: on a shared machine noise only ever slows a run, so the minimum is the
//! stable statistic, and interleaving exposes every variant to the same conditions.
//!
//! `cargo run --release --example fused_speed` (`-- --quick`: fewer rounds).

#[path = "../benches/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Instant;

use simd_activations::{Activation, Kernels};

/// The fastest time per element in nanoseconds of each closure, timed round-robin.
fn fastest(rounds: usize, reps: usize, n: usize, runs: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; runs.len()];
    for _ in 0..rounds {
        for (b, run) in best.iter_mut().zip(runs.iter_mut()) {
            let t = Instant::now();
            for _ in 0..reps {
                run();
            }
            *b = b.min(t.elapsed().as_nanos() as f64 / (reps * n) as f64);
        }
    }
    best
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let k = Kernels::global().sequential();
    println!("backend {}, single thread", k.backend());
    let acts = [
        Activation::Silu,
        Activation::Gelu,
        Activation::Relu,
        Activation::Sigmoid,
    ];
    println!(
        "| kernel | activation | C | elements | fused ns/elem | unfused ns/elem | plain ns/elem | unfused / fused | plain / fused |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for n in [4096, 16 << 20] {
        let (rounds, reps) = match (n, quick) {
            (4096, false) => (60, 400),
            (4096, true) => (15, 200),
            (_, false) => (9, 1),
            (_, true) => (3, 1),
        };
        let x = support::typical(n);
        let up = support::uniform(n, -2.0, 2.0);
        let mut y = vec![0.0_f32; n];
        for a in acts {
            let row = |kernel: &str, c: &str, t: &[f64]| {
                println!(
                    "| {kernel} | {a} | {c} | {n} | {:.3} | {:.3} | {:.3} | {:.2} | {:.2} |",
                    t[0],
                    t[1],
                    t[2],
                    t[1] / t[0],
                    t[2] / t[0]
                );
            };
            for c in [1, 3, 64, 4096] {
                // Whole rows: 4095 elements for C = 3.
                let (x, y) = (&x[..n / c * c], &mut y[..n / c * c]);
                let bias = support::uniform(c, -1.0, 1.0);
                let tiled = support::unfused::tiled_bias(&bias);
                let y = std::cell::RefCell::new(y);
                let t = fastest(
                    rounds,
                    reps,
                    x.len(),
                    &mut [
                        &mut || {
                            k.bias_activate(black_box(x), &bias, &mut y.borrow_mut(), a)
                                .unwrap()
                        },
                        &mut || {
                            let mut y = y.borrow_mut();
                            support::unfused::add_bias(black_box(x), &tiled, &mut y);
                            k.activate_inplace(a, &mut y).unwrap();
                        },
                        &mut || k.activate(a, black_box(x), &mut y.borrow_mut()).unwrap(),
                    ],
                );
                row("bias_activate", &c.to_string(), &t);
            }
            let y = std::cell::RefCell::new(&mut y);
            let t = fastest(
                rounds,
                reps,
                n,
                &mut [
                    &mut || k.glu(black_box(&x), &up, &mut y.borrow_mut(), a).unwrap(),
                    &mut || {
                        let mut y = y.borrow_mut();
                        k.activate(a, black_box(&x), &mut y).unwrap();
                        support::unfused::mul(&mut y, &up);
                    },
                    &mut || k.activate(a, black_box(&x), &mut y.borrow_mut()).unwrap(),
                ],
            );
            row("glu", "-", &t);
        }
    }
}
