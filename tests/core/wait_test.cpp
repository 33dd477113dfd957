// corio::wait: asyncio's wait (first_completed, first_exception, all_completed, timeout).
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

#include "combinator_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::return_when;
using corio::task;
using corio::task_handle;
using corio_test::after;
using corio_test::fail_after;
using corio_test::now;
using corio_test::settle;

std::vector<int> values(const std::vector<task_handle<int>>& ts) {
    std::vector<int> out;
    for (const auto& t : ts) out.push_back(t.result());
    return out;
}

std::vector<task_handle<int>> start_three() {  // done at 30ms, 10ms, 20ms
    return {corio::create_task(after(30ms, 30)), corio::create_task(after(10ms, 10)),
            corio::create_task(after(20ms, 20))};
}

TEST(Wait, AllCompletedWaitsForEveryTask) {
    auto main_task = []() -> task<void> {
        auto ts = start_three();
        auto [done, pending] = co_await corio::wait(ts);
        EXPECT_EQ(now(), 30ms);
        EXPECT_EQ(values(done), (std::vector<int>{30, 10, 20}));  // input order
        EXPECT_TRUE(pending.empty());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, FirstCompletedReturnsAtTheFirstOne) {
    auto main_task = []() -> task<void> {
        auto ts = start_three();
        auto [done, pending] = co_await corio::wait(ts, return_when::first_completed);
        EXPECT_EQ(now(), 10ms);
        EXPECT_EQ(values(done), (std::vector<int>{10}));
        EXPECT_EQ(pending.size(), 2U);
        EXPECT_TRUE(pending[0] == ts[0] && pending[1] == ts[2]);
        for (auto& t : pending) EXPECT_FALSE(t.cancelled());
        co_await corio::wait(pending);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, FirstExceptionIgnoresCancellationsAndDoesNotRetrieveTheError) {
    auto main_task = []() -> task<void> {
        auto victim = corio::create_task(after(1h, 0));
        auto failing = corio::create_task(fail_after(10ms, "bad"));
        auto slow = corio::create_task(after(30ms, 3));
        corio::get_running_loop().call_later(5ms, [victim]() { victim.cancel(); });
        std::vector<task_handle<int>> ts{victim, failing, slow};
        auto [done, pending] = co_await corio::wait(ts, return_when::first_exception);
        EXPECT_EQ(now(), 10ms);  // the cancellation at 5ms did not count
        EXPECT_EQ(done.size(), 2U);
        EXPECT_TRUE(done[0] == victim && done[1] == failing);
        EXPECT_TRUE(pending.size() == 1U && pending[0] == slow);
        co_await slow;
        // failing's exception is left unread: wait() did not mark it retrieved.
    };
    corio::testing::exception_log log;
    corio::testing::run_virtual(main_task(), log);
    EXPECT_EQ(log.count("Task exception was never retrieved"), 1U);
}

TEST(Wait, FirstExceptionWithoutFailuresWaitsForAll) {
    auto main_task = []() -> task<void> {
        auto ts = start_three();
        auto [done, pending] = co_await corio::wait(ts, return_when::first_exception);
        EXPECT_EQ(now(), 30ms);
        EXPECT_EQ(done.size(), 3U);
        EXPECT_TRUE(pending.empty());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, TimeoutReturnsWhatIsDoneAndCancelsNothing) {
    auto main_task = []() -> task<void> {
        auto ts = start_three();
        auto [done, pending] = co_await corio::wait(ts, 15ms);
        EXPECT_EQ(now(), 15ms);  // exactly the timeout
        EXPECT_EQ(values(done), (std::vector<int>{10}));
        EXPECT_EQ(pending.size(), 2U);
        for (auto& t : pending) EXPECT_FALSE(t.cancelled() || t.done());
        // A timeout that is not reached changes nothing.
        auto rest = co_await corio::wait(pending, 1h, return_when::all_completed);
        EXPECT_EQ(now(), 30ms);
        EXPECT_EQ(rest.done.size(), 2U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, TimeoutAtANonMillisecondDeadlineIsExact) {
    auto main_task = []() -> task<void> {
        std::vector<task_handle<int>> ts{corio::create_task(after(1h, 0))};
        co_await corio::wait(ts, 1500us);
        EXPECT_EQ(now(), 1500us);
        ts[0].cancel();
        co_await corio::wait(ts);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, ZeroAndNegativeTimeoutsReturnOnTheNextTimerPass) {
    auto main_task = []() -> task<void> {
        auto quick = corio::create_task(after(0ms, 1));
        co_await corio::yield_now();
        co_await corio::yield_now();
        auto ts = start_three();
        ts.push_back(quick);
        for (corio::duration t : {corio::duration(0ms), corio::duration(-5s)}) {
            auto [done, pending] = co_await corio::wait(ts, t);
            EXPECT_EQ(now(), 0ms);
            EXPECT_EQ(values(done), (std::vector<int>{1}));
            EXPECT_EQ(pending.size(), 3U);
        }
        co_await corio::wait(ts);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, AlreadySatisfiedStillGoesThroughTheLoop) {
    // asyncio's _wait always awaits its waiter future, released by done-callbacks.
    auto main_task = []() -> task<void> {
        auto ts = start_three();
        co_await corio::wait(ts);
        bool other_ran = false;
        auto other = corio::spawn([&other_ran]() -> task<void> {
            other_ran = true;
            co_return;
        });
        auto [done, pending] = co_await corio::wait(ts, return_when::first_completed);
        EXPECT_EQ(done.size(), 3U);
        EXPECT_TRUE(other_ran);
        co_await other;
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, MixedTaskTypesThroughTaskRefAndFutures) {
    auto main_task = []() -> task<void> {
        auto word = []() -> task<std::string> {
            co_await corio::sleep(5ms);
            co_return "w";
        };
        auto n = corio::create_task(after(10ms, 1));
        auto w = corio::create_task(word());
        std::vector<corio::task_ref> refs{n, w};
        auto [done, pending] = co_await corio::wait(refs, return_when::first_completed);
        EXPECT_TRUE(done.size() == 1U && done[0] == w);
        EXPECT_TRUE(pending.size() == 1U && pending[0] == n);

        std::vector<corio::future<int>> fs(2);
        corio::get_running_loop().call_later(1ms, [f = fs[1]]() mutable { f.set_result(1); });
        auto r = co_await corio::wait(fs, return_when::first_completed);
        EXPECT_TRUE(r.done.size() == 1U && r.done[0] == fs[1]);
        fs[0].cancel();
        co_await n;
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, DuplicatesAreReportedOnce) {
    auto main_task = []() -> task<void> {
        auto t = corio::create_task(after(1ms, 1));
        std::vector<task_handle<int>> ts{t, t, t};
        auto [done, pending] = co_await corio::wait(ts);
        EXPECT_EQ(done.size(), 1U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, BadArgumentsAreRejected) {
    auto main_task = []() -> task<void> {
        std::vector<task_handle<int>> none;
        EXPECT_THROW((void)corio::wait(none), std::invalid_argument);
        std::vector<task_handle<int>> one{corio::create_task(after(1ms, 1))};
        EXPECT_THROW((void)corio::wait(one, static_cast<return_when>(7)), std::invalid_argument);
        co_await corio::wait(one);
    };
    corio::testing::run_virtual(main_task());
}

// ---- cancelling the waiting task --------------------------------------------------------------

task<void> wait_on(std::vector<task_handle<int>> ts, std::optional<corio::duration> timeout) {
    co_await corio::wait(ts, timeout, return_when::all_completed);
}

TEST(Wait, CancellingTheWaiterLeavesTheTasksAlone) {
    auto main_task = []() -> task<void> {
        for (std::optional<corio::duration> timeout :
             {std::optional<corio::duration>(), std::optional<corio::duration>(20ms)}) {
            auto ts = start_three();
            auto waiter = corio::spawn(wait_on, ts, timeout);
            co_await corio::sleep(5ms);
            EXPECT_TRUE(waiter.cancel());
            co_await settle(waiter);
            EXPECT_TRUE(waiter.cancelled());
            for (auto& t : ts) EXPECT_TRUE(!t.done() && t.cancelling() == 0);
            co_await corio::wait(ts);  // 20ms passes too: a timer left behind would fire now
            EXPECT_EQ(values(ts), (std::vector<int>{30, 10, 20}));
        }
    };
    corio::testing::run_virtual(main_task());
}

TEST(Wait, APendingCancellationIsRaisedEvenWhenNothingWaits) {
    auto main_task = []() -> task<void> {
        auto ts = start_three();
        co_await corio::wait(ts);
        auto waiter = corio::spawn(
            [](std::vector<task_handle<int>> v) -> task<void> {
                corio::current_task().cancel();
                co_await corio::wait(v);  // already satisfied, yet cancelled
            },
            ts);
        co_await settle(waiter);
        EXPECT_TRUE(waiter.cancelled());
    };
    corio::testing::run_virtual(main_task());
}

// ---- the seed scenario: get_all with a timeout and first_completed ----------------------------

task<std::string> fetch(std::string name, corio::duration d) {
    co_await corio::sleep(d);
    co_return name;
}

/// Starts three fetches, keeps what finishes first (within `timeout`), cancels the rest.
task<std::vector<std::string>> get_all(corio::duration timeout) {
    std::vector<task_handle<std::string>> fetches{corio::create_task(fetch("slow", 300ms)),
                                                  corio::create_task(fetch("fast", 100ms)),
                                                  corio::create_task(fetch("medium", 200ms))};
    auto [done, pending] = co_await corio::wait(fetches, timeout, return_when::first_completed);
    std::vector<std::string> got;
    for (auto& t : done) got.push_back(t.result());
    for (auto& t : pending) t.cancel();
    if (!pending.empty()) {
        auto cancelled = co_await corio::wait(pending);  // let them finish cancelling
        for (auto& t : cancelled.done) EXPECT_TRUE(t.cancelled());
    }
    co_return got;
}

TEST(Wait, SeedGetAllWithTimeoutAndFirstCompleted) {
    auto main_task = []() -> task<void> {
        const std::vector<std::string> fast{"fast"};
        EXPECT_EQ(co_await get_all(1s), fast);
        EXPECT_EQ(now(), 100ms);
        EXPECT_EQ(corio::all_tasks().size(), 1U);  // nothing left running

        EXPECT_TRUE((co_await get_all(50ms)).empty());  // the timeout came first
        EXPECT_EQ(now(), 150ms);
        EXPECT_EQ(corio::all_tasks().size(), 1U);
    };
    corio::testing::exception_log log;
    corio::testing::run_virtual(main_task(), log);
    EXPECT_TRUE(log.empty());
}

}  // namespace
