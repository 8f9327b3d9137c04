//! The fuzz checks of the Rust API of simd-activations, one `pub fn <target>(data: &[u8])` per
//! fuzz target.
//!
//! Self-contained on purpose: the fuzz crate (`fuzz/src/lib.rs`) compiles it as a module, and
//! the normal test suite (`tests/fuzz_corpus.rs`) includes the same file with `#[path]` and
//! replays the committed corpus through it, so `cargo test --release` checks the corpus without
//! libFuzzer. It therefore uses only what the crate's tests have: the crate itself with its
//! `testing` feature (the `reference`, `accuracy` and `ulp` machinery) and `std`.
//!
//! Inputs are decoded from the fuzzer's bytes by [`Input`], a tiny hand-written decoder (no
//! `arbitrary`): every decision (function, backend, threading, lengths, shapes, offsets, values)
//! takes a byte or a few; once the bytes run out, a generator seeded from them continues, so
//! that short inputs still make long slices of varied values.
//!
//! Every check asserts (a failed assertion is what libFuzzer reports as a crash):
//! - no panic, and no write outside the output slice (the slice sits between guard elements of
//!   a larger buffer, at a fuzzed offset, so that its alignment varies too);
//! - the same `Ok`/`Err` as the crate's `reference` functions (which validate the same way),
//!   and on `Err` the output bit for bit untouched;
//! - on `Ok`, every element within the documented bound of `reference` (NaN exactly where the
//!   reference is NaN), with the crate's own error measures (`ulp::distance`,
//!   `accuracy::backward_error`, `accuracy::beyond_margin`);
//! - the same bits on the handle's backend without threads (results do not depend on the
//!   split), and on AVX2 and AVX-512 when the CPU has both (the README promises identical bits;
//!   the scalar backend may differ by an ULP within the bounds, except where the README says
//!   it gives the same bits: softmax and PReLU backward).

use simd_activations::{
    self as sa, Activation, Backend, Error, Kernels, Mask, MaskedRows, SoftmaxOptions, accuracy,
    bf16, f16, reference, ulp,
};

/// The longest slice a check makes: long enough to cross a `parallel_threshold` split and
/// several SIMD blocks, short enough for thousands of runs a second.
pub const MAX_LEN: usize = 3000;

/// Guard elements on each side of an output slice: a kernel that stores a vector past either
/// end of its slice overwrites one (a 512-bit store is 16 `f32`).
const GUARD: usize = 16;

/// The values every decoded float may be drawn from: zeros, infinities, NaNs with payloads,
/// extremes, subnormals and the inputs where the kernels change regime.
const SPECIALS: &[f32] = &[
    0.0,
    -0.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    -f32::NAN,
    f32::from_bits(0x7F80_0001),
    f32::from_bits(0xFFC1_2345),
    f32::MAX,
    f32::MIN,
    f32::MIN_POSITIVE,
    -f32::MIN_POSITIVE,
    f32::from_bits(1),
    -f32::from_bits(1),
    f32::from_bits(0x007F_FFFF),
    f32::EPSILON,
    1.0,
    -1.0,
    0.5,
    -1.5,
    3.0,
    -3.0,
    6.0,
    88.72283,
    88.72284,
    -87.33655,
    -103.97208,
    -103.97209,
    -172.0,
    -194.0,
    9.01,
    -12.8,
    65504.0,
    65520.0,
    1e30,
    -1e-30,
];

/// The fuzzer's bytes: the decisions (functions, shapes, lengths, offsets, handles) read from
/// the front, the values (floats) from the back, so that a mutation of one leaves the other in
/// place; a splitmix64 stream seeded from the bytes once they run out.
pub struct Input<'a> {
    data: &'a [u8],
    front: usize,
    back: usize,
    state: u64,
}

impl<'a> Input<'a> {
    /// A decoder over `data`.
    pub fn new(data: &'a [u8]) -> Input<'a> {
        // FNV-1a of the bytes: the generator's seed, so that an input replays identically.
        let state = data.iter().fold(0xCBF2_9CE4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        });
        Input {
            data,
            front: 0,
            back: data.len(),
            state,
        }
    }

    fn next_random(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The next decision byte (from the front).
    pub fn byte(&mut self) -> u8 {
        if self.front < self.back {
            self.front += 1;
            self.data[self.front - 1]
        } else {
            self.next_random() as u8
        }
    }

    /// The next value byte (from the back).
    fn value_byte(&mut self) -> u8 {
        if self.front < self.back {
            self.back -= 1;
            self.data[self.back]
        } else {
            self.next_random() as u8
        }
    }

    /// A number below `n` (`n > 0`), from one byte (two if `n > 256`).
    pub fn below(&mut self, n: usize) -> usize {
        let v = if n > 256 {
            usize::from(u16::from_le_bytes([self.byte(), self.byte()]))
        } else {
            usize::from(self.byte())
        };
        v % n
    }

    /// A coin that comes up true one time in `n`.
    pub fn one_in(&mut self, n: u8) -> bool {
        self.byte() % n == 0
    }

    /// Four value bytes.
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([
            self.value_byte(),
            self.value_byte(),
            self.value_byte(),
            self.value_byte(),
        ])
    }

    /// A float: any bit pattern, a special value, a moderate value, or a value of a random
    /// binade in `2^-40 .. 2^40` (where most kernels do their work).
    pub fn f32(&mut self) -> f32 {
        match self.value_byte() % 4 {
            0 => f32::from_bits(self.u32()),
            1 => SPECIALS[usize::from(self.value_byte()) % SPECIALS.len()],
            2 => f32::from(i16::from_le_bytes([self.value_byte(), self.value_byte()])) / 256.0,
            _ => {
                let bits = self.u32();
                let exponent = 87 + (bits >> 24) % 80; // biased: 2^-40 .. 2^39
                f32::from_bits((bits & 0x8000_0000) | (exponent << 23) | (bits & 0x007F_FFFF))
            }
        }
    }

    /// A finite float (moderate or of a random binade), for parameters that must be finite.
    pub fn finite_f32(&mut self) -> f32 {
        let v = self.f32();
        if v.is_finite() { v } else { 0.25 }
    }

