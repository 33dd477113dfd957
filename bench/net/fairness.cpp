// Latency beside a busy task (the fault case, in milliseconds; tests/io/fairness_test
// proves the same in loop steps): one task that is always ready (it yields forever, doing a
// little work per step), an echo connection doing 64-byte round trips over loopback, and a
// 1 ms timer re-armed from its own callback, all on one loop. The target is a p99 under 10 ms
// for both the round trip and the timer's lateness (when its callback ran minus when it was due).
//
//   net.fairness/<corio|corio_epoll>/{echo_p50_us,echo_p99_us,timer_late_p99_us,busy_steps_per_ms}
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <corio/core.hpp>
#include <corio/net.hpp>

#include "common/jsonl_reporter.hpp"

namespace {

using corio::task;
using corio::bench::report_value;
using corio::net::socket;
using namespace std::chrono_literals;

constexpr auto run_for = 1s;

struct state {
    bool done = false;
    std::uint64_t steps = 0;
    std::vector<double> round_trips_us;
    std::vector<double> timer_late_us;
};

double us(corio::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

task<void> busy(state* s) {
    while (!s->done) {
        ++s->steps;
        // A little application work per step, so the step is not just the loop's own overhead.
        std::uint64_t x = s->steps;
        for (int i = 0; i < 64; ++i) x = x * 6364136223846793005u + 1442695040888963407u;
        benchmark::DoNotOptimize(x);
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

task<void> echo_client(corio::net::address to, state* s) {
    corio::event_loop& loop = corio::get_running_loop();
    socket c = co_await corio::net::tcp_connect(to);
    const std::string message(64, 'x');
    std::array<std::byte, 64> buf;
    while (!s->done) {
        const corio::time_point start = loop.time();
        co_await c.send_all(std::as_bytes(std::span(message)));
        std::size_t got = 0;
        while (got < message.size()) {
            const std::size_t n = co_await c.recv(std::span(buf.data(), buf.size() - got));
            if (n == 0) co_return;
            got += n;
        }
        s->round_trips_us.push_back(us(loop.time() - start));
    }
}

void arm_timer(corio::event_loop& loop, state* s) {
    const corio::time_point due = loop.time() + 1ms;
    loop.call_at(due, [&loop, s, due] {
        s->timer_late_us.push_back(us(loop.time() - due));
        if (!s->done) arm_timer(loop, s);
    });
}

void fairness(benchmark::State& bench, corio::io_backend_kind backend) {
    state s;
    for (auto _ : bench) {
        auto main = [](state* s) -> task<void> {
            socket listener = corio::net::tcp_listen(corio::net::address::loopback_ipv4(0));
            auto server = corio::spawn(echo_server, &listener);
            auto spinner = corio::spawn(busy, s);
            auto client = corio::spawn(echo_client, listener.local_address(), s);
            arm_timer(corio::get_running_loop(), s);
            co_await corio::sleep(run_for);
            s->done = true;
            co_await client;
            co_await spinner;
            co_await server;
            co_await corio::sleep(2ms);  // the last timer callback
        };
        corio::loop_options options;
        options.backend = backend;
        corio::run(main(&s), options);
    }
    const double ms = std::chrono::duration<double, std::milli>(run_for).count();
    report_value(bench, "echo_p50_us", "us", percentile(s.round_trips_us, 0.50));
    report_value(bench, "echo_p99_us", "us", percentile(s.round_trips_us, 0.99));
    report_value(bench, "timer_late_p99_us", "us", percentile(s.timer_late_us, 0.99));
    report_value(bench, "busy_steps_per_ms", "count", static_cast<double>(s.steps) / ms);
}

void corio_uring(benchmark::State& s) { fairness(s, corio::io_backend_kind::io_uring); }
void corio_epoll(benchmark::State& s) { fairness(s, corio::io_backend_kind::epoll); }

}  // namespace

BENCHMARK(corio_uring)
    ->Name("net.fairness/corio/run")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(corio_epoll)
    ->Name("net.fairness/corio_epoll/run")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

CORIO_BENCH_MAIN()
