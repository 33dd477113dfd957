#pragma once
/// @file
/// Everything of corio's async core: the event loop, tasks, futures, timers and `run`.

#include <corio/core/as_completed.hpp>
#include <corio/core/async_generator.hpp>
#include <corio/core/clock.hpp>
#include <corio/core/dump_tasks.hpp>
#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/exception_group.hpp>
#include <corio/core/future.hpp>
#include <corio/core/gather.hpp>
#include <corio/core/handle.hpp>
#include <corio/core/remote_loop.hpp>
#include <corio/core/run.hpp>
#include <corio/core/shield.hpp>
#include <corio/core/sleep.hpp>
#include <corio/core/task.hpp>
#include <corio/core/task_group.hpp>
#include <corio/core/task_handle.hpp>
#include <corio/core/timeout.hpp>
#include <corio/core/wait.hpp>
#include <corio/core/wait_for.hpp>
