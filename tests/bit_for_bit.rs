//! Golden test: pins the output bits of every public function on every backend, so a refactor
//! can prove it changed no result bit: each (function, backend) output is hashed and compared
//! with `EXPECTED`, a generated table (one entry a line, unformatted). After an intended change,
//! re-record it: `BIT_FOR_BIT_RECORD=1 cargo test --release --test bit_for_bit -- --nocapture`.
//!
//! Recorded before the registry refactor, which changed no entry. Re-recorded since: the
//! `softmax(33)` and `log_softmax(33)` entries and scalar `softmax(7)`, when rows of up to 48
//! columns got their own path (`src/simd/softmax_short.rs`: row sums in `f64` in element order
//! instead of 16 logical lanes); the bound and the AVX2 == AVX-512 identity are unchanged, and
//! the SIMD results for 7 columns did not change. The entries of `silu`, `quick_gelu`,
//! `gelu`, `gelu_tanh`, `mish`, `elu`, `selu`, `softplus` and `log_sigmoid` were added with
//! those functions; no other entry changed. The `gelu` entries were re-recorded when its
//! kernel went from 4 to 3 ULP (`erfcx` fitted in `|x|`, exp's last rounding and the
//! denominator's carried into the corrected quotient); no other entry changed. The gradients'
//! entries (`<name>_backward`, `*_from_output`, softmax and log-softmax backward) were added
//! with them (issue 13).

mod common;

use common::Rng;
use simd_activations::{self as act, Backend, Kernels};

/// Special values and thresholds (2^-13 included), taken with both signs and +-8 ULP around.
const SPECIALS: &str = "0 0.5 1 2 9.01 20 110 inf NaN 3.4028235e38 1.1754944e-38 1.1920929e-7 \
    88.72283 87.33655 103.97208 1.2207031e-4 1e-20";

/// 50,003 inputs (a tail for every lane count): specials, NaNs with payloads of both signs,
/// subnormals, every binade up to 2^7, any bits, uniform in [-20, 20] and [-110, 110]; shuffled.
fn inputs() -> Vec<f32> {
    let (mut r, mut v) = (Rng(0xB17F_0B17_5EED), Vec::new());
    for s in SPECIALS.split(' ').map(|s| s.parse::<f32>().unwrap()) {
        for b in [s.to_bits(), (-s).to_bits()] {
            v.extend((-8..=8).map(|d| f32::from_bits(b.wrapping_add_signed(d))));
        }
    }
    v.extend((0..500).map(|_| f32::from_bits(r.next_u64() as u32 | 0x7F80_0001)));
    v.extend((0..1000).map(|_| f32::from_bits(r.next_u64() as u32 & 0x807F_FFFF)));
    for e in 0..=134u32 {
        v.extend((0..16).map(|_| f32::from_bits((r.next_u64() as u32 & 0x807F_FFFF) | (e << 23))));
    }
    v.extend((0..16_000).map(|_| r.uniform(-20.0, 20.0)));
    v.extend((0..16_000).map(|_| r.uniform(-110.0, 110.0)));
    v.resize_with(50_003, || f32::from_bits(r.next_u64() as u32));
    for i in (1..v.len()).rev() {
        v.swap(i, r.below(i + 1));
    }
    v
}

/// Softmax rows: finite in [-30, 30], plus rows with -inf, +-NaN, +inf, only -inf, huge values.
fn softmax_inputs() -> Vec<f32> {
    let mut r = Rng(0x050F_73A8);
    let mut v: Vec<f32> = (0..21_000).map(|_| r.uniform(-30.0, 30.0)).collect();
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    for (i, x) in [(5, -inf), (1234, nan), (2345, inf), (15_000, -nan)] {
        v[i] = x;
    }
    (0..300).for_each(|i| v[3000 + 3 * i] = -inf);
    v[7000..8000].fill(-inf);
    v[12_000..12_006].copy_from_slice(&[f32::MAX, f32::MAX, f32::MIN, 1e30, -1e30, 3e38]);
    v
}

