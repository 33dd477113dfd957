// Which loops are alive (src/core/loop_registry.hpp).
#include "loop_registry.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

#include <corio/core/event_loop.hpp>

namespace corio::detail {

namespace {
/// Every loop in the process that is not destroyed. Process-wide, not per thread: a loop may be
/// made on one thread and run on another. Never destroyed (static destruction order would race
/// with loops destroyed late), and reachable, so not a leak.
struct loop_registry {
    std::mutex mutex;
    std::vector<const event_loop*> loops;
};
loop_registry& live_loops() {
    static auto* const registry = new loop_registry;
    return *registry;
}
}  // namespace

void register_live_loop(const event_loop* loop) {
    std::lock_guard lock(live_loops().mutex);
    live_loops().loops.push_back(loop);
}
void unregister_live_loop(const event_loop* loop) noexcept {
    std::lock_guard lock(live_loops().mutex);
    std::erase(live_loops().loops, loop);
}
bool is_live_loop(const event_loop* loop) noexcept {
    if (loop == running_loop) return true;  // the common case, without the lock
    std::lock_guard lock(live_loops().mutex);
    const auto& loops = live_loops().loops;
    return std::find(loops.begin(), loops.end(), loop) != loops.end();
}

}  // namespace corio::detail
