#pragma once
/// @file
/// `corio::task_group`: structured concurrency, asyncio's `TaskGroup` (Trio's nursery).
///
/// Why a callback scope rather than a group object: Python writes `async with TaskGroup() as g:`,
/// and `__aexit__` awaits the children. C++ has no `async with`, and a destructor cannot
/// `co_await`, so an object whose owner must remember `co_await g.wait()` would let a child
/// outlive its group whenever the owner forgets, returns early, or throws. Here the group exists
/// only inside `task_group::run(body)`: `run` creates it, awaits `body(g)`, then awaits every child
/// before it completes, on every path (return, exception, cancellation). No code outside `run`
/// ever sees an open group, so "no child outlives its group" cannot be got wrong.

#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/core/errors.hpp>
#include <corio/core/exception_group.hpp>
#include <corio/core/future.hpp>
#include <corio/core/task.hpp>
#include <corio/core/task_handle.hpp>

namespace corio {

class task_group;

namespace detail {

/// The result type of a task group body `F(task_group&) -> task<R>`.
template <class F>
using group_body_result_t = typename std::invoke_result_t<F&, task_group&>::value_type;

/// A group's bookkeeping, shared with the done-callbacks of its children so that a callback never
/// touches a group that is gone (only possible if the loop tears the parent down: see the
/// destructor of `task_group`).
struct task_group_core {
    explicit task_group_core(task_ref parent_task) : parent(std::move(parent_task)) {}

    /// Cancels every unfinished child (asyncio's `TaskGroup._abort`).
    void abort() {
        aborting = true;
        for (auto& t : tasks) {
            if (!t.done()) t.cancel();
        }
    }

    /// asyncio's `TaskGroup._on_task_done`: the first failure cancels the siblings and the parent.
    void on_task_done(std::list<task_ref>::iterator it) {
        task_ref t = std::move(*it);
        tasks.erase(it);
        if (detached) return;  // unsupervised now: an unretrieved error is reported by the task
        if (on_completed && tasks.empty() && !on_completed->done()) on_completed->set_result();
        if (t.cancelled()) return;
        std::exception_ptr error = t.exception();
        if (!error) return;
        errors.push_back(std::move(error));
        if (!aborting && !parent_cancel_requested) {
            // Interrupt whatever the parent awaits in the body; `exit` withdraws this request.
            abort();
            parent_cancel_requested = true;
            parent.cancel();
        }
    }

    task_ref parent;                         ///< the task running `run` (and the body)
    std::list<task_ref> tasks;               ///< unfinished children, in creation order
    std::vector<std::exception_ptr> errors;  ///< children's failures, in order
    std::optional<future<void>> on_completed;
    bool exiting = false;
    bool aborting = false;
    bool parent_cancel_requested = false;
    bool detached = false;
};

}  // namespace detail

/// A scope of child tasks that all finish before it does (asyncio's `TaskGroup`).
///
/// `co_await task_group::run(body)` calls `body(g)` (an async function taking `task_group&`) in
/// the calling task, as the body of `async with TaskGroup() as g:` runs in the calling task. The
/// body starts children with `g.create_task(coro)` or `g.spawn(fn, args...)`; children may start
/// more. Once the body is done, `run` waits for every child, then returns the body's result.
/// Children's results are read through their handles, which are all done when `run` returns.
///
/// The first child to fail (with anything but `cancelled_error`) cancels its siblings and the
/// body; when all have finished, `run` throws one `exception_group` ("unhandled errors in a
/// task_group") holding every failure, in order, the body's own failure last. A body that throws
/// also cancels the children, and its exception is reported in the group the same way.
///
/// `body` is kept in `run`'s frame until `run` completes, so a lambda may capture by reference
/// the caller's locals (the caller is suspended in `run` meanwhile).
///
/// Cancellation: cancelling the calling task cancels the body (at its current await) and every
/// child; `run` waits for them to finish, then raises `cancelled_error`. The cancellation the
/// group makes itself to interrupt the body when a child fails is withdrawn (`uncancel`) before
/// `run` completes, so it never escapes; a cancellation from outside always does: as
/// `cancelled_error`, or, if there were failures too, as `exception_group` with the task's
/// cancellation request re-armed, so that it is raised at the task's next await (asyncio does the
/// same).
///
/// Thread safety: a group and its children belong to the loop of the calling task.
///
/// Errors: `exception_group` as above; `invalid_state_error` from `create_task` / `spawn` once the
/// group is shutting down (a child failed, the body threw, or the task was cancelled) or finished.
///
/// Example:
/// @code
/// corio::task_handle<std::string> a, b;
/// co_await corio::task_group::run([&](corio::task_group& g) -> corio::task<> {
///     a = g.create_task(fetch("a"));
///     b = g.spawn(fetch_with_retry, url, 3);
///     co_return;
/// });  // here both are done: a.result() and b.result() hold their values
/// @endcode
class task_group {
public:
    /// Runs `body(g)` as the body of a new group, then waits for its children (see the class).
    template <class F>
    static task<detail::group_body_result_t<F>> run(F body);

