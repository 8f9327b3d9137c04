//! Where a kernel reads and writes: out of place (`x` -> `y`) or in place, with or without a
//! second input stream read in lockstep (a PReLU slope stream; a gradient's `dy`).
//!
//! The walk over full vectors and the masked tail is written once per layout
//! (`Io::for_each_vector`), for one or two inputs alike; the kernels' loops (`map`,
//! `map_const`) are written once on top of it.

use pulp::Simd;

use super::{Binary, Unary};

/// The input streams read beside the main one, in lockstep with it: none (`()`) or one slice.
pub(crate) trait Side: Copy + Send + Sync {
    /// What one vector of the side streams is (`()` or `S::f32s`).
    type Vector<S: Simd>: Copy;
    /// Splits at element `mid`.
    fn split_at(self, mid: usize) -> (Self, Self);
    /// The full vectors, in order, and the remaining elements.
    fn vectors<S: Simd>(self) -> (impl Iterator<Item = Self::Vector<S>>, Self);
    /// The full vectors two by two, the last full vector if their number is odd, and the
    /// remaining elements.
    #[allow(clippy::type_complexity)]
    fn vector_pairs<S: Simd>(
        self,
    ) -> (
        impl Iterator<Item = (Self::Vector<S>, Self::Vector<S>)>,
        Option<Self::Vector<S>>,
        Self,
    );
    /// The remaining elements (fewer than a vector) loaded with zeros in the absent lanes.
    fn partial<S: Simd>(self, simd: S) -> Self::Vector<S>;
    /// The number of elements, if there is a stream.
    fn len(&self) -> Option<usize>;
}

impl Side for () {
    type Vector<S: Simd> = ();
    #[inline(always)]
    fn split_at(self, _: usize) -> ((), ()) {
        ((), ())
    }
    #[inline(always)]
    fn vectors<S: Simd>(self) -> (impl Iterator<Item = ()>, ()) {
        (core::iter::repeat(()), ())
    }
    #[inline(always)]
    fn vector_pairs<S: Simd>(self) -> (impl Iterator<Item = ((), ())>, Option<()>, ()) {
        (core::iter::repeat(((), ())), Some(()), ())
    }
    #[inline(always)]
    fn partial<S: Simd>(self, _: S) {}
    #[inline(always)]
    fn len(&self) -> Option<usize> {
        None
    }
}

impl Side for &[f32] {
    type Vector<S: Simd> = S::f32s;
    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        <[f32]>::split_at(self, mid)
    }
    #[inline(always)]
    fn vectors<S: Simd>(self) -> (impl Iterator<Item = S::f32s>, Self) {
        let (v, t) = S::as_simd_f32s(self);
        (v.iter().copied(), t)
    }
    #[inline(always)]
    fn vector_pairs<S: Simd>(
        self,
    ) -> (
        impl Iterator<Item = (S::f32s, S::f32s)>,
        Option<S::f32s>,
        Self,
    ) {
        let (v, t) = S::as_simd_f32s(self);
        let pairs = v.chunks_exact(2);
        let odd = pairs.remainder().first().copied();
        (pairs.map(|p| (p[0], p[1])), odd, t)
    }
    #[inline(always)]
    fn partial<S: Simd>(self, simd: S) -> S::f32s {
        simd.partial_load_f32s(self)
    }
    #[inline(always)]
    fn len(&self) -> Option<usize> {
        Some(<[f32]>::len(self))
    }
}

/// A kernel over one vector of the main input and one of the side streams `E`.
///
/// [`Unary`] kernels are `Kernel<()>`, [`Binary`] ones `Kernel<&[f32]>`.
pub(crate) trait Kernel<E: Side>: Copy + Send + Sync {
    /// The kernel applied to one vector.
    fn apply_to<S: Simd>(self, simd: S, x: S::f32s, side: E::Vector<S>) -> S::f32s;
}

