// net::socket (include/corio/net/socket.hpp): the synchronous set-up calls, and the results of
// the awaitable operations turned into values or typed errors.
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <corio/core/event_loop.hpp>
#include <corio/core/task.hpp>
#include <corio/io/file.hpp>
#include <corio/net/socket.hpp>

#include "happy_eyeballs.hpp"

namespace corio::net {

namespace {
int native_family(address_family family) {
    switch (family) {
        case address_family::ipv4:
            return AF_INET;
        case address_family::ipv6:
            return AF_INET6;
        case address_family::unix_domain:
            return AF_UNIX;
        case address_family::unspecified:
            break;
    }
    throw std::invalid_argument("socket: the address family must be ipv4, ipv6 or unix_domain");
}

address_family family_of(int native) {
    switch (native) {
        case AF_INET:
            return address_family::ipv4;
        case AF_INET6:
            return address_family::ipv6;
        case AF_UNIX:
            return address_family::unix_domain;
        default:
            return address_family::unspecified;
    }
}

void check(int r, const char* what) {
    if (r < 0) detail::throw_io_error(errno, what);
}

void set_flag(int fd, int level, int name, bool on, const char* what) {
    const int value = on ? 1 : 0;
    check(::setsockopt(fd, level, name, &value, sizeof value), what);
}

bool is_inet(address_family f) { return f == address_family::ipv4 || f == address_family::ipv6; }
}  // namespace

socket socket::open(address_family family, socket_type type) {
    const int native_type = type == socket_type::stream ? SOCK_STREAM : SOCK_DGRAM;
    const int fd = ::socket(native_family(family), native_type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    check(fd, "socket");
    socket s(fd, family, type == socket_type::stream);
    // Small writes go out at once (asyncio sets it too); accepted sockets inherit it.
    if (s.stream_ && is_inet(family)) s.set_no_delay(true);
    return s;
}

socket socket::adopt(int fd) {
    int type = 0;
    socklen_t size = sizeof type;
    check(::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size), "getsockopt(SO_TYPE)");
    int domain = 0;
    size = sizeof domain;
    check(::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size), "getsockopt(SO_DOMAIN)");
    const int fl = ::fcntl(fd, F_GETFL);
    check(fl, "fcntl");
    check(::fcntl(fd, F_SETFL, fl | O_NONBLOCK), "fcntl");
    return socket(fd, family_of(domain), type == SOCK_STREAM);
}

std::pair<socket, socket> socket::pair(socket_type type) {
    int fds[2];
    const int native_type = type == socket_type::stream ? SOCK_STREAM : SOCK_DGRAM;
    check(::socketpair(AF_UNIX, native_type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), "socketpair");
    const bool stream = type == socket_type::stream;
    return {socket(fds[0], address_family::unix_domain, stream),
            socket(fds[1], address_family::unix_domain, stream)};
}

void socket::bind(const address& local) { check(::bind(fd(), local.data(), local.size()), "bind"); }

void socket::listen(int backlog) { check(::listen(fd(), backlog), "listen"); }

void socket::set_reuse_address(bool on) {
    set_flag(fd(), SOL_SOCKET, SO_REUSEADDR, on, "setsockopt(SO_REUSEADDR)");
}
void socket::set_reuse_port(bool on) {
    set_flag(fd(), SOL_SOCKET, SO_REUSEPORT, on, "setsockopt(SO_REUSEPORT)");
}
void socket::set_no_delay(bool on) {
    set_flag(fd(), IPPROTO_TCP, TCP_NODELAY, on, "setsockopt(TCP_NODELAY)");
}
void socket::set_keep_alive(bool on) {
    set_flag(fd(), SOL_SOCKET, SO_KEEPALIVE, on, "setsockopt(SO_KEEPALIVE)");
}

address socket::local_address() const {
    address a;
    socklen_t size = address::capacity();
    check(::getsockname(fd(), a.data(), &size), "getsockname");
    a.resize(size);
    return a;
}

address socket::peer_address() const {
    address a;
    socklen_t size = address::capacity();
    check(::getpeername(fd(), a.data(), &size), "getpeername");
    a.resize(size);
    return a;
}

void socket::shutdown(shutdown_how how) {
    const int native = how == shutdown_how::read    ? SHUT_RD
                       : how == shutdown_how::write ? SHUT_WR
                                                    : SHUT_RDWR;
    check(::shutdown(fd(), native), "shutdown");
}

