#pragma once
/// @file
/// `corio::queue`, `corio::lifo_queue` and `corio::priority_queue`: queues between tasks on one
/// loop (asyncio's `Queue`, `LifoQueue` and `PriorityQueue`, Python 3.13, with `shutdown`).

#include <algorithm>
#include <coroutine>
#include <cstddef>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/sync/detail/queue_storage.hpp>
#include <corio/sync/detail/waiter.hpp>
#include <corio/sync/errors.hpp>
#include <corio/sync/event.hpp>

namespace corio {

/// How `shutdown()` treats the items still queued.
enum class shutdown_mode {
    drain,      ///< they can still be got; `get` raises once the queue is empty
    immediate,  ///< they are dropped and counted done (for `join`); `get` raises at once
};

/// What `statistics()` reports.
struct queue_statistics {
    std::size_t items = 0;             ///< items queued (`qsize()`)
    std::size_t getters_waiting = 0;   ///< tasks waiting in `get`
    std::size_t putters_waiting = 0;   ///< tasks waiting in `put`
    std::size_t unfinished_tasks = 0;  ///< items put and not yet `task_done()`
};

/// The queue all three kinds share; `Storage` decides the order (see `detail/queue_storage.hpp`).
/// Use `queue`, `lifo_queue` or `priority_queue`.
///
/// Getters wait while there is nothing to take, putters while a bounded queue is full, and both
/// are woken in arrival order. A put that wakes a getter keeps its item for that getter (the item
/// stays in the queue until the getter runs and takes it), and a get that wakes a putter keeps
/// the slot for it: a newcomer cannot take what a woken task is about to. So, unlike asyncio,
/// `get_nowait()` can raise `queue_empty` while `qsize() > 0` (and `put_nowait()` `queue_full`
/// while `!full()`) during such a hand-over, and a woken task never has to wait again.
///
/// Cancel safety: `get()`, `put()` and `join()` are cancel-safe. A task cancelled while it waits
/// leaves as if it had never asked. A getter cancelled after a put woke it, but before it ran,
/// takes nothing: the item stays queued and the wake-up goes to the next getter (CPython
/// bpo-23812, asyncio#343); a putter cancelled likewise inserts nothing and passes its slot on. A
/// cancellation raised at the `co_await` of a get or put that did not wait behaves the same.
///
/// Thread safety: the loop's thread only; the queue must outlive its waiters.
///
/// Errors: see each member. Items whose move constructor throws are accepted: such a throw
/// while a get takes its item, or a put inserts it, passes the wake-up on as a cancellation
/// would, but the item itself may then be lost (asyncio has no such case to follow).
///
/// Example:
/// @code
/// corio::queue<job> jobs(10);               // at most 10 waiting jobs
/// co_await jobs.put(job{...});              // waits while full
/// job j = co_await jobs.get();              // waits while empty
/// jobs.task_done();
/// co_await jobs.join();                     // every job put so far is done
/// @endcode
template <class T, class Storage>
class queue_base {
    static_assert(std::is_move_constructible_v<T>, "queue items must be movable");

public:
    using value_type = T;

    /// A queue holding at most `maxsize` items; 0 (the default) means unbounded.
    explicit queue_base(std::size_t maxsize = 0, Storage storage = Storage())
        : items_(std::move(storage)), maxsize_(maxsize) {
        finished_.set();  // nothing put, nothing unfinished: join() returns at once
    }
    queue_base(const queue_base&) = delete;
    queue_base& operator=(const queue_base&) = delete;
    ~queue_base() = default;

    /// The awaiter of `get()`.
    class [[nodiscard]] get_awaiter {
    public:
        explicit get_awaiter(queue_base& q) noexcept : q_(&q), waiter_(q.getter_side_) {}
        get_awaiter(const get_awaiter&) = delete;
        get_awaiter& operator=(const get_awaiter&) = delete;
        // Only moved before it is awaited (the task's proxy takes it in).
        get_awaiter(get_awaiter&& other) noexcept : get_awaiter(*other.q_) {}

