// acceptor (acceptor.hpp): a multishot accept feeding a server's accept loop.
#include "acceptor.hpp"

#include <cerrno>
#include <string>

#include <unistd.h>

#include <corio/core/event_loop.hpp>
#include <corio/net/errors.hpp>

#include "../core/loop_registry.hpp"
#include "../io/backend.hpp"

namespace corio::detail {

acceptor::acceptor(net::socket& listener, std::size_t pause_at)
    : loop_(&get_running_loop()), listener_(&listener), pause_at_(pause_at) {
    op_.owner = this;
    op_.complete = &on_accept;
    op_.opcode = io_opcode::accept;
    op_.multishot = true;
}

acceptor::~acceptor() {
    // The kernel lets go first (connections it accepts meanwhile are closed by the backend),
    // then the ones nobody took are closed: their clients see the connection reset.
    if (op_.in_flight && is_live_loop(loop_) && !loop_->is_closed()) loop_->io().abandon(op_);
    for (int fd : queue_) ::close(fd);
}

void acceptor::arm() noexcept {
    op_.fd = listener_->fd();
    int result = 0;
    try {
        // A multishot accept never completes at once, except on a loop that is closing.
        if (!loop_->io().submit(op_, result)) return;
    } catch (const io_error& e) {
        result = -e.code().value();
    } catch (...) {
        result = -ENOMEM;
    }
    error_ = result < 0 ? -result : ECANCELED;
}

void acceptor::on_accept(io_operation* op, int result) noexcept {
    acceptor& self = *static_cast<accept_operation*>(op)->owner;
    if (result >= 0) {
        try {
            self.queue_.push_back(result);
        } catch (...) {
            ::close(result);  // out of memory: this client is turned away
        }
        if (self.queue_.size() >= self.pause_at_ && op->more && !self.stopping_) {
            // Enough waiting: the rest wait in the kernel's backlog until the task has taken
            // these.
            self.stopping_ = true;
            self.loop_->io().cancel(*op);
        }
    } else if (result == -ECANCELED && self.stopping_) {
        // Our own stop: not an error. A task already waiting again gets the accept again.
    } else if (result != -EAGAIN) {
        self.error_ = -result;
    }
    if (!op->more) {
        self.stopping_ = false;
        if (self.waiter_ && !self.ready()) self.arm();
    }
    if (self.ready()) self.wake();
}

void acceptor::wake() noexcept {
    if (task_record_base* t = std::exchange(waiter_, nullptr)) t->schedule();
}

bool acceptor::awaiter::await_suspend(std::coroutine_handle<>) noexcept {
    acceptor& a = *acceptor_;
    task_record_base* task = current_record;
    if (!a.op_.in_flight) {
        a.arm();
        if (a.ready()) return false;  // it could not start: the error is the result
    }
    static constexpr wait_ops ops{&cancel_wait, &describe_wait};
    wait_hook::ops = &ops;
    a.waiter_ = task;
    task->waiting_ = this;
    return true;
}

net::socket acceptor::awaiter::await_resume() {
    acceptor& a = *acceptor_;
    task_record_base* task = current_record;
    if (task->cancel_pending()) [[unlikely]] {
        // A connection that came is returned, the cancellation raised at the next suspension
        // point (io_awaiter's rule); with none, the wait raises it.
        if (a.queue_.empty()) task->raise_pending_cancel();
        task->keep_cancel_pending();
    }
    if (!a.queue_.empty()) {
        const int fd = a.queue_.front();
        a.queue_.pop_front();
        return net::socket(fd, a.listener_->family(), /*stream=*/true);
    }
    const int error = std::exchange(a.error_, 0);
    throw_socket_error(-error, "accept");
}

bool acceptor::awaiter::cancel_wait(wait_hook* h, const std::string& message) {
    auto* self = static_cast<awaiter*>(h);
    acceptor& a = *self->acceptor_;
    task_record_base* task = a.waiter_;
    if (!task) return false;  // woken already: what it was woken for is returned
    // The accept stays armed: a connection that comes meanwhile waits in the queue.
    task->deliver_cancel(message);
    a.waiter_ = nullptr;
    task->schedule();
    return true;
}

void acceptor::awaiter::describe_wait(const wait_hook* h, std::string& out) {
    const auto* self = static_cast<const awaiter*>(h);
    out += "accept on fd " + std::to_string(self->acceptor_->listener_->fd()) + " (multishot)";
}

}  // namespace corio::detail
