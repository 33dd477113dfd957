#pragma once
/// @file
/// `corio::semaphore` and `corio::bounded_semaphore`: counters of permits for tasks on one loop
/// (asyncio's `Semaphore` and `BoundedSemaphore`).

#include <coroutine>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/sync/detail/waiter.hpp>

namespace corio {

class semaphore;

/// Holds one permit of a `semaphore` and releases it when destroyed (`co_await sem.scoped()`).
class [[nodiscard]] semaphore_guard {
public:
    semaphore_guard() noexcept = default;
    semaphore_guard(semaphore_guard&& other) noexcept : sem_(std::exchange(other.sem_, nullptr)) {}
    semaphore_guard& operator=(semaphore_guard&& other) noexcept {
        if (this != &other) {
            reset();
            sem_ = std::exchange(other.sem_, nullptr);
        }
        return *this;
    }
    ~semaphore_guard() { reset(); }
    /// Releases the permit now (no-op if empty).
    inline void reset() noexcept;
    [[nodiscard]] bool owns_permit() const noexcept { return sem_ != nullptr; }

private:
    friend class semaphore;
    explicit semaphore_guard(semaphore* s) noexcept : sem_(s) {}
    semaphore* sem_ = nullptr;
};

/// What `semaphore::statistics()` reports.
struct semaphore_statistics {
    std::size_t value = 0;    ///< permits free now
    std::size_t waiters = 0;  ///< tasks waiting in `acquire`
};

/// A counter of permits (asyncio's `Semaphore`): `acquire()` takes one, waiting while none is
/// free; `release()` gives one back. Waiters get permits in arrival order.
///
/// A release hands its permit straight to the first waiter, so a newcomer cannot take it while
/// the woken waiter has not run (`acquire_nowait()` fails meanwhile).
///
/// Cancel safety: `acquire()` is cancel-safe. Cancelled while waiting, the task leaves the queue
/// as if it had never asked; cancelled after a permit was handed to it but before it ran, the
/// permit goes on to the next waiter or back to the count (CPython gh-90155, asyncio#270). A
/// cancellation raised at the `co_await` of a free permit gives the permit back too.
///
/// Thread safety: the loop's thread only; the semaphore must outlive its waiters. For threads,
/// use `std::counting_semaphore`.
///
/// Example:
/// @code
/// corio::semaphore pool(2);                 // at most two downloads at a time
/// auto permit = co_await pool.scoped();     // async with pool:
/// co_await download(url);
/// @endcode
class semaphore : private detail::grant_source {
public:
    /// Errors: none; any count is valid (asyncio's ValueError for a negative one cannot occur).
    explicit semaphore(std::size_t value = 1) noexcept : value_(value) {}
    semaphore(const semaphore&) = delete;
    semaphore& operator=(const semaphore&) = delete;
    ~semaphore() = default;

    /// The awaiter of `acquire()` and `scoped()`.
    template <bool Guard>
    class [[nodiscard]] acquire_awaiter {
    public:
        explicit acquire_awaiter(semaphore& s) noexcept : sem_(&s), waiter_(s) {}
        acquire_awaiter(const acquire_awaiter&) = delete;
        acquire_awaiter& operator=(const acquire_awaiter&) = delete;
        acquire_awaiter(acquire_awaiter&& other) noexcept : acquire_awaiter(*other.sem_) {}

        bool await_ready() noexcept {
            if (!sem_->acquire_nowait()) return false;
            waiter_.grant_now();
            return true;
        }
        void await_suspend(std::coroutine_handle<>) noexcept { waiter_.enqueue(sem_->waiters_); }
        auto await_resume() noexcept {
            waiter_.accept();
            if constexpr (Guard) return semaphore_guard(sem_);
        }

    private:
        semaphore* sem_;
        detail::grant_waiter waiter_;
    };

    /// Takes a permit, waiting while none is free (asyncio's `await sem.acquire()`).
    acquire_awaiter<false> acquire() noexcept { return acquire_awaiter<false>(*this); }
    /// `acquire()`, giving a guard that releases the permit when it goes out of scope.
    acquire_awaiter<true> scoped() noexcept { return acquire_awaiter<true>(*this); }

    /// Takes a permit if one is free and nobody waits; never waits. False otherwise.
    [[nodiscard]] bool acquire_nowait() noexcept {
        if (value_ == 0 || !waiters_.empty()) return false;
        --value_;
        return true;
    }

    /// Gives a permit back: to the first waiter, or to the count (asyncio's `release`).
    ///
    /// Errors: for a `bounded_semaphore`, see there.
    void release() {
        check_release();
        hand_over();
    }

    /// True if `acquire()` would wait (asyncio's `locked`).
    [[nodiscard]] bool locked() const noexcept { return value_ == 0 || !waiters_.empty(); }
    [[nodiscard]] semaphore_statistics statistics() const noexcept {
        return {value_, waiters_.size()};
    }

protected:
    /// Refuses a release before anything changes (a bounded semaphore's check).
    virtual void check_release() const {}
    [[nodiscard]] std::size_t value() const noexcept { return value_; }

private:
    friend class semaphore_guard;
    void hand_over() noexcept {
        if (detail::grant_waiter* next = waiters_.front()) {
            next->grant();  // the permit goes to the waiter, not back to the count
        } else {
            ++value_;
        }
    }
    void return_grant(detail::grant_waiter&) noexcept override { hand_over(); }
    void describe_wait(std::string& out, const detail::grant_waiter&) const override {
        out += "semaphore (value " + std::to_string(value_) + ", " +
               std::to_string(waiters_.size()) + " waiting)";
    }

    detail::waiter_queue waiters_;
    std::size_t value_;
};

/// A semaphore that refuses to be released more often than acquired (asyncio's
/// `BoundedSemaphore`): the count never exceeds its initial value.
///
/// Cancel safety, thread safety: as `semaphore`.
///
/// Errors: `release()` raises `std::invalid_argument("BoundedSemaphore released too many
/// times")` (asyncio's `ValueError`) when every permit is already free, changing nothing.
class bounded_semaphore : public semaphore {
public:
    explicit bounded_semaphore(std::size_t value = 1) noexcept : semaphore(value), bound_(value) {}

private:
    void check_release() const override {
        if (value() >= bound_)
            throw std::invalid_argument("BoundedSemaphore released too many times");
    }
    std::size_t bound_;
};

inline void semaphore_guard::reset() noexcept {
    if (sem_) std::exchange(sem_, nullptr)->hand_over();
}

}  // namespace corio
