#!/usr/bin/env python3
"""asyncio and uvloop peers of bench/core/tasks.cpp; see bench/README.md ("core").

    python3 bench/core/asyncio_bench.py [--loop asyncio|uvloop] [--quick]

impl is "asyncio" (the default event loop) or "uvloop" (`--loop uvloop`; exits
with a note on stderr and status 0 if uvloop cannot be imported). Prints one JSON
line per result on stdout:
    {"bench": ..., "impl": ..., "metric": ..., "value": ..., "unit": ...}

Times are CPU time of the running thread (time.thread_time_ns), the median of
REPETITIONS runs, as on the C++ side; the sleepers' time is wall-clock time.
Memory is measured in child processes of this script (`--child WHAT N`), so that
each starts from a fresh heap and has its own peak RSS.

`core.await` does not involve the event loop (awaiting a coroutine runs it in
place), so it is measured for impl asyncio only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc

AWAIT_COUNT = 1_000_000
YIELD_COUNT = 100_000  # asyncio needs ~2.5 us per yield: 1M would take 2.5 s per repetition
SPAWN_COUNT = 100_000
REPETITIONS = 3
MEMORY_TASKS = 100_000
SLEEPER_COUNTS = (100_000,)  # 1,000,000 would take about 40 s and 1.3 GB


def emit(impl: str, bench: str, metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": bench, "impl": impl, "metric": metric,
                      "value": round(value, 6), "unit": unit}), flush=True)


def new_loop(impl: str) -> asyncio.AbstractEventLoop:
    if impl == "uvloop":
        import uvloop  # noqa: PLC0415 (only when asked for)
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def median_ns(impl: str, make_coro, reps: int = REPETITIONS) -> float:
    """Median CPU time of running make_coro() to completion on a fresh loop."""
    samples = []
    for _ in range(reps):
        loop = new_loop(impl)
        try:
            coro = make_coro()
            start = time.thread_time_ns()
            loop.run_until_complete(coro)
            samples.append(time.thread_time_ns() - start)
        finally:
            loop.close()
    return statistics.median(samples)


# ---- core.await: await of a coroutine that returns at once ---------------------

async def ready_value(v):
    return v


async def await_loop(n):
    total = 0
    for i in range(n):
        total += await ready_value(i)
    assert total == n * (n - 1) // 2


# ---- core.yield: asyncio.sleep(0) round trips through the loop -------------------

async def yielder(n):
    sleep = asyncio.sleep
    for _ in range(n):
        await sleep(0)


async def ping_pong(n):
    a = asyncio.create_task(yielder(n))
    b = asyncio.create_task(yielder(n))
    await a
    await b


# ---- core.spawn: create_task + completion ---------------------------------------

async def trivial():
    pass


async def spawn_all(n):
    create_task = asyncio.create_task
    tasks = [create_task(trivial()) for _ in range(n)]
    for t in tasks:
        await t


# ---- children: memory of sleeping tasks, sleepers on the real clock -------------

def splitmix64(x: int) -> int:
    """The same hash as bench/core/support.hpp: every peer sleeps the same delays."""
    mask = (1 << 64) - 1
    z = (x + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def sleeper_delay(i: int) -> float:
    """Uniform in [1 s, 3 s), microsecond resolution."""
    return (1_000_000 + splitmix64(i) % 2_000_000) / 1e6


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGESIZE")


async def sleep_an_hour():
    await asyncio.sleep(3600)


async def all_asleep(n, counted):
    """Starts n sleepers and returns once all of them are asleep, with the bytes they added."""
    await asyncio.sleep(0)  # the loop's own lazy set-up is not counted
    rss0 = rss_bytes()
    traced0 = tracemalloc.get_traced_memory()[0] if counted else 0
    create_task = asyncio.create_task
    for _ in range(n):
        create_task(sleep_an_hour())  # the loop keeps them (their timers refer to them)
    await asyncio.sleep(0)  # the sleepers run first (FIFO): now all of them are asleep
    added = (tracemalloc.get_traced_memory()[0] - traced0) if counted else rss_bytes() - rss0
    tasks = asyncio.all_tasks() - {asyncio.current_task()}
    assert len(tasks) == n
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return added


def memory_child(impl: str, what: str, n: int) -> None:
    # tracemalloc's own bookkeeping inflates the RSS, so the two are measured in separate runs.
    counted = what == "tracemalloc"
    if counted:
        tracemalloc.start()
    loop = new_loop(impl)
    added = loop.run_until_complete(all_asleep(n, counted))
    loop.close()
    metric = "bytes_per_task" if counted else "rss_bytes_per_task"
    emit(impl, "core.sleeper_memory", metric, added / n, "bytes")


async def sleepers(n):
    left = n
    done = asyncio.get_running_loop().create_future()

    async def sleeper(delay):
        nonlocal left
        await asyncio.sleep(delay)
        left -= 1
        if left == 0:
            done.set_result(None)

    for i in range(n):
        asyncio.create_task(sleeper(sleeper_delay(i)))
    await done


def sleepers_child(impl: str, n: int) -> None:
    start = time.perf_counter()
    loop = new_loop(impl)
    loop.run_until_complete(sleepers(n))
    wall = time.perf_counter() - start
    loop.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mib = usage.ru_maxrss / 1024  # KiB on Linux
    emit(impl, "core.sleepers", f"wall_s_n{n}", wall, "s")
    emit(impl, "core.sleepers", f"cpu_s_n{n}", usage.ru_utime + usage.ru_stime, "s")
    emit(impl, "core.sleepers", f"peak_rss_mib_n{n}", peak_mib, "MiB")


def run_child(impl: str, what: str, n: int) -> bool:
    cmd = [sys.executable, os.path.abspath(__file__), "--loop", impl, "--child", what, str(n)]
    return subprocess.run(cmd, check=False).returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--quick", action="store_true", help="fewer items (smoke test)")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    impl = args.loop
    if impl == "uvloop":
        try:
            import uvloop  # noqa: F401, PLC0415
        except ImportError:
            print(f"note: uvloop is not importable by {sys.executable}: uvloop peer skipped",
                  file=sys.stderr)
            return 0
    if args.child:
        what, n = args.child[0], int(args.child[1])
        if what in ("memory", "tracemalloc"):
            memory_child(impl, what, n)
        elif what == "sleepers":
            sleepers_child(impl, n)
        else:
            raise SystemExit(f"unknown child mode {what}")
        return 0

    print(f"{impl}: Python {sys.version.split()[0]} ({sys.executable})", file=sys.stderr)
    scale = 10 if args.quick else 1
    if impl == "asyncio":
        n = AWAIT_COUNT // scale
        emit(impl, "core.await", "await_ns", median_ns(impl, lambda: await_loop(n)) / n, "ns")
    n = YIELD_COUNT // scale
    emit(impl, "core.yield", "yield_ns", median_ns(impl, lambda: yielder(n)) / n, "ns")
    emit(impl, "core.yield_pingpong", "yield_ns",
         median_ns(impl, lambda: ping_pong(n // 2)) / n, "ns")
    n = SPAWN_COUNT // scale
    emit(impl, "core.spawn", "task_ns", median_ns(impl, lambda: spawn_all(n)) / n, "ns")

    ok = run_child(impl, "tracemalloc", MEMORY_TASKS // scale)
    ok &= run_child(impl, "memory", MEMORY_TASKS // scale)
    for n in SLEEPER_COUNTS:
        ok &= run_child(impl, "sleepers", n // scale)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
