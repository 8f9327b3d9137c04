//! Instruction-set backends: which ones exist, which this CPU runs, and the mapping to `pulp`.

use core::fmt;

use crate::Error;

/// An instruction-set level the kernels can run on.
///
/// The kernels are written once, generic over lane width; a backend chooses the width and the
/// instructions. `Avx2` and `Avx512` give bit-identical results: they compute the same values
/// in the same order, except that AVX-512 scales by `2^n` in `exp` with one `vscalefps` where
/// AVX2 uses two exact multiplications, and both round the same exact value once. `Scalar`
/// (one lane, no FMA) evaluates the fused steps unfused and takes a two-constant range
/// reduction where one constant would lose accuracy without FMA; its results can differ from
/// the SIMD backends' by an ULP, within the same proven bounds.
///
/// Bit identity (across backends, thread splits and architectures) covers every result except
/// the sign and payload of a NaN: where a NaN meets another NaN, or arithmetic makes one
/// (`inf * 0`), the result is NaN everywhere, but which operand's payload it carries, or the
/// hardware's default NaN, can differ (the bounds promise NaN there, not its bits).
///
/// ```
/// use simd_activations::Backend;
///
/// let best = Backend::best();
/// assert!(best.is_supported());
/// assert!(Backend::supported().contains(&Backend::Scalar));
/// println!("running on {best}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Portable code, one `f32` at a time. Always available.
    Scalar,
    /// x86-64-v3: 256-bit AVX2 with FMA (8 lanes).
    Avx2,
    /// x86-64-v4: 512-bit AVX-512 F/BW/CD/DQ/VL (16 lanes).
    Avx512,
    /// AArch64 NEON (4 lanes). Only on aarch64 targets.
    #[cfg(target_arch = "aarch64")]
    Neon,
}

impl Backend {
    /// Every backend this build knows, from the narrowest to the widest.
    pub const ALL: &'static [Backend] = &[
        Backend::Scalar,
        Backend::Avx2,
        Backend::Avx512,
        #[cfg(target_arch = "aarch64")]
        Backend::Neon,
    ];

    /// The fastest backend this CPU supports.
    ///
    /// When the build already guarantees the instruction set (for example with
    /// `-C target-cpu=native` on an AVX-512 machine) no run-time detection happens.
    pub fn best() -> Backend {
        Backend::ALL
            .iter()
            .rev()
            .copied()
            .find(|b| b.is_supported())
            .unwrap_or(Backend::Scalar)
    }

    /// Whether this CPU (and this build's target) can run the backend.
    pub fn is_supported(self) -> bool {
        self.arch().is_some()
    }

    /// Every backend this CPU supports, from the narrowest to the widest (a new `Vec`: the
    /// crate's only allocating function outside the opt-in `testing` feature).
    pub fn supported() -> Vec<Backend> {
        Backend::ALL
            .iter()
            .copied()
            .filter(|b| b.is_supported())
            .collect()
    }

    /// Number of `f32` lanes in one vector register of this backend.
    pub fn lanes(self) -> usize {
        match self {
            Backend::Scalar => 1,
            Backend::Avx2 => 8,
            Backend::Avx512 => 16,
            #[cfg(target_arch = "aarch64")]
            Backend::Neon => 4,
        }
    }

    /// Short lower-case name (`"scalar"`, `"avx2"`, `"avx512"`, `"neon"`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
            #[cfg(target_arch = "aarch64")]
            Backend::Neon => "neon",
        }
    }

    /// The `pulp` dispatcher for this backend, if this CPU can run it.
    pub(crate) fn arch(self) -> Option<pulp::Arch> {
        match self {
            Backend::Scalar => Some(pulp::Arch::Scalar),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => x86::v3().map(pulp::Arch::V3),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => x86::v4().map(pulp::Arch::V4),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 | Backend::Avx512 => None,
            #[cfg(target_arch = "aarch64")]
            Backend::Neon => pulp::aarch64::Neon::try_new().map(pulp::Arch::Neon),
        }
    }

    /// The `pulp` dispatcher, or the error a user sees for an unsupported backend.
    pub(crate) fn require_arch(self) -> Result<pulp::Arch, Error> {
        self.arch().ok_or(Error::UnsupportedBackend(self))
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Capability tokens for x86-64. When `build.rs` saw the target features enabled at compile
/// time it emits `simd_activations_static_v3` / `_v4`, and the tokens are built without any
/// CPUID query.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use pulp::x86::{V3, V4};

    #[cfg(simd_activations_static_v3)]
    pub(super) fn v3() -> Option<V3> {
        // SAFETY: build.rs emits `simd_activations_static_v3` only when every x86-64-v3 target
        // feature is enabled for the whole build, so every CPU this binary runs on has them.
        Some(unsafe { V3::new_unchecked() })
    }

    #[cfg(not(simd_activations_static_v3))]
    pub(super) fn v3() -> Option<V3> {
        V3::try_new()
    }

    #[cfg(simd_activations_static_v4)]
    pub(super) fn v4() -> Option<V4> {
        // SAFETY: as for `v3`, with every x86-64-v4 target feature enabled for the build.
        Some(unsafe { V4::new_unchecked() })
    }

    #[cfg(not(simd_activations_static_v4))]
    pub(super) fn v4() -> Option<V4> {
        V4::try_new()
    }
}
