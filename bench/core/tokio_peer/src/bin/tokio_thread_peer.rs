//! Tokio peer of bench/thread/bridge.cpp (impl "tokio"), on a current_thread runtime with the I/O
//! and time drivers (`enable_all`), as tokio_peer (the core peer, src/main.rs). See
//! bench/README.md ("thread").
//!
//!   thread.to_thread             roundtrip_ns_p50/_p99: `spawn_blocking(no_op).await` from the
//!                                runtime's task, one at a time (Tokio's blocking pool)
//!   thread.call_soon_threadsafe  wakeup_ns_p50/_p99: a std::thread reads the clock and
//!                                `Handle::spawn`s a task into the runtime, idle in epoll_wait
//!                                (about 100 us between posts), which reads the clock again;
//!                                impl "tokio_mpsc": the thread sends the time on a
//!                                `tokio::sync::mpsc::unbounded_channel` to a task waiting in
//!                                `recv()`
//!   thread.pool_throughput       jobs_per_s_from_task: a task `spawn_blocking`s N no-op jobs on a
//!                                blocking pool of at most available_parallelism() threads, then
//!                                awaits each JoinHandle
//!
//! Prints one JSON line per result on stdout, as the C++ binaries do. Latencies are wall-clock
//! (`Instant`, CLOCK_MONOTONIC as C++'s steady_clock), percentiles of single samples.

use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tokio::runtime::{Handle, Runtime};
use tokio::sync::{mpsc, oneshot};

const LATENCY_SAMPLES: usize = 10_000;
const LATENCY_WARMUP: usize = 200;
const IDLE_GAP: Duration = Duration::from_micros(50);
const POOL_JOBS: usize = 200_000;
const POOL_RUNS: usize = 5;

fn emit(bench: &str, implementation: &str, metric: &str, value: f64, unit: &str) {
    // The names never need escaping.
    println!(
        "{{\"bench\": \"{bench}\", \"impl\": \"{implementation}\", \"metric\": \"{metric}\", \"value\": {value:.6}, \"unit\": \"{unit}\"}}"
    );
}

fn emit_percentiles(bench: &str, implementation: &str, prefix: &str, mut ns: Vec<u64>) {
    ns.sort_unstable();
    for (name, p) in [("p50", 0.50), ("p99", 0.99)] {
        let v = ns[(p * (ns.len() - 1) as f64) as usize];
        emit(bench, implementation, &format!("{prefix}_{name}"), v as f64, "ns");
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn hardware_threads() -> usize {
    thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn no_op() {
    std::hint::black_box(());
}

// ---- thread.to_thread ---------------------------------------------------------------------------

fn to_thread_roundtrip() {
    let rt = runtime();
    let ns = rt.block_on(async {
        for _ in 0..LATENCY_WARMUP {
            tokio::task::spawn_blocking(no_op).await.expect("job");
        }
        let mut ns = Vec::with_capacity(LATENCY_SAMPLES);
        for _ in 0..LATENCY_SAMPLES {
            let start = Instant::now();
            tokio::task::spawn_blocking(no_op).await.expect("job");
            ns.push(start.elapsed().as_nanos() as u64);
        }
        ns
    });
    emit_percentiles("thread.to_thread", "tokio", "roundtrip_ns", ns);
}

// ---- thread.call_soon_threadsafe ----------------------------------------------------------------

/// `Handle::spawn` from a plain thread into the idle runtime.
fn spawn_wakeup() {
    let rt = runtime();
    let handle: Handle = rt.handle().clone();
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let poster = thread::spawn(move || {
        let (ack_tx, ack_rx) = std_mpsc::channel::<u64>();
        let mut ns = Vec::with_capacity(LATENCY_SAMPLES);
        for i in 0..LATENCY_WARMUP + LATENCY_SAMPLES {
            thread::sleep(IDLE_GAP); // the runtime goes back to epoll_wait
            let ack = ack_tx.clone();
            let sent = Instant::now();
            handle.spawn(async move {
                let elapsed = sent.elapsed().as_nanos() as u64;
                ack.send(elapsed).expect("poster alive");
            });
            let elapsed = ack_rx.recv().expect("task ran");
            if i >= LATENCY_WARMUP {
                ns.push(elapsed);
            }
        }
        done_tx.send(()).expect("runtime alive");
        ns
    });
    rt.block_on(async { done_rx.await.expect("poster done") });
    emit_percentiles(
        "thread.call_soon_threadsafe",
        "tokio",
        "wakeup_ns",
        poster.join().expect("poster"),
    );
}

/// An unbounded mpsc channel from a plain thread to a task waiting in `recv()`.
fn mpsc_wakeup() {
    let rt = runtime();
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, bool)>();
    let (ack_tx, ack_rx) = std_mpsc::channel::<()>();
    let poster = thread::spawn(move || {
        for i in 0..LATENCY_WARMUP + LATENCY_SAMPLES {
            thread::sleep(IDLE_GAP); // the runtime goes back to epoll_wait
            tx.send((Instant::now(), i >= LATENCY_WARMUP))
                .expect("receiver alive");
            ack_rx.recv().expect("task ran");
        }
        // Dropping tx ends the receiving loop.
    });
    let ns = rt.block_on(async move {
        let mut ns = Vec::with_capacity(LATENCY_SAMPLES);
        while let Some((sent, keep)) = rx.recv().await {
            let elapsed = sent.elapsed().as_nanos() as u64;
            if keep {
                ns.push(elapsed);
            }
            ack_tx.send(()).expect("poster alive");
        }
        ns
    });
    poster.join().expect("poster");
    emit_percentiles("thread.call_soon_threadsafe", "tokio_mpsc", "wakeup_ns", ns);
}

// ---- thread.pool_throughput ---------------------------------------------------------------------

fn pool_throughput() {
    let threads = hardware_threads();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(threads)
        .build()
        .expect("runtime");
    let mut per_s: Vec<f64> = rt.block_on(async {
        // Start the blocking threads (they start on demand).
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(threads));
        let warm: Vec<_> = (0..threads)
            .map(|_| {
                let b = barrier.clone();
                tokio::task::spawn_blocking(move || {
                    b.wait();
                })
            })
            .collect();
        for h in warm {
            h.await.expect("job");
        }
        let mut per_s = Vec::with_capacity(POOL_RUNS);
        let mut handles = Vec::with_capacity(POOL_JOBS);
        for _ in 0..POOL_RUNS {
            let start = Instant::now();
            for _ in 0..POOL_JOBS {
                handles.push(tokio::task::spawn_blocking(no_op));
            }
            for h in handles.drain(..) {
                h.await.expect("job");
            }
            per_s.push(POOL_JOBS as f64 / start.elapsed().as_secs_f64());
        }
        per_s
    });
    per_s.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    emit(
        "thread.pool_throughput",
        "tokio",
        "jobs_per_s_from_task",
        per_s[POOL_RUNS / 2],
        "jobs/s",
    );
}

fn main() {
    to_thread_roundtrip();
    spawn_wakeup();
    mpsc_wakeup();
    pool_throughput();
}
