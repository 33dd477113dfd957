#pragma once
/// @file
/// `io_awaiter`: a task waiting for one I/O operation. The base of every I/O wait (sockets,
/// descriptors, files); the operation lives in the awaiter, in the task's frame, so an I/O wait
/// allocates nothing.

#include <coroutine>

#include <corio/core/detail/task_frame.hpp>
#include <corio/io/detail/operation.hpp>

namespace corio::detail {

/// The cancellation rule of every I/O wait, in one place:
/// - cancelled before the operation starts (a cancellation already pending): it never starts,
///   and the wait raises `cancelled_error`;
/// - cancelled while in flight: the backend is asked to cancel it. If the kernel says it was
///   cancelled, the wait raises `cancelled_error`, and nothing happened. If it completed first
///   (bytes arrived, a connection was accepted, bytes were sent), the wait returns that result
///   and the cancellation stays pending, raised at the task's next suspension point: no byte, no
///   descriptor, no sent prefix is ever lost or left unreported;
/// - the frame destroyed while in flight (the loop closing under the task): the backend cancels
///   it and waits until the kernel has let go of the buffer before the frame goes.
///
/// A subclass fills in the `io_operation` fields in its constructor, and its `await_resume`
/// calls `finish()` and turns a negative result into the right typed error.
class io_awaiter : protected io_operation, private wait_hook {
public:
    /// `task` null: the task running when it suspends (`current_record`).
    explicit io_awaiter(task_record_base* task) noexcept : task_(task) {}
    io_awaiter(const io_awaiter&) = delete;
    io_awaiter& operator=(const io_awaiter&) = delete;
    ~io_awaiter() {
        if (in_flight) [[unlikely]]
            abandon();
    }

    static bool await_ready() noexcept { return false; }

    /// Submits the operation. Does not suspend if it completed at once, unless the task has used
    /// its cooperative budget (then it yields to the loop first, as any always-ready wait does).
    /// Errors: `std::logic_error` outside a task; what the backend's `submit` throws.
    bool await_suspend(std::coroutine_handle<> h);

protected:
    /// The operation's result (>= 0), or -errno. Raises `cancelled_error` as the rule above says.
    int finish();

    int result_ = 0;

private:
    static void on_complete(io_operation* op, int result) noexcept;
    static bool cancel_wait(wait_hook* h, const std::string& message);
    static void describe_wait(const wait_hook* h, std::string& out);
    void abandon() noexcept;

    task_record_base* task_;
};

/// What an I/O function returns: the arguments of one operation, made into its awaiter when a
/// task awaits it. `Awaiter` is constructible from `(task_record_base*, const Args&)`.
template <class Awaiter, class Args>
class [[nodiscard]] io_request {
public:
    explicit io_request(Args args) noexcept : args_(args) {}
    [[nodiscard]] Awaiter bind_to_task(task_record_base* task) const noexcept {
        return Awaiter(task, args_);
    }
    Awaiter operator co_await() const noexcept { return Awaiter(nullptr, args_); }

private:
    Args args_;
};

}  // namespace corio::detail
