#pragma once
/// @file
/// What `stream_reader::read(n)` returns: a request that, awaited in a task, reads with no
/// coroutine frame of its own. A server's idle connections wait here, in the handler's frame:
/// the frame a coroutine `read` would add is memory every idle connection pays (and an
/// allocation per message), so `read(n)`, the read of echoes and proxies, waits in place.
/// Defined in src/net/stream_receive.cpp.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <corio/core/task.hpp>

namespace corio::detail {

class stream_connection;

/// `co_await reader.read(n)` inside a task: made by the task's `await_transform` through
/// `bind_to_chain`. With bytes buffered it is ready at once; else it waits for the connection's
/// multishot receive as the task's wait (or, where there is none, runs the single receive as a
/// child task on the chain), and takes what came when it resumes.
class read_some_awaiter : private wait_hook {
public:
    read_some_awaiter(stream_connection* c, std::size_t n, task_frame* parent) noexcept
        : c_(c), n_(n), parent_(parent) {}
    read_some_awaiter(const read_some_awaiter&) = delete;
    read_some_awaiter& operator=(const read_some_awaiter&) = delete;
    /// The frame destroyed while waiting (the loop closing under it): the task is forgotten.
    ~read_some_awaiter();

    bool await_ready();
    void await_suspend(std::coroutine_handle<> h) noexcept;
    std::string await_resume();

private:
    static bool cancel_wait(wait_hook* h, const std::string& message);
    static void describe_wait(const wait_hook* h, std::string& out);

    stream_connection* c_;
    std::size_t n_;
    task_frame* parent_;
    task_record_base* task_ = nullptr;  ///< set while waiting for the multishot receive
    std::optional<child_awaiter<bool>> single_;
};

/// `stream_reader::read(n)`: awaitable in a task (it keeps the connection alive until then), and
/// convertible to a `task<std::string>` where a task is wanted (`create_task`, a function that
/// returns one).
struct read_some_request {
    using value_type = std::string;

    std::shared_ptr<stream_connection> connection;
    std::size_t n;

    [[nodiscard]] read_some_awaiter bind_to_chain(task_frame* parent) const noexcept {
        return {connection.get(), n, parent};
    }
    // NOLINTNEXTLINE(google-explicit-constructor): stands in for the task read(n) used to be
    operator task<std::string>() && { return as_task(std::move(*this)); }

private:
    static task<std::string> as_task(read_some_request request) {
        co_return co_await std::move(request);
    }
};

}  // namespace corio::detail