        bool await_ready() noexcept {
            if (q_->available_items() > 0) {
                ++q_->granted_getters_;  // keeps an item for this get until it resumes
                waiter_.grant_now();
                return true;
            }
            return q_->shut_down_;  // nothing left and nothing will come: raise at once
        }
        void await_suspend(std::coroutine_handle<>) noexcept { waiter_.enqueue(q_->getters_); }
        T await_resume() {
            // Not granted (shut down with nothing left), or woken by shutdown, or the kept item
            // was dropped by an immediate shutdown. Unaccepted, the grant goes back.
            if (waiter_.current() != detail::grant_waiter::state::granted || q_->items_.empty()) {
                throw queue_shut_down();
            }
            T item = q_->items_.take();  // may throw: then nothing was taken
            waiter_.accept();
            --q_->granted_getters_;
            q_->wake_putters();  // a slot is free
            return item;
        }

    private:
        queue_base* q_;
        detail::grant_waiter waiter_;
    };

    /// The awaiter of `put()`; holds the item until it is inserted.
    class [[nodiscard]] put_awaiter {
    public:
        put_awaiter(queue_base& q, T&& item) noexcept(std::is_nothrow_move_constructible_v<T>)
            : q_(&q), waiter_(q.putter_side_), item_(std::move(item)) {}
        put_awaiter(const put_awaiter&) = delete;
        put_awaiter& operator=(const put_awaiter&) = delete;
        // Only moved before it is awaited (the task's proxy takes it in).
        put_awaiter(put_awaiter&& other) noexcept(std::is_nothrow_move_constructible_v<T>)
            : put_awaiter(*other.q_, std::move(other.item_)) {}

        bool await_ready() noexcept {
            if (q_->shut_down_) return true;  // raises in await_resume
            if (q_->free_slots() == 0) return false;
            ++q_->granted_putters_;  // keeps a slot for this put until it resumes
            waiter_.grant_now();
            return true;
        }
        void await_suspend(std::coroutine_handle<>) noexcept { waiter_.enqueue(q_->putters_); }
        void await_resume() {
            // Shut down before or while it waited: unaccepted, a kept slot goes back.
            if (waiter_.current() != detail::grant_waiter::state::granted || q_->shut_down_) {
                throw queue_shut_down();
            }
            q_->items_.push(std::move(item_));  // may throw: then nothing was inserted
            waiter_.accept();
            --q_->granted_putters_;
            q_->added_item();
        }

    private:
        queue_base* q_;
        detail::grant_waiter waiter_;
        T item_;
    };

    /// Removes and returns the next item, waiting while there is none (asyncio's `await get()`).
    ///
    /// Cancel safety: see the class comment; a cancelled get never loses an item.
    ///
    /// Errors: `queue_shut_down` once the queue is shut down and has no item left for this get
    /// (also for a getter waiting when `shutdown()` is called).
    get_awaiter get() noexcept { return get_awaiter(*this); }

    /// Adds `item`, waiting while a bounded queue is full (asyncio's `await put(item)`).
    ///
    /// Cancel safety: see the class comment; a cancelled put inserts nothing (`item` is dropped).
    ///
    /// Errors: `queue_shut_down` if the queue is shut down, before or while it waits.
    put_awaiter put(T item) noexcept(std::is_nothrow_move_constructible_v<T>) {
        return put_awaiter(*this, std::move(item));
    }

    /// Removes and returns the next item if one is free to take; never waits.
    ///
    /// Errors: `queue_shut_down` if shut down and no item is free; otherwise `queue_empty`.
    T get_nowait() {
        if (available_items() == 0) {
            if (shut_down_) throw queue_shut_down();
            throw queue_empty();
        }
        T item = items_.take();
        wake_putters();
        return item;
    }

