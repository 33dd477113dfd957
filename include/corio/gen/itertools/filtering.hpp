#pragma once
/// @file
/// Python's itertools that pass through a selection of one input's elements: `compress`,
/// `dropwhile`, `filterfalse`, `islice`, `takewhile`.
///
/// Each yields the input's elements unchanged (type `std::ranges::range_value_t` of the input) and
/// reads no further ahead than Python does.

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <ranges>
#include <utility>

#include <corio/gen/generator.hpp>
#include <corio/gen/itertools/detail/common.hpp>
#include <corio/gen/itertools/pipe.hpp>

namespace corio::itertools {

namespace detail {

template <class Data, class Selectors>
generator<value_t<Data>> compress_impl(Data data, Selectors selectors) {
    // As Python: fetch a datum, then its selector; stop when either input is exhausted. The
    // datum is held: reading the selector may have advanced it (`compress(g, g)`).
    cursor<Data, fetch::hold> items(data);
    cursor<Selectors> flags(selectors);
    while (items.next() && flags.next()) {
        if (static_cast<bool>(*flags)) co_yield *items;
    }
}

template <class V, class Pred>
generator<value_t<V>> dropwhile_impl(Pred pred, V view) {
    bool dropping = true;
    for (auto&& item : view) {
        if (dropping) {
            if (std::invoke(pred, item)) continue;
            dropping = false;
        }
        co_yield item;
    }
}

template <class V, class Pred>
generator<value_t<V>> filterfalse_impl(Pred pred, V view) {
    for (auto&& item : view) {
        if (!std::invoke(pred, item)) co_yield item;
    }
}

template <class V, class Pred>
generator<value_t<V>> takewhile_impl(Pred pred, V view) {
    for (auto&& item : view) {
        if (!std::invoke(pred, item)) co_return;
        co_yield item;
    }
}

/// CPython's `islice_next`, step for step, so the input is consumed exactly as in Python.
template <class V>
generator<value_t<V>> islice_impl(V view, std::int64_t start, std::optional<std::int64_t> stop,
                                  std::int64_t step) {
    cursor<V> it(view);
    std::int64_t count = 0;
    std::int64_t next = start;
    for (;;) {
        for (; count < next; ++count) {
            if (!it.next()) co_return;
        }
        if (stop && count >= *stop) co_return;
        if (!it.next()) co_return;
        ++count;
        next = step > std::numeric_limits<std::int64_t>::max() - next
                   ? std::numeric_limits<std::int64_t>::max()
                   : next + step;
        if (stop && next > *stop) next = *stop;
        co_yield *it;
    }
}

inline std::int64_t islice_index(std::optional<std::int64_t> index, std::int64_t absent,
                                 const char* message) {
    if (index && *index < 0) value_error(message);
    return index.value_or(absent);
}

}  // namespace detail

/// Python's `itertools.compress(data, selectors)`: the elements of `data` whose matching element
/// of `selectors` is true (converted to `bool`); stops when either input is exhausted.
template <iterable Data, iterable Selectors>
generator<detail::value_t<Data>> compress(Data&& data, Selectors&& selectors) {
    return detail::compress_impl(detail::all(std::forward<Data>(data)),
                                 detail::all(std::forward<Selectors>(selectors)));
}

/// `data | compress(selectors)`: the pipe form of `compress(data, selectors)`.
template <iterable Selectors>
auto compress(Selectors&& selectors) {
    return CORIO_ITERTOOLS_PARTIAL(itertools::compress,
                                   detail::all(std::forward<Selectors>(selectors)));
}

/// Python's `itertools.dropwhile(pred, iterable)`: skips elements while `pred` is true, then
/// yields every remaining element.
template <class Pred, iterable R>
requires detail::predicate_on<Pred, R> generator<detail::value_t<R>> dropwhile(Pred pred,
                                                                               R&& range) {
    return detail::dropwhile_impl(std::move(pred), detail::all(std::forward<R>(range)));
}

/// `range | dropwhile(pred)`: the pipe form of `dropwhile(pred, range)`.
template <class Pred>
constexpr auto dropwhile(Pred pred) {
    return CORIO_ITERTOOLS_PARTIAL_ARGS_FIRST(itertools::dropwhile, std::move(pred));
}

/// Python's `itertools.filterfalse(pred, iterable)`: the elements for which `pred` is false.
template <class Pred, iterable R>
requires detail::predicate_on<Pred, R> generator<detail::value_t<R>> filterfalse(Pred pred,
                                                                                 R&& range) {
    return detail::filterfalse_impl(std::move(pred), detail::all(std::forward<R>(range)));
}

/// `range | filterfalse(pred)`: the pipe form of `filterfalse(pred, range)`.
template <class Pred>
constexpr auto filterfalse(Pred pred) {
    return CORIO_ITERTOOLS_PARTIAL_ARGS_FIRST(itertools::filterfalse, std::move(pred));
}

/// Python's `itertools.takewhile(pred, iterable)`: elements while `pred` is true; stops at the
/// first false one (which is consumed, as in Python).
template <class Pred, iterable R>
requires detail::predicate_on<Pred, R> generator<detail::value_t<R>> takewhile(Pred pred,
                                                                               R&& range) {
    return detail::takewhile_impl(std::move(pred), detail::all(std::forward<R>(range)));
}

/// `range | takewhile(pred)`: the pipe form of `takewhile(pred, range)`.
template <class Pred>
constexpr auto takewhile(Pred pred) {
    return CORIO_ITERTOOLS_PARTIAL_ARGS_FIRST(itertools::takewhile, std::move(pred));
}

/// Python's `itertools.islice(iterable, stop)`: the first `stop` elements; `none` (or
/// `std::nullopt`) is Python's `None`, no limit.
///
/// Errors: `std::invalid_argument` (Python's `ValueError`) if `stop` is negative, thrown by the
/// call itself as in Python.
template <iterable R>
generator<detail::value_t<R>> islice(R&& range, std::optional<std::int64_t> stop) {
    detail::islice_index(stop, 0,
                         "Stop argument for islice() must be None or an integer: 0 <= x <= "
                         "sys.maxsize.");
    return detail::islice_impl(detail::all(std::forward<R>(range)), 0, stop, 1);
}

/// Python's `itertools.islice(iterable, start, stop[, step])`: the elements at indices `start`,
/// `start + step`, ... below `stop`. `none` (or `std::nullopt`) is Python's `None`: start 0, no
/// stop, step 1.
///
/// Errors: `std::invalid_argument` (Python's `ValueError`) if `start` or `stop` is negative or
/// `step` is below 1, thrown by the call itself as in Python.
template <iterable R>
generator<detail::value_t<R>> islice(R&& range, std::optional<std::int64_t> start,
                                     std::optional<std::int64_t> stop,
                                     std::optional<std::int64_t> step = none) {
    constexpr const char* indices =
        "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.";
    const std::int64_t first = detail::islice_index(start, 0, indices);
    detail::islice_index(stop, 0, indices);
    if (step && *step < 1) {
        detail::value_error("Step for islice() must be a positive integer or None.");
    }
    return detail::islice_impl(detail::all(std::forward<R>(range)), first, stop, step.value_or(1));
}

/// `range | islice(stop)`: the pipe form of `islice(range, stop)`.
inline auto islice(std::optional<std::int64_t> stop) {
    return CORIO_ITERTOOLS_PARTIAL(itertools::islice, stop);
}

/// `range | islice(start, stop[, step])`: the pipe form of `islice(range, start, stop, step)`.
inline auto islice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                   std::optional<std::int64_t> step = none) {
    return CORIO_ITERTOOLS_PARTIAL(itertools::islice, start, stop, step);
}

}  // namespace corio::itertools
