//! Instruction-count driver: runs one kernel `calls` times on a forced backend, one thread.
//!
//! `cargo run --release --example instructions -- <kernel> <backend> <calls>`
//! `cargo run --release --example instructions -- --list` (every kernel name, one per line)
//!
//! Kernels: every activation of the registry by its name (`exp`, `leaky_relu`,
//! `leaky_relu(0.2)`, ...: `Activation::from_str`), its gradient (`<name>_backward`, `dy`
//! uniform in [-1, 1]), the three-stream loop `add` (`dx = x + dy`, the gradients' baseline)
//! `prelu` (4 slopes) and `prelu_backward` (channels-last, the 4 slopes' gradients), on 4096
//! elements
//! uniform in [-8, 8]; `softmax:<rows>x<cols>` and `log_softmax:<rows>x<cols>` on a matrix of
//! that shape; `softmax_decode:<shape>` (scale `1/sqrt(128)`, causal, every column live),
//! `softmax_prefill:<shape>` (the same scale, causal from the diagonal) and
//! `softmax_padding:<shape>` (an additive mask, the last eighth of each row `-inf`): the
//! optioned softmax against the plain one; `log_softmax_backward:<rows>x<cols>` (of the
//! log-softmax of the inputs, `dy` uniform in [-1, 1]). Backends: `scalar`, `avx2`, `avx512`. Run under `valgrind --tool=callgrind`
//! with `calls = N` and `calls = 0`: the difference divided by `N * elements` is the kernel's
//! instruction count per element (`scripts/instructions.sh` does this). Inputs and setup are
//! the same whatever `calls` is, so they cancel out.

use std::hint::black_box;
use std::process::ExitCode;

use simd_activations::{Activation, Backend, Kernels, Mask, SoftmaxOptions};

/// Length of the elementwise kernels' slices.
const LEN: usize = 4096;
/// The softmax shapes of the default list.
const SHAPES: [&str; 3] = ["1024x1024", "4096x32", "64x32768"];

/// `n` values uniform in `[-8, 8]`, from a fixed-seed generator (reproducible counts).
fn inputs(n: usize) -> Vec<f32> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    (0..n)
        .map(|_| {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            let unit = (r >> 40) as f32 / (1u64 << 24) as f32; // [0, 1)
            16.0 * unit - 8.0
        })
        .collect()
}

/// What one call runs.
enum Kernel {
    Activation(Activation),
    /// `<name>_backward`, on `dy` uniform in [-1, 1].
    Backward(Activation),
    /// `dx[i] = x[i] + dy[i]`, the three-stream baseline of the gradients.
    Add,
    Prelu,
    PreluBackward,
    Rows {
        log: bool,
        rows: usize,
        cols: usize,
    },
    /// `log_softmax_backward` of the log-softmax of the inputs, `dy` uniform in [-1, 1].
    LogSoftmaxBackward {
        rows: usize,
        cols: usize,
    },
    /// `softmax_with`: 0 decode, 1 prefill, 2 padding.
    Attention {
        kind: u8,
        rows: usize,
        cols: usize,
    },
}

fn parse(kernel: &str) -> Result<Kernel, String> {
    let variants = [
        ("softmax_decode:", 0),
        ("softmax_prefill:", 1),
        ("softmax_padding:", 2),
    ];
    for (prefix, kind) in variants {
        if let Some(shape) = kernel.strip_prefix(prefix) {
            let (r, c) = shape.split_once('x').ok_or("shape: <rows>x<cols>")?;
            let rows = r.parse().map_err(|_| "bad rows")?;
            let cols = c.parse().map_err(|_| "bad cols")?;
            return Ok(Kernel::Attention { kind, rows, cols });
        }
    }
    if let Some(shape) = kernel.strip_prefix("log_softmax_backward:") {
        let (r, c) = shape.split_once('x').ok_or("shape: <rows>x<cols>")?;
        let rows = r.parse().map_err(|_| "bad rows")?;
        let cols = c.parse().map_err(|_| "bad cols")?;
        return Ok(Kernel::LogSoftmaxBackward { rows, cols });
    }
    for (prefix, log) in [("softmax:", false), ("log_softmax:", true)] {
        if let Some(shape) = kernel.strip_prefix(prefix) {
            let (r, c) = shape.split_once('x').ok_or("shape: <rows>x<cols>")?;
            let rows = r.parse().map_err(|_| "bad rows")?;
            let cols = c.parse().map_err(|_| "bad cols")?;
            return Ok(Kernel::Rows { log, rows, cols });
        }
    }
    if kernel == "prelu" {
        return Ok(Kernel::Prelu);
    }
    if kernel == "prelu_backward" {
        return Ok(Kernel::PreluBackward);
    }
    if kernel == "add" {
        return Ok(Kernel::Add);
    }
    if let Some(name) = kernel.strip_suffix("_backward") {
        return name
            .parse()
            .map(Kernel::Backward)
            .map_err(|e: simd_activations::Error| e.to_string());
    }
    kernel
        .parse()
        .map(Kernel::Activation)
        .map_err(|e| e.to_string())
}

