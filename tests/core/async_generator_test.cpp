// corio::async_generator<T>: Python's async generators, running inside the consuming task.
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
using log_t = std::vector<std::string>;

/// Records its destruction: shows which locals of a generator body were unwound.
struct scope_guard {
    log_t* log;
    std::string name;
    scope_guard(log_t* l, std::string n) : log(l), name(std::move(n)) {}
    scope_guard(const scope_guard&) = delete;
    scope_guard& operator=(const scope_guard&) = delete;
    ~scope_guard() { log->push_back(name + " unwound"); }
};

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

async_generator<int> slow_values(log_t* log) {
    scope_guard g(log, "body");
    co_yield 1;
    try {
        co_await corio::sleep(1h);
    } catch (const cancelled_error& e) {
        log->push_back("generator saw cancelled_error: " + e.message());
        throw;
    }
    co_yield 2;
}

task<void> consume(log_t* log) {
    auto gen = slow_values(log);
    try {
        while (auto v = co_await gen.next()) log->push_back("got " + std::to_string(*v));
    } catch (const cancelled_error&) {
        log->push_back("consumer saw cancelled_error");
        EXPECT_EQ(gen.state(), generator_state::closed);
        throw;
    }
}

TEST(AsyncGenerator, CancellingTheConsumerReachesTheAwaitInsideTheGenerator) {
    auto main_task = [](log_t* log) -> task<void> {
        auto& loop = corio::get_running_loop();
        auto consumer = corio::create_task(consume(log));
        co_await corio::sleep(1s);
        const auto cancelled_at = loop.time();
        consumer.cancel("stop");
        try {
            co_await consumer;
        } catch (const cancelled_error&) {
        }
        EXPECT_TRUE(consumer.cancelled());
        EXPECT_EQ(loop.time(), cancelled_at);  // the generator's 1h sleep ended at once
    };
    log_t log;
    corio_test::run_virtual(main_task(&log));
    EXPECT_EQ(log, (log_t{"got 1", "generator saw cancelled_error: stop", "body unwound",
                          "consumer saw cancelled_error"}));
}

async_generator<int> cancels_itself() {
    corio::current_task().cancel();
    co_yield 1;  // no wait in between: the value is delivered anyway
    co_yield 2;
}

TEST(AsyncGenerator, AValueAlreadyYieldedIsDeliveredDespiteAPendingCancellation) {
    auto main_task = [](log_t* log) -> task<void> {
        auto gen = cancels_itself();
        auto v = co_await gen.next();
        log->push_back("got " + std::to_string(*v));
        try {
            co_await corio::sleep(1h);
        } catch (const cancelled_error&) {
            log->push_back("cancelled at the next wait");
            throw;
        }
    };
    log_t log;
    EXPECT_THROW(corio_test::run_virtual(main_task(&log)), cancelled_error);
    EXPECT_EQ(log, (log_t{"got 1", "cancelled at the next wait"}));
}

TEST(AsyncGenerator, EarlyBreakThenDestroyUnwindsTheSuspendedBody) {
    auto main_task = [](log_t* log) -> task<void> {
        {
            auto gen = slow_values(log);
            while (auto v = co_await gen.next()) {
                log->push_back("got " + std::to_string(*v));
                break;
            }
        }  // destroyed while suspended at its first co_yield
        log->push_back("after the loop");
    };
    log_t log;
    corio_test::run_virtual(main_task(&log));
    EXPECT_EQ(log, (log_t{"got 1", "body unwound", "after the loop"}));
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

async_generator<int> results_of_a_group(log_t* log) {
    std::vector<corio::task_handle<int>> handles;
    co_await corio::task_group::run([&handles, log](corio::task_group& g) -> task<void> {
        for (int i = 1; i <= 3; ++i) {
            handles.push_back(g.spawn(
                [](int v, log_t* l) -> task<int> {
                    try {
                        co_await corio::sleep(v * 1s);
                    } catch (const cancelled_error&) {
                        l->push_back("child " + std::to_string(v) + " cancelled");
                        throw;
                    }
                    co_return v * 10;
                },
                i, log));
        }
        co_return;
    });
    for (auto& h : handles) co_yield h.result();
}

TEST(AsyncGenerator, ABodyMayRunATaskGroup) {
    auto main_task = [](log_t* log) -> task<std::vector<int>> {
        std::vector<int> out;
        auto gen = results_of_a_group(log);
        while (auto v = co_await gen.next()) out.push_back(*v);
        co_return out;
    };
    log_t log;
    EXPECT_EQ(corio_test::run_virtual(main_task(&log)), (std::vector<int>{10, 20, 30}));
    EXPECT_TRUE(log.empty());
}

task<void> consume_group_results(log_t* log) {
    auto gen = results_of_a_group(log);
    while (auto v = co_await gen.next()) log->push_back("got " + std::to_string(*v));
}

TEST(AsyncGenerator, CancellingTheConsumerCancelsATaskGroupInsideTheGenerator) {
    auto main_task = [](log_t* log) -> task<void> {
        auto consumer = corio::create_task(consume_group_results(log));
        co_await corio::sleep(1500ms);
        consumer.cancel();
        try {
            co_await consumer;
        } catch (const cancelled_error&) {
            log->push_back("consumer cancelled");
        }
    };
    log_t log;
    corio_test::run_virtual(main_task(&log));
    EXPECT_EQ(log, (log_t{"child 2 cancelled", "child 3 cancelled", "consumer cancelled"}));
}

task<void> nap(corio::duration d) { co_await corio::sleep(d); }

TEST(AsyncGenerator, TheLoopClosingUnderARunningGeneratorFreesEverything) {
    log_t log;
    {
        corio::event_loop loop(corio_test::virtual_time());
        corio_test::handler_log reports;
        reports.install(loop);
        auto consumer = loop.create_task(consume(&log));
        loop.run_until_complete(nap(1s));
        EXPECT_FALSE(consumer.done());
        loop.close();  // the generator's frame is on the consumer's chain: torn down leaf first
        EXPECT_TRUE(consumer.cancelled());
    }
    EXPECT_EQ(log, (log_t{"got 1", "body unwound"}));
}

}  // namespace
