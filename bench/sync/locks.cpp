// Benchmarks of corio's sync primitives (bench/README.md, "sync"): an uncontended lock, a
// semaphore passed back and forth between two tasks, and an event set and waited for.
//
//   sync.lock       acquire_release_ns  co_await lock.acquire() + release(), nobody else waiting
//   sync.semaphore  pingpong_ns         two tasks handing one permit back and forth (per hand-off)
//   sync.event      set_wait_ns         one task waits, another sets and clears (per round)
#include <cstdio>
#include <vector>

#include <benchmark/benchmark.h>

#include <corio/core.hpp>
#include <corio/sync.hpp>

#include "common/jsonl_reporter.hpp"

namespace {

constexpr int rounds = 1'000'000;

corio::task<void> lock_loop(corio::lock& l, int n) {
    for (int i = 0; i < n; ++i) {
        co_await l.acquire();
        l.release();
    }
}

void lock_uncontended(benchmark::State& state) {
    corio::event_loop loop;
    corio::lock l;
    for (auto _ : state) loop.run_until_complete(lock_loop(l, rounds));
    corio::bench::set_items_per_iteration(state, rounds);
}

/// Each task takes the only permit, yields, and gives it back: the other, waiting, gets it.
corio::task<void> permit_player(corio::semaphore& s, int n) {
    for (int i = 0; i < n; ++i) {
        auto permit = co_await s.scoped();
        co_await corio::yield_now();
    }
}

corio::task<void> permit_pingpong(corio::semaphore& s, int n) {
    auto a = corio::create_task(permit_player(s, n));
    auto b = corio::create_task(permit_player(s, n));
    co_await a;
    co_await b;
}

void semaphore_pingpong(benchmark::State& state) {
    corio::event_loop loop;
    corio::semaphore s(1);
    for (auto _ : state) loop.run_until_complete(permit_pingpong(s, rounds / 2));
    corio::bench::set_items_per_iteration(state, rounds);
}

corio::task<void> event_setter(corio::event& go, corio::event& done, int n) {
    for (int i = 0; i < n; ++i) {
        go.set();
        co_await done.wait();
        done.clear();
    }
}

corio::task<void> event_waiter(corio::event& go, corio::event& done, int n) {
    for (int i = 0; i < n; ++i) {
        co_await go.wait();
        go.clear();
        done.set();
    }
}

corio::task<void> event_rounds(int n) {
    corio::event go;
    corio::event done;
    auto w = corio::create_task(event_waiter(go, done, n));
    co_await event_setter(go, done, n);
    co_await w;
}

void event_set_wait(benchmark::State& state) {
    corio::event_loop loop;
    for (auto _ : state) loop.run_until_complete(event_rounds(rounds / 10));
    corio::bench::set_items_per_iteration(state, rounds / 10);
}

/// Median of 5 repetitions of at least 0.2 s each, as the core benchmarks.
benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b) {
    return b->Repetitions(5)->MinTime(0.2)->ReportAggregatesOnly(true);
}

[[maybe_unused]] const bool registered = [] {
    timed(benchmark::RegisterBenchmark("sync.lock/corio/acquire_release_ns", lock_uncontended));
    timed(benchmark::RegisterBenchmark("sync.semaphore/corio/pingpong_ns", semaphore_pingpong));
    timed(benchmark::RegisterBenchmark("sync.event/corio/set_wait_ns", event_set_wait));
    return true;
}();

void print_targets(const std::vector<corio::bench::result>& results) {
    if (auto v = corio::bench::find(results, "sync.lock", "corio", "acquire_release_ns")) {
        std::fprintf(stderr,
                     "target: sync.lock uncontended acquire + release <= 3 ns: %.1f ns (%s)\n", *v,
                     *v <= 3 ? "met" : "NOT met");
    }
}

}  // namespace

CORIO_BENCH_MAIN_WITH(print_targets)
