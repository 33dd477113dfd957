// Boost.Asio peer of bench/sync/queue.cpp (impl "boost_asio"): one producer coroutine sends N
// ints on a `boost::asio::experimental::channel<void(error_code, int)>`, one consumer coroutine
// receives them, both `co_spawn`ed on a single-threaded `io_context`; ns per item. See
// bench/README.md ("sync"). Output: JSON lines.
//
// `channel` is the single-threaded one (`concurrent_channel` adds a mutex). It has no unbounded
// mode: for `item_ns_unbounded` its capacity is N, so the sender never waits, as with an
// unbounded queue. The capacity is the number of buffered items, as a queue's maxsize.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include "common/jsonl_reporter.hpp"

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using channel = asio::experimental::channel<void(boost::system::error_code, int)>;

/// Items handed over per run, for every shape (as in queue.cpp).
constexpr int items = 1'000'000;

awaitable<void> producer(channel& ch, int n) {
    for (int i = 0; i < n; ++i)
        co_await ch.async_send(boost::system::error_code{}, i, use_awaitable);
}

awaitable<void> consumer(channel& ch, int n, std::int64_t& sum) {
    std::int64_t s = 0;
    for (int i = 0; i < n; ++i) s += co_await ch.async_receive(use_awaitable);
    sum = s;
}

void queue_asio(benchmark::State& state) {
    const auto maxsize = static_cast<std::size_t>(state.range(0));
    const std::int64_t expected = std::int64_t{items} * (items - 1) / 2;
    asio::io_context ctx(1);
    for (auto _ : state) {
        channel ch(ctx, maxsize == 0 ? items : maxsize);
        std::int64_t sum = 0;
        std::exception_ptr error;
        auto done = [&error](std::exception_ptr e) {
            if (e) error = e;
        };
        // The consumer starts first (it finds the channel empty and waits), then the producer.
        asio::co_spawn(ctx, consumer(ch, items, sum), done);
        asio::co_spawn(ctx, producer(ch, items), done);
        ctx.restart();
        ctx.run();
        if (error) std::rethrow_exception(error);
        if (sum != expected) state.SkipWithError("sync.queue/boost_asio: wrong sum");
    }
    corio::bench::set_items_per_iteration(state, items);
}

/// The queue sizes of queue.cpp; 0 is unbounded.
constexpr std::size_t shapes[] = {0, 1, 64, 1024};

/// Median of 5 repetitions of at least 0.2 s each, as queue.cpp.
benchmark::internal::Benchmark* timed(benchmark::internal::Benchmark* b) {
    return b->Repetitions(5)->MinTime(0.2)->ReportAggregatesOnly(true);
}

[[maybe_unused]] const bool registered = [] {
    for (std::size_t maxsize : shapes) {
        const std::string metric =
            maxsize == 0 ? "item_ns_unbounded" : "item_ns_maxsize_" + std::to_string(maxsize);
        timed(benchmark::RegisterBenchmark(("sync.queue/boost_asio/" + metric).c_str(), queue_asio)
                  ->Arg(static_cast<std::int64_t>(maxsize)));
    }
    return true;
}();

}  // namespace

CORIO_BENCH_MAIN()
