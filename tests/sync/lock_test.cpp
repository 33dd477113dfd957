// corio::lock: asyncio's Lock, FIFO and cancel-safe (tests/sync mirrors include/corio/sync).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/sync/lock.hpp>
#include <corio/testing.hpp>

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::task;

TEST(Lock, TasksTakeTurnsInArrivalOrder) {
    // CPython prints ['a0', 'b0', 'c0', 'a1', 'b1', 'c1'] for the same program.
    std::vector<std::string> log;
    auto main_task = [&]() -> task<void> {
        corio::lock lock;
        auto worker = [&](std::string name) -> task<void> {
            for (int i = 0; i < 2; ++i) {
                auto held = co_await lock.scoped();
                log.push_back(name + std::to_string(i));
                co_await corio::yield_now();
            }
        };
        co_await corio::gather(worker("a"), worker("b"), worker("c"));
        EXPECT_FALSE(lock.locked());
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (std::vector<std::string>{"a0", "b0", "c0", "a1", "b1", "c1"}));
}

TEST(Lock, AcquireAndReleaseByHand) {
    auto main_task = []() -> task<void> {
        corio::lock lock;
        EXPECT_THROW(lock.release(), corio::invalid_state_error);
        co_await lock.acquire();
        EXPECT_TRUE(lock.locked());
        EXPECT_FALSE(lock.acquire_nowait());
        lock.release();
        EXPECT_TRUE(lock.acquire_nowait());
        lock.release();
        EXPECT_FALSE(lock.locked());
        {
            auto held = co_await lock.scoped();
            EXPECT_TRUE(held.owns_lock());
            held.reset();
            EXPECT_FALSE(lock.locked());
        }
        EXPECT_FALSE(lock.locked());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Lock, AWokenWaiterCancelledBeforeItRunsPassesTheLockOn) {
    // CPython bpo-27585: the lock must not stay locked with nobody holding it. CPython prints
    // ['b cancelled', 'c'] and the lock ends free.
    auto main_task = []() -> task<void> {
        corio::lock lock;
        std::vector<std::string> got;
        auto w = [&](std::string name) -> task<void> {
            try {
                auto held = co_await lock.scoped();
                got.push_back(name);
            } catch (const cancelled_error&) {
                got.push_back(name + " cancelled");
            }
        };
        co_await lock.acquire();
        auto b = corio::create_task(w("b"));
        auto c = corio::create_task(w("c"));
        co_await corio::yield_now();
        lock.release();  // hands the lock to b...
        EXPECT_TRUE(lock.locked());
        EXPECT_FALSE(lock.acquire_nowait());  // ...so a newcomer cannot take it meanwhile
        b.cancel();                           // ...which is cancelled before it runs
        co_await b;
        co_await c;
        EXPECT_EQ(got, (std::vector<std::string>{"b cancelled", "c"}));
        EXPECT_FALSE(lock.locked());
        EXPECT_EQ(lock.statistics().waiters, 0U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Lock, AWaiterCancelledWhileWaitingLeavesTheQueue) {
    auto main_task = []() -> task<void> {
        corio::lock lock;
        co_await lock.acquire();
        auto waiter = corio::create_task([](corio::lock* l) -> task<void> {
            co_await l->acquire();
            ADD_FAILURE() << "a cancelled acquire must not get the lock";
        }(&lock));
        co_await corio::yield_now();
        EXPECT_EQ(lock.statistics().waiters, 1U);
        waiter.cancel("stop");
        EXPECT_THROW(co_await waiter, cancelled_error);
        EXPECT_EQ(lock.statistics().waiters, 0U);
        lock.release();
        EXPECT_FALSE(lock.locked());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Lock, ACancellationRaisedAtAFreeLocksAwaitReleasesIt) {
    // The lock was free, so the await took it at once; the pending cancellation is then raised
    // at that await: the task never held it, so it must be free again.
    auto main_task = []() -> task<void> {
        corio::lock lock;
        auto t = corio::create_task([](corio::lock* l) -> task<void> {
            corio::current_task().cancel();
            auto held = co_await l->scoped();
            ADD_FAILURE() << "not reached";
        }(&lock));
        EXPECT_THROW(co_await t, cancelled_error);
        EXPECT_FALSE(lock.locked());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Lock, ALoopClosedUnderAWokenWaiterLeavesNothingLocked) {
    corio::testing::exception_log log;
    corio::event_loop loop(corio::testing::virtual_time());
    log.install(loop);
    corio::lock lock;
    EXPECT_TRUE(lock.acquire_nowait());
    auto waiter = loop.create_task([](corio::lock* l) -> task<void> {
        auto held = co_await l->scoped();
        co_await corio::sleep(1h);
    }(&lock));
    loop.call_later(1s, [&] {
        lock.release();  // granted to the waiter, which never runs: the loop stops first
        loop.stop();
    });
    loop.run_forever();
    loop.close();  // the waiter's frame is destroyed: its grant comes back
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(waiter.cancelled());
}

}  // namespace
