#pragma once
/// @file
/// `io_operation`: one I/O request as the loop's backend sees it (the seam is in
/// src/io/backend.hpp). Portable code fills one in, hands it to the backend, and is told its
/// result once; it never makes the system call itself. Public only because awaiters embed it.

#include <cstdint>

namespace corio::detail {

/// What an operation does. Each backend implements every one: io_uring natively, epoll by trying
/// the non-blocking call and, on EAGAIN, waiting for readiness and trying again.
enum class io_opcode : std::uint8_t {
    accept,   ///< `buffer`: sockaddr out (may be null); `address_length`: its capacity in, size out
    connect,  ///< `buffer`: sockaddr in; `length`: its size
    recv,     ///< `buffer`, `length`; `flags`: MSG_* flags
    send,     ///< `buffer`, `length`; `flags`: MSG_* flags (MSG_NOSIGNAL is always added)
    recvmsg,  ///< `buffer`: msghdr; `flags`: MSG_* flags
    sendmsg,  ///< `buffer`: msghdr; `flags`: MSG_* flags (MSG_NOSIGNAL is always added)
    read,     ///< `buffer`, `length` at `offset` (`offset` all ones: the current file position)
    write,    ///< `buffer`, `length` at `offset` (as `read`)
    poll,     ///< `flags`: POLLIN/POLLOUT wanted; the result is the revents that came
    writev,   ///< `buffer`: iovec array; `length`: its count; at `offset` (as `read`)
    sendfile,  ///< `fd`: a stream socket; `source_fd`: a file, read from `offset` for `length`
};

/// The opcode's name, for errors and `dump_tasks` ("recv").
constexpr const char* io_opcode_name(io_opcode op) noexcept {
    constexpr const char* names[] = {"accept", "connect", "recv", "send",   "recvmsg", "sendmsg",
                                     "read",   "write",   "poll", "writev", "sendfile"};
    return names[static_cast<int>(op)];
}

/// `io_operation::hints`: the descriptor is a byte stream (TCP, Unix stream, pipe), so a read
/// shorter than asked means it was drained (epoll then skips the next, doomed, try).
inline constexpr std::uint8_t io_hint_stream = 1;

/// An in-flight request. Lives in its owner (an awaiter in a task's frame, a watcher) until its
/// final completion: the kernel may write into `buffer` until then, even after a cancel request
/// succeeded. The backend keeps its bookkeeping in the last fields.
///
/// Single-shot (the default): one result per submission. Multishot (`multishot` set; accept, and
/// recv where `io_backend::multishot_recv()` says so): one submission, a result per connection
/// accepted or chunk received, until a final one. Each callback sees `more`: true, the operation
/// stays in flight and more results will come; false, this was its final completion (an error,
/// end of file, -ECANCELED, or the kernel stopping it, which may also come with a result: the
/// owner submits it again if it wants more). A multishot recv takes no buffer: the bytes are at
/// `buffer` during the callback only (io_uring: the loop's provided buffer, given back when it
/// returns; epoll: the backend's scratch buffer, which the next recv overwrites).
struct io_operation {
    /// Called exactly once per submission that did not complete at once (a multishot one: once
    /// per result, the last with `more` false), on the loop's thread, from inside the backend
    /// (`poll`, or `cancel` on a backend that cancels synchronously): `result` is what the system
    /// call returned, or -errno (-ECANCELED once cancelled).
    /// It may submit this or another operation again (a transport flushing its queue does), but
    /// must not cancel or abandon any, nor throw; except that a multishot operation's callback
    /// may cancel that same operation (to stop it: its final completion comes later, never from
    /// inside the cancel).
    using complete_fn = void (*)(io_operation* op, int result) noexcept;

    // The fields are ordered to leave no padding: 72 bytes, in every pending operation of
    // every connection.
    complete_fn complete = nullptr;
    io_opcode opcode = io_opcode::poll;
    /// What the backend may assume of the descriptor (`io_hint_*`).
    std::uint8_t hints = 0;
    /// In: one submission, many results (see above).
    bool multishot = false;
    /// Out, during a multishot callback: more results will come (the operation is in flight).
    bool more = false;
    int fd = -1;
    std::uint32_t flags = 0;
    /// accept: in, the capacity of `buffer`; out, the size of the peer address.
    std::uint32_t address_length = 0;
    void* buffer = nullptr;
    std::uint64_t length = 0;
    std::uint64_t offset = ~std::uint64_t{0};
    /// sendfile: the file the bytes come from.
    int source_fd = -1;

    // ---- the backend's ----
    bool in_flight = false;        ///< submitted and its final completion not reaped yet
    bool cancelling = false;       ///< a cancel was requested (io_uring: the request is queued)
    bool waiting_ready = false;    ///< io_uring: the kernel said EAGAIN; a poll for readiness runs
    io_operation* next = nullptr;  ///< epoll: the descriptor's wait list
    io_operation* prev = nullptr;
};
static_assert(sizeof(void*) != 8 || sizeof(io_operation) == 72, "io_operation has padding");

}  // namespace corio::detail
