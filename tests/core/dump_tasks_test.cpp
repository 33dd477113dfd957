// corio::dump_tasks: every task with its state and async stack, in a stable format.
#include <algorithm>
#include <source_location>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/sync.hpp>
#include <corio/testing.hpp>

namespace {

using namespace std::chrono_literals;
using corio::task;

/// Where a coroutine is about to await (the statement after `at`), and what its name must contain.
struct await_site {
    std::source_location at;
    const char* name = "";
    /// The end of its line in a dump: "<name>... (<file>:<line>)".
    [[nodiscard]] std::string location() const {
        return std::string(" (") + at.file_name() + ':' + std::to_string(at.line() + 1) + ")";
    }
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

/// A frame line: "  at <function> (<file>:<line>)"; the function's spelling is the compiler's,
/// so only its name is checked.
void expect_frame(const std::string& line, const await_site& site) {
    EXPECT_EQ(line.rfind("  at ", 0), 0U) << line;
    EXPECT_NE(line.find(site.name), std::string::npos) << line;
    EXPECT_TRUE(line.ends_with(site.location())) << line << " vs " << site.location();
    EXPECT_EQ(line.find(".Frame"), std::string::npos) << line;  // GCC's internal name is cleaned
}

await_site inner_site, outer_site, yielder_site, main_site;

task<int> inner() {
    inner_site = {std::source_location::current(), "inner"};
    co_await corio::sleep(1h);
    co_return 1;
}

task<int> outer() {
    outer_site = {std::source_location::current(), "outer"};
    co_return co_await inner();
}

task<void> yielder() {
    for (;;) {
        yielder_site = {std::source_location::current(), "yielder"};
        co_await corio::yield_now();
    }
}

task<std::string> dump_from_main() {
    corio::current_task().set_name("main");
    auto fetcher = corio::create_task(outer(), "fetcher");
    auto busy = corio::create_task(yielder(), "yielder");
    main_site = {std::source_location::current(), "dump_from_main"};
    co_await corio::yield_now();  // fetcher and yielder take their first steps
    auto late = corio::create_task(inner(), "late");
    std::ostringstream out;
    corio::dump_tasks(out);
    fetcher.cancel();
    busy.cancel();
    late.cancel();
    co_return out.str();
}

TEST(DumpTasks, ShowsEveryTaskWithItsStateAndAsyncStackInnermostFirst) {
    const auto lines = lines_of(corio::testing::run_virtual(dump_from_main()));
    ASSERT_EQ(lines.size(), 9U);
    EXPECT_EQ(lines[0], "Task \"main\" (running)");
    expect_frame(lines[1], main_site);
    EXPECT_EQ(lines[2], "Task \"fetcher\" (waiting)");
    EXPECT_EQ(lines[3], "  waiting for sleep, due in 3600.000 s");  // virtual time: exact
    expect_frame(lines[4], inner_site);
    expect_frame(lines[5], outer_site);
    EXPECT_EQ(lines[6], "Task \"yielder\" (scheduled)");
    expect_frame(lines[7], yielder_site);
    EXPECT_EQ(lines[8], "Task \"late\" (not started)");
}

task<std::string> dump_before_any_await() {
    std::ostringstream out;
    corio::dump_tasks(out);
    co_return out.str();
}

TEST(DumpTasks, ACoroutineThatHasNotAwaitedYetHasNoLocation) {
    const std::string dump = corio::testing::run_virtual(dump_before_any_await());
    EXPECT_EQ(dump, "Task \"Task-1\" (running)\n  at <unknown> (no co_await yet)\n");
}

TEST(DumpTasks, WorksFromACallbackAndOnALoopThatIsNotRunning) {
    corio::event_loop loop(corio::testing::virtual_time());
    std::ostringstream none;
    corio::dump_tasks(loop, none);
    EXPECT_EQ(none.str(), "");  // no tasks: nothing written

    auto sleeper = loop.create_task(inner(), "sleeper");
    std::ostringstream before;
    corio::dump_tasks(loop, before);  // not running: the task has not started
    EXPECT_EQ(before.str(), "Task \"sleeper\" (not started)\n");

    std::string from_callback;
    loop.call_later(1ms, [&] {
        std::ostringstream out;
        corio::dump_tasks(out);  // the running loop
        from_callback = out.str();
        loop.stop();
    });
    loop.run_forever();
    const auto lines = lines_of(from_callback);
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_EQ(lines[0], "Task \"sleeper\" (waiting)");
    EXPECT_EQ(lines[1], "  waiting for sleep, due in 3599.999 s");
    expect_frame(lines[2], inner_site);
    sleeper.cancel();
    EXPECT_THROW(loop.run_until_complete(sleeper), corio::cancelled_error);
}

/// The "waiting for" line of the task named `name` in a dump.
std::string wait_of(const std::string& dump, const std::string& name) {
    const auto lines = lines_of(dump);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        if (lines[i].starts_with("Task \"" + name + "\"")) {
            const std::string prefix = "  waiting for ";
            return lines[i + 1].starts_with(prefix) ? lines[i + 1].substr(prefix.size()) : "";
        }
    }
    return "<no task " + name + ">";
}

task<void> hold(corio::lock& l, corio::event& release) {
    auto held = co_await l.scoped();
    co_await release.wait();
}
task<void> take(corio::lock& l) { auto held = co_await l.scoped(); }
task<int> get_one(corio::queue<int>& q) { co_return co_await q.get(); }
task<void> put_one(corio::queue<int>& q) { co_await q.put(2); }
task<void> acquire_one(corio::semaphore& s) { co_await s.acquire(); }
task<void> await_task(corio::task_handle<int> t) { (void)co_await t; }
task<void> gather_two(corio::event& e) {
    co_await corio::gather(corio::spawn([&e]() -> task<void> { co_await e.wait(); }),
                           corio::spawn([&e]() -> task<void> { co_await e.wait(); }));
}

task<std::string> dump_stuck_tasks() {
    corio::lock l;
    corio::event release;
    corio::queue<int> empty;
    corio::queue<int> full(1);
    full.put_nowait(1);
    corio::semaphore none(0);
    std::vector<corio::task_ref> tasks;
    tasks.push_back(corio::create_task(hold(l, release), "holder"));
    tasks.push_back(corio::create_task(take(l), "taker"));
    tasks.push_back(corio::create_task(get_one(empty), "getter"));
    tasks.push_back(corio::create_task(put_one(full), "putter"));
    tasks.push_back(corio::create_task(acquire_one(none), "acquirer"));
    auto sleeper = corio::create_task(inner(), "sleeper");
    tasks.push_back(corio::create_task(await_task(sleeper), "awaiter"));
    tasks.push_back(corio::create_task(gather_two(release), "gatherer"));
    co_await corio::sleep(1s);
    std::ostringstream out;
    corio::dump_tasks(out);
    sleeper.cancel();
    for (auto& t : tasks) t.cancel();
    tasks.push_back(sleeper);
    // The primitives live in this frame: let every task unwind first.
    while (std::any_of(tasks.begin(), tasks.end(),
                       [](const corio::task_ref& t) { return !t.done(); })) {
        co_await corio::sleep(0s);
    }
    co_return out.str();
}

TEST(DumpTasks, NamesWhatEachWaitingTaskWaitsFor) {
    const std::string dump = corio::testing::run_virtual(dump_stuck_tasks());
    EXPECT_EQ(wait_of(dump, "holder"), "event (not set)") << dump;
    EXPECT_EQ(wait_of(dump, "taker"), "lock held by Task \"holder\"") << dump;
    EXPECT_EQ(wait_of(dump, "getter"), "queue get (0 items, maxsize 0)") << dump;
    EXPECT_EQ(wait_of(dump, "putter"), "queue put (1 items, maxsize 1)") << dump;
    EXPECT_EQ(wait_of(dump, "acquirer"), "semaphore (value 0, 1 waiting)") << dump;
    EXPECT_EQ(wait_of(dump, "sleeper"), "sleep, due in 3599.000 s") << dump;
    EXPECT_EQ(wait_of(dump, "awaiter"), "Task \"sleeper\"") << dump;
    EXPECT_EQ(wait_of(dump, "gatherer"), "gather") << dump;
}

TEST(DumpTasks, OutsideARunningLoopTheShortFormIsAnError) {
    std::ostringstream out;
    EXPECT_THROW(corio::dump_tasks(out), std::runtime_error);
}

}  // namespace