impl<F: Unary> Kernel<()> for F {
    #[inline(always)]
    fn apply_to<S: Simd>(self, simd: S, x: S::f32s, _: ()) -> S::f32s {
        self.apply(simd, x)
    }
}

impl<F: Binary> Kernel<&[f32]> for F {
    #[inline(always)]
    fn apply_to<S: Simd>(self, simd: S, x: S::f32s, b: S::f32s) -> S::f32s {
        self.apply(simd, x, b)
    }
}

/// What `Io::for_each_vector` computes for each vector of the inputs.
///
/// A trait rather than a closure: closures cannot be marked `#[inline(always)]` on stable
/// Rust, and one that is not inlined is compiled without the dispatched target features (many
/// times slower). `&mut self`: a walk may carry state (a cycle position, a running sum).
pub(crate) trait VectorFn<S: Simd, E: Side> {
    fn call(&mut self, simd: S, x: S::f32s, side: E::Vector<S>) -> S::f32s;
}

/// A kernel's inputs and output, split and walked the same way whether they alias or not.
pub(crate) trait Io: Sized + Send {
    /// The streams read beside the main input.
    type Side: Side;

    /// Number of elements.
    fn len(&self) -> usize;

    /// Splits at element `mid` (as `slice::split_at`), every stream at once.
    fn split_at(self, mid: usize) -> (Self, Self);

    /// For every vector of the inputs, in order, stores `g(x, side)` at the same place of the
    /// output; a last partial vector is loaded with zeros in the absent lanes and stored
    /// partially.
    fn for_each_vector<S: Simd, G: VectorFn<S, Self::Side>>(self, simd: S, g: G);

    /// The byte offset of the main input and of the output modulo `align` (a power of two),
    /// if they agree; `None` if they differ. The side streams are left out: aligning the
    /// streams that can be aligned beats leaving all of them misaligned because one differs
    /// (a bias or a gate from another allocation), and a split store costs more than a split
    /// load.
    fn shared_misalignment(&self, align: usize) -> Option<usize>;

    /// The length of the head (less than a vector) after which every stream is aligned to
    /// the vector size, when the streams are equally misaligned and longer than that head; 0
    /// otherwise (see [`Io::map`]).
    #[inline(always)]
    fn aligned_head<S: Simd>(&self) -> usize {
        let vector_bytes = core::mem::size_of::<S::f32s>();
        match self.shared_misalignment(vector_bytes) {
            // `off` is a multiple of 4: an `f32` slice is 4-byte aligned.
            Some(off) if off != 0 && self.len() > (vector_bytes - off) / 4 => {
                (vector_bytes - off) / 4
            }
            _ => 0,
        }
    }

    /// `y[i] = k(x[i], side[i])` for every element.
    ///
    /// When the input and the output are equally misaligned, a short head (one partial
    /// vector) goes first, so that every full vector of them is loaded and stored aligned (a
    /// side stream too, if it was misaligned alike): a vector that straddles two cache lines
    /// costs almost a second cache access, which bounds the memory-light kernels in L1.
    /// (Elementwise results do not depend on how elements are grouped into vectors.)
    #[inline(always)]
    fn map<S: Simd, K: Kernel<Self::Side>>(self, simd: S, k: K) {
        let head = self.aligned_head::<S>();
        if head > 0 {
            let (head, body) = self.split_at(head);
            head.for_each_vector(simd, Map(k));
            body.for_each_vector(simd, Map(k));
        } else {
            self.for_each_vector(simd, Map(k));
        }
    }
}

/// The whole input and output slices of a one-input layout (the same slice when in place), for
/// the passes that read a row before writing it (softmax and log-softmax).
pub(crate) trait Buffers {
    /// The input.
    fn input(&self) -> &[f32];
    /// The output (the input itself when in place).
    fn output(&mut self) -> &mut [f32];
}

