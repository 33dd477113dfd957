// The loop's doors to other threads (include/corio/core/event_loop.hpp): callbacks posted from
// any thread, the debug-mode thread check, and the default executor. How they fit with
// remote_loop and the thread bridge: docs/architecture.md, "Between threads and loops".
#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/thread/thread_pool.hpp>

#include "../io/backend.hpp"

namespace corio {

bool event_loop::is_closed_threadsafe() const {
    std::lock_guard lock(threadsafe_mutex_);
    return closed_;
}

void event_loop::check_thread_slow() const {
    const std::thread::id owner = owner_.load(std::memory_order_relaxed);
    if (owner != std::thread::id() && owner != std::this_thread::get_id()) {
        throw wrong_thread_error(
            "Non-thread-safe operation invoked on an event loop other than the current one: use "
            "call_soon_threadsafe, remote_loop, or a concurrent_future");
    }
}

thread_pool& event_loop::default_executor() {
    check_runnable();
    check_thread();
    if (!default_executor_) {
        // asyncio's default: min(32, CPUs + 4) threads, started as jobs arrive.
        const std::size_t cpus = std::max(1u, std::thread::hardware_concurrency());
        default_executor_ = std::make_unique<thread_pool>(
            thread_pool_options{std::min<std::size_t>(32, cpus + 4), "corio-default"});
    }
    return *default_executor_;
}

void event_loop::post_threadsafe(detail::callback_node* node) {
    if (try_post_threadsafe(node)) return;
    // Refused: the callable is destroyed here, outside the lock (its destructor may do anything).
    node->release();
    throw std::logic_error("event loop is closed");
}

bool event_loop::try_post_threadsafe(detail::callback_node* node) noexcept {
    node->loop = this;
    node->ready_node::ops = &callback_ready_ops;
    std::lock_guard lock(threadsafe_mutex_);
    if (closed_) return false;
    threadsafe_.push(node);  // its one reference becomes the queue's
    threadsafe_count_.fetch_add(1);
    // Under the lock: once it is released the loop's thread may close and destroy the loop,
    // backend included. An eventfd write is cheap, and wake() coalesces.
    backend_->wake();
    return true;
}

void event_loop::drain_threadsafe() {
    if (threadsafe_count_.load() == 0) return;  // nothing posted: no lock to take
    detail::ready_queue posted;
    {
        std::lock_guard lock(threadsafe_mutex_);
        posted = std::exchange(threadsafe_, detail::ready_queue());
        threadsafe_count_.store(0);
    }
    while (!posted.empty()) schedule(posted.pop());
    // A signal handler counts itself in threadsafe_count_ too (it cannot take the lock), so its
    // signals are seen here, after the count was reset: one that comes later counts again.
    if (signals_pending_.exchange(false)) dispatch_signals();
}

}  // namespace corio
