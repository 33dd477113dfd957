// detail::loop_fd (include/corio/io/detail/loop_fd.hpp): binding a descriptor to the running
// loop, and closing it in the order the backends need.
#include <stdexcept>
#include <string>

#include <unistd.h>

#include <corio/core/event_loop.hpp>
#include <corio/io/detail/loop_fd.hpp>

#include "../core/loop_registry.hpp"
#include "backend.hpp"

namespace corio::detail {

namespace {
/// A loop that can still be told about the descriptor (one whose run ended long ago and was
/// destroyed cannot, and needs not: its backend is gone with everything it knew).
bool reachable(event_loop* loop) noexcept {
    return loop && is_live_loop(loop) && !loop->is_closed();
}
}  // namespace

int loop_fd::bind_to_running_loop(const char* what) {
    event_loop* const running = running_loop;
    if (!running) {
        throw std::logic_error(std::string("corio: ") + what + " must be used from a task");
    }
    if (loop_ != running) [[unlikely]] {
        // Moving: the old loop forgets the descriptor, whose registration there would otherwise
        // go stale. Forget, not cancel: nothing may be in flight there while it moves.
        if (fd_ >= 0 && reachable(loop_))
            loop_->io().forget_fd(fd_, io_backend::fd_fate::stays_open);
        loop_ = running;
        if (fd_ >= 0) loop_->io().forget_fd(fd_, io_backend::fd_fate::stays_open);
    }
    return fd_;
}

void loop_fd::unbind(then next) noexcept {
    if (fd_ >= 0 && reachable(loop_)) {
        // Cancel first: a pending io_uring receive holds the file, and would keep a connection
        // open (no FIN sent) until it completed. Then forget, before the number can name another
        // descriptor.
        loop_->io().cancel_fd(fd_);
        loop_->io().forget_fd(fd_, next == then::close ? io_backend::fd_fate::closing
                                                       : io_backend::fd_fate::stays_open);
    }
    loop_ = nullptr;
}

void loop_fd::close() noexcept {
    if (fd_ < 0) return;
    unbind(then::close);
    ::close(std::exchange(fd_, -1));
}

int loop_fd::release() noexcept {
    unbind(then::keep_open);
    return std::exchange(fd_, -1);
}

}  // namespace corio::detail
