#pragma once
/// @file
/// Everything in `corio::threading`: the thread-side primitives of Python's `threading` module that
/// the standard library lacks (a named thread with `join(timeout)` and `enumerate()`, an event, a
/// timer).
///
/// Where `std::` already has the tool, corio does not wrap it: `threading.Lock` is `std::mutex`,
/// `RLock` is `std::recursive_mutex`, `Condition` is `std::condition_variable(_any)`, `Semaphore`
/// is `std::counting_semaphore`, `Barrier` is `std::barrier`, `local` is `thread_local` (see the
/// "Threads" section of docs/python-guide.md).

#include <corio/thread/event.hpp>
#include <corio/thread/thread.hpp>
#include <corio/thread/timer.hpp>
