#pragma once
/// @file
/// Exceptions of the thread bridge: a pool that takes no more jobs, a producer that went away, a
/// wait that could only deadlock, a channel closed, full or empty.

#include <stdexcept>

namespace corio {

/// A job was submitted to a `thread_pool` after `shutdown()` (concurrent.futures' "cannot schedule
/// new futures after shutdown").
class executor_shutdown_error : public std::logic_error {
public:
    executor_shutdown_error() : std::logic_error("cannot schedule new jobs after shutdown") {}
    using std::logic_error::logic_error;
};

/// A `concurrent_promise` was destroyed without a result (C++'s
/// `std::future_errc::broken_promise`): what the future's `result()` raises then, so that a waiter
/// learns the producer is gone instead of waiting forever.
class broken_promise_error : public std::logic_error {
public:
    broken_promise_error() : std::logic_error("the promise was destroyed without a result") {}
    using std::logic_error::logic_error;
};

/// A blocking wait that can never end: a thread running an event loop waited for a
/// `concurrent_future` only that same loop can complete (say, `run_coroutine_threadsafe(coro,
/// loop).result()` on the loop's own thread). `co_await` the future instead.
class deadlock_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

/// A send on a closed `corio::channel` (closed before it started or while it waited; Go's "send on
/// closed channel", asyncio's `QueueShutDown`). Receives do not raise it: they return an empty
/// `std::optional` once the channel is closed and drained. A `std::runtime_error`, like
/// `queue_shut_down`: with several producers, finding a channel another thread closed is an
/// ordinary event, not a bug.
///
/// Cancel safety: not applicable (an exception type). Thread safety: as any exception object.
/// Errors: none beyond `std::runtime_error`'s.
///
/// Example:
/// @code
/// try { co_await ch.send(std::move(job)); } catch (const corio::channel_closed&) { /* job kept */
/// }
/// @endcode
class channel_closed : public std::runtime_error {
public:
    channel_closed() : std::runtime_error("channel closed") {}
    using std::runtime_error::runtime_error;
};

/// `channel::send_nowait()` found no free slot (as `queue_full` for `corio::queue`).
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::runtime_error`'s.
///
/// Example:
/// @code
/// try { ch.send_nowait(std::move(job)); } catch (const corio::channel_full&) { retry_later(job); }
/// @endcode
class channel_full : public std::runtime_error {
public:
    channel_full() : std::runtime_error("channel full") {}
    using std::runtime_error::runtime_error;
};

/// `channel::receive_nowait()` found no item it could take on an open (or not yet drained)
/// channel (as `queue_empty` for `corio::queue`).
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::runtime_error`'s.
///
/// Example:
/// @code
/// try { auto job = ch.receive_nowait(); } catch (const corio::channel_empty&) { /* idle */ }
/// @endcode
class channel_empty : public std::runtime_error {
public:
    channel_empty() : std::runtime_error("channel empty") {}
    using std::runtime_error::runtime_error;
};

}  // namespace corio
