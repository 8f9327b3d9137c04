//! Every backend gives the recorded bits on every one of the 2^32 inputs: the proof of the NEON
//! backend on every input, by identity with the x86-64 backends that `tests/exhaustive.rs`
//! proves on every input against the f64 reference.
//!
//! Each elementwise kernel (every activation and its gradient with `dy = 1`, the two gradients
//! from the saved output) is run on all 2^32 bit patterns in [`PARTS`] parts of 2^26
//! consecutive patterns, and each part's output is digested. [`DIGESTS`] holds the digests,
//! recorded on x86-64: one row per kernel for the SIMD backends (AVX2, AVX-512 and NEON take the
//! same steps in the same order, with FMA: README section Backends) and one for the scalar
//! backend. A backend whose digests match has, on those inputs, exactly the outputs whose error
//! the x86-64 proof measured, so the bounds proven there hold for it on every input. Up to a
//! collision of the digest ([`Digest`]): one differing output in a part always shows, and
//! several escape with a chance of about 2^-32 at worst (all in one of its eight lanes). Where an
//! output is a NaN that arithmetic made (the gradients: `dy * NaN`, `inf * 0`) its sign and
//! payload are the hardware's, so the gradients' NaNs are digested as one canonical NaN, as in
//! `tests/bit_for_bit.rs`; the functions' NaNs are digested as they are.
//!
//! Which parts (`SA_DIGEST` in the environment):
//! - unset (`cargo test --release`): parts 15 and 48, the inputs `[2^-7, 2)` and
//!   `(-512, -2]`, where the transcendental kernels do their work (about 2^27 inputs per kernel);
//! - `full`: all 64 parts, every f32 (the NEON proof, emulated: `bash .ci/aarch64 sweep`);
//! - `parts:LIST`, a comma-separated list of parts and ranges of them (`parts:0-13,18,40-63`):
//!   those parts, so that a long emulated sweep can be split across runs or machines;
//! - `record`: every part on every backend of this machine, written to [`DIGESTS`] (x86-64
//!   only; after a change to a kernel, once `SA_PROOF=full` has proven it). With
//!   `SA_DIGEST_BACKENDS` it rewrites the rows of the backends named and keeps the others.
//!
//! `SA_DIGEST_BACKENDS=neon` (a comma-separated list) checks only the backends named. Each
//! part prints a line when it is done, so that a sweep stopped early still tells which parts
//! matched.
//!
//! Part `p` holds the bit patterns `p * 2^26 .. (p + 1) * 2^26`: sign `p / 32`, and the
//! exponents `8 (p % 32) ..= 8 (p % 32) + 7`.

mod common;

use common::{Kernel, PART_LEN, PARTS};

use std::collections::BTreeMap;
use std::time::Instant;

use simd_activations::{Backend, Kernels};

/// The recorded digests, relative to the crate's root.
const DIGESTS: &str = "tests/sweep_digests.txt";

/// Inputs per kernel call.
const BLOCK: usize = 1 << 14;

/// The row of [`DIGESTS`] a backend must match.
fn family(b: Backend) -> &'static str {
    if b == Backend::Scalar {
        "scalar"
    } else {
        "simd"
    }
}

/// A digest of a sequence of outputs: eight lanes of `h = mix((h ^ bits) * odd)` with
/// `mix(h) = h ^ (h >> 16)`, so that one differing output always changes its lane (each step
/// is a bijection of `h` for a given output, and of the output for a given `h`), folded into
/// 64 bits at the end. `mix` carries the high bits down: without it a difference in the sign
/// bit alone stays in the sign bit, and two of them in one lane (a `-0` for a `+0` twice)
/// would cancel.
struct Digest {
    lanes: [u32; 8],
    canonical_nan: bool,
}

impl Digest {
    /// An empty digest; with `canonical_nan`, every NaN counts as `0x7FC0_0000`.
    fn new(canonical_nan: bool) -> Self {
        Self {
            lanes: std::array::from_fn(|l| 0x243F_6A88 ^ (l as u32).wrapping_mul(0x85EB_CA6B)),
            canonical_nan,
        }
    }

    /// Takes in `y`, whose length is a multiple of 8.
    fn update(&mut self, y: &[f32]) {
        assert_eq!(y.len() % self.lanes.len(), 0);
        for c in y.chunks_exact(self.lanes.len()) {
            for (h, v) in self.lanes.iter_mut().zip(c) {
                // The NaN test on the bits: integer work, which qemu emulates much faster than
                // a floating-point compare.
                let bits = if self.canonical_nan && v.to_bits() & 0x7FFF_FFFF > 0x7F80_0000 {
                    0x7FC0_0000
                } else {
                    v.to_bits()
                };
                let m = (*h ^ bits).wrapping_mul(0x9E37_79B1);
                *h = m ^ (m >> 16);
            }
        }
    }

