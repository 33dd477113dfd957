"""System calls per round trip for bench/net/echo_bench.py: perf stat's count and strace's, each over
a fixed number of round trips at 100 connections."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from echo_report import SIZES, emit
from echo_servers import Client, Lines, Server, note


def syscall_counts(args, servers: dict[str, Server], load: Path, pin1, out: list) -> dict:
    """System calls of the server per round trip at 100 connections, counted two ways over a fixed
    number of round trips: `perf stat -e raw_syscalls:sys_enter -p PID` (a kernel counter: the
    server runs at its normal speed; every server) and `strace -c -f -p PID` (names and failures,
    but each call stops the server twice, which slows it so much that every wait finds more work
    ready than it would: batching is overstated; only --syscall-servers).
    Returns {(impl, size): {"perf": per_rt, "strace": per_rt, "top": str}}."""
    strace = shutil.which("strace")
    perf = shutil.which("perf")
    if not strace:
        note("strace not found (Debian package strace): strace counts skipped")
    if not perf:
        note("perf not found (Debian package linux-perf): perf counts skipped")
    result = {}
    conns = 100
    for impl, srv in servers.items():
        want_strace = strace and impl in args.syscall_impls
        if not srv.alive() or not (perf or want_strace):
            continue
        for size in args.sizes:
            label = f"c{conns}_{SIZES.get(size, f'{size}B')}"
            c = Client(load, pin1, srv.port,
                       ["--mode", "echo", "--connections", str(conns), "--size", str(size),
                        "--warmup", str(args.warmup), "--round-trips", str(args.syscall_round_trips)])
            if not c.expect_ready(60):
                note(f"{impl}: client not ready for the system call count")
                c.proc.kill()
                c.close(1)
                continue
            entry = {}
            if perf:
                calls, rts = counted_window(c, [perf, "stat", "-x,", "-e", "raw_syscalls:sys_enter",
                                                "-p", str(srv.pid)], parse_perf_count, "perf")
                if calls is not None and rts:
                    entry["perf"] = calls / rts
                    emit(out, "net.syscalls", impl, f"perf_syscalls_per_rt_{label}", calls / rts, "calls",
                         connections=conns, size=size, round_trips=rts)
            if want_strace and c.alive():
                calls, rts, text = counted_window(c, [strace, "-c", "-f", "-p", str(srv.pid)], None, "strace")
                if calls is not None and rts:
                    entry["strace"] = calls / rts
                    entry["top"] = top_syscalls(text, rts)
                    emit(out, "net.syscalls", impl, f"strace_syscalls_per_rt_{label}", calls / rts, "calls",
                         connections=conns, size=size, round_trips=rts)
            c.close()
            if entry:
                result[(impl, size)] = entry
            else:
                note(f"{impl}: no system call count for {label}")
    return result


def counted_window(c: "Client", tool: list[str], parse, name: str):
    """Runs `tool` (perf stat or strace -c, attached to the server, output to a file) around one
    window of the client. Returns (calls, round_trips) for perf, (calls, round_trips, text) for
    strace; calls None on failure."""
    with tempfile.NamedTemporaryFile("r", suffix="." + name) as log:
        tp = subprocess.Popen(tool + ["-o", log.name], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if name == "strace":
            attached = Lines(tp.stderr).read(10)  # "strace: Process N attached"
            if attached is None or "attached" not in attached:
                note(f"strace could not attach ({attached!r})")
                tp.kill()
                tp.wait()
                return None, 0, ""
        time.sleep(0.3)  # attached to every thread
        c.send("go")
        r = c.result(120)
        time.sleep(0.05)
        tp.send_signal(signal.SIGINT)
        try:
            tp.wait(30)
        except subprocess.TimeoutExpired:
            tp.kill()
            tp.wait()
        tp.stderr.close()
        text = open(log.name).read()
    if not c.expect_ready(30) or r is None:
        return (None, 0, "") if name == "strace" else (None, 0)
    if name == "strace":
        return parse_strace_total(text), r["round_trips"], text
    return parse(text), r["round_trips"]


def parse_perf_count(text: str) -> int | None:
    for line in text.splitlines():
        parts = line.split(",")
        if len(parts) > 2 and "raw_syscalls:sys_enter" in parts[2]:
            try:
                return int(parts[0])
            except ValueError:
                return None
    return None


def parse_strace_total(text: str) -> int | None:
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[-1] == "total":
            # % time, seconds, usecs/call, calls, [errors,] total
            nums = [p for p in parts[:-1]]
            try:
                return int(nums[3])
            except (IndexError, ValueError):
                return None
    return None


def top_syscalls(text: str, rts: int) -> str:
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$", line)
        if m and m.group(3) != "total":
            rows.append((int(m.group(1)), int(m.group(2) or 0), m.group(3)))
    rows.sort(reverse=True)
    return ", ".join(f"{name} {calls / rts:.2f}" + (f" ({err / rts:.2f} failed)" if err else "")
                     for calls, err, name in rows[:5])
