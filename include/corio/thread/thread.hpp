#pragma once
/// @file
/// `corio::threading::thread`: a named OS thread with Python's `threading.Thread` API, and the
/// module functions that see every thread (`current_thread`, `enumerate`, `excepthook`, ...).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/core/errors.hpp>

namespace corio::threading {

namespace detail {
struct thread_state;  // src/thread/thread_state.hpp: name, status, result, the registry link

/// The function a thread runs, with its arguments: type-erased, so that the state lives in src/.
class thread_body {
public:
    thread_body() = default;
    thread_body(const thread_body&) = delete;
    thread_body& operator=(const thread_body&) = delete;
    virtual ~thread_body() = default;
    virtual void run() = 0;
};

/// `f(args...)` with decayed copies, invoked as rvalues: what `std::thread` does.
template <class F, class... Args>
class bound_body final : public thread_body {
public:
    template <class G, class... A>
    explicit bound_body(G&& g, A&&... a) : f_(std::forward<G>(g)), args_(std::forward<A>(a)...) {}
    void run() override { std::apply(std::move(f_), std::move(args_)); }

private:
    F f_;
    std::tuple<Args...> args_;
};

template <class F, class... Args>
concept thread_function = std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>;
}  // namespace detail

/// How to make a `thread` (Python's `Thread(name=..., daemon=...)` keywords):
/// `thread(thread_options{.name = "worker", .daemon = true}, fn, args...)`. (The `= {}`s keep
/// GCC 12's -Wmissing-field-initializers quiet when a designated initializer leaves one out.)
struct thread_options {
    /// The thread's name; empty: "Thread-N", N counting up from 1 for the process, shared with the
    /// "Dummy-N" names of threads corio did not start (as Python's counter is).
    std::string name = {};
    /// Detached when started, never joined by the destructor (see `thread`). Unset: the creating
    /// thread's flag if corio started it (Python inherits it), false from the main thread or a
    /// thread corio did not start.
    std::optional<bool> daemon = {};
};

/// A reference to a thread: what `current_thread()`, `main_thread()` and `enumerate()` hand out
/// (Python's `Thread` object, seen from anywhere). Copies refer to the same thread; `==` is
/// Python's `is`.
///
/// A reference can wait for the thread (`join`) but never reclaims the OS thread: that is the
/// owning `thread`'s job (its `join()` or destructor).
///
/// Thread safety: every member may be called from any thread at once.
///
/// Errors: every member but `operator bool` and `==` throws `invalid_state_error` on an empty
/// reference (default-constructed or moved from).
class thread_ref {
public:
    /// An empty reference.
    thread_ref() noexcept = default;
    /// For the machinery: a reference to `state`.
    explicit thread_ref(std::shared_ptr<detail::thread_state> state) noexcept
        : state_(std::move(state)) {}

    /// The name (Python's `name`): as given, "Thread-N", "MainThread", or "Dummy-N".
    [[nodiscard]] std::string name() const;
    /// Renames it (Python's `name = ...`). Only corio's name changes: the kernel's copy (what `top`
    /// and `gdb` show) is set once, by the thread itself when it starts; renaming another thread's
    /// kernel name would race with that thread's end.
    void set_name(std::string name);

    /// Python's `ident`: the `pthread_t` as a number, 0 before the thread started (Python's
    /// `None`). May be reused by a later thread once this one ended.
    [[nodiscard]] std::uint64_t ident() const;
    /// Python's `native_id`: the kernel's thread id (`gettid()`), 0 before the thread started.
    [[nodiscard]] std::uint64_t native_id() const;

    /// True from `start()` until its function returned or threw (Python's `is_alive()`). Always
    /// true for the main thread; for a thread corio did not start, until that thread exits.
    [[nodiscard]] bool is_alive() const;

    /// Python's `daemon`: see `thread`. The main thread is not a daemon; threads corio did not
    /// start count as daemons (nothing joins them), as in Python.
    [[nodiscard]] bool daemon() const;
    /// Python's `daemon = ...`.
    ///
    /// Errors: `invalid_state_error("cannot set daemon status of active thread")` once started.
    void set_daemon(bool daemonic);

