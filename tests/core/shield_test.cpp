// corio::shield: asyncio's shield.
#include <memory>
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
using corio_test::after;
using corio_test::now;
using corio_test::outcome_of;
using corio_test::settle;

TEST(Shield, GivesTheInnerResultOrException) {
    auto main_task = []() -> task<void> {
        EXPECT_EQ(co_await corio::shield(after(5ms, 1)), 1);
        auto h = corio::create_task(after(1ms, 2));
        EXPECT_EQ(co_await corio::shield(h), 2);
        EXPECT_EQ(co_await corio::shield(h), 2);  // done already: no suspension
        EXPECT_THROW(co_await corio::shield(corio_test::fail_after(1ms, "x")), std::runtime_error);
        co_await corio::shield(corio_test::nap(1ms));
        corio::future<std::string> f;
        corio::get_running_loop().call_later(1ms, [f]() mutable { f.set_result("f"); });
        EXPECT_EQ(co_await corio::shield(f), "f");
        auto boxed = []() -> task<std::unique_ptr<int>> { co_return std::make_unique<int>(3); };
        EXPECT_EQ(*co_await corio::shield(boxed()), 3);
        EXPECT_EQ(now(), 9ms);
    };
    corio::testing::run_virtual(main_task());
}

task<int> await_shielded(task_handle<int> inner) { co_return co_await corio::shield(inner); }

TEST(Shield, CancellingTheAwaiterLeavesTheInnerRunning) {
    auto main_task = []() -> task<void> {
        auto inner = corio::create_task(after(10ms, 5));
        auto awaiter = corio::spawn(await_shielded, inner);
        co_await corio::sleep(3ms);
        EXPECT_TRUE(awaiter.cancel("go"));
        EXPECT_EQ(co_await outcome_of(awaiter), "cancelled");
        EXPECT_EQ(now(), 3ms);  // at once
        EXPECT_FALSE(inner.done());
        EXPECT_EQ(inner.cancelling(), 0);
        EXPECT_EQ(co_await inner, 5);
        EXPECT_EQ(now(), 10ms);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Shield, AShieldedCoroutineRunsOnAsItsOwnTask) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        task_handle<int> inner;
        auto awaiter = corio::spawn([&log, &inner]() -> task<int> {
            auto s = corio::shield(corio_test::probe(&log, "inner", 10ms, {}, 6));
            inner = s.inner();
            co_return co_await std::move(s);
        });
        co_await corio::sleep(1ms);
        awaiter.cancel();
        co_await settle(awaiter);
        EXPECT_TRUE(awaiter.cancelled());
        EXPECT_EQ(co_await inner, 6);
        const std::vector<std::string> expected{"inner start", "inner done"};
        EXPECT_EQ(log, expected);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Shield, AnInnerCancelledBySomeoneElseRaisesCancelledError) {
    auto main_task = []() -> task<void> {
        auto inner = corio::create_task(after(1h, 0));
        corio::get_running_loop().call_later(2ms, [inner]() { inner.cancel("other"); });
        std::string message;
        try {
            co_await corio::shield(inner);
        } catch (const cancelled_error& e) {
            message = e.message();
        }
        EXPECT_EQ(message, "other");
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio::testing::run_virtual(main_task());
}

task<std::string> text_after(corio::duration d) {
    co_await corio::sleep(d);
    co_return "a string long enough to be heap-allocated, so a move would empty it";
}

TEST(Shield, ManyAwaitersOfOneShieldEachGetTheValue) {
    auto main_task = []() -> task<void> {
        auto shielded = corio::shield(text_after(10ms));
        auto waiter = [](decltype(shielded) s) -> task<std::string> { co_return co_await s; };
        auto a = corio::spawn(waiter, shielded);
        auto b = corio::spawn(waiter, shielded);
        co_await corio::sleep(1ms);
        a.cancel();
        EXPECT_EQ(co_await outcome_of(a), "cancelled");
        const std::string expected = co_await text_after(0ms);
        EXPECT_EQ(co_await b, expected);
        EXPECT_EQ(co_await corio::wait_for(shielded, 1h), expected);  // a copy, awaited as rvalue
        EXPECT_EQ(co_await std::move(shielded), expected);
        EXPECT_EQ(shielded.inner().result(), expected);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Shield, APendingCancellationEndsTheWaitAtOnce) {
    auto main_task = []() -> task<void> {
        auto inner = corio::create_task(after(5ms, 1));
        auto awaiter = corio::spawn(
            [](task_handle<int> i) -> task<int> {
                corio::current_task().cancel();
                co_return co_await corio::shield(i);
            },
            inner);
        EXPECT_EQ(co_await outcome_of(awaiter), "cancelled");
        EXPECT_EQ(now(), 0ms);
        EXPECT_EQ(co_await inner, 1);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Shield, ACancelArrivingAfterTheInnerFinishedIsRaisedAtTheNextSuspension) {
    auto main_task = []() -> task<void> {
        corio::future<int> f;
        bool resumed = false;
        auto awaiter = corio::spawn(
            [&resumed](corio::future<int> x) -> task<int> {
                int v = co_await corio::shield(x);
                resumed = true;
                co_return v;
            },
            f);
        co_await corio::yield_now();
        corio::get_running_loop().call_soon([f, awaiter]() mutable {
            f.set_result(1);
            awaiter.cancel();
        });
        EXPECT_EQ(co_await outcome_of(awaiter), "cancelled");
        EXPECT_FALSE(resumed);
        EXPECT_FALSE(f.cancelled());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Shield, AnUnreadFailureOfAnAbandonedShieldedCoroutineIsReported) {
    auto main_task = []() -> task<void> {
        auto awaiter = corio::spawn([]() -> task<int> {
            co_return co_await corio::shield(corio_test::fail_after(5ms, "late"));
        });
        co_await corio::sleep(1ms);
        awaiter.cancel();
        co_await settle(awaiter);
        co_await corio::sleep(10ms);
    };
    corio::testing::exception_log log;
    corio::testing::run_virtual(main_task(), log);
    ASSERT_EQ(log.size(), 1U);
    EXPECT_EQ(log.messages[0], "Task exception was never retrieved");
    EXPECT_EQ(corio_test::message_of(log.exceptions[0]), "late");
}

}  // namespace
