#pragma once
/// @file
/// `loop_fd`: a descriptor owned and bound to the event loop whose backend waits on it. The one
/// place that knows how such a descriptor binds to a loop and how it closes; `net::socket` and
/// the pipe transport of the streams hold one. Public only because `net::socket` embeds it.

#include <utility>

namespace corio {
class event_loop;
}

namespace corio::detail {

/// Owns a descriptor and remembers the loop its operations go to.
///
/// Why it exists: a backend keeps state per descriptor (epoll its registration and wait lists,
/// io_uring the requests in flight). Closing the descriptor must first end the operations still
/// in flight on it (a pending io_uring receive holds the file, and would keep a connection open)
/// and make the backend forget the number before the kernel can give it to another descriptor.
/// Moving to another loop must make the old loop forget it.
///
/// Binding is lazy: the first operation binds the descriptor to the loop running it
/// (`bind_to_running_loop`). Code that submits operations on `get()` directly (a transport
/// with its own `io_operation`) binds once, explicitly, when it takes the descriptor over.
///
/// Cancel safety: not applicable (no operation of its own). `close` cancels the operations in
/// flight on the descriptor; each ends as `io_awaiter`'s rule says (with -ECANCELED).
///
/// Thread safety: one loop's thread at a time, as the descriptor's operations.
///
/// Errors: `bind_to_running_loop` throws `std::logic_error` outside a running loop; nothing
/// else throws.
///
/// Example:
/// @code
/// detail::loop_fd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
/// const int n = fd.bind_to_running_loop("eventfd");  // submit operations on n from now on
/// fd.close();  // cancels them, the loop forgets n, then ::close(n)
/// @endcode
class loop_fd {
public:
    /// No descriptor.
    loop_fd() noexcept = default;
    /// Owns `fd` (-1: none); not bound to a loop yet.
    explicit loop_fd(int fd) noexcept : fd_(fd) {}
    loop_fd(loop_fd&& other) noexcept
        : fd_(std::exchange(other.fd_, -1)), loop_(std::exchange(other.loop_, nullptr)) {}
    loop_fd& operator=(loop_fd&& other) noexcept {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
            loop_ = std::exchange(other.loop_, nullptr);
        }
        return *this;
    }
    ~loop_fd() { close(); }

    /// The descriptor, or -1.
    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
    /// The loop it is bound to; null before the first operation.
    [[nodiscard]] event_loop* loop() const noexcept { return loop_; }

    /// Binds the descriptor to the running loop (a no-op if bound there already) and returns it.
    /// A descriptor moving from another loop is forgotten there; the new loop forgets whatever
    /// it knew of an earlier descriptor of the same number closed behind its back.
    /// Errors: `std::logic_error` (its message says `what`) with no running loop.
    int bind_to_running_loop(const char* what);

    /// Cancels the operations in flight on the descriptor, makes its loop forget it, and closes
    /// it. Idempotent; never throws.
    void close() noexcept;

    /// Gives the descriptor up unclosed (-1 if none), after its loop has cancelled what was in
    /// flight on it and forgotten it.
    [[nodiscard]] int release() noexcept;

private:
    /// What the caller does with the descriptor next (a backend need not undo a registration
    /// that the close undoes).
    enum class then : std::uint8_t { close, keep_open };
    /// Cancels and forgets the descriptor on its loop, if that loop is still alive and open.
    void unbind(then next) noexcept;

    int fd_ = -1;
    event_loop* loop_ = nullptr;
};

}  // namespace corio::detail
