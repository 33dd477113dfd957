#pragma once
/// @file
/// `corio::event_loop`: asyncio's event loop. One loop per thread; it runs callbacks and task steps
/// from a FIFO ready queue, fires timers, and waits for I/O through its backend.
///
/// Most programs never touch the loop directly: `corio::run(main())` makes one, runs `main` to
/// completion and cleans up (see `run.hpp`). Include `<corio/core.hpp>` for everything.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <corio/core/clock.hpp>
#include <corio/core/detail/ready_queue.hpp>
#include <corio/core/detail/timer_queue.hpp>
#include <corio/core/handle.hpp>
#include <corio/core/loop_options.hpp>

namespace corio {

template <class T>
class task;
template <class T>
class task_handle;
class task_ref;
class remote_loop;
class thread_pool;
template <class T>
class concurrent_future;

namespace detail {
struct loop_anchor;
class io_backend;
struct fd_watchers;
/// What `add_reader` / `add_writer` watch for.
enum class watch_kind : std::uint8_t { reader, writer };
class task_record_base;
void shutdown(event_loop& loop) noexcept;
}  // namespace detail

/// What the loop's exception handler is told (asyncio's exception-handler `context` dict).
struct exception_context {
    std::string message;           ///< e.g. "Task exception was never retrieved"
    std::exception_ptr exception;  ///< may be null
    std::string task_name;         ///< the task concerned, if any
};

/// The tag that makes `event_loop::run_in_executor` use the loop's default executor (asyncio's
/// `run_in_executor(None, ...)`).
struct default_executor_t {
    explicit default_executor_t() = default;
};
inline constexpr default_executor_t default_executor{};

/// asyncio's event loop.
///
/// Thread safety: everything runs on the thread that runs the loop, except `call_soon_threadsafe`
/// (and `stop` through it) and `remote()`, which any thread may call. In debug mode, scheduling a
/// callback or a task from another thread while the loop runs throws `wrong_thread_error`.
class event_loop {
public:
    using exception_handler = std::function<void(event_loop&, const exception_context&)>;

    explicit event_loop(loop_options options = {});
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;
    /// Closes the loop if it is not closed yet.
    ~event_loop();

    // ---- running -------------------------------------------------------------------------

    /// Runs the loop until `coro` (wrapped in a task) or the task `t` completes; returns its
    /// result or rethrows its exception (`cancelled_error` if it was cancelled).
    ///
    /// Errors: `std::logic_error` if the loop is closed or already running; `std::runtime_error`
    /// if `stop()` ended the loop first ("Event loop stopped before Future completed.").
    template <class T>
    T run_until_complete(task<T> coro);
    template <class T>
    T run_until_complete(task_handle<T> t);

    /// Runs until `stop()` is called.
    void run_forever();
    /// Makes `run_forever` return after the current iteration. Call it from the loop's thread,
    /// or from another thread through `call_soon_threadsafe`.
    void stop() noexcept { stopping_ = true; }
    [[nodiscard]] bool is_running() const noexcept { return running_; }

    /// Releases the loop's resources. Pending callbacks (`call_soon_threadsafe` ones included) are
    /// destroyed unrun; pending tasks are cancelled and reported. Errors: `std::logic_error` if
    /// the loop is running.
    void close();
    [[nodiscard]] bool is_closed() const noexcept { return closed_; }

    // ---- time and callbacks --------------------------------------------------------------

    /// The loop's current time (asyncio's `loop.time()`).
    [[nodiscard]] time_point time() const noexcept;
    [[nodiscard]] clock_mode clock() const noexcept { return options_.clock; }