    /// `n` floats.
    pub fn floats(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.f32()).collect()
    }

    /// A length: mostly short (tails of every width), sometimes up to [`MAX_LEN`].
    pub fn length(&mut self) -> usize {
        if self.one_in(4) {
            self.below(MAX_LEN + 1)
        } else {
            self.below(70)
        }
    }

    /// A length near `n`: `n` itself most of the time, else off by a little (an error case).
    pub fn len_near(&mut self, n: usize) -> usize {
        if self.one_in(8) {
            (n + self.below(5)).saturating_sub(2)
        } else {
            n
        }
    }

    /// A handle: a supported backend with one of the threading policies, or the global handle
    /// (the free functions').
    pub fn handle(&mut self) -> Kernels {
        let supported = Backend::supported();
        let backend = supported[self.below(supported.len())];
        let k = Kernels::with_backend(backend).expect("a supported backend");
        match self.byte() % 4 {
            0 => k.sequential(),
            // Splits from a few elements on: the thread split of every call that long.
            1 => k.parallel_threshold(1 + self.below(64)),
            2 => k.automatic_threading(),
            _ => *Kernels::global(),
        }
    }

    /// An activation of the registry, its parameter (if it has one) the default, a finite
    /// value, or any bit pattern (NaN and infinities are refused by the kernels).
    pub fn activation(&mut self) -> Activation {
        let act = Activation::ALL[self.below(Activation::ALL.len())];
        if act.param_name().is_none() {
            return act;
        }
        let p = match self.byte() % 4 {
            0 => return act,
            1 => f32::from_bits(self.u32()),
            _ => self.finite_f32(),
        };
        match act {
            Activation::LeakyRelu { .. } => Activation::LeakyRelu { alpha: p },
            Activation::Elu { .. } => Activation::Elu { alpha: p },
            other => other,
        }
    }

    /// An offset into a larger buffer: the slice's alignment.
    pub fn offset(&mut self) -> usize {
        self.below(GUARD + 1)
    }
}

/// An element type of an output buffer, compared bit for bit.
pub trait Elem: Copy {
    /// What unwritten elements hold: a NaN with a payload no kernel makes.
    const SENTINEL: Self;
    /// The bits.
    fn bits(self) -> u32;
    /// Whether it is a NaN.
    fn nan(self) -> bool;
}

impl Elem for f32 {
    const SENTINEL: f32 = f32::from_bits(0xFFBA_DCAF);
    fn bits(self) -> u32 {
        self.to_bits()
    }
    fn nan(self) -> bool {
        self.is_nan()
    }
}

impl Elem for f16 {
    const SENTINEL: f16 = f16::from_bits(0xFDAB);
    fn bits(self) -> u32 {
        u32::from(self.to_bits())
    }
    fn nan(self) -> bool {
        self.is_nan()
    }
}

impl Elem for bf16 {
    const SENTINEL: bf16 = bf16::from_bits(0xFFAB);
    fn bits(self) -> u32 {
        u32::from(self.to_bits())
    }
    fn nan(self) -> bool {
        self.is_nan()
    }
}

fn same_bits<T: Elem>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.bits() == y.bits())
}

/// Asserts that `a` and `b` hold the same bits, NaNs included.
fn assert_same_bits<T: Elem>(what: &str, a: &[T], b: &[T]) {
    assert_same_values(what, a, b, false);
}

/// Asserts that `a` and `b` hold the same bits, or (with `any_nan`) are both NaN, of any
/// payload: which NaN a sum or product of two NaNs gives depends on the order of its
/// operands, which the crate does not promise across backends (see the fuzz README).
fn assert_same_values<T: Elem>(what: &str, a: &[T], b: &[T], any_nan: bool) {
    let same = |x: T, y: T| x.bits() == y.bits() || (any_nan && x.nan() && y.nan());
    if let Some(i) = (0..a.len().min(b.len())).find(|&i| !same(a[i], b[i])) {
        panic!(
            "{what}: element {i} of {} differs: {:#010x} vs {:#010x}",
            a.len(),
            a[i].bits(),
            b[i].bits()
        );
    }
    assert_eq!(a.len(), b.len(), "{what}: lengths");
}

/// Runs `op` on an output slice holding `init`, placed at `off` in a buffer of guard elements;
/// asserts that the guards are untouched, and on `Err` the slice too. Returns the result and
/// the slice's contents.
fn guarded<T: Elem>(
    init: &[T],
    off: usize,
    op: impl FnOnce(&mut [T]) -> Result<(), Error>,
) -> (Result<(), Error>, Vec<T>) {
    let n = init.len();
    let mut buf = vec![T::SENTINEL; off + n + GUARD];
    buf[off..off + n].copy_from_slice(init);
    let r = op(&mut buf[off..off + n]);
    let untouched = |s: &[T]| s.iter().all(|v| v.bits() == T::SENTINEL.bits());
    assert!(
        untouched(&buf[..off]) && untouched(&buf[off + n..]),
        "a write outside the output slice (offset {off}, length {n}): {r:?}"
    );
    let out = buf[off..off + n].to_vec();
    if let Err(e) = r {
        assert!(same_bits(&out, init), "the output was written on {e:?}");
    }
    (r, out)
}

/// The sequential handles whose results must equal `k`'s bit for bit: `k`'s backend without
/// threads (the same bits whatever the split) and, for AVX2 and AVX-512, the other one when
/// the CPU has it. With `scalar_too`, also the scalar backend (where the README says it gives
/// the same bits).
fn twins(k: &Kernels, scalar_too: bool) -> Vec<Kernels> {
    let seq = |b: Backend| Kernels::with_backend(b).ok().map(Kernels::sequential);
    let mut out: Vec<Kernels> = seq(k.backend()).into_iter().collect();
    let other = match k.backend() {
        Backend::Avx2 => Some(Backend::Avx512),
        Backend::Avx512 => Some(Backend::Avx2),
        _ => None,
    };
    out.extend(other.and_then(seq));
    if scalar_too && k.backend() != Backend::Scalar {
        out.extend(seq(Backend::Scalar));
    }
    out
}

/// [`guarded`] on `k` (output at offset `off`), then on each of [`twins`]: the same result and
/// the same bits (any NaN for a NaN).
fn across<T: Elem>(
    k: &Kernels,
    init: &[T],
    off: usize,
    scalar_too: bool,
    op: impl Fn(&Kernels, &mut [T]) -> Result<(), Error>,
) -> (Result<(), Error>, Vec<T>) {
    let (r, out) = guarded(init, off, |y| op(k, y));
    for t in twins(k, scalar_too) {
        let (r2, out2) = guarded(init, 0, |y| op(&t, y));
        let what = format!("{:?} vs {:?}", k.backend(), t.backend());
        same_result(&what, &r, &r2);
        // NaNs compared by value: which payload a NaN result carries depends on the thread
        // split and on the backend where two NaN operands meet (`fuzz/findings/README.md`).
        assert_same_values(&what, &out, &out2, true);
    }
    (r, out)
}

