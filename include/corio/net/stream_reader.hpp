#pragma once
/// @file
/// `corio::net::stream_reader`: the reading half of a stream connection (asyncio's
/// `StreamReader`), made by `open_connection`, `start_server` and `connect_read_pipe`.

#include <cstddef>
#include <memory>
#include <string>

#include <corio/core/task.hpp>
#include <corio/net/detail/read_request.hpp>
#include <corio/net/stream_errors.hpp>

namespace corio::detail {
class stream_connection;
}

namespace corio::net {

/// The default limit of a reader's `readuntil` and `readline` (asyncio's `_DEFAULT_LIMIT`).
inline constexpr std::size_t default_stream_limit = 64 * 1024;

/// Reads a byte stream (TCP, Unix stream, a pipe) in the units a protocol wants: some bytes,
/// exactly n bytes, a line, everything up to a separator (asyncio's `StreamReader`).
///
/// Bytes are returned as `std::string`, which holds arbitrary bytes (zeros included): handy for
/// text protocols, and `std::as_bytes(std::span(s))` gives the raw view.
///
/// The reader receives from the socket or pipe straight into its own buffer and hands bytes out
/// only when a read is complete. A read that is cancelled, or ends with an error, leaves every byte
/// it received in that buffer for the next read.
///
/// Cancel safety: every read is cancel safe (Tokio's sense): cancelled while it waits, it
/// returns nothing and loses nothing; the next read sees every byte, in order (a half-received
/// line included).
///
/// Thread safety: the loop's thread only (the loop of the task that made it). Only one task may
/// read while a read waits for data (asyncio's rule, a little stricter): another task's read gets
/// `invalid_state_error` then, even with bytes buffered, since bytes that arrive are the waiting
/// read's. Reads that do not wait may come from any task, one after another.
///
/// Errors: what the socket's receive raises (`connection_reset_error`, ...), which also ends the
/// connection; the same error is then raised by every read that needs more bytes, and by the
/// writer's `write` and `drain`. Bytes buffered before the error are still served first (asyncio
/// raises at once, dropping them). A connection closed by the local writer reads as end of file.
/// A reader that is empty (default-made or moved from) throws `invalid_state_error`.
///
/// Example:
/// @code
/// auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", 8080);
/// writer.write("GET / HTTP/1.0\r\n\r\n");
/// std::string status = co_await reader.readline();
/// std::string rest = co_await reader.read();  // until end of file
/// @endcode
class stream_reader {
public:
    /// An empty reader (`valid()` is false).
    stream_reader() noexcept = default;
    stream_reader(stream_reader&&) noexcept = default;
    stream_reader& operator=(stream_reader&& other) noexcept;
    /// Gives up this half: once the writer is gone too, the connection closes (queued writes
    /// still go out first).
    ~stream_reader();

    /// Up to `n` bytes: what is buffered, or, if nothing is, the next bytes to arrive. Empty at
    /// end of file, or if `n` is 0 (asyncio's `read(n)`).
    ///
    /// `co_await` it in a task: it waits in the awaiting frame, with no coroutine frame of its
    /// own (an idle connection's memory, and an allocation per message); where a task is wanted
    /// (`create_task`, `gather`), it converts to `task<std::string>`.
    ///
    /// Cancel safety: cancel safe. Errors: see the class comment.
    [[nodiscard]] detail::read_some_request read(std::size_t n);

    /// Everything until end of file (asyncio's `read()` / `read(-1)`).
    ///
    /// Cancel safety: cancel safe: cancelled, it has consumed nothing (asyncio's loses the blocks
    /// it had read). Errors: see the class comment.
    [[nodiscard]] task<std::string> read();

    /// Exactly `n` bytes (asyncio's `readexactly`).
    ///
    /// Cancel safety: cancel safe: the bytes received so far stay buffered.
    ///
    /// Errors: `incomplete_read_error` if the stream ends first, carrying the bytes that came
    /// (taken off the reader) and `n`; otherwise see the class comment.
    [[nodiscard]] task<std::string> readexactly(std::size_t n);

    /// One line, `'\n'` included; at end of file, the last bytes without one, or an empty string
    /// (asyncio's `readline`).
    ///
    /// Cancel safety: cancel safe: a half-received line stays buffered, and the next `readline`
    /// returns the whole of it.
    ///
    /// Errors: `limit_overrun_error` if the line is longer than `limit()`; the over-long line is
    /// discarded (to its separator if it came; everything buffered if not), as asyncio does.
    [[nodiscard]] task<std::string> readline();

    /// Everything up to and including `separator` (asyncio's `readuntil`).
    ///
    /// Cancel safety: cancel safe: the bytes received so far stay buffered.
    ///
    /// Errors: `std::invalid_argument` if `separator` is empty; `limit_overrun_error` if no
    /// separator comes within `limit()` bytes, or one comes after them: the bytes stay buffered,
    /// readable by the next call; `incomplete_read_error` if the stream ends first (the bytes
    /// are taken off the reader into the error).
    [[nodiscard]] task<std::string> readuntil(std::string separator);
    /// `readuntil("\n")`. (An overload, not a default argument: GCC 12 destroys a default
    /// argument's temporary twice when the call is the operand of `co_await`.)
    [[nodiscard]] task<std::string> readuntil();

    /// True once the stream has ended (end of file, or the connection closed) and every byte has
    /// been read (asyncio's `at_eof`); false if the connection failed: reading raises its error.
    [[nodiscard]] bool at_eof() const;

    /// How far `readuntil` and `readline` look for their separator.
    [[nodiscard]] std::size_t limit() const;

    /// False for an empty reader (default-made or moved from).
    [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(connection_); }

    /// For the machinery (`open_connection`, servers): the reader of `connection`.
    explicit stream_reader(std::shared_ptr<detail::stream_connection> connection) noexcept;

private:
    [[nodiscard]] const std::shared_ptr<detail::stream_connection>& connection() const;

    std::shared_ptr<detail::stream_connection> connection_;
};

}  // namespace corio::net
