//! The walks over half-precision storage: read a vector of `f16`, `bf16` or `f32` elements,
//! widen it to `f32` lanes, apply the kernel, narrow to the output's type and store, one
//! vector at a time (no intermediate buffer: each value is rounded once, at the store).
//!
//! These are [`Io`] layouts, so the elementwise driver splits and dispatches them as it does
//! the `f32` ones. The conversions are the identity kernel on a layout whose two sides differ
//! in type.

use pulp::Simd;

use super::convert::{Element, MAX_LANES};
use super::io::{Io, VectorFn};

/// Read `x`, write `y` (equal lengths), each in its own element type.
pub(crate) struct Convert<'a, A, B> {
    pub(crate) x: &'a [A],
    pub(crate) y: &'a mut [B],
}

/// Read and write `x` in place.
pub(crate) struct ConvertInPlace<'a, A>(pub(crate) &'a mut [A]);

impl<A: Element, B: Element> Io for Convert<'_, A, B> {
    type Side = ();

    #[inline(always)]
    fn len(&self) -> usize {
        self.x.len()
    }

    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (x0, x1) = self.x.split_at(mid);
        let (y0, y1) = self.y.split_at_mut(mid);
        (Convert { x: x0, y: y0 }, Convert { x: x1, y: y1 })
    }

    /// No aligned head: the vectors of the two sides differ in size, so no one split aligns
    /// both.
    #[inline(always)]
    fn shared_misalignment(&self, _: usize) -> Option<usize> {
        None
    }

    #[inline(always)]
    fn for_each_vector<S: Simd, G: VectorFn<S, ()>>(self, simd: S, mut g: G) {
        debug_assert_eq!(self.x.len(), self.y.len());
        let lanes = S::F32_LANES;
        let mut xs = self.x.chunks_exact(GROUP * lanes);
        let mut ys = self.y.chunks_exact_mut(GROUP * lanes);
        if let Some(first) = xs.next() {
            // Each group of input vectors is loaded before the previous group's results are
            // stored. Two buffers allocated one after the other sit a few dozen bytes apart
            // modulo 4 KiB, and a load issued after a store to the same low address bits
            // waits for it ("4K aliasing"): with 32-byte half vectors, loading one vector
            // ahead (as the `f32` walk does) still meets the store before last; a group of
            // 4 clears offsets below 128 bytes (measured 2.5x faster in L1).
            let mut cur = load_group::<S, A>(simd, first);
            for (x, y) in (&mut xs).zip(&mut ys) {
                let next = load_group::<S, A>(simd, x);
                store_group(simd, &mut g, y, cur);
                cur = next;
            }
            if let Some(y) = ys.next() {
                store_group(simd, &mut g, y, cur);
            }
        }
        let mut xs = xs.remainder().chunks_exact(lanes);
        let mut ys = ys.into_remainder().chunks_exact_mut(lanes);
        for (x, y) in (&mut xs).zip(&mut ys) {
            B::store(simd, y, g.call(simd, A::load(simd, x), ()));
        }
        tail(simd, &mut g, xs.remainder(), ys.into_remainder());
    }
}

impl<A: Element> Io for ConvertInPlace<'_, A> {
    type Side = ();

    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline(always)]
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at_mut(mid);
        (ConvertInPlace(a), ConvertInPlace(b))
    }

    #[inline(always)]
    fn shared_misalignment(&self, _: usize) -> Option<usize> {
        None
    }

    #[inline(always)]
    fn for_each_vector<S: Simd, G: VectorFn<S, ()>>(self, simd: S, mut g: G) {
        let lanes = S::F32_LANES;
        let mut xs = self.0.chunks_exact_mut(lanes);
        for x in &mut xs {
            let v = g.call(simd, A::load(simd, x), ());
            A::store(simd, x, v);
        }
        let rest = xs.into_remainder();
        let mut buf = [A::default(); MAX_LANES];
        buf[..rest.len()].copy_from_slice(rest);
        tail(simd, &mut g, &buf[..rest.len()], rest);
    }
}

/// Vectors per group of the out-of-place walk.
const GROUP: usize = 4;

/// The `GROUP` vectors of `x` (`GROUP * S::F32_LANES` elements).
#[inline(always)]
fn load_group<S: Simd, A: Element>(simd: S, x: &[A]) -> [S::f32s; GROUP] {
    let n = S::F32_LANES;
    [
        A::load(simd, &x[..n]),
        A::load(simd, &x[n..2 * n]),
        A::load(simd, &x[2 * n..3 * n]),
        A::load(simd, &x[3 * n..4 * n]),
    ]
}

/// `g` of the `GROUP` vectors `v`, stored into `y` (`GROUP * S::F32_LANES` elements).
#[inline(always)]
fn store_group<S: Simd, B: Element, G: VectorFn<S, ()>>(
    simd: S,
    g: &mut G,
    y: &mut [B],
    v: [S::f32s; GROUP],
) {
    let n = S::F32_LANES;
    for (y, v) in y.chunks_exact_mut(n).zip(v) {
        B::store(simd, y, g.call(simd, v, ()));
    }
}

/// The last elements (fewer than a vector): through stack buffers padded with zeros, so that
/// the full-vector loads and stores serve (as `partial_load_f32s` would, the kernel sees 0 in
/// the absent lanes).
#[inline(always)]
fn tail<S: Simd, A: Element, B: Element, G: VectorFn<S, ()>>(
    simd: S,
    g: &mut G,
    x: &[A],
    y: &mut [B],
) {
    if x.is_empty() {
        return;
    }
    let lanes = S::F32_LANES;
    let mut xb = [A::default(); MAX_LANES];
    xb[..x.len()].copy_from_slice(x);
    let mut yb = [B::default(); MAX_LANES];
    B::store(
        simd,
        &mut yb[..lanes],
        g.call(simd, A::load(simd, &xb[..lanes]), ()),
    );
    y.copy_from_slice(&yb[..y.len()]);
}
