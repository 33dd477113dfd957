#pragma once
/// @file
/// `corio::net::stream_writer`: the writing half of a stream connection (asyncio's
/// `StreamWriter` with its transport), made by `open_connection`, `start_server` and
/// `connect_write_pipe`.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <corio/core/task.hpp>
#include <corio/net/address.hpp>
#include <corio/net/detail/drain_request.hpp>

namespace corio {
class file;
}
namespace corio::detail {
class stream_connection;
}

namespace corio::net {

class socket;

/// Writes a byte stream without ever blocking (asyncio's `StreamWriter`): `write` queues, the
/// connection sends in the background, `drain` waits while too much is queued.
///
/// `write` queues its bytes, which go out in the background, in order, whether or not anybody
/// awaits anything, until the queue is empty or the connection fails. When does the first byte
/// leave? On epoll (and on a pipe), `write` sends at once what the descriptor takes, as
/// asyncio's does. A socket's on io_uring goes to the kernel with the loop's next poll, in the
/// one system call that submits everything the iteration queued and waits: no system call of
/// its own (the loop polls as soon as the running task suspends). Each `write` queues its bytes as
/// one piece, so writes of concurrent tasks never interleave inside one another. Backpressure is
/// `drain`'s: it waits while more than the high-water mark is queued, until the queue is down to
/// the low-water mark (64 KiB and 16 KiB by default, `set_write_buffer_limits`).
///
/// Cancel safety: `write` does not suspend. `drain` and `wait_closed` are cancel safe: cancelled,
/// they leave the queued bytes queued and going out.
///
/// Thread safety: the loop's thread only (the loop of the task that made it).
///
/// Errors: a failure while sending in the background (`connection_reset_error`,
/// `broken_pipe_error`, ...) ends the connection and is raised by the next `write` or `drain`,
/// and by the reader once it has served what it buffered; it never raises a signal (no SIGPIPE)
/// nor ends the process. A writer that is empty (default-made or moved from) throws
/// `invalid_state_error`.
///
/// Example:
/// @code
/// for (const std::string& row : rows) {
///     writer.write(row);
///     co_await writer.drain();  // waits only while more than 64 KiB are queued
/// }
/// writer.close();
/// co_await writer.wait_closed();
/// @endcode
class stream_writer {
public:
    /// An empty writer (`valid()` is false).
    stream_writer() noexcept = default;
    stream_writer(stream_writer&&) noexcept = default;
    stream_writer& operator=(stream_writer&& other) noexcept;
    /// Gives up this half: once the reader is gone too, the connection closes (queued writes
    /// still go out first). Call `close()` to close it now.
    ~stream_writer();

    /// Queues `data` (bytes, any value) and returns at once (asyncio's `write`). With nothing
    /// queued, on epoll, the bytes the socket takes now are sent now (see above for io_uring).
    ///
    /// Errors: the error that ended the connection, if one did (nothing is queued then);
    /// `invalid_state_error` after `write_eof()` (asyncio's `RuntimeError`) or `close()` (where
    /// asyncio drops the bytes silently once the connection is lost).
    void write(std::string_view data);
    /// As above, taking the string's buffer instead of copying it (only if it has to queue).
    void write(std::string&& data);
    void write(const char* data) { write(std::string_view(data)); }
    void write(std::span<const std::byte> data) {
        write(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
    }

    /// Queues every piece of `lines` as one write: no other write lands between them (asyncio's
    /// `writelines`). `Range` holds anything convertible to `std::string_view`.
    ///
    /// Errors: as `write`.
    template <class Range>
    void writelines(const Range& lines) {
        std::size_t total = 0;
        for (const auto& line : lines) total += std::string_view(line).size();
        std::string joined;
        joined.reserve(total);
        for (const auto& line : lines) joined += std::string_view(line);
        write(std::move(joined));
    }

    /// Waits until the queue is down to the low-water mark, if it went over the high-water mark
    /// (asyncio's `drain`); returns at once otherwise. Any number of tasks may drain at once.
    ///
    /// Cancel safety: cancel safe: the queued bytes stay queued and still go out.
    ///
    /// Awaitable in a task, with no coroutine frame while nothing needs waiting for
    /// (`detail::drain_request`); it converts to a `task<void>` where a task is wanted.
    ///
    /// Errors: the error that ended the connection; `connection_reset_error` ("Connection lost",
    /// as asyncio) if it was closed without one.
    [[nodiscard]] detail::drain_request drain();

    /// Sends `count` bytes of `source` from `offset`, or fewer if the file ends first, once
    /// everything queued before is sent: how many went (asyncio's `loop.sendfile(transport,
    /// file, offset, count)`). On a socket the bytes go from the page cache to the socket with
    /// sendfile(2), never through user space; on a pipe they are read and written in 64 KiB
    /// pieces (asyncio's fallback). While it runs, `write` raises `invalid_state_error`, and a
    /// `write_eof` or `close` waits for it to end.
    ///
    /// Cancel safety: not cancel safe, as asyncio's is not: a cancelled `sendfile` may have sent
    /// a prefix of the range; the connection stays usable.
    ///
    /// Errors: as `write` and `drain`; `io_error` from the file.
    ///
    /// Example (a static file after its header):
    /// @code
    /// writer.write(header);
    /// co_await writer.sendfile(f, 0, size);
    /// @endcode
    [[nodiscard]] task<std::uint64_t> sendfile(file& source, std::uint64_t offset,
                                               std::uint64_t count);
    /// `sendfile` from `offset` to the file's end.
    [[nodiscard]] task<std::uint64_t> sendfile(file& source, std::uint64_t offset);
    /// `sendfile` of the whole file.
    [[nodiscard]] task<std::uint64_t> sendfile(file& source);

    /// Sets the high- and low-water marks of `drain` (asyncio's transport method): without a
    /// low mark, it is a quarter of the high one; without a high mark, 64 KiB, or four times
    /// the low one if that is given.
    ///
    /// Errors: `std::invalid_argument` if `high` < `low`.
    void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt,
                                 std::optional<std::size_t> low = std::nullopt);
    /// The marks: {low, high}, in asyncio's order.
    [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const;
    /// How many bytes are queued and not yet sent.
    [[nodiscard]] std::size_t get_write_buffer_size() const;

    /// Closes the sending half once the queue is sent: the peer reads end of file, and may still
    /// answer (asyncio's `write_eof`). A pipe cannot half-close: its writer closes (as asyncio's
    /// pipe transport does). Does nothing if already done or closing.
    void write_eof();
    /// True: a stream socket half-closes, a pipe closes.
    [[nodiscard]] bool can_write_eof() const noexcept { return true; }

    /// Closes the connection: at once if nothing is queued, else once the queue is sent
    /// (asyncio's `close`, which flushes too). The reader then reads end of file. Idempotent.
    void close();
    /// Closes the connection now, dropping what is queued (asyncio's `transport.abort()`).
    void abort();
    /// True once `close()` or `abort()` was called or the connection ended.
    [[nodiscard]] bool is_closing() const;
    /// Waits until the connection is closed (asyncio's `wait_closed`).
    ///
    /// Cancel safety: cancel safe (nothing is consumed).
    ///
    /// Errors: the error that ended the connection, if one did (as asyncio raises it).
    [[nodiscard]] task<void> wait_closed();

    /// The peer's address (asyncio's `get_extra_info("peername")`): asked of the socket the first
    /// time, then kept, so it stays known once the connection is closed. asyncio reads it when
    /// the connection is made; here a connection that never asks pays nothing (two system calls
    /// and 96 bytes per connection), so a first ask after the close, or after the peer reset the
    /// connection, finds it empty: ask at the start to log it at the end. Empty for a pipe.
    ///
    /// Errors: `std::bad_alloc`.
    [[nodiscard]] std::optional<address> peername() const;
    /// The local address (asyncio's `get_extra_info("sockname")`), as `peername`.
    [[nodiscard]] std::optional<address> sockname() const;
    /// `peername()` for "peername", `sockname()` for "sockname", empty for other keys (for a
    /// pipe's "pipe", see `pipe_fd`).
    [[nodiscard]] std::optional<address> get_extra_info(std::string_view key) const;
    /// The pipe's descriptor while it is open (asyncio's `get_extra_info("pipe")`), for a writer
    /// made by `connect_write_pipe`; -1 for a socket's writer or once closed.
    [[nodiscard]] int pipe_fd() const;

    /// The connection's socket, for options (`set_keep_alive`, ...). Sending or receiving on it
    /// directly bypasses the streams' queue and buffer; closing it ends the connection.
    /// Errors: `std::logic_error` for a pipe's writer (it has no socket).
    [[nodiscard]] net::socket& socket() const;

    /// False for an empty writer (default-made or moved from).
    [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(connection_); }

    /// For the machinery (`open_connection`, servers): the writer of `connection`.
    explicit stream_writer(std::shared_ptr<detail::stream_connection> connection) noexcept;

private:
    [[nodiscard]] detail::stream_connection& connection() const;

    std::shared_ptr<detail::stream_connection> connection_;
};

}  // namespace corio::net
