"""The results of bench/net/echo_bench.py: its JSON lines, its human-readable table and the check of
issue 9's targets."""

from __future__ import annotations

import json

REFERENCE = {"epoll": "c_epoll", "io_uring": "c_uring"}
C_REFS = ("c_epoll", "c_uring")
CORIO = ("corio", "corio_epoll", "corio_streams", "corio_streams_epoll")
SIZES = {64: "64B", 4096: "4KiB"}


def emit(out: list, bench: str, impl: str, metric: str, value: float, unit: str, **extra) -> None:
    rec = {"bench": bench, "impl": impl, "metric": metric, "value": round(value, 4), "unit": unit}
    rec.update(extra)
    out.append(rec)
    print(json.dumps(rec), flush=True)


def report(args, servers_order, families, summary, paced, sys_counts, mem, acc) -> str:
    lines = []
    w = lines.append
    w("")
    w("net.echo: loopback echo, server on CPU 0, client on CPU 1; medians of the windows.")
    w("  srv us/rt: server CPU (user + system) per round trip; x ref: that over the C reference of")
    w("  the same backend (c_epoll, or c_uring for corio and c_uring); cli us/rt and cli busy: the")
    w("  load client's CPU per round trip and its share of its core (near 100%: the client is the limit);")
    w("  others: what else ran on the two CPUs during the windows (other processes, steal), as a share")
    w("  of their time: figures of a cell with much of it are disturbed (lower CPU per round trip, as")
    w("  a server that waits for a core finds more work ready per wake-up); fair: the fewest round")
    w("  trips one connection made over the mean per connection (1: even service; near 0: starvation).")
    for conns in args.connections:
        for size in args.sizes:
            label = f"{conns} connection{'s' if conns > 1 else ''}, {SIZES.get(size, size)} messages"
            w("")
            w(f"{label}")
            w(f"  {'server':<19} {'rt/s':>9} {'p50 us':>8} {'p99 us':>8} {'srv us/rt':>9} {'x ref':>6} "
              f"{'srv busy':>8} {'cli us/rt':>9} {'cli busy':>8} {'others':>6} {'fair':>5}")
            for impl in servers_order:
                s = summary.get((impl, conns, size))
                if not s:
                    continue
                ref = summary.get((REFERENCE[families[impl]], conns, size))
                ratio = f"{s['server_cpu_us_per_rt'] / ref['server_cpu_us_per_rt']:.2f}" if ref else "-"
                w(f"  {impl:<19} {s['rt_per_s']:>9.0f} {s['p50_us']:>8.1f} {s['p99_us']:>8.1f} "
                  f"{s['server_cpu_us_per_rt']:>9.2f} {ratio:>6} {s['server_busy'] * 100:>7.0f}% "
                  f"{s['client_cpu_us_per_rt']:>9.2f} {s['client_busy'] * 100:>7.0f}% {s['others'] * 100:>5.0f}% "
                  f"{s['fairness']:>5.2f}")
    if paced:
        w("")
        w(f"net.echo paced: {args.paced_rate} round trips per second offered (an open loop: a message")
        w("  due every 1/rate s, on each connection in turn, its latency counted from when it was due),")
        w("  well below every good server's saturation: the p99 a server adds, where the saturated")
        w("  cells' p99 mostly shows how the client's batches fall; missed: due messages skipped")
        w("  because the connection's last echo had not come (none at a rate the server sustains);")
        w(f"  best p99: the lowest p99 of the {args.paced_windows} windows (stalls of the machine only add")
        w("  latency, so the least disturbed window's is the nearest to the server's own)")
        for size in args.sizes:
            w("")
            w(f"100 connections, {SIZES.get(size, size)} messages, paced")
            w(f"  {'server':<19} {'rt/s':>9} {'p50 us':>8} {'p99 us':>8} {'best p99':>8} {'srv us/rt':>9} "
              f"{'missed':>7}")
            for impl in servers_order:
                s = paced.get((impl, 100, size))
                if s:
                    w(f"  {impl:<19} {s['rt_per_s']:>9.0f} {s['p50_us']:>8.1f} {s['p99_us']:>8.1f} "
                      f"{s['p99_best_us']:>8.1f} {s['server_cpu_us_per_rt']:>9.2f} {s['missed'] * 100:>6.2f}%")
    if sys_counts:
        w("")
        w(f"net.syscalls: the server's system calls per round trip, 100 connections, "
          f"{args.syscall_round_trips} round trips; perf: perf stat -e raw_syscalls:sys_enter (server at")
        w("  full speed); strace: strace -c -f (which slows the server, so its waits find more ready")
        w("  and batching looks better than it is), with the most frequent calls per round trip")
        w(f"  {'server':<19} {'size':>5} {'perf':>6} {'strace':>7}   strace's calls per round trip")
        for (impl, size), e in sorted(sys_counts.items(), key=lambda kv: (kv[0][1], servers_order.index(kv[0][0]))):
            pf = f"{e['perf']:.2f}" if "perf" in e else "-"
            st = f"{e['strace']:.2f}" if "strace" in e else "-"
            w(f"  {impl:<19} {SIZES.get(size, size):>5} {pf:>6} {st:>7}   {e.get('top', '')}")
    if mem:
        w("")
        w(f"net.idle_memory: server RSS (VmRSS) added per idle connection, {args.idle} connections "
          f"(each after one 1-byte round trip)")
        for impl in servers_order:
            if impl in mem:
                per, base, rss, setup = mem[impl]
                w(f"  {impl:<19} {per:8.0f} bytes/conn   (RSS {base / 2**20:.1f} -> {rss / 2**20:.1f} MiB; "
                  f"client set-up {setup:.2f} s)")
    if acc:
        w("")
        w(f"net.accept: connections per second ({args.accept_concurrency} attempts in flight: connect, "
          f"1-byte echo, close)")
        for impl in servers_order:
            if impl in acc:
                rate, cpu = acc[impl]
                w(f"  {impl:<19} {rate:9.0f} conn/s   server CPU {cpu:6.1f} us/conn")
    # The issue's targets.
    w("")
    w("targets (issue 9):")
    peers = [i for i in servers_order if i not in CORIO and i not in C_REFS]
    for impl in CORIO:
        if impl not in families:
            continue
        ref = REFERENCE[families[impl]]
        worst, beaten = 0.0, []
        for conns in args.connections:
            if conns < 10:
                continue
            for size in args.sizes:
                s, r = summary.get((impl, conns, size)), summary.get((ref, conns, size))
                if s and r:
                    worst = max(worst, s["server_cpu_us_per_rt"] / r["server_cpu_us_per_rt"])
                for p in peers:
                    q = summary.get((p, conns, size))
                    if s and q and q["server_cpu_us_per_rt"] < s["server_cpu_us_per_rt"]:
                        beaten.append(f"{p}@c{conns}/{SIZES.get(size, size)}")
        if worst:
            w(f"  {impl}: server CPU per round trip <= 1.05x {ref} at >= 10 connections: worst {worst:.2f}x "
              f"-> {'met' if worst <= 1.05 else 'NOT met'}")
        # Round trips per second >= every peer's (within 5 %), p99 <= the best peer's.
        slow, late = [], []
        for conns in args.connections:
            for size in args.sizes:
                s = summary.get((impl, conns, size))
                qs = [summary[(p, conns, size)] for p in peers if (p, conns, size) in summary]
                if not s or not qs:
                    continue
                best_rate = max(q["rt_per_s"] for q in qs)
                best_p99 = min(q["p99_us"] for q in qs)
                cell = f"c{conns}/{SIZES.get(size, size)}"
                if s["rt_per_s"] < 0.95 * best_rate:
                    slow.append(f"{cell} {s['rt_per_s'] / best_rate:.2f}x")
                if s["p99_us"] > best_p99:
                    late.append(f"{cell} {s['p99_us'] / best_p99:.2f}x")
        # Without the saturated cells (--skip echo) these targets have nothing to judge.
        saturated = any(k[0] == impl for k in summary)
        if saturated:
            w(f"  {impl}: round trips/s >= every peer's (within 5 %): "
              + ("met" if not slow else f"NOT met ({', '.join(slow)} of the best peer's)"))
            w(f"  {impl}: p99 <= the best peer's: "
              + ("met" if not late else f"NOT met ({', '.join(late)} of the best peer's)"))
        if paced:
            ratios = paced_p99_ratios(args, paced, impl, peers)
            w(f"  {impl}: best p99 paced at {args.paced_rate}/s <= the best peer's: "
              + ("met" if all(r <= 1 for _, r in ratios) else "NOT met")
              + f" ({', '.join(f'{cell} {r:.2f}x' for cell, r in ratios)})")
        if saturated:
            w(f"  {impl}: server CPU per round trip <= every peer's: "
              + ("met" if not beaten else f"NOT met (lower: {', '.join(beaten)})"))
        limit = 2.1 if families[impl] == "epoll" else 0.2
        for size in args.sizes:
            e = sys_counts.get((impl, size), {})
            r = sys_counts.get((ref, size), {})
            for how in ("perf", "strace"):
                if how in e:
                    refs = f" ({ref}: {r[how]:.2f})" if how in r else ""
                    w(f"  {impl}: system calls per round trip at 100 connections ({SIZES.get(size, size)}, "
                      f"{how}) <= {limit}: {e[how]:.2f}{refs} -> {'met' if e[how] <= limit else 'NOT met'}")
        if impl in mem:
            w(f"  {impl}: idle memory per connection <= 1 KiB: {mem[impl][0]:.0f} bytes -> "
              f"{'met' if mem[impl][0] <= 1024 else 'NOT met'}")
    if paced:
        # The C floors against the same peers: how far apart this machine's noise puts servers
        # that add nothing, the yardstick for the lines above.
        for impl in C_REFS:
            ratios = paced_p99_ratios(args, paced, impl, peers)
            if ratios:
                w(f"  control: {impl}'s best p99 paced over the best peer's: "
                  + ", ".join(f"{cell} {r:.2f}x" for cell, r in ratios))
    return "\n".join(lines)


def paced_p99_ratios(args, paced, impl, peers) -> list[tuple[str, float]]:
    """(cell, impl's best-window p99 over the lowest of the peers') of each paced cell."""
    ratios = []
    for size in args.sizes:
        s = paced.get((impl, 100, size))
        qs = [paced[(p, 100, size)] for p in peers if (p, 100, size) in paced]
        if s and qs:
            ratios.append((f"c100/{SIZES.get(size, size)}",
                           s["p99_best_us"] / min(q["p99_best_us"] for q in qs)))
    return ratios
