// corio::testing: the public testing kit (virtual clock runs, virtual time, exception_log).
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/testing.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::task;
using corio::testing::exception_log;

task<corio::duration> sleeps_for_days() {
    EXPECT_EQ(corio::testing::virtual_now(), corio::duration::zero());  // starts at zero
    co_await corio::sleep(24h);
    co_await corio::sleep(48h);
    co_return corio::testing::virtual_now();
}

TEST(Testing, RunVirtualMakesDaysPassInstantlyAndExactly) {
    EXPECT_EQ(corio::testing::run_virtual(sleeps_for_days()), corio::duration(72h));
}

task<bool> reads_its_loop() {
    auto& loop = corio::get_running_loop();
    co_return loop.get_debug() && loop.clock() == corio::clock_mode::virtual_time;
}

TEST(Testing, RunVirtualKeepsTheOtherOptions) {
    corio::loop_options o;
    o.debug = corio::debug_mode::on;
    EXPECT_TRUE(corio::testing::run_virtual(reads_its_loop(), o));
    EXPECT_EQ(corio::testing::virtual_time(o).debug, corio::debug_mode::on);
}

TEST(Testing, VirtualNowNeedsARunningVirtualLoop) {
    EXPECT_THROW((void)corio::testing::virtual_now(), std::runtime_error);
    auto on_real_clock = []() -> task<void> {
        EXPECT_THROW((void)corio::testing::virtual_now(), std::logic_error);
        co_return;
    };
    corio::run(on_real_clock());
}

TEST(Testing, RunVirtualReportsADeadlockInsteadOfHanging) {
    auto stuck = []() -> task<void> {
        corio::future<void> never;
        co_await never;
    };
    EXPECT_THROW(corio::testing::run_virtual(stuck()), std::logic_error);
}

TEST(Testing, ExceptionLogRecordsEveryReportInOrder) {
    corio::event_loop loop(corio::testing::virtual_time());
    exception_log log(loop);
    EXPECT_TRUE(log.empty());
    loop.call_soon([] { throw std::runtime_error("first"); });
    loop.call_exception_handler({"custom report", nullptr, "some task"});
    loop.call_soon([&loop] { loop.stop(); });
    loop.run_forever();
    ASSERT_EQ(log.size(), 2U);
    EXPECT_EQ(log.messages[0], "custom report");  // reported at once, before the loop ran
    EXPECT_EQ(log.task_names[0], "some task");
    EXPECT_EQ(log.exceptions[0], nullptr);
    EXPECT_EQ(log.messages[1], "Exception in callback");
    EXPECT_THROW(std::rethrow_exception(log.exceptions[1]), std::runtime_error);
    EXPECT_EQ(log.count("Exception in"), 1U);  // a prefix
    EXPECT_EQ(log.count("custom report"), 1U);
    EXPECT_EQ(log.count("nothing like this"), 0U);
    log.clear();
    EXPECT_TRUE(log.empty());
    EXPECT_TRUE(log.exceptions.empty() && log.task_names.empty());
}

task<void> fails_when_cancelled() {
    try {
        co_await corio::sleep(1h);
    } catch (const corio::cancelled_error&) {
        throw std::runtime_error("cleanup failed");
    }
}

task<void> leaves_a_failing_task_behind() {
    corio::create_task(fails_when_cancelled(), "leftover");
    co_await corio::yield_now();
}

TEST(Testing, RunVirtualWithALogSeesWhatTheFinalCleanupReports) {
    exception_log log;
    corio::testing::run_virtual(leaves_a_failing_task_behind(), log);
    // run() cancels the leftover task; its failure is reported during the shutdown.
    ASSERT_GE(log.size(), 1U);
    EXPECT_EQ(log.count("unhandled exception during corio::run() shutdown"), 1U);
    EXPECT_EQ(log.task_names[0], "leftover");
}

TEST(Testing, TheOldTestSupportNamesStillWork) {
    corio_test::handler_log log;
    corio::event_loop loop(corio_test::virtual_time());
    log.install(loop);
    loop.call_exception_handler({"hello", nullptr, {}});
    EXPECT_EQ(log.messages, (std::vector<std::string>{"hello"}));
    EXPECT_EQ(corio_test::run_virtual(sleeps_for_days()), corio::duration(72h));
}

}  // namespace
