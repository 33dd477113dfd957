#pragma once
/// @file
/// `corio::lock`: a mutual-exclusion lock for tasks on one loop (asyncio's `Lock`).

#include <coroutine>
#include <cstddef>
#include <string>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/sync/detail/waiter.hpp>

namespace corio {

class lock;

/// Holds a `lock` and releases it when destroyed (what `co_await lock.scoped()` gives): the
/// `async with lock:` of C++. Movable; an empty guard releases nothing.
class [[nodiscard]] lock_guard {
public:
    lock_guard() noexcept = default;
    lock_guard(lock_guard&& other) noexcept : lock_(std::exchange(other.lock_, nullptr)) {}
    lock_guard& operator=(lock_guard&& other) noexcept {
        if (this != &other) {
            reset();
            lock_ = std::exchange(other.lock_, nullptr);
        }
        return *this;
    }
    ~lock_guard() { reset(); }

    /// Releases the lock now (no-op if empty).
    inline void reset() noexcept;
    /// True while it holds the lock.
    [[nodiscard]] bool owns_lock() const noexcept { return lock_ != nullptr; }

private:
    friend class lock;
    explicit lock_guard(lock* l) noexcept : lock_(l) {}
    lock* lock_ = nullptr;
};

/// What `lock::statistics()` reports.
struct lock_statistics {
    bool locked = false;
    std::size_t waiters = 0;  ///< tasks waiting in `acquire`
};

/// A lock for tasks (asyncio's `Lock`): one task at a time holds it; the others wait, and get it
/// in the order they asked (FIFO).
///
/// A release hands the lock straight to the first waiter (it stays locked meanwhile), so a
/// newcomer's `acquire_nowait()` fails while a woken waiter has not run yet, and grants follow
/// arrival order. Unlike asyncio, `locked()` is therefore true while that hand-over is under way.
///
/// Cancel safety: `acquire()` is cancel-safe. Cancelled while waiting, the task leaves the queue
/// as if it had never asked. Cancelled after the lock was handed to it but before it ran, the
/// task gets `cancelled_error` and the lock goes on to the next waiter (or is released): a
/// cancelled acquire never keeps the lock (CPython bpo-27585). The same holds when a cancellation
/// is raised at the `co_await` of a lock that was free: the lock is released again.
///
/// Thread safety: the loop's thread only; the lock must outlive its waiters.
///
/// Example:
/// @code
/// corio::lock mutex;
/// {
///     auto held = co_await mutex.scoped();  // async with mutex:
///     co_await write_both_files();
/// }                                         // released here, also on an exception
/// @endcode
class lock : private detail::grant_source {
public:
    lock() noexcept = default;
    lock(const lock&) = delete;
    lock& operator=(const lock&) = delete;
    ~lock() = default;

    /// The awaiter of `acquire()` and `scoped()`.
    template <bool Guard>
    class [[nodiscard]] acquire_awaiter {
    public:
        explicit acquire_awaiter(lock& l) noexcept : lock_(&l), waiter_(l) {}
        acquire_awaiter(const acquire_awaiter&) = delete;
        acquire_awaiter& operator=(const acquire_awaiter&) = delete;
        // Only moved before it is awaited (the task's proxy takes it in).
        acquire_awaiter(acquire_awaiter&& other) noexcept : acquire_awaiter(*other.lock_) {}

        bool await_ready() noexcept {
            if (lock_->locked_) return false;
            lock_->locked_ = true;
            lock_->holder_ = detail::current_record;
            waiter_.grant_now();
            return true;
        }
        void await_suspend(std::coroutine_handle<>) noexcept { waiter_.enqueue(lock_->waiters_); }
        auto await_resume() noexcept {
            waiter_.accept();
            if constexpr (Guard) return lock_guard(lock_);
        }

    private:
        lock* lock_;
        detail::grant_waiter waiter_;
    };

    /// Waits until the lock is free, then takes it (asyncio's `await lock.acquire()`). Release it
    /// with `release()`; prefer `scoped()`, which cannot forget to.
    ///
    /// Cancel safety: see the class comment.
    acquire_awaiter<false> acquire() noexcept { return acquire_awaiter<false>(*this); }

    /// `acquire()`, giving a `lock_guard` that releases the lock when it goes out of scope.
    acquire_awaiter<true> scoped() noexcept { return acquire_awaiter<true>(*this); }

    /// Takes the lock if it is free and nobody waits for it; never waits. False otherwise.
    [[nodiscard]] bool acquire_nowait() noexcept {
        if (locked_) return false;
        locked_ = true;
        holder_ = detail::current_record;
        return true;
    }

    /// Releases the lock: the first waiter gets it, or it becomes free (asyncio's `release`).
    ///
    /// Errors: `invalid_state_error("Lock is not acquired.")` if it is not locked.
    void release() {
        if (!locked_) throw invalid_state_error("Lock is not acquired.");
        hand_over();
    }

    /// True while a task holds the lock, or it is being handed to a woken waiter.
    [[nodiscard]] bool locked() const noexcept { return locked_; }

    [[nodiscard]] lock_statistics statistics() const noexcept { return {locked_, waiters_.size()}; }

private:
    friend class lock_guard;
    /// To the first waiter, or free.
    void hand_over() noexcept {
        if (detail::grant_waiter* next = waiters_.front()) {
            holder_ = next->task();
            next->grant();  // stays locked: ownership moves to the woken waiter
        } else {
            locked_ = false;
            holder_ = nullptr;
        }
    }
    void return_grant(detail::grant_waiter&) noexcept override { hand_over(); }
    void describe_wait(std::string& out, const detail::grant_waiter& w) const override;

    detail::waiter_queue waiters_;
    /// The task that took the lock last (for `dump_tasks` only: a lock has no owner in asyncio,
    /// and any task may release it). Never dereferenced unless found among the live tasks.
    const detail::task_record_base* holder_ = nullptr;
    bool locked_ = false;
};

inline void lock_guard::reset() noexcept {
    if (lock_) std::exchange(lock_, nullptr)->hand_over();
}

}  // namespace corio
