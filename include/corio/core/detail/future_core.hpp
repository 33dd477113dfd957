#pragma once
/// @file
/// The untyped heart of `future<T>` and of every task (asyncio's `Task` is a `Future` too): status,
/// exception, cancel message, reference count, and one ordered list of completion nodes.
///
/// Waiting tasks and done-callbacks share that list, so on completion they are woken in the order
/// they started waiting, as asyncio runs a future's callbacks (a waiting task is one of them).

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/core/detail/ready_queue.hpp>
#include <corio/core/errors.hpp>

namespace corio {
class event_loop;
}

namespace corio::detail {

class future_core;

/// True if `error` holds a `cancelled_error` (a null pointer holds nothing).
[[nodiscard]] bool is_cancellation(const std::exception_ptr& error) noexcept;
/// The message of the `cancelled_error` in `error`; empty if it holds something else.
[[nodiscard]] std::string cancellation_message(const std::exception_ptr& error);

/// One entry of a future's completion list: a waiting task (embedded in its awaiter, no allocation)
/// or a done-callback. Doubly linked so a cancelled waiter unlinks in O(1), and circular so that
/// the future needs only the head (the tail is `head->prev`): one pointer less in every task.
struct completion_node {
    completion_node* prev = nullptr;
    completion_node* next = nullptr;
    /// Called once, when the future completes (or at once if it already had).
    void (*fire)(completion_node*, future_core&) = nullptr;
    /// Frees a node still attached when the future is destroyed without completing (only
    /// heap-allocated done-callbacks can be: a waiting task keeps the future alive).
    void (*drop)(completion_node*) noexcept = nullptr;
};

enum class future_status : std::uint8_t { pending, finished, cancelled };

/// Reference-counted, loop-bound, not thread-safe (as asyncio's futures).
class future_core {
public:
    explicit future_core(event_loop* loop) noexcept : loop_(loop) {}
    future_core(const future_core&) = delete;
    future_core& operator=(const future_core&) = delete;

    [[nodiscard]] event_loop* loop() const noexcept { return loop_; }
    [[nodiscard]] bool done() const noexcept { return status_ != future_status::pending; }
    [[nodiscard]] bool cancelled() const noexcept { return status_ == future_status::cancelled; }
    [[nodiscard]] future_status status() const noexcept { return status_; }
    /// True if it finished with an exception (not by cancellation). Unlike `exception()`, does not
    /// mark the exception retrieved: for combinators that only look (`wait(first_exception)`).
    [[nodiscard]] bool failed() const noexcept {
        return status_ == future_status::finished && exception_ != nullptr;
    }

    void add_ref() noexcept { ++refs_; }
    void release() noexcept {
        if (--refs_ == 0) destroy();
    }

    /// asyncio's `Future.cancel(msg)`: a pending future becomes cancelled and its waiters wake.
    /// Returns false if it was already done.
    bool cancel_future(std::string message);

    /// `cancel(msg)` for whatever this is: a future is cancelled at once (`cancel_future`); a task
    /// overrides it with `Task.cancel`, a request the task finishes later. As in asyncio, where
    /// `Task.cancel` overrides `Future.cancel`, code holding either calls this.
    virtual bool cancel(std::string message) { return cancel_future(std::move(message)); }

    /// Completes with an exception. Errors: `invalid_state_error` if already done.
    void set_exception(std::exception_ptr error);

    /// The exception it finished with (null if none); marks it retrieved. Errors: as `check_done`.
    std::exception_ptr exception();

    /// Throws what `result()` must throw for a future that has no value to give: the exception,
    /// `cancelled_error`, or `invalid_state_error` while pending. Marks the exception retrieved.
    void rethrow_if_failed();

    /// "Future" or "Task", as asyncio names them in its messages.
    [[nodiscard]] virtual const char* kind() const noexcept { return "Future"; }
    /// For reports and `dump_tasks`: "Task-3", "Future", ...
    [[nodiscard]] virtual std::string describe() const;

    /// Adds `node` to the completion list; if already done, fires it at once.
    void attach(completion_node* node) noexcept;
    /// Removes a node that has not fired yet.
    void detach(completion_node* node) noexcept;

protected:
    virtual ~future_core();

    /// Marks the future finished (the value is already stored) and fires every node, in order.
    void finish() noexcept { complete(future_status::finished); }
    void complete(future_status status) noexcept;
    /// Called when the last reference goes. Reports an exception nobody retrieved.
    virtual void destroy() noexcept;

    event_loop* loop_;
    std::exception_ptr exception_;
    completion_node* head_ = nullptr;  ///< circular: `head_->prev` is the tail
    std::uint32_t refs_ = 1;
    future_status status_ = future_status::pending;
    bool retrieved_ = false;  ///< someone looked at the exception (or there was none)
};

/// Storage for a future's value: `std::optional<T>`, or nothing for `void`.
template <class T>
struct result_slot {
    std::optional<T> value;
    template <class U>
    void set(U&& v) {
        value.emplace(std::forward<U>(v));
    }
    /// Moves the value out (for a move-only `T`, which only one taker can have).
    T take() {
        T out = std::move(get());
        value.reset();
        return out;
    }
    /// Errors: `invalid_state_error` once a move-only value has been taken.
    T& get() {
        if (!value) throw invalid_state_error("the result was already moved out by an awaiter");
        return *value;
    }
};
template <>
struct result_slot<void> {
    static void set() noexcept {}
    static void take() noexcept {}
    static void get() noexcept {}
};

/// Intrusive reference to a `future_core` subclass.
template <class State>
class core_ref {
public:
    core_ref() noexcept = default;
    explicit core_ref(State* s) noexcept : s_(s) {}  // adopts one reference
    core_ref(const core_ref& o) noexcept : s_(o.s_) {
        if (s_) s_->add_ref();
    }
    core_ref(core_ref&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    core_ref& operator=(core_ref o) noexcept {
        std::swap(s_, o.s_);
        return *this;
    }
    ~core_ref() {
        if (s_) s_->release();
    }
    State* get() const noexcept { return s_; }
    /// Gives up the reference without releasing it.
    State* release() noexcept { return std::exchange(s_, nullptr); }
    State* operator->() const noexcept { return s_; }
    State& operator*() const noexcept { return *s_; }
    explicit operator bool() const noexcept { return s_ != nullptr; }
    friend bool operator==(const core_ref& a, const core_ref& b) noexcept { return a.s_ == b.s_; }

private:
    State* s_ = nullptr;
};

}  // namespace corio::detail
