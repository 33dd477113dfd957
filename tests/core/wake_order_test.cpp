// The combinators wake their awaiter when asyncio's would (issue 7, item 3): a child's completion
// reaches a gather, shield, wait or as_completed through a done-callback (one iteration), which
// then wakes the awaiting task (a second one). Besides the order user code observes, this keeps an
// error from being lost when a task group cancels a gather that a child has just completed.
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

/// A child that finishes after one yield, logging it.
task<std::string> child(std::vector<std::string>* log, std::string name) {
    co_await corio::yield_now();
    log->push_back(name + " done");
    co_return name;
}

TEST(WakeOrder, EachAwaitTakesAsManyIterationsAsInAsyncio) {
    // CPython 3.11 prints exactly this trace for the same program (a ticker yielding beside).
    std::vector<std::string> log;
    auto main_task = [&]() -> task<void> {
        bool stop = false;
        auto ticker = corio::spawn([&]() -> task<void> {
            int i = 0;
            while (!stop) {  // `stop` is set by main_task while this task yields
                log.push_back("tick" + std::to_string(i++));
                co_await corio::yield_now();
            }
        });
        co_await corio::yield_now();
        co_await corio::gather(child(&log, "g"));
        log.push_back("gather resumed");
        co_await corio::shield(child(&log, "s"));
        log.push_back("shield resumed");
        std::vector<corio::task_handle<std::string>> w{corio::create_task(child(&log, "w"))};
        co_await corio::wait(w);
        log.push_back("wait resumed");
        co_await corio::create_task(child(&log, "a"));
        log.push_back("await resumed");
        stop = true;
        co_await ticker;
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (std::vector<std::string>{
                       "tick0",          "tick1",  "tick2",  "g done", "tick3",  "tick4",
                       "gather resumed", "tick5",  "tick6",  "s done", "tick7",  "tick8",
                       "shield resumed", "tick9",  "tick10", "w done", "tick11", "tick12",
                       "wait resumed",   "tick13", "tick14", "a done", "tick15", "await resumed"}));
}

task<void> fail_at(corio::duration d, std::string what) {
    co_await corio::sleep(d);
    throw std::runtime_error(what);
}

TEST(WakeOrder, AGroupChildAndAGatheredChildFailingTogetherAreBothReported) {
    // asyncio: the group reports [a, b] and cancels c. corio's gather used to complete in the
    // iteration b failed, so the group's cancellation replaced b's error (reported only as "never
    // retrieved") and c ran on.
    std::vector<std::string> errors;
    bool c_cancelled = false;
    corio::testing::exception_log stray;
    auto main_task = [&]() -> task<void> {
        corio::task_handle<void> c;
        try {
            co_await corio::task_group::run([&](corio::task_group& tg) -> task<void> {
                tg.create_task(fail_at(1s, "a"));
                c = corio::spawn([&]() -> task<void> {
                    try {
                        co_await corio::sleep(10s);
                    } catch (const cancelled_error&) {
                        c_cancelled = true;
                        throw;
                    }
                });
                co_await corio::gather(fail_at(1s, "b"), c);
            });
        } catch (const corio::exception_group& eg) {
            for (const auto& e : eg.exceptions()) errors.push_back(corio_test::message_of(e));
        }
        co_await corio::sleep(1ms);  // c has finished cancelling by now
        EXPECT_TRUE(c.cancelled());
    };
    corio::testing::run_virtual(main_task(), stray);
    EXPECT_EQ(errors, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(c_cancelled);
    EXPECT_TRUE(stray.empty()) << stray.messages.front();
}

TEST(WakeOrder, AWaiterTornDownWithItsReportQueuedLeavesNothingBehind) {
    // The loop closes under a gather over a task created after it: abandoning that task (newest
    // first) completes it, which queues the gather's report; abandoning the gather's task then
    // destroys the frame holding the report, which must leave the ready queue first (ASan would
    // report the queue's later use of the freed frame).
    corio::testing::exception_log log;
    corio::event_loop loop(corio::testing::virtual_time());
    log.install(loop);
    corio::task_handle<void> inner;
    auto outer = loop.create_task([](corio::task_handle<void>* inner) -> task<void> {
        co_await corio::yield_now();
        co_await corio::gather(*inner);
    }(&inner));
    inner = loop.create_task(corio_test::sleep_forever());
    loop.call_later(1s, [&] { loop.stop(); });
    loop.run_forever();
    EXPECT_FALSE(outer.done());
    loop.close();
    EXPECT_TRUE(outer.cancelled());
    EXPECT_TRUE(inner.cancelled());
    EXPECT_EQ(log.count("Task was destroyed but it is pending!"), 2U);
}

}  // namespace
