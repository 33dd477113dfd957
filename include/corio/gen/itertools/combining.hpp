#pragma once
/// @file
/// Python's itertools that combine inputs or pair up elements: `chain`, `chain_from_iterable`,
/// `zip`, `zip_longest`, `enumerate`, `pairwise` (`zip` and `enumerate` are Python builtins,
/// included because they belong with the rest).
///
/// Tuples become `std::tuple` (or `std::pair` for two-element results); elements are copied into
/// them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

#include <corio/gen/generator.hpp>
#include <corio/gen/itertools/detail/common.hpp>
#include <corio/gen/itertools/pipe.hpp>

namespace corio::itertools {

/// The fill value of `zip_longest`, Python's `fillvalue=` keyword: `zip_longest(fillvalue(0), a,
/// b)` is Python's `zip_longest(a, b, fillvalue=0)`.
template <class T>
struct fillvalue {
    T value;
    /// Holds `v` as the fill value.
    constexpr explicit fillvalue(T v) : value(std::move(v)) {}
};
template <class T>
fillvalue(T) -> fillvalue<T>;

namespace detail {

template <class V, class Y>
inline constexpr bool is_owned_generator = false;
template <class Y>
inline constexpr bool is_owned_generator<std::ranges::owning_view<generator<Y>>, Y> = true;

template <class Y, class... Rs>
struct chain_value {
    using type = Y;
};
template <class... Rs>
struct chain_value<void, Rs...> {
    static_assert(sizeof...(Rs) > 0, "chain(): with no input, name the value type: chain<T>()");
    using type = std::common_type_t<value_t<Rs>...>;
};

/// What `chain` delegates to for one input: an owned `generator<Y>` itself (so `yield_from`
/// hands it every step directly), any other input as a range to yield element by element.
template <class Y, class V>
auto chain_source(V&& view) {
    if constexpr (is_owned_generator<std::remove_cvref_t<V>, Y>) {
        return corio::yield_from(std::move(view).base());
    } else {
        return corio::yield_from(std::move(view));
    }
}

template <class Y, class... Vs>
generator<Y> chain_impl(Vs... views) {
    ((co_yield chain_source<Y>(std::move(views))), ...);
}

template <class V>
using inner_value_t = std::ranges::range_value_t<std::ranges::range_reference_t<V>>;

template <class V>
generator<inner_value_t<V>> chain_from_iterable_impl(V outer) {
    for (auto&& inner : outer) {
        if constexpr (single_pass<V> &&
                      std::is_lvalue_reference_v<std::ranges::range_reference_t<V>>) {
            // The inner range belongs to the outer input, which another reader of a shared
            // generator may advance (replacing or destroying the range) while this one is
            // suspended: iterate a copy, as Python holds on to the inner iterable.
            auto held = take_element<V>(inner);
            for (auto&& item : held) co_yield item;
        } else {
            for (auto&& item : inner) co_yield item;
        }
    }
}

/// How zip's cursor for input `input` of `inputs` fetches: each input but the last is read after
/// the inputs to its right have advanced, which may have advanced it too (`zip(g, g)`), so its
/// element is held.
constexpr fetch zip_fetch(std::size_t input, std::size_t inputs) noexcept {
    return input + 1 < inputs ? fetch::hold : fetch::view;
}

template <class... Vs, std::size_t... Is>
auto zip_cursors(std::index_sequence<Is...> /*unused*/, Vs&... views) {
    return std::tuple<cursor<Vs, zip_fetch(Is, sizeof...(Vs))>...>(views...);
}

template <class... Vs>
generator<std::tuple<value_t<Vs>...>> zip_impl(Vs... views) {
    if constexpr (sizeof...(Vs) == 0) {
        co_return;
    } else {
        auto cursors = zip_cursors(std::index_sequence_for<Vs...>(), views...);
        // As Python: advance the inputs left to right, stop at the first exhausted one.
        while (std::apply([](auto&... c) { return (c.next() && ...); }, cursors)) {
            co_yield std::apply([](auto&... c) { return std::tuple<value_t<Vs>...>(c.take()...); },
                                cursors);
        }
    }
}

/// One round of `zip_longest`: advances every input not yet exhausted, left to right. Returns the
/// row (empty slots for exhausted inputs), or nothing once every input is exhausted.
template <class... Vs>
std::optional<std::tuple<std::optional<value_t<Vs>>...>> zip_longest_row(
    std::tuple<cursor<Vs>...>& cursors) {
    std::size_t active = 0;
    auto row = std::apply(
        [&active](auto&... c) {
            const auto fetch = [&active](auto& cur) {
                std::optional<typename std::remove_cvref_t<decltype(cur)>::value_type> slot;
                if (cur.next()) {
                    ++active;
                    slot.emplace(*cur);
                }
                return slot;
            };
            // Braces: the inputs are advanced left to right, as in Python.
            return std::tuple<std::optional<value_t<Vs>>...>{fetch(c)...};
        },
        cursors);
    if (active == 0) return std::nullopt;
    return row;
}

template <class... Vs>
generator<std::tuple<std::optional<value_t<Vs>>...>> zip_longest_impl(Vs... views) {
    auto cursors = std::tuple<cursor<Vs>...>(cursor<Vs>(views)...);
    while (auto row = zip_longest_row<Vs...>(cursors)) co_yield std::move(*row);
}

template <class F, class... Vs>
generator<std::tuple<value_t<Vs>...>> zip_longest_fill_impl(F fill, Vs... views) {
    auto cursors = std::tuple<cursor<Vs>...>(cursor<Vs>(views)...);
    while (auto row = zip_longest_row<Vs...>(cursors)) {
        co_yield std::apply(
            [&fill](auto&... slots) {
                return std::tuple<value_t<Vs>...>(
                    (slots ? std::move(*slots)
                           : static_cast<std::remove_cvref_t<decltype(*slots)>>(fill))...);
            },
            *row);
    }
}

template <class V>
generator<std::pair<std::int64_t, value_t<V>>> enumerate_impl(V view, std::int64_t start) {
    for (auto&& item : view) {
        co_yield std::pair<std::int64_t, value_t<V>>(start, item);
        ++start;
    }
}

template <class V>
generator<std::pair<value_t<V>, value_t<V>>> pairwise_impl(V view) {
    std::optional<value_t<V>> previous;
    for (auto&& item : view) {
        if (!previous) {
            previous.emplace(item);
            continue;
        }
        // Both copies are made before the pair is yielded: while this generator is suspended,
        // another reader of a shared input may advance it and change what `item` refers to.
        std::pair<value_t<V>, value_t<V>> pair(std::move(*previous), item);
        previous.emplace(pair.second);
        co_yield pair;
    }
}

}  // namespace detail

/// Python's `itertools.chain(*iterables)`: the elements of each input in turn.
///
/// The value type is `Y`, by default the common type of the inputs' value types (give it
/// explicitly to mix types, e.g. `chain<std::variant<char, int>>(text, numbers)`). A temporary
/// `generator<Y>` input is delegated to with `yield_from`.
template <class Y = void, iterable... Rs>
generator<typename detail::chain_value<Y, Rs...>::type> chain(Rs&&... ranges) {
    using T = typename detail::chain_value<Y, Rs...>::type;
    return detail::chain_impl<T>(detail::all(std::forward<Rs>(ranges))...);
}

/// Python's `itertools.chain.from_iterable(iterable)`: the elements of each range that `range`
/// yields, in turn (the inner ranges are read lazily, one at a time).
///
/// When `range` is single-pass (a generator), each inner range is copied (moved if it cannot be
/// copied) before it is read, as Python holds on to it: a generator's yielded range changes when
/// it is stepped, and another reader of a shared generator may step it meanwhile.
template <iterable R>
requires std::ranges::input_range<std::ranges::range_reference_t<R>>
    generator<detail::inner_value_t<R>> chain_from_iterable(R&& range) {
    return detail::chain_from_iterable_impl(detail::all(std::forward<R>(range)));
}

/// `range | chain_from_iterable()`: the pipe form of `chain_from_iterable(range)`.
constexpr auto chain_from_iterable() {
    return CORIO_ITERTOOLS_PARTIAL(itertools::chain_from_iterable);
}

/// Python's `zip(*iterables)`: tuples of the inputs' elements at the same position; stops at the
/// shortest input (nothing for no input).
template <iterable... Rs>
generator<std::tuple<detail::value_t<Rs>...>> zip(Rs&&... ranges) {
    return detail::zip_impl(detail::all(std::forward<Rs>(ranges))...);
}

/// Python's `itertools.zip_longest(*iterables)`: like `zip`, but goes on until the longest input
/// is exhausted; a shorter input's missing elements are empty optionals (Python's `None`).
template <iterable... Rs>
generator<std::tuple<std::optional<detail::value_t<Rs>>...>> zip_longest(Rs&&... ranges) {
    return detail::zip_longest_impl(detail::all(std::forward<Rs>(ranges))...);
}

/// Python's `itertools.zip_longest(*iterables, fillvalue=x)`, written
/// `zip_longest(fillvalue(x), ranges...)` (the tag comes first): like `zip_longest`, with a
/// shorter input's missing elements replaced by copies of `x` (converted to that input's value
/// type), so the tuples hold plain values.
template <class F, iterable... Rs>
generator<std::tuple<detail::value_t<Rs>...>> zip_longest(fillvalue<F> fill, Rs&&... ranges) {
    return detail::zip_longest_fill_impl(std::move(fill.value),
                                         detail::all(std::forward<Rs>(ranges))...);
}

/// Python's `enumerate(iterable, start=0)`: pairs of (`start` + position, element).
template <iterable R>
generator<std::pair<std::int64_t, detail::value_t<R>>> enumerate(R&& range,
                                                                 std::int64_t start = 0) {
    return detail::enumerate_impl(detail::all(std::forward<R>(range)), start);
}

/// `range | enumerate(start)`: the pipe form of `enumerate(range, start)`.
inline auto enumerate(std::int64_t start = 0) {
    return CORIO_ITERTOOLS_PARTIAL(itertools::enumerate, start);
}

/// Python's `itertools.pairwise(iterable)`: pairs of successive overlapping elements, `(a, b)`,
/// `(b, c)`, ... (nothing for fewer than two elements).
template <iterable R>
generator<std::pair<detail::value_t<R>, detail::value_t<R>>> pairwise(R&& range) {
    return detail::pairwise_impl(detail::all(std::forward<R>(range)));
}

/// `range | pairwise()`: the pipe form of `pairwise(range)`.
constexpr auto pairwise() { return CORIO_ITERTOOLS_PARTIAL(itertools::pairwise); }

}  // namespace corio::itertools
