#pragma once
/// @file
/// `corio::net::open_connection`: connects and returns a stream reader and writer (asyncio's
/// `open_connection` and `open_unix_connection`).

#include <cstddef>
#include <cstdint>
#include <string>

#include <corio/core/task.hpp>
#include <corio/net/address.hpp>
#include <corio/net/resolve_error.hpp>
#include <corio/net/socket.hpp>
#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>

namespace corio::net {

/// The two halves of a stream connection, for structured bindings:
/// `auto [reader, writer] = co_await open_connection(host, port);`.
struct stream_pair {
    stream_reader reader;
    stream_writer writer;
};

/// Connects to `host`:`port` over TCP (asyncio's `open_connection`).
///
/// A numeric host ("127.0.0.1", "::1", "fe80::1%eth0") is used as is; a name is resolved with
/// `net::getaddrinfo` (c-ares on the loop, /etc/hosts honoured, the system's resolver as the
/// fallback), and its addresses are raced with Happy Eyeballs (RFC 8305: families interleaved,
/// a new attempt every 250 ms or as soon as one fails; see `tcp_connect`). `limit` is
/// the reader's (see `stream_reader::limit`).
///
/// Cancel safety: follows `io_awaiter`'s rule: cancelled, it leaves nothing open, or, if the
/// connection was made as it was cancelled, returns the streams and the cancellation is raised
/// at the task's next suspension point. A name lookup already running on its thread finishes
/// there, unused.
///
/// Thread safety: from a task; the streams belong to its loop.
///
/// Errors: `resolve_error` if the name does not resolve; otherwise the first address's connect
/// error (`connection_refused_error`, `io_error` for ENETUNREACH, ...); `std::invalid_argument`
/// if `limit` is 0.
///
/// Example:
/// @code
/// auto [reader, writer] = co_await corio::net::open_connection("localhost", 8080);
/// writer.write("ping\n");
/// std::string pong = co_await reader.readline();
/// @endcode
[[nodiscard]] task<stream_pair> open_connection(std::string host, std::uint16_t port,
                                                std::size_t limit = default_stream_limit);

/// Connects to `to`, an IPv4, IPv6 or Unix-domain address. As above, without resolving.
[[nodiscard]] task<stream_pair> open_connection(address to,
                                                std::size_t limit = default_stream_limit);

/// Wraps a socket that is already connected (asyncio's `open_connection(sock=...)`): the
/// streams own it from then on. Errors: `std::invalid_argument` if it is not an open stream
/// socket, or `limit` is 0.
[[nodiscard]] task<stream_pair> open_connection(socket connected,
                                                std::size_t limit = default_stream_limit);

/// Connects to the Unix-domain stream socket at `path` (asyncio's `open_unix_connection`); a
/// path starting with '\0' is a Linux abstract name.
///
/// Cancel safety, Thread safety: as `open_connection`. Errors: `address_error` if the path does
/// not fit; the connect error (`io_error` ENOENT, `connection_refused_error`, ...).
///
/// Example:
/// @code
/// auto [reader, writer] = co_await corio::net::open_unix_connection("/run/app.sock");
/// @endcode
[[nodiscard]] task<stream_pair> open_unix_connection(std::string path,
                                                     std::size_t limit = default_stream_limit);

}  // namespace corio::net
