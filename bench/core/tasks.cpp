// Benchmarks of corio's async core: awaiting a ready task, yield_now round trips, spawning tasks,
// the memory of a sleeping task, and a million real-clock sleepers. The peers are
// asio_peer.cpp (Boost.Asio), tokio_peer/ (Tokio) and asyncio_bench.py (asyncio, uvloop); what
// each benchmark measures: bench/README.md ("core"). Output: JSON lines.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <corio/core.hpp>
#include <corio/core/detail/frame_allocator.hpp>

#include "alloc_counter.hpp"
#include "common/jsonl_reporter.hpp"
#include "support.hpp"

namespace {

namespace ac = corio::bench::alloc_counter;
namespace cb = corio::bench::core;
using cb::await_count;
using cb::spawn_count;
using cb::timed;
using cb::yield_count;
using corio::bench::report_value;
using corio::bench::set_items_per_iteration;
using namespace std::chrono_literals;

/// The heap bytes of the frame pool's chunks on this thread. The pool takes them from
/// posix_memalign, which the counting `operator new` does not see, so the memory measurements add
/// the change in this (whole 64 KiB chunks: a task counts its share of their headers and tails).
double frame_pool_bytes() {
    return static_cast<double>(corio::detail::frame_pool_thread_stats().owned_bytes);
}

// ---- core.await: co_await of a task that completes at once -------------------------------------

corio::task<int> ready_value(int v) { co_return v; }

corio::task<std::int64_t> await_loop(int n) {
    std::int64_t sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await ready_value(i);
    co_return sum;
}

void await_corio(benchmark::State& state) {
    corio::event_loop loop;
    const std::int64_t expected = std::int64_t{await_count} * (await_count - 1) / 2;
    for (auto _ : state) {
        if (loop.run_until_complete(await_loop(await_count)) != expected) {
            state.SkipWithError("core.await/corio: wrong sum");
        }
    }
    set_items_per_iteration(state, await_count);
    // What one await allocates (the child's frame): the difference between 1000 awaits and none.
    ac::start();
    (void)loop.run_until_complete(await_loop(0));
    const std::int64_t base = ac::allocations;
    ac::start();
    (void)loop.run_until_complete(await_loop(1000));
    ac::stop();
    report_value(state, "allocs_per_await", "count",
                 static_cast<double>(ac::allocations - base) / 1000.0);
}

// ---- core.yield: yield_now round trips through the loop ----------------------------------------

corio::task<void> yielder(int n) {
    for (int i = 0; i < n; ++i) co_await corio::yield_now();
}

void yield_corio(benchmark::State& state) {
    corio::event_loop loop;
    for (auto _ : state) loop.run_until_complete(yielder(yield_count));
    set_items_per_iteration(state, yield_count);
}

/// The same with a timer pending an hour away (a server's idle timeouts): the loop looks for due
/// timers every iteration, which must cost next to nothing while none is due.
void yield_timer_pending_corio(benchmark::State& state) {
    corio::event_loop loop;
    auto pending = loop.call_later(std::chrono::hours(1), [] {});
    for (auto _ : state) loop.run_until_complete(yielder(yield_count));
    set_items_per_iteration(state, yield_count);
    pending.cancel();
}

/// Two tasks yielding in turn: each yield hands the loop to the other task.
corio::task<void> ping_pong(int n) {
    auto a = corio::create_task(yielder(n));
    auto b = corio::create_task(yielder(n));
    co_await a;
    co_await b;
}

void ping_pong_corio(benchmark::State& state) {
    corio::event_loop loop;
    for (auto _ : state) loop.run_until_complete(ping_pong(yield_count / 2));
    set_items_per_iteration(state, yield_count);  // yields in all
}

// ---- core.spawn: create_task + completion ------------------------------------------------------

corio::task<void> trivial() { co_return; }

corio::task<void> spawn_all(int n) {
    std::vector<corio::task_handle<void>> tasks;
    tasks.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) tasks.push_back(corio::create_task(trivial()));
    for (auto& t : tasks) co_await t;
}

