//! The fuzz checks of the C API (`sa_*`), called as a C caller would: through `extern "C"`
//! declarations written from `include/simd_activations.h`, with the enums as the `uint32_t`
//! C passes (any value, not only the declared ones) and the handle as its plain struct (any
//! field values). The symbols come from the `simd-activations-capi` library this crate links.
//!
//! Only the fuzz crate compiles this file: the C library is no dependency of the main crate's
//! tests. Its corpus is replayed by `fuzz/tests/replay.rs` (`cargo test` in `fuzz/`) and by
//! every `.ci/fuzz` run.
//!
//! Every call gets buffers inside one arena: laid out cleanly most of the time (disjoint, or
//! an output that is exactly its input where the header allows it), and otherwise hostile
//! (NULL with a length, misaligned by 1-3 bytes, overlapping another buffer). Lengths are
//! clamped so that every non-NULL pointer is valid for its length, as the header requires:
//! the contract's remaining cases are the ones the library must detect. Asserted: no
//! `SA_STATUS_PANIC` and no unknown status; on an error status the whole arena bit for bit
//! untouched; on success nothing written outside the output buffers, and `sa_activate`
//! gives the bits of the Rust API on the handle's backend.

use std::ffi::{CStr, c_char};

use simd_activations::{Activation, Backend, Kernels};

use crate::checks::Input;

/// `sa_kernels`: plain data, private fields (fuzzed here as a careless caller would).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct SaKernels {
    backend: u32,
    threading: u32,
    min_len: usize,
}

/// `sa_softmax_options`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct SaSoftmaxOptions {
    scale: f32,
    mask_kind: u32,
    mask: *const f32,
    mask_len: usize,
    causal_offset: usize,
    masked_rows: u32,
    row_stride: usize,
}

// The declarations of the header, with `uint32_t` for the enums (what C passes).
unsafe extern "C" {
    fn sa_kernels_new() -> SaKernels;
    fn sa_kernels_with_backend(backend: u32, out: *mut SaKernels) -> u32;
    fn sa_kernels_sequential(k: SaKernels) -> SaKernels;
    fn sa_kernels_parallel_threshold(k: SaKernels, min_len: usize) -> SaKernels;
    fn sa_kernels_backend(k: SaKernels, out: *mut u32) -> u32;
    fn sa_status_message(status: u32) -> *const c_char;
    fn sa_activation_name(act: u32) -> *const c_char;
    fn sa_activation_from_name(name: *const c_char, act: *mut u32, param: *mut f32) -> u32;
    fn sa_backend_supported(backend: u32) -> bool;
    fn sa_backend_name(backend: u32) -> *const c_char;
    fn sa_backend_lanes(backend: u32) -> usize;
    fn sa_softmax_options_default() -> SaSoftmaxOptions;
    fn sa_activate(k: SaKernels, act: u32, param: f32, x: *const f32, y: *mut f32, n: usize)
    -> u32;
    fn sa_activate_backward(
        k: SaKernels,
        act: u32,
        param: f32,
        x: *const f32,
        dy: *const f32,
        dx: *mut f32,
        n: usize,
    ) -> u32;
    fn sa_prelu_channels_first_backward(
        k: SaKernels,
        x: *const f32,
        dy: *const f32,
        dx: *mut f32,
        n: usize,
        slopes: *const f32,
        dslopes: *mut f32,
        channels: usize,
        inner: usize,
    ) -> u32;
    fn sa_bias_activate(
        k: SaKernels,
        act: u32,
        param: f32,
        x: *const f32,
        y: *mut f32,
        n: usize,
        bias: *const f32,
        channels: usize,
    ) -> u32;
    fn sa_glu_rows(
        k: SaKernels,
        act: u32,
        param: f32,
        x: *const f32,
        x_len: usize,
        y: *mut f32,
        y_len: usize,
        cols: usize,
    ) -> u32;
    fn sa_softmax_with(
        k: SaKernels,
        x: *const f32,
        y: *mut f32,
        n: usize,
        cols: usize,
        opts: *const SaSoftmaxOptions,
    ) -> u32;
    fn sa_log_sum_exp_with(
        k: SaKernels,
        x: *const f32,
        n: usize,
        out: *mut f32,
        rows: usize,
        cols: usize,
        opts: *const SaSoftmaxOptions,
    ) -> u32;
    fn sa_softmax_backward(
        k: SaKernels,
        y: *const f32,
        dy: *const f32,
        dx: *mut f32,
        n: usize,
        cols: usize,
    ) -> u32;
    fn sa_f32_to_f16(k: SaKernels, x: *const f32, y: *mut u16, n: usize) -> u32;
    fn sa_activate_bf16(
        k: SaKernels,
        act: u32,
        param: f32,
        x: *const u16,
        y: *mut u16,
        n: usize,
    ) -> u32;
    fn sa_softmax_f16(k: SaKernels, x: *const u16, y: *mut u16, n: usize, cols: usize) -> u32;
}