/// Asserts that two results are the same `Ok` or the same error (compared by their `Debug`
/// form: an error that carries a NaN value is not `==` to itself).
fn same_result(what: &str, got: &Result<(), Error>, want: &Result<(), Error>) {
    assert_eq!(format!("{got:?}"), format!("{want:?}"), "{what}");
}

/// `v` placed at offset `off` of a larger vector: an input slice of varying alignment.
fn placed(v: &[f32], off: usize) -> Vec<f32> {
    let mut buf = vec![0.0_f32; off];
    buf.extend_from_slice(v);
    buf
}

/// Whether a sum `v` (in `f64`) is beyond `f32::MAX / 16`: where the kernels' `f32` sums may
/// overflow while the `f64` reference's do not, outside what the documented bounds cover.
fn huge(v: f64) -> bool {
    v.is_nan() || v.abs() >= f64::from(f32::MAX) / 16.0
}

/// Elementwise forward of every activation (its parameter fuzzed), in place and out of place,
/// through [`Kernels::activate`] (bit for bit the named functions, `tests/registry.rs`).
pub fn elementwise(data: &[u8]) {
    let mut inp = Input::new(data);
    let k = inp.handle();
    let act = inp.activation();
    let n = inp.length();
    let x = inp.floats(n);
    let in_place = inp.one_in(2);
    let (xo, yo) = (inp.offset(), inp.offset());
    let olen = if in_place { n } else { inp.len_near(n) };

    let mut want = vec![0.0_f32; olen];
    let want_r = reference::activate(act, &x, &mut want);
    let xb = placed(&x, xo);
    let xs = &xb[xo..];
    let (r, got) = if in_place {
        across(&k, &x, yo, false, |k, y| k.activate_inplace(act, y))
    } else {
        let init = vec![f32::SENTINEL; olen];
        across(&k, &init, yo, false, |k, y| k.activate(act, xs, y))
    };
    same_result(&act.to_string(), &r, &want_r);
    if r.is_err() {
        return;
    }
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        let d = ulp::distance(g, w);
        assert!(
            d <= act.ulp_bound(),
            "{act} on {:?}: x[{i}] = {:e} ({:#010x}): got {g:e}, want {w:e}: {d} ULP > {}",
            k.backend(),
            x[i],
            x[i].to_bits(),
            act.ulp_bound()
        );
    }
}

/// The largest `|dy|` (and, for ELU, `|alpha dy|`) at which the gradients' bounds are
/// checked. The README states them "for every finite `dy` where `f'(x)` is finite in `f32`",
/// but the kernels scale `dy` by a constant before the small factor (`tanh`'s 4, SELU's
/// `lambda alpha`, ELU's `alpha`), which overflows for `dy` near `f32::MAX` where the exact
/// result is finite (`fuzz/findings/README.md`). 2^80 is the limit the README already gives
/// the margin-bounded gradients' tails; raise it to `f32::MAX` once the kernels (or the
/// README) are settled.
const DY_LIMIT: f32 = (1_u128 << 80) as f32;

/// Whether a gradient's bound applies at `(x, dy)`: finite `dy` within [`DY_LIMIT`] where
/// `f'(x)` is finite in `f32`.
fn gradient_bound_applies(act: Activation, x: f32, dy: f32) -> bool {
    let scale = match act {
        Activation::Elu { alpha } => alpha.abs().max(1.0),
        _ => 1.0,
    };
    dy.is_finite()
        && f64::from(dy.abs()) * f64::from(scale) <= f64::from(DY_LIMIT)
        && reference::activate_backward_one(act, x, 1.0).is_finite()
}

/// Elementwise gradients of every activation from the forward input (`activate_backward`, in
/// place and out of place) and the `_from_output` gradients of sigmoid and tanh.
pub fn backward(data: &[u8]) {
    let mut inp = Input::new(data);
    let k = inp.handle();
    let act = inp.activation();
    let n = inp.length();
    let x = inp.floats(n);
    let dylen = inp.len_near(n);
    let dy = inp.floats(dylen);
    let in_place = inp.one_in(2);
    let (xo, yo) = (inp.offset(), inp.offset());
    let dxlen = if in_place { dylen } else { inp.len_near(n) };
    let xb = placed(&x, xo);
    let xs = &xb[xo..];

    match inp.byte() % 3 {
        0 => {
            // From the saved output: `y` is whatever the caller saved, here any float.
            let sigmoid = inp.one_in(2);
            let (r, got) = if in_place {
                across(&k, &dy, yo, false, |k, g| {
                    if sigmoid {
                        k.sigmoid_backward_from_output_inplace(xs, g)
                    } else {
                        k.tanh_backward_from_output_inplace(xs, g)
                    }
                })
            } else {
                let init = vec![f32::SENTINEL; dxlen];
                across(&k, &init, yo, false, |k, g| {
                    if sigmoid {
                        k.sigmoid_backward_from_output(xs, &dy, g)
                    } else {
                        k.tanh_backward_from_output(xs, &dy, g)
                    }
                })
            };
            assert_eq!(r.is_err(), dylen != n || dxlen != n, "{r:?}");
            if r.is_err() {
                return;
            }
            for i in 0..n {
                let (y, d) = (x[i], dy[i]);
                // The bound is stated for outputs of the function (sigmoid's in [0, 1],
                // tanh's in [-1, 1]) and finite `dy`: outside them `y (1 - y)` or `y^2` may
                // overflow in `f32` before `dy` scales it down.
                let lo = if sigmoid { 0.0 } else { -1.0 };
                if !((lo..=1.0).contains(&y) && d.is_finite()) {
                    continue;
                }
                let w = if sigmoid {
                    reference::sigmoid_backward_from_output_one(y, d)
                } else {
                    reference::tanh_backward_from_output_one(y, d)
                };
                let e = ulp::distance(got[i], w);
                assert!(
                    e <= 2,
                    "{}_backward_from_output on {:?}: y = {y:e}, dy = {d:e}: got {:e}, \
                     want {w:e}: {e} ULP > 2",
                    if sigmoid { "sigmoid" } else { "tanh" },
                    k.backend(),
                    got[i]
                );
            }
        }
        _ => {
            let mut want = vec![0.0_f32; dxlen];
            let want_r = reference::activate_backward(act, &x, &dy, &mut want);
            let (r, got) = if in_place {
                across(&k, &dy, yo, false, |k, g| {
                    k.activate_backward_inplace(act, xs, g)
                })
            } else {
                let init = vec![f32::SENTINEL; dxlen];
                across(&k, &init, yo, false, |k, g| {
                    k.activate_backward(act, xs, &dy, g)
                })
            };
            same_result(&act.to_string(), &r, &want_r);
            if r.is_err() {
                return;
            }
            for i in 0..n {
                if !gradient_bound_applies(act, x[i], dy[i]) {
                    continue;
                }
                let e = accuracy::backward_error(act, x[i], dy[i], got[i], want[i]);
                assert!(
                    e <= act.backward_ulp_bound(),
                    "{act} backward on {:?}: x = {:e} ({:#010x}), dy = {:e} ({:#010x}): got \
                     {:e}, want {:e}: {e} > {}",
                    k.backend(),
                    x[i],
                    x[i].to_bits(),
                    dy[i],
                    dy[i].to_bits(),
                    got[i],
                    want[i],
                    act.backward_ulp_bound()
                );
            }
        }
    }
}

