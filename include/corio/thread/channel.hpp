#pragma once
/// @file
/// `corio::channel<T>`: a bounded multi-producer, multi-consumer channel between threads and
/// loops. Tasks on any loop `co_await` it, plain threads block on it; it is one of the explicit
/// ways work crosses threads (one loop per thread, nothing else shared).

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/thread/detail/channel_core.hpp>
#include <corio/thread/detail/channel_ring.hpp>
#include <corio/thread/errors.hpp>

namespace corio {

/// A bounded FIFO channel of `T` that any number of threads and tasks, on any loops, send to and
/// receive from: the thread-safe queue asyncio users reach for a third-party package to get.
///
/// Each operation comes in four forms, named as in the rest of corio:
///
/// | form | send | receive | when it cannot complete now |
/// |---|---|---|---|
/// | task (`co_await`) | `send(item)` | `receive()` | the task waits |
/// | never waits | `send_nowait(item)` | `receive_nowait()` | `channel_full` / `channel_empty` |
/// | blocks the thread | `send_blocking(item)` | `receive_blocking()` | the thread blocks |
/// | blocks, with a limit | `send_for(item, t)` | `receive_for(t)` | `timeout_error` after `t` |
///
/// Every receive returns `std::optional<T>`: an item, or `std::nullopt` once the channel is closed
/// *and* drained (final: nothing can be sent any more), as Tokio's `recv()`. Every send returns
/// nothing and raises `channel_closed` on a closed channel. Sends take the item by reference and
/// move (or copy) it only when it is actually sent: a send that raises, times out or is cancelled
/// leaves it with the caller. So an awaited send must be awaited in the expression that makes it
/// (`co_await ch.send(std::move(x))`, where temporaries live across the suspension), not stored.
///
/// Items are received in the order they were sent (the sends of different threads in the order
/// they got the channel's lock). Waiters wait in arrival order (one FIFO for receivers, one for
/// senders, tasks and threads alike). A send that wakes a receiver keeps its item in the channel
/// for that receiver until it runs, and a receive that wakes a sender keeps the slot for it, so a
/// woken waiter never waits again; hence, as for `corio::queue`, `receive_nowait()` may raise
/// `channel_empty` while `size() > 0` during such a hand-over (and `send_nowait()`
/// `channel_full` while `!full()`). A task waiting on a loop that is not running keeps its place
/// (and, once woken, what it was given) until its loop runs again or closes.
///
/// `capacity` is at least 1: `size()` never exceeds it. Rendezvous channels (capacity 0, a send
/// completing only when a receiver takes the item) are not supported: use capacity 1.
///
/// Cancel safety: `send()` and `receive()` are cancel-safe. A cancelled operation leaves the
/// channel as if it had never started, or passes on what it was granted. A receiver cancelled
/// while it waits takes nothing; one cancelled after a send woke it, but before it ran (its
/// wake-up may still be on its way from another thread), takes nothing either: the item never
/// left the channel, and the wake-up goes to the next waiting receiver, so no item is lost and
/// FIFO order is kept. A cancelled send did not send: the item is still the caller's, and a slot
/// it was woken for goes to the next waiting sender. The same holds for a cancellation raised at
/// a `co_await` that did not wait, and for a task torn down by its loop's closing.
///
/// Thread safety: every member may be called from any thread, concurrently. The channel must
/// outlive every operation on it (join the threads, finish the tasks, before destroying it);
/// wake-ups already posted to loops do not refer to it. A blocking form called on a thread that
/// runs an event loop blocks that loop too (nothing on it runs until the call returns), and may
/// never return if what it waits for is kept for a task of that loop: from a task, `co_await` the
/// task form instead.
///
/// Errors: see each member. An item whose copy or move throws while being sent or received stays
/// where it was (the caller's, or the channel's, for the next receiver).
///
/// Example:
/// @code
/// corio::channel<job> jobs(64);
/// std::thread producer([&] {
///     for (job j : load()) jobs.send_blocking(std::move(j));  // waits while full
///     jobs.close();
/// });
/// corio::run([&]() -> corio::task<> {                        // a task on some loop
///     while (std::optional<job> j = co_await jobs.receive()) handle(*j);
/// }());                                                       // ends once closed and drained
/// producer.join();
/// @endcode
template <class T>
class channel final : private detail::channel_core {
    static_assert(std::is_object_v<T> && std::is_same_v<T, std::remove_cv_t<T>>,
                  "channel items must be non-const object types");
    static_assert(std::is_move_constructible_v<T>, "channel items must be movable");

public:
    using value_type = T;

