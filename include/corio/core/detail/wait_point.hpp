#pragma once
/// @file
/// Building blocks of the composition functions (`gather`, `wait`, `as_completed`, `shield`,
/// `timeout`): the place where one task waits inside a combinator, nodes that watch futures and
/// tasks complete, and timers embedded in a combinator's state. Nothing here allocates: each piece
/// lives in the state it serves (a coroutine frame or a heap block the combinator owns), the way
/// `sleep` keeps its timer in its awaiter.

#include <coroutine>
#include <cstddef>
#include <string>
#include <utility>

#include <corio/core/clock.hpp>
#include <corio/core/detail/future_core.hpp>
#include <corio/core/detail/task_frame.hpp>
#include <corio/core/detail/timer_queue.hpp>
#include <corio/core/event_loop.hpp>

namespace corio::detail {

/// Where one task waits inside a combinator: its `wait_hook`, so that `cancel()` reaches the
/// combinator's own rule (gather cancels its children, shield and wait cancel nothing).
///
/// The rule (`on_cancel`) returns true if the waiting task will see `cancelled_error` from this
/// wait; false if the wait is already over (the cancellation then stays pending on the task and is
/// raised when it resumes, as asyncio's `_must_cancel`).
class wait_point : private wait_hook {
public:
    using cancel_fn = bool (*)(wait_point&, const std::string& message);

    explicit wait_point(cancel_fn on_cancel) noexcept : on_cancel_(on_cancel) {
        wait_hook::cancel = [](wait_hook* h, const std::string& message) {
            auto& self = static_cast<wait_point&>(*h);
            return self.on_cancel_(self, message);
        };
    }
    wait_point(const wait_point&) = delete;
    wait_point& operator=(const wait_point&) = delete;
    ~wait_point() = default;

    /// Suspends the running task here. Call from `await_suspend`, inside a task step.
    void suspend() noexcept {
        task_ = current_record;
        task_->waiting_ = this;
    }
    /// Wakes the suspended task, if any, through the loop. Idempotent.
    void wake() noexcept {
        if (task_) std::exchange(task_, nullptr)->schedule();
    }
    /// True while a task is suspended here and has not been woken.
    [[nodiscard]] bool has_waiter() const noexcept { return task_ != nullptr; }
    /// Forgets the suspended task without waking it: its frame is being destroyed (the loop closed
    /// under it) while the state it waited on lives on.
    void forget() noexcept { task_ = nullptr; }

private:
    cancel_fn on_cancel_;
    task_record_base* task_ = nullptr;
};

/// `co_await state` for a combinator state providing `ready()`, `suspend()` and `resume()`.
template <class State>
class state_awaiter {
public:
    explicit state_awaiter(State& state) noexcept : state_(&state) {}
    bool await_ready() { return state_->ready(); }
    void await_suspend(std::coroutine_handle<>) noexcept { state_->suspend(); }
    decltype(auto) await_resume() { return state_->resume(); }

private:
    State* state_;
};

/// Watches one future or task: calls `owner.on_done(index)` when it completes. The call is made
/// synchronously by the code that completes the target, so `on_done` must only record and wake.
/// Detaches itself when destroyed; the owner must keep the target alive while watching.
template <class Owner>
class watch_node : private completion_node {
public:
    watch_node() noexcept = default;
    watch_node(const watch_node&) = delete;
    watch_node& operator=(const watch_node&) = delete;
    ~watch_node() { unwatch(); }

    /// Starts watching `target`; reports at once if it is already done.
    void watch(future_core& target, Owner& owner, std::size_t index) noexcept {
        owner_ = &owner;
        index_ = index;
        target_ = &target;
        completion_node::fire = [](completion_node* n, future_core&) {
            auto* self = static_cast<watch_node*>(n);
            self->target_ = nullptr;
            self->owner_->on_done(self->index_);
        };
        target.attach(this);
    }
    /// Stops watching (no-op if the target already reported).
    void unwatch() noexcept {
        if (target_) std::exchange(target_, nullptr)->detach(this);
    }
    [[nodiscard]] bool watching() const noexcept { return target_ != nullptr; }

private:
    Owner* owner_ = nullptr;
    future_core* target_ = nullptr;
    std::size_t index_ = 0;
};

/// One child of a combinator (`gather`, `wait`, `as_completed`): the state it watches and the
/// node watching it. The combinator keeps an array of them, indexed as its arguments.
template <class Owner>
struct watched_child {
    watch_node<Owner> node;
    future_core* core = nullptr;
};

/// A timer inside a combinator's state: calls `owner.on_timeout()` from the loop's timer phase
/// once the loop's time reaches the deadline (never earlier). Removes itself when destroyed.
template <class Owner>
class deadline_timer : private timer_node {
public:
    deadline_timer() noexcept = default;
    deadline_timer(const deadline_timer&) = delete;
    deadline_timer& operator=(const deadline_timer&) = delete;
    ~deadline_timer() { disarm(); }

    /// (Re)arms the timer for `when`, which may be in the past (it then fires on the loop's next
    /// timer pass).
    void arm(event_loop& loop, time_point when, Owner& owner) {
        disarm();
        loop_ = &loop;
        owner_ = &owner;
        deadline = when;
        static constexpr timer_ops on_timeout{
            [](timer_node* t) { static_cast<deadline_timer*>(t)->owner_->on_timeout(); }};
        timer_node::ops = &on_timeout;
        loop.add_timer(this);
    }
    /// Cancels the timer if it has not fired.
    void disarm() noexcept {
        if (queued()) loop_->remove_timer(this);
    }
    [[nodiscard]] bool armed() const noexcept { return queued(); }

private:
    event_loop* loop_ = nullptr;
    Owner* owner_ = nullptr;
};

}  // namespace corio::detail
