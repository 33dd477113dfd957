// corio::queue cancel safety at every suspension point, with CPython's regressions, and a
// randomized run checking that no item is ever lost or delivered twice.
#include <cstddef>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/sync/queue.hpp>
#include <corio/testing.hpp>

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::task;

task<int> get_one(corio::queue<int>* q) { co_return co_await q->get(); }
task<void> put_one(corio::queue<int>* q, int v) { co_await q->put(v); }

TEST(QueueCancel, AWaitingGetterCancelledLeavesTheQueue) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q;
        auto a = corio::create_task(get_one(&q));
        auto b = corio::create_task(get_one(&q));
        co_await corio::yield_now();
        a.cancel();
        EXPECT_THROW(co_await a, cancelled_error);
        EXPECT_EQ(q.statistics().getters_waiting, 1U);
        q.put_nowait(7);
        EXPECT_EQ(co_await b, 7);
        EXPECT_TRUE(q.empty());
    };
    corio::testing::run_virtual(main_task());
}

TEST(QueueCancel, AWokenGetterCancelledBeforeItRunsPassesTheWakeUpOn) {
    // CPython bpo-23812 / asyncio#343: a put wakes getter a, which is cancelled before it runs.
    // The item must not be lost, and the wake-up must reach getter b, or b would wait forever
    // with an item in the queue.
    auto main_task = []() -> task<void> {
        corio::queue<int> q;
        auto a = corio::create_task(get_one(&q));
        auto b = corio::create_task(get_one(&q));
        co_await corio::yield_now();
        q.put_nowait(1);  // wakes a, and keeps the item in the queue for it
        EXPECT_EQ(q.qsize(), 1U);
        EXPECT_THROW((void)q.get_nowait(), corio::queue_empty);  // kept for a, not for newcomers
        a.cancel();
        EXPECT_THROW(co_await a, cancelled_error);
        EXPECT_EQ(co_await b, 1);
        EXPECT_TRUE(q.empty());
        EXPECT_EQ(q.statistics().getters_waiting, 0U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(QueueCancel, AWokenGetterCancelledWithNobodyElseWaitingLeavesTheItemQueued) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q;
        auto a = corio::create_task(get_one(&q));
        co_await corio::yield_now();
        q.put_nowait(1);
        a.cancel();
        EXPECT_THROW(co_await a, cancelled_error);
        EXPECT_EQ(q.qsize(), 1U);
        EXPECT_EQ(q.get_nowait(), 1);  // free again for anyone
    };
    corio::testing::run_virtual(main_task());
}

TEST(QueueCancel, ACancellationRaisedAtAReadyGetTakesNothing) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q;
        q.put_nowait(1);
        auto t = corio::create_task([](corio::queue<int>* q) -> task<void> {
            corio::current_task().cancel();
            (void)co_await q->get();
            ADD_FAILURE() << "not reached";
        }(&q));
        EXPECT_THROW(co_await t, cancelled_error);
        EXPECT_EQ(q.get_nowait(), 1);
    };
    corio::testing::run_virtual(main_task());
}

TEST(QueueCancel, AWaitingPutterCancelledNeverInserts) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q(1);
        q.put_nowait(1);
        auto p = corio::create_task(put_one(&q, 2));
        co_await corio::yield_now();
        p.cancel();
        EXPECT_THROW(co_await p, cancelled_error);
        EXPECT_EQ(q.statistics().putters_waiting, 0U);
        EXPECT_EQ(q.get_nowait(), 1);
        EXPECT_TRUE(q.empty());
        EXPECT_EQ(q.statistics().unfinished_tasks, 1U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(QueueCancel, AWokenPutterCancelledBeforeItRunsPassesTheSlotOn) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q(1);
        q.put_nowait(1);
        auto a = corio::create_task(put_one(&q, 2));
        auto b = corio::create_task(put_one(&q, 3));
        co_await corio::yield_now();
        EXPECT_EQ(q.get_nowait(), 1);                      // frees the slot for a...
        EXPECT_THROW(q.put_nowait(9), corio::queue_full);  // ...so a newcomer cannot take it
        a.cancel();                                        // ...and a is cancelled first
        EXPECT_THROW(co_await a, cancelled_error);
        co_await b;
        EXPECT_EQ(q.get_nowait(), 3);
        EXPECT_TRUE(q.empty());
    };
    corio::testing::run_virtual(main_task());
}

