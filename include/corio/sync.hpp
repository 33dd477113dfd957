#pragma once
/// @file
/// Everything in `corio::sync`: asyncio's synchronization primitives for tasks on one loop, each
/// cancel-safe (see `sync/detail/waiter.hpp` for the one mechanism they share).

#include <corio/sync/barrier.hpp>
#include <corio/sync/condition.hpp>
#include <corio/sync/event.hpp>
#include <corio/sync/lock.hpp>
#include <corio/sync/queue.hpp>
#include <corio/sync/semaphore.hpp>
