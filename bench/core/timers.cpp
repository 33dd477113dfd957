// The loop's timer queue with a million pending timers: corio's timing wheel
// (corio::detail::timer_queue), the indexed 4-ary heap it replaced (heap_timer_queue.hpp, impl
// "binary_heap") and a std::multimap. What each benchmark measures: bench/README.md
// ("core.timers"). Output: JSON lines (bench/common/jsonl_reporter.hpp).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <corio/core/detail/timer_queue.hpp>

#include "common/jsonl_reporter.hpp"
#include "core/heap_timer_queue.hpp"

namespace {

using namespace std::chrono_literals;
using corio::duration;
using corio::time_point;

constexpr std::size_t pending = 1'000'000;  ///< timers queued during the measurements
constexpr std::size_t batch = 1024;         ///< timers inserted then cancelled per iteration
/// Repetitions (the median is reported) and minimum time per repetition: the whole binary runs
/// in about 20 s of CPU on a 2-core machine, mostly building queues of a million timers.
constexpr int repetitions = 5;
constexpr int expire_repetitions = 3;
constexpr double min_time_s = 0.1;

/// "Now" for every benchmark: a steady-clock-like time, far from the epoch.
constexpr time_point start = time_point(3h + 123456789ns);

/// Deadlines `lo` to `hi` from `start`, uniform with nanosecond resolution, as real timeouts are.
std::vector<time_point> deadlines(std::size_t n, std::uint64_t seed, duration lo = 1ms,
                                  duration hi = 60s) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int64_t> delay(lo.count(), hi.count());
    std::vector<time_point> out(n);
    for (auto& d : out) d = start + duration(delay(rng));
    return out;
}

// ---- the implementations, behind one shape ------------------------------------------------------

struct wheel {
    using node = corio::detail::timer_node;
    corio::detail::timer_queue q;
    wheel() { q.pop_expired(start); }  // the loop polls before it sleeps: the wheel's position
    void insert(node* n) { q.insert(n); }
    void cancel(node* n) { q.remove(n); }
    node* pop_expired(time_point now) { return q.pop_expired(now); }
};

struct heap {
    using node = corio_bench::heap_timer_node;
    corio_bench::heap_timer_queue q;
    void insert(node* n) { q.insert(n); }
    void cancel(node* n) { q.remove(n); }
    node* pop_expired(time_point now) { return q.pop_expired(now); }
};

/// An ordered map keyed by deadline; equal keys keep insertion order. One allocation per timer.
struct multimap {
    struct node {
        time_point deadline{};
        std::multimap<time_point, node*>::iterator it;
    };
    std::multimap<time_point, node*> q;
    void insert(node* n) { n->it = q.emplace(n->deadline, n); }
    void cancel(node* n) { q.erase(n->it); }
    node* pop_expired(time_point now) {
        if (q.empty() || q.begin()->first > now) return nullptr;
        node* n = q.begin()->second;
        q.erase(q.begin());
        return n;
    }
};

/// A queue holding `pending` timers due within a minute, and what the benchmarks add to it.
template <class Impl>
struct loaded_queue {
    static constexpr std::size_t stream = std::size_t{1} << 20;

    Impl impl;
    std::vector<typename Impl::node> nodes{pending};
    std::vector<typename Impl::node> extra{batch};        ///< due within a minute
    std::vector<typename Impl::node> short_extra{batch};  ///< due within 50 ms
    std::vector<std::size_t> cancel_order;
    std::vector<std::size_t> churn_index;  ///< which pending timer to re-arm, and when
    std::vector<time_point> churn_deadline;
    std::size_t churn_next = 0;

    loaded_queue() {
        const auto d = deadlines(pending, 1);
        for (std::size_t i = 0; i < pending; ++i) {
            nodes[i].deadline = d[i];
            impl.insert(&nodes[i]);
        }
        const auto e = deadlines(batch, 2);
        const auto s = deadlines(batch, 3, 1ms, 50ms);
        for (std::size_t i = 0; i < batch; ++i) {
            extra[i].deadline = e[i];
            short_extra[i].deadline = s[i];
            cancel_order.push_back(i);
        }
        std::mt19937_64 rng(4);
        std::shuffle(cancel_order.begin(), cancel_order.end(), rng);
        churn_index.resize(stream);
        for (auto& i : churn_index) i = rng() % pending;
        churn_deadline = deadlines(stream, 5);
    }

    /// One per impl, built on first use (a million inserts) and shared by the benchmarks, which
    /// leave the pending timers as they found them (or, churn, as many, equally spread).
    static loaded_queue& get() {
        static auto q = std::make_unique<loaded_queue>();
        return *q;
    }
};

