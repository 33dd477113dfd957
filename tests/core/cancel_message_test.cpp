// Which cancellation a task sees, with which message (issue 7, item 5), as CPython decides it:
// a wait that already ended with a cancellation keeps it (the first message), a wait that is over
// can no longer be interrupted (the request stays pending and `uncancel()` can withdraw it, as in
// Python 3.13), and an awaited task's own cancellation wins over a pending one.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/testing.hpp>

#include "combinator_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::task;
using corio_test::sleep_forever;

/// The message of the cancellation `t` ended with ("<not cancelled>" otherwise).
template <class H>
task<std::string> cancel_message_of(H t) {
    try {
        co_await t;
    } catch (const cancelled_error& e) {
        co_return e.message();
    }
    co_return "<not cancelled>";
}

TEST(CancelMessage, ASleepingTaskCancelledTwiceKeepsTheFirstMessage) {
    // CPython: t.cancel("m1"); t.cancel("m2") on a sleeping task raises CancelledError('m1'),
    // and cancelling() counts both.
    auto main_task = []() -> task<void> {
        auto t = corio::create_task(sleep_forever());
        co_await corio::yield_now();
        EXPECT_TRUE(t.cancel("m1"));
        EXPECT_TRUE(t.cancel("m2"));
        EXPECT_EQ(t.cancelling(), 2);
        EXPECT_EQ(co_await cancel_message_of(t), "m1");
    };
    corio::testing::run_virtual(main_task());
}

TEST(CancelMessage, ARunningTaskCancelledTwiceKeepsTheLastMessage) {
    // CPython: a pending cancellation (`_must_cancel`) takes the newest message, whether the task
    // has not started or cancels itself while running.
    auto main_task = []() -> task<void> {
        auto unstarted = corio::create_task(sleep_forever());
        unstarted.cancel("p1");
        unstarted.cancel("p2");
        EXPECT_EQ(co_await cancel_message_of(unstarted), "p2");
        auto running = corio::create_task([]() -> task<void> {
            corio::current_task().cancel("r1");
            corio::current_task().cancel("r2");
            co_await corio::yield_now();
        }());
        EXPECT_EQ(co_await cancel_message_of(running), "r2");
    };
    corio::testing::run_virtual(main_task());
}

TEST(CancelMessage, UncancelAfterTheSleepEndedLetsItReturnNormally) {
    // The sleep's timer has had its turn (the wait is over) when `poke` runs: cancel() can only
    // leave a pending request, which uncancel() withdraws (Python 3.13), so the sleep returns.
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto sleeper = corio::spawn([&]() -> task<void> {
            co_await corio::sleep(1s);
            log.push_back("slept");
            co_await corio::sleep(1s);
            log.push_back("slept again");
        });
        co_await corio::yield_now();  // the sleeper is asleep, its timer queued first
        corio::get_running_loop().call_later(1s, [&] {
            sleeper.cancel("m");
            EXPECT_EQ(sleeper.uncancel(), 0);
            log.push_back("poked");
        });
        co_await sleeper;
        EXPECT_EQ(log, (std::vector<std::string>{"poked", "slept", "slept again"}));
    };
    corio::testing::run_virtual(main_task());
}

TEST(CancelMessage, ACancelBeforeTheTimersTurnStillEndsTheSleep) {
    // The mirror case: `poke`'s timer is queued before the sleep's, so it runs while the sleep's
    // timer has not had its turn: the sleep is still interruptible, the cancellation is delivered
    // to it, and uncancel() cannot take it back (asyncio has cancelled the sleep's future).
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto& loop = corio::get_running_loop();
        corio::task_handle<void> sleeper;
        loop.call_later(1s, [&] {
            sleeper.cancel("m");
            EXPECT_EQ(sleeper.uncancel(), 0);
            log.push_back("poked");
        });
        sleeper = corio::spawn([&]() -> task<void> {
            try {
                co_await corio::sleep(1s);
                log.push_back("slept");
            } catch (const cancelled_error& e) {
                log.push_back("cancelled: " + e.message());
            }
        });
        co_await sleeper;
        EXPECT_EQ(log, (std::vector<std::string>{"poked", "cancelled: m"}));
    };
    corio::testing::run_virtual(main_task());
}

TEST(CancelMessage, TheAwaitedTasksMessageWinsOverAPendingCancellation) {
    // W awaits T; T is cancelled with "m1" and finishes; W is cancelled with "m2" before it
    // resumes: CPython raises T's CancelledError('m1') in W.
    auto main_task = []() -> task<void> {
        auto t = corio::create_task(sleep_forever());
        auto w = corio::create_task(cancel_message_of(t));
        co_await corio::yield_now();
        t.cancel("m1");
        co_await corio::yield_now();  // t finishes cancelled; w's wake-up is queued
        EXPECT_TRUE(t.done());
        w.cancel("m2");
        EXPECT_EQ(co_await w, "m1");
    };
    corio::testing::run_virtual(main_task());
}

TEST(CancelMessage, APendingCancellationStillReplacesAValue) {
    // Whatever else the awaited task gave (here a value) is replaced by the pending cancellation.
    auto main_task = []() -> task<void> {
        auto t = corio::create_task(corio_test::after(1ms, 7));
        auto w = corio::create_task(
            [](corio::task_handle<int> t) -> task<int> { co_return co_await t; }(t));
        co_await corio::sleep(1ms);
        co_await corio::yield_now();
        EXPECT_TRUE(t.done());
        w.cancel("late");
        EXPECT_EQ(co_await cancel_message_of(w), "late");
    };
    corio::testing::run_virtual(main_task());
}

TEST(CancelMessage, EveryReaderOfACancelledTaskSeesItsMessage) {
    // A deliberate difference (docs/design.md): CPython hands the message to the first reader
    // only (it keeps the original CancelledError just for chaining it once); corio gives each
    // awaiter, shield and gather(return_exceptions) the same message.
    auto main_task = []() -> task<void> {
        auto t = corio::create_task(sleep_forever());
        auto first = corio::create_task(cancel_message_of(t));
        auto second = corio::create_task(cancel_message_of(t));
        co_await corio::yield_now();
        t.cancel("m");
        EXPECT_EQ(co_await first, "m");
        EXPECT_EQ(co_await second, "m");
        auto [outcome] = co_await corio::gather(corio::return_exceptions, t);
        EXPECT_EQ(corio::detail::cancellation_message(std::get<1>(outcome)), "m");
        EXPECT_EQ(co_await cancel_message_of(corio::shield(t)), "m");
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace
