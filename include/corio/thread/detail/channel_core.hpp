#pragma once
/// @file
/// The untyped heart of `corio::channel<T>` (src/thread/channel.cpp): one mutex, two FIFOs of
/// waiters, the counts, and the one place where waiters are woken, granted, and give back what
/// they were granted.
///
/// Waking is a *grant*, as for the single-loop primitives (`sync/detail/waiter.hpp`): a waiter is
/// woken only when there is something for it, and that something is kept for it (an item stays in
/// the buffer, counted in `granted_receivers_`; a free slot is counted in `granted_senders_`) until
/// it runs and takes it. Nobody else can take it meanwhile, so a woken waiter never waits again,
/// and nothing ever sits in a waiter's frame: a receiver that is cancelled, or torn down, before it
/// runs simply gives its grant back (`return_grant`), which passes it to the next waiter. That is
/// the whole of the channel's cancel safety, written once, here.
///
/// A waiter is a task of any loop or a blocked thread. A blocked thread is woken through its own
/// condition variable, notified under the mutex (it may return, and free the variable, as soon as
/// the mutex is released). A task's node lives in its awaiter, which another thread must not touch
/// once the mutex is released (the task may be cancelled, or its loop closed, on its own thread at
/// once): the grant moves the node's `remote_loop` and `wake_link` out under the mutex, and posts
/// the wake-up after releasing it, holding only those (`wake_batch`). On the task's own loop thread
/// the task is scheduled directly, with no post at all.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <corio/core/detail/task_frame.hpp>
#include <corio/core/remote_loop.hpp>
#include <corio/thread/detail/wake_link.hpp>

namespace corio {

/// What `channel::statistics()` reports: one snapshot, read under the channel's lock, so the three
/// counts are consistent with each other (other threads may change them right after).
///
/// Cancel safety: not applicable (plain data). Thread safety: a copy, owned by the caller.
/// Errors: none.
///
/// Example: `auto s = ch.statistics(); log(s.items, s.receivers_waiting, s.senders_waiting);`
struct channel_statistics {
    std::size_t items = 0;  ///< items buffered, including those kept for woken receivers
    std::size_t receivers_waiting = 0;  ///< tasks and threads waiting to receive
    std::size_t senders_waiting = 0;    ///< tasks and threads waiting to send
};

namespace detail {

class channel_core;
class wake_batch;

enum class channel_side : std::uint8_t { receiver, sender };

/// One waiter: a task (its node lives in its awaiter) or a blocked thread (on its stack). Every
/// field is read and written under the channel's mutex, except by the waiter itself while it is
/// not queued.
struct channel_waiter {
    enum class state : std::uint8_t {
        idle,     ///< not queued, holds nothing
        waiting,  ///< in the channel's queue
        granted,  ///< holds an item (receiver) or a slot (sender) until it uses or returns it
        closed,   ///< woken by `close()`, holds nothing
    };

    explicit channel_waiter(channel_side s) noexcept : side(s) {}

    channel_waiter* prev = nullptr;
    channel_waiter* next = nullptr;
    task_record_base* task = nullptr;  ///< the waiting task; null for a blocked thread
    /// The task's loop: compared with the running loop (never dereferenced) to wake it directly
    /// when the grant happens on that loop's own thread.
    event_loop* loop = nullptr;
    remote_loop remote;               ///< where the wake-up is posted otherwise
    std::shared_ptr<wake_link> link;  ///< the wake-up's cell; moved out by the grant that posts it
    std::condition_variable* cv = nullptr;  ///< a blocked thread's
    channel_side side;
    state st = state::idle;
};

/// An intrusive FIFO of waiters in arrival order; O(1) everything, no allocation.
class channel_waiter_list {
public:
    [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] channel_waiter* front() const noexcept { return head_; }
    void push_back(channel_waiter& w) noexcept;
    void remove(channel_waiter& w) noexcept;

private:
    channel_waiter* head_ = nullptr;
    channel_waiter* tail_ = nullptr;
    std::size_t size_ = 0;
};

/// The channel without its items: `channel<T>` derives from it and supplies `push_item` and
/// `pop_item`, which the core calls under its mutex.
///
/// Thread safety: every public member locks the mutex.
class channel_core {
public:
    channel_core(const channel_core&) = delete;
    channel_core& operator=(const channel_core&) = delete;

    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] bool is_closed() const;
    [[nodiscard]] channel_statistics statistics() const;
    /// Closes; true if this call did (false if it was closed already). See `channel::close`.
    bool close() noexcept;

protected:
    /// Errors: `std::invalid_argument` if `capacity` is 0.
    explicit channel_core(std::size_t capacity);
    ~channel_core();

