// The untyped core of corio::channel (include/corio/thread/detail/channel_core.hpp): every
// decision about who waits, who is woken and what a woken waiter holds is made here.
#include <array>
#include <cassert>
#include <condition_variable>
#include <exception>
#include <stdexcept>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/thread/detail/channel_core.hpp>
#include <corio/thread/errors.hpp>

#include "deadline.hpp"

namespace corio::detail {

/// Wake-ups of tasks on other loops, collected under the channel's mutex and posted once it is
/// released (the destructor), so that the post (two more locks and a possible syscall) does not
/// lengthen the channel's critical section. An operation wakes at most one waiter or two; only
/// `close()` and a burst of grants may wake more, and those beyond the inline room are posted at
/// once, under the mutex: slower, never wrong. Declare it before the lock.
class wake_batch {
public:
    wake_batch() = default;
    wake_batch(const wake_batch&) = delete;
    wake_batch& operator=(const wake_batch&) = delete;
    ~wake_batch() {
        for (std::size_t i = 0; i < count_; ++i) post(entries_[i]);
    }

    void add(remote_loop&& loop, std::shared_ptr<wake_link>&& link) noexcept {
        entry e{std::move(loop), std::move(link)};
        if (count_ == entries_.size()) {
            post(e);
            return;
        }
        entries_[count_++] = std::move(e);
    }

private:
    struct entry {
        remote_loop loop;
        std::shared_ptr<wake_link> link;
    };

    /// What runs on the task's loop holds only the cell: the awaiter may be gone by then (its task
    /// cancelled, or its loop closed), and clears the cell when it goes.
    static void post(entry& e) noexcept { post_wake(e.loop, std::move(e.link)); }

    std::array<entry, 4> entries_{};
    std::size_t count_ = 0;
};

// ---- the waiter list ------------------------------------------------------------------------

void channel_waiter_list::push_back(channel_waiter& w) noexcept {
    w.prev = tail_;
    w.next = nullptr;
    (tail_ ? tail_->next : head_) = &w;
    tail_ = &w;
    ++size_;
}

void channel_waiter_list::remove(channel_waiter& w) noexcept {
    (w.prev ? w.prev->next : head_) = w.next;
    (w.next ? w.next->prev : tail_) = w.prev;
    w.prev = w.next = nullptr;
    --size_;
}

// ---- the core: counts and grants --------------------------------------------------------------

channel_core::channel_core(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) {
        throw std::invalid_argument(
            "corio::channel: capacity must be at least 1 (rendezvous channels are not supported)");
    }
}

channel_core::~channel_core() {
    // A waiter still queued would be woken through a dangling channel: the channel must outlive
    // its users (see channel's class comment).
    assert(receivers_.empty() && senders_.empty());
}

std::size_t channel_core::size() const {
    std::lock_guard lock(mutex_);
    return size_;
}

bool channel_core::is_closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

channel_statistics channel_core::statistics() const {
    std::lock_guard lock(mutex_);
    return {size_, receivers_.size(), senders_.size()};
}

bool channel_core::try_claim(channel_waiter& w) noexcept {
    if (w.side == channel_side::receiver) {
        if (available_items() > 0) {
            ++granted_receivers_;
            w.st = channel_waiter::state::granted;
            return true;
        }
        // Closed with items left that are all kept for woken receivers: wait, for one of them
        // may give its item back. Closed and empty is final.
        if (closed_ && size_ == 0) {
            w.st = channel_waiter::state::closed;
            return true;
        }
        return false;
    }
    if (closed_) {
        w.st = channel_waiter::state::closed;
        return true;
    }
    if (free_slots() > 0) {
        ++granted_senders_;
        w.st = channel_waiter::state::granted;
        return true;
    }
    return false;
}

bool channel_core::redeem(channel_waiter& w, void* data, bool move, wake_batch& wakes) {
    if (w.st == channel_waiter::state::closed) {
        w.st = channel_waiter::state::idle;
        if (w.side == channel_side::sender) throw channel_closed();
        return false;
    }
    assert(w.st == channel_waiter::state::granted);
    if (w.side == channel_side::receiver) {
        pop_item(data);  // may throw: w keeps its grant, the item stays
        --granted_receivers_;
        w.st = channel_waiter::state::idle;
        after_take(wakes);
        return true;
    }
    // A slot granted before a close: the send had not happened yet, and now cannot.
    if (closed_) {
        return_grant(w, wakes);
        throw channel_closed();
    }
    push_item(data, move);  // may throw: w keeps its grant, nothing was inserted
    --granted_senders_;
    w.st = channel_waiter::state::idle;
    after_insert(wakes);
    return true;
}

