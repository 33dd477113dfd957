#pragma once
/// @file
/// What the composition functions accept and how they read it: a coroutine (`task<T>`, wrapped in
/// a scheduled task as asyncio's `ensure_future` does), a `task_handle<T>`, a `future<T>`, or
/// (where no result is read) a `task_ref`.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <numeric>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <corio/core/detail/future_core.hpp>
#include <corio/core/detail/task_frame.hpp>
#include <corio/core/future.hpp>
#include <corio/core/task.hpp>
#include <corio/core/task_handle.hpp>

namespace corio::detail {

/// For an awaitable a combinator may take as a child: the handle it keeps (`handle`), the value it
/// produces (`value_type`), and whether the combinator made the handle itself (`owned`: it then
/// holds the only reference and may move the result out instead of copying it).
template <class A>
struct child_traits {};
template <class T>
struct child_traits<task<T>> {
    using handle = task_handle<T>;
    using value_type = T;
    static constexpr bool owned = true;
};
template <class T>
struct child_traits<task_handle<T>> {
    using handle = task_handle<T>;
    using value_type = T;
    static constexpr bool owned = false;
};
template <class T>
struct child_traits<future<T>> {
    using handle = future<T>;
    using value_type = T;
    static constexpr bool owned = false;
};

/// False, but only once `T` is known: for a `static_assert` that rejects an overload when used.
template <class>
inline constexpr bool dependent_false = false;

/// A coroutine, a task handle or a future: something with a result a combinator can collect.
template <class A>
concept child_awaitable = requires {
    typename child_traits<std::remove_cvref_t<A>>::handle;
};

template <class A>
using handle_t = typename child_traits<std::remove_cvref_t<A>>::handle;
template <class A>
using child_value_t = typename child_traits<std::remove_cvref_t<A>>::value_type;
template <class A>
inline constexpr bool owned_v = child_traits<std::remove_cvref_t<A>>::owned;

template <class H>
inline constexpr bool is_future = false;
template <class T>
inline constexpr bool is_future<future<T>> = true;

/// A handle a combinator can watch without reading a result: any task handle or a future.
template <class H>
concept watchable_handle = std::is_base_of_v<task_ref, H> || is_future<H>;

/// `T`, or `std::monostate` for `void` (Python's `None`): how combinators store a child's value.
template <class T>
using value_or_monostate_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

/// asyncio's `ensure_future`: a coroutine becomes a task scheduled now; a handle is copied.
template <class A>
handle_t<A> ensure_handle(A&& awaitable) {
    if constexpr (is_task<std::remove_cvref_t<A>>) {
        static_assert(!std::is_lvalue_reference_v<A>,
                      "pass a task<T> as a temporary or with std::move: it is consumed");
        return create_task(std::move(awaitable));
    } else {
        return awaitable;
    }
}

/// The shared state behind a handle, watched by the combinators' `watch_node`s. Every
/// combinator reads its children through here before it registers anything, so an empty handle
/// is refused with nothing started. Errors: `invalid_state_error` for an empty handle.
inline future_core& core_of(const task_ref& t) {
    if (!t.valid()) throw_empty("a combinator was given an empty task handle (moved from?)");
    return *t.record();
}
template <class T>
future_core& core_of(const future<T>& f) {
    if (!f.valid()) throw_empty("a combinator was given an empty future (moved from?)");
    return *f.core();
}

/// The children of a combinator over `handles`, one per handle, each with its `core` (`Child` is a
/// `watched_child` or extends it). Errors: as `core_of`, with nothing watched yet.
template <class Child, class H>
std::unique_ptr<Child[]> make_children(const std::vector<H>& handles) {
    auto children = std::make_unique<Child[]>(handles.size());
    for (std::size_t i = 0; i < handles.size(); ++i) children[i].core = &core_of(handles[i]);
    return children;
}

/// Reads a done child's value, rethrowing its exception (or `cancelled_error`). A handle the
/// combinator owns gives its value up (moved); one the caller passed is copied, unless the type is
/// move-only (then, as with awaiting a task, only one reader gets it).
template <bool Owned, class H>
value_or_monostate_t<typename H::value_type> take_result(const H& h) {
    using T = typename H::value_type;
    if constexpr (std::is_void_v<T>) {
        h.result();
        return std::monostate{};
    } else if constexpr (Owned || !std::is_copy_constructible_v<T>) {
        return std::move(h.result());
    } else {
        return h.result();
    }
}

/// Reads a done child as a value or the exception it finished with (`cancelled_error` included).
template <bool Owned, class H>
std::variant<value_or_monostate_t<typename H::value_type>, std::exception_ptr> take_outcome(
    const H& h) {
    if (h.cancelled() || core_of(h).failed()) {
        try {
            h.result();
        } catch (...) {
            return std::current_exception();
        }
    }
    return take_result<Owned>(h);
}

/// The type `co_await a` has inside a task, for a coroutine or any awaitable.
template <class A>
struct await_result {
    using type = std::remove_cvref_t<decltype(get_awaiter(std::declval<A>()).await_resume())>;
};
template <class T>
struct await_result<task<T>> {
    using type = T;
};
/// An awaitable that binds to the awaiting frame (`bind_to_chain`): what its awaiter gives.
template <class A>
requires requires(A a) { std::move(a).bind_to_chain(nullptr); }
struct await_result<A> {
    using type =
        std::remove_cvref_t<decltype(std::declval<A>().bind_to_chain(nullptr).await_resume())>;
};
template <class A>
using await_result_t = typename await_result<std::remove_cvref_t<A>>::type;

/// Calls `mark(i)` for each of `n` entries that repeats an earlier one (same `key(i)`): asyncio's
/// `wait` and `as_completed` take a set of their awaitables (`gather` keeps duplicates). Small
/// inputs are compared pairwise, allocating nothing; large ones sorted.
template <class Key, class Mark>
void mark_repeats(std::size_t n, Key key, Mark mark) {
    if (n <= 16) {
        for (std::size_t i = 1; i < n; ++i) {
            for (std::size_t j = 0; j < i; ++j) {
                if (key(i) == key(j)) {
                    mark(i);
                    break;
                }
            }
        }
        return;
    }
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return std::less<>()(key(a), key(b)); });
    for (std::size_t k = 1; k < n; ++k) {
        if (key(order[k]) == key(order[k - 1])) mark(order[k]);
    }
}

