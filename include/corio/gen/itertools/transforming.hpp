#pragma once
/// @file
/// Python's itertools that compute new values from one input: `accumulate`, `batched`,
/// `groupby`, `starmap`.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/gen/generator.hpp>
#include <corio/gen/itertools/detail/common.hpp>
#include <corio/gen/itertools/pipe.hpp>

namespace corio::itertools {

/// The initial value of `accumulate`, Python's `initial=` keyword: `accumulate(range,
/// initial(100))` is Python's `accumulate(range, initial=100)`.
template <class T>
struct initial {
    T value;
    /// Holds `v` as the initial value.
    constexpr explicit initial(T v) : value(std::move(v)) {}
};
template <class T>
initial(T) -> initial<T>;

namespace detail {

template <class T>
inline constexpr bool is_initial = false;
template <class T>
inline constexpr bool is_initial<initial<T>> = true;

/// `F` can fold an element of `R` into a running total of type `Acc`.
template <class F, class Acc, class R>
concept accumulator_for = iterable<R> && std::invocable < F&,
        const Acc&, std::ranges::range_reference_t<R>
& > &&std::constructible_from<
        Acc, std::invoke_result_t<F&, const Acc&, std::ranges::range_reference_t<R>&>>;

/// A binary function argument of `accumulate` (not an input, not the `initial` tag).
template <class F>
concept binary_fn = !iterable<F> && !is_initial<std::remove_cvref_t<F>>;

template <class Acc, class V, class F>
generator<Acc> accumulate_impl(V view, F fn, std::optional<Acc> total) {
    if (total) co_yield std::as_const(*total);
    for (auto&& item : view) {
        if (total) {
            *total = Acc(std::invoke(fn, std::as_const(*total), item));
        } else {
            total.emplace(item);
        }
        co_yield std::as_const(*total);  // a copy: the consumer cannot disturb the total
    }
}

template <class V>
generator<std::vector<value_t<V>>> batched_impl(V view, std::size_t n) {
    std::vector<value_t<V>> batch;
    for (auto&& item : view) {
        batch.push_back(item);
        if (batch.size() == n) {
            co_yield batch;
            batch.clear();
        }
    }
    if (!batch.empty()) co_yield batch;
}

template <class KeyFn, class R>
using key_t = std::remove_cvref_t<std::invoke_result_t<KeyFn&, std::ranges::range_reference_t<R>&>>;

template <class V, class KeyFn>
using group_t = std::pair<key_t<KeyFn, V>, std::vector<value_t<V>>>;

template <class V, class KeyFn>
generator<group_t<V, KeyFn>> groupby_impl(V view, KeyFn key) {
    using group = group_t<V, KeyFn>;
    std::optional<key_t<KeyFn, V>> current;
    std::vector<value_t<V>> items;
    for (auto&& item : view) {
        key_t<KeyFn, V> k(std::invoke(key, item));
        if (current && !(*current == k)) {
            group done(std::move(*current), std::exchange(items, {}));
            // `item` starts the next group: copied before `done` is yielded, since another
            // reader of a shared input may advance it while this generator is suspended.
            items.push_back(item);
            current = std::move(k);
            co_yield done;
            continue;
        }
        current = std::move(k);
        items.push_back(item);
    }
    if (current) co_yield group(std::move(*current), std::move(items));
}

template <class F, class R>
using starmap_t = std::remove_cvref_t<decltype(std::apply(
    std::declval<F&>(), std::declval<std::ranges::range_reference_t<R>&>()))>;

template <class V, class F>
generator<starmap_t<F, V>> starmap_impl(F fn, V view) {
    for (auto&& args : view) co_yield std::apply(fn, args);
}

}  // namespace detail

/// Python's `itertools.accumulate(iterable)`: running sums (`operator+`) of the elements.
template <iterable R>
requires detail::accumulator_for<std::plus<>, detail::value_t<R>, R> generator<detail::value_t<R>>
accumulate(R&& range) {
    return detail::accumulate_impl<detail::value_t<R>>(detail::all(std::forward<R>(range)),
                                                       std::plus<>{}, std::nullopt);
}

/// Python's `itertools.accumulate(iterable, func)`: running results of `fn(total, element)`,
/// starting from the first element.
///
/// The total keeps the input's value type (Python's can change type): `fn`'s result is
/// converted to it.
template <iterable R, detail::binary_fn F>
requires detail::accumulator_for<F, detail::value_t<R>, R> generator<detail::value_t<R>> accumulate(
    R&& range, F fn) {
    return detail::accumulate_impl<detail::value_t<R>>(detail::all(std::forward<R>(range)),
                                                       std::move(fn), std::nullopt);
}

/// Python's `itertools.accumulate(iterable, func, initial=x)`: `x`, then running results of
/// `fn(total, element)` starting from `x`. The total has the type of `x`.
template <iterable R, detail::binary_fn F, class I>
requires detail::accumulator_for<F, I, R> generator<I> accumulate(R&& range, F fn,
                                                                  initial<I> init) {
    return detail::accumulate_impl<I>(detail::all(std::forward<R>(range)), std::move(fn),
                                      std::optional<I>(std::move(init.value)));
}

/// Python's `itertools.accumulate(iterable, initial=x)`: `x`, then running sums starting from
/// `x`. The total has the type of `x`.
template <iterable R, class I>
requires detail::accumulator_for<std::plus<>, I, R> generator<I> accumulate(R&& range,
                                                                            initial<I> init) {
    return detail::accumulate_impl<I>(detail::all(std::forward<R>(range)), std::plus<>{},
                                      std::optional<I>(std::move(init.value)));
}

/// `range | accumulate()`: the pipe form of `accumulate(range)`.
constexpr auto accumulate() { return CORIO_ITERTOOLS_PARTIAL(itertools::accumulate); }

/// `range | accumulate(args...)`: the pipe form of `accumulate(range, args...)` (`fn`,
/// `fn, initial(x)` or `initial(x)`).
template <class First, class... Rest>
requires(!iterable<First> && sizeof...(Rest) <= 1) constexpr auto accumulate(First first,
                                                                             Rest... rest) {
    return CORIO_ITERTOOLS_PARTIAL(itertools::accumulate, std::move(first), std::move(rest)...);
}

/// Python's `itertools.batched(iterable, n)` (3.12): the elements in vectors of `n` (the last
/// one may be shorter). Python yields tuples.
///
/// Errors: `std::invalid_argument` (Python's `ValueError`) if `n` < 1, thrown by the call
/// itself as in Python.
template <iterable R>
generator<std::vector<detail::value_t<R>>> batched(R&& range, std::int64_t n) {
    if (n < 1) detail::value_error("n must be at least one");
    return detail::batched_impl(detail::all(std::forward<R>(range)), static_cast<std::size_t>(n));
}

/// `range | batched(n)`: the pipe form of `batched(range, n)`.
inline auto batched(std::int64_t n) { return CORIO_ITERTOOLS_PARTIAL(itertools::batched, n); }

/// Python's `itertools.groupby(iterable)`: runs of equal consecutive elements, as pairs
/// `(element, run)`.
///
/// Differs from Python: each group is yielded materialized, as a `std::vector` of its elements,
/// rather than as a lazy sub-iterator sharing the input (so groups stay valid after advancing);
/// yielding a group therefore reads the first element of the next one.
template <iterable R>
requires std::equality_comparable<detail::value_t<R>>
    generator<detail::group_t<detail::all_t<R>, std::identity>> groupby(R&& range) {
    return detail::groupby_impl(detail::all(std::forward<R>(range)), std::identity{});
}

/// Python's `itertools.groupby(iterable, key)`: runs of consecutive elements with equal
/// `key(element)`, as pairs `(key, run)`, the run materialized in a `std::vector` (see above).
template <iterable R, class KeyFn>
requires std::invocable < KeyFn&, std::ranges::range_reference_t<R>
& > &&std::equality_comparable<detail::key_t<KeyFn, R>>
        generator<detail::group_t<detail::all_t<R>, KeyFn>> groupby(R&& range, KeyFn key) {
    return detail::groupby_impl(detail::all(std::forward<R>(range)), std::move(key));
}

/// `range | groupby()`: the pipe form of `groupby(range)`.
constexpr auto groupby() { return CORIO_ITERTOOLS_PARTIAL(itertools::groupby); }

/// `range | groupby(key)`: the pipe form of `groupby(range, key)`.
template <class KeyFn>
requires(!iterable<KeyFn>) constexpr auto groupby(KeyFn key) {
    return CORIO_ITERTOOLS_PARTIAL(itertools::groupby, std::move(key));
}

/// Python's `itertools.starmap(function, iterable)`: `std::apply(fn, args)` for each tuple-like
/// element `args` (`std::tuple`, `std::pair`, `std::array`) of `range`.
template <class F, iterable R>
requires(!std::is_void_v<decltype(std::apply(std::declval<F&>(),
                                             std::declval<std::ranges::range_reference_t<R>&>()))>)
    generator<detail::starmap_t<F, R>> starmap(F fn, R&& range) {
    return detail::starmap_impl(std::move(fn), detail::all(std::forward<R>(range)));
}

/// `range | starmap(fn)`: the pipe form of `starmap(fn, range)`.
template <class F>
constexpr auto starmap(F fn) {
    return CORIO_ITERTOOLS_PARTIAL_ARGS_FIRST(itertools::starmap, std::move(fn));
}

}  // namespace corio::itertools