fn run(kernel: &Kernel, backend: Backend, calls: usize) -> Result<(), String> {
    let k = Kernels::with_backend(backend)
        .map_err(|e| e.to_string())?
        .sequential();
    let n = match *kernel {
        Kernel::Rows { rows, cols, .. }
        | Kernel::LogSoftmaxBackward { rows, cols }
        | Kernel::Attention { rows, cols, .. } => rows * cols,
        _ => LEN,
    };
    let x = inputs(n);
    let mut y = vec![0.0f32; n];
    let dy: Vec<f32> = inputs(n).iter().map(|v| v / 8.0).collect();
    let slopes = [0.25f32, 0.5, 0.125, 0.0625];
    // The backward pass's `y`: the forward output (setup, the same whatever `calls` is).
    let mut y_log = vec![0.0f32; n];
    if let Kernel::LogSoftmaxBackward { cols, .. } = *kernel {
        k.log_softmax(&x, &mut y_log, cols)
            .map_err(|e| e.to_string())?;
    }
    let (opts_cols, kind) = match *kernel {
        Kernel::Attention { cols, kind, .. } => (cols, kind),
        _ => (1, 0),
    };
    let padding: Vec<f32> = (0..opts_cols)
        .map(|j| {
            if j >= opts_cols * 7 / 8 {
                f32::NEG_INFINITY
            } else {
                0.0
            }
        })
        .collect();
    let scale = 1.0 / 128.0_f32.sqrt();
    let opts = match kind {
        0 => SoftmaxOptions::new()
            .scale(scale)
            .mask(Mask::Causal { offset: opts_cols }),
        1 => SoftmaxOptions::new()
            .scale(scale)
            .mask(Mask::Causal { offset: 0 }),
        _ => SoftmaxOptions::new().mask(Mask::Additive(&padding)),
    };
    for _ in 0..calls {
        let x = black_box(&x[..]);
        match *kernel {
            Kernel::Activation(act) => k.activate(act, x, &mut y),
            Kernel::Backward(act) => k.activate_backward(act, x, black_box(&dy), &mut y),
            Kernel::Add => {
                for ((d, &a), &b) in y.iter_mut().zip(x).zip(black_box(&dy)) {
                    *d = a + b;
                }
                Ok(())
            }
            Kernel::Prelu => k.prelu(x, &mut y, &slopes),
            Kernel::PreluBackward => {
                let mut dslopes = [0.0f32; 4];
                let r = k.prelu_backward(x, black_box(&dy), &mut y, &slopes, &mut dslopes);
                black_box(&mut dslopes);
                r
            }
            Kernel::Rows {
                log: false, cols, ..
            } => k.softmax(x, &mut y, cols),
            Kernel::Rows {
                log: true, cols, ..
            } => k.log_softmax(x, &mut y, cols),
            Kernel::LogSoftmaxBackward { cols, .. } => {
                k.log_softmax_backward(black_box(&y_log), black_box(&dy), &mut y, cols)
            }
            Kernel::Attention { cols, .. } => k.softmax_with(x, &mut y, cols, &opts),
        }
        .map_err(|e| e.to_string())?;
        black_box(&mut y);
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--list") {
        for a in Activation::ALL {
            println!("{}", a.name());
        }
        for a in Activation::ALL {
            println!("{}_backward", a.name());
        }
        println!("add");
        println!("prelu");
        println!("prelu_backward");
        for f in ["softmax", "log_softmax"] {
            for s in SHAPES {
                println!("{f}:{s}");
            }
        }
        return ExitCode::SUCCESS;
    }
    let [kernel, backend_name, calls] = &args[..] else {
        eprintln!("usage: instructions <kernel> <backend> <calls> | instructions --list");
        return ExitCode::from(2);
    };
    let Some(b) = Backend::ALL
        .iter()
        .copied()
        .find(|b| b.name() == backend_name)
    else {
        eprintln!("unknown backend {backend_name}");
        return ExitCode::from(2);
    };
    let Ok(calls) = calls.parse::<usize>() else {
        eprintln!("calls must be a non-negative integer");
        return ExitCode::from(2);
    };
    match parse(kernel).and_then(|k| run(&k, b, calls)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
