#pragma once
/// @file
/// `corio::barrier`: a meeting point for a fixed number of tasks on one loop (asyncio's
/// `Barrier`, Python 3.11).

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <corio/core/task.hpp>
#include <corio/sync/detail/waiter.hpp>
#include <corio/sync/errors.hpp>

namespace corio {

/// A barrier for `parties` tasks (asyncio's `Barrier`): each task's `wait()` blocks until
/// `parties` tasks are waiting, then all of them go on, and the barrier can be used again.
///
/// It goes through asyncio's states: *filling* while tasks arrive; *draining* once the last one
/// arrived, until every waiter has left (a task arriving meanwhile waits for the next round);
/// *resetting* after `reset()` until the waiters it broke have left; *broken* after `abort()`,
/// until `reset()`. Every change of state wakes every waiter, which checks again what it waits
/// for, as asyncio's waiters do on their condition.
///
/// Cancel safety: `wait()` is cancel-safe. A task cancelled while the barrier fills leaves it as
/// if it had never arrived (the count goes down, as in CPython), so the barrier then needs one
/// more arrival; cancelled while waiting for a draining or resetting round to end, it had not
/// arrived yet and nothing changes; cancelled after the barrier tripped but before it ran, it
/// gets `cancelled_error` instead of its index and the others are not affected.
///
/// Thread safety: the loop's thread only; the barrier must outlive its waiters.
///
/// Example:
/// @code
/// corio::barrier all_loaded(3);
/// auto worker = [&](int part) -> corio::task<> {
///     co_await load(part);
///     std::size_t index = co_await all_loaded.wait();  // the three go on together
///     if (index == 0) announce();                      // exactly one of them announces
/// };
/// @endcode
class barrier : private detail::grant_source {
public:
    /// A barrier for `parties` tasks.
    ///
    /// Errors: `std::invalid_argument("parties must be > 0")` for zero (asyncio's `ValueError`).
    explicit barrier(std::size_t parties) : parties_(parties) {
        if (parties == 0) throw std::invalid_argument("parties must be > 0");
    }
    barrier(const barrier&) = delete;
    barrier& operator=(const barrier&) = delete;
    ~barrier() = default;

    /// Waits until `parties()` tasks wait, and returns this task's arrival index, from 0 to
    /// `parties() - 1` (asyncio's `await barrier.wait()`). The last to arrive, index
    /// `parties() - 1`, returns without suspending. While the barrier drains or resets, a new
    /// arrival first waits for that to end.
    ///
    /// Cancel safety: see the class comment.
    ///
    /// Errors: `broken_barrier_error("Barrier aborted")` if the barrier is broken when the task
    /// arrives; `broken_barrier_error("Abort or reset of barrier")` if `abort()` or `reset()`
    /// comes while it waits for the others.
    task<std::size_t> wait() {
        while (state_ == state::draining || state_ == state::resetting) {
            co_await changed_awaiter(*this);
        }
        if (state_ == state::broken) throw broken_barrier_error("Barrier aborted");

        const std::size_t index = count_++;
        // Leaving, by any path (return, error, cancellation, frame destroyed), undoes the
        // arrival and may end a draining or resetting round (asyncio's `finally: ... _exit()`).
        struct leave {
            barrier* self;
            explicit leave(barrier* b) noexcept : self(b) {}
            leave(const leave&) = delete;
            leave& operator=(const leave&) = delete;
            ~leave() {
                --self->count_;
                self->on_leave();
            }
        } guard(this);
        if (index + 1 == parties_) {
            state_ = state::draining;
            wake_all();
        } else {
            while (state_ == state::filling) co_await changed_awaiter(*this);
            if (state_ == state::broken || state_ == state::resetting) {
                throw broken_barrier_error("Abort or reset of barrier");
            }
        }
        co_return index;
    }

    /// Returns the barrier to filling (asyncio's `reset`): tasks waiting at it get
    /// `broken_barrier_error`, and once they have left it is used as if new. Also repairs a
    /// broken barrier. Takes effect at once (asyncio's is a coroutine only to take its lock).
    void reset() noexcept {
        if (count_ > 0) {
            state_ = state::resetting;  // the last waiter to leave makes it filling
        } else {
            state_ = state::filling;
        }
        wake_all();
    }

    /// Breaks the barrier (asyncio's `abort`): waiting tasks, and any that arrive until `reset()`,
    /// get `broken_barrier_error`. Takes effect at once.
    void abort() noexcept {
        state_ = state::broken;
        wake_all();
    }

    /// The number of tasks needed to trip the barrier.
    [[nodiscard]] std::size_t parties() const noexcept { return parties_; }
    /// How many tasks wait for the barrier to fill (0 unless it is filling), as asyncio counts.
    [[nodiscard]] std::size_t n_waiting() const noexcept {
        return state_ == state::filling ? count_ : 0;
    }
    /// True once `abort()` broke the barrier, until `reset()`.
    [[nodiscard]] bool broken() const noexcept { return state_ == state::broken; }

private:
    enum class state : std::uint8_t { filling, draining, resetting, broken };

    /// Waits for the next change of state.
    class [[nodiscard]] changed_awaiter {
    public:
        explicit changed_awaiter(barrier& b) noexcept : barrier_(&b), waiter_(b) {}
        changed_awaiter(const changed_awaiter&) = delete;
        changed_awaiter& operator=(const changed_awaiter&) = delete;
        changed_awaiter(changed_awaiter&& other) noexcept : changed_awaiter(*other.barrier_) {}

        static bool await_ready() noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) noexcept {
            waiter_.enqueue(barrier_->waiters_);
        }
        void await_resume() noexcept { waiter_.accept(); }

    private:
        barrier* barrier_;
        detail::grant_waiter waiter_;
    };

    void wake_all() noexcept {
        while (detail::grant_waiter* w = waiters_.front()) w->grant();
    }
    /// asyncio's `_exit`: the last task out ends a draining or resetting round.
    void on_leave() noexcept {
        if (count_ != 0) return;
        if (state_ == state::draining || state_ == state::resetting) state_ = state::filling;
        wake_all();
    }
    /// Every waiter was woken and checks the state itself: an unused wake-up passes nothing on.
    void return_grant(detail::grant_waiter&) noexcept override {}
    void describe_wait(std::string& out, const detail::grant_waiter&) const override {
        out +=
            "barrier (" + std::to_string(count_) + " of " + std::to_string(parties_) + " arrived)";
    }

    detail::waiter_queue waiters_;
    std::size_t parties_;
    std::size_t count_ = 0;
    state state_ = state::filling;
};

}  // namespace corio
