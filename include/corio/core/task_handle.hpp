#pragma once
/// @file
/// Scheduled tasks: `create_task`, `spawn`, `task_handle<T>` (asyncio's `Task`), `task_ref`,
/// `current_task`, `all_tasks`.

#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/core/detail/done_callback.hpp>
#include <corio/core/detail/future_awaiter.hpp>
#include <corio/core/detail/task_frame.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/task.hpp>

namespace corio {

/// A reference to a scheduled task of any result type: what `current_task()` and `all_tasks()`
/// return, and the base of `task_handle<T>`. Copies refer to the same task.
///
/// An empty reference (default-constructed, moved from, or `current_task()` outside a task) refers
/// to no task: `valid()`, `operator bool` and `==` work on it; every other member throws
/// `invalid_state_error`.
///
/// Thread safety: use only on the task's loop thread (in debug mode, a member called from another
/// thread while the loop runs throws `wrong_thread_error`). Another thread holds a
/// `concurrent_future` instead: see `to_concurrent_future`.
class task_ref {
public:
    /// An empty reference.
    task_ref() noexcept = default;

    /// True if the task finished: returned, threw, or was cancelled.
    ///
    /// Errors: `invalid_state_error` if empty.
    [[nodiscard]] bool done() const { return rec_base().done(); }
    /// True if the task finished by cancellation.
    ///
    /// Errors: `invalid_state_error` if empty.
    [[nodiscard]] bool cancelled() const { return rec_base().cancelled(); }

    /// Requests cancellation (asyncio's `Task.cancel(msg)`); returns false if the task is already
    /// done.
    ///
    /// Cancellation: `cancelled_error(message)` is raised in the task at the suspension point it
    /// waits at, or at its next one; what it awaits (a sleep, a future, another task) is cancelled
    /// too. The task may catch it to clean up, or withdraw it with `uncancel()`.
    ///
    /// Errors: `invalid_state_error` if empty; `std::bad_alloc` (the task is left as it was).
    /// `const`, like every member: a reference names the task, and cancelling changes the task,
    /// not the reference (a lambda capturing a handle by value needs no `mutable`).
    bool cancel(std::string message = {}) const {
        return rec_base().request_cancel(std::move(message));
    }
    /// The number of pending cancellation requests (asyncio's `Task.cancelling()`).
    ///
    /// Errors: `invalid_state_error` if empty.
    [[nodiscard]] int cancelling() const { return rec_base().cancelling(); }
    /// Withdraws one cancellation request; returns the number left (asyncio's `Task.uncancel()`).
    /// When none is left, a cancellation not yet raised in the task is dropped (Python 3.13).
    ///
    /// Errors: `invalid_state_error` if empty.
    int uncancel() const { return rec_base().uncancel(); }

    /// The exception the task finished with, or null if it returned; marks it retrieved (no
    /// "never retrieved" report).
    ///
    /// Errors: `invalid_state_error` if the task is not done or the reference is empty;
    /// `cancelled_error` if the task was cancelled.
    [[nodiscard]] std::exception_ptr exception() const { return rec_base().exception(); }

    /// The task's name: "Task-N" unless named at creation or with `set_name`.
    ///
    /// Errors: `invalid_state_error` if empty.
    [[nodiscard]] std::string get_name() const { return rec_base().name(); }
    /// Renames the task (for reports and `dump_tasks`).
    ///
    /// Errors: `invalid_state_error` if empty.
    void set_name(std::string name) const { rec_base().set_name(std::move(name)); }
    /// The loop the task runs on.
    ///
    /// Errors: `invalid_state_error` if empty.
    [[nodiscard]] event_loop& get_loop() const { return *rec_base().loop(); }

    /// True if it refers to a task.
    [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(r_); }
    explicit operator bool() const noexcept { return valid(); }
    /// True if both refer to the same task (or both are empty).
    friend bool operator==(const task_ref& a, const task_ref& b) noexcept { return a.r_ == b.r_; }

