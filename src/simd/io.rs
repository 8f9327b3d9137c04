//! Where a kernel reads and writes: out of place (`x` -> `y`) or in place. The walk over full
//! vectors and the masked tail is written once per layout (`Io::for_each_vector`); the kernels'
//! loops (`map`, `map_with`, `map_cyclic`) are written once on top of it.

use pulp::Simd;

use super::{Binary, Unary};

/// What `Io::for_each_vector` computes for vector `i` of the input.
///
/// A trait rather than a closure: closures cannot be marked `#[inline(always)]` on stable
/// Rust, and one that is not inlined is compiled without the dispatched target features
/// (measured: 50x slower).
pub(crate) trait VectorFn<S: Simd> {
    fn call(&mut self, simd: S, x: S::f32s, i: usize) -> S::f32s;
}

/// A kernel's input and output, split and walked the same way whether they alias or not.
pub(crate) trait Io: Sized + Send {
    /// Number of elements.
    fn len(&self) -> usize;

    /// Splits at element `mid` (as `slice::split_at`).
    fn split_at(self, mid: usize) -> (Self, Self);

    /// For every vector `v` of the input, in order, stores `g(v, i)` at the same place of the
    /// output, where `i` counts the vectors; a last partial vector is loaded with zeros in the
    /// absent lanes and stored partially.
    fn for_each_vector<S: Simd, G: VectorFn<S>>(self, simd: S, g: G);

    /// The byte offset of the input and of the output modulo `align` (a power of two), if
    /// the two agree; `None` if they differ.
    fn shared_misalignment(&self, align: usize) -> Option<usize>;

    /// `y[i] = f(x[i])` for every element.
    ///
    /// When the input and the output are equally misaligned, a short head (one partial
    /// vector) goes first, so that every full vector is loaded and stored aligned: on the
    /// development machine a vector that straddles two cache lines costs almost a cache access
    /// more, and the ReLU family in L1 runs at 46-48 instead of 32 Gelem/s aligned. (Elementwise
    /// results do not depend on how elements are grouped into vectors; the kernels with
    /// per-position parameters, `map_with` and `map_cyclic`, keep the plain walk.)
    #[inline(always)]
    fn map<S: Simd, F: Unary>(self, simd: S, f: F) {
        let vector_bytes = core::mem::size_of::<S::f32s>();
        let head = match self.shared_misalignment(vector_bytes) {
            // `off` is a multiple of 4: an `f32` slice is 4-byte aligned.
            Some(off) if off != 0 => (vector_bytes - off) / 4,
            _ => 0,
        };
        if head > 0 && self.len() > head {
            let (head, body) = self.split_at(head);
            head.for_each_vector(simd, Map(f));
            body.for_each_vector(simd, Map(f));
        } else {
            self.for_each_vector(simd, Map(f));
        }
    }

    /// `y[i] = f(x[i], param[i])` for every element; `param.len() == self.len()`.
    #[inline(always)]
    fn map_with<S: Simd, F: Binary>(self, simd: S, f: F, param: &[f32]) {
        debug_assert_eq!(param.len(), self.len());
        let (vectors, tail) = S::as_simd_f32s(param);
        self.for_each_vector(simd, MapWith { f, vectors, tail });
    }

    /// `f(x, p)` where the parameter vectors `params` repeat cyclically along the input:
    /// vector `i` of the input uses `params[i % params.len()]` (`params` is not empty).
    #[inline(always)]
    fn map_cyclic<S: Simd, F: Binary>(self, simd: S, f: F, params: &[S::f32s]) {
        match *params {
            // A period that divides the lane count: one parameter vector for all.
            [p] => self.for_each_vector(simd, MapConst { f, p }),
            _ => self.for_each_vector(simd, MapCyclic { f, params, next: 0 }),
        }
    }
}

struct Map<F>(F);

impl<S: Simd, F: Unary> VectorFn<S> for Map<F> {
    #[inline(always)]
    fn call(&mut self, simd: S, x: S::f32s, _: usize) -> S::f32s {
        self.0.apply(simd, x)
    }
}

struct MapWith<'a, F, V> {
    f: F,
    vectors: &'a [V],
    tail: &'a [f32],
}

