//! `sa_kernels`: the backend and threading policy of a call, as a small value.

use core::mem::MaybeUninit;

use sa::Kernels;

use crate::buffers::Buf;
use crate::enums::{raw, sa_backend};
use crate::status::{guard, guard_or, sa_status};

/// Threading: the automatic policy.
const AUTOMATIC: u32 = 0;
/// Threading: never split across threads.
const SEQUENTIAL: u32 = 1;
/// Threading: split every call from `min_len` elements on.
const FROM_LEN: u32 = 2;
/// The backend of a handle whose construction failed: every use is `SA_STATUS_INVALID_HANDLE`.
const NO_BACKEND: u32 = u32::MAX;

/// A handle on the kernels: the backend they run on and how they use threads. Every
/// operation takes one as its first argument.
///
/// Opaque: make one with `sa_kernels_new` or `sa_kernels_with_backend`, derive others with
/// `sa_kernels_sequential`, `sa_kernels_parallel_threshold` and
/// `sa_kernels_automatic_threading`, and do not read or write its fields. It is plain data
/// (no allocation, nothing to free): copy it, keep one per model or per thread, or share one
/// between any number of threads at once. An operation given a handle with garbage fields
/// returns `SA_STATUS_INVALID_HANDLE` (or `SA_STATUS_UNSUPPORTED_BACKEND` for a backend this
/// CPU lacks) and writes nothing.
///
/// Threading: a handle with the automatic policy (the default) may split a long call across
/// the threads of the library's rayon global pool (created on first use, one thread per
/// core), where that has timed faster; a sequential handle runs every call on the calling
/// thread only. Results are the same bits whatever the split.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct sa_kernels {
    /// Private: an `sa_backend` value.
    backend: u32,
    /// Private: the threading policy.
    threading: u32,
    /// Private: the length from which a `sa_kernels_parallel_threshold` handle splits.
    min_len: usize,
}

impl sa_kernels {
    /// The Rust handle, or why this one is invalid.
    pub(crate) fn kernels(self) -> Result<Kernels, sa_status> {
        let backend = sa_backend::from_c(self.backend)
            .map_err(|_| sa_status::SA_STATUS_INVALID_HANDLE)?
            .to_rust()
            .ok_or(sa_status::SA_STATUS_UNSUPPORTED_BACKEND)?;
        let k = Kernels::with_backend(backend)?;
        Ok(match self.threading {
            AUTOMATIC => k.automatic_threading(),
            SEQUENTIAL => k.sequential(),
            FROM_LEN => k.parallel_threshold(self.min_len),
            _ => return Err(sa_status::SA_STATUS_INVALID_HANDLE),
        })
    }

    /// The same backend with another threading policy.
    fn threading(self, threading: u32, min_len: usize) -> sa_kernels {
        sa_kernels {
            threading,
            min_len,
            ..self
        }
    }
}

/// A handle on the best backend of this CPU (`sa_backend_best`), with the automatic
/// threading policy.
#[unsafe(no_mangle)]
pub extern "C" fn sa_kernels_new() -> sa_kernels {
    let invalid = sa_kernels {
        backend: NO_BACKEND,
        threading: AUTOMATIC,
        min_len: 0,
    };
    guard_or(invalid, || sa_kernels {
        backend: sa_backend::from_rust(sa::Backend::best()) as u32,
        ..invalid
    })
}

/// A handle on the given backend, with the automatic threading policy, written to `*out`.
///
/// Errors (nothing written): `SA_STATUS_INVALID_ENUM` (no such backend),
/// `SA_STATUS_UNSUPPORTED_BACKEND` (this CPU or build cannot run it), `SA_STATUS_NULL_POINTER`,
/// `SA_STATUS_MISALIGNED`.
///
/// # Safety
/// `out` is NULL or points to a writable `sa_kernels`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_kernels_with_backend(
    backend: MaybeUninit<sa_backend>,
    out: *mut sa_kernels,
) -> sa_status {
    guard(|| {
        let b = sa_backend::from_c(raw(backend))?;
        let out = Buf::new(out, 1)?;
        let k = sa_kernels {
            backend: b as u32,
            threading: AUTOMATIC,
            min_len: 0,
        };
        k.kernels()?;
        // SAFETY: non-null and aligned (`Buf::new`), writable by this function's contract.
        unsafe { out.slice_mut()[0] = k };
        Ok(())
    })
}

/// The same handle, never using threads: every call runs on the calling thread and makes no
/// call into rayon.
#[unsafe(no_mangle)]
pub extern "C" fn sa_kernels_sequential(k: sa_kernels) -> sa_kernels {
    guard_or(k, || k.threading(SEQUENTIAL, 0))
}

/// The same handle, splitting every call of at least `min_len` elements (softmax:
/// `rows * cols`) across the threads of rayon's global pool, whatever the kernel.
#[unsafe(no_mangle)]
pub extern "C" fn sa_kernels_parallel_threshold(k: sa_kernels, min_len: usize) -> sa_kernels {
    guard_or(k, || k.threading(FROM_LEN, min_len))
}

/// The same handle with the automatic threading policy (the default): calls split across
/// threads from per-kernel lengths on (1 Mi elements for the transcendental functions, 4 Mi
/// for the ReLU family, 64 Ki for softmax), where splitting has timed faster.
#[unsafe(no_mangle)]
pub extern "C" fn sa_kernels_automatic_threading(k: sa_kernels) -> sa_kernels {
    guard_or(k, || k.threading(AUTOMATIC, 0))
}

/// Whether the handle never splits work across threads (made by `sa_kernels_sequential`).
#[unsafe(no_mangle)]
pub extern "C" fn sa_kernels_is_sequential(k: sa_kernels) -> bool {
    guard_or(false, || k.threading == SEQUENTIAL)
}

/// The backend of the handle, written to `*out`.
///
/// Errors (nothing written): `SA_STATUS_INVALID_HANDLE`, `SA_STATUS_UNSUPPORTED_BACKEND`,
/// `SA_STATUS_NULL_POINTER`, `SA_STATUS_MISALIGNED`.
///
/// # Safety
/// `out` is NULL or points to a writable `sa_backend`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sa_kernels_backend(k: sa_kernels, out: *mut sa_backend) -> sa_status {
    guard(|| {
        let b = sa_backend::from_rust(k.kernels()?.backend());
        let out = Buf::new(out, 1)?;
        // SAFETY: non-null and aligned (`Buf::new`), writable by this function's contract.
        unsafe { out.slice_mut()[0] = b };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles() {
        let k = sa_kernels_new();
        assert_eq!(k.kernels().unwrap().backend(), sa::Backend::best());
        assert!(!k.kernels().unwrap().is_sequential());
        let s = sa_kernels_sequential(k);
        assert!(sa_kernels_is_sequential(s));
        assert!(s.kernels().unwrap().is_sequential());
        assert!(!sa_kernels_is_sequential(sa_kernels_automatic_threading(s)));
        assert!(sa_kernels_parallel_threshold(k, 10).kernels().is_ok());
        let bad = sa_kernels {
            backend: 9,
            threading: 0,
            min_len: 0,
        };
        assert_eq!(
            bad.kernels().unwrap_err(),
            sa_status::SA_STATUS_INVALID_HANDLE
        );
        let bad = sa_kernels { threading: 7, ..k };
        assert_eq!(
            bad.kernels().unwrap_err(),
            sa_status::SA_STATUS_INVALID_HANDLE
        );
    }
}
