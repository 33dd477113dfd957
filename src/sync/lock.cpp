// What a task waiting for a corio::lock waits for, for dump_tasks (include/corio/sync/lock.hpp).
#include <string>
#include <vector>

#include <corio/core/task_handle.hpp>
#include <corio/sync/lock.hpp>

namespace corio {

void lock::describe_wait(std::string& out, const detail::grant_waiter& w) const {
    out += "lock";
    if (!locked_) {
        out += " (being handed over)";
        return;
    }
    // The holder is named only if it is still a task of the waiter's loop: it may have finished
    // without releasing, and its record be gone.
    if (holder_ && w.task()) {
        for (const task_ref& t : w.task()->loop()->all_tasks()) {
            if (t.record() == holder_) {
                out += " held by Task \"" + holder_->name() + '"';
                return;
            }
        }
    }
    out += " (held)";
}

}  // namespace corio