/// The handles of a range's elements, in order; coroutines are scheduled as tasks now.
template <class R>
std::vector<handle_t<std::ranges::range_value_t<R>>> collect_children(R&& range) {
    using E = std::ranges::range_value_t<R>;
    std::vector<handle_t<E>> out;
    if constexpr (std::ranges::sized_range<R>) out.reserve(std::ranges::size(range));
    for (auto&& e : range) {
        if constexpr (is_task<E>) {
            static_assert(!std::is_lvalue_reference_v<R> ||
                              !std::is_lvalue_reference_v<std::ranges::range_reference_t<R>>,
                          "pass a range of task<T> with std::move: the coroutines are consumed");
            out.push_back(create_task(std::move(e)));
        } else {
            out.push_back(e);
        }
    }
    return out;
}

/// `handles` without the entries that repeat an earlier one (asyncio takes a set), order kept.
template <class H>
std::vector<H> unique_handles(std::vector<H> handles) {
    std::vector<bool> repeat(handles.size(), false);
    mark_repeats(
        handles.size(), [&](std::size_t i) { return &core_of(handles[i]); },
        [&](std::size_t i) { repeat[i] = true; });
    std::vector<H> out;
    out.reserve(handles.size());
    for (std::size_t i = 0; i < handles.size(); ++i) {
        if (!repeat[i]) out.push_back(std::move(handles[i]));
    }
    return out;
}

}  // namespace corio::detail
