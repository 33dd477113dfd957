// io_awaiter (include/corio/io/detail/io_awaiter.hpp): the cancellation rule of every I/O wait.
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <corio/core/event_loop.hpp>
#include <corio/io/detail/io_awaiter.hpp>

#include "backend.hpp"

namespace corio::detail {

bool io_awaiter::await_suspend(std::coroutine_handle<>) {
    if (!task_) task_ = current_record;
    if (!task_) throw std::logic_error("corio: I/O must be awaited from a task");
    if (task_->cancel_pending()) [[unlikely]] {
        // Cancelled before it started: it never starts (see the rule).
        result_ = -ECANCELED;
        return false;
    }
    complete = &on_complete;
    int result = 0;
    if (!task_->loop()->io().submit(*this, result)) {
        static constexpr wait_ops ops{&cancel_wait, &describe_wait};
        wait_hook::ops = &ops;
        task_->waiting_ = this;
        return true;
    }
    result_ = result;
    if (--budget_left != 0) return false;
    // Ready at once, budget spent: go back to the loop first, so that a task reading a socket
    // that is always ready cannot starve timers, I/O and other tasks.
    task_->schedule();
    return true;
}

int io_awaiter::finish() {
    if (task_->cancel_pending()) [[unlikely]] {
        // A result that carries something (bytes, a descriptor) is returned; the cancellation
        // waits for the next suspension point. One that carries nothing is dropped for it.
        if (result_ >= 0) {
            task_->keep_cancel_pending();
        } else {
            task_->raise_pending_cancel();
        }
    }
    return result_;
}

void io_awaiter::on_complete(io_operation* op, int result) noexcept {
    auto* self = static_cast<io_awaiter*>(op);
    self->result_ = result;
    self->task_->schedule();
}

bool io_awaiter::cancel_wait(wait_hook* h, const std::string& message) {
    auto* self = static_cast<io_awaiter*>(h);
    if (!self->in_flight) return false;  // completed already: its result will be returned
    if (self->cancelling) return true;   // asked already; the completion will tell
    // Allocate first: if that throws, the operation must still be in flight, untouched.
    self->task_->deliver_cancel(message);
    self->task_->loop()->io().cancel(*self);
    return true;
}

void io_awaiter::describe_wait(const wait_hook* h, std::string& out) {
    const auto* self = static_cast<const io_awaiter*>(h);
    char text[96];
    std::snprintf(text, sizeof text, "%s on fd %d (%s)%s", io_opcode_name(self->opcode), self->fd,
                  std::string(self->task_->loop()->backend_name()).c_str(),
                  self->cancelling ? ", cancelling" : "");
    out += text;
}

void io_awaiter::abandon() noexcept { task_->loop()->io().abandon(*this); }

}  // namespace corio::detail