/// Decodes a channel count and (channels-first) an `inner`, and a length that is mostly a
/// multiple of `channels * inner`.
fn prelu_shape(inp: &mut Input<'_>) -> (usize, usize, usize) {
    let channels = if inp.one_in(16) { 0 } else { 1 + inp.below(40) };
    let inner = if inp.one_in(2) {
        1
    } else if inp.one_in(16) {
        0
    } else {
        1 + inp.below(40)
    };
    let period = (channels * inner).max(1);
    let n = if inp.one_in(8) {
        inp.below(200)
    } else {
        period * inp.below(MAX_LEN / period + 1)
    };
    (channels, inner, n)
}

/// PReLU forward and backward, channels-last and channels-first, in place and out of place.
pub fn prelu(data: &[u8]) {
    let mut inp = Input::new(data);
    let k = inp.handle();
    let (channels, inner, n) = prelu_shape(&mut inp);
    let first = inner != 1 || inp.one_in(2);
    // Slopes: mostly finite (a NaN or infinite slope is refused).
    let slopes: Vec<f32> = (0..channels)
        .map(|_| {
            if inp.one_in(16) {
                inp.f32()
            } else {
                inp.finite_f32()
            }
        })
        .collect();
    let x = inp.floats(n);
    let in_place = inp.one_in(2);
    let yo = inp.offset();
    let olen = if in_place { n } else { inp.len_near(n) };

    if inp.one_in(2) {
        let mut want = vec![0.0_f32; olen];
        let want_r = if first {
            reference::prelu_channels_first(&x, &mut want, &slopes, inner)
        } else {
            reference::prelu(&x, &mut want, &slopes)
        };
        let init = if in_place {
            x.clone()
        } else {
            vec![f32::SENTINEL; olen]
        };
        let (r, got) = across(&k, &init, yo, true, |k, y| match (first, in_place) {
            (true, true) => k.prelu_channels_first_inplace(y, &slopes, inner),
            (true, false) => k.prelu_channels_first(&x, y, &slopes, inner),
            (false, true) => k.prelu_inplace(y, &slopes),
            (false, false) => k.prelu(&x, y, &slopes),
        });
        same_result("prelu", &r, &want_r);
        if r.is_ok() {
            // Exact: the same bits as the reference, NaN for NaN.
            for i in 0..n {
                assert_eq!(
                    ulp::distance(got[i], want[i]),
                    0,
                    "prelu x[{i}] = {:e}: got {:e}, want {:e}",
                    x[i],
                    got[i],
                    want[i]
                );
            }
        }
        return;
    }

    // Backward: `dx` and `dslopes` in one guarded buffer, `dx` first.
    let dylen = inp.len_near(n);
    let dy = inp.floats(dylen);
    let dslen = inp.len_near(channels);
    let mut want_dx = vec![0.0_f32; if in_place { dy.len() } else { olen }];
    let mut want_ds = vec![0.0_f32; dslen];
    let want_r = reference::prelu_channels_first_backward(
        &x,
        &dy,
        &mut want_dx,
        &slopes,
        &mut want_ds,
        if first { inner } else { 1 },
    );
    let mut init = if in_place {
        dy.clone()
    } else {
        vec![f32::SENTINEL; olen]
    };
    let dxlen = init.len();
    init.extend(std::iter::repeat_n(f32::SENTINEL, dslen));
    let (r, got) = across(&k, &init, yo, true, |k, out| {
        let (dx, ds) = out.split_at_mut(dxlen);
        match (first, in_place) {
            (true, true) => k.prelu_channels_first_backward_inplace(&x, dx, &slopes, ds, inner),
            (true, false) => k.prelu_channels_first_backward(&x, &dy, dx, &slopes, ds, inner),
            (false, true) => k.prelu_backward_inplace(&x, dx, &slopes, ds),
            (false, false) => k.prelu_backward(&x, &dy, dx, &slopes, ds),
        }
    });
    if in_place {
        // In place `dx` is `dy`: the same refusals, perhaps naming the other slice.
        assert_eq!(r.is_ok(), want_r.is_ok(), "{r:?} vs {want_r:?}");
    } else {
        same_result("prelu backward", &r, &want_r);
    }
    if r.is_err() {
        return;
    }
    let (dx, ds) = got.split_at(dxlen);
    for i in 0..n {
        assert_eq!(
            ulp::distance(dx[i], want_dx[i]),
            0,
            "prelu backward dx[{i}]: x = {:e}, dy = {:e}: got {:e}, want {:e}",
            x[i],
            dy[i],
            dx[i],
            want_dx[i]
        );
    }
    // `dslopes[c]`: within `2 ulp(ref) + 2^-23 sum |x dy|` over the channel's elements.
    let period = channels * if first { inner } else { 1 };
    let inner = if first { inner } else { 1 };
    let mut margin = vec![0.0_f64; channels];
    let mut finite = vec![true; channels];
    for i in 0..n {
        let c = (i % period) / inner;
        if x[i] <= 0.0 || x[i].is_nan() {
            let p = f64::from(x[i]) * f64::from(dy[i]);
            margin[c] += p.abs();
            finite[c] &= p.is_finite();
        }
    }
    for c in 0..channels {
        if !finite[c] || huge(margin[c]) {
            continue;
        }
        let e = accuracy::beyond_margin(ds[c], want_ds[c], margin[c] * f64::from(f32::EPSILON));
        assert!(
            e <= 2,
            "prelu backward dslopes[{c}] on {:?}: got {:e}, want {:e}: {e} ULP beyond the margin",
            k.backend(),
            ds[c],
            want_ds[c]
        );
    }
}

