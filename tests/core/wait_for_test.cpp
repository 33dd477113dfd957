// corio::wait_for: asyncio's wait_for as CPython 3.12 implements it (on the timeout scope).
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

#include "combinator_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::task;
using corio::task_handle;
using corio::timeout_error;
using corio_test::after;
using corio_test::now;
using corio_test::outcome_of;
using corio_test::probe;
using corio_test::settle;

TEST(WaitFor, GivesTheResultInTime) {
    auto main_task = []() -> task<void> {
        EXPECT_EQ(co_await corio::wait_for(after(10ms, 1), 20ms), 1);
        EXPECT_EQ(now(), 10ms);
        auto h = corio::create_task(after(10ms, 2));
        EXPECT_EQ(co_await corio::wait_for(h, 20ms), 2);
        corio::future<std::string> f;
        corio::get_running_loop().call_later(1ms, [f]() mutable { f.set_result("f"); });
        EXPECT_EQ(co_await corio::wait_for(f, 20ms), "f");
        co_await corio::wait_for(corio_test::nap(1ms), 1h);                  // void
        EXPECT_EQ(co_await corio::wait_for(after(1h, 3), std::nullopt), 3);  // no timeout
        EXPECT_EQ(co_await corio::wait_for(after(999us, 4), 1ms), 4);
    };
    corio::testing::run_virtual(main_task());
}

TEST(WaitFor, TimeoutCancelsTheCoroutineAndWaitsForItsCleanup) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        try {
            co_await corio::wait_for(probe(&log, "inner", 1h, 5ms), 10ms);
        } catch (const timeout_error&) {
            log.push_back("timeout_error");
        }
        EXPECT_EQ(now(), 15ms);  // 10ms deadline + 5ms of cleanup
        const std::vector<std::string> expected{"inner start", "inner cancelled", "inner cleaned",
                                                "timeout_error"};
        EXPECT_EQ(log, expected);
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio::testing::run_virtual(main_task());
}

TEST(WaitFor, TimeoutCancelsATaskAndAFutureAtTheExactDeadline) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto h = corio::create_task(probe(&log, "task", 1h, 3ms));
        EXPECT_THROW(co_await corio::wait_for(h, 1500us), timeout_error);
        EXPECT_EQ(now(), 4500us);
        EXPECT_TRUE(h.cancelled());
        corio::future<int> f;
        EXPECT_THROW(co_await corio::wait_for(f, 2ms), timeout_error);
        EXPECT_EQ(now(), 6500us);
        EXPECT_TRUE(f.cancelled());
        // Done exactly at the deadline: the scope's timer was queued first, so it wins.
        EXPECT_THROW(co_await corio::wait_for(after(1ms, 0), 1ms), timeout_error);
    };
    corio::testing::run_virtual(main_task());
}

TEST(WaitFor, ZeroOrNegativeTimeoutNeverStartsACoroutine) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        for (corio::duration d : {corio::duration(0s), corio::duration(-1s)}) {
            EXPECT_THROW(co_await corio::wait_for(probe(&log, "never", 1ms), d), timeout_error);
        }
        co_await corio::yield_now();
        EXPECT_TRUE(log.empty());
        EXPECT_EQ(corio::all_tasks().size(), 1U);
        EXPECT_EQ(now(), 0s);
    };
    corio::testing::run_virtual(main_task());
}

TEST(WaitFor, ZeroTimeoutOnADoneTaskGivesItsResultAndOnAPendingOneCancelsAndWaits) {
    auto main_task = []() -> task<void> {
        auto done = corio::create_task(after(1ms, 5));
        co_await done;
        EXPECT_EQ(co_await corio::wait_for(done, 0s), 5);

        std::vector<std::string> log;
        auto pending = corio::create_task(probe(&log, "p", 1h, 4ms));
        co_await corio::yield_now();
        const auto start = now();
        EXPECT_THROW(co_await corio::wait_for(pending, 0s), timeout_error);
        EXPECT_EQ(now() - start, 4ms);  // waited for its cleanup
        EXPECT_TRUE(pending.cancelled());

        auto swallowing = corio::create_task(corio_test::stubborn(1h, 8));
        co_await corio::yield_now();
        EXPECT_EQ(co_await corio::wait_for(swallowing, -1s), 8);  // swallowed: its value
    };
    corio::testing::run_virtual(main_task());
}

