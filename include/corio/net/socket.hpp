#pragma once
/// @file
/// `corio::net::socket`: a non-blocking socket whose operations a task awaits (asyncio's
/// `loop.sock_*`), on either backend. The low level: streams (`open_connection`, `start_server`)
/// are built on it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include <corio/core/clock.hpp>
#include <corio/core/task.hpp>
#include <corio/io/detail/loop_fd.hpp>
#include <corio/net/address.hpp>
#include <corio/net/detail/socket_ops.hpp>
#include <corio/net/errors.hpp>

namespace corio {
class event_loop;
class file;
}  // namespace corio

namespace corio::net {

/// What a socket carries.
enum class socket_type : std::uint8_t {
    stream,    ///< bytes in order (TCP, Unix stream)
    datagram,  ///< messages (UDP, Unix datagram)
};

/// Which half of a connection `shutdown` closes.
enum class shutdown_how : std::uint8_t {
    read,   ///< no more receiving
    write,  ///< no more sending: the peer reads end-of-file (TCP sends its FIN)
    both,
};

/// A socket: owns its descriptor (non-blocking, close-on-exec) and closes it when destroyed.
///
/// Every awaitable operation works from a task on the loop the socket is used with; the first
/// operation binds it to that loop. `co_await` each request once, before the next statement.
///
/// Cancel safety: every operation follows `io_awaiter`'s rule. A cancelled `recv` or `accept`
/// either did nothing (the task sees `cancelled_error`) or returns what it got, the cancellation
/// then raised at the task's next suspension point; a cancelled `send` sent nothing, or returns
/// the count of the prefix it sent. Nothing is ever lost silently.
///
/// Thread safety: one loop's thread at a time; a socket may move to another thread's loop
/// between operations.
///
/// Errors: operations throw `io_error` or one of its subclasses (`connection_reset_error`,
/// `connection_refused_error`, `broken_pipe_error`, ...); an operation pending when the socket
/// is closed ends with `io_error` (EBADF). SIGPIPE is never raised: sends use MSG_NOSIGNAL.
///
/// Example (an echo server's connection):
/// @code
/// std::array<std::byte, 4096> buf;
/// while (std::size_t n = co_await conn.recv(buf)) co_await conn.send_all(std::span(buf).first(n));
/// @endcode
class socket {
public:
    /// No socket (`is_open()` is false).
    socket() noexcept = default;
    /// Adopts `fd`, which must be a socket; made non-blocking. Errors: `io_error`.
    static socket adopt(int fd);
    socket(socket&& other) noexcept = default;
    socket& operator=(socket&& other) noexcept = default;
    ~socket() = default;

    /// A new socket of `family` and `type`. Stream sockets of the Internet families get
    /// `TCP_NODELAY` (small writes go out at once, as asyncio sets it). Errors: `io_error`.
    static socket open(address_family family, socket_type type);
    /// `open(family, stream)` (TCP for the Internet families).
    static socket tcp(address_family family = address_family::ipv4) {
        return open(family, socket_type::stream);
    }
    /// `open(family, datagram)` (UDP for the Internet families).
    static socket udp(address_family family = address_family::ipv4) {
        return open(family, socket_type::datagram);
    }
    /// Two connected Unix sockets (socketpair). Errors: `io_error`.
    static std::pair<socket, socket> pair(socket_type type = socket_type::stream);

    // ---- set-up (synchronous) ----------------------------------------------------------------

    void bind(const address& local);
    /// Starts listening; `backlog` is capped by the kernel's somaxconn.
    void listen(int backlog = 128);
    void set_reuse_address(bool on);
    void set_reuse_port(bool on);
    void set_no_delay(bool on);
    void set_keep_alive(bool on);
    /// The address it is bound to (after `bind`, or the one the kernel chose).
    [[nodiscard]] address local_address() const;
    /// The peer's address. Errors: `io_error` (ENOTCONN) if not connected.
    [[nodiscard]] address peer_address() const;
    [[nodiscard]] address_family family() const noexcept { return family_; }
    [[nodiscard]] socket_type type() const noexcept {
        return stream_ ? socket_type::stream : socket_type::datagram;
    }

    // ---- operations (awaitable) --------------------------------------------------------------

