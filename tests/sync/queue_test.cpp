// corio::queue, lifo_queue and priority_queue: asyncio's Queue family (Python 3.13), ordering,
// backpressure, task_done/join and shutdown. Cancel safety is in queue_cancel_test.cpp.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/sync/queue.hpp>
#include <corio/testing.hpp>

namespace {

using namespace std::chrono_literals;
using corio::task;

template <class Q>
std::vector<int> drain_nowait(Q& q) {
    std::vector<int> out;
    while (!q.empty()) out.push_back(q.get_nowait());
    return out;
}

TEST(Queue, FifoLifoAndPriorityOrder) {
    corio::queue<int> fifo;
    corio::lifo_queue<int> lifo;
    corio::priority_queue<int> prio;
    corio::priority_queue<int, std::greater<int>> largest_first;
    for (int v : {3, 1, 4, 1, 5, 9, 2, 6}) {
        fifo.put_nowait(v);
        lifo.put_nowait(v);
        prio.put_nowait(v);
        largest_first.put_nowait(v);
    }
    EXPECT_EQ(drain_nowait(fifo), (std::vector<int>{3, 1, 4, 1, 5, 9, 2, 6}));
    EXPECT_EQ(drain_nowait(lifo), (std::vector<int>{6, 2, 9, 5, 1, 4, 1, 3}));
    EXPECT_EQ(drain_nowait(prio), (std::vector<int>{1, 1, 2, 3, 4, 5, 6, 9}));
    EXPECT_EQ(drain_nowait(largest_first), (std::vector<int>{9, 6, 5, 4, 3, 2, 1, 1}));
}

TEST(Queue, GettersWaitAndAreServedInArrivalOrder) {
    std::vector<std::string> log;
    auto main_task = [&]() -> task<void> {
        corio::queue<int> q;
        auto getter = [&](std::string name) -> task<void> {
            const int v = co_await q.get();
            log.push_back(name + std::to_string(v));
        };
        auto a = corio::create_task(getter("a"));
        auto b = corio::create_task(getter("b"));
        co_await corio::yield_now();
        EXPECT_EQ(q.statistics().getters_waiting, 2U);
        co_await q.put(1);
        co_await q.put(2);
        co_await a;
        co_await b;
        EXPECT_EQ(q.statistics().getters_waiting, 0U);
        EXPECT_TRUE(q.empty());
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (std::vector<std::string>{"a1", "b2"}));
}

TEST(Queue, MaxsizeMakesPuttersWait) {
    std::vector<std::string> log;
    auto main_task = [&]() -> task<void> {
        corio::queue<int> q(2);
        EXPECT_EQ(q.maxsize(), 2U);
        auto producer = corio::create_task(
            [](corio::queue<int>* q, std::vector<std::string>* log) -> task<void> {
                for (int i = 0; i < 4; ++i) {
                    co_await q->put(i);
                    log->push_back("put" + std::to_string(i));
                }
            }(&q, &log));
        co_await corio::sleep(1s);
        EXPECT_TRUE(q.full());
        EXPECT_EQ(q.qsize(), 2U);
        EXPECT_EQ(q.statistics().putters_waiting, 1U);
        EXPECT_THROW(q.put_nowait(99), corio::queue_full);
        for (int i = 0; i < 4; ++i) {
            log.push_back("got" + std::to_string(co_await q.get()));
            co_await corio::sleep(1s);
        }
        co_await producer;
        EXPECT_EQ(corio::testing::virtual_now(), 5s);
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (std::vector<std::string>{"put0", "put1", "got0", "put2", "got1", "put3", "got2",
                                             "got3"}));
}

TEST(Queue, UnboundedQueueIsNeverFull) {
    corio::queue<int> q;
    for (int i = 0; i < 1000; ++i) q.put_nowait(i);
    EXPECT_FALSE(q.full());
    EXPECT_EQ(q.qsize(), 1000U);
}

TEST(Queue, NowaitErrors) {
    corio::queue<int> q(1);
    EXPECT_THROW((void)q.get_nowait(), corio::queue_empty);
    q.put_nowait(1);
    EXPECT_THROW(q.put_nowait(2), corio::queue_full);
    EXPECT_EQ(q.get_nowait(), 1);
    q.task_done();
    try {
        q.task_done();
        ADD_FAILURE() << "task_done() must refuse a call without an unfinished item";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "task_done() called too many times");
    }
    EXPECT_EQ(q.statistics().unfinished_tasks, 0U);
}

