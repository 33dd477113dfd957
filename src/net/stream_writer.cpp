// stream_writer (include/corio/net/stream_writer.hpp): the handle over the connection's queue
// and transport (stream_connection.cpp), and the waits of drain and wait_closed.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/io/file.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/socket.hpp>
#include <corio/net/stream_writer.hpp>

#include "stream_connection.hpp"

namespace corio::detail {
namespace {

/// What a writer waits for: the queue down to the low mark (`drain`), or empty with nothing in
/// flight (`sendfile`, which must not interleave with queued bytes).
enum class writer_wait : std::uint8_t { drained, flushed };

/// True if what a writer waits for is there. Errors: the connection's error;
/// `connection_reset_error` ("Connection lost", as asyncio's drain, also when we closed it
/// ourselves).
bool writer_ready(const stream_connection& c, writer_wait what) {
    if (c.error()) std::rethrow_exception(c.error());
    if (c.current_state() == stream_connection::state::closed) {
        throw_io_error(ECONNRESET, what == writer_wait::drained ? "drain: Connection lost"
                                                                : "sendfile: Connection lost");
    }
    return what == writer_wait::drained ? !c.paused() : c.flushed();
}

/// Waits for `what`, looked at again whenever the connection's `changed` event wakes its
/// waiters (and when the connection ends). Errors: as `writer_ready`.
task<void> wait_writer(std::shared_ptr<stream_connection> c, writer_wait what) {
    while (!writer_ready(*c, what)) co_await c->changed.wait();
}

/// A pipe has no sendfile of its own here: the file goes through 64 KiB reads and writes.
task<std::uint64_t> copy_file(std::shared_ptr<stream_connection> c, file& source,
                              std::uint64_t offset, std::uint64_t count) {
    constexpr std::uint64_t piece = 64 * 1024;
    std::uint64_t sent = 0;
    while (sent < count) {
        std::string data = co_await source.read_at(
            offset + sent, static_cast<std::size_t>(std::min(piece, count - sent)));
        if (data.empty()) break;  // the file ended
        sent += data.size();
        c->sendfile_write(std::move(data));
        co_await wait_writer(c, writer_wait::drained);
    }
    co_return sent;
}

task<void> wait_until_closed(std::shared_ptr<stream_connection> c) {
    while (c->current_state() != stream_connection::state::closed) co_await c->changed.wait();
    if (c->error()) std::rethrow_exception(c->error());
}

}  // namespace

bool drain_awaiter::await_ready() {
    // wait_writer's first look, without its frame: it has nothing to wait for nearly always.
    if (writer_ready(*c_, writer_wait::drained)) return true;
    wait_.emplace(wait_writer(c_->shared_from_this(), writer_wait::drained), parent_);
    return false;
}

// The connection's side of a sendfile (stream_connection.hpp), beside the sendfile that uses it.

void stream_connection::begin_sendfile() {
    check_writable();
    if (!flushed()) throw invalid_state_error("sendfile() with writes still queued");
    sendfile_active_ = true;
}

void stream_connection::sendfile_write(std::string&& data) {
    sendfile_active_ = false;
    try {
        write(std::move(data));
    } catch (...) {
        sendfile_active_ = true;
        throw;
    }
    sendfile_active_ = true;
}

void stream_connection::end_sendfile() noexcept {
    sendfile_active_ = false;
    if (state_ == state::closed) return;
    if (write_eof_ == eof_state::pending) shutdown_write();
    if (state_ == state::closing) went_idle(caller::task);
}

}  // namespace corio::detail

namespace corio::net {

stream_writer::stream_writer(std::shared_ptr<detail::stream_connection> connection) noexcept
    : connection_(std::move(connection)) {
    if (connection_) connection_->add_handle();
}

stream_writer& stream_writer::operator=(stream_writer&& other) noexcept {
    if (this != &other) {
        if (connection_) connection_->drop_handle();
        connection_ = std::move(other.connection_);
    }
    return *this;
}

stream_writer::~stream_writer() {
    if (connection_) connection_->drop_handle();
}

detail::stream_connection& stream_writer::connection() const {
    if (!connection_) [[unlikely]] {
        detail::throw_empty("stream_writer is empty (default-made or moved from)");
    }
    return *connection_;
}

void stream_writer::write(std::string_view data) { connection().write(data); }
void stream_writer::write(std::string&& data) { connection().write(std::move(data)); }

detail::drain_request stream_writer::drain() {
    // An empty writer throws here, at the call.
    return {connection().shared_from_this()};
}

void stream_writer::set_write_buffer_limits(std::optional<std::size_t> high,
                                            std::optional<std::size_t> low) {
    detail::stream_connection& c = connection();
    // asyncio's _set_write_buffer_limits.
    const std::size_t h = high ? *high : low ? 4 * *low : 64 * 1024;
    const std::size_t l = low ? *low : h / 4;
    if (h < l) {
        throw std::invalid_argument("high (" + std::to_string(h) + ") must be >= low (" +
                                    std::to_string(l) + ") must be >= 0");
    }
    c.set_limits(h, l);
}

std::pair<std::size_t, std::size_t> stream_writer::get_write_buffer_limits() const {
    const detail::stream_connection& c = connection();
    return {c.low_water(), c.high_water()};
}

std::size_t stream_writer::get_write_buffer_size() const { return connection().queued(); }

void stream_writer::write_eof() { connection().write_eof(); }

void stream_writer::close() { connection().close(); }

void stream_writer::abort() { connection().abort(); }

bool stream_writer::is_closing() const {
    return connection().current_state() != detail::stream_connection::state::open;
}

task<std::uint64_t> stream_writer::sendfile(file& source, std::uint64_t offset,
                                            std::uint64_t count) {
    const std::shared_ptr<detail::stream_connection> c = connection().shared_from_this();
    co_await detail::wait_writer(c, detail::writer_wait::flushed);
    c->begin_sendfile();
    struct end_on_exit {
        detail::stream_connection& c;
        ~end_on_exit() { c.end_sendfile(); }
    } guard{*c};
    if (c->is_pipe()) co_return co_await detail::copy_file(c, source, offset, count);
    co_return co_await c->socket().sendfile(source, offset, count);
}

task<std::uint64_t> stream_writer::sendfile(file& source, std::uint64_t offset) {
    return sendfile(source, offset, ~std::uint64_t{0} - offset);
}

task<std::uint64_t> stream_writer::sendfile(file& source) { return sendfile(source, 0); }

task<void> stream_writer::wait_closed() {
    return detail::wait_until_closed(connection().shared_from_this());
}

std::optional<address> stream_writer::peername() const { return connection().peername(); }

std::optional<address> stream_writer::sockname() const { return connection().sockname(); }

std::optional<address> stream_writer::get_extra_info(std::string_view key) const {
    if (key == "peername") return peername();
    if (key == "sockname") return sockname();
    return std::nullopt;
}

int stream_writer::pipe_fd() const { return connection().pipe_fd(); }

net::socket& stream_writer::socket() const {
    detail::stream_connection& c = connection();
    if (c.is_pipe())
        throw std::logic_error("stream_writer::socket(): a pipe's writer has no socket");
    return c.socket();
}

}  // namespace corio::net
