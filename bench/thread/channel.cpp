// corio::channel between threads and loops (bench/README.md, "thread").
//
// Throughput: one producer sends N ints, one consumer receives them; wall-clock ns per item (the
// two sides run on two threads, so the CPU time of one of them would say little), and the same as
// items per second.
//
//   thread.channel  item_ns_thread_thread_cap_<n>  plain thread -> plain thread (blocking forms)
//   thread.channel  item_ns_thread_loop_cap_64     plain thread -> task on a loop
//   thread.channel  item_ns_loop_thread_cap_64     task on a loop -> plain thread
//   thread.channel  item_ns_loop_loop_cap_64       task on loop A -> task on loop B
//   (each also as items_per_s_<same suffix>, unit items/s)
//
// Hand-off latency: the sender stamps each item with the steady clock just before sending it and
// the receiver reads the clock as soon as it has it; the sender then waits for an acknowledgement,
// so every item finds the receiver waiting (the latency of a wake-up, not of a queue).
//
//   thread.channel_latency  p50_ns_thread_thread / p99_ns_thread_thread
//   thread.channel_latency  p50_ns_thread_loop   / p99_ns_thread_loop
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include <corio/core.hpp>
#include <corio/thread.hpp>

#include "common/jsonl_reporter.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

constexpr int items = 200'000;
constexpr int round_trips = 20'000;
constexpr std::int64_t expected_sum = std::int64_t{items} * (items - 1) / 2;

/// Median of 5 repetitions of at least 0.2 s each, in wall-clock time (see the file comment).
benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b) {
    return b->Repetitions(5)->MinTime(0.2)->ReportAggregatesOnly(true)->UseRealTime();
}

/// Declares the items per iteration (for item_ns_*) and reports the same as items per second,
/// from the wall-clock time the caller measured over all iterations.
void finish_throughput(benchmark::State& state, clock_type::duration elapsed,
                       const std::string& suffix) {
    corio::bench::set_items_per_iteration(state, items);
    const double seconds = std::chrono::duration<double>(elapsed).count();
    if (seconds > 0) {
        corio::bench::report_value(state, "items_per_s_" + suffix, "items/s",
                                   double(items) * double(state.iterations()) / seconds);
    }
}

// ---- throughput ---------------------------------------------------------------------------------

void thread_to_thread(benchmark::State& state) {
    const auto capacity = static_cast<std::size_t>(state.range(0));
    clock_type::duration elapsed{};
    for (auto _ : state) {
        const auto start = clock_type::now();
        corio::channel<int> ch(capacity);
        std::int64_t sum = 0;
        std::thread consumer([&] {
            while (auto v = ch.receive_blocking()) sum += *v;
        });
        for (int i = 0; i < items; ++i) ch.send_blocking(i);
        ch.close();
        consumer.join();
        elapsed += clock_type::now() - start;
        if (sum != expected_sum) state.SkipWithError("thread.channel: wrong sum");
    }
    finish_throughput(state, elapsed, "thread_thread_cap_" + std::to_string(capacity));
}

corio::task<std::int64_t> consume(corio::channel<int>& ch) {
    std::int64_t sum = 0;
    while (auto v = co_await ch.receive()) sum += *v;
    co_return sum;
}

corio::task<void> produce(corio::channel<int>& ch) {
    for (int i = 0; i < items; ++i) co_await ch.send(i);
    ch.close();
}

void thread_to_loop(benchmark::State& state) {
    corio::event_loop loop;
    clock_type::duration elapsed{};
    for (auto _ : state) {
        const auto start = clock_type::now();
        corio::channel<int> ch(64);
        std::thread producer([&] {
            for (int i = 0; i < items; ++i) ch.send_blocking(i);
            ch.close();
        });
        const std::int64_t sum = loop.run_until_complete(consume(ch));
        producer.join();
        elapsed += clock_type::now() - start;
        if (sum != expected_sum) state.SkipWithError("thread.channel: wrong sum");
    }
    finish_throughput(state, elapsed, "thread_loop_cap_64");
}