void spawn_corio(benchmark::State& state) {
    corio::event_loop loop;
    for (auto _ : state) loop.run_until_complete(spawn_all(spawn_count));
    set_items_per_iteration(state, spawn_count);
    // The heap bytes one task costs while it exists (record + root frame), peak per task.
    const double pool0 = frame_pool_bytes();
    ac::start();
    (void)loop.create_task(trivial());
    const double bytes = static_cast<double>(ac::live_bytes) + frame_pool_bytes() - pool0;
    ac::stop();
    loop.run_until_complete(trivial());  // lets the task above finish
    report_value(state, "bytes_per_task", "bytes", bytes);
}

[[maybe_unused]] const bool registered = [] {
    timed(benchmark::RegisterBenchmark("core.await/corio/await_ns", await_corio));
    timed(benchmark::RegisterBenchmark("core.yield/corio/yield_ns", yield_corio));
    timed(benchmark::RegisterBenchmark("core.yield_pingpong/corio/yield_ns", ping_pong_corio));
    timed(benchmark::RegisterBenchmark("core.yield_timer_pending/corio/yield_ns",
                                       yield_timer_pending_corio));
    timed(benchmark::RegisterBenchmark("core.spawn/corio/task_ns", spawn_corio));
    return true;
}();

// ---- child processes: memory of sleeping tasks, a million sleepers ------------------------------

corio::task<void> sleep_an_hour() { co_await corio::sleep(1h); }

corio::task<void> yield_once() { co_await corio::yield_now(); }

/// `n` tasks, each asleep for an hour: the heap bytes and RSS they add, per task.
int memory_child(std::size_t n) {
    corio::event_loop loop;
    loop.run_until_complete(yield_once());  // the loop's own lazy set-up is not counted
    const double rss0 = cb::rss_bytes();
    const double pool0 = frame_pool_bytes();
    ac::start();
    for (std::size_t i = 0; i < n; ++i) (void)loop.create_task(sleep_an_hour());
    // The sleepers run first (FIFO), so once this task has yielded, all of them are asleep.
    loop.run_until_complete(yield_once());
    ac::stop();
    const double heap = static_cast<double>(ac::live_bytes) + frame_pool_bytes() - pool0;
    const double rss1 = cb::rss_bytes();
    if (loop.all_tasks().size() != n) {
        std::fprintf(stderr, "core.sleeper_memory/corio: not all tasks are asleep\n");
        return 1;
    }
    cb::emit_sleeper_memory("corio", n, heap, rss1 - rss0);
    for (auto& t : loop.all_tasks()) t.cancel();
    loop.run_until_complete(yield_once());
    return 0;
}

std::size_t sleepers_left = 0;

corio::task<void> sleeper(corio::duration delay) {
    co_await corio::sleep(delay);
    if (--sleepers_left == 0) corio::get_running_loop().stop();
}

/// `n` tasks each sleeping `sleeper_delay(i)` (1 to 3 s) on the real clock: wall time and peak RSS.
int sleepers_child(std::size_t n) {
    const auto start = std::chrono::steady_clock::now();
    corio::event_loop loop;
    sleepers_left = n;
    for (std::size_t i = 0; i < n; ++i) (void)loop.create_task(sleeper(cb::sleeper_delay(i)));
    loop.run_forever();
    cb::emit_sleepers("corio", n, cb::seconds_since(start));
    return 0;
}

/// Notes on the targets (not asserted), to stderr after the run.
void print_targets(const std::vector<corio::bench::result>& results) {
    using corio::bench::find;
    auto note = [&](const char* bench, const char* metric, const char* what, double target) {
        if (auto v = find(results, bench, "corio", metric)) {
            std::fprintf(stderr, "target: %s %s <= %g ns: %.1f ns (%s)\n", bench, what, target, *v,
                         *v <= target ? "met" : "NOT met");
        }
    };
    note("core.await", "await_ns", "co_await of a ready task", 2);
    note("core.yield", "yield_ns", "yield_now round trip", 20);
    note("core.yield_pingpong", "yield_ns", "yield_now round trip (2 tasks)", 20);
    note("core.spawn", "task_ns", "create_task + completion", 60);
}

}  // namespace

int main(int argc, char** argv) {
    return cb::main_with_children(argc, argv, memory_child, sleepers_child, print_targets);
}
