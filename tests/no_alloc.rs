//! The hot path allocates nothing. Every kernel (every named activation and every entry of
//! `Activation::ALL` through `activate` and `activate_inplace`, PReLU in both layouts, softmax
//! and log-softmax and the optioned softmax family, their gradients, the fused bias + activation
//! and gated units, the f16/bf16 conversions, the activations and softmax on half storage), on every
//! backend:
//! - sequential: no heap allocation at all on the calling thread, from the first call;
//! - split across threads inside a rayon pool (`pool.install`): no allocation on any thread once
//!   the pool has run each kernel once (its deques have grown to their working size).
//!
//! (A threaded call made from *outside* any rayon pool hands its work to the pool through
//! rayon's global injector queue, which allocates one block per 63 jobs injected: rayon's
//! behaviour, documented in the crate docs, not tested here.)
//!
//! A counting global allocator sees every allocation of the process and counts those of the
//! calling thread and of the test's own pool. The test harness's thread is not counted: it may
//! allocate meanwhile (it prints a notice when a test runs over 60 s, as under emulation). This
//! file holds one test so that no other test allocates concurrently.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;

use simd_activations::{Activation, Kernels, Mask, MaskedRows, SoftmaxOptions, bf16, f16};

struct Counting;

/// Allocations (and reallocations) made by the threads of the test's pool.
static POOL_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Allocations made by this thread (const-initialized: reading it never allocates).
    static THIS_THREAD: Cell<usize> = const { Cell::new(0) };
    /// Whether this thread is one of the test pool's (set by the pool's start handler).
    static IN_POOL: Cell<bool> = const { Cell::new(false) };
}

