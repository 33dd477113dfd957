#pragma once
// What the epoll backend (backend.cpp) keeps per descriptor: the operations waiting on it in each
// direction, the readiness last seen, and the generation its events are tagged with.
#include <cstdint>

#include <corio/io/detail/operation.hpp>

namespace corio::detail::epoll {

/// A FIFO of operations waiting on one descriptor and direction.
struct wait_list {
    io_operation* head = nullptr;
    io_operation* tail = nullptr;

    void push(io_operation& op) noexcept {
        op.next = nullptr;
        op.prev = tail;
        (tail ? tail->next : head) = &op;
        tail = &op;
    }
    void remove(io_operation& op) noexcept {
        (op.prev ? op.prev->next : head) = op.next;
        (op.next ? op.next->prev : tail) = op.prev;
        op.next = op.prev = nullptr;
    }
};

/// What the backend knows of a descriptor. `*_ready` is the readiness last seen: set by an edge,
/// cleared by EAGAIN (or by a short stream read, which means the socket was drained), so that an
/// operation on a descriptor known not to be ready joins its list without a wasted system call.
struct fd_entry {
    wait_list input;
    wait_list output;
    bool registered = false;
    bool input_ready = true;
    bool output_ready = true;
    /// The peer's end of file (or an error) was seen: input stays ready for good, whatever a
    /// short read suggests, since no further edge will come.
    bool input_closed = false;
    /// Counts the descriptors this number has named; the registration's tag carries it, so that
    /// an event of a file the number named before is known stale (see forget_fd).
    std::uint32_t generation = 0;
};

/// An event's tag: the descriptor, and the generation of its entry when it was registered.
constexpr std::uint64_t tag_of(int fd, std::uint32_t generation) noexcept {
    return static_cast<std::uint32_t>(fd) | (std::uint64_t{generation} << 32);
}

}  // namespace corio::detail::epoll
