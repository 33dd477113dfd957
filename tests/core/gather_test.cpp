// corio::gather: asyncio's gather, 3.11 semantics, on the virtual clock: results, errors,
// return_exceptions. Cancelling the awaiting task: gather_cancel_test.cpp.
#include <memory>
#include <stdexcept>
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

TEST(Gather, ResultsComeInArgumentOrderNotCompletionOrder) {
    auto main_task = []() -> task<void> {
        auto [a, b, c] = co_await corio::gather(after(30ms, 1), after(10ms, 2), after(20ms, 3));
        EXPECT_EQ(std::tuple(a, b, c), std::tuple(1, 2, 3));
        EXPECT_EQ(now(), 30ms);
        EXPECT_EQ(corio::all_tasks().size(), 1U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, AcceptsCoroutinesHandlesFuturesAndVoid) {
    auto main_task = []() -> task<void> {
        corio::future<std::string> f;
        corio::get_running_loop().call_later(5ms, [f]() mutable { f.set_result("future"); });
        auto h = corio::create_task(after(1ms, 7));
        auto [x, v, s, n] = co_await corio::gather(h, corio_test::nap(2ms), f, after(3ms, 9));
        static_assert(std::is_same_v<decltype(v), std::monostate>);
        EXPECT_EQ(x, 7);
        EXPECT_EQ(s, "future");
        EXPECT_EQ(n, 9);
        EXPECT_EQ(now(), 5ms);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, ChildrenStartInArgumentOrder) {
    auto main_task = []() -> task<std::vector<std::string>> {
        std::vector<std::string> log;
        co_await corio::gather(probe(&log, "a", 1ms), probe(&log, "b", 1ms), probe(&log, "c", 1ms));
        co_return log;
    };
    auto log = corio::testing::run_virtual(main_task());
    EXPECT_EQ(std::vector<std::string>(log.begin(), log.begin() + 3),
              (std::vector<std::string>{"a start", "b start", "c start"}));
}

TEST(Gather, EmptyInputsCompleteAtOnce) {
    auto main_task = []() -> task<void> {
        std::tuple<> t = co_await corio::gather();
        (void)t;
        std::vector<task_handle<int>> none;
        EXPECT_TRUE((co_await corio::gather(none)).empty());
        EXPECT_TRUE((co_await corio::gather(corio::return_exceptions, none)).empty());
        EXPECT_EQ(now(), 0ms);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, RangesOfCoroutinesHandlesAndFutures) {
    auto main_task = []() -> task<void> {
        std::vector<task<int>> coros;
        for (int i = 0; i < 40; ++i) coros.push_back(after((40 - i) * 1ms, i));  // large: sorted
        std::vector<int> got = co_await corio::gather(std::move(coros));
        EXPECT_EQ(got.size(), 40U);
        for (int i = 0; i < 40; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i);
        EXPECT_EQ(now(), 40ms);

        std::vector<task_handle<int>> handles{corio::create_task(after(2ms, 1)),
                                              corio::create_task(after(1ms, 2))};
        const std::vector<int> expected{1, 2};
        EXPECT_EQ(co_await corio::gather(handles), expected);
        EXPECT_EQ(handles[0].result(), 1);  // copied, not moved out of the caller's handles

        std::vector<corio::future<void>> futures(2);
        for (auto& f : futures) f.set_result();
        EXPECT_EQ((co_await corio::gather(futures)).size(), 2U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, MoveOnlyResults) {
    auto boxed = [](int v) -> task<std::unique_ptr<int>> {
        co_await corio::sleep(1ms);
        co_return std::make_unique<int>(v);
    };
    auto main_task = [&]() -> task<int> {
        auto [a, b] = co_await corio::gather(boxed(1), boxed(2));
        std::vector<task<std::unique_ptr<int>>> v;
        v.push_back(boxed(3));
        auto c = co_await corio::gather(std::move(v));
        co_return *a + *b + *c[0];
    };
    EXPECT_EQ(corio::testing::run_virtual(main_task()), 6);
}

TEST(Gather, AlreadyDoneChildrenStillGoThroughTheLoop) {
    // asyncio's gather registers done-callbacks even on children already done (each is scheduled
    // with call_soon), so awaiting it always yields to the loop: other tasks run meanwhile.
    auto main_task = []() -> task<void> {
        corio::future<int> f;
        f.set_result(4);
        auto h = corio::create_task(after(1ms, 5));
        co_await h;
        bool other_ran = false;
        auto other = corio::spawn([&other_ran]() -> task<void> {
            other_ran = true;
            co_return;
        });
        auto [x, y] = co_await corio::gather(f, h);
        EXPECT_EQ(x + y, 9);
        EXPECT_TRUE(other_ran);  // the gather went back to the loop, as asyncio's does
        co_await other;
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, TheSameTaskTwiceGivesItsResultTwice) {
    auto main_task = []() -> task<void> {
        auto h = corio::create_task(after(1ms, 3));
        auto [a, b] = co_await corio::gather(h, h);
        EXPECT_EQ(a + b, 6);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, FirstExceptionPropagatesAndTheOthersKeepRunning) {
    auto main_task = []() -> task<void> {
        auto slow = corio::create_task(after(30ms, 2));
        std::string error;
        try {
            co_await corio::gather(fail_after(10ms, "boom"), slow, fail_after(20ms, "second"));
        } catch (const std::runtime_error& e) {
            error = e.what();
        }
        EXPECT_EQ(error, "boom");
        EXPECT_EQ(now(), 10ms);
        EXPECT_FALSE(slow.done());  // asyncio does not cancel the siblings
        EXPECT_EQ(slow.cancelling(), 0);
        EXPECT_EQ(co_await slow, 2);
        EXPECT_EQ(now(), 30ms);
    };
    // The second failure is nobody's: corio reports it rather than drop it as asyncio does.
    corio::testing::exception_log log;
    corio::testing::run_virtual(main_task(), log);
    ASSERT_EQ(log.size(), 1U);
    EXPECT_EQ(log.messages[0], "Task exception was never retrieved");
    EXPECT_EQ(message_of(log.exceptions[0]), "second");
}

TEST(Gather, AChildCancelledBySomeoneElseRaisesCancelledError) {
    auto main_task = []() -> task<void> {
        auto victim = corio::create_task(corio_test::sleep_forever());
        auto other = corio::create_task(after(20ms, 1));
        corio::get_running_loop().call_later(5ms, [victim]() { victim.cancel("x"); });
        std::string message = "none";
        try {
            co_await corio::gather(victim, other);
        } catch (const cancelled_error& e) {
            message = e.message();
        }
        EXPECT_EQ(message, "x");
        EXPECT_EQ(now(), 5ms);
        EXPECT_EQ(corio::current_task().cancelling(), 0);  // the awaiter itself was not cancelled
        EXPECT_FALSE(other.done());
        EXPECT_EQ(co_await other, 1);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Gather, ReturnExceptionsCollectsValuesAndErrorsInOrder) {
    auto main_task = []() -> task<void> {
        auto victim = corio::create_task(corio_test::sleep_forever());
        corio::get_running_loop().call_later(5ms, [victim]() { victim.cancel(); });
        auto [a, b, c, d] = co_await corio::gather(corio::return_exceptions, fail_after(10ms, "e1"),
                                                   after(30ms, 2), victim, corio_test::nap(1ms));
        EXPECT_EQ(now(), 30ms);  // waits for every child
        EXPECT_EQ(a.index(), 1U);
        EXPECT_EQ(message_of(std::get<1>(a)), "e1");
        EXPECT_EQ(b.index(), 0U);
        EXPECT_EQ(std::get<0>(b), 2);
        EXPECT_EQ(c.index(), 1U);
        EXPECT_EQ(message_of(std::get<1>(c)), "cancelled");
        EXPECT_EQ(d.index(), 0U);

        std::vector<task<int>> coros;
        coros.push_back(after(1ms, 1));
        coros.push_back(fail_after(2ms, "e2"));
        auto v = co_await corio::gather(corio::return_exceptions, std::move(coros));
        EXPECT_EQ(v.size(), 2U);
        EXPECT_EQ(std::get<0>(v[0]), 1);
        EXPECT_EQ(message_of(std::get<1>(v[1])), "e2");
    };
    corio::testing::exception_log log;
    corio::testing::run_virtual(main_task(), log);
    EXPECT_TRUE(log.empty());  // every exception was handed over, none is reported
}

TEST(Gather, ALoopClosedUnderAGatherTearsDownCleanly) {
    // The children are registered after their parent, so close() abandons them first; each wakes
    // the parent, which is then abandoned and freed while queued (the close() use-after-free).
    corio::testing::exception_log log;
    {
        corio::event_loop loop(corio::testing::virtual_time());
        log.install(loop);
        auto main_task = []() -> task<void> {
            corio::spawn(
                []() -> task<void> { co_await corio::gather(after(1h, 1), corio_test::nap(1h)); });
            co_await corio::sleep(1ms);
        };
        loop.run_until_complete(main_task());
        loop.close();
    }
    EXPECT_EQ(log.count("Task was destroyed but it is pending!"), 3U);
}

TEST(Gather, WithoutARunningLoopCoroutinesCannotBeScheduled) {
    EXPECT_THROW((void)corio::gather(after(1ms, 1)), std::runtime_error);
}

}  // namespace
