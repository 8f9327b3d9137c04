//! Measuring a kernel's error against a reference over sets of `f32` bit patterns, up to all
//! 2^32 of them.
//!
//! This is the machinery behind the crate's exhaustive accuracy proof (`tests/exhaustive.rs`)
//! and the example's accuracy column. It allocates, uses threads and asserts, so it sits behind
//! the opt-in cargo feature `testing`; with it, an embedder can re-run the proof on their own
//! CPU:
//!
//! ```
//! use simd_activations::accuracy::{self, Inputs};
//! use simd_activations::{Activation, Backend, Kernels};
//!
//! let handles: Vec<Kernels> = Backend::supported()
//!     .into_iter()
//!     .map(|b| Kernels::with_backend(b).map(Kernels::sequential))
//!     .collect::<Result<_, _>>()?;
//! // Every bit pattern between 1.0 and 2.0, on every backend of this CPU.
//! let bits = 1.0_f32.to_bits() as u64..2.0_f32.to_bits() as u64 + 1;
//! for report in accuracy::measure_activation(Inputs::Bits(bits), Activation::Exp, &handles) {
//!     assert!(report.passed());
//!     assert!(report.max_ulp <= 1);
//! }
//! # Ok::<(), simd_activations::Error>(())
//! ```

use core::ops::Range;

use crate::{Activation, Kernels, reference, ulp};

/// Errors of 0..HISTOGRAM_BUCKETS-1 ULP are counted exactly; larger ones in the last bucket.
pub const HISTOGRAM_BUCKETS: usize = 8;

/// Bit patterns per block: one block's inputs, reference and outputs stay in L2.
const BLOCK: usize = 1 << 14;

/// What a sweep found for one kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Inputs evaluated.
    pub inputs: u64,
    /// Largest ULP distance to the reference over inputs where both are numbers.
    pub max_ulp: u32,
    /// An input where `max_ulp` occurs (the smallest such bit pattern).
    pub worst_input: f32,
    /// Inputs whose error exceeds the bound.
    pub over_bound: u64,
    /// Inputs where exactly one of kernel and reference is NaN.
    pub nan_mismatches: u64,
    /// A NaN-mismatching input, if any.
    pub first_nan_mismatch: Option<f32>,
    /// `histogram[d]`: inputs with error `d` ULP; the last bucket counts all larger errors.
    pub histogram: [u64; HISTOGRAM_BUCKETS],
}

impl Report {
    fn new() -> Report {
        Report {
            inputs: 0,
            max_ulp: 0,
            worst_input: f32::NAN,
            over_bound: 0,
            nan_mismatches: 0,
            first_nan_mismatch: None,
            histogram: [0; HISTOGRAM_BUCKETS],
        }
    }

    /// Whether the kernel met the bound on every input: nothing over it, no NaN mismatch.
    pub fn passed(&self) -> bool {
        self.over_bound == 0 && self.nan_mismatches == 0
    }

    /// Share of inputs (in `[0, 1]`) where the kernel returned the reference exactly.
    pub fn exact_share(&self) -> f64 {
        self.histogram[0] as f64 / self.inputs.max(1) as f64
    }

    /// Records an input whose error is `d` ULP (`u32::MAX`: one of the two is NaN).
    fn record(&mut self, x: f32, d: u32, bound: u32) {
        self.inputs += 1;
        if d == u32::MAX {
            self.nan_mismatches += 1;
            self.first_nan_mismatch.get_or_insert(x);
            return;
        }
        self.histogram[(d as usize).min(HISTOGRAM_BUCKETS - 1)] += 1;
        if d > bound {
            self.over_bound += 1;
        }
        if d > self.max_ulp || self.worst_input.is_nan() {
            self.max_ulp = d;
            self.worst_input = x;
        }
    }

    /// Combines the reports of two disjoint input sets; `self` covers the smaller bit patterns.
    fn merge(mut self, other: Report) -> Report {
        self.inputs += other.inputs;
        if other.max_ulp > self.max_ulp || self.worst_input.is_nan() {
            self.max_ulp = other.max_ulp;
            self.worst_input = other.worst_input;
        }
        self.over_bound += other.over_bound;
        self.nan_mismatches += other.nan_mismatches;
        self.first_nan_mismatch = self.first_nan_mismatch.or(other.first_nan_mismatch);
        for (a, b) in self.histogram.iter_mut().zip(other.histogram) {
            *a += b;
        }
        self
    }
}