impl Buffers for OutOfPlace<'_> {
    #[inline(always)]
    fn input(&self) -> &[f32] {
        self.x
    }
    #[inline(always)]
    fn output(&mut self) -> &mut [f32] {
        self.y
    }
}

impl Buffers for InPlace<'_> {
    #[inline(always)]
    fn input(&self) -> &[f32] {
        self.0
    }
    #[inline(always)]
    fn output(&mut self) -> &mut [f32] {
        self.0
    }
}

/// A one-input [`Io`] that can take a second input stream.
pub(crate) trait OneInput: Io<Side = ()> {
    /// The same layout reading `side` beside the input.
    type With<'b>: Io<Side = &'b [f32]>;
    /// Adds the stream `side` (`side.len() == self.len()`).
    fn with<'b>(self, side: &'b [f32]) -> Self::With<'b>;

    /// `f(x, p)` with the same parameter vector `p` for every vector of the input (a
    /// periodic parameter whose period divides the lane count). No alignment head: it would
    /// shift the lanes against `p`.
    #[inline(always)]
    fn map_const<S: Simd, F: Binary>(self, simd: S, f: F, p: S::f32s) {
        self.for_each_vector(simd, MapConst { f, p });
    }
}

struct Map<K>(K);

impl<S: Simd, E: Side, K: Kernel<E>> VectorFn<S, E> for Map<K> {
    #[inline(always)]
    fn call(&mut self, simd: S, x: S::f32s, side: E::Vector<S>) -> S::f32s {
        self.0.apply_to(simd, x, side)
    }
}

struct MapConst<F, V> {
    f: F,
    p: V,
}

impl<S: Simd, F: Binary> VectorFn<S, ()> for MapConst<F, S::f32s> {
    #[inline(always)]
    fn call(&mut self, simd: S, x: S::f32s, _: ()) -> S::f32s {
        self.f.apply(simd, x, self.p)
    }
}

/// Read `x` (and `side`), write `y` (equal lengths).
pub(crate) struct OutOfPlace<'a, E = ()> {
    pub(crate) x: &'a [f32],
    pub(crate) side: E,
    pub(crate) y: &'a mut [f32],
}

impl<'a> OutOfPlace<'a> {
    /// One input, `x`, and the output `y`.
    #[inline(always)]
    pub(crate) fn new(x: &'a [f32], y: &'a mut [f32]) -> Self {
        OutOfPlace { x, side: (), y }
    }
}

/// Read and write `x` (reading `side` beside it).
pub(crate) struct InPlace<'a, E = ()>(pub(crate) &'a mut [f32], pub(crate) E);

impl<'a> InPlace<'a> {
    /// One input, overwritten.
    #[inline(always)]
    pub(crate) fn new(x: &'a mut [f32]) -> Self {
        InPlace(x, ())
    }
}

impl<E: Side> Io for OutOfPlace<'_, E> {
    type Side = E;

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
        let (s0, s1) = self.side.split_at(mid);
        let (y0, y1) = self.y.split_at_mut(mid);
        (
            OutOfPlace {
                x: x0,
                side: s0,
                y: y0,
            },
            OutOfPlace {
                x: x1,
                side: s1,
                y: y1,
            },
        )
    }

    #[inline(always)]
    fn for_each_vector<S: Simd, G: VectorFn<S, E>>(self, simd: S, mut g: G) {
        debug_assert_eq!(self.x.len(), self.y.len());
        debug_assert!(self.side.len().is_none_or(|n| n == self.x.len()));
        let (xv, xt) = S::as_simd_f32s(self.x);
        let (yv, yt) = S::as_mut_simd_f32s(self.y);
        let st = if S::F32_LANES > 1 && core::mem::size_of::<S::f32s>() < 64 {
            // AVX2 (and NEON): two vectors per iteration, which halves the loop's counter
            // updates and branches (`scripts/instructions.sh` counts them).
            let (sp, s_odd, st) = self.side.vector_pairs::<S>();
            let (x2, x_odd) = xv.split_at(xv.len() / 2 * 2);
            let (y2, y_odd) = yv.split_at_mut(x2.len());
            for ((y, x), (s0, s1)) in y2.chunks_exact_mut(2).zip(x2.chunks_exact(2)).zip(sp) {
                y[0] = g.call(simd, x[0], s0);
                y[1] = g.call(simd, x[1], s1);
            }
            if let (Some(y), Some(&x), Some(s)) = (y_odd.first_mut(), x_odd.first(), s_odd) {
                *y = g.call(simd, x, s);
            }
            st
        } else {
            let (sv, st) = self.side.vectors::<S>();
            walk_single(simd, &mut g, xv, yv, sv);
            st
        };
        if !xt.is_empty() {
            let x = simd.partial_load_f32s(xt);
            simd.partial_store_f32s(yt, g.call(simd, x, st.partial(simd)));
        }
    }
}

