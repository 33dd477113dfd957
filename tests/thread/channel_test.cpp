// corio::channel: the four forms of send and receive, close, move-only items, timeouts, and items
// crossing between plain threads and tasks on several loops. Threads meet on the channel's own
// state (statistics(), joins), never on sleeps: nothing here depends on timing.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/testing.hpp>
#include <corio/thread.hpp>

namespace {

using namespace std::chrono_literals;
using corio::channel;
using corio::task;

/// Polls until `done()`: for a thread to be seen blocked in the channel (its own state says so).
template <class P>
void spin_until(P done) {
    while (!done()) std::this_thread::yield();
}

TEST(Channel, CapacityMustBePositive) {
    EXPECT_THROW(channel<int>(0), std::invalid_argument);
    channel<int> ch(3);
    EXPECT_EQ(ch.capacity(), 3U);
    EXPECT_TRUE(ch.empty());
    EXPECT_FALSE(ch.full());
    EXPECT_FALSE(ch.is_closed());
}

TEST(Channel, NowaitFormsAreFifoAndBounded) {
    channel<int> ch(3);
    for (int i = 1; i <= 3; ++i) ch.send_nowait(i);
    EXPECT_TRUE(ch.full());
    EXPECT_EQ(ch.size(), 3U);
    EXPECT_THROW(ch.send_nowait(4), corio::channel_full);
    EXPECT_EQ(ch.size(), 3U);
    EXPECT_EQ(ch.receive_nowait(), 1);
    ch.send_nowait(4);
    EXPECT_EQ(ch.receive_nowait(), 2);
    EXPECT_EQ(ch.receive_nowait(), 3);
    EXPECT_EQ(ch.receive_nowait(), 4);
    EXPECT_THROW((void)ch.receive_nowait(), corio::channel_empty);
    EXPECT_TRUE(ch.empty());
}

TEST(Channel, WrapsAroundAndGrowsUpToItsCapacity) {
    // The ring grows by doubling; items must keep their order across growth and wrap-around.
    channel<std::string> ch(100);
    int next_in = 0;
    int next_out = 0;
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 7 && !ch.full(); ++i) ch.send_nowait(std::to_string(next_in++));
        for (int i = 0; i < 5 && !ch.empty(); ++i) {
            EXPECT_EQ(ch.receive_nowait(), std::to_string(next_out++));
        }
    }
    while (!ch.empty()) EXPECT_EQ(ch.receive_nowait(), std::to_string(next_out++));
    EXPECT_EQ(next_in, next_out);
}

TEST(Channel, CloseDrainsThenReportsClosed) {
    channel<int> ch(4);
    ch.send_nowait(1);
    ch.send_nowait(2);
    EXPECT_TRUE(ch.close());
    EXPECT_FALSE(ch.close());  // only the first call closes
    EXPECT_TRUE(ch.is_closed());
    int kept = 3;
    EXPECT_THROW(ch.send_nowait(kept), corio::channel_closed);
    EXPECT_THROW(ch.send_blocking(3), corio::channel_closed);
    EXPECT_THROW(ch.send_for(3, 1s), corio::channel_closed);
    EXPECT_EQ(ch.receive_nowait(), 1);
    EXPECT_EQ(ch.receive_blocking(), 2);
    EXPECT_EQ(ch.receive_nowait(), std::nullopt);  // closed and drained: final
    EXPECT_EQ(ch.receive_blocking(), std::nullopt);
    EXPECT_EQ(ch.receive_for(1s), std::nullopt);
}

TEST(Channel, MoveOnlyItemsAreMovedOnlyWhenSent) {
    channel<std::unique_ptr<int>> ch(1);
    auto first = std::make_unique<int>(1);
    ch.send_nowait(std::move(first));
    EXPECT_EQ(first, nullptr);  // sent: moved from
    auto second = std::make_unique<int>(2);
    EXPECT_THROW(ch.send_nowait(std::move(second)), corio::channel_full);
    ASSERT_NE(second, nullptr);  // not sent: still the caller's
    EXPECT_THROW(ch.send_for(std::move(second), 0s), corio::timeout_error);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(**ch.receive_nowait(), 1);
    ch.close();
    EXPECT_THROW(ch.send_blocking(std::move(second)), corio::channel_closed);
    EXPECT_EQ(*second, 2);
}

TEST(Channel, CopiesWhenGivenAnLvalue) {
    channel<std::string> ch(2);
    const std::string s = "kept";
    ch.send_nowait(s);
    ch.send_blocking(s);
    EXPECT_EQ(s, "kept");
    EXPECT_EQ(ch.receive_nowait(), "kept");
    EXPECT_EQ(ch.receive_nowait(), "kept");
}

