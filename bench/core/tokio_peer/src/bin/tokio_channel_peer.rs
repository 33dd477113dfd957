//! Tokio and Rust std peers of bench/thread/channel.cpp (`corio::channel<T>` between threads and
//! loops). See bench/README.md ("thread"). Same bench and metric names as bench_thread_channel:
//!
//!   thread.channel          item_ns_thread_thread_cap_N, items_per_s_thread_thread_cap_N
//!                           (N = 1, 64, 1024): one producer sends 200,000 ints on a bounded
//!                           channel of capacity N, one consumer receives and sums them.
//!                           impl "tokio": `tokio::sync::mpsc::channel(N)` between two tasks
//!                           spawned on a multi_thread runtime with 2 worker threads (the
//!                           counterpart of two threads); impl "rust_std":
//!                           `std::sync::mpsc::sync_channel(N)` between two std::threads
//!                           item_ns_thread_loop_cap_64, item_ns_loop_thread_cap_64,
//!                           item_ns_loop_loop_cap_64 (and items_per_s_*), impl "tokio": a
//!                           std::thread (`blocking_send` / `blocking_recv`) and a task on a
//!                           current_thread runtime (`enable_all`, as corio's loop), or tasks on
//!                           two current_thread runtimes on two threads
//!   thread.channel_latency  p50_ns_thread_thread, p99_ns_thread_thread: the sender stamps an
//!                           `Instant` and sends it on a channel of capacity 1, the receiver
//!                           reads the clock as soon as it has it and answers on a second channel
//!                           of capacity 1; one item in flight at a time, 20,000 samples. impl
//!                           "tokio": two tasks on the 2-worker multi_thread runtime; "rust_std":
//!                           two std::threads and sync_channel(1)
//!                           p50_ns_thread_loop, p99_ns_thread_loop, impl "tokio": a std::thread
//!                           sends (`blocking_send`) to a task on a current_thread runtime
//!
//! Throughputs are wall-clock (two threads work at once) from before the channel is created and
//! the threads or tasks are started until both have finished: per repetition, runs of 200,000
//! items until 0.2 s have passed; the median of 5 repetitions after one warm-up run, as Google
//! Benchmark does for the C++ binary. Latencies: p50/p99 of each repetition's 20,000 samples,
//! median of 5 repetitions. Prints one JSON line per result on stdout.

use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::sync::mpsc;

const ITEMS: usize = 200_000;
const ROUND_TRIPS: usize = 20_000;
const REPETITIONS: usize = 5;
const MIN_TIME: Duration = Duration::from_millis(200);
const EXPECTED_SUM: u64 = (ITEMS as u64) * (ITEMS as u64 - 1) / 2;

