//! The toolkit every test file shares: one RNG, one list of special values, one way to get the
//! handles of every backend (skipping, with a message, the ones this CPU lacks), one
//! bit-identity check and one "prove this activation on these inputs" helper.
//!
//! Each test file includes it with `mod common;`; not every file uses every part.
#![allow(dead_code)]

use simd_activations::accuracy::{self, HISTOGRAM_BUCKETS, Inputs, Report};
use simd_activations::{Activation, Backend, Error, Kernels};

/// splitmix64: deterministic and dependency-free.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`, rounded to `f32`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f32 {
        (lo + (hi - lo) * self.unit()) as f32
    }

    /// `n` values uniform in `[lo, hi)`.
    pub fn vec(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f32> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }

    /// An index in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The special values every function is tried on: zeros, infinities, NaNs with payloads and
/// both signs (signalling too), the extremes, subnormals, and the inputs where the kernels
/// change regime (exp's overflow and underflow, sigmoid's deep tail, tanh's saturation and
/// tiny-argument cut, the hard functions' corners).
pub const SPECIALS: &[f32] = &[
    0.0,
    -0.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    -f32::NAN,
    f32::from_bits(0x7F80_0001), // signalling NaN
    f32::from_bits(0xFF80_0001),
    f32::from_bits(0x7FC1_2345), // quiet NaN with a payload
    f32::from_bits(0xFFFF_FFFF),
    f32::MAX,
    f32::MIN,
    f32::MIN_POSITIVE,
    -f32::MIN_POSITIVE,
    f32::from_bits(1),
    -f32::from_bits(1),
    f32::from_bits(0x007F_FFFF),
    -f32::from_bits(0x007F_FFFF),
    f32::EPSILON,
    -f32::EPSILON,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.0,
    -2.0,
    3.0,
    -3.0,
    6.0,
    -6.0,
    88.72283,
    88.72284,
    -87.33655,
    -88.0,
    -100.0,
    -103.97208,
    -103.97209,
    -104.0,
    9.01,
    -9.01,
    9.5,
    -9.5,
    1.0 / 8192.0,
    -1.0 / 8192.0,
    1e-20,
    -1e-20,
    1e30,
    -1e30,
];

/// `n` inputs mixing what matters: arbitrary bit patterns (NaNs with payloads, infinities,
/// huge values), [`SPECIALS`], small magnitudes of every binade, subnormals, and uniform values
/// in `[-20, 20]` and `[-110, 110]`.
pub fn mixed_inputs(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed ^ (n as u64).wrapping_mul(0x1234_5678_9ABC_DEF1));
    (0..n)
        .map(|_| {
            let r = rng.next_u64();
            match r % 16 {
                0 => f32::from_bits((r >> 32) as u32),
                1 => SPECIALS[((r >> 32) as usize) % SPECIALS.len()],
                2 => {
                    let e = ((r >> 40) % 60) as i32;
                    rng.uniform(-1.0, 1.0) * 2f32.powi(-e)
                }
                3 => {
                    let m = ((r >> 32) as u32) & 0x007F_FFFF;
                    let s = ((r >> 8) & 1) as u32;
                    f32::from_bits(m | (s << 31))
                }
                4 | 5 => rng.uniform(-20.0, 20.0),
                _ => rng.uniform(-110.0, 110.0),
            }
        })
        .collect()
}

/// How many times smaller the dense sweeps of `tests/elu_alpha.rs` and
/// `tests/accuracy_sweep.rs` (and the buffers of `tests/no_alloc.rs`) are made: `SA_SAMPLE_DIVISOR=k` in the environment, else 1. The
/// emulated aarch64 step of CI (`.ci/aarch64`) sets it, since qemu runs those sweeps about 50
/// times slower than the hardware; the regime boundaries and special values stay whole.
pub fn sample_divisor() -> usize {
    match std::env::var("SA_SAMPLE_DIVISOR") {
        Err(_) => 1,
        Ok(v) => match v.parse::<usize>() {
            Ok(k) if k >= 1 => {
                println!("dense sweeps 1/{k} of their size (SA_SAMPLE_DIVISOR={k})");
                k
            }
            _ => panic!("SA_SAMPLE_DIVISOR={v}: a whole number of at least 1"),
        },
    }
}

