// corio::future<T>: asyncio's Future.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::future;
using corio::task;

TEST(Future, SetResultWakesEveryAwaiter) {
    auto main_task = []() -> task<int> {
        future<int> f;
        auto waiter = [](future<int> fut) -> task<int> { co_return co_await fut; };
        auto a = corio::spawn(waiter, f);
        auto b = corio::spawn(waiter, f);
        corio::get_running_loop().call_later(5ms, [f]() mutable { f.set_result(21); });
        co_return co_await a + co_await b;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), 42);
}

TEST(Future, CompletingTwiceIsInvalidState) {
    auto main_task = []() -> task<void> {
        future<int> f;
        f.set_result(1);
        EXPECT_THROW(f.set_result(2), corio::invalid_state_error);
        EXPECT_THROW(f.set_exception(std::runtime_error("x")), corio::invalid_state_error);
        EXPECT_FALSE(f.cancel());
        EXPECT_EQ(f.result(), 1);
        co_return;
    };
    corio::run(main_task());
}

TEST(Future, ExceptionsAndCancellationReachAwaiters) {
    auto main_task = []() -> task<void> {
        future<void> failed;
        failed.set_exception(std::runtime_error("bad"));
        EXPECT_THROW(co_await failed, std::runtime_error);
        future<std::string> cancelled;
        EXPECT_TRUE(cancelled.cancel("gone"));
        EXPECT_TRUE(cancelled.cancelled());
        std::string message;
        try {
            co_await cancelled;
        } catch (const corio::cancelled_error& e) {
            message = e.message();
        }
        EXPECT_EQ(message, "gone");
        EXPECT_THROW((void)cancelled.exception(), corio::cancelled_error);
        future<int> pending;
        EXPECT_THROW(pending.result(), corio::invalid_state_error);
        pending.cancel();
    };
    corio::run(main_task());
}

TEST(Future, DoneCallbacksRunSoonInOrderAndErrorsGoToTheHandler) {
    corio::event_loop loop;
    corio_test::handler_log log;
    log.install(loop);
    std::vector<int> order;
    auto main_task = [](std::vector<int>* out) -> task<void> {
        future<int> f;
        f.add_done_callback([out](future<int>& fut) { out->push_back(fut.result()); });
        f.add_done_callback([](future<int>&) { throw std::runtime_error("callback bug"); });
        f.add_done_callback([out](future<int>&) { out->push_back(-1); });
        f.set_result(9);
        EXPECT_TRUE(out->empty());  // not called synchronously
        co_await corio::yield_now();
    };
    loop.run_until_complete(main_task(&order));
    EXPECT_EQ(order, (std::vector<int>{9, -1}));
    ASSERT_EQ(log.messages.size(), 1U);
    EXPECT_EQ(log.messages[0], "Exception in done callback");
}

TEST(Future, UnretrievedExceptionIsReported) {
    corio::event_loop loop;
    corio_test::handler_log log;
    log.install(loop);
    auto main_task = []() -> task<void> {
        future<int> f;
        f.set_exception(std::runtime_error("nobody looks"));
        co_return;
    };
    loop.run_until_complete(main_task());
    ASSERT_EQ(log.messages.size(), 1U);
    EXPECT_EQ(log.messages[0], "Future exception was never retrieved");
}

TEST(Future, FutureWithPendingCallbacksThatNeverCompletesDoesNotLeak) {
    auto main_task = []() -> task<void> {
        future<int> f;
        f.add_done_callback([](future<int>&) {});
        co_return;
    };
    corio::run(main_task());  // ASan's leak checker fails the test if the node leaks
}

}  // namespace

namespace {

TEST(Future, AMovedFromFutureIsEmptyAndThrowsInvalidStateError) {
    auto main_task = []() -> task<int> {
        using corio::invalid_state_error;
        future<int> f;
        EXPECT_TRUE(f.valid());
        future<int> g = std::move(f);
        // NOLINTBEGIN(bugprone-use-after-move): a moved-from future is empty
        EXPECT_FALSE(f.valid());
        EXPECT_FALSE(f);
        EXPECT_EQ(f.core(), nullptr);
        EXPECT_THROW((void)f.done(), invalid_state_error);
        EXPECT_THROW((void)f.cancelled(), invalid_state_error);
        EXPECT_THROW((void)f.get_loop(), invalid_state_error);
        EXPECT_THROW(f.set_result(1), invalid_state_error);
        EXPECT_THROW(f.set_exception(std::runtime_error("x")), invalid_state_error);
        EXPECT_THROW(f.cancel(), invalid_state_error);
        EXPECT_THROW((void)f.result(), invalid_state_error);
        EXPECT_THROW((void)f.exception(), invalid_state_error);
        EXPECT_THROW(f.add_done_callback([](future<int>&) {}), invalid_state_error);
        EXPECT_THROW(co_await f, invalid_state_error);
        try {
            (void)f.done();
        } catch (const invalid_state_error& e) {
            EXPECT_STREQ(e.what(), "future is empty (moved from)");
        }
        // NOLINTEND(bugprone-use-after-move)
        corio::get_running_loop().call_soon([g]() mutable { g.set_result(5); });
        co_return co_await g;  // the state moved with it
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), 5);
}

TEST(Future, WorkIsRefusedByAClosedLoop) {
    // asyncio: RuntimeError('Event loop is closed'); nothing is queued where it would never run.
    corio::event_loop loop;
    loop.close();
    auto captured = std::make_shared<int>(0);
    EXPECT_THROW(loop.call_soon([captured] {}), std::logic_error);
    EXPECT_THROW(loop.call_later(std::chrono::seconds(1), [captured] {}), std::logic_error);
    EXPECT_THROW(corio::future<int>{loop}, std::logic_error);
    EXPECT_EQ(captured.use_count(), 1);  // nothing kept
}

TEST(Future, DoneCallbacksOfAFutureThatOutlivesItsLoopAreDroppedSafely) {
    auto loop = std::make_unique<corio::event_loop>();
    corio::future<int> f(*loop);
    bool ran = false;
    f.add_done_callback([&ran](corio::future<int>&) { ran = true; });
    loop->close();
    loop.reset();
    f.set_result(
        1);  // no loop to run the callback on: it is dropped, not scheduled on freed memory
    EXPECT_FALSE(ran);
    EXPECT_EQ(f.result(), 1);
}

}  // namespace
