// net::tcp_connect(candidates): Happy Eyeballs over real loopback sockets, on both backends.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/net/socket.hpp>

#include "backend_param.hpp"

namespace {

using corio::task;
using corio::net::address;
using corio::net::socket;
using namespace std::chrono_literals;

class HappyEyeballs : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(HappyEyeballs);

/// A free port nothing listens on.
address refusing() {
    socket s = corio::net::tcp_listen(address::loopback_ipv4(0));
    return s.local_address();
}

TEST_P(HappyEyeballs, ARefusedAddressMovesOnToTheNextAtOnce) {
    auto main = []() -> task<void> {
        socket good = corio::net::tcp_listen(address::loopback_ipv4(0));
        const std::vector<address> candidates{refusing(), refusing(), good.local_address()};
        // A delay no test would wait for: only the failures can move the race on.
        socket s = co_await corio::net::tcp_connect(candidates, 1h);
        EXPECT_EQ(s.peer_address(), good.local_address());
    };
    run(main());
}

/// A listener on `where` whose accept queue is full: it drops new SYNs, so connecting to it
/// hangs. `fillers` keeps the connections that filled it.
task<socket> full_listener(address where, std::vector<socket>& fillers) {
    socket full = corio::net::tcp_listen(where, 0);
    for (int i = 0; i < 3; ++i) {
        socket f = socket::tcp(where.family());
        auto attempt =
            corio::spawn([](socket& f, address to) -> task<void> { co_await f.connect(to); },
                         std::ref(f), full.local_address());
        co_await corio::sleep(20ms);
        attempt.cancel();
        try {
            co_await attempt;
        } catch (...) {
        }
        fillers.push_back(std::move(f));
    }
    co_return full;
}

TEST_P(HappyEyeballs, ASilentAddressIsRacedAfterTheDelay) {
    auto main = []() -> task<void> {
        std::vector<socket> fillers;
        socket full = co_await full_listener(address::loopback_ipv4(0), fillers);
        socket good = corio::net::tcp_listen(address::loopback_ipv4(0));
        const std::vector<address> candidates{full.local_address(), good.local_address()};
        socket s = co_await corio::net::tcp_connect(candidates, 50ms);
        EXPECT_EQ(s.peer_address(), good.local_address());
    };
    run(main());
}

TEST_P(HappyEyeballs, EveryAttemptFailingRaisesTheFirstError) {
    auto main = []() -> task<void> {
        const std::vector<address> candidates{refusing(), refusing()};
        EXPECT_THROW(co_await corio::net::tcp_connect(candidates, 1h),
                     corio::connection_refused_error);
        EXPECT_THROW(co_await corio::net::tcp_connect(std::vector<address>{}),
                     std::invalid_argument);
    };
    run(main());
}

TEST_P(HappyEyeballs, FamiliesAlternate) {
    try {
        socket probe = corio::net::tcp_listen(address::loopback_ipv6(0));
    } catch (const corio::io_error&) {
        GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
    auto main = []() -> task<void> {
        // Given IPv6, IPv6, IPv4, the IPv4 address is tried second (RFC 8305): the first hangs,
        // and after the delay the race goes to the IPv4 listener, not to the second IPv6 one
        // (which would answer too).
        std::vector<socket> fillers;
        socket silent6 = co_await full_listener(address::loopback_ipv6(0), fillers);
        socket other6 = corio::net::tcp_listen(address::loopback_ipv6(0));
        socket good4 = corio::net::tcp_listen(address::loopback_ipv4(0));
        const std::vector<address> candidates{silent6.local_address(), other6.local_address(),
                                              good4.local_address()};
        socket s = co_await corio::net::tcp_connect(candidates, 50ms);
        EXPECT_EQ(s.peer_address(), good4.local_address());
    };
    run(main());
}

}  // namespace