fn emit(bench: &str, implementation: &str, metric: &str, value: f64, unit: &str) {
    // The names never need escaping.
    println!(
        "{{\"bench\": \"{bench}\", \"impl\": \"{implementation}\", \"metric\": \"{metric}\", \"value\": {value:.6}, \"unit\": \"{unit}\"}}"
    );
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn multi_thread_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn current_thread_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Throughput: `run` moves ITEMS items and returns their sum. Prints item_ns_<suffix> and
/// items_per_s_<suffix>.
fn throughput(implementation: &str, suffix: &str, mut run: impl FnMut() -> u64) {
    assert_eq!(run(), EXPECTED_SUM, "wrong sum"); // warm-up
    let ns: Vec<f64> = (0..REPETITIONS)
        .map(|_| {
            let mut runs = 0usize;
            let mut elapsed = Duration::ZERO;
            while elapsed < MIN_TIME {
                let start = Instant::now();
                let sum = run();
                elapsed += start.elapsed();
                assert_eq!(sum, EXPECTED_SUM, "wrong sum");
                runs += 1;
            }
            elapsed.as_nanos() as f64 / (runs * ITEMS) as f64
        })
        .collect();
    let ns = median(ns);
    emit(
        "thread.channel",
        implementation,
        &format!("item_ns_{suffix}"),
        ns,
        "ns",
    );
    emit(
        "thread.channel",
        implementation,
        &format!("items_per_s_{suffix}"),
        1e9 / ns,
        "items/s",
    );
}

/// Latency: `run` returns ROUND_TRIPS samples in ns. Prints p50_ns_<suffix> and p99_ns_<suffix>.
fn latency(implementation: &str, suffix: &str, mut run: impl FnMut() -> Vec<u64>) {
    run(); // warm-up
    let (mut p50, mut p99) = (Vec::new(), Vec::new());
    for _ in 0..REPETITIONS {
        let mut ns = run();
        ns.sort_unstable();
        let at = |p: f64| ns[(p * (ns.len() - 1) as f64) as usize] as f64;
        p50.push(at(0.50));
        p99.push(at(0.99));
    }
    emit(
        "thread.channel_latency",
        implementation,
        &format!("p50_ns_{suffix}"),
        median(p50),
        "ns",
    );
    emit(
        "thread.channel_latency",
        implementation,
        &format!("p99_ns_{suffix}"),
        median(p99),
        "ns",
    );
}

// ---- Tokio tasks --------------------------------------------------------------------------------

async fn produce(tx: mpsc::Sender<u64>) {
    for i in 0..ITEMS as u64 {
        tx.send(i).await.expect("receiver alive");
    }
}

async fn consume(mut rx: mpsc::Receiver<u64>) -> u64 {
    let mut sum = 0;
    while let Some(v) = rx.recv().await {
        sum += v;
    }
    sum
}

/// Two tasks on the multi_thread runtime; the consumer is spawned first.
fn tokio_task_task(rt: &Runtime, capacity: usize) -> u64 {
    rt.block_on(async {
        let (tx, rx) = mpsc::channel(capacity);
        let c = tokio::spawn(consume(rx));
        let p = tokio::spawn(produce(tx));
        p.await.unwrap();
        c.await.unwrap()
    })
}

fn tokio_thread_loop(rt: &Runtime) -> u64 {
    let (tx, rx) = mpsc::channel(64);
    let producer = thread::spawn(move || {
        for i in 0..ITEMS as u64 {
            tx.blocking_send(i).expect("receiver alive");
        }
    });
    let sum = rt.block_on(consume(rx));
    producer.join().unwrap();
    sum
}

fn tokio_loop_thread(rt: &Runtime) -> u64 {
    let (tx, mut rx) = mpsc::channel::<u64>(64);
    let consumer = thread::spawn(move || {
        let mut sum = 0;
        while let Some(v) = rx.blocking_recv() {
            sum += v;
        }
        sum
    });
    rt.block_on(produce(tx));
    consumer.join().unwrap()
}

/// Task on this thread's runtime -> task on a second current_thread runtime on another thread
/// (created with the thread, as corio::run creates its loop).
fn tokio_loop_loop(rt: &Runtime) -> u64 {
    let (tx, rx) = mpsc::channel(64);
    let other = thread::spawn(move || current_thread_runtime().block_on(consume(rx)));
    rt.block_on(produce(tx));
    other.join().unwrap()
}

fn now_ns(base: Instant) -> u64 {
    base.elapsed().as_nanos() as u64
}

fn tokio_latency_task_task(rt: &Runtime) -> Vec<u64> {
    rt.block_on(async {
        let base = Instant::now();
        let (tx, mut rx) = mpsc::channel::<u64>(1);
        let (ack_tx, mut ack_rx) = mpsc::channel::<()>(1);
        let receiver = tokio::spawn(async move {
            let mut ns = Vec::with_capacity(ROUND_TRIPS);
            while let Some(sent) = rx.recv().await {
                ns.push(now_ns(base) - sent);
                ack_tx.send(()).await.expect("sender alive");
            }
            ns
        });
        let sender = tokio::spawn(async move {
            for _ in 0..ROUND_TRIPS {
                tx.send(now_ns(base)).await.expect("receiver alive");
                ack_rx.recv().await.expect("an ack");
            }
        });
        sender.await.unwrap();
        receiver.await.unwrap()
    })
}

fn tokio_latency_thread_loop(rt: &Runtime) -> Vec<u64> {
    let base = Instant::now();
    let (tx, mut rx) = mpsc::channel::<u64>(1);
    let (ack_tx, mut ack_rx) = mpsc::channel::<()>(1);
    let sender = thread::spawn(move || {
        for _ in 0..ROUND_TRIPS {
            tx.blocking_send(now_ns(base)).expect("receiver alive");
            ack_rx.blocking_recv().expect("an ack");
        }
    });
    let ns = rt.block_on(async move {
        let mut ns = Vec::with_capacity(ROUND_TRIPS);
        while let Some(sent) = rx.recv().await {
            ns.push(now_ns(base) - sent);
            ack_tx.send(()).await.expect("sender alive");
        }
        ns
    });
    sender.join().unwrap();
    ns
}

// ---- std::sync::mpsc ----------------------------------------------------------------------------

fn std_thread_thread(capacity: usize) -> u64 {
    let (tx, rx) = std_mpsc::sync_channel::<u64>(capacity);
    let consumer = thread::spawn(move || rx.iter().sum::<u64>());
    for i in 0..ITEMS as u64 {
        tx.send(i).expect("receiver alive");
    }
    drop(tx);
    consumer.join().unwrap()
}

fn std_latency_thread_thread() -> Vec<u64> {
    let base = Instant::now();
    let (tx, rx) = std_mpsc::sync_channel::<u64>(1);
    let (ack_tx, ack_rx) = std_mpsc::sync_channel::<()>(1);
    let receiver = thread::spawn(move || {
        let mut ns = Vec::with_capacity(ROUND_TRIPS);
        for sent in rx.iter() {
            ns.push(now_ns(base) - sent);
            ack_tx.send(()).expect("sender alive");
        }
        ns
    });
    for _ in 0..ROUND_TRIPS {
        tx.send(now_ns(base)).expect("receiver alive");
        ack_rx.recv().expect("an ack");
    }
    drop(tx);
    receiver.join().unwrap()
}

fn main() {
    let multi = multi_thread_runtime();
    let single = current_thread_runtime();
    for capacity in [1usize, 64, 1024] {
        let suffix = format!("thread_thread_cap_{capacity}");
        throughput("tokio", &suffix, || tokio_task_task(&multi, capacity));
        throughput("rust_std", &suffix, || std_thread_thread(capacity));
    }
    throughput("tokio", "thread_loop_cap_64", || tokio_thread_loop(&single));
    throughput("tokio", "loop_thread_cap_64", || tokio_loop_thread(&single));
    throughput("tokio", "loop_loop_cap_64", || tokio_loop_loop(&single));
    latency("tokio", "thread_thread", || tokio_latency_task_task(&multi));
    latency("rust_std", "thread_thread", std_latency_thread_thread);
    latency("tokio", "thread_loop", || {
        tokio_latency_thread_loop(&single)
    });
}
