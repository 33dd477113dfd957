// Extreme delays and deadlines (issue 7, items 1 and 4): every API that turns a duration into a
// deadline saturates instead of overflowing, `time_point::max()` means "never", and a loop whose
// only timers are "never" is deadlocked rather than woken at the end of time. UBSan reports any
// signed overflow in <chrono>, so these tests also fail on the arithmetic itself.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/testing.hpp>

#include "combinator_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::duration;
using corio::task;
using corio::time_point;
using corio::timeout_error;
using corio_test::after;
using corio_test::now;

TEST(Deadline, SaturatingArithmetic) {
    using corio::detail::add_saturated;
    using corio::detail::sub_saturated;
    const time_point t(5s);
    EXPECT_EQ(add_saturated(t, duration::max()), time_point::max());
    EXPECT_EQ(add_saturated(t, duration::min()), time_point(5s) + duration::min());
    EXPECT_EQ(add_saturated(time_point(-5s), duration::min()), time_point::min());
    EXPECT_EQ(add_saturated(t, -2s), time_point(3s));
    EXPECT_EQ(sub_saturated(time_point::max(), time_point(-1s)), duration::max());
    EXPECT_EQ(sub_saturated(time_point::min(), time_point(1s)), duration::min());
    EXPECT_EQ(sub_saturated(time_point(3s), t), -2s);
}

TEST(Deadline, CallLaterAndCallAtTakeEveryExtreme) {
    std::vector<std::string> log;
    auto main_task = [&]() -> task<void> {
        auto& loop = corio::get_running_loop();
        auto note = [&](const char* what) {
            return [&log, what] {
                log.push_back(std::string(what) + " at " + std::to_string((now() / 1ms)));
            };
        };
        auto never1 = loop.call_later(duration::max(), note("later(max)"));
        auto never2 = loop.call_at(time_point::max(), note("at(max)"));
        loop.call_later(duration::min(), note("later(min)"));
        loop.call_at(time_point::min(), note("at(min)"));
        loop.call_later(-5ms, note("later(-5ms)"));
        loop.call_later(0s, note("later(0)"));
        loop.call_later(5ms, note("later(5ms)"));
        co_await corio::sleep(10ms);
        EXPECT_FALSE(never1.cancelled());
        never1.cancel();
        never2.cancel();
    };
    corio::testing::run_virtual(main_task());
    // Deadline order: min (twice, in scheduling order), -5 ms, 0, then 5 ms; never the max ones.
    EXPECT_EQ(log, (std::vector<std::string>{"later(min) at 0", "at(min) at 0", "later(-5ms) at 0",
                                             "later(0) at 0", "later(5ms) at 5"}));
}

TEST(Deadline, ANeverTimerDoesNotBlockTheRealClockLoop) {
    // Before the fix, now + duration::max() overflowed, and the loop then blocked in epoll
    // forever: an unrelated 5 ms timer never fired.
    bool fired = false;
    auto main_task = [&]() -> task<void> {
        auto& loop = corio::get_running_loop();
        auto a = loop.call_later(duration::max(), [] {});
        auto b = loop.call_at(time_point::max(), [] {});
        auto c = loop.call_at(time_point::min(), [] {});
        loop.call_later(5ms, [&] { fired = true; });
        co_await corio::sleep(10ms);
        a.cancel();
        b.cancel();
    };
    corio::run(main_task());
    EXPECT_TRUE(fired);
}

