#!/usr/bin/env python3
"""Plots the loopback echo benchmark (bench/net/echo_bench.py's results).

Usage: python3 bench/net/plot.py [RESULTS.jsonl [OUT.png]]
       (defaults: build/release/bench/net_echo.jsonl, build/release/bench/net_echo.png)

Two rows of panels, one column per message size: round trips per second, and the server's CPU
time per round trip, against the number of connections (log scale), one line per server.
Needs matplotlib (Debian: python3-matplotlib); exits with status 1 and a note without it. Not
run by scripts/bench's loop over bench/**/*.py scripts; echo_bench.py runs it.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STYLE = {  # impl: (colour, line style, marker); corio solid and thick, the C floors dashed
    "corio": ("#d62728", "-", "o"),
    "corio_epoll": ("#ff7f0e", "-", "o"),
    "c_uring": ("#000000", "--", "s"),
    "c_epoll": ("#7f7f7f", "--", "s"),
    "boost_asio": ("#1f77b4", "-", "^"),
    "libuv": ("#2ca02c", "-", "v"),
    "tokio": ("#8c564b", "-", "D"),
    "go": ("#17becf", "-", "P"),
    "uvloop": ("#9467bd", ":", "x"),
    "asyncio": ("#e377c2", ":", "+"),
}
# A cell during which other work took more than this share of the two CPUs (echo_bench.py's
# "others") is drawn with a hollow marker: disturbed, not to be compared across runs.
DISTURBED = 0.10
LABEL = {"corio": "corio (io_uring)", "corio_epoll": "corio (epoll)", "c_uring": "C io_uring (floor)",
         "c_epoll": "C epoll (floor)"}


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else ROOT / "build/release/bench/net_echo.jsonl"
    dst = Path(argv[2]) if len(argv) > 2 else src.with_suffix(".png")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot.py: matplotlib is missing (Debian package python3-matplotlib)", file=sys.stderr)
        return 1

    # data[metric][size][impl] = [(connections, value)]
    data: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    with open(src) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            if r.get("bench") != "net.echo":
                continue
            m = re.fullmatch(r"(round_trips_per_s|server_cpu_us_per_rt)_c(\d+)_(\d+(?:B|KiB|MiB))", r["metric"])
            if not m:
                continue
            data[m.group(1)][m.group(3)][r["impl"]].append(
                (int(m.group(2)), r["value"], r.get("others", 0) > DISTURBED))
    if not data:
        print(f"plot.py: no net.echo results in {src}", file=sys.stderr)
        return 1

    sizes = sorted({s for metric in data.values() for s in metric}, key=lambda s: (len(s), s))
    metrics = [("round_trips_per_s", "round trips / s"),
               ("server_cpu_us_per_rt", "server CPU µs / round trip")]
    disturbed = False
    fig, axes = plt.subplots(len(metrics), len(sizes), figsize=(6.5 * len(sizes), 9), squeeze=False)
    for row, (metric, ylabel) in enumerate(metrics):
        for col, size in enumerate(sizes):
            ax = axes[row][col]
            for impl, points in data[metric][size].items():
                points.sort()
                colour, ls, marker = STYLE.get(impl, (None, "-", "."))
                ax.plot([p[0] for p in points], [p[1] for p in points], label=LABEL.get(impl, impl), color=colour,
                        linestyle=ls, marker=marker, linewidth=2.5 if impl.startswith("corio") else 1.3)
                hollow = [p for p in points if p[2]]
                if hollow:
                    ax.plot([p[0] for p in hollow], [p[1] for p in hollow], linestyle="none", marker=marker,
                            markersize=9, markerfacecolor="white", color=colour)
                    disturbed = True
            ax.set_xscale("log")
            ax.set_xlabel("connections")
            ax.set_ylabel(ylabel)
            if metric == "server_cpu_us_per_rt":
                ax.set_yscale("log")
            ax.set_title(f"{ylabel}, {size} messages")
            ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), frameon=False)
    fig.suptitle("corio loopback echo (server on one core, load client on the other)"
                 + ("\nhollow markers: cells disturbed by other work on the machine" if disturbed else ""))
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    dst.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(dst, dpi=110)
    print(f"plot.py: wrote {dst}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
