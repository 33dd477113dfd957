// corio::semaphore and bounded_semaphore: asyncio's, FIFO and cancel-safe.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/sync/semaphore.hpp>
#include <corio/testing.hpp>

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::task;

TEST(Semaphore, NeverMoreThanItsValueRunAtOnce) {
    // Seed 002's ActivePool: Semaphore(2) over four workers.
    int running = 0;
    int most = 0;
    std::vector<int> order;
    auto main_task = [&]() -> task<void> {
        corio::semaphore pool(2);
        auto worker = [&](int id) -> task<void> {
            auto permit = co_await pool.scoped();
            most = std::max(most, ++running);
            order.push_back(id);
            co_await corio::sleep(10ms);
            --running;
        };
        co_await corio::gather(worker(0), worker(1), worker(2), worker(3));
        EXPECT_EQ(pool.statistics().value, 2U);
        EXPECT_EQ(corio::testing::virtual_now(), 20ms);
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(most, 2);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(Semaphore, AWokenWaiterCancelledBeforeItRunsPassesThePermitOn) {
    // CPython gh-90155 / asyncio#270: a permit released to a waiter that is cancelled before it
    // runs must not be lost.
    auto main_task = []() -> task<void> {
        corio::semaphore sem(1);
        std::vector<std::string> got;
        auto w = [&](std::string name) -> task<void> {
            try {
                auto permit = co_await sem.scoped();
                got.push_back(name);
            } catch (const cancelled_error&) {
                got.push_back(name + " cancelled");
            }
        };
        co_await sem.acquire();
        auto b = corio::create_task(w("b"));
        auto c = corio::create_task(w("c"));
        co_await corio::yield_now();
        sem.release();
        EXPECT_FALSE(sem.acquire_nowait());  // the permit is b's, not a newcomer's
        b.cancel();
        co_await b;
        co_await c;
        EXPECT_EQ(got, (std::vector<std::string>{"b cancelled", "c"}));
        EXPECT_EQ(sem.statistics().value, 1U);
        EXPECT_EQ(sem.statistics().waiters, 0U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Semaphore, ACancelledWaiterLeavesTheCountAlone) {
    auto main_task = []() -> task<void> {
        corio::semaphore sem(0);
        auto t = corio::create_task(
            [](corio::semaphore* s) -> task<void> { co_await s->acquire(); }(&sem));
        co_await corio::yield_now();
        EXPECT_TRUE(sem.locked());
        t.cancel();
        EXPECT_THROW(co_await t, cancelled_error);
        sem.release();
        EXPECT_EQ(sem.statistics().value, 1U);
        EXPECT_FALSE(sem.locked());
    };
    corio::testing::run_virtual(main_task());
}

TEST(BoundedSemaphore, ReleasingPastTheInitialValueIsATypedError) {
    auto main_task = []() -> task<void> {
        corio::bounded_semaphore sem(2);
        EXPECT_THROW(sem.release(), std::invalid_argument);
        EXPECT_EQ(sem.statistics().value, 2U);  // refused: nothing changed
        co_await sem.acquire();
        sem.release();
        EXPECT_THROW(sem.release(), std::invalid_argument);
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace
