//! Half-precision storage, on every backend this CPU supports (the others skipped with a
//! message), sequential, split across threads and through the free functions:
//! - the conversions half -> f32 on all 2^16 inputs of each type, bit for bit `half`'s scalar
//!   `to_f32` (and its software `to_f32_const`); f32 -> half on the special values, every
//!   rounding boundary of the f16 range and a random sample (all 2^32 inputs: tests/half_sweep.rs);
//! - every elementwise activation (`Activation::ALL`, plus other parameter values) on all 2^16
//!   inputs of each half type, out of place and in place: bit for bit the `f32` kernel's result
//!   rounded by `half`'s `from_f32`; `--nocapture` prints the accuracy table of the README (max
//!   ULP of the half result against the exact value);
//! - softmax and log-softmax on half storage: bit for bit the `f32` kernel's rows rounded by
//!   `from_f32`, for row lengths from 1 to past the online threshold, special rows, in place;
//!   `--nocapture` prints their accuracy rows (max ULP against the exact value);
//! - lengths and misaligned starts (the tails), and the errors (nothing written).

mod common;

use half::{bf16, f16};
use simd_activations::{Activation, Backend, Error, Kernels, reference};

/// A half type as the tests see it.
trait Half: Copy + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    const NAME: &'static str;
    fn from_bits(b: u16) -> Self;
    fn to_bits(self) -> u16;
    /// `half`'s scalar conversions (run-time F16C for f16, as a user's would be).
    fn from_f32(x: f32) -> Self;
    fn to_f32(self) -> f32;
    /// `half`'s software conversions (`const` fns, never F16C).
    fn from_f32_soft(x: f32) -> Self;
    fn to_f32_soft(self) -> f32;
    fn to_f32s(k: Option<&Kernels>, x: &[Self], y: &mut [f32]) -> Result<(), Error>;
    fn from_f32s(k: Option<&Kernels>, x: &[f32], y: &mut [Self]) -> Result<(), Error>;
    fn activate(
        k: Option<&Kernels>,
        a: Activation,
        x: &[Self],
        y: &mut [Self],
    ) -> Result<(), Error>;
    fn activate_inplace(k: Option<&Kernels>, a: Activation, x: &mut [Self]) -> Result<(), Error>;
    /// Softmax (`log`: log-softmax) over rows of `cols`, out of place (`y`) or in place.
    fn rows(
        k: Option<&Kernels>,
        log: bool,
        x: &[Self],
        y: &mut [Self],
        cols: usize,
    ) -> Result<(), Error>;
    fn rows_inplace(
        k: Option<&Kernels>,
        log: bool,
        x: &mut [Self],
        cols: usize,
    ) -> Result<(), Error>;
}

macro_rules! impl_half {
    (
        $t:ident,
        $to:ident,
        $from:ident,
        $act:ident,
        $act_inplace:ident,
        $sm:ident,
        $sm_inplace:ident,
        $lsm:ident,
        $lsm_inplace:ident
    ) => {
        impl Half for $t {
            const NAME: &'static str = stringify!($t);
            fn from_bits(b: u16) -> Self {
                $t::from_bits(b)
            }
            fn to_bits(self) -> u16 {
                $t::to_bits(self)
            }
            fn from_f32(x: f32) -> Self {
                $t::from_f32(x)
            }
            fn to_f32(self) -> f32 {
                $t::to_f32(self)
            }
            fn from_f32_soft(x: f32) -> Self {
                $t::from_f32_const(x)
            }
            fn to_f32_soft(self) -> f32 {
                $t::to_f32_const(self)
            }
            fn to_f32s(k: Option<&Kernels>, x: &[Self], y: &mut [f32]) -> Result<(), Error> {
                match k {
                    Some(k) => k.$to(x, y),
                    None => simd_activations::$to(x, y),
                }
            }
            fn from_f32s(k: Option<&Kernels>, x: &[f32], y: &mut [Self]) -> Result<(), Error> {
                match k {
                    Some(k) => k.$from(x, y),
                    None => simd_activations::$from(x, y),
                }
            }
            fn activate(
                k: Option<&Kernels>,
                a: Activation,
                x: &[Self],
                y: &mut [Self],
            ) -> Result<(), Error> {
                match k {
                    Some(k) => k.$act(a, x, y),
                    None => simd_activations::$act(a, x, y),
                }
            }
            fn activate_inplace(
                k: Option<&Kernels>,
                a: Activation,
                x: &mut [Self],
            ) -> Result<(), Error> {
                match k {
                    Some(k) => k.$act_inplace(a, x),
                    None => simd_activations::$act_inplace(a, x),
                }
            }
            fn rows(
                k: Option<&Kernels>,
                log: bool,
                x: &[Self],
                y: &mut [Self],
                cols: usize,
            ) -> Result<(), Error> {
                match (k, log) {
                    (Some(k), false) => k.$sm(x, y, cols),
                    (Some(k), true) => k.$lsm(x, y, cols),
                    (None, false) => simd_activations::$sm(x, y, cols),
                    (None, true) => simd_activations::$lsm(x, y, cols),
                }
            }
            fn rows_inplace(
                k: Option<&Kernels>,
                log: bool,
                x: &mut [Self],
                cols: usize,
            ) -> Result<(), Error> {
                match (k, log) {
                    (Some(k), false) => k.$sm_inplace(x, cols),
                    (Some(k), true) => k.$lsm_inplace(x, cols),
                    (None, false) => simd_activations::$sm_inplace(x, cols),
                    (None, true) => simd_activations::$lsm_inplace(x, cols),
                }
            }
        }
    };
}

