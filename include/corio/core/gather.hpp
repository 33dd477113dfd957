#pragma once
/// @file
/// `gather`: runs awaitables concurrently and collects their results in argument order (asyncio's
/// `gather`, with its 3.11 semantics).

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <corio/core/detail/child_handle.hpp>
#include <corio/core/detail/wait_point.hpp>
#include <corio/core/errors.hpp>
#include <corio/core/task.hpp>
#include <corio/core/task_handle.hpp>

namespace corio {

/// How `gather` stores a child's value: `T`, or `std::monostate` for `void` (Python's `None`).
template <class T>
using gather_value_t = detail::value_or_monostate_t<T>;

/// One result of `gather(return_exceptions, ...)`: the child's value (index 0) or the exception it
/// finished with (index 1; a `cancelled_error` if it was cancelled), as Python's list of results
/// mixes values and exception objects.
template <class T>
using gather_outcome_t = std::variant<gather_value_t<T>, std::exception_ptr>;

/// Tag selecting asyncio's `gather(..., return_exceptions=True)`: `gather(corio::return_exceptions,
/// a, b)`. A tag rather than a flag because it changes the result type.
struct return_exceptions_t {
    explicit return_exceptions_t() = default;
};
inline constexpr return_exceptions_t return_exceptions{};

namespace detail {

enum class gather_mode : std::uint8_t { raise_first, return_exceptions };

/// The untyped part of a gather: watches the children and decides when and how it ends, exactly as
/// asyncio's `_GatheringFuture` and its `_done_callback` do.
class gather_core : public wait_point {
public:
    using child = watched_child<gather_core>;

    explicit gather_core(gather_mode mode) noexcept
        : wait_point(
              [](wait_point& p, const std::string& message) {
                  return static_cast<gather_core&>(p).on_cancel(message);
              },
              "gather"),
          mode_(mode) {}

    [[nodiscard]] bool ready() const noexcept { return outcome_ != outcome::pending; }

    /// Called by a child's watch node when it completes (synchronously: only records and wakes).
    void on_done(std::size_t index) noexcept {
        ++finished_;
        if (outcome_ != outcome::pending) return;  // already raised: the child runs on its own
        if (mode_ == gather_mode::raise_first) {
            const future_core& c = *children_[index].core;
            if (c.cancelled() || c.failed()) {
                outcome_ = outcome::child_failed;
                failed_ = index;
                wake();
                return;
            }
        }
        if (finished_ == n_) {
            outcome_ = cancel_requested_ ? outcome::cancelled : outcome::complete;
            wake();
        }
    }

protected:
    /// Watches `children` (`core` filled in); those already done report at once.
    void start(child* children, std::size_t n) {
        children_ = children;
        n_ = n;
        if (n == 0) outcome_ = outcome::complete;
        for (std::size_t i = 0; i < n; ++i) children[i].node.watch(*children[i].core, *this, i);
    }

    /// Throws what the gather raises instead of returning results.
    void check() const {
        if (outcome_ == outcome::child_failed) children_[failed_].core->rethrow_if_failed();
        if (outcome_ == outcome::cancelled) throw cancelled_error(cancel_message_);
    }

private:
    enum class outcome : std::uint8_t { pending, complete, child_failed, cancelled };

    /// asyncio's `_GatheringFuture.cancel`: cancels every child; the gather then ends when they
    /// have finished (raise_first: when the first one has), with `cancelled_error`.
    bool on_cancel(const std::string& message) {
        if (outcome_ != outcome::pending) return false;
        // Set first: cancelling a future child completes it (and may complete the gather) at once.
        cancel_requested_ = true;
        cancel_message_ = message;
        bool any = false;
        for (std::size_t i = 0; i < n_; ++i) {
            // Once per entry, repeats too: asyncio's _GatheringFuture.cancel loops over
            // `_children`, which keeps duplicates (only the done-callbacks are de-duplicated).
            any = children_[i].core->cancel(message) || any;
        }
        if (!any) cancel_requested_ = false;
        return any;
    }

    child* children_ = nullptr;
    std::size_t n_ = 0;
    std::size_t finished_ = 0;
    std::size_t failed_ = 0;
    std::string cancel_message_;
    gather_mode mode_;
    outcome outcome_ = outcome::pending;
    bool cancel_requested_ = false;
};

/// One argument of a variadic gather, with whether gather made its handle (then it owns the value).
template <class H, bool Owned>
struct gather_arg {
    using handle_type = H;
    static constexpr bool owned = Owned;
    H handle;
};

template <class A>
gather_arg<handle_t<A>, owned_v<A>> make_gather_arg(A&& awaitable) {
    return {ensure_handle(std::forward<A>(awaitable))};
}

template <gather_mode Mode, class T>
using gather_element_t =
    std::conditional_t<Mode == gather_mode::raise_first, gather_value_t<T>, gather_outcome_t<T>>;

template <gather_mode Mode, bool Owned, class H>
gather_element_t<Mode, typename H::value_type> gather_take(const H& h) {
    if constexpr (Mode == gather_mode::raise_first) {
        return take_result<Owned>(h);
    } else {
        return take_outcome<Owned>(h);
    }
}

/// The state of `gather(a, b, ...)`, in the gather's coroutine frame.
template <gather_mode Mode, class... Args>
class gather_tuple final : public gather_core {
public:
    using result_type =
        std::tuple<gather_element_t<Mode, typename Args::handle_type::value_type>...>;

    explicit gather_tuple(std::tuple<Args...> args) : gather_core(Mode), args_(std::move(args)) {
        init(std::index_sequence_for<Args...>{});
        start(children_.data(), sizeof...(Args));
    }

    state_awaiter<gather_tuple> operator co_await() noexcept {
        return state_awaiter<gather_tuple>(*this);
    }
    result_type resume() {
        check();
        return collect(std::index_sequence_for<Args...>{});
    }

private:
    template <std::size_t... I>
    void init(std::index_sequence<I...>) {
        ((children_[I].core = &core_of(std::get<I>(args_).handle)), ...);
    }
    template <std::size_t... I>
    result_type collect(std::index_sequence<I...>) {
        return result_type{gather_take<Mode, Args::owned>(std::get<I>(args_).handle)...};
    }

    std::tuple<Args...> args_;  // declared first: outlives the watch nodes
    std::array<child, sizeof...(Args)> children_;
};

template <gather_mode Mode, class... Args>
task<typename gather_tuple<Mode, Args...>::result_type> gather_tuple_task(
    std::tuple<Args...> args) {
    gather_tuple<Mode, Args...> state(std::move(args));
    co_return co_await state;
}

/// The state of `gather(range)`, in the gather's coroutine frame.
template <gather_mode Mode, class H, bool Owned>
class gather_vector final : public gather_core {
public:
    using element_type = gather_element_t<Mode, typename H::value_type>;

    explicit gather_vector(std::vector<H> handles)
        : gather_core(Mode),
          handles_(std::move(handles)),
          children_(make_children<child>(handles_)) {
        start(children_.get(), handles_.size());
    }

