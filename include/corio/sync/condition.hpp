#pragma once
/// @file
/// `corio::condition`: a condition variable for tasks on one loop (asyncio's `Condition`).

#include <coroutine>
#include <cstddef>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/core/task.hpp>
#include <corio/sync/detail/waiter.hpp>
#include <corio/sync/lock.hpp>

namespace corio {

/// What `condition::statistics()` reports.
struct condition_statistics {
    bool locked = false;           ///< the underlying lock is held (or being handed over)
    std::size_t lock_waiters = 0;  ///< tasks waiting to acquire the underlying lock
    std::size_t waiters = 0;       ///< tasks waiting for a notification, not yet notified
};

/// A condition variable (asyncio's `Condition`): tasks holding the lock `wait()` for another task
/// to `notify()` them, releasing the lock meanwhile. The lock is one given to the constructor,
/// which several conditions may share, or one of the condition's own (asyncio's `lock=None`).
///
/// Notifications go to waiters in the order they started waiting, and a notified waiter counts
/// as notified from then on: `notify(1)` twice wakes two different waiters.
///
/// Cancel safety: `wait()` and `wait_for()` always return or throw with the lock held, also when
/// cancelled: the lock is reacquired first, ignoring cancellations, and the cancellation is raised
/// afterwards (as CPython does). A waiter cancelled after a `notify` chose it but before it ran
/// passes the notification on to the next waiter (CPython gh-112202), so no notification is lost;
/// one cancelled before any notification leaves the queue as if it had never waited.
///
/// Thread safety: the loop's thread only; the condition (and its lock) must outlive its waiters.
///
/// Example:
/// @code
/// corio::condition ready;
/// std::deque<int> items;
/// // consumer:
/// auto held = co_await ready.scoped();
/// co_await ready.wait_for([&] { return !items.empty(); });
/// use(items.front());
/// // producer:
/// auto held = co_await ready.scoped();
/// items.push_back(1);
/// ready.notify();
/// @endcode
class condition : private detail::grant_source {
public:
    /// A condition with a lock of its own.
    condition() noexcept : lock_(&own_) {}
    /// A condition on `shared`, which must outlive it (asyncio's `Condition(lock)`).
    explicit condition(lock& shared) noexcept : lock_(&shared) {}
    condition(const condition&) = delete;
    condition& operator=(const condition&) = delete;
    ~condition() = default;

    /// The awaiter of the wait for a notification inside `wait()`.
    class [[nodiscard]] notified_awaiter {
    public:
        explicit notified_awaiter(condition& c) noexcept : cond_(&c), waiter_(c) {}
        notified_awaiter(const notified_awaiter&) = delete;
        notified_awaiter& operator=(const notified_awaiter&) = delete;
        notified_awaiter(notified_awaiter&& other) noexcept : notified_awaiter(*other.cond_) {}

        static bool await_ready() noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) noexcept { waiter_.enqueue(cond_->waiters_); }
        void await_resume() noexcept { waiter_.accept(); }

    private:
        condition* cond_;
        detail::grant_waiter waiter_;
    };

    /// Releases the lock, waits until notified, then reacquires the lock (asyncio's
    /// `await cond.wait()`).
    ///
    /// Cancel safety: see the class comment: on every exit, normal or not, the lock is held again.
    ///
    /// Errors: `invalid_state_error("cannot wait on un-acquired lock")` if the lock is not held,
    /// changing nothing; `cancelled_error`, raised with the lock held again.
    task<void> wait() {
        if (!lock_->locked()) throw invalid_state_error("cannot wait on un-acquired lock");
        return wait_unchecked();
    }

    /// Waits until `predicate()` is true, checking it first and after every notification; returns
    /// its last value (asyncio's `await cond.wait_for(predicate)`). The predicate is called with
    /// the lock held; it is kept (by value) until the wait ends.
    ///
    /// Cancel safety: as `wait()`.
    ///
    /// Errors: as `wait()`, checked only once it has to wait (a predicate already true returns
    /// its value without looking at the lock, as in asyncio); whatever `predicate` throws.
    ///
    /// Example: `co_await cond.wait_for([&] { return done; });`
    template <class Predicate>
    task<std::decay_t<std::invoke_result_t<Predicate&>>> wait_for(Predicate predicate) {
        auto result = predicate();
        while (!result) {
            co_await wait();  // checks the lock each time, as asyncio's does
            result = predicate();
        }
        co_return result;
    }

    /// Wakes up to `n` waiters, the longest-waiting first (asyncio's `notify`). A woken waiter
    /// returns from `wait()` once it has the lock again, so not before the caller releases it.
    ///
    /// Errors: `invalid_state_error("cannot notify on un-acquired lock")` if the lock is not held.
    void notify(std::size_t n = 1) {
        if (!lock_->locked()) throw invalid_state_error("cannot notify on un-acquired lock");
        wake(n);
    }
    /// Wakes every waiter (asyncio's `notify_all`). Errors: as `notify`.
    void notify_all() { notify(waiters_.size()); }

    /// The lock's `acquire()`: `co_await cond.acquire()`.
    lock::acquire_awaiter<false> acquire() noexcept { return lock_->acquire(); }
    /// The lock's `scoped()`: `auto held = co_await cond.scoped();` (asyncio's `async with`).
    lock::acquire_awaiter<true> scoped() noexcept { return lock_->scoped(); }
    /// The lock's `release()`. Errors: as `lock::release`.
    void release() { lock_->release(); }
    /// The lock's `locked()`.
    [[nodiscard]] bool locked() const noexcept { return lock_->locked(); }
    /// The lock this condition uses (its own, or the one it was given).
    [[nodiscard]] corio::lock& underlying_lock() const noexcept { return *lock_; }

    [[nodiscard]] condition_statistics statistics() const noexcept {
        const lock_statistics l = lock_->statistics();
        return {l.locked, l.waiters, waiters_.size()};
    }

private:
    void wake(std::size_t n) noexcept {
        for (; n > 0; --n) {
            detail::grant_waiter* w = waiters_.front();
            if (w == nullptr) return;
            w->grant();  // notified: it leaves the queue, so a later notify picks the next one
        }
    }
    /// A notified waiter that will never use its notification: notify one more (gh-112202).
    void return_grant(detail::grant_waiter&) noexcept override { wake(1); }
    void describe_wait(std::string& out, const detail::grant_waiter&) const override {
        out += "condition (a notify)";
    }

    task<void> wait_unchecked() {
        lock_->release();
        std::exception_ptr cancelled;
        try {
            co_await notified_awaiter(*this);
        } catch (const cancelled_error&) {
            cancelled = std::current_exception();
        }
        // Reacquire whatever happens: the caller's code after the wait, and its guards, assume
        // the lock is held. A cancellation here is remembered and the acquire retried.
        for (;;) {
            try {
                co_await lock_->acquire();
                break;
            } catch (const cancelled_error&) {
                cancelled = std::current_exception();  // the latest one wins, as in CPython
            }
        }
        if (cancelled) std::rethrow_exception(cancelled);
    }

    lock own_;
    lock* lock_;
    detail::waiter_queue waiters_;
};

}  // namespace corio
