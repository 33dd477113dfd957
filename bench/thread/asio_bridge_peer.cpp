// Boost.Asio peer of bench/thread/bridge.cpp (impl "boost_asio"); see bench/README.md ("thread").
// Output: JSON lines.
//
//   thread.to_thread             roundtrip_ns_p50/_p99: a coroutine on an io_context (concurrency
//                                hint 1) hops to an `asio::thread_pool` and back, one at a time:
//                                `co_await asio::post(pool, use_awaitable)` runs the (empty)
//                                hand-off on a pool thread, which posts the coroutine's resumption
//                                back to the io_context (the completion's associated executor)
//   thread.call_soon_threadsafe  wakeup_ns_p50/_p99: a plain thread reads the steady clock and
//                                `asio::post`s a handler to an io_context idle in run() (kept
//                                running by a work guard; about 100 us between posts, so that it
//                                sleeps in epoll_wait); the handler reads the clock again
//   thread.pool_throughput       jobs_per_s: one thread posts N no-op jobs to an
//                                `asio::thread_pool` of hardware_concurrency threads with
//                                `asio::use_future` (a std::future per job, as corio's
//                                `submit`) and waits for each
//
// An io_context without any I/O object waits for work on a condition variable; with one (here an
// unused steady_timer, as any real program has sockets or timers) its idle thread sleeps in
// epoll_wait, and other threads wake it through its eventfd, as corio's loop.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "common/jsonl_reporter.hpp"

namespace {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

// As bridge.cpp.
constexpr int latency_samples = 10'000;
constexpr int latency_warmup = 200;
constexpr auto idle_gap = std::chrono::microseconds(50);
constexpr int pool_jobs = 200'000;

std::size_t hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

std::int64_t ns_between(clock_type::time_point a, clock_type::time_point b) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

void report_percentiles(benchmark::State& state, std::vector<std::int64_t>& ns,
                        const std::string& prefix) {
    if (ns.empty()) {
        state.SkipWithError("no samples");
        return;
    }
    std::sort(ns.begin(), ns.end());
    const auto at = [&](double p) { return double(ns[std::size_t(p * double(ns.size() - 1))]); };
    corio::bench::report_value(state, prefix + "_p50", "ns", at(0.50));
    corio::bench::report_value(state, prefix + "_p99", "ns", at(0.99));
}

void no_op() noexcept { benchmark::ClobberMemory(); }

// ---- thread.to_thread ---------------------------------------------------------------------------

asio::awaitable<void> round_trips(asio::thread_pool& pool, std::vector<std::int64_t>& ns) {
    for (int i = 0; i < latency_warmup; ++i) co_await asio::post(pool, asio::use_awaitable);
    for (int i = 0; i < latency_samples; ++i) {
        const auto start = clock_type::now();
        co_await asio::post(pool, asio::use_awaitable);
        ns.push_back(ns_between(start, clock_type::now()));
    }
}

void to_thread_roundtrip(benchmark::State& state) {
    std::vector<std::int64_t> ns;
    ns.reserve(latency_samples);
    for (auto _ : state) {
        asio::io_context ctx(1);
        const asio::steady_timer reactor(ctx);  // see the file comment
        asio::thread_pool pool(hardware_threads());
        std::exception_ptr error;
        asio::co_spawn(ctx, round_trips(pool, ns), [&error](std::exception_ptr e) { error = e; });
        ctx.run();
        pool.join();
        if (error) std::rethrow_exception(error);
    }
    report_percentiles(state, ns, "roundtrip_ns");
}

// ---- thread.call_soon_threadsafe ----------------------------------------------------------------

void post_wakeup(benchmark::State& state) {
    std::vector<std::int64_t> ns;
    ns.reserve(latency_samples);
    for (auto _ : state) {
        asio::io_context ctx(1);
        const asio::steady_timer reactor(ctx);  // see the file comment
        auto guard = asio::make_work_guard(ctx);
        std::atomic<int> ran{0};
        std::thread poster([&] {
            for (int i = 0; i < latency_warmup + latency_samples; ++i) {
                std::this_thread::sleep_for(idle_gap);  // the io_context goes back to epoll_wait
                const auto sent = clock_type::now();
                asio::post(ctx, [&ns, &ran, sent, i] {
                    const auto now = clock_type::now();
                    if (i >= latency_warmup) ns.push_back(ns_between(sent, now));
                    ran.store(i + 1, std::memory_order_release);
                    ran.notify_one();
                });
                for (int seen = ran.load(std::memory_order_acquire); seen != i + 1;
                     seen = ran.load(std::memory_order_acquire)) {
                    ran.wait(seen, std::memory_order_acquire);
                }
            }
            asio::post(ctx, [&guard] { guard.reset(); });
        });
        ctx.run();
        poster.join();
    }
    report_percentiles(state, ns, "wakeup_ns");
}

// ---- thread.pool_throughput ---------------------------------------------------------------------

void pool_throughput(benchmark::State& state) {
    const std::size_t threads = hardware_threads();
    asio::thread_pool pool(threads);  // its threads start here
    std::vector<std::future<void>> futures;
    futures.reserve(pool_jobs);
    clock_type::duration elapsed{};
    for (auto _ : state) {
        const auto start = clock_type::now();
        for (int i = 0; i < pool_jobs; ++i) {
            futures.push_back(asio::post(pool, asio::use_future(no_op)));
        }
        for (auto& f : futures) f.get();
        elapsed += clock_type::now() - start;
        futures.clear();
    }
    corio::bench::set_items_per_iteration(state, pool_jobs);
    const double seconds = std::chrono::duration<double>(elapsed).count();
    if (seconds > 0) {
        corio::bench::report_value(state, "jobs_per_s", "jobs/s",
                                   double(pool_jobs) * double(state.iterations()) / seconds);
    }
}

benchmark::internal::Benchmark* once(benchmark::internal::Benchmark* b) {
    return b->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
}

[[maybe_unused]] const bool registered = [] {
    once(
        benchmark::RegisterBenchmark("thread.to_thread/boost_asio/roundtrip", to_thread_roundtrip));
    once(
        benchmark::RegisterBenchmark("thread.call_soon_threadsafe/boost_asio/wakeup", post_wakeup));
    benchmark::RegisterBenchmark("thread.pool_throughput/boost_asio/job_ns", pool_throughput)
        ->Repetitions(5)
        ->MinTime(0.2)
        ->ReportAggregatesOnly(true)
        ->UseRealTime();
    return true;
}();

}  // namespace

CORIO_BENCH_MAIN()