void channel_core::return_grant(channel_waiter& w, wake_batch& wakes) noexcept {
    w.st = channel_waiter::state::idle;
    if (w.side == channel_side::receiver) {
        --granted_receivers_;
        wake_receivers(wakes);
    } else {
        --granted_senders_;
        wake_senders(wakes);
    }
}

void channel_core::after_insert(wake_batch& wakes) noexcept {
    ++size_;
    wake_receivers(wakes);
}

void channel_core::after_take(wake_batch& wakes) noexcept {
    --size_;
    wake_senders(wakes);
    if (closed_ && size_ == 0) close_receivers(wakes);
}

// One receiver per item nobody is woken for, one sender per free slot nobody is woken for: the
// invariant "nobody waits while something is free for them" holds after every change.

void channel_core::wake_receivers(wake_batch& wakes) noexcept {
    while (!receivers_.empty() && available_items() > 0) {
        ++granted_receivers_;
        wake(*receivers_.front(), channel_waiter::state::granted, wakes);
    }
}

void channel_core::wake_senders(wake_batch& wakes) noexcept {
    while (!closed_ && !senders_.empty() && free_slots() > 0) {
        ++granted_senders_;
        wake(*senders_.front(), channel_waiter::state::granted, wakes);
    }
}

void channel_core::close_receivers(wake_batch& wakes) noexcept {
    while (!receivers_.empty()) wake(*receivers_.front(), channel_waiter::state::closed, wakes);
}

void channel_core::wake(channel_waiter& w, channel_waiter::state st, wake_batch& wakes) noexcept {
    queue_of(w).remove(w);
    w.st = st;
    if (!w.task) {
        // Under the mutex: the thread may return, destroying `cv`, as soon as it is released.
        w.cv->notify_one();
    } else if (w.loop == running_loop) {
        // On the task's own loop thread: no other thread can free the frame, schedule directly.
        w.task->schedule();
    } else {
        wakes.add(std::move(w.remote), std::move(w.link));
    }
}

bool channel_core::close() noexcept {
    wake_batch wakes;
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    closed_ = true;
    while (!senders_.empty()) wake(*senders_.front(), channel_waiter::state::closed, wakes);
    // Receivers wait on a closed channel only while every item left is kept for a woken
    // receiver; they are woken when the last item goes (after_take) or one comes back.
    if (size_ == 0) close_receivers(wakes);
    return true;
}

// ---- plain threads ------------------------------------------------------------------------------

bool channel_core::block(std::unique_lock<std::mutex>& lock, channel_waiter& w,
                         std::optional<std::chrono::steady_clock::time_point> deadline) {
    std::condition_variable cv;
    w.cv = &cv;
    w.st = channel_waiter::state::waiting;
    queue_of(w).push_back(w);
    while (w.st == channel_waiter::state::waiting) {
        if (!deadline) {
            cv.wait(lock);
        } else if (cv.wait_until(lock, *deadline) == std::cv_status::timeout) {
            break;
        }
    }
    // Granted at the last moment counts: it is taken, not given back.
    if (w.st != channel_waiter::state::waiting) return true;
    queue_of(w).remove(w);
    w.st = channel_waiter::state::idle;
    return false;
}

namespace {
std::optional<std::chrono::steady_clock::time_point> deadline_of(
    std::optional<std::chrono::duration<double>> timeout) {
    if (!timeout) return std::nullopt;
    return threading::detail::deadline_after(*timeout);
}
}  // namespace

bool channel_core::receive_now(void* out) {
    wake_batch wakes;
    std::lock_guard lock(mutex_);
    if (available_items() > 0) {
        pop_item(out);
        after_take(wakes);
        return true;
    }
    if (closed_ && size_ == 0) return false;
    throw channel_empty();
}

void channel_core::send_now(void* item, bool move) {
    wake_batch wakes;
    std::lock_guard lock(mutex_);
    if (closed_) throw channel_closed();
    if (free_slots() == 0) throw channel_full();
    push_item(item, move);
    after_insert(wakes);
}

