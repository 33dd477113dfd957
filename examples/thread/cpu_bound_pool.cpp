// Seed 000: "If we run two CPU bound operations as two threads then they will run sequentially
// and we will not yield any benefits in Python." In C++ they run in parallel. This counts the
// primes below a bound once on one thread, then split into one chunk per hardware thread on a
// thread_pool, awaiting the chunks from a task, and prints the speed-up.
//
// The counts are the transcript; the timings depend on the machine, so they go to standard
// error (the tour compares standard output only). scripts/bench measures the speed-up properly
// (thread.parallel_speedup).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <thread>
#include <vector>

#include <corio/core.hpp>
#include <corio/thread.hpp>

#include "example.hpp"

namespace {

constexpr std::uint32_t limit = 400'000;

bool is_prime(std::uint32_t n) {
    if (n < 2) return false;
    for (std::uint32_t d = 2; d * d <= n; ++d) {
        if (n % d == 0) return false;
    }
    return true;
}

/// CPU-bound work: the primes in [from, to).
std::uint32_t count_primes(std::uint32_t from, std::uint32_t to) {
    std::uint32_t count = 0;
    for (std::uint32_t n = from; n < to; ++n) count += is_prime(n) ? 1 : 0;
    return count;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

corio::task<void> main_task() {
    auto start = std::chrono::steady_clock::now();
    const std::uint32_t alone = count_primes(0, limit);
    const double one_thread = seconds_since(start);
    std::cout << "one thread: " << alone << " primes below " << limit << '\n';

    const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
    corio::thread_pool pool({.max_threads = threads});
    start = std::chrono::steady_clock::now();
    // Chunks interleave small and large numbers so that each costs about the same.
    constexpr std::uint32_t chunk = 1000;
    std::vector<corio::concurrent_future<std::uint32_t>> parts;
    for (unsigned t = 0; t < threads; ++t) {
        parts.push_back(pool.submit([t, threads] {
            std::uint32_t count = 0;
            for (std::uint32_t from = t * chunk; from < limit; from += threads * chunk) {
                count += count_primes(from, std::min(from + chunk, limit));
            }
            return count;
        }));
    }
    std::uint32_t together = 0;
    for (auto& part : parts) together += co_await part;
    const double pooled = seconds_since(start);
    std::cout << "thread pool: " << together << " primes below " << limit << ", the same\n";
    std::clog << "one thread " << one_thread << " s, " << threads << " threads " << pooled
              << " s: speed-up " << one_thread / pooled << "x\n";
}

}  // namespace

CORIO_EXAMPLE(cpu_bound_pool) { corio::run(main_task()); }
