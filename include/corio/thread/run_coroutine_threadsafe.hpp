#pragma once
/// @file
/// `corio::run_coroutine_threadsafe` (asyncio's): a plain thread starts a task on a loop and gets a
/// `concurrent_future` of its result; and `corio::to_concurrent_future`, the thread-safe handle of
/// a task already running.

#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/remote_loop.hpp>
#include <corio/core/task.hpp>
#include <corio/core/task_handle.hpp>
#include <corio/thread/concurrent_future.hpp>

namespace corio {

namespace detail {

/// Names a chained task for the cancellations other threads post; read and cleared on the task's
/// loop thread only (cleared once the task is done, when the record may go).
struct chained_task {
    task_record_base* record = nullptr;
};

/// The done-callback that passes a task's outcome to a promise. If the loop closes before it runs
/// (it is then destroyed unrun), the future is cancelled rather than left pending forever.
template <class T>
struct pass_outcome {
    concurrent_promise<T> promise;
    std::shared_ptr<chained_task> chain;

    pass_outcome(concurrent_promise<T> p, std::shared_ptr<chained_task> c) noexcept
        : promise(std::move(p)), chain(std::move(c)) {}
    pass_outcome(pass_outcome&&) noexcept = default;
    pass_outcome& operator=(pass_outcome&&) = delete;
    ~pass_outcome() {
        if (chain) promise.cancel("the event loop closed before the task finished");
    }

    void operator()(task_handle<T>& task) {
        chain->record = nullptr;
        chain.reset();
        if (task.cancelled()) {
            std::string message;
            try {
                task.result();
            } catch (const cancelled_error& e) {
                message = e.message();
            }
            promise.cancel(message);
        } else if (std::exception_ptr error = task.exception()) {
            promise.set_exception(std::move(error));  // retrieved on the loop: the future reports
        } else if constexpr (std::is_void_v<T>) {
            promise.set_value();
        } else if constexpr (std::is_copy_constructible_v<T>) {
            promise.set_value(task.result());
        } else {
            promise.set_value(std::move(task.result()));
        }
    }
};

/// What `run_coroutine_threadsafe` posts to the loop: starts the task there. Destroyed unrun (the
/// loop closed first), it cancels the future rather than leaving it pending forever.
template <class T>
struct start_task {
    task<T> coro;
    concurrent_promise<T> promise;
    bool started = false;

    start_task(task<T> c, concurrent_promise<T> p) noexcept
        : coro(std::move(c)), promise(std::move(p)) {}
    start_task(start_task&& o) noexcept
        : coro(std::move(o.coro)), promise(std::move(o.promise)), started(o.started) {
        o.started = true;  // the moved-from one has nothing to cancel
    }
    start_task& operator=(start_task&&) = delete;
    ~start_task() {
        if (!started) promise.cancel("the event loop closed before the task started");
    }

    void operator()();
};

/// Chains `task` to `promise` (on the task's loop thread): the task's outcome completes the
/// future, and cancelling the future cancels the task on its loop.
template <class T>
void chain(task_handle<T>& task, concurrent_promise<T> promise) {
    event_loop& loop = task.get_loop();
    auto link = std::make_shared<chained_task>();
    link->record = task.record();
    promise.state().set_feeding_loop(loop.remote());
    promise.state().set_cancel_hook(
        [remote = loop.remote(), weak = std::weak_ptr<chained_task>(link)](const std::string& msg) {
            remote.try_call_soon([weak, msg] {
                if (auto c = weak.lock(); c && c->record) c->record->request_cancel(msg);
            });
        });
    task.add_done_callback(pass_outcome<T>(std::move(promise), std::move(link)));
}

template <class T>
void start_task<T>::operator()() {
    started = true;
    // On the loop's thread. A future cancelled before the task exists cancels nothing more.
    if (promise.cancelled()) return;
    task_handle<T> task = get_running_loop().create_task(std::move(coro));
    chain(task, std::move(promise));
}

}  // namespace detail

/// Schedules `coro` as a task on `loop` from any thread and returns a `concurrent_future` of its
/// result (asyncio's `run_coroutine_threadsafe`).
///
/// Cancel safety: cancelling the future cancels the task on its loop (posted there); the future is
/// cancelled at once. If the loop closes before the task finishes, the future is cancelled.
///
/// Thread safety: any thread. Waiting on the future blocks the calling thread, so on the loop's
/// own thread `result()` and `wait()` raise `deadlock_error` instead: `co_await` it there.
///
/// Errors: `std::logic_error("event loop is closed")` if the loop is closed or gone (`coro` is
/// destroyed unrun); `std::invalid_argument` if `coro` is empty; `std::bad_alloc`.
///
/// Example:
/// @code
/// std::thread worker([remote = loop.remote()] {
///     auto rate = corio::run_coroutine_threadsafe(fetch_rate("EUR"), remote);
///     std::cout << rate.result(std::chrono::seconds(5)) << '\n';
/// });
/// @endcode
template <class T>
concurrent_future<T> run_coroutine_threadsafe(task<T> coro, const remote_loop& loop) {
    if (!coro.valid()) throw std::invalid_argument("run_coroutine_threadsafe: empty task");
    concurrent_promise<T> promise;
    concurrent_future<T> future = promise.get_future();
    promise.state().set_feeding_loop(loop);
    loop.call_soon(detail::start_task<T>(std::move(coro), std::move(promise)));
    return future;
}

/// As above, given the loop itself (which must outlive this call).
template <class T>
concurrent_future<T> run_coroutine_threadsafe(task<T> coro, const event_loop& loop) {
    return run_coroutine_threadsafe(std::move(coro), loop.remote());
}

/// A thread-safe handle of a running task: a `concurrent_future` that completes with the task
/// (its value copied, or moved if move-only: then no one else should read it) and whose
/// `cancel()` cancels the task from any thread. `task_handle` itself belongs to its loop's thread.
///
/// Thread safety: call on the task's loop thread; the future may then go to any thread.
///
/// Errors: `invalid_state_error` if `task` is empty; `std::bad_alloc`.
template <class T>
concurrent_future<T> to_concurrent_future(task_handle<T> task) {
    task.get_loop().check_thread();
    concurrent_promise<T> promise;
    concurrent_future<T> future = promise.get_future();
    detail::chain(task, std::move(promise));
    return future;
}

}  // namespace corio