/// FNV-1a 64 over the little-endian bytes of the bits.
fn fnv(y: &[f32]) -> u64 {
    let bytes = y.iter().flat_map(|v| v.to_bits().to_le_bytes());
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Every public function on handle `k` (the free functions for `None`): (function key, hash).
fn run_all(k: Option<&Kernels>, x: &[f32], sm: &[f32]) -> Vec<(String, u64)> {
    let mut o = Vec::new();
    // Runs `$f` (out of place, into a NaN-filled buffer) and `$g` (in place, on a copy of
    // `$x`), recorded as "$f(args)" and "$f(args)/inplace". An `Err` would leave the buffer
    // as it was, so the hashes check the in-place forms' results too.
    macro_rules! both {
        ($x:ident, $f:ident, $g:ident $(, $a:expr)*) => {{
            let (mut y, mut z) = (vec![f32::from_bits(0x7FA5_A5A5); $x.len()], $x.to_vec());
            let _ = match k {
                Some(k) => (k.$f($x, &mut y $(, $a)*).unwrap(), k.$g(&mut z $(, $a)*)),
                None => (act::$f($x, &mut y $(, $a)*).unwrap(), act::$g(&mut z $(, $a)*)),
            };
            let args: &[String] = &[$(format!("{:?}", $a)),*];
            let key = format!("{}({})", stringify!($f), args.join(", ")).replace("()", "");
            o.push((key.clone(), fnv(&y)));
            o.push((key + "/inplace", fnv(&z)));
        }};
    }
    both!(x, exp, exp_inplace);
    both!(x, sigmoid, sigmoid_inplace);
    both!(x, tanh, tanh_inplace);
    both!(x, silu, silu_inplace);
    both!(x, quick_gelu, quick_gelu_inplace);
    both!(x, gelu, gelu_inplace);
    both!(x, gelu_tanh, gelu_tanh_inplace);
    both!(x, mish, mish_inplace);
    both!(x, elu, elu_inplace, 1.0);
    both!(x, elu, elu_inplace, 0.5);
    both!(x, selu, selu_inplace);
    both!(x, relu, relu_inplace);
    both!(x, leaky_relu, leaky_relu_inplace, 0.01);
    both!(x, leaky_relu, leaky_relu_inplace, -1.5);
    both!(x, softplus, softplus_inplace);
    both!(x, log_sigmoid, log_sigmoid_inplace);
    // Gradients: `$f(x, dy, dx)` into a NaN-filled buffer and `$g(x, dy)` on a copy of `dy`,
    // recorded as "$f(args)" and "$f(args)/inplace".
    let dy: Vec<f32> = x.iter().rev().map(|v| v * 0.75).collect();
    macro_rules! grad {
        ($f:ident, $g:ident $(, $a:expr)*) => {
            grad!(on x, $f, $g $(, $a)*)
        };
        (on $x:ident, $f:ident, $g:ident $(, $a:expr)*) => {{
            let x = $x;
            let dy = &dy[..x.len()];
            let (mut dx, mut z) = (vec![f32::from_bits(0x7FA5_A5A5); x.len()], dy.to_vec());
            match k {
                Some(k) => {
                    k.$f(x, dy, &mut dx $(, $a)*).unwrap();
                    k.$g(x, &mut z $(, $a)*).unwrap();
                }
                None => {
                    act::$f(x, dy, &mut dx $(, $a)*).unwrap();
                    act::$g(x, &mut z $(, $a)*).unwrap();
                }
            }
            let args: &[String] = &[$(format!("{:?}", $a)),*];
            let key = format!("{}({})", stringify!($f), args.join(", ")).replace("()", "");
            o.push((key.clone(), fnv(&dx)));
            o.push((key + "/inplace", fnv(&z)));
        }};
    }
    grad!(exp_backward, exp_backward_inplace);
    grad!(sigmoid_backward, sigmoid_backward_inplace);
    grad!(tanh_backward, tanh_backward_inplace);
    grad!(silu_backward, silu_backward_inplace);
    grad!(quick_gelu_backward, quick_gelu_backward_inplace);
    grad!(gelu_backward, gelu_backward_inplace);
    grad!(gelu_tanh_backward, gelu_tanh_backward_inplace);
    grad!(mish_backward, mish_backward_inplace);
    grad!(elu_backward, elu_backward_inplace, 1.0);
    grad!(elu_backward, elu_backward_inplace, 0.5);
    grad!(selu_backward, selu_backward_inplace);
    grad!(relu_backward, relu_backward_inplace);
    grad!(leaky_relu_backward, leaky_relu_backward_inplace, 0.01);
    grad!(hard_sigmoid_backward, hard_sigmoid_backward_inplace);
    grad!(hard_swish_backward, hard_swish_backward_inplace);
    grad!(softplus_backward, softplus_backward_inplace);
    grad!(log_sigmoid_backward, log_sigmoid_backward_inplace);
    grad!(
        sigmoid_backward_from_output,
        sigmoid_backward_from_output_inplace
    );
    grad!(tanh_backward_from_output, tanh_backward_from_output_inplace);
    let (s, xs) = (&[0.1, -0.2, 0.3][..], &x[..x.len() / 3 * 3]);
    both!(xs, prelu, prelu_inplace, s);
    let (s, xs) = (&[0.5, 0.25][..], &x[..x.len() / 14 * 14]);
    both!(xs, prelu_channels_first, prelu_channels_first_inplace, s, 7);
    for c in [1, 7, 33, 1000] {
        let sm = &sm[..sm.len() / c * c];
        both!(sm, softmax, softmax_inplace, c);
        both!(sm, log_softmax, log_softmax_inplace, c);
        // The forward output as `y`, so that the gradients see rows that sum to 1.
        let mut y = vec![0.0; sm.len()];
        act::softmax(sm, &mut y, c).unwrap();
        let y = &y[..];
        grad!(on y, softmax_backward, softmax_backward_inplace, c);
        let mut ly = vec![0.0; sm.len()];
        act::log_softmax(sm, &mut ly, c).unwrap();
        let ly = &ly[..];
        grad!(on ly, log_softmax_backward, log_softmax_backward_inplace, c);
    }
    o
}

#[test]
fn bit_for_bit() {
    let (x, sm) = (inputs(), softmax_inputs());
    let mut got = Vec::new(); // (function, backend, hash)
    for (b, k) in common::backends() {
        for (f, h) in run_all(Some(&k), &x, &sm) {
            got.push((f, b.name(), h));
        }
    }
    // The free functions (best backend, automatic threading) must equal the best backend.
    let (best, mut failures) = (Backend::best().name(), Vec::new());
    for (f, h) in run_all(None, &x, &sm) {
        if !got.contains(&(f.clone(), best, h)) {
            failures.push(format!("free {f}: {h:#018x} differs from {best}"));
        }
    }
    // Exactly one matching entry in EXPECTED per computed (function, backend); entries of
    // backends not run here are skipped.
    let record = std::env::var_os("BIT_FOR_BIT_RECORD").is_some();
    let mut table = String::new();
    for (f, b, h) in &got {
        table += &format!("    (\"{f}\", \"{b}\", {h:#018x}),\n");
        let want: Vec<_> = EXPECTED.iter().filter(|e| e.0 == f && e.1 == *b).collect();
        if !record && !matches!(want[..], [&(_, _, w)] if w == *h) {
            failures.push(format!("{f} on {b}: expected {want:x?}, got {h:#018x}"));
        }
    }
    for &(f, b, _) in EXPECTED {
        if got.iter().any(|g| g.1 == b) && !got.iter().any(|g| g.0 == f && g.1 == b) {
            failures.push(format!("{f} on {b}: in EXPECTED but not computed"));
        }
    }
    if record {
        println!("#[rustfmt::skip]\nconst EXPECTED: &[(&str, &str, u64)] = &[\n{table}];");
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

#[rustfmt::skip]
const EXPECTED: &[(&str, &str, u64)] = &[
    ("exp", "scalar", 0xf6598446f925478b),
    ("exp/inplace", "scalar", 0xf6598446f925478b),
    ("sigmoid", "scalar", 0xb0a4db88ffe9058a),
    ("sigmoid/inplace", "scalar", 0xb0a4db88ffe9058a),
    ("tanh", "scalar", 0xdbd455c989b8983d),
    ("tanh/inplace", "scalar", 0xdbd455c989b8983d),
    ("silu", "scalar", 0xe2894ace9545f2ab),
    ("silu/inplace", "scalar", 0xe2894ace9545f2ab),
    ("quick_gelu", "scalar", 0x42e96f9aa7194429),
    ("quick_gelu/inplace", "scalar", 0x42e96f9aa7194429),
    ("gelu", "scalar", 0xe0db12104f74fd0f),
    ("gelu/inplace", "scalar", 0xe0db12104f74fd0f),
    ("gelu_tanh", "scalar", 0x9c43e780ae3ef096),
    ("gelu_tanh/inplace", "scalar", 0x9c43e780ae3ef096),
    ("mish", "scalar", 0xf8e13975c80c1a3f),
    ("mish/inplace", "scalar", 0xf8e13975c80c1a3f),
    ("elu(1.0)", "scalar", 0x188959c859065f26),
    ("elu(1.0)/inplace", "scalar", 0x188959c859065f26),
    ("elu(0.5)", "scalar", 0x2ce8c9672489de43),
    ("elu(0.5)/inplace", "scalar", 0x2ce8c9672489de43),
    ("selu", "scalar", 0xe500bd08edff0355),
    ("selu/inplace", "scalar", 0xe500bd08edff0355),
    ("relu", "scalar", 0xf12f85eb33e81454),
    ("relu/inplace", "scalar", 0xf12f85eb33e81454),
    ("leaky_relu(0.01)", "scalar", 0x564f4fdac4d7f9aa),
    ("leaky_relu(0.01)/inplace", "scalar", 0x564f4fdac4d7f9aa),
    ("leaky_relu(-1.5)", "scalar", 0xca42fd0ad933e4fb),
    ("leaky_relu(-1.5)/inplace", "scalar", 0xca42fd0ad933e4fb),
    ("softplus", "scalar", 0xead0ecdb2bc4cb18),
    ("softplus/inplace", "scalar", 0xead0ecdb2bc4cb18),
    ("log_sigmoid", "scalar", 0xc3bab9457a838dd0),
    ("log_sigmoid/inplace", "scalar", 0xc3bab9457a838dd0),
    ("exp_backward", "scalar", 0x362cad8f3f084706),
    ("exp_backward/inplace", "scalar", 0x362cad8f3f084706),
    ("sigmoid_backward", "scalar", 0x604d359d2b5d4231),
    ("sigmoid_backward/inplace", "scalar", 0x604d359d2b5d4231),
    ("tanh_backward", "scalar", 0x2c55d5c75d6a9165),
    ("tanh_backward/inplace", "scalar", 0x2c55d5c75d6a9165),
    ("silu_backward", "scalar", 0xf86af3de2483a72a),
    ("silu_backward/inplace", "scalar", 0xf86af3de2483a72a),
    ("quick_gelu_backward", "scalar", 0x3613bfef9872d9bd),
    ("quick_gelu_backward/inplace", "scalar", 0x3613bfef9872d9bd),
    ("gelu_backward", "scalar", 0x55dbe2913310c417),
    ("gelu_backward/inplace", "scalar", 0x55dbe2913310c417),
    ("gelu_tanh_backward", "scalar", 0xb163f954488e20c5),
    ("gelu_tanh_backward/inplace", "scalar", 0xb163f954488e20c5),
    ("mish_backward", "scalar", 0x5a560fb5af2cab9c),
    ("mish_backward/inplace", "scalar", 0x5a560fb5af2cab9c),
    ("elu_backward(1.0)", "scalar", 0x2df1cb5ab766711c),
    ("elu_backward(1.0)/inplace", "scalar", 0x2df1cb5ab766711c),
    ("elu_backward(0.5)", "scalar", 0x3690dea6eba1f43f),
    ("elu_backward(0.5)/inplace", "scalar", 0x3690dea6eba1f43f),
    ("selu_backward", "scalar", 0xd5b2322dac9543f0),
    ("selu_backward/inplace", "scalar", 0xd5b2322dac9543f0),
    ("relu_backward", "scalar", 0xd4491d64d2257fa2),
    ("relu_backward/inplace", "scalar", 0xd4491d64d2257fa2),
    ("leaky_relu_backward(0.01)", "scalar", 0x80ba23e88bbeccae),
    ("leaky_relu_backward(0.01)/inplace", "scalar", 0x80ba23e88bbeccae),
    ("hard_sigmoid_backward", "scalar", 0x57f6e732415d0020),
    ("hard_sigmoid_backward/inplace", "scalar", 0x57f6e732415d0020),
    ("hard_swish_backward", "scalar", 0xe190902450c4ba5c),
    ("hard_swish_backward/inplace", "scalar", 0xe190902450c4ba5c),
    ("softplus_backward", "scalar", 0xe4a71299723a496e),
    ("softplus_backward/inplace", "scalar", 0xe4a71299723a496e),
    ("log_sigmoid_backward", "scalar", 0x887aceef26be5e11),
    ("log_sigmoid_backward/inplace", "scalar", 0x887aceef26be5e11),
    ("sigmoid_backward_from_output", "scalar", 0xdf3b70eb28d00687),
    ("sigmoid_backward_from_output/inplace", "scalar", 0xdf3b70eb28d00687),
    ("tanh_backward_from_output", "scalar", 0x99a566b8061aeb3c),
    ("tanh_backward_from_output/inplace", "scalar", 0x99a566b8061aeb3c),
    ("prelu([0.1, -0.2, 0.3])", "scalar", 0x43b26e2c25a6c5fd),
    ("prelu([0.1, -0.2, 0.3])/inplace", "scalar", 0x43b26e2c25a6c5fd),
    ("prelu_channels_first([0.5, 0.25], 7)", "scalar", 0x41c4a4956d1f5f51),
    ("prelu_channels_first([0.5, 0.25], 7)/inplace", "scalar", 0x41c4a4956d1f5f51),
    ("softmax(1)", "scalar", 0x416c31d70a055be5),
    ("softmax(1)/inplace", "scalar", 0x416c31d70a055be5),
    ("log_softmax(1)", "scalar", 0x63206d044b8876c5),
    ("log_softmax(1)/inplace", "scalar", 0x63206d044b8876c5),
    ("softmax_backward(1)", "scalar", 0xc2e4775d24bdc6c2),
    ("softmax_backward(1)/inplace", "scalar", 0xc2e4775d24bdc6c2),
    ("log_softmax_backward(1)", "scalar", 0xc2e4775d24bdc6c2),
    ("log_softmax_backward(1)/inplace", "scalar", 0xc2e4775d24bdc6c2),
    ("softmax(7)", "scalar", 0x0693f30e1ef51e3c),
    ("softmax(7)/inplace", "scalar", 0x0693f30e1ef51e3c),
    ("log_softmax(7)", "scalar", 0x7cb8ab7067a32bf8),
    ("log_softmax(7)/inplace", "scalar", 0x7cb8ab7067a32bf8),
    ("softmax_backward(7)", "scalar", 0x8b117f979cdde485),
    ("softmax_backward(7)/inplace", "scalar", 0x8b117f979cdde485),
    ("log_softmax_backward(7)", "scalar", 0xb7802005abe09473),
    ("log_softmax_backward(7)/inplace", "scalar", 0xb7802005abe09473),
    ("softmax(33)", "scalar", 0xc4af0220f60f41c8),
    ("softmax(33)/inplace", "scalar", 0xc4af0220f60f41c8),
    ("log_softmax(33)", "scalar", 0xf925ae20df3f2fa0),
    ("log_softmax(33)/inplace", "scalar", 0xf925ae20df3f2fa0),
    ("softmax_backward(33)", "scalar", 0x7296721c9245d3f1),
    ("softmax_backward(33)/inplace", "scalar", 0x7296721c9245d3f1),
    ("log_softmax_backward(33)", "scalar", 0xd2ff8785b5f617d2),
    ("log_softmax_backward(33)/inplace", "scalar", 0xd2ff8785b5f617d2),
    ("softmax(1000)", "scalar", 0x995a8c424fbd3593),
    ("softmax(1000)/inplace", "scalar", 0x995a8c424fbd3593),
    ("log_softmax(1000)", "scalar", 0xd13e035c6c24bef0),
    ("log_softmax(1000)/inplace", "scalar", 0xd13e035c6c24bef0),
    ("softmax_backward(1000)", "scalar", 0xed3b5d970ca96118),
    ("softmax_backward(1000)/inplace", "scalar", 0xed3b5d970ca96118),
    ("log_softmax_backward(1000)", "scalar", 0xed3b5d970ca96118),
    ("log_softmax_backward(1000)/inplace", "scalar", 0xed3b5d970ca96118),
    ("exp", "avx2", 0xaae3c10537e4987c),
    ("exp/inplace", "avx2", 0xaae3c10537e4987c),
    ("sigmoid", "avx2", 0xb0f5e76e2fd0e6d1),
    ("sigmoid/inplace", "avx2", 0xb0f5e76e2fd0e6d1),
    ("tanh", "avx2", 0x0b030522e514ae62),
    ("tanh/inplace", "avx2", 0x0b030522e514ae62),
    ("silu", "avx2", 0xe8b412108a5d95ad),
    ("silu/inplace", "avx2", 0xe8b412108a5d95ad),
    ("quick_gelu", "avx2", 0xccf86cc82b9920cc),
    ("quick_gelu/inplace", "avx2", 0xccf86cc82b9920cc),
    ("gelu", "avx2", 0x0aaa30dfdc572d09),
    ("gelu/inplace", "avx2", 0x0aaa30dfdc572d09),
    ("gelu_tanh", "avx2", 0x631d390848f5b705),
    ("gelu_tanh/inplace", "avx2", 0x631d390848f5b705),
    ("mish", "avx2", 0x6b6fca8e3d02eb11),
    ("mish/inplace", "avx2", 0x6b6fca8e3d02eb11),
    ("elu(1.0)", "avx2", 0xd6db2e012e5f6387),
    ("elu(1.0)/inplace", "avx2", 0xd6db2e012e5f6387),
    ("elu(0.5)", "avx2", 0x200e66540b03fe2e),
    ("elu(0.5)/inplace", "avx2", 0x200e66540b03fe2e),
    ("selu", "avx2", 0x64bdefcb5debf551),
    ("selu/inplace", "avx2", 0x64bdefcb5debf551),
    ("relu", "avx2", 0xf12f85eb33e81454),
    ("relu/inplace", "avx2", 0xf12f85eb33e81454),
    ("leaky_relu(0.01)", "avx2", 0x564f4fdac4d7f9aa),
    ("leaky_relu(0.01)/inplace", "avx2", 0x564f4fdac4d7f9aa),
    ("leaky_relu(-1.5)", "avx2", 0xca42fd0ad933e4fb),
    ("leaky_relu(-1.5)/inplace", "avx2", 0xca42fd0ad933e4fb),
    ("softplus", "avx2", 0x60b17a676f45b372),
    ("softplus/inplace", "avx2", 0x60b17a676f45b372),
    ("log_sigmoid", "avx2", 0x8a41a0ab9d9622d5),
    ("log_sigmoid/inplace", "avx2", 0x8a41a0ab9d9622d5),
    ("exp_backward", "avx2", 0xa8bd5574ce0b68fe),
    ("exp_backward/inplace", "avx2", 0xa8bd5574ce0b68fe),
    ("sigmoid_backward", "avx2", 0xb57b71abcb41691c),
    ("sigmoid_backward/inplace", "avx2", 0xb57b71abcb41691c),
    ("tanh_backward", "avx2", 0x6d46e99c39ee5107),
    ("tanh_backward/inplace", "avx2", 0x6d46e99c39ee5107),
    ("silu_backward", "avx2", 0x8fbd217c958e07a0),
    ("silu_backward/inplace", "avx2", 0x8fbd217c958e07a0),
    ("quick_gelu_backward", "avx2", 0x197c6944da590956),
    ("quick_gelu_backward/inplace", "avx2", 0x197c6944da590956),
    ("gelu_backward", "avx2", 0x55010f231792e6aa),
    ("gelu_backward/inplace", "avx2", 0x55010f231792e6aa),
    ("gelu_tanh_backward", "avx2", 0xdedd1bcaa42e736d),
    ("gelu_tanh_backward/inplace", "avx2", 0xdedd1bcaa42e736d),
    ("mish_backward", "avx2", 0x2ec01722b8380455),
    ("mish_backward/inplace", "avx2", 0x2ec01722b8380455),
    ("elu_backward(1.0)", "avx2", 0xb1045652b9db8b9a),
    ("elu_backward(1.0)/inplace", "avx2", 0xb1045652b9db8b9a),
    ("elu_backward(0.5)", "avx2", 0xdd8dc9e221aab4b7),
    ("elu_backward(0.5)/inplace", "avx2", 0xdd8dc9e221aab4b7),
    ("selu_backward", "avx2", 0xf549466864308e2a),
    ("selu_backward/inplace", "avx2", 0xf549466864308e2a),
    ("relu_backward", "avx2", 0xd4491d64d2257fa2),
    ("relu_backward/inplace", "avx2", 0xd4491d64d2257fa2),
    ("leaky_relu_backward(0.01)", "avx2", 0x80ba23e88bbeccae),
    ("leaky_relu_backward(0.01)/inplace", "avx2", 0x80ba23e88bbeccae),
    ("hard_sigmoid_backward", "avx2", 0x57f6e732415d0020),
    ("hard_sigmoid_backward/inplace", "avx2", 0x57f6e732415d0020),
    ("hard_swish_backward", "avx2", 0xe190902450c4ba5c),
    ("hard_swish_backward/inplace", "avx2", 0xe190902450c4ba5c),
    ("softplus_backward", "avx2", 0x77f87b057f365ca0),
    ("softplus_backward/inplace", "avx2", 0x77f87b057f365ca0),
    ("log_sigmoid_backward", "avx2", 0x1ba67a543ccd7818),
    ("log_sigmoid_backward/inplace", "avx2", 0x1ba67a543ccd7818),
    ("sigmoid_backward_from_output", "avx2", 0x8ff5afe941c4bdc0),
    ("sigmoid_backward_from_output/inplace", "avx2", 0x8ff5afe941c4bdc0),
    ("tanh_backward_from_output", "avx2", 0x118e957ec7e1f2fc),
    ("tanh_backward_from_output/inplace", "avx2", 0x118e957ec7e1f2fc),
    ("prelu([0.1, -0.2, 0.3])", "avx2", 0x43b26e2c25a6c5fd),
    ("prelu([0.1, -0.2, 0.3])/inplace", "avx2", 0x43b26e2c25a6c5fd),
    ("prelu_channels_first([0.5, 0.25], 7)", "avx2", 0x41c4a4956d1f5f51),
    ("prelu_channels_first([0.5, 0.25], 7)/inplace", "avx2", 0x41c4a4956d1f5f51),
    ("softmax(1)", "avx2", 0x416c31d70a055be5),
    ("softmax(1)/inplace", "avx2", 0x416c31d70a055be5),
    ("log_softmax(1)", "avx2", 0x63206d044b8876c5),
    ("log_softmax(1)/inplace", "avx2", 0x63206d044b8876c5),
    ("softmax_backward(1)", "avx2", 0xc4a5fac7f67d1932),
    ("softmax_backward(1)/inplace", "avx2", 0xc4a5fac7f67d1932),
    ("log_softmax_backward(1)", "avx2", 0xc2e4775d24bdc6c2),
    ("log_softmax_backward(1)/inplace", "avx2", 0xc2e4775d24bdc6c2),
    ("softmax(7)", "avx2", 0x5ea8192ee5ab88d6),
    ("softmax(7)/inplace", "avx2", 0x5ea8192ee5ab88d6),
    ("log_softmax(7)", "avx2", 0x6354428a8572be55),
    ("log_softmax(7)/inplace", "avx2", 0x6354428a8572be55),
    ("softmax_backward(7)", "avx2", 0xa109269319dc871d),
    ("softmax_backward(7)/inplace", "avx2", 0xa109269319dc871d),
    ("log_softmax_backward(7)", "avx2", 0xae85201d73342f0a),
    ("log_softmax_backward(7)/inplace", "avx2", 0xae85201d73342f0a),
    ("softmax(33)", "avx2", 0x210e44e0f9c2178f),
    ("softmax(33)/inplace", "avx2", 0x210e44e0f9c2178f),
    ("log_softmax(33)", "avx2", 0x1e37d84d4b550e52),
    ("log_softmax(33)/inplace", "avx2", 0x1e37d84d4b550e52),
    ("softmax_backward(33)", "avx2", 0x4f56c15771f36ed9),
    ("softmax_backward(33)/inplace", "avx2", 0x4f56c15771f36ed9),
    ("log_softmax_backward(33)", "avx2", 0xb912eab4828ef7ed),
    ("log_softmax_backward(33)/inplace", "avx2", 0xb912eab4828ef7ed),
    ("softmax(1000)", "avx2", 0x5e2e0fe9da48e97d),
    ("softmax(1000)/inplace", "avx2", 0x5e2e0fe9da48e97d),
    ("log_softmax(1000)", "avx2", 0xd13e035c6c24bef0),
    ("log_softmax(1000)/inplace", "avx2", 0xd13e035c6c24bef0),
    ("softmax_backward(1000)", "avx2", 0x51626198a4f746de),
    ("softmax_backward(1000)/inplace", "avx2", 0x51626198a4f746de),
    ("log_softmax_backward(1000)", "avx2", 0x0a39831fb3bbea63),
    ("log_softmax_backward(1000)/inplace", "avx2", 0x0a39831fb3bbea63),
    ("exp", "avx512", 0xaae3c10537e4987c),
    ("exp/inplace", "avx512", 0xaae3c10537e4987c),
    ("sigmoid", "avx512", 0xb0f5e76e2fd0e6d1),
    ("sigmoid/inplace", "avx512", 0xb0f5e76e2fd0e6d1),
    ("tanh", "avx512", 0x0b030522e514ae62),
    ("tanh/inplace", "avx512", 0x0b030522e514ae62),
    ("silu", "avx512", 0xe8b412108a5d95ad),
    ("silu/inplace", "avx512", 0xe8b412108a5d95ad),
    ("quick_gelu", "avx512", 0xccf86cc82b9920cc),
    ("quick_gelu/inplace", "avx512", 0xccf86cc82b9920cc),
    ("gelu", "avx512", 0x0aaa30dfdc572d09),
    ("gelu/inplace", "avx512", 0x0aaa30dfdc572d09),
    ("gelu_tanh", "avx512", 0x631d390848f5b705),
    ("gelu_tanh/inplace", "avx512", 0x631d390848f5b705),
    ("mish", "avx512", 0x6b6fca8e3d02eb11),
    ("mish/inplace", "avx512", 0x6b6fca8e3d02eb11),
    ("elu(1.0)", "avx512", 0xd6db2e012e5f6387),
    ("elu(1.0)/inplace", "avx512", 0xd6db2e012e5f6387),
    ("elu(0.5)", "avx512", 0x200e66540b03fe2e),
    ("elu(0.5)/inplace", "avx512", 0x200e66540b03fe2e),
    ("selu", "avx512", 0x64bdefcb5debf551),
    ("selu/inplace", "avx512", 0x64bdefcb5debf551),
    ("relu", "avx512", 0xf12f85eb33e81454),
    ("relu/inplace", "avx512", 0xf12f85eb33e81454),
    ("leaky_relu(0.01)", "avx512", 0x564f4fdac4d7f9aa),
    ("leaky_relu(0.01)/inplace", "avx512", 0x564f4fdac4d7f9aa),
    ("leaky_relu(-1.5)", "avx512", 0xca42fd0ad933e4fb),
    ("leaky_relu(-1.5)/inplace", "avx512", 0xca42fd0ad933e4fb),
    ("softplus", "avx512", 0x60b17a676f45b372),
    ("softplus/inplace", "avx512", 0x60b17a676f45b372),
    ("log_sigmoid", "avx512", 0x8a41a0ab9d9622d5),
    ("log_sigmoid/inplace", "avx512", 0x8a41a0ab9d9622d5),
    ("exp_backward", "avx512", 0xa8bd5574ce0b68fe),
    ("exp_backward/inplace", "avx512", 0xa8bd5574ce0b68fe),
    ("sigmoid_backward", "avx512", 0xb57b71abcb41691c),
    ("sigmoid_backward/inplace", "avx512", 0xb57b71abcb41691c),
    ("tanh_backward", "avx512", 0x6d46e99c39ee5107),
    ("tanh_backward/inplace", "avx512", 0x6d46e99c39ee5107),
    ("silu_backward", "avx512", 0x8fbd217c958e07a0),
    ("silu_backward/inplace", "avx512", 0x8fbd217c958e07a0),
    ("quick_gelu_backward", "avx512", 0x197c6944da590956),
    ("quick_gelu_backward/inplace", "avx512", 0x197c6944da590956),
    ("gelu_backward", "avx512", 0x55010f231792e6aa),
    ("gelu_backward/inplace", "avx512", 0x55010f231792e6aa),
    ("gelu_tanh_backward", "avx512", 0xdedd1bcaa42e736d),
    ("gelu_tanh_backward/inplace", "avx512", 0xdedd1bcaa42e736d),
    ("mish_backward", "avx512", 0x2ec01722b8380455),
    ("mish_backward/inplace", "avx512", 0x2ec01722b8380455),
    ("elu_backward(1.0)", "avx512", 0xb1045652b9db8b9a),
    ("elu_backward(1.0)/inplace", "avx512", 0xb1045652b9db8b9a),
    ("elu_backward(0.5)", "avx512", 0xdd8dc9e221aab4b7),
    ("elu_backward(0.5)/inplace", "avx512", 0xdd8dc9e221aab4b7),
    ("selu_backward", "avx512", 0xf549466864308e2a),
    ("selu_backward/inplace", "avx512", 0xf549466864308e2a),
    ("relu_backward", "avx512", 0xd4491d64d2257fa2),
    ("relu_backward/inplace", "avx512", 0xd4491d64d2257fa2),
    ("leaky_relu_backward(0.01)", "avx512", 0x80ba23e88bbeccae),
    ("leaky_relu_backward(0.01)/inplace", "avx512", 0x80ba23e88bbeccae),
    ("hard_sigmoid_backward", "avx512", 0x57f6e732415d0020),
    ("hard_sigmoid_backward/inplace", "avx512", 0x57f6e732415d0020),
    ("hard_swish_backward", "avx512", 0xe190902450c4ba5c),
    ("hard_swish_backward/inplace", "avx512", 0xe190902450c4ba5c),
    ("softplus_backward", "avx512", 0x77f87b057f365ca0),
    ("softplus_backward/inplace", "avx512", 0x77f87b057f365ca0),
    ("log_sigmoid_backward", "avx512", 0x1ba67a543ccd7818),
    ("log_sigmoid_backward/inplace", "avx512", 0x1ba67a543ccd7818),
    ("sigmoid_backward_from_output", "avx512", 0x8ff5afe941c4bdc0),
    ("sigmoid_backward_from_output/inplace", "avx512", 0x8ff5afe941c4bdc0),
    ("tanh_backward_from_output", "avx512", 0x118e957ec7e1f2fc),
    ("tanh_backward_from_output/inplace", "avx512", 0x118e957ec7e1f2fc),
    ("prelu([0.1, -0.2, 0.3])", "avx512", 0x43b26e2c25a6c5fd),
    ("prelu([0.1, -0.2, 0.3])/inplace", "avx512", 0x43b26e2c25a6c5fd),
    ("prelu_channels_first([0.5, 0.25], 7)", "avx512", 0x41c4a4956d1f5f51),
    ("prelu_channels_first([0.5, 0.25], 7)/inplace", "avx512", 0x41c4a4956d1f5f51),
    ("softmax(1)", "avx512", 0x416c31d70a055be5),
    ("softmax(1)/inplace", "avx512", 0x416c31d70a055be5),
    ("log_softmax(1)", "avx512", 0x63206d044b8876c5),
    ("log_softmax(1)/inplace", "avx512", 0x63206d044b8876c5),
    ("softmax_backward(1)", "avx512", 0xc2e4775d24bdc6c2),
    ("softmax_backward(1)/inplace", "avx512", 0xc2e4775d24bdc6c2),
    ("log_softmax_backward(1)", "avx512", 0xc2e4775d24bdc6c2),
    ("log_softmax_backward(1)/inplace", "avx512", 0xc2e4775d24bdc6c2),
    ("softmax(7)", "avx512", 0x5ea8192ee5ab88d6),
    ("softmax(7)/inplace", "avx512", 0x5ea8192ee5ab88d6),
    ("log_softmax(7)", "avx512", 0x6354428a8572be55),
    ("log_softmax(7)/inplace", "avx512", 0x6354428a8572be55),
    ("softmax_backward(7)", "avx512", 0x8b117f979cdde485),
    ("softmax_backward(7)/inplace", "avx512", 0x8b117f979cdde485),
    ("log_softmax_backward(7)", "avx512", 0x55f87d3b95e0578e),
    ("log_softmax_backward(7)/inplace", "avx512", 0x55f87d3b95e0578e),
    ("softmax(33)", "avx512", 0x210e44e0f9c2178f),
    ("softmax(33)/inplace", "avx512", 0x210e44e0f9c2178f),
    ("log_softmax(33)", "avx512", 0x1e37d84d4b550e52),
    ("log_softmax(33)/inplace", "avx512", 0x1e37d84d4b550e52),
    ("softmax_backward(33)", "avx512", 0xc146898c7041e6b9),
    ("softmax_backward(33)/inplace", "avx512", 0xc146898c7041e6b9),
    ("log_softmax_backward(33)", "avx512", 0xba37f6c739ab3ba7),
    ("log_softmax_backward(33)/inplace", "avx512", 0xba37f6c739ab3ba7),
    ("softmax(1000)", "avx512", 0x5e2e0fe9da48e97d),
    ("softmax(1000)/inplace", "avx512", 0x5e2e0fe9da48e97d),
    ("log_softmax(1000)", "avx512", 0xd13e035c6c24bef0),
    ("log_softmax(1000)/inplace", "avx512", 0xd13e035c6c24bef0),
    ("softmax_backward(1000)", "avx512", 0xed3b5d970ca96118),
    ("softmax_backward(1000)/inplace", "avx512", 0xed3b5d970ca96118),
    ("log_softmax_backward(1000)", "avx512", 0x0328b6fa049c84a9),
    ("log_softmax_backward(1000)/inplace", "avx512", 0x0328b6fa049c84a9),
];