/// The inputs of a measurement.
#[derive(Clone, Debug)]
pub enum Inputs<'a> {
    /// Every bit pattern in the range (within `0..2^32`): `Bits(0..1 << 32)` is every `f32`.
    Bits(Range<u64>),
    /// Every `step`-th bit pattern of the range, from its start: `Strided(0..1 << 32, 7)` is
    /// a uniform seventh of all `f32` (an odd step reaches every residue of the low bits).
    Strided(Range<u64>, u64),
    /// These values.
    Values(&'a [f32]),
}

impl Inputs<'_> {
    /// Number of inputs.
    pub fn len(&self) -> u64 {
        match self {
            Inputs::Bits(r) => r.end.saturating_sub(r.start),
            Inputs::Strided(r, step) => r.end.saturating_sub(r.start).div_ceil((*step).max(1)),
            Inputs::Values(v) => v.len() as u64,
        }
    }

    /// Whether there are no inputs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Evaluates every kernel on every input and compares with `reference`, computed once per
/// input. Runs in parallel (on the current rayon pool with the `rayon` feature), in blocks that stay in L2; the kernels
/// should be sequential ones (the parallelism is here). Returns one report per kernel, in
/// order.
///
/// Panics if a bit range reaches beyond `2^32`, or on a stride of 0.
pub fn measure<K, R>(inputs: Inputs<'_>, kernels: &[K], reference: R, bound: u32) -> Vec<Report>
where
    K: Fn(&[f32], &mut [f32]) + Sync,
    R: Fn(f32) -> f32 + Sync,
{
    measure_with(
        inputs,
        kernels,
        reference,
        |_, got, want| ulp::distance(got, want),
        bound,
    )
}

/// [`measure`] with the error of each input given by `error(x, got, want)`, in ULP
/// (`u32::MAX` for a NaN mismatch): [`ulp::distance`], or [`beyond_margin`] for a bound with an
/// absolute margin.
pub fn measure_with<K, R, E>(
    inputs: Inputs<'_>,
    kernels: &[K],
    reference: R,
    error: E,
    bound: u32,
) -> Vec<Report>
where
    K: Fn(&[f32], &mut [f32]) + Sync,
    R: Fn(f32) -> f32 + Sync,
    E: Fn(f32, f32, f32) -> u32 + Sync,
{
    let empty = || vec![Report::new(); kernels.len()];
    let merge =
        |a: Vec<Report>, b: Vec<Report>| a.into_iter().zip(b).map(|(a, b)| a.merge(b)).collect();
    let block = |mut reports: Vec<Report>, x: &[f32]| {
        compare_block(x, kernels, &reference, &error, bound, &mut reports);
        reports
    };
    let patterns = |bits: Range<u64>, step: u64| {
        assert!(bits.end <= 1 << 32, "bit patterns are 32-bit");
        assert!(step > 0, "a stride of 0");
        let count = bits.end.saturating_sub(bits.start).div_ceil(step);
        let blocks = count.div_ceil(BLOCK as u64);
        fold_blocks(blocks, empty, merge, |reports, b| {
            let lo = b * BLOCK as u64;
            let hi = (lo + BLOCK as u64).min(count);
            let x: Vec<f32> = (lo..hi)
                .map(|i| f32::from_bits((bits.start + i * step) as u32))
                .collect();
            block(reports, &x)
        })
    };
    match inputs {
        Inputs::Bits(bits) => patterns(bits, 1),
        Inputs::Strided(bits, step) => patterns(bits, step),
        Inputs::Values(values) => {
            let blocks = values.len().div_ceil(BLOCK) as u64;
            fold_blocks(blocks, empty, merge, |reports, b| {
                let lo = b as usize * BLOCK;
                block(reports, &values[lo..values.len().min(lo + BLOCK)])
            })
        }
    }
}

/// `fold` over the block indices `0..blocks` in parallel, the partial results `merge`d in
/// the order of their blocks. With the `rayon` feature on the current rayon pool; without it
/// on scoped threads, one per available core.
fn fold_blocks<T, E, M, F>(blocks: u64, empty: E, merge: M, fold: F) -> T
where
    T: Send,
    E: Fn() -> T + Sync,
    M: Fn(T, T) -> T + Sync,
    F: Fn(T, u64) -> T + Sync,
{
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..blocks)
            .into_par_iter()
            .fold(&empty, &fold)
            .reduce(&empty, &merge)
    }
    #[cfg(not(feature = "rayon"))]
    {
        // Contiguous ranges of blocks, merged in order (as rayon's indexed reduce does).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let range = |t: u64| blocks * t / threads..blocks * (t + 1) / threads;
        let work = |t: u64| range(t).fold(empty(), &fold);
        std::thread::scope(|s| {
            let handles: Vec<_> = (1..threads).map(|t| s.spawn(move || work(t))).collect();
            let mut acc = work(0);
            for h in handles {
                acc = merge(acc, h.join().expect("a measuring thread panicked"));
            }
            acc
        })
    }
}

