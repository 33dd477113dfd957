#pragma once
/// @file
/// `as_completed`: hands out tasks or futures in the order they finish (asyncio's `as_completed`).

#include <coroutine>
#include <cstddef>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/core/clock.hpp>
#include <corio/core/detail/child_handle.hpp>
#include <corio/core/detail/wait_point.hpp>
#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>

namespace corio {

namespace detail {

/// The untyped part of `as_completed`: a queue of child indices in completion order, the timer,
/// and at most one task waiting in `next()`.
class as_completed_core : public wait_point {
public:
    using child = watched_child<as_completed_core>;

    as_completed_core() noexcept
        : wait_point(
              [](wait_point& p, const std::string& message) {
                  return static_cast<as_completed_core&>(p).on_cancel(message);
              },
              "as_completed") {}

    void on_done(std::size_t index) noexcept {
        order_[tail_++] = index;
        if (tail_ == n_) timer_.disarm();
        wake();
    }
    /// asyncio's `_on_timeout`: the children still running will be reported as timeouts.
    void on_timeout() noexcept {
        timed_out_ = true;
        for (std::size_t i = 0; i < n_; ++i) children_[i].node.unwatch();
        wake();
    }

    [[nodiscard]] std::size_t remaining() const noexcept { return n_ - head_ - timeouts_; }

    bool ready() const {
        if (has_waiter()) {
            throw invalid_state_error("as_completed: another task is already waiting in next()");
        }
        return head_ < tail_ || timed_out_ || remaining() == 0;
    }

protected:
    void start(child* children, std::size_t n, std::optional<duration> timeout) {
        children_ = children;
        n_ = n;
        order_ = std::make_unique<std::size_t[]>(n);
        for (std::size_t i = 0; i < n; ++i) children[i].node.watch(*children[i].core, *this, i);
        if (timeout && tail_ < n_) {
            event_loop& loop = get_running_loop();
            timer_.arm(loop, add_saturated(loop.time(), *timeout), *this);
        }
    }

    /// The index of the next child to hand out, or n_ when exhausted. Errors: `cancelled_error` if
    /// the waiting task was cancelled (nothing is consumed), `timeout_error` after the timeout.
    std::size_t take() {
        if (cancelled_) {
            cancelled_ = false;
            throw cancelled_error(std::exchange(cancel_message_, {}));
        }
        if (head_ < tail_) return order_[head_++];
        if (remaining() == 0) return n_;
        ++timeouts_;  // timed out: one timeout_error per child that did not finish in time
        throw timeout_error();
    }

private:
    /// Cancelling the waiting task ends its `next()` with `cancelled_error`; nothing is consumed
    /// and the children are left alone.
    bool on_cancel(const std::string& message) {
        if (!has_waiter()) return false;  // woken already: the pending cancellation is raised
        cancelled_ = true;
        cancel_message_ = message;
        wake();
        return true;
    }

    child* children_ = nullptr;
    std::unique_ptr<std::size_t[]> order_;  ///< child indices in completion order
    std::size_t n_ = 0;
    std::size_t tail_ = 0;      ///< finished children queued
    std::size_t head_ = 0;      ///< queued children handed out
    std::size_t timeouts_ = 0;  ///< timeout_errors raised
    deadline_timer<as_completed_core> timer_;
    std::string cancel_message_;
    bool timed_out_ = false;
    bool cancelled_ = false;
};

template <class H>
class as_completed_state final : public as_completed_core {
public:
    as_completed_state(std::vector<H> handles, std::optional<duration> timeout)
        : handles_(std::move(handles)), children_(make_children<child>(handles_)) {
        start(children_.get(), handles_.size(), timeout);
    }
    std::optional<H> resume() {
        const std::size_t i = take();
        if (i == handles_.size()) return std::nullopt;
        return handles_[i];
    }

private:
    std::vector<H> handles_;  // declared first: outlives the watch nodes
    std::unique_ptr<child[]> children_;
};

/// `co_await it.next()`; shares the state, so it stays valid if the iterator goes first.
template <class H>
class as_completed_awaiter {
public:
    explicit as_completed_awaiter(std::shared_ptr<as_completed_state<H>> state) noexcept
        : state_(std::move(state)) {}
    as_completed_awaiter(as_completed_awaiter&&) noexcept = default;
    as_completed_awaiter& operator=(as_completed_awaiter&&) = delete;
    ~as_completed_awaiter() {
        // Destroyed while suspended (the loop closed under the waiting task): the shared state
        // outlives this frame, so it must not keep pointing at the task.
        if (suspended_ && state_) state_->forget();
    }
    bool await_ready() { return state_->ready(); }
    void await_suspend(std::coroutine_handle<>) noexcept {
        suspended_ = true;
        state_->suspend();
    }
    std::optional<H> await_resume() {
        suspended_ = false;
        return state_->resume();
    }

private:
    std::shared_ptr<as_completed_state<H>> state_;
    bool suspended_ = false;
};

template <class E>
struct as_completed_handle {
    using type = E;
};
template <class T>
struct as_completed_handle<task<T>> {
    using type = task_handle<T>;
};

template <class R>
concept as_completed_range = std::ranges::input_range<R> &&
    (child_awaitable<std::ranges::range_value_t<R>> ||
     watchable_handle<std::ranges::range_value_t<R>>);

}  // namespace detail

/// The iterator `as_completed` returns: `co_await next()` gives the next child to finish. Copies
/// share one stream (a child handed out through one is not handed out through another).
///
/// Thread safety: use on the loop's thread; one task at a time may wait in `next()`.
template <class H>
class as_completed_iterator {
public:
    /// Starts watching `handles` (duplicates are handed out once; see `as_completed`).
    as_completed_iterator(std::vector<H> handles, std::optional<duration> timeout)
        : state_(std::make_shared<detail::as_completed_state<H>>(std::move(handles), timeout)) {}

    /// Waits for the next child to finish and gives its handle (done: read its result or
    /// exception there); `std::nullopt` once every child has been handed out. Children that were
    /// done already come first, in input order; then each in the order it finished.
    ///
    /// Cancellation: cancelling the waiting task raises `cancelled_error` here; nothing is
    /// consumed (the next call gives the child this one would have given) and no child is
    /// cancelled.
    ///
    /// Errors: `timeout_error` once the timeout has passed, for each child that had not finished
    /// by then (children finished before it are still handed out first, as in asyncio);
    /// `invalid_state_error` if another task is already waiting in `next()`.
    [[nodiscard]] detail::as_completed_awaiter<H> next() const noexcept {
        return detail::as_completed_awaiter<H>(state_);
    }

    /// How many children `next()` has yet to hand out (or report as timed out).
    [[nodiscard]] std::size_t remaining() const noexcept { return state_->remaining(); }

private:
    std::shared_ptr<detail::as_completed_state<H>> state_;
};

/// Hands out `fs` in the order they finish (asyncio's `as_completed`), optionally within a
/// `timeout` counted from this call.
///
/// `fs` is a range of coroutines (`task<T>`, passed with `std::move`: each is scheduled as a task
/// now, as asyncio wraps them), `task_handle<T>`, `task_ref` or `future<T>`. asyncio's iterator of
/// awaitables becomes an object whose `co_await next()` gives the next finished handle, as
/// asyncio 3.13's `async for` form does (a handle, not its result: read `result()` on it), and
/// `std::nullopt` at the end. Children are not cancelled on timeout; cancel the ones you gave up
/// on. A task or future passed twice is handed out once (asyncio takes a set).
///
/// Cancellation: see `as_completed_iterator::next`; the children are never cancelled by it.
///
/// Errors: `timeout_error` from `next()` as described there; `std::runtime_error` if no loop is
/// running.
///
/// Example:
/// @code
/// auto it = corio::as_completed(std::move(fetches), 10s);
/// while (auto t = co_await it.next()) std::cout << t->result() << '\n';
/// @endcode
template <detail::as_completed_range R>
auto as_completed(R&& fs, std::optional<duration> timeout = std::nullopt) {
    using E = std::ranges::range_value_t<R>;
    using H = typename detail::as_completed_handle<E>::type;
    std::vector<H> handles;
    if constexpr (detail::child_awaitable<E>) {
        handles = detail::collect_children(std::forward<R>(fs));
    } else {
        for (auto&& h : fs) handles.push_back(h);
    }
    return as_completed_iterator<H>(detail::unique_handles(std::move(handles)), timeout);
}

}  // namespace corio
