//! Every output depends on its own input only, never on the lanes beside it: on every one of
//! the 2^32 inputs, each kernel's second path gives the first path's bits.
//!
//! Several kernels choose per vector between two paths: a first path when every lane is in
//! the range where the formula needs no guard, and a second path that also handles the lanes
//! outside it (NaN, zeros and tiny inputs, overflow, underflow, saturation). An ordinary lane
//! must come out of the second path with the bits the first path gives it. Otherwise an output
//! would depend on its neighbours, and so on where the slice starts in memory (the aligned head
//! of the drivers), on how threads split it, and on the partial vector at its end (padded with
//! zeros). The exhaustive proof (`tests/exhaustive.rs`) and the digest sweep
//! (`tests/sweep_digests.rs`) run consecutive inputs, so nearly all of their vectors take the
//! path their own range chooses. This test proves that the choice does not matter.
//!
//! For every SIMD backend of this CPU (the scalar backend has one lane, so no neighbours), every
//! elementwise kernel ([`Kernel::all`]: the functions, their gradients with `dy = 1`, the two
//! gradients from the saved output) and every input `x`, two runs give the same bits:
//! - **alone**: `x` in a vector whose other lanes hold [`BENIGN`], which every kernel's first
//!   path accepts, so `x` takes the first path wherever it can. It sits in a different lane
//!   from one vector to the next, so every lane position is seen (across the inputs).
//! - **beside a NaN**: the pairs `x, NaN`, so that every vector holds a NaN, which sends every
//!   kernel that has a second path down it (each path's test treats NaN as outside: the
//!   negation of an ordered comparison, or an integer comparison of `|x|`'s bits).
//!
//! Which parts (`SA_LANES`, as `SA_DIGEST` in `tests/sweep_digests.rs`): unset (`cargo test
//! --release`) parts 15 and 48; `full` all 64; `parts:LIST` those. The full proof is run
//! before a change to a kernel lands (README section Development). Emulated
//! (`SA_SAMPLE_DIVISOR=k`, `.ci/aarch64`) it checks every `k`-th block of the parts.
//!
//! `SA_LANES=full cargo test --release --test lane_independence -- --nocapture`

mod common;

use std::time::Instant;

use common::{Kernel, PART_LEN};
use simd_activations::{Activation, Kernels};

/// A value inside every kernel's first path: `|1|` is above every kernel's tiny threshold and
/// below every overflow, saturation and clamp point, and `y = 1` is below the thresholds of the
/// gradients from the output (2 for sigmoid, 1.25 for tanh).
const BENIGN: f32 = 1.0;

/// Inputs per kernel call (per run: the alone run calls on `BLOCK * lanes` elements).
const BLOCK: usize = 1 << 12;

/// The largest vector, in bytes: buffers start at this alignment, so that vectors start at
/// multiples of the lane count and no aligned head shifts them.
const ALIGN: usize = 64;

/// A buffer of `len` floats starting at an [`ALIGN`]-byte boundary.
struct Aligned {
    buf: Vec<f32>,
    start: usize,
    len: usize,
}

impl Aligned {
    fn new(len: usize, value: f32) -> Self {
        let buf = vec![value; len + ALIGN / 4];
        let start = buf.as_ptr().align_offset(ALIGN);
        assert!(start < ALIGN / 4, "no {ALIGN}-byte boundary in the buffer");
        Aligned { buf, start, len }
    }
    fn get(&self) -> &[f32] {
        &self.buf[self.start..self.start + self.len]
    }
    fn get_mut(&mut self) -> &mut [f32] {
        &mut self.buf[self.start..self.start + self.len]
    }
}

/// The two layouts of a block of [`BLOCK`] consecutive inputs, their outputs, and `dy = 1`.
struct Layouts {
    lanes: usize,
    alone_x: Aligned,
    alone_y: Aligned,
    alone_dy: Aligned,
    pair_x: Aligned,
    pair_y: Aligned,
    pair_dy: Aligned,
}

impl Layouts {
    fn new(lanes: usize) -> Self {
        Layouts {
            lanes,
            alone_x: Aligned::new(BLOCK * lanes, BENIGN),
            alone_y: Aligned::new(BLOCK * lanes, 0.0),
            alone_dy: Aligned::new(BLOCK * lanes, 1.0),
            pair_x: Aligned::new(BLOCK * 2, f32::NAN),
            pair_y: Aligned::new(BLOCK * 2, 0.0),
            pair_dy: Aligned::new(BLOCK * 2, 1.0),
        }
    }

    /// Where input `i` sits in the alone layout: vector `i`, lane `i % lanes`.
    fn alone_index(&self, i: usize) -> usize {
        i * self.lanes + i % self.lanes
    }

