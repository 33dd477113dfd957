// net::socket on both backends: TCP over IPv4 and IPv6, UDP, Unix sockets, descriptors of
// other libraries, over real loopback sockets.
#include <array>
#include <cerrno>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net/socket.hpp>

#include "backend_param.hpp"

namespace {

using corio::task;
using corio::net::address;
using corio::net::socket;

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

std::string text(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

/// Reads until end of file.
task<std::string> read_all(socket& s) {
    std::string out;
    std::array<std::byte, 1024> buf;
    while (std::size_t n = co_await s.recv(buf)) out += text(std::span(buf).first(n));
    co_return out;
}

/// Accepts one connection and echoes it until end of file, then closes it.
task<void> echo_once(socket& listener) {
    socket conn = co_await listener.accept();
    std::array<std::byte, 256> buf;
    while (std::size_t n = co_await conn.recv(buf)) co_await conn.send_all(std::span(buf).first(n));
}

class Socket : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(Socket);

TEST_P(Socket, LoopUsesTheBackendItWasAskedFor) {
    corio::event_loop loop(options());
    EXPECT_EQ(loop.backend_name(),
              GetParam() == corio::io_backend_kind::epoll ? "epoll" : "io_uring");
}

task<std::string> tcp_echo_round_trip(address where) {
    socket listener = corio::net::tcp_listen(where);
    const address bound = listener.local_address();
    auto server = corio::create_task(echo_once(listener));
    socket client = co_await corio::net::tcp_connect(bound);
    EXPECT_EQ(client.peer_address(), bound);
    co_await client.send_all(bytes("hello, "));
    co_await client.send_all(bytes("corio"));
    client.shutdown(corio::net::shutdown_how::write);
    std::string answer = co_await read_all(client);
    co_await server;
    co_return answer;
}

TEST_P(Socket, TcpEchoOverIpv4) {
    EXPECT_EQ(run(tcp_echo_round_trip(address::loopback_ipv4(0))), "hello, corio");
}

TEST_P(Socket, TcpEchoOverIpv6) {
    try {
        socket probe = corio::net::tcp_listen(address::loopback_ipv6(0));
    } catch (const corio::io_error&) {
        GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
    EXPECT_EQ(run(tcp_echo_round_trip(address::loopback_ipv6(0))), "hello, corio");
}

TEST_P(Socket, ListenerPicksAFreePortAndReportsIt) {
    socket listener = corio::net::tcp_listen(address::loopback_ipv4(0));
    EXPECT_NE(listener.local_address().port(), 0);
    EXPECT_TRUE(listener.local_address().is_loopback());
}

TEST_P(Socket, ConnectToAClosedPortRaisesConnectionRefused) {
    // A port just freed: nothing listens there.
    std::uint16_t port;
    {
        socket s = corio::net::tcp_listen(address::loopback_ipv4(0));
        port = s.local_address().port();
    }
    auto main = [](std::uint16_t p) -> task<void> {
        co_await corio::net::tcp_connect(address::loopback_ipv4(p));
    };
    EXPECT_THROW(run(main(port)), corio::connection_refused_error);
}

TEST_P(Socket, ManyConnectionsAreServedConcurrently) {
    auto main = []() -> task<int> {
        socket listener = corio::net::tcp_listen(address::loopback_ipv4(0), 64);
        const address where = listener.local_address();
        constexpr int clients = 50;
        auto server = corio::spawn([&]() -> task<void> {
            co_await corio::task_group::run([&](corio::task_group& g) -> task<void> {
                for (int i = 0; i < clients; ++i) {
                    g.spawn(
                        [](socket& c) -> task<void> {
                            std::array<std::byte, 64> buf;
                            while (std::size_t n = co_await c.recv(buf))
                                co_await c.send_all(std::span(buf).first(n));
                        },
                        co_await listener.accept());
                }
            });
        });
        int ok = 0;
        co_await corio::task_group::run([&](corio::task_group& g) -> task<void> {
            for (int i = 0; i < clients; ++i) {
                g.spawn(
                    [](address to, int i, int* ok) -> task<void> {
                        socket s = co_await corio::net::tcp_connect(to);
                        const std::string msg = "client " + std::to_string(i);
                        co_await s.send_all(bytes(msg));
                        s.shutdown(corio::net::shutdown_how::write);
                        if (co_await read_all(s) == msg) ++*ok;
                    },
                    where, i, &ok);
            }
            co_return;
        });
        co_await server;
        co_return ok;
    };
    EXPECT_EQ(run(main()), 50);
}

TEST_P(Socket, UdpDatagramsCarryTheirSender) {
    auto main = []() -> task<void> {
        socket a = socket::udp();
        a.bind(address::loopback_ipv4(0));
        socket b = socket::udp();
        b.bind(address::loopback_ipv4(0));
        EXPECT_EQ(co_await b.send_to(bytes("ping"), a.local_address()), 4u);
        std::array<std::byte, 64> buf;
        auto [n, from] = co_await a.recv_from(buf);
        EXPECT_EQ(text(std::span(buf).first(n)), "ping");
        EXPECT_EQ(from, b.local_address());
        co_await a.send_to(bytes("pong"), from);
        auto [m, from_a] = co_await b.recv_from(buf);
        EXPECT_EQ(text(std::span(buf).first(m)), "pong");
        EXPECT_EQ(from_a, a.local_address());
        // Connected: plain send and recv.
        co_await b.connect(a.local_address());
        co_await b.send(bytes("connected"));
        n = co_await a.recv(buf);
        EXPECT_EQ(text(std::span(buf).first(n)), "connected");
    };
    run(main());
}

TEST_P(Socket, UnixStreamSocketsByPathAndByPair) {
    auto main = []() -> task<void> {
        const std::string path = "/tmp/corio-socket-test-" + std::to_string(::getpid());
        ::unlink(path.c_str());
        socket listener =
            socket::open(corio::net::address_family::unix_domain, corio::net::socket_type::stream);
        listener.bind(address::unix_path(path));
        listener.listen();
        auto server = corio::create_task(echo_once(listener));
        socket client =
            socket::open(corio::net::address_family::unix_domain, corio::net::socket_type::stream);
        co_await client.connect(address::unix_path(path));
        co_await client.send_all(bytes("over a path"));
        client.shutdown(corio::net::shutdown_how::write);
        EXPECT_EQ(co_await read_all(client), "over a path");
        co_await server;
        ::unlink(path.c_str());

        auto [x, y] = socket::pair();
        co_await x.send_all(bytes("over a pair"));
        x.close();
        EXPECT_EQ(co_await read_all(y), "over a pair");
    };
    run(main());
}

TEST_P(Socket, UnixDatagramPair) {
    auto main = []() -> task<void> {
        auto [x, y] = socket::pair(corio::net::socket_type::datagram);
        co_await x.send(bytes("one"));
        co_await x.send(bytes("two"));
        std::array<std::byte, 16> buf;
        EXPECT_EQ(text(std::span(buf).first(co_await y.recv(buf))), "one");
        EXPECT_EQ(text(std::span(buf).first(co_await y.recv(buf))), "two");
    };
    run(main());
}

TEST_P(Socket, WaitReadableOnAPipeOfAnotherLibrary) {
    auto main = []() -> task<std::string> {
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
        auto writer = corio::spawn(
            [](int fd) -> task<void> {
                co_await corio::sleep(std::chrono::milliseconds(5));
                EXPECT_EQ(::write(fd, "x", 1), 1);
            },
            fds[1]);
        co_await corio::net::wait_writable(fds[1]);  // an empty pipe is writable at once
        const std::uint32_t events = co_await corio::net::wait_readable(fds[0]);
        EXPECT_NE(events & 0x001 /*POLLIN*/, 0u);
        char c = 0;
        EXPECT_EQ(::read(fds[0], &c, 1), 1);
        co_await writer;
        ::close(fds[0]);
        ::close(fds[1]);
        co_return std::string(1, c);
    };
    EXPECT_EQ(run(main()), "x");
}

TEST_P(Socket, LargeTransferArrivesByteExactAndInOrder) {
    auto main = []() -> task<void> {
        auto [x, y] = socket::pair();
        std::vector<std::byte> data(8 << 20);
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::byte(i * 131 + (i >> 16));
        auto writer = corio::spawn([&]() -> task<void> {
            co_await x.send_all(data);
            x.shutdown(corio::net::shutdown_how::write);
        });
        std::vector<std::byte> got;
        std::array<std::byte, 65536> buf;
        while (std::size_t n = co_await y.recv(buf))
            got.insert(got.end(), buf.begin(), buf.begin() + n);
        co_await writer;
        EXPECT_TRUE(got == data);
    };
    run(main());
}

TEST_P(Socket, OperationsNeedARunningLoop) {
    socket s = socket::tcp();
    EXPECT_THROW((void)s.recv({}), std::logic_error);
}

}  // namespace
