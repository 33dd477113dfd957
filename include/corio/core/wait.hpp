#pragma once
/// @file
/// `wait`: waits for some of a set of tasks or futures to finish, without raising their errors or
/// cancelling them (asyncio's `wait`).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <corio/core/clock.hpp>
#include <corio/core/detail/child_handle.hpp>
#include <corio/core/detail/wait_point.hpp>
#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/task.hpp>

namespace corio {

/// When `wait` returns (asyncio's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
enum class return_when : std::uint8_t {
    first_completed,  ///< as soon as any one is done (or cancelled)
    first_exception,  ///< as soon as one finishes by raising (a cancellation does not count), or
                      ///< all are done
    all_completed,    ///< once all are done
};

/// What `wait` gives: the handles that are done and those still pending, each in input order
/// (asyncio returns two sets; corio keeps the order it was given, duplicates removed).
template <class H>
struct wait_result {
    std::vector<H> done;
    std::vector<H> pending;
};

namespace detail {

/// The untyped part of a wait: asyncio's `_wait` with its `_on_completion` callback.
class wait_core : public wait_point {
public:
    using child = watched_child<wait_core>;

    explicit wait_core(return_when when) noexcept
        : wait_point(
              [](wait_point& p, const std::string& message) {
                  return static_cast<wait_core&>(p).on_cancel(message);
              },
              "wait"),
          when_(when) {}

    [[nodiscard]] bool ready() const noexcept { return outcome_ != outcome::pending; }

    void on_done(std::size_t index) noexcept {
        --counter_;
        if (counter_ == 0 || when_ == return_when::first_completed ||
            (when_ == return_when::first_exception && children_[index].core->failed())) {
            finish();
        }
    }
    void on_timeout() noexcept { finish(); }

protected:
    /// Watches the children; arms the timer if the condition is not met already.
    void start(child* children, std::size_t n, std::optional<duration> timeout) {
        children_ = children;
        counter_ = n;
        for (std::size_t i = 0; i < n && outcome_ == outcome::pending; ++i) {
            children[i].node.watch(*children[i].core, *this, i);
        }
        if (outcome_ == outcome::pending && timeout) {
            event_loop& loop = get_running_loop();
            timer_.arm(loop, add_saturated(loop.time(), *timeout), *this);
        }
    }
    void check() const {
        if (outcome_ == outcome::cancelled) throw cancelled_error(cancel_message_);
    }

private:
    enum class outcome : std::uint8_t { pending, done, cancelled };

    void finish() noexcept {
        if (outcome_ != outcome::pending) return;
        outcome_ = outcome::done;
        timer_.disarm();
        wake();
    }
    /// Cancelling the waiting task ends the wait; the tasks waited for are left alone.
    bool on_cancel(const std::string& message) {
        if (outcome_ != outcome::pending) return false;
        outcome_ = outcome::cancelled;
        cancel_message_ = message;
        timer_.disarm();
        wake();
        return true;
    }

    child* children_ = nullptr;
    std::size_t counter_ = 0;
    deadline_timer<wait_core> timer_;
    std::string cancel_message_;
    return_when when_;
    outcome outcome_ = outcome::pending;
};

/// The state of one `wait`, in its coroutine frame.
template <class H>
class wait_state final : public wait_core {
public:
    wait_state(std::vector<H> handles, std::optional<duration> timeout, return_when when)
        : wait_core(when), handles_(std::move(handles)), children_(make_children<child>(handles_)) {
        start(children_.get(), handles_.size(), timeout);
    }

    state_awaiter<wait_state> operator co_await() noexcept {
        return state_awaiter<wait_state>(*this);
    }
    wait_result<H> resume() {
        check();
        wait_result<H> out;
        for (const H& h : handles_) (h.done() ? out.done : out.pending).push_back(h);
        return out;
    }

private:
    std::vector<H> handles_;  // declared first: outlives the watch nodes
    std::unique_ptr<child[]> children_;
};

template <class H>
task<wait_result<H>> wait_task(std::vector<H> handles, std::optional<duration> timeout,
                               return_when when) {
    wait_state<H> state(std::move(handles), timeout, when);
    co_return co_await state;
}

template <class R>
concept wait_range = std::ranges::input_range<R> && watchable_handle<std::ranges::range_value_t<R>>;
template <class R>
concept coroutine_range = std::ranges::input_range<R> && is_task<std::ranges::range_value_t<R>>;

}  // namespace detail

/// Waits until some of `fs` (task handles or futures) are done, as `when` says, or until `timeout`
/// has passed; returns which are done and which are pending (asyncio's `wait`).
///
/// `fs` is any range of `task_handle<T>`, `task_ref` (tasks of mixed types) or `future<T>`; the
/// result keeps that type. `wait` neither raises the children's exceptions nor cancels them, not
/// even on timeout: read their results through the handles in `done`, cancel the `pending` ones if
/// they are no longer wanted. As in asyncio, `wait` always goes through the loop, even if the
/// condition already holds: the children's completions are reported by done-callbacks, so the
/// awaiting task resumes two iterations after the completion that satisfies it. A zero or
/// negative `timeout` returns on the loop's next timer pass with what is done by then;
/// `duration::max()` is no timeout.
///
/// Cancellation: cancelling the awaiting task ends the wait with `cancelled_error`; the children
/// are left running, untouched.
///
/// Thread safety: the children and the awaiting task belong to the running loop.
///
/// Errors: `std::invalid_argument` for an empty `fs` (asyncio's `ValueError`) or an invalid
/// `when`; a range of coroutines does not compile (asyncio forbids them too: `create_task` them).
///
/// Example:
/// @code
/// std::vector<corio::task_handle<page>> fetches = {...};
/// auto [done, pending] = co_await corio::wait(fetches, 5s, corio::return_when::first_completed);
/// for (auto& t : pending) t.cancel();
/// @endcode
template <detail::wait_range R>
task<wait_result<std::ranges::range_value_t<R>>> wait(
    R&& fs, std::optional<duration> timeout = std::nullopt,
    return_when when = return_when::all_completed) {
    if (when != return_when::first_completed && when != return_when::first_exception &&
        when != return_when::all_completed) {
        throw std::invalid_argument("Invalid return_when value: " +
                                    std::to_string(static_cast<int>(when)));
    }
    std::vector<std::ranges::range_value_t<R>> all;
    for (auto&& h : fs) all.push_back(h);
    auto handles = detail::unique_handles(std::move(all));
    if (handles.empty()) throw std::invalid_argument("Set of Tasks/Futures is empty.");
    return detail::wait_task(std::move(handles), timeout, when);
}

/// `wait(fs, no timeout, when)`.
template <detail::wait_range R>
task<wait_result<std::ranges::range_value_t<R>>> wait(R&& fs, return_when when) {
    return wait(std::forward<R>(fs), std::nullopt, when);
}

/// Rejects coroutines with a clear message: `wait` never schedules work itself.
template <detail::coroutine_range R, class... Rest>
void wait(R&&, Rest&&...) {
    static_assert(detail::dependent_false<R>,
                  "corio::wait() takes tasks or futures, not coroutines: schedule them with "
                  "corio::create_task first (asyncio forbids coroutines here too)");
}

}  // namespace corio
