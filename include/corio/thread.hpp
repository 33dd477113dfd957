#pragma once
/// @file
/// The bridge between threads and loops: `thread_pool`, `to_thread`, `run_in_executor`,
/// `concurrent_future`, `run_coroutine_threadsafe`.

#include <corio/core/remote_loop.hpp>
#include <corio/thread/channel.hpp>
#include <corio/thread/concurrent_future.hpp>
#include <corio/thread/errors.hpp>
#include <corio/thread/run_coroutine_threadsafe.hpp>
#include <corio/thread/thread_pool.hpp>