    /// Adds `item` if there is a free slot; never waits.
    ///
    /// Errors: `queue_shut_down` if shut down; `queue_full` if no slot is free. `item` is dropped.
    void put_nowait(T item) {
        if (shut_down_) throw queue_shut_down();
        if (free_slots() == 0) throw queue_full();
        items_.push(std::move(item));
        added_item();
    }

    /// Says one item got earlier is fully processed (asyncio's `task_done`), for `join()`.
    ///
    /// Errors: `std::invalid_argument("task_done() called too many times")` (asyncio's
    /// `ValueError`) if more calls than items put, changing nothing.
    void task_done() {
        if (unfinished_ == 0) throw std::invalid_argument("task_done() called too many times");
        if (--unfinished_ == 0) finished_.set();
    }

    /// Waits until every item put so far has been `task_done()` (asyncio's `await join()`);
    /// returns at once if none is unfinished. Cancel-safe, as `event::wait()`.
    event::wait_awaiter join() noexcept { return finished_.wait(); }

    /// Shuts the queue down (asyncio's `shutdown`, Python 3.13): later puts raise
    /// `queue_shut_down`, and so do gets once nothing is left. `immediate` drops the queued
    /// items at once, counting each as done (so `join()` may return). Every waiting getter and
    /// putter wakes: putters raise, getters take a remaining item or raise. Calling it again is
    /// allowed (an `immediate` call then still drops what is left).
    void shutdown(shutdown_mode mode = shutdown_mode::drain) noexcept {
        shut_down_ = true;
        if (mode == shutdown_mode::immediate) {
            unfinished_ -= std::min(unfinished_, items_.size());
            items_.clear();
            if (unfinished_ == 0) finished_.set();
        }
        while (!getters_.empty()) grant_next(getters_, granted_getters_);
        while (!putters_.empty()) grant_next(putters_, granted_putters_);
    }

    /// Items queued, including one kept for a woken getter that has not run yet.
    [[nodiscard]] std::size_t qsize() const noexcept { return items_.size(); }
    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    /// True if a bounded queue holds `maxsize()` items; never for an unbounded one.
    [[nodiscard]] bool full() const noexcept { return maxsize_ != 0 && items_.size() >= maxsize_; }
    /// The bound given at construction; 0 for unbounded.
    [[nodiscard]] std::size_t maxsize() const noexcept { return maxsize_; }
    [[nodiscard]] bool is_shut_down() const noexcept { return shut_down_; }
    [[nodiscard]] queue_statistics statistics() const noexcept {
        return {items_.size(), getters_.size(), putters_.size(), unfinished_};
    }

private:
    /// The queue grants to two queues of waiters; a returned grant must say which (a
    /// `grant_waiter` out of its queue no longer knows), so each side is its own source.
    class side final : public detail::grant_source {
    public:
        side(queue_base* q, void (queue_base::*returned)() noexcept, const char* what) noexcept
            : q_(q), returned_(returned), what_(what) {}

    private:
        void return_grant(detail::grant_waiter&) noexcept override { (q_->*returned_)(); }
        void describe_wait(std::string& out, const detail::grant_waiter&) const override {
            out += what_;
            out += " (" + std::to_string(q_->items_.size()) + " items, maxsize " +
                   std::to_string(q_->maxsize_) + ")";
        }
        queue_base* q_;
        void (queue_base::*returned_)() noexcept;
        const char* what_;
    };

    /// Items a newcomer may take: those not kept for woken getters.
    [[nodiscard]] std::size_t available_items() const noexcept {
        return items_.size() > granted_getters_ ? items_.size() - granted_getters_ : 0;
    }
    /// Slots a newcomer may fill: those neither used nor kept for woken putters.
    [[nodiscard]] std::size_t free_slots() const noexcept {
        if (maxsize_ == 0) return std::numeric_limits<std::size_t>::max();
        const std::size_t used = items_.size() + granted_putters_;
        return used < maxsize_ ? maxsize_ - used : 0;
    }

