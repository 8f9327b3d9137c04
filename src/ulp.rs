//! Distances in units in the last place (ULP), the measure of every error bound the crate
//! states.
//!
//! Each `f32` is mapped to an integer so that adjacent floats map to adjacent integers
//! (sign-magnitude to two's complement; `+0` and `-0` both map to 0). The distance of two floats
//! is the difference of their integers: it counts every representable value in between,
//! subnormals included (whose spacing is `2^-149`), and the step from `f32::MAX` to infinity
//! counts as one.
//!
//! ```
//! use simd_activations::ulp;
//!
//! assert_eq!(ulp::distance(1.0, 1.0), 0);
//! assert_eq!(ulp::distance(1.0, 1.0 + f32::EPSILON), 1);
//! assert_eq!(ulp::distance(-0.0, 0.0), 0);
//! assert_eq!(ulp::distance(-f32::from_bits(1), f32::from_bits(1)), 2);
//! assert_eq!(ulp::distance(f32::NAN, f32::NAN), 0);
//! assert_eq!(ulp::distance(f32::NAN, 1.0), u32::MAX);
//! ```

/// The position of `x` on the ordered integer line of `f32` values (NaN excluded).
#[inline]
pub fn ordered(x: f32) -> i64 {
    let bits = x.to_bits();
    let magnitude = i64::from(bits & 0x7FFF_FFFF);
    if bits >> 31 == 1 {
        -magnitude
    } else {
        magnitude
    }
}

/// The number of representable `f32` steps between `a` and `b`.
///
/// Two NaNs are at distance 0 (NaN matches NaN, whatever the payload); a NaN and a number are
/// at distance `u32::MAX`, larger than any distance between numbers.
#[inline]
pub fn distance(a: f32, b: f32) -> u32 {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => 0,
        (false, false) => (ordered(a) - ordered(b)).unsigned_abs() as u32,
        _ => u32::MAX,
    }
}
