#!/usr/bin/env python3
"""asyncio and uvloop peers of bench/sync/queue.cpp; see bench/README.md ("sync").

    python3 bench/sync/queue_bench.py [--loop asyncio|uvloop] [--quick]

One producer task puts N ints into an asyncio.Queue(maxsize), one consumer task
gets them, on one loop; ns per item, for maxsize 0 (unbounded), 1, 64 and 1024
(metrics item_ns_unbounded, item_ns_maxsize_M of bench sync.queue).

impl is "asyncio" (the default event loop) or "uvloop" (`--loop uvloop`; exits
with a note on stderr and status 0 if uvloop cannot be imported). Prints one JSON
line per result on stdout:
    {"bench": ..., "impl": ..., "metric": ..., "value": ..., "unit": ...}
Times are CPU time of the running thread (time.thread_time_ns), the median of
REPETITIONS runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

ITEMS = 100_000  # about 0.8 us per item: 1,000,000 would take about 1 s per repetition
REPETITIONS = 3
SHAPES = (0, 1, 64, 1024)


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


async def producer(q: asyncio.Queue, n: int) -> None:
    put = q.put
    for i in range(n):
        await put(i)


async def consumer(q: asyncio.Queue, n: int) -> int:
    get = q.get
    total = 0
    for _ in range(n):
        total += await get()
    return total


async def hand_off(maxsize: int, n: int) -> None:
    """The consumer starts first (it finds the queue empty and waits), then the producer."""
    q = asyncio.Queue(maxsize)
    c = asyncio.create_task(consumer(q, n))
    p = asyncio.create_task(producer(q, n))
    total = await c
    await p
    assert total == n * (n - 1) // 2


def metric_of(maxsize: int) -> str:
    return "item_ns_unbounded" if maxsize == 0 else f"item_ns_maxsize_{maxsize}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--quick", action="store_true", help="fewer items (smoke test)")
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
    n = ITEMS // (10 if args.quick else 1)
    for maxsize in SHAPES:
        ns = median_ns(impl, lambda: hand_off(maxsize, n)) / n
        emit(impl, "sync.queue", metric_of(maxsize), ns, "ns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
