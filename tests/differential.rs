//! Differential tests: every supported backend and every elementwise activation of the registry
//! ([`Activation::ALL`], plus Leaky ReLU with more slopes) against its `f64` reference
//! ([`reference::activate_one`]) within its own bound ([`Activation::ulp_bound`]; a bound of 0
//! means the same bits, `-0.0` included, and NaN for NaN), over every length 0..=67 (every
//! masked-tail shape) and large odd ones, on misaligned sub-slices of larger buffers (nothing
//! outside them is written); in place versus out of place, the free functions versus the forced
//! best backend, and threaded versus sequential handles, bit for bit. PReLU (not in the
//! registry: its slope depends on the element's index) is checked exactly against
//! `reference::prelu_channels_first`, in both layouts, on the same handles.
//!
//! Threading: the automatic policy splits from each activation's
//! `Activation::automatic_threshold()` on (1 Mi elements for exp, sigmoid, tanh, ELU and SELU, 4
//! Mi for the memory-bound ones: the ReLU family, PReLU, hard sigmoid, hard swish); the tests of
//! automatic threading use lengths above these ([`above_automatic_threshold`]), and
//! `threading_splits_where_the_policy_says` and the large PReLU test observe the split itself
//! (another thread of the pool takes pieces of the work).
//!
//! `cargo test --release --test differential`

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{assert_same_bits, backends, mixed_inputs};
use simd_activations::{self as act, Activation, Backend, Kernels, reference, ulp};

/// A value no kernel returns for these inputs, to see which outputs were written.
const SENTINEL: f32 = 1.234_567e30;

/// Every activation of the registry (parameters at their defaults), then Leaky ReLU with a
/// larger slope, a negative one, zero, and one above 1.
fn activations() -> Vec<Activation> {
    let more_slopes = [0.2, -1.5, 0.0, 3.0].map(|alpha| Activation::LeakyRelu { alpha });
    Activation::ALL.iter().copied().chain(more_slopes).collect()
}

/// Runs `act` on handle `k`, or through the free function if `k` is `None`.
fn run(act: Activation, k: Option<&Kernels>, x: &[f32], y: &mut [f32]) {
    common::activate(k, act, x, y)
        .unwrap_or_else(|e| panic!("{act} on {} elements failed: {e}", x.len()));
}

