#pragma once
/// @file
/// Shared plumbing for `corio::itertools`: how inputs are stored (`std::views::all` semantics),
/// a Python-style cursor over an input range, and argument checks.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <corio/gen/generator.hpp>

namespace corio::itertools {

/// An input the itertools functions accept: an input range that `std::views::all` can store (a
/// container, a view, a generator; named ones by reference, temporaries by ownership).
template <class R>
concept iterable = std::ranges::input_range<R> && std::ranges::viewable_range<R>;

/// Python's `None` where an itertools argument accepts it (`islice`'s start, stop and step,
/// `permutations`' r); the same value as `std::nullopt`.
inline constexpr std::nullopt_t none = std::nullopt;

}  // namespace corio::itertools

namespace corio::itertools::detail {

/// Converts an input to the view an itertools generator stores, as `std::views::all` does:
/// lvalues (containers, generators) by reference (`ref_view`), rvalues owned (`owning_view`),
/// views copied or moved in.
template <iterable R>
constexpr auto all(R&& range) {
    return std::views::all(std::forward<R>(range));
}

/// The view type an itertools generator stores for an input of type `R` (what `all` returns).
template <class R>
using all_t = std::views::all_t<R>;

/// The element type of an input: what the adaptors yield (copies, as Python yields objects).
template <class R>
using value_t = std::ranges::range_value_t<R>;

/// `F` can be called as a predicate on the elements of `R` (lvalues, as the adaptors pass them).
template <class F, class R>
concept predicate_on = iterable<R> && std::predicate < F&,
        std::ranges::range_reference_t<R>
& > ;

/// True when advancing one reader of `V` can change the element another reader is looking at:
/// every iterator of a generator reads the one value it yielded last, and so does every iterator
/// of an adaptor passing a generator's values through. Forward ranges keep their elements where
/// they are. Python's objects outlive the iterator that produced them; an element of a
/// single-pass input must be copied to outlive the next step of that input, whoever takes it.
template <class V>
inline constexpr bool single_pass = !std::ranges::forward_range<V>;

/// An element of `V` copied out of the input, as `generator::next()` takes a value: copied, or
/// moved if its type cannot be copied.
template <class V, class Ref>
value_t<V> take_element(Ref&& element) {
    if constexpr (std::is_constructible_v<value_t<V>, Ref&&>) {
        return value_t<V>(std::forward<Ref>(element));
    } else {
        return value_t<V>(std::move(element));
    }
}

/// How a `cursor` gives access to the element it fetched.
enum class fetch : std::uint8_t {
    view,  ///< through the input's iterator: valid until the input advances
    hold,  ///< copied into the cursor if the input is single-pass: valid until the cursor advances,
           ///< even if another reader of a shared generator advances it first
};

/// Python's iterator protocol over a stored view: `next()` fetches the following element
/// (`begin()` the first time, `++it` afterwards) and reports exhaustion, after which it stays
/// exhausted and never touches the input again. Keeps a pointer to the view: both must live in
/// the same coroutine frame (or heap object).
///
/// An adaptor of several inputs reads an element after advancing the inputs that come after it
/// (`zip(g, g)` reads its first element after its second input advanced `g`): the cursors of
/// those inputs use `fetch::hold`, which costs a copy only for single-pass inputs.
template <class V, fetch Mode = fetch::view>
class cursor {
    static constexpr bool holds = Mode == fetch::hold && single_pass<V>;

public:
    using value_type = value_t<V>;

    explicit cursor(V& view) noexcept : view_(std::addressof(view)) {}

    /// Python's `next(it)`: true if an element was fetched (read it with `*`), false once
    /// exhausted.
    bool next() {
        if (done_) return false;
        if (!it_) {
            it_.emplace(std::ranges::begin(*view_));
        } else {
            ++*it_;
        }
        if (*it_ == std::ranges::end(*view_)) {
            done_ = true;
        } else if constexpr (holds) {
            held_.emplace(take_element<V>(**it_));
        }
        return !done_;
    }

    /// True once `next()` has reported exhaustion.
    [[nodiscard]] bool done() const noexcept { return done_; }

    /// The current element. Precondition: the last `next()` returned true.
    decltype(auto) operator*() {
        if constexpr (holds) {
            return (*held_);
        } else {
            return **it_;
        }
    }

    /// The current element, read for the last time: a held copy is moved out.
    decltype(auto) take() {
        if constexpr (holds) {
            return std::move(*held_);
        } else {
            return **it_;
        }
    }

private:
    V* view_;
    std::optional<std::ranges::iterator_t<V>> it_;
    [[no_unique_address]] std::conditional_t<holds, std::optional<value_type>, std::monostate>
        held_;
    bool done_ = false;
};

/// Python's `ValueError`, spelled `std::invalid_argument`.
[[noreturn]] inline void value_error(const char* message) { throw std::invalid_argument(message); }

/// Python's `tuple(iterable)`: the input's elements, copied into a vector.
template <class R>
std::vector<value_t<R>> materialize(R&& range) {
    auto view = detail::all(std::forward<R>(range));
    std::vector<value_t<R>> pool;
    if constexpr (std::ranges::sized_range<decltype(view)>) pool.reserve(std::ranges::size(view));
    for (auto&& item : view) pool.emplace_back(std::forward<decltype(item)>(item));
    return pool;
}

}  // namespace corio::itertools::detail