impl_half!(
    f16,
    f16_to_f32,
    f32_to_f16,
    activate_f16,
    activate_f16_inplace,
    softmax_f16,
    softmax_f16_inplace,
    log_softmax_f16,
    log_softmax_f16_inplace
);
impl_half!(
    bf16,
    bf16_to_f32,
    f32_to_bf16,
    activate_bf16,
    activate_bf16_inplace,
    softmax_bf16,
    softmax_bf16_inplace,
    log_softmax_bf16,
    log_softmax_bf16_inplace
);

/// Every one of the 2^16 bit patterns.
fn every_half<H: Half>() -> Vec<H> {
    (0..=u16::MAX).map(H::from_bits).collect()
}

/// The first element whose bits differ, described.
fn first_difference<H: Half>(input: &[String], got: &[H], want: &[H]) -> Option<String> {
    let i = got
        .iter()
        .zip(want)
        .position(|(g, w)| g.to_bits() != w.to_bits())?;
    Some(format!(
        "at {i} (input {}): got {:#06x}, want {:#06x}",
        input[i],
        got[i].to_bits(),
        want[i].to_bits()
    ))
}

/// Asserts bit equality of f32 results.
#[track_caller]
fn assert_f32_bits(what: &str, input: impl Fn(usize) -> String, got: &[f32], want: &[f32]) {
    if let Some(i) = got
        .iter()
        .zip(want)
        .position(|(g, w)| g.to_bits() != w.to_bits())
    {
        panic!(
            "{what}: at {i} (input {}): got {:#010x}, want {:#010x}",
            input(i),
            got[i].to_bits(),
            want[i].to_bits()
        );
    }
}

fn half_to_f32_on_every_input<H: Half>() {
    let x = every_half::<H>();
    let want: Vec<f32> = x.iter().map(|h| h.to_f32()).collect();
    let soft: Vec<f32> = x.iter().map(|h| h.to_f32_soft()).collect();
    assert_f32_bits(
        "half's to_f32 against to_f32_const",
        |i| format!("{:#06x}", x[i].to_bits()),
        &soft,
        &want,
    );
    for (name, k) in common::handles() {
        let mut y = vec![0.0_f32; x.len()];
        H::to_f32s(k.as_ref(), &x, &mut y).unwrap();
        assert_f32_bits(
            &format!("{}_to_f32 on {name}", H::NAME),
            |i| format!("{:#06x}", x[i].to_bits()),
            &y,
            &want,
        );
    }
}

#[test]
fn f16_to_f32_every_input() {
    half_to_f32_on_every_input::<f16>();
}

#[test]
fn bf16_to_f32_every_input() {
    half_to_f32_on_every_input::<bf16>();
}

