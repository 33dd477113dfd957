#!/usr/bin/env python3
"""Python peers of bench/gen/generator.cpp (impl "python3"); see bench/README.md.

Prints one JSON line per result on stdout:
    {"bench": ..., "impl": "python3", "metric": ..., "value": ..., "unit": ...}
Notes on targets go to stderr. Each timed measurement is repeated and the median
is reported, as the C++ side reports the median of its repetitions. Times are
CPU time of the running thread (time.thread_time_ns), as on the C++ side: on a
small shared machine, wall-clock time would also count time spent preempted.

Options: --quick (fewer items and repetitions; for smoke tests).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from itertools import islice

QUICK = "--quick" in sys.argv[1:]

# The seeds' workload: sum(1 + x for x in range(2000000)).
GENEXP_ITEMS = 200_000 if QUICK else 2_000_000
SENDS = 100_000 if QUICK else 1_000_000
CREATES = 100_000 if QUICK else 1_000_000
REPETITIONS = 3 if QUICK else 5
# yield-from chain depths, with the items pulled at each depth (the cost per item
# grows with depth in CPython, so deeper chains pull fewer items to stay short).
# CPython only up to 1000: every level of a chain is a nested C call when an item
# is passed up, bounded by the recursion limit.
CHAIN_DEPTHS = {1: 1_000_000, 10: 500_000, 1000: 5_000}
if QUICK:
    CHAIN_DEPTHS = {d: n // 10 for d, n in CHAIN_DEPTHS.items()}


def emit(bench: str, metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": bench, "impl": "python3", "metric": metric,
                      "value": round(value, 6), "unit": unit}), flush=True)


def median_ns(fn, reps: int = REPETITIONS) -> float:
    """Median CPU time of fn() in ns; fn may return the ns it timed itself."""
    samples = []
    for _ in range(reps):
        start = time.thread_time_ns()
        timed = fn()
        elapsed = time.thread_time_ns() - start
        samples.append(timed if timed is not None else elapsed)
    return statistics.median(samples)


# ---- gen.iterate: the seeds' generator expression ----------------------------

def iterate() -> None:
    n = GENEXP_ITEMS
    expected = n * (n + 1) // 2

    def run():
        assert sum(1 + x for x in range(n)) == expected

    emit("gen.iterate", "item_ns", median_ns(run) / n, "ns")


# ---- gen.send: a counter-like generator receiving values ----------------------

def accumulator():
    total = 0
    while True:
        sent = yield total
        if sent is not None:
            total += sent


def send() -> None:
    n = SENDS

    def run():
        gen = accumulator()
        next(gen)  # start the body; a just-started generator takes no value
        send = gen.send
        start = time.thread_time_ns()
        for _ in range(n):
            send(1)
        return time.thread_time_ns() - start

    emit("gen.send", "send_ns", median_ns(run) / n, "ns")


# ---- gen.frame: size and creation cost of a generator -------------------------

def genexp_function(n):
    for x in range(n):
        yield 1 + x


def frame() -> None:
    # The seeds measure sys.getsizeof of this generator expression (112 bytes in
    # their Python). It counts the generator object with its embedded frame, not
    # the range iterator it holds nor the code object.
    emit("gen.frame", "frame_bytes", sys.getsizeof(1 + x for x in range(GENEXP_ITEMS)), "bytes")

    n = CREATES

    def run():
        f = genexp_function
        start = time.thread_time_ns()
        for _ in range(n):
            f(GENEXP_ITEMS)  # create an unstarted generator; it is freed at once
        return time.thread_time_ns() - start

    emit("gen.frame", "create_ns", median_ns(run) / n, "ns")


# ---- gen.deep_chain: yield from through `depth` generators --------------------

def chain(depth, n):
    if depth == 0:
        for i in range(n):
            yield i
    else:
        yield from chain(depth - 1, n)


def deep_chain() -> dict[int, float]:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * max(CHAIN_DEPTHS) + 1000))
    per_item = {}
    for depth, n in CHAIN_DEPTHS.items():
        expected = n * (n + 1) // 2

        def run():
            # One item more than is timed, so the chain is still suspended when the
            # timer stops: finishing every level once (O(depth) per chain, not per
            # item) is not timed, as in the C++ benchmark.
            gen = chain(depth, n + 2)
            next(gen)  # builds the chain; not timed either
            start = time.thread_time_ns()
            total = sum(islice(gen, n))
            elapsed = time.thread_time_ns() - start
            assert total == expected
            return elapsed

        per_item[depth] = median_ns(run, reps=3) / n
        emit("gen.deep_chain", f"item_ns_depth_{depth}", per_item[depth], "ns")
    return per_item


def main() -> int:
    iterate()
    send()
    frame()
    per_item = deep_chain()
    lo, hi = min(per_item), max(per_item)
    print(f"note: python3 yield-from chain: per-item cost at depth {hi} is "
          f"{per_item[hi] / per_item[lo]:.0f}x that at depth {lo} (grows with depth)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
