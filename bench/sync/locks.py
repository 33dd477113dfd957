#!/usr/bin/env python3
"""asyncio and uvloop peers of bench/sync/locks.cpp; see bench/README.md ("sync").

    python3 bench/sync/locks.py [--loop asyncio|uvloop] [--quick]

  sync.lock       acquire_release_ns  await lock.acquire(); lock.release(), nobody else waiting
  sync.semaphore  pingpong_ns         two tasks handing one permit of a Semaphore(1) back and
                                      forth, each yielding (asyncio.sleep(0)) while holding it
  sync.event      set_wait_ns         one task sets an Event another waits for, and waits for
                                      the answer, per round

impl is "asyncio" or "uvloop" (`--loop uvloop`; exits with a note on stderr and
status 0 if uvloop cannot be imported). Prints one JSON line per result on
stdout. Times are CPU time of the running thread (time.thread_time_ns), the
median of REPETITIONS runs. The uncontended lock never reaches the loop, so it
is measured for impl asyncio only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

LOCK_ROUNDS = 1_000_000
PINGPONG_ROUNDS = 100_000  # about 3 us per hand-off
EVENT_ROUNDS = 50_000
REPETITIONS = 3


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


async def lock_loop(n: int) -> None:
    lock = asyncio.Lock()
    acquire, release = lock.acquire, lock.release
    for _ in range(n):
        await acquire()
        release()


async def permit_player(s: asyncio.Semaphore, n: int) -> None:
    sleep = asyncio.sleep
    for _ in range(n):
        async with s:
            await sleep(0)


async def permit_pingpong(n: int) -> None:
    """n hand-offs: each of two tasks takes the permit n / 2 times."""
    s = asyncio.Semaphore(1)
    a = asyncio.create_task(permit_player(s, n // 2))
    b = asyncio.create_task(permit_player(s, n // 2))
    await a
    await b


async def event_setter(go: asyncio.Event, done: asyncio.Event, n: int) -> None:
    for _ in range(n):
        go.set()
        await done.wait()
        done.clear()


async def event_waiter(go: asyncio.Event, done: asyncio.Event, n: int) -> None:
    for _ in range(n):
        await go.wait()
        go.clear()
        done.set()


async def event_rounds(n: int) -> None:
    go, done = asyncio.Event(), asyncio.Event()
    w = asyncio.create_task(event_waiter(go, done, n))
    await event_setter(go, done, n)
    await w


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (smoke test)")
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
    if impl == "asyncio":
        n = LOCK_ROUNDS // scale
        emit(impl, "sync.lock", "acquire_release_ns",
             median_ns(impl, lambda: lock_loop(n)) / n, "ns")
    n = PINGPONG_ROUNDS // scale
    emit(impl, "sync.semaphore", "pingpong_ns", median_ns(impl, lambda: permit_pingpong(n)) / n,
         "ns")
    n = EVENT_ROUNDS // scale
    emit(impl, "sync.event", "set_wait_ns", median_ns(impl, lambda: event_rounds(n)) / n, "ns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
