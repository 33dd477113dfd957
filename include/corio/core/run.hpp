#pragma once
/// @file
/// `corio::run`: asyncio's `run`, the entry point of an async program.

#include <stdexcept>
#include <type_traits>
#include <utility>

#include <corio/core/event_loop.hpp>
#include <corio/core/task.hpp>
#include <corio/core/task_handle.hpp>

namespace corio {

namespace detail {
/// Cancels every task left on `loop` and runs it until they have all finished (asyncio's
/// `_cancel_all_tasks`); then closes it. Exceptions of those tasks go to the exception handler.
void shutdown(event_loop& loop) noexcept;
}  // namespace detail

/// Runs `main` on a new event loop until it completes, then cancels and drains whatever tasks are
/// left, closes the loop, and returns `main`'s result or rethrows its exception (asyncio's `run`).
///
/// Errors: `std::logic_error` if called while a loop is running on this thread.
///
/// Example:
/// @code
/// corio::task<int> main_task() { co_await corio::sleep(1s); co_return 0; }
/// int main() { return corio::run(main_task()); }
/// @endcode
template <class T>
T run(task<T> main, loop_options options = {}) {
    if (detail::running_loop) {
        throw std::logic_error("corio::run() cannot be called from a running event loop");
    }
    event_loop loop(options);
    struct cleanup {
        event_loop& loop;
        ~cleanup() { detail::shutdown(loop); }
    } guard{loop};
    return loop.run_until_complete(std::move(main));
}

}  // namespace corio
