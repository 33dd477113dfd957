#pragma once
/// @file
/// `corio::future<T>`: asyncio's `Future`, a result that will be set later, awaitable by any number
/// of tasks.

#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/detail/done_callback.hpp>
#include <corio/core/detail/future_awaiter.hpp>
#include <corio/core/detail/future_core.hpp>
#include <corio/core/event_loop.hpp>

namespace corio {

namespace detail {
template <class T>
class future_state final : public future_core {
public:
    using future_core::finish;
    using future_core::future_core;
    result_slot<T> slot_;
};
}  // namespace detail

/// A value that arrives later (asyncio's `Future`). Copies share one state.
///
/// Tasks `co_await` it; each awaiter gets a copy of the value (a move-only `T` can be awaited by
/// one task), or the exception it was completed with, or `cancelled_error` if it was cancelled.
///
/// A moved-from future is empty: `valid()`, `operator bool` and `==` work on it; every other
/// member throws `invalid_state_error`. (A default-constructed future is not empty: it is a
/// pending future on the running loop.)
///
/// Cancellation: cancelling a task that awaits a future cancels the future (as in asyncio), which
/// wakes every awaiter with `cancelled_error`; wrap it in `shield` to prevent that.
///
/// Thread safety: a future belongs to its loop's thread. From another thread, complete it through
/// `loop.call_soon_threadsafe`.
///
/// Errors: `invalid_state_error` when completing a future twice, asking a pending one for its
/// result, or using an empty one.
///
/// Example:
/// @code
/// corio::future<int> answer;                     // on the running loop
/// loop.call_later(1s, [=]() mutable { answer.set_result(42); });
/// int v = co_await answer;
/// @endcode
template <class T = void>
class future {
    using state = detail::future_state<T>;

public:
    using value_type = T;

    /// A pending future on the running loop. Errors: `std::runtime_error` if no loop is running.
    future() : future(get_running_loop()) {}
    /// A pending future on `loop`. Errors: `std::logic_error` if the loop is closed.
    explicit future(event_loop& loop) : s_(make_state(loop)) {}

    /// True once it has a result, an exception, or was cancelled.
    [[nodiscard]] bool done() const { return st().done(); }
    /// True if it was cancelled.
    [[nodiscard]] bool cancelled() const { return st().cancelled(); }
    /// The loop it belongs to.
    [[nodiscard]] event_loop& get_loop() const { return *st().loop(); }

    /// Completes the future with `value`, waking its awaiters and scheduling its callbacks.
    /// Errors: `invalid_state_error` if it is already done.
    template <class... U>
    void set_result(U&&... value) {
        state& s = st();
        if (s.done()) throw invalid_state_error("future is already done");
        s.slot_.set(std::forward<U>(value)...);
        s.finish();
    }
    /// Completes the future with an exception. Errors: `invalid_state_error` if already done.
    void set_exception(std::exception_ptr error) { st().set_exception(std::move(error)); }
    template <class E>
    void set_exception(E&& error) {
        set_exception(std::make_exception_ptr(std::forward<E>(error)));
    }
    /// Cancels a pending future, waking its awaiters with `cancelled_error(message)`; false if it
    /// was already done.
    bool cancel(std::string message = {}) { return st().cancel_future(std::move(message)); }

    /// The value (a reference into the shared state). Errors: rethrows the future's exception;
    /// `cancelled_error` if cancelled; `invalid_state_error` if pending.
    decltype(auto) result() const {
        state& s = st();
        s.rethrow_if_failed();
        if constexpr (!std::is_void_v<T>) return static_cast<T&>(s.slot_.get());
    }
    /// The exception it completed with, or null. Errors: `cancelled_error`, `invalid_state_error`.
    [[nodiscard]] std::exception_ptr exception() const { return st().exception(); }

    /// Schedules `fn(future)` to run on the loop once the future is done (at once if it is).
    template <class F>
    void add_done_callback(F&& fn) {
        detail::add_done_callback(st(), *this, std::forward<F>(fn));
    }

    /// Awaits the future (see the class comment). Errors: `invalid_state_error` if empty.
    auto operator co_await() const {
        st();  // an empty future cannot be awaited
        return detail::future_awaiter<state, T>(detail::core_ref<state>(s_));
    }

    /// True unless moved from.
    [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(s_); }
    explicit operator bool() const noexcept { return valid(); }
    /// True if both share one state (or both are empty).
    friend bool operator==(const future& a, const future& b) noexcept { return a.s_ == b.s_; }

    /// For the machinery: the shared state (combinators watch it without allocating); null if
    /// empty.
    [[nodiscard]] detail::future_core* core() const noexcept { return s_.get(); }

private:
    template <class, class, class>
    friend class detail::done_callback_node;
    explicit future(detail::core_ref<state> s) noexcept : s_(std::move(s)) {}
    static state* make_state(event_loop& loop) {
        if (loop.is_closed()) throw std::logic_error("event loop is closed");
        return new state(&loop);
    }
    state& st() const {
        if (!s_) [[unlikely]]
            detail::throw_empty("future is empty (moved from)");
        return *s_;
    }

    detail::core_ref<state> s_;
};

}  // namespace corio
