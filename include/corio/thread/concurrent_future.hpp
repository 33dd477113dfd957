#pragma once
/// @file
/// `corio::concurrent_future<T>` and `corio::concurrent_promise<T>`: a result that crosses threads
/// (Python's `concurrent.futures.Future`). A plain thread blocks on it (with a timeout) or attaches
/// callbacks; a task on any loop `co_await`s it (asyncio's `wrap_future`). What `thread_pool`,
/// `to_thread` and `run_coroutine_threadsafe` return.

#include <chrono>
#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/core/remote_loop.hpp>
#include <corio/thread/detail/concurrent_state.hpp>
#include <corio/thread/errors.hpp>

namespace corio {

template <class T>
class concurrent_promise;

/// A result produced on one thread and consumed on others (Python's
/// `concurrent.futures.Future`): pending, then running (for pool jobs), then finished with a value
/// or an exception, or cancelled.
///
/// Copies share the state. An empty future (default-constructed or moved from) throws
/// `invalid_state_error` from every member but `valid()`.
///
/// Cancel safety: `co_await` from a task is cancel-safe in asyncio's sense: cancelling the task
/// cancels the future too (a job not yet started then never runs; one already running goes on and
/// its result is dropped), and the task sees `cancelled_error`. Several tasks may await one
/// future; cancelling one of them cancels it for all, as with asyncio's `wrap_future`.
///
/// Thread safety: every member may be called from any thread, concurrently.
///
/// Errors: an exception nobody retrieves (`result()`, `exception()`, `co_await`) is reported on
/// stderr when the last copy goes.
///
/// Example:
/// @code
/// corio::thread_pool pool;
/// corio::concurrent_future<int> f = pool.submit([] { return 6 * 7; });
/// int answer = f.result(std::chrono::seconds(1));  // from a plain thread
/// int again = co_await f;                           // or from a task on any loop
/// @endcode
template <class T = void>
class concurrent_future {
public:
    using value_type = T;

    /// An empty future.
    concurrent_future() noexcept = default;

    /// True once finished or cancelled.
    [[nodiscard]] bool done() const { return state().done(); }
    /// True if cancelled.
    [[nodiscard]] bool cancelled() const {
        return state().status() == detail::concurrent_status::cancelled;
    }
    /// True while a pool thread runs the job (it can no longer be cancelled).
    [[nodiscard]] bool running() const {
        return state().status() == detail::concurrent_status::running;
    }

    /// Cancels a pending future: true if it is (now) cancelled, false if it is running or
    /// finished. Waiters wake with `cancelled_error(message)`; a job that has not started never
    /// runs; a chained task (`run_coroutine_threadsafe`) is cancelled on its loop.
    bool cancel(std::string message = {}) const { return state().cancel(message); }

    /// Blocks the calling thread until done.
    ///
    /// Errors: `deadlock_error` when called on the thread of the loop that must produce the
    /// result (see `run_coroutine_threadsafe`).
    void wait() const { state().wait(); }
    /// Blocks until done or `timeout` has passed; true if done. Errors: as `wait()`.
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
        return state().wait_until(deadline(timeout));
    }

    /// Blocks until done and returns the value (a copy; a move-only value is moved out, once).
    ///
    /// Errors: what the producer raised; `cancelled_error` if cancelled; `deadlock_error` as for
    /// `wait()`; `invalid_state_error` if a move-only value was already taken.
    T result() const {
        wait();
        return state().get();
    }
    /// As `result()`, waiting at most `timeout`. Errors: also `timeout_error` if not done in time
    /// (Python's `TimeoutError`); the future goes on.
    template <class Rep, class Period>
    T result(std::chrono::duration<Rep, Period> timeout) const {
        if (!wait_for(timeout)) throw timeout_error("concurrent_future::result timed out");
        return state().get();
    }