/// Every backend this CPU supports with its sequential handle; prints a line for each backend
/// of [`Backend::ALL`] it skips.
pub fn backends() -> Vec<(Backend, Kernels)> {
    Backend::ALL
        .iter()
        .filter_map(|&b| match Kernels::with_backend(b) {
            Ok(k) => Some((b, k.sequential())),
            Err(_) => {
                println!("skipping backend {b}: not supported by this CPU");
                None
            }
        })
        .collect()
}

/// Every place a kernel runs, named: each supported backend with automatic threading,
/// sequential, and splitting from one element on (`parallel_threshold(1)`), and the free
/// functions (`None`).
pub fn handles() -> Vec<(String, Option<Kernels>)> {
    let mut h: Vec<(String, Option<Kernels>)> = Vec::new();
    for (b, k) in backends() {
        h.push((format!("{b} automatic"), Some(k.automatic_threading())));
        h.push((format!("{b} sequential"), Some(k)));
        h.push((
            format!("{b} parallel_threshold(1)"),
            Some(k.parallel_threshold(1)),
        ));
    }
    h.push(("free functions".into(), None));
    h
}

/// `act` through handle `k`, or through the free function when `k` is `None`.
pub fn activate(
    k: Option<&Kernels>,
    act: Activation,
    x: &[f32],
    y: &mut [f32],
) -> Result<(), Error> {
    match k {
        Some(k) => k.activate(act, x, y),
        None => simd_activations::activate(act, x, y),
    }
}

/// In-place [`activate`].
pub fn activate_inplace(k: Option<&Kernels>, act: Activation, x: &mut [f32]) -> Result<(), Error> {
    match k {
        Some(k) => k.activate_inplace(act, x),
        None => simd_activations::activate_inplace(act, x),
    }
}

/// The sequential `Avx2` and `Avx512` handles, when this CPU has both (else a message and
/// `None`): the pair whose results must agree bit for bit.
pub fn avx2_and_avx512() -> Option<(Kernels, Kernels)> {
    match (
        Kernels::with_backend(Backend::Avx2),
        Kernels::with_backend(Backend::Avx512),
    ) {
        (Ok(a), Ok(b)) => Some((a.sequential(), b.sequential())),
        _ => {
            println!("skipping the AVX2 == AVX-512 check: this CPU lacks one of them");
            None
        }
    }
}

/// The position of the first element whose bits differ between `a` and `b` (NaNs included:
/// their bits must agree too), with a description; `None` if all agree.
pub fn first_bit_difference(x: &[f32], a: &[f32], b: &[f32]) -> Option<String> {
    assert_eq!(a.len(), b.len());
    let i = a
        .iter()
        .zip(b)
        .position(|(p, q)| p.to_bits() != q.to_bits())?;
    Some(format!(
        "element {i} (input {} = {:#010x}): {} ({:#010x}) vs {} ({:#010x})",
        x.get(i).copied().unwrap_or(f32::NAN),
        x.get(i).map_or(0, |v| v.to_bits()),
        a[i],
        a[i].to_bits(),
        b[i],
        b[i].to_bits()
    ))
}

/// Whether `got` has the bits of `want`, or both are NaN (any NaN).
pub fn same_bits_or_both_nan(got: f32, want: f32) -> bool {
    if want.is_nan() {
        got.is_nan()
    } else {
        got.to_bits() == want.to_bits()
    }
}