/// [`measure`] for an activation on the given handles (one report per handle), against
/// [`reference::activate_one`] with the activation's own bound ([`Activation::ulp_bound`]).
///
/// Panics if a handle rejects the activation's parameter.
pub fn measure_activation(inputs: Inputs<'_>, act: Activation, handles: &[Kernels]) -> Vec<Report> {
    let kernels: Vec<_> = handles
        .iter()
        .map(|&k| move |x: &[f32], y: &mut [f32]| k.activate(act, x, y).unwrap())
        .collect();
    measure(
        inputs,
        &kernels,
        |x| reference::activate_one(act, x),
        act.ulp_bound(),
    )
}

/// [`measure_with`] for the gradient of an activation with `dy = 1` on the given handles
/// (one report per handle), against [`reference::activate_backward_one`] with the gradient's
/// own bound ([`Activation::backward_ulp_bound`]); where the bound has a margin
/// ([`reference::backward_margin`]), the error counted is the one [`beyond_margin`] reports.
///
/// Panics if a handle rejects the activation's parameter.
pub fn measure_activation_backward(
    inputs: Inputs<'_>,
    act: Activation,
    handles: &[Kernels],
) -> Vec<Report> {
    let kernels: Vec<_> = handles
        .iter()
        .map(|&k| {
            move |x: &[f32], dx: &mut [f32]| {
                let dy = vec![1.0_f32; x.len()];
                k.activate_backward(act, x, &dy, dx).unwrap()
            }
        })
        .collect();
    measure_with(
        inputs,
        &kernels,
        |x| reference::activate_backward_one(act, x, 1.0),
        |x, got, want| backward_error(act, x, 1.0, got, want),
        act.backward_ulp_bound(),
    )
}

/// The error of `got`, a gradient of `act` at `(x, dy)`, against the reference `want`, in the
/// units of [`Activation::backward_ulp_bound`]: the ULP distance, or, where the bound has a
/// margin ([`reference::backward_margin`]), the ULP [`beyond_margin`] `2^-23 |dy| M(x)`.
pub fn backward_error(act: Activation, x: f32, dy: f32, got: f32, want: f32) -> u32 {
    match reference::backward_margin(act, x) {
        None => ulp::distance(got, want),
        Some(m) => beyond_margin(got, want, f64::from(dy.abs()) * m * f64::from(f32::EPSILON)),
    }
}

/// The error of `got` against `want` in units of `ulp(want)` once an absolute `margin` is
/// allowed: the smallest `k` with `|got - want| <= k ulp(want) + margin`, and never more than
/// their ULP distance (`u32::MAX` if exactly one is NaN). `ulp(w)` is the spacing of the
/// `f32` values in `w`'s binade (`2^-149` for subnormals and zero).
///
/// ```
/// use simd_activations::accuracy::beyond_margin;
///
/// let one_ulp = f32::EPSILON as f64;
/// assert_eq!(beyond_margin(1.0 + 4.0 * f32::EPSILON, 1.0, 0.0), 4);
/// assert_eq!(beyond_margin(1.0 + 4.0 * f32::EPSILON, 1.0, 2.0 * one_ulp), 2);
/// assert_eq!(beyond_margin(1.0 + 4.0 * f32::EPSILON, 1.0, 1.0), 0);
/// ```
pub fn beyond_margin(got: f32, want: f32, margin: f64) -> u32 {
    let d = ulp::distance(got, want);
    if d == 0 || d == u32::MAX || got.is_infinite() || want.is_infinite() {
        return d;
    }
    let err = (f64::from(got) - f64::from(want)).abs();
    let beyond = ((err - margin) / ulp_of(want)).ceil().max(0.0);
    d.min(beyond as u32)
}

/// The spacing of the `f32` values in `w`'s binade, as `f64`: `2^(e - 23)` for a normal `w` of
/// exponent `e`, `2^-149` for subnormals and zeros.
fn ulp_of(w: f32) -> f64 {
    let biased = ((w.to_bits() >> 23) & 0xFF) as i32;
    2f64.powi(biased.max(1) - 127 - 23)
}

