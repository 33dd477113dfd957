#pragma once
// Turning Python-style float-second timeouts into steady-clock deadlines, for the thread module.

#include <chrono>
#include <cmath>
#include <optional>

namespace corio::threading::detail {

/// `now + timeout` on the steady clock, or nothing when the timeout is too long to represent (the
/// caller then waits without a deadline). A negative or NaN timeout is "now": do not wait. Doing
/// this in doubles avoids the overflow that `now + hours::max()` would be.
inline std::optional<std::chrono::steady_clock::time_point> deadline_after(
    std::chrono::duration<double> timeout) {
    using clock = std::chrono::steady_clock;
    const clock::time_point now = clock::now();
    const double seconds = timeout.count();
    if (!(seconds > 0)) return now;  // also NaN
    const double left = std::chrono::duration<double>(clock::time_point::max() - now).count();
    // Keep well inside the representable range: a deadline centuries away is "never" anyway.
    if (std::isinf(seconds) || seconds >= left / 2) return std::nullopt;
    return now + std::chrono::ceil<clock::duration>(timeout);
}

}  // namespace corio::threading::detail
