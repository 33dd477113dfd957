// net::open_connection on both backends: numeric hosts, addresses, host names through
// getaddrinfo on the default executor ("localhost"), a name that does not resolve, refused
// connections, Unix paths, adopted sockets, and a TCP reset seen by the reader.
#include <cerrno>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net.hpp>

#include "backend_param.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio::net::address;
using corio::net::socket;
using corio::net::stream_reader;
using corio::net::stream_writer;
using namespace std::chrono_literals;

class OpenConnection : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(OpenConnection);

using corio_test::echo_lines;

/// One round trip over a new connection to `host`:`port`.
task<std::string> round_trip(std::string host, std::uint16_t port) {
    auto [reader, writer] = co_await corio::net::open_connection(std::move(host), port);
    writer.write("ping\n");
    std::string answer = co_await reader.readline();
    writer.close();
    co_await writer.wait_closed();
    co_return answer;
}

TEST_P(OpenConnection, NumericIpv4Host) {
    auto main = []() -> task<void> {
        auto srv = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0);
        const std::uint16_t port = srv.sockets()[0].local_address().port();
        EXPECT_EQ(co_await round_trip("127.0.0.1", port), "ping\n");
        co_await srv.aclose();
    };
    run(corio_test::bounded(main()));
}

TEST_P(OpenConnection, NumericIpv6Host) {
    try {
        socket probe = corio::net::tcp_listen(address::loopback_ipv6(0));
    } catch (const corio::io_error&) {
        GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
    auto main = []() -> task<void> {
        auto srv = co_await corio::net::start_server(&echo_lines, "::1", 0);
        const std::uint16_t port = srv.sockets()[0].local_address().port();
        EXPECT_EQ(co_await round_trip("::1", port), "ping\n");
        co_await srv.aclose();
    };
    run(corio_test::bounded(main()));
}

TEST_P(OpenConnection, AnAddress) {
    auto main = []() -> task<void> {
        auto srv = co_await corio::net::start_server(&echo_lines, address::loopback_ipv4(0));
        const address where = srv.sockets()[0].local_address();
        auto [reader, writer] = co_await corio::net::open_connection(where);
        EXPECT_EQ(writer.peername(), where);
        writer.write("by address\n");
        EXPECT_EQ(co_await reader.readline(), "by address\n");
        writer.close();  // else wait_closed waits for its handler, as asyncio's does
        co_await srv.aclose();
    };
    run(corio_test::bounded(main()));
}

TEST_P(OpenConnection, LocalhostResolvesOnTheDefaultExecutor) {
    auto main = []() -> task<void> {
        auto srv = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0);
        const std::uint16_t port = srv.sockets()[0].local_address().port();
        // Through getaddrinfo: "localhost" may give ::1 first, where nobody listens; the
        // addresses are tried in order until 127.0.0.1 answers.
        EXPECT_EQ(co_await round_trip("localhost", port), "ping\n");
        co_await srv.aclose();
    };
    run(corio_test::bounded(main()));
}

TEST_P(OpenConnection, AServerOnEveryInterface) {
    auto main = []() -> task<void> {
        auto srv = co_await corio::net::start_server(&echo_lines, "", 0);
        EXPECT_GE(srv.sockets().size(), 1u);
        for (const socket& s : srv.sockets()) {
            const address a = s.local_address();
            if (a.family() != corio::net::address_family::ipv4) continue;
            EXPECT_EQ(a.host(), "0.0.0.0");
            EXPECT_EQ(co_await round_trip("127.0.0.1", a.port()), "ping\n");
        }
        co_await srv.aclose();
    };
    run(corio_test::bounded(main()));
}

TEST_P(OpenConnection, ANameThatDoesNotResolveRaisesResolveError) {
    auto main = []() -> task<void> {
        try {
            co_await corio::net::open_connection("no-such-host.invalid", 80);
            ADD_FAILURE() << "the .invalid domain never resolves";
        } catch (const corio::resolve_error& e) {
            EXPECT_EQ(e.host(), "no-such-host.invalid");
            EXPECT_EQ(&e.code().category(), &corio::resolve_category());
            EXPECT_NE(std::string(e.what()).find("no-such-host.invalid"), std::string::npos);
        }
    };
    run(corio_test::bounded(main()));
}

