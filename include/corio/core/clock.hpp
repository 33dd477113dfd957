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

}  // namespace corio