bool channel_core::receive_waiting(void* out,
                                   std::optional<std::chrono::duration<double>> timeout) {
    const auto deadline = deadline_of(timeout);
    wake_batch wakes;
    std::unique_lock lock(mutex_);
    channel_waiter w(channel_side::receiver);
    if (!try_claim(w) && !block(lock, w, deadline)) {
        throw timeout_error("channel receive timed out");
    }
    try {
        return redeem(w, out, false, wakes);
    } catch (...) {
        if (w.st == channel_waiter::state::granted) return_grant(w, wakes);
        throw;
    }
}

void channel_core::send_waiting(void* item, bool move,
                                std::optional<std::chrono::duration<double>> timeout) {
    const auto deadline = deadline_of(timeout);
    wake_batch wakes;
    std::unique_lock lock(mutex_);
    channel_waiter w(channel_side::sender);
    if (!try_claim(w) && !block(lock, w, deadline)) throw timeout_error("channel send timed out");
    try {
        redeem(w, item, move, wakes);
    } catch (...) {
        if (w.st == channel_waiter::state::granted) return_grant(w, wakes);
        throw;
    }
}

// ---- tasks --------------------------------------------------------------------------------------

channel_task_wait::~channel_task_wait() {
    // Not queued and not holding a grant: only this thread has touched the node since it was
    // woken, and there is nothing to do. Otherwise (torn down while queued, or cancelled after a
    // grant) leave the queue or give the grant back, which passes it to the next waiter.
    if (queued_ || node_.st == channel_waiter::state::granted) {
        wake_batch wakes;
        std::lock_guard lock(core_->mutex_);
        if (node_.st == channel_waiter::state::waiting) {
            core_->queue_of(node_).remove(node_);
            node_.st = channel_waiter::state::idle;
        } else if (node_.st == channel_waiter::state::granted) {
            core_->return_grant(node_, wakes);
        }
    }
    // A wake-up still on its way then finds no task.
    if (link_) link_->task = nullptr;
}

bool channel_task_wait::ready() {
    {
        std::lock_guard lock(core_->mutex_);
        if (core_->try_claim(node_)) return true;
    }
    assert(current_record && "co_await a channel operation inside a task");
    event_loop* loop = current_record->loop();
    link_ = std::make_shared<wake_link>();
    node_.link = link_;
    node_.loop = loop;
    node_.remote = loop->remote();
    return false;
}

bool channel_task_wait::suspend() noexcept {
    task_record_base* task = current_record;
    std::lock_guard lock(core_->mutex_);
    if (core_->try_claim(node_)) return false;  // freed meanwhile: go on at once
    link_->task = task;
    node_.task = task;
    node_.st = channel_waiter::state::waiting;
    core_->queue_of(node_).push_back(node_);
    queued_ = true;
    static constexpr wait_ops ops{&on_cancel, [](const wait_hook* h, std::string& out) {
                                      // `side` is set at construction and never changes.
                                      const auto* self = static_cast<const channel_task_wait*>(h);
                                      out += self->node_.side == channel_side::receiver
                                                 ? "channel receive (empty)"
                                                 : "channel send (full)";
                                  }};
    wait_hook::ops = &ops;
    task->waiting_ = this;
    return true;
}

bool channel_task_wait::finish_receive(void* out) {
    wake_batch wakes;
    std::lock_guard lock(core_->mutex_);
    queued_ = false;
    return core_->redeem(node_, out, false, wakes);
}

void channel_task_wait::finish_send(void* item, bool move) {
    wake_batch wakes;
    std::lock_guard lock(core_->mutex_);
    queued_ = false;
    core_->redeem(node_, item, move, wakes);
}

/// The task is cancelled while it waits. Still queued: the wait ends now, as if it had never
/// started. Already granted (or woken by close): the wait is over, its wake-up is scheduled or
/// on its way; the cancellation stays pending and is raised when the task resumes, and the
/// destructor then gives the grant back (asyncio's woken-then-cancelled getter, bpo-23812).
bool channel_task_wait::on_cancel(wait_hook* h, const std::string& message) {
    auto* self = static_cast<channel_task_wait*>(h);
    task_record_base* task = self->node_.task;
    {
        std::lock_guard lock(self->core_->mutex_);
        if (self->node_.st != channel_waiter::state::waiting) return false;
        task->deliver_cancel(message);  // may throw: then nothing has changed
        self->core_->queue_of(self->node_).remove(self->node_);
        self->node_.st = channel_waiter::state::idle;
        self->queued_ = false;
    }
    self->link_->task = nullptr;
    task->schedule();
    return true;
}

}  // namespace corio::detail
