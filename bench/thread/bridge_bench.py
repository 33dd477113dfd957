#!/usr/bin/env python3
"""asyncio and uvloop peers of bench/thread/bridge.cpp; see bench/README.md ("thread").

    python3 bench/thread/bridge_bench.py [--loop asyncio|uvloop] [--quick]

  thread.to_thread             roundtrip_ns_p50/_p99: `await asyncio.to_thread(no_op)` from a
                               task, one at a time (the loop's default executor)
  thread.call_soon_threadsafe  wakeup_ns_p50/_p99: a threading.Thread reads the clock and calls
                               `loop.call_soon_threadsafe(cb)` on a loop idle in run_forever()
                               (about 100 us between posts, so the loop sleeps in its selector);
                               cb reads the clock again
  thread.pool_throughput       jobs_per_s_from_task: a task calls `loop.run_in_executor(pool,
                               no_op)` N times, then awaits each future, with a
                               ThreadPoolExecutor of os.cpu_count() threads; and (impl "python3",
                               asyncio run only) jobs_per_s: the same submitted with
                               `pool.submit` from a plain thread, waiting on each future
  thread.parallel_speedup      speedup, hardware_threads (impl "python3", asyncio run only): the
                               primes below LIMIT counted by trial division on one thread, then in
                               256 chunks over a ThreadPoolExecutor of os.cpu_count() threads (the
                               GIL serializes them: about 1x); best of 3 of each. Python is about
                               50x slower than C++ here, so LIMIT is smaller than bridge.cpp's:
                               only the ratio is comparable

impl is "asyncio" (the default event loop) or "uvloop" (`--loop uvloop`; exits with a note on
stderr and status 0 if uvloop cannot be imported). Latencies are wall-clock (time.monotonic_ns,
CLOCK_MONOTONIC as C++'s steady_clock), percentiles of single samples. Prints one JSON line per
result on stdout: {"bench": ..., "impl": ..., "metric": ..., "value": ..., "unit": ...}
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import os
import sys
import threading
import time

LATENCY_SAMPLES = 5_000  # asyncio's to_thread takes about 50 us: well under a second
LATENCY_WARMUP = 100
IDLE_GAP_S = 50e-6
POOL_JOBS = 20_000  # about 20 us per job through a ThreadPoolExecutor
PRIME_LIMIT = 300_000
PRIME_CHUNKS = 256
SPEEDUP_RUNS = 3


def emit(impl: str, bench: str, metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": bench, "impl": impl, "metric": metric,
                      "value": round(value, 6), "unit": unit}), flush=True)


def new_loop(impl: str) -> asyncio.AbstractEventLoop:
    if impl == "uvloop":
        import uvloop  # noqa: PLC0415 (only when asked for)
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def emit_percentiles(impl: str, bench: str, prefix: str, ns: list[int]) -> None:
    ns.sort()
    for name, p in (("p50", 0.50), ("p99", 0.99)):
        emit(impl, bench, f"{prefix}_{name}", ns[int(p * (len(ns) - 1))], "ns")


def no_op() -> None:
    pass


# ---- thread.to_thread ---------------------------------------------------------------------------

async def to_thread_round_trips(samples: int) -> list[int]:
    clock = time.monotonic_ns
    to_thread = asyncio.to_thread
    for _ in range(LATENCY_WARMUP):
        await to_thread(no_op)
    ns = []
    for _ in range(samples):
        start = clock()
        await to_thread(no_op)
        ns.append(clock() - start)
    return ns


def to_thread_roundtrip(impl: str, samples: int) -> None:
    loop = new_loop(impl)
    try:
        ns = loop.run_until_complete(to_thread_round_trips(samples))
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
    emit_percentiles(impl, "thread.to_thread", "roundtrip_ns", ns)


# ---- thread.call_soon_threadsafe ----------------------------------------------------------------

def call_soon_threadsafe_wakeup(impl: str, samples: int) -> None:
    loop = new_loop(impl)
    ns: list[int] = []
    ran = threading.Event()
    clock = time.monotonic_ns

    def callback(sent: int, keep: bool) -> None:
        now = clock()
        if keep:
            ns.append(now - sent)
        ran.set()

    def poster() -> None:
        for i in range(LATENCY_WARMUP + samples):
            time.sleep(IDLE_GAP_S)  # the loop goes back to its selector
            ran.clear()
            loop.call_soon_threadsafe(callback, clock(), i >= LATENCY_WARMUP)
            ran.wait()
        loop.call_soon_threadsafe(loop.stop)

    thread = threading.Thread(target=poster)
    try:
        thread.start()
        loop.run_forever()
        thread.join()
    finally:
        loop.close()
    emit_percentiles(impl, "thread.call_soon_threadsafe", "wakeup_ns", ns)


# ---- thread.pool_throughput ---------------------------------------------------------------------

def warm_up(pool: concurrent.futures.ThreadPoolExecutor, threads: int) -> None:
    """Starts every thread of the pool (they start on demand)."""
    barrier = threading.Barrier(threads)
    for f in [pool.submit(barrier.wait) for _ in range(threads)]:
        f.result()


async def submit_and_await(pool: concurrent.futures.ThreadPoolExecutor, n: int) -> None:
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(pool, no_op) for _ in range(n)]
    for f in futures:
        await f


def pool_throughput(impl: str, jobs: int) -> None:
    threads = os.cpu_count() or 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        warm_up(pool, threads)
        best = None
        for _ in range(3):
            loop = new_loop(impl)
            try:
                start = time.monotonic_ns()
                loop.run_until_complete(submit_and_await(pool, jobs))
                elapsed = time.monotonic_ns() - start
            finally:
                loop.close()
            best = elapsed if best is None else min(best, elapsed)
        emit(impl, "thread.pool_throughput", "jobs_per_s_from_task", jobs * 1e9 / best, "jobs/s")
        if impl != "asyncio":
            return
        best = None
        for _ in range(3):
            start = time.monotonic_ns()
            for f in [pool.submit(no_op) for _ in range(jobs)]:
                f.result()
            elapsed = time.monotonic_ns() - start
            best = elapsed if best is None else min(best, elapsed)
        emit("python3", "thread.pool_throughput", "jobs_per_s", jobs * 1e9 / best, "jobs/s")


# ---- thread.parallel_speedup --------------------------------------------------------------------

def is_prime(n: int) -> bool:
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_chunk(c: int, limit: int) -> int:
    begin = limit * c // PRIME_CHUNKS
    end = limit * (c + 1) // PRIME_CHUNKS
    return sum(1 for n in range(begin, end) if is_prime(n))


def parallel_speedup(limit: int) -> None:
    threads = os.cpu_count() or 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        warm_up(pool, threads)
        expected = sum(count_chunk(c, limit) for c in range(PRIME_CHUNKS))
        best_serial = best_parallel = None
        for _ in range(SPEEDUP_RUNS):
            start = time.monotonic_ns()
            serial = sum(count_chunk(c, limit) for c in range(PRIME_CHUNKS))
            elapsed = time.monotonic_ns() - start
            best_serial = elapsed if best_serial is None else min(best_serial, elapsed)
            start = time.monotonic_ns()
            futures = [pool.submit(count_chunk, c, limit) for c in range(PRIME_CHUNKS)]
            parallel = sum(f.result() for f in futures)
            elapsed = time.monotonic_ns() - start
            best_parallel = elapsed if best_parallel is None else min(best_parallel, elapsed)
            assert serial == parallel == expected
    emit("python3", "thread.parallel_speedup", "speedup", best_serial / best_parallel, "x")
    emit("python3", "thread.parallel_speedup", "hardware_threads", threads, "threads")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--quick", action="store_true", help="fewer samples (smoke test)")
    args = parser.parse_args()
    impl = args.loop
    if impl == "uvloop":
        try:
            import uvloop  # noqa: F401, PLC0415
        except ImportError:
            print(f"note: uvloop is not importable by {sys.executable}: uvloop peer skipped",
                  file=sys.stderr)
            return 0
    print(f"{impl}: Python {sys.version.split()[0]} ({sys.executable})", file=sys.stderr)
    scale = 10 if args.quick else 1
    to_thread_roundtrip(impl, LATENCY_SAMPLES // scale)
    call_soon_threadsafe_wakeup(impl, LATENCY_SAMPLES // scale)
    pool_throughput(impl, POOL_JOBS // scale)
    if impl == "asyncio":
        parallel_speedup(PRIME_LIMIT // scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
