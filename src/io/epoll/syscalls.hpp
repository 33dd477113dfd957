#pragma once
// The non-blocking system call behind each operation, for the epoll backend (io_uring makes
// them in the kernel). Each returns its result or -errno, as a completion would.
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <corio/io/detail/operation.hpp>

#include "../sendfile.hpp"

namespace corio::detail::sys {

inline int result_of(long r) noexcept { return r < 0 ? -errno : static_cast<int>(r); }

/// Lengths beyond what one call can report are cut: the caller sees a short transfer and goes on.
inline std::size_t clamp(std::uint64_t length) noexcept {
    constexpr std::uint64_t max = 0x7ffff000;  // Linux's own limit per read/write call
    return static_cast<std::size_t>(length < max ? length : max);
}

inline int connect(const io_operation& op) noexcept {
    return result_of(::connect(op.fd, static_cast<const sockaddr*>(op.buffer),
                               static_cast<socklen_t>(op.length)));
}

/// The outcome of a connect that said EINPROGRESS, once the socket is writable.
inline int connect_result(int fd) noexcept {
    int error = 0;
    socklen_t size = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) < 0) return -errno;
    return -error;
}

inline int perform(io_operation& op) noexcept {
    for (;;) {
        long r = 0;
        switch (op.opcode) {
            case io_opcode::accept: {
                socklen_t size = op.address_length;
                r = ::accept4(op.fd, static_cast<sockaddr*>(op.buffer), op.buffer ? &size : nullptr,
                              SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (r >= 0) op.address_length = size;
                break;
            }
            case io_opcode::recv:
                r = ::recv(op.fd, op.buffer, clamp(op.length), static_cast<int>(op.flags));
                break;
            case io_opcode::send:
                r = ::send(op.fd, op.buffer, clamp(op.length),
                           static_cast<int>(op.flags) | MSG_NOSIGNAL);
                break;
            case io_opcode::recvmsg:
                r = ::recvmsg(op.fd, static_cast<msghdr*>(op.buffer), static_cast<int>(op.flags));
                break;
            case io_opcode::sendmsg:
                r = ::sendmsg(op.fd, static_cast<msghdr*>(op.buffer),
                              static_cast<int>(op.flags) | MSG_NOSIGNAL);
                break;
            case io_opcode::read:
                r = op.offset == ~std::uint64_t{0} ? ::read(op.fd, op.buffer, clamp(op.length))
                                                   : ::pread(op.fd, op.buffer, clamp(op.length),
                                                             static_cast<off_t>(op.offset));
                break;
            case io_opcode::write:
                r = op.offset == ~std::uint64_t{0} ? ::write(op.fd, op.buffer, clamp(op.length))
                                                   : ::pwrite(op.fd, op.buffer, clamp(op.length),
                                                              static_cast<off_t>(op.offset));
                break;
            case io_opcode::writev: {
                // The iovec count is small (a transport's batch), never beyond IOV_MAX.
                const auto* v = static_cast<const iovec*>(op.buffer);
                const int count = static_cast<int>(op.length);
                r = op.offset == ~std::uint64_t{0}
                        ? ::writev(op.fd, v, count)
                        : ::pwritev(op.fd, v, count, static_cast<off_t>(op.offset));
                break;
            }
            case io_opcode::sendfile:
                return sendfile_once(op);
            case io_opcode::connect:
            case io_opcode::poll:
                return -EINVAL;  // handled by the backend
        }
        if (r >= 0) return static_cast<int>(r);
        if (errno == EINTR) continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

/// `op`'s recv into `buffer` instead of its own: a multishot recv, whose bytes land in the
/// backend's buffer. MSG_DONTWAIT: the loop never blocks, whatever the socket's mode.
inline int recv_into(const io_operation& op, void* buffer, std::size_t length) noexcept {
    for (;;) {
        const long r = ::recv(op.fd, buffer, length, static_cast<int>(op.flags) | MSG_DONTWAIT);
        if (r >= 0) return static_cast<int>(r);
        if (errno != EINTR) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

}  // namespace corio::detail::sys
