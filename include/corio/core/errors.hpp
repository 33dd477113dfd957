#pragma once
/// @file
/// Exceptions of the async core: asyncio's `CancelledError`, `TimeoutError`, `InvalidStateError`.

#include <stdexcept>
#include <string>
#include <utility>

namespace corio {

/// Raised at a task's suspension point when the task is cancelled (asyncio's `CancelledError`).
///
/// Like Python's `CancelledError`, which derives from `BaseException` since 3.8, it does not derive
/// from `std::exception`: a `catch (const std::exception&)` written to log failures does not
/// swallow a cancellation by accident. Catch it by name to clean up, then rethrow (or call
/// `task_handle::uncancel()` if the cancellation is really handled).
class cancelled_error {
public:
    cancelled_error() = default;
    explicit cancelled_error(std::string message) : message_(std::move(message)) {}

    /// The message given to `cancel(msg)`, empty if none.
    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    [[nodiscard]] const char* what() const noexcept {
        return message_.empty() ? "cancelled" : message_.c_str();
    }

private:
    std::string message_;
};

/// An operation did not finish before its deadline (asyncio's `TimeoutError`, raised by
/// `wait_for` and `timeout`).
class timeout_error : public std::runtime_error {
public:
    timeout_error() : std::runtime_error("timeout") {}
    using std::runtime_error::runtime_error;
};

/// An operation is not allowed in the object's current state, such as asking a pending future for
/// its result or setting a result twice (asyncio's `InvalidStateError`).
class invalid_state_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

/// A loop-bound object was used from a thread other than its loop's, reported in debug mode
/// (asyncio's "Non-thread-safe operation invoked on an event loop other than the current one").
/// Cross threads explicitly instead: `call_soon_threadsafe`, `remote_loop`, `concurrent_future`,
/// `channel`.
class wrong_thread_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

/// A task awaited a future or task that belongs to another loop (asyncio's "got Future attached
/// to a different loop"). Only `concurrent_future` and `channel` are awaitable from any loop.
class different_loop_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

namespace detail {
/// Throws `invalid_state_error(message)` for a call on an empty handle; kept out of line of the
/// callers, whose check is then one predictable branch.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_empty(const char* message) {
    throw invalid_state_error(message);
}
}  // namespace detail

}  // namespace corio