/// In-place [`run`].
fn run_inplace(act: Activation, k: Option<&Kernels>, x: &mut [f32]) {
    let n = x.len();
    common::activate_inplace(k, act, x)
        .unwrap_or_else(|e| panic!("{act} in place on {n} elements failed: {e}"));
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

/// `y` against the reference of `x`, element by element, within `act.ulp_bound()` ULP; exact
/// bits (NaN for NaN) when the bound is 0.
fn check_reference(act: Activation, what: &str, x: &[f32], y: &[f32]) {
    let bound = act.ulp_bound();
    for (i, (&xi, &yi)) in x.iter().zip(y).enumerate() {
        let want = reference::activate_one(act, xi);
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
            "{what}: {act} at index {i} of {}: x = {xi:e} ({:#010x}), got {yi:e} ({:#010x}), \
             expected {want:e} ({:#010x}), {d} ULP (bound {bound}{})",
            x.len(),
            xi.to_bits(),
            yi.to_bits(),
            want.to_bits(),
            if bound == 0 { ", same bits" } else { "" },
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

/// Above the automatic threshold of every kernel, odd.
fn above_every_threshold() -> usize {
    Activation::ALL
        .iter()
        .map(|a| a.automatic_threshold())
        .max()
        .unwrap_or(0)
        + 3
}

/// A length just above the automatic threading threshold of `act`
/// ([`Activation::automatic_threshold`]), odd so that the last piece has a tail.
/// (`threading_splits_where_the_policy_says` checks that the automatic policy splits there.)
fn above_automatic_threshold(act: Activation) -> usize {
    act.automatic_threshold() + 3
}

// ---------------------------------------------------------------------------------------------
// Observing a split
// ---------------------------------------------------------------------------------------------

/// Runs `call` on one thread of `pool` (of 2 threads, see [`pool2`]) while the pool's other
/// thread does nothing but look for work to steal (`rayon::yield_now`), and returns how many
/// jobs that thread ran. A call that splits its slice hands the pieces out as `rayon::join`
/// jobs, so a count above 0 shows that the work was split across threads; a call that does not
/// split creates no job at all, so its count is always 0. (The public API gives no other sign
/// of a split: the results are the same bits either way.)
fn jobs_taken_by_the_other_thread(pool: &rayon::ThreadPool, call: impl FnOnce() + Send) -> usize {
    /// Tells the other thread to stop, also when `call` panics.
    struct Done<'a>(&'a AtomicBool);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    assert_eq!(pool.current_num_threads(), 2);
    let ready = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let taken = AtomicUsize::new(0);
    pool.install(|| {
        rayon::join(
            || {
                let _done = Done(&done);
                let start = Instant::now();
                while !ready.load(Ordering::SeqCst) {
                    assert!(
                        start.elapsed() < Duration::from_secs(60),
                        "the pool's other thread never started"
                    );
                    std::hint::spin_loop();
                }
                call();
            },
            || {
                ready.store(true, Ordering::SeqCst);
                while !done.load(Ordering::SeqCst) {
                    if rayon::yield_now() == Some(rayon::Yield::Executed) {
                        taken.fetch_add(1, Ordering::SeqCst);
                    }
                }
            },
        )
    });
    taken.into_inner()
}

/// The pool of [`jobs_taken_by_the_other_thread`].
fn pool2() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
}

/// Whether `call` splits its work across the threads of `pool`. A split shows as soon as the
/// other thread takes one piece, which it misses if the system does not run it during the call
/// (on a loaded machine): tried again for up to 30 s.
fn splits(pool: &rayon::ThreadPool, mut call: impl FnMut() + Send) -> bool {
    let start = Instant::now();
    loop {
        if jobs_taken_by_the_other_thread(pool, &mut call) > 0 {
            return true;
        }
        if start.elapsed() > Duration::from_secs(30) {
            return false;
        }
    }
}

/// Asserts that `call` splits its work across `pool` (see [`splits`]); without the crate's
/// `rayon` feature, that it does not (every call then runs on the calling thread).
#[track_caller]
fn assert_splits(pool: &rayon::ThreadPool, what: &str, call: impl FnMut() + Send) {
    if cfg!(feature = "rayon") {
        assert!(splits(pool, call), "{what}: never saw the work split");
    } else {
        assert_no_split(pool, &format!("{what}, without the rayon feature"), call);
    }
}

/// Asserts that `call` makes no job for another thread (deterministic: no split, no job).
#[track_caller]
fn assert_no_split(pool: &rayon::ThreadPool, what: &str, call: impl FnOnce() + Send) {
    let taken = jobs_taken_by_the_other_thread(pool, call);
    assert_eq!(
        taken, 0,
        "{what}: must not split, but another thread ran {taken} pieces"
    );
}

// ---------------------------------------------------------------------------------------------
// Elementwise activations
// ---------------------------------------------------------------------------------------------

#[test]
fn misaligned_sub_slices_match_the_reference_and_stay_inside() {
    const LENS: &[usize] = &[1, 5, 8, 15, 16, 17, 33, 67];
    for (b, k) in backends() {
        for act in activations() {
            for &n in LENS {
                let xbuf = mixed_inputs(n + 32, 2);
                for ox in 0..=15 {
                    for oy in 0..=15 {
                        if ox == 0 && oy == 0 {
                            continue;
                        }
                        let x = &xbuf[ox..ox + n];
                        let mut ybuf = vec![SENTINEL; n + 32];
                        run(act, Some(&k), x, &mut ybuf[oy..oy + n]);
                        let what = format!("{b}, len {n}, input offset {ox}, output offset {oy}");
                        check_reference(act, &what, x, &ybuf[oy..oy + n]);
                        check_untouched(&what, &ybuf, oy..oy + n);
                    }
                }
                // In place on a misaligned sub-slice: same bits as out of place, and nothing
                // outside the sub-slice is written.
                for o in 1..=15 {
                    let x = &xbuf[o..o + n];
                    let mut want = vec![0.0; n];
                    run(act, Some(&k), x, &mut want);
                    let mut buf = vec![SENTINEL; n + 32];
                    buf[o..o + n].copy_from_slice(x);
                    run_inplace(act, Some(&k), &mut buf[o..o + n]);
                    let what = format!("{b}, {act}, len {n}, in place at offset {o}");
                    assert_same_bits(&what, x, &buf[o..o + n], &want);
                    check_untouched(&what, &buf, o..o + n);
                }
            }
        }
    }
}

#[test]
fn every_backend_matches_the_reference_at_every_length_and_in_place_equals_out_of_place() {
    let inputs: Vec<Vec<f32>> = all_lengths()
        .into_iter()
        .map(|n| mixed_inputs(n, 3))
        .collect();
    for (b, k) in backends() {
        for act in activations() {
            for x in &inputs {
                let n = x.len();
                let mut y = vec![SENTINEL; n];
                run(act, Some(&k), x, &mut y);
                check_reference(act, &format!("{b}, len {n}"), x, &y);
                let mut z = x.clone();
                run_inplace(act, Some(&k), &mut z);
                assert_same_bits(&format!("{b}, {act}, len {n}, in place"), x, &z, &y);
            }
        }
    }
}

#[test]
fn free_functions_equal_the_forced_best_backend_and_their_in_place_forms_bit_for_bit() {
    let best = Backend::best();
    let k = Kernels::with_backend(best).unwrap().sequential();
    let inputs: Vec<Vec<f32>> = all_lengths()
        .into_iter()
        .map(|n| mixed_inputs(n, 5))
        .collect();
    let large = mixed_inputs(above_every_threshold(), 5);
    for act in activations() {
        let large = &large[..above_automatic_threshold(act)];
        for x in inputs.iter().map(Vec::as_slice).chain([large]) {
            let n = x.len();
            let mut free = vec![SENTINEL; n];
            run(act, None, x, &mut free);
            let mut forced = vec![SENTINEL; n];
            run(act, Some(&k), x, &mut forced);
            let what = format!("{act}, len {n}: free function vs {best}");
            assert_same_bits(&what, x, &free, &forced);
            // In place, including a length where the free functions use threads.
            let mut z = x.to_vec();
            run_inplace(act, None, &mut z);
            assert_same_bits(&format!("free {act}, len {n}, in place"), x, &z, &free);
        }
    }
}

/// Runs `act` on `handles.1` (as it is, in `pool`, and in place in `pool`) and checks each
/// result against the sequential `handles.0` bit for bit; returns the threaded result.
fn same_as_sequential(
    what: &str,
    act: Activation,
    (seq, threaded): (&Kernels, &Kernels),
    pool: &rayon::ThreadPool,
    x: &[f32],
) -> Vec<f32> {
    let n = x.len();
    let mut want = vec![SENTINEL; n];
    run(act, Some(seq), x, &mut want);
    let mut got = vec![SENTINEL; n];
    run(act, Some(threaded), x, &mut got);
    assert_same_bits(what, x, &got, &want);
    let mut got = vec![SENTINEL; n];
    pool.install(|| run(act, Some(threaded), x, &mut got));
    assert_same_bits(&format!("{what}, 3-thread pool"), x, &got, &want);
    let mut z = x.to_vec();
    pool.install(|| run_inplace(act, Some(threaded), &mut z));
    assert_same_bits(&format!("{what} in place, 3-thread pool"), x, &z, &want);
    got
}

#[test]
fn threaded_handles_equal_sequential_bit_for_bit() {
    let pool = pool3();
    let inputs: Vec<Vec<f32>> = (0..=67)
        .step_by(3)
        .chain([64, 65, 128, 129, 1001, 4099, 65537])
        .map(|n| mixed_inputs(n, 6))
        .collect();
    let large = mixed_inputs(above_every_threshold(), 6);
    for (b, seq) in backends() {
        let par = seq.parallel_threshold(1);
        let auto = seq.automatic_threading();
        assert!(seq.is_sequential() && !par.is_sequential() && !auto.is_sequential());
        for act in activations() {
            for x in &inputs {
                let what = format!("{b}, {act}, len {}: parallel_threshold(1)", x.len());
                same_as_sequential(&what, act, (&seq, &par), &pool, x);
            }
            // Automatic threading, above the kernel's threshold.
            let x = &large[..above_automatic_threshold(act)];
            let what = format!("{b}, {act}, len {}: automatic threading", x.len());
            let got = same_as_sequential(&what, act, (&seq, &auto), &pool, x);
            // The large threaded result is also within bounds.
            check_reference(act, &what, x, &got);
        }
    }
}

#[test]
fn threading_splits_where_the_policy_says() {
    // A `parallel_threshold(n)` handle splits from `n` elements on, not below; for every
    // activation, the sequential handle never splits and the automatic handle never below the
    // kernel's automatic threshold, and above it does split (when splitting measures slower on
    // this machine it still tries it once every 32 calls, which `splits` repeats calls long
    // enough to see); the free functions split above every threshold. (The split
    // does not depend on the backend; the slow scalar one leaves the other thread more time to
    // take a piece, which keeps the observation quick on a loaded machine.) Without the
    // crate's `rayon` feature nothing splits, which the same assertions then check.
    let pool = pool2();
    let scalar = Kernels::with_backend(Backend::Scalar).unwrap();
    let x = mixed_inputs(above_every_threshold(), 10);
    let mut y = vec![SENTINEL; x.len()];

    let n = 1 << 18;
    let par = scalar.parallel_threshold(n);
    let act = Activation::ALL[0];
    assert_no_split(
        &pool,
        &format!("{act}, parallel_threshold({n}), len {}", n - 1),
        || run(act, Some(&par), &x[..n - 1], &mut y[..n - 1]),
    );
    assert_splits(
        &pool,
        &format!("{act}, parallel_threshold({n}), len {n}"),
        || run(act, Some(&par), &x[..n], &mut y[..n]),
    );

    let (seq, auto) = (scalar.sequential(), scalar.automatic_threading());
    for &act in Activation::ALL {
        let len = above_automatic_threshold(act);
        let (x, y) = (&x[..len], &mut y[..len]);
        assert_no_split(&pool, &format!("{act}, sequential, len {len}"), || {
            run(act, Some(&seq), x, y)
        });
        let below = act.automatic_threshold() - 1;
        assert_no_split(&pool, &format!("{act}, automatic, len {below}"), || {
            run(act, Some(&auto), &x[..below], &mut y[..below])
        });
        assert_splits(
            &pool,
            &format!("{act}, automatic threading, len {len}"),
            || run(act, Some(&auto), x, y),
        );
    }

    let act = Activation::ALL[0];
    let what = format!("free {act}, len {}", x.len());
    assert_splits(&pool, &what, || run(act, None, &x, &mut y));
}

// ---------------------------------------------------------------------------------------------
// PReLU
// ---------------------------------------------------------------------------------------------

fn slopes(c: usize, seed: u64) -> Vec<f32> {
    let mut rng = common::Rng(seed.wrapping_mul(31).wrapping_add(c as u64));
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
    check_prelu_against(what, x, got, &want, slopes, inner);
}

/// [`check_prelu`] with the reference's output `want` already computed.
fn check_prelu_against(
    what: &str,
    x: &[f32],
    got: &[f32],
    want: &[f32],
    slopes: &[f32],
    inner: usize,
) {
    let period = slopes.len() * inner;
    for (i, ((&xi, &g), &w)) in x.iter().zip(got).zip(want).enumerate() {
        assert!(
            common::same_bits_or_both_nan(g, w),
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

/// Channels-first PReLU on `k`, or through the free function if `k` is `None`.
fn prelu_cf(k: Option<&Kernels>, x: &[f32], y: &mut [f32], slopes: &[f32], inner: usize) {
    match k {
        Some(k) => k.prelu_channels_first(x, y, slopes, inner),
        None => act::prelu_channels_first(x, y, slopes, inner),
    }
    .unwrap()
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
    call(&mut || prelu_cf(k, x, &mut y, slopes, inner));
    check_prelu(&format!("{what}, channels-first"), x, &y, slopes, inner);
    let mut z = x.to_vec();
    call(&mut || {
        match k {
            Some(k) => k.prelu_channels_first_inplace(&mut z, slopes, inner),
            None => act::prelu_channels_first_inplace(&mut z, slopes, inner),
        }
        .unwrap()
    });
    assert_same_bits(&format!("{what}, channels-first in place"), x, &z, &y);
    if inner == 1 {
        let mut y2 = vec![SENTINEL; n];
        call(&mut || {
            match k {
                Some(k) => k.prelu(x, &mut y2, slopes),
                None => act::prelu(x, &mut y2, slopes),
            }
            .unwrap()
        });
        assert_same_bits(&format!("{what}, channels-last"), x, &y2, &y);
        let mut z2 = x.to_vec();
        call(&mut || {
            match k {
                Some(k) => k.prelu_inplace(&mut z2, slopes),
                None => act::prelu_inplace(&mut z2, slopes),
            }
            .unwrap()
        });
        assert_same_bits(&format!("{what}, channels-last in place"), x, &z2, &y);
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
        let x = mixed_inputs(n, 7 + c as u64);
        let mut cases: Vec<(String, Option<Kernels>, Option<&rayon::ThreadPool>)> = Vec::new();
        for (b, seq) in backends() {
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
    common::assert_no_failures(&failures);
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
    common::assert_no_failures(&failures);
}

#[test]
fn prelu_automatic_threading_on_a_large_tensor_splits_and_equals_sequential() {
    // Above the automatic threshold of the memory-bound kernels (4 Mi elements; PReLU is one),
    // through the automatic handle of every backend and through the free functions (what a
    // user calls), on the global pool and in a 3-thread pool (where they split whatever the
    // global pool's size). That the free function does split is observed once per shape.
    let pool = pool3();
    let probe = pool2();
    let mut failures = Vec::new();
    // The smallest whole number of periods above 4 Mi; the inputs are prefixes of one buffer.
    let shapes = [(100, 17), (3, 1), (5, 3), (64, 1), (7, 100)];
    let len = |(c, inner): (usize, usize)| ((1 << 22) / (c * inner) + 1) * (c * inner);
    let all = mixed_inputs(shapes.map(len).into_iter().max().unwrap(), 8);
    for (c, inner) in shapes {
        let n = len((c, inner));
        let x = &all[..n];
        let s = slopes(c, 9);
        let shape = format!("C = {c}, inner = {inner}, len {n}");
        let mut reference = vec![0.0; n];
        reference::prelu_channels_first(x, &mut reference, &s, inner).unwrap();
        let check =
            |what: &str, got: &[f32]| check_prelu_against(what, x, got, &reference, &s, inner);
        let on = |p: Option<&rayon::ThreadPool>, f: &mut (dyn FnMut() + Send)| match p {
            Some(p) => p.install(f),
            None => f(),
        };
        for (b, seq) in backends() {
            let mut want = vec![SENTINEL; n];
            seq.prelu_channels_first(x, &mut want, &s, inner).unwrap();
            check(&format!("{b}, sequential, {shape}"), &want);
            let auto = seq.automatic_threading();
            for (how, p) in [("", None), (", 3-thread pool", Some(&pool))] {
                let what = format!("{b}, automatic threading{how}, {shape}");
                let r = catching(&what, || {
                    let mut got = vec![SENTINEL; n];
                    on(p, &mut || prelu_cf(Some(&auto), x, &mut got, &s, inner));
                    assert_same_bits(&what, x, &got, &want);
                });
                failures.extend(r.err());
            }
        }
        for (how, p) in [("", None), (", 3-thread pool", Some(&pool))] {
            let what = format!("free prelu_channels_first{how}, {shape}");
            let r = catching(&what, || {
                let mut got = vec![SENTINEL; n];
                on(p, &mut || prelu_cf(None, x, &mut got, &s, inner));
                check(&what, &got);
            });
            failures.extend(r.err());
        }
        let mut y = vec![SENTINEL; n];
        let what = format!("free prelu_channels_first, {shape}");
        if let Err(e) = catching(&what, || {
            assert_splits(&probe, &what, || prelu_cf(None, x, &mut y, &s, inner))
        }) {
            failures.push(e);
        }
    }
    common::assert_no_failures(&failures);
}