TEST(Channel, TimedFormsTimeOutOrComplete) {
    channel<int> ch(1);
    EXPECT_THROW((void)ch.receive_for(1ms), corio::timeout_error);
    EXPECT_THROW((void)ch.receive_for(-1s), corio::timeout_error);  // negative: do not block
    ch.send_for(1, 1ms);                                            // room: no waiting
    EXPECT_THROW(ch.send_for(2, 1ms), corio::timeout_error);
    EXPECT_EQ(ch.size(), 1U);
    EXPECT_EQ(ch.receive_for(1ms), 1);
    EXPECT_EQ(ch.statistics().receivers_waiting, 0U);  // a timed-out waiter leaves the queue
    EXPECT_EQ(ch.statistics().senders_waiting, 0U);
}

TEST(Channel, ATimedReceiveGetsAnItemSentWhileItWaits) {
    channel<int> ch(1);
    std::optional<int> got;
    std::thread receiver([&] { got = ch.receive_for(std::chrono::hours(1)); });
    spin_until([&] { return ch.statistics().receivers_waiting == 1; });
    ch.send_nowait(7);
    receiver.join();
    EXPECT_EQ(got, 7);
}

TEST(Channel, TasksOnOneLoopWaitInArrivalOrder) {
    auto main_task = []() -> task<void> {
        channel<int> ch(2);
        std::vector<int> order;
        auto receiver = [&](int id) -> task<void> {
            std::optional<int> v = co_await ch.receive();
            order.push_back(id * 100 + *v);
        };
        auto a = corio::create_task(receiver(1));
        auto b = corio::create_task(receiver(2));
        co_await corio::yield_now();
        EXPECT_EQ(ch.statistics().receivers_waiting, 2U);
        co_await ch.send(10);
        co_await ch.send(20);
        co_await a;
        co_await b;
        EXPECT_EQ(order, (std::vector<int>{110, 220}));

        // Senders wait while full and are served in arrival order too.
        co_await ch.send(1);
        co_await ch.send(2);
        auto s3 =
            corio::create_task([](channel<int>* c) -> task<void> { co_await c->send(3); }(&ch));
        auto s4 =
            corio::create_task([](channel<int>* c) -> task<void> { co_await c->send(4); }(&ch));
        co_await corio::yield_now();
        EXPECT_EQ(ch.statistics().senders_waiting, 2U);
        EXPECT_EQ(ch.size(), 2U);  // never more than the capacity
        for (int want = 1; want <= 4; ++want) EXPECT_EQ(co_await ch.receive(), want);
        co_await s3;
        co_await s4;
    };
    corio::testing::run_virtual(main_task());
}

TEST(Channel, CloseWakesWaitingTasks) {
    auto main_task = []() -> task<void> {
        channel<int> ch(1);
        auto r = corio::create_task([](channel<int>* c) -> task<std::optional<int>> {
            co_return co_await c->receive();
        }(&ch));
        co_await corio::yield_now();
        ch.close();
        EXPECT_EQ(co_await r, std::nullopt);

        channel<int> full(1);
        full.send_nowait(1);
        auto s =
            corio::create_task([](channel<int>* c) -> task<void> { co_await c->send(2); }(&full));
        co_await corio::yield_now();
        full.close();
        EXPECT_THROW(co_await s, corio::channel_closed);
        EXPECT_EQ(co_await full.receive(), 1);  // what was sent before the close is still there
        EXPECT_EQ(co_await full.receive(), std::nullopt);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Channel, CloseWakesBlockedThreads) {
    channel<int> empty(1);
    channel<int> full(1);
    full.send_nowait(0);
    std::atomic<int> receivers_closed{0};
    std::atomic<int> senders_closed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
        threads.emplace_back([&] {
            if (!empty.receive_blocking()) ++receivers_closed;
        });
        threads.emplace_back([&] {
            try {
                full.send_blocking(1);
            } catch (const corio::channel_closed&) {
                ++senders_closed;
            }
        });
    }
    spin_until([&] {
        return empty.statistics().receivers_waiting == 2 && full.statistics().senders_waiting == 2;
    });
    empty.close();
    full.close();
    for (auto& t : threads) t.join();
    EXPECT_EQ(receivers_closed, 2);
    EXPECT_EQ(senders_closed, 2);
    EXPECT_EQ(full.receive_nowait(), 0);
}

