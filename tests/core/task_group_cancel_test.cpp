// corio::task_group: failures and cancellation, with asyncio.TaskGroup's semantics. A failure
// cancels the siblings and the body, every error is collected in one exception_group, a
// cancellation from outside propagates, nested groups compose.
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::exception_group;
using corio::task;
using corio::task_group;
using corio::task_handle;
using corio_test::sleeper;
using log_t = std::vector<std::string>;

task<void> fail_after(corio::duration d, std::string what) {
    co_await corio::sleep(d);
    throw std::runtime_error(what);
}

std::vector<std::string> whats(const exception_group& eg) {
    std::vector<std::string> out;
    for (const auto& p : eg.exceptions()) {
        try {
            std::rethrow_exception(p);
        } catch (const exception_group& g) {
            out.push_back(std::string("group: ") + g.what());
        } catch (const std::exception& e) {
            out.push_back(e.what());
        }
    }
    return out;
}

TEST(TaskGroup, AFailureCancelsTheSiblingsAndTheBody) {
    auto main_task = []() -> task<log_t> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        log_t log;
        std::vector<task_handle<void>> handles;
        try {
            co_await task_group::run([&](task_group& g) -> task<void> {
                handles.push_back(g.create_task(sleeper(1h, &log, "sibling")));
                handles.push_back(g.create_task(fail_after(1s, "boom")));
                co_await sleeper(2h, &log, "body");
                log.push_back("body not interrupted");
            });
            log.push_back("no exception");
        } catch (const exception_group& eg) {
            EXPECT_EQ(whats(eg), (log_t{"boom"}));
            EXPECT_STREQ(eg.what(), "unhandled errors in a task_group (1 sub-exception)");
        }
        EXPECT_EQ(loop.time() - start, corio::duration(1s));
        EXPECT_TRUE(handles[0].cancelled());
        EXPECT_TRUE(handles[1].done() && !handles[1].cancelled());
        // The group's own cancellation of this task was withdrawn: it goes on normally.
        EXPECT_EQ(corio::current_task().cancelling(), 0);
        co_await corio::sleep(1s);
        log.push_back("parent goes on");
        co_return log;
    };
    auto result = corio_test::run_virtual(main_task());
    // The siblings are cancelled first, then the body (asyncio's order).
    EXPECT_EQ(result, (log_t{"sibling cancelled", "body cancelled", "parent goes on"}));
}

task<void> fail_on_cancel(std::string what) {
    bool cancelled = false;
    try {
        co_await corio::sleep(1h);
    } catch (const cancelled_error&) {
        cancelled = true;
    }
    if (cancelled) throw std::runtime_error(what);
}

TEST(TaskGroup, EveryFailureIsReportedInOneExceptionGroupInOrder) {
    auto main_task = []() -> task<log_t> {
        try {
            co_await task_group::run([](task_group& g) -> task<void> {
                g.create_task(fail_on_cancel("cleanup failed"));
                g.create_task(fail_after(2s, "second"));
                g.create_task(fail_after(1s, "first"));
                g.create_task(fail_after(1s, "first too"));
                co_return;
            });
        } catch (const exception_group& eg) {
            co_return whats(eg);
        }
        co_return log_t{"no exception"};
    };
    corio::event_loop loop(corio_test::virtual_time());
    corio_test::handler_log reports;
    reports.install(loop);
    // "second" never fails: it is cancelled when "first" does; both 1s failures are collected,
    // and so is the failure of a child while it was being cancelled.
    EXPECT_EQ(loop.run_until_complete(main_task()),
              (log_t{"first", "first too", "cleanup failed"}));
    EXPECT_TRUE(reports.messages.empty());  // every exception was retrieved by the group
}

TEST(TaskGroup, ABodyExceptionCancelsTheChildrenAndIsReportedLast) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        try {
            co_await task_group::run([&](task_group& g) -> task<void> {
                g.create_task(sleeper(1h, &log, "child"));
                g.create_task(fail_on_cancel("child cleanup"));
                co_await corio::sleep(1s);
                throw std::logic_error("body failed");
            });
        } catch (const exception_group& eg) {
            for (auto& w : whats(eg)) log.push_back(w);
        }
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()),
              (log_t{"child cancelled", "child cleanup", "body failed"}));
}

TEST(TaskGroup, ACancelledChildIsNotAFailure) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        co_await task_group::run([&](task_group& g) -> task<void> {
            auto h = g.create_task(sleeper(1h, &log, "child"));
            g.create_task(sleeper(2s, &log, "other"));
            co_await corio::sleep(1s);
            h.cancel();
        });
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), (log_t{"child cancelled", "other done"}));
}

task<void> group_of_sleepers(log_t* log, std::vector<task_handle<void>>* handles,
                             corio::duration body_sleep) {
    co_await task_group::run([=](task_group& g) -> task<void> {
        handles->push_back(g.create_task(sleeper(1h, log, "a")));
        handles->push_back(g.create_task(sleeper(2h, log, "b")));
        co_await sleeper(body_sleep, log, "body");
    });
    log->push_back("after the group");
}

void cancel_the_parent(corio::duration body_sleep, const log_t& expected) {
    auto main_task = [](corio::duration bs) -> task<log_t> {
        log_t log;
        std::vector<task_handle<void>> handles;
        auto parent = corio::create_task(group_of_sleepers(&log, &handles, bs));
        co_await corio::sleep(10s);
        parent.cancel("stop");
        std::string message;
        try {
            co_await parent;
        } catch (const cancelled_error& e) {
            message = e.message();
        }
        EXPECT_TRUE(parent.cancelled());
        EXPECT_EQ(message, "stop");
        EXPECT_EQ(handles.size(), 2u);
        for (auto& h : handles) EXPECT_TRUE(h.cancelled());
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task(body_sleep)), expected);
}

TEST(TaskGroup, CancellingTheParentInTheBodyCancelsEverythingAndPropagates) {
    cancel_the_parent(3h, log_t{"body cancelled", "a cancelled", "b cancelled"});
}

TEST(TaskGroup, CancellingTheParentWhileTheGroupWaitsCancelsTheChildrenAndPropagates) {
    cancel_the_parent(1s, log_t{"body done", "a cancelled", "b cancelled"});
}

task<void> fail_and_get_cancelled(log_t* log) {
    try {
        co_await task_group::run([log](task_group& g) -> task<void> {
            g.create_task(fail_after(1s, "child failed"));
            co_await sleeper(1h, log, "body");
        });
    } catch (const exception_group& eg) {
        log->push_back(std::string("caught ") + eg.what());
    }
    log->push_back("cancelling " + std::to_string(corio::current_task().cancelling()));
    co_await corio::sleep(1h);  // the outside cancellation is raised here
    log->push_back("not reached");
}

TEST(TaskGroup, AnOutsideCancellationIsNotSwallowedWhenAChildFailsToo) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        auto parent = corio::create_task(fail_and_get_cancelled(&log));
        // Both happen at t=1s (our cancel first: our timer was set before the child's).
        co_await corio::sleep(1s);
        parent.cancel();
        try {
            co_await parent;
        } catch (const cancelled_error&) {
            log.push_back("parent cancelled");
        }
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()),
              (log_t{"body cancelled", "caught unhandled errors in a task_group (1 sub-exception)",
                     "cancelling 1", "parent cancelled"}));
}

TEST(TaskGroup, NestedGroupsReportInnerFailuresAsANestedGroup) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        try {
            co_await task_group::run([&](task_group& outer) -> task<void> {
                outer.create_task(sleeper(1h, &log, "outer child"));
                co_await task_group::run([&](task_group& inner) -> task<void> {
                    inner.create_task(sleeper(1h, &log, "inner child"));
                    inner.create_task(fail_after(1s, "inner failure"));
                    co_return;
                });
            });
        } catch (const exception_group& eg) {
            for (auto& w : whats(eg)) log.push_back(w);
            EXPECT_TRUE(eg.contains<std::runtime_error>());
            EXPECT_STREQ(eg.find<std::runtime_error>()->what(), "inner failure");
        }
        EXPECT_EQ(corio::current_task().cancelling(), 0);
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()),
              (log_t{"inner child cancelled", "outer child cancelled",
                     "group: unhandled errors in a task_group (1 sub-exception)"}));
}

TEST(TaskGroup, AnOuterFailureCancelsAnInnerGroupWhichPropagatesTheCancellation) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        try {
            co_await task_group::run([&](task_group& outer) -> task<void> {
                outer.create_task(fail_after(1s, "outer failure"));
                try {
                    co_await task_group::run([&](task_group& inner) -> task<void> {
                        inner.create_task(sleeper(1h, &log, "inner child"));
                        co_await sleeper(1h, &log, "inner body");
                    });
                } catch (const cancelled_error&) {
                    log.push_back("inner group raised cancelled_error");
                    throw;
                }
            });
        } catch (const exception_group& eg) {
            for (auto& w : whats(eg)) log.push_back(w);
        }
        EXPECT_EQ(corio::current_task().cancelling(), 0);
        co_await corio::sleep(1s);  // no stray cancellation is left behind
        log.push_back("parent goes on");
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()),
              (log_t{"inner body cancelled", "inner child cancelled",
                     "inner group raised cancelled_error", "outer failure", "parent goes on"}));
}

TEST(TaskGroup, InnerAndOuterFailuresAtOnceLeaveNoStrayCancellation) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        try {
            co_await task_group::run([&](task_group& outer) -> task<void> {
                outer.create_task(fail_after(1s, "outer failure"));
                co_await task_group::run([&](task_group& inner) -> task<void> {
                    inner.create_task(fail_after(1s, "inner failure"));
                    co_await sleeper(1h, &log, "inner body");
                });
            });
        } catch (const exception_group& eg) {
            for (auto& w : whats(eg)) log.push_back(w);
        }
        EXPECT_EQ(corio::current_task().cancelling(), 0);
        co_await corio::sleep(1s);
        log.push_back("parent goes on");
        co_return log;
    };
    EXPECT_EQ(
        corio_test::run_virtual(main_task()),
        (log_t{"inner body cancelled", "outer failure",
               "group: unhandled errors in a task_group (1 sub-exception)", "parent goes on"}));
}

task<void> start_late_child(task_group& g, log_t* log) {
    try {
        co_await corio::sleep(1h);
    } catch (const cancelled_error&) {
        log->push_back("cancelled");
    }
    co_await corio_test::try_late_child(g, log);
}

TEST(TaskGroup, CreatingATaskWhileTheGroupShutsDownIsAnInvalidStateError) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        try {
            co_await task_group::run([&](task_group& g) -> task<void> {
                g.create_task(start_late_child(g, &log));
                g.create_task(fail_after(1s, "boom"));
                co_return;
            });
        } catch (const exception_group& eg) {
            for (auto& w : whats(eg)) log.push_back(w);
        }
        co_return log;
    };
    corio::loop_options debug;
    debug.debug = corio::debug_mode::on;
    corio::testing::exception_log reports;
    EXPECT_EQ(corio::testing::run_virtual(main_task(), reports, debug),
              (log_t{"cancelled", "task_group is shutting down", "late child never ran", "boom"}));
    EXPECT_TRUE(reports.empty());  // the refused coroutine is not "never awaited": it was refused
}

TEST(TaskGroup, AChildMaySuppressItsCancellation) {
    auto main_task = []() -> task<int> {
        task_handle<int> stubborn;
        try {
            co_await task_group::run([&](task_group& g) -> task<void> {
                stubborn = g.spawn([]() -> task<int> {
                    try {
                        co_await corio::sleep(1h);
                    } catch (const cancelled_error&) {
                        corio::current_task().uncancel();
                    }
                    co_await corio::sleep(1s);
                    co_return 7;
                });
                g.create_task(fail_after(1s, "boom"));
                co_return;
            });
        } catch (const exception_group&) {
        }
        co_return stubborn.result();
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), 7);
}

}  // namespace
