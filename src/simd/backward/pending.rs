//! TEMPORARY (replaced by the helpers' kernels before landing).
use pulp::Simd;
macro_rules! lanewise {
    ($($name:ident => $f:path;)*) => {$(
        #[inline(always)]
        pub(crate) fn $name<S: Simd>(_simd: S, x: S::f32s, dy: S::f32s) -> S::f32s {
            let xs: &[f32] = pulp::bytemuck::cast_slice(core::slice::from_ref(&x));
            let ds: &[f32] = pulp::bytemuck::cast_slice(core::slice::from_ref(&dy));
            let mut out = dy;
            let os: &mut [f32] = pulp::bytemuck::cast_slice_mut(core::slice::from_mut(&mut out));
            for i in 0..os.len() { os[i] = $f(xs[i], ds[i]); }
            out
        }
    )*};
}
lanewise! {
    silu_backward => crate::reference::silu_backward_one;
    quick_gelu_backward => crate::reference::quick_gelu_backward_one;
    gelu_backward => crate::reference::gelu_backward_one;
    gelu_tanh_backward => crate::reference::gelu_tanh_backward_one;
    mish_backward => crate::reference::mish_backward_one;
}