    fn finish(&self) -> u64 {
        self.lanes.iter().fold(0xCBF2_9CE4_8422_2325, |d, &h| {
            (d ^ u64::from(h))
                .wrapping_mul(0x100_0000_01B3)
                .rotate_left(29)
        })
    }
}

/// The digest of `kernel`'s outputs on part `part` through handle `k`.
fn digest_part(k: &Kernels, kernel: Kernel, part: usize) -> u64 {
    let mut x = vec![0.0_f32; BLOCK];
    let mut y = vec![0.0_f32; BLOCK];
    let ones = vec![1.0_f32; BLOCK];
    let mut digest = Digest::new(kernel.canonical_nan());
    let start = part as u64 * PART_LEN;
    for block in (start..start + PART_LEN).step_by(BLOCK) {
        for (i, v) in x.iter_mut().enumerate() {
            *v = f32::from_bits((block + i as u64) as u32);
        }
        kernel.run(k, &x, &ones, &mut y);
        digest.update(&y);
    }
    digest.finish()
}

/// The digest sees every output: any one changed bit changes it, and a NaN's sign and payload
/// only where it is to.
#[test]
fn the_digest_sees_every_output() {
    let y = common::mixed_inputs(4096, 7);
    let digest = |y: &[f32], canonical| {
        let mut d = Digest::new(canonical);
        d.update(y);
        d.finish()
    };
    let mut rng = common::Rng(11);
    for _ in 0..2000 {
        let mut z = y.clone();
        let i = rng.below(z.len());
        z[i] = f32::from_bits(z[i].to_bits() ^ (1 << rng.below(32)));
        let same_nan = z[i].is_nan() && y[i].is_nan();
        assert_ne!(digest(&y, false), digest(&z, false), "element {i}");
        assert_eq!(
            digest(&y, true) == digest(&z, true),
            same_nan,
            "element {i}"
        );
    }
    // Order matters too: two outputs swapped.
    let mut z = y.clone();
    let (i, j) = (8, 9);
    assert_ne!(z[i].to_bits(), z[j].to_bits());
    z.swap(i, j);
    assert_ne!(digest(&y, false), digest(&z, false));
    // Differences that a digest without the mix would cancel: the sign of several outputs of
    // one lane, and a run of `-0` for `+0`.
    for flips in 2..40 {
        let mut z = y.clone();
        for k in 0..flips {
            z[8 * k * 7 + 3] = -z[8 * k * 7 + 3];
        }
        assert_ne!(digest(&y, false), digest(&z, false), "{flips} sign flips");
    }
    let zeros = vec![0.0_f32; 4096];
    for run in [2, 16, 1024, 4096] {
        let mut z = zeros.clone();
        z[..run].fill(-0.0);
        assert_ne!(digest(&zeros, false), digest(&z, false), "{run} zeros");
    }
}

/// The parts `SA_DIGEST` selects (module docs), and whether to record.
fn selected_parts() -> (Vec<usize>, bool) {
    let (parts, word) = common::selected_sweep_parts("SA_DIGEST", &["record"]);
    (parts, word.is_some())
}

/// [`DIGESTS`] parsed: `(family, kernel)` to its 64 digests.
fn recorded() -> BTreeMap<(String, String), Vec<u64>> {
    let path = format!("{}/{DIGESTS}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut map = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut words = line.split_whitespace();
        let (Some(family), Some(kernel)) = (words.next(), words.next()) else {
            panic!("{DIGESTS}: a line without family and kernel: {line}")
        };
        let digests: Vec<u64> = words
            .map(|w| u64::from_str_radix(w, 16).expect("a hex digest"))
            .collect();
        assert_eq!(digests.len(), PARTS, "{DIGESTS}: {family} {kernel}");
        map.insert((family.to_string(), kernel.to_string()), digests);
    }
    map
}

/// The digests of `kernels` on `part` through `k`, computed on every core.
fn digest_kernels(k: Kernels, kernels: &[Kernel], part: usize) -> Vec<u64> {
    common::map_on_every_core(kernels, |&kernel| digest_part(&k, kernel, part))
}