fn count_one() {
    let _ = THIS_THREAD.try_with(|c| c.set(c.get() + 1));
    if IN_POOL.try_with(Cell::get).unwrap_or(false) {
        POOL_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by the threads of the test's pool while `f` runs (on one of them).
fn allocations_in_pool_during(f: impl FnOnce()) -> usize {
    let before = POOL_ALLOCATIONS.load(Ordering::SeqCst);
    f();
    POOL_ALLOCATIONS.load(Ordering::SeqCst) - before
}

/// Allocations made by this thread while `f` runs: for sequential calls, which run on this
/// thread only (the test harness's own thread may allocate meanwhile).
fn allocations_on_this_thread_during(f: impl FnOnce()) -> usize {
    let before = THIS_THREAD.with(Cell::get);
    f();
    THIS_THREAD.with(Cell::get) - before
}

/// Every kernel once on `k`, out of place and in place.
fn run_all(k: &Kernels, x: &[f32], y: &mut [f32], z: &mut [f32]) {
    let slopes = [0.1, 0.2, 0.3, 0.4, 0.5];
    k.exp(x, y).unwrap();
    k.sigmoid(x, y).unwrap();
    k.tanh(x, y).unwrap();
    k.silu(x, y).unwrap();
    k.quick_gelu(x, y).unwrap();
    k.gelu(x, y).unwrap();
    k.gelu_tanh(x, y).unwrap();
    k.mish(x, y).unwrap();
    k.relu(x, y).unwrap();
    k.leaky_relu(x, y, 0.01).unwrap();
    k.hard_sigmoid(x, y).unwrap();
    k.hard_swish(x, y).unwrap();
    k.softplus(x, y).unwrap();
    k.log_sigmoid(x, y).unwrap();
    for &a in Activation::ALL {
        k.activate(a, x, y).unwrap();
        k.activate_backward(a, x, x, y).unwrap();
        k.activate_backward_inplace(a, x, y).unwrap();
    }
    k.sigmoid_backward_from_output(x, x, y).unwrap();
    k.tanh_backward_from_output_inplace(x, y).unwrap();
    k.activate(Activation::LeakyRelu { alpha: 0.5 }, x, y)
        .unwrap();
    k.prelu(x, y, &slopes).unwrap();
    k.prelu_channels_first(x, y, &slopes, 7).unwrap();
    // The fused kernels: a bias of 1, 5 and 35 channels (one vector, cycled vectors, a tile),
    // and of a whole row; the gated units.
    for a in [
        Activation::Silu,
        Activation::Relu,
        Activation::Elu { alpha: 0.5 },
    ] {
        for bias in [&slopes[..1], &slopes[..], &x[..35], &x[..1225]] {
            k.bias_activate(x, bias, y, a).unwrap();
            k.bias_activate_inplace(z, bias, a).unwrap();
        }
        k.glu(x, x, y, a).unwrap();
        k.glu_inplace(x, z, a).unwrap();
        k.glu_rows(x, &mut y[..x.len() / 2], 35, a).unwrap();
        k.glu_rows(x, &mut y[..x.len() / 2], x.len() / 2, a)
            .unwrap();
    }
    k.prelu_channels_first(x, y, &slopes[..2], 100).unwrap();
    k.softmax(x, y, 35).unwrap();
    k.log_softmax(x, y, 35).unwrap();
    k.softmax(x, y, x.len()).unwrap();
    k.log_softmax(x, y, x.len()).unwrap();
    // The optioned softmax family: every mask kind, strides (a padded buffer: n is a
    // multiple of 40), log-sum-exp, long rows.
    let mask = [0.0_f32, -1.0, f32::NEG_INFINITY, 2.0, 0.5];
    let o = SoftmaxOptions::new().scale(0.3);
    for (opts, cols) in [
        (o, 35),
        (o.scale(-2.0).row_stride(40), 35),
        (o.mask(Mask::Additive(&mask)), 5),
        (
            o.mask(Mask::Causal { offset: 1 })
                .masked_rows(MaskedRows::Zero),
            35,
        ),
    ] {
        k.softmax_with(x, y, cols, &opts).unwrap();
        k.log_softmax_with(x, y, cols, &opts).unwrap();
        let mut out = [0.0_f32; 64];
        let stride = opts.row_stride(cols + 3);
        k.log_sum_exp_with(&x[..64 * (cols + 3)], &mut out, cols, &stride)
            .unwrap();
    }
    let long = SoftmaxOptions::new().mask(Mask::Causal { offset: x.len() });
    k.softmax_with(x, y, x.len(), &long).unwrap();
    k.log_softmax_with(x, y, x.len(), &long).unwrap();
    // The row and channel gradients (`x` stands for `y` and `dy`).
    let mut ds = [0.0_f32; 8];
    let c = slopes.len().min(8);
    k.softmax_backward(x, x, y, 35).unwrap();
    k.log_softmax_backward(x, x, y, 35).unwrap();
    k.softmax_backward(x, x, y, x.len()).unwrap();
    k.log_softmax_backward(x, x, y, x.len()).unwrap();
    k.prelu_backward(x, x, y, &slopes[..c], &mut ds[..c])
        .unwrap();
    k.prelu_channels_first_backward(x, x, y, &slopes[..c], &mut ds[..c], 7)
        .unwrap();
    k.prelu_channels_first_backward(x, x, y, &slopes[..2], &mut ds[..2], 100)
        .unwrap();
    z.copy_from_slice(x);
    k.softmax_backward_inplace(x, z, 35).unwrap();
    k.log_softmax_backward_inplace(x, z, 35).unwrap();
    k.prelu_backward_inplace(x, z, &slopes[..c], &mut ds[..c])
        .unwrap();
    k.prelu_channels_first_backward_inplace(x, z, &slopes[..c], &mut ds[..c], 7)
        .unwrap();
    k.exp_inplace(z);
    k.sigmoid_inplace(z);
    k.tanh_inplace(z);
    k.silu_inplace(z);
    k.quick_gelu_inplace(z);
    k.gelu_inplace(z);
    k.gelu_tanh_inplace(z);
    k.mish_inplace(z);
    k.relu_inplace(z);
    k.leaky_relu_inplace(z, 0.5).unwrap();
    k.hard_sigmoid_inplace(z);
    k.hard_swish_inplace(z);
    k.softplus_inplace(z);
    k.log_sigmoid_inplace(z);
    for &a in Activation::ALL {
        k.activate_inplace(a, z).unwrap();
    }
    k.activate_inplace(Activation::LeakyRelu { alpha: 0.5 }, z)
        .unwrap();
    k.prelu_inplace(z, &slopes).unwrap();
    k.prelu_channels_first_inplace(z, &slopes, 7).unwrap();
    k.softmax_inplace(z, 35).unwrap();
    k.log_softmax_inplace(z, 35).unwrap();
    run_half(k, x);
}

/// The half-precision kernels: the conversions, every activation and softmax on f16 and bf16
/// storage, out of place and in place. The half buffers live on the stack (no allocation to count);
/// `x`'s length is not a multiple of a vector, so the tails run too.
fn run_half(k: &Kernels, x: &[f32]) {
    const N: usize = 4099;
    let x = &x[..N];
    let mut y32 = [0.0_f32; N];
    let (mut h, mut h2) = ([f16::ZERO; N], [f16::ZERO; N]);
    let (mut b, mut b2) = ([bf16::ZERO; N], [bf16::ZERO; N]);
    k.f32_to_f16(x, &mut h).unwrap();
    k.f16_to_f32(&h, &mut y32).unwrap();
    k.f32_to_bf16(x, &mut b).unwrap();
    k.bf16_to_f32(&b, &mut y32).unwrap();
    for &a in Activation::ALL {
        k.activate_f16(a, &h, &mut h2).unwrap();
        k.activate_f16_inplace(a, &mut h2).unwrap();
        k.activate_bf16(a, &b, &mut b2).unwrap();
        k.activate_bf16_inplace(a, &mut b2).unwrap();
    }
    // Softmax rows: many short rows and one row through the stack buffer, then a row longer
    // than the buffer (chunk by chunk).
    for cols in [1, N] {
        k.softmax_f16(&h, &mut h2, cols).unwrap();
        k.log_softmax_f16_inplace(&mut h2, cols).unwrap();
        k.log_softmax_bf16(&b, &mut b2, cols).unwrap();
        k.softmax_bf16_inplace(&mut b2, cols).unwrap();
    }
    const LONG: usize = 8209;
    let (mut l, mut l2) = ([f16::ZERO; LONG], [f16::ZERO; LONG]);
    for (i, v) in l.iter_mut().enumerate() {
        *v = f16::from_f32((i % 97) as f32 * 0.1 - 5.0);
    }
    k.softmax_f16(&l, &mut l2, LONG).unwrap();
    k.log_softmax_f16_inplace(&mut l2, LONG).unwrap();
}

/// Asserts that `count` allocations is none.
#[track_caller]
fn assert_none(what: &str, count: usize) {
    assert_eq!(count, 0, "{what}: {count} allocations");
}

#[test]
fn no_kernel_allocates() {
    // A multiple of every shape above; long enough to split. Emulated (`SA_SAMPLE_DIVISOR`,
    // `.ci/aarch64`, where rayon is off and nothing splits) it is shorter.
    // 9800 = lcm(35 * 7 * 5, 2 * 100).
    let n = 9800 * (25 / common::sample_divisor()).max(1);
    let x: Vec<f32> = (0..n).map(|i| (i % 1000) as f32 * 0.02 - 10.0).collect();
    let mut y = vec![0.0_f32; n];
    let mut z = vec![0.0_f32; n];
    let mut sequential = Vec::new();
    let mut threaded = vec![*Kernels::global()];
    for (_, k) in common::backends() {
        sequential.push(k);
        threaded.push(k.parallel_threshold(1));
    }
    for k in &sequential {
        let what = format!("sequential {:?}", k.backend());
        let count = allocations_on_this_thread_during(|| run_all(k, &x, &mut y, &mut z));
        assert_none(&what, count);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .start_handler(|_| IN_POOL.with(|p| p.set(true)))
        .build()
        .unwrap();
    pool.install(|| {
        for k in &threaded {
            run_all(k, &x, &mut y, &mut z); // warm-up: the workers' deques grow once
        }
        for round in 0..3 {
            for k in &threaded {
                let what = format!("threaded {:?}, round {round}", k.backend());
                assert_none(
                    &what,
                    allocations_in_pool_during(|| run_all(k, &x, &mut y, &mut z)),
                );
            }
        }
    });
}