    /// Appends the item `item` points at (a `T`: moved from if `move`, else copied). May throw;
    /// then nothing changed.
    virtual void push_item(void* item, bool move) = 0;
    /// Moves the oldest item into `*out` (an `std::optional<T>`) and removes it. May throw; then
    /// nothing changed.
    virtual void pop_item(void* out) = 0;

    // ---- for plain threads (and `_nowait` from anywhere) -------------------------------------
    // `timeout` empty: no limit. The receives return false when the channel is closed and drained.

    bool receive_now(void* out);
    void send_now(void* item, bool move);
    bool receive_waiting(void* out, std::optional<std::chrono::duration<double>> timeout);
    void send_waiting(void* item, bool move, std::optional<std::chrono::duration<double>> timeout);

private:
    friend class channel_task_wait;

    [[nodiscard]] std::size_t available_items() const noexcept {
        return size_ - granted_receivers_;
    }
    [[nodiscard]] std::size_t free_slots() const noexcept {
        return capacity_ - size_ - granted_senders_;
    }
    /// Under the lock: grants `w` at once if it need not wait (an item or slot is free, or the
    /// channel is closed for it); true if it did. Sets `w.st` to `granted` or `closed`.
    bool try_claim(channel_waiter& w) noexcept;
    /// Under the lock: `w` (granted) takes its item or fills its slot; may throw (then `w` still
    /// holds its grant). Receiver: false if `w` was woken by `close()` instead.
    bool redeem(channel_waiter& w, void* data, bool move, wake_batch& wakes);
    /// Under the lock: `w` will never use its grant: pass it on.
    void return_grant(channel_waiter& w, wake_batch& wakes) noexcept;
    void after_insert(wake_batch& wakes) noexcept;
    void after_take(wake_batch& wakes) noexcept;
    void wake_receivers(wake_batch& wakes) noexcept;
    void wake_senders(wake_batch& wakes) noexcept;
    void close_receivers(wake_batch& wakes) noexcept;
    void wake(channel_waiter& w, channel_waiter::state st, wake_batch& wakes) noexcept;
    /// Under `lock`: queues the calling thread and blocks until woken or `deadline` (none: no
    /// limit); false on timeout (then `w` is out of the queue).
    bool block(std::unique_lock<std::mutex>& lock, channel_waiter& w,
               std::optional<std::chrono::steady_clock::time_point> deadline);
    channel_waiter_list& queue_of(const channel_waiter& w) noexcept {
        return w.side == channel_side::receiver ? receivers_ : senders_;
    }

    mutable std::mutex mutex_;
    channel_waiter_list receivers_;
    channel_waiter_list senders_;
    const std::size_t capacity_;
    std::size_t size_ = 0;
    std::size_t granted_receivers_ = 0;  ///< woken receivers not yet run: each keeps an item
    std::size_t granted_senders_ = 0;    ///< woken senders not yet run: each keeps a slot
    bool closed_ = false;
};

/// A task's side of a `send` or `receive` (inside the typed awaiter): its node, its `wait_hook`
/// while queued, and the task-side halves of the grant protocol.
class channel_task_wait : private wait_hook {
public:
    channel_task_wait(channel_core& core, channel_side side) noexcept : core_(&core), node_(side) {}
    channel_task_wait(const channel_task_wait&) = delete;
    channel_task_wait& operator=(const channel_task_wait&) = delete;
    /// Leaves the queue, or gives back a grant the task never redeemed.
    ~channel_task_wait();

    /// `await_ready`: claims at once if possible (true); otherwise prepares the wait, allocating
    /// here where throwing is allowed (`std::bad_alloc`: nothing changed).
    bool ready();
    /// `await_suspend`: claims if something came meanwhile (false: do not suspend), else queues
    /// the running task (true).
    bool suspend() noexcept;
    /// `await_resume` of a receive: false if closed and drained. May throw what the item's move
    /// throws (the item stays, for the next receiver).
    bool finish_receive(void* out);
    /// `await_resume` of a send. Errors: `channel_closed`; what the item's copy or move throws.
    void finish_send(void* item, bool move);

private:
    static bool on_cancel(wait_hook* h, const std::string& message);

    channel_core* core_;
    /// The loop thread's own reference to the wake cell (`node_.link` is the channel's, moved out
    /// under the mutex by the grant): this thread never reads that one unlocked.
    std::shared_ptr<wake_link> link_;
    channel_waiter node_;
    bool queued_ = false;  ///< queued and not yet resumed: other threads may write `node_`
};

}  // namespace detail
}  // namespace corio