impl<S: Simd, F: Binary> VectorFn<S> for MapWith<'_, F, S::f32s> {
    #[inline(always)]
    fn call(&mut self, simd: S, x: S::f32s, i: usize) -> S::f32s {
        let p = match self.vectors.get(i) {
            Some(&p) => p,
            None => simd.partial_load_f32s(self.tail),
        };
        self.f.apply(simd, x, p)
    }
}

struct MapConst<F, V> {
    f: F,
    p: V,
}

impl<S: Simd, F: Binary> VectorFn<S> for MapConst<F, S::f32s> {
    #[inline(always)]
    fn call(&mut self, simd: S, x: S::f32s, _: usize) -> S::f32s {
        self.f.apply(simd, x, self.p)
    }
}

struct MapCyclic<'a, F, V> {
    f: F,
    params: &'a [V],
    next: usize,
}

impl<S: Simd, F: Binary> VectorFn<S> for MapCyclic<'_, F, S::f32s> {
    #[inline(always)]
    fn call(&mut self, simd: S, x: S::f32s, _: usize) -> S::f32s {
        let y = self.f.apply(simd, x, self.params[self.next]);
        self.next += 1;
        if self.next == self.params.len() {
            self.next = 0;
        }
        y
    }
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
    fn shared_misalignment(&self, align: usize) -> Option<usize> {
        let x = self.x.as_ptr() as usize % align;
        let y = self.y.as_ptr() as usize % align;
        (x == y).then_some(x)
    }

    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (x0, x1) = self.x.split_at(mid);
        let (y0, y1) = self.y.split_at_mut(mid);
        (OutOfPlace { x: x0, y: y0 }, OutOfPlace { x: x1, y: y1 })
    }

    #[inline(always)]
    fn for_each_vector<S: Simd, G: VectorFn<S>>(self, simd: S, mut g: G) {
        debug_assert_eq!(self.x.len(), self.y.len());
        let (xv, xt) = S::as_simd_f32s(self.x);
        let (yv, yt) = S::as_mut_simd_f32s(self.y);
        if core::mem::size_of::<S::f32s>() < 64 {
            // Narrower vectors: the plain loop. (The pipelined one below is not vectorized by
            // the compiler on the one-lane backend, 10-30% slower, and on AVX2 it measured
            // both faster and slower than this one, depending on the kernel and the layout.)
            for (i, (y, &x)) in yv.iter_mut().zip(xv).enumerate() {
                *y = g.call(simd, x, i);
            }
        } else if let Some((&first, ahead)) = xv.split_first() {
            // Each input vector is loaded before the previous result is stored: when `y`
            // starts just after `x` modulo 4 KiB (as with two buffers allocated one after the
            // other, 16 bytes of allocator header apart), a load issued after a store to the
            // same low address bits waits for it ("4K aliasing"). Measured on AVX-512 in L1
            // with `y` 16 or 64 bytes after `x`: ReLU 38-47 instead of 28-29 Gelem/s, no
            // loss at other distances, and the transcendental kernels gain 5-7%. (The order
            // is the compiler's to keep: `x` and `y` do not alias, so it could sink the load;
            // it did not in the builds measured, and the report example shows a regression.)
            let mut x = first;
            let last = yv.len() - 1;
            for (i, (y, &next)) in yv.iter_mut().zip(ahead).enumerate() {
                *y = g.call(simd, x, i);
                x = next;
            }
            yv[last] = g.call(simd, x, last);
        }
        if !xt.is_empty() {
            simd.partial_store_f32s(yt, g.call(simd, simd.partial_load_f32s(xt), xv.len()));
        }
    }
}

impl Io for InPlace<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline(always)]
    fn shared_misalignment(&self, align: usize) -> Option<usize> {
        Some(self.0.as_ptr() as usize % align)
    }

    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at_mut(mid);
        (InPlace(a), InPlace(b))
    }

    #[inline(always)]
    fn for_each_vector<S: Simd, G: VectorFn<S>>(self, simd: S, mut g: G) {
        let (v, t) = S::as_mut_simd_f32s(self.0);
        let full = v.len();
        for (i, x) in v.iter_mut().enumerate() {
            *x = g.call(simd, *x, i);
        }
        if !t.is_empty() {
            let x = simd.partial_load_f32s(t);
            simd.partial_store_f32s(t, g.call(simd, x, full));
        }
    }
}
