//! Tokio peer of bench/sync/queue.cpp and bench/sync/locks.cpp (impl "tokio"), on a
//! current_thread runtime with the I/O and time drivers (`enable_all`), as tokio_peer (the core
//! peer, src/main.rs). See bench/README.md ("sync").
//!
//!   sync.queue      item_ns_unbounded, item_ns_maxsize_M (M = 1, 64, 1024): one producer task
//!                   sends N ints on a `tokio::sync::mpsc` channel (`unbounded_channel()`,
//!                   `channel(M)`), one consumer task receives them; ns per item
//!   sync.lock       acquire_release_ns: `tokio::sync::Mutex<()>` locked and unlocked, uncontended
//!   sync.semaphore  pingpong_ns: two tasks handing one permit of a `Semaphore::new(1)` back and
//!                   forth, each yielding (`yield_now`) while holding it, per hand-off
//!
//! Prints one JSON line per result on stdout, as the C++ binaries do. Times are CPU time of the
//! running thread (CLOCK_THREAD_CPUTIME_ID), the median of 5 runs.

use std::sync::Arc;

use tokio::runtime::Runtime;
use tokio::sync::{mpsc, Mutex, Semaphore};

const QUEUE_ITEMS: usize = 1_000_000;
const LOCK_ROUNDS: usize = 1_000_000;
const PINGPONG_ROUNDS: usize = 100_000; // about 1.6 us per hand-off (see bench/README.md)
const REPETITIONS: usize = 5;
const IMPL: &str = "tokio";

fn emit(bench: &str, metric: &str, value: f64, unit: &str) {
    // The names never need escaping.
    println!(
        "{{\"bench\": \"{bench}\", \"impl\": \"{IMPL}\", \"metric\": \"{metric}\", \"value\": {value:.6}, \"unit\": \"{unit}\"}}"
    );
}

fn thread_cpu_ns() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as i64 * 1_000_000_000 + ts.tv_nsec as i64
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Median CPU time of `run` over REPETITIONS runs (after one warm-up run), in ns per item.
fn median_ns_per_item(items: usize, mut run: impl FnMut()) -> f64 {
    run();
    let mut samples: Vec<i64> = (0..REPETITIONS)
        .map(|_| {
            let start = thread_cpu_ns();
            run();
            thread_cpu_ns() - start
        })
        .collect();
    samples.sort_unstable();
    samples[REPETITIONS / 2] as f64 / items as f64
}

// ---- sync.queue ---------------------------------------------------------------------------------

/// The two ends of either kind of channel, so one producer and one consumer serve all shapes.
enum Sender {
    Bounded(mpsc::Sender<usize>),
    Unbounded(mpsc::UnboundedSender<usize>),
}
enum Receiver {
    Bounded(mpsc::Receiver<usize>),
    Unbounded(mpsc::UnboundedReceiver<usize>),
}

async fn producer(tx: Sender, n: usize) {
    match tx {
        Sender::Bounded(tx) => {
            for i in 0..n {
                tx.send(i).await.expect("receiver alive");
            }
        }
        Sender::Unbounded(tx) => {
            for i in 0..n {
                tx.send(i).expect("receiver alive");
            }
        }
    }
}

async fn consumer(rx: Receiver, n: usize) -> usize {
    let mut sum = 0;
    match rx {
        Receiver::Bounded(mut rx) => {
            for _ in 0..n {
                sum += rx.recv().await.expect("an item");
            }
        }
        Receiver::Unbounded(mut rx) => {
            for _ in 0..n {
                sum += rx.recv().await.expect("an item");
            }
        }
    }
    sum
}

/// maxsize 0: unbounded. The consumer starts first (it finds the channel empty), then the
/// producer.
async fn hand_off(maxsize: usize, n: usize) -> usize {
    let (tx, rx) = if maxsize == 0 {
        let (tx, rx) = mpsc::unbounded_channel();
        (Sender::Unbounded(tx), Receiver::Unbounded(rx))
    } else {
        let (tx, rx) = mpsc::channel(maxsize);
        (Sender::Bounded(tx), Receiver::Bounded(rx))
    };
    let c = tokio::spawn(consumer(rx, n));
    let p = tokio::spawn(producer(tx, n));
    let sum = c.await.unwrap();
    p.await.unwrap();
    sum
}

// ---- sync.lock, sync.semaphore ------------------------------------------------------------------

async fn lock_loop(n: usize) {
    let lock = Mutex::new(());
    for _ in 0..n {
        drop(std::hint::black_box(lock.lock().await));
    }
}

async fn permit_player(s: Arc<Semaphore>, n: usize) {
    for _ in 0..n {
        let _permit = s.acquire().await.expect("not closed");
        tokio::task::yield_now().await;
    }
}

async fn permit_pingpong(n: usize) {
    let s = Arc::new(Semaphore::new(1));
    let a = tokio::spawn(permit_player(s.clone(), n / 2));
    let b = tokio::spawn(permit_player(s, n / 2));
    a.await.unwrap();
    b.await.unwrap();
}

fn main() {
    let rt = runtime();
    for maxsize in [0usize, 1, 64, 1024] {
        let metric = if maxsize == 0 {
            "item_ns_unbounded".to_string()
        } else {
            format!("item_ns_maxsize_{maxsize}")
        };
        let expected = QUEUE_ITEMS * (QUEUE_ITEMS - 1) / 2;
        let ns = median_ns_per_item(QUEUE_ITEMS, || {
            assert_eq!(rt.block_on(hand_off(maxsize, QUEUE_ITEMS)), expected);
        });
        emit("sync.queue", &metric, ns, "ns");
    }

    // In a spawned task, as corio's lock loop runs in a task.
    let ns = median_ns_per_item(LOCK_ROUNDS, || {
        rt.block_on(async { tokio::spawn(lock_loop(LOCK_ROUNDS)).await.unwrap() });
    });
    emit("sync.lock", "acquire_release_ns", ns, "ns");

    let ns = median_ns_per_item(PINGPONG_ROUNDS, || {
        rt.block_on(permit_pingpong(PINGPONG_ROUNDS));
    });
    emit("sync.semaphore", "pingpong_ns", ns, "ns");
}
