// corio::as_completed: asyncio's as_completed, as an object with `co_await next()`.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

#include "combinator_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::task;
using corio::task_handle;
using corio::timeout_error;
using corio_test::after;
using corio_test::now;
using corio_test::outcome_of;
using corio_test::settle;

std::vector<task<int>> three() {  // done at 30ms, 10ms, 20ms
    std::vector<task<int>> v;
    v.push_back(after(30ms, 30));
    v.push_back(after(10ms, 10));
    v.push_back(after(20ms, 20));
    return v;
}

TEST(AsCompleted, HandsOutInCompletionOrderAtTheRightTimes) {
    auto main_task = []() -> task<void> {
        auto it = corio::as_completed(three());
        EXPECT_EQ(it.remaining(), 3U);
        std::vector<int> got;
        std::vector<corio::duration> times;
        while (auto t = co_await it.next()) {
            got.push_back(t->result());
            times.push_back(now());
        }
        EXPECT_EQ(got, (std::vector<int>{10, 20, 30}));
        EXPECT_EQ(times, (std::vector<corio::duration>{10ms, 20ms, 30ms}));
        EXPECT_EQ(it.remaining(), 0U);
        EXPECT_FALSE((co_await it.next()).has_value());  // stays exhausted
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, AlreadyDoneChildrenComeFirstInInputOrder) {
    auto main_task = []() -> task<void> {
        std::vector<task_handle<int>> hs{corio::create_task(after(5ms, 1)),
                                         corio::create_task(after(1h, 2)),
                                         corio::create_task(after(1ms, 3))};
        co_await corio::sleep(6ms);
        auto it = corio::as_completed(hs);
        EXPECT_EQ((co_await it.next())->result(), 1);
        EXPECT_EQ((co_await it.next())->result(), 3);
        EXPECT_EQ(now(), 6ms);
        hs[1].cancel();
        auto last = co_await it.next();
        EXPECT_TRUE(last && last->cancelled());
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, EmptyInputEndsAtOnce) {
    auto main_task = []() -> task<void> {
        auto it = corio::as_completed(std::vector<task_handle<int>>{}, 1s);
        EXPECT_FALSE((co_await it.next()).has_value());
        EXPECT_EQ(now(), 0s);
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, FailuresAreHandedOutLikeAnyOther) {
    auto main_task = []() -> task<void> {
        std::vector<task<int>> v;
        v.push_back(corio_test::fail_after(1ms, "bad"));
        v.push_back(after(2ms, 2));
        auto it = corio::as_completed(std::move(v));
        auto first = co_await it.next();
        EXPECT_THROW(first->result(), std::runtime_error);
        EXPECT_EQ((co_await it.next())->result(), 2);
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, TimeoutRaisesOnceForEachUnfinishedChildAndCancelsNothing) {
    auto main_task = []() -> task<void> {
        std::vector<task_handle<int>> hs;
        for (auto& t : three()) hs.push_back(corio::create_task(std::move(t)));
        auto it = corio::as_completed(hs, 15ms);
        EXPECT_EQ((co_await it.next())->result(), 10);
        EXPECT_THROW(co_await it.next(), timeout_error);
        EXPECT_EQ(now(), 15ms);                           // exactly
        EXPECT_THROW(co_await it.next(), timeout_error);  // at once
        EXPECT_EQ(now(), 15ms);
        EXPECT_FALSE((co_await it.next()).has_value());
        for (auto& h : hs) EXPECT_EQ(h.cancelling(), 0);
        co_await corio::wait(hs);
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, ChildrenDoneBeforeTheTimeoutAreStillHandedOutFirst) {
    auto main_task = []() -> task<void> {
        auto it = corio::as_completed(three(), 15ms);
        co_await corio::sleep(25ms);  // the 10ms one finished in time, the 20ms one did not
        EXPECT_EQ((co_await it.next())->result(), 10);
        EXPECT_THROW(co_await it.next(), timeout_error);
        EXPECT_THROW(co_await it.next(), timeout_error);
        EXPECT_FALSE((co_await it.next()).has_value());
        co_await corio::sleep(10ms);
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, ZeroTimeoutGivesOnlyWhatIsDone) {
    auto main_task = []() -> task<void> {
        corio::future<int> ready;
        ready.set_result(1);
        corio::future<int> never;
        std::vector<corio::future<int>> fs{ready, never};
        auto it = corio::as_completed(fs, 0s);
        EXPECT_EQ((co_await it.next())->result(), 1);
        EXPECT_THROW(co_await it.next(), timeout_error);
        EXPECT_EQ(now(), 0s);
        never.cancel();
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, DuplicatesAndMixedTypes) {
    auto main_task = []() -> task<void> {
        auto n = corio::create_task(after(2ms, 1));
        auto word = []() -> task<std::string> {
            co_await corio::sleep(1ms);
            co_return "w";
        };
        auto w = corio::create_task(word());
        std::vector<corio::task_ref> refs{n, w, n};
        auto it = corio::as_completed(refs);
        EXPECT_EQ(it.remaining(), 2U);
        EXPECT_TRUE(*co_await it.next() == w);
        EXPECT_TRUE(*co_await it.next() == n);
        EXPECT_FALSE((co_await it.next()).has_value());
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, OneWaiterAtATime) {
    auto main_task = []() -> task<void> {
        auto it = corio::as_completed(three());
        auto first = corio::spawn(
            [](corio::as_completed_iterator<task_handle<int>> i) -> task<int> {
                co_return (co_await i.next())->result();
            },
            it);
        co_await corio::yield_now();
        EXPECT_THROW(co_await it.next(), corio::invalid_state_error);
        EXPECT_EQ(co_await first, 10);
        EXPECT_EQ((co_await it.next())->result(), 20);
        co_await corio::sleep(1h);
    };
    corio::testing::run_virtual(main_task());
}

// ---- cancelling the waiting task --------------------------------------------------------------

task<int> next_value(corio::as_completed_iterator<task_handle<int>> it) {
    auto t = co_await it.next();
    co_return t ? t->result() : -1;
}

TEST(AsCompleted, CancellingTheWaiterConsumesNothingAndCancelsNoChild) {
    auto main_task = []() -> task<void> {
        std::vector<task_handle<int>> hs;
        for (auto& t : three()) hs.push_back(corio::create_task(std::move(t)));
        auto it = corio::as_completed(hs, 1h);
        auto waiter = corio::spawn(next_value, it);
        co_await corio::sleep(5ms);
        waiter.cancel();
        EXPECT_EQ(co_await outcome_of(waiter), "cancelled");
        EXPECT_EQ(it.remaining(), 3U);
        for (auto& h : hs) EXPECT_TRUE(!h.done() && h.cancelling() == 0);
        EXPECT_EQ((co_await it.next())->result(), 10);  // a new waiter gets the first one
        EXPECT_EQ(now(), 10ms);
        co_await corio::wait(hs);
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, ACancelArrivingAfterTheWakeUpConsumesNothing) {
    // The child finished and the waiter was woken, but it is cancelled before it resumes: the
    // cancellation is raised (pending) and the child stays queued for the next call.
    auto main_task = []() -> task<void> {
        corio::future<int> f;
        std::vector<corio::future<int>> fs{f};
        auto it = corio::as_completed(fs);
        auto waiter = corio::spawn(
            [](corio::as_completed_iterator<corio::future<int>> i) -> task<int> {
                co_return (co_await i.next())->result();
            },
            it);
        co_await corio::yield_now();
        corio::get_running_loop().call_soon([f, waiter]() mutable {
            f.set_result(4);
            waiter.cancel();
        });
        EXPECT_EQ(co_await outcome_of(waiter), "cancelled");
        EXPECT_EQ(it.remaining(), 1U);
        EXPECT_EQ((co_await it.next())->result(), 4);
    };
    corio::testing::run_virtual(main_task());
}

TEST(AsCompleted, DroppingTheIteratorEarlyLeavesTheChildrenRunning) {
    auto main_task = []() -> task<void> {
        std::vector<task_handle<int>> hs;
        for (auto& t : three()) hs.push_back(corio::create_task(std::move(t)));
        {
            auto it = corio::as_completed(hs, 15ms);
            EXPECT_EQ((co_await it.next())->result(), 10);
        }  // its watch nodes and timer go with it
        co_await corio::wait(hs);
        EXPECT_EQ(now(), 30ms);
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace

namespace {

corio::task<void> read_one(corio::as_completed_iterator<corio::future<int>>* it) {
    auto next = co_await it->next();
    (void)next;
}

corio::task<void> start_reader(corio::as_completed_iterator<corio::future<int>>* it) {
    corio::spawn(read_one, it);
    co_await corio::yield_now();
    co_await corio::yield_now();  // the reader now waits in next()
}

TEST(AsCompleted, ALoopClosedUnderAWaitingReaderForgetsIt) {
    // Closing the loop destroys the reader's frame while it waits in next(); a child finishing
    // later must not wake the freed task.
    auto loop = std::make_unique<corio::event_loop>();
    corio::future<int> f(*loop);
    std::vector<corio::future<int>> children{f};
    std::optional<corio::as_completed_iterator<corio::future<int>>> it;
    it.emplace(corio::as_completed(children));
    corio::testing::exception_log log(*loop);
    loop->run_until_complete(start_reader(&*it));
    loop->close();
    f.set_result(1);
    it.reset();
    EXPECT_EQ(log.count("Task was destroyed but it is pending!"), 1U);
}

}  // namespace
