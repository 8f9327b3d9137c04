//! Where a kernel reads and writes: out of place (`x` -> `y`) or in place. The loops over
//! vectors and the masked tail are written once here for both.

use pulp::Simd;

use super::{Binary, Unary};

/// A kernel's input and output, split and mapped the same way whether they alias or not.
pub(crate) trait Io: Sized + Send {
    /// Number of elements.
    fn len(&self) -> usize;
    /// Splits at element `mid` (as `slice::split_at`).
    fn split_at(self, mid: usize) -> (Self, Self);
    /// `y[i] = f(x[i])` for every element.
    fn map<S: Simd, F: Unary>(self, simd: S, f: F);
    /// `y[i] = f(x[i], param[i])` for every element; `param.len() == self.len()`.
    fn map_with<S: Simd, F: Binary>(self, simd: S, f: F, param: &[f32]);
}

/// Read `x`, write `y` (equal lengths).
pub(crate) struct OutOfPlace<'a> {
    pub(crate) x: &'a [f32],
    pub(crate) y: &'a mut [f32],
}

/// Read and write `x`.
pub(crate) struct InPlace<'a>(pub(crate) &'a mut [f32]);

impl Io for OutOfPlace<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.x.len()
    }

    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (x0, x1) = self.x.split_at(mid);
        let (y0, y1) = self.y.split_at_mut(mid);
        (OutOfPlace { x: x0, y: y0 }, OutOfPlace { x: x1, y: y1 })
    }

    #[inline(always)]
    fn map<S: Simd, F: Unary>(self, simd: S, f: F) {
        debug_assert_eq!(self.x.len(), self.y.len());
        let (xv, xt) = S::as_simd_f32s(self.x);
        let (yv, yt) = S::as_mut_simd_f32s(self.y);
        for (y, &x) in yv.iter_mut().zip(xv) {
            *y = f.apply(simd, x);
        }
        if !xt.is_empty() {
            simd.partial_store_f32s(yt, f.apply(simd, simd.partial_load_f32s(xt)));
        }
    }

    #[inline(always)]
    fn map_with<S: Simd, F: Binary>(self, simd: S, f: F, param: &[f32]) {
        debug_assert!(self.x.len() == self.y.len() && param.len() == self.x.len());
        let (xv, xt) = S::as_simd_f32s(self.x);
        let (pv, pt) = S::as_simd_f32s(param);
        let (yv, yt) = S::as_mut_simd_f32s(self.y);
        for ((y, &x), &p) in yv.iter_mut().zip(xv).zip(pv) {
            *y = f.apply(simd, x, p);
        }
        if !xt.is_empty() {
            let x = simd.partial_load_f32s(xt);
            let p = simd.partial_load_f32s(pt);
            simd.partial_store_f32s(yt, f.apply(simd, x, p));
        }
    }
}

impl Io for InPlace<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at_mut(mid);
        (InPlace(a), InPlace(b))
    }

    #[inline(always)]
    fn map<S: Simd, F: Unary>(self, simd: S, f: F) {
        let (v, t) = S::as_mut_simd_f32s(self.0);
        for x in v.iter_mut() {
            *x = f.apply(simd, *x);
        }
        if !t.is_empty() {
            let x = simd.partial_load_f32s(t);
            simd.partial_store_f32s(t, f.apply(simd, x));
        }
    }

    #[inline(always)]
    fn map_with<S: Simd, F: Binary>(self, simd: S, f: F, param: &[f32]) {
        debug_assert_eq!(param.len(), self.0.len());
        let (v, t) = S::as_mut_simd_f32s(self.0);
        let (pv, pt) = S::as_simd_f32s(param);
        for (x, &p) in v.iter_mut().zip(pv) {
            *x = f.apply(simd, *x, p);
        }
        if !t.is_empty() {
            let x = simd.partial_load_f32s(t);
            let p = simd.partial_load_f32s(pt);
            simd.partial_store_f32s(t, f.apply(simd, x, p));
        }
    }
}