TEST(Deadline, WaitForTakesEveryExtreme) {
    auto main_task = []() -> task<void> {
        EXPECT_EQ(co_await corio::wait_for(after(1ms, 1), duration::max()), 1);
        EXPECT_THROW(co_await corio::wait_for(after(1ms, 2), duration::min()), timeout_error);
        EXPECT_THROW(co_await corio::wait_for(after(1ms, 3), -1s), timeout_error);
        EXPECT_THROW(co_await corio::wait_for(after(1ms, 4), 0s), timeout_error);
        EXPECT_EQ(now(), 1ms);
        // Through the scope (an awaitable that is not a task): the same deadline arithmetic.
        auto h = corio::create_task(after(1ms, 5));
        EXPECT_EQ(co_await corio::wait_for(corio::shield(h), duration::max()), 5);
        EXPECT_THROW(co_await corio::wait_for(corio::shield(corio::create_task(after(1ms, 6))),
                                              duration::min()),
                     timeout_error);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Deadline, TimeoutTakesEveryExtreme) {
    auto main_task = []() -> task<void> {
        EXPECT_EQ(co_await corio::timeout(duration::max(), after(1ms, 1)), 1);
        corio::timeout_scope cm = corio::timeout(duration::max());
        EXPECT_EQ(cm.when(), time_point::max());
        EXPECT_EQ(co_await cm.run(after(1ms, 2)), 2);
        EXPECT_THROW(co_await corio::timeout(duration::min(), after(1ms, 3)), timeout_error);
        EXPECT_THROW(co_await corio::timeout(-1h, after(1ms, 4)), timeout_error);
        EXPECT_THROW(co_await corio::timeout_at(time_point::min(), after(1ms, 5)), timeout_error);
        EXPECT_EQ(co_await corio::timeout_at(time_point::max(), after(1ms, 6)), 6);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Deadline, WaitAndAsCompletedTakeEveryExtreme) {
    auto main_task = []() -> task<void> {
        std::vector<corio::task_handle<int>> ts{corio::create_task(after(2ms, 1))};
        auto [done, pending] = co_await corio::wait(ts, duration::max());
        EXPECT_EQ(done.size(), 1U);
        EXPECT_EQ(now(), 2ms);
        ts = {corio::create_task(after(2ms, 2))};
        auto r = co_await corio::wait(ts, duration::min());
        EXPECT_EQ(r.pending.size(), 1U);
        EXPECT_EQ(now(), 2ms);
        auto it = corio::as_completed(ts, duration::max());
        EXPECT_EQ((co_await it.next())->result(), 2);
        ts = {corio::create_task(after(2ms, 3))};
        auto it2 = corio::as_completed(ts, duration::min());
        EXPECT_THROW(co_await it2.next(), timeout_error);
        co_await ts[0];
    };
    corio::testing::run_virtual(main_task());
}

TEST(Deadline, SleepUntilCancelledIsADeadlockWhenNothingCanCancelIt) {
    // Under the virtual clock, a loop whose only timers are "never" can never make progress. It
    // used to jump to time_point::max() and let the sleep return normally.
    bool returned = false;
    auto main_task = [&]() -> task<void> {
        co_await corio::sleep(duration::max());
        returned = true;
    };
    EXPECT_THROW(corio::testing::run_virtual(main_task()), std::logic_error);
    EXPECT_FALSE(returned);
    auto hours = []() -> task<void> { co_await corio::sleep(std::chrono::hours::max()); };
    EXPECT_THROW(corio::testing::run_virtual(hours()), std::logic_error);
    auto floating = []() -> task<void> {
        co_await corio::sleep(std::chrono::duration<double>(1e300));
    };
    EXPECT_THROW(corio::testing::run_virtual(floating()), std::logic_error);
    auto never_callback = []() -> task<void> {
        corio::get_running_loop().call_later(duration::max(), [] {});
        co_await corio::future<void>();
    };
    EXPECT_THROW(corio::testing::run_virtual(never_callback()), std::logic_error);
}

TEST(Deadline, TheVirtualClockNeverJumpsToNever) {
    auto main_task = []() -> task<void> {
        auto sleeper =
            corio::create_task([]() -> task<void> { co_await corio::sleep(duration::max()); }());
        co_await corio::sleep(1s);
        sleeper.cancel("enough");
        EXPECT_THROW(co_await sleeper, corio::cancelled_error);
        EXPECT_EQ(now(), 1s);  // not 2^63 - 1 ns
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace
