//! Hostile callers: the kernels called from inside a rayon `par_iter` (nested parallelism), from
//! 2 to 64 OS threads at once sharing one `Kernels`, from a 1-thread pool, from inside
//! `ThreadPool::install` of a pool whose threads are all busy, and after user jobs elsewhere in
//! the pool panicked. Every call must give the sequential handle's bits and return: each
//! scenario runs under a watchdog, so a deadlock fails the test instead of hanging the suite.
//!
//! The workload crosses every threaded path: an elementwise kernel and a gradient long enough to
//! split, softmax rows split by rows, one log-softmax row long enough to be split within the
//! row, a scaled causal (attention) softmax, the softmax gradient, PReLU and a half-precision softmax. The threaded handle splits
//! every call (`parallel_threshold(1)`); the automatic one splits where its timing says so.

mod common;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use common::Rng;
use rayon::prelude::*;
use simd_activations::{Activation, Kernels, Mask, SoftmaxOptions, f16};

/// Long enough for every path to split on the threaded handle (a single softmax row is split
/// within the row from 256 Ki elements on).
const LONG_ROW: usize = (1 << 18) + 77;

/// The inputs of [`workload`], made once per test.
struct Inputs {
    x: Vec<f32>,
    dy: Vec<f32>,
    rows: Vec<f32>,
    long_row: Vec<f32>,
    half_rows: Vec<f16>,
}

fn inputs() -> Inputs {
    let mut rng = Rng(0x7EAD_5AFE);
    let x = common::mixed_inputs(60_001, 16);
    let dy = rng.vec(x.len(), -2.0, 2.0);
    let rows = rng.vec(96 * 515, -30.0, 30.0);
    let long_row = rng.vec(LONG_ROW, -60.0, 60.0);
    let half_rows = rng
        .vec(40 * 333, -8.0, 8.0)
        .into_iter()
        .map(f16::from_f32)
        .collect();
    Inputs {
        x,
        dy,
        rows,
        long_row,
        half_rows,
    }
}

/// Every output of the workload on handle `k`, as bits (so that NaNs compare too).
fn workload(k: &Kernels, i: &Inputs) -> Vec<Vec<u32>> {
    let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<u32>>();
    let mut out = Vec::new();

    let mut y = vec![0.0; i.x.len()];
    k.activate(Activation::Tanh, &i.x, &mut y).unwrap();
    out.push(bits(&y));
    k.activate_backward(Activation::Gelu, &i.x, &i.dy, &mut y)
        .unwrap();
    out.push(bits(&y));
    let slopes = [0.1, -0.5, 2.0, 0.0, 0.25];
    k.prelu(&i.x[..60_000], &mut y[..60_000], &slopes).unwrap();
    out.push(bits(&y[..60_000]));

    let mut s = vec![0.0; i.rows.len()];
    k.softmax(&i.rows, &mut s, 515).unwrap();
    out.push(bits(&s));
    let mut ds = vec![0.0; s.len()];
    k.softmax_backward(&s, &i.dy[..s.len()], &mut ds, 515)
        .unwrap();
    out.push(bits(&ds));

    let causal = SoftmaxOptions::new()
        .scale(0.125)
        .mask(Mask::Causal { offset: 100 });
    k.softmax_with(&i.rows, &mut s, 515, &causal).unwrap();
    out.push(bits(&s));

    let mut l = i.long_row.clone();
    k.log_softmax_inplace(&mut l, LONG_ROW).unwrap();
    out.push(bits(&l));

    let mut h = vec![f16::ZERO; i.half_rows.len()];
    k.softmax_f16(&i.half_rows, &mut h, 333).unwrap();
    out.push(h.iter().map(|v| u32::from(v.to_bits())).collect());
    out
}

/// Runs `f` on a thread of its own and fails if it has not returned within `limit` (a
/// deadlock). A panic in `f` is re-raised here.
fn with_timeout<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let r = f();
        let _ = tx.send(());
        r
    });
    match rx.recv_timeout(limit) {
        Ok(()) => handle.join().unwrap(),
        // `f` panicked: the sender was dropped without a send.
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(_) => unreachable!("the result is sent before the thread returns"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: no result after {limit:?} (deadlock?)")
        }
    }
}

/// Generous: the whole workload takes milliseconds; the limit is for slow machines and
/// sanitizers, and still fails a hang.
const LIMIT: Duration = Duration::from_secs(240);

/// The handles every scenario runs: threaded on every call, automatic, and the free functions'
/// global handle.
fn threaded_handles() -> Vec<(&'static str, Kernels)> {
    vec![
        (
            "parallel_threshold(1)",
            Kernels::new().parallel_threshold(1),
        ),
        ("automatic", Kernels::new()),
        ("global", *Kernels::global()),
    ]
}