/// `SA_STATUS_PANIC`: a Rust panic caught at the boundary, never expected.
const SA_STATUS_PANIC: u32 = 20;
/// The number of statuses the header declares.
const SA_STATUS_COUNT: u32 = 22;

/// The arena's size in 4-byte words: every buffer of a call lives in it.
const ARENA: usize = 4096;

/// A buffer argument: where it points (a byte offset into the arena, or NULL) and its length
/// in elements of `elem` bytes.
#[derive(Clone, Copy, Debug)]
struct Arg {
    byte_off: Option<usize>,
    len: usize,
    elem: usize,
    output: bool,
}

/// The arena (4-byte aligned: a `Vec<u32>`) and the buffers of one call.
struct Call {
    arena: Vec<u32>,
    args: Vec<Arg>,
}

impl Call {
    /// An arena of fuzzed words.
    fn new(inp: &mut Input<'_>) -> Call {
        let arena = (0..ARENA).map(|_| inp.f32().to_bits()).collect();
        Call {
            arena,
            args: Vec::new(),
        }
    }

    /// Lays out buffers of the given lengths (elements of `elem` bytes; `output` marks the
    /// ones written): cleanly one after another most of the time, else each may be NULL,
    /// misaligned, or placed anywhere (overlapping). An input listed in `same_as` may be made
    /// exactly the earlier buffer (in place). Lengths are clamped to the arena.
    fn layout(&mut self, inp: &mut Input<'_>, bufs: &[(usize, usize, bool)]) {
        let hostile = inp.one_in(3);
        let mut next = 4 * inp.below(8);
        for &(len, elem, output) in bufs {
            let len = len.min(ARENA / 4);
            let bytes = len * elem;
            let byte_off = if !hostile {
                let off = next;
                next += bytes + 4 * inp.below(4);
                Some(off)
            } else {
                match inp.byte() % 6 {
                    0 => None,
                    1 => Some(4 * inp.below(ARENA) + 1 + inp.below(3)),
                    2 => Some(self.args.last().and_then(|a| a.byte_off).unwrap_or(0)),
                    _ => Some(4 * inp.below(ARENA)),
                }
            };
            // Keep every non-NULL buffer inside the arena: valid for its length.
            let byte_off = byte_off.map(|o| o.min(4 * ARENA - bytes));
            self.args.push(Arg {
                byte_off,
                len,
                elem,
                output,
            });
        }
    }

    fn ptr<T>(&mut self, i: usize) -> *mut T {
        match self.args[i].byte_off {
            None => std::ptr::null_mut(),
            // In bounds: `layout` keeps the offset within the arena.
            Some(o) => self.arena.as_mut_ptr().cast::<u8>().wrapping_add(o).cast(),
        }
    }

    fn len(&self, i: usize) -> usize {
        self.args[i].len
    }

    /// Checks the arena after a call that returned `status`, against its copy from before.
    fn check(&self, before: &[u32], status: u32, what: &str) {
        assert!(
            status < SA_STATUS_COUNT && status != SA_STATUS_PANIC,
            "{what}: status {status} ({:?})",
            self.args
        );
        let mut written = vec![false; 4 * ARENA];
        if status == 0 {
            for a in self.args.iter().filter(|a| a.output) {
                if let Some(o) = a.byte_off {
                    written[o..o + a.len * a.elem].fill(true);
                }
            }
        }
        let (b, a) = (words_as_bytes(before), words_as_bytes(&self.arena));
        if let Some(i) = (0..4 * ARENA).find(|&i| !written[i] && a[i] != b[i]) {
            panic!(
                "{what}: status {status}, yet byte {i} of the arena changed ({:?})",
                self.args
            );
        }
    }
}

fn words_as_bytes(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|v| v.to_ne_bytes()).collect()
}

