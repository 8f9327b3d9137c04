use simd_activations::accuracy::{Inputs, measure_activation};
use simd_activations::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let step: u64 = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(97);
    let names: Vec<&str> = args[2..].iter().map(|s| s.as_str()).collect();
    let handles: Vec<Kernels> = Backend::supported()
        .into_iter()
        .map(|b| Kernels::with_backend(b).unwrap().sequential())
        .collect();
    for &act in Activation::ALL {
        if !names.is_empty() && !names.contains(&act.name()) {
            continue;
        }
        let t = std::time::Instant::now();
        let r = measure_activation(Inputs::Strided(0..1 << 32, step), act, &handles);
        for (b, r) in Backend::supported().iter().zip(&r) {
            println!(
                "{act:12} {b:7} max {} at {:e} ({:#010x}) over {} nan {} ({:.1}s)",
                r.max_ulp,
                r.worst_input,
                r.worst_input.to_bits(),
                r.over_bound,
                r.nan_mismatches,
                t.elapsed().as_secs_f64()
            );
        }
    }
}
