// Scheduled tasks: create_task, spawn, task_handle (asyncio's Task), current_task, all_tasks.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::task;
using corio::task_handle;

task<int> after(corio::duration d, int v) {
    co_await corio::sleep(d);
    co_return v;
}

task<void> fails_after(corio::duration d) {
    co_await corio::sleep(d);
    throw std::runtime_error("task failed");
}

TEST(TaskHandle, CreateTaskRunsConcurrentlyAndIsAwaitable) {
    auto main_task = []() -> task<int> {
        auto a = corio::create_task(after(20ms, 1));
        auto b = corio::create_task(after(10ms, 2));
        EXPECT_FALSE(a.done());
        int sum = co_await a + co_await b;
        EXPECT_TRUE(a.done() && b.done());
        EXPECT_EQ(a.result(), 1);
        co_return sum;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), 3);
}

TEST(TaskHandle, ManyAwaitersGetTheSameResult) {
    auto main_task = []() -> task<int> {
        auto shared = corio::create_task(after(5ms, 7));
        auto waiter = [](task_handle<int> t) -> task<int> { co_return co_await t; };
        auto w1 = corio::create_task(waiter(shared));
        auto w2 = corio::create_task(waiter(shared));
        co_return co_await w1 + co_await w2 + co_await shared;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), 21);
}

TEST(TaskHandle, NamesAndIntrospection) {
    auto main_task = []() -> task<void> {
        auto t = corio::create_task(after(1ms, 0), "worker");
        EXPECT_EQ(t.get_name(), "worker");
        t.set_name("renamed");
        EXPECT_EQ(t.get_name(), "renamed");
        auto unnamed = corio::create_task(after(1ms, 0));
        EXPECT_EQ(unnamed.get_name().rfind("Task-", 0), 0U);
        EXPECT_EQ(corio::all_tasks().size(), 3U);  // main, t, unnamed
        EXPECT_TRUE(corio::current_task());
        EXPECT_EQ(corio::current_task().get_name().rfind("Task-", 0), 0U);
        co_await t;
        co_await unnamed;
        EXPECT_EQ(corio::all_tasks().size(), 1U);
    };
    corio_test::run_virtual(main_task());
    EXPECT_FALSE(corio::current_task());
}

TEST(TaskHandle, ResultAndExceptionBeforeDoneAreInvalidState) {
    auto main_task = []() -> task<void> {
        auto t = corio::create_task(after(1ms, 5));
        EXPECT_THROW(t.result(), corio::invalid_state_error);
        EXPECT_THROW((void)t.exception(), corio::invalid_state_error);
        co_await t;
        EXPECT_EQ(t.exception(), nullptr);
    };
    corio_test::run_virtual(main_task());
}

TEST(TaskHandle, ExceptionIsStoredAndRethrown) {
    auto main_task = []() -> task<void> {
        auto t = corio::create_task(fails_after(1ms));
        EXPECT_THROW(co_await t, std::runtime_error);
        EXPECT_TRUE(t.done());
        EXPECT_FALSE(t.cancelled());
        EXPECT_NE(t.exception(), nullptr);
    };
    corio_test::run_virtual(main_task());
}

TEST(TaskHandle, UnretrievedExceptionIsReportedWithTheTaskName) {
    corio::event_loop loop(corio_test::virtual_time());
    corio_test::handler_log log;
    log.install(loop);
    auto main_task = []() -> task<void> {
        corio::create_task(fails_after(1ms), "fire-and-forget");  // handle dropped at once
        co_await corio::sleep(10ms);
    };
    loop.run_until_complete(main_task());
    ASSERT_EQ(log.messages.size(), 1U);
    EXPECT_EQ(log.messages[0], "Task exception was never retrieved");
    EXPECT_EQ(log.task_names[0], "fire-and-forget");
}

