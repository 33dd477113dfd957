#pragma once
/// @file
/// `corio::dump_tasks`: what every task of a loop is doing, with its async stack (the loop
/// explaining itself; Python 3.14's `asyncio.print_call_graph` for all tasks at once).

#include <iosfwd>

namespace corio {

class event_loop;

/// Writes every unfinished task of `loop`, oldest first: its name, its state, and the chain of
/// coroutines it is suspended in, innermost first, each with the `co_await` it waits at.
///
/// The format is stable (tools and tests may parse it); the example shows everything it uses:
/// @code
/// Task "fetcher" (waiting)
///   waiting for lock held by Task "writer"
///   at corio::task<int> fetch(int) (examples/x.cpp:12)
///   at corio::task<void> main_task() (examples/x.cpp:30)
/// Task "Task-3" (not started)
/// @endcode
/// - A block per task: `Task "<name>" (<state>)`; for a waiting task, `  waiting for <what>`
///   naming what it waits for: `sleep, due in 1.500 s` (on the loop's clock), `Task "<name>"`,
///   `a Future`, `gather` / `wait` / `shield` / `as_completed`, `lock held by Task "<name>"`,
///   `event (not set)`, `semaphore (value 0, 2 waiting)`, `condition (a notify)`,
///   `barrier (1 of 3 arrived)`, `queue get (0 items, maxsize 10)`, `queue put (...)`,
///   `channel receive (empty)`, `channel send (full)`, `concurrent_future (set by another
///   thread)` (no line for an awaitable corio does not know); then one `  at <function>
///   (<file>:<line>)` line per coroutine of the chain, innermost first. The function is named as
///   the compiler's `std::source_location` names it (Clang: with the return type; GCC: without),
///   the file as it was given to the compiler. Coroutines of corio's machinery (`corio::detail`,
///   such as the one `spawn` wraps a callable in) are left out.
/// - The state is `not started` (created, first step not run yet: no frames are listed),
///   `scheduled` (woken, its next step is queued), `waiting` (suspended on something outside
///   itself: a sleep, a future, another task, I/O) or `running` (it is the task calling
///   `dump_tasks`). A running task's innermost line is the last `co_await` it went through, and a
///   coroutine that has not reached any `co_await` yet is shown as `at <unknown> (no co_await
///   yet)`.
/// - Nothing is written if the loop has no unfinished task.
///
/// The locations cost nothing extra to keep: every `co_await` in a task already records where it
/// is (one pointer store), in release builds too. See docs/architecture.md.
///
/// Thread safety: call it on the loop's thread (from a task, a callback, or between runs).
///
/// Errors: whatever writing to `out` throws.
///
/// Example: `loop.call_later(10s, [] { corio::dump_tasks(std::cerr); });`
void dump_tasks(event_loop& loop, std::ostream& out);

/// `dump_tasks` for the running loop.
///
/// Errors: `std::runtime_error("no running event loop")` outside a running loop.
void dump_tasks(std::ostream& out);

}  // namespace corio