fn compare_block<K: Fn(&[f32], &mut [f32])>(
    x: &[f32],
    kernels: &[K],
    reference: &impl Fn(f32) -> f32,
    error: &impl Fn(f32, f32, f32) -> u32,
    bound: u32,
    reports: &mut [Report],
) {
    let want: Vec<f32> = x.iter().map(|&v| reference(v)).collect();
    let mut got = vec![0.0_f32; x.len()];
    for (kernel, report) in kernels.iter().zip(reports.iter_mut()) {
        kernel(x, &mut got);
        for ((&x, &g), &w) in x.iter().zip(&got).zip(&want) {
            report.record(x, error(x, g, w), bound);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference;

    fn exact(x: &[f32], y: &mut [f32]) {
        reference::exp(x, y).unwrap();
    }

    /// The reference, one ULP up wherever the low bits of the input's pattern are zero.
    fn off_by_one_sometimes(x: &[f32], y: &mut [f32]) {
        exact(x, y);
        for (x, y) in x.iter().zip(y.iter_mut()) {
            if x.to_bits() % 1024 == 0 && y.is_finite() && *y > 0.0 {
                *y = f32::from_bits(y.to_bits() + 1);
            }
        }
    }

    /// The reference, but NaN for the input 1.0.
    fn nan_at_one(x: &[f32], y: &mut [f32]) {
        exact(x, y);
        for (x, y) in x.iter().zip(y.iter_mut()) {
            if *x == 1.0 {
                *y = f32::NAN;
            }
        }
    }

    const RANGE: Range<u64> = 0x3F00_0000..0x4000_0000; // [0.5, 2)

    #[test]
    fn an_exact_kernel_passes_with_bound_zero() {
        let r = measure(Inputs::Bits(RANGE), &[exact], reference::exp_one, 0).remove(0);
        assert!(r.passed());
        assert_eq!(r.inputs, RANGE.end - RANGE.start);
        assert_eq!(r.max_ulp, 0);
        assert_eq!(r.histogram[0], r.inputs);
        assert_eq!(r.exact_share(), 1.0);
    }

    #[test]
    fn a_kernel_one_ulp_off_fails_a_zero_bound_and_passes_a_one_ulp_bound() {
        let strict = measure(
            Inputs::Bits(RANGE),
            &[off_by_one_sometimes],
            reference::exp_one,
            0,
        );
        let r = &strict[0];
        assert!(!r.passed());
        assert_eq!(r.max_ulp, 1);
        assert_eq!(r.over_bound, (RANGE.end - RANGE.start) / 1024);
        assert_eq!(r.histogram[1], r.over_bound);
        assert_eq!(r.worst_input.to_bits() % 1024, 0);
        let loose = measure(
            Inputs::Bits(RANGE),
            &[off_by_one_sometimes],
            reference::exp_one,
            1,
        );
        assert!(loose[0].passed());
    }

    #[test]
    fn a_stride_visits_every_step_th_pattern_from_the_start() {
        // Step 1024 from a multiple of 1024 lands on every input the faulty kernel gets wrong;
        // from one past it, on none.
        let step = 1024;
        let on = measure(
            Inputs::Strided(RANGE, step),
            &[off_by_one_sometimes],
            reference::exp_one,
            0,
        )
        .remove(0);
        assert_eq!(on.inputs, (RANGE.end - RANGE.start) / step);
        assert_eq!(on.over_bound, on.inputs);
        let off = measure(
            Inputs::Strided(RANGE.start + 1..RANGE.end, step),
            &[off_by_one_sometimes],
            reference::exp_one,
            0,
        )
        .remove(0);
        assert_eq!(
            off.inputs,
            Inputs::Strided(RANGE.start + 1..RANGE.end, step).len()
        );
        assert_eq!(off.over_bound, 0);
        assert!(off.passed());
    }

    #[test]
    fn a_single_nan_fails_the_check_whatever_the_bound() {
        let r = measure(Inputs::Bits(RANGE), &[nan_at_one], reference::exp_one, 1000).remove(0);
        assert!(!r.passed());
        assert_eq!(r.nan_mismatches, 1);
        assert_eq!(r.first_nan_mismatch, Some(1.0));
        assert_eq!(r.over_bound, 0);
    }

    #[test]
    fn several_kernels_are_reported_separately_and_inputs_match_the_list() {
        let mut inputs: Vec<f32> = (0..100_000).map(|i| i as f32 * 1e-3 - 50.0).collect();
        inputs[777] = 1.0;
        type Kernel = fn(&[f32], &mut [f32]);
        let kernels: [Kernel; 3] = [exact, off_by_one_sometimes, nan_at_one];
        let r = measure(Inputs::Values(&inputs), &kernels, reference::exp_one, 0);
        assert!(r[0].passed());
        assert_eq!(r[0].inputs, inputs.len() as u64);
        assert!(!r[2].passed());
        assert_eq!(r[2].nan_mismatches, 1);
    }
}
