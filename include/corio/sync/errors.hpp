#pragma once
/// @file
/// Exceptions of the sync primitives: asyncio's `QueueEmpty`, `QueueFull` and `QueueShutDown`.

#include <stdexcept>

namespace corio {

/// `get_nowait()` found no item it could take (asyncio's `QueueEmpty`).
///
/// Cancel safety: not applicable (an exception type). Thread safety: as any exception object.
/// Errors: none beyond `std::runtime_error`'s.
///
/// Example:
/// @code
/// try { auto job = q.get_nowait(); } catch (const corio::queue_empty&) { /* nothing to do */ }
/// @endcode
class queue_empty : public std::runtime_error {
public:
    queue_empty() : std::runtime_error("queue empty") {}
    using std::runtime_error::runtime_error;
};

/// `put_nowait()` found no free slot in a bounded queue (asyncio's `QueueFull`).
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::runtime_error`'s.
///
/// Example:
/// @code
/// try { q.put_nowait(job); } catch (const corio::queue_full&) { drop(job); }
/// @endcode
class queue_full : public std::runtime_error {
public:
    queue_full() : std::runtime_error("queue full") {}
    using std::runtime_error::runtime_error;
};

/// The queue was shut down: no more puts, and no more gets once it is empty (asyncio's
/// `QueueShutDown`, Python 3.13).
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::runtime_error`'s.
///
/// Example:
/// @code
/// try { for (;;) handle(co_await q.get()); } catch (const corio::queue_shut_down&) { /* done */ }
/// @endcode
class queue_shut_down : public std::runtime_error {
public:
    queue_shut_down() : std::runtime_error("queue shut down") {}
    using std::runtime_error::runtime_error;
};

/// A `barrier` was aborted or reset while a task waited at it, or was broken when the task
/// arrived (asyncio's `BrokenBarrierError`, a `RuntimeError`).
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::runtime_error`'s.
///
/// Example:
/// @code
/// try { co_await b.wait(); } catch (const corio::broken_barrier_error&) { /* round abandoned */ }
/// @endcode
class broken_barrier_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace corio