/// The reference: the sequential handle, on the calling thread.
fn expected(i: &Inputs) -> Vec<Vec<u32>> {
    workload(&Kernels::new().sequential(), i)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

#[test]
fn nested_inside_par_iter() {
    with_timeout("nested par_iter", LIMIT, || {
        let i = inputs();
        let want = expected(&i);
        for (name, k) in threaded_handles() {
            for p in [pool(4), pool(2)] {
                let got: Vec<_> =
                    p.install(|| (0..6).into_par_iter().map(|_| workload(&k, &i)).collect());
                for g in got {
                    assert!(
                        g == want,
                        "{name}: a call inside par_iter differs from sequential"
                    );
                }
            }
            // In the global pool too, two levels deep.
            let got: Vec<_> = (0..3)
                .into_par_iter()
                .flat_map(|_| (0..2).into_par_iter().map(|_| workload(&k, &i)))
                .collect();
            assert!(
                got.iter().all(|g| *g == want),
                "{name}: nested twice differs"
            );
        }
    });
}

#[test]
fn many_os_threads_share_one_handle() {
    with_timeout("OS threads", LIMIT, || {
        let i = inputs();
        let want = expected(&i);
        for (name, k) in threaded_handles() {
            for threads in [2, 7, 64] {
                // All start together, so that their calls overlap in the shared pool.
                let start = Barrier::new(threads);
                let results: Vec<_> = std::thread::scope(|s| {
                    let handles: Vec<_> = (0..threads)
                        .map(|_| {
                            s.spawn(|| {
                                start.wait();
                                workload(&k, &i)
                            })
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().unwrap()).collect()
                });
                for g in results {
                    assert!(
                        g == want,
                        "{name}, {threads} OS threads: differs from sequential"
                    );
                }
            }
        }
    });
}

#[test]
fn one_thread_pool() {
    with_timeout("1-thread pool", LIMIT, || {
        let i = inputs();
        let want = expected(&i);
        let p = pool(1);
        for (name, k) in threaded_handles() {
            assert!(
                p.install(|| workload(&k, &i)) == want,
                "{name} in a 1-thread pool"
            );
            // A 1-thread pool nested inside a call from another pool.
            let outer = pool(2);
            let got = outer.install(|| p.install(|| workload(&k, &i)));
            assert!(got == want, "{name} in a 1-thread pool inside another pool");
        }
    });
}

#[test]
fn install_into_a_busy_pool() {
    with_timeout("busy pool", LIMIT, || {
        let i = Arc::new(inputs());
        let want = expected(&i);
        let p = Arc::new(pool(2));
        for (name, k) in threaded_handles() {
            // Every thread of the pool busy: spinning jobs, and jobs that run the kernels
            // themselves (so that the pool's queues hold kernel work of other callers).
            let done = Arc::new(AtomicUsize::new(0));
            let busy_until = Instant::now() + Duration::from_millis(300);
            for j in 0..4 {
                let (i, done, want) = (Arc::clone(&i), Arc::clone(&done), want.clone());
                p.spawn(move || {
                    if j % 2 == 0 {
                        while Instant::now() < busy_until {
                            std::hint::spin_loop();
                        }
                    } else {
                        for _ in 0..3 {
                            assert!(workload(&k, &i) == want, "a busy job's own call differs");
                        }
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                });
            }
            let got = p.install(|| workload(&k, &i));
            assert!(got == want, "{name} installed into a busy pool");
            // A second caller from another OS thread at the same time.
            let got = std::thread::scope(|s| {
                let other = s.spawn(|| p.install(|| workload(&k, &i)));
                let mine = p.install(|| workload(&k, &i));
                (mine, other.join().unwrap())
            });
            assert!(
                got.0 == want && got.1 == want,
                "{name}: two callers of a busy pool"
            );
            while done.load(Ordering::SeqCst) < 4 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
}

#[test]
fn a_panicking_user_job_does_not_poison_later_calls() {
    with_timeout("panics", LIMIT, || {
        let i = Arc::new(inputs());
        let want = expected(&i);
        let panics = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&panics);
        let p = Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(3)
                .panic_handler(move |_| {
                    counted.fetch_add(1, Ordering::SeqCst);
                })
                .build()
                .unwrap(),
        );
        // The panics below print their messages (the hook is process-wide: silencing it would
        // hide the messages of other tests of this file); each says it is deliberate.
        for (name, k) in threaded_handles() {
            // A panic inside a parallel iterator, caught by the caller.
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
                p.install(|| {
                    (0..1000).into_par_iter().for_each(|j| {
                        if j == 517 {
                            panic!("deliberate panic (tests/threads.rs): a user's job");
                        }
                    })
                })
            }));
            assert!(r.is_err());
            // A panic in one half of a join, while the other half runs the kernels.
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
                p.install(|| {
                    rayon::join(
                        || panic!("deliberate panic (tests/threads.rs): one half of a join"),
                        || workload(&k, &i),
                    )
                })
            }));
            assert!(r.is_err());
            // Spawned jobs that panic (the pool's panic handler takes them) while kernels run.
            for _ in 0..3 {
                p.spawn(|| panic!("deliberate panic (tests/threads.rs): a spawned job"));
            }
            assert!(
                p.install(|| workload(&k, &i)) == want,
                "{name} after panics in the pool"
            );
            assert!(workload(&k, &i) == want, "{name} after panics, global pool");
        }
        // The global pool: a panicking par_iter, then the free functions.
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            (0..1000).into_par_iter().for_each(|j| {
                assert!(
                    j != 3,
                    "deliberate panic (tests/threads.rs): a job of the global pool"
                )
            })
        }));
        assert!(r.is_err());
        assert!(
            workload(Kernels::global(), &i) == want,
            "global handle after a panic"
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while panics.load(Ordering::SeqCst) < 9 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(
            panics.load(Ordering::SeqCst),
            9,
            "the spawned jobs panicked"
        );
    });
}
