// corio's echo server of the loopback echo benchmark (bench/net, impls "corio" on io_uring and
// "corio_epoll"; see bench/net/README.md). One thread, one loop, one task per connection,
// written as a user would with `corio::net::socket`: accept in a loop, `corio::spawn` a task per
// connection that receives into a buffer in its frame and sends it back with `send_all`.
//
//   bench_net_corio_echo [PORT] [--backend epoll|io_uring] [--create-task] [--small-buffer]
//                        [--streams] [--spin NS]
//
// PORT 0 (or none): the kernel picks; the port is the first line printed, the backend the loop
// uses the second. Without --backend, the loop's automatic choice (io_uring where the kernel
// allows it, or CORIO_BACKEND=epoll|io_uring). --create-task starts each connection's task with
// `create_task(serve(std::move(conn)))` instead of `spawn(serve, std::move(conn))`: one
// coroutine frame per connection instead of two (spawn's wrapper, which owns the arguments).
// --small-buffer and --spin are for investigations (see bench/net/README.md), not the benchmark.
// --streams (impls "corio_streams" and "corio_streams_epoll"): `start_server` with a handler
// that reads with `stream_reader::read(64 KiB)` and writes back with `stream_writer::write`:
// the connection's receive is multishot, into the loop's provided buffers on io_uring and into
// the backend's scratch buffer on epoll, and an idle connection holds no receive buffer.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <span>
#include <string_view>

#include <sys/resource.h>

#include <corio/core.hpp>
#include <corio/net.hpp>

namespace {

using corio::net::socket;

/// The receive buffer, in the connection's frame: a 4 KiB message (the largest the benchmark
/// sends) comes in one receive, and a short receive tells the epoll backend the socket is drained.
/// `--small-buffer`: 256 bytes instead, to see what the runtime itself keeps per idle connection.
constexpr std::size_t buffer_size = 16384;
constexpr std::size_t small_buffer_size = 256;

/// `--spin NS`: busy work per message (application time), to make the server the bottleneck.
std::int64_t spin_ns = 0;

void spin() {
    if (spin_ns == 0) return;
    const auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(spin_ns);
    while (std::chrono::steady_clock::now() < end) {
    }
}

/// One connection's task. `S` is `socket&` under `spawn`, which keeps its copy of the argument
/// (moved in) alive until the task ends, and `socket` under `--create-task`, where the socket
/// lives in this frame.
template <class S, std::size_t N = buffer_size>
corio::task<void> serve(S conn) {
    std::array<std::byte, N> buf;
    try {
        while (std::size_t n = co_await conn.recv(buf)) {
            spin();
            co_await conn.send_all(std::span(buf).first(n));
        }
    } catch (const corio::io_error&) {
        // reset by the peer, or the like: the connection ends
    }
}

/// `--streams`: one connection's handler, on asyncio's streams.
corio::task<void> serve_stream(corio::net::stream_reader reader, corio::net::stream_writer writer) {
    try {
        for (;;) {
            std::string data = co_await reader.read(65536);
            if (data.empty()) co_return;
            spin();
            writer.write(std::move(data));
            co_await writer.drain();  // waits only while more than 64 KiB are queued
        }
    } catch (const corio::io_error&) {
        // reset by the peer, or the like: the connection ends
    }
}

corio::task<void> serve_streams(std::uint16_t port) {
    corio::net::server_options o;
    o.backlog = 4096;
    auto srv = co_await corio::net::start_server(&serve_stream, "127.0.0.1", port, o);
    std::printf("%u\n%s\n", static_cast<unsigned>(srv.sockets()[0].local_address().port()),
                std::string(corio::get_running_loop().backend_name()).c_str());
    std::fflush(stdout);
    co_await srv.serve_forever();
}

corio::task<void> serve_forever(std::uint16_t port, bool direct, bool small) {
    socket listener = corio::net::tcp_listen(corio::net::address::ipv4("127.0.0.1", port), 4096);
    std::printf("%u\n%s\n", static_cast<unsigned>(listener.local_address().port()),
                std::string(corio::get_running_loop().backend_name()).c_str());
    std::fflush(stdout);
    for (;;) {
        socket conn;
        bool failed = false;
        try {
            conn = co_await listener.accept();
        } catch (const corio::io_error& e) {
            // EMFILE and the like: go on accepting once descriptors free up.
            std::fprintf(stderr, "bench_net_corio_echo: accept on fd %d: %s\n", listener.fd(),
                         e.what());
            failed = true;
        }
        if (failed) {
            co_await corio::sleep(std::chrono::milliseconds(10));
            continue;
        }
        if (small) {
            corio::spawn(serve<socket&, small_buffer_size>, std::move(conn));
        } else if (direct) {
            corio::create_task(serve<socket>(std::move(conn)));
        } else {
            corio::spawn(serve<socket&>, std::move(conn));
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::uint16_t port = 0;
    bool direct = false;
    bool small = false;
    bool streams = false;
    corio::loop_options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--backend" && i + 1 < argc) {
            const std::string_view b = argv[++i];
            if (b == "epoll") {
                options.backend = corio::io_backend_kind::epoll;
            } else if (b == "io_uring" || b == "uring") {
                options.backend = corio::io_backend_kind::io_uring;
            } else if (b != "auto") {
                std::fprintf(stderr, "bench_net_corio_echo: --backend epoll|io_uring|auto\n");
                return 2;
            }
        } else if (a == "--create-task") {
            direct = true;
        } else if (a == "--small-buffer") {
            small = true;
        } else if (a == "--streams") {
            streams = true;
        } else if (a == "--spin" && i + 1 < argc) {
            spin_ns = std::atoll(argv[++i]);
        } else {
            port = static_cast<std::uint16_t>(std::atoi(argv[i]));
        }
    }
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    try {
        if (streams) {
            corio::run(serve_streams(port), options);
        } else {
            corio::run(serve_forever(port, direct, small), options);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_net_corio_echo: %s\n", e.what());
        return 1;
    }
}