TEST(WaitFor, AnInnerSwallowingTheCancellationGivesItsValue) {
    auto main_task = []() -> task<void> {
        auto h = corio::create_task(corio_test::stubborn(1h, 7));
        EXPECT_EQ(co_await corio::wait_for(h, 5ms), 7);
        EXPECT_EQ(now(), 5ms);
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio::testing::run_virtual(main_task());
}

task<int> bad_cleanup() {
    try {
        co_await corio::sleep(1h);
    } catch (const cancelled_error&) {
        throw std::logic_error("cleanup failed");
    }
    co_return 0;
}

TEST(WaitFor, AnExceptionRaisedWhileCancellingReplacesTheTimeout) {
    auto main_task = []() -> task<void> {
        EXPECT_THROW(co_await corio::wait_for(bad_cleanup(), 1ms), std::logic_error);
        auto started = corio::create_task(bad_cleanup());
        co_await corio::yield_now();
        EXPECT_THROW(co_await corio::wait_for(started, 0s), std::logic_error);
        EXPECT_THROW(co_await corio::wait_for(corio::create_task(bad_cleanup()), 1ms),
                     std::logic_error);
    };
    corio::testing::run_virtual(main_task());
}

TEST(WaitFor, AShieldedTaskKeepsRunningAfterTheTimeout) {
    auto main_task = []() -> task<void> {
        auto h = corio::create_task(after(20ms, 9));
        EXPECT_THROW(co_await corio::wait_for(corio::shield(h), 5ms), timeout_error);
        EXPECT_EQ(now(), 5ms);
        EXPECT_FALSE(h.done() || h.cancelling() != 0);
        EXPECT_EQ(co_await h, 9);
        EXPECT_EQ(now(), 20ms);
    };
    corio::testing::run_virtual(main_task());
}

TEST(WaitFor, NestedWaitForTheOuterDeadlineWins) {
    auto main_task = []() -> task<void> {
        auto inner = []() -> task<int> { co_return co_await corio::wait_for(after(1h, 0), 20ms); };
        EXPECT_THROW(co_await corio::wait_for(inner(), 10ms), timeout_error);
        EXPECT_EQ(now(), 10ms);
        auto inner_first = []() -> task<std::string> {
            try {
                co_await corio::wait_for(after(1h, 0), 5ms);
            } catch (const timeout_error&) {
                co_return "inner timeout";
            }
            co_return "no";
        };
        EXPECT_EQ(co_await corio::wait_for(inner_first(), 10ms), "inner timeout");
    };
    corio::testing::run_virtual(main_task());
}

// ---- cancelling the caller ------------------------------------------------------------------

task<int> wait_for_handle(task_handle<int> h, std::optional<corio::duration> timeout) {
    co_return co_await corio::wait_for(h, timeout);
}

TEST(WaitFor, CancellingTheCallerCancelsTheInnerWaitsAndPropagates) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto inner = corio::create_task(probe(&log, "inner", 1h, 5ms));
        auto caller = corio::spawn(wait_for_handle, inner, std::optional<corio::duration>(1h));
        co_await corio::sleep(5ms);
        caller.cancel();
        EXPECT_EQ(co_await outcome_of(caller), "cancelled");  // not timeout_error
        EXPECT_EQ(now(), 10ms);                               // after the inner's cleanup
        EXPECT_TRUE(inner.cancelled());
        EXPECT_EQ(corio::all_tasks().size(), 1U);

        // A coroutine argument runs in the caller: it is cancelled with it.
        log.clear();
        auto coro_caller = corio::spawn([&log]() -> task<int> {
            co_return co_await corio::wait_for(probe(&log, "coro", 1h), 1h);
        });
        co_await corio::sleep(1ms);
        coro_caller.cancel();
        EXPECT_EQ(co_await outcome_of(coro_caller), "cancelled");
        const std::vector<std::string> expected{"coro start", "coro cancelled", "coro cleaned"};
        EXPECT_EQ(log, expected);
    };
    corio::testing::run_virtual(main_task());
}

TEST(WaitFor, CancellingTheCallerAtTheDeadlineRaisesCancelledNotTimeout) {
    auto main_task = []() -> task<void> {
        auto inner = corio::create_task(after(1h, 0));
        auto caller = corio::spawn(wait_for_handle, inner, std::optional<corio::duration>(10ms));
        corio::get_running_loop().call_later(10ms, [caller]() { caller.cancel(); });
        EXPECT_EQ(co_await outcome_of(caller), "cancelled");
        EXPECT_EQ(now(), 10ms);
        EXPECT_TRUE(inner.cancelled());
    };
    corio::testing::run_virtual(main_task());
}

TEST(WaitFor, CancellingTheCallerWhileAZeroTimeoutWaitsForTheCancelledInner) {
    // asyncio's _cancel_and_wait: the caller stops waiting at once; the inner (already being
    // cancelled) finishes its cleanup in the background.
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto inner = corio::create_task(probe(&log, "inner", 1h, 10ms));
        co_await corio::yield_now();
        auto caller = corio::spawn(wait_for_handle, inner, std::optional<corio::duration>(0s));
        co_await corio::sleep(5ms);
        caller.cancel();
        EXPECT_EQ(co_await outcome_of(caller), "cancelled");
        EXPECT_EQ(now(), 5ms);
        EXPECT_FALSE(inner.done());
        EXPECT_EQ(inner.cancelling(), 1);  // cancelled once, by wait_for, not again
        co_await settle(inner);
        EXPECT_EQ(now(), 10ms);
        EXPECT_TRUE(inner.cancelled());
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace
