// stream_connection (stream_connection.hpp): the connection's life, and the writer's transport,
// which sends the queue in the background with one sendmsg (a socket) or writev (a pipe) of
// several chunks at a time.
#include "stream_connection.hpp"

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <utility>

#include <sys/socket.h>
#include <unistd.h>

#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/net/errors.hpp>

#include "../io/backend.hpp"
#include "recycled_strings.hpp"

namespace corio::detail {

namespace {
/// A write this small is appended to the last queued chunk (if no send points into it) rather
/// than queued as a chunk of its own: many small writes then go out in few iovecs.
constexpr std::size_t coalesce_below = 4096;
constexpr std::size_t coalesce_chunk_max = 64 * 1024;
}  // namespace

std::shared_ptr<stream_connection> stream_connection::make(net::socket connected,
                                                           std::size_t limit) {
    if (limit == 0) throw std::invalid_argument("stream limit cannot be 0");
    if (!connected.is_open() || connected.type() != net::socket_type::stream) {
        throw std::invalid_argument("streams need an open stream socket");
    }
    event_loop& loop = get_running_loop();
    // Binds the socket to this loop: the transport submits on its descriptor directly, and the
    // socket's close() must know the loop to cancel that send and forget the descriptor.
    connected.bind_to_running_loop();
    auto c = std::make_shared<stream_connection>(made_by_make{}, limit, loop);
    c->socket_ = std::move(connected);
    c->queue_first_ = loop.io().batches_submissions();
    return c;
}

// The budget of an idle connection (bench/net's idle test): with its reference counts, one
// 384-byte block of the allocator. A member that outgrows it should be worth its bytes.
static_assert(sizeof(void*) != 8 || sizeof(stream_connection) <= 360,
              "stream_connection outgrew its budget: see \"Size\" in stream_connection.hpp");

stream_connection::stream_connection(made_by_make, std::size_t limit, event_loop& loop)
    : loop_(&loop), socket_(), limit_(limit) {
    static constexpr ready_ops deferred_ops{&run_deferred, &discard_deferred};
    deferred_.ops = &deferred_ops;
}

stream_connection::~stream_connection() {
    // No send is in flight: a handle holds the state meanwhile, or the transport once both are
    // gone (`held_by_send_`), or the loop closing has reaped it. The descriptor's own close
    // cancels and forgets what a reader left.
    close_fd();
    abandon_receive();
    if (is_pipe_) {
        std::destroy_at(&pipe_);
    } else {
        std::destroy_at(&socket_);
    }
}

void stream_connection::hold_for_send() noexcept {
    // Called while the state is held (by the handle being dropped, the task in a write, or a
    // hold of its own already): shared_from_this cannot fail.
    if (!self_ref_) self_ref_ = shared_from_this();
    held_by_send_ = true;
}

std::optional<net::address> stream_connection::address(address_kind kind) const {
    if (is_pipe_) return std::nullopt;
    if (addresses_) {
        const compact_address& kept =
            kind == address_kind::peer ? addresses_->peer : addresses_->local;
        if (kept.known()) return kept.get();
    }
    if (!socket_.is_open()) return std::nullopt;
    std::optional<net::address> a;
    try {
        a = kind == address_kind::peer ? socket_.peer_address() : socket_.local_address();
    } catch (const io_error&) {  // ENOTCONN: the peer is gone (a reset), or never connected
        return std::nullopt;
    }
    if (!addresses_) addresses_ = std::make_unique<known_addresses>();
    (kind == address_kind::peer ? addresses_->peer : addresses_->local) = compact_address(*a);
    return a;
}

void stream_connection::close_fd() noexcept {
    if (is_pipe_) {
        pipe_.close();
    } else {
        socket_.close();
    }
}

void stream_connection::drop_handle() noexcept {
    if (--handles_ != 0) return;
    // From here on, a send in flight holds the state (the queue it points into) itself. The
    // handle being dropped still holds it, so shared_from_this cannot fail.
    if (sending()) hold_for_send();
    close();
}

// ---- closing ----------------------------------------------------------------------------------

void stream_connection::close() noexcept {
    if (state_ != state::open) return;
    state_ = state::closing;
    // With a send in flight, the transport closes it once the queue is sent (went_idle); with a
    // sendfile running, end_sendfile does.
    if (!sending() && !sendfile_active_) went_idle(caller::task);
}

void stream_connection::abort() noexcept {
    if (state_ == state::closed) return;
    discard_queue_ = true;
    if (!sending()) {
        queue_.clear();
        front_sent_ = 0;
    }
    queued_ = 0;
    close_now();
}

void stream_connection::fail(std::exception_ptr error, caller from) noexcept {
    if (!error_) error_ = std::move(error);
    discard_queue_ = true;
    if (!sending()) {
        queue_.clear();
        front_sent_ = 0;
    }
    queued_ = 0;
    if (from == caller::completion) {
        defer(deferred_close::yes);
    } else {
        close_now();
    }
}

void stream_connection::close_now() noexcept {
    if (state_ == state::closed) return;
    state_ = state::closed;
    // Cancels a send in flight (epoll: its callback runs inside this call; io_uring: later, and
    // the queue stays alive until then) and a reader's receive, which then reads end of file.
    close_fd();
    paused_ = false;
    notify_changed();
}

void stream_connection::defer(deferred_close close) noexcept {
    deferred_close_ = deferred_close_ || close == deferred_close::yes;
    // The send's hold (if any) passes to the deferred node, which lets go on the next
    // iteration; else the node takes one (the state is held now: by the send, or by the task
    // whose operation completed).
    held_by_send_ = false;
    if (deferred_queued_) return;
    if (!self_ref_) self_ref_ = shared_from_this();
    deferred_queued_ = true;
    loop_->schedule(&deferred_);
}

std::shared_ptr<stream_connection> stream_connection::deferred_done() noexcept {
    deferred_queued_ = false;
    if (held_by_send_) return nullptr;  // a send held it again meanwhile: it keeps it
    return std::move(self_ref_);
}

void stream_connection::run_deferred(ready_node* node) {
    stream_connection& self = deferred_of(node);
    // Last: this may be the last reference, and destroy `self`.
    const std::shared_ptr<stream_connection> keep = self.deferred_done();
    if (std::exchange(self.deferred_close_, false)) self.close_now();
}

void stream_connection::discard_deferred(ready_node* node) noexcept {
    // The loop is closing: its tasks are being torn down, so no waiter is woken now.
    const std::shared_ptr<stream_connection> keep = deferred_of(node).deferred_done();
}

// ---- writing ----------------------------------------------------------------------------------

void stream_connection::check_writable() const {
    if (error_) std::rethrow_exception(error_);
    if (state_ != state::open) throw invalid_state_error("write() after close()");
    if (sendfile_active_) throw invalid_state_error("Cannot call write() while sendfile() runs");
    if (write_eof_ != eof_state::none) {
        throw invalid_state_error("Cannot call write() after write_eof()");
    }
}

std::size_t stream_connection::send_now(std::string_view data) {
    // Nothing is queued nor in flight (the caller checked): send what the descriptor takes now,
    // as asyncio's write does, so that only the rest waits for the transport. A pipe has no
    // MSG_NOSIGNAL: its EPIPE comes without SIGPIPE because the loop ignores that signal
    // (event_loop.hpp), as Python does; the pipe is non-blocking since it was adopted.
    const ssize_t n = is_pipe_
                          ? ::write(fd(), data.data(), data.size())
                          : ::send(fd(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    std::exception_ptr e = make_io_error(errno, write_name());
    fail(e, caller::task);
    std::rethrow_exception(e);
}

void stream_connection::write(std::string_view data) {
    check_writable();
    if (data.empty()) return;
    if (queue_.empty() && !sending() && !queue_first_) {
        data.remove_prefix(send_now(data));
        if (data.empty()) return;
    }
    enqueue(data);
    update_flow();
    if (!sending()) flush(caller::task);
}

void stream_connection::write(std::string&& data) {
    if (data.size() < coalesce_below && queue_.size() > iov_chunks()) {
        // The last chunk may take it (no send points into that one): fewer, larger sends.
        write(std::string_view(data));
        return;
    }
    check_writable();
    if (data.empty()) return;
    // Queue the string itself (no copy), its prefix sent now counted in front_sent_.
    if (queue_.empty() && !sending() && !queue_first_) {
        const std::size_t n = send_now(data);
        if (n == data.size()) {
            // All sent: its storage serves a later read, as a queued chunk's does once sent.
            recycled_strings::give(std::move(data));
            return;
        }
        front_sent_ = n;
        queued_ += data.size() - n;
    } else {
        queued_ += data.size();
    }
    queue_.push_back(std::move(data));
    update_flow();
    if (!sending()) flush(caller::task);
}

void stream_connection::enqueue(std::string_view data) {
    // Append to the last chunk if it is small and no send in flight points into it (appending
    // may move its bytes).
    if (data.size() < coalesce_below && queue_.size() > iov_chunks() &&
        queue_.back().size() + data.size() <= coalesce_chunk_max) {
        queue_.back().append(data);
    } else {
        queue_.push_back(data);
    }
    queued_ += data.size();
}

void stream_connection::write_eof() {
    if (state_ != state::open || write_eof_ != eof_state::none) return;
    if (is_pipe_) {
        // A pipe cannot half-close: its write_eof closes it once the queue is out (asyncio's
        // _UnixWritePipeTransport does the same).
        close();
        return;
    }
    write_eof_ = eof_state::pending;
    if (queue_.empty() && !sending() && !sendfile_active_) shutdown_write();
}

void stream_connection::shutdown_write() noexcept {
    write_eof_ = eof_state::done;
    try {
        socket_.shutdown(net::shutdown_how::write);
    } catch (const io_error&) {
        // ENOTCONN: the peer is gone already; the reader will say how.
    }
}

void stream_connection::set_limits(std::size_t high, std::size_t low) noexcept {
    high_ = high;
    low_ = low;
    update_flow();
}

void stream_connection::update_flow() noexcept {
    // asyncio's pause_writing / resume_writing, with the same marks: pause above high, resume
    // at or below low. Waiters are woken when what they wait for may have come: resumed, or
    // the queue empty.
    bool resumed = false;
    if (!paused_ && queued_ > high_) {
        paused_ = true;
    } else if (paused_ && queued_ <= low_) {
        paused_ = false;
        resumed = true;
    }
    if (resumed || queued_ == 0) notify_changed();
}

// ---- the transport ----------------------------------------------------------------------------

void stream_connection::flush(caller from) noexcept {
    while (!queue_.empty() && fd_open() && !discard_queue_) {
        // One sendmsg (writev) for up to max_iov chunks, pointing into the queue itself (one
        // send for one chunk).
        if (!vector_) {
            try {
                vector_ = std::make_unique<send_vector>();
            } catch (...) {
                fail(std::current_exception(), from);
                went_idle(from);
                return;
            }
            vector_->op.owner = this;
            vector_->op.complete = &on_sent;
        }
        send_operation& op = vector_->op;
        iovec* const iov = vector_->iov;
        std::size_t n = 0;
        queue_.for_each_first(max_iov, [&](std::string& chunk) {
            const std::size_t skip = n == 0 ? front_sent_ : 0;
            iov[n].iov_base = chunk.data() + skip;
            iov[n].iov_len = chunk.size() - skip;
            ++n;
        });
        op.chunks = n;
        op.fd = fd();
        op.flags = 0;
        if (is_pipe_) {
            op.opcode = io_opcode::writev;
            op.buffer = iov;
            op.length = n;
            op.offset = ~std::uint64_t{0};  // the current position (a pipe has none)
            op.hints = stream_hint_ ? io_hint_stream : 0;
        } else if (n == 1) {
            // One chunk (an echo's message): a plain send, which spares the kernel the header
            // and the vector to read.
            op.opcode = io_opcode::send;
            op.buffer = iov[0].iov_base;
            op.length = iov[0].iov_len;
        } else {
            msghdr& message = vector_->message;
            message = msghdr{};
            message.msg_iov = iov;
            message.msg_iovlen = n;
            op.opcode = io_opcode::sendmsg;
            op.buffer = &message;
        }
        int result = 0;
        bool done = false;
        try {
            done = loop_->io().submit(op, result);
        } catch (...) {
            op.chunks = 0;
            fail(std::current_exception(), from);
            went_idle(from);
            return;
        }
        if (!done) {
            // In flight: the queue must outlive the kernel's reading of it. A handle holds the
            // state; with none left, the send does (see drop_handle).
            if (handles_ == 0) hold_for_send();
            return;
        }
        op.chunks = 0;
        if (!sent(result, from)) break;
    }
    went_idle(from);
}

void stream_connection::on_sent(io_operation* op, int result) noexcept {
    // `op` is the send_vector's: flush or went_idle may free it, and neither backend touches an
    // operation after its final completion.
    stream_connection& self = *static_cast<send_operation*>(op)->owner;
    static_cast<send_operation*>(op)->chunks = 0;
    if (self.sent(result, caller::completion)) {
        self.flush(caller::completion);
    } else {
        self.went_idle(caller::completion);
    }
}

bool stream_connection::sent(int result, caller from) noexcept {
    if (discard_queue_) {
        // Aborted or failed while the send was in flight: the kernel is done with the queue.
        queue_.clear();
        front_sent_ = 0;
        return false;
    }
    if (result == -ECANCELED) return false;  // the descriptor was closed under it
    if (result < 0) {
        try {
            fail(make_io_error(-result, write_name()), from);
        } catch (...) {  // bad_alloc making the error: fail with that instead
            fail(std::current_exception(), from);
        }
        return false;
    }
    auto left = static_cast<std::size_t>(result);
    queued_ -= left;
    while (left > 0) {
        const std::size_t in_front = queue_.front().size() - front_sent_;
        if (left < in_front) {
            front_sent_ += left;
            break;
        }
        left -= in_front;
        queue_.pop_front();
        front_sent_ = 0;
    }
    update_flow();
    return true;
}

void stream_connection::went_idle(caller from) noexcept {
    if (discard_queue_) {
        queue_.clear();
        front_sent_ = 0;
    }
    if (queue_.empty()) vector_.reset();  // nothing is in flight: no send points into it
    const bool flushed = queue_.empty() || !fd_open() || discard_queue_;
    if (flushed && write_eof_ == eof_state::pending && fd_open()) shutdown_write();
    const bool close = flushed && state_ == state::closing;
    if (from == caller::task) {
        if (close) close_now();
        return;
    }
    if (close || held_by_send_) defer(close ? deferred_close::yes : deferred_close::no);
}

}  // namespace corio::detail
