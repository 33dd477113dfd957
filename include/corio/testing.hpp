#pragma once
/// @file
/// `corio::testing`: tools for testing async code, after Trio's `trio.testing`.
///
/// Tests of async code must not depend on how fast the machine is. corio's answer is the virtual
/// clock (Trio's `MockClock` with `autojump_threshold=0`): the loop's time starts at zero and,
/// whenever no task or callback can run and no I/O is awaited, jumps straight to the next timer.
/// A test that sleeps for an hour finishes at once, always in the same order, and
/// `EXPECT_EQ(virtual_now(), 1h)` is exact. A program stuck on something that can never happen
/// (every task waits, no timer is pending) throws `std::logic_error` instead of hanging the test.
/// A virtual loop never waits for other threads: a test expecting `call_soon_threadsafe` from
/// another thread must keep a timer pending (or use the real clock).
///
/// Errors that nobody can receive (an exception in a callback, a task exception never retrieved,
/// a task destroyed while pending, debug-mode reports) go to the loop's exception handler;
/// `exception_log` captures them so a test can assert on them, the way Trio tests assert on
/// captured warnings. docs/testing.md is the guide.
///
/// Example:
/// @code
/// #include <corio/testing.hpp>
/// using namespace std::chrono_literals;
///
/// corio::task<int> slow_answer() { co_await corio::sleep(2h); co_return 42; }
///
/// TEST(Answer, TakesTwoHours) {
///     auto check = []() -> corio::task<void> {
///         EXPECT_EQ(co_await slow_answer(), 42);
///         EXPECT_EQ(corio::testing::virtual_now(), 2h);  // exact, and instant in real time
///     };
///     corio::testing::exception_log log;
///     corio::testing::run_virtual(check(), log);
///     EXPECT_TRUE(log.empty());  // no stray errors
/// }
/// @endcode

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <corio/core/clock.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/run.hpp>
#include <corio/core/task.hpp>

namespace corio::testing {

/// `base` with the virtual clock selected: pass it to an `event_loop` or to `corio::run`.
///
/// Example: `corio::event_loop loop(corio::testing::virtual_time());`
[[nodiscard]] inline loop_options virtual_time(loop_options base = {}) noexcept {
    base.clock = clock_mode::virtual_time;
    return base;
}

/// How much virtual time has passed on the running loop: its `time()` since it was created
/// (a virtual clock starts at zero). Call it from a task or a callback.
///
/// Errors: `std::runtime_error` outside a running loop; `std::logic_error` if the running loop
/// reads the real clock (its time has no meaningful origin: use `loop.time()` differences).
[[nodiscard]] inline duration virtual_now() {
    const event_loop& loop = get_running_loop();
    if (loop.clock() != clock_mode::virtual_time) {
        throw std::logic_error("virtual_now(): the running loop does not use the virtual clock");
    }
    return loop.time().time_since_epoch();
}

/// Records every report sent to a loop's exception handler instead of printing it.
///
/// Install it on a loop (`install`, the constructor, or `run_virtual(main, log)`); the three
/// vectors hold one entry per report, in order. It must outlive the loop's use of it: declare it
/// before the loop.
///
/// Thread safety: as the loop; reports are made on the loop's thread.
///
/// Example:
/// @code
/// corio::testing::exception_log log;
/// corio::event_loop loop(corio::testing::virtual_time());
/// log.install(loop);
/// loop.call_soon([] { throw std::runtime_error("boom"); });
/// ...
/// EXPECT_EQ(log.count("Exception in callback"), 1U);
/// @endcode
class exception_log {
public:
    exception_log() = default;
    /// Installs the log on `loop` at once.
    explicit exception_log(event_loop& loop) { install(loop); }
    exception_log(const exception_log&) = delete;  // the installed handler points at this object
    exception_log& operator=(const exception_log&) = delete;

    /// Makes this log `loop`'s exception handler (replacing any other).
    void install(event_loop& loop) {
        loop.set_exception_handler([this](event_loop&, const exception_context& c) { record(c); });
    }

    /// Appends one report (what the installed handler calls).
    void record(const exception_context& c) {
        messages.push_back(c.message);
        task_names.push_back(c.task_name);
        exceptions.push_back(c.exception);
    }

    [[nodiscard]] std::size_t size() const noexcept { return messages.size(); }
    [[nodiscard]] bool empty() const noexcept { return messages.empty(); }
    /// How many reports have a message starting with `prefix` (a whole message counts too).
    [[nodiscard]] std::size_t count(std::string_view prefix) const noexcept {
        std::size_t n = 0;
        for (const std::string& m : messages) n += std::string_view(m).starts_with(prefix);
        return n;
    }
    void clear() noexcept {
        messages.clear();
        task_names.clear();
        exceptions.clear();
    }

    std::vector<std::string> messages;           ///< `exception_context::message` of each report
    std::vector<std::string> task_names;         ///< the task concerned, empty if none
    std::vector<std::exception_ptr> exceptions;  ///< the exception reported, null if none
};

/// `corio::run(main)` on a virtual-clock loop: runs `main` to completion, cancels and drains the
/// tasks left, closes the loop, and returns `main`'s result or rethrows its exception. `options`
/// may set debug mode and the like; its clock is replaced by the virtual one.
///
/// Errors: what `main` throws; `std::logic_error` if every task waits and nothing can wake them
/// (a deadlock), or if called while a loop is running on this thread.
template <class T>
T run_virtual(task<T> main, loop_options options = {}) {
    return corio::run(std::move(main), virtual_time(options));
}

/// `run_virtual(main, options)` with `log` installed as the loop's exception handler from the
/// start, so that it also sees what the final cleanup reports.
template <class T>
T run_virtual(task<T> main, exception_log& log, loop_options options = {}) {
    if (detail::running_loop) {
        throw std::logic_error(
            "corio::testing::run_virtual() cannot be called from a running loop");
    }
    event_loop loop(virtual_time(options));
    log.install(loop);
    struct cleanup {
        event_loop& loop;
        ~cleanup() { detail::shutdown(loop); }
    } guard{loop};
    return loop.run_until_complete(std::move(main));
}

}  // namespace corio::testing
