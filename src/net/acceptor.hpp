#pragma once
// A listener's connections as they arrive, for a server's accept loop: one multishot accept per
// listener (io_uring's own, or emulated by the backend: see io/backend.hpp), whose results wait
// in a small queue until the loop's task takes them.
//
// Bounded: when `pause_at` connections wait unclaimed (a burst, and the task not yet run), the
// accept is stopped and the rest wait in the kernel's backlog; it is armed again once the task
// has taken every queued one. (Connections the kernel accepted before the stop took effect are
// queued too: a few more, never more than the backlog held.) A failure (EMFILE...) ends the
// multishot accept and is reported to the task after the connections queued before it; the next
// wait arms it again. Destroyed (the server closed, the loop closing), it stops the accept and
// closes the connections still queued.
#include <cstddef>
#include <deque>

#include <corio/core/detail/task_frame.hpp>
#include <corio/io/detail/operation.hpp>
#include <corio/net/socket.hpp>

namespace corio {
class event_loop;
}

namespace corio::detail {

class acceptor {
public:
    /// Accepts on `listener` (listening, bound to the running loop by its first operation).
    acceptor(net::socket& listener, std::size_t pause_at);
    acceptor(const acceptor&) = delete;
    acceptor& operator=(const acceptor&) = delete;
    ~acceptor();

    class awaiter;
    /// The next connection (`co_await`, from the loop's task). Cancel safety: cancelled, it took
    /// nothing (a connection that arrived stays queued for the next wait). Errors: `io_error`
    /// (EMFILE, ECONNABORTED, ...; EBADF once the listener is closed).
    [[nodiscard]] awaiter next() noexcept;

private:
    struct accept_operation : io_operation {
        acceptor* owner;
    };
    static void on_accept(io_operation* op, int result) noexcept;
    /// Arms the multishot accept. False if it could not start (the error is kept).
    void arm() noexcept;
    void wake() noexcept;
    [[nodiscard]] bool ready() const noexcept { return !queue_.empty() || error_ != 0; }

    event_loop* loop_;
    net::socket* listener_;
    accept_operation op_{};
    std::deque<int> queue_;  ///< accepted descriptors, not yet taken
    std::size_t pause_at_;
    int error_ = 0;          ///< errno of a failure to report once the queue is empty
    bool stopping_ = false;  ///< we cancelled the accept (queue full): re-arm when it ends
    task_record_base* waiter_ = nullptr;
    wait_hook* waiter_hook_ = nullptr;
};

/// `co_await acceptor.next()`.
class acceptor::awaiter : private wait_hook {
public:
    explicit awaiter(acceptor& a) noexcept : acceptor_(&a) {}
    [[nodiscard]] bool await_ready() const noexcept { return acceptor_->ready(); }
    bool await_suspend(std::coroutine_handle<> h) noexcept;
    net::socket await_resume();

private:
    static bool cancel_wait(wait_hook* h, const std::string& message);
    static void describe_wait(const wait_hook* h, std::string& out);

    acceptor* acceptor_;
};

inline acceptor::awaiter acceptor::next() noexcept { return awaiter(*this); }

}  // namespace corio::detail