TEST_P(OpenConnection, RefusedRaisesTheConnectError) {
    std::uint16_t port;
    {
        socket s = corio::net::tcp_listen(address::loopback_ipv4(0));
        port = s.local_address().port();
    }
    auto main = [](std::uint16_t port) -> task<void> {
        EXPECT_THROW(co_await corio::net::open_connection("127.0.0.1", port),
                     corio::connection_refused_error);
        EXPECT_THROW(co_await corio::net::open_connection("localhost", port),
                     corio::connection_refused_error);
    };
    run(corio_test::bounded(main(port)));
}

TEST_P(OpenConnection, UnixPaths) {
    auto main = []() -> task<void> {
        const std::string path = "/tmp/corio-open-connection-" + std::to_string(::getpid());
        try {
            co_await corio::net::open_unix_connection(path);
            ADD_FAILURE() << "nothing listens there";
        } catch (const corio::io_error& e) {
            EXPECT_EQ(e.code().value(), ENOENT);
        }
        auto srv = co_await corio::net::start_unix_server(&echo_lines, path);
        auto [reader, writer] = co_await corio::net::open_unix_connection(path);
        writer.write("unix\n");
        EXPECT_EQ(co_await reader.readline(), "unix\n");
        writer.close();
        co_await srv.aclose();
        // A Linux abstract name, with no file.
        const std::string abstract = std::string(1, '\0') + "corio-" + std::to_string(::getpid());
        auto srv2 = co_await corio::net::start_unix_server(&echo_lines, abstract);
        auto [r2, w2] = co_await corio::net::open_unix_connection(abstract);
        w2.write("abstract\n");
        EXPECT_EQ(co_await r2.readline(), "abstract\n");
        w2.close();
        co_await srv2.aclose();
    };
    run(corio_test::bounded(main()));
}

TEST_P(OpenConnection, AdoptsOnlyOpenStreamSockets) {
    auto main = []() -> task<void> {
        EXPECT_THROW(co_await corio::net::open_connection(socket()), std::invalid_argument);
        EXPECT_THROW(co_await corio::net::open_connection(socket::udp()), std::invalid_argument);
        auto [a, b] = socket::pair();
        auto [reader, writer] = co_await corio::net::open_connection(std::move(a));
        co_await b.send_all(corio_test::bytes("adopted\n"));
        EXPECT_EQ(co_await reader.readline(), "adopted\n");
    };
    run(corio_test::bounded(main()));
}

TEST_P(OpenConnection, AResetIsRaisedByTheReaderAfterTheBufferedBytes) {
    auto main = []() -> task<void> {
        socket listener = corio::net::tcp_listen(address::loopback_ipv4(0));
        auto accepting = corio::spawn(
            [](socket& l) -> task<socket> { co_return co_await l.accept(); }, std::ref(listener));
        auto [reader, writer] = co_await corio::net::open_connection(listener.local_address());
        socket server_side = co_await accepting;
        co_await server_side.send_all(corio_test::bytes("kept\n"));
        EXPECT_EQ(co_await reader.readline(), "kept\n");
        corio_test::close_with_reset(server_side);
        EXPECT_THROW(co_await reader.read(), corio::connection_reset_error);
        EXPECT_FALSE(reader.at_eof());  // not a clean end
        // Kept: raised again, and by the writer.
        EXPECT_THROW(co_await reader.readline(), corio::connection_reset_error);
        EXPECT_THROW(writer.write("x"), corio::connection_reset_error);
        EXPECT_TRUE(writer.is_closing());
    };
    run(corio_test::bounded(main()));
}

TEST_P(OpenConnection, ACancelledConnectLeavesNothingOpen) {
    auto main = []() -> task<void> {
        // 192.0.2.0/24 (TEST-NET-1) is never routed: the connect hangs, or fails at once if
        // the machine has no route at all.
        auto connecting = corio::spawn(
            []() -> task<void> { co_await corio::net::open_connection("192.0.2.1", 9); });
        co_await corio::sleep(5ms);
        connecting.cancel();
        try {
            co_await connecting;
        } catch (const corio::cancelled_error&) {
        } catch (const corio::io_error&) {  // no route: failed before the cancel
        }
    };
    run(corio_test::bounded(main()));
}

}  // namespace