/// A handle: a valid one (automatic, sequential, splitting from a few elements), one from
/// `sa_kernels_with_backend` of any value (its output untouched on error: then a garbage
/// handle), or garbage fields.
fn handle(inp: &mut Input<'_>) -> SaKernels {
    let garbage = |inp: &mut Input<'_>| SaKernels {
        backend: u32::from(inp.byte() % 6),
        threading: u32::from(inp.byte() % 5),
        min_len: inp.below(1 << 16),
    };
    // SAFETY: the handle functions take and return plain values.
    unsafe {
        match inp.byte() % 8 {
            0 => garbage(inp),
            1 => {
                let mut out = garbage(inp);
                let status = sa_kernels_with_backend(u32::from(inp.byte() % 6), &mut out);
                assert!(status < SA_STATUS_COUNT && status != SA_STATUS_PANIC);
                out
            }
            2 => sa_kernels_sequential(sa_kernels_new()),
            3 => sa_kernels_parallel_threshold(sa_kernels_new(), 1 + inp.below(64)),
            _ => sa_kernels_new(),
        }
    }
}

/// An activation value: mostly a declared one, sometimes any `uint32_t`.
fn activation(inp: &mut Input<'_>) -> u32 {
    if inp.one_in(16) {
        u32::from_le_bytes([inp.byte(), inp.byte(), inp.byte(), inp.byte()])
    } else {
        u32::from(inp.byte() % 17)
    }
}

/// The parameter: NAN (the default), finite, or any bits.
fn param(inp: &mut Input<'_>) -> f32 {
    match inp.byte() % 3 {
        0 => f32::NAN,
        1 => inp.finite_f32(),
        _ => inp.f32(),
    }
}

/// Asserts that a static string from the library is non-NULL and NUL-terminated UTF-8.
fn static_str(p: *const c_char, what: &str) {
    assert!(!p.is_null(), "{what}: NULL");
    // SAFETY: the header promises a static NUL-terminated string, which this checks.
    let s = unsafe { CStr::from_ptr(p) };
    assert!(s.to_str().is_ok(), "{what}: not UTF-8");
}

