#pragma once
// Shared helpers of the core tests: the old names of what is now the public testing kit
// (include/corio/testing.hpp). New tests may use corio::testing directly.
#include <string>
#include <utility>
#include <vector>

#include <corio/core.hpp>
#include <corio/testing.hpp>

namespace corio_test {

/// Loop options for tests: virtual time, so sleeps of hours finish at once and deterministically.
using corio::testing::virtual_time;

/// Runs `main` on a virtual-time loop.
using corio::testing::run_virtual;

/// Collects reports sent to a loop's exception handler (`messages`, `task_names`, `install`).
using handler_log = corio::testing::exception_log;

/// Sleeps for `d`; logs "<name> done", or "<name> cancelled" if cancelled (and lets the
/// cancellation out).
inline corio::task<void> sleeper(corio::duration d, std::vector<std::string>* log,
                                 std::string name) {
    try {
        co_await corio::sleep(d);
    } catch (const corio::cancelled_error&) {
        log->push_back(name + " cancelled");
        throw;
    }
    log->push_back(name + " done");
}

/// Tries to spawn a child into `g` once the group no longer takes any: logs the error it raises,
/// then, after letting the loop run once, whether the child ran all the same.
inline corio::task<void> try_late_child(corio::task_group& g, std::vector<std::string>* log) {
    bool ran = false;
    try {
        g.spawn([&ran]() -> corio::task<void> {
            ran = true;
            co_return;
        });
    } catch (const corio::invalid_state_error& e) {
        log->push_back(e.what());
    }
    co_await corio::yield_now();
    log->push_back(ran ? "late child ran" : "late child never ran");
}

/// Logs "<name> unwound" when destroyed: shows which locals of a coroutine body were unwound.
struct scope_guard {
    std::vector<std::string>* log;
    std::string name;
    scope_guard(std::vector<std::string>* l, std::string n) : log(l), name(std::move(n)) {}
    scope_guard(const scope_guard&) = delete;
    scope_guard& operator=(const scope_guard&) = delete;
    ~scope_guard() { log->push_back(name + " unwound"); }
};

}  // namespace corio_test