    /// Blocks until done and returns the exception it finished with, or null. Errors:
    /// `cancelled_error` if cancelled; `deadlock_error` as for `wait()`.
    [[nodiscard]] std::exception_ptr exception() const {
        wait();
        return state().exception();
    }

    /// Calls `fn(future)` once the future is done, on the thread that completes it, or at once on
    /// this thread if it already is. Callbacks run in the order added; one that throws is
    /// reported on stderr and the others still run.
    template <class F>
    void add_done_callback(F&& fn) const {
        state().add_done_callback(
            [self = *this, fn = std::forward<F>(fn)]() mutable { std::invoke(fn, self); });
    }

    /// Awaits the future from a task on any loop (see the class comment).
    auto operator co_await() const;

    /// True if it refers to a state.
    [[nodiscard]] bool valid() const noexcept { return state_ != nullptr; }
    explicit operator bool() const noexcept { return valid(); }
    friend bool operator==(const concurrent_future& a, const concurrent_future& b) noexcept {
        return a.state_ == b.state_;
    }

    /// For the machinery: the shared state.
    [[nodiscard]] detail::concurrent_state<T>& state() const {
        if (!state_) [[unlikely]]
            detail::throw_empty("concurrent_future is empty (default-constructed or moved from)");
        return *state_;
    }

private:
    friend class concurrent_promise<T>;
    explicit concurrent_future(std::shared_ptr<detail::concurrent_state<T>> s) noexcept
        : state_(std::move(s)) {}

    template <class Rep, class Period>
    static std::chrono::steady_clock::time_point deadline(std::chrono::duration<Rep, Period> d) {
        const auto now = std::chrono::steady_clock::now();
        if (d >= std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(
                     std::chrono::steady_clock::time_point::max() - now)) {
            return std::chrono::steady_clock::time_point::max();
        }
        return now + std::chrono::ceil<std::chrono::steady_clock::duration>(d);
    }

    std::shared_ptr<detail::concurrent_state<T>> state_;
};

/// The producer's side of a `concurrent_future` (what a pool job or a chained task completes).
///
/// Thread safety: any thread, but one producer at a time (as for `std::promise`).
///
/// Errors: destroyed without a result, the future finishes with `broken_promise_error`.
template <class T = void>
class concurrent_promise {
public:
    /// A promise with a fresh state. Errors: `std::bad_alloc`.
    concurrent_promise() : state_(std::make_shared<detail::concurrent_state<T>>()) {}
    concurrent_promise(concurrent_promise&&) noexcept = default;
    concurrent_promise& operator=(concurrent_promise&& o) noexcept {
        if (this != &o) {
            abandon();
            state_ = std::move(o.state_);
        }
        return *this;
    }
    ~concurrent_promise() { abandon(); }

    /// The future this promise completes (any number of times; copies share the state).
    [[nodiscard]] concurrent_future<T> get_future() const { return concurrent_future<T>(state_); }

    /// Python's `set_running_or_notify_cancel()`: call before starting the work. True: the
    /// future is now running and can no longer be cancelled; false: it was cancelled, skip the
    /// work. Errors: `invalid_state_error` if called twice or after a result.
    bool set_running_or_notify_cancel() { return state_->set_running_or_notify_cancel(); }
    /// Completes with a value (constructed from `v...`); false if the future was cancelled first.
    template <class... U>
    bool set_value(U&&... v) {
        return state_->try_set_value(std::forward<U>(v)...);
    }
    /// Completes with an exception; false if the future was cancelled first.
    bool set_exception(std::exception_ptr error) {
        return state_->try_set_exception(std::move(error));
    }
    /// Cancels the future (a producer giving up, e.g. its loop closed); false if it was done.
    bool cancel(const std::string& message) { return state_->cancel(message); }
    /// True if a consumer cancelled it.
    [[nodiscard]] bool cancelled() const {
        return state_->status() == detail::concurrent_status::cancelled;
    }
    /// For the machinery: the shared state.
    [[nodiscard]] detail::concurrent_state<T>& state() const noexcept { return *state_; }

private:
    void abandon() noexcept {
        if (!state_ || state_->done()) return;
        try {
            state_->try_set_exception(std::make_exception_ptr(broken_promise_error()));
        } catch (...) {  // out of memory for the exception: leave the future cancelled instead
            state_->cancel("the promise was destroyed without a result");
        }
    }

