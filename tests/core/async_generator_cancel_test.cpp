// corio::async_generator<T>: cancellation and teardown. A cancelled consumer reaches the await
// inside the generator (and a task group in its body); early destruction and a closing loop unwind
// the body.
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