    /// Schedules `coro` as a child of this group (asyncio's `TaskGroup.create_task`); returns its
    /// handle. If the call is refused, `coro` is destroyed without running.
    ///
    /// Errors: `invalid_state_error` if the group is shutting down or finished;
    /// `std::invalid_argument` for an empty task.
    template <class T>
    task_handle<T> create_task(task<T> coro, std::string name = {});

    /// Calls `fn(args...)` (an async function) as a child of this group, keeping `fn` and copies
    /// of `args` alive until the child finishes, as `corio::spawn` does. Errors: as `create_task`.
    template <class F, class... Args>
    auto spawn(F&& fn, Args&&... args) {
        return create_task(detail::invoke_owned(std::in_place, std::decay_t<F>(std::forward<F>(fn)),
                                                std::decay_t<Args>(std::forward<Args>(args))...));
    }

    task_group(const task_group&) = delete;
    task_group& operator=(const task_group&) = delete;
    /// Only reached with children still running if the loop tears the calling task down (loop
    /// closed under it): they are then cancelled, and report their own unretrieved errors.
    ~task_group() {
        core_->detached = true;
        for (auto& t : core_->tasks) t.cancel();
    }

private:
    task_group() : core_(std::make_shared<detail::task_group_core>(current_task())) {}

    /// asyncio's `TaskGroup.__aexit__`: waits for the children, then raises what must be raised.
    task<void> exit(std::exception_ptr body_error);

    std::shared_ptr<detail::task_group_core> core_;
};

template <class F>
task<detail::group_body_result_t<F>> task_group::run(F body) {
    using R = detail::group_body_result_t<F>;
    static_assert(std::is_same_v<std::invoke_result_t<F&, task_group&>, task<R>>,
                  "task_group::run(body): body must be callable as body(task_group&) -> task<R>");
    task_group group;
    std::exception_ptr body_error;
    if constexpr (std::is_void_v<R>) {
        try {
            co_await std::invoke(body, group);
        } catch (...) {
            body_error = std::current_exception();
        }
        co_await group.exit(std::move(body_error));
    } else {
        std::optional<R> result;
        try {
            result.emplace(co_await std::invoke(body, group));
        } catch (...) {
            body_error = std::current_exception();
        }
        co_await group.exit(std::move(body_error));
        co_return std::move(*result);
    }
}

template <class T>
task_handle<T> task_group::create_task(task<T> coro, std::string name) {
    auto& c = *core_;
    const char* refused = c.exiting && c.tasks.empty() ? "task_group is finished"
                          : c.aborting                 ? "task_group is shutting down"
                                                       : nullptr;
    if (refused) {
        // Destroyed unrun, deliberately, as asyncio `close()`s the coroutine: not reported as
        // "never awaited" in debug mode.
        if (coro.valid()) coro.release().handle().destroy();
        throw invalid_state_error(refused);
    }
    // The list slot first, so that no failure can leave a child the group does not know about.
    auto it = c.tasks.emplace(c.tasks.end());
    task_handle<T> h;
    try {
        h = c.parent.get_loop().create_task(std::move(coro), std::move(name));
    } catch (...) {
        c.tasks.erase(it);
        throw;
    }
    *it = h;
    try {
        h.add_done_callback([core = core_, it](task_handle<T>&) { core->on_task_done(it); });
    } catch (...) {  // out of memory: the child cannot be supervised, so it must not run
        c.tasks.erase(it);
        h.cancel();
        throw;
    }
    return h;
}

inline task<void> task_group::exit(std::exception_ptr body_error) {
    auto& c = *core_;
    c.exiting = true;
    std::exception_ptr propagate_cancellation;
    bool body_failed = false;
    if (body_error) {
        try {
            std::rethrow_exception(body_error);
        } catch (const cancelled_error&) {
            propagate_cancellation = body_error;  // the task is being cancelled
        } catch (...) {
            body_failed = true;
        }
        if (!c.aborting) c.abort();
    }
    // A loop, because the task may be cancelled again (from outside) while the group winds down.
    while (!c.tasks.empty()) {
        c.on_completed.emplace(c.parent.get_loop());
        std::exception_ptr cancelled;
        try {
            co_await *c.on_completed;
        } catch (const cancelled_error&) {
            cancelled = std::current_exception();
        }
        c.on_completed.reset();
        if (cancelled && !c.aborting) {  // the calling task was cancelled from outside
            propagate_cancellation = std::move(cancelled);
            c.abort();
        }
    }
    // Withdraw the group's own cancellation of the task; one from outside remains counted.
    if (c.parent_cancel_requested && c.parent.uncancel() == 0) propagate_cancellation = nullptr;
    // Failures take precedence over a cancellation.
    if (propagate_cancellation && c.errors.empty()) std::rethrow_exception(propagate_cancellation);
    if (body_failed) c.errors.push_back(std::move(body_error));
    if (!c.errors.empty()) {
        // The exception_group replaces the outside cancellation's cancelled_error: re-arm it so
        // that it is not lost (it is raised at the task's next await), keeping the count stable.
        if (c.parent.cancelling() > 0) {
            c.parent.uncancel();
            c.parent.cancel();
        }
        throw exception_group("unhandled errors in a task_group", std::move(c.errors));
    }
}

}  // namespace corio