/// The backends to check: every one this CPU supports, or those `SA_DIGEST_BACKENDS` names
/// (`neon`, or `neon,scalar`: the emulated NEON sweep need not repeat the scalar one).
fn selected_backends() -> Vec<(Backend, Kernels)> {
    let all = common::backends();
    let Ok(names) = std::env::var("SA_DIGEST_BACKENDS") else {
        return all;
    };
    let wanted: Vec<&str> = names.split(',').map(str::trim).collect();
    for w in &wanted {
        // A named backend this CPU lacks fails: a sweep that checked nothing must not pass.
        assert!(
            all.iter().any(|(b, _)| b.to_string() == *w),
            "SA_DIGEST_BACKENDS={names}: {w} is not a backend this CPU supports"
        );
    }
    all.into_iter()
        .filter(|(b, _)| wanted.contains(&b.to_string().as_str()))
        .collect()
}

#[test]
fn every_backend_gives_the_recorded_bits() {
    let (parts, record) = selected_parts();
    let kernels = Kernel::all();
    let want = recorded();
    let backends = selected_backends();
    if record {
        let has = |b| backends.iter().any(|&(c, _)| c == b);
        assert!(
            cfg!(target_arch = "x86_64")
                && (has(Backend::Avx2) || backends.iter().all(|&(b, _)| b == Backend::Scalar)),
            "record on x86-64, where tests/exhaustive.rs proves the kernels on every input, the \
             SIMD rows from AVX2 (AVX-512 must agree with it)"
        );
    }
    if !record {
        // Before hours of emulated work: every row there?
        let missing: Vec<String> = backends
            .iter()
            .flat_map(|&(b, _)| kernels.iter().map(move |k| (family(b), k.name())))
            .filter(|(f, k)| !want.contains_key(&(f.to_string(), k.clone())))
            .map(|(f, k)| format!("{k} ({f}): no row in {DIGESTS}; record it (module docs)"))
            .collect();
        common::assert_no_failures(&missing);
    }
    // Recording, the rows of the families not recorded stay.
    let recorded_families: Vec<&str> = backends.iter().map(|&(b, _)| family(b)).collect();
    let mut rows: BTreeMap<(String, String), Vec<Option<u64>>> = want
        .iter()
        .filter(|((f, _), _)| !recorded_families.contains(&f.as_str()))
        .map(|(key, row)| (key.clone(), row.iter().copied().map(Some).collect()))
        .collect();
    let mut failures = Vec::new();
    for &(b, k) in &backends {
        for &part in &parts {
            let start = Instant::now();
            let got = digest_kernels(k, &kernels, part);
            let (lo, hi) = (part as u64 * PART_LEN, (part as u64 + 1) * PART_LEN - 1);
            let before = failures.len();
            for (kernel, d) in kernels.iter().zip(got) {
                let key = (family(b).to_string(), kernel.name());
                if record {
                    let row = rows.entry(key.clone()).or_insert_with(|| vec![None; PARTS]);
                    // Two backends of one family (AVX2 and AVX-512) must agree.
                    if row[part].is_some_and(|r| r != d) {
                        failures.push(format!(
                            "{} part {part}: {b} differs from the other {} backend",
                            key.1, key.0
                        ));
                    }
                    row[part] = Some(d);
                    continue;
                }
                let row = &want[&key];
                if row[part] != d {
                    failures.push(format!(
                        "{} on {b}: part {part} (bits {lo:#010x} to {hi:#010x}) digests to \
                         {d:016x}, recorded {:016x}",
                        key.1, row[part]
                    ));
                }
            }
            println!(
                "{b}: part {part:2} (bits {lo:#010x} to {hi:#010x}), {} kernels: {} in {:.1} s",
                kernels.len(),
                match failures.len() - before {
                    _ if record => "recorded".to_string(),
                    0 => "all match".to_string(),
                    n => format!("{n} differ"),
                },
                start.elapsed().as_secs_f64()
            );
        }
    }
    common::assert_no_failures(&failures);
    if record {
        write_digests(&rows);
    }
}

/// Writes [`DIGESTS`], keeping its comment lines.
fn write_digests(rows: &BTreeMap<(String, String), Vec<Option<u64>>>) {
    let path = format!("{}/{DIGESTS}", env!("CARGO_MANIFEST_DIR"));
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut text: String = old
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    for ((family, kernel), digests) in rows {
        let hex: Vec<String> = digests
            .iter()
            .map(|d| format!("{:016x}", d.expect("every part recorded")))
            .collect();
        text.push_str(&format!("{family} {kernel} {}\n", hex.join(" ")));
    }
    std::fs::write(&path, text).unwrap();
    println!("wrote {path}");
}
