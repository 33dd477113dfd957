#pragma once
// The I/O backend seam: the one interface through which the event loop waits and does I/O.
// Chosen once per loop (select_backend.cpp); portable code never mentions a system call.
//
// It speaks in operations, not readiness: `submit` starts one, its `complete` callback reports
// its result once (a multishot operation: once per result, until one says `more` is false; see
// io/detail/operation.hpp), `cancel` asks it to end early. io_uring (uring/) does exactly that;
// epoll (epoll/) emulates it by trying the non-blocking call at once and, on EAGAIN, waiting for
// the descriptor to become ready and trying again. docs/architecture.md tells the life of an
// operation on each.

#include <memory>
#include <optional>
#include <string_view>

#include <corio/core/clock.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/io/detail/operation.hpp>

namespace corio::detail {

class io_backend {
public:
    io_backend() = default;
    io_backend(const io_backend&) = delete;
    io_backend& operator=(const io_backend&) = delete;
    /// Every operation must have been reaped (`cancel_all`) before.
    virtual ~io_backend() = default;

    /// "epoll" or "io_uring".
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;

    /// True if `submit` never makes the system call itself: every submission goes to the kernel
    /// with the next `poll`, in the one system call that also waits (io_uring). A transport
    /// then queues and submits rather than trying the call first, which would cost a system
    /// call of its own; on epoll, where `submit` tries the call at once, trying first is free.
    [[nodiscard]] virtual bool batches_submissions() const noexcept = 0;

    /// True if `read`/`write` operations on regular files complete without blocking the loop
    /// (io_uring). epoll cannot wait for a file (a file is always "ready", and a read of it
    /// blocks): file I/O then goes to the loop's thread pool.
    [[nodiscard]] virtual bool native_file_io() const noexcept = 0;

    /// Waits until an operation completes or a wake-up arrives, or `timeout` passes (nullopt: no
    /// limit; zero: just look), and runs the completions that came. Never returns early for a
    /// timeout (deadlines are rounded up, never down). Submissions made since the last poll go
    /// to the kernel here, with the wait, in one system call where the backend can. A poll that
    /// may wait (the loop has nothing else to run) may run only some of the completions that
    /// came, and keep the rest for the next polls, which then do not wait (epoll: one
    /// descriptor's, so that the tasks they woke reply before the next one's receive is made);
    /// a poll that may not wait (zero: the loop has tasks ready) runs every one it finds.
    virtual void poll(std::optional<duration> timeout) = 0;

    /// Makes the current or next `poll` return promptly. Thread-safe, async-signal-safe.
    virtual void wake() noexcept = 0;

    /// True while an operation is in flight: then a virtual clock must not jump ahead, since the
    /// operation might complete first.
    [[nodiscard]] virtual bool has_io_waiters() const noexcept = 0;

    /// True if a stream socket's recv may be multishot, its chunks in the loop's buffers:
    /// io_uring's provided buffers where the kernel has them (6.0), epoll's one scratch buffer
    /// (receives until EAGAIN, or a short read, on each readiness edge). False only on io_uring
    /// without them: streams then receive one recv at a time into their own buffer. Multishot
    /// accept works everywhere: io_uring's own where the kernel has it, else emulated (a
    /// single-shot accept submitted again after each result; epoll: accepts until EAGAIN on each
    /// readiness edge), with the same callbacks.
    [[nodiscard]] virtual bool multishot_recv() const noexcept = 0;

    /// Starts `op`. Returns true if it completed at once: its result is in `result` and its
    /// callback will not run. Otherwise the callback runs once, later, from `poll` or `cancel`.
    /// A multishot operation never completes at once: its results all come through the callback,
    /// from `poll` (or `cancel`), never from inside `submit`.
    /// Errors: `std::bad_alloc` or `io_error` with nothing started.
    virtual bool submit(io_operation& op, int& result) = 0;

    /// Asks an in-flight operation to end early. Its callback still runs once: with -ECANCELED,
    /// or with its real result if it completed first. epoll runs it inside this call; io_uring
    /// from a later `poll`, after the kernel let go of the buffer. A multishot operation may
    /// deliver results first; its final callback (`more` false) is never run inside this call
    /// when the cancel comes from that operation's own callback.
    virtual void cancel(io_operation& op) noexcept = 0;

    /// Cancels `op` and waits until the kernel has let go of it, without running its callback:
    /// for an operation whose owner is being destroyed.
    virtual void abandon(io_operation& op) noexcept = 0;

    /// `cancel` for every in-flight operation on `fd`: before the descriptor is closed, so that
    /// no operation keeps a closed socket alive.
    virtual void cancel_fd(int fd) noexcept = 0;

    /// What becomes of a descriptor the backend forgets.
    enum class fd_fate : std::uint8_t {
        /// Closed right after: a registration with the kernel goes with the close (epoll drops
        /// a file from its interest list when its last descriptor closes), so undoing it would
        /// be a system call for nothing.
        closing,
        /// Kept open by someone else (released, moved to another loop, handed to a thread):
        /// its registration is undone now.
        stays_open,
    };
    /// Forgets `fd`, whose operations have all completed: before it is closed or handed on.
    virtual void forget_fd(int fd, fd_fate fate) noexcept = 0;

    /// Cancels every in-flight operation and runs every final completion: when the loop closes,
    /// before any frame or buffer an operation may touch is freed.
    virtual void cancel_all() noexcept = 0;
};

/// The backend `kind` asks for (select_backend.cpp): for `automatic`, io_uring if the kernel
/// allows it, else epoll, unless `CORIO_BACKEND` names one. Errors: `std::system_error` if the
/// backend asked for cannot be set up; `std::invalid_argument` for a bad `CORIO_BACKEND`.
std::unique_ptr<io_backend> make_backend(io_backend_kind kind);

/// The Linux epoll backend (epoll/backend.cpp).
std::unique_ptr<io_backend> make_epoll_backend();
/// The io_uring backend (uring/backend.cpp); null if the kernel refuses io_uring.
std::unique_ptr<io_backend> make_uring_backend();

}  // namespace corio::detail