/// The C entry points with hostile arguments (see the module's documentation).
pub fn capi(data: &[u8]) {
    let mut inp = Input::new(data);

    // The enum functions take any value.
    let v = u32::from_le_bytes([inp.byte(), inp.byte(), inp.byte(), inp.byte()]);
    // SAFETY: these take a plain value and return a static string or a plain value.
    unsafe {
        static_str(sa_status_message(v), "sa_status_message");
        // NULL exactly for a value that is no activation (16 of them) or backend (4).
        let name = sa_activation_name(v);
        assert_eq!(name.is_null(), v >= 16, "sa_activation_name({v})");
        if !name.is_null() {
            static_str(name, "sa_activation_name");
        }
        let name = sa_backend_name(v);
        assert_eq!(name.is_null(), v >= 4, "sa_backend_name({v})");
        if !name.is_null() {
            static_str(name, "sa_backend_name");
        }
        let supported = sa_backend_supported(v);
        let lanes = sa_backend_lanes(v);
        assert!(
            !supported || lanes > 0,
            "backend {v}: supported with {lanes} lanes"
        );
    }

    let k = handle(&mut inp);
    let mut call = Call::new(&mut inp);
    let which = inp.byte() % 11;
    let n = inp.length().min(ARENA / 4);
    let near = |inp: &mut Input<'_>, n: usize| inp.len_near(n);
    let before;
    let status;
    let what;
    // SAFETY (every call below): each non-NULL pointer points into the arena with room for
    // its length (`Call::layout` clamps it), which is all the header asks of a caller besides
    // what the library checks (NULL, alignment, overlap, shapes, enums, handle).
    unsafe {
        match which {
            0 => {
                what = "sa_activate";
                let (act, p) = (activation(&mut inp), param(&mut inp));
                let in_place = inp.one_in(3);
                call.layout(&mut inp, &[(n, 4, false), (n, 4, true)]);
                if in_place {
                    call.args[1].byte_off = call.args[0].byte_off;
                }
                let input: Vec<u32> = match call.args[0].byte_off {
                    Some(o) if o % 4 == 0 => call.arena[o / 4..o / 4 + n].to_vec(),
                    _ => Vec::new(),
                };
                before = call.arena.clone();
                let (x, y) = (call.ptr::<f32>(0), call.ptr::<f32>(1));
                status = sa_activate(k, act, p, x, y, call.len(0));
                if status == 0 && n > 0 {
                    same_as_rust(&call, k, act, p, &input);
                }
            }
            1 => {
                what = "sa_activate_backward";
                let (act, p) = (activation(&mut inp), param(&mut inp));
                let in_place = inp.one_in(3);
                call.layout(&mut inp, &[(n, 4, false), (n, 4, false), (n, 4, true)]);
                if in_place {
                    call.args[2].byte_off = call.args[1].byte_off;
                }
                before = call.arena.clone();
                let (x, dy, dx) = (call.ptr::<f32>(0), call.ptr::<f32>(1), call.ptr::<f32>(2));
                status = sa_activate_backward(k, act, p, x, dy, dx, call.len(0));
            }
            2 => {
                what = "sa_prelu_channels_first_backward";
                let channels = inp.below(8);
                let inner = inp.below(8);
                let n = if inp.one_in(4) {
                    n
                } else {
                    channels * inner.max(1) * inp.below(20)
                };
                let dn = near(&mut inp, channels);
                call.layout(
                    &mut inp,
                    &[
                        (n, 4, false),
                        (n, 4, false),
                        (n, 4, true),
                        (channels, 4, false),
                        (dn, 4, true),
                    ],
                );
                before = call.arena.clone();
                let (x, dy, dx) = (call.ptr::<f32>(0), call.ptr::<f32>(1), call.ptr::<f32>(2));
                let (slopes, dslopes) = (call.ptr::<f32>(3), call.ptr::<f32>(4));
                status = sa_prelu_channels_first_backward(
                    k,
                    x,
                    dy,
                    dx,
                    call.len(0),
                    slopes,
                    dslopes,
                    call.len(3).min(call.len(4)),
                    inner,
                );
            }
            3 => {
                what = "sa_bias_activate";
                let (act, p) = (activation(&mut inp), param(&mut inp));
                let channels = inp.below(10);
                call.layout(
                    &mut inp,
                    &[(n, 4, false), (n, 4, true), (channels, 4, false)],
                );
                if inp.one_in(3) {
                    call.args[1].byte_off = call.args[0].byte_off;
                }
                before = call.arena.clone();
                let (x, y, bias) = (call.ptr::<f32>(0), call.ptr::<f32>(1), call.ptr::<f32>(2));
                status = sa_bias_activate(k, act, p, x, y, call.len(0), bias, call.len(2));
            }
            4 => {
                what = "sa_glu_rows";
                let (act, p) = (activation(&mut inp), param(&mut inp));
                let cols = inp.below(12);
                let yl = near(&mut inp, n / 2);
                call.layout(&mut inp, &[(n, 4, false), (yl, 4, true)]);
                before = call.arena.clone();
                let (x, y) = (call.ptr::<f32>(0), call.ptr::<f32>(1));
                status = sa_glu_rows(k, act, p, x, call.len(0), y, call.len(1), cols);
            }
            5 | 6 => {
                let cols = inp.below(40);
                let mut opts = sa_softmax_options_default();
                opts.scale = match inp.byte() % 3 {
                    0 => 1.0,
                    1 => inp.f32(),
                    _ => inp.finite_f32(),
                };
                opts.mask_kind = u32::from(inp.byte() % 4);
                opts.causal_offset = inp.below(64);
                opts.masked_rows = u32::from(inp.byte() % 3);
                opts.row_stride = if inp.one_in(2) {
                    0
                } else {
                    cols + inp.below(5)
                };
                let mask_len = inp.below(200);
                let opts_null = inp.one_in(16);
                let rows = near(&mut inp, n.div_ceil(cols.max(1)));
                if which == 5 {
                    what = "sa_softmax_with";
                    call.layout(
                        &mut inp,
                        &[(n, 4, false), (n, 4, true), (mask_len, 4, false)],
                    );
                    if inp.one_in(3) {
                        call.args[1].byte_off = call.args[0].byte_off;
                    }
                } else {
                    what = "sa_log_sum_exp_with";
                    call.layout(
                        &mut inp,
                        &[(n, 4, false), (rows, 4, true), (mask_len, 4, false)],
                    );
                }
                opts.mask = call.ptr::<f32>(2);
                opts.mask_len = call.len(2);
                let o: *const SaSoftmaxOptions = if opts_null { std::ptr::null() } else { &opts };
                before = call.arena.clone();
                let (x, y) = (call.ptr::<f32>(0), call.ptr::<f32>(1));
                status = if which == 5 {
                    sa_softmax_with(k, x, y, call.len(0), cols, o)
                } else {
                    sa_log_sum_exp_with(k, x, call.len(0), y, call.len(1), cols, o)
                };
            }
            7 => {
                what = "sa_softmax_backward";
                let cols = inp.below(40);
                call.layout(&mut inp, &[(n, 4, false), (n, 4, false), (n, 4, true)]);
                if inp.one_in(3) {
                    call.args[2].byte_off = call.args[1].byte_off;
                }
                before = call.arena.clone();
                let (y, dy, dx) = (call.ptr::<f32>(0), call.ptr::<f32>(1), call.ptr::<f32>(2));
                status = sa_softmax_backward(k, y, dy, dx, call.len(0), cols);
            }
            8 => {
                what = "sa_f32_to_f16";
                call.layout(&mut inp, &[(n, 4, false), (n, 2, true)]);
                before = call.arena.clone();
                let (x, y) = (call.ptr::<f32>(0), call.ptr::<u16>(1));
                status = sa_f32_to_f16(k, x, y, call.len(0));
            }
            9 => {
                what = "sa_activate_bf16";
                let (act, p) = (activation(&mut inp), param(&mut inp));
                call.layout(&mut inp, &[(n, 2, false), (n, 2, true)]);
                if inp.one_in(3) {
                    call.args[1].byte_off = call.args[0].byte_off;
                }
                before = call.arena.clone();
                let (x, y) = (call.ptr::<u16>(0), call.ptr::<u16>(1));
                status = sa_activate_bf16(k, act, p, x, y, call.len(0));
            }
            _ => {
                what = "sa_softmax_f16";
                let cols = inp.below(40);
                call.layout(&mut inp, &[(n, 2, false), (n, 2, true)]);
                if inp.one_in(3) {
                    call.args[1].byte_off = call.args[0].byte_off;
                }
                before = call.arena.clone();
                let (x, y) = (call.ptr::<u16>(0), call.ptr::<u16>(1));
                status = sa_softmax_f16(k, x, y, call.len(0), cols);
            }
        }
    }
    call.check(&before, status, what);
}

