// Boost.Asio peer of the loopback echo benchmark (bench/net, impl "boost_asio"; see
// bench/net/README.md): Boost 1.81, C++20 coroutines, one io_context (concurrency hint 1) run
// by one thread, its default reactor (epoll). One coroutine per connection, co_spawned by the
// acceptor's; each receives into a buffer in its frame (16 KiB, as corio's) and writes it back
// with async_write.
//
//   bench_net_asio_echo [PORT]     (0 or nothing: the kernel picks; the port is printed first)
#include <array>
#include <cstdio>
#include <cstdlib>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <sys/resource.h>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

asio::awaitable<void> serve(tcp::socket conn) {
    std::array<char, 16384> buf;
    try {
        for (;;) {
            const std::size_t n =
                co_await conn.async_read_some(asio::buffer(buf), asio::use_awaitable);
            co_await asio::async_write(conn, asio::buffer(buf.data(), n), asio::use_awaitable);
        }
    } catch (const std::exception&) {
        // end of file (asio::error::eof) or reset: the connection ends
    }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
        tcp::socket conn = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(acceptor.get_executor(), serve(std::move(conn)), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 0);
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    asio::io_context ctx(1);
    tcp::acceptor acceptor(ctx);
    const tcp::endpoint where(asio::ip::make_address_v4("127.0.0.1"), port);
    acceptor.open(where.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    // Accepted sockets inherit TCP_NODELAY from the listener (Linux), as every server here has it.
    acceptor.set_option(tcp::no_delay(true));
    acceptor.bind(where);
    acceptor.listen(4096);
    std::printf("%u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);
    asio::co_spawn(ctx, accept_loop(acceptor), asio::detached);
    ctx.run();
}
