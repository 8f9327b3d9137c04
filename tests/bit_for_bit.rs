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
//! with them (issue 13). The gradients' entries were re-recorded with their NaNs hashed as one
//! canonical NaN (`fnv_nan_free`: the sign and payload of a NaN that arithmetic makes are the
//! hardware's) when the suite first ran on aarch64 (issue 16); no other entry changed.
//!
//! On aarch64 (`.ci/aarch64`, under qemu) the same table is checked: the NEON backend against
//! the AVX2 entries (the same operations in the same order, with FMA), the scalar backend
//! against the scalar entries. Record on an x86-64 machine with AVX2 and AVX-512.

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

/// [`fnv`] with every NaN replaced by `0x7FC0_0000`: for the gradients, whose NaNs come out of
/// arithmetic (`dy * NaN`, `inf * 0`), so that their sign and payload are the hardware's choice
/// (an invalid operation gives `0xFFC0_0000` on x86-64 and `0x7FC0_0000` on aarch64), as the
/// README says. Every other bit is pinned, and equal on every architecture.
fn fnv_nan_free(y: &[f32]) -> u64 {
    let canonical: Vec<f32> = y
        .iter()
        .map(|v| {
            if v.is_nan() {
                f32::from_bits(0x7FC0_0000)
            } else {
                *v
            }
        })
        .collect();
    fnv(&canonical)
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
            o.push((key.clone(), fnv_nan_free(&dx)));
            o.push((key + "/inplace", fnv_nan_free(&z)));
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
    // backends not run here are skipped. NEON (aarch64) has no entries of its own: it must give
    // the bits of AVX2 (and so of AVX-512), which perform the same operations (FMA, the same
    // order), and the scalar backend those of the scalar backend on x86-64.
    let record = std::env::var_os("BIT_FOR_BIT_RECORD").is_some();
    let mut table = String::new();
    for (f, b, h) in &got {
        table += &format!("    (\"{f}\", \"{b}\", {h:#018x}),\n");
        let pinned = if *b == "neon" { "avx2" } else { b };
        let want: Vec<_> = EXPECTED
            .iter()
            .filter(|e| e.0 == f && e.1 == pinned)
            .collect();
        if !record && !matches!(want[..], [&(_, _, w)] if w == *h) {
            failures.push(format!(
                "{f} on {b}: expected {pinned}'s {want:x?}, got {h:#018x}"
            ));
        }
    }
    for &(f, b, _) in EXPECTED {
        if got.iter().any(|g| g.1 == b) && !got.iter().any(|g| g.0 == f && g.1 == b) {
            failures.push(format!("{f} on {b}: in EXPECTED but not computed"));
        }
    }
    if record && cfg!(target_arch = "x86_64") {
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
    ("exp_backward", "scalar", 0xfbd602f6a075eb4f),
    ("exp_backward/inplace", "scalar", 0xfbd602f6a075eb4f),
    ("sigmoid_backward", "scalar", 0x7ec558319520d010),
    ("sigmoid_backward/inplace", "scalar", 0x7ec558319520d010),
    ("tanh_backward", "scalar", 0x967cfb1ec24425f8),
    ("tanh_backward/inplace", "scalar", 0x967cfb1ec24425f8),
    ("silu_backward", "scalar", 0xe05d427900672a9b),
    ("silu_backward/inplace", "scalar", 0xe05d427900672a9b),
    ("quick_gelu_backward", "scalar", 0x21371b6b69120858),
    ("quick_gelu_backward/inplace", "scalar", 0x21371b6b69120858),
    ("gelu_backward", "scalar", 0x9c87b2135edaa072),
    ("gelu_backward/inplace", "scalar", 0x9c87b2135edaa072),
    ("gelu_tanh_backward", "scalar", 0x1996c8bf1b148360),
    ("gelu_tanh_backward/inplace", "scalar", 0x1996c8bf1b148360),
    ("mish_backward", "scalar", 0x7a1d20d034acc065),
    ("mish_backward/inplace", "scalar", 0x7a1d20d034acc065),
    ("elu_backward(1.0)", "scalar", 0xe49eaa1b29f4594d),
    ("elu_backward(1.0)/inplace", "scalar", 0xe49eaa1b29f4594d),
    ("elu_backward(0.5)", "scalar", 0x143ac1faee6adbfa),
    ("elu_backward(0.5)/inplace", "scalar", 0x143ac1faee6adbfa),
    ("selu_backward", "scalar", 0xfb2fa5cfd9872a79),
    ("selu_backward/inplace", "scalar", 0xfb2fa5cfd9872a79),
    ("relu_backward", "scalar", 0x9b370ce40961c504),
    ("relu_backward/inplace", "scalar", 0x9b370ce40961c504),
    ("leaky_relu_backward(0.01)", "scalar", 0x35d781b4777a112f),
    ("leaky_relu_backward(0.01)/inplace", "scalar", 0x35d781b4777a112f),
    ("hard_sigmoid_backward", "scalar", 0x987a355613c0b892),
    ("hard_sigmoid_backward/inplace", "scalar", 0x987a355613c0b892),
    ("hard_swish_backward", "scalar", 0x0a043ec15b2bd704),
    ("hard_swish_backward/inplace", "scalar", 0x0a043ec15b2bd704),
    ("softplus_backward", "scalar", 0xff83e1278c656dbf),
    ("softplus_backward/inplace", "scalar", 0xff83e1278c656dbf),
    ("log_sigmoid_backward", "scalar", 0x86f5aa601fbf6c38),
    ("log_sigmoid_backward/inplace", "scalar", 0x86f5aa601fbf6c38),
    ("sigmoid_backward_from_output", "scalar", 0x5762e57a5b7c4eda),
    ("sigmoid_backward_from_output/inplace", "scalar", 0x5762e57a5b7c4eda),
    ("tanh_backward_from_output", "scalar", 0x2b21940b887af1a1),
    ("tanh_backward_from_output/inplace", "scalar", 0x2b21940b887af1a1),
    ("prelu([0.1, -0.2, 0.3])", "scalar", 0x43b26e2c25a6c5fd),
    ("prelu([0.1, -0.2, 0.3])/inplace", "scalar", 0x43b26e2c25a6c5fd),
    ("prelu_channels_first([0.5, 0.25], 7)", "scalar", 0x41c4a4956d1f5f51),
    ("prelu_channels_first([0.5, 0.25], 7)/inplace", "scalar", 0x41c4a4956d1f5f51),
    ("softmax(1)", "scalar", 0x416c31d70a055be5),
    ("softmax(1)/inplace", "scalar", 0x416c31d70a055be5),
    ("log_softmax(1)", "scalar", 0x63206d044b8876c5),
    ("log_softmax(1)/inplace", "scalar", 0x63206d044b8876c5),
    ("softmax_backward(1)", "scalar", 0xe57624097ab6bac8),
    ("softmax_backward(1)/inplace", "scalar", 0xe57624097ab6bac8),
    ("log_softmax_backward(1)", "scalar", 0xe57624097ab6bac8),
    ("log_softmax_backward(1)/inplace", "scalar", 0xe57624097ab6bac8),
    ("softmax(7)", "scalar", 0x0693f30e1ef51e3c),
    ("softmax(7)/inplace", "scalar", 0x0693f30e1ef51e3c),
    ("log_softmax(7)", "scalar", 0x7cb8ab7067a32bf8),
    ("log_softmax(7)/inplace", "scalar", 0x7cb8ab7067a32bf8),
    ("softmax_backward(7)", "scalar", 0xe0e51d46c05b2874),
    ("softmax_backward(7)/inplace", "scalar", 0xe0e51d46c05b2874),
    ("log_softmax_backward(7)", "scalar", 0x5fc86a3af9466f0a),
    ("log_softmax_backward(7)/inplace", "scalar", 0x5fc86a3af9466f0a),
    ("softmax(33)", "scalar", 0xc4af0220f60f41c8),
    ("softmax(33)/inplace", "scalar", 0xc4af0220f60f41c8),
    ("log_softmax(33)", "scalar", 0xf925ae20df3f2fa0),
    ("log_softmax(33)/inplace", "scalar", 0xf925ae20df3f2fa0),
    ("softmax_backward(33)", "scalar", 0xb234a3b75ab43d05),
    ("softmax_backward(33)/inplace", "scalar", 0xb234a3b75ab43d05),
    ("log_softmax_backward(33)", "scalar", 0x07b35e50a2a4a87a),
    ("log_softmax_backward(33)/inplace", "scalar", 0x07b35e50a2a4a87a),
    ("softmax(1000)", "scalar", 0x995a8c424fbd3593),
    ("softmax(1000)/inplace", "scalar", 0x995a8c424fbd3593),
    ("log_softmax(1000)", "scalar", 0xd13e035c6c24bef0),
    ("log_softmax(1000)/inplace", "scalar", 0xd13e035c6c24bef0),
    ("softmax_backward(1000)", "scalar", 0xab73d7a15f892665),
    ("softmax_backward(1000)/inplace", "scalar", 0xab73d7a15f892665),
    ("log_softmax_backward(1000)", "scalar", 0xab73d7a15f892665),
    ("log_softmax_backward(1000)/inplace", "scalar", 0xab73d7a15f892665),
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
    ("exp_backward", "avx2", 0xa00715ba2e4d5cc3),
    ("exp_backward/inplace", "avx2", 0xa00715ba2e4d5cc3),
    ("sigmoid_backward", "avx2", 0x70c363d1f3c8fcc1),
    ("sigmoid_backward/inplace", "avx2", 0x70c363d1f3c8fcc1),
    ("tanh_backward", "avx2", 0xf03cf2401a4759d2),
    ("tanh_backward/inplace", "avx2", 0xf03cf2401a4759d2),
    ("silu_backward", "avx2", 0x67904b5610e62b4d),
    ("silu_backward/inplace", "avx2", 0x67904b5610e62b4d),
    ("quick_gelu_backward", "avx2", 0x0d7b3b5f235934db),
    ("quick_gelu_backward/inplace", "avx2", 0x0d7b3b5f235934db),
    ("gelu_backward", "avx2", 0xe3631d1cd5555cfb),
    ("gelu_backward/inplace", "avx2", 0xe3631d1cd5555cfb),
    ("gelu_tanh_backward", "avx2", 0xaded9298a94c868c),
    ("gelu_tanh_backward/inplace", "avx2", 0xaded9298a94c868c),
    ("mish_backward", "avx2", 0xc1fb041ed93f7488),
    ("mish_backward/inplace", "avx2", 0xc1fb041ed93f7488),
    ("elu_backward(1.0)", "avx2", 0x712e68755bb9ecb3),
    ("elu_backward(1.0)/inplace", "avx2", 0x712e68755bb9ecb3),
    ("elu_backward(0.5)", "avx2", 0x129c27c93345a25e),
    ("elu_backward(0.5)/inplace", "avx2", 0x129c27c93345a25e),
    ("selu_backward", "avx2", 0x0ca9239c9beffaff),
    ("selu_backward/inplace", "avx2", 0x0ca9239c9beffaff),
    ("relu_backward", "avx2", 0x9b370ce40961c504),
    ("relu_backward/inplace", "avx2", 0x9b370ce40961c504),
    ("leaky_relu_backward(0.01)", "avx2", 0x35d781b4777a112f),
    ("leaky_relu_backward(0.01)/inplace", "avx2", 0x35d781b4777a112f),
    ("hard_sigmoid_backward", "avx2", 0x987a355613c0b892),
    ("hard_sigmoid_backward/inplace", "avx2", 0x987a355613c0b892),
    ("hard_swish_backward", "avx2", 0x0a043ec15b2bd704),
    ("hard_swish_backward/inplace", "avx2", 0x0a043ec15b2bd704),
    ("softplus_backward", "avx2", 0x44db9d9c48863949),
    ("softplus_backward/inplace", "avx2", 0x44db9d9c48863949),
    ("log_sigmoid_backward", "avx2", 0x0cd9e5f97d1a6afd),
    ("log_sigmoid_backward/inplace", "avx2", 0x0cd9e5f97d1a6afd),
    ("sigmoid_backward_from_output", "avx2", 0xdd36430a35b04259),
    ("sigmoid_backward_from_output/inplace", "avx2", 0xdd36430a35b04259),
    ("tanh_backward_from_output", "avx2", 0xbfdc8762b949910d),
    ("tanh_backward_from_output/inplace", "avx2", 0xbfdc8762b949910d),
    ("prelu([0.1, -0.2, 0.3])", "avx2", 0x43b26e2c25a6c5fd),
    ("prelu([0.1, -0.2, 0.3])/inplace", "avx2", 0x43b26e2c25a6c5fd),
    ("prelu_channels_first([0.5, 0.25], 7)", "avx2", 0x41c4a4956d1f5f51),
    ("prelu_channels_first([0.5, 0.25], 7)/inplace", "avx2", 0x41c4a4956d1f5f51),
    ("softmax(1)", "avx2", 0x416c31d70a055be5),
    ("softmax(1)/inplace", "avx2", 0x416c31d70a055be5),
    ("log_softmax(1)", "avx2", 0x63206d044b8876c5),
    ("log_softmax(1)/inplace", "avx2", 0x63206d044b8876c5),
    ("softmax_backward(1)", "avx2", 0xe57624097ab6bac8),
    ("softmax_backward(1)/inplace", "avx2", 0xe57624097ab6bac8),
    ("log_softmax_backward(1)", "avx2", 0xe57624097ab6bac8),
    ("log_softmax_backward(1)/inplace", "avx2", 0xe57624097ab6bac8),
    ("softmax(7)", "avx2", 0x5ea8192ee5ab88d6),
    ("softmax(7)/inplace", "avx2", 0x5ea8192ee5ab88d6),
    ("log_softmax(7)", "avx2", 0x6354428a8572be55),
    ("log_softmax(7)/inplace", "avx2", 0x6354428a8572be55),
    ("softmax_backward(7)", "avx2", 0xe0e51d46c05b2874),
    ("softmax_backward(7)/inplace", "avx2", 0xe0e51d46c05b2874),
    ("log_softmax_backward(7)", "avx2", 0x85fe7c422db5ea63),
    ("log_softmax_backward(7)/inplace", "avx2", 0x85fe7c422db5ea63),
    ("softmax(33)", "avx2", 0x210e44e0f9c2178f),
    ("softmax(33)/inplace", "avx2", 0x210e44e0f9c2178f),
    ("log_softmax(33)", "avx2", 0x1e37d84d4b550e52),
    ("log_softmax(33)/inplace", "avx2", 0x1e37d84d4b550e52),
    ("softmax_backward(33)", "avx2", 0xb234a3b75ab43d05),
    ("softmax_backward(33)/inplace", "avx2", 0xb234a3b75ab43d05),
    ("log_softmax_backward(33)", "avx2", 0xe69696aed78d0c66),
    ("log_softmax_backward(33)/inplace", "avx2", 0xe69696aed78d0c66),
    ("softmax(1000)", "avx2", 0x5e2e0fe9da48e97d),
    ("softmax(1000)/inplace", "avx2", 0x5e2e0fe9da48e97d),
    ("log_softmax(1000)", "avx2", 0xd13e035c6c24bef0),
    ("log_softmax(1000)/inplace", "avx2", 0xd13e035c6c24bef0),
    ("softmax_backward(1000)", "avx2", 0xab73d7a15f892665),
    ("softmax_backward(1000)/inplace", "avx2", 0xab73d7a15f892665),
    ("log_softmax_backward(1000)", "avx2", 0xab73d7a15f892665),
    ("log_softmax_backward(1000)/inplace", "avx2", 0xab73d7a15f892665),
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
    ("exp_backward", "avx512", 0xa00715ba2e4d5cc3),
    ("exp_backward/inplace", "avx512", 0xa00715ba2e4d5cc3),
    ("sigmoid_backward", "avx512", 0x70c363d1f3c8fcc1),
    ("sigmoid_backward/inplace", "avx512", 0x70c363d1f3c8fcc1),
    ("tanh_backward", "avx512", 0xf03cf2401a4759d2),
    ("tanh_backward/inplace", "avx512", 0xf03cf2401a4759d2),
    ("silu_backward", "avx512", 0x67904b5610e62b4d),
    ("silu_backward/inplace", "avx512", 0x67904b5610e62b4d),
    ("quick_gelu_backward", "avx512", 0x0d7b3b5f235934db),
    ("quick_gelu_backward/inplace", "avx512", 0x0d7b3b5f235934db),
    ("gelu_backward", "avx512", 0xe3631d1cd5555cfb),
    ("gelu_backward/inplace", "avx512", 0xe3631d1cd5555cfb),
    ("gelu_tanh_backward", "avx512", 0xaded9298a94c868c),
    ("gelu_tanh_backward/inplace", "avx512", 0xaded9298a94c868c),
    ("mish_backward", "avx512", 0xc1fb041ed93f7488),
    ("mish_backward/inplace", "avx512", 0xc1fb041ed93f7488),
    ("elu_backward(1.0)", "avx512", 0x712e68755bb9ecb3),
    ("elu_backward(1.0)/inplace", "avx512", 0x712e68755bb9ecb3),
    ("elu_backward(0.5)", "avx512", 0x129c27c93345a25e),
    ("elu_backward(0.5)/inplace", "avx512", 0x129c27c93345a25e),
    ("selu_backward", "avx512", 0x0ca9239c9beffaff),
    ("selu_backward/inplace", "avx512", 0x0ca9239c9beffaff),
    ("relu_backward", "avx512", 0x9b370ce40961c504),
    ("relu_backward/inplace", "avx512", 0x9b370ce40961c504),
    ("leaky_relu_backward(0.01)", "avx512", 0x35d781b4777a112f),
    ("leaky_relu_backward(0.01)/inplace", "avx512", 0x35d781b4777a112f),
    ("hard_sigmoid_backward", "avx512", 0x987a355613c0b892),
    ("hard_sigmoid_backward/inplace", "avx512", 0x987a355613c0b892),
    ("hard_swish_backward", "avx512", 0x0a043ec15b2bd704),
    ("hard_swish_backward/inplace", "avx512", 0x0a043ec15b2bd704),
    ("softplus_backward", "avx512", 0x44db9d9c48863949),
    ("softplus_backward/inplace", "avx512", 0x44db9d9c48863949),
    ("log_sigmoid_backward", "avx512", 0x0cd9e5f97d1a6afd),
    ("log_sigmoid_backward/inplace", "avx512", 0x0cd9e5f97d1a6afd),
    ("sigmoid_backward_from_output", "avx512", 0xdd36430a35b04259),
    ("sigmoid_backward_from_output/inplace", "avx512", 0xdd36430a35b04259),
    ("tanh_backward_from_output", "avx512", 0xbfdc8762b949910d),
    ("tanh_backward_from_output/inplace", "avx512", 0xbfdc8762b949910d),
    ("prelu([0.1, -0.2, 0.3])", "avx512", 0x43b26e2c25a6c5fd),
    ("prelu([0.1, -0.2, 0.3])/inplace", "avx512", 0x43b26e2c25a6c5fd),
    ("prelu_channels_first([0.5, 0.25], 7)", "avx512", 0x41c4a4956d1f5f51),
    ("prelu_channels_first([0.5, 0.25], 7)/inplace", "avx512", 0x41c4a4956d1f5f51),
    ("softmax(1)", "avx512", 0x416c31d70a055be5),
    ("softmax(1)/inplace", "avx512", 0x416c31d70a055be5),
    ("log_softmax(1)", "avx512", 0x63206d044b8876c5),
    ("log_softmax(1)/inplace", "avx512", 0x63206d044b8876c5),
    ("softmax_backward(1)", "avx512", 0xe57624097ab6bac8),
    ("softmax_backward(1)/inplace", "avx512", 0xe57624097ab6bac8),
    ("log_softmax_backward(1)", "avx512", 0xe57624097ab6bac8),
    ("log_softmax_backward(1)/inplace", "avx512", 0xe57624097ab6bac8),
    ("softmax(7)", "avx512", 0x5ea8192ee5ab88d6),
    ("softmax(7)/inplace", "avx512", 0x5ea8192ee5ab88d6),
    ("log_softmax(7)", "avx512", 0x6354428a8572be55),
    ("log_softmax(7)/inplace", "avx512", 0x6354428a8572be55),
    ("softmax_backward(7)", "avx512", 0xe0e51d46c05b2874),
    ("softmax_backward(7)/inplace", "avx512", 0xe0e51d46c05b2874),
    ("log_softmax_backward(7)", "avx512", 0x85fe7c422db5ea63),
    ("log_softmax_backward(7)/inplace", "avx512", 0x85fe7c422db5ea63),
    ("softmax(33)", "avx512", 0x210e44e0f9c2178f),
    ("softmax(33)/inplace", "avx512", 0x210e44e0f9c2178f),
    ("log_softmax(33)", "avx512", 0x1e37d84d4b550e52),
    ("log_softmax(33)/inplace", "avx512", 0x1e37d84d4b550e52),
    ("softmax_backward(33)", "avx512", 0xb234a3b75ab43d05),
    ("softmax_backward(33)/inplace", "avx512", 0xb234a3b75ab43d05),
    ("log_softmax_backward(33)", "avx512", 0xe69696aed78d0c66),
    ("log_softmax_backward(33)/inplace", "avx512", 0xe69696aed78d0c66),
    ("softmax(1000)", "avx512", 0x5e2e0fe9da48e97d),
    ("softmax(1000)/inplace", "avx512", 0x5e2e0fe9da48e97d),
    ("log_softmax(1000)", "avx512", 0xd13e035c6c24bef0),
    ("log_softmax(1000)/inplace", "avx512", 0xd13e035c6c24bef0),
    ("softmax_backward(1000)", "avx512", 0xab73d7a15f892665),
    ("softmax_backward(1000)/inplace", "avx512", 0xab73d7a15f892665),
    ("log_softmax_backward(1000)", "avx512", 0xab73d7a15f892665),
    ("log_softmax_backward(1000)/inplace", "avx512", 0xab73d7a15f892665),
];
