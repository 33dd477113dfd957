// corio::task<T>: lazy coroutines awaited inside a task chain.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

#include "test_support.hpp"

namespace {

using corio::task;

task<int> value(int v) { co_return v; }
task<void> nothing() { co_return; }
task<std::unique_ptr<int>> boxed(int v) { co_return std::make_unique<int>(v); }

TEST(Task, IsLazy) {
    bool ran = false;
    auto make = [](bool* r) -> task<void> {
        *r = true;
        co_return;
    };
    {
        auto t = make(&ran);
        EXPECT_FALSE(ran);
    }  // destroyed without running
    EXPECT_FALSE(ran);
}

TEST(Task, AwaitsValuesVoidAndMoveOnly) {
    auto main_task = []() -> task<int> {
        int a = co_await value(40);
        co_await nothing();
        auto p = co_await boxed(2);
        co_return a + *p;
    };
    EXPECT_EQ(corio::run(main_task()), 42);
}

task<int> failing() {
    throw std::runtime_error("inner");
    co_return 0;
}

task<std::string> catch_failing() {
    std::string message = "not thrown";
    try {
        co_await failing();
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    co_return message;
}

TEST(Task, ExceptionsPropagateToTheAwaiter) { EXPECT_EQ(corio::run(catch_failing()), "inner"); }

TEST(Task, RunRethrowsTheMainException) {
    auto main_task = []() -> task<void> {
        throw std::logic_error("main failed");
        co_return;
    };
    EXPECT_THROW(corio::run(main_task()), std::logic_error);
}

task<long> sum_of_awaits(int n) {
    long s = 0;
    for (int i = 0; i < n; ++i) s += co_await value(i);
    co_return s;
}

task<int> nest(int n) {
    if (n == 0) co_return 0;
    co_return 1 + co_await nest(n - 1);
}

TEST(Task, AMillionSequentialSynchronousAwaitsUseConstantStack) {
    EXPECT_EQ(corio::run(sum_of_awaits(1'000'000)), 499'999'500'000L);
}

TEST(Task, AMillionNestedAwaitsUseConstantStack) {
    EXPECT_EQ(corio::run(nest(1'000'000)), 1'000'000);
}

// The frame's handle is computed from the promise's address (task_frame::handle); a result type
// aligned to 16 moves the promise within the frame, which check_layout asserts in this build.
struct alignas(16) wide {
    long double value;
};
task<wide> make_wide(long double v) { co_return wide{v}; }
task<wide> add_wide() {
    wide a = co_await make_wide(1.5L);
    wide b = co_await make_wide(2.25L);
    co_return wide{a.value + b.value};
}

TEST(Task, ResultsAlignedTo16BytesWork) { EXPECT_EQ(corio::run(add_wide()).value, 3.75L); }

TEST(Task, AwaitingAMovedFromTaskIsRejectedAtCreateTask) {
    auto main_task = []() -> task<void> {
        task<int> empty;
        EXPECT_THROW(corio::create_task(std::move(empty)), std::invalid_argument);
        co_return;
    };
    corio::run(main_task());
}

}  // namespace
