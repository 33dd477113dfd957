#pragma once
/// @file
/// `sleep` and `yield_now`: a task waits for time to pass, or lets the others run.

#include <chrono>
#include <coroutine>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/clock.hpp>
#include <corio/core/detail/task_frame.hpp>
#include <corio/core/detail/timer_queue.hpp>
#include <corio/core/event_loop.hpp>

namespace corio {

namespace detail {

/// A task asleep on a timer. The timer node lives in the awaiter, so sleeping allocates nothing.
///
/// Made by the request `sleep()` returns, when a task awaits it: inside a task directly by the
/// task's `await_transform` (`bind_to_task`), which gives it the task, so that it needs no
/// `wait_proxy`; elsewhere by `operator co_await`. The request keeps only the delay: a sleeping
/// task's frame holds 8 bytes of request and this awaiter, nothing more. Until `await_suspend`
/// the delay is kept in `deadline` (as a time since the epoch; nothing reads it before then).
class sleep_awaiter : private timer_node, private wait_hook {
public:
    /// `task` null: the task running when it suspends (`current_record`).
    sleep_awaiter(duration delay, task_record_base* task) noexcept : task_(task) {
        deadline = time_point(delay);
    }
    sleep_awaiter(const sleep_awaiter&) = delete;
    sleep_awaiter& operator=(const sleep_awaiter&) = delete;
    ~sleep_awaiter() {
        if (queued()) task_->loop()->remove_timer(this);  // the task was destroyed while asleep
    }

    static bool await_ready() noexcept { return false; }

    void await_suspend(std::coroutine_handle<>) {
        if (!task_) task_ = current_record;
        const duration delay = deadline.time_since_epoch();  // see the class comment
        if (delay <= duration::zero()) {  // sleep(0): just let the others run once
            task_->schedule();
            return;
        }
        event_loop* const loop = task_->loop();
        const time_point now = loop->time();
        // Saturates: sleep(duration::max()) means "until cancelled", not an overflow.
        deadline = add_saturated(now, delay);
        static constexpr timer_ops wake{
            [](timer_node* t) { static_cast<sleep_awaiter*>(t)->task_->schedule_from_timer(); }};
        timer_node::ops = &wake;
        static constexpr wait_ops ops{&cancel_sleep, &describe_sleep};
        wait_hook::ops = &ops;
        loop->add_timer(this);
        task_->waiting_ = this;
    }

    void await_resume() const {
        // The cancellation that ended the sleep (the task keeps it: 8 bytes less in every
        // sleeping frame), or, as the proxy would raise it, one requested while the task could
        // not be reached (it was already woken).
        if (task_->cancel_pending()) [[unlikely]] {
            task_->raise_pending_cancel();
        }
    }

private:
    static bool cancel_sleep(wait_hook* h, const std::string& message) {
        auto* self = static_cast<sleep_awaiter*>(h);
        // Once the timer's turn has run the sleep is over (asyncio: its future has its result):
        // not interruptible any more, so the request stays pending, and `uncancel()` can still
        // withdraw it. This is the template of every wait's cancel hook: end the wait only while
        // it is really waiting, and never replace a cancellation already given (`request_cancel`
        // does not call a hook again then).
        task_record_base* const task = self->task_;
        if (!self->queued() && !task->in_timer_turn()) return false;
        // Allocate first: if that throws, the task must still be asleep on its timer.
        task->deliver_cancel(message);
        if (self->queued()) {
            task->loop()->remove_timer(self);
            task->schedule();
        } else {
            task->cancel_timer_turn();
        }
        return true;
    }

    /// "sleep, due in 1.500 s" (on the loop's clock), or "sleep, due now" once its timer fired.
    static void describe_sleep(const wait_hook* h, std::string& out) {
        const auto* self = static_cast<const sleep_awaiter*>(h);
        if (!self->queued()) {
            out += "sleep, due now";
            return;
        }
        if (self->deadline == time_point::max()) {
            out += "sleep, never due";
            return;
        }
        const duration left = sub_saturated(self->deadline, self->task_->loop()->time());
        char text[48];
        std::snprintf(text, sizeof text, "sleep, due in %.3f s",
                      std::chrono::duration<double>(left).count());
        out += text;
    }