/// `sa_activate`'s output (status OK) against the Rust API on the handle's backend, bit for
/// bit (the C function is documented as the Rust one behind checks).
fn same_as_rust(call: &Call, k: SaKernels, act: u32, p: f32, input: &[u32]) {
    let Some(o) = call.args[1].byte_off else {
        return;
    };
    if input.is_empty() {
        return;
    }
    let mut backend = u32::MAX;
    // SAFETY: `backend` is a valid place for one `sa_backend`.
    let status = unsafe { sa_kernels_backend(k, &mut backend) };
    assert_eq!(status, 0, "a handle that just worked has no backend");
    let backend = [Backend::Scalar, Backend::Avx2, Backend::Avx512][backend as usize];
    let kernels = Kernels::with_backend(backend).expect("the handle's backend");
    let mut rust_act = Activation::ALL[act as usize];
    if !p.is_nan() {
        rust_act = match rust_act {
            Activation::LeakyRelu { .. } => Activation::LeakyRelu { alpha: p },
            Activation::Elu { .. } => Activation::Elu { alpha: p },
            other => other,
        };
    }
    // SAFETY: a declared activation has a static name.
    let c_name = unsafe { CStr::from_ptr(sa_activation_name(act)) };
    assert_eq!(
        c_name.to_str(),
        Ok(rust_act.name()),
        "the C and Rust enums' orders"
    );
    let x: Vec<f32> = input.iter().map(|&b| f32::from_bits(b)).collect();
    let mut want = vec![0.0_f32; x.len()];
    kernels
        .sequential()
        .activate(rust_act, &x, &mut want)
        .expect("the Rust API accepts what the C API accepted");
    let got = &call.arena[o / 4..o / 4 + x.len()];
    for (i, (&g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w.to_bits(), "sa_activate({act}, {p}) element {i}");
    }
}

/// `sa_activation_from_name` on any bytes (NUL-terminated at the first NUL): no panic, a
/// known status, and a name that parses is the one `Activation::from_str` parses.
pub fn capi_from_name(data: &[u8]) {
    let mut name: Vec<u8> = data.iter().copied().take_while(|&b| b != 0).collect();
    let rust = std::str::from_utf8(&name)
        .ok()
        .and_then(|s| s.parse::<Activation>().ok());
    name.push(0);
    let (mut act, mut p) = (u32::MAX, f32::from_bits(0x7FBA_DCAF));
    // SAFETY: `name` is NUL-terminated; `act` and `p` are valid places.
    let status = unsafe { sa_activation_from_name(name.as_ptr().cast(), &mut act, &mut p) };
    assert!(status < SA_STATUS_COUNT && status != SA_STATUS_PANIC);
    assert_eq!(
        status == 0,
        rust.is_some(),
        "C and Rust disagree on {:?}",
        String::from_utf8_lossy(&name)
    );
    if status != 0 {
        assert_eq!(act, u32::MAX, "written on error");
        assert_eq!(p.to_bits(), 0x7FBA_DCAF, "written on error");
    }
}
