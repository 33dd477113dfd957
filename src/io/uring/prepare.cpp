// Submission queue entries (prepare.hpp).
#include "prepare.hpp"

#include <cstdint>

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "buffer_ring.hpp"

namespace corio::detail::uring {
namespace {

unsigned clamp(std::uint64_t length) noexcept {
    constexpr std::uint64_t max = 0x7ffff000;  // Linux's own limit per read/write call
    return static_cast<unsigned>(length < max ? length : max);
}

}  // namespace

bool is_input(io_opcode op) noexcept {
    return op == io_opcode::accept || op == io_opcode::recv || op == io_opcode::recvmsg ||
           op == io_opcode::read;
}

void prepare(io_uring_sqe& sqe, const io_operation& op, bool native_multishot_accept) noexcept {
    switch (op.opcode) {
        case io_opcode::accept:
            if (op.multishot && native_multishot_accept) {
                // One entry for every connection to come: no address (each would overwrite the
                // last); the owner asks the socket for its peer.
                io_uring_prep_multishot_accept(&sqe, op.fd, nullptr, nullptr,
                                               SOCK_NONBLOCK | SOCK_CLOEXEC);
            } else {
                auto* length = op.buffer ? reinterpret_cast<socklen_t*>(
                                               const_cast<std::uint32_t*>(&op.address_length))
                                         : nullptr;
                io_uring_prep_accept(&sqe, op.fd, static_cast<sockaddr*>(op.buffer), length,
                                     SOCK_NONBLOCK | SOCK_CLOEXEC);
            }
            break;
        case io_opcode::connect:
            io_uring_prep_connect(&sqe, op.fd, static_cast<const sockaddr*>(op.buffer),
                                  static_cast<socklen_t>(op.length));
            break;
        case io_opcode::recv:
            if (op.multishot) {
                io_uring_prep_recv_multishot(&sqe, op.fd, nullptr, 0, static_cast<int>(op.flags));
                sqe.flags |= IOSQE_BUFFER_SELECT;
                sqe.buf_group = buffer_ring::group;
            } else {
                io_uring_prep_recv(&sqe, op.fd, op.buffer, clamp(op.length),
                                   static_cast<int>(op.flags));
            }
            break;
        case io_opcode::send:
            io_uring_prep_send(&sqe, op.fd, op.buffer, clamp(op.length),
                               static_cast<int>(op.flags) | MSG_NOSIGNAL);
            break;
        case io_opcode::recvmsg:
            io_uring_prep_recvmsg(&sqe, op.fd, static_cast<msghdr*>(op.buffer), op.flags);
            break;
        case io_opcode::sendmsg:
            io_uring_prep_sendmsg(&sqe, op.fd, static_cast<const msghdr*>(op.buffer),
                                  op.flags | MSG_NOSIGNAL);
            break;
        case io_opcode::read:
            io_uring_prep_read(&sqe, op.fd, op.buffer, clamp(op.length), op.offset);
            break;
        case io_opcode::write:
            io_uring_prep_write(&sqe, op.fd, op.buffer, clamp(op.length), op.offset);
            break;
        case io_opcode::poll:
            io_uring_prep_poll_add(&sqe, op.fd, op.flags);
            break;
        case io_opcode::writev:
            io_uring_prep_writev(&sqe, op.fd, static_cast<const iovec*>(op.buffer),
                                 static_cast<unsigned>(op.length), op.offset);
            break;
        case io_opcode::sendfile:  // only its wait for writability goes to the kernel (backend.cpp)
            io_uring_prep_poll_add(&sqe, op.fd, POLLOUT);
            break;
    }
}

}  // namespace corio::detail::uring
