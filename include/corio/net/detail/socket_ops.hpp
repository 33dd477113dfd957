#pragma once
/// @file
/// The awaiters behind `net::socket`'s operations: each fills in one `io_operation` and turns its
/// result into a value or a typed error. See `io_awaiter` for the cancellation rule they share.

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include <corio/core/task.hpp>
#include <corio/io/detail/io_awaiter.hpp>
#include <corio/net/address.hpp>

struct msghdr;

namespace corio::net {
class socket;
}

namespace corio::detail {

class acceptor;

/// Where an operation works: the descriptor, and whether it is a byte stream.
struct socket_target {
    int fd = -1;
    bool stream = false;
    net::address_family family = net::address_family::unspecified;
};

/// Throws the typed error for a failed socket operation: `io_error` and its subclasses, with
/// -ECANCELED (the socket was closed under the operation) reported as EBADF.
[[noreturn]] void throw_socket_error(int result, const char* what);

/// recv / send / read / write of one buffer: the number of bytes moved.
struct transfer_args {
    socket_target target;
    io_opcode opcode;
    void* buffer;
    std::size_t length;
    std::uint32_t flags;
    std::uint64_t offset;
    int source_fd = -1;  ///< sendfile: the file
};
class transfer_awaiter : public io_awaiter {
public:
    transfer_awaiter(task_record_base* task, const transfer_args& a) noexcept : io_awaiter(task) {
        opcode = a.opcode;
        fd = a.target.fd;
        buffer = a.buffer;
        length = a.length;
        flags = a.flags;
        offset = a.offset;
        source_fd = a.source_fd;
        hints = a.target.stream ? io_hint_stream : 0;
    }
    std::size_t await_resume();
};

/// wait_readable / wait_writable: the readiness that came (POLL* bits).
struct poll_args {
    int fd;
    std::uint32_t events;
};
class poll_awaiter : public io_awaiter {
public:
    poll_awaiter(task_record_base* task, const poll_args& a) noexcept : io_awaiter(task) {
        opcode = io_opcode::poll;
        fd = a.fd;
        flags = a.events;
    }
    std::uint32_t await_resume();
};

/// connect: nothing, or the error.
struct connect_args {
    socket_target target;
    net::address to;  // a copy: a request may be awaited after the caller's address is gone
};
class connect_awaiter : public io_awaiter {
public:
    connect_awaiter(task_record_base* task, const connect_args& a) noexcept
        : io_awaiter(task), to_(a.to) {
        opcode = io_opcode::connect;
        fd = a.target.fd;
        buffer = to_.data();  // read only, by the kernel
        length = to_.size();
    }
    void await_resume();

private:
    net::address to_;
};

/// accept: the new connection, non-blocking and close-on-exec, with its peer's address.
struct accept_args {
    socket_target target;
};
class accept_awaiter : public io_awaiter {
public:
    accept_awaiter(task_record_base* task, const accept_args& a) noexcept : io_awaiter(task) {
        opcode = io_opcode::accept;
        fd = a.target.fd;
        family_ = a.target.family;
        buffer = peer_.data();
        address_length = net::address::capacity();
    }
    net::socket await_resume();

private:
    net::address peer_;
    net::address_family family_;
};

/// recv_from / send_to: a datagram and the address it came from or goes to.
struct message_args {
    socket_target target;
    io_opcode opcode;  // recvmsg or sendmsg
    void* buffer;
    std::size_t length;
    net::address to;  // send_to: the destination (unspecified: the connected peer)
};
class message_awaiter : public io_awaiter {
public:
    message_awaiter(task_record_base* task, const message_args& a) noexcept;
    message_awaiter(const message_awaiter&) = delete;
    /// Bytes moved; for recv_from, the sender is in `peer()`.
    std::size_t await_resume();

protected:
    net::address peer_;
    // A msghdr and an iovec, kept as bytes so that this header needs no system headers.
    alignas(8) unsigned char header_[56]{};
    alignas(8) unsigned char vector_[16]{};
};

/// recv_from's awaiter: the size and the sender.
class recv_from_awaiter : public message_awaiter {
public:
    using message_awaiter::message_awaiter;
    std::pair<std::size_t, net::address> await_resume() {
        std::size_t n = message_awaiter::await_resume();
        return {n, peer_};
    }
};

}  // namespace corio::detail