/// The f32 inputs of the conversion checks here: special values, every f16 and bf16 value,
/// the midpoints between neighbours of both types and their f32 neighbours (the rounding
/// boundaries), and a random sample of bit patterns.
fn f32_inputs() -> Vec<f32> {
    let mut x: Vec<f32> = common::SPECIALS.to_vec();
    for b in 0..=u16::MAX {
        for v in [f16::from_bits(b).to_f32(), bf16::from_bits(b).to_f32()] {
            let bits = v.to_bits();
            x.push(v);
            // The f16 midpoints sit 2^12 f32 ulps above each f16 (normal range); the bf16
            // ones 2^15. Their neighbours decide ties and near-ties.
            for half_step in [1_u32 << 12, 1 << 15] {
                for d in [-1_i64, 0, 1] {
                    let m = (i64::from(bits) + i64::from(half_step) + d) as u32;
                    x.push(f32::from_bits(m));
                }
            }
        }
    }
    let mut rng = common::Rng(0x5EED_0F16);
    x.extend((0..1 << 20).map(|_| f32::from_bits(rng.next_u64() as u32)));
    x
}

fn f32_to_half_on_boundaries<H: Half>() {
    let x = f32_inputs();
    let labels: Vec<String> = x.iter().map(|v| format!("{:#010x}", v.to_bits())).collect();
    let want: Vec<H> = x.iter().map(|&v| H::from_f32(v)).collect();
    let soft: Vec<H> = x.iter().map(|&v| H::from_f32_soft(v)).collect();
    if let Some(d) = first_difference(&labels, &soft, &want) {
        panic!("half's from_f32 against from_f32_const: {d}");
    }
    for (name, k) in common::handles() {
        let mut y = vec![H::from_bits(0x1234); x.len()];
        H::from_f32s(k.as_ref(), &x, &mut y).unwrap();
        if let Some(d) = first_difference(&labels, &y, &want) {
            panic!("f32_to_{} on {name}: {d}", H::NAME);
        }
    }
}

#[test]
fn f32_to_f16_rounding_boundaries_and_sample() {
    f32_to_half_on_boundaries::<f16>();
}

#[test]
fn f32_to_bf16_rounding_boundaries_and_sample() {
    f32_to_half_on_boundaries::<bf16>();
}

/// What the half results are checked on: `Activation::ALL` and other parameter values.
fn activations() -> Vec<Activation> {
    let mut acts = Activation::ALL.to_vec();
    acts.push(Activation::Elu { alpha: 0.5 });
    acts.push(Activation::LeakyRelu { alpha: 0.2 });
    acts
}

/// The position of a half value on the ordered integer line (sign-magnitude to two's
/// complement, `+-0` both at 0), as `ulp::ordered` does for f32.
fn ordered<H: Half>(h: H) -> i32 {
    let b = h.to_bits();
    let m = i32::from(b & 0x7FFF);
    if b >> 15 == 1 { -m } else { m }
}

/// The half ULP distance of `got` from the exact value of `act` at `x`, known through the
/// `f64` reference rounded to `f32` (`r32`): where `r32` is not a midpoint between two half
/// neighbours, it rounds to the same half as the exact value; where it is, the exact value
/// can round either way and the larger distance counts. NaN against NaN is 0; NaN against a
/// number is `u32::MAX`.
fn half_ulp_from_exact<H: Half>(got: H, r32: f32) -> u32 {
    let g = got.to_f32();
    if g.is_nan() || r32.is_nan() {
        return if g.is_nan() && r32.is_nan() {
            0
        } else {
            u32::MAX
        };
    }
    let nearest = H::from_f32(r32);
    let mut candidates = vec![nearest];
    let n = nearest.to_f32();
    if n != r32 && n.is_finite() {
        // Is r32 exactly halfway between `nearest` and its neighbour on r32's side?
        let next_bits = if (r32 > n) == (n >= 0.0) {
            nearest.to_bits() + 1
        } else {
            nearest.to_bits().wrapping_sub(1)
        };
        let next = H::from_bits(next_bits);
        let next_f = next.to_f32();
        if next_f.is_finite() && (f64::from(n) + f64::from(next_f)) / 2.0 == f64::from(r32) {
            candidates.push(next);
        }
    }
    candidates
        .iter()
        .map(|&c| (ordered(got) - ordered(c)).unsigned_abs())
        .max()
        .unwrap()
}

/// One row of the accuracy table: the max half ULP over all inputs, where, and how many
/// inputs are off the exact value at all.
struct Accuracy {
    max_ulp: u32,
    worst: f32,
    off: usize,
}