    /// Schedules `fn()` to run on the next iteration; callbacks run in the order scheduled. `fn`
    /// may be move-only; it is kept until it has run (or the loop closes), then destroyed.
    ///
    /// Cancellation: `cancel()` on the returned handle before it runs means it never runs.
    ///
    /// Thread safety: the loop's thread only; other threads use `call_soon_threadsafe`.
    ///
    /// Errors: `std::logic_error` if the loop is closed; `std::bad_alloc` (nothing is scheduled).
    /// An exception thrown by `fn` goes to the exception handler ("Exception in callback") and the
    /// loop goes on.
    template <class F>
    handle call_soon(F&& fn) {
        check_thread();
        auto* node = make_callback(std::forward<F>(fn));
        node->add_ref();  // the queue's reference
        schedule(node);
        return handle(node);
    }

    /// Schedules `fn()` to run once `delay` has passed on the loop's clock (never earlier). The
    /// deadline saturates: a zero or negative delay means the next iteration, `duration::max()`
    /// means never (see `call_at`).
    ///
    /// Cancellation, Thread safety, Errors: as `call_at`.
    template <class F>
    timer_handle call_later(duration delay, F&& fn) {
        return call_at(detail::add_saturated(time(), delay), std::forward<F>(fn));
    }

    /// Schedules `fn()` to run once the loop's time reaches `when` (never earlier); callbacks due
    /// at the same time run in the order scheduled. A `when` at or before `time()` runs on the
    /// next iteration. `time_point::max()` means never: the callback is kept (and destroyed when
    /// cancelled or when the loop closes), but the loop neither waits for it nor, on a virtual
    /// clock, jumps to it.
    ///
    /// Cancellation: `cancel()` on the returned handle before it fires means it never runs, and
    /// removes it from the timer queue at once.
    ///
    /// Thread safety: the loop's thread only; from another thread, `call_soon_threadsafe` a
    /// callback that calls this.
    ///
    /// Errors: `std::logic_error` if the loop is closed; `std::bad_alloc` (nothing is scheduled).
    /// An exception thrown by `fn` goes to the exception handler, as for `call_soon`.
    template <class F>
    timer_handle call_at(time_point when, F&& fn) {
        check_thread();
        timer_handle h(make_callback(std::forward<F>(fn)));  // frees the node if add_timer throws
        h.node_->deadline = when;
        h.node_->timer_node::ops = &callback_timer_ops;
        add_timer(h.node_);
        h.node_->add_ref();  // the timer queue's reference
        return h;
    }

    /// Schedules `fn()` on the loop from any thread, waking the loop if it is waiting. `fn` may be
    /// move-only (a `std::packaged_task`, a lambda owning a `std::unique_ptr`).
    ///
    /// Callbacks posted by one thread run in the order posted; those of different threads in the
    /// order they took the loop's lock. A callback still queued when the loop closes is destroyed
    /// unrun, on the thread that closes the loop (a `std::packaged_task` then breaks its promise).
    ///
    /// Thread safety: the one member any thread may call, even while the loop runs or closes.
    ///
    /// Errors: `std::logic_error("event loop is closed")` if the loop is closed (`fn` is destroyed
    /// first, on the calling thread); `std::bad_alloc` (nothing is queued). An exception thrown
    /// by `fn` when it runs goes to the exception handler, as for `call_soon`.
    template <class F>
    void call_soon_threadsafe(F&& fn) {
        // The node is made here, on the calling thread: the loop then only links it into its
        // ready queue, which allocates nothing and cannot fail.
        post_threadsafe(new detail::callback_impl<std::decay_t<F>>(std::forward<F>(fn)));
    }

    /// A thread-safe reference to this loop that may outlive it (see `remote_loop.hpp`): what a
    /// thread keeps to post work here without knowing when the loop goes away.
    ///
    /// Thread safety: any thread.
    [[nodiscard]] remote_loop remote() const noexcept;

    // ---- signals (src/core/loop_signals.cpp) ------------------------------------------------

