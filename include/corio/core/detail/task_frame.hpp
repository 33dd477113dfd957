#pragma once
/// @file
/// The frames of a task chain and the record that drives them.
///
/// A scheduled task (`task_record_base`, asyncio's `Task`) runs a chain of coroutine frames: its
/// root coroutine and the `task<T>` coroutines it awaits, each `co_await child()` pushing a frame.
/// As for generators, the record resumes the *leaf* frame directly and moves along the chain in a
/// loop (`step`), so a million nested synchronous awaits use constant stack whatever the compiler
/// does with symmetric transfer (GCC 12 does not make it a tail call at -O0 or under sanitizers).
/// The same loop is where the cooperative budget is charged, and the chain is the task's async
/// stack for `dump_tasks`.

#include <cassert>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/detail/frame_allocator.hpp>
#include <corio/core/detail/future_core.hpp>
#include <corio/core/detail/ready_queue.hpp>

namespace corio {
template <class T>
class task;
}

namespace corio::detail {

class task_record_base;

/// The task whose step is running on this thread, or null.
inline thread_local task_record_base* current_record = nullptr;

/// How many chain transitions or always-ready awaits a task may make in one step before it must
/// go back to the loop: the cooperative budget that keeps one busy task from starving timers,
/// I/O and other tasks (Tokio uses 128 too).
inline constexpr std::uint32_t step_budget = 128;
/// What is left of the running step's budget. Per thread, not per task: only one step runs at a
/// time on a thread, and a field would cost every sleeping task 8 bytes.
inline thread_local std::uint32_t budget_left = step_budget;

struct wait_hook;

/// What a kind of wait does when asked: one static table per kind, so that a waiting task pays
/// one pointer however many things a wait can be asked.
struct wait_ops {
    /// Tries to end the wait with a cancellation carrying `message`; true if the task will see
    /// `cancelled_error` from this wait (the hook has woken it or will), false if it cannot.
    bool (*cancel)(wait_hook*, const std::string& message);
    /// Appends what the task waits for, for `dump_tasks` ("lock held by Task-3", "sleep, due in
    /// 2.000 s"). Called on the loop's thread, at report time only.
    void (*describe)(const wait_hook*, std::string& out);
};

/// Where a task waits when it waits outside its own chain (a sleep, a future, another task, a
/// lock), so that `cancel()` can reach it and `dump_tasks` can name it. asyncio's
/// `Task._fut_waiter`.
struct wait_hook {
    const wait_ops* ops = nullptr;
};

/// Promise base of every coroutine that runs inside a task chain.
///
/// Kept small (40 bytes), because one lives in every frame: the coroutine handle is computed from
/// the promise's address rather than stored (see `handle`), and the frames of a chain belong to
/// the chain, so a frame needs no pointer back to an owner.
class task_frame : public pooled {
public:
    static std::suspend_always initial_suspend() noexcept { return {}; }
    /// Marks the frame returned; the driver moves on to the parent. If the frame was resumed from
    /// outside the driver (by an awaitable corio does not know), the task is scheduled instead.
    /// Empty: it finds the promise through the handle, so it takes no room in the frame.
    struct final_awaiter {
        static bool await_ready() noexcept { return false; }
        template <class Promise>
        static void await_suspend(std::coroutine_handle<Promise> h) noexcept {
            h.promise().on_returned();
        }
        static void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept {
        returned_ = true;
        return {};
    }
    void unhandled_exception() noexcept { exception_ = std::current_exception(); }
    /// See `final_awaiter`.
    void on_returned() const noexcept;

    /// Every `co_await` in a task goes through here: awaiting a `task<U>` pushes its frame onto
    /// the chain; anything else is wrapped so that a pending cancellation is raised when the task
    /// resumes, the cooperative budget is charged, and the suspension point is recorded.
    template <class A>
    auto await_transform(A&& awaitable,
                         std::source_location where = std::source_location::current());

    /// The coroutine this promise belongs to. GCC and Clang both lay a frame out as two function
    /// pointers, then the promise (at 16 bytes for a promise aligned to at most 16), and a
    /// promise type starts with its task_frame: `check_layout`, called when each frame is made,
    /// asserts both, so that this never has to be stored.
    [[nodiscard]] std::coroutine_handle<> handle() const noexcept {
        return std::coroutine_handle<>::from_address(
            const_cast<char*>(reinterpret_cast<const char*>(this)) - frame_header);
    }
    template <class Promise>
    static void check_layout([[maybe_unused]] Promise& promise) noexcept {
        static_assert(alignof(Promise) <= frame_header,
                      "a task's result type may not be aligned to more than 16 bytes: return it "
                      "in a std::unique_ptr");
        assert(std::coroutine_handle<Promise>::from_promise(promise).address() ==
               static_cast<task_frame&>(promise).handle().address());
    }

    task_frame* parent_ = nullptr;  ///< the frame that awaits this one; null for the root
    task_record_base* record_ = nullptr;
    std::exception_ptr exception_;
    std::source_location where_{};  ///< the co_await this frame is suspended at
    bool returned_ = false;
    /// The frame is an async generator's, owned by the generator object rather than by the chain
    /// (see `generator_frame`).
    bool generator_owned_ = false;
    /// The coroutine is a lambda with captures (see `event_loop::create_task`).
    bool capturing_lambda_ = false;

private:
    static constexpr std::size_t frame_header = 2 * sizeof(void*);
};

/// An async generator's frame: its generator object owns it and keeps it between `next()` calls,
/// while the frame joins the awaiting task's chain for each call. If the task is torn down
/// mid-call (`abandon`), the chain destroys the frame and clears the generator's handle through
/// `owner_slot_`.
struct generator_frame : task_frame {
    generator_frame() noexcept { generator_owned_ = true; }
    std::coroutine_handle<>* owner_slot_ = nullptr;
};

/// The scheduled task: a future whose value comes from a chain of frames.
class task_record_base : public future_core, public ready_node, public pooled {
public:
    task_record_base(event_loop* loop, task_frame* root, std::string name);

    /// Queues the task's next step on its loop (once, however often it is woken).
    void schedule() noexcept;
    /// Queues the task from a timer, as asyncio's sleep wakes a task: the timer's own turn comes
    /// first, in the timer's place in the ready queue (asyncio's `TimerHandle` setting the sleep
    /// future's result), and only that turn queues the step, at the back (the future's done
    /// callback, `Task.__wakeup`). Until that first turn has run the wait can still be cancelled
    /// (`in_timer_turn`); after it, the wait is over. One extra pass through the queue buys
    /// asyncio's exact order of wake-ups against everything else that is ready.
    void schedule_from_timer() noexcept;
    /// True while the task is queued for its timer's turn (see `schedule_from_timer`).
    [[nodiscard]] bool in_timer_turn() const noexcept { return timer_turn_; }
    /// Drops the timer's turn and queues the step at the back instead: the sleep was cancelled
    /// before its timer's turn came (asyncio: the future's cancellation schedules the wake-up
    /// now). O(queue length): only this rare race pays it.
    void cancel_timer_turn() noexcept;

    /// Runs the chain until it waits on something outside itself, finishes, or uses its budget.
    void step();

    /// asyncio's `Task.cancel(msg)`. False if the task is already done.
    bool request_cancel(std::string message);
    bool cancel(std::string message) override { return request_cancel(std::move(message)); }
    /// asyncio's `Task.cancelling()` and `Task.uncancel()`. As in Python 3.13, withdrawing the
    /// last request also drops a cancellation not yet delivered, so that it cannot surface later
    /// in code that no longer expects it (e.g. after a task_group withdrew its own request).
    [[nodiscard]] int cancelling() const noexcept { return cancel_requests_; }
    int uncancel() noexcept {
        if (cancel_requests_ > 0 && --cancel_requests_ == 0 && !cancel_delivered_ && !done()) {
            exception_ = nullptr;
        }
        return cancel_requests_;
    }

    /// Raises the cancellation requested while the task could not be reached (see proxy), or
    /// delivered by a wait (`deliver_cancel`).
    [[noreturn]] void raise_pending_cancel();
    /// Forgets the pending or delivered cancellation: the awaited thing ended with a cancellation
    /// of its own, which the task raises instead (asyncio's `__step` clears `_must_cancel` when
    /// the exception it throws in is already a `CancelledError`). The request stays counted.
    void drop_pending_cancel() noexcept;
    /// For a `wait_hook` that ends its wait with a cancellation, and has nowhere to keep it (a
    /// sleep): the task keeps it, to be raised when the wait resumes. Unlike a pending one, a
    /// delivered cancellation is not withdrawn by `uncancel` (asyncio has already cancelled the
    /// future the task waits on). Errors: `std::bad_alloc`, with nothing changed.
    void deliver_cancel(const std::string& message) {
        exception_ = std::make_exception_ptr(cancelled_error(message));
        cancel_delivered_ = true;
    }
    /// While the task is pending, `exception_` holds nothing but this cancellation (asyncio's
    /// `_must_cancel` with its message): one slot serves both, for 8 bytes less per task. Asked
    /// only while the task runs (by the wait it resumes from), hence never of a done task.
    [[nodiscard]] bool cancel_pending() const noexcept { return exception_ != nullptr; }
    /// For a wait that took a cancellation (`deliver_cancel`) but completed anyway, with a result
    /// that must not be lost (bytes read, a connection accepted): the cancellation goes back to
    /// pending, to be raised at the task's next suspension point.
    void keep_cancel_pending() noexcept { cancel_delivered_ = false; }

