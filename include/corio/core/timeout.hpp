#pragma once
/// @file
/// `timeout` and `timeout_at`: a deadline for a piece of a task (asyncio's `timeout`,
/// `timeout_at` and `Timeout`, with their 3.12 semantics).
///
/// Python writes `async with asyncio.timeout(5): body`. C++ has no `async with`, so the body is
/// handed to the scope, which runs it in the calling task between its entry and its exit:
///
/// @code
/// int v = co_await corio::timeout(5s, fetch());          // an awaitable: the common case
///
/// int w = co_await corio::timeout(5s, [&](corio::timeout_scope& cm) -> corio::task<int> {
///     co_await connect();
///     cm.reschedule(*cm.when() + 5s);                      // `async with ... as cm:`
///     co_return co_await fetch();
/// });
///
/// corio::timeout_scope cm = corio::timeout(5s);           // a named scope, to look at after
/// try { co_await cm.run(fetch()); } catch (const corio::timeout_error&) {}
/// if (cm.expired()) ...
/// @endcode
///
/// Why a body rather than an enter/exit pair: exit must see how the body ended (it turns the
/// cancellation it caused into `timeout_error`), and a destructor can neither await nor tell
/// which exception is passing; a body handed to `run` cannot forget to exit, on any path.
///
/// How it works, as in asyncio: at the deadline the scope cancels the task (`task.cancel()`), so
/// the body is interrupted at whatever it awaits, which is cancelled too and gets to clean up. On
/// exit the scope withdraws its request (`uncancel()`); if no other request remains beyond those
/// already pending at entry, the `cancelled_error` is its own and becomes `timeout_error`.
/// Otherwise someone else cancelled the task as well, and `cancelled_error` propagates: a timeout
/// never swallows an outer cancellation, and nested timeouts each claim only their own.

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/clock.hpp>
#include <corio/core/detail/child_handle.hpp>
#include <corio/core/detail/wait_point.hpp>
#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/task.hpp>
#include <corio/core/task_handle.hpp>

namespace corio {

class timeout_scope;

/// Where a `timeout_scope` is in its life (asyncio's `Timeout._State`).
enum class timeout_state : std::uint8_t {
    created,   ///< not entered yet
    entered,   ///< running its body ("active")
    expiring,  ///< the deadline passed; the body is being cancelled
    expired,   ///< exited after the deadline passed
    exited,    ///< exited before the deadline ("finished")
};

namespace detail {

/// What a scope's body is: `F(timeout_scope&) -> task<R>`, `F() -> task<R>`, or an awaitable.
template <class Body>
decltype(auto) open_body(Body& body, timeout_scope& scope) {
    if constexpr (std::is_invocable_v<Body&, timeout_scope&>) {
        return std::invoke(body, scope);
    } else if constexpr (std::is_invocable_v<Body&>) {
        return std::invoke(body);
    } else {
        return std::move(body);
    }
}

template <class Body>
using scope_result_t =
    await_result_t<decltype(open_body(std::declval<Body&>(), std::declval<timeout_scope&>()))>;

struct timeout_access;

}  // namespace detail

/// A deadline for the body it runs (asyncio's `Timeout`, the object `asyncio.timeout()` returns).
///
/// Make one with `timeout(delay)` or `timeout_at(when)`, or let `timeout(delay, body)` make one
/// for you; `co_await scope.run(body)` runs the body under it, once. `when()` is the deadline
/// (`std::nullopt`: none), `reschedule()` moves it while the body runs, `expired()` tells whether
/// it passed. The scope must outlive `run`'s task: `run` takes only a named scope
/// (`timeout(5s).run(body)` does not compile), and awaiting it at once is then safe.
///
/// Cancellation: at the deadline it cancels the task running its body; see `run` and the file
/// comment for how that becomes `timeout_error` and why outer cancellations always get through.
///
/// Thread safety: the loop's thread only.
///
/// Errors: misuse raises `invalid_state_error` with asyncio's messages (asyncio raises
/// `RuntimeError`): see `reschedule` and `run`.
class timeout_scope {
public:
    /// A scope with deadline `when` (none if `std::nullopt`), not entered yet.
    explicit timeout_scope(std::optional<time_point> when) noexcept : when_(when) {}
    timeout_scope(const timeout_scope&) = delete;
    timeout_scope& operator=(const timeout_scope&) = delete;
    ~timeout_scope() = default;

