// Boost.Asio peer of bench/core/tasks.cpp (impl "boost_asio"): the same benchmarks written the
// usual Asio way, with C++20 coroutines (`awaitable`, `co_spawn`), `post` and `steady_timer`, on a
// single-threaded `io_context`. See bench/README.md ("core"). Output: JSON lines.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "alloc_counter.hpp"
#include "common/jsonl_reporter.hpp"
#include "support.hpp"

namespace {

namespace asio = boost::asio;
namespace ac = corio::bench::alloc_counter;
namespace cb = corio::bench::core;
using asio::awaitable;
using asio::use_awaitable;
using cb::await_count;
using cb::spawn_count;
using cb::timed;
using cb::yield_count;
using corio::bench::set_items_per_iteration;
using namespace std::chrono_literals;

/// Runs `a` on `ctx` to completion; rethrows its exception.
template <class T>
T run_awaitable(asio::io_context& ctx, awaitable<T> a) {
    std::optional<T> out;
    std::exception_ptr error;
    asio::co_spawn(ctx, std::move(a), [&](std::exception_ptr e, T v) {
        error = e;
        out.emplace(std::move(v));
    });
    ctx.restart();
    ctx.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
}

void run_awaitable(asio::io_context& ctx, awaitable<void> a) {
    std::exception_ptr error;
    asio::co_spawn(ctx, std::move(a), [&](std::exception_ptr e) { error = e; });
    ctx.restart();
    ctx.run();
    if (error) std::rethrow_exception(error);
}

// ---- core.await ---------------------------------------------------------------------------------

awaitable<int> ready_value(int v) { co_return v; }

awaitable<std::int64_t> await_loop(int n) {
    std::int64_t sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await ready_value(i);
    co_return sum;
}

void await_asio(benchmark::State& state) {
    asio::io_context ctx(1);
    const std::int64_t expected = std::int64_t{await_count} * (await_count - 1) / 2;
    for (auto _ : state) {
        if (run_awaitable(ctx, await_loop(await_count)) != expected) {
            state.SkipWithError("core.await/boost_asio: wrong sum");
        }
    }
    set_items_per_iteration(state, await_count);
}

// ---- core.yield: a post round trip through the io_context ---------------------------------------

awaitable<void> yielder(int n) {
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < n; ++i) co_await asio::post(ex, use_awaitable);
}

void yield_asio(benchmark::State& state) {
    asio::io_context ctx(1);
    for (auto _ : state) run_awaitable(ctx, yielder(yield_count));
    set_items_per_iteration(state, yield_count);
}

void ping_pong_asio(benchmark::State& state) {
    asio::io_context ctx(1);
    for (auto _ : state) {
        asio::co_spawn(ctx, yielder(yield_count / 2), asio::detached);
        asio::co_spawn(ctx, yielder(yield_count / 2), asio::detached);
        ctx.restart();
        ctx.run();
    }
    set_items_per_iteration(state, yield_count);
}

// ---- core.spawn: co_spawn + completion ----------------------------------------------------------

awaitable<void> trivial() { co_return; }

void spawn_asio(benchmark::State& state) {
    asio::io_context ctx(1);
    for (auto _ : state) {
        int done = 0;
        for (int i = 0; i < spawn_count; ++i) {
            asio::co_spawn(ctx, trivial(), [&done](std::exception_ptr) { ++done; });
        }
        ctx.restart();
        ctx.run();  // returns once every spawned coroutine has completed
        if (done != spawn_count) state.SkipWithError("core.spawn/boost_asio: not all completed");
    }
    set_items_per_iteration(state, spawn_count);
}

[[maybe_unused]] const bool registered = [] {
    timed(benchmark::RegisterBenchmark("core.await/boost_asio/await_ns", await_asio));
    timed(benchmark::RegisterBenchmark("core.yield/boost_asio/yield_ns", yield_asio));
    timed(benchmark::RegisterBenchmark("core.yield_pingpong/boost_asio/yield_ns", ping_pong_asio));
    timed(benchmark::RegisterBenchmark("core.spawn/boost_asio/task_ns", spawn_asio));
    return true;
}();

// ---- child processes ----------------------------------------------------------------------------

std::size_t started = 0;

awaitable<void> sleep_an_hour() {
    asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
    ++started;
    co_await timer.async_wait(use_awaitable);
}

int memory_child(std::size_t n) {
    asio::io_context ctx(1);
    run_awaitable(ctx, trivial());  // the context's own lazy set-up is not counted
    const double rss0 = cb::rss_bytes();
    ac::start();
    for (std::size_t i = 0; i < n; ++i) asio::co_spawn(ctx, sleep_an_hour(), asio::detached);
    ctx.restart();
    ctx.poll();  // runs every coroutine up to its timer wait
    ac::stop();
    const double rss1 = cb::rss_bytes();
    if (started != n) {
        std::fprintf(stderr, "core.sleeper_memory/boost_asio: not all coroutines are asleep\n");
        return 1;
    }
    cb::emit_sleeper_memory("boost_asio", n, static_cast<double>(ac::live_bytes), rss1 - rss0);
    std::fflush(stdout);
    std::_Exit(0);  // skip destroying 100,000 pending coroutines
}

awaitable<void> sleeper(std::chrono::microseconds delay) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(use_awaitable);
}

int sleepers_child(std::size_t n) {
    const auto start = std::chrono::steady_clock::now();
    asio::io_context ctx(1);
    for (std::size_t i = 0; i < n; ++i) {
        asio::co_spawn(ctx, sleeper(cb::sleeper_delay(i)), asio::detached);
    }
    ctx.run();  // returns when every timer has fired and every coroutine finished
    cb::emit_sleepers("boost_asio", n, cb::seconds_since(start));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return cb::main_with_children(argc, argv, memory_child, sleepers_child);
}
