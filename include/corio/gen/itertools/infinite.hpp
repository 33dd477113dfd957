#pragma once
/// @file
/// Python's infinite iterators as `corio::generator`s: `count`, `cycle`, `repeat`.

#include <cstdint>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/gen/generator.hpp>
#include <corio/gen/itertools/detail/common.hpp>
#include <corio/gen/itertools/pipe.hpp>

namespace corio::itertools {

namespace detail {

template <class T>
generator<T> count_impl(T start, T step) {
    for (;;) {
        co_yield std::as_const(start);  // a copy: the consumer cannot disturb the counter
        start += step;
    }
}

template <class V>
generator<value_t<V>> cycle_impl(V view) {
    std::vector<value_t<V>> saved;
    for (auto&& item : view) {
        saved.push_back(item);
        co_yield std::as_const(saved.back());
    }
    if (saved.empty()) co_return;
    for (;;) {
        for (const auto& item : saved) co_yield item;
    }
}

template <class T>
generator<T> repeat_impl(T value, std::optional<std::int64_t> times) {
    if (!times) {
        for (;;) co_yield std::as_const(value);
    }
    for (std::int64_t i = 0; i < *times; ++i) co_yield std::as_const(value);
}

}  // namespace detail

/// Python's `itertools.count(start=0, step=1)`: `start`, `start + step`, `start + 2*step`, ...
/// forever, each value the previous one plus `step`.
///
/// The value type is `std::common_type_t<Start, Step>`. Differs from Python: the type is fixed,
/// so `count(1, 2.5)` yields `1.0, 3.5, 6.0` where Python yields `1, 3.5, 6.0`; integers can
/// overflow (Python's cannot).
template <class Start = int, class Step = int>
generator<std::common_type_t<Start, Step>> count(Start start = 0, Step step = 1) {
    using T = std::common_type_t<Start, Step>;
    return detail::count_impl<T>(static_cast<T>(start), static_cast<T>(step));
}

/// Python's `itertools.cycle(iterable)`: the elements of `range`, then copies of them saved
/// during that first pass, repeated forever (nothing if `range` is empty).
template <iterable R>
generator<detail::value_t<R>> cycle(R&& range) {
    return detail::cycle_impl(detail::all(std::forward<R>(range)));
}

/// `range | cycle()`: the pipe form of `cycle(range)`.
constexpr auto cycle() { return CORIO_ITERTOOLS_PARTIAL(itertools::cycle); }

/// Python's `itertools.repeat(value)`: copies of `value`, forever.
template <class T>
generator<std::decay_t<T>> repeat(T&& value) {
    return detail::repeat_impl<std::decay_t<T>>(std::forward<T>(value), std::nullopt);
}

/// Python's `itertools.repeat(value, times)`: `times` copies of `value` (none if `times` <= 0).
template <class T>
generator<std::decay_t<T>> repeat(T&& value, std::int64_t times) {
    return detail::repeat_impl<std::decay_t<T>>(std::forward<T>(value), times);
}

}  // namespace corio::itertools