    task_record_base* task_;
};

/// `sleep(delay, result)` once awaited: the result stays in the request, which lives until the
/// end of the `co_await` expression.
template <class T>
class sleep_result_awaiter : public sleep_awaiter {
public:
    sleep_result_awaiter(duration delay, task_record_base* task, T& result) noexcept
        : sleep_awaiter(delay, task), result_(&result) {}
    T await_resume() {
        sleep_awaiter::await_resume();
        return std::move(*result_);
    }

private:
    T* result_;
};

/// What `sleep(delay)` and `yield_now()` return: awaitable once or more, each await a new sleep.
class [[nodiscard]] sleep_request {
public:
    explicit sleep_request(duration delay) noexcept : delay_(delay) {}
    [[nodiscard]] sleep_awaiter bind_to_task(task_record_base* task) const noexcept {
        return {delay_, task};
    }
    sleep_awaiter operator co_await() const noexcept { return {delay_, nullptr}; }

private:
    duration delay_;
};

/// What `sleep(delay, result)` returns. Awaiting it moves the result out.
template <class T>
class [[nodiscard]] sleep_result_request {
public:
    sleep_result_request(duration delay, T result) : delay_(delay), result_(std::move(result)) {}
    [[nodiscard]] sleep_result_awaiter<T> bind_to_task(task_record_base* task) noexcept {
        return {delay_, task, result_};
    }
    sleep_result_awaiter<T> operator co_await() noexcept { return {delay_, nullptr, result_}; }

private:
    duration delay_;
    T result_;
};

/// A chrono duration as corio's, rounded up so that a sleep never ends early; saturated (a delay
/// of `hours::max()` would overflow nanoseconds: it means "until cancelled").
template <class Rep, class Period>
duration to_delay(std::chrono::duration<Rep, Period> delay) noexcept {
    using wide = std::chrono::duration<long double, std::nano>;  // exact for any 64-bit count
    const wide w(delay);
    if (!(w < wide(duration::max()))) return duration::max();  // also NaN: a sleep that never ends
    if (w <= wide(duration::min())) return duration::min();
    return std::chrono::ceil<duration>(delay);
}

}  // namespace detail

/// Suspends the calling task for `delay` (asyncio's `sleep`). The task resumes on the first loop
/// iteration at or after the deadline, never before. `sleep(0)` (or a negative delay) lets every
/// other ready task run once, like `yield_now()`. Any chrono duration works, floating ones too
/// (`sleep(0.5s)`, `sleep(std::chrono::duration<double>(1.5))`): it is rounded up to whole
/// nanoseconds, and a delay too long to represent means "until cancelled".
///
/// Cancellation: cancelling the task ends the sleep at once with `cancelled_error`.
///
/// Errors: none; a sleep allocates nothing.
///
/// Example: `co_await corio::sleep(100ms);`
template <class Rep, class Period>
detail::sleep_request sleep(std::chrono::duration<Rep, Period> delay) noexcept {
    return detail::sleep_request(detail::to_delay(delay));
}

/// Like `sleep(delay)`, then evaluates to `result` (asyncio's `sleep(delay, result)`).
///
/// Example: `int v = co_await corio::sleep(1s, 42);`
template <class Rep, class Period, class T>
detail::sleep_result_request<T> sleep(std::chrono::duration<Rep, Period> delay, T result) {
    return detail::sleep_result_request<T>(detail::to_delay(delay), std::move(result));
}

/// Lets every other ready task and callback run once before the calling task continues
/// (asyncio's `await sleep(0)`).
///
/// Cancellation: a cancellation requested meanwhile is raised when the task resumes.
inline detail::sleep_request yield_now() noexcept {
    return detail::sleep_request(duration::zero());
}

}  // namespace corio