    /// For the machinery: the task's record, null if empty.
    [[nodiscard]] detail::task_record_base* record() const noexcept { return r_.get(); }
    explicit task_ref(detail::core_ref<detail::task_record_base> r) noexcept : r_(std::move(r)) {}

protected:
    /// The record. Errors: `invalid_state_error` if empty.
    [[nodiscard]] detail::task_record_base& rec_base() const {
        if (!r_) [[unlikely]] {
            detail::throw_empty(
                "task_ref is empty (default-constructed, moved from, or current_task() outside a "
                "task)");
        }
        r_->loop()->check_thread();
        return *r_;
    }

    detail::core_ref<detail::task_record_base> r_;
};

/// A scheduled task producing `T` (asyncio's `Task`): what `create_task` and `spawn` return.
///
/// Awaiting it (`co_await handle`) waits for the task and gives its result, rethrows its
/// exception, or raises `cancelled_error` if it was cancelled; any number of tasks may await it.
/// Dropping the handle does not cancel the task: the loop keeps it running (unlike asyncio, there
/// is no need to keep a reference to stop it disappearing).
///
/// An empty handle (default-constructed or moved from) refers to no task; as for `task_ref`,
/// every member but `valid()`, `operator bool` and `==` throws `invalid_state_error` on it.
///
/// Cancellation: cancelling a task that awaits this one cancels this one too (as in asyncio); use
/// `shield` to prevent that.
///
/// Thread safety: use only on the task's loop thread.
///
/// Errors: an exception nobody retrieves (by awaiting, `result()` or `exception()`) is reported to
/// the loop's exception handler when the last handle goes ("Task exception was never retrieved").
template <class T = void>
class task_handle : public task_ref {
    using record_type = detail::task_record<T>;  // not `record`: that would hide task_ref::record()

public:
    using value_type = T;

    /// An empty handle.
    task_handle() noexcept = default;

    /// The result: a reference into the task's state (`void` for `task_handle<void>`); marks an
    /// exception retrieved.
    ///
    /// Errors: `invalid_state_error` while the task is pending, or if the handle is empty;
    /// `cancelled_error` if the task was cancelled; the task's exception if it threw;
    /// `invalid_state_error` if a move-only result was already moved out by an awaiter.
    decltype(auto) result() const {
        rec().rethrow_if_failed();
        if constexpr (!std::is_void_v<T>) return static_cast<T&>(rec().slot_.get());
    }

    /// Schedules `fn(handle)` to run on the loop once the task is done (scheduled at once if it
    /// already is); callbacks run in the order added, like asyncio's.
    ///
    /// Errors: `invalid_state_error` if the handle is empty. An exception thrown by `fn` goes to
    /// the loop's exception handler.
    template <class F>
    void add_done_callback(F&& fn) {
        detail::add_done_callback(rec(), *this, std::forward<F>(fn));
    }