TEST(Queue, JoinWakesWhenTheLastTaskIsDone) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q;
        co_await q.join();  // nothing unfinished: at once
        EXPECT_EQ(corio::testing::virtual_now(), 0s);
        q.put_nowait(1);
        q.put_nowait(2);
        auto worker = corio::create_task([](corio::queue<int>* q) -> task<void> {
            for (;;) {
                (void)co_await q->get();
                co_await corio::sleep(1s);
                q->task_done();
            }
        }(&q));
        co_await q.join();
        EXPECT_EQ(corio::testing::virtual_now(), 2s);  // exactly at the second task_done
        EXPECT_EQ(q.statistics().unfinished_tasks, 0U);
        worker.cancel();
        EXPECT_THROW(co_await worker, corio::cancelled_error);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Queue, ShutdownDrainLetsGettersEmptyTheQueueThenRaises) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q(1);
        q.put_nowait(1);
        auto putter =
            corio::create_task([](corio::queue<int>* q) -> task<void> { co_await q->put(2); }(&q));
        co_await corio::yield_now();
        EXPECT_EQ(q.statistics().putters_waiting, 1U);
        q.shutdown(corio::shutdown_mode::drain);
        EXPECT_TRUE(q.is_shut_down());
        EXPECT_THROW(co_await putter, corio::queue_shut_down);  // a blocked putter raises
        EXPECT_THROW(co_await q.put(3), corio::queue_shut_down);
        EXPECT_THROW(q.put_nowait(3), corio::queue_shut_down);
        EXPECT_EQ(co_await q.get(), 1);  // what is queued can still be got
        EXPECT_THROW((void)co_await q.get(), corio::queue_shut_down);
        EXPECT_THROW((void)q.get_nowait(), corio::queue_shut_down);
        EXPECT_EQ(q.statistics().unfinished_tasks, 1U);  // drain mode counts nothing done
        q.task_done();
        co_await q.join();
    };
    corio::testing::run_virtual(main_task());
}

TEST(Queue, ShutdownWakesBlockedGetters) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q;
        auto getter = [](corio::queue<int>* q) -> task<int> { co_return co_await q->get(); };
        auto a = corio::create_task(getter(&q));
        auto b = corio::create_task(getter(&q));
        co_await corio::yield_now();
        q.shutdown();
        EXPECT_THROW(co_await a, corio::queue_shut_down);
        EXPECT_THROW(co_await b, corio::queue_shut_down);
        EXPECT_EQ(q.statistics().getters_waiting, 0U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Queue, ShutdownImmediateDropsItemsAndReleasesJoin) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q;
        q.put_nowait(1);
        q.put_nowait(2);
        q.put_nowait(3);
        EXPECT_EQ(q.get_nowait(), 1);  // got but not done: still unfinished after the shutdown
        auto joiner =
            corio::create_task([](corio::queue<int>* q) -> task<void> { co_await q->join(); }(&q));
        co_await corio::yield_now();
        q.shutdown(corio::shutdown_mode::immediate);
        EXPECT_TRUE(q.empty());
        EXPECT_EQ(q.statistics().unfinished_tasks, 1U);
        EXPECT_THROW((void)co_await q.get(), corio::queue_shut_down);
        EXPECT_FALSE(joiner.done());
        q.task_done();
        co_await joiner;
        EXPECT_EQ(q.statistics().unfinished_tasks, 0U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Queue, ShutdownImmediateWithNothingGotReleasesJoinAtOnce) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q;
        q.put_nowait(1);
        q.shutdown(corio::shutdown_mode::immediate);
        co_await q.join();
        EXPECT_EQ(corio::testing::virtual_now(), 0s);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Queue, MoveOnlyItems) {
    auto main_task = []() -> task<void> {
        corio::queue<std::unique_ptr<int>> q(1);
        co_await q.put(std::make_unique<int>(1));
        auto putter = corio::create_task([](corio::queue<std::unique_ptr<int>>* q) -> task<void> {
            co_await q->put(std::make_unique<int>(2));
        }(&q));
        co_await corio::yield_now();
        EXPECT_EQ(*co_await q.get(), 1);
        co_await putter;
        EXPECT_EQ(*q.get_nowait(), 2);

        auto by_value = [](const std::unique_ptr<int>& a, const std::unique_ptr<int>& b) {
            return *a < *b;
        };
        corio::priority_queue<std::unique_ptr<int>, decltype(by_value)> p(0, by_value);
        for (int v : {5, 3, 8}) p.put_nowait(std::make_unique<int>(v));
        EXPECT_EQ(*co_await p.get(), 3);
        EXPECT_EQ(*p.get_nowait(), 5);
        corio::lifo_queue<std::unique_ptr<int>> l;
        l.put_nowait(std::make_unique<int>(1));
        l.put_nowait(std::make_unique<int>(2));
        EXPECT_EQ(*l.get_nowait(), 2);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Queue, StatisticsReportWaitersAndUnfinishedTasks) {
    auto main_task = []() -> task<void> {
        corio::queue<int> q(1);
        q.put_nowait(1);
        auto putter =
            corio::create_task([](corio::queue<int>* q) -> task<void> { co_await q->put(2); }(&q));
        co_await corio::yield_now();
        corio::queue_statistics s = q.statistics();
        EXPECT_EQ(s.items, 1U);
        EXPECT_EQ(s.getters_waiting, 0U);
        EXPECT_EQ(s.putters_waiting, 1U);
        EXPECT_EQ(s.unfinished_tasks, 1U);
        (void)co_await q.get();
        co_await putter;
        s = q.statistics();
        EXPECT_EQ(s.items, 1U);
        EXPECT_EQ(s.putters_waiting, 0U);
        EXPECT_EQ(s.unfinished_tasks, 2U);
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace
