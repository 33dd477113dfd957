#pragma once
/// @file
/// The `|` syntax of `corio::itertools`: `range | corio::itertools::takewhile(pred)` is
/// `takewhile(pred, range)`, as `std::ranges` range adaptor closures work.
///
/// Every itertools function that takes one input range plus other arguments also has a form
/// without the range, which returns an `adaptor_closure` (partial application). Closures compose:
/// `auto small_evens = takewhile(lt10) | filterfalse(odd);` then `range | small_evens`.
/// Python has no such syntax; it is the C++ idiom for `f(range, args...)`.

#include <concepts>
#include <functional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

/// The pipe form of an itertools function: `CORIO_ITERTOOLS_PARTIAL(itertools::f, args...)` is a
/// closure calling `itertools::f(range, args...)` (`CORIO_ITERTOOLS_PARTIAL_ARGS_FIRST`:
/// `itertools::f(args..., range)`). The callable it binds is well-formed exactly when that call
/// is, so that a closure's lvalue and rvalue forms stay SFINAE-friendly.
#define CORIO_ITERTOOLS_PARTIAL(fn, ...)                                                          \
    ::corio::itertools::bind_back(                                                                \
        []<class R_, class... A_>(                                                                \
            R_&& r_, A_&&... a_) -> decltype(fn(std::forward<R_>(r_), std::forward<A_>(a_)...)) { \
            return fn(std::forward<R_>(r_), std::forward<A_>(a_)...);                             \
        } __VA_OPT__(, ) __VA_ARGS__)
#define CORIO_ITERTOOLS_PARTIAL_ARGS_FIRST(fn, ...)                                               \
    ::corio::itertools::bind_back(                                                                \
        []<class R_, class... A_>(                                                                \
            R_&& r_, A_&&... a_) -> decltype(fn(std::forward<A_>(a_)..., std::forward<R_>(r_))) { \
            return fn(std::forward<A_>(a_)..., std::forward<R_>(r_));                             \
        } __VA_OPT__(, ) __VA_ARGS__)

namespace corio::itertools {

/// A partially applied itertools function waiting for its input range: `range | closure` and
/// `closure(range)` call it with that range.
///
/// `F` is invoked with the range (an lvalue container or generator is kept by reference, as
/// `std::views` do; a temporary is owned). Closures are copyable when what they hold is; applying
/// an lvalue closure copies its arguments, applying an rvalue one moves them.
template <class F>
class adaptor_closure {
public:
    /// Wraps `fn`, a callable taking the input range.
    constexpr explicit adaptor_closure(F fn) noexcept(std::is_nothrow_move_constructible_v<F>)
        : fn_(std::move(fn)) {}

    /// Applies the closure to `range` (what `range | closure` does).
    template <std::ranges::input_range R>
    requires std::invocable<const F&, R>
    constexpr decltype(auto) operator()(R&& range) const& {
        return std::invoke(fn_, std::forward<R>(range));
    }
    /// Applies the closure to `range`, moving what it holds.
    template <std::ranges::input_range R>
    requires std::invocable<F, R>
    constexpr decltype(auto) operator()(R&& range) && {
        return std::invoke(std::move(fn_), std::forward<R>(range));
    }

private:
    F fn_;
};

namespace detail {

template <class T>
inline constexpr bool is_adaptor_closure = false;
template <class F>
inline constexpr bool is_adaptor_closure<adaptor_closure<F>> = true;

template <class T>
concept closure = is_adaptor_closure<std::remove_cvref_t<T>>;

/// `first`, then `second`: the callable behind a composed closure.
template <class First, class Second>
struct composed {
    First first;
    Second second;

    template <class R>
    requires std::invocable<const First&, R> &&
        std::invocable<const Second&, std::invoke_result_t<const First&, R>>
    constexpr decltype(auto) operator()(R&& range) const& {
        return second(first(std::forward<R>(range)));
    }
    template <class R>
    requires std::invocable<First, R> && std::invocable<Second, std::invoke_result_t<First, R>>
    constexpr decltype(auto) operator()(R&& range) && {
        return std::move(second)(std::move(first)(std::forward<R>(range)));
    }
};

/// `fn(range, args...)` with `args` stored: the callable behind a partially applied function.
/// `Fn` must be SFINAE-friendly (see `CORIO_ITERTOOLS_PARTIAL`).
template <class Fn, class... Args>
class partial {
public:
    constexpr explicit partial(Fn fn, Args... args) : fn_(fn), args_(std::move(args)...) {}

    template <class R>
    requires std::invocable<const Fn&, R, const Args&...>
    constexpr decltype(auto) operator()(R&& range) const& {
        return std::apply(
            [&](const Args&... args) -> decltype(auto) {
                return std::invoke(fn_, std::forward<R>(range), args...);
            },
            args_);
    }
    template <class R>
    requires std::invocable<const Fn&, R, Args...>
    constexpr decltype(auto) operator()(R&& range) && {
        return std::apply(
            [&](Args&... args) -> decltype(auto) {
                return std::invoke(fn_, std::forward<R>(range), std::move(args)...);
            },
            args_);
    }

private:
    [[no_unique_address]] Fn fn_;
    std::tuple<Args...> args_;
};

}  // namespace detail

/// `range | closure`: applies an itertools closure to `range` (`takewhile(pred, range)` for
/// `range | takewhile(pred)`).
template <std::ranges::input_range R, detail::closure C>
requires std::invocable<C, R>
constexpr decltype(auto) operator|(R&& range, C&& closure) {
    return std::forward<C>(closure)(std::forward<R>(range));
}

/// `closure1 | closure2`: a closure applying `closure1`, then `closure2` to its result.
template <detail::closure C1, detail::closure C2>
constexpr auto operator|(C1&& first, C2&& second) {
    using fn = detail::composed<std::remove_cvref_t<C1>, std::remove_cvref_t<C2>>;
    return adaptor_closure<fn>(fn{std::forward<C1>(first), std::forward<C2>(second)});
}

/// Partial application: a closure calling `fn(range, args...)`, with decayed copies of `args`.
/// `fn` should be SFINAE-friendly (see `CORIO_ITERTOOLS_PARTIAL`).
template <class Fn, class... Args>
constexpr auto bind_back(Fn fn, Args&&... args) {
    using bound = detail::partial<Fn, std::decay_t<Args>...>;
    return adaptor_closure<bound>(bound(fn, std::forward<Args>(args)...));
}

}  // namespace corio::itertools
