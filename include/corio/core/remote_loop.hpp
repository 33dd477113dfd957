#pragma once
/// @file
/// `corio::remote_loop`: a thread-safe reference to an event loop, for the threads that post work
/// to it. Unlike an `event_loop&`, it may outlive the loop: posting then fails cleanly.

#include <memory>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <corio/core/event_loop.hpp>
#include <corio/core/handle.hpp>

namespace corio {

namespace detail {
/// What every `remote_loop` of one loop shares: the loop while it exists. The loop clears it
/// under the mutex when destroyed, so a thread posting at that moment either posts before the
/// loop goes or sees it gone, never a dangling loop.
struct loop_anchor {
    std::mutex mutex;
    event_loop* loop = nullptr;
};
}  // namespace detail

/// A thread-safe reference to an event loop (what `event_loop::remote()` returns): schedules
/// callbacks on the loop from any thread, and stays valid after the loop is closed or destroyed.
///
/// Copies refer to the same loop. An empty one (default-constructed or moved from) refers to no
/// loop and behaves as one whose loop is gone.
///
/// Thread safety: every member may be called from any thread, concurrently, including while the
/// loop runs, closes or is destroyed.
///
/// Example:
/// @code
/// corio::remote_loop remote = loop.remote();        // on the loop's thread
/// std::thread worker([remote] {
///     int answer = compute();
///     remote.call_soon([answer] { publish(answer); });  // runs on the loop's thread
/// });
/// @endcode
class remote_loop {
public:
    /// A reference to no loop.
    remote_loop() noexcept = default;

    /// Schedules `fn()` on the loop, as `event_loop::call_soon_threadsafe` does (same order and
    /// wake-up guarantees), and returns true; returns false if the loop is closed or gone, or
    /// this is empty. A refused `fn` is destroyed on the calling thread before this returns.
    ///
    /// Errors: `std::bad_alloc` (nothing is queued). An exception thrown by `fn` when it runs goes
    /// to the loop's exception handler.
    template <class F>
    bool try_call_soon(F&& fn) const {
        if (!anchor_) return false;
        auto* node = new detail::callback_impl<std::decay_t<F>>(std::forward<F>(fn));
        {
            std::lock_guard lock(anchor_->mutex);
            if (anchor_->loop && anchor_->loop->try_post_threadsafe(node)) return true;
        }
        node->release();  // outside the lock: the callable's destructor may do anything
        return false;
    }

    /// As `try_call_soon`, but a refusal is an error.
    ///
    /// Errors: `std::logic_error("event loop is closed")` if the loop is closed or gone (`fn` is
    /// destroyed first); `std::bad_alloc`.
    template <class F>
    void call_soon(F&& fn) const {
        if (!try_call_soon(std::forward<F>(fn))) throw std::logic_error("event loop is closed");
    }

    /// Asks the loop to stop after its current iteration (asyncio's
    /// `loop.call_soon_threadsafe(loop.stop)`); false if the loop is closed or gone.
    bool stop() const {
        return try_call_soon([] {
            if (detail::running_loop) detail::running_loop->stop();
        });
    }

    /// True if the loop is closed or destroyed (or this is empty). A loop still open may close
    /// right after this returns: use the result of `try_call_soon` to know if a callback will run.
    [[nodiscard]] bool is_closed() const {
        if (!anchor_) return true;
        std::lock_guard lock(anchor_->mutex);
        return anchor_->loop == nullptr || anchor_->loop->is_closed_threadsafe();
    }

    /// True if the loop is the one running on the calling thread.
    [[nodiscard]] bool runs_on_this_thread() const {
        if (!anchor_ || !detail::running_loop) return false;
        std::lock_guard lock(anchor_->mutex);
        return anchor_->loop == detail::running_loop;
    }

    /// True if it refers to a loop (which may be gone since).
    [[nodiscard]] bool valid() const noexcept { return anchor_ != nullptr; }
    explicit operator bool() const noexcept { return valid(); }
    /// True if both refer to the same loop (or both are empty).
    friend bool operator==(const remote_loop& a, const remote_loop& b) noexcept {
        return a.anchor_ == b.anchor_;
    }

private:
    friend class event_loop;
    explicit remote_loop(std::shared_ptr<detail::loop_anchor> anchor) noexcept
        : anchor_(std::move(anchor)) {}

    std::shared_ptr<detail::loop_anchor> anchor_;
};

inline remote_loop event_loop::remote() const noexcept { return remote_loop(anchor_); }

}  // namespace corio
