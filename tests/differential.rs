//! Differential tests: every supported backend and every function against the `f64` reference
//! (`simd_activations::reference`), over many lengths (every masked-tail shape), misaligned
//! sub-slices of larger buffers, in-place versus out-of-place, the free functions versus the
//! forced best backend, and threaded versus sequential handles.
//!
//! Bounds (DESIGN.md, crate docs): exp <= 1 ULP, sigmoid <= 2 ULP, tanh <= 2 ULP; the ReLU
//! family is exact (same bits as the reference, `-0.0` included; NaN in -> NaN out).
//!
//! `cargo test --release --test differential`

use simd_activations::{self as act, Backend, Kernels, reference, ulp};

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// splitmix64: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f32 {
        (lo + (hi - lo) * self.unit()) as f32
    }
}

const SPECIALS: &[f32] = &[
    0.0,
    -0.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    f32::MAX,
    f32::MIN,
    f32::MIN_POSITIVE,
    -f32::MIN_POSITIVE,
    f32::EPSILON,
    1.0,
    -1.0,
    0.5,
    -0.5,
    88.72283,
    88.72284,
    -87.33655,
    -100.0,
    -103.97208,
    -104.0,
    9.01,
    -9.01,
    1e-20,
    -1e-20,
];

/// `n` inputs mixing the ranges that matter: the interesting range [-110, 110], small
/// magnitudes of every binade, subnormals, special values and arbitrary bit patterns
/// (NaNs with payloads, infinities, huge values).
fn inputs(n: usize, seed: u64) -> Vec<f32> {
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

/// A value no kernel returns for these inputs, to see which outputs were written.
const SENTINEL: f32 = 1.234_567e30;

// ---------------------------------------------------------------------------------------------
// Functions under test
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Func {
    Exp,
    Sigmoid,
    Tanh,
    Relu,
    Leaky(f32),
}

const FUNCS: &[Func] = &[
    Func::Exp,
    Func::Sigmoid,
    Func::Tanh,
    Func::Relu,
    Func::Leaky(0.01),
    Func::Leaky(0.2),
    Func::Leaky(-1.5),
    Func::Leaky(0.0),
    Func::Leaky(3.0),
];

impl Func {
    fn bound(self) -> u32 {
        match self {
            Func::Exp => 1,
            Func::Sigmoid | Func::Tanh => 2,
            Func::Relu | Func::Leaky(_) => 0,
        }
    }

    fn reference_one(self, x: f32) -> f32 {
        match self {
            Func::Exp => reference::exp_one(x),
            Func::Sigmoid => reference::sigmoid_one(x),
            Func::Tanh => reference::tanh_one(x),
            Func::Relu => reference::relu_one(x),
            Func::Leaky(a) => reference::leaky_relu_one(x, a),
        }
    }

    /// Runs the method on handle `k`, or the free function if `k` is `None`.
    fn run(self, k: Option<&Kernels>, x: &[f32], y: &mut [f32]) {
        let r = match (self, k) {
            (Func::Exp, Some(k)) => k.exp(x, y),
            (Func::Sigmoid, Some(k)) => k.sigmoid(x, y),
            (Func::Tanh, Some(k)) => k.tanh(x, y),
            (Func::Relu, Some(k)) => k.relu(x, y),
            (Func::Leaky(a), Some(k)) => k.leaky_relu(x, y, a),
            (Func::Exp, None) => act::exp(x, y),
            (Func::Sigmoid, None) => act::sigmoid(x, y),
            (Func::Tanh, None) => act::tanh(x, y),
            (Func::Relu, None) => act::relu(x, y),
            (Func::Leaky(a), None) => act::leaky_relu(x, y, a),
        };
        r.unwrap_or_else(|e| panic!("{self:?} on {} elements failed: {e}", x.len()));
    }

    fn run_inplace(self, k: Option<&Kernels>, x: &mut [f32]) {
        let n = x.len();
        let r = match (self, k) {
            (Func::Exp, Some(k)) => {
                k.exp_inplace(x);
                Ok(())
            }
            (Func::Sigmoid, Some(k)) => {
                k.sigmoid_inplace(x);
                Ok(())
            }
            (Func::Tanh, Some(k)) => {
                k.tanh_inplace(x);
                Ok(())
            }
            (Func::Relu, Some(k)) => {
                k.relu_inplace(x);
                Ok(())
            }
            (Func::Leaky(a), Some(k)) => k.leaky_relu_inplace(x, a),
            (Func::Exp, None) => {
                act::exp_inplace(x);
                Ok(())
            }
            (Func::Sigmoid, None) => {
                act::sigmoid_inplace(x);
                Ok(())
            }
            (Func::Tanh, None) => {
                act::tanh_inplace(x);
                Ok(())
            }
            (Func::Relu, None) => {
                act::relu_inplace(x);
                Ok(())
            }
            (Func::Leaky(a), None) => act::leaky_relu_inplace(x, a),
        };
        r.unwrap_or_else(|e| panic!("{self:?} in place on {n} elements failed: {e}"));
    }
}

fn sequential_handles() -> Vec<(Backend, Kernels)> {
    Backend::supported()
        .into_iter()
        .map(|b| (b, Kernels::with_backend(b).unwrap().sequential()))
        .collect()
}

/// A pool with 3 threads, so that threaded handles really split (and into uneven pieces)
/// whatever the global pool looks like.
fn pool3() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// `y` against the reference of `x`, element by element, within `f.bound()` ULP; exact bits
/// (NaN for NaN) when the bound is 0.
fn check_reference(f: Func, what: &str, x: &[f32], y: &[f32]) {
    let bound = f.bound();
    for (i, (&xi, &yi)) in x.iter().zip(y).enumerate() {
        let want = f.reference_one(xi);
        let d = ulp::distance(yi, want);
        let ok = if bound == 0 {
            if want.is_nan() {
                yi.is_nan()
            } else {
                yi.to_bits() == want.to_bits()
            }
        } else {
            d <= bound
        };
        assert!(
            ok,
            "{what}: {f:?} at index {i} of {}: x = {xi:e} ({:#010x}), got {yi:e} ({:#010x}), \
             expected {want:e} ({:#010x}), {d} ULP (bound {bound}{})",
            x.len(),
            xi.to_bits(),
            yi.to_bits(),
            want.to_bits(),
            if bound == 0 { ", same bits" } else { "" },
        );
    }
}

/// `a` and `b` are the same bit patterns (NaN payloads included).
fn check_same_bits(what: &str, x: &[f32], a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    if let Some(i) = a
        .iter()
        .zip(b)
        .position(|(p, q)| p.to_bits() != q.to_bits())
    {
        let count = a
            .iter()
            .zip(b)
            .filter(|(p, q)| p.to_bits() != q.to_bits())
            .count();
        panic!(
            "{what}: {count} of {} outputs differ; first at index {i}: x = {:e} ({:#010x}), \
             {:e} ({:#010x}) vs {:e} ({:#010x}), {} ULP apart",
            a.len(),
            x[i],
            x[i].to_bits(),
            a[i],
            a[i].to_bits(),
            b[i],
            b[i].to_bits(),
            ulp::distance(a[i], b[i]),
        );
    }
}

fn check_untouched(what: &str, buf: &[f32], range: core::ops::Range<usize>) {
    for (i, v) in buf.iter().enumerate() {
        if !range.contains(&i) {
            assert!(
                v.to_bits() == SENTINEL.to_bits(),
                "{what}: element {i} outside the output sub-slice {range:?} was overwritten \
                 with {v:e}"
            );
        }
    }
}

const BIG_ODD: &[usize] = &[1001, 4099, 65537];

fn all_lengths() -> Vec<usize> {
    (0..=67).chain(BIG_ODD.iter().copied()).collect()
}

// ---------------------------------------------------------------------------------------------
// Unary functions
// ---------------------------------------------------------------------------------------------

#[test]
fn every_backend_matches_the_reference_at_every_length() {
    for (b, k) in sequential_handles() {
        for &f in FUNCS {
            for n in all_lengths() {
                let x = inputs(n, 1);
                let mut y = vec![SENTINEL; n];
                f.run(Some(&k), &x, &mut y);
                check_reference(f, &format!("{b}, len {n}"), &x, &y);
            }
        }
    }
}

#[test]
fn misaligned_sub_slices_match_the_reference_and_stay_inside() {
    const LENS: &[usize] = &[1, 5, 8, 15, 16, 17, 33, 67];
    for (b, k) in sequential_handles() {
        for &f in FUNCS {
            for &n in LENS {
                let xbuf = inputs(n + 32, 2);
                for ox in 0..=15 {
                    for oy in 0..=15 {
                        if ox == 0 && oy == 0 {
                            continue;
                        }
                        let x = &xbuf[ox..ox + n];
                        let mut ybuf = vec![SENTINEL; n + 32];
                        f.run(Some(&k), x, &mut ybuf[oy..oy + n]);
                        let what = format!("{b}, len {n}, input offset {ox}, output offset {oy}");
                        check_reference(f, &what, x, &ybuf[oy..oy + n]);
                        check_untouched(&what, &ybuf, oy..oy + n);
                    }
                }
                // In place on a misaligned sub-slice: same bits as out of place, and nothing
                // outside the sub-slice is written.
                for o in 1..=15 {
                    let x = &xbuf[o..o + n];
                    let mut want = vec![0.0; n];
                    f.run(Some(&k), x, &mut want);
                    let mut buf = vec![SENTINEL; n + 32];
                    buf[o..o + n].copy_from_slice(x);
                    f.run_inplace(Some(&k), &mut buf[o..o + n]);
                    let what = format!("{b}, len {n}, in place at offset {o}");
                    check_same_bits(&what, x, &buf[o..o + n], &want);
                    check_untouched(&what, &buf, o..o + n);
                }
            }
        }
    }
}

#[test]
fn in_place_equals_out_of_place_bit_for_bit() {
    for (b, k) in sequential_handles() {
        for &f in FUNCS {
            for n in all_lengths() {
                let x = inputs(n, 3);
                let mut y = vec![SENTINEL; n];
                f.run(Some(&k), &x, &mut y);
                let mut z = x.clone();
                f.run_inplace(Some(&k), &mut z);
                check_same_bits(&format!("{b}, {f:?}, len {n}, in place"), &x, &z, &y);
            }
        }
    }
    // The free functions, including a length where they use threads.
    for &f in FUNCS {
        for n in all_lengths().into_iter().chain([1 << 20]) {
            let x = inputs(n, 4);
            let mut y = vec![SENTINEL; n];
            f.run(None, &x, &mut y);
            let mut z = x.clone();
            f.run_inplace(None, &mut z);
            check_same_bits(&format!("free {f:?}, len {n}, in place"), &x, &z, &y);
        }
    }
}

#[test]
fn free_functions_equal_the_forced_best_backend_bit_for_bit() {
    let best = Backend::best();
    let k = Kernels::with_backend(best).unwrap().sequential();
    for &f in FUNCS {
        for n in all_lengths().into_iter().chain([1 << 20]) {
            let x = inputs(n, 5);
            let mut free = vec![SENTINEL; n];
            f.run(None, &x, &mut free);
            let mut forced = vec![SENTINEL; n];
            f.run(Some(&k), &x, &mut forced);
            check_same_bits(
                &format!("{f:?}, len {n}: free function vs {best}"),
                &x,
                &free,
                &forced,
            );
        }
    }
}

#[test]
fn threaded_handles_equal_sequential_bit_for_bit() {
    let pool = pool3();
    let lens: Vec<usize> = (0..=67)
        .step_by(3)
        .chain([64, 65, 128, 129, 1001, 4099, 65537, 1 << 20])
        .collect();
    for (b, seq) in sequential_handles() {
        let par = seq.parallel_threshold(1);
        let auto = Kernels::with_backend(b).unwrap();
        assert!(seq.is_sequential() && !par.is_sequential() && !auto.is_sequential());
        for &f in FUNCS {
            for &n in &lens {
                let x = inputs(n, 6);
                let mut want = vec![SENTINEL; n];
                f.run(Some(&seq), &x, &mut want);
                let mut got = vec![SENTINEL; n];
                f.run(Some(&par), &x, &mut got);
                check_same_bits(
                    &format!("{b}, {f:?}, len {n}: parallel_threshold(1)"),
                    &x,
                    &got,
                    &want,
                );
                let mut got = vec![SENTINEL; n];
                pool.install(|| f.run(Some(&par), &x, &mut got));
                check_same_bits(
                    &format!("{b}, {f:?}, len {n}: parallel_threshold(1) in a 3-thread pool"),
                    &x,
                    &got,
                    &want,
                );
                let mut z = x.clone();
                pool.install(|| f.run_inplace(Some(&par), &mut z));
                check_same_bits(
                    &format!("{b}, {f:?}, len {n}: parallel_threshold(1) in place, 3-thread pool"),
                    &x,
                    &z,
                    &want,
                );
                if n == 1 << 20 {
                    let mut got = vec![SENTINEL; n];
                    f.run(Some(&auto), &x, &mut got);
                    check_same_bits(
                        &format!("{b}, {f:?}, len {n}: automatic threading"),
                        &x,
                        &got,
                        &want,
                    );
                    let mut got = vec![SENTINEL; n];
                    pool.install(|| f.run(Some(&auto), &x, &mut got));
                    check_same_bits(
                        &format!("{b}, {f:?}, len {n}: automatic threading, 3-thread pool"),
                        &x,
                        &got,
                        &want,
                    );
                    // The large threaded result is also within bounds.
                    check_reference(f, &format!("{b}, len {n}, automatic"), &x, &got);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PReLU
// ---------------------------------------------------------------------------------------------

fn slopes(c: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed.wrapping_mul(31).wrapping_add(c as u64));
    const FIXED: &[f32] = &[0.25, 0.0, -0.0, 1.0, -1.5, 1e-40, 3.0, 0.01];
    (0..c)
        .map(|i| {
            if i % 5 == 2 {
                FIXED[(i / 5) % FIXED.len()]
            } else {
                rng.uniform(-2.0, 2.0)
            }
        })
        .collect()
}

/// PReLU output against `reference::prelu_channels_first`, exactly (bits; NaN for NaN).
fn check_prelu(what: &str, x: &[f32], got: &[f32], slopes: &[f32], inner: usize) {
    let mut want = vec![0.0; x.len()];
    reference::prelu_channels_first(x, &mut want, slopes, inner).unwrap();
    let period = slopes.len() * inner;
    for (i, ((&xi, &g), &w)) in x.iter().zip(got).zip(&want).enumerate() {
        let ok = if w.is_nan() {
            g.is_nan()
        } else {
            g.to_bits() == w.to_bits()
        };
        assert!(
            ok,
            "{what}: index {i} (channel {}): x = {xi:e} ({:#010x}), slope = {:e}, got {g:e} \
             ({:#010x}), expected {w:e} ({:#010x}), {} ULP (must be exact)",
            (i % period) / inner,
            xi.to_bits(),
            slopes[(i % period) / inner],
            g.to_bits(),
            w.to_bits(),
            ulp::distance(g, w),
        );
    }
}

/// Runs PReLU (channels-first form; `inner == 1` is also run through the channels-last entry
/// points) out of place and in place on `k` (or the free functions) and checks both.
fn run_and_check_prelu(
    what: &str,
    k: Option<&Kernels>,
    x: &[f32],
    slopes: &[f32],
    inner: usize,
    pool: Option<&rayon::ThreadPool>,
) {
    let call = |f: &mut (dyn FnMut() + Send)| match pool {
        Some(p) => p.install(f),
        None => f(),
    };
    let n = x.len();
    let mut y = vec![SENTINEL; n];
    call(&mut || {
        match k {
            Some(k) => k.prelu_channels_first(x, &mut y, slopes, inner),
            None => act::prelu_channels_first(x, &mut y, slopes, inner),
        }
        .unwrap()
    });
    check_prelu(&format!("{what}, channels-first"), x, &y, slopes, inner);
    let mut z = x.to_vec();
    call(&mut || {
        match k {
            Some(k) => k.prelu_channels_first_inplace(&mut z, slopes, inner),
            None => act::prelu_channels_first_inplace(&mut z, slopes, inner),
        }
        .unwrap()
    });
    check_same_bits(&format!("{what}, channels-first in place"), x, &z, &y);
    if inner == 1 {
        let mut y2 = vec![SENTINEL; n];
        call(&mut || {
            match k {
                Some(k) => k.prelu(x, &mut y2, slopes),
                None => act::prelu(x, &mut y2, slopes),
            }
            .unwrap()
        });
        check_same_bits(&format!("{what}, channels-last"), x, &y2, &y);
        let mut z2 = x.to_vec();
        call(&mut || {
            match k {
                Some(k) => k.prelu_inplace(&mut z2, slopes),
                None => act::prelu_inplace(&mut z2, slopes),
            }
            .unwrap()
        });
        check_same_bits(&format!("{what}, channels-last in place"), x, &z2, &y);
    }
}

/// Runs `f`, turning a panic (of the check, or of the library itself) into an `Err` that names
/// the case, so that one test reports every failing shape.
fn catching(what: &str, f: impl FnOnce()) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{what}: PANICKED: {msg}")
    })
}

/// Runs one PReLU shape on every backend (sequential, `parallel_threshold(1)` on the global
/// pool and on a 3-thread pool) and on the free functions; returns the failures.
fn prelu_everywhere(
    c: usize,
    inner: usize,
    batches: &[usize],
    pool: &rayon::ThreadPool,
) -> Vec<String> {
    let s = slopes(c, inner as u64);
    let mut failures = Vec::new();
    for &nb in batches {
        let n = nb * c * inner;
        let x = inputs(n, 7 + c as u64);
        let mut cases: Vec<(String, Option<Kernels>, Option<&rayon::ThreadPool>)> = Vec::new();
        for (b, seq) in sequential_handles() {
            let par = seq.parallel_threshold(1);
            let what = format!("{b}, C = {c}, inner = {inner}, len {n}");
            cases.push((format!("{what}, sequential"), Some(seq), None));
            cases.push((format!("{what}, parallel_threshold(1)"), Some(par), None));
            cases.push((
                format!("{what}, parallel_threshold(1), 3-thread pool"),
                Some(par),
                Some(pool),
            ));
        }
        cases.push((
            format!("free functions, C = {c}, inner = {inner}, len {n}"),
            None,
            None,
        ));
        for (what, k, p) in cases {
            if let Err(e) = catching(&what, || {
                run_and_check_prelu(&what, k.as_ref(), &x, &s, inner, p)
            }) {
                failures.push(e);
            }
        }
    }
    failures
}

fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failing PReLU cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn prelu_channels_last_is_exact_for_many_channel_counts() {
    let pool = pool3();
    let mut failures = Vec::new();
    for c in [1, 2, 3, 5, 7, 16, 31, 32, 33, 64, 100, 1000, 1500] {
        // A few short tensors (tails) and one long enough to be split into many pieces, which
        // then start in the middle of a row.
        let long = (5000 / c).max(4) + 1;
        failures.extend(prelu_everywhere(c, 1, &[0, 1, 2, 3, long], &pool));
    }
    assert_no_failures(&failures);
}

#[test]
fn prelu_channels_first_is_exact_for_many_shapes() {
    let pool = pool3();
    let shapes: &[(usize, usize)] = &[
        (1, 2),
        (2, 2),
        (5, 3),
        (1000, 3),
        (3, 7),
        (16, 7),
        (300, 7),
        (100, 17),
        (4, 31),
        (64, 31),
        (3, 32),
        (2, 33),
        (7, 33),
        (5, 100),
        (1, 1000),
        (3, 1000),
        (33, 2),
        (1, 1),
        (3, 1),
    ];
    let mut failures = Vec::new();
    for &(c, inner) in shapes {
        let long = (6000 / (c * inner)).max(2) + 1;
        failures.extend(prelu_everywhere(c, inner, &[1, 2, long], &pool));
    }
    assert_no_failures(&failures);
}

#[test]
fn prelu_automatic_threading_on_a_large_tensor_equals_sequential() {
    // Above the automatic threshold of the ReLU family (256 Ki elements), through the
    // automatic handle of every backend and through the free functions (what a user calls).
    let mut failures = Vec::new();
    for (c, inner) in [(100, 17), (3, 1), (5, 3), (64, 1), (7, 100)] {
        let period = c * inner;
        let n = (1 << 20) / period * period + period;
        let x = inputs(n, 8);
        let s = slopes(c, 9);
        for (b, seq) in sequential_handles() {
            let mut want = vec![SENTINEL; n];
            seq.prelu_channels_first(&x, &mut want, &s, inner).unwrap();
            check_prelu(&format!("{b}, sequential, len {n}"), &x, &want, &s, inner);
            let auto = Kernels::with_backend(b).unwrap();
            let what = format!("{b}, automatic threading, C = {c}, inner = {inner}, len {n}");
            let r = catching(&what, || {
                let mut got = vec![SENTINEL; n];
                auto.prelu_channels_first(&x, &mut got, &s, inner).unwrap();
                check_same_bits(&what, &x, &got, &want);
            });
            failures.extend(r.err());
        }
        let what = format!("free prelu_channels_first, C = {c}, inner = {inner}, len {n}");
        let r = catching(&what, || {
            let mut got = vec![SENTINEL; n];
            act::prelu_channels_first(&x, &mut got, &s, inner).unwrap();
            check_prelu(&what, &x, &got, &s, inner);
        });
        failures.extend(r.err());
    }
    assert_no_failures(&failures);
}