void loop_to_thread(benchmark::State& state) {
    corio::event_loop loop;
    clock_type::duration elapsed{};
    for (auto _ : state) {
        const auto start = clock_type::now();
        corio::channel<int> ch(64);
        std::int64_t sum = 0;
        std::thread consumer([&] {
            while (auto v = ch.receive_blocking()) sum += *v;
        });
        loop.run_until_complete(produce(ch));
        consumer.join();
        elapsed += clock_type::now() - start;
        if (sum != expected_sum) state.SkipWithError("thread.channel: wrong sum");
    }
    finish_throughput(state, elapsed, "loop_thread_cap_64");
}

void loop_to_loop(benchmark::State& state) {
    corio::event_loop loop;
    clock_type::duration elapsed{};
    for (auto _ : state) {
        const auto start = clock_type::now();
        corio::channel<int> ch(64);
        std::int64_t sum = 0;
        std::thread other([&] { sum = corio::run(consume(ch)); });
        loop.run_until_complete(produce(ch));
        other.join();
        elapsed += clock_type::now() - start;
        if (sum != expected_sum) state.SkipWithError("thread.channel: wrong sum");
    }
    finish_throughput(state, elapsed, "loop_loop_cap_64");
}

// ---- latency ------------------------------------------------------------------------------------

std::int64_t stamp() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               clock_type::now().time_since_epoch())
        .count();
}

void report_percentiles(benchmark::State& state, std::vector<std::int64_t>& ns,
                        const std::string& suffix) {
    if (ns.empty()) return;
    std::sort(ns.begin(), ns.end());
    const auto at = [&](double p) { return double(ns[std::size_t(p * double(ns.size() - 1))]); };
    corio::bench::report_value(state, "p50_ns_" + suffix, "ns", at(0.50));
    corio::bench::report_value(state, "p99_ns_" + suffix, "ns", at(0.99));
}

void latency_thread_thread(benchmark::State& state) {
    std::vector<std::int64_t> ns;
    ns.reserve(std::size_t(round_trips) * 8);
    for (auto _ : state) {
        corio::channel<std::int64_t> ch(1);
        corio::channel<int> ack(1);
        std::thread receiver([&] {
            while (auto sent = ch.receive_blocking()) {
                ns.push_back(stamp() - *sent);
                ack.send_blocking(0);
            }
        });
        for (int i = 0; i < round_trips; ++i) {
            ch.send_blocking(stamp());
            (void)ack.receive_blocking();
        }
        ch.close();
        receiver.join();
    }
    report_percentiles(state, ns, "thread_thread");
}

corio::task<void> receive_stamps(corio::channel<std::int64_t>& ch, corio::channel<int>& ack,
                                 std::vector<std::int64_t>& ns) {
    while (auto sent = co_await ch.receive()) {
        ns.push_back(stamp() - *sent);
        co_await ack.send(0);
    }
}

void latency_thread_loop(benchmark::State& state) {
    std::vector<std::int64_t> ns;
    ns.reserve(std::size_t(round_trips) * 8);
    corio::event_loop loop;
    for (auto _ : state) {
        corio::channel<std::int64_t> ch(1);
        corio::channel<int> ack(1);
        std::thread sender([&] {
            for (int i = 0; i < round_trips; ++i) {
                ch.send_blocking(stamp());
                (void)ack.receive_blocking();
            }
            ch.close();
        });
        loop.run_until_complete(receive_stamps(ch, ack, ns));
        sender.join();
    }
    report_percentiles(state, ns, "thread_loop");
}

[[maybe_unused]] const bool registered = [] {
    for (std::int64_t capacity : {1, 64, 1024}) {
        timed(benchmark::RegisterBenchmark(
                  ("thread.channel/corio/item_ns_thread_thread_cap_" + std::to_string(capacity))
                      .c_str(),
                  thread_to_thread)
                  ->Arg(capacity));
    }
    timed(benchmark::RegisterBenchmark("thread.channel/corio/item_ns_thread_loop_cap_64",
                                       thread_to_loop));
    timed(benchmark::RegisterBenchmark("thread.channel/corio/item_ns_loop_thread_cap_64",
                                       loop_to_thread));
    timed(benchmark::RegisterBenchmark("thread.channel/corio/item_ns_loop_loop_cap_64",
                                       loop_to_loop));
    timed(benchmark::RegisterBenchmark("thread.channel_latency/corio/thread_thread",
                                       latency_thread_thread));
    timed(benchmark::RegisterBenchmark("thread.channel_latency/corio/thread_loop",
                                       latency_thread_loop));
    return true;
}();

}  // namespace

CORIO_BENCH_MAIN()
