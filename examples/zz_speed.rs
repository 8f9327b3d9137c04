use simd_activations::*;
use std::time::Instant;
fn main() {
    let names: Vec<String> = std::env::args().skip(1).collect();
    let n = 4096;
    let x: Vec<f32> = (0..n)
        .map(|i| ((i * 7919 % 4096) as f32) / 256.0 - 8.0)
        .collect();
    let mut y = vec![0f32; n];
    for b in [Backend::Avx2, Backend::Avx512] {
        let k = Kernels::with_backend(b).unwrap().sequential();
        for _round in 0..2 {
            for name in &names {
                let act: Activation = name.parse().unwrap();
                let mut best = f64::MAX;
                for _ in 0..30 {
                    let t = Instant::now();
                    for _ in 0..200 {
                        k.activate(act, std::hint::black_box(&x), &mut y).unwrap();
                    }
                    best = best.min(t.elapsed().as_secs_f64());
                }
                print!("{b} {name} {:.3}  ", (200 * n) as f64 / best / 1e9);
            }
            println!();
        }
    }
}