/// A row shape: `cols` (0 sometimes: refused), and a length mostly a whole number of rows.
fn row_shape(inp: &mut Input<'_>) -> (usize, usize) {
    let cols = if inp.one_in(32) {
        0
    } else if inp.one_in(4) {
        1 + inp.below(MAX_LEN)
    } else {
        1 + inp.below(40)
    };
    let n = if inp.one_in(8) {
        inp.below(100)
    } else {
        cols.max(1) * inp.below(MAX_LEN / cols.max(1) + 1)
    };
    (cols, n)
}

/// What [`SoftmaxOptions`] a check uses, kept in the open (the options' fields are private):
/// the scale, the mask, the fully-masked-row policy and the row stride.
struct Opts {
    scale: f32,
    mask: MaskSpec,
    zero_rows: bool,
    stride: Option<usize>,
}

enum MaskSpec {
    None,
    Additive(Vec<f32>),
    Causal(usize),
}

impl Opts {
    /// The plain softmax's options.
    fn plain() -> Opts {
        Opts {
            scale: 1.0,
            mask: MaskSpec::None,
            zero_rows: false,
            stride: None,
        }
    }

    /// Decodes options for rows of `cols` over `n` elements: a scale (mostly 1 or finite,
    /// sometimes any bits: 0, NaN and infinities are refused), a mask (none, additive of
    /// `cols` or `rows * cols` entries or a wrong length, causal), the fully-masked-row policy,
    /// and a row stride (packed, wider, or narrower than `cols`: refused).
    fn decode(inp: &mut Input<'_>, cols: usize, n: usize) -> Opts {
        let scale = match inp.byte() % 4 {
            0 => 1.0,
            1 => f32::from_bits(inp.u32()),
            _ => inp.finite_f32(),
        };
        let zero_rows = inp.one_in(2);
        let stride = match inp.byte() % 6 {
            0 => Some(cols + inp.below(9)),
            1 => Some(cols.saturating_sub(1)),
            2 => Some(cols),
            _ => None,
        };
        let s = stride.unwrap_or(cols).max(1);
        let rows = n.div_ceil(s);
        let mask = match inp.byte() % 3 {
            0 => MaskSpec::None,
            1 => {
                let mlen = match inp.byte() % 4 {
                    0 => cols,
                    1 | 2 => rows * cols,
                    _ => inp.below(100),
                };
                MaskSpec::Additive(
                    (0..mlen)
                        .map(|_| match inp.byte() % 8 {
                            0..=2 => 0.0,
                            3 | 4 => f32::NEG_INFINITY,
                            5 => inp.f32(),
                            _ => inp.finite_f32(),
                        })
                        .collect(),
                )
            }
            _ => MaskSpec::Causal(if inp.one_in(8) {
                usize::MAX
            } else {
                inp.below(50)
            }),
        };
        Opts {
            scale,
            mask,
            zero_rows,
            stride,
        }
    }

