#pragma once
/// @file
/// `sleep` and `yield_now`: a task waits for time to pass, or lets the others run.

#include <coroutine>
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include <corio/core/clock.hpp>
#include <corio/core/detail/task_frame.hpp>
#include <corio/core/detail/timer_queue.hpp>
#include <corio/core/event_loop.hpp>

namespace corio {

namespace detail {

/// A task asleep on a timer. The timer node lives in the awaiter, so sleeping allocates nothing.
///
/// Kept small because it lives in the frame of every sleeping task: until `await_suspend` the
/// delay is stored in `deadline` (as a time since the epoch; nothing reads it before then), and
/// the loop is the task's own.
class sleep_awaiter : private timer_node, private wait_hook {
public:
    explicit sleep_awaiter(duration delay) noexcept { deadline = time_point(delay); }
    sleep_awaiter(sleep_awaiter&& o) noexcept { deadline = o.deadline; }  // the delay: not queued
    sleep_awaiter& operator=(sleep_awaiter&&) = delete;
    ~sleep_awaiter() {
        if (queued()) task_->loop()->remove_timer(this);  // the task was destroyed while asleep
    }

    static bool await_ready() noexcept { return false; }

    void await_suspend(std::coroutine_handle<>) {
        task_ = current_record;
        const duration delay = deadline.time_since_epoch();  // see the class comment
        if (delay <= duration::zero()) {  // sleep(0): just let the others run once
            task_->schedule();
            return;
        }
        event_loop* const loop = task_->loop();
        deadline = loop->time() + delay;
        static constexpr timer_ops wake{
            [](timer_node* t) { static_cast<sleep_awaiter*>(t)->task_->schedule(); }};
        timer_node::ops = &wake;
        wait_hook::cancel = [](wait_hook* h, const std::string& message) {
            auto* self = static_cast<sleep_awaiter*>(h);
            // Allocate first: if that throws, the task must still be asleep on its timer.
            self->cancelled_ = std::make_exception_ptr(cancelled_error(message));
            self->task_->loop()->remove_timer(self);
            self->task_->schedule();
            return true;
        };
        loop->add_timer(this);
        task_->waiting_ = this;
    }

    void await_resume() const {
        if (cancelled_) std::rethrow_exception(cancelled_);
    }

private:
    task_record_base* task_ = nullptr;
    std::exception_ptr cancelled_;
};

template <class T>
class sleep_result_awaiter : public sleep_awaiter {
public:
    sleep_result_awaiter(duration delay, T result)
        : sleep_awaiter(delay), result_(std::move(result)) {}
    T await_resume() {
        sleep_awaiter::await_resume();
        return std::move(result_);
    }

private:
    T result_;
};

}  // namespace detail

/// Suspends the calling task for `delay` (asyncio's `sleep`). The task resumes on the first loop
/// iteration at or after the deadline, never before. `sleep(0)` (or a negative delay) lets every
/// other ready task run once, like `yield_now()`.
///
/// Cancellation: cancelling the task ends the sleep at once with `cancelled_error`.
///
/// Example: `co_await corio::sleep(100ms);`
inline detail::sleep_awaiter sleep(duration delay) noexcept { return detail::sleep_awaiter(delay); }

/// Like `sleep(delay)`, then evaluates to `result` (asyncio's `sleep(delay, result)`).
template <class T>
detail::sleep_result_awaiter<T> sleep(duration delay, T result) {
    return detail::sleep_result_awaiter<T>(delay, std::move(result));
}

/// Lets every other ready task and callback run once before the calling task continues
/// (asyncio's `await sleep(0)`).
///
/// Cancellation: a cancellation requested meanwhile is raised when the task resumes.
inline detail::sleep_awaiter yield_now() noexcept {
    return detail::sleep_awaiter(duration::zero());
}

}  // namespace corio