TEST(TaskHandle, DoneCallbacksRunOnTheLoopInOrder) {
    auto main_task = []() -> task<std::vector<std::string>> {
        std::vector<std::string> log;
        auto t = corio::create_task(after(1ms, 3), "cb");
        t.add_done_callback(
            [&log](task_handle<int>& h) { log.push_back("first " + std::to_string(h.result())); });
        t.add_done_callback(
            [&log](task_handle<int>& h) { log.push_back("second " + h.get_name()); });
        co_await t;
        co_await corio::yield_now();  // callbacks were scheduled with call_soon
        t.add_done_callback([&log](task_handle<int>&) { log.push_back("late"); });
        co_await corio::yield_now();
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()),
              (std::vector<std::string>{"first 3", "second cb", "late"}));
}

TEST(TaskHandle, SpawnKeepsTheCallableAndArgumentsAlive) {
    auto main_task = []() -> task<std::string> {
        corio::task_handle<std::string> t;
        {
            // The lambda and its capture are temporaries of this block; spawn moves them into the
            // task, so the coroutine reads them safely after the block is gone.
            auto prefix = std::make_shared<std::string>("hello ");
            t = corio::spawn(
                [prefix](std::string who) -> task<std::string> {
                    co_await corio::sleep(1ms);
                    co_return *prefix + who;
                },
                std::string("world"));
        }
        co_return co_await t;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), "hello world");
}

TEST(TaskHandle, YieldNowInterleavesTasksRoundRobin) {
    auto main_task = []() -> task<std::string> {
        std::string trace;
        auto worker = [](std::string* out, char c) -> task<void> {
            for (int i = 0; i < 3; ++i) {
                *out += c;
                co_await corio::yield_now();
            }
        };
        auto a = corio::spawn(worker, &trace, 'a');
        auto b = corio::spawn(worker, &trace, 'b');
        co_await a;
        co_await b;
        co_return trace;
    };
    EXPECT_EQ(corio::run(main_task()), "ababab");
}

TEST(TaskHandle, BusyTaskOnReadyAwaitsCannotStarveTimers) {
    // A task awaiting an always-done future never has to suspend; the cooperative budget makes it
    // go back to the loop anyway, so the timer that stops it gets to fire.
    auto main_task = []() -> task<long> {
        corio::future<int> done_already;
        done_already.set_result(1);
        bool stop = false;
        corio::get_running_loop().call_later(1ms, [&stop] { stop = true; });
        long spins = 0;
        while (!stop) spins += co_await done_already;
        co_return spins;
    };
    EXPECT_GT(corio::run(main_task()), 0);
}

TEST(TaskHandle, BusyTaskOnSynchronousChildTasksCannotStarveOthers) {
    auto main_task = []() -> task<bool> {
        bool other_ran = false;
        auto other = corio::spawn([&other_ran]() -> task<void> {
            other_ran = true;
            co_return;
        });
        auto quick = []() -> task<int> { co_return 1; };
        long n = 0;
        while (!other_ran) n += co_await quick();
        co_await other;
        co_return n > 0;
    };
    EXPECT_TRUE(corio::run(main_task()));
}

}  // namespace

TEST(TaskHandle, RecordAndCancelWorkOnConstHandles) {
    // task_handle<T>::record() used to be hidden by a private alias named `record`; cancel() was
    // non-const, so a lambda capturing a handle by value needed `mutable`.
    auto main_task = []() -> task<void> {
        const task_handle<void> h =
            corio::create_task([]() -> task<void> { co_await corio::sleep(1h); }());
        EXPECT_NE(h.record(), nullptr);
        EXPECT_EQ(h.record(), static_cast<const corio::task_ref&>(h).record());
        corio::get_running_loop().call_soon([h] { h.cancel("from a const capture"); });
        EXPECT_THROW(co_await h, corio::cancelled_error);
        EXPECT_EQ(h.uncancel(), 0);
    };
    corio_test::run_virtual(main_task());
}