    state_awaiter<gather_vector> operator co_await() noexcept {
        return state_awaiter<gather_vector>(*this);
    }
    std::vector<element_type> resume() {
        check();
        std::vector<element_type> out;
        out.reserve(handles_.size());
        for (const H& h : handles_) out.push_back(gather_take<Mode, Owned>(h));
        return out;
    }

private:
    std::vector<H> handles_;  // declared first: outlives the watch nodes
    std::unique_ptr<child[]> children_;
};

template <gather_mode Mode, class H, bool Owned>
task<std::vector<typename gather_vector<Mode, H, Owned>::element_type>> gather_vector_task(
    std::vector<H> handles) {
    gather_vector<Mode, H, Owned> state(std::move(handles));
    co_return co_await state;
}

template <class R>
concept gather_range =
    std::ranges::input_range<R> && child_awaitable<std::ranges::range_value_t<R>>;

template <gather_mode Mode, class R>
auto gather_range_task(R&& range) {
    using E = std::ranges::range_value_t<R>;
    return gather_vector_task<Mode, handle_t<E>, owned_v<E>>(
        collect_children(std::forward<R>(range)));
}

}  // namespace detail

/// Runs `aws...` concurrently and gives their results as a tuple, in argument order (asyncio's
/// `gather(*aws)`).
///
/// Each argument is a coroutine (`task<T>`, consumed: it is scheduled as a task at once, in
/// argument order, as asyncio's `gather` wraps coroutines in tasks when called), a `task_handle<T>`
/// or a `future<T>`. The returned `task` collects the results when awaited; a `void` child gives
/// `std::monostate`. To await one gather from several tasks, `create_task` it.
///
/// The first child to fail (raise, or be cancelled) makes the gather raise that exception (or
/// `cancelled_error`) at once. **The other children are not cancelled**: they keep running, as in
/// asyncio. Unlike asyncio, which marks their later exceptions "retrieved" and so drops them, corio
/// leaves them to whoever holds their handles: if gather made the task (from a coroutine), nobody
/// else does, and its exception goes to the loop's exception handler ("Task exception was never
/// retrieved"). Use `task_group` when a failure should cancel the siblings.
///
/// Cancellation: cancelling the awaiting task cancels every unfinished child (once per argument,
/// as asyncio: a task passed twice gets two requests, `cancelling() == 2`); the gather then raises
/// `cancelled_error` as soon as the first child finishes cancelled (asyncio's behaviour), the
/// others finishing in the background. If every child was already done, the cancellation is raised
/// at the task's next suspension point instead. A child cancelled by someone else makes the gather
/// raise `cancelled_error` too.
///
/// Thread safety: the children and the awaiting task belong to the running loop.
///
/// Errors: the first child's exception, or `cancelled_error`; `std::runtime_error` if no loop is
/// running (to schedule coroutines). `gather()` with no arguments gives an empty tuple.
///
/// Example:
/// @code
/// auto [user, posts] = co_await corio::gather(fetch_user(id), fetch_posts(id));
/// @endcode
template <detail::child_awaitable... As>
task<std::tuple<gather_value_t<detail::child_value_t<As>>...>> gather(As&&... aws) {
    // A braced list is evaluated left to right: the tasks are created in argument order.
    return detail::gather_tuple_task<detail::gather_mode::raise_first>(
        std::tuple<decltype(detail::make_gather_arg(std::forward<As>(aws)))...>{
            detail::make_gather_arg(std::forward<As>(aws))...});
}

/// Like `gather(aws...)`, but no child's failure ends the gather early: each result is the child's
/// value or its exception (asyncio's `return_exceptions=True`; see `gather_outcome_t`).
///
/// Cancellation: cancelling the awaiting task cancels every unfinished child; once all have
/// finished the gather raises `cancelled_error` (not a tuple), as asyncio does.
///
/// Example:
/// @code
/// auto [a, b] = co_await corio::gather(corio::return_exceptions, fetch("a"), fetch("b"));
/// if (a.index() == 1) log_failure(std::get<1>(a));
/// @endcode
template <detail::child_awaitable... As>
task<std::tuple<gather_outcome_t<detail::child_value_t<As>>...>> gather(return_exceptions_t,
                                                                        As&&... aws) {
    return detail::gather_tuple_task<detail::gather_mode::return_exceptions>(
        std::tuple<decltype(detail::make_gather_arg(std::forward<As>(aws)))...>{
            detail::make_gather_arg(std::forward<As>(aws))...});
}

/// `gather` over a range of coroutines (pass them with `std::move`), task handles or futures of
/// one type: a `std::vector` of the results, in the range's order (asyncio's `gather(*aws)`).
/// Semantics, cancellation and errors as for the variadic form; an empty range gives an empty
/// vector.
///
/// Example:
/// @code
/// std::vector<corio::task<page>> fetches;
/// for (auto& url : urls) fetches.push_back(fetch(url));
/// std::vector<page> pages = co_await corio::gather(std::move(fetches));
/// @endcode
template <detail::gather_range R>
task<std::vector<gather_value_t<detail::child_value_t<std::ranges::range_value_t<R>>>>> gather(
    R&& aws) {
    return detail::gather_range_task<detail::gather_mode::raise_first>(std::forward<R>(aws));
}

/// `gather(return_exceptions, range)`: a vector of `gather_outcome_t`, one per element.
template <detail::gather_range R>
task<std::vector<gather_outcome_t<detail::child_value_t<std::ranges::range_value_t<R>>>>> gather(
    return_exceptions_t, R&& aws) {
    return detail::gather_range_task<detail::gather_mode::return_exceptions>(std::forward<R>(aws));
}

}  // namespace corio