    /// Accepts a connection (asyncio's `sock_accept`); the peer is its `peer_address()`.
    [[nodiscard]] auto accept() {
        return detail::io_request<detail::accept_awaiter, detail::accept_args>({target()});
    }
    /// Connects to `to` (asyncio's `sock_connect`). For a deadline, wrap it in `wait_for`.
    /// Errors: `connection_refused_error`, `io_error` (ENETUNREACH, ...).
    [[nodiscard]] auto connect(const address& to) {
        return detail::io_request<detail::connect_awaiter, detail::connect_args>({target(), to});
    }
    /// Receives at most `buffer.size()` bytes: how many came; 0 at end of file (asyncio's
    /// `sock_recv_into`).
    [[nodiscard]] auto recv(std::span<std::byte> buffer, int flags = 0) {
        return transfer(detail::io_opcode::recv, buffer.data(), buffer.size(), flags);
    }
    /// Sends a prefix of `data`: how many bytes went (all of them, unless the socket's buffer
    /// filled up or the task was cancelled). See `send_all`.
    [[nodiscard]] auto send(std::span<const std::byte> data, int flags = 0) {
        return transfer(detail::io_opcode::send, const_cast<std::byte*>(data.data()), data.size(),
                        flags);
    }
    /// Sends all of `data` (asyncio's `sock_sendall`).
    ///
    /// Cancel safety: not cancel safe, as asyncio's is not: a cancelled `send_all` may have sent
    /// a prefix. Use a stream writer (which keeps what is unsent queued) when that matters.
    task<void> send_all(std::span<const std::byte> data);
    /// Sends `count` bytes of `source` starting at `offset`, or fewer if the file ends first:
    /// how many went (asyncio's `sock_sendfile`). The bytes go from the page cache to the
    /// socket without passing through user space (sendfile(2), each time the socket can take
    /// more); the file's own position is neither used nor moved. Stream sockets only.
    ///
    /// Cancel safety: as `send_all`'s: a cancelled `sendfile` may have sent a prefix.
    ///
    /// Errors: as `send`; `io_error` (EINVAL) for a source sendfile(2) cannot read (a pipe, a
    /// socket), `std::invalid_argument` for a closed `source`.
    ///
    /// Example: `co_await conn.sendfile(co_await corio::file::open("index.html"));`
    task<std::uint64_t> sendfile(const file& source, std::uint64_t offset, std::uint64_t count);
    /// `sendfile` from `offset` to the file's end.
    task<std::uint64_t> sendfile(const file& source, std::uint64_t offset);
    /// `sendfile` of the whole file.
    task<std::uint64_t> sendfile(const file& source);
    /// Receives one datagram: its size (truncated to the buffer) and its sender.
    [[nodiscard]] auto recv_from(std::span<std::byte> buffer) {
        return detail::io_request<detail::recv_from_awaiter, detail::message_args>(
            {target(), detail::io_opcode::recvmsg, buffer.data(), buffer.size(), address()});
    }
    /// Sends one datagram to `to`: the bytes sent.
    [[nodiscard]] auto send_to(std::span<const std::byte> data, const address& to) {
        return detail::io_request<detail::message_awaiter, detail::message_args>(
            {target(), detail::io_opcode::sendmsg, const_cast<std::byte*>(data.data()), data.size(),
             to});
    }
    /// Waits until a receive would not block. Cancel safety: nothing to lose.
    [[nodiscard]] auto wait_readable();
    /// Waits until a send would not block. Cancel safety: nothing to lose.
    [[nodiscard]] auto wait_writable();

    // ---- ending ------------------------------------------------------------------------------

    /// Shuts down one or both halves. Errors: `io_error` (ENOTCONN).
    void shutdown(shutdown_how how);
    /// Closes the socket: operations pending on it end first (with `io_error`), so that none
    /// keeps the connection alive. Idempotent; never throws.
    void close() noexcept { fd_.close(); }
    [[nodiscard]] bool is_open() const noexcept { return fd_.is_open(); }
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    /// Gives the descriptor up (the socket is then closed without closing it), after the loop
    /// has forgotten it.
    [[nodiscard]] int release() noexcept { return fd_.release(); }

    /// Binds the socket to the running loop now, which its first operation does otherwise: for
    /// code that submits operations on `fd()` itself (the streams' transport), so that `close`
    /// knows which loop to cancel them on. Errors: `std::logic_error` with no running loop.
    void bind_to_running_loop() { target(); }

private:
    socket(int fd, address_family family, bool stream) noexcept
        : fd_(fd), family_(family), stream_(stream) {}
    friend class detail::accept_awaiter;
    friend class detail::acceptor;  // a server's multishot accept

    /// The descriptor, bound to the running loop. Errors: `std::logic_error` with no running loop.
    detail::socket_target target();
    using transfer_request = detail::io_request<detail::transfer_awaiter, detail::transfer_args>;
    transfer_request transfer(detail::io_opcode op, std::byte* data, std::size_t size, int flags) {
        return transfer_request(
            {target(), op, data, size, static_cast<std::uint32_t>(flags), ~std::uint64_t{0}});
    }

    /// The descriptor, and the loop it is registered with (null before the first operation).
    detail::loop_fd fd_;
    address_family family_ = address_family::unspecified;
    bool stream_ = true;
};

/// Waits until `fd` (any descriptor the loop can watch: a socket, a pipe, another library's) is
/// readable. For C libraries with descriptors of their own (asyncio's `add_reader`, awaited).
///
/// Cancel safety: nothing to lose. Errors: `io_error` (EBADF, ...).
[[nodiscard]] inline auto wait_readable(int fd) {
    return detail::io_request<detail::poll_awaiter, detail::poll_args>({fd, 0x001 /*POLLIN*/});
}
/// Waits until `fd` is writable. See `wait_readable`.
[[nodiscard]] inline auto wait_writable(int fd) {
    return detail::io_request<detail::poll_awaiter, detail::poll_args>({fd, 0x004 /*POLLOUT*/});
}

inline auto socket::wait_readable() { return net::wait_readable(target().fd); }
inline auto socket::wait_writable() { return net::wait_writable(target().fd); }

/// A TCP socket listening on `local` with SO_REUSEADDR (asyncio's server socket). Port 0 picks a
/// free port: read it from `local_address()`. Errors: `io_error` (EADDRINUSE, ...).
socket tcp_listen(const address& local, int backlog = 128);
/// Connects a new TCP socket to `to` (asyncio's `sock_connect` on a new socket).
task<socket> tcp_connect(address to);
/// Connects to the first of `candidates` that answers, with Happy Eyeballs (RFC 8305, what
/// asyncio's `happy_eyeballs_delay` does): families interleaved, the next attempt started when
/// one fails or `attempt_delay` (250 ms by default) passes, the attempts in flight raced.
///
/// Cancel safety: cancelled, every attempt in flight is cancelled and its socket closed.
/// Errors: every attempt failed: the first candidate's error; `std::invalid_argument` for an
/// empty list.
task<socket> tcp_connect(std::vector<address> candidates,
                         duration attempt_delay = std::chrono::milliseconds(250));

}  // namespace corio::net