    /// A channel holding at most `capacity` items.
    ///
    /// Errors: `std::invalid_argument` if `capacity` is 0. Memory for the items is allocated as
    /// they come (doubling, up to `capacity`), not up front.
    explicit channel(std::size_t capacity) : detail::channel_core(capacity), items_(capacity) {}
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;
    /// Destroys the items left. No operation may be under way (see Thread safety).
    ~channel() = default;

    /// The awaiter of `receive()`.
    class [[nodiscard]] receive_awaiter {
    public:
        explicit receive_awaiter(channel& ch) noexcept
            : ch_(&ch), wait_(ch, detail::channel_side::receiver) {}
        receive_awaiter(const receive_awaiter&) = delete;
        receive_awaiter& operator=(const receive_awaiter&) = delete;
        // Only moved before it is awaited (the task's proxy takes it in).
        receive_awaiter(receive_awaiter&& other) noexcept : receive_awaiter(*other.ch_) {}
        ~receive_awaiter() = default;

        bool await_ready() { return wait_.ready(); }
        bool await_suspend(std::coroutine_handle<>) noexcept { return wait_.suspend(); }
        std::optional<T> await_resume() {
            std::optional<T> out;
            wait_.finish_receive(&out);
            return out;
        }

    private:
        channel* ch_;
        detail::channel_task_wait wait_;
    };

    /// The awaiter of `send()`: refers to the caller's item until it is sent.
    class [[nodiscard]] send_awaiter {
    public:
        send_awaiter(channel& ch, void* item, bool move) noexcept
            : ch_(&ch), item_(item), move_(move), wait_(ch, detail::channel_side::sender) {}
        send_awaiter(const send_awaiter&) = delete;
        send_awaiter& operator=(const send_awaiter&) = delete;
        // Only moved before it is awaited (the task's proxy takes it in).
        send_awaiter(send_awaiter&& other) noexcept
            : send_awaiter(*other.ch_, other.item_, other.move_) {}
        ~send_awaiter() = default;

        bool await_ready() { return wait_.ready(); }
        bool await_suspend(std::coroutine_handle<>) noexcept { return wait_.suspend(); }
        void await_resume() { wait_.finish_send(item_, move_); }

    private:
        channel* ch_;
        void* item_;
        bool move_;
        detail::channel_task_wait wait_;
    };

    // ---- tasks, on any loop ---------------------------------------------------------------------

    /// Sends `item` from a task, waiting while the channel is full; moves from `item` only when
    /// it is sent. Await it at once: the awaiter refers to `item`.
    ///
    /// Cancel safety: cancel-safe; a cancelled send did not send and left `item` untouched (see
    /// the class comment). Thread safety: a task on any loop.
    ///
    /// Errors: `channel_closed` if the channel is closed before the item is sent (also while the
    /// task waits; `item` is untouched); `std::bad_alloc`; what `T`'s move constructor throws.
    ///
    /// Example: `co_await ch.send(std::move(msg));`
    send_awaiter send(T&& item) noexcept { return send_awaiter(*this, &item, true); }
    /// As `send(T&&)`, copying `item` when it is sent.
    ///
    /// Cancel safety, Thread safety, Errors: as `send(T&&)`. Example: `co_await ch.send(msg);`
    send_awaiter send(const T& item) noexcept requires std::is_copy_constructible_v<T> {
        return send_awaiter(*this, const_cast<T*>(&item), false);
    }

