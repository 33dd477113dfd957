#pragma once
/// @file
/// `corio::threading::event`: a flag threads can wait for (Python's `threading.Event`).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace corio::threading {

/// A flag, initially false, that threads wait for (Python's `threading.Event`): `set()` wakes
/// every waiting thread, `clear()` resets it, `wait()` returns at once while it is set.
///
/// A waiter woken by `set()` returns true even if `clear()` came before it ran, as in Python
/// (`Condition.wait` returned "notified"): a set-then-clear pulse is never missed. This is why it
/// is more than `std::condition_variable` with a `bool`: the predicate would read the flag cleared
/// again and sleep on.
///
/// Timeouts are `std::chrono::duration<double>`, Python's float seconds: any duration converts
/// (`2s`, `150ms`, `0.5s`). They are measured on `std::chrono::steady_clock`, so changing the
/// system time does not stretch them; a negative timeout does not wait, and one too long to
/// represent (`duration<double>::max()`, infinity) waits forever.
///
/// Thread safety: every member may be called from any thread at once. The event must outlive its
/// waiters (share it, or join them first).
///
/// For tasks on an event loop, use `corio::event` (`<corio/sync/event.hpp>`), which suspends a
/// task instead of blocking a thread.
///
/// Example (seed 002's `wait_for_event_timeout`):
/// @code
/// corio::threading::event e;
/// corio::threading::thread t({.name = "non-block"}, [&e] {
///     while (!e.is_set()) {
///         if (e.wait(2s)) std::puts("processing event");
///         else std::puts("doing other work");
///     }
/// });
/// t.start();
/// e.set();
/// t.join();
/// @endcode
class event {
public:
    event() = default;
    event(const event&) = delete;
    event& operator=(const event&) = delete;
    ~event() = default;

    /// Sets the flag and wakes every thread waiting for it (Python's `set()`).
    void set();

    /// Resets the flag; later `wait()`s wait again (Python's `clear()`).
    void clear();

    /// The flag, without waiting (Python's `is_set()`).
    [[nodiscard]] bool is_set() const;

    /// Waits until the flag is set; returns at once if it is (Python's `wait()`). Returns true,
    /// always, as Python's does, so that `bool ok = e.wait();` reads the same as there.
    bool wait();

    /// Waits until the flag is set or `timeout` passed (Python's `wait(timeout)`). True if the
    /// flag was set (before the call, or by a `set()` during the wait, even if cleared since),
    /// false if the timeout passed first.
    bool wait(std::chrono::duration<double> timeout);

    /// `wait` until a point in time on the steady clock; true if the flag was set first.
    bool wait_until(std::chrono::steady_clock::time_point deadline);

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool flag_ = false;
    // Counts the set() calls that raised the flag: a waiter returns true when it changed, so a
    // set() followed by clear() before the waiter ran still wakes it.
    std::uint64_t generation_ = 0;
};

}  // namespace corio::threading
