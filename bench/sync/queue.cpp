// Queue hand-off benchmark (bench/README.md, "sync"): one producer task puts N ints into a
// `corio::queue<int>`, one consumer task gets them, both on one loop; ns per item.
//
//   sync.queue  item_ns_unbounded     maxsize 0: the producer never waits
//   sync.queue  item_ns_maxsize_1     every put waits for the consumer (ping-pong)
//   sync.queue  item_ns_maxsize_64    batches of up to 64 items
//   sync.queue  item_ns_maxsize_1024
//
// The peers run the same shapes: queue_bench.py (asyncio.Queue, uvloop), asio_queue_peer.cpp
// (Boost.Asio experimental::channel), go_peer/ (a Go buffered channel), and
// bench/core/tokio_peer's tokio_sync_peer (tokio::sync::mpsc).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <corio/core.hpp>
#include <corio/sync.hpp>

#include "common/jsonl_reporter.hpp"

namespace {

/// Items handed over per run, for every shape.
constexpr int items = 1'000'000;

corio::task<void> producer(corio::queue<int>& q, int n) {
    for (int i = 0; i < n; ++i) co_await q.put(i);
}

corio::task<void> consumer(corio::queue<int>& q, int n, std::int64_t& sum) {
    std::int64_t s = 0;
    for (int i = 0; i < n; ++i) s += co_await q.get();
    sum = s;
}

/// The consumer starts first (it finds the queue empty and waits), then the producer.
corio::task<void> hand_off(std::size_t maxsize, int n, std::int64_t& sum) {
    corio::queue<int> q(maxsize);
    auto c = corio::create_task(consumer(q, n, sum));
    auto p = corio::create_task(producer(q, n));
    co_await c;
    co_await p;
}

void queue_corio(benchmark::State& state) {
    const auto maxsize = static_cast<std::size_t>(state.range(0));
    const std::int64_t expected = std::int64_t{items} * (items - 1) / 2;
    corio::event_loop loop;
    for (auto _ : state) {
        std::int64_t sum = 0;
        loop.run_until_complete(hand_off(maxsize, items, sum));
        if (sum != expected) state.SkipWithError("sync.queue/corio: wrong sum");
    }
    corio::bench::set_items_per_iteration(state, items);
}

/// Median of 5 repetitions of at least 0.2 s each, as the other sync and core benchmarks.
benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b) {
    return b->Repetitions(5)->MinTime(0.2)->ReportAggregatesOnly(true);
}

constexpr std::size_t shapes[] = {0, 1, 64, 1024};

std::string metric_of(std::size_t maxsize) {
    return maxsize == 0 ? "item_ns_unbounded" : "item_ns_maxsize_" + std::to_string(maxsize);
}

[[maybe_unused]] const bool registered = [] {
    for (std::size_t maxsize : shapes) {
        timed(benchmark::RegisterBenchmark(("sync.queue/corio/" + metric_of(maxsize)).c_str(),
                                           queue_corio)
                  ->Arg(static_cast<std::int64_t>(maxsize)));
    }
    return true;
}();

void print_targets(const std::vector<corio::bench::result>& results) {
    for (std::size_t maxsize : shapes) {
        const std::string metric = metric_of(maxsize);
        if (auto v = corio::bench::find(results, "sync.queue", "corio", metric)) {
            std::fprintf(stderr, "target: sync.queue %s <= 20 ns: %.1f ns (%s)\n", metric.c_str(),
                         *v, *v <= 20 ? "met" : "NOT met");
        }
    }
    std::fprintf(stderr,
                 "note: the other target (>= 2x the best peer) is read off bench/report.py's "
                 "table\n");
}

}  // namespace

CORIO_BENCH_MAIN_WITH(print_targets)
