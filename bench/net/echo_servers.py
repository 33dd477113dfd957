"""Processes for bench/net/echo_bench.py: the echo servers (which can run, and how to start and
stop them), the load client, and what /proc says about their CPU time and memory."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NET = ROOT / "bench" / "net"


def note(msg: str) -> None:
    print(f"echo_bench: {msg}", file=sys.stderr, flush=True)


# ---- processes and /proc ---------------------------------------------------------------------

class Lines:
    """Reads lines from a pipe with a timeout."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.buf = b""

    def read(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line.decode(errors="replace")
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace")


def cpu_ns(pid: int) -> int:
    """The process's CPU time (user + system), in ns: the sum of its threads' run time from
    /proc/<pid>/task/*/schedstat (the scheduler's own clock, the same total that utime + stime
    of /proc/<pid>/stat are scaled to, there in 10 ms ticks). Falls back to /proc/<pid>/stat."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass  # a thread that just ended
        if total:
            return total
    except OSError:
        pass
    return stat_cpu_ns(pid)


def stat_cpu_ns(pid: int) -> int:
    """utime + stime from /proc/<pid>/stat, in ns (10 ms resolution)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5)
    return ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def cpu_busy_s(cpus: list[int]) -> float:
    """Seconds the given CPUs spent not idle (user, nice, system, irq, softirq, steal) since boot,
    from /proc/stat (10 ms resolution)."""
    total = 0
    names = {f"cpu{c}" for c in cpus}
    with open("/proc/stat") as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] in names:
                v = [int(x) for x in parts[1:9]]
                total += v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return total / os.sysconf("SC_CLK_TCK")


def vm_rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Server:
    def __init__(self, impl: str, family: str, argv: list[str], env: dict | None, pin: list[str]):
        self.impl, self.family = impl, family
        self.proc = subprocess.Popen(pin + argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     env=env, start_new_session=True)
        self.lines = Lines(self.proc.stdout)
        first = self.lines.read(30)
        if first is None or not first.strip().isdigit():
            self.stop()
            raise RuntimeError(f"{impl}: no port on its first line (got {first!r})")
        self.port = int(first)
        self.pid = self.proc.pid  # taskset execs the server itself

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


class Client:
    """bench_net_echo_load in --sync mode."""

    def __init__(self, exe: Path, pin: list[str], port: int, args: list[str]):
        self.proc = subprocess.Popen(pin + [str(exe), "--port", str(port), "--sync"] + args,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lines = Lines(self.proc.stdout)

    def expect_ready(self, timeout: float) -> bool:
        while True:
            line = self.lines.read(timeout)
            if line is None:
                return False
            if line.strip() == "ready":
                return True

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, word: str) -> None:
        self.proc.stdin.write((word + "\n").encode())
        self.proc.stdin.flush()

    def result(self, timeout: float) -> dict | None:
        while True:
            line = self.lines.read(timeout)
            if line is None:
                return None
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)

    def close(self, timeout: float = 10) -> None:
        try:
            self.send("quit")
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


# ---- the servers -----------------------------------------------------------------------------

def find_python_with(module: str) -> str | None:
    """The first of this python, python3 and /usr/bin/python3 (Debian's, which the python3-*
    packages serve; python3 on PATH may be another) that imports `module`."""
    for py in (sys.executable, "python3", "/usr/bin/python3"):
        exe = shutil.which(py) if not os.path.isabs(py) else py
        if exe and subprocess.run([exe, "-c", f"import {module}"], capture_output=True).returncode == 0:
            return exe
    return None


def build_go(build_dir: Path) -> Path | None:
    go = shutil.which("go") or ("/usr/lib/go/bin/go" if os.access("/usr/lib/go/bin/go", os.X_OK) else None)
    if not go:
        note("go not found (Debian package golang-go): Go peer skipped")
        return None
    target = build_dir / "go_peer"
    out = target / "go_echo"
    env = dict(os.environ, GOCACHE=str(target / "cache"), GOPATH=str(target / "gopath"),
               GOPROXY="off", GOTOOLCHAIN="local", GOFLAGS="")
    start = time.monotonic()
    r = subprocess.run(["nice", "-n", "10", go, "build", "-o", str(out), "."], cwd=NET / "go_echo", env=env)
    if r.returncode != 0:
        note("building bench/net/go_echo failed: Go peer skipped")
        return None
    note(f"go build of bench/net/go_echo: {time.monotonic() - start:.0f} s")
    return out


def build_tokio(build_dir: Path) -> Path | None:
    cargo = shutil.which("cargo")
    if not cargo and os.access(Path.home() / ".cargo/bin/cargo", os.X_OK):
        cargo = str(Path.home() / ".cargo/bin/cargo")
    if not cargo:
        note("cargo not found: Tokio peer skipped")
        return None
    target = build_dir / "tokio_echo"
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    start = time.monotonic()
    r = subprocess.run(["nice", "-n", "10", cargo, "build", "--release", "--offline", "--quiet"],
                       cwd=NET / "tokio_echo", env=env)
    if r.returncode != 0:
        note("building bench/net/tokio_echo failed (Debian package librust-tokio-dev?): Tokio peer skipped")
        return None
    note(f"cargo build of bench/net/tokio_echo: {time.monotonic() - start:.0f} s")
    return target / "release" / "tokio_echo"


def server_table(build_dir: Path, build: bool) -> list[tuple[str, str, list[str], dict | None]]:
    """(impl, backend family, argv with the port "0", env) of every server that can run."""
    bin_dir = build_dir / "bench" / "net"
    servers = []

    def native(impl, family, name, extra=()):
        exe = bin_dir / name
        if exe.exists():
            servers.append((impl, family, [str(exe), "0", *extra], None))
        else:
            note(f"{exe} not built: {impl} skipped")

    native("corio", "io_uring", "bench_net_corio_echo", ("--backend", "io_uring"))
    native("corio_epoll", "epoll", "bench_net_corio_echo", ("--backend", "epoll"))
    native("corio_streams", "io_uring", "bench_net_corio_echo", ("--backend", "io_uring", "--streams"))
    native("corio_streams_epoll", "epoll", "bench_net_corio_echo", ("--backend", "epoll", "--streams"))
    native("c_uring", "io_uring", "bench_net_c_uring_echo")
    native("c_epoll", "epoll", "bench_net_c_epoll_echo")
    native("boost_asio", "epoll", "bench_net_asio_echo")
    native("libuv", "epoll", "bench_net_libuv_echo")

    tokio = (build_tokio(build_dir) if build else build_dir / "tokio_echo" / "release" / "tokio_echo")
    if tokio and tokio.exists():
        servers.append(("tokio", "epoll", [str(tokio), "0"], None))
    elif not build:
        note("tokio_echo not built (run without --no-build): Tokio peer skipped")
    go = build_go(build_dir) if build else build_dir / "go_peer" / "go_echo"
    if go and go.exists():
        servers.append(("go", "epoll", [str(go), "0"], dict(os.environ, GOMAXPROCS="1")))
    elif not build:
        note("go_echo not built (run without --no-build): Go peer skipped")
    uv_py = find_python_with("uvloop")
    script = str(NET / "asyncio_echo.py")
    if uv_py:
        servers.append(("uvloop", "epoll", [uv_py, script, "0", "--loop", "uvloop"], None))
    else:
        note("uvloop is not importable by python3 or /usr/bin/python3 (python3-uvloop): uvloop peer skipped")
    # asyncio on the same interpreter as uvloop (Debian's), so that the two differ by the loop only.
    servers.append(("asyncio", "epoll", [uv_py or sys.executable, script, "0"], None))
    return servers
