#pragma once
/// @file
/// `co_await` on a future or on another task, from inside a task.

#include <coroutine>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <corio/core/detail/future_core.hpp>
#include <corio/core/detail/task_frame.hpp>

namespace corio::detail {

/// Waits for `State` (a `future_state<T>` or a `task_record<T>`) to complete, then produces its
/// value, or rethrows its exception, or raises `cancelled_error` if it was cancelled.
///
/// While waiting it is the task's `wait_hook`: cancelling the waiting task cancels what it awaits
/// (asyncio: `Task.cancel()` calls `_fut_waiter.cancel()`), and the cancellation then arrives
/// through the awaited thing's result. Use `shield` to protect the awaited thing.
template <class State, class T>
class future_awaiter : private completion_node, private wait_hook {
public:
    explicit future_awaiter(core_ref<State> state) noexcept : state_(std::move(state)) {}
    future_awaiter(future_awaiter&& o) noexcept : state_(std::move(o.state_)) {}
    future_awaiter& operator=(future_awaiter&&) = delete;
    ~future_awaiter() {
        if (attached_) state_->detach(this);  // the waiting task was destroyed while waiting
    }

    /// Errors: `different_loop_error` if the awaited thing belongs to another loop than the
    /// awaiting task's (its state is that loop's thread's alone: even `done()` would race).
    bool await_ready() const {
        if (current_record && state_->loop() != current_record->loop()) [[unlikely]]
            throw_different_loop();
        return state_->done();
    }

    void await_suspend(std::coroutine_handle<>) noexcept {
        waiter_ = current_record;
        completion_node::fire = [](completion_node* n, future_core&) {
            auto* self = static_cast<future_awaiter*>(n);
            self->attached_ = false;
            self->waiter_->schedule();
        };
        static constexpr wait_ops ops{
            [](wait_hook* h, const std::string& message) {
                return static_cast<future_awaiter*>(h)->state_->cancel(message);
            },
            [](const wait_hook* h, std::string& out) {
                const future_core& state = *static_cast<const future_awaiter*>(h)->state_;
                if (std::string_view(state.kind()) == "Task") {
                    out += "Task \"";
                    out += state.describe();
                    out += '"';
                } else {
                    out += "a Future";
                }
            }};
        wait_hook::ops = &ops;
        attached_ = true;
        state_->attach(this);
        waiter_->waiting_ = this;
    }

    /// True if resuming will raise the awaited thing's own `cancelled_error` (see `wait_proxy`).
    [[nodiscard]] bool ends_cancelled() const noexcept { return state_->cancelled(); }

    T await_resume() {
        State& s = *state_;
        s.rethrow_if_failed();
        if constexpr (!std::is_void_v<T>) {
            if constexpr (std::is_copy_constructible_v<T>) {
                return s.slot_.get();  // a future may have many awaiters: each gets a copy
            } else {
                return s.slot_.take();
            }
        }
    }

private:
    [[noreturn, gnu::cold, gnu::noinline]] static void throw_different_loop() {
        throw different_loop_error(
            "a task awaited a future or task attached to a different loop: cross loops with "
            "to_concurrent_future or run_coroutine_threadsafe");
    }

    core_ref<State> state_;
    task_record_base* waiter_ = nullptr;
    bool attached_ = false;
};

}  // namespace corio::detail