/// The full vectors of an out-of-place walk one at a time: the plain loop on the one-lane
/// backend, loads running one vector ahead of the stores on 512-bit vectors.
#[inline(always)]
fn walk_single<S: Simd, E: Side, G: VectorFn<S, E>>(
    simd: S,
    g: &mut G,
    xv: &[S::f32s],
    yv: &mut [S::f32s],
    sv: impl Iterator<Item = E::Vector<S>>,
) {
    let full = xv.len();
    let mut inputs = xv.iter().copied().zip(sv);
    if S::F32_LANES == 1 {
        // The one-lane backend: the plain loop, which the compiler vectorizes (it does
        // not vectorize the pipelined one below).
        for (y, (x, s)) in yv.iter_mut().zip(inputs) {
            *y = g.call(simd, x, s);
        }
    } else if let Some(first) = inputs.next() {
        // Each input vector is loaded before the previous result is stored: when `y`
        // starts just after `x` modulo 4 KiB (as with two buffers allocated one after the
        // other, 16 bytes of allocator header apart), a load issued after a store to the
        // same low address bits waits for it ("4K aliasing"). (The order is the
        // compiler's to keep: `x` and `y` do not alias, so it could sink the load.)
        let mut cur = first;
        for (y, next) in yv[..full - 1].iter_mut().zip(inputs) {
            *y = g.call(simd, cur.0, cur.1);
            cur = next;
        }
        yv[full - 1] = g.call(simd, cur.0, cur.1);
    }
}

impl<'a> OneInput for OutOfPlace<'a> {
    type With<'b> = OutOfPlace<'a, &'b [f32]>;
    #[inline(always)]
    fn with<'b>(self, side: &'b [f32]) -> OutOfPlace<'a, &'b [f32]> {
        OutOfPlace {
            x: self.x,
            side,
            y: self.y,
        }
    }
}

impl<E: Side> Io for InPlace<'_, E> {
    type Side = E;

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
        let (s0, s1) = self.1.split_at(mid);
        (InPlace(a, s0), InPlace(b, s1))
    }

    #[inline(always)]
    fn for_each_vector<S: Simd, G: VectorFn<S, E>>(self, simd: S, mut g: G) {
        debug_assert!(self.1.len().is_none_or(|n| n == self.0.len()));
        let (v, t) = S::as_mut_simd_f32s(self.0);
        let (sv, st) = self.1.vectors::<S>();
        for (x, s) in v.iter_mut().zip(sv) {
            *x = g.call(simd, *x, s);
        }
        if !t.is_empty() {
            let x = simd.partial_load_f32s(t);
            simd.partial_store_f32s(t, g.call(simd, x, st.partial(simd)));
        }
    }
}

impl<'a> OneInput for InPlace<'a> {
    type With<'b> = InPlace<'a, &'b [f32]>;
    #[inline(always)]
    fn with<'b>(self, side: &'b [f32]) -> InPlace<'a, &'b [f32]> {
        InPlace(self.0, side)
    }
}