fn activations_on_every_input<H: Half>() {
    let x = every_half::<H>();
    let x32: Vec<f32> = x.iter().map(|h| h.to_f32()).collect();
    let labels: Vec<String> = x.iter().map(|h| format!("{:#06x}", h.to_bits())).collect();
    let mut rows = Vec::new();
    let backends = common::backends();
    for act in activations() {
        let mut r32 = vec![0.0_f32; x.len()];
        reference::activate(act, &x32, &mut r32).unwrap();
        for (backend, k) in &backends {
            // The f32 kernel on the widened input, rounded by half's scalar conversion.
            let mut y32 = vec![0.0_f32; x.len()];
            k.activate(act, &x32, &mut y32).unwrap();
            let want: Vec<H> = y32.iter().map(|&v| H::from_f32(v)).collect();
            let handles = [
                ("sequential", Some(*k)),
                ("parallel_threshold(1)", Some(k.parallel_threshold(1))),
            ];
            for (how, k) in handles {
                let mut y = vec![H::from_bits(0x1234); x.len()];
                H::activate(k.as_ref(), act, &x, &mut y).unwrap();
                if let Some(d) = first_difference(&labels, &y, &want) {
                    panic!("{act} on {} {backend} {how}: {d}", H::NAME);
                }
                let mut z = x.clone();
                H::activate_inplace(k.as_ref(), act, &mut z).unwrap();
                if let Some(d) = first_difference(&labels, &z, &want) {
                    panic!("{act} in place on {} {backend} {how}: {d}", H::NAME);
                }
            }
            let mut acc = Accuracy {
                max_ulp: 0,
                worst: 0.0,
                off: 0,
            };
            for ((&g, &r), &x) in want.iter().zip(&r32).zip(&x32) {
                let u = half_ulp_from_exact(g, r);
                acc.off += usize::from(u > 0);
                if u > acc.max_ulp {
                    acc.max_ulp = u;
                    acc.worst = x;
                }
            }
            rows.push(format!(
                "| {act} | {} | {backend} | {} | {:e} | {} |",
                H::NAME,
                acc.max_ulp,
                acc.worst,
                acc.off
            ));
            assert!(
                acc.max_ulp <= 1,
                "{act} on {} {backend}: {} half ULP from the exact value at {:e}",
                H::NAME,
                acc.max_ulp,
                acc.worst
            );
        }
        // The free function runs the best backend.
        let mut y = vec![H::from_bits(0x1234); x.len()];
        H::activate(None, act, &x, &mut y).unwrap();
        let mut y32 = vec![0.0_f32; x.len()];
        simd_activations::activate(act, &x32, &mut y32).unwrap();
        let want: Vec<H> = y32.iter().map(|&v| H::from_f32(v)).collect();
        if let Some(d) = first_difference(&labels, &y, &want) {
            panic!("{act} free function on {}: {d}", H::NAME);
        }
    }
    println!(
        "| activation | type | backend | max ULP against the exact value | worst input | \
         inputs off the exact value (of 65536) |"
    );
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
}

#[test]
fn activate_f16_every_input_every_activation() {
    activations_on_every_input::<f16>();
}

#[test]
fn activate_bf16_every_input_every_activation() {
    activations_on_every_input::<bf16>();
}

