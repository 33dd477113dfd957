#pragma once
/// @file
/// The one place the sync primitives' cancel safety lives: a waiter node that sits in the waiting
/// task's frame, a FIFO of them, and the rule for a grant that its waiter never took.
///
/// A primitive (lock, semaphore, condition, queue...) keeps a `waiter_queue`. A task that must
/// wait links a `grant_waiter` (inside its awaiter, so waiting allocates nothing) and suspends. To
/// wake it, the primitive *grants*: it takes the node off the queue, hands over whatever it grants
/// (ownership of a lock, a permit, a notification, the right to look at the queue again) and
/// schedules the task. From then on the grant belongs to the waiter, and three things can happen:
///
///  - the task resumes normally and `accept()`s it;
///  - the task was cancelled after the grant but before it ran (asyncio's race in bpo-27585,
///    gh-90155, gh-112202, bpo-23812): the cancellation is raised instead, the grant is never
///    accepted, and the node's destructor gives it back (`grant_source::return_grant`), which
///    passes it on to the next waiter exactly as a release would;
///  - the task's frame is destroyed (the loop closed under it): the same.
///
/// A cancellation that arrives *before* the grant simply ends the wait: the node leaves the queue
/// and the task sees `cancelled_error`, as if it had never waited. So a cancelled operation leaves
/// the primitive as if it had never started, or passes on what it was granted, and no primitive
/// has to write that logic again. The primitive only says what "give it back" means.

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <corio/core/detail/task_frame.hpp>

namespace corio::detail {

class grant_waiter;

/// A primitive that grants things to its waiters: told when a grant comes back unused.
class grant_source {
public:
    /// `w` was granted something and will never use it (its task was cancelled before it ran, or
    /// torn down): pass it on as a release would. `w` is no longer in any queue.
    virtual void return_grant(grant_waiter& w) noexcept = 0;
    /// Appends what a waiter here waits for, for `dump_tasks` ("lock held by Task \"db\"").
    virtual void describe_wait(std::string& out, const grant_waiter& w) const = 0;

protected:
    grant_source() = default;
    grant_source(const grant_source&) = default;
    grant_source& operator=(const grant_source&) = default;
    ~grant_source() = default;
};

/// An intrusive FIFO of waiters, in arrival order. O(1) push, pop and removal; no allocation.
class waiter_queue {
public:
    waiter_queue() noexcept = default;
    waiter_queue(const waiter_queue&) = delete;
    waiter_queue& operator=(const waiter_queue&) = delete;

    [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] grant_waiter* front() const noexcept { return head_; }

    inline void push_back(grant_waiter* w) noexcept;
    inline void remove(grant_waiter* w) noexcept;

private:
    grant_waiter* head_ = nullptr;
    grant_waiter* tail_ = nullptr;
    std::size_t size_ = 0;
};

/// One task waiting on a primitive; lives in the task's awaiter. See the file comment.
class grant_waiter : private wait_hook {
public:
    enum class state : std::uint8_t {
        idle,      ///< not waiting (never queued, woken by cancellation, or done)
        waiting,   ///< in the primitive's queue
        granted,   ///< granted and scheduled, not yet accepted
        accepted,  ///< the task took the grant
    };

    explicit grant_waiter(grant_source& source) noexcept : source_(&source) {
        static constexpr wait_ops ops{&on_cancel, [](const wait_hook* h, std::string& out) {
                                          const auto* self = static_cast<const grant_waiter*>(h);
                                          self->source_->describe_wait(out, *self);
                                      }};
        wait_hook::ops = &ops;
    }
    grant_waiter(const grant_waiter&) = delete;
    grant_waiter& operator=(const grant_waiter&) = delete;
    /// Leaves the queue, or gives back a grant the task never accepted.
    ~grant_waiter() {
        if (state_ == state::waiting) {
            queue_->remove(this);
        } else if (state_ == state::granted) {
            state_ = state::idle;
            source_->return_grant(*this);
        }
    }

    /// The primitive granted at once, without suspending (the fast path of an acquire): still a
    /// grant until accepted, so that a cancellation raised before the task sees it gives it back.
    void grant_now() noexcept { state_ = state::granted; }

    /// Queues the running task on `queue` and makes this its wait (call from `await_suspend`).
    void enqueue(waiter_queue& queue) noexcept {
        queue_ = &queue;
        task_ = current_record;
        state_ = state::waiting;
        queue.push_back(this);
        task_->waiting_ = this;
    }

    /// Takes the waiter off its queue and wakes its task with the grant (primitive side).
    void grant() noexcept {
        queue_->remove(this);
        state_ = state::granted;
        task_->schedule();
    }

    /// The task took the grant (call from `await_resume` once nothing can throw any more).
    void accept() noexcept { state_ = state::accepted; }

    [[nodiscard]] state current() const noexcept { return state_; }
    /// The waiting task (valid once enqueued).
    [[nodiscard]] task_record_base* task() const noexcept { return task_; }

private:
    friend class waiter_queue;

    /// The task is cancelled while it waits here: only a wait still in the queue can be ended; a
    /// granted one is over, and the cancellation stays pending (raised when the task resumes,
    /// after which the destructor gives the grant back).
    static bool on_cancel(wait_hook* h, const std::string& message) {
        auto* self = static_cast<grant_waiter*>(h);
        if (self->state_ != state::waiting) return false;
        self->task_->deliver_cancel(message);  // may throw: then nothing has changed
        self->queue_->remove(self);
        self->state_ = state::idle;
        self->task_->schedule();
        return true;
    }

    grant_source* source_;
    waiter_queue* queue_ = nullptr;
    task_record_base* task_ = nullptr;
    grant_waiter* prev_ = nullptr;
    grant_waiter* next_ = nullptr;
    state state_ = state::idle;
};

inline void waiter_queue::push_back(grant_waiter* w) noexcept {
    w->prev_ = tail_;
    w->next_ = nullptr;
    (tail_ ? tail_->next_ : head_) = w;
    tail_ = w;
    ++size_;
}

inline void waiter_queue::remove(grant_waiter* w) noexcept {
    (w->prev_ ? w->prev_->next_ : head_) = w->next_;
    (w->next_ ? w->next_->prev_ : tail_) = w->prev_;
    w->prev_ = w->next_ = nullptr;
    --size_;
}

}  // namespace corio::detail
