#pragma once
// The readers and writers of event_loop::add_reader / add_writer: each a poll operation kept in
// flight while its callback is registered, re-armed after each call (level-triggered, as asyncio's
// selector loop is).
#include <functional>
#include <memory>
#include <unordered_map>

#include <corio/core/event_loop.hpp>
#include <corio/io/detail/operation.hpp>

namespace corio::detail {

struct fd_watcher : io_operation {
    event_loop* loop = nullptr;
    std::function<void()> fn;
    bool registered = true;  ///< false once removed: the last of the paths below frees it
    bool queued = false;     ///< its call is in the ready queue
};

struct fd_watchers {
    /// Key: fd * 2 + (writer ? 1 : 0).
    std::unordered_map<long, std::unique_ptr<fd_watcher>> by_key;
    ~fd_watchers();
};

}  // namespace corio::detail
