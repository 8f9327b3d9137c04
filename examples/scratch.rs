#[path = "../benches/support/mod.rs"]
mod support;
use simd_activations::Kernels;
use std::hint::black_box;
use std::time::Instant;
fn rate(n: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..5 {
        f();
    }
    let mut ts = vec![];
    for _ in 0..21 {
        let t = Instant::now();
        for _ in 0..10 {
            f();
        }
        ts.push(t.elapsed().as_secs_f64() / 10.0);
    }
    ts.sort_by(f64::total_cmp);
    n as f64 / ts[10] / 1e9
}
fn main() {
    let k = *Kernels::global();
    for n in [1usize << 14, 1 << 15, 1 << 16, 1 << 18, 1 << 20] {
        let x = support::typical(n);
        let mut y = vec![0.0f32; n];
        let s = rate(n, || k.sequential().sigmoid(black_box(&x), &mut y).unwrap());
        let p = rate(n, || {
            k.parallel_threshold(1)
                .sigmoid(black_box(&x), &mut y)
                .unwrap()
        });
        let rs = rate(n, || k.sequential().relu(black_box(&x), &mut y).unwrap());
        let rp = rate(n, || {
            k.parallel_threshold(1).relu(black_box(&x), &mut y).unwrap()
        });
        println!(
            "n {n}: sigmoid seq {s:.2} par {p:.2} ({:.2}x) | relu seq {rs:.2} par {rp:.2} ({:.2}x)",
            p / s,
            rp / rs
        );
    }
}
