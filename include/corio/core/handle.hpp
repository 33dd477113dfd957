#pragma once
/// @file
/// `handle` and `timer_handle`: what `call_soon`, `call_later` and `call_at` return (asyncio's
/// `Handle` and `TimerHandle`), and the callback nodes behind them.

#include <cstdint>
#include <utility>

#include <corio/core/clock.hpp>
#include <corio/core/detail/ready_queue.hpp>
#include <corio/core/detail/timer_queue.hpp>
#include <corio/core/errors.hpp>

namespace corio {

class event_loop;

namespace detail {

/// A scheduled callback: runnable from the ready queue, and from the timer queue when delayed.
/// Shared by the loop (while scheduled) and the handles the caller keeps.
struct callback_node : ready_node, timer_node {
    event_loop* loop = nullptr;
    std::uint32_t refs = 1;
    bool cancelled = false;
    void (*invoke)(callback_node*) = nullptr;
    void (*destroy)(callback_node*) noexcept = nullptr;

    void add_ref() noexcept { ++refs; }
    void release() noexcept {
        if (--refs == 0) destroy(this);
    }
};

template <class F>
struct callback_impl final : callback_node {
    F fn;
    template <class U>
    explicit callback_impl(U&& f) : fn(std::forward<U>(f)) {
        invoke = [](callback_node* n) { static_cast<callback_impl*>(n)->fn(); };
        destroy = [](callback_node* n) noexcept { delete static_cast<callback_impl*>(n); };
        // Its ready_ops and timer_ops are event_loop's, the same for every callback: they need
        // nothing of F, reaching the callable through `invoke` and `destroy`.
    }
};

/// Unschedules a callback (defined in src/core/event_loop.cpp: it needs the loop's timer queue).
void cancel_callback(callback_node* node) noexcept;

}  // namespace detail

/// A callback scheduled with `call_soon` (asyncio's `Handle`): can be cancelled until it runs.
///
/// Copies refer to the same callback; dropping every handle does not cancel it. An empty handle
/// (default-constructed or moved from) refers to nothing: `cancel()` does nothing on it and
/// `cancelled()` is false, as for a callback that simply has not been cancelled.
///
/// Cancellation: `cancel()` before the callback runs means it never runs. The callable is
/// destroyed once neither the loop nor any handle holds it.
///
/// Thread safety: use only on the loop's thread (from another thread, go through
/// `call_soon_threadsafe`).
class handle {
public:
    /// An empty handle.
    handle() noexcept = default;
    handle(const handle& o) noexcept : node_(o.node_) {
        if (node_) node_->add_ref();
    }
    handle(handle&& o) noexcept : node_(std::exchange(o.node_, nullptr)) {}
    handle& operator=(handle o) noexcept {
        std::swap(node_, o.node_);
        return *this;
    }
    ~handle() {
        if (node_) node_->release();
    }

    /// Prevents the callback from running, if it has not run yet. Idempotent; a no-op on an empty
    /// handle.
    void cancel() noexcept {
        if (node_) detail::cancel_callback(node_);
    }
    /// True once `cancel()` was called on this callback; false for an empty handle.
    [[nodiscard]] bool cancelled() const noexcept { return node_ && node_->cancelled; }

    /// True if it refers to a callback (it was not default-constructed nor moved from).
    [[nodiscard]] bool valid() const noexcept { return node_ != nullptr; }
    explicit operator bool() const noexcept { return valid(); }

protected:
    friend class event_loop;
    explicit handle(detail::callback_node* node) noexcept : node_(node) {}  // adopts a reference
    detail::callback_node* node_ = nullptr;
};

/// A callback scheduled with `call_later`/`call_at` (asyncio's `TimerHandle`).
///
/// Cancellation: `cancel()` also removes it from the loop's timer queue at once (O(1)), so a
/// cancelled far-off timer holds no loop resource.
///
/// Thread safety: use only on the loop's thread.
class timer_handle : public handle {
public:
    /// An empty handle.
    timer_handle() noexcept = default;
    /// The loop time at which the callback is due (asyncio's `TimerHandle.when()`).
    ///
    /// Errors: `invalid_state_error` on an empty handle.
    [[nodiscard]] time_point when() const {
        if (!node_) [[unlikely]] {
            detail::throw_empty("timer_handle is empty (default-constructed or moved from)");
        }
        return node_->deadline;
    }

private:
    friend class event_loop;
    explicit timer_handle(detail::callback_node* node) noexcept : handle(node) {}
};

}  // namespace corio
