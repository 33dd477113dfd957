#pragma once
/// @file
/// `corio::net::server`: a listening server that runs a task per stream connection (asyncio's
/// `start_server`, `start_unix_server` and `Server`).

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/clock.hpp>
#include <corio/core/task.hpp>
#include <corio/net/address.hpp>
#include <corio/net/resolve_error.hpp>
#include <corio/net/socket.hpp>
#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>

namespace corio::detail {
class server_state;

/// The connection handler, type-erased: any callable (move-only ones too) that a server calls
/// once per connection.
class client_callback {
public:
    virtual ~client_callback() = default;
    virtual task<void> call(net::stream_reader reader, net::stream_writer writer) = 0;
};

template <class F>
class client_callback_impl final : public client_callback {
public:
    explicit client_callback_impl(F fn) : fn_(std::move(fn)) {}
    task<void> call(net::stream_reader reader, net::stream_writer writer) override {
        return std::invoke(fn_, std::move(reader), std::move(writer));
    }

private:
    F fn_;  // lives as long as the server's state: the tasks it returns may read its captures
};
}  // namespace corio::detail

namespace corio::net {

/// What `start_server` and `start_unix_server` take besides the handler and where to listen.
struct server_options {
    /// The listen backlog, capped by the kernel's somaxconn.
    int backlog = 128;
    /// SO_REUSEADDR: restart at once on a port whose old connections are in TIME_WAIT.
    bool reuse_address = true;
    /// SO_REUSEPORT: several servers (processes) share the port, the kernel spreads connections.
    bool reuse_port = false;
    /// Each connection's reader limit (see `stream_reader::limit`).
    std::size_t limit = default_stream_limit;
    /// How long accepting pauses when the process or system is out of descriptors or memory
    /// (EMFILE, ENFILE, ENOBUFS, ENOMEM); asyncio's is 1 s.
    duration accept_retry_delay = std::chrono::seconds(1);
};

/// A connection handler: called as `handler(reader, writer)` for each connection, returning the
/// task that serves it.
template <class F>
concept client_connected_handler = std::move_constructible<std::decay_t<F>> &&
    std::is_invocable_r_v<task<void>, std::add_lvalue_reference_t<std::decay_t<F>>, stream_reader,
                          stream_writer>;

/// A listening server (asyncio's `Server`): accepts connections on its sockets and runs the
/// handler for each as a task of its own, from `start_server` until `close()`.
///
/// A handler's exception is reported to the loop's exception handler ("Unhandled exception in
/// client_connected_cb") and never stops the server. When the handler returns, its streams go
/// away and the connection closes (after the queued writes). Out of descriptors (EMFILE,
/// ENFILE) or memory, the server reports it once and pauses accepting for
/// `accept_retry_delay`, on a timer, then accepts again: connections wait in the backlog.
///
/// Destroying the server closes its listening sockets (`close()`); the connections and their
/// handlers carry on. Async RAII: `co_await srv.aclose()` (asyncio's `async with server:`), or
/// `serve_forever()`, which closes and waits when cancelled.
///
/// Cancel safety: `serve_forever`, `wait_closed` and `aclose` are cancel safe (see each).
///
/// Thread safety: the loop's thread only (the loop that started it).
///
/// Errors: see each member.
///
/// Example:
/// @code
/// auto srv = co_await corio::net::start_server(
///     [](stream_reader r, stream_writer w) -> task<void> {
///         for (;;) {  // an echo server
///             std::string line = co_await r.readline();
///             if (line.empty()) co_return;
///             w.write(line);
///         }
///     },
///     "127.0.0.1", 8888);
/// co_await srv.serve_forever();
/// @endcode
class server {
public:
    server() noexcept = default;
    server(server&&) noexcept = default;
    server& operator=(server&& other) noexcept;
    /// `close()`: stops listening. Connections carry on.
    ~server();

    /// Serves until cancelled or closed (asyncio's `serve_forever`). Cancelled, it closes the
    /// server, waits for the handlers (`wait_closed`), then raises the cancellation. Closed by
    /// `close()` from elsewhere, it waits for the handlers and returns (asyncio raises
    /// `CancelledError` there).
    ///
    /// Errors: `invalid_state_error` if the server is closed, or another task serves forever.
    [[nodiscard]] task<void> serve_forever();

