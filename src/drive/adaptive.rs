//! The automatic policy's check, at run time, that splitting a call across threads pays on this
//! machine.
//!
//! Whether two threads beat one on a given call depends on the machine more than on the kernel:
//! the same sigmoid call on 1 Mi elements ran 1.7x faster on two threads on one VM and 0.8x on
//! another, where one thread already streams as fast as the shared memory system allows and
//! waking the pool costs tens of microseconds (README, section Threads). A fixed threshold cannot
//! be right on both, so above a kernel's threshold the automatic policy times its own calls: per
//! workload class and power-of-two size it keeps an estimate of the time per element with and
//! without the split, takes the faster, and tries the other again every [`REPROBE`] calls so
//! that a change in the machine's load is noticed. The estimate is the smallest recent time,
//! allowed to rise by an eighth per sample: noise on a shared machine only ever slows a call
//! (a mean would let one interrupted call, or the page faults of a fresh buffer, hold the wrong
//! choice for many calls), while a lasting change still shows within a few samples. Results do
//! not depend on the choice (they are bit-identical across thread counts); only the speed does.
//!
//! The state is a few atomics per slot, updated with relaxed loads and stores: two threads
//! timing calls of the same class and size at once may overwrite each other's sample, which only
//! delays the choice by a call.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::Instant;

use super::Cost;

/// Calls at the start that alternate split and whole (split first), to measure both.
const WARMUP: u32 = 5;
/// After the warm-up, every this many calls run the mode currently losing, once.
pub(crate) const REPROBE: u32 = 32;
/// Size classes: `len` in `[2^k, 2^(k+1))` for `k = FIRST_BUCKET ..`, the last one open-ended.
const FIRST_BUCKET: u32 = 16;
const BUCKETS: usize = 16;
/// Workload classes (the variants of [`Cost`]).
const CLASSES: usize = 3;

/// The measurements of one workload class at one size class.
struct Slot {
    /// Calls made so far (wraps after 2^32, harmlessly).
    calls: AtomicU32,
    /// Estimates of the time per element in nanoseconds, as `f32` bits; 0: not measured yet.
    split_ns: AtomicU32,
    whole_ns: AtomicU32,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            calls: AtomicU32::new(0),
            split_ns: AtomicU32::new(0),
            whole_ns: AtomicU32::new(0),
        }
    }
}

static SLOTS: [[Slot; BUCKETS]; CLASSES] = [const { [const { Slot::new() }; BUCKETS] }; CLASSES];

fn slot(cost: Cost, len: usize) -> &'static Slot {
    let class = match cost {
        Cost::Transcendental => 0,
        Cost::Memory => 1,
        Cost::Rows => 2,
    };
    let k = len.max(1).ilog2().saturating_sub(FIRST_BUCKET) as usize;
    &SLOTS[class][k.min(BUCKETS - 1)]
}

/// Whether call number `call` of a slot splits, given the estimates (`None`: not measured).
fn choose(call: u32, split_ns: Option<f32>, whole_ns: Option<f32>) -> bool {
    if call < WARMUP {
        return call % 2 == 0;
    }
    let split_wins = match (split_ns, whole_ns) {
        (Some(s), Some(w)) => s < w,
        // A measurement lost to a race: measure the missing mode.
        (None, _) => return true,
        (_, None) => return false,
    };
    // Every REPROBE calls, the losing mode once.
    split_wins != (call % REPROBE == 0)
}

/// The next estimate: the sample if it is faster, else the old estimate raised by at most an
/// eighth (so a lasting slowdown shows within a few samples, one slow call barely).
fn updated_estimate(old: Option<f32>, sample: f32) -> f32 {
    match old {
        Some(m) => sample.min(m * 1.125),
        None => sample,
    }
}

fn load(a: &AtomicU32) -> Option<f32> {
    let v = f32::from_bits(a.load(Relaxed));
    (v > 0.0).then_some(v)
}

/// The timing of one call of the automatic policy, made by [`start`] and reported by
/// [`Timer::finish`].
pub(crate) struct Timer {
    slot: &'static Slot,
    split: bool,
    /// The first call of a slot may also start rayon's pool: not a fair sample.
    record: bool,
    len: usize,
    start: Instant,
}

/// Decides whether a call of class `cost` on `len` elements splits, and starts its timer.
pub(crate) fn start(cost: Cost, len: usize) -> Timer {
    let slot = slot(cost, len);
    let call = slot.calls.fetch_add(1, Relaxed);
    let split = choose(call, load(&slot.split_ns), load(&slot.whole_ns));
    Timer {
        slot,
        split,
        record: call > 0,
        len,
        start: Instant::now(),
    }
}

impl Timer {
    /// Whether this call splits.
    pub(crate) fn split(&self) -> bool {
        self.split
    }

    /// Records the call's time per element in its slot.
    pub(crate) fn finish(self) {
        if !self.record {
            return;
        }
        let ns = self.start.elapsed().as_nanos() as f32 / self.len as f32;
        let estimate = if self.split {
            &self.slot.split_ns
        } else {
            &self.slot.whole_ns
        };
        let next = updated_estimate(load(estimate), ns.max(f32::MIN_POSITIVE));
        estimate.store(next.to_bits(), Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_alternates_starting_with_the_split() {
        let modes: Vec<bool> = (0..WARMUP).map(|c| choose(c, None, None)).collect();
        assert_eq!(modes, [true, false, true, false, true]);
    }

    #[test]
    fn the_faster_mode_wins_and_the_other_is_retried_every_reprobe_calls() {
        let (fast, slow) = (Some(1.0), Some(2.0));
        for call in WARMUP..WARMUP + 3 * REPROBE {
            let retry = call % REPROBE == 0;
            assert_eq!(
                choose(call, fast, slow),
                !retry,
                "call {call}, split faster"
            );
            assert_eq!(choose(call, slow, fast), retry, "call {call}, whole faster");
        }
    }

    #[test]
    fn a_missing_measurement_is_taken_first() {
        assert!(choose(WARMUP, None, Some(1.0)));
        assert!(!choose(WARMUP, Some(1.0), None));
    }

    #[test]
    fn a_faster_sample_is_taken_a_slower_one_raises_the_estimate_by_an_eighth_at_most() {
        assert_eq!(updated_estimate(None, 3.0), 3.0);
        assert_eq!(updated_estimate(Some(2.0), 1.5), 1.5);
        assert_eq!(updated_estimate(Some(2.0), 5.0), 2.25);
        assert_eq!(updated_estimate(Some(2.0), 2.1), 2.1);
        // A lasting slowdown to 4.0 shows within six samples.
        let mut e = 2.0;
        for _ in 0..6 {
            e = updated_estimate(Some(e), 4.0);
        }
        assert_eq!(e, 4.0);
    }

    #[test]
    fn sizes_map_to_their_power_of_two_class_and_classes_stay_apart() {
        let a = slot(Cost::Transcendental, 1 << 20);
        assert!(std::ptr::eq(a, slot(Cost::Transcendental, (2 << 20) - 1)));
        assert!(!std::ptr::eq(a, slot(Cost::Transcendental, 2 << 20)));
        assert!(!std::ptr::eq(a, slot(Cost::Memory, 1 << 20)));
        assert!(std::ptr::eq(
            slot(Cost::Rows, usize::MAX),
            &SLOTS[2][BUCKETS - 1]
        ));
        assert!(std::ptr::eq(slot(Cost::Rows, 0), &SLOTS[2][0]));
    }
}
