#pragma once
/// @file
/// What `stream_writer::drain()` returns: a request that, awaited in a task, costs a check when
/// the queue is not over its high-water mark (nearly always), and runs a wait only when it is.
/// `write` then `drain` is the loop of every echo, proxy and line protocol: a coroutine `drain`
/// would add a frame, its allocation and its steps to each message. Defined in
/// src/net/stream_writer.cpp.

#include <memory>
#include <optional>
#include <utility>

#include <corio/core/task.hpp>

namespace corio::detail {

class stream_connection;

/// `co_await writer.drain()` inside a task: made by the task's `await_transform` through
/// `bind_to_chain`. Ready at once unless the queue is over its high-water mark; then the wait
/// runs as a child task on the chain (where a pending cancellation is raised, as in any wait).
class drain_awaiter {
public:
    drain_awaiter(stream_connection* c, task_frame* parent) noexcept : c_(c), parent_(parent) {}
    drain_awaiter(const drain_awaiter&) = delete;
    drain_awaiter& operator=(const drain_awaiter&) = delete;

    /// Errors: the connection's error, `connection_reset_error` once it is closed.
    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) noexcept { wait_->await_suspend(h); }
    void await_resume() {
        if (wait_) wait_->await_resume();
    }

private:
    stream_connection* c_;
    task_frame* parent_;
    std::optional<child_awaiter<void>> wait_;
};

/// `stream_writer::drain()`: awaitable in a task (it keeps the connection alive until then), and
/// convertible to a `task<void>` where a task is wanted (`create_task`, a function that returns
/// one).
struct drain_request {
    using value_type = void;

    std::shared_ptr<stream_connection> connection;

    [[nodiscard]] drain_awaiter bind_to_chain(task_frame* parent) const noexcept {
        return {connection.get(), parent};
    }
    // NOLINTNEXTLINE(google-explicit-constructor): stands in for the task drain() used to be
    operator task<void>() && { return as_task(std::move(*this)); }

private:
    static task<void> as_task(drain_request request) { co_await std::move(request); }
};

}  // namespace corio::detail
