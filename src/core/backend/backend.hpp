#pragma once
// The I/O backend seam: the one interface through which the event loop waits. Chosen once per
// loop; portable code (the loop, tasks, timers) never mentions a syscall. epoll/ implements it
// today; uring/ will implement the same file names.
//
// The I/O issue extends this interface with per-descriptor readiness waits and submissions
// (wait_readable, wait_writable, submit, cancel); the loop core needs only what is here.

#include <memory>
#include <optional>

#include <corio/core/clock.hpp>

namespace corio::detail {

class io_backend {
public:
    io_backend() = default;
    io_backend(const io_backend&) = delete;
    io_backend& operator=(const io_backend&) = delete;
    virtual ~io_backend() = default;

    /// Waits until an I/O event or a wake-up arrives, or `timeout` passes (nullopt: no limit;
    /// zero: just look). Never returns early for a timeout (deadlines are rounded up, never down).
    virtual void poll(std::optional<duration> timeout) = 0;

    /// Makes the current or next `poll` return promptly. Thread-safe, async-signal-safe.
    virtual void wake() noexcept = 0;

    /// True while some I/O wait is registered: then a virtual clock must not jump ahead, since
    /// the I/O might complete first.
    [[nodiscard]] virtual bool has_io_waiters() const noexcept = 0;
};

/// The Linux epoll backend (src/core/backend/epoll/backend.cpp).
std::unique_ptr<io_backend> make_epoll_backend();

}  // namespace corio::detail
