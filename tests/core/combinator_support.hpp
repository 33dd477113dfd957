#pragma once
// Helpers of the tests of the composition functions (gather, wait, wait_for, timeout,
// as_completed, shield): children with known durations, failures and cleanups.
#include <stdexcept>
#include <string>
#include <vector>

#include <corio/core.hpp>
#include <corio/testing.hpp>

namespace corio_test {

using namespace std::chrono_literals;

/// Sleeps `d`, then gives `v`.
inline corio::task<int> after(corio::duration d, int v) {
    co_await corio::sleep(d);
    co_return v;
}

/// Sleeps `d`, then throws `std::runtime_error(what)`.
inline corio::task<int> fail_after(corio::duration d, std::string what) {
    co_await corio::sleep(d);
    throw std::runtime_error(what);
    co_return 0;
}

inline corio::task<void> sleep_forever() { co_await corio::sleep(24h); }

/// Sleeps `d`, giving nothing.
inline corio::task<void> nap(corio::duration d) { co_await corio::sleep(d); }

/// A child that logs what happens to it: "<name> start", then "<name> done" after `d`, or, if
/// cancelled, "<name> cancelled" and (after `cleanup` of virtual time) "<name> cleaned", then
/// lets the cancellation out.
inline corio::task<int> probe(std::vector<std::string>* log, std::string name, corio::duration d,
                              corio::duration cleanup = {}, int value = 0) {
    log->push_back(name + " start");
    bool cancelled = false;
    try {
        co_await corio::sleep(d);
    } catch (const corio::cancelled_error&) {
        cancelled = true;
    }
    if (cancelled) {
        log->push_back(name + " cancelled");
        if (cleanup > corio::duration::zero()) co_await corio::sleep(cleanup);
        log->push_back(name + " cleaned");
        throw corio::cancelled_error("probe");
    }
    log->push_back(name + " done");
    co_return value;
}

/// A child that swallows its cancellation and returns `value` instead (uncancel()ing itself).
inline corio::task<int> stubborn(corio::duration d, int value) {
    try {
        co_await corio::sleep(d);
    } catch (const corio::cancelled_error&) {
        corio::current_task().uncancel();
    }
    co_return value;
}

/// Awaits `t`, whatever it ends with.
template <class T>
corio::task<void> settle(corio::task_handle<T> t) {
    try {
        co_await t;
    } catch (...) {
    }
}

/// What awaiting `t` raised: "value", "cancelled", "timeout", the runtime_error's message.
template <class T>
corio::task<std::string> outcome_of(corio::task_handle<T> t) {
    try {
        co_await t;
        co_return "value";
    } catch (const corio::cancelled_error&) {
        co_return "cancelled";
    } catch (const corio::timeout_error&) {
        co_return "timeout";
    } catch (const std::exception& e) {
        co_return e.what();
    }
}

/// The message of `error`, or "cancelled" for a cancelled_error.
inline std::string message_of(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const corio::cancelled_error&) {
        return "cancelled";
    } catch (const std::exception& e) {
        return e.what();
    }
}

/// The running loop's virtual time.
inline corio::duration now() { return corio::testing::virtual_now(); }

}  // namespace corio_test