    /// Waits until the thread's function returned or threw, and rethrows what it threw (every
    /// call does, and a rethrow counts as handled: see `set_excepthook`).
    ///
    /// Errors: `invalid_state_error` with Python's message when joining the current thread ("cannot
    /// join current thread"), a thread not yet started ("cannot join thread before it is
    /// started"), or one corio did not start ("cannot join a dummy thread"; "cannot join the main
    /// thread", which only ends with the process); whatever the thread's function threw.
    void join() const;
    /// `join()` for at most `timeout` (Python's `join(timeout)`, which returns `None`: check
    /// `is_alive()` there). True if the thread finished (then rethrows as `join()`), false if the
    /// timeout passed first. Timeouts are `std::chrono::duration<double>`, as `event::wait`'s.
    bool join(std::chrono::duration<double> timeout) const;

    /// True unless empty.
    explicit operator bool() const noexcept { return static_cast<bool>(state_); }
    /// The same thread (Python's `is`).
    friend bool operator==(const thread_ref&, const thread_ref&) noexcept = default;

protected:
    [[nodiscard]] detail::thread_state& state() const;
    std::shared_ptr<detail::thread_state> state_;
};

/// A named OS thread (Python's `threading.Thread`): made with a function and its arguments,
/// started by `start()`, waited for by `join()`.
///
/// As in Python, construction does not start it: the name and the daemon flag can still be set,
/// and the object can be stored before it runs. `spawn(...)` makes and starts one in one call
/// (`std::jthread`'s habit). The function and arguments are decay-copied and invoked as rvalues,
/// as by `std::thread`; its result is dropped. Subclassing `Thread` to override `run()` becomes a
/// class with `operator()` passed by value.
///
/// The name is kept whole by corio and given to the kernel with `pthread_setname_np` when the
/// thread starts, cut to the kernel's 15 bytes (at a UTF-8 character boundary).
///
/// Daemon or not (C++ has no interpreter exit that waits for threads, so this is the nearest
/// honest meaning):
/// - a non-daemon thread is joined: by `join()`, or by the destructor (and by move-assignment),
///   which waits for the function to return, as `std::jthread`'s does (minus the stop request:
///   use `std::jthread` or an `event` for that). Never `std::terminate`.
/// - a daemon thread is detached when it starts: it runs on, nothing ever waits for it unless
///   you `join()` it, and it is killed mid-step if the process exits first. Everything it touches
///   must outlive it: share it (`std::shared_ptr`), or make it static and never destroyed. The
///   function and its arguments are the thread's own.
///
/// Errors: an exception escaping the function ends the thread and is kept; `join()` rethrows it.
/// One that no `join()` rethrew goes to the excepthook (`set_excepthook`; by default printed to
/// stderr, as Python's) once both the thread has ended and its owning object is gone (destroyed,
/// or moved onto): a daemon that fails after its owner went reports it itself. `start()` throws
/// `std::system_error` if the OS refuses a thread (as `std::thread`), and the thread stays
/// unstarted.
///
/// Thread safety: as `std::thread`: `start`, `join`, assignment and destruction by one thread
/// at a time; the `thread_ref` members from any thread.
///
/// Example (seed 002):
/// @code
/// using namespace corio::threading;
/// auto worker = [](int number) { std::printf("I'm student, doing lab %d\n", number + 1); };
/// std::vector<thread> threads;
/// for (int i = 0; i < 4; ++i) threads.emplace_back(worker, i).start();
/// for (auto& t : threads) t.join();
///
/// thread service(thread_options{.name = "my_service"}, my_service);
/// service.start();                     // its name() is "my_service"; the kernel's too
/// @endcode
class thread : public thread_ref {
public:
    /// An empty thread, for later move-assignment.
    thread() noexcept = default;

    /// A thread that will run `f(args...)`, named "Thread-N"; not started.
    template <class F, class... Args>
    requires detail::thread_function<F, Args...>
    explicit thread(F&& f, Args&&... args)
        : thread(thread_options{}, std::forward<F>(f), std::forward<Args>(args)...) {}

    /// A thread with a name and daemon flag that will run `f(args...)`; not started.
    template <class F, class... Args>
    requires detail::thread_function<F, Args...> thread(thread_options options, F&& f,
                                                        Args&&... args)
        : thread(std::move(options),
                 std::unique_ptr<detail::thread_body>(
                     new detail::bound_body<std::decay_t<F>, std::decay_t<Args>...>(
                         std::forward<F>(f), std::forward<Args>(args)...))) {}

