#pragma once
/// @file
/// `corio::event`: a flag tasks on one loop can wait for (asyncio's `Event`).

#include <coroutine>
#include <cstddef>
#include <string>

#include <corio/sync/detail/waiter.hpp>

namespace corio {

/// What `event::statistics()` reports.
struct event_statistics {
    bool is_set = false;
    std::size_t waiters = 0;  ///< tasks waiting in `wait`
};

/// A flag, initially false, that tasks wait for (asyncio's `Event`): `set()` wakes every waiter,
/// `clear()` resets it, `wait()` returns at once while it is set.
///
/// Cancel safety: `wait()` is cancel-safe: cancelled while waiting, the task leaves the queue as
/// if it had never waited; cancelled after `set()` woke it but before it ran, it gets
/// `cancelled_error` and nothing else changes (an event has nothing to pass on).
///
/// Thread safety: the loop's thread only; the event must outlive its waiters. For plain threads,
/// `corio::threading::event` or `std::condition_variable`.
///
/// Example:
/// @code
/// corio::event ready;
/// auto worker = corio::spawn([&]() -> corio::task<> { co_await ready.wait(); go(); });
/// ready.set();
/// @endcode
class event : private detail::grant_source {
public:
    event() noexcept = default;
    event(const event&) = delete;
    event& operator=(const event&) = delete;
    ~event() = default;

    /// The awaiter of `wait()`.
    class [[nodiscard]] wait_awaiter {
    public:
        explicit wait_awaiter(event& e) noexcept : event_(&e), waiter_(e) {}
        wait_awaiter(const wait_awaiter&) = delete;
        wait_awaiter& operator=(const wait_awaiter&) = delete;
        wait_awaiter(wait_awaiter&& other) noexcept : wait_awaiter(*other.event_) {}

        [[nodiscard]] bool await_ready() const noexcept { return event_->set_; }
        void await_suspend(std::coroutine_handle<>) noexcept { waiter_.enqueue(event_->waiters_); }
        void await_resume() noexcept { waiter_.accept(); }

    private:
        event* event_;
        detail::grant_waiter waiter_;
    };

    /// Waits until the flag is set (asyncio's `await event.wait()`); returns at once if it is. A
    /// waiter woken by `set()` returns even if `clear()` came before it ran.
    wait_awaiter wait() noexcept { return wait_awaiter(*this); }

    /// Sets the flag and wakes every waiter, in the order they started waiting.
    void set() noexcept {
        if (set_) return;
        set_ = true;
        while (detail::grant_waiter* w = waiters_.front()) w->grant();
    }
    /// Resets the flag; later `wait()`s wait again.
    void clear() noexcept { set_ = false; }
    [[nodiscard]] bool is_set() const noexcept { return set_; }
    [[nodiscard]] event_statistics statistics() const noexcept { return {set_, waiters_.size()}; }

private:
    void return_grant(detail::grant_waiter&) noexcept override {}  // nothing to pass on
    void describe_wait(std::string& out, const detail::grant_waiter&) const override {
        out += "event (not set)";
    }

    detail::waiter_queue waiters_;
    bool set_ = false;
};

}  // namespace corio
