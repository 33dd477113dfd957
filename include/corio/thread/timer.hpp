#pragma once
/// @file
/// `corio::threading::timer`: a thread that calls a function after a delay unless cancelled first
/// (Python's `threading.Timer`).

#include <chrono>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include <corio/thread/event.hpp>
#include <corio/thread/thread.hpp>

namespace corio::threading {

/// A thread that waits `interval`, then calls `f(args...)`, unless `cancel()` came first (Python's
/// `threading.Timer`, a `Thread` subclass: so is this, and `start`, `join`, `is_alive`, `name`,
/// `daemon` are `thread`'s).
///
/// The wait is an `event` wait with a timeout (Python's `self.finished.wait(interval)`), so
/// `cancel()` wakes the thread at once: a cancelled timer ends without sleeping out its delay, and
/// `join()` after `cancel()` returns promptly. The delay is measured from when the thread runs, on
/// the steady clock; it is a `std::chrono::duration<double>` (any duration converts: `3s`,
/// `250ms`, `0.5s`).
///
/// Cancellation: `cancel()` before the function started means it never runs; after, it is
/// harmless (the call, if under way, completes). Cancelling before `start()` works too: the thread
/// then starts and ends at once.
///
/// A timer is a `thread`: destroying a started non-daemon timer joins it, which means waiting for
/// the delay and the call, as Python's exit waits for a non-daemon Timer. Cancel it first if the
/// call is no longer wanted. An exception thrown by the function is `join()`'s, as for `thread`.
///
/// Thread safety: `cancel()` from any thread at once; the rest as `thread`.
///
/// For timers on an event loop, use `event_loop::call_later` or `corio::sleep`.
///
/// Example (seed 002):
/// @code
/// using namespace corio::threading;
/// timer t1(thread_options{.name = "t1"}, 3s, delayed);
/// timer t2(thread_options{.name = "t2"}, 3s, delayed);
/// t1.start();
/// t2.start();
/// t2.cancel();  // t2 never calls delayed(); t1 does, 3 s after it started
/// @endcode
class timer : public thread {
public:
    /// An empty timer, for later move-assignment.
    timer() noexcept = default;

    /// A timer named "Thread-N" that will call `f(args...)` `interval` after it starts.
    template <class F, class... Args>
    requires detail::thread_function<F, Args...> timer(std::chrono::duration<double> interval,
                                                       F&& f, Args&&... args)
        : timer(thread_options{}, interval, std::forward<F>(f), std::forward<Args>(args)...) {}

    /// A timer with a name and daemon flag (`thread_options`) that will call `f(args...)`
    /// `interval` after it starts.
    template <class F, class... Args>
    requires detail::thread_function<F, Args...> timer(thread_options options,
                                                       std::chrono::duration<double> interval,
                                                       F&& f, Args&&... args)
        : timer(std::make_shared<event>(), std::move(options), interval, std::forward<F>(f),
                std::forward<Args>(args)...) {}

    timer(timer&&) noexcept = default;
    /// Joins the timer this object owned (as `thread`'s), then takes `other`'s.
    timer& operator=(timer&&) noexcept = default;
    ~timer() = default;

    /// Stops the timer if it has not fired yet (Python's `cancel()`); wakes its thread at once.
    ///
    /// Errors: `invalid_state_error` on an empty timer.
    void cancel() {
        if (!finished_) corio::detail::throw_empty("empty corio::threading::timer");
        finished_->set();
    }

private:
    // The thread's body shares the event with this object: a daemon timer may outlive it.
    template <class F, class... Args>
    timer(std::shared_ptr<event> finished, thread_options options,
          std::chrono::duration<double> interval, F&& f, Args&&... args)
        : thread(
              std::move(options),
              [finished, interval, fn = std::decay_t<F>(std::forward<F>(f)),
               bound = std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)]() mutable {
                  finished->wait(interval);
                  // Checked again, as Python does: a cancel() after the timeout still wins.
                  if (!finished->is_set()) std::apply(std::move(fn), std::move(bound));
                  finished->set();
              }),
          finished_(std::move(finished)) {}

    std::shared_ptr<event> finished_;
};

}  // namespace corio::threading