    thread(const thread&) = delete;
    thread& operator=(const thread&) = delete;
    thread(thread&& other) noexcept = default;
    /// Joins the thread this object owned (as the destructor), then takes `other`'s.
    thread& operator=(thread&& other) noexcept;
    /// Joins a started non-daemon thread that was not joined yet; see the class comment.
    ~thread();

    /// Starts the thread (Python's `start()`); it counts as alive from now on. Returns once the
    /// thread runs, so that `ident()` and `native_id()` are known.
    ///
    /// Errors: `invalid_state_error("threads can only be started once")`; `std::system_error`
    /// if the OS refuses a thread (nothing changed then).
    void start();

    /// Waits for the thread, reclaims it, and rethrows what its function threw; see
    /// `thread_ref::join()`.
    void join();
    /// `join()` for at most `timeout`: true if it finished (then reclaimed, and rethrows as
    /// `join()`), false if the timeout passed first.
    bool join(std::chrono::duration<double> timeout);

    /// A reference to this thread, to hand out; it does not keep the thread from being joined.
    [[nodiscard]] thread_ref ref() const { return *this; }

private:
    thread(thread_options options, std::unique_ptr<detail::thread_body> body);
    void release() noexcept;  // what the destructor does
    void reclaim();           // joins the OS thread once the function is over

    std::thread os_thread_;  // joinable while a started non-daemon thread is not reclaimed
};

/// Makes a thread and starts it: `thread(args...)` then `start()`.
///
/// Example: `auto t = corio::threading::spawn({.name = "worker"}, worker, 1);`
template <class F, class... Args>
requires detail::thread_function<F, Args...>
[[nodiscard]] thread spawn(thread_options options, F&& f, Args&&... args) {
    thread t(std::move(options), std::forward<F>(f), std::forward<Args>(args)...);
    t.start();
    return t;
}
/// `spawn` with a default name.
template <class F, class... Args>
requires detail::thread_function<F, Args...>
[[nodiscard]] thread spawn(F&& f, Args&&... args) {
    return spawn(thread_options{}, std::forward<F>(f), std::forward<Args>(args)...);
}

/// The thread calling it (Python's `current_thread()`): a corio thread, the main thread
/// ("MainThread"), or any other thread, which gets a name ("Dummy-N") and a place in
/// `enumerate()` on its first call, until it exits (Python's `_DummyThread`).
[[nodiscard]] thread_ref current_thread();

/// The main thread, the one `main()` runs on (Python's `main_thread()`).
[[nodiscard]] thread_ref main_thread();

/// Every thread alive (Python's `enumerate()`): the main thread first, then the corio threads
/// started and not yet finished and the other threads that called `current_thread()`, in the order
/// they started (or called it). A thread whose function returned is not listed, joined or not.
[[nodiscard]] std::vector<thread_ref> enumerate();

/// How many threads `enumerate()` would list (Python's `active_count()`).
[[nodiscard]] std::size_t active_count();

/// The calling thread's `ident` (Python's `get_ident()`): its `pthread_t` as a number.
[[nodiscard]] std::uint64_t get_ident() noexcept;

/// The calling thread's `native_id` (Python's `get_native_id()`): the kernel's thread id.
[[nodiscard]] std::uint64_t get_native_id() noexcept;

/// What the excepthook is told (Python's `ExceptHookArgs`).
struct excepthook_args {
    std::exception_ptr exception;  ///< what the function threw
    thread_ref thread;             ///< the thread it ended
};

/// Handles an exception that ended a thread and was never rethrown by `join()`.
using excepthook = std::function<void(const excepthook_args&)>;

/// Installs `hook` (Python's `threading.excepthook = hook`); returns the one it replaces (empty
/// for the default). An empty `hook` restores the default.
///
/// When: as soon as both are true, the thread ended with an exception and its owning `thread`
/// went (destroyed, or moved onto) without a `join()` that rethrew it. So a thread that is
/// joined never reaches the hook, one that is not is reported once (Python reports every one at
/// once, and its `join()` never raises). It runs on the thread that made the second of those
/// true. An exception thrown by the hook is reported with the default hook, after the original.
///
/// Thread safety: any thread; a hook running meanwhile finishes with the old one.
excepthook set_excepthook(excepthook hook);

/// The default hook (Python's `threading.__excepthook__`): prints "Exception in thread NAME:"
/// and the exception's type and `what()` to stderr.
void default_excepthook(const excepthook_args& args) noexcept;

}  // namespace corio::threading
