#pragma once
/// @file
/// `corio::thread_pool`: a fixed-size pool of named threads that runs blocking or CPU-bound jobs
/// off the loop (Python's `ThreadPoolExecutor`), `corio::to_thread` (asyncio's `to_thread`) and
/// `event_loop::run_in_executor`.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/core/event_loop.hpp>
#include <corio/thread/concurrent_future.hpp>
#include <corio/thread/errors.hpp>

namespace corio {

/// How to build a `thread_pool`.
struct thread_pool_options {
    /// The most threads the pool runs; 0 means one per hardware thread.
    std::size_t max_threads = 0;
    /// Threads are named `<prefix>-<n>` (visible to `top -H`, `ps -L` and debuggers; the kernel
    /// keeps the first 15 bytes).
    std::string name_prefix = "corio-pool";
};

/// Whether `thread_pool::shutdown` waits for the pool's threads.
enum class shutdown_wait : std::uint8_t {
    wait,     ///< return once every job has ended and every thread has exited
    no_wait,  ///< return at once; the destructor still joins the threads
};

/// What `thread_pool::shutdown` does with jobs that have not started.
enum class pending_jobs : std::uint8_t {
    run,     ///< run them first (Python's default)
    cancel,  ///< cancel their futures; they never run (Python's `cancel_futures=True`)
};

/// A pool of threads running jobs in submission order (Python's `ThreadPoolExecutor`).
///
/// Threads start as jobs arrive, up to `max_threads`, and live until `shutdown()`. A job's result
/// or exception goes to the `concurrent_future` that `submit` returns, which a thread can wait on
/// and a task can `co_await`.
///
/// Cancel safety: cancelling a job's future before a thread takes the job means it never runs;
/// once running, a job runs to the end (C++ cannot stop a thread safely) and its result is
/// dropped.
///
/// Thread safety: `submit` and `shutdown` may be called from any thread, concurrently. The pool
/// must not be destroyed by one of its own threads.
///
/// Example:
/// @code
/// corio::thread_pool pool({.max_threads = 4});
/// auto digest = pool.submit(sha256_file, "big.iso");  // runs on a pool thread
/// std::string hex = co_await digest;                    // or digest.result() from a thread
/// @endcode
class thread_pool {
public:
    explicit thread_pool(thread_pool_options options = {});
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;
    /// `shutdown(shutdown_wait::wait, pending_jobs::run)`, then joins every thread.
    ~thread_pool();

    /// Queues `fn(args...)` (copies of the arguments, like `std::thread`) and returns the future
    /// of its result.
    ///
    /// Errors: `executor_shutdown_error` after `shutdown()`; `std::system_error` if a thread
    /// cannot be started and none runs yet (nothing is queued then); `std::bad_alloc`. What `fn`
    /// throws is stored in the future.
    template <class F, class... Args>
    auto submit(F&& fn, Args&&... args)
        -> concurrent_future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>>;

    /// Takes no more jobs; `pending_jobs` says what becomes of those not started; `shutdown_wait`
    /// whether to wait until every thread has exited. Calling it again is harmless.
    ///
    /// Errors: `deadlock_error` if a pool thread asks to wait for its own pool.
    void shutdown(shutdown_wait wait = shutdown_wait::wait, pending_jobs jobs = pending_jobs::run);

    /// The most threads the pool runs.
    [[nodiscard]] std::size_t max_threads() const noexcept { return max_threads_; }
    /// The threads started so far.
    [[nodiscard]] std::size_t thread_count() const;
    /// Jobs queued and not yet taken by a thread.
    [[nodiscard]] std::size_t pending() const;

private:
    /// A queued job: runs once, or is cancelled if the pool drops it.
    struct job {
        virtual ~job() = default;
        virtual void run() noexcept = 0;
        virtual void cancel() noexcept = 0;
        job* next = nullptr;
    };
    template <class R, class Fn>
    struct job_impl;

    void post(std::unique_ptr<job> j);
    void work(std::size_t index) noexcept;
    void join_all() noexcept;

    const std::size_t max_threads_;
    const std::string name_prefix_;
    mutable std::mutex mutex_;
    std::mutex join_mutex_;
    std::condition_variable wake_;
    job* head_ = nullptr;  ///< FIFO of jobs, under the mutex
    job* tail_ = nullptr;
    std::size_t queued_ = 0;
    std::size_t idle_ = 0;  ///< threads waiting for a job (kept by the threads themselves)
    bool shut_down_ = false;
    std::vector<std::thread> threads_;
};

template <class R, class Fn>
struct thread_pool::job_impl final : job {
    concurrent_promise<R> promise;
    Fn fn;

    explicit job_impl(Fn f) : fn(std::move(f)) {}
    void run() noexcept override {
        try {
            if (!promise.set_running_or_notify_cancel()) return;  // cancelled while queued
            if constexpr (std::is_void_v<R>) {
                fn();
                promise.set_value();
            } else {
                promise.set_value(fn());
            }
        } catch (...) {
            promise.set_exception(std::current_exception());
        }
    }
    void cancel() noexcept override {
        try {
            promise.cancel("the thread pool was shut down before the job started");
        } catch (...) {  // no memory for the message: the promise's destructor still ends it
        }
    }
};

template <class F, class... Args>
auto thread_pool::submit(F&& fn, Args&&... args)
    -> concurrent_future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
    using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
    auto call =
        [f = std::decay_t<F>(std::forward<F>(fn)),
         tup = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...)]() mutable -> R {
        return std::apply(std::move(f), std::move(tup));
    };
    auto j = std::make_unique<job_impl<R, decltype(call)>>(std::move(call));
    concurrent_future<R> future = j->promise.get_future();
    post(std::move(j));
    return future;
}

// ---- the loop's side ---------------------------------------------------------------------------

template <class F, class... Args>
auto event_loop::run_in_executor(thread_pool& pool, F&& fn, Args&&... args) {
    check_thread();
    return pool.submit(std::forward<F>(fn), std::forward<Args>(args)...);
}

template <class F, class... Args>
auto event_loop::run_in_executor(default_executor_t, F&& fn, Args&&... args) {
    return run_in_executor(default_executor(), std::forward<F>(fn), std::forward<Args>(args)...);
}

/// Runs `fn(args...)` on the running loop's default executor and returns the future of its result,
/// to `co_await` (asyncio's `to_thread`). The job is queued at once; `fn` gets copies of `args`.
///
/// Cancel safety: as `run_in_executor`: cancelling the awaiting task drops a job not yet started;
/// a running one finishes and its result is dropped.
///
/// Errors: `std::runtime_error` outside a running loop; what `fn` throws comes out of the
/// `co_await`.
///
/// Example:
/// @code
/// std::string page = co_await corio::to_thread(blocking_download, url);
/// @endcode
template <class F, class... Args>
auto to_thread(F&& fn, Args&&... args) {
    return get_running_loop().run_in_executor(default_executor, std::forward<F>(fn),
                                              std::forward<Args>(args)...);
}

}  // namespace corio
