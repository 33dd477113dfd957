#pragma once
/// @file
/// The shared state behind `concurrent_future` and `concurrent_promise`: Python's
/// `concurrent.futures.Future` made of a mutex, a condition variable and three lists of who must
/// hear of the completion (blocked threads, done-callbacks, tasks of any loop).
///
/// A task waits here through a `remote_waiter` embedded in its awaiter. The completing thread
/// cannot touch the awaiter after it lets go of the mutex (the task may be cancelled and its frame
/// freed at once on its own thread), so what it posts to the task's loop holds only a
/// `wake_link`: a small shared cell naming the task, which the loop's thread alone reads and
/// clears. A waiter cancelled before the wake-up arrives clears it, and the wake-up then does
/// nothing.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <corio/core/clock.hpp>
#include <corio/core/detail/task_frame.hpp>
#include <corio/core/errors.hpp>
#include <corio/core/remote_loop.hpp>
#include <corio/thread/detail/wake_link.hpp>
#include <corio/thread/errors.hpp>

namespace corio::detail {

/// Where a `concurrent_future` stands (Python's PENDING, RUNNING, FINISHED, CANCELLED).
enum class concurrent_status : std::uint8_t { pending, running, finished, cancelled };

/// One task waiting for a concurrent state; lives in the task's awaiter. Linked into the state's
/// list under its mutex.
struct remote_waiter {
    std::shared_ptr<wake_link> link;
    remote_loop loop;
    remote_waiter* prev = nullptr;
    remote_waiter* next = nullptr;
};

/// The untyped part of the state (src/thread/concurrent_state.cpp).
///
/// Thread safety: every member locks the mutex; callbacks and wake-ups are issued outside it.
class concurrent_state_base {
public:
    using callback = std::function<void()>;
    using cancel_hook = std::function<void(const std::string& message)>;

    concurrent_state_base() = default;
    concurrent_state_base(const concurrent_state_base&) = delete;
    concurrent_state_base& operator=(const concurrent_state_base&) = delete;
    /// Reports an exception nobody retrieved (asyncio's "Future exception was never retrieved").
    virtual ~concurrent_state_base();

    [[nodiscard]] concurrent_status status() const;
    [[nodiscard]] bool done() const;

    // ---- producer side -------------------------------------------------------------------

    /// Python's `set_running_or_notify_cancel`: a pending state becomes running (it can no longer
    /// be cancelled) and true is returned; a cancelled one returns false (skip the work).
    /// Errors: `invalid_state_error` if already running or finished.
    bool set_running_or_notify_cancel();
    /// Completes with the value already stored by the caller (`store` runs under the lock, and
    /// only if the state is not done); false if it was cancelled first.
    template <class Store>
    bool try_finish(Store&& store);
    /// Completes with `error`; false if the state was already done.
    bool try_set_exception(std::exception_ptr error);
    /// Called with the cancel message when the state is cancelled (at once if it already is): a
    /// chained task's cancellation. Set once, by the producer.
    void set_cancel_hook(cancel_hook hook);
    /// The loop that will complete this state, if one does: a blocking wait on its own thread is
    /// a `deadlock_error`.
    void set_feeding_loop(remote_loop loop);

    // ---- consumer side -------------------------------------------------------------------

    /// Python's `Future.cancel()`: a pending state becomes cancelled (true); a running or done
    /// one is left alone (false, or true if it was already cancelled).
    bool cancel(const std::string& message);
    /// Blocks until done. Errors: `deadlock_error` (see `set_feeding_loop`).
    void wait() const;
    /// Blocks until done or `deadline`; true if done.
    bool wait_until(std::chrono::steady_clock::time_point deadline) const;
    /// Throws the exception or the cancellation the state ended with (marking an exception
    /// retrieved); returns if it finished with a value. Errors: `invalid_state_error` if pending.
    void rethrow_if_failed();
    /// The exception it finished with (null if none); marks it retrieved. Errors: as above, and
    /// `cancelled_error` if cancelled.
    std::exception_ptr exception();
    /// Runs `fn` when the state completes, on the completing thread; at once on this one if it
    /// already has. An exception from `fn` is reported on stderr, as Python logs it.
    void add_done_callback(callback fn);
    /// Links `w` to be woken; false (nothing linked) if the state is already done.
    bool add_waiter(remote_waiter& w);
    /// Unlinks `w`; false if the completion has already taken it (its wake-up is under way).
    bool remove_waiter(remote_waiter& w) noexcept;

protected:
    /// Marks done with `status` and notifies everyone; the lock is released on return.
    void complete(std::unique_lock<std::mutex>& lock, concurrent_status status);
    [[nodiscard]] bool done_locked() const noexcept {
        return status_ == concurrent_status::finished || status_ == concurrent_status::cancelled;
    }
    void check_deadlock() const;

    mutable std::mutex mutex_;
    mutable std::condition_variable done_cv_;
    concurrent_status status_ = concurrent_status::pending;
    std::exception_ptr error_;
    std::string cancel_message_;
    bool retrieved_ = true;  ///< false while an exception nobody looked at is stored
    std::vector<callback> callbacks_;
    cancel_hook on_cancel_;
    remote_loop feeder_;
    remote_waiter* waiters_ = nullptr;  ///< a doubly linked list, newest first
};

template <class Store>
bool concurrent_state_base::try_finish(Store&& store) {
    std::unique_lock lock(mutex_);
    if (done_locked()) return false;
    std::forward<Store>(store)();
    complete(lock, concurrent_status::finished);
    return true;
}

/// The typed state: the base plus the value.
template <class T>
class concurrent_state final : public concurrent_state_base {
public:
    /// Stores `v` and completes; false (and `v` unused) if the state was already done.
    template <class... U>
    bool try_set_value(U&&... v) {
        return try_finish([&] {
            if constexpr (!std::is_void_v<T>) value_.emplace(std::forward<U>(v)...);
        });
    }
    /// The value, once finished: a copy, or for a move-only `T` the value itself, once.
    /// Errors: as `rethrow_if_failed`; `invalid_state_error` once a move-only value was taken.
    T get() {
        rethrow_if_failed();
        if constexpr (!std::is_void_v<T>) {
            std::lock_guard lock(mutex_);
            if (!value_) throw invalid_state_error("the result was already moved out");
            if constexpr (std::is_copy_constructible_v<T>) {
                return *value_;
            } else {
                T out = std::move(*value_);
                value_.reset();
                return out;
            }
        }
    }

private:
    struct empty {};
    std::optional<std::conditional_t<std::is_void_v<T>, empty, T>> value_;
};

}  // namespace corio::detail