    [[nodiscard]] std::string name() const;
    void set_name(std::string name);

    /// Destroys the frames of an unfinished chain, leaf first (no recursion, whatever the depth),
    /// and completes the task as cancelled. Used when the loop closes under a pending task.
    void abandon() noexcept;
    [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

    [[nodiscard]] bool started() const noexcept { return started_; }
    /// True while its step is running: the driver will move along the chain. (A frame resumed
    /// from outside the driver schedules the task instead.)
    [[nodiscard]] bool in_step() const noexcept { return in_step_; }
    /// True while the task's next step is in the loop's ready queue.
    [[nodiscard]] bool is_scheduled() const noexcept { return scheduled_; }
    [[nodiscard]] static bool is_task_node(const ready_node* node) noexcept {
        return node->ops == &step_ops;
    }
    [[nodiscard]] bool is_waiting() const noexcept { return waiting_ != nullptr; }

    // Every field costs a million-sleeper program a megabyte: the record is kept at 112 bytes
    // (the root is found from the leaf, the budget is per thread, the flags are bits).
    task_frame* leaf_ = nullptr;  ///< the frame to resume; null once the task is done
    wait_hook* waiting_ = nullptr;
    task_record_base* prev_task_ = nullptr;  ///< the loop's list of pending tasks
    task_record_base* next_task_ = nullptr;

    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] const char* kind() const noexcept override { return "Task"; }

protected:
    ~task_record_base() override;
    /// Moves the root frame's return value into the record.
    virtual void take_result(task_frame& root) = 0;

private:
    static const ready_ops step_ops;  ///< runs `step`; see task_record.cpp
    void finish_root() noexcept;
    void hand_pending_cancel_to_wait();
    void finish_unstarted() noexcept;

    std::unique_ptr<std::string> name_;  ///< null: "Task-<id>"
    std::uint64_t id_ = 0;
    int cancel_requests_ = 0;
    bool in_step_ : 1 = false;
    bool scheduled_ : 1 = false;
    bool started_ : 1 = false;
    bool cancel_delivered_ : 1 = false;  ///< `exception_` is a delivered cancellation
    bool timer_turn_ : 1 = false;        ///< queued for its timer's turn, not yet for a step
};

template <class T>
class task_record final : public task_record_base {
public:
    using task_record_base::task_record_base;
    result_slot<T> slot_;

private:
    void take_result(task_frame& root) override;
};

/// Wraps any awaiter met inside a task: see `task_frame::await_transform`.
template <class Awaiter>
class wait_proxy {
public:
    wait_proxy(Awaiter&& inner,
               task_frame* frame) noexcept(std::is_nothrow_move_constructible_v<Awaiter>)
        : inner_(std::forward<Awaiter>(inner)), frame_(frame) {}

    bool await_ready() {
        if (inner_.await_ready()) {
            // Ready without suspending: charge the budget, and yield to the loop once it is spent,
            // so that a task looping on ready awaits cannot starve everything else.
            if (--budget_left != 0) return true;
            forced_yield_ = true;
        }
        return false;
    }

    template <class H>
    auto await_suspend(H h) {
        // corio's awaitables register `current_record`. A frame resumed by an awaitable corio does
        // not know may be running inside another task's step, or in a plain callback: make the
        // task that owns this frame the current one while the inner awaiter registers.
        struct owner_scope {
            task_record_base* saved;
            explicit owner_scope(task_record_base* owner) noexcept
                : saved(std::exchange(current_record, owner)) {}
            ~owner_scope() { current_record = saved; }
        } scope(frame_->record_);
        using result = decltype(inner_.await_suspend(h));
        if constexpr (std::is_void_v<result>) {
            if (forced_yield_) return frame_->record_->schedule();
            return inner_.await_suspend(h);
        } else if constexpr (std::is_same_v<result, bool>) {
            if (forced_yield_) {
                frame_->record_->schedule();
                return true;
            }
            return inner_.await_suspend(h);
        } else {
            if (forced_yield_) {
                frame_->record_->schedule();
                return std::coroutine_handle<>(std::noop_coroutine());
            }
            return std::coroutine_handle<>(inner_.await_suspend(h));
        }
    }

