#pragma once
/// @file
/// Everything of corio's async core: the event loop, tasks, futures, timers and `run`.

#include <corio/core/clock.hpp>
#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/future.hpp>
#include <corio/core/handle.hpp>
#include <corio/core/run.hpp>
#include <corio/core/sleep.hpp>
#include <corio/core/task.hpp>
#include <corio/core/task_handle.hpp>
