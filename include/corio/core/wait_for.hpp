#pragma once
/// @file
/// `wait_for`: awaits something with a timeout, cancelling it if the time runs out (asyncio's
/// `wait_for`, as CPython 3.12 implements it: on top of the `timeout` scope).

#include <optional>
#include <type_traits>
#include <utility>

#include <corio/core/clock.hpp>
#include <corio/core/detail/child_handle.hpp>
#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/shield.hpp>
#include <corio/core/task.hpp>
#include <corio/core/timeout.hpp>

namespace corio {

namespace detail {

/// asyncio's `wait_for` with a timeout <= 0: a child already done gives its result; otherwise it
/// is cancelled and waited for (asyncio's `_cancel_and_wait`), then `timeout_error` is raised
/// unless it swallowed the cancellation.
template <bool Owned, class H>
task<typename H::value_type> wait_for_expired(H h) {
    if (!h.done()) {
        h.cancel();
        // Waits without cancelling `h` again if the caller is cancelled meanwhile.
        co_await done_waiter(core_of(h));
        if (h.cancelled()) throw timeout_error();
    }
    if constexpr (std::is_void_v<typename H::value_type>) {
        h.result();
    } else {
        co_return take_result<Owned>(h);
    }
}

}  // namespace detail

/// Awaits `aw` for at most `timeout` (asyncio's `wait_for`): gives its result, or cancels it, waits
/// for it to finish cancelling, and raises `timeout_error`. `std::nullopt`: no timeout.
///
/// `aw` is a coroutine (`task<T>`: it runs inside the calling task, as in asyncio, and is
/// interrupted at whatever it awaits), a `task_handle<T>` or `future<T>` (cancelled on timeout),
/// or any other awaitable, such as `shield(t)` (then only the wait is cancelled on timeout; `t`
/// keeps running). It is `co_await timeout(timeout, aw)`, except that a zero or negative timeout
/// never starts a coroutine: a done task or future gives its result, anything else is cancelled
/// and `timeout_error` raised once it has finished. The deadline is counted from this call.
///
/// Cancellation: cancelling the calling task cancels `aw` (as awaiting it would), waits for it to
/// finish, and raises `cancelled_error`, also if the timeout expired at the same moment.
///
/// Thread safety: the loop's thread only.
///
/// Errors: `timeout_error`; what `aw` throws (an exception it raises while being cancelled
/// replaces the `timeout_error`, as in asyncio); if `aw` swallows the cancellation and returns a
/// value, that value is returned. `std::runtime_error` if no loop is running.
///
/// Example:
/// @code
/// try {
///     auto reply = co_await corio::wait_for(ask(server), 2s);
/// } catch (const corio::timeout_error&) {
///     // ask() was cancelled and has finished cleaning up
/// }
/// @endcode
template <class A>
task<detail::await_result_t<A>> wait_for(A&& aw, std::optional<duration> timeout) {
    if constexpr (detail::child_awaitable<A>) {
        if (timeout && *timeout <= duration::zero()) {
            return detail::wait_for_expired<detail::owned_v<A>>(
                detail::ensure_handle(std::forward<A>(aw)));
        }
    }
    std::optional<time_point> when;
    if (timeout) when = detail::add_saturated(get_running_loop().time(), *timeout);
    if constexpr (detail::is_task<std::remove_cvref_t<A>>) {
        static_assert(!std::is_lvalue_reference_v<A>,
                      "pass a task<T> as a temporary or with std::move: it is consumed");
    }
    return detail::timeout_access::scoped<detail::await_result_t<A>>(
        nullptr, when, std::remove_cvref_t<A>(std::forward<A>(aw)));
}

}  // namespace corio