    /// Stops listening: the sockets are closed, no connection is accepted any more (asyncio's
    /// `close`). Connections and their handlers carry on. Idempotent.
    void close();
    /// Waits until the server is closed and every handler has finished (Python 3.12's
    /// `wait_closed`). Cancel safety: cancel safe (nothing is consumed).
    [[nodiscard]] task<void> wait_closed();
    /// `close()` then `wait_closed()`: the end of asyncio's `async with server:`.
    [[nodiscard]] task<void> aclose();

    /// Closes every connection gracefully: queued writes go out, then the socket closes, and each
    /// handler's reader reads end of file (Python 3.13's `close_clients`).
    void close_clients();
    /// Closes every connection at once, dropping queued writes (Python 3.13's `abort_clients`).
    void abort_clients();

    /// The listening sockets (asyncio's `sockets`); empty once closed.
    [[nodiscard]] std::span<const socket> sockets() const;
    /// True from `start_server` until `close()` (asyncio's `is_serving`).
    [[nodiscard]] bool is_serving() const noexcept;
    /// How many connections are being served (handlers running).
    [[nodiscard]] std::size_t active_connections() const noexcept;

    /// For the machinery (`start_server`).
    explicit server(std::shared_ptr<detail::server_state> state) noexcept
        : state_(std::move(state)) {}

private:
    [[nodiscard]] detail::server_state& state() const;

    std::shared_ptr<detail::server_state> state_;
};

}  // namespace corio::net

namespace corio::detail {
task<net::server> start_tcp_server(std::shared_ptr<client_callback> handler, std::string host,
                                   std::uint16_t port, net::server_options options);
task<net::server> start_server_at(std::shared_ptr<client_callback> handler, net::address where,
                                  net::server_options options);
task<net::server> start_unix_server(std::shared_ptr<client_callback> handler, std::string path,
                                    net::server_options options);

template <class F>
std::shared_ptr<client_callback> make_client_callback(F&& fn) {
    return std::make_shared<client_callback_impl<std::decay_t<F>>>(std::forward<F>(fn));
}
}  // namespace corio::detail

namespace corio::net {

/// Listens on `host`:`port` over TCP and serves each connection with
/// `client_connected(reader, writer)` (asyncio's `start_server`).
///
/// `host` empty: every interface (0.0.0.0 and ::, each on its own socket, IPv6 ones
/// IPV6_V6ONLY); numeric: that address; a name: every address it resolves to (see
/// `open_connection`). Port 0 picks a free port: read it from `sockets()`. The server is
/// serving when this returns.
///
/// Cancel safety: cancelled, nothing is left listening.
///
/// Thread safety: from a task; the server and its connections belong to its loop.
///
/// Errors: `resolve_error`; `io_error` from binding (EADDRINUSE, EACCES, ...): then no socket
/// is left open.
///
/// Example: see `server`.
template <client_connected_handler F>
[[nodiscard]] task<server> start_server(F&& client_connected, std::string host, std::uint16_t port,
                                        server_options options = {}) {
    return corio::detail::start_tcp_server(
        corio::detail::make_client_callback(std::forward<F>(client_connected)), std::move(host),
        port, std::move(options));
}

/// Listens on `where` (IPv4, IPv6 or Unix-domain), as above without resolving.
template <client_connected_handler F>
[[nodiscard]] task<server> start_server(F&& client_connected, address where,
                                        server_options options = {}) {
    return corio::detail::start_server_at(
        corio::detail::make_client_callback(std::forward<F>(client_connected)), where,
        std::move(options));
}

/// Listens on the Unix-domain stream socket `path` (asyncio's `start_unix_server`). A stale
/// socket file at `path` is removed first, and the file is removed again on `close()` if it is
/// still the server's (Python 3.13's `cleanup_socket`). A path starting with '\0' is a Linux
/// abstract name, with no file.
///
/// Cancel safety, Thread safety: as `start_server`. Errors: `address_error` if the path does
/// not fit; `io_error` from binding (EADDRINUSE if a live server owns it, EACCES, ...).
template <client_connected_handler F>
[[nodiscard]] task<server> start_unix_server(F&& client_connected, std::string path,
                                             server_options options = {}) {
    return corio::detail::start_unix_server(
        corio::detail::make_client_callback(std::forward<F>(client_connected)), std::move(path),
        std::move(options));
}

}  // namespace corio::net
