//! Half-precision storage, on every backend this CPU supports (the others skipped with a
//! message), sequential, split across threads and through the free functions:
//! - the conversions half -> f32 on all 2^16 inputs of each type, bit for bit `half`'s scalar
//!   `to_f32` (and its software `to_f32_const`); f32 -> half on the special values, every
//!   rounding boundary of the f16 range and a random sample (all 2^32 inputs: tests/half_sweep.rs);
//! - every elementwise activation (`Activation::ALL`, plus other parameter values) on all 2^16
//!   inputs of each half type, out of place and in place: bit for bit the `f32` kernel's result
//!   rounded by `half`'s `from_f32`; `--nocapture` prints the accuracy table of the README (max
//!   ULP of the half result against the exact value);
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
}

macro_rules! impl_half {
    ($t:ident, $to:ident, $from:ident, $act:ident, $act_inplace:ident) => {
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
        }
    };
}

impl_half!(
    f16,
    f16_to_f32,
    f32_to_f16,
    activate_f16,
    activate_f16_inplace
);
impl_half!(
    bf16,
    bf16_to_f32,
    f32_to_bf16,
    activate_bf16,
    activate_bf16_inplace
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