    decltype(auto) await_resume() {
        if (frame_->record_->cancel_pending()) [[unlikely]] {
            // A future or task that ended cancelled gives its own cancellation, message and all,
            // in place of the pending one (asyncio: the awaited future's CancelledError reaches
            // Task.__step, which keeps it). Anything else is replaced by the pending one.
            if constexpr (requires { inner_.ends_cancelled(); }) {
                if (inner_.ends_cancelled()) frame_->record_->drop_pending_cancel();
            }
            if (frame_->record_->cancel_pending()) frame_->record_->raise_pending_cancel();
        }
        return inner_.await_resume();
    }

private:
    Awaiter inner_;
    task_frame* frame_;
    bool forced_yield_ = false;
};

/// `co_await child()` inside a task: the child's frame becomes the chain's new leaf.
///
/// The chain owns the child's frame from here on (the awaiter holds a plain pointer, taken from
/// the task at once: nothing can run between this and `await_suspend`): `await_resume` frees it
/// once the result is out, and a chain torn down leaf first (`abandon`) frees it before its parent
/// frame, whose awaiter then has nothing to free.
template <class T>
class child_awaiter {
public:
    child_awaiter(task<T>&& child, task_frame* parent) noexcept;
    static bool await_ready() noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) noexcept;
    T await_resume();

private:
    typename task<T>::promise_type* child_;
    task_frame* parent_;
};

inline void task_frame::on_returned() const noexcept {
    if (record_ && !record_->in_step()) record_->schedule();
}

template <class A>
decltype(auto) get_awaiter(A&& a) {
    if constexpr (requires { std::forward<A>(a).operator co_await(); }) {
        return std::forward<A>(a).operator co_await();
    } else if constexpr (requires { operator co_await(std::forward<A>(a)); }) {
        return operator co_await(std::forward<A>(a));
    } else {
        return std::forward<A>(a);
    }
}

template <class T>
inline constexpr bool is_task = false;
template <class T>
inline constexpr bool is_task<task<T>> = true;

template <class A>
auto task_frame::await_transform(A&& awaitable, std::source_location where) {
    where_ = where;
    if constexpr (is_task<std::remove_cvref_t<A>>) {
        static_assert(!std::is_lvalue_reference_v<A>,
                      "co_await a task as a temporary or with std::move: it is consumed");
        using T = typename std::remove_cvref_t<A>::value_type;
        return child_awaiter<T>(std::move(awaitable), this);
    } else if constexpr (requires { std::forward<A>(awaitable).bind_to_chain(this); }) {
        // An awaitable that runs frames of its own on this chain (`async_generator::next()`)
        // binds to the awaiting frame and, like `child_awaiter`, is not proxied: a value it has
        // produced must not be replaced by a pending cancellation (that one reaches the next
        // real wait instead).
        return std::forward<A>(awaitable).bind_to_chain(this);
    } else if constexpr (requires { std::forward<A>(awaitable).bind_to_task(record_); }) {
        // One of corio's own waits that does the proxy's work itself (`sleep`: it is never
        // ready, so charges no budget, and raises a pending cancellation when it resumes): the
        // proxy would cost every sleeping task 24 bytes of frame.
        return std::forward<A>(awaitable).bind_to_task(record_);
    } else {
        using aw = decltype(get_awaiter(std::forward<A>(awaitable)));
        // An awaitable that is its own awaiter is used in place, whether named (an lvalue) or a
        // temporary (`co_await sleep(1s)`: it lives until the end of the full co_await expression,
        // which spans the suspension); copying it would keep two copies in the frame. An awaiter
        // made by `operator co_await` is a prvalue and is moved into the proxy.
        using held = std::conditional_t<std::is_reference_v<aw>, aw, std::decay_t<aw>>;
        return wait_proxy<held>(get_awaiter(std::forward<A>(awaitable)), this);
    }
}

}  // namespace corio::detail
