use simd_activations::accuracy::{Inputs, measure_activation};
use simd_activations::*;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let act: Activation = a[1].parse().unwrap();
    let lo = u64::from_str_radix(&a[2], 16).unwrap();
    let hi = u64::from_str_radix(&a[3], 16).unwrap();
    let handles: Vec<Kernels> = Backend::supported()
        .into_iter()
        .map(|b| Kernels::with_backend(b).unwrap().sequential())
        .collect();
    let r = measure_activation(Inputs::Bits(lo..hi), act, &handles);
    for (b, r) in Backend::supported().iter().zip(&r) {
        println!(
            "{act} {b:7} max {} at {:e} over {} hist {:?}",
            r.max_ulp,
            r.worst_input,
            r.over_bound,
            &r.histogram[..5]
        );
    }
}
