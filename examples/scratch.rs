use simd_activations::{Backend, Kernels, accuracy, reference};
use std::time::Instant;
fn main() {
    let ks: Vec<Kernels> = Backend::supported()
        .into_iter()
        .map(|b| Kernels::with_backend(b).unwrap().sequential())
        .collect();
    for (name, which, rf, bound) in [
        ("exp", 0, reference::exp_one as fn(f32) -> f32, 1),
        ("sigmoid", 1, reference::sigmoid_one, 2),
        ("tanh", 2, reference::tanh_one, 2),
    ] {
        let t = Instant::now();
        let fs: Vec<Box<dyn Fn(&[f32], &mut [f32]) + Sync>> = ks
            .iter()
            .map(|k| {
                let k = *k;
                Box::new(move |x: &[f32], y: &mut [f32]| match which {
                    0 => k.exp(x, y).unwrap(),
                    1 => k.sigmoid(x, y).unwrap(),
                    _ => k.tanh(x, y).unwrap(),
                }) as Box<dyn Fn(&[f32], &mut [f32]) + Sync>
            })
            .collect();
        let refs: Vec<accuracy::SliceKernel> =
            fs.iter().map(|b| &**b as accuracy::SliceKernel).collect();
        let reps = accuracy::measure_bits(0..1u64 << 32, &refs, rf, bound);
        for (k, r) in ks.iter().zip(&reps) {
            println!(
                "{name} {}: max {} at {:e} ({:#x}) over {} nan {} {:?}",
                k.backend(),
                r.max_ulp,
                r.worst_input,
                r.worst_input.to_bits(),
                r.over_bound,
                r.nan_mismatches,
                r.histogram
            );
        }
        println!("  {:?}", t.elapsed());
    }
}