/// Asserts that `a` and `b` agree bit for bit, naming the first difference.
#[track_caller]
pub fn assert_same_bits(what: &str, x: &[f32], a: &[f32], b: &[f32]) {
    if let Some(d) = first_bit_difference(x, a, b) {
        panic!("{what}: results differ at {d}");
    }
}

/// Which of an activation's kernels a proof measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pass {
    /// The activation itself (`<name>`).
    Forward,
    /// Its gradient with `dy = 1` (`<name>_backward`).
    Backward,
}

impl Pass {
    /// The bound the pass asserts.
    pub fn bound(self, act: Activation) -> u32 {
        match self {
            Pass::Forward => act.ulp_bound(),
            Pass::Backward => act.backward_ulp_bound(),
        }
    }

    /// The name of the kernel (`"sigmoid"`, `"sigmoid_backward"`).
    pub fn name(self, act: Activation) -> String {
        match self {
            Pass::Forward => act.name().to_string(),
            Pass::Backward => format!("{}_backward", act.name()),
        }
    }
}

/// The parts the sweeps over all 2^32 f32 split them into (`tests/sweep_digests.rs`,
/// `tests/lane_independence.rs`): part `p` holds the bit patterns `p * 2^26 .. (p + 1) * 2^26`,
/// sign `p / 32` and the exponents `8 (p % 32) ..= 8 (p % 32) + 7`.
pub const PARTS: usize = 64;

/// Inputs per part.
pub const PART_LEN: u64 = (1 << 32) / PARTS as u64;

/// The parts `cargo test --release` sweeps: `[2^-7, 2)` and `(-512, -2]`, where the
/// transcendental kernels do their work.
pub const DEFAULT_PARTS: [usize; 2] = [15, 48];

/// The parts the environment variable `var` selects, and which of the `words` it is: unset,
/// [`DEFAULT_PARTS`]; `full` or one of `words`, every part; `parts:LIST`, a comma-separated
/// list of parts and ranges of them (`parts:0-13,18,40-63`), so that a long sweep can be split
/// across runs or machines. Anything else panics: a sweep that checked nothing must not pass.
pub fn selected_sweep_parts(var: &str, words: &[&str]) -> (Vec<usize>, Option<String>) {
    let v = match std::env::var(var) {
        Err(_) => return (DEFAULT_PARTS.to_vec(), None),
        Ok(v) => v,
    };
    let bad = || -> ! {
        panic!(
            "{var}={v}: the values are `full`, {}`parts:LIST`, LIST a comma-separated list of \
             parts (0 to {}) and ranges of them (`A-B`)",
            words.iter().map(|w| format!("`{w}`, ")).collect::<String>(),
            PARTS - 1
        )
    };
    let parse = |s: &str| match s.trim().parse::<usize>() {
        Ok(p) if p < PARTS => p,
        _ => bad(),
    };
    if v == "full" {
        return ((0..PARTS).collect(), None);
    }
    if words.contains(&v.as_str()) {
        return ((0..PARTS).collect(), Some(v.clone()));
    }
    let Some(list) = v.strip_prefix("parts:") else {
        bad()
    };
    let mut parts = Vec::new();
    for item in list.split(',') {
        match item.split_once('-') {
            Some((a, b)) if parse(a) <= parse(b) => parts.extend(parse(a)..=parse(b)),
            Some(_) => bad(),
            None => parts.push(parse(item)),
        }
    }
    (parts, None)
}

/// `f` of every item, computed on every core (each thread takes the next item), in the
/// items' order: the sweeps over all 2^32 inputs hand each core a kernel at a time.
pub fn map_on_every_core<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(items.len()));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().unwrap().push((i, r));
                }
            });
        }
    });
    let mut results: Vec<(usize, R)> = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// One elementwise kernel of the exhaustive proof, as the sweeps over every input run it.
#[derive(Clone, Copy, Debug)]
pub enum Kernel {
    Forward(Activation),
    Backward(Activation),
    SigmoidFromOutput,
    TanhFromOutput,
}

