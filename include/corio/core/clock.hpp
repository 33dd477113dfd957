#pragma once
/// @file
/// The loop's notion of time: a monotonic clock with nanosecond resolution (asyncio's
/// `loop.time()`), or a virtual one under `corio::testing` (see `loop_options`).

#include <chrono>

namespace corio {

/// The clock every deadline in corio is measured on (`event_loop::time()`).
using clock = std::chrono::steady_clock;
/// A span of loop time; any `std::chrono::duration` converts to it.
using duration = clock::duration;
/// A point in loop time, as returned by `event_loop::time()` and taken by `call_at`.
using time_point = clock::time_point;

namespace detail {

/// `t + d`, saturated instead of overflowing: every API that turns a delay into a deadline goes
/// through here, so `call_later(duration::max())` or `wait_for(aw, duration::max())` means
/// "never" (`time_point::max()`, which the loop never jumps to nor waits for) and
/// `call_later(duration::min())` means "now", like asyncio's `timeout=None` and `float('inf')`.
[[nodiscard]] constexpr time_point add_saturated(time_point t, duration d) noexcept {
    duration::rep sum{};
    if (__builtin_add_overflow(t.time_since_epoch().count(), d.count(), &sum)) {
        return d > duration::zero() ? time_point::max() : time_point::min();
    }
    return time_point(duration(sum));
}

/// `later - earlier`, saturated instead of overflowing (a poll timeout from a deadline).
[[nodiscard]] constexpr duration sub_saturated(time_point later, time_point earlier) noexcept {
    duration::rep diff{};
    if (__builtin_sub_overflow(later.time_since_epoch().count(), earlier.time_since_epoch().count(),
                               &diff)) {
        return later > earlier ? duration::max() : duration::min();
    }
    return duration(diff);
}

}  // namespace detail

}  // namespace corio
