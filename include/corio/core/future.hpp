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
/// Cancellation: cancelling a task that awaits a future cancels the future (as in asyncio), which
/// wakes every awaiter with `cancelled_error`; wrap it in `shield` to prevent that.
///
/// Thread safety: a future belongs to its loop's thread. From another thread, complete it through
/// `loop.call_soon_threadsafe`.
///
/// Errors: `invalid_state_error` when completing a future twice, or asking a pending one for its
/// result.
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

    [[nodiscard]] bool done() const noexcept { return s_->done(); }
    [[nodiscard]] bool cancelled() const noexcept { return s_->cancelled(); }
    [[nodiscard]] event_loop& get_loop() const noexcept { return *s_->loop(); }

    /// Completes the future with `value`, waking its awaiters and scheduling its callbacks.
    template <class... U>
    void set_result(U&&... value) {
        if (s_->done()) throw invalid_state_error("future is already done");
        s_->slot_.set(std::forward<U>(value)...);
        s_->finish();
    }
    /// Completes the future with an exception.
    void set_exception(std::exception_ptr error) { s_->set_exception(std::move(error)); }
    template <class E>
    void set_exception(E&& error) {
        set_exception(std::make_exception_ptr(std::forward<E>(error)));
    }
    /// Cancels a pending future; false if it was already done.
    bool cancel(std::string message = {}) { return s_->cancel_future(std::move(message)); }

    /// The value (a reference into the shared state). Errors: rethrows the future's exception;
    /// `cancelled_error` if cancelled; `invalid_state_error` if pending.
    decltype(auto) result() const {
        s_->rethrow_if_failed();
        if constexpr (!std::is_void_v<T>) return static_cast<T&>(s_->slot_.get());
    }
    /// The exception it completed with, or null. Errors: `cancelled_error`, `invalid_state_error`.
    [[nodiscard]] std::exception_ptr exception() const { return s_->exception(); }

    /// Schedules `fn(future)` to run on the loop once the future is done (at once if it is).
    template <class F>
    void add_done_callback(F&& fn) {
        detail::add_done_callback(*s_, *this, std::forward<F>(fn));
    }

    auto operator co_await() const noexcept {
        return detail::future_awaiter<state, T>(detail::core_ref<state>(s_));
    }

    friend bool operator==(const future& a, const future& b) noexcept { return a.s_ == b.s_; }

    /// For the machinery: the shared state (combinators watch it without allocating).
    [[nodiscard]] detail::future_core* core() const noexcept { return s_.get(); }

private:
    template <class, class, class>
    friend class detail::done_callback_node;
    explicit future(detail::core_ref<state> s) noexcept : s_(std::move(s)) {}
    static state* make_state(event_loop& loop) {
        if (loop.is_closed()) throw std::logic_error("event loop is closed");
        return new state(&loop);
    }

    detail::core_ref<state> s_;
};

}  // namespace corio
