// corio::gather: cancelling the awaiting task (and the gather itself), asyncio 3.11 semantics, on
// the virtual clock.
#include <string>
#include <tuple>
#include <variant>
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
using corio_test::fail_after;
using corio_test::message_of;
using corio_test::now;
using corio_test::probe;
using corio_test::settle;

task<std::string> gather_two(std::vector<std::string>* log, corio::duration cleanup_a) {
    auto [a, b] = co_await corio::gather(probe(log, "a", 1h, cleanup_a), probe(log, "b", 1h));
    co_return std::to_string(a + b);
}

TEST(Gather, CancellingTheAwaiterCancelsEveryChildAndRaisesAtTheFirstCancelledOne) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto outer = corio::spawn(gather_two, &log, corio::duration(10ms));
        co_await corio::sleep(5ms);
        EXPECT_TRUE(outer.cancel());
        co_await settle(outer);
        EXPECT_TRUE(outer.cancelled());
        EXPECT_EQ(now(), 5ms);  // b finished cancelling at once; a still cleans up
        EXPECT_EQ(corio::all_tasks().size(), 2U);
        co_await corio::sleep(20ms);
        EXPECT_EQ(log, (std::vector<std::string>{"a start", "b start", "a cancelled", "b cancelled",
                                                 "b cleaned", "a cleaned"}));
        EXPECT_EQ(corio::all_tasks().size(), 1U);
    };
    corio::testing::exception_log log;
    corio::testing::run_virtual(main_task(), log);
    EXPECT_TRUE(log.empty());
}

task<void> gather_all_settled(std::vector<std::string>* log) {
    auto results = co_await corio::gather(corio::return_exceptions, probe(log, "a", 1h, 10ms),
                                          probe(log, "b", 1h));
    log->push_back("gather returned " + std::to_string(std::get<1>(results).index()));
}

TEST(Gather, ReturnExceptionsCancelledWaitsForAllChildrenThenRaises) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto outer = corio::spawn(gather_all_settled, &log);
        co_await corio::sleep(5ms);
        outer.cancel();
        co_await settle(outer);
        EXPECT_TRUE(outer.cancelled());
        EXPECT_EQ(now(), 15ms);  // after a's cleanup
        EXPECT_EQ(log.back(), "a cleaned");
        EXPECT_EQ(corio::all_tasks().size(), 1U);
    };
    corio::testing::run_virtual(main_task());
}

task<int> gather_stubborn_children() {
    auto [a, b] = co_await corio::gather(corio_test::stubborn(1h, 1), corio_test::stubborn(1h, 2));
    co_return a + b;
}

task<int> gather_stubborn_children_settled() {
    auto [a, b] = co_await corio::gather(corio::return_exceptions, corio_test::stubborn(1h, 1),
                                         corio_test::stubborn(1h, 2));
    co_return static_cast<int>(a.index() + b.index());
}

TEST(Gather, ChildrenSwallowingTheCancellationStillLeaveTheGatherCancelled) {
    // asyncio's _GatheringFuture remembers the cancel request: once every child is done the
    // gather raises CancelledError, whatever the children returned.
    auto main_task = []() -> task<void> {
        auto first = corio::create_task(gather_stubborn_children());
        auto second = corio::create_task(gather_stubborn_children_settled());
        co_await corio::sleep(1ms);
        first.cancel();
        second.cancel();
        co_await settle(first);
        co_await settle(second);
        EXPECT_TRUE(first.cancelled());
        EXPECT_TRUE(second.cancelled());
        EXPECT_EQ(now(), 1ms);
        EXPECT_EQ(corio::all_tasks().size(), 1U);
    };
    corio::testing::run_virtual(main_task());
}

task<void> gather_futures(std::vector<corio::future<int>> fs, bool settled) {
    if (settled) {
        co_await corio::gather(corio::return_exceptions, fs);
    } else {
        co_await corio::gather(fs);
    }
}

TEST(Gather, CancellingTheAwaiterCancelsFutureChildren) {
    auto main_task = []() -> task<void> {
        for (bool settled : {false, true}) {
            std::vector<corio::future<int>> fs(3);
            fs[1].set_result(1);
            auto outer = corio::spawn(gather_futures, fs, settled);
            co_await corio::sleep(1ms);
            outer.cancel("stop");
            co_await settle(outer);
            EXPECT_TRUE(outer.cancelled());
            EXPECT_TRUE(fs[0].cancelled());
            EXPECT_FALSE(fs[1].cancelled());
            EXPECT_TRUE(fs[2].cancelled());
        }
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, CancelArrivingAfterTheLastChildIsRaisedAtTheNextSuspension) {
    // Every child is done and the awaiter is woken but has not run yet: cancelling it cannot
    // cancel the gather any more (asyncio: _GatheringFuture.cancel() returns False), so the
    // cancellation stays pending on the task and is raised when it resumes.
    auto main_task = []() -> task<void> {
        corio::future<int> a;
        corio::future<int> b;
        bool after_gather = false;
        auto outer = corio::spawn(
            [&after_gather](corio::future<int> x, corio::future<int> y) -> task<int> {
                auto [p, q] = co_await corio::gather(x, y);
                after_gather = true;
                co_return p + q;
            },
            a, b);
        co_await corio::sleep(1ms);
        corio::get_running_loop().call_soon([a, b, outer]() mutable {
            a.set_result(1);
            b.set_result(2);
            outer.cancel();
        });
        co_await settle(outer);
        EXPECT_TRUE(outer.cancelled());
        EXPECT_FALSE(after_gather);
        EXPECT_FALSE(a.cancelled());
        EXPECT_FALSE(b.cancelled());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, APendingCancellationCancelsTheChildrenBeforeTheyStart) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto outer = corio::spawn([&log]() -> task<void> {
            corio::current_task().cancel();  // pending: raised at the next suspension point
            co_await corio::gather(probe(&log, "a", 1h), probe(&log, "b", 1h));
        });
        co_await settle(outer);
        EXPECT_TRUE(outer.cancelled());
        co_await corio::yield_now();
        EXPECT_TRUE(log.empty());  // the children were cancelled before their first step
        EXPECT_EQ(corio::all_tasks().size(), 1U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, ATaskPassedTwiceIsCancelledOncePerEntry) {
    // asyncio's _GatheringFuture.cancel loops over its children list, duplicates included: the
    // task gets two requests (cancelling() == 2), though it finishes cancelled once.
    auto main_task = []() -> task<void> {
        auto h = corio::create_task(corio_test::sleep_forever());
        auto outer = corio::spawn(
            [](task_handle<void> t) -> task<void> { co_await corio::gather(t, t); }, h);
        co_await corio::sleep(1ms);
        outer.cancel();
        co_await settle(outer);
        EXPECT_TRUE(h.cancelled());
        EXPECT_EQ(h.cancelling(), 2);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, CancellingAGatherTaskDirectly) {
    // Python: g = gather(...); g.cancel(). In corio the gather is a task once scheduled.
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto g = corio::create_task(corio::gather(probe(&log, "a", 1h), probe(&log, "b", 1h)));
        co_await corio::sleep(1ms);
        EXPECT_TRUE(g.cancel());
        EXPECT_EQ(co_await corio_test::outcome_of(g), "cancelled");
        co_await corio::yield_now();
        EXPECT_EQ(corio::all_tasks().size(), 1U);
        EXPECT_EQ(log.size(), 6U);
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace
