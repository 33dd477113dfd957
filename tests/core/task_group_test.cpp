// corio::task_group: structured concurrency with asyncio.TaskGroup's semantics: children, results
// and the group's lifetime. Failures and cancellation: task_group_cancel_test.cpp.
#include <memory>
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

task<int> value_after(corio::duration d, int v) {
    co_await corio::sleep(d);
    co_return v;
}

task<void> fail_after(corio::duration d, std::string what) {
    co_await corio::sleep(d);
    throw std::runtime_error(what);
}

TEST(TaskGroup, AwaitsAllChildrenAndGivesTheirResultsThroughHandles) {
    auto main_task = []() -> task<void> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        task_handle<int> a;
        task_handle<int> b;
        task_handle<std::string> c;
        co_await task_group::run([&](task_group& g) -> task<void> {
            a = g.create_task(value_after(3s, 1), "a");
            b = g.create_task(value_after(1s, 2));
            c = g.spawn(
                [](std::string s) -> task<std::string> {
                    co_await corio::sleep(2s);
                    co_return s + "!";
                },
                std::string("hi"));
            co_return;  // the body ends at once; the group waits for the children
        });
        EXPECT_EQ(loop.time() - start, corio::duration(3s));  // virtual time: the longest child
        EXPECT_TRUE(a.done() && b.done() && c.done());
        EXPECT_EQ(a.get_name(), "a");
        EXPECT_EQ(a.result() + b.result(), 3);
        EXPECT_EQ(c.result(), "hi!");
    };
    corio_test::run_virtual(main_task());
}

TEST(TaskGroup, ReturnsTheBodysResult) {
    auto main_task = []() -> task<int> {
        co_return co_await task_group::run([](task_group& g) -> task<int> {
            auto h = g.create_task(value_after(1s, 40));
            co_return co_await h + 2;
        });
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), 42);
}

TEST(TaskGroup, AnEmptyGroupFinishesAtOnce) {
    auto main_task = []() -> task<bool> {
        co_await task_group::run([](task_group&) -> task<void> { co_return; });
        co_return true;
    };
    EXPECT_TRUE(corio_test::run_virtual(main_task()));
}

task<void> parent_of_two(task_group& g, log_t* log, std::vector<task_handle<void>>* handles) {
    co_await corio::sleep(1s);
    handles->push_back(g.create_task(sleeper(5s, log, "grandchild")));
    log->push_back("child done");
}

TEST(TaskGroup, ChildrenMayStartMoreChildrenWhichAreAwaitedToo) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        std::vector<task_handle<void>> handles;
        co_await task_group::run([&](task_group& g) -> task<void> {
            handles.push_back(g.create_task(parent_of_two(g, &log, &handles)));
            co_return;
        });
        for (auto& h : handles) EXPECT_TRUE(h.done());
        EXPECT_EQ(handles.size(), 2u);
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), (log_t{"child done", "grandchild done"}));
}

task<void> add_when_finished(task_group* g, log_t* log) {
    co_await corio::sleep(1s);    // the group's last child finishes now...
    co_await corio::yield_now();  // ...and its done-callback runs before this task resumes
    co_await corio_test::try_late_child(*g, log);
}

TEST(TaskGroup, CreatingATaskOnceTheGroupIsFinishedIsAnInvalidStateError) {
    auto main_task = []() -> task<log_t> {
        log_t log;
        task_handle<void> outsider;  // not a child: it holds the group only for this test
        co_await task_group::run([&](task_group& g) -> task<void> {
            g.create_task(sleeper(1s, &log, "child"));
            outsider = corio::create_task(add_when_finished(&g, &log));
            co_return;
        });
        log.push_back("group done");
        co_await outsider;
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), (log_t{"child done", "task_group is finished",
                                                           "group done", "late child never ran"}));
}

task<void> named_body(task_group& g) {
    g.create_task(value_after(1s, 1));
    co_return;
}

TEST(TaskGroup, TheBodyMayBeAnyCallableReturningATask) {
    auto main_task = []() -> task<bool> {
        co_await task_group::run(&named_body);
        co_await task_group::run(named_body);
        co_return true;
    };
    EXPECT_TRUE(corio_test::run_virtual(main_task()));
}

TEST(TaskGroup, NoChildOutlivesItsGroupOnAnyPath) {
    auto main_task = []() -> task<void> {
        std::vector<task_handle<int>> handles;
        // Success, a child failure, a body failure, a cancellation of the parent.
        for (int path = 0; path < 4; ++path) {
            handles.clear();
            auto run_group = [&handles, path]() -> task<void> {
                co_await task_group::run([&handles, path](task_group& g) -> task<void> {
                    for (int i = 1; i <= 3; ++i) {
                        handles.push_back(g.create_task(value_after(i * 1s, i)));
                    }
                    if (path == 1) g.create_task(fail_after(2s, "child"));
                    if (path == 2) throw std::runtime_error("body");
                    co_return;
                });
            };
            auto parent = corio::create_task(run_group());
            if (path == 3) {
                co_await corio::sleep(1500ms);
                parent.cancel();
            }
            try {
                co_await parent;
            } catch (...) {
            }
            EXPECT_EQ(handles.size(), 3u);
            for (auto& h : handles) EXPECT_TRUE(h.done()) << "path " << path;
        }
    };
    corio_test::run_virtual(main_task());
}

TEST(TaskGroup, TheLoopClosingUnderAGroupTearsEverythingDown) {
    auto loop = std::make_unique<corio::event_loop>(corio_test::virtual_time());
    corio_test::handler_log reports;
    reports.install(*loop);
    log_t log;
    auto group = [](log_t* l) -> task<void> {
        co_await task_group::run([l](task_group& g) -> task<void> {
            g.create_task(sleeper(1h, l, "a"));
            g.create_task(sleeper(1h, l, "b"));
            co_await corio::sleep(2h);
        });
    };
    auto t = loop->create_task(group(&log));
    loop->run_until_complete(value_after(1s, 0));
    EXPECT_FALSE(t.done());
    loop->close();  // abandons the parent and the children, in whatever order
    EXPECT_TRUE(t.cancelled());
    EXPECT_EQ(reports.messages.size(), 3u);  // "Task was destroyed but it is pending!" each
}

}  // namespace
