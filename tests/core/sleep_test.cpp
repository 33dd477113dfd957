// sleep and yield_now (include/corio/core/sleep.hpp): durations of every kind, results, and how a
// sleep ends when its task is cancelled. All on the virtual clock, so every time is exact.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/testing.hpp>

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::task;
using corio::testing::run_virtual;
using corio::testing::virtual_now;

TEST(Sleep, FloatingDurationsWorkAndAreRoundedUp) {
    auto main_task = []() -> task<std::vector<corio::duration>> {
        std::vector<corio::duration> at;
        co_await corio::sleep(0.5s);
        at.push_back(virtual_now());
        co_await corio::sleep(std::chrono::duration<double, std::milli>(1.5));
        at.push_back(virtual_now());
        // A third of a nanosecond: rounded up to one, never down to "no wait at all".
        co_await corio::sleep(std::chrono::duration<double, std::nano>(1.0 / 3.0));
        at.push_back(virtual_now());
        co_return at;
    };
    const std::vector<corio::duration> expected{500ms, 501'500us, 501'500'001ns};
    EXPECT_EQ(run_virtual(main_task()), expected);
}

TEST(Sleep, CoarseAndFineIntegralDurationsAreExact) {
    auto main_task = []() -> task<corio::duration> {
        co_await corio::sleep(1h);
        co_await corio::sleep(std::chrono::duration<int, std::ratio<1, 3>>(1));  // 1/3 s
        co_return virtual_now();
    };
    EXPECT_EQ(run_virtual(main_task()), 1h + 333'333'334ns);
}

TEST(Sleep, ADelayTooLongToRepresentSleepsUntilCancelled) {
    auto sleeper = []() -> task<std::string> {
        try {
            co_await corio::sleep(std::chrono::duration<double>(1e300));
        } catch (const cancelled_error& e) {
            co_return "cancelled: " + e.message();
        }
        co_return "woke up";
    };
    auto main_task = [&]() -> task<std::string> {
        auto t = corio::create_task(sleeper());
        co_await corio::sleep(1s);
        t.cancel("enough");
        std::string outcome = co_await t;
        EXPECT_EQ(virtual_now(), 1s);
        co_return outcome;
    };
    EXPECT_EQ(run_virtual(main_task()), "cancelled: enough");
}

TEST(Sleep, ResultMayBeMoveOnly) {
    auto main_task = []() -> task<int> {
        std::unique_ptr<int> p = co_await corio::sleep(1s, std::make_unique<int>(42));
        co_return *p;
    };
    EXPECT_EQ(run_virtual(main_task()), 42);
}

TEST(Sleep, ARequestCanBeAwaitedMoreThanOnce) {
    auto main_task = []() -> task<corio::duration> {
        auto tick = corio::sleep(10ms);
        for (int i = 0; i < 3; ++i) co_await tick;
        co_return virtual_now();
    };
    EXPECT_EQ(run_virtual(main_task()), 30ms);
}

TEST(Sleep, ACancelledSleepRaisesEvenIfTheRequestIsWithdrawnBeforeTheTaskRuns) {
    // asyncio cancels the future a task waits on; `uncancel()` afterwards withdraws the count,
    // not that cancellation: the task still gets CancelledError from its sleep.
    auto sleeper = []() -> task<std::string> {
        try {
            co_await corio::sleep(1h);
        } catch (const cancelled_error& e) {
            co_return "cancelled: " + e.message();
        }
        co_return "woke up";
    };
    auto main_task = [&]() -> task<std::string> {
        auto t = corio::create_task(sleeper());
        co_await corio::yield_now();  // t is asleep
        EXPECT_TRUE(t.cancel("stop"));
        EXPECT_EQ(t.uncancel(), 0);
        std::string outcome = co_await t;
        EXPECT_EQ(virtual_now(), 0s);
        co_return outcome;
    };
    EXPECT_EQ(run_virtual(main_task()), "cancelled: stop");
}

TEST(Sleep, YieldNowLetsEveryReadyTaskRunOnce) {
    auto main_task = []() -> task<std::vector<std::string>> {
        std::vector<std::string> log;
        auto other = [](std::vector<std::string>& out) -> task<void> {
            out.emplace_back("other");
            co_return;
        };
        auto t = corio::create_task(other(log));
        log.emplace_back("before");
        co_await corio::yield_now();
        log.emplace_back("after");
        co_await t;
        EXPECT_EQ(virtual_now(), 0s);
        co_return log;
    };
    const std::vector<std::string> expected{"before", "other", "after"};
    EXPECT_EQ(run_virtual(main_task()), expected);
}

}  // namespace