    /// Calls `fn()` on the loop's thread, as a callback, each time signal `sig` arrives
    /// (asyncio's `loop.add_signal_handler`). Replaces this loop's earlier handler for `sig`.
    /// Signals that arrive together may be reported once. `close()` removes every handler.
    ///
    /// SIGPIPE: making the first loop ignores it if its action is the default one (as Python
    /// does at start-up), so that writing to a closed pipe or socket raises `broken_pipe_error`
    /// instead of killing the process; sends use MSG_NOSIGNAL in any case.
    ///
    /// Thread safety: the loop's thread only. One loop at a time may handle a signal.
    ///
    /// Errors: `std::invalid_argument` for SIGKILL, SIGSTOP or a number that is no signal;
    /// `std::logic_error` if another live loop handles `sig`, or the loop is closed. An exception
    /// thrown by `fn` goes to the exception handler, as for `call_soon`.
    ///
    /// Example: `loop.add_signal_handler(SIGINT, [&] { server.close(); });`
    template <class F>
    void add_signal_handler(int sig, F&& fn) {
        add_signal_handler_impl(sig, std::function<void()>(std::forward<F>(fn)));
    }
    /// Removes the handler for `sig` and restores the signal's earlier action. False if this loop
    /// had none (asyncio's `remove_signal_handler`). Errors: `std::invalid_argument` as above.
    bool remove_signal_handler(int sig);

    // ---- descriptors of other libraries (src/io/watchers.cpp) -------------------------------

    /// Calls `fn()` on the loop whenever `fd` is readable (asyncio's `loop.add_reader`): for C
    /// libraries with descriptors of their own (libpq, c-ares, libcurl multi). Level-triggered:
    /// called again on the next iteration while the descriptor stays readable. Replaces an earlier
    /// reader of `fd`. To await readiness once instead, `co_await net::wait_readable(fd)`.
    ///
    /// Remove the reader (`remove_reader`) before closing the descriptor.
    ///
    /// Thread safety: the loop's thread only. Errors: `std::logic_error` if the loop is closed;
    /// `std::bad_alloc`. An exception thrown by `fn` goes to the exception handler, and the
    /// reader stays.
    ///
    /// Example: `loop.add_reader(conn_fd, [&] { PQconsumeInput(conn); });`
    template <class F>
    void add_reader(int fd, F&& fn) {
        add_watcher(fd, detail::watch_kind::reader, std::function<void()>(std::forward<F>(fn)));
    }
    /// Stops watching `fd` for reading; false if it was not watched (asyncio's `remove_reader`).
    bool remove_reader(int fd) { return remove_watcher(fd, detail::watch_kind::reader); }
    /// As `add_reader`, when `fd` is writable (asyncio's `loop.add_writer`).
    template <class F>
    void add_writer(int fd, F&& fn) {
        add_watcher(fd, detail::watch_kind::writer, std::function<void()>(std::forward<F>(fn)));
    }
    /// Stops watching `fd` for writing; false if it was not watched.
    bool remove_writer(int fd) { return remove_watcher(fd, detail::watch_kind::writer); }

    // ---- threads (defined in <corio/thread/thread_pool.hpp>) ---------------------------------

    /// Runs `fn(args...)` on `pool` and returns the future of its result, to `co_await` (asyncio's
    /// `loop.run_in_executor`). The job is queued at once. See `thread_pool::submit`.
    ///
    /// Cancel safety: cancelling the task that awaits the result cancels the job if it has not
    /// started (it never runs); a job already running runs to the end and its result is dropped.
    ///
    /// Errors: `executor_shutdown_error` if the pool is shut down; what `fn` throws comes out of
    /// the `co_await`.
    template <class F, class... Args>
    auto run_in_executor(thread_pool& pool, F&& fn, Args&&... args);
    /// As above, on the loop's default executor (`default_executor()`).
    template <class F, class... Args>
    auto run_in_executor(default_executor_t, F&& fn, Args&&... args);

    /// The loop's own thread pool, made on first use with asyncio's default size (min(32, hardware
    /// threads + 4)): what `to_thread` and `run_in_executor(default_executor, ...)` use. `close()`
    /// shuts it down, waiting for its jobs.
    ///
    /// Thread safety: the loop's thread only.
    thread_pool& default_executor();

    // ---- tasks -------------------------------------------------------------------------------

