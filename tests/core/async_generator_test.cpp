// corio::async_generator<T>: Python's async generators, running inside the consuming task: values,
// aclose(), errors. Cancellation and teardown: async_generator_cancel_test.cpp.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::async_generator;
using corio::cancelled_error;
using corio::generator_state;
using corio::task;
using corio_test::scope_guard;
using log_t = std::vector<std::string>;

async_generator<int> ticks(int n, corio::duration period, log_t* log) {
    log->push_back("started");
    for (int i = 0; i < n; ++i) {
        co_await corio::sleep(period);
        co_yield i;
    }
    log->push_back("finished");
}

TEST(AsyncGenerator, IsLazyNothingRunsBeforeTheFirstNext) {
    log_t log;
    {
        auto gen = ticks(3, 1s, &log);
        EXPECT_EQ(gen.state(), generator_state::created);
    }
    EXPECT_TRUE(log.empty());
}

TEST(AsyncGenerator, YieldsValuesWithSleepsInBetween) {
    auto main_task = [](log_t* log) -> task<std::vector<long long>> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        std::vector<long long> seen;  // value, then the virtual seconds elapsed
        auto gen = ticks(3, 1s, log);
        while (auto v = co_await gen.next()) {
            EXPECT_EQ(gen.state(), generator_state::suspended);
            seen.push_back(*v);
            seen.push_back(
                std::chrono::duration_cast<std::chrono::seconds>(loop.time() - start).count());
        }
        EXPECT_EQ(gen.state(), generator_state::closed);
        EXPECT_FALSE(co_await gen.next());  // exhausted: stays exhausted
        co_return seen;
    };
    log_t log;
    EXPECT_EQ(corio_test::run_virtual(main_task(&log)), (std::vector<long long>{0, 1, 1, 2, 2, 3}));
    EXPECT_EQ(log, (log_t{"started", "finished"}));
}

task<int> add_later(int a, int b) {
    co_await corio::sleep(1ms);
    co_return a + b;
}

async_generator<std::string> awaits_everything(corio::future<std::string> f) {
    co_yield co_await f;                                  // a future set by another task
    co_yield std::to_string(co_await add_later(20, 22));  // a child task, on the chain
    auto h = corio::create_task(add_later(1, 2));
    co_yield std::to_string(co_await h);  // a scheduled task
    co_await corio::yield_now();
}

TEST(AsyncGenerator, BodyMayAwaitFuturesTasksAndScheduledTasks) {
    auto main_task = []() -> task<std::vector<std::string>> {
        corio::future<std::string> f;
        corio::get_running_loop().call_later(5s, [f]() mutable { f.set_result("from future"); });
        std::vector<std::string> out;
        auto gen = awaits_everything(f);
        while (auto v = co_await gen.next()) out.push_back(std::move(*v));
        co_return out;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()),
              (std::vector<std::string>{"from future", "42", "3"}));
}

async_generator<std::unique_ptr<int>> boxes(int n) {
    for (int i = 0; i < n; ++i) co_yield std::make_unique<int>(i);
}

TEST(AsyncGenerator, MoveOnlyValuesAndSynchronousYields) {
    auto main_task = []() -> task<int> {
        int sum = 0;
        auto gen = boxes(5);
        auto moved = std::move(gen);
        EXPECT_FALSE(gen.valid());
        while (auto v = co_await moved.next()) sum += **v;
        co_return sum;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), 10);
}

async_generator<int> with_cleanup(log_t* log) {
    scope_guard g(log, "body");
    bool closing = false;
    try {
        co_yield 1;
        co_yield 2;
        co_yield 3;
    } catch (const corio::generator_exit&) {
        log->push_back("generator_exit");
        closing = true;
    }
    if (closing) {
        co_await corio::sleep(1s);  // cleanup may await
        log->push_back("async cleanup done");
    }
}

TEST(AsyncGenerator, AcloseRaisesGeneratorExitAndRunsTheCleanup) {
    auto main_task = [](log_t* log) -> task<void> {
        auto& loop = corio::get_running_loop();
        auto gen = with_cleanup(log);
        EXPECT_EQ(*co_await gen.next(), 1);
        const auto before = loop.time();
        co_await gen.aclose();
        EXPECT_EQ(loop.time() - before, corio::duration(1s));
        EXPECT_EQ(gen.state(), generator_state::closed);
        EXPECT_FALSE(co_await gen.next());
        co_await gen.aclose();  // closing a closed generator does nothing
        log->push_back("closed");
    };
    log_t log;
    corio_test::run_virtual(main_task(&log));
    EXPECT_EQ(log, (log_t{"generator_exit", "async cleanup done", "body unwound", "closed"}));
}

