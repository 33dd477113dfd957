#!/usr/bin/env python3
"""asyncio and uvloop peers of the loopback echo benchmark (bench/net, impls "asyncio" and
"uvloop"; see bench/net/README.md). Run by bench/net/echo_bench.py, not by scripts/bench's
loop over the bench/**/*.py scripts (it serves until killed).

    python3 bench/net/asyncio_echo.py [PORT] [--loop asyncio|uvloop]

PORT 0 (or none): the kernel picks; the port is the first line printed.

The server is an `asyncio.Protocol` (`loop.create_server`): `data_received` writes the bytes
back through the transport at once. That is asyncio's fast path, the one its own benchmarks and
uvloop's use: no stream reader/writer, no coroutine per connection, so each round trip is a
callback, and the transport's `write` sends at once when nothing is queued. (The streams API,
`start_server` with a coroutine per connection, adds a task wake-up and a buffer copy per
message on top of this.) asyncio sets TCP_NODELAY on its TCP transports.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys


class Echo(asyncio.Protocol):
    __slots__ = ("transport",)

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    def connection_lost(self, exc):
        self.transport = None


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Echo, "127.0.0.1", port, backlog=4096, reuse_address=True)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("port", type=int, nargs="?", default=0)
    ap.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    try:
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
