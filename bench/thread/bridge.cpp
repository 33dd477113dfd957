// The bridge between threads and loops: `to_thread`, `call_soon_threadsafe`, `thread_pool`
// (bench/README.md, "thread"). Output: JSON lines; notes on the targets on stderr.
//
//   thread.to_thread             roundtrip_ns_p50, roundtrip_ns_p99: a task on a loop awaits
//                                `co_await corio::to_thread(no-op)`, one at a time; the steady
//                                clock is read before the call and after the task resumes
//   thread.call_soon_threadsafe  wakeup_ns_p50, wakeup_ns_p99: a plain thread reads the steady
//                                clock and posts a callback to a loop idle in epoll_wait (it
//                                waits about 100 us between posts so that the loop is asleep);
//                                the callback reads the clock again. The eventfd wake-up of an
//                                idle loop, the realistic case. Impl "raw_eventfd": the floor
//                                on this machine, without a loop: the thread reads the clock and
//                                writes to an eventfd that another thread waits for in
//                                epoll_wait, which reads the clock when epoll_wait returns.
//   thread.pool_throughput       jobs_per_s: one thread submits N no-op jobs to a thread_pool of
//                                hardware_concurrency threads and waits for all their futures;
//                                jobs_per_s_from_task: the same from a task
//                                (`loop.run_in_executor(pool, no-op)`, then `co_await` of each
//                                future). Wall-clock time (two threads or more at work)
//   thread.parallel_speedup      speedup: wall time of a CPU-bound job (counting the primes below
//                                3,000,000 by trial division, about 0.3 s) on the calling thread
//                                divided by its wall time split into 256 chunks over a
//                                thread_pool of hardware_concurrency threads; the best of 5 runs
//                                of each, alternated. Also hardware_threads, serial_ms,
//                                parallel_ms, and serial_cpu_ms, parallel_cpu_ms: the CPU time
//                                of the process (all threads) in each run, the best of 5. Equal
//                                if splitting the job costs nothing: then only other processes
//                                keep the speed-up below the number of cores.
//
// Latencies are percentiles of many single samples (no batching), in wall-clock nanoseconds:
// on a loaded machine they include the time the woken thread waits for a core, so run it on an
// idle one, or several times and take the best.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/thread.hpp>

#include "common/jsonl_reporter.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

constexpr int latency_samples = 10'000;
constexpr int latency_warmup = 200;
/// Between two posts of the wake-up benchmark: long enough for the loop to be back in epoll_wait.
constexpr auto idle_gap = std::chrono::microseconds(50);
constexpr int pool_jobs = 200'000;
constexpr std::uint32_t prime_limit = 3'000'000;
constexpr std::uint32_t prime_chunks = 256;
constexpr int speedup_runs = 5;

std::size_t hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

std::int64_t ns_between(clock_type::time_point a, clock_type::time_point b) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

/// Reports `<prefix>_p50` and `<prefix>_p99` of the samples, in ns.
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

corio::task<void> to_thread_round_trips(std::vector<std::int64_t>& ns) {
    for (int i = 0; i < latency_warmup; ++i) co_await corio::to_thread(no_op);
    for (int i = 0; i < latency_samples; ++i) {
        const auto start = clock_type::now();
        co_await corio::to_thread(no_op);
        ns.push_back(ns_between(start, clock_type::now()));
    }
}

void to_thread_roundtrip(benchmark::State& state) {
    std::vector<std::int64_t> ns;
    ns.reserve(latency_samples);
    for (auto _ : state) {
        corio::event_loop loop;
        loop.run_until_complete(to_thread_round_trips(ns));
    }
    report_percentiles(state, ns, "roundtrip_ns");
}

// ---- thread.call_soon_threadsafe ----------------------------------------------------------------