    /// Lays out the inputs with bit patterns `first..first + BLOCK`.
    fn fill(&mut self, first: u64) {
        let x = |i: usize| f32::from_bits((first + i as u64) as u32);
        let lanes = self.lanes;
        for (i, v) in self.alone_x.get_mut().chunks_exact_mut(lanes).enumerate() {
            v.fill(BENIGN);
            v[i % lanes] = x(i);
        }
        for (i, v) in self.pair_x.get_mut().chunks_exact_mut(2).enumerate() {
            v[0] = x(i);
        }
    }

    /// Runs `kernel` on both layouts.
    fn run(&mut self, k: &Kernels, kernel: Kernel) {
        kernel.run(
            k,
            self.alone_x.get(),
            self.alone_dy.get(),
            self.alone_y.get_mut(),
        );
        kernel.run(
            k,
            self.pair_x.get(),
            self.pair_dy.get(),
            self.pair_y.get_mut(),
        );
    }

    /// The outputs for input `i`: alone, and beside a NaN.
    fn outputs(&self, i: usize) -> (f32, f32) {
        (
            self.alone_y.get()[self.alone_index(i)],
            self.pair_y.get()[2 * i],
        )
    }
}

/// The inputs of `part` (of every `every`-th block of it) where `kernel` on `k` (with `lanes`
/// lanes) gives different bits alone and beside a NaN: `(x, alone, beside a NaN)`, at most 8.
fn differences(
    k: &Kernels,
    lanes: usize,
    kernel: Kernel,
    part: usize,
    every: usize,
) -> Vec<(u32, u32, u32)> {
    let mut layouts = Layouts::new(lanes);
    let mut found = Vec::new();
    let start = part as u64 * PART_LEN;
    for first in (start..start + PART_LEN).step_by(BLOCK * every) {
        layouts.fill(first);
        layouts.run(k, kernel);
        for i in 0..BLOCK {
            let (a, b) = layouts.outputs(i);
            if a.to_bits() != b.to_bits() && found.len() < 8 {
                found.push(((first + i as u64) as u32, a.to_bits(), b.to_bits()));
            }
        }
    }
    found
}

#[test]
fn every_lane_gives_the_same_bits_alone_and_beside_a_nan() {
    let (parts, _) = common::selected_sweep_parts("SA_LANES", &[]);
    let every = common::sample_divisor();
    let kernels = Kernel::all();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (backend, k) in common::backends() {
        let lanes = backend.lanes();
        if lanes == 1 {
            println!("{backend}: one lane, no neighbours");
            continue;
        }
        assert_eq!(
            ALIGN % (lanes * 4),
            0,
            "{backend}: vectors wider than {ALIGN} bytes"
        );
        for &part in &parts {
            let t = Instant::now();
            let per_kernel = common::map_on_every_core(&kernels, |&kernel| {
                differences(&k, lanes, kernel, part, every)
                    .into_iter()
                    .map(|(x, a, b)| {
                        format!(
                            "{backend} {}: x = {:e} ({x:#010x}): alone {a:#010x}, \
                             beside a NaN {b:#010x}",
                            kernel.name(),
                            f32::from_bits(x)
                        )
                    })
                    .collect::<Vec<_>>()
            });
            let found: Vec<String> = per_kernel.into_iter().flatten().collect();
            println!(
                "{backend}: part {part:2}, {} kernels: {} in {:.1} s",
                kernels.len(),
                if found.is_empty() {
                    "the same bits".to_string()
                } else {
                    format!("{} differ", found.len())
                },
                t.elapsed().as_secs_f64()
            );
            failures.extend(found);
            checked += 1;
        }
    }
    if checked == 0 {
        println!("no SIMD backend on this CPU: nothing to check");
    }
    assert!(
        failures.is_empty(),
        "outputs that depend on their neighbours:\n{}",
        failures.join("\n")
    );
}

/// The comparison reads each input's own output in both layouts: ReLU returns positive inputs
/// as they are, so every output read must be its input (not a neighbour, [`BENIGN`] or the NaN).
#[test]
fn both_layouts_give_back_each_input_where_it_is_read() {
    for (backend, k) in common::backends() {
        if backend.lanes() == 1 {
            continue;
        }
        let mut layouts = Layouts::new(backend.lanes());
        let first = 15 * PART_LEN + 12_345;
        layouts.fill(first);
        layouts.run(&k, Kernel::Forward(Activation::Relu));
        for i in 0..BLOCK {
            let x = f32::from_bits((first + i as u64) as u32);
            assert_eq!(layouts.outputs(i), (x, x), "{backend}: input {i} ({x:e})");
        }
    }
}