    /// Wraps `coro` in a task scheduled to start on the next iteration (asyncio's
    /// `loop.create_task`). The loop keeps the task alive until it finishes, whether or not the
    /// returned handle is kept. `name` defaults to "Task-N".
    ///
    /// Cancellation: through the returned handle (`cancel()`); a task cancelled before its first
    /// step never runs its body. Closing the loop under a pending task cancels it and reports
    /// "Task was destroyed but it is pending!".
    ///
    /// Thread safety: the loop's thread only.
    ///
    /// Errors: `std::logic_error` if the loop is closed; `std::invalid_argument` if `coro` is
    /// empty (moved from); `std::bad_alloc` (then `coro` is destroyed, nothing is scheduled). In
    /// debug mode, a coroutine that is a lambda with captures is reported to the exception
    /// handler: `create_task([&]() -> task<> {...}())` destroys the lambda, and the captures its
    /// body reads, at the end of the statement; `spawn(lambda)` keeps it alive in the task. (The
    /// check needs the compiler to pass the lambda object to the promise's constructor, as C++20
    /// says: GCC does, Clang 16 does not.)
    template <class T>
    task_handle<T> create_task(task<T> coro, std::string name = {});

    /// The tasks of this loop that have not finished (asyncio's `all_tasks`).
    [[nodiscard]] std::vector<task_ref> all_tasks() const;

    // ---- errors and debugging ----------------------------------------------------------------

    /// Replaces the handler for errors nobody else can receive (an exception in a callback, a
    /// failed task whose exception was never retrieved). An empty handler restores the default.
    void set_exception_handler(exception_handler handler) { handler_ = std::move(handler); }
    /// Reports `context` to the handler.
    void call_exception_handler(const exception_context& context) noexcept;
    /// The default handler: one clear message on stderr.
    static void default_exception_handler(const exception_context& context) noexcept;

    [[nodiscard]] bool get_debug() const noexcept { return debug_; }

    /// The I/O backend this loop uses: "io_uring" or "epoll" (see `io_backend_kind`).
    [[nodiscard]] std::string_view backend_name() const noexcept;
    void set_debug(bool enabled) noexcept { debug_ = enabled; }

    // ---- internal: used by corio's awaitables, not part of the documented API ---------------

    void schedule(detail::ready_node* node) noexcept { ready_.push(node); }
    /// Takes a scheduled node back out of the ready queue (O(n): teardown paths only).
    void unschedule(detail::ready_node* node) noexcept { ready_.remove(node); }
    void add_timer(detail::timer_node* node) { timers_.insert(node); }
    void remove_timer(detail::timer_node* node) noexcept { timers_.remove(node); }
    void register_task(detail::task_record_base* task) noexcept;
    void unregister_task(detail::task_record_base* task) noexcept;
    std::uint64_t next_task_id() noexcept { return ++task_counter_; }
    /// A signal this loop handles came: called from the C signal handler, async-signal-safe.
    void note_signal() noexcept;
    /// The loop's I/O backend (src/io/backend.hpp).
    [[nodiscard]] detail::io_backend& io() noexcept { return *backend_; }
    /// In debug mode, throws `wrong_thread_error` if the loop is running on another thread
    /// (asyncio's `_check_thread`). Call before touching loop-bound state from a public member.
    void check_thread() const {
        if (debug_) [[unlikely]]
            check_thread_slow();
    }

private:
    friend void detail::shutdown(event_loop& loop) noexcept;
    friend class remote_loop;

    /// Queues a node made on another thread (takes its only reference) and returns true, unless
    /// the loop is closed: then returns false and leaves the node to the caller.
    bool try_post_threadsafe(detail::callback_node* node) noexcept;
    /// `is_closed()` for other threads (under the lock `close()` sets it with).
    [[nodiscard]] bool is_closed_threadsafe() const;
    void check_thread_slow() const;

