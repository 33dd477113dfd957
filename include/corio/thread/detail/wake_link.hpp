#pragma once
/// @file
/// How another thread wakes a task: the one mechanism `concurrent_future` and `channel` share.
///
/// The waking thread must not touch the waiter's awaiter once it lets go of the lock that guards
/// it (the task may be cancelled and its frame freed at once, on its own thread). So what it posts
/// to the task's loop holds only a `wake_link`, a small shared cell naming the task, which the
/// loop's thread alone reads and clears: a waiter cancelled or destroyed first clears it, and the
/// late wake-up then does nothing.

#include <exception>
#include <memory>
#include <utility>

#include <corio/core/detail/task_frame.hpp>
#include <corio/core/remote_loop.hpp>

namespace corio::detail {

/// Names the task a wake-up is for; read and cleared on that task's loop thread only.
struct wake_link {
    task_record_base* task = nullptr;
};

/// Posts the wake-up of `link`'s task to `loop`. A refusal (the loop is closed or gone) needs
/// nothing: closing a loop tears its tasks down, and their awaiters leave what they waited on.
inline void post_wake(const remote_loop& loop, std::shared_ptr<wake_link> link) noexcept {
    try {
        (void)loop.try_call_soon([link = std::move(link)] {
            if (task_record_base* task = std::exchange(link->task, nullptr)) task->schedule();
        });
    } catch (...) {
        // Out of memory for the wake-up: the task would wait forever (and keep whatever it was
        // granted), which nothing can repair silently.
        std::terminate();
    }
}

}  // namespace corio::detail