/// core.timers insert_cancel_ns (`short_timers` false) and insert_cancel_short_ns (true): with a
/// million timers pending within a minute, insert `batch` timers due within a minute (or within
/// 50 ms: earlier than nearly all pending ones, a heap's worst case), then cancel them in another
/// random order; ns per insert + cancel.
template <class Impl, bool short_timers>
void insert_cancel(benchmark::State& state) {
    auto& loaded = loaded_queue<Impl>::get();
    Impl& impl = loaded.impl;
    auto& extra = short_timers ? loaded.short_extra : loaded.extra;
    for (auto _ : state) {
        for (auto& n : extra) impl.insert(&n);
        for (std::size_t i : loaded.cancel_order) impl.cancel(&extra[i]);
    }
    benchmark::DoNotOptimize(impl);
    corio::bench::set_items_per_iteration(state, batch);
}

/// core.timers rearm_ns: with a million timers pending within a minute, cancel one picked at
/// random and insert it again due within a minute (a connection re-arming its idle timeout);
/// ns per cancel + insert. Every access is to a cold timer, as in a real server.
template <class Impl>
void rearm(benchmark::State& state) {
    auto& loaded = loaded_queue<Impl>::get();
    Impl& impl = loaded.impl;
    for (auto _ : state) {
        for (std::size_t k = 0; k < batch; ++k) {
            const std::size_t at = loaded.churn_next++ % loaded_queue<Impl>::stream;
            auto& n = loaded.nodes[loaded.churn_index[at]];
            impl.cancel(&n);
            n.deadline = loaded.churn_deadline[at];
            impl.insert(&n);
        }
    }
    benchmark::DoNotOptimize(impl);
    corio::bench::set_items_per_iteration(state, batch);
}

/// core.timers expire_ns: a million timers due over the next 60 s fire as the clock advances in
/// 1 ms steps (the loop pops what is due after each poll); ns per timer fired. Set-up untimed.
template <class Impl>
void expire(benchmark::State& state) {
    const auto d = deadlines(pending, 4);
    for (auto _ : state) {
        auto impl = std::make_unique<Impl>();
        std::vector<typename Impl::node> nodes(pending);
        for (std::size_t i = 0; i < pending; ++i) {
            nodes[i].deadline = d[i];
            impl->insert(&nodes[i]);
        }
        std::size_t fired = 0;
        const auto t0 = corio::bench::thread_cpu_clock::now();
        for (time_point now = start; fired < pending; now += 1ms) {
            while (impl->pop_expired(now)) ++fired;
        }
        const auto t1 = corio::bench::thread_cpu_clock::now();
        state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
        if (fired != pending) state.SkipWithError("not every timer fired");
    }
    corio::bench::set_items_per_iteration(state, pending);
}

void timed(benchmark::internal::Benchmark* b) {
    b->Repetitions(repetitions)->MinTime(min_time_s)->ReportAggregatesOnly(true);
}

void timed_manual(benchmark::internal::Benchmark* b) {
    b->Repetitions(expire_repetitions)->Iterations(1)->UseManualTime()->ReportAggregatesOnly(true);
}

#define CORIO_TIMER_BENCHES(IMPL, NAME)                                          \
    BENCHMARK(insert_cancel<IMPL, false>)                                        \
        ->Name("core.timers/" NAME "/insert_cancel_ns")                          \
        ->Apply(timed);                                                          \
    BENCHMARK(insert_cancel<IMPL, true>)                                         \
        ->Name("core.timers/" NAME "/insert_cancel_short_ns")                    \
        ->Apply(timed);                                                          \
    BENCHMARK(rearm<IMPL>)->Name("core.timers/" NAME "/rearm_ns")->Apply(timed); \
    BENCHMARK(expire<IMPL>)->Name("core.timers/" NAME "/expire_ns")->Apply(timed_manual)

CORIO_TIMER_BENCHES(wheel, "corio");
CORIO_TIMER_BENCHES(heap, "binary_heap");
CORIO_TIMER_BENCHES(multimap, "std_multimap");

/// Notes on the targets (not asserted), to stderr after the run.
void print_targets(const std::vector<corio::bench::result>& results) {
    for (const char* metric : {"insert_cancel_ns", "insert_cancel_short_ns", "rearm_ns"}) {
        if (auto v = corio::bench::find(results, "core.timers", "corio", metric)) {
            std::fprintf(stderr,
                         "target: core.timers %s (insert + cancel, 1,000,000 pending) <= 20 ns: "
                         "%.1f ns (%s)\n",
                         metric, *v, *v <= 20 ? "met" : "NOT met");
        }
    }
}

}  // namespace

CORIO_BENCH_MAIN_WITH(print_targets)