/// Every length up to a few vectors, at every start offset of a 64-byte line: the tails and
/// the unaligned vectors agree with the scalar conversions.
fn lengths_and_offsets<H: Half>() {
    let mut rng = common::Rng(7);
    let pool: Vec<f32> = (0..200).map(|_| rng.uniform(-8.0, 8.0)).collect();
    let hpool: Vec<H> = pool.iter().map(|&v| H::from_f32(v)).collect();
    for (backend, k) in common::backends() {
        for off in 0..32 {
            for len in 0..70 {
                let x = &pool[off..off + len];
                let mut y = vec![H::from_bits(0); len];
                H::from_f32s(Some(&k), x, &mut y).unwrap();
                for (i, (&g, &v)) in y.iter().zip(x).enumerate() {
                    assert_eq!(
                        g,
                        H::from_f32(v),
                        "{backend} f32 -> {} {off} {len} {i}",
                        H::NAME
                    );
                }
                let h = &hpool[off..off + len];
                let mut w = vec![0.0_f32; len];
                H::to_f32s(Some(&k), h, &mut w).unwrap();
                for (i, (&g, &v)) in w.iter().zip(h).enumerate() {
                    assert_eq!(
                        g.to_bits(),
                        v.to_f32().to_bits(),
                        "{backend} {off} {len} {i}"
                    );
                }
                let act = Activation::Sigmoid;
                let mut hy = vec![H::from_bits(0); len];
                H::activate(Some(&k), act, h, &mut hy).unwrap();
                let mut hz = h.to_vec();
                H::activate_inplace(Some(&k), act, &mut hz).unwrap();
                let mut y32 = vec![0.0_f32; len];
                k.activate(act, &w, &mut y32).unwrap();
                for i in 0..len {
                    let want = H::from_f32(y32[i]);
                    assert_eq!(hy[i], want, "{backend} sigmoid {off} {len} {i}");
                    assert_eq!(hz[i], want, "{backend} sigmoid in place {off} {len} {i}");
                }
            }
        }
    }
}

#[test]
fn f16_lengths_and_offsets() {
    lengths_and_offsets::<f16>();
}

#[test]
fn bf16_lengths_and_offsets() {
    lengths_and_offsets::<bf16>();
}

/// Errors come before any write.
fn errors_write_nothing<H: Half>() {
    let k = Kernels::with_backend(Backend::Scalar).unwrap();
    let x = vec![H::from_f32(1.0); 5];
    let x32 = [1.0_f32; 5];
    let mut y = vec![H::from_bits(0x1234); 4];
    let mut y32 = [7.0_f32; 4];
    let mismatch = Error::LengthMismatch {
        input: 5,
        output: 4,
    };
    for k in [Some(&k), None] {
        assert_eq!(H::to_f32s(k, &x, &mut y32), Err(mismatch));
        assert_eq!(H::from_f32s(k, &x32, &mut y), Err(mismatch));
        assert_eq!(H::activate(k, Activation::Tanh, &x, &mut y), Err(mismatch));
        let bad = Activation::LeakyRelu { alpha: f32::NAN };
        assert!(matches!(
            H::activate(k, bad, &x[..4], &mut y),
            Err(Error::InvalidParameter { .. })
        ));
        let mut z = x.clone();
        assert!(matches!(
            H::activate_inplace(k, bad, &mut z),
            Err(Error::InvalidParameter { .. })
        ));
        assert_eq!(z, x);
        assert_eq!(y32, [7.0; 4]);
        assert!(y.iter().all(|h| h.to_bits() == 0x1234));
        for log in [false, true] {
            assert_eq!(
                H::rows(k, log, &x[..4], &mut y, 0),
                Err(Error::ZeroDimension { name: "cols" })
            );
            assert!(matches!(
                H::rows(k, log, &x[..4], &mut y, 3),
                Err(Error::NotDivisible { .. })
            ));
            assert_eq!(H::rows(k, log, &x, &mut y, 1), Err(mismatch));
            assert!(matches!(
                H::rows_inplace(k, log, &mut z, 2),
                Err(Error::NotDivisible { .. })
            ));
            assert_eq!(
                H::rows_inplace(k, log, &mut z, 0),
                Err(Error::ZeroDimension { name: "cols" })
            );
            assert_eq!(z, x);
            assert!(y.iter().all(|h| h.to_bits() == 0x1234));
        }
    }
}

#[test]
fn f16_errors_write_nothing() {
    errors_write_nothing::<f16>();
}

#[test]
fn bf16_errors_write_nothing() {
    errors_write_nothing::<bf16>();
}

/// A matrix of `rows x cols` half logits spread over `spread` around 0, with special rows
/// (a NaN, a `+inf`, all `-inf`, some `-inf` entries, one huge value) among the first ones.
fn logits<H: Half>(rows: usize, cols: usize, spread: f64, seed: u64) -> Vec<H> {
    let mut rng = common::Rng(seed);
    let mut x: Vec<H> = (0..rows * cols)
        .map(|_| H::from_f32(rng.uniform(-spread, spread)))
        .collect();
    let row = |r: usize| r * cols..(r + 1) * cols;
    if rows >= 6 {
        x[row(0)][cols / 2] = H::from_f32(f32::NAN);
        x[row(1)][cols - 1] = H::from_f32(f32::INFINITY);
        x[row(2)].fill(H::from_f32(f32::NEG_INFINITY));
        for v in x[row(3)].iter_mut().step_by(3) {
            *v = H::from_f32(f32::NEG_INFINITY);
        }
        x[row(4)][0] = H::from_f32(60000.0);
    }
    x
}