    /// Awaits the task (see the class comment).
    ///
    /// Errors: `invalid_state_error` if the handle is empty, raised at the `co_await`.
    auto operator co_await() const {
        record_type& r = rec();
        r.add_ref();
        return detail::future_awaiter<record_type, T>(detail::core_ref<record_type>(&r));
    }

private:
    friend class event_loop;
    template <class, class, class>
    friend class detail::done_callback_node;
    explicit task_handle(detail::core_ref<record_type> r) noexcept
        : task_ref(detail::core_ref<detail::task_record_base>(r.release())) {}
    record_type& rec() const {
        if (!r_) [[unlikely]] {
            detail::throw_empty("task_handle is empty (default-constructed or moved from)");
        }
        r_->loop()->check_thread();
        return static_cast<record_type&>(*r_.get());
    }
};

/// The task whose step is running now (asyncio's `current_task()`); empty outside tasks.
task_ref current_task();

/// The running loop's unfinished tasks (asyncio's `all_tasks()`).
std::vector<task_ref> all_tasks();

/// Schedules `coro` on the running loop (asyncio's `create_task`).
///
/// Errors: `std::runtime_error` if no loop is running.
template <class T>
task_handle<T> create_task(task<T> coro, std::string name = {}) {
    return get_running_loop().create_task(std::move(coro), std::move(name));
}

namespace detail {
/// Keeps `fn` and `args` in this coroutine's frame for as long as the task they start runs. (The
/// tag comes first so that the task's promise, which sees the first argument as a member
/// function's object, does not take the owned lambda for a capturing one living elsewhere.)
template <class F, class... Args>
auto invoke_owned(std::in_place_t, F fn, Args... args)
    -> task<typename std::invoke_result_t<F&, Args&...>::value_type> {
    co_return co_await std::invoke(fn, args...);
}
}  // namespace detail

/// Calls `fn(args...)` (an async function) and schedules the resulting task, keeping `fn` and
/// copies of `args` alive until the task finishes.
///
/// This is the safe way to start a task from a lambda: `create_task([&]() -> task<> {...}())`
/// destroys the lambda, and with it the captures the coroutine reads, at the end of the
/// statement, while the task runs later. `spawn([=]() -> task<> {...})` keeps the lambda in the
/// task. Pass references explicitly with `std::ref` if you must.
///
/// Example:
/// @code
/// auto worker = [name = std::string("w1")]() -> corio::task<void> { co_await use(name); };
/// auto t = corio::spawn(worker);  // worker's captures live as long as the task
/// @endcode
template <class F, class... Args>
auto spawn(F&& fn, Args&&... args) {
    return create_task(detail::invoke_owned(std::in_place, std::decay_t<F>(std::forward<F>(fn)),
                                            std::decay_t<Args>(std::forward<Args>(args))...));
}

// ---- event_loop members that need the task types ----------------------------------------------

template <class T>
task_handle<T> event_loop::create_task(task<T> coro, std::string name) {
    check_runnable();
    check_thread();
    if (!coro.valid()) throw std::invalid_argument("create_task: empty task");
    // A coroutine lambda reads its captures through the closure object, which a temporary
    // (`create_task([&]() -> task<> {...}())`) destroys at the end of the statement, long before
    // the task runs. C++ cannot tell that temporary from a lambda that outlives the task, so
    // debug mode reports every capturing lambda given here, pointing at `spawn`.
    if (debug_ && coro.promise().capturing_lambda_) [[unlikely]]
        report_capturing_lambda();
    // `coro` gives up its frame only once the record exists: if allocating it throws, the frame
    // is destroyed with `coro` instead of leaking.
    auto* rec = new detail::task_record<T>(this, &coro.promise(), std::move(name));
    auto& root = coro.release();
    root.record_ = rec;
    register_task(rec);
    rec->schedule();
    // The record starts with one reference, the loop's (released when the task finishes).
    rec->add_ref();
    return task_handle<T>(detail::core_ref<detail::task_record<T>>(rec));
}

template <class T>
T event_loop::run_until_complete(task<T> coro) {
    return run_until_complete(create_task(std::move(coro)));
}

template <class T>
T event_loop::run_until_complete(task_handle<T> t) {
    run_until([&] { return t.done(); });
    if (!t.done()) throw std::runtime_error("Event loop stopped before Future completed.");
    if constexpr (std::is_void_v<T>) {
        t.result();
    } else {
        return std::move(t.result());
    }
}

template <class Done>
void event_loop::run_until(Done done) {
    enter_running();
    try {
        // As asyncio's run_forever: stop() ends the loop after the current iteration, so one
        // made before the loop started still lets one iteration run.
        while (!done()) {
            run_once();
            if (stopping_) break;
        }
    } catch (...) {
        leave_running();
        throw;
    }
    leave_running();
}

}  // namespace corio