    /// The deadline, in loop time; `std::nullopt` if there is none.
    [[nodiscard]] std::optional<time_point> when() const noexcept { return when_; }

    /// Moves the deadline (none if `std::nullopt`); one in the past expires the scope on the loop's
    /// next timer pass (asyncio's `Timeout.reschedule`).
    ///
    /// Errors: `invalid_state_error` unless the body is running and the deadline has not passed
    /// ("Timeout has not been entered", "Cannot change state of expiring Timeout", ...).
    void reschedule(std::optional<time_point> when) {
        if (state_ != timeout_state::entered) {
            if (state_ == timeout_state::created) {
                throw invalid_state_error("Timeout has not been entered");
            }
            throw invalid_state_error(std::string("Cannot change state of ") + state_name() +
                                      " Timeout");
        }
        when_ = when;
        arm();
    }

    /// True once the deadline has passed while the body ran (asyncio's `Timeout.expired`).
    [[nodiscard]] bool expired() const noexcept {
        return state_ == timeout_state::expiring || state_ == timeout_state::expired;
    }
    [[nodiscard]] timeout_state state() const noexcept { return state_; }

    /// Runs `body` under this scope in the calling task (asyncio's `async with scope: body`):
    /// `body` is an awaitable (a `task<R>`, a task handle, a future, a `shield`...) or an async
    /// function called as `body(scope)` or `body()`, kept alive in `run`'s frame until it is done
    /// (a lambda may capture the caller's locals by reference). Gives the body's result.
    ///
    /// Cancellation: see the file comment. An outer cancellation arriving meanwhile propagates as
    /// `cancelled_error`, whether or not the deadline passed too.
    ///
    /// Errors: `timeout_error` if the deadline passed and the body ended with the resulting
    /// `cancelled_error`; whatever else the body throws, unchanged (a body that swallows the
    /// cancellation and returns normally returns normally); `invalid_state_error` if the scope
    /// was entered before, or is not run inside a task.
    template <class Body>
    task<detail::scope_result_t<Body>> run(Body body) &;
    /// Refused at compile time: `timeout(5s).run(body)` would run the body under a scope that is
    /// destroyed at the end of the statement, while the returned task still points at it.
    template <class Body>
    void run(Body) && {
        static_assert(detail::dependent_false<Body>,
                      "timeout_scope::run on a temporary scope dangles: write "
                      "co_await corio::timeout(d, body), or keep the scope in a variable");
    }

private:
    friend struct detail::timeout_access;
    template <class>
    friend class detail::deadline_timer;

    /// asyncio's `Timeout.__aenter__`.
    void enter() {
        if (state_ != timeout_state::created) {
            throw invalid_state_error("Timeout has already been entered");
        }
        task_ = current_task();
        if (!task_) throw invalid_state_error("Timeout should be used inside a task");
        state_ = timeout_state::entered;
        cancelling_ = task_.cancelling();
        arm();
    }

    /// asyncio's `Timeout.__aexit__`: throws what the scope's caller must see, if anything.
    void leave(std::exception_ptr error) {
        timer_.disarm();
        if (state_ == timeout_state::expiring) {
            state_ = timeout_state::expired;
            // uncancel() first and always: the request the scope made must be withdrawn.
            if (task_.uncancel() <= cancelling_ && detail::is_cancellation(error)) {
                throw timeout_error();
            }
        } else if (state_ == timeout_state::entered) {
            state_ = timeout_state::exited;
        }
        if (error) std::rethrow_exception(error);
    }

