#pragma once
/// @file
/// `shield`: awaits a task without letting a cancellation of the awaiting task reach it
/// (asyncio's `shield`).

#include <coroutine>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/detail/child_handle.hpp>
#include <corio/core/detail/wait_point.hpp>
#include <corio/core/errors.hpp>

namespace corio {

namespace detail {

/// A wait for one future or task that the waiting task's cancellation does not propagate to: it
/// ends the wait (with `cancelled_error`) and leaves the target alone. asyncio's `shield` outer
/// future, and the waiter of `_cancel_and_wait`.
class done_waiter : public wait_point {
public:
    explicit done_waiter(future_core& target) noexcept
        : wait_point(
              [](wait_point& p, const std::string& message) {
                  return static_cast<done_waiter&>(p).on_cancel(message);
              },
              "shield"),
          target_(&target) {}
    /// Moves are only made before the wait starts (the proxy takes the awaiter in): a fresh wait.
    done_waiter(done_waiter&& other) noexcept : done_waiter(*other.target_) {}
    done_waiter& operator=(done_waiter&&) = delete;
    ~done_waiter() = default;

    bool await_ready() const noexcept { return target_->done(); }
    void await_suspend(std::coroutine_handle<>) noexcept {
        node_.watch(*target_, *this, 0);
        suspend();
    }
    /// Errors: `cancelled_error` if the waiting task was cancelled meanwhile.
    void await_resume() const {
        if (cancelled_) throw cancelled_error(cancel_message_);
    }

    void on_done(std::size_t) noexcept { wake(); }

private:
    bool on_cancel(const std::string& message) {
        if (!has_waiter()) return false;  // the target is done: the wait is over
        node_.unwatch();
        cancelled_ = true;
        cancel_message_ = message;
        wake();
        return true;
    }

    future_core* target_;
    watch_node<done_waiter> node_;
    std::string cancel_message_;
    bool cancelled_ = false;
};

/// `co_await shield(x)`: waits for the inner handle, then gives its result.
template <class H>
class shield_awaiter : public done_waiter {
public:
    using value_type = typename H::value_type;

    explicit shield_awaiter(H inner) : done_waiter(core_of(inner)), inner_(std::move(inner)) {}
    shield_awaiter(shield_awaiter&& other) noexcept
        : done_waiter(std::move(other)), inner_(std::move(other.inner_)) {}

    value_type await_resume() const {
        done_waiter::await_resume();
        if constexpr (std::is_void_v<value_type>) {
            inner_.result();
        } else {
            // Copied: copies of a `shielded` share the inner result (a move-only one is moved).
            return take_result<false>(inner_);
        }
    }

private:
    H inner_;
};

}  // namespace detail

/// What `shield` returns: awaitable any number of times, by any number of tasks (copies share the
/// inner work), and giving access to the inner task.
template <class H>
class shielded {
public:
    using value_type = typename H::value_type;

    explicit shielded(H inner) noexcept : inner_(std::move(inner)) {}

    /// The protected task or future; it keeps running whatever happens to the awaiters.
    [[nodiscard]] const H& inner() const noexcept { return inner_; }

    /// Each await gets a copy of the value (the value itself if it is move-only: then only one
    /// await can have it, as with awaiting a task).
    detail::shield_awaiter<H> operator co_await() const {
        return detail::shield_awaiter<H>(inner_);
    }

private:
    H inner_;
};

/// Awaits `aw` while protecting it from cancellation (asyncio's `shield`): if the awaiting task is
/// cancelled, it gets `cancelled_error` at once, while the inner work keeps running to completion.
///
/// `aw` is a coroutine (`task<T>`, scheduled as a task at once, as asyncio wraps it), a
/// `task_handle<T>` or a `future<T>`. Awaiting the result gives the inner result, rethrows its
/// exception, or raises `cancelled_error` if the inner work itself was cancelled (by someone
/// else: a shield never cancels it). `shield(aw).inner()` gives the inner handle, to await or
/// cancel it later.
///
/// Cancellation: cancelling the awaiting task ends its wait at once with `cancelled_error`; the
/// inner work is not cancelled and continues in the background. Unlike asyncio, which then marks
/// an exception of the inner work "retrieved", corio leaves it to whoever holds its handle: the
/// exception of a shielded coroutine that nobody reads is reported to the loop's exception handler
/// ("Task exception was never retrieved").
///
/// Thread safety: the inner work and the awaiting task belong to the running loop.
///
/// Errors: as the inner work; `std::runtime_error` if no loop is running (to schedule a coroutine);
/// `invalid_state_error` for an empty handle or future.
///
/// Example:
/// @code
/// // The payment is recorded even if the request handler is cancelled meanwhile.
/// auto receipt = co_await corio::shield(record_payment(order));
/// @endcode
template <detail::child_awaitable A>
[[nodiscard]] shielded<detail::handle_t<A>> shield(A&& aw) {
    auto inner = detail::ensure_handle(std::forward<A>(aw));
    (void)detail::core_of(inner);  // refuses an empty handle here, not at the co_await
    return shielded<detail::handle_t<A>>(std::move(inner));
}

}  // namespace corio
