//! Same-run throughput ratios of the row and channel gradients (issue 13): softmax and
//! log-softmax backward against this crate's forward softmax on the same shape, PReLU backward
//! (with `dslopes`) against this crate's `leaky_relu_backward` on the same data (`dx = x > 0 ?
//! dy : alpha * dy`, the three-stream kernel; the crate's forward `leaky_relu` and the naive
//! loop are shown beside it), and naive scalar baselines. Single thread (sequential handles on the best backend) unless
//! `--threads` is given (then the automatic handle). `PRELU_LOOP=1` only loops PReLU
//! backward on 64 x 1024 (for a profiler).
//!
//! `cargo run --release --example backward [-- --threads]`

use std::hint::black_box;
use std::time::Instant;

use simd_activations::Kernels;

/// Median over `samples` of the time per call, each sample at least ~20 ms.
fn time(mut f: impl FnMut()) -> f64 {
    f();
    let mut reps = 1;
    loop {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        if t.elapsed().as_secs_f64() > 0.02 {
            break;
        }
        reps *= 2;
    }
    let mut v: Vec<f64> = (0..11)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn rng_vec(n: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 40) as f32 / (1u64 << 24) as f32)
        })
        .collect()
}

/// The naive softmax backward a user would write.
fn naive_softmax_backward(y: &[f32], dy: &[f32], dx: &mut [f32], cols: usize) {
    for ((yr, dr), xr) in y.chunks(cols).zip(dy.chunks(cols)).zip(dx.chunks_mut(cols)) {
        let s: f32 = yr.iter().zip(dr).map(|(a, b)| a * b).sum();
        for ((o, &y), &d) in xr.iter_mut().zip(yr).zip(dr) {
            *o = y * (d - s);
        }
    }
}

/// The naive Leaky ReLU backward (three streams).
fn naive_leaky_backward(x: &[f32], dy: &[f32], dx: &mut [f32], alpha: f32) {
    for ((o, &x), &d) in dx.iter_mut().zip(x).zip(dy) {
        *o = if x > 0.0 { d } else { alpha * d };
    }
}

/// The naive PReLU backward, channels-last.
fn naive_prelu_backward(x: &[f32], dy: &[f32], dx: &mut [f32], slopes: &[f32], ds: &mut [f32]) {
    ds.fill(0.0);
    let c = slopes.len();
    for (i, ((o, &x), &d)) in dx.iter_mut().zip(x).zip(dy).enumerate() {
        if x > 0.0 {
            *o = d;
        } else {
            *o = slopes[i % c] * d;
            ds[i % c] += x * d;
        }
    }
}

fn main() {
    let threads = std::env::args().any(|a| a == "--threads");
    let k = if threads {
        *Kernels::global()
    } else {
        Kernels::global().sequential()
    };
    println!(
        "backend {}, {}",
        k.backend(),
        if threads {
            "automatic threads"
        } else {
            "one thread"
        }
    );
    if std::env::var_os("SOFTMAX_LOOP").is_some() {
        let n = 4096 * 32;
        let y = rng_vec(n, 3, 0.0, 0.06);
        let dy = rng_vec(n, 4, -1.0, 1.0);
        let mut dx = vec![0.0; n];
        for _ in 0..5000 {
            k.softmax_backward(black_box(&y), &dy, &mut dx, 32).unwrap();
        }
        return;
    }
    if std::env::var_os("PRELU_LOOP").is_some() {
        let n = 64 * 1024;
        let x = rng_vec(n, 3, -1.0, 1.0);
        let dy = rng_vec(n, 4, -1.0, 1.0);
        let slopes = rng_vec(64, 5, 0.0, 0.3);
        let (mut dx, mut ds) = (vec![0.0; n], vec![0.0; 64]);
        for _ in 0..20000 {
            k.prelu_backward(black_box(&x), &dy, &mut dx, &slopes, &mut ds)
                .unwrap();
        }
        return;
    }
    println!("\nsoftmax backward (Gelem/s; ratio = backward / forward softmax, same run)");
    println!(
        "| shape | softmax fwd | softmax_backward | ratio | log_softmax_backward | ratio | naive softmax_backward |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (rows, cols) in [(1024, 1024), (4096, 32), (64, 32768), (1, 1 << 20)] {
        let n = rows * cols;
        let x = rng_vec(n, 1, -8.0, 8.0);
        let mut y = vec![0.0; n];
        let mut l = vec![0.0; n];
        k.softmax(&x, &mut y, cols).unwrap();
        k.log_softmax(&x, &mut l, cols).unwrap();
        let dy = rng_vec(n, 2, -1.0, 1.0);
        let mut out = vec![0.0; n];
        let g = |t: f64| n as f64 / t / 1e9;
        let fwd = g(time(|| k.softmax(black_box(&x), &mut out, cols).unwrap()));
        let sb = g(time(|| {
            k.softmax_backward(black_box(&y), &dy, &mut out, cols)
                .unwrap()
        }));
        let lb = g(time(|| {
            k.log_softmax_backward(black_box(&l), &dy, &mut out, cols)
                .unwrap()
        }));
        let nv = g(time(|| {
            naive_softmax_backward(black_box(&y), &dy, &mut out, cols)
        }));
        println!(
            "| {rows}x{cols} | {fwd:.2} | {sb:.2} | {:.2} | {lb:.2} | {:.2} | {nv:.2} |",
            sb / fwd,
            lb / fwd
        );
    }
    println!(
        "\nPReLU backward, channels-last (Gelem/s; ratio = prelu_backward / leaky_relu_backward)"
    );
    println!(
        "| shape | leaky_relu fwd | leaky_relu_backward | naive leaky backward | prelu_backward | ratio | naive prelu_backward |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (rows, c) in [(16 * 1024, 64), (1024, 64), (16 * 1024, 3), (1024, 1000)] {
        let n = rows * c;
        let x = rng_vec(n, 3, -1.0, 1.0);
        let dy = rng_vec(n, 4, -1.0, 1.0);
        let slopes = rng_vec(c, 5, 0.0, 0.3);
        let mut dx = vec![0.0; n];
        let mut ds = vec![0.0; c];
        let g = |t: f64| n as f64 / t / 1e9;
        let fwd = g(time(|| k.leaky_relu(black_box(&x), &mut dx, 0.1).unwrap()));
        let lb = g(time(|| {
            k.leaky_relu_backward(black_box(&x), &dy, &mut dx, 0.1)
                .unwrap()
        }));
        let nl = g(time(|| {
            naive_leaky_backward(black_box(&x), &dy, &mut dx, 0.1)
        }));
        let pb = g(time(|| {
            k.prelu_backward(black_box(&x), &dy, &mut dx, &slopes, &mut ds)
                .unwrap()
        }));
        let nv = g(time(|| {
            naive_prelu_backward(black_box(&x), &dy, &mut dx, &slopes, &mut ds)
        }));
        println!(
            "| {c} ch x {rows} rows | {fwd:.2} | {lb:.2} | {nl:.2} | {pb:.2} | {:.2} | {nv:.2} |",
            pb / lb
        );
    }
}