    template <class F>
    detail::callback_node* make_callback(F&& fn) {
        check_runnable();  // asyncio: RuntimeError('Event loop is closed')
        auto* node = new detail::callback_impl<std::decay_t<F>>(std::forward<F>(fn));
        node->loop = this;
        node->ready_node::ops = &callback_ready_ops;
        return node;
    }
    static void run_callback(detail::ready_node* node);
    static void fire_timer_callback(detail::timer_node* node);
    /// What the loop does with a callback node queued to run or as a timer; discarding either
    /// drops that queue's reference.
    static const detail::ready_ops callback_ready_ops;
    static const detail::timer_ops callback_timer_ops;

    /// Queues a node made by `call_soon_threadsafe` (takes its only reference).
    void post_threadsafe(detail::callback_node* node);
    /// Moves what other threads posted to the ready queue, in order; then the signals that came.
    void drain_threadsafe();
    void add_signal_handler_impl(int sig, std::function<void()> fn);
    void add_watcher(int fd, detail::watch_kind kind, std::function<void()> fn);
    bool remove_watcher(int fd, detail::watch_kind kind);
    /// Schedules the handlers of the signals that came since the last look.
    void dispatch_signals();
    /// Removes every signal handler (close).
    void remove_signal_handlers() noexcept;

    /// One iteration: wait for I/O (or not), fire due timers, run what is ready.
    void run_once();
    /// Fires every timer due at `now`, in (deadline, scheduling order).
    void fire_due_timers(time_point now);
    /// False only if the loop's time is certainly still before `deadline` (no clock read).
    [[nodiscard]] bool deadline_may_have_passed(time_point deadline) const noexcept;
    /// Runs the loop until `done()` returns true or `stop()` is called.
    template <class Done>
    void run_until(Done done);
    void enter_running();
    void leave_running() noexcept;
    void check_runnable() const;
    /// create_task's debug-mode report of a coroutine lambda with captures.
    void report_capturing_lambda() noexcept;

    loop_options options_;
    detail::ready_queue ready_;
    detail::timer_queue timers_;
    std::unique_ptr<detail::io_backend> backend_;
    time_point virtual_now_{};
    /// The latest value `time()` returned: a timer whose deadline is at or before it is due.
    mutable time_point last_now_{};
    /// Ready items run since the loop last polled I/O and timers; see run_once.
    std::size_t since_poll_ = 0;

    /// Shared with every `remote_loop`; cleared when the loop is destroyed.
    std::shared_ptr<detail::loop_anchor> anchor_;
    /// The thread running the loop, or none (debug mode's `check_thread`; atomic because the
    /// wrong thread reads it).
    std::atomic<std::thread::id> owner_{};
    std::unique_ptr<thread_pool> default_executor_;
    /// The readers and writers of `add_reader`/`add_writer` (src/io/watchers.hpp).
    std::unique_ptr<detail::fd_watchers> watchers_;
    /// This loop's signal handlers, by signal number (few: a vector).
    std::vector<std::pair<int, std::function<void()>>> signal_handlers_;
    /// Set by the C signal handler: some signal of this loop came.
    std::atomic<bool> signals_pending_{false};

    mutable std::mutex threadsafe_mutex_;
    /// Callback nodes posted by other threads, linked through `next_ready` (under the mutex).
    detail::ready_queue threadsafe_;
    std::atomic<std::size_t> threadsafe_count_{0};  ///< read without the mutex, to skip it

    detail::task_record_base* tasks_ = nullptr;  ///< intrusive list of pending tasks
    std::uint64_t task_counter_ = 0;
    exception_handler handler_;
    bool running_ = false;
    bool stopping_ = false;
    bool closed_ = false;
    bool debug_ = false;
};

/// The loop running on this thread (asyncio's `get_running_loop`).
///
/// Errors: `std::runtime_error("no running event loop")` outside a running loop.
event_loop& get_running_loop();

namespace detail {
/// The loop running on this thread, or null.
inline thread_local event_loop* running_loop = nullptr;
}  // namespace detail

}  // namespace corio