    static void grant_next(detail::waiter_queue& waiters, std::size_t& granted) noexcept {
        ++granted;
        waiters.front()->grant();
    }
    /// asyncio's `_wakeup_next(_getters)`: one getter per item nobody is woken for. Also what a
    /// getter's unused wake-up does, so it reaches the next getter.
    void wake_getters() noexcept {
        while (!getters_.empty() && available_items() > 0) grant_next(getters_, granted_getters_);
    }
    /// `_wakeup_next(_putters)`, likewise for free slots.
    void wake_putters() noexcept {
        while (!putters_.empty() && free_slots() > 0) grant_next(putters_, granted_putters_);
    }
    void getter_returned() noexcept {
        --granted_getters_;
        wake_getters();
    }
    void putter_returned() noexcept {
        --granted_putters_;
        wake_putters();
    }
    /// After an insertion: one more unfinished item, and a getter to wake.
    void added_item() noexcept {
        ++unfinished_;
        finished_.clear();
        wake_getters();
    }

    Storage items_;
    std::size_t maxsize_;
    detail::waiter_queue getters_;
    detail::waiter_queue putters_;
    std::size_t granted_getters_ = 0;  ///< woken getters that have not run: each keeps an item
    std::size_t granted_putters_ = 0;  ///< woken putters that have not run: each keeps a slot
    event finished_;
    // Not next to granted_putters_: a put's await_resume updates both, and GCC 12 merges the two
    // updates into one 16-byte load and store. That load overlaps the 8-byte store of
    // await_ready's ++granted_putters_ just before, cannot take its value from the store buffer,
    // and waits for the store to complete: about 3 ns per put, a third of bench_sync_queue's
    // time per item.
    std::size_t unfinished_ = 0;
    side getter_side_{this, &queue_base::getter_returned, "queue get"};
    side putter_side_{this, &queue_base::putter_returned, "queue put"};
    bool shut_down_ = false;
};

/// A first-in, first-out queue between tasks (asyncio's `Queue`). Everything, including cancel
/// safety, thread safety and errors, is described at `queue_base`.
///
/// Example: `corio::queue<std::string> lines; co_await lines.put("hi"); auto s = co_await
/// lines.get();`
template <class T>
class queue final : public queue_base<T, detail::fifo_storage<T>> {
public:
    explicit queue(std::size_t maxsize = 0) : queue_base<T, detail::fifo_storage<T>>(maxsize) {}
};

/// A last-in, first-out queue (asyncio's `LifoQueue`): `get` takes the newest item. As
/// `queue_base` for cancel safety, thread safety and errors.
///
/// Example: `corio::lifo_queue<int> s; s.put_nowait(1); s.put_nowait(2); s.get_nowait(); // 2`
template <class T>
class lifo_queue final : public queue_base<T, detail::lifo_storage<T>> {
public:
    explicit lifo_queue(std::size_t maxsize = 0)
        : queue_base<T, detail::lifo_storage<T>>(maxsize) {}
};

/// A priority queue (asyncio's `PriorityQueue`): `get` takes the smallest item by `Compare`, as
/// `heapq` does; equal items come out in no particular order (put `(priority, sequence, data)`
/// tuples for a stable order). As `queue_base` for cancel safety, thread safety and errors.
///
/// Example: `corio::priority_queue<std::pair<int, job>> q; co_await q.put({2, j}); auto [p, j2] =
/// co_await q.get();`
template <class T, class Compare = std::less<T>>
class priority_queue final : public queue_base<T, detail::heap_storage<T, Compare>> {
public:
    explicit priority_queue(std::size_t maxsize = 0, Compare comp = Compare())
        : queue_base<T, detail::heap_storage<T, Compare>>(
              maxsize, detail::heap_storage<T, Compare>(std::move(comp))) {}
};

}  // namespace corio