/// Softmax and log-softmax on half storage against the `f32` kernel on the widened matrix,
/// rounded by `half`'s `from_f32`, bit for bit, on every handle; accuracy against the exact
/// value (the `f64` reference rounded to `f32`, then as [`half_ulp_from_exact`]).
fn softmax_rows<H: Half>(spread: f64) {
    let shapes = [
        (6, 1),
        (7, 2),
        (9, 3),
        (12, 7),
        (8, 16),
        (17, 33),
        (9, 100),
        (16, 256),
        (6, 257),
        (6, 1000),
        (6, 4096),
        (6, 4097),
        (6, 5000),
        (2, 8192),
        (6, 8193),
        (3, 20000),
        (1, 70000),
        (1, 300_000),
    ];
    let mut worst = [(0_u32, 0_usize); 2];
    for (i, &(rows, cols)) in shapes.iter().enumerate() {
        let x = logits::<H>(rows, cols, spread, i as u64 + 1);
        let x32: Vec<f32> = x.iter().map(|h| h.to_f32()).collect();
        let labels: Vec<String> = (0..x.len())
            .map(|i| format!("row {} col {}", i / cols, i % cols))
            .collect();
        for (log, name) in [(false, "softmax"), (true, "log_softmax")] {
            for (how, k) in common::handles() {
                let mut y32 = vec![0.0_f32; x.len()];
                match (&k, log) {
                    (Some(k), false) => k.softmax(&x32, &mut y32, cols).unwrap(),
                    (Some(k), true) => k.log_softmax(&x32, &mut y32, cols).unwrap(),
                    (None, false) => simd_activations::softmax(&x32, &mut y32, cols).unwrap(),
                    (None, true) => simd_activations::log_softmax(&x32, &mut y32, cols).unwrap(),
                }
                let want: Vec<H> = y32.iter().map(|&v| H::from_f32(v)).collect();
                let mut y = vec![H::from_bits(0x1234); x.len()];
                H::rows(k.as_ref(), log, &x, &mut y, cols).unwrap();
                if let Some(d) = first_difference(&labels, &y, &want) {
                    panic!("{name} on {} {rows}x{cols} {how}: {d}", H::NAME);
                }
                let mut z = x.clone();
                H::rows_inplace(k.as_ref(), log, &mut z, cols).unwrap();
                if let Some(d) = first_difference(&labels, &z, &want) {
                    panic!("{name} in place on {} {rows}x{cols} {how}: {d}", H::NAME);
                }
            }
            let mut r32 = vec![0.0_f32; x.len()];
            if log {
                reference::log_softmax(&x32, &mut r32, cols).unwrap();
            } else {
                reference::softmax(&x32, &mut r32, cols).unwrap();
            }
            let mut y = vec![H::from_bits(0); x.len()];
            H::rows(None, log, &x, &mut y, cols).unwrap();
            for (j, (&g, &r)) in y.iter().zip(&r32).enumerate() {
                let u = half_ulp_from_exact(g, r);
                assert!(
                    u <= 1,
                    "{name} on {} {rows}x{cols} at {}: {u} half ULP from the exact value",
                    H::NAME,
                    labels[j]
                );
                let w = &mut worst[usize::from(log)];
                w.0 = w.0.max(u);
                w.1 += usize::from(u > 0);
            }
        }
    }
    for (log, (max, off)) in [false, true].iter().zip(worst) {
        let name = if *log { "log_softmax" } else { "softmax" };
        println!(
            "| {name} | {} | best | {max} | - | {off} (of {}) |",
            H::NAME,
            shapes.iter().map(|(r, c)| r * c).sum::<usize>()
        );
    }
}

#[test]
fn softmax_f16_rows_bit_for_bit() {
    softmax_rows::<f16>(12.0);
}

#[test]
fn softmax_bf16_rows_bit_for_bit() {
    softmax_rows::<bf16>(80.0);
}
