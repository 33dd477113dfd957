#pragma once
/// @file
/// Python's combinatoric iterators: `product`, `permutations`, `combinations`,
/// `combinations_with_replacement`.
///
/// As in Python, each reads its whole input into a pool when called (not lazily at the first
/// step), then yields the selections lazily, in Python's order. `product` of several inputs
/// yields `std::tuple`s; the others (and `product` with `repeat_n`) yield `std::vector`s where
/// Python yields tuples, since their length is a run-time value.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <ranges>
#include <tuple>
#include <utility>
#include <vector>

#include <corio/gen/generator.hpp>
#include <corio/gen/itertools/detail/common.hpp>
#include <corio/gen/itertools/pipe.hpp>

namespace corio::itertools {

/// The repeat count of `product`, Python's `repeat=` keyword: `product(range, repeat_n{3})` is
/// Python's `product(range, repeat=3)`.
struct repeat_n {
    std::int64_t times;
    /// Holds `n` as the repeat count.
    constexpr explicit repeat_n(std::int64_t n) noexcept : times(n) {}
};

namespace detail {

/// `tuple(pool[i] for i in indices[:count])`, as a vector.
template <class T>
std::vector<T> pick(const std::vector<T>& pool, const std::vector<std::size_t>& indices,
                    std::size_t count) {
    std::vector<T> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back(pool[indices[i]]);
    return out;
}

template <class... Ts, std::size_t... Is>
std::tuple<Ts...> pick_row(const std::tuple<std::vector<Ts>...>& pools,
                           const std::array<std::size_t, sizeof...(Ts)>& indices,
                           std::index_sequence<Is...> /*unused*/) {
    return std::tuple<Ts...>(std::get<Is>(pools)[indices[Is]]...);
}

template <class... Ts>
generator<std::tuple<Ts...>> product_impl(std::tuple<std::vector<Ts>...> pools) {
    constexpr std::size_t n = sizeof...(Ts);
    const auto sizes = std::apply(
        [](const auto&... pool) { return std::array<std::size_t, n>{pool.size()...}; }, pools);
    if (std::ranges::find(sizes, std::size_t{0}) != sizes.end()) co_return;
    std::array<std::size_t, n> indices{};
    for (;;) {
        co_yield pick_row(pools, indices, std::index_sequence_for<Ts...>());
        // Odometer: the rightmost index advances fastest.
        std::size_t i = n;
        for (;;) {
            if (i == 0) co_return;
            --i;
            if (++indices[i] < sizes[i]) break;
            indices[i] = 0;
        }
    }
}

template <class T>
generator<std::vector<T>> product_repeat_impl(std::vector<T> pool, std::size_t r) {
    if (r > 0 && pool.empty()) co_return;
    std::vector<std::size_t> indices(r, 0);
    for (;;) {
        co_yield pick(pool, indices, r);
        std::size_t i = r;
        for (;;) {
            if (i == 0) co_return;
            --i;
            if (++indices[i] < pool.size()) break;
            indices[i] = 0;
        }
    }
}

/// The algorithm of Python's documented `permutations` equivalent.
template <class T>
generator<std::vector<T>> permutations_impl(std::vector<T> pool, std::size_t r) {
    const std::size_t n = pool.size();
    if (r > n) co_return;
    std::vector<std::size_t> indices(n);
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    std::vector<std::size_t> cycles(r);
    for (std::size_t i = 0; i < r; ++i) cycles[i] = n - i;
    co_yield pick(pool, indices, r);
    if (n == 0) co_return;
    for (;;) {
        bool advanced = false;
        for (std::size_t i = r; i-- > 0;) {
            if (--cycles[i] == 0) {
                std::rotate(indices.begin() + static_cast<std::ptrdiff_t>(i),
                            indices.begin() + static_cast<std::ptrdiff_t>(i) + 1, indices.end());
                cycles[i] = n - i;
            } else {
                std::swap(indices[i], indices[n - cycles[i]]);
                advanced = true;
                break;
            }
        }
        if (!advanced) co_return;
        co_yield pick(pool, indices, r);
    }
}

/// The algorithm of Python's documented `combinations` equivalent.
template <class T>
generator<std::vector<T>> combinations_impl(std::vector<T> pool, std::size_t r) {
    const std::size_t n = pool.size();
    if (r > n) co_return;
    std::vector<std::size_t> indices(r);
    std::iota(indices.begin(), indices.end(), std::size_t{0});
    co_yield pick(pool, indices, r);
    for (;;) {
        std::size_t i = r;
        bool found = false;
        while (i-- > 0) {
            if (indices[i] != i + n - r) {
                found = true;
                break;
            }
        }
        if (!found) co_return;
        ++indices[i];
        for (std::size_t j = i + 1; j < r; ++j) indices[j] = indices[j - 1] + 1;
        co_yield pick(pool, indices, r);
    }
}

/// The algorithm of Python's documented `combinations_with_replacement` equivalent.
template <class T>
generator<std::vector<T>> combinations_with_replacement_impl(std::vector<T> pool, std::size_t r) {
    const std::size_t n = pool.size();
    if (n == 0 && r > 0) co_return;
    std::vector<std::size_t> indices(r, 0);
    co_yield pick(pool, indices, r);
    for (;;) {
        std::size_t i = r;
        bool found = false;
        while (i-- > 0) {
            if (indices[i] != n - 1) {
                found = true;
                break;
            }
        }
        if (!found) co_return;
        std::fill(indices.begin() + static_cast<std::ptrdiff_t>(i), indices.end(), indices[i] + 1);
        co_yield pick(pool, indices, r);
    }
}

inline std::size_t check_r(std::int64_t r, const char* message) {
    if (r < 0) value_error(message);
    return static_cast<std::size_t>(r);
}

}  // namespace detail

/// Python's `itertools.product(*iterables)`: the Cartesian product, as tuples with one element
/// of each input, the rightmost varying fastest (`product()` yields one empty tuple).
template <iterable... Rs>
generator<std::tuple<detail::value_t<Rs>...>> product(Rs&&... ranges) {
    // Braces: the inputs are read left to right, as in Python.
    return detail::product_impl<detail::value_t<Rs>...>(
        std::tuple<std::vector<detail::value_t<Rs>>...>{
            detail::materialize(std::forward<Rs>(ranges))...});
}

/// Python's `itertools.product(iterable, repeat=n)`: the product of `range` with itself `n`
/// times, as vectors of `n` elements (Python yields tuples).
///
/// Errors: `std::invalid_argument` (Python's `ValueError`) if `n` < 0.
template <iterable R>
generator<std::vector<detail::value_t<R>>> product(R&& range, repeat_n n) {
    const std::size_t r = detail::check_r(n.times, "repeat argument cannot be negative");
    return detail::product_repeat_impl(detail::materialize(std::forward<R>(range)), r);
}

/// `range | product(repeat_n{n})`: the pipe form of `product(range, repeat_n{n})`.
inline auto product(repeat_n n) { return CORIO_ITERTOOLS_PARTIAL(itertools::product, n); }

/// Python's `itertools.permutations(iterable, r=None)`: the ordered selections of `r` distinct
/// positions of `range` (all of them when `r` is `none`), as vectors (nothing if `r` > size).
///
/// Errors: `std::invalid_argument` (Python's `ValueError`) if `r` < 0.
template <iterable R>
generator<std::vector<detail::value_t<R>>> permutations(R&& range,
                                                        std::optional<std::int64_t> r = none) {
    if (r) detail::check_r(*r, "r must be non-negative");
    auto pool = detail::materialize(std::forward<R>(range));
    const std::size_t size = r ? static_cast<std::size_t>(*r) : pool.size();
    return detail::permutations_impl(std::move(pool), size);
}

/// `range | permutations(r)`: the pipe form of `permutations(range, r)`.
inline auto permutations(std::optional<std::int64_t> r = none) {
    return CORIO_ITERTOOLS_PARTIAL(itertools::permutations, r);
}

/// Python's `itertools.combinations(iterable, r)`: the selections of `r` distinct positions of
/// `range` in input order, as vectors (nothing if `r` > size).
///
/// Errors: `std::invalid_argument` (Python's `ValueError`) if `r` < 0.
template <iterable R>
generator<std::vector<detail::value_t<R>>> combinations(R&& range, std::int64_t r) {
    const std::size_t size = detail::check_r(r, "r must be non-negative");
    return detail::combinations_impl(detail::materialize(std::forward<R>(range)), size);
}

/// `range | combinations(r)`: the pipe form of `combinations(range, r)`.
inline auto combinations(std::int64_t r) {
    return CORIO_ITERTOOLS_PARTIAL(itertools::combinations, r);
}

/// Python's `itertools.combinations_with_replacement(iterable, r)`: the selections of `r`
/// positions of `range` in input order, positions repeating, as vectors.
///
/// Errors: `std::invalid_argument` (Python's `ValueError`) if `r` < 0.
template <iterable R>
generator<std::vector<detail::value_t<R>>> combinations_with_replacement(R&& range,
                                                                         std::int64_t r) {
    const std::size_t size = detail::check_r(r, "r must be non-negative");
    return detail::combinations_with_replacement_impl(detail::materialize(std::forward<R>(range)),
                                                      size);
}

/// `range | combinations_with_replacement(r)`: the pipe form of
/// `combinations_with_replacement(range, r)`.
inline auto combinations_with_replacement(std::int64_t r) {
    return CORIO_ITERTOOLS_PARTIAL(itertools::combinations_with_replacement, r);
}

}  // namespace corio::itertools
