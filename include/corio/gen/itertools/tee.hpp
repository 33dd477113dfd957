#pragma once
/// @file
/// Python's `itertools.tee`: independent generators over one input, sharing a buffer.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <ranges>
#include <utility>
#include <vector>

#include <corio/gen/generator.hpp>
#include <corio/gen/itertools/detail/common.hpp>
#include <corio/gen/itertools/pipe.hpp>

namespace corio::itertools {

namespace detail {

/// What the copies made by one `tee` call share: the input, and the elements read from it that
/// some copy has not consumed yet.
template <class V>
class tee_state {
public:
    tee_state(V view, std::size_t copies) : view_(std::move(view)), positions_(copies, 0) {}
    tee_state(const tee_state&) = delete;
    tee_state& operator=(const tee_state&) = delete;

    /// The next element for copy `k`, read from the input when `k` is the most advanced copy;
    /// empty once the input is exhausted.
    std::optional<value_t<V>> next(std::size_t k) {
        std::size_t& position = positions_[k];
        if (position - base_ == buffer_.size()) {
            if (!source_.next()) return std::nullopt;
            buffer_.emplace_back(*source_);
        }
        std::optional<value_t<V>> item(buffer_[position - base_]);
        ++position;
        trim();
        return item;
    }

    /// Copy `k` is gone: it no longer holds elements in the buffer.
    void release(std::size_t k) noexcept {
        positions_[k] = std::numeric_limits<std::size_t>::max();
        trim();
    }

private:
    /// Drops the elements every copy has consumed.
    void trim() noexcept {
        if (positions_.empty()) return;
        const std::size_t lowest = *std::ranges::min_element(positions_);
        while (base_ < lowest && !buffer_.empty()) {
            buffer_.pop_front();
            ++base_;
        }
    }

    V view_;
    cursor<V> source_{view_};
    std::deque<value_t<V>> buffer_;
    std::size_t base_ = 0;                ///< input index of `buffer_.front()`
    std::vector<std::size_t> positions_;  ///< per copy, input index of its next element
};

/// One copy's share of a `tee_state`; releases it when the copy's generator is destroyed,
/// whether or not it ever ran.
template <class V>
class tee_link {
public:
    tee_link(std::shared_ptr<tee_state<V>> state, std::size_t index) noexcept
        : state_(std::move(state)), index_(index) {}
    tee_link(tee_link&& other) noexcept : state_(std::move(other.state_)), index_(other.index_) {}
    tee_link& operator=(tee_link&&) = delete;
    ~tee_link() {
        if (state_) state_->release(index_);
    }

    std::optional<value_t<V>> next() { return state_->next(index_); }

private:
    std::shared_ptr<tee_state<V>> state_;
    std::size_t index_;
};

template <class V>
generator<value_t<V>> tee_impl(tee_link<V> link) {
    while (auto item = link.next()) co_yield std::move(*item);
}

}  // namespace detail

/// Python's `itertools.tee(iterable, n=2)`: `n` independent generators over the elements of
/// `range`, which is read once.
///
/// The copies share one buffer: an element is kept only until every copy has consumed it (or
/// been destroyed), and each copy yields its own copy of it. As in Python, do not use `range`
/// elsewhere afterwards. Python returns a tuple; this returns a `std::vector`.
///
/// Errors: `std::invalid_argument` (Python's `ValueError`) if `n` < 0.
template <iterable R>
std::vector<generator<detail::value_t<R>>> tee(R&& range, std::int64_t n = 2) {
    if (n < 0) detail::value_error("n must be >= 0");
    using V = detail::all_t<R>;
    const auto copies = static_cast<std::size_t>(n);
    auto state =
        std::make_shared<detail::tee_state<V>>(detail::all(std::forward<R>(range)), copies);
    std::vector<generator<detail::value_t<R>>> out;
    out.reserve(copies);
    for (std::size_t k = 0; k < copies; ++k) {
        out.push_back(detail::tee_impl(detail::tee_link<V>(state, k)));
    }
    return out;
}

/// `range | tee(n)`: the pipe form of `tee(range, n)`.
inline auto tee(std::int64_t n = 2) { return CORIO_ITERTOOLS_PARTIAL(itertools::tee, n); }

}  // namespace corio::itertools
