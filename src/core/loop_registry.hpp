#pragma once
// Which loops are alive, in the whole process (a loop may be made on one thread and run on
// another). A future or task may outlive its loop (a handle kept after
// run() returned); its final report then goes to the default handler, not to a dead loop.

namespace corio {
class event_loop;
}

namespace corio::detail {

void register_live_loop(const event_loop* loop);
void unregister_live_loop(const event_loop* loop) noexcept;
[[nodiscard]] bool is_live_loop(const event_loop* loop) noexcept;

}  // namespace corio::detail
