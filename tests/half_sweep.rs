//! f32 -> f16 and f32 -> bf16 on all 2^32 f32 bit patterns, on every backend this CPU
//! supports (the others skipped with a message): bit for bit `half`'s scalar `f16::from_f32`
//! and `bf16::from_f32` (NaN payloads included). Part of `cargo test --release`: the inputs
//! go in blocks of 2^20 across rayon's threads, each block converted by one call per backend.
//! `--nocapture` prints the time.

mod common;

use std::time::Instant;

use half::{bf16, f16};
use rayon::prelude::*;
use simd_activations::Kernels;

/// Elements per call: large, so that the call's overhead vanishes.
const BLOCK: u64 = 1 << 20;

/// Reusable buffers of one thread.
struct Buffers {
    x: Vec<f32>,
    want: Vec<u16>,
    got: Vec<u16>,
}

/// Checks blocks of the whole input space; `reference` and `convert` write bit patterns.
fn sweep(
    name: &str,
    reference: impl Fn(f32) -> u16 + Sync,
    convert: impl Fn(&Kernels, &[f32], &mut [u16]) + Sync,
) {
    let backends = common::backends();
    let start = Instant::now();
    let blocks = (1_u64 << 32) / BLOCK;
    let failure = (0..blocks).into_par_iter().try_for_each_init(
        || Buffers {
            x: vec![0.0; BLOCK as usize],
            want: vec![0; BLOCK as usize],
            got: vec![0; BLOCK as usize],
        },
        |b, block| {
            let first = (block * BLOCK) as u32;
            for (i, (x, w)) in b.x.iter_mut().zip(&mut b.want).enumerate() {
                *x = f32::from_bits(first + i as u32);
                *w = reference(*x);
            }
            for (backend, k) in &backends {
                convert(k, &b.x, &mut b.got);
                if let Some(i) = b.got.iter().zip(&b.want).position(|(g, w)| g != w) {
                    return Err(format!(
                        "{name} on {backend}: input {:#010x} gives {:#06x}, half gives {:#06x}",
                        b.x[i].to_bits(),
                        b.got[i],
                        b.want[i]
                    ));
                }
            }
            Ok(())
        },
    );
    println!(
        "{name}: all 2^32 inputs on {} backends in {:.1} s",
        backends.len(),
        start.elapsed().as_secs_f64()
    );
    if let Err(e) = failure {
        panic!("{e}");
    }
}

#[test]
fn f32_to_f16_every_input() {
    sweep(
        "f32_to_f16",
        |x| f16::from_f32(x).to_bits(),
        |k, x, y| {
            let y = half::slice::HalfBitsSliceExt::reinterpret_cast_mut::<f16>(y);
            k.f32_to_f16(x, y).unwrap();
        },
    );
}

#[test]
fn f32_to_bf16_every_input() {
    sweep(
        "f32_to_bf16",
        |x| bf16::from_f32(x).to_bits(),
        |k, x, y| {
            let y = half::slice::HalfBitsSliceExt::reinterpret_cast_mut::<bf16>(y);
            k.f32_to_bf16(x, y).unwrap();
        },
    );
}