    /// Receives the oldest item from a task, waiting while there is none; `std::nullopt` once the
    /// channel is closed and drained.
    ///
    /// Cancel safety: cancel-safe; a cancelled receive takes nothing, and passes on an item it
    /// was woken for (see the class comment). Thread safety: a task on any loop.
    ///
    /// Errors: `std::bad_alloc` (before waiting; nothing taken); what `T`'s move constructor
    /// throws (the item stays in the channel).
    ///
    /// Example: `while (auto msg = co_await ch.receive()) handle(*msg);`
    receive_awaiter receive() noexcept { return receive_awaiter(*this); }

    // ---- never waiting: any thread or task ----------------------------------------------------

    /// Sends `item` if a slot is free; never waits. Moves from `item` only if it is sent.
    ///
    /// Cancel safety: does not suspend. Thread safety: any thread.
    ///
    /// Errors: `channel_closed`; `channel_full` if no slot is free (one may be kept for a woken
    /// sender); `std::bad_alloc`; what `T`'s constructor throws. `item` is then untouched.
    ///
    /// Example: `try { ch.send_nowait(std::move(m)); } catch (const corio::channel_full&) {}`
    void send_nowait(T&& item) { send_now(&item, true); }
    /// As `send_nowait(T&&)`, copying. Cancel safety, Thread safety, Errors: the same.
    ///
    /// Example: `ch.send_nowait(m);`
    void send_nowait(const T& item) requires std::is_copy_constructible_v<T> {
        send_now(const_cast<T*>(&item), false);
    }

    /// Receives the oldest item if one is free to take; never waits. `std::nullopt` if the
    /// channel is closed and drained.
    ///
    /// Cancel safety: does not suspend. Thread safety: any thread.
    ///
    /// Errors: `channel_empty` if no item is free to take (none, or all kept for woken
    /// receivers) and the channel is not closed and drained; what `T`'s move constructor throws.
    ///
    /// Example: `try { auto m = ch.receive_nowait(); } catch (const corio::channel_empty&) {}`
    std::optional<T> receive_nowait() {
        std::optional<T> out;
        receive_now(&out);
        return out;
    }

    // ---- blocking the calling thread ----------------------------------------------------------

    /// Sends `item`, blocking the calling thread while the channel is full.
    ///
    /// Cancel safety: a thread is not cancelled. Thread safety: any thread; on a loop's thread it
    /// blocks the loop (see the class comment).
    ///
    /// Errors: `channel_closed` (before or while blocking); `std::bad_alloc`; what `T`'s
    /// constructor throws. `item` is then untouched.
    ///
    /// Example: `ch.send_blocking(std::move(m));`
    void send_blocking(T&& item) { send_waiting(&item, true, std::nullopt); }
    /// As `send_blocking(T&&)`, copying. Cancel safety, Thread safety, Errors: the same.
    ///
    /// Example: `ch.send_blocking(m);`
    void send_blocking(const T& item) requires std::is_copy_constructible_v<T> {
        send_waiting(const_cast<T*>(&item), false, std::nullopt);
    }

    /// Receives the oldest item, blocking the calling thread while there is none; `std::nullopt`
    /// once the channel is closed and drained.
    ///
    /// Cancel safety: a thread is not cancelled. Thread safety: any thread; on a loop's thread it
    /// blocks the loop. Errors: what `T`'s move constructor throws (the item stays).
    ///
    /// Example: `while (auto m = ch.receive_blocking()) handle(*m);`
    std::optional<T> receive_blocking() {
        std::optional<T> out;
        receive_waiting(&out, std::nullopt);
        return out;
    }