TEST(Channel, ReceiversWaitOnAClosedChannelOnlyForItemsKeptForOthers) {
    // Closed with one item kept for a woken receiver: another receiver keeps waiting (that item
    // may come back), and is told "closed" once it is taken.
    auto main_task = []() -> task<void> {
        channel<int> ch(2);
        auto receive = [](channel<int>* c) -> task<std::optional<int>> {
            co_return co_await c->receive();
        };
        auto a = corio::create_task(receive(&ch));
        auto b = corio::create_task(receive(&ch));
        co_await corio::yield_now();
        ch.send_nowait(5);  // wakes a; b waits on
        ch.close();
        EXPECT_EQ(co_await a, 5);
        EXPECT_EQ(co_await b, std::nullopt);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Channel, ThreadToTask) {
    constexpr int n = 2000;
    channel<int> ch(8);
    std::thread producer([&] {
        for (int i = 0; i < n; ++i) ch.send_blocking(i);
        ch.close();
    });
    const auto consumer = [&]() -> task<int> {
        int expected = 0;
        while (std::optional<int> v = co_await ch.receive()) {
            EXPECT_EQ(*v, expected);  // one producer: FIFO
            ++expected;
            EXPECT_LE(ch.size(), ch.capacity());
        }
        co_return expected;
    };
    EXPECT_EQ(corio::run(consumer()), n);
    producer.join();
}

TEST(Channel, TaskToThread) {
    constexpr int n = 2000;
    channel<std::unique_ptr<int>> ch(4);
    std::int64_t sum = 0;
    int count = 0;
    std::thread consumer([&] {
        while (std::optional<std::unique_ptr<int>> v = ch.receive_blocking()) {
            EXPECT_EQ(**v, count);
            sum += **v;
            ++count;
        }
    });
    const auto producer = [&]() -> task<void> {
        for (int i = 0; i < n; ++i) co_await ch.send(std::make_unique<int>(i));
        ch.close();
    };
    corio::run(producer());
    consumer.join();
    EXPECT_EQ(count, n);
    EXPECT_EQ(sum, std::int64_t{n} * (n - 1) / 2);
}

TEST(Channel, TaskOnOneLoopToTaskOnAnother) {
    constexpr int n = 2000;
    channel<int> there(3);
    channel<int> back(3);
    // Loop A sends i and waits for the reply 2i from loop B: both directions wait across loops.
    std::thread b([&] {
        const auto echo = [&]() -> task<void> {
            while (std::optional<int> v = co_await there.receive()) co_await back.send(*v * 2);
            back.close();
        };
        corio::run(echo());
    });
    const auto ask = [&]() -> task<int> {
        int ok = 0;
        for (int i = 0; i < n; ++i) {
            co_await there.send(i);
            std::optional<int> reply = co_await back.receive();
            if (reply == 2 * i) ++ok;
        }
        there.close();
        EXPECT_EQ(co_await back.receive(), std::nullopt);
        co_return ok;
    };
    EXPECT_EQ(corio::run(ask()), n);
    b.join();
}

// Four producers (two threads, two loops) and four consumers (two threads, two loops): every item
// arrives exactly once, and the channel never holds more than its capacity.
TEST(Channel, MpmcStressDeliversEveryItemExactlyOnce) {
    constexpr int per_producer = 5000;
    constexpr int producers = 4;
    constexpr int total = per_producer * producers;
    channel<std::uint32_t> ch(8);
    std::vector<std::atomic<int>> seen(total);
    std::atomic<std::uint64_t> checksum{0};
    std::atomic<int> received{0};
    std::atomic<int> producers_left{producers};
    std::atomic<bool> over_capacity{false};

    const auto record = [&](std::uint32_t v) {
        seen[v].fetch_add(1, std::memory_order_relaxed);
        checksum.fetch_add(std::uint64_t{v} * 2654435761U, std::memory_order_relaxed);
        received.fetch_add(1, std::memory_order_relaxed);
        if (ch.size() > ch.capacity()) over_capacity = true;
    };
    const auto producer_done = [&] {
        if (producers_left.fetch_sub(1) == 1) ch.close();
    };
    const auto thread_producer = [&](int p) {
        for (int i = 0; i < per_producer; ++i)
            ch.send_blocking(std::uint32_t(p * per_producer + i));
        producer_done();
    };
    const auto thread_consumer = [&] {
        while (std::optional<std::uint32_t> v = ch.receive_blocking()) record(*v);
    };
    const auto loop_main = [&](int p) -> task<void> {
        auto produce = [&]() -> task<void> {
            for (int i = 0; i < per_producer; ++i)
                co_await ch.send(std::uint32_t(p * per_producer + i));
            producer_done();
        };
        auto consume = [&]() -> task<void> {
            while (std::optional<std::uint32_t> v = co_await ch.receive()) record(*v);
        };
        // Each loop runs one producer and one consumer task: they also wake each other directly.
        auto a = corio::create_task(produce());
        auto b = corio::create_task(consume());
        co_await a;
        co_await b;
    };

    std::vector<std::thread> threads;
    threads.emplace_back(thread_producer, 0);
    threads.emplace_back(thread_producer, 1);
    threads.emplace_back(thread_consumer);
    threads.emplace_back(thread_consumer);
    threads.emplace_back([&] { corio::run(loop_main(2)); });
    threads.emplace_back([&] { corio::run(loop_main(3)); });
    for (auto& t : threads) t.join();

    std::uint64_t want = 0;
    for (std::uint32_t v = 0; v < total; ++v) want += std::uint64_t{v} * 2654435761U;
    EXPECT_EQ(received.load(), total);
    EXPECT_EQ(checksum.load(), want);
    int wrong = 0;
    for (auto& s : seen) wrong += s.load() != 1;
    EXPECT_EQ(wrong, 0);
    EXPECT_FALSE(over_capacity.load());
    EXPECT_TRUE(ch.empty());
}

}  // namespace