impl Kernel {
    /// Every elementwise kernel the exhaustive proof proves.
    pub fn all() -> Vec<Kernel> {
        let mut v: Vec<Kernel> = Activation::ALL
            .iter()
            .map(|&a| Kernel::Forward(a))
            .collect();
        v.extend(Activation::ALL.iter().map(|&a| Kernel::Backward(a)));
        v.extend([Kernel::SigmoidFromOutput, Kernel::TanhFromOutput]);
        v
    }

    /// Its name in the README's tables (`"sigmoid"`, `"sigmoid_backward"`).
    pub fn name(self) -> String {
        match self {
            Kernel::Forward(a) => Pass::Forward.name(a),
            Kernel::Backward(a) => Pass::Backward.name(a),
            Kernel::SigmoidFromOutput => "sigmoid_backward_from_output".into(),
            Kernel::TanhFromOutput => "tanh_backward_from_output".into(),
        }
    }

    /// `out` = the kernel on `x` (the gradients with `dy = ones`).
    pub fn run(self, k: &Kernels, x: &[f32], ones: &[f32], out: &mut [f32]) {
        match self {
            Kernel::Forward(a) => k.activate(a, x, out),
            Kernel::Backward(a) => k.activate_backward(a, x, ones, out),
            Kernel::SigmoidFromOutput => k.sigmoid_backward_from_output(x, ones, out),
            Kernel::TanhFromOutput => k.tanh_backward_from_output(x, ones, out),
        }
        .unwrap()
    }

    /// Whether a NaN it makes by arithmetic is the hardware's default NaN (the gradients':
    /// `dy * NaN`, `inf * 0`), so that only "NaN" is compared across architectures.
    pub fn canonical_nan(self) -> bool {
        !matches!(self, Kernel::Forward(_))
    }
}

/// Measures `act` (or its gradient, as `pass` says) on `inputs` on every supported backend
/// (sequential handles) against its reference and its own bound; prints a README-style table
/// row per backend, and returns the failures (empty: proven on these inputs).
pub fn prove(act: Activation, pass: Pass, inputs: Inputs<'_>) -> Vec<String> {
    let (backends, handles): (Vec<Backend>, Vec<Kernels>) = backends().into_iter().unzip();
    let expected = inputs.len();
    let reports = match pass {
        Pass::Forward => accuracy::measure_activation(inputs, act, &handles),
        Pass::Backward => accuracy::measure_activation_backward(inputs, act, &handles),
    };
    let mut failures = Vec::new();
    for (backend, r) in backends.iter().zip(&reports) {
        println!("{}", table_row(act, pass, *backend, r));
        assert_eq!(r.inputs, expected);
        if !r.passed() {
            failures.push(format!(
                "{} on {backend}: {} inputs over {} ULP (max {} ULP at {:e} = {:#010x}), {} \
                 NaN mismatches (first at {:?})",
                pass.name(act),
                r.over_bound,
                pass.bound(act),
                r.max_ulp,
                r.worst_input,
                r.worst_input.to_bits(),
                r.nan_mismatches,
                r.first_nan_mismatch,
            ));
        }
    }
    failures
}

/// `| function | backend | bound | max ULP | worst input | correctly rounded | 0 | 1 | 2 | more |`
pub fn table_row(act: Activation, pass: Pass, backend: Backend, r: &Report) -> String {
    let h = &r.histogram;
    let beyond: u64 = h[3..HISTOGRAM_BUCKETS].iter().sum();
    format!(
        "| {} | {backend} | {} | {} | {:e} (`{:#010x}`) | {:.4}% | {} | {} | {} | {beyond} |",
        pass.name(act),
        pass.bound(act),
        r.max_ulp,
        r.worst_input,
        r.worst_input.to_bits(),
        100.0 * r.exact_share(),
        h[0],
        h[1],
        h[2],
    )
}

/// Panics with every failure, one per line.
#[track_caller]
pub fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
