//! Buffers from C: checked (null, alignment, size, overlap) before any slice exists, then
//! turned into slices in one place.
//!
//! Building a `&[f32]` and a `&mut [f32]` that share memory is undefined behaviour in Rust, so
//! every entry point checks its buffers with [`Buf::new`], [`pair`] and [`disjoint`] first,
//! and only then calls [`Buf::slice`] / [`Buf::slice_mut`]: an output either is exactly an
//! input (the in-place form is called, with one `&mut` slice) or shares no byte with any
//! input.

use core::ptr::NonNull;

use crate::status::sa_status;

/// A buffer of `len` elements of `T` handed over by C, checked: not null unless empty, aligned
/// for `T`, and no more than `isize::MAX` bytes that do not wrap around the address space.
/// Holding one creates no reference: it is a pointer and a length.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Buf<T> {
    ptr: NonNull<T>,
    len: usize,
}

impl<T> Buf<T> {
    /// Checks a buffer. An empty buffer may be null (or anything: it is never read).
    pub(crate) fn new(ptr: *const T, len: usize) -> Result<Buf<T>, sa_status> {
        if len == 0 {
            return Ok(Buf {
                ptr: NonNull::dangling(),
                len: 0,
            });
        }
        let Some(nn) = NonNull::new(ptr.cast_mut()) else {
            return Err(sa_status::SA_STATUS_NULL_POINTER);
        };
        if ptr.addr() % align_of::<T>() != 0 {
            return Err(sa_status::SA_STATUS_MISALIGNED);
        }
        let bytes = len
            .checked_mul(size_of::<T>())
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or(sa_status::SA_STATUS_TOO_LARGE)?;
        if ptr.addr().checked_add(bytes).is_none() {
            return Err(sa_status::SA_STATUS_TOO_LARGE);
        }
        Ok(Buf { ptr: nn, len })
    }

    /// Its bytes, `start..end` (empty for an empty buffer).
    pub(crate) fn span(&self) -> Span {
        let start = self.ptr.as_ptr().addr();
        Span {
            start,
            end: start + self.len * size_of::<T>(),
        }
    }

    /// The buffer as a shared slice.
    ///
    /// # Safety
    /// The caller of the entry point promised that the pointer is valid for reads of `len`
    /// elements for the duration of the call (the header's contract), and no `&mut` slice
    /// built during the call overlaps it (checked by [`pair`] and [`disjoint`]).
    pub(crate) unsafe fn slice<'a>(self) -> &'a [T] {
        // SAFETY: non-null, aligned and at most isize::MAX bytes (checked by `new`; a dangling
        // pointer for an empty buffer), valid for reads and not mutated through any other
        // reference during the call (this function's contract).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The buffer as a mutable slice.
    ///
    /// # Safety
    /// As [`Buf::slice`], for reads and writes, and no other slice built during the call
    /// overlaps it.
    pub(crate) unsafe fn slice_mut<'a>(self) -> &'a mut [T] {
        // SAFETY: as in `slice`; in addition no other reference to these bytes exists during
        // the call (this function's contract).
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

/// A byte range `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: usize,
    end: usize,
}

impl Span {
    /// Whether the two ranges share a byte (an empty range shares none).
    fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// How an output relates to the input it may replace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pair {
    /// The output is exactly the input (same address, same length): in place.
    Same,
    /// They share no byte.
    Separate,
}

/// Classifies an output against the input that it may overwrite in place: the same buffer,
/// disjoint buffers, or [`sa_status::SA_STATUS_OVERLAP`] for a partial overlap.
pub(crate) fn pair<T, U>(input: &Buf<T>, output: &Buf<U>) -> Result<Pair, sa_status> {
    let (i, o) = (input.span(), output.span());
    if i == o && i.start != i.end {
        Ok(Pair::Same)
    } else if i.overlaps(o) {
        Err(sa_status::SA_STATUS_OVERLAP)
    } else {
        Ok(Pair::Separate)
    }
}

/// [`sa_status::SA_STATUS_OVERLAP`] if the output shares a byte with any of `inputs`.
pub(crate) fn disjoint(output: Span, inputs: &[Span]) -> Result<(), sa_status> {
    if inputs.iter().any(|&i| i.overlaps(output)) {
        Err(sa_status::SA_STATUS_OVERLAP)
    } else {
        Ok(())
    }
}

/// An input and an output of the same type and length, checked: the same buffer (in place)
/// or disjoint.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InOut<T> {
    x: Buf<T>,
    y: Buf<T>,
    pair: Pair,
}

/// The slices of an [`InOut`].
pub(crate) enum Io<'a, T> {
    /// `x == y`: the one buffer, to be overwritten.
    InPlace(&'a mut [T]),
    /// Separate `x` and `y`.
    Separate(&'a [T], &'a mut [T]),
}

impl<T> InOut<T> {
    /// Checks `x` and `y`, both of `n` elements.
    pub(crate) fn new(x: *const T, y: *mut T, n: usize) -> Result<InOut<T>, sa_status> {
        let (x, y) = (Buf::new(x, n)?, Buf::new(y, n)?);
        let pair = pair(&x, &y)?;
        Ok(InOut { x, y, pair })
    }