namespace {

corio::task<std::unique_ptr<int>> boxed_after(corio::duration d) {
    co_await corio::sleep(d);
    co_return std::make_unique<int>(9);
}

TEST(TaskHandle, AMoveOnlyResultGoesToOneAwaiterAndASecondAwaitIsInvalidState) {
    auto main_task = []() -> corio::task<void> {
        auto t = corio::create_task(boxed_after(std::chrono::milliseconds(1)));
        auto first = co_await t;
        EXPECT_TRUE(first && *first == 9);
        EXPECT_THROW(co_await t, corio::invalid_state_error);  // not a silently moved-from value
        EXPECT_THROW((void)t.result(), corio::invalid_state_error);
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace

namespace {

/// Every member of an empty handle that needs a task throws invalid_state_error.
void expect_empty(corio::task_handle<int>& h) {
    using corio::invalid_state_error;
    EXPECT_FALSE(h.valid());
    EXPECT_FALSE(h);
    EXPECT_EQ(h, corio::task_handle<int>());
    EXPECT_THROW((void)h.done(), invalid_state_error);
    EXPECT_THROW((void)h.cancelled(), invalid_state_error);
    EXPECT_THROW(h.cancel("x"), invalid_state_error);
    EXPECT_THROW((void)h.cancelling(), invalid_state_error);
    EXPECT_THROW(h.uncancel(), invalid_state_error);
    EXPECT_THROW((void)h.exception(), invalid_state_error);
    EXPECT_THROW((void)h.get_name(), invalid_state_error);
    EXPECT_THROW(h.set_name("x"), invalid_state_error);
    EXPECT_THROW((void)h.get_loop(), invalid_state_error);
    EXPECT_THROW((void)h.result(), invalid_state_error);
    EXPECT_THROW(h.add_done_callback([](corio::task_handle<int>&) {}), invalid_state_error);
}

/// What `fn` threw as an invalid_state_error ("" if nothing).
template <class F>
std::string invalid_state_message(F fn) {
    try {
        fn();
    } catch (const corio::invalid_state_error& e) {
        return e.what();
    }
    return "";
}

TEST(TaskHandle, EmptyHandlesThrowInvalidStateError) {
    auto main_task = []() -> corio::task<void> {
        corio::task_handle<int> fresh;
        expect_empty(fresh);
        auto live = corio::create_task(after(1ms, 3));
        auto moved = std::move(live);
        expect_empty(live);  // NOLINT(bugprone-use-after-move): moved-from is empty
        EXPECT_EQ(invalid_state_message([&] { (void)live.result(); }),
                  "task_handle is empty (default-constructed or moved from)");
        EXPECT_THROW(co_await live, corio::invalid_state_error);
        EXPECT_EQ(corio::current_task().cancelling(), 0);  // the awaiter is unharmed
        EXPECT_TRUE(moved.valid());
        EXPECT_EQ(co_await moved, 3);
    };
    corio_test::run_virtual(main_task());

    const corio::task_ref outside = corio::current_task();  // no task is running
    EXPECT_FALSE(outside.valid());
    EXPECT_EQ(invalid_state_message([&] { (void)outside.get_name(); }),
              "task_ref is empty (default-constructed, moved from, or current_task() outside a "
              "task)");
}

TEST(TaskHandle, CombinatorsRefuseEmptyHandlesBeforeStartingAnything) {
    auto main_task = []() -> corio::task<void> {
        auto live = corio::create_task(after(1ms, 3));
        corio::task_handle<int> empty;
        std::vector<corio::task_handle<int>> handles{live, empty};
        EXPECT_THROW((void)co_await corio::gather(handles), corio::invalid_state_error);
        EXPECT_THROW((void)co_await corio::wait(handles), corio::invalid_state_error);
        EXPECT_THROW((void)co_await corio::shield(empty), corio::invalid_state_error);
        EXPECT_THROW((void)co_await corio::wait_for(empty, 1s), corio::invalid_state_error);
        corio::future<int> moved_from;
        corio::future<int> taker = std::move(moved_from);
        std::vector<corio::future<int>> futures{moved_from};  // NOLINT(bugprone-use-after-move)
        EXPECT_THROW((void)co_await corio::gather(futures), corio::invalid_state_error);
        // Nothing was cancelled or consumed: the live task finishes as if none of it happened.
        EXPECT_EQ(co_await live, 3);
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio_test::run_virtual(main_task());
}

}  // namespace