detail::socket_target socket::target() {
    return {fd_.bind_to_running_loop("socket operations"), stream_, family_};
}

task<void> socket::send_all(std::span<const std::byte> data) {
    while (!data.empty()) {
        const std::size_t n = co_await send(data);
        data = data.subspan(n);
    }
}

task<std::uint64_t> socket::sendfile(const file& source, std::uint64_t offset,
                                     std::uint64_t count) {
    if (source.fd() < 0) throw std::invalid_argument("sendfile: the file is closed");
    if (!stream_) throw std::invalid_argument("sendfile: not a stream socket");
    std::uint64_t sent = 0;
    while (sent < count) {
        // The descriptor is read afresh for each step: the file must outlive the call, and a
        // file closed meanwhile then fails the step (EBADF) instead of reading a reused number.
        const detail::transfer_args step{
            target(),   detail::io_opcode::sendfile, nullptr, count - sent, 0, offset + sent,
            source.fd()};
        const std::size_t n = co_await transfer_request(step);
        if (n == 0) break;  // the file ended
        sent += n;
    }
    co_return sent;
}

task<std::uint64_t> socket::sendfile(const file& source, std::uint64_t offset) {
    return sendfile(source, offset, ~std::uint64_t{0} - offset);
}

task<std::uint64_t> socket::sendfile(const file& source) { return sendfile(source, 0); }

socket tcp_listen(const address& local, int backlog) {
    socket s = socket::tcp(local.family());
    s.set_reuse_address(true);
    s.bind(local);
    s.listen(backlog);
    return s;
}

task<socket> tcp_connect(address to) {
    socket s = socket::tcp(to.family());
    co_await s.connect(to);
    co_return s;
}

task<socket> tcp_connect(std::vector<address> candidates, duration attempt_delay) {
    co_return co_await detail::connect_happy_eyeballs(detail::interleave_families(candidates),
                                                      attempt_delay);
}

}  // namespace corio::net

namespace corio::detail {

void throw_socket_error(int result, const char* what) {
    // Our own cancel (the socket was closed under the operation): asyncio reports EBADF.
    throw_io_error(result == -ECANCELED ? EBADF : -result, what);
}

std::size_t transfer_awaiter::await_resume() {
    const int r = finish();
    if (r < 0) {
        throw_socket_error(r, io_opcode_name(opcode));
    }
    return static_cast<std::size_t>(r);
}

std::uint32_t poll_awaiter::await_resume() {
    const int r = finish();
    if (r < 0) throw_socket_error(r, "poll");
    if (r & POLLNVAL) throw_io_error(EBADF, "poll");
    return static_cast<std::uint32_t>(r);
}

void connect_awaiter::await_resume() {
    const int r = finish();
    if (r < 0) throw_socket_error(r, "connect");
}

net::socket accept_awaiter::await_resume() {
    const int r = finish();
    if (r < 0) throw_socket_error(r, "accept");
    return net::socket(r, family_, /*stream=*/true);
}

static_assert(sizeof(msghdr) <= 56 && alignof(msghdr) <= 8, "message_awaiter::header_");
static_assert(sizeof(iovec) <= 16 && alignof(iovec) <= 8, "message_awaiter::vector_");

message_awaiter::message_awaiter(task_record_base* task, const message_args& a) noexcept
    : io_awaiter(task), peer_(a.to) {
    opcode = a.opcode;
    fd = a.target.fd;
    auto* v = new (vector_) iovec{a.buffer, a.length};
    auto* h = new (header_) msghdr{};
    h->msg_iov = v;
    h->msg_iovlen = 1;
    if (a.opcode == io_opcode::recvmsg) {
        h->msg_name = peer_.data();
        h->msg_namelen = net::address::capacity();
    } else if (peer_.size() != 0) {
        h->msg_name = peer_.data();
        h->msg_namelen = peer_.size();
    }
    buffer = h;
}

std::size_t message_awaiter::await_resume() {
    const int r = finish();
    if (r < 0) throw_socket_error(r, opcode == io_opcode::recvmsg ? "recv_from" : "send_to");
    if (opcode == io_opcode::recvmsg) {
        peer_.resize(reinterpret_cast<msghdr*>(header_)->msg_namelen);
    }
    return static_cast<std::size_t>(r);
}

}  // namespace corio::detail