    fn build(&self) -> SoftmaxOptions<'_> {
        let mut o = SoftmaxOptions::new().scale(self.scale);
        o = o.mask(match &self.mask {
            MaskSpec::None => Mask::None,
            MaskSpec::Additive(m) => Mask::Additive(m),
            MaskSpec::Causal(offset) => Mask::Causal { offset: *offset },
        });
        if self.zero_rows {
            o = o.masked_rows(MaskedRows::Zero);
        }
        if let Some(s) = self.stride {
            o = o.row_stride(s);
        }
        o
    }

    /// The largest exact logit `scale * x + mask` of row `r` (masked entries left out).
    fn max_logit(&self, x: &[f32], cols: usize, r: usize) -> f64 {
        let s = self.stride.unwrap_or(cols);
        (0..cols)
            .filter_map(|j| {
                let v = f64::from(self.scale) * f64::from(x[r * s + j]);
                match &self.mask {
                    MaskSpec::None => Some(v),
                    MaskSpec::Additive(m) => {
                        let mv = if m.len() == cols {
                            m[j]
                        } else {
                            m[r * cols + j]
                        };
                        (mv != f32::NEG_INFINITY).then(|| v + f64::from(mv))
                    }
                    MaskSpec::Causal(offset) => (j <= r.saturating_add(*offset)).then_some(v),
                }
            })
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Softmax, log-softmax and log-sum-exp, plain and with every [`SoftmaxOptions`] (scale,
/// additive and causal masks, fully masked rows as NaN or zero, strided rows), in place and
/// out of place.
pub fn softmax(data: &[u8]) {
    let mut inp = Input::new(data);
    let k = inp.handle();
    let (cols, n) = row_shape(&mut inp);
    let x = inp.floats(n);
    let with = inp.one_in(2);
    let spec = if with {
        Opts::decode(&mut inp, cols, n)
    } else {
        Opts::plain()
    };
    let opts = spec.build();
    let stride = spec.stride.unwrap_or(cols);
    let kind = inp.byte() % 3;
    let in_place = kind != 2 && inp.one_in(2);
    let yo = inp.offset();
    let xb = placed(&x, inp.offset());
    let xs = &xb[xb.len() - n..];

    if kind == 2 {
        // Log-sum-exp: one output per row.
        let rows = n.div_ceil(stride.max(1));
        let olen = inp.len_near(rows);
        let mut want = vec![f32::SENTINEL; olen];
        let want_r = reference::log_sum_exp_with(&x, &mut want, cols, &opts);
        let init = vec![f32::SENTINEL; olen];
        let (r, got) = across(&k, &init, yo, false, |k, o| {
            if with {
                k.log_sum_exp_with(xs, o, cols, &opts)
            } else {
                k.log_sum_exp(xs, o, cols)
            }
        });
        if with {
            same_result(&format!("log_sum_exp with {opts:?}"), &r, &want_r);
        } else {
            // The plain form names its errors as the plain softmax does.
            assert_eq!(
                r.is_err(),
                want_r.is_err(),
                "log_sum_exp: {r:?} vs {want_r:?}"
            );
        }
        if r.is_err() {
            return;
        }
        for row in 0..olen {
            let (g, w) = (got[row], want[row]);
            // `2 ulp(result) + 2^-24 abs(m) + 2^-23 ln(sum_j exp(z_j - m))` with `m = max_j z_j`
            // (the last term, `2^-23 (result - m)`, is the terms' rounding); NaN and infinities
            // exactly.
            let e = if w.is_finite() {
                let zmax = spec.max_logit(&x, cols, row);
                let ln_sum = (f64::from(w) - zmax).max(0.0);
                let margin = (zmax.abs() / 2.0 + ln_sum) * f64::from(f32::EPSILON);
                accuracy::beyond_margin(g, w, margin)
            } else {
                ulp::distance(g, w)
            };
            assert!(
                e <= 2,
                "log_sum_exp row {row} on {:?}: got {g:e}, want {w:e}: {e} ULP beyond the \
                 margin ({opts:?}; cols {cols}, the row's x from {}: {:?})",
                k.backend(),
                row * stride,
                &x[(row * stride).min(x.len())..(row * stride + cols.min(64)).min(x.len())]
            );
        }
        return;
    }

    let log = kind == 1;
    let olen = if in_place { n } else { inp.len_near(n) };
    let init = if in_place {
        x.clone()
    } else {
        vec![f32::SENTINEL; olen]
    };
    // The reference writes the rows only, as the kernels must: the gaps of strided rows keep
    // what they held.
    let mut want = init.clone();
    let want_r = match (log, with) {
        (false, false) => reference::softmax(&x, &mut want, cols),
        (false, true) => reference::softmax_with(&x, &mut want, cols, &opts),
        (true, false) => reference::log_softmax(&x, &mut want, cols),
        (true, true) => reference::log_softmax_with(&x, &mut want, cols, &opts),
    };
    let (r, got) = across(&k, &init, yo, false, |k, y| match (log, with, in_place) {
        (false, false, false) => k.softmax(xs, y, cols),
        (false, false, true) => k.softmax_inplace(y, cols),
        (false, true, false) => k.softmax_with(xs, y, cols, &opts),
        (false, true, true) => k.softmax_with_inplace(y, cols, &opts),
        (true, false, false) => k.log_softmax(xs, y, cols),
        (true, false, true) => k.log_softmax_inplace(y, cols),
        (true, true, false) => k.log_softmax_with(xs, y, cols, &opts),
        (true, true, true) => k.log_softmax_with_inplace(y, cols, &opts),
    });
    let name = if log { "log_softmax" } else { "softmax" };
    if in_place && !with {
        // In place the length cannot mismatch; the reference saw the same slice.
        assert_eq!(r.is_err(), want_r.is_err(), "{name}: {r:?} vs {want_r:?}");
    } else {
        same_result(&format!("{name} with {opts:?}"), &r, &want_r);
    }
    if r.is_err() {
        return;
    }
    for i in 0..n {
        let in_row = i % stride.max(1) < cols;
        // 4 ULP in the rows; the gaps between strided rows bit for bit untouched.
        let (e, bound) = if in_row {
            (ulp::distance(got[i], want[i]), 4)
        } else {
            (u32::from(got[i].to_bits() != init[i].to_bits()), 0)
        };
        // The row's x in the message: what a regression test needs.
        let row = i / stride.max(1) * stride.max(1);
        assert!(
            e <= bound,
            "{name} on {:?}, cols {cols}, element {i} (x = {:e}): got {:e}, want {:e}: {e} > \
             {bound} ({opts:?}; the row's x: {:?})",
            k.backend(),
            x[i],
            got[i],
            want[i],
            &x[row..(row + cols).min(x.len())]
        );
    }
}

/// Softmax and log-softmax backward, in place and out of place, from a forward output `y`
/// that is either the reference's softmax of fuzzed logits (a real output: the bounds apply)
/// or any floats (only the error, untouched-output and bit-identity properties apply).
pub fn softmax_backward(data: &[u8]) {
    let mut inp = Input::new(data);
    let k = inp.handle();
    let (cols, n) = row_shape(&mut inp);
    let log = inp.one_in(2);
    let x = inp.floats(n);
    let mut y = vec![0.0_f32; n];
    let real = !inp.one_in(4)
        && if log {
            reference::log_softmax(&x, &mut y, cols).is_ok()
        } else {
            reference::softmax(&x, &mut y, cols).is_ok()
        };
    if !real {
        y = x.clone();
    }
    let dylen = inp.len_near(n);
    let dy = inp.floats(dylen);
    let in_place = inp.one_in(2);
    let yo = inp.offset();
    let olen = if in_place { dy.len() } else { inp.len_near(n) };
    let yb = placed(&y, inp.offset());
    let ys = &yb[yb.len() - n..];

    let mut want = vec![0.0_f32; if in_place { dy.len() } else { olen }];
    let want_r = if log {
        reference::log_softmax_backward(&y, &dy, &mut want, cols)
    } else {
        reference::softmax_backward(&y, &dy, &mut want, cols)
    };
    let init = if in_place {
        dy.clone()
    } else {
        vec![f32::SENTINEL; olen]
    };
    // Softmax backward gives the same bits on the scalar backend too (README); log-softmax
    // backward uses the crate's `exp`, which the scalar backend evaluates unfused.
    let (r, got) = across(&k, &init, yo, !log, |k, g| match (log, in_place) {
        (false, false) => k.softmax_backward(ys, &dy, g, cols),
        (false, true) => k.softmax_backward_inplace(ys, g, cols),
        (true, false) => k.log_softmax_backward(ys, &dy, g, cols),
        (true, true) => k.log_softmax_backward_inplace(ys, g, cols),
    });
    let name = if log {
        "log_softmax_backward"
    } else {
        "softmax_backward"
    };
    if in_place {
        assert_eq!(r.is_err(), want_r.is_err(), "{name}: {r:?} vs {want_r:?}");
    } else {
        same_result(name, &r, &want_r);
    }
    if r.is_err() || !real {
        return;
    }
    for (row, ((yr, dr), (gr, wr))) in y
        .chunks_exact(cols)
        .zip(dy.chunks_exact(cols))
        .zip(got.chunks_exact(cols).zip(want.chunks_exact(cols)))
        .enumerate()
    {
        if !yr.iter().chain(dr).all(|v| v.is_finite()) {
            continue;
        }
        // softmax: `4 ulp(ref) + 2^-22 y_i sum_j |dy_j y_j|`;
        // log-softmax: `4 ulp(ref) + 2^-22 (|dy_i| + exp(y_i) sum_j |dy_j|)`.
        let sum: f64 = if log {
            dr.iter().map(|&d| f64::from(d).abs()).sum()
        } else {
            yr.iter()
                .zip(dr)
                .map(|(&y, &d)| (f64::from(y) * f64::from(d)).abs())
                .sum()
        };
        // Where `dy_i - s` (or `dy_i`'s sum) leaves the `f32` range the kernels' intermediate
        // overflows while the `f64` reference's does not: outside the documented bounds.
        let dymax = dr.iter().fold(0.0_f64, |m, &d| m.max(f64::from(d).abs()));
        if huge(sum) || huge(dymax) || huge(dymax * cols as f64) {
            continue;
        }
        for i in 0..cols {
            let m = if log {
                f64::from(dr[i]).abs() + f64::from(yr[i]).exp() * sum
            } else {
                f64::from(yr[i]) * sum
            };
            let e = accuracy::beyond_margin(gr[i], wr[i], m * 2f64.powi(-22));
            assert!(
                e <= 4,
                "{name} on {:?}, row {row}, column {i}: y = {:e}, dy = {:e}: got {:e}, want \
                 {:e}: {e} ULP beyond the margin",
                k.backend(),
                yr[i],
                dr[i],
                gr[i],
                wr[i]
            );
        }
    }
}

/// Whether `act`'s parameter is accepted (finite).
fn valid(act: Activation) -> bool {
    reference::activate(act, &[], &mut []).is_ok()
}

/// The fused kernels: `bias_activate` (in place and out of place), `glu` (in place and out of
/// place) and `glu_rows`, each bit for bit its unfused form on the same backend (the README's
/// promise), and refusing exactly the shapes and parameters the docs list.
pub fn fused(data: &[u8]) {
    let mut inp = Input::new(data);
    let k = inp.handle();
    let act = inp.activation();
    let seq = Kernels::with_backend(k.backend())
        .expect("a supported backend")
        .sequential();
    let in_place = inp.one_in(2);
    let yo = inp.offset();
    match inp.byte() % 3 {
        0 => {
            let channels = if inp.one_in(16) { 0 } else { 1 + inp.below(40) };
            let n = if inp.one_in(8) {
                inp.below(100)
            } else {
                channels.max(1) * inp.below(MAX_LEN / channels.max(1) + 1)
            };
            let x = inp.floats(n);
            let bias = inp.floats(channels);
            let olen = if in_place { n } else { inp.len_near(n) };
            let init = if in_place {
                x.clone()
            } else {
                vec![f32::SENTINEL; olen]
            };
            let (r, got) = across(&k, &init, yo, false, |k, y| {
                if in_place {
                    k.bias_activate_inplace(y, &bias, act)
                } else {
                    k.bias_activate(&x, &bias, y, act)
                }
            });
            let refused = channels == 0 || n % channels != 0 || olen != n || !valid(act);
            assert_eq!(r.is_err(), refused, "bias_activate {act}: {r:?}");
            if r.is_ok() {
                let z: Vec<f32> = x
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| v + bias[i % channels])
                    .collect();
                let mut want = vec![0.0; n];
                seq.activate(act, &z, &mut want).expect("the unfused form");
                assert_same_values(&format!("bias_activate {act}"), &got, &want, true);
            }
        }
        1 => {
            let n = inp.length();
            let gate = inp.floats(n);
            let uplen = inp.len_near(n);
            let up = inp.floats(uplen);
            let olen = if in_place { up.len() } else { inp.len_near(n) };
            let init = if in_place {
                up.clone()
            } else {
                vec![f32::SENTINEL; olen]
            };
            let (r, got) = across(&k, &init, yo, false, |k, y| {
                if in_place {
                    k.glu_inplace(&gate, y, act)
                } else {
                    k.glu(&gate, &up, y, act)
                }
            });
            let refused = up.len() != n || olen != n || !valid(act);
            assert_eq!(r.is_err(), refused, "glu {act}: {r:?}");
            if r.is_ok() {
                let mut want = vec![0.0; n];
                seq.activate(act, &gate, &mut want)
                    .expect("the unfused form");
                want.iter_mut().zip(&up).for_each(|(w, &u)| *w *= u);
                assert_same_values(&format!("glu {act}"), &got, &want, true);
            }
        }
        _ => {
            let (cols, rows) = (inp.below(40), inp.below(80));
            let n = if inp.one_in(8) {
                inp.below(100)
            } else {
                2 * cols * rows
            };
            let x = inp.floats(n);
            let olen = inp.len_near(n / 2);
            let init = vec![f32::SENTINEL; olen];
            let (r, got) = across(&k, &init, yo, false, |k, y| k.glu_rows(&x, y, cols, act));
            let refused = cols == 0 || n % (2 * cols) != 0 || olen != n / 2 || !valid(act);
            assert_eq!(r.is_err(), refused, "glu_rows {act}: {r:?}");
            if r.is_ok() {
                let mut want = vec![0.0; olen];
                for (row, w) in x.chunks_exact(2 * cols).zip(want.chunks_exact_mut(cols)) {
                    seq.activate(act, &row[..cols], w)
                        .expect("the unfused form");
                    w.iter_mut().zip(&row[cols..]).for_each(|(w, &u)| *w *= u);
                }
                assert_same_values(&format!("glu_rows {act}"), &got, &want, true);
            }
        }
    }
}

/// `Activation::from_str` on any bytes (as UTF-8, lossily): no panic; what parses prints back
/// to a string that parses to the same activation (the README's round trip), and runs.
pub fn from_str(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let Ok(act) = s.parse::<Activation>() else {
        return;
    };
    let printed = act.to_string();
    let again: Activation = printed
        .parse()
        .unwrap_or_else(|e| panic!("{s:?} parsed as {act:?}, printed {printed:?}: {e}"));
    assert_eq!(
        format!("{again:?}"),
        format!("{act:?}"),
        "{s:?} -> {printed:?}"
    );
    let mut y = [0.0_f32; 3];
    sa::activate(act, &[-1.0, 0.0, 1.0], &mut y)
        .unwrap_or_else(|e| panic!("{s:?} parsed as {act:?}, which does not run: {e}"));
}

/// A half-precision value: any bit pattern or a rounded float.
fn half_bits(inp: &mut Input<'_>, bf: bool) -> u16 {
    if inp.one_in(2) {
        inp.u32() as u16
    } else if bf {
        bf16::from_f32(inp.f32()).to_bits()
    } else {
        f16::from_f32(inp.f32()).to_bits()
    }
}

/// The half-precision entry points: the four conversions (bit for bit `half`'s scalar ones),
/// `activate_f16`/`activate_bf16` and softmax/log-softmax on `f16`/`bf16` (in place and out of
/// place; bit for bit the `f32` kernel on the widened input, rounded once by `half`).
pub fn half(data: &[u8]) {
    let mut inp = Input::new(data);
    let k = inp.handle();
    let seq = Kernels::with_backend(k.backend())
        .expect("a supported backend")
        .sequential();
    let bf = inp.one_in(2);
    let what = inp.byte() % 4;
    let in_place = inp.one_in(2);
    let yo = inp.offset();
    let (cols, n) = if what == 3 {
        row_shape(&mut inp)
    } else {
        (0, inp.length())
    };
    let olen = if in_place { n } else { inp.len_near(n) };
    let hx: Vec<u16> = (0..n).map(|_| half_bits(&mut inp, bf)).collect();
    let widen = |b: u16| {
        if bf {
            bf16::from_bits(b).to_f32()
        } else {
            f16::from_bits(b).to_f32()
        }
    };
    let narrow = |v: f32| {
        if bf {
            bf16::from_f32(v).to_bits()
        } else {
            f16::from_f32(v).to_bits()
        }
    };
    match what {
        0 => {
            // Half to f32: exact, bit for bit `half`'s (NaNs quieted, payload kept).
            let init = vec![f32::SENTINEL; olen];
            let (r, got) = if bf {
                let x: Vec<bf16> = hx.iter().map(|&b| bf16::from_bits(b)).collect();
                across(&k, &init, yo, true, |k, y| k.bf16_to_f32(&x, y))
            } else {
                let x: Vec<f16> = hx.iter().map(|&b| f16::from_bits(b)).collect();
                across(&k, &init, yo, true, |k, y| k.f16_to_f32(&x, y))
            };
            assert_eq!(r.is_err(), olen != n);
            if r.is_ok() {
                let want: Vec<f32> = hx.iter().map(|&b| widen(b)).collect();
                assert_same_bits("to f32", &got, &want);
            }
        }
        1 => {
            // f32 to half: nearest even, bit for bit `half`'s.
            let x = inp.floats(n);
            let (r, got) = if bf {
                let init = vec![bf16::SENTINEL; olen];
                let (r, y) = across(&k, &init, yo, true, |k, y| k.f32_to_bf16(&x, y));
                (r, y.iter().map(|v| v.to_bits()).collect::<Vec<u16>>())
            } else {
                let init = vec![f16::SENTINEL; olen];
                let (r, y) = across(&k, &init, yo, true, |k, y| k.f32_to_f16(&x, y));
                (r, y.iter().map(|v| v.to_bits()).collect())
            };
            assert_eq!(r.is_err(), olen != n);
            if r.is_ok() {
                for (i, (&g, &v)) in got.iter().zip(&x).enumerate() {
                    assert_eq!(g, narrow(v), "f32 {v:e} ({:#010x}) at {i}", v.to_bits());
                }
            }
        }
        _ => {
            // Activations (`what == 2`) and softmax (`what == 3`) on half storage.
            let act = inp.activation();
            let log = inp.one_in(2);
            let wide: Vec<f32> = hx.iter().map(|&b| widen(b)).collect();
            let mut want = vec![0.0_f32; n];
            let want_r = if what == 2 {
                seq.activate(act, &wide, &mut want)
            } else if log {
                seq.log_softmax(&wide, &mut want, cols)
            } else {
                seq.softmax(&wide, &mut want, cols)
            };
            macro_rules! run {
                ($t:ty, $act:ident, $act_in:ident, $sm:ident, $sm_in:ident, $lsm:ident,
                 $lsm_in:ident) => {{
                    let x: Vec<$t> = hx.iter().map(|&b| <$t>::from_bits(b)).collect();
                    let init = if in_place {
                        x.clone()
                    } else {
                        vec![<$t>::SENTINEL; olen]
                    };
                    let (r, y) = across(&k, &init, yo, false, |k, y| {
                        match (what == 2, log, in_place) {
                            (true, _, false) => k.$act(act, &x, y),
                            (true, _, true) => k.$act_in(act, y),
                            (false, false, false) => k.$sm(&x, y, cols),
                            (false, false, true) => k.$sm_in(y, cols),
                            (false, true, false) => k.$lsm(&x, y, cols),
                            (false, true, true) => k.$lsm_in(y, cols),
                        }
                    });
                    (r, y.iter().map(|v| v.to_bits()).collect::<Vec<u16>>())
                }};
            }
            let (r, got) = if bf {
                run!(
                    bf16,
                    activate_bf16,
                    activate_bf16_inplace,
                    softmax_bf16,
                    softmax_bf16_inplace,
                    log_softmax_bf16,
                    log_softmax_bf16_inplace
                )
            } else {
                run!(
                    f16,
                    activate_f16,
                    activate_f16_inplace,
                    softmax_f16,
                    softmax_f16_inplace,
                    log_softmax_f16,
                    log_softmax_f16_inplace
                )
            };
            assert_eq!(
                r.is_err(),
                want_r.is_err() || olen != n,
                "{r:?} vs {want_r:?}"
            );
            if r.is_ok() {
                for i in 0..n {
                    assert_eq!(
                        got[i],
                        narrow(want[i]),
                        "{} on half storage ({}), element {i}: x = {:#06x}",
                        if what == 2 {
                            act.to_string()
                        } else {
                            "softmax".into()
                        },
                        if bf { "bf16" } else { "f16" },
                        hx[i]
                    );
                }
            }
        }
    }
}