TEST(AsyncGenerator, AcloseBeforeTheFirstNextNeverRunsTheBody) {
    auto main_task = [](log_t* log) -> task<void> {
        auto gen = ticks(3, 1s, log);
        co_await gen.aclose();
        EXPECT_EQ(gen.state(), generator_state::closed);
        EXPECT_FALSE(co_await gen.next());
    };
    log_t log;
    corio_test::run_virtual(main_task(&log));
    EXPECT_TRUE(log.empty());
}

async_generator<int> ignores_exit() {
    for (int i = 0;; ++i) {
        try {
            co_yield i;
        } catch (const corio::generator_exit&) {
        }
    }
}

async_generator<int> throws_on_exit() {
    try {
        co_yield 1;
    } catch (const corio::generator_exit&) {
    }
    throw std::runtime_error("cleanup failed");
}

TEST(AsyncGenerator, YieldingWhileClosingIsAnErrorAndCleanupErrorsPropagate) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        auto stubborn = ignores_exit();
        co_await stubborn.next();
        try {
            co_await stubborn.aclose();
        } catch (const corio::generator_error& e) {
            log.push_back(e.what());
        }
        EXPECT_EQ(stubborn.state(), generator_state::closed);

        auto failing = throws_on_exit();
        co_await failing.next();
        try {
            co_await failing.aclose();
        } catch (const std::runtime_error& e) {
            log.push_back(e.what());
        }
        EXPECT_EQ(failing.state(), generator_state::closed);
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()),
              (log_t{"async generator ignored generator_exit", "cleanup failed"}));
}

async_generator<int> fails_after(int n) {
    for (int i = 0; i < n; ++i) {
        co_await corio::sleep(1s);
        co_yield i;
    }
    co_await corio::sleep(1s);
    throw std::runtime_error("generator failed");
}

TEST(AsyncGenerator, ExceptionsInTheBodyPropagateToNext) {
    auto main_task = []() -> task<std::string> {
        auto gen = fails_after(2);
        std::string out;
        try {
            while (auto v = co_await gen.next()) out += std::to_string(*v);
        } catch (const std::runtime_error& e) {
            out += e.what();
        }
        EXPECT_EQ(gen.state(), generator_state::closed);
        EXPECT_FALSE(co_await gen.next());
        co_return out;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), "01generator failed");
}

task<void> next_of(async_generator<int>* gen, log_t* log) {
    try {
        co_await gen->next();
    } catch (const corio::generator_error& e) {
        log->push_back(e.what());
    }
}

TEST(AsyncGenerator, ANextWhileAnotherIsInProgressIsAnError) {
    auto main_task = [](log_t* log) -> task<void> {
        auto gen = ticks(2, 1s, log);
        auto first = corio::create_task(next_of(&gen, log));
        co_await corio::yield_now();  // first is now inside the generator's sleep
        EXPECT_EQ(gen.state(), generator_state::running);
        co_await next_of(&gen, log);
        try {
            co_await gen.aclose();
        } catch (const corio::generator_error& e) {
            log->push_back(e.what());
        }
        co_await first;
        EXPECT_EQ(*co_await gen.next(), 1);  // another task may step it once the first is done
    };
    log_t log;
    corio_test::run_virtual(main_task(&log));
    EXPECT_EQ(log, (log_t{"started", "anext(): asynchronous generator is already running",
                          "aclose(): asynchronous generator is already running"}));
}

async_generator<int> squares_of(async_generator<int> source) {
    while (auto v = co_await source.next()) co_yield *v** v;
}

TEST(AsyncGenerator, AGeneratorMayConsumeAnotherOne) {
    auto main_task = [](log_t* log) -> task<std::vector<int>> {
        std::vector<int> out;
        auto gen = squares_of(ticks(4, 1s, log));
        while (auto v = co_await gen.next()) out.push_back(*v);
        co_return out;
    };
    log_t log;
    EXPECT_EQ(corio_test::run_virtual(main_task(&log)), (std::vector<int>{0, 1, 4, 9}));
}

async_generator<int> counter(int n) {
    for (int i = 0; i < n; ++i) co_yield i;
}

TEST(AsyncGenerator, SynchronousYieldsShareTheLoopFairly) {
    auto main_task = []() -> task<bool> {
        int ticks_seen = 0;
        bool done = false;
        auto ticker = corio::spawn([&ticks_seen, &done]() -> task<void> {
            while (!done) {
                ++ticks_seen;
                co_await corio::yield_now();
            }
        });
        long long sum = 0;
        int ticks_during = 0;
        auto gen = counter(100000);
        while (auto v = co_await gen.next()) {
            sum += *v;
            ticks_during = ticks_seen;
        }
        done = true;
        co_await ticker;
        EXPECT_EQ(sum, 100000LL * 99999 / 2);
        co_return ticks_during > 100;  // the budget sent the consumer back to the loop often
    };
    EXPECT_TRUE(corio_test::run_virtual(main_task()));
}

}  // namespace