    /// The output's bytes (to check it against the other inputs with [`disjoint`]).
    pub(crate) fn out(&self) -> Span {
        self.y.span()
    }

    /// The slices.
    ///
    /// # Safety
    /// As [`Buf::slice_mut`] for `y` and [`Buf::slice`] for `x`: the C contract holds and no
    /// other `&mut` slice of the call overlaps them.
    pub(crate) unsafe fn slices<'a>(self) -> Io<'a, T> {
        // SAFETY: this function's contract; `x` and `y` are the same buffer (only the `&mut`
        // slice is built) or disjoint (checked by `pair`).
        unsafe {
            match self.pair {
                Pair::Same => Io::InPlace(self.y.slice_mut()),
                Pair::Separate => Io::Separate(self.x.slice(), self.y.slice_mut()),
            }
        }
    }
}

/// A read-only input `a`, an input `b` that the output may replace, and the output, all of
/// `n` floats (a gradient's `x`, `dy`, `dx`; a gated unit's `gate`, `up`, `y`), checked: the
/// output is `b` exactly or disjoint from it, and disjoint from `a` (`a` and `b` may overlap:
/// both are only read).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Triple {
    a: Buf<f32>,
    b: InOut<f32>,
}

/// The slices of a [`Triple`].
pub(crate) enum Io3<'a> {
    /// The output is `b`: `a` and the buffer to overwrite.
    InPlace(&'a [f32], &'a mut [f32]),
    /// `a`, `b` and a separate output.
    Separate(&'a [f32], &'a [f32], &'a mut [f32]),
}

impl Triple {
    /// Checks the three buffers.
    pub(crate) fn new(
        a: *const f32,
        b: *const f32,
        out: *mut f32,
        n: usize,
    ) -> Result<Triple, sa_status> {
        let a = Buf::new(a, n)?;
        let b = InOut::new(b, out, n)?;
        disjoint(b.out(), &[a.span()])?;
        Ok(Triple { a, b })
    }

    /// The output's bytes.
    pub(crate) fn out(&self) -> Span {
        self.b.out()
    }

    /// The input `a`'s bytes.
    pub(crate) fn a(&self) -> Span {
        self.a.span()
    }

    /// The slices.
    ///
    /// # Safety
    /// As [`InOut::slices`], and the same for `a`.
    pub(crate) unsafe fn slices<'a>(self) -> Io3<'a> {
        // SAFETY: this function's contract; the output is disjoint from `a` (checked by `new`).
        unsafe {
            let a = self.a.slice();
            match self.b.slices() {
                Io::InPlace(b) => Io3::InPlace(a, b),
                Io::Separate(b, out) => Io3::Separate(a, b, out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_misaligned_and_empty() {
        assert_eq!(
            Buf::<f32>::new(core::ptr::null(), 1).unwrap_err(),
            sa_status::SA_STATUS_NULL_POINTER
        );
        assert!(Buf::<f32>::new(core::ptr::null(), 0).is_ok());
        let v = [0.0_f32; 4];
        let odd = v.as_ptr().cast::<u8>().wrapping_add(1).cast::<f32>();
        assert_eq!(
            Buf::new(odd, 2).unwrap_err(),
            sa_status::SA_STATUS_MISALIGNED
        );
        assert_eq!(
            Buf::new(v.as_ptr(), usize::MAX / 2).unwrap_err(),
            sa_status::SA_STATUS_TOO_LARGE
        );
    }

    #[test]
    fn pairs() {
        let v = [0.0_f32; 8];
        let p = v.as_ptr();
        let b = |off: usize, len: usize| Buf::new(p.wrapping_add(off), len).unwrap();
        assert_eq!(pair(&b(0, 4), &b(0, 4)), Ok(Pair::Same));
        assert_eq!(pair(&b(0, 4), &b(4, 4)), Ok(Pair::Separate));
        assert_eq!(pair(&b(0, 4), &b(1, 4)), Err(sa_status::SA_STATUS_OVERLAP));
        assert_eq!(pair(&b(0, 4), &b(0, 3)), Err(sa_status::SA_STATUS_OVERLAP));
        assert_eq!(pair(&b(0, 0), &b(0, 0)), Ok(Pair::Separate));
        assert_eq!(disjoint(b(0, 4).span(), &[b(4, 2).span()]), Ok(()));
        assert_eq!(
            disjoint(b(0, 4).span(), &[b(3, 2).span()]),
            Err(sa_status::SA_STATUS_OVERLAP)
        );
    }
}
