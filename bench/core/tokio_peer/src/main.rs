//! Tokio peer of bench/core/tasks.cpp (impl "tokio"): the same benchmarks on a current_thread
//! runtime with the I/O and time drivers (`enable_all`). See bench/README.md ("core").
//!
//! Prints one JSON line per result on stdout, as the C++ binaries do:
//!     {"bench": ..., "impl": "tokio", "metric": ..., "value": ..., "unit": ...}
//! Times are CPU time of the running thread (CLOCK_THREAD_CPUTIME_ID), the median of 5 runs;
//! the sleepers' time is wall-clock time. Memory is measured in child processes
//! (`--child=<what>:<n>`), each with a fresh heap and its own peak RSS.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::sync::Notify;

const AWAIT_COUNT: i64 = 1_000_000;
const YIELD_COUNT: usize = 1_000_000;
const SPAWN_COUNT: usize = 100_000;
const REPETITIONS: usize = 5;
const MEMORY_TASKS: usize = 100_000;
const SLEEPER_COUNTS: [usize; 2] = [100_000, 1_000_000];
const IMPL: &str = "tokio";

// ---- allocation counting (core.sleeper_memory) -------------------------------------------------
// The global allocator counts the bytes asked for between `start` and `stop`, as the C++ binaries'
// replaced operator new does.

struct Counting;
static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE_BYTES.fetch_add(layout.size() as i64, Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE_BYTES.fetch_add(layout.size() as i64, Relaxed);
        }
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE_BYTES.fetch_sub(layout.size() as i64, Relaxed);
        }
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE_BYTES.fetch_add(new_size as i64 - layout.size() as i64, Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---- helpers -----------------------------------------------------------------------------------

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

fn rss_bytes() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as f64
}

fn peak_rss_mib() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0 // KiB on Linux
}

fn process_cpu_seconds() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let seconds = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Median CPU time of `run` over REPETITIONS runs, in ns per item.
fn median_ns_per_item(items: usize, mut run: impl FnMut()) -> f64 {
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

/// The same hash as bench/core/support.hpp: every peer sleeps the same delays.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
    z ^ (z >> 31)
}

/// Uniform in [1 s, 3 s), microsecond resolution.
fn sleeper_delay(i: usize) -> Duration {
    Duration::from_micros(1_000_000 + splitmix64(i as u64) % 2_000_000)
}

// ---- core.await --------------------------------------------------------------------------------

// An `async fn` is a state machine the compiler may inline into its caller's, as it does here:
// that is what an await costs in Rust. black_box on the argument keeps the loop from being
// folded into a closed form.
async fn ready_value(v: i64) -> i64 {
    v
}

async fn await_loop(n: i64) -> i64 {
    let mut sum = 0;
    for i in 0..n {
        sum += ready_value(black_box(i)).await;
    }
    black_box(sum)
}

// ---- core.yield --------------------------------------------------------------------------------

async fn yielder(n: usize) {
    for _ in 0..n {
        tokio::task::yield_now().await;
    }
}

// ---- children ----------------------------------------------------------------------------------

static STARTED: AtomicUsize = AtomicUsize::new(0);

async fn sleep_an_hour() {
    STARTED.fetch_add(1, Relaxed);
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

fn memory_child(n: usize) {
    let rt = runtime();
    rt.block_on(tokio::task::yield_now()); // the runtime's own lazy set-up is not counted
    let (bytes, rss) = rt.block_on(async move {
        let rss0 = rss_bytes();
        LIVE_BYTES.store(0, Relaxed);
        COUNTING.store(true, Relaxed);
        for _ in 0..n {
            drop(tokio::spawn(sleep_an_hour())); // detached; the runtime keeps it
        }
        while STARTED.load(Relaxed) < n {
            tokio::task::yield_now().await;
        }
        COUNTING.store(false, Relaxed);
        (LIVE_BYTES.load(Relaxed) as f64, rss_bytes() - rss0)
    });
    emit(
        "core.sleeper_memory",
        "bytes_per_task",
        bytes / n as f64,
        "bytes",
    );
    emit(
        "core.sleeper_memory",
        "rss_bytes_per_task",
        rss / n as f64,
        "bytes",
    );
    std::process::exit(0); // skip dropping 100,000 pending tasks
}

static LEFT: AtomicUsize = AtomicUsize::new(0);
static DONE: OnceLock<Notify> = OnceLock::new();

async fn sleeper(delay: Duration) {
    tokio::time::sleep(delay).await;
    if LEFT.fetch_sub(1, Relaxed) == 1 {
        DONE.get().unwrap().notify_one();
    }
}

fn sleepers_child(n: usize) {
    let start = Instant::now();
    let done = DONE.get_or_init(Notify::new);
    LEFT.store(n, Relaxed);
    let rt = runtime();
    rt.block_on(async {
        for i in 0..n {
            drop(tokio::spawn(sleeper(sleeper_delay(i))));
        }
        done.notified().await;
    });
    let wall = start.elapsed().as_secs_f64();
    emit("core.sleepers", &format!("wall_s_n{n}"), wall, "s");
    emit(
        "core.sleepers",
        &format!("cpu_s_n{n}"),
        process_cpu_seconds(),
        "s",
    );
    emit(
        "core.sleepers",
        &format!("peak_rss_mib_n{n}"),
        peak_rss_mib(),
        "MiB",
    );
}

fn run_children() -> bool {
    let mut modes = vec![format!("--child=memory:{MEMORY_TASKS}")];
    modes.extend(
        SLEEPER_COUNTS
            .iter()
            .map(|n| format!("--child=sleepers:{n}")),
    );
    let mut ok = true;
    for mode in modes {
        let status = std::process::Command::new("/proc/self/exe")
            .arg(&mode)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("error: child {mode} failed");
            ok = false;
        }
    }
    ok
}

fn main() {
    if let Some(spec) = std::env::args().find_map(|a| a.strip_prefix("--child=").map(String::from))
    {
        let (what, n) = spec.split_once(':').expect("--child=<what>:<n>");
        let n: usize = n.parse().expect("a count");
        match what {
            "memory" => memory_child(n),
            "sleepers" => sleepers_child(n),
            _ => panic!("unknown child mode {what}"),
        }
        return;
    }

    let rt = runtime();
    let expected = AWAIT_COUNT * (AWAIT_COUNT - 1) / 2;
    let ns = median_ns_per_item(AWAIT_COUNT as usize, || {
        assert_eq!(rt.block_on(await_loop(AWAIT_COUNT)), expected);
    });
    emit("core.await", "await_ns", ns, "ns");

    // In a spawned task, as corio's yield_now runs in a task.
    let ns = median_ns_per_item(YIELD_COUNT, || {
        rt.block_on(async { tokio::spawn(yielder(YIELD_COUNT)).await.unwrap() });
    });
    emit("core.yield", "yield_ns", ns, "ns");

    let ns = median_ns_per_item(YIELD_COUNT, || {
        rt.block_on(async {
            let a = tokio::spawn(yielder(YIELD_COUNT / 2));
            let b = tokio::spawn(yielder(YIELD_COUNT / 2));
            a.await.unwrap();
            b.await.unwrap();
        });
    });
    emit("core.yield_pingpong", "yield_ns", ns, "ns");

    let ns = median_ns_per_item(SPAWN_COUNT, || {
        rt.block_on(async {
            let tasks: Vec<_> = (0..SPAWN_COUNT).map(|_| tokio::spawn(async {})).collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
    });
    emit("core.spawn", "task_ns", ns, "ns");

    drop(rt);
    if !run_children() {
        std::process::exit(1);
    }
}