TEST(QueueCancel, ACancellationRaisedAtAReadyPutInsertsNothing) {
    auto main_task = []() -> task<void> {
        corio::queue<std::unique_ptr<int>> q(1);
        auto t = corio::create_task([](corio::queue<std::unique_ptr<int>>* q) -> task<void> {
            corio::current_task().cancel();
            co_await q->put(std::make_unique<int>(1));
        }(&q));
        EXPECT_THROW(co_await t, cancelled_error);
        EXPECT_TRUE(q.empty());
        q.put_nowait(std::make_unique<int>(2));  // the slot came back
        EXPECT_EQ(q.statistics().unfinished_tasks, 1U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(QueueCancel, ACancelledJoinLeavesTheOthersWaiting) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q;
        q.put_nowait(1);
        auto join = [](corio::queue<int>* q) -> task<void> { co_await q->join(); };
        auto a = corio::create_task(join(&q));
        auto b = corio::create_task(join(&q));
        co_await corio::yield_now();
        a.cancel();
        EXPECT_THROW(co_await a, cancelled_error);
        (void)q.get_nowait();
        q.task_done();
        co_await b;
    };
    corio::testing::run_virtual(main_task());
}

TEST(QueueCancel, ALoopClosedUnderAWokenGetterKeepsTheItem) {
    corio::testing::exception_log log;
    corio::queue<int> q;
    {
        corio::event_loop loop(corio::testing::virtual_time());
        log.install(loop);
        auto getter = loop.create_task(get_one(&q));
        loop.call_later(1s, [&] {
            q.put_nowait(1);  // wakes the getter, which never runs: the loop stops first
            loop.stop();
        });
        loop.run_forever();
        loop.close();  // the getter's frame is destroyed: its wake-up comes back
    }
    EXPECT_EQ(q.get_nowait(), 1);
}

// Several producers and consumers, each operation a task that a chaos task may cancel at any
// point, some bounded by wait_for: every item put must be got exactly once.
TEST(QueueCancel, RandomizedCancellationsNeverLoseOrDuplicateItems) {
    constexpr int total_ops = 100'000;
    constexpr int producers = 3;
    constexpr int consumers = 3;
    std::mt19937 rng(20240613);
    std::vector<int> put_ok(total_ops, 0);
    std::vector<int> got(total_ops, 0);
    int ops_started = 0;
    int put_count = 0;
    int got_count = 0;
    int cancels = 0;
    int timeouts = 0;

    auto main_task = [&]() -> task<void> {
        corio::queue<int> q(4);
        std::vector<corio::task_handle<void>> current(producers + consumers);
        bool producing = true;
        bool chaos_on = true;

        auto one_put = [&](int id) -> task<void> {
            if (rng() % 4 == 0) {
                try {
                    co_await corio::wait_for(q.put(id), std::chrono::microseconds(rng() % 3));
                } catch (const corio::timeout_error&) {
                    ++timeouts;
                    co_return;
                }
            } else {
                co_await q.put(id);
            }
            put_ok[id] = 1;
            ++put_count;
        };
        auto one_get = [&]() -> task<void> {
            int v = -1;
            if (rng() % 4 == 0) {
                try {
                    v = co_await corio::wait_for(q.get(), std::chrono::microseconds(rng() % 3));
                } catch (const corio::timeout_error&) {
                    ++timeouts;
                    co_return;
                }
            } else {
                v = co_await q.get();
            }
            EXPECT_EQ(got[v]++, 0) << "item " << v << " delivered twice";
            ++got_count;
            q.task_done();
        };
        auto producer = [&](std::size_t slot) -> task<void> {
            while (ops_started < total_ops) {
                const int id = ops_started++;
                current[slot] = corio::create_task(one_put(id));
                try {
                    co_await current[slot];
                } catch (const cancelled_error&) {
                    ++cancels;
                }
                if (rng() % 8 == 0) co_await corio::sleep(std::chrono::microseconds(rng() % 3));
            }
        };
        auto consumer = [&](std::size_t slot) -> task<void> {
            while (producing || got_count < put_count) {
                current[slot] = corio::create_task(one_get());
                try {
                    co_await current[slot];
                } catch (const cancelled_error&) {
                    ++cancels;
                }
                if (rng() % 8 == 0) co_await corio::sleep(std::chrono::microseconds(rng() % 3));
            }
        };
        auto chaos = [&]() -> task<void> {
            while (chaos_on) {
                co_await corio::sleep(std::chrono::microseconds(rng() % 4));
                auto& victim = current[rng() % current.size()];
                if (victim.valid() && !victim.done()) victim.cancel();
            }
        };

        auto monkey = corio::create_task(chaos());
        std::vector<corio::task_handle<void>> workers;
        for (std::size_t i = 0; i < producers; ++i)
            workers.push_back(corio::create_task(producer(i)));
        for (std::size_t i = 0; i < consumers; ++i) {
            workers.push_back(corio::create_task(consumer(producers + i)));
        }
        for (std::size_t i = 0; i < producers; ++i) co_await workers[i];
        producing = false;
        while (got_count < put_count) co_await corio::sleep(10us);
        chaos_on = false;
        co_await monkey;
        // Consumers still blocked in get() have nothing more to come: end their waits.
        for (std::size_t i = producers; i < workers.size(); ++i) {
            while (!workers[i].done()) {
                current[i].cancel();
                co_await corio::yield_now();
            }
        }

        corio::queue_statistics s = q.statistics();
        EXPECT_EQ(s.items, 0U);
        EXPECT_EQ(s.getters_waiting, 0U);
        EXPECT_EQ(s.putters_waiting, 0U);
        EXPECT_EQ(s.unfinished_tasks, 0U);
        co_await q.join();
        // No slot or item is still kept for a woken task: the whole bound is free again.
        for (int i = 0; i < 4; ++i) q.put_nowait(i);
        EXPECT_THROW(q.put_nowait(4), corio::queue_full);
        for (int i = 0; i < 4; ++i) EXPECT_EQ(q.get_nowait(), i);
    };
    corio::testing::run_virtual(main_task());

    EXPECT_EQ(ops_started, total_ops);
    EXPECT_EQ(got_count, put_count);
    for (int id = 0; id < total_ops; ++id) {
        ASSERT_EQ(got[id], put_ok[id]) << "item " << id;
    }
    // The run must have exercised the interesting paths, not just the happy one.
    EXPECT_GT(cancels, 1000);
    EXPECT_GT(timeouts, 1000);
    EXPECT_GT(put_count, total_ops / 2);
}

}  // namespace