    /// As `send_blocking`, blocking at most `timeout` (Python's float seconds: `2s`, `150ms`,
    /// `0.5s`; negative: do not block; too long to represent: no limit), on the steady clock.
    ///
    /// Cancel safety, Thread safety: as `send_blocking`.
    ///
    /// Errors: `timeout_error` if no slot came in time (`item` untouched); otherwise as
    /// `send_blocking`.
    ///
    /// Example: `try { ch.send_for(std::move(m), 100ms); } catch (const corio::timeout_error&) {}`
    void send_for(T&& item, std::chrono::duration<double> timeout) {
        send_waiting(&item, true, timeout);
    }
    /// As `send_for(T&&, timeout)`, copying. Cancel safety, Thread safety, Errors: the same.
    ///
    /// Example: `ch.send_for(m, 1s);`
    void send_for(const T& item,
                  std::chrono::duration<double> timeout) requires std::is_copy_constructible_v<T> {
        send_waiting(const_cast<T*>(&item), false, timeout);
    }

    /// As `receive_blocking`, blocking at most `timeout` (as for `send_for`).
    ///
    /// Cancel safety, Thread safety: as `receive_blocking`.
    ///
    /// Errors: `timeout_error` if no item came in time (nothing taken); otherwise as
    /// `receive_blocking`.
    ///
    /// Example: `try { auto m = ch.receive_for(1s); } catch (const corio::timeout_error&) {}`
    std::optional<T> receive_for(std::chrono::duration<double> timeout) {
        std::optional<T> out;
        receive_waiting(&out, timeout);
        return out;
    }

    // ---- state: any thread ---------------------------------------------------------------------

    /// Closes the channel; true if this call closed it, false if it was closed already. Sends
    /// (waiting or later) raise `channel_closed`; receives take what is left, then return
    /// `std::nullopt`. Every waiting sender wakes at once; waiting receivers wake when the last
    /// item is gone.
    ///
    /// Cancel safety: does not suspend. Thread safety: any thread, even concurrently with
    /// operations. Errors: none.
    ///
    /// Example: `producer_done(); ch.close();`
    using detail::channel_core::close;
    /// True once closed. Cancel safety: does not suspend. Thread safety: any thread. Errors:
    /// none. Example: `if (ch.is_closed()) break;`
    using detail::channel_core::is_closed;
    /// Items buffered, including those kept for woken receivers; a snapshot (other threads may
    /// change it at once). Cancel safety: does not suspend. Thread safety: any thread. Errors:
    /// none. Example: `log(ch.size());`
    using detail::channel_core::size;
    /// The capacity given at construction. Cancel safety: does not suspend. Thread safety: any
    /// thread. Errors: none. Example: `assert(ch.size() <= ch.capacity());`
    using detail::channel_core::capacity;
    /// Items, waiting receivers and waiting senders, read together (a snapshot). Cancel safety:
    /// does not suspend. Thread safety: any thread. Errors: none.
    /// Example: `while (ch.statistics().receivers_waiting == 0) std::this_thread::yield();`
    using detail::channel_core::statistics;

    /// True if `size() == 0` (a snapshot). Cancel safety: does not suspend. Thread safety: any
    /// thread. Errors: none. Example: `if (ch.empty()) idle();`
    [[nodiscard]] bool empty() const { return size() == 0; }
    /// True if `size() == capacity()` (a snapshot). Cancel safety: does not suspend. Thread
    /// safety: any thread. Errors: none. Example: `if (ch.full()) slow_down();`
    [[nodiscard]] bool full() const { return size() >= capacity(); }

private:
    void push_item(void* item, bool move) override {
        if (move) {
            items_.push(std::move(*static_cast<T*>(item)));
        } else if constexpr (std::is_copy_constructible_v<T>) {
            items_.push(*static_cast<const T*>(item));
        }
    }
    void pop_item(void* out) override { items_.take_front(*static_cast<std::optional<T>*>(out)); }

    detail::channel_ring<T> items_;
};

}  // namespace corio
