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

    /// `what` names the combinator for `dump_tasks` ("gather", "shield"...): a string literal.
    wait_point(cancel_fn on_cancel, const char* what) noexcept
        : on_cancel_(on_cancel), what_(what) {
        static constexpr wait_ops ops{[](wait_hook* h, const std::string& message) {
                                          auto& self = static_cast<wait_point&>(*h);
                                          return self.on_cancel_(self, message);
                                      },
                                      [](const wait_hook* h, std::string& out) {
                                          out += static_cast<const wait_point&>(*h).what_;
                                      }};
        wait_hook::ops = &ops;
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
    const char* what_;
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

/// A call an object queues on its loop, behind what is ready, as asyncio queues a done-callback or
/// a due `TimerHandle`: the ready node lives in the object (no allocation), and the call is
/// withdrawn if the object goes first (`withdraw`, O(queue length): teardown paths only). The one
/// place that logic lives for the combinators' nodes and timers. `Derived` provides
/// `run_queued()`, called once per `post`.
template <class Derived>
class queued_call : private ready_node {
protected:
    queued_call() noexcept = default;
    queued_call(const queued_call&) = delete;
    queued_call& operator=(const queued_call&) = delete;
    ~queued_call() = default;  // Derived's destructor withdraws first: it knows whether it must

    /// Queues `run_queued()` on `loop` (not already posted).
    void post(event_loop& loop) noexcept {
        static constexpr ready_ops ops{
            [](ready_node* n) {
                auto* self = static_cast<queued_call*>(n);
                self->posted_ = false;
                static_cast<Derived*>(self)->run_queued();
            },
            [](ready_node* n) noexcept { static_cast<queued_call*>(n)->posted_ = false; }};
        ready_node::ops = &ops;
        loop_ = &loop;
        posted_ = true;
        loop.schedule(this);
    }
    /// Takes a posted call back out of the queue; no-op if it is not posted.
    void withdraw() noexcept {
        if (posted_) {
            posted_ = false;
            loop_->unschedule(this);
        }
    }
    [[nodiscard]] bool posted() const noexcept { return posted_; }

private:
    event_loop* loop_ = nullptr;
    bool posted_ = false;
};

/// Watches one future or task: calls `owner.on_done(index)` from the loop once it completes.
///
/// The call is a done-callback, as asyncio's combinators register theirs: the completion only
/// queues it (`queued_call`), and it runs on the loop's next iteration (queued at once if the
/// target is already done). So a combinator takes asyncio's two iterations from a child's
/// completion to its awaiter's resumption (the child's done-callback, then the outer future's
/// wake-up), and code that runs in between sees it still pending: a task group failing in that
/// same iteration cancels a gather that has not yet finished, and the gather's child error is not
/// lost. Detaches itself when destroyed; the owner must keep the target alive while watching.
template <class Owner>
class watch_node : private completion_node, private queued_call<watch_node<Owner>> {
public:
    watch_node() noexcept = default;
    watch_node(const watch_node&) = delete;
    watch_node& operator=(const watch_node&) = delete;
    ~watch_node() { unwatch(); }

    /// Starts watching `target`; if it is already done, the report is queued at once.
    void watch(future_core& target, Owner& owner, std::size_t index) noexcept {
        owner_ = &owner;
        index_ = index;
        target_ = &target;
        completion_node::fire = [](completion_node* n, future_core& done) {
            auto* self = static_cast<watch_node*>(n);
            self->target_ = nullptr;
            self->post(*done.loop());
        };
        target.attach(this);
    }
    /// Stops watching: no report is made after this (a queued one is withdrawn).
    void unwatch() noexcept {
        if (target_) std::exchange(target_, nullptr)->detach(this);
        this->withdraw();
    }
    /// True until the report has been made (or the node unwatched).
    [[nodiscard]] bool watching() const noexcept { return target_ != nullptr || this->posted(); }

private:
    friend class queued_call<watch_node>;
    void run_queued() { owner_->on_done(index_); }

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

/// A timer inside a combinator's state: calls `owner.on_timeout()` from the loop once the loop's
/// time reaches the deadline (never earlier). Removes itself when destroyed.
///
/// Like asyncio's `TimerHandle`, the call is not made from the loop's timer pass but queued by it
/// behind what was already ready (`queued_call`), so it runs in asyncio's order (a child's
/// completion reported just before the deadline is seen first, for instance); one armed already
/// due is queued at once, as asyncio's `Timeout.reschedule` does with `call_soon`.
template <class Owner>
class deadline_timer : private timer_node, private queued_call<deadline_timer<Owner>> {
public:
    deadline_timer() noexcept = default;
    deadline_timer(const deadline_timer&) = delete;
    deadline_timer& operator=(const deadline_timer&) = delete;
    ~deadline_timer() { disarm(); }

    /// (Re)arms the timer for `when`, which may be in the past (the call is then queued at once)
    /// or `time_point::max()` (never).
    void arm(event_loop& loop, time_point when, Owner& owner) {
        disarm();
        loop_ = &loop;
        owner_ = &owner;
        if (when <= loop.time()) {
            this->post(loop);
            return;
        }
        deadline = when;
        static constexpr timer_ops on_deadline{[](timer_node* t) {
            auto* self = static_cast<deadline_timer*>(t);
            self->post(*self->loop_);
        }};
        timer_node::ops = &on_deadline;
        loop.add_timer(this);
    }
    /// Cancels the timer if it has not fired (or withdraws its queued call).
    void disarm() noexcept {
        if (queued()) loop_->remove_timer(this);
        this->withdraw();
    }
    /// True until `on_timeout` has been called (or the timer disarmed).
    [[nodiscard]] bool armed() const noexcept { return queued() || this->posted(); }

private:
    friend class queued_call<deadline_timer>;
    void run_queued() { owner_->on_timeout(); }

    event_loop* loop_ = nullptr;
    Owner* owner_ = nullptr;
};

}  // namespace corio::detail
