#pragma once
// Shared helpers of the core tests.
#include <string>
#include <vector>

#include <corio/core.hpp>

namespace corio_test {

/// Loop options for tests: virtual time, so sleeps of hours finish at once and deterministically.
inline corio::loop_options virtual_time() {
    corio::loop_options o;
    o.clock = corio::clock_mode::virtual_time;
    return o;
}

/// Runs `main` on a virtual-time loop.
template <class T>
T run_virtual(corio::task<T> main) {
    return corio::run(std::move(main), virtual_time());
}

/// Collects reports sent to a loop's exception handler.
struct handler_log {
    std::vector<std::string> messages;
    std::vector<std::string> task_names;
    void install(corio::event_loop& loop) {
        loop.set_exception_handler([this](corio::event_loop&, const corio::exception_context& c) {
            messages.push_back(c.message);
            task_names.push_back(c.task_name);
        });
    }
};

}  // namespace corio_test
