// stream_connection's multishot receive (see "multishot receive" in stream_connection.hpp): one
// receive armed per connection, its chunks appended to the reader's buffer as they come, from
// the loop's buffers (io_uring's provided buffers, or the epoll backend's scratch buffer, which
// it receives into on each readiness edge); the reader's buffer dropped whenever it is empty.
//
// The cancellation rule (docs/architecture.md) holds by construction: a chunk is appended by
// its completion whether or not a task waits, so a cancelled read has lost nothing; what it
// would have got stays buffered for the next read. The kernel owns no memory of ours: it writes
// into the loop's buffers only, and the operation itself lives until its final completion (the
// connection's destructor waits for it).
#include <algorithm>
#include <cerrno>
#include <exception>
#include <limits>
#include <string>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/net/errors.hpp>

#include "../core/loop_registry.hpp"
#include "../io/backend.hpp"
#include "recycled_strings.hpp"
#include "stream_connection.hpp"

namespace corio::detail {

void stream_connection::abandon_receive() noexcept {
    if (receive_op_.in_flight && is_live_loop(loop_) && !loop_->is_closed()) {
        loop_->io().abandon(receive_op_);
    }
}

stream_connection::receive_awaiter::~receive_awaiter() {
    if (task_ && c_->receive_waiter_ == task_) c_->receive_waiter_ = nullptr;
    if (task_) c_->receiving_ = false;
}

bool stream_connection::uses_multishot() noexcept {
    if (receive_mode_ == receive_mode::unknown) {
        // The multishot receive is recv's: a socket's only (a pipe's recv says ENOTSOCK).
        receive_mode_ = !is_pipe_ && loop_->io().multishot_recv() ? receive_mode::multishot
                                                                  : receive_mode::single;
    }
    return receive_mode_ == receive_mode::multishot;
}

void stream_connection::check_no_reader(const char* who) const {
    if (receiving_) {
        throw invalid_state_error(std::string(who) +
                                  "() called while another coroutine is already waiting for "
                                  "incoming data");
    }
}

task_record_base* stream_connection::park_receiver(wait_hook& hook, const wait_ops& ops) noexcept {
    hook.ops = &ops;
    task_record_base* const task = current_record;
    receiving_ = true;
    receive_waiter_ = task;
    task->waiting_ = &hook;
    return task;
}

bool stream_connection::cancel_receiver(task_record_base* task, const std::string& message) {
    if (receive_waiter_ != task) return false;  // woken already
    task->deliver_cancel(message);
    receive_waiter_ = nullptr;
    task->schedule();
    return true;
}

bool stream_connection::receive_awaiter::await_ready() {
    stream_connection& c = *c_;
    if (!c.uses_multishot()) {
        single_.emplace(c.receive_single(request_->need, request_->at_most, request_->who),
                        parent_);
        return false;
    }
    if (!c.may_receive(request_->who)) {
        result_ = false;
        return true;
    }
    if (!c.receive_op_.in_flight && !c.receive_stopping_) c.arm_receive();
    if (c.error_) std::rethrow_exception(c.error_);
    if (c.ended()) {  // end of file, or the connection (or loop) closed
        result_ = false;
        return true;
    }
    return false;
}

void stream_connection::receive_awaiter::await_suspend(std::coroutine_handle<> h) noexcept {
    if (single_) {
        single_->await_suspend(h);
        return;
    }
    static constexpr wait_ops ops{&cancel_wait, &describe_wait};
    task_ = c_->park_receiver(*this, ops);
}

bool stream_connection::receive_awaiter::await_resume() {
    if (single_) return single_->await_resume();
    if (!task_) return result_;  // ready at once: the stream had ended
    c_->receiving_ = false;
    task_record_base* const task = std::exchange(task_, nullptr);
    // Cancelled: whatever came is buffered, the next read has it.
    if (task->cancel_pending()) [[unlikely]] {
        task->raise_pending_cancel();
    }
    // Woken because the buffer grew, or the receive ended (the caller's next receive says how),
    // or it stopped with nothing and is armed again: the caller looks at the buffer again.
    return true;
}

bool stream_connection::receive_awaiter::cancel_wait(wait_hook* h, const std::string& message) {
    auto* self = static_cast<receive_awaiter*>(h);
    return self->c_->cancel_receiver(self->task_, message);
}

void stream_connection::receive_awaiter::describe_wait(const wait_hook* h, std::string& out) {
    const auto* self = static_cast<const receive_awaiter*>(h);
    out += "recv on fd " + std::to_string(self->c_->fd()) + " (multishot)";
}

// ---- read_some_awaiter (include/corio/net/detail/read_request.hpp) ---------------------------

read_some_awaiter::~read_some_awaiter() {
    if (task_ && c_->receive_waiter_ == task_) c_->receive_waiter_ = nullptr;
    if (task_) c_->receiving_ = false;
}

bool read_some_awaiter::await_ready() {
    stream_connection& c = *c_;
    if (n_ == 0) return true;  // nothing to read: asyncio's read(0) gives b'' at once
    c.check_no_reader("read");
    if (c.buffered() > 0) return true;
    if (!c.uses_multishot()) {
        single_.emplace(c.receive_single(1, std::numeric_limits<std::size_t>::max(), "read"),
                        parent_);
        return false;
    }
    if (!c.may_receive("read")) return true;  // ended: empty
    if (!c.receive_op_.in_flight && !c.receive_stopping_) c.arm_receive();
    if (c.error_) std::rethrow_exception(c.error_);
    return c.ended();  // end of file, or the connection (or loop) closed: empty
}

void read_some_awaiter::await_suspend(std::coroutine_handle<> h) noexcept {
    if (single_) {
        single_->await_suspend(h);
        return;
    }
    static constexpr wait_ops ops{&cancel_wait, &describe_wait};
    task_ = c_->park_receiver(*this, ops);
}

std::string read_some_awaiter::await_resume() {
    stream_connection& c = *c_;
    if (single_) {
        // True: bytes came into the buffer; false: the end. (A cancellation or error throws.)
        static_cast<void>(single_->await_resume());
    } else if (task_) {
        c.receiving_ = false;
        task_record_base* const task = std::exchange(task_, nullptr);
        // Cancelled: whatever came stays buffered, the next read has it.
        if (task->cancel_pending()) [[unlikely]] {
            task->raise_pending_cancel();
        }
        // Woken with bytes, or at the end (on_received); no other read took them meanwhile
        // (check_no_reader). Nothing buffered: the end, or the error that ended it.
        if (c.buffered() == 0 && c.error_) std::rethrow_exception(c.error_);
    }
    return c.take(std::min(n_, c.buffered()));
}

bool read_some_awaiter::cancel_wait(wait_hook* h, const std::string& message) {
    auto* self = static_cast<read_some_awaiter*>(h);
    return self->c_->cancel_receiver(self->task_, message);
}

void read_some_awaiter::describe_wait(const wait_hook* h, std::string& out) {
    const auto* self = static_cast<const read_some_awaiter*>(h);
    out += "read on fd " + std::to_string(self->c_->fd()) + " (multishot)";
}

void stream_connection::arm_receive() {
    receive_op_.complete = &on_received;
    receive_op_.opcode = io_opcode::recv;
    receive_op_.multishot = true;
    receive_op_.fd = fd();
    receive_op_.buffer = nullptr;
    receive_op_.length = 0;
    receive_op_.flags = 0;
    receive_op_.hints = io_hint_stream;
    int result = 0;
    // Never at once, except on a loop that is closing: then nothing more will come.
    if (loop_->io().submit(receive_op_, result)) eof_ = true;
}

bool stream_connection::append(const void* data, std::size_t n) noexcept {
    try {
        if (buffer_.empty()) {
            // Storage a sent chunk (or a taken buffer) left, if one fits: an echo allocates
            // nothing per message, and an idle connection holds no buffer.
            buffer_ = recycled_strings::take(n, recycled_strings::fit::at_least);
        } else if (head_ > 0 && buffer_.capacity() - tail_ < n) {
            compact();  // rather than grow
        }
        buffer_.append(static_cast<const char*>(data), n);
    } catch (...) {
        return false;
    }
    tail_ += n;
    return true;
}

void stream_connection::drop_buffer() noexcept {
    head_ = tail_ = 0;
    recycled_strings::give(std::exchange(buffer_, std::string()));
}

void stream_connection::on_received(io_operation* op, int result) noexcept {
    stream_connection& self = receiver_of(op);
    bool rearm = false;
    if (result > 0) {
        if (self.append(op->buffer, static_cast<std::size_t>(result))) {
            // No task waiting and enough buffered: stop until a read asks for more.
            if (op->more && !self.receive_waiter_ && self.buffered() >= self.limit_ &&
                !self.receive_stopping_) {
                self.receive_stopping_ = true;
                self.loop_->io().cancel(*op);
            }
            // The kernel stopped on its own (its queue full...): on, unless over the limit.
            rearm = !op->more && self.buffered() < self.limit_;
        } else {
            self.fail(std::make_exception_ptr(std::bad_alloc()), caller::completion);
        }
    } else if (result == 0) {
        self.eof_ = true;
    } else if (result == -ENOBUFS) {
        rearm = true;  // io_uring's buffers ran dry: they are coming back as chunks are copied
    } else if (result == -ECANCELED) {
        // Our own stop (a read arms it again; one waiting already gets it now), or the socket
        // closed, or the loop closing: nothing more.
        rearm = self.receive_stopping_ && self.receive_waiter_;
    } else if (self.state_ != state::closed) {
        try {
            self.fail(make_io_error(-result, "recv"), caller::completion);
        } catch (...) {
            self.fail(std::current_exception(), caller::completion);
        }
    }
    if (!op->more) {
        self.receive_stopping_ = false;
        if (rearm && self.state_ == state::open && !self.eof_ && !self.error_) {
            try {
                self.arm_receive();
            } catch (...) {
                self.fail(std::current_exception(), caller::completion);
            }
        }
    }
    if (task_record_base* t = self.receive_waiter_) {
        // Woken when bytes are buffered, or when nothing more will come without a new arm (the
        // end, an error, a close); not while the receive goes on empty, nor when it stopped
        // and was armed again: a read waiting in place (read_some_awaiter) cannot wait again.
        if (self.buffered() > 0 || !self.receive_op_.in_flight) {
            self.receive_waiter_ = nullptr;
            t->schedule();
        }
    }
}

}  // namespace corio::detail