    std::shared_ptr<detail::concurrent_state<T>> state_;
};

namespace detail {

/// `co_await` of a `concurrent_future` inside a task: the task's `wait_hook` while it waits.
template <class T>
class concurrent_awaiter : private wait_hook {
public:
    explicit concurrent_awaiter(concurrent_future<T> f) noexcept : future_(std::move(f)) {}
    concurrent_awaiter(concurrent_awaiter&& o) noexcept : future_(std::move(o.future_)) {}
    concurrent_awaiter& operator=(concurrent_awaiter&&) = delete;
    ~concurrent_awaiter() { leave(); }

    bool await_ready() {
        if (future_.done()) return true;
        // Allocated here, where throwing is allowed: await_suspend must not fail.
        link_ = std::make_shared<wake_link>();
        waiter_.link = link_;
        waiter_.loop = current_record->loop()->remote();
        return false;
    }

    bool await_suspend(std::coroutine_handle<>) noexcept {
        task_record_base* task = current_record;
        link_->task = task;
        if (!future_.state().add_waiter(waiter_)) return false;  // done meanwhile: go on
        linked_ = true;
        static constexpr wait_ops ops{&on_cancel, [](const wait_hook*, std::string& out) {
                                          out += "concurrent_future (set by another thread)";
                                      }};
        wait_hook::ops = &ops;
        task->waiting_ = this;
        return true;
    }

    /// True if resuming raises the future's own cancellation (see `wait_proxy`).
    [[nodiscard]] bool ends_cancelled() const { return future_.cancelled(); }

    T await_resume() {
        linked_ = false;  // the completion unlinked us
        return future_.state().get();
    }

private:
    /// The task is cancelled while it waits: cancel the future (asyncio's wrap_future chains the
    /// cancellation) and wake the task with `cancelled_error` now, unless the completion already
    /// took this waiter (then the wake-up is on its way and the cancellation waits for it).
    static bool on_cancel(wait_hook* h, const std::string& message) {
        auto* self = static_cast<concurrent_awaiter*>(h);
        task_record_base* task = self->link_->task;
        concurrent_state<T>& state = self->future_.state();
        if (!state.remove_waiter(self->waiter_)) return false;
        try {
            task->deliver_cancel(message);
        } catch (...) {  // out of memory: wait on as if never cancelled
            if (!state.add_waiter(self->waiter_)) {
                self->linked_ = false;
                self->link_->task = nullptr;
                task->schedule();  // completed meanwhile: its wake-up was not posted to us
            }
            throw;
        }
        self->linked_ = false;
        self->link_->task = nullptr;
        task->schedule();
        self->future_.cancel(message);
        return true;
    }

    /// Stops waiting (the task is torn down, or resumed): a wake-up still on its way finds no task.
    void leave() noexcept {
        if (linked_) future_.state().remove_waiter(waiter_);
        if (link_) link_->task = nullptr;
    }

    concurrent_future<T> future_;
    /// The loop thread's own reference to the wake cell: `waiter_.link` is the state's (moved out,
    /// under the state's lock, by the completion), so this thread never reads that one unlocked.
    std::shared_ptr<wake_link> link_;
    remote_waiter waiter_;
    bool linked_ = false;
};

}  // namespace detail

template <class T>
auto concurrent_future<T>::operator co_await() const {
    (void)state();  // an empty future throws here, at the co_await
    return detail::concurrent_awaiter<T>(*this);
}

}  // namespace corio
