#pragma once
// The one system call behind `io_opcode::sendfile`, shared by both backends: neither epoll nor
// io_uring has a native asynchronous sendfile (io_uring's would be two linked splices through a
// pipe per operation), so both wait for the socket to be writable and call sendfile(2) on the
// non-blocking socket, as asyncio's `sock_sendfile` does. The file side reads the page cache.
#include <cerrno>
#include <cstdint>

#include <sys/sendfile.h>

#include <corio/io/detail/operation.hpp>

namespace corio::detail {

/// One non-blocking sendfile(2) of `op`: bytes sent, 0 at the file's end, or -errno (-EAGAIN:
/// the socket's buffer is full).
inline int sendfile_once(const io_operation& op) noexcept {
    constexpr std::uint64_t max_per_call = 0x7ffff000;  // Linux's own limit per call
    off_t offset = static_cast<off_t>(op.offset);
    const std::size_t count =
        static_cast<std::size_t>(op.length < max_per_call ? op.length : max_per_call);
    for (;;) {
        const ssize_t r = ::sendfile(op.fd, op.source_fd, &offset, count);
        if (r >= 0) return static_cast<int>(r);
        if (errno == EINTR) continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

}  // namespace corio::detail
