// A task that is always ready must starve neither I/O nor timers (the issue's fault case "a busy
// always-ready task beside an echo connection and a 1 ms timer"). Timing is never asserted in a
// test, so fairness is counted in the busy task's own steps, which the loop bounds:
// - I/O: the loop polls its backend at least once every 61 task steps (event_loop.cpp,
//   `poll_interval`), and a loopback round trip needs a handful of polls (the client's send, the
//   server's receive and send, the client's receive), so the busy task runs a bounded number of
//   steps per round trip, however long the test runs.
// - Timers: a due timer fires in the first iteration that reads a clock past its deadline, and
//   its callback runs in the iteration after: at most a few steps after the busy task itself saw
//   the deadline pass.
// Without fairness the busy task would run forever; it gives up after a cap, and the test fails.
// (bench/net's latency figures give the same story in milliseconds.)
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <corio/core.hpp>
#include <corio/net.hpp>

#include "../net/backend_param.hpp"
#include "../net/stream_test_util.hpp"

namespace {

using corio::task;
using corio::net::socket;
using corio_test::bytes;
using namespace std::chrono_literals;

class Fairness : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(Fairness);

struct counts {
    std::uint64_t steps = 0;             ///< the busy task's steps so far
    bool done = false;                   ///< the echo client and the timer are both finished
    int round_trips = 0;                 ///< echo round trips completed
    std::uint64_t worst_round_trip = 0;  ///< most busy steps during one round trip
    int timer_fires = 0;
    corio::time_point timer_due = corio::time_point::max();
    std::uint64_t due_seen_at = 0;      ///< the busy step that first saw timer_due pass
    std::uint64_t worst_timer_lag = 0;  ///< most busy steps between that and the callback
};

constexpr std::uint64_t step_cap = 20'000'000;  // far beyond what a fair loop needs
constexpr int round_trip_goal = 2'000;
constexpr int timer_goal = 50;

task<void> busy(counts* c) {
    corio::event_loop& loop = corio::get_running_loop();
    while (!c->done && c->steps < step_cap) {
        ++c->steps;
        if (c->due_seen_at == 0 && loop.time() >= c->timer_due) c->due_seen_at = c->steps;
        co_await corio::yield_now();
    }
}

task<void> echo_server(socket* listener) {
    socket conn = co_await listener->accept();
    std::array<std::byte, 256> buf;
    while (std::size_t n = co_await conn.recv(buf)) {
        co_await conn.send_all(std::span(buf.data(), n));
    }
}

task<void> echo_client(corio::net::address to, counts* c) {
    socket s = co_await corio::net::tcp_connect(to);
    const std::string message(64, 'x');
    std::array<std::byte, 64> buf;
    while (c->round_trips < round_trip_goal && c->steps < step_cap) {
        const std::uint64_t start = c->steps;
        co_await s.send_all(bytes(message));
        std::size_t got = 0;
        while (got < message.size()) {
            const std::size_t n = co_await s.recv(std::span(buf.data(), buf.size() - got));
            if (n == 0) co_return;
            got += n;
        }
        c->worst_round_trip = std::max(c->worst_round_trip, c->steps - start);
        ++c->round_trips;
    }
}

/// A 1 ms timer, re-armed from its own callback `timer_goal` times.
void arm_timer(corio::event_loop& loop, counts* c) {
    c->timer_due = loop.time() + 1ms;
    c->due_seen_at = 0;
    loop.call_at(c->timer_due, [&loop, c] {
        // Zero: the busy task has not run since the deadline passed (it is yet to see it).
        if (c->due_seen_at != 0) {
            c->worst_timer_lag = std::max(c->worst_timer_lag, c->steps - c->due_seen_at);
        }
        if (++c->timer_fires < timer_goal) {
            arm_timer(loop, c);
        } else {
            c->timer_due = corio::time_point::max();
        }
    });
}

TEST_P(Fairness, AnAlwaysReadyTaskStarvesNeitherAnEchoConnectionNorATimer) {
    auto main = [](counts* c) -> task<void> {
        socket listener = corio::net::tcp_listen(corio::net::address::loopback_ipv4(0));
        auto server = corio::spawn(echo_server, &listener);
        auto spinner = corio::spawn(busy, c);
        arm_timer(corio::get_running_loop(), c);
        co_await echo_client(listener.local_address(), c);
        while (c->timer_fires < timer_goal && c->steps < step_cap) co_await corio::sleep(1ms);
        c->done = true;
        co_await spinner;
        co_await server;
    };
    counts c;
    run(corio_test::bounded(main(&c)));
    ASSERT_LT(c.steps, step_cap) << "the busy task ran alone: I/O or the timer starved";
    EXPECT_EQ(c.round_trips, round_trip_goal);
    EXPECT_EQ(c.timer_fires, timer_goal);
    // A round trip takes a few polls; one comes at least every 61 steps.
    EXPECT_LE(c.worst_round_trip, 8u * 61u) << "steps: " << c.steps;
    // Seen due at one step, fired at the next iteration, its callback run at the one after.
    EXPECT_LE(c.worst_timer_lag, 3u);
    std::printf("busy steps %llu, worst per round trip %llu, worst timer lag %llu steps\n",
                static_cast<unsigned long long>(c.steps),
                static_cast<unsigned long long>(c.worst_round_trip),
                static_cast<unsigned long long>(c.worst_timer_lag));
}

// An idle loop on epoll receives on one descriptor, runs the tasks that woke, and only then
// receives on the next: a reply goes out next to its request instead of after every receive of
// the batch. (On io_uring the kernel has received on both before the loop sees either.)
TEST_P(Fairness, AnIdleEpollLoopRunsAWokenTaskBeforeTheNextDescriptorsReceive) {
    if (GetParam() != corio::io_backend_kind::epoll) GTEST_SKIP() << "epoll's receives only";
    auto main = []() -> task<std::vector<std::string>> {
        std::vector<std::string> log;
        auto [a_out, a_in] = socket::pair();
        auto [b_out, b_in] = socket::pair();
        std::array<std::byte, 8> a_buf{};
        std::array<std::byte, 8> b_buf{};
        auto first = corio::spawn([&]() -> task<void> {
            const std::size_t n = co_await a_in.recv(a_buf);
            // b's bytes have arrived, but its receive has not been made yet.
            log.push_back("a got " + std::to_string(n) + ", b's buffer holds '" +
                          std::string(reinterpret_cast<const char*>(b_buf.data())) + "'");
        });
        auto second = corio::spawn([&]() -> task<void> {
            const std::size_t n = co_await b_in.recv(b_buf);
            log.push_back("b got " + std::to_string(n));
        });
        co_await corio::sleep(1ms);  // both wait in their recv
        // Plain system calls: both arrive before the loop's next wait, a's first.
        EXPECT_EQ(::send(a_out.fd(), "aaa", 3, 0), 3);
        EXPECT_EQ(::send(b_out.fd(), "bb", 2, 0), 2);
        co_await first;
        co_await second;
        co_return log;
    };
    EXPECT_EQ(run(main()), (std::vector<std::string>{"a got 3, b's buffer holds ''", "b got 2"}));
}

}  // namespace