    /// asyncio's `Timeout._on_timeout`.
    void on_timeout() {
        state_ = timeout_state::expiring;
        task_.cancel();
    }

    void arm() {
        timer_.disarm();
        if (when_) timer_.arm(task_.get_loop(), *when_, *this);
    }

    [[nodiscard]] const char* state_name() const noexcept {
        switch (state_) {
            case timeout_state::created:
                return "created";
            case timeout_state::entered:
                return "active";
            case timeout_state::expiring:
                return "expiring";
            case timeout_state::expired:
                return "expired";
            case timeout_state::exited:
                return "finished";
        }
        return "unknown";
    }

    detail::deadline_timer<timeout_scope> timer_;
    task_ref task_;
    std::optional<time_point> when_;
    int cancelling_ = 0;
    timeout_state state_ = timeout_state::created;
};

namespace detail {

struct timeout_access {
    /// Runs `body` under `*scope`, or under a scope of its own with deadline `when` if `scope` is
    /// null (so `timeout(d, body)` costs one frame).
    template <class R, class Body>
    static task<R> scoped(timeout_scope* scope, std::optional<time_point> when, Body body) {
        std::optional<timeout_scope> own;
        if (!scope) scope = &own.emplace(when);
        scope->enter();
        // If the task is torn down while the body waits (the loop closes), no timer may remain.
        struct disarm_guard {
            timeout_scope* s;
            ~disarm_guard() { s->timer_.disarm(); }
        } guard{scope};
        std::exception_ptr error;
        if constexpr (std::is_void_v<R>) {
            try {
                co_await open_body(body, *scope);
            } catch (...) {
                error = std::current_exception();
            }
            scope->leave(std::move(error));
        } else {
            std::optional<R> result;
            try {
                result.emplace(co_await open_body(body, *scope));
            } catch (...) {
                error = std::current_exception();
            }
            scope->leave(std::move(error));
            co_return std::move(*result);
        }
    }
};

}  // namespace detail

template <class Body>
task<detail::scope_result_t<Body>> timeout_scope::run(Body body) & {
    return detail::timeout_access::scoped<detail::scope_result_t<Body>>(this, when_,
                                                                        std::move(body));
}

/// A scope whose deadline is `delay` from now (asyncio's `timeout(delay)`); `std::nullopt`: no
/// deadline (it can be set later with `reschedule`). Run a body with `co_await scope.run(body)`.
///
/// Errors: `std::runtime_error` if no loop is running.
[[nodiscard]] inline timeout_scope timeout(std::optional<duration> delay) {
    if (!delay) return timeout_scope(std::nullopt);
    return timeout_scope(detail::add_saturated(get_running_loop().time(), *delay));
}

/// A scope with the absolute deadline `when`, in loop time (asyncio's `timeout_at(when)`).
[[nodiscard]] inline timeout_scope timeout_at(std::optional<time_point> when) noexcept {
    return timeout_scope(when);
}

/// Runs `body` with a deadline `delay` from now: its result, or `timeout_error` if the deadline
/// passed first (the body was cancelled and has finished cleaning up by then). `body` is an
/// awaitable or an async function taking `timeout_scope&` (or nothing); see `timeout_scope::run`
/// for the details, cancellation and errors.
///
/// Example: `auto page = co_await corio::timeout(5s, fetch(url));`
template <class Body>
task<detail::scope_result_t<Body>> timeout(std::optional<duration> delay, Body body) {
    std::optional<time_point> when;
    if (delay) when = detail::add_saturated(get_running_loop().time(), *delay);
    return detail::timeout_access::scoped<detail::scope_result_t<Body>>(nullptr, when,
                                                                        std::move(body));
}

/// `timeout(delay, body)` with the absolute deadline `when`, in loop time.
template <class Body>
task<detail::scope_result_t<Body>> timeout_at(std::optional<time_point> when, Body body) {
    return detail::timeout_access::scoped<detail::scope_result_t<Body>>(nullptr, when,
                                                                        std::move(body));
}

}  // namespace corio
