// corio::threading::event: a mutex, a condition variable, a flag and a generation count.

#include <corio/thread/event.hpp>

#include "deadline.hpp"

namespace corio::threading {

void event::set() {
    const std::lock_guard lock(mutex_);
    if (flag_) return;
    flag_ = true;
    ++generation_;
    // Notified under the mutex: a waiter that returns and destroys the event cannot do so before
    // this call is over.
    changed_.notify_all();
}

void event::clear() {
    const std::lock_guard lock(mutex_);
    flag_ = false;
}

bool event::is_set() const {
    const std::lock_guard lock(mutex_);
    return flag_;
}

bool event::wait() {
    std::unique_lock lock(mutex_);
    const std::uint64_t seen = generation_;
    changed_.wait(lock, [&] { return flag_ || generation_ != seen; });
    return true;
}

bool event::wait(std::chrono::duration<double> timeout) {
    const auto deadline = detail::deadline_after(timeout);
    if (!deadline) return wait();
    return wait_until(*deadline);
}

bool event::wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    const std::uint64_t seen = generation_;
    return changed_.wait_until(lock, deadline, [&] { return flag_ || generation_ != seen; });
}

}  // namespace corio::threading
