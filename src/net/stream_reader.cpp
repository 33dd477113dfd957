// stream_reader (include/corio/net/stream_reader.hpp): asyncio's read algorithms over the
// connection's receive buffer (stream_connection.hpp).
//
// Cancel safety is structural: a read receives into the free space after the buffered bytes
// and takes bytes out only once it has all it wants, so a read cancelled in its receive (or
// after it) leaves everything received in the buffer. Only the one task receiving may move the
// buffer (compact or grow it); others may take bytes off its front meanwhile.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/stream_reader.hpp>

#include "../io/backend.hpp"
#include "recycled_strings.hpp"
#include "stream_connection.hpp"

namespace corio {

incomplete_read_error::incomplete_read_error(std::string partial,
                                             std::optional<std::size_t> expected)
    : std::runtime_error(std::to_string(partial.size()) + " bytes read on a total of " +
                         (expected ? std::to_string(*expected) + " expected bytes"
                                   : std::string("undefined expected bytes"))),
      partial_(std::move(partial)),
      expected_(expected) {}

}  // namespace corio

namespace corio::detail {

namespace {
/// A receive gets at least this much room (unless the read is bounded tighter): fewer, larger
/// system calls.
constexpr std::size_t min_receive = 16 * 1024;
/// An empty buffer larger than this is given back (after a large readexactly, say).
constexpr std::size_t keep_capacity = 1024 * 1024;
constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();
}  // namespace

std::string stream_connection::take(std::size_t n) {
    // All of it, with the multishot receive (the buffer is a string no receive writes into):
    // the string itself goes, unless it is much larger than the read (the caller may keep it
    // for long). Else a copy, in storage a sent chunk left (recycled_strings.hpp). Either way an
    // echo allocates nothing per message.
    if (n == tail_ && head_ == 0 && receive_mode_ == receive_mode::multishot &&
        buffer_.capacity() <= 2 * n) {
        consumed_ += n;
        head_ = tail_ = 0;
        return std::exchange(buffer_, std::string());
    }
    std::string out = recycled_strings::take(n);
    out.assign(buffer_.data() + head_, n);
    discard(n);
    return out;
}

void stream_connection::discard(std::size_t n) noexcept {
    head_ += n;
    consumed_ += n;
    released_bytes();
}

void stream_connection::released_bytes() noexcept {
    if (head_ != tail_) return;
    if (receive_mode_ == receive_mode::multishot) {
        // Completions append; nothing receives into the buffer in place: an empty one goes.
        drop_buffer();
        return;
    }
    if (receiving_) return;  // a receive in flight writes after tail_
    head_ = tail_ = 0;
    if (buffer_.size() > keep_capacity) buffer_ = std::string();
}

std::size_t stream_connection::make_room(std::size_t need) {
    if (buffer_.size() - tail_ >= need) return buffer_.size() - tail_;
    if (head_ > 0) {
        compact();
        if (buffer_.size() - tail_ >= need) return buffer_.size() - tail_;
    }
    // Grown: to room for a large receive (the usual case, from none), or doubled beyond. (The
    // new bytes are zeroed: once per connection, since this storage stays.)
    buffer_.resize(std::max({buffer_.size() * 2, tail_ + need, min_receive}));
    return buffer_.size() - tail_;
}

void stream_connection::compact() noexcept {
    std::memmove(buffer_.data(), buffer_.data() + head_, tail_ - head_);
    tail_ -= head_;
    head_ = 0;
    // With the multishot receive the size is the data's (completions append); else it is the
    // room a receive writes into, which stays.
    if (receive_mode_ == receive_mode::multishot) buffer_.resize(tail_);
}

bool stream_connection::may_receive(const char* who) {
    // The connection's error comes before end of file: a reset is not a clean end.
    if (error_) std::rethrow_exception(error_);
    if (ended()) return false;
    if (state_ != state::open) {
        // Closing: asyncio's transport stops reading once close() is called.
        eof_ = true;
        return false;
    }
    if (receiving_) {
        throw invalid_state_error(std::string(who) +
                                  "() called while another coroutine is already waiting for "
                                  "incoming data");
    }
    return true;
}

task<bool> stream_connection::receive_single(std::size_t need, std::size_t at_most,
                                             const char* who) {
    if (!may_receive(who)) co_return false;
    const std::size_t room =
        std::min(make_room(std::max(need, std::min(min_receive, at_most))), at_most);
    receiving_ = true;
    struct receiving_guard {
        bool& flag;
        ~receiving_guard() { flag = false; }
    } guard{receiving_};
    std::size_t n = 0;
    std::exception_ptr failed;
    // A socket receives with recv, a pipe (or tty, or file) with read at its current position.
    // A named local, not a braced temporary inside co_await (GCC 12).
    const transfer_args args{{fd(), stream_hint_, net::address_family::unspecified},
                             is_pipe_ ? io_opcode::read : io_opcode::recv,
                             buffer_.data() + tail_,
                             room,
                             0,
                             ~std::uint64_t{0}};
    try {
        n = co_await io_request<transfer_awaiter, transfer_args>(args);
    } catch (const io_error&) {
        failed = std::current_exception();
    }
    if (failed) {
        if (state_ == state::closed) {
            // Our own close ended the receive (EBADF): end of file, or what closed it.
            if (error_) std::rethrow_exception(error_);
            co_return false;
        }
        fail(failed, caller::task);
        std::rethrow_exception(failed);
    }
    if (n == 0) {
        eof_ = true;
        co_return false;
    }
    tail_ += n;
    co_return true;
}

namespace {

task<std::string> read_to_eof(std::shared_ptr<stream_connection> c) {
    c->check_no_reader("read");
    // Everything stays buffered until the end: cancelled, nothing was consumed. (No co_await in
    // the loop's condition: GCC 12 miscompiles it.)
    for (;;) {
        const bool more = co_await c->receive(1, unbounded, "read");
        if (!more) break;
    }
    co_return c->take(c->buffered());
}

task<std::string> read_exactly(std::shared_ptr<stream_connection> c, std::size_t n) {
    c->check_no_reader("readexactly");
    while (c->buffered() < n) {
        const bool more = co_await c->receive(n - c->buffered(), unbounded, "readexactly");
        if (!more) {
            throw incomplete_read_error(c->take(c->buffered()), n);
        }
    }
    co_return c->take(n);
}

/// asyncio's readuntil, step for step (the same `consumed` in the same errors).
task<std::string> read_until(std::shared_ptr<stream_connection> c, std::string separator,
                             const char* who) {
    if (separator.empty()) {
        throw std::invalid_argument("Separator should be at least one-byte string");
    }
    c->check_no_reader(who);
    const std::size_t seplen = separator.size();
    const std::size_t limit = c->limit();
    // Where the search goes on, counted from the start of the stream: another task may take
    // bytes off the front while this one waits.
    std::uint64_t search_from = c->consumed();
    for (;;) {
        const std::string_view data = c->data();
        std::size_t offset = search_from > c->consumed() ? search_from - c->consumed() : 0;
        if (data.size() >= offset + seplen) {
            const std::size_t isep = data.find(separator, offset);
            if (isep != std::string_view::npos) {
                if (isep > limit) {
                    throw limit_overrun_error("Separator is found, but chunk is longer than limit",
                                              isep);
                }
                co_return c->take(isep + seplen);
            }
            // A separator may start in the last seplen - 1 bytes: search from there next time.
            offset = data.size() + 1 - seplen;
            if (offset > limit) {
                throw limit_overrun_error("Separator is not found, and chunk exceed the limit",
                                          offset);
            }
            search_from = c->consumed() + offset;
        }
        // The buffer never needs more than limit + seplen bytes to decide.
        const std::size_t bound = limit + seplen > data.size() ? limit + seplen - data.size() : 1;
        const bool more = co_await c->receive(1, bound, who);
        if (!more) {
            throw incomplete_read_error(c->take(c->buffered()), std::nullopt);
        }
    }
}

task<std::string> read_line(std::shared_ptr<stream_connection> c) {
    std::string line;
    try {
        line = co_await read_until(c, "\n", "readline");
    } catch (const incomplete_read_error& e) {
        line = e.partial();  // the last line, without its '\n'
    } catch (const limit_overrun_error& e) {
        // asyncio drops the over-long line: to its separator if it came, all of it if not.
        const std::string_view rest = c->data().substr(std::min(e.consumed(), c->buffered()));
        c->discard(rest.starts_with('\n') ? e.consumed() + 1 : c->buffered());
        throw;
    }
    co_return line;
}

}  // namespace
}  // namespace corio::detail

namespace corio::net {

stream_reader::stream_reader(std::shared_ptr<detail::stream_connection> connection) noexcept
    : connection_(std::move(connection)) {
    if (connection_) connection_->add_handle();
}

stream_reader& stream_reader::operator=(stream_reader&& other) noexcept {
    if (this != &other) {
        if (connection_) connection_->drop_handle();
        connection_ = std::move(other.connection_);
    }
    return *this;
}

stream_reader::~stream_reader() {
    if (connection_) connection_->drop_handle();
}

const std::shared_ptr<detail::stream_connection>& stream_reader::connection() const {
    if (!connection_) [[unlikely]] {
        detail::throw_empty("stream_reader is empty (default-made or moved from)");
    }
    return connection_;
}

detail::read_some_request stream_reader::read(std::size_t n) { return {connection(), n}; }
task<std::string> stream_reader::read() { return detail::read_to_eof(connection()); }
task<std::string> stream_reader::readexactly(std::size_t n) {
    return detail::read_exactly(connection(), n);
}
task<std::string> stream_reader::readline() { return detail::read_line(connection()); }
task<std::string> stream_reader::readuntil(std::string separator) {
    return detail::read_until(connection(), std::move(separator), "readuntil");
}
task<std::string> stream_reader::readuntil() {
    return detail::read_until(connection(), "\n", "readuntil");
}

bool stream_reader::at_eof() const {
    const detail::stream_connection& c = *connection();
    // A connection that failed has not reached its end (asyncio's reader gets the exception,
    // not end of file): reading on raises the error.
    return c.ended() && !c.error() && c.buffered() == 0;
}

std::size_t stream_reader::limit() const { return connection()->limit(); }

}  // namespace corio::net