void call_soon_threadsafe_wakeup(benchmark::State& state) {
    std::vector<std::int64_t> ns;
    ns.reserve(latency_samples);
    for (auto _ : state) {
        corio::event_loop loop;
        std::atomic<int> ran{0};
        std::thread poster([&] {
            for (int i = 0; i < latency_warmup + latency_samples; ++i) {
                std::this_thread::sleep_for(idle_gap);  // the loop goes back to epoll_wait
                const auto sent = clock_type::now();
                loop.call_soon_threadsafe([&ns, &ran, sent, i] {
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
            loop.call_soon_threadsafe([&loop] { loop.stop(); });
        });
        loop.run_forever();
        poster.join();
    }
    report_percentiles(state, ns, "wakeup_ns");
}

/// The kernel's part alone: an eventfd written by one thread, waited for by another in epoll_wait.
void raw_eventfd_wakeup(benchmark::State& state) {
    std::vector<std::int64_t> ns;
    ns.reserve(latency_samples);
    for (auto _ : state) {
        const int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        const int ep = ::epoll_create1(EPOLL_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        if (efd < 0 || ep < 0 || ::epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0) {
            state.SkipWithError("eventfd/epoll set-up failed");
            break;
        }
        std::atomic<clock_type::rep> sent{0};
        std::atomic<int> ran{0};
        const int total = latency_warmup + latency_samples;
        std::thread poster([&] {
            for (int i = 0; i < total; ++i) {
                std::this_thread::sleep_for(idle_gap);  // the waiter goes back to epoll_wait
                sent.store(clock_type::now().time_since_epoch().count(), std::memory_order_relaxed);
                const std::uint64_t one = 1;
                [[maybe_unused]] auto w = ::write(efd, &one, sizeof one);
                for (int seen = ran.load(std::memory_order_acquire); seen != i + 1;
                     seen = ran.load(std::memory_order_acquire)) {
                    ran.wait(seen, std::memory_order_acquire);
                }
            }
        });
        for (int i = 0; i < total; ++i) {
            epoll_event got{};
            while (::epoll_wait(ep, &got, 1, -1) != 1) {
            }
            const auto now = clock_type::now();
            std::uint64_t value = 0;
            [[maybe_unused]] auto r = ::read(efd, &value, sizeof value);
            const auto then =
                clock_type::time_point(clock_type::duration(sent.load(std::memory_order_relaxed)));
            if (i >= latency_warmup) ns.push_back(ns_between(then, now));
            ran.store(i + 1, std::memory_order_release);
            ran.notify_one();
        }
        poster.join();
        ::close(ep);
        ::close(efd);
    }
    report_percentiles(state, ns, "wakeup_ns");
}

// ---- thread.pool_throughput ---------------------------------------------------------------------

/// Starts every thread of the pool (they start on demand), so that the timing does not include it.
void warm_up(corio::thread_pool& pool) {
    std::atomic<std::size_t> arrived{0};
    const std::size_t n = pool.max_threads();
    std::vector<corio::concurrent_future<void>> futures;
    for (std::size_t i = 0; i < n; ++i) {
        futures.push_back(pool.submit([&arrived, n] {
            arrived.fetch_add(1);
            while (arrived.load() < n) std::this_thread::yield();
        }));
    }
    for (auto& f : futures) f.result();
}

void report_throughput(benchmark::State& state, clock_type::duration elapsed,
                       const std::string& metric) {
    corio::bench::set_items_per_iteration(state, pool_jobs);
    const double seconds = std::chrono::duration<double>(elapsed).count();
    if (seconds > 0) {
        corio::bench::report_value(state, metric, "jobs/s",
                                   double(pool_jobs) * double(state.iterations()) / seconds);
    }
}

void pool_throughput_thread(benchmark::State& state) {
    corio::thread_pool pool({.max_threads = hardware_threads()});
    warm_up(pool);
    std::vector<corio::concurrent_future<void>> futures;
    futures.reserve(pool_jobs);
    clock_type::duration elapsed{};
    for (auto _ : state) {
        const auto start = clock_type::now();
        for (int i = 0; i < pool_jobs; ++i) futures.push_back(pool.submit(no_op));
        for (auto& f : futures) f.result();
        elapsed += clock_type::now() - start;
        futures.clear();
    }
    report_throughput(state, elapsed, "jobs_per_s");
}

corio::task<void> submit_and_await(corio::thread_pool& pool,
                                   std::vector<corio::concurrent_future<void>>& futures) {
    corio::event_loop& loop = corio::get_running_loop();
    for (int i = 0; i < pool_jobs; ++i) futures.push_back(loop.run_in_executor(pool, no_op));
    for (auto& f : futures) co_await f;
}

void pool_throughput_task(benchmark::State& state) {
    corio::thread_pool pool({.max_threads = hardware_threads()});
    warm_up(pool);
    corio::event_loop loop;
    std::vector<corio::concurrent_future<void>> futures;
    futures.reserve(pool_jobs);
    clock_type::duration elapsed{};
    for (auto _ : state) {
        const auto start = clock_type::now();
        loop.run_until_complete(submit_and_await(pool, futures));
        elapsed += clock_type::now() - start;
        futures.clear();
    }
    report_throughput(state, elapsed, "jobs_per_s_from_task");
}

// ---- thread.parallel_speedup --------------------------------------------------------------------

bool is_prime(std::uint32_t n) noexcept {
    if (n < 2) return false;
    if (n % 2 == 0) return n == 2;
    for (std::uint32_t d = 3; d * d <= n; d += 2) {
        if (n % d == 0) return false;
    }
    return true;
}

/// The primes in chunk `c` of [0, prime_limit).
std::uint32_t count_chunk(std::uint32_t c) noexcept {
    const std::uint32_t begin = std::uint32_t(std::uint64_t(prime_limit) * c / prime_chunks);
    const std::uint32_t end = std::uint32_t(std::uint64_t(prime_limit) * (c + 1) / prime_chunks);
    std::uint32_t count = 0;
    for (std::uint32_t n = begin; n < end; ++n) count += is_prime(n) ? 1 : 0;
    return count;
}

/// The CPU time of the whole process (all its threads), `CLOCK_PROCESS_CPUTIME_ID`.
struct process_cpu_clock {
    using duration = std::chrono::nanoseconds;
    using time_point = std::chrono::time_point<process_cpu_clock>;

    static time_point now() noexcept {
        timespec ts{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
    }
};

std::uint32_t count_serial() {
    std::uint32_t total = 0;
    for (std::uint32_t c = 0; c < prime_chunks; ++c) total += count_chunk(c);
    return total;
}

std::uint32_t count_parallel(corio::thread_pool& pool) {
    std::vector<corio::concurrent_future<std::uint32_t>> parts;
    parts.reserve(prime_chunks);
    for (std::uint32_t c = 0; c < prime_chunks; ++c) parts.push_back(pool.submit(count_chunk, c));
    std::uint32_t total = 0;
    for (auto& p : parts) total += p.result();
    return total;
}

void parallel_speedup(benchmark::State& state) {
    const std::size_t threads = hardware_threads();
    corio::thread_pool pool({.max_threads = threads});
    warm_up(pool);
    const std::uint32_t expected = count_serial();  // warms the caches and the CPU's clock too
    auto best_serial = clock_type::duration::max();
    auto best_parallel = clock_type::duration::max();
    auto best_serial_cpu = process_cpu_clock::duration::max();
    auto best_parallel_cpu = process_cpu_clock::duration::max();
    for (auto _ : state) {
        for (int run = 0; run < speedup_runs; ++run) {
            auto start = clock_type::now();
            auto cpu_start = process_cpu_clock::now();
            const std::uint32_t serial = count_serial();
            best_serial = std::min(best_serial, clock_type::now() - start);
            best_serial_cpu = std::min(best_serial_cpu, process_cpu_clock::now() - cpu_start);
            start = clock_type::now();
            cpu_start = process_cpu_clock::now();
            const std::uint32_t parallel = count_parallel(pool);
            best_parallel = std::min(best_parallel, clock_type::now() - start);
            best_parallel_cpu = std::min(best_parallel_cpu, process_cpu_clock::now() - cpu_start);
            if (serial != expected || parallel != expected) {
                state.SkipWithError("thread.parallel_speedup: wrong count");
            }
        }
    }
    const double serial_s = std::chrono::duration<double>(best_serial).count();
    const double parallel_s = std::chrono::duration<double>(best_parallel).count();
    corio::bench::report_value(state, "speedup", "x", serial_s / parallel_s);
    corio::bench::report_value(state, "hardware_threads", "threads", double(threads));
    corio::bench::report_value(state, "serial_ms", "ms", serial_s * 1e3);
    corio::bench::report_value(state, "parallel_ms", "ms", parallel_s * 1e3);
    corio::bench::report_value(state, "serial_cpu_ms", "ms",
                               std::chrono::duration<double, std::milli>(best_serial_cpu).count());
    corio::bench::report_value(
        state, "parallel_cpu_ms", "ms",
        std::chrono::duration<double, std::milli>(best_parallel_cpu).count());
}

// ---- registration and targets ------------------------------------------------------------------

/// Median of 5 repetitions of at least 0.2 s each, in wall-clock time.
benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b) {
    return b->Repetitions(5)->MinTime(0.2)->ReportAggregatesOnly(true)->UseRealTime();
}

/// One run collecting its own samples.
benchmark::internal::Benchmark* once(benchmark::internal::Benchmark* b) {
    return b->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
}

[[maybe_unused]] const bool registered = [] {
    once(benchmark::RegisterBenchmark("thread.to_thread/corio/roundtrip", to_thread_roundtrip));
    once(benchmark::RegisterBenchmark("thread.call_soon_threadsafe/corio/wakeup",
                                      call_soon_threadsafe_wakeup));
    once(benchmark::RegisterBenchmark("thread.call_soon_threadsafe/raw_eventfd/wakeup",
                                      raw_eventfd_wakeup));
    timed(benchmark::RegisterBenchmark("thread.pool_throughput/corio/job_ns",
                                       pool_throughput_thread));
    timed(benchmark::RegisterBenchmark("thread.pool_throughput/corio/job_ns_from_task",
                                       pool_throughput_task));
    once(benchmark::RegisterBenchmark("thread.parallel_speedup/corio/speedup", parallel_speedup));
    return true;
}();

void print_targets(const std::vector<corio::bench::result>& results) {
    if (auto v =
            corio::bench::find(results, "thread.call_soon_threadsafe", "corio", "wakeup_ns_p50")) {
        std::fprintf(stderr,
                     "target: thread.call_soon_threadsafe wakeup_ns_p50 <= 2000 ns: %.0f ns (%s)\n",
                     *v, *v <= 2000 ? "met" : "NOT met");
    }
    if (auto v = corio::bench::find(results, "thread.parallel_speedup", "corio", "speedup")) {
        const double threads =
            corio::bench::find(results, "thread.parallel_speedup", "corio", "hardware_threads")
                .value_or(0);
        std::fprintf(
            stderr,
            "target: thread.parallel_speedup >= 1.9x on 2 cores: %.2fx with %.0f threads (%s)\n",
            *v, threads, *v >= 1.9 ? "met" : "NOT met");
    }
    std::fprintf(stderr,
                 "note: latencies and the speed-up are wall-clock figures: on a loaded machine "
                 "they include waiting for a core\n");
}

}  // namespace

CORIO_BENCH_MAIN_WITH(print_targets)
