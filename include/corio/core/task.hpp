#pragma once
/// @file
/// `corio::task<T>`: the coroutine type of corio's async functions (Python's `async def`).

#include <coroutine>
#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>

#include <corio/core/detail/task_frame.hpp>

namespace corio {

namespace detail {
/// `co_return value;` for `task<T>`, `co_return;` (or falling off the end) for `task<void>`.
template <class T>
struct task_promise_base : task_frame, result_slot<T> {
    template <class U = T>
    void return_value(U&& value) {
        this->set(std::forward<U>(value));
    }
};
template <>
struct task_promise_base<void> : task_frame, result_slot<void> {
    static void return_void() noexcept {}
};

/// In debug mode, reports a `task<T>` destroyed before it was ever awaited or scheduled (Python's
/// "coroutine ... was never awaited"). Out of line: only that rare path looks up debug mode.
void report_never_awaited() noexcept;

/// True if `T` is the closure type of a lambda with captures. C++ cannot name closure types, but
/// GCC and Clang spell them recognisably in `__PRETTY_FUNCTION__` ("<lambda" and "(lambda at"); a
/// captureless lambda is an empty class, and is never a lifetime hazard.
template <class T>
constexpr bool is_capturing_lambda() noexcept {
    if constexpr (!std::is_class_v<T> || std::is_empty_v<T>) {
        return false;
    } else {
        constexpr std::string_view name = __PRETTY_FUNCTION__;
        return name.find("<lambda") != std::string_view::npos ||
               name.find("(lambda at") != std::string_view::npos;
    }
}
}  // namespace detail

/// A lazy coroutine producing a `T`: the C++ spelling of a Python coroutine object.
///
/// Calling an async function (one returning `task<T>`) runs nothing. The body starts when the task
/// is awaited by another task (`co_await fetch()`: it then runs as part of the awaiting task, with
/// no scheduling in between), or when it is handed to the loop (`create_task`, `run`), which wraps
/// it in a scheduled task. Exceptions thrown in the body propagate to the awaiter; `task<void>` and
/// move-only `T` work.
///
/// Nested awaits never grow the machine stack: a million synchronously completing nested awaits
/// run in constant stack (see docs/architecture.md).
///
/// Cancellation: a task runs as part of the scheduled task that awaits it, and is cancelled with
/// it: the `cancelled_error` is raised at whatever suspension point it is waiting at.
///
/// Thread safety: a task is run by the loop of the thread that started it.
///
/// Errors: in debug mode (`loop_options::debug`, `CORIO_DEBUG=1`), destroying a task that was never
/// awaited nor scheduled is reported to the running loop's exception handler (stderr outside a
/// loop) as "Coroutine was never awaited": its body silently never ran, which is almost always a
/// forgotten `co_await`.
///
/// Example:
/// @code
/// corio::task<int> answer() { co_await corio::sleep(10ms); co_return 42; }
/// corio::task<void> main_task() { std::cout << co_await answer() << '\n'; }
/// int main() { corio::run(main_task()); }
/// @endcode
template <class T = void>
class [[nodiscard]] task {
public:
    using value_type = T;

    class promise_type : public detail::task_promise_base<T> {
    public:
        promise_type() noexcept = default;
        /// A coroutine that takes arguments passes them here first (a member function its object
        /// first): a lambda with captures is noted, for `create_task`'s debug-mode check.
        template <class Self, class... Args>
        explicit promise_type(Self&, Args&...) noexcept {
            // Forced to a constant: otherwise an unoptimized build searches the name per call.
            constexpr bool capturing = detail::is_capturing_lambda<std::remove_cvref_t<Self>>();
            this->capturing_lambda_ = capturing;
        }

        task get_return_object() noexcept {
            detail::task_frame::check_layout(*this);
            return task(std::coroutine_handle<promise_type>::from_promise(*this));
        }
    };

    task() noexcept = default;
    task(task&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    task& operator=(task&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    ~task() { reset(); }

    /// True if this object holds a coroutine (not moved from).
    [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(handle_); }

    /// For the machinery: the coroutine's promise.
    [[nodiscard]] promise_type& promise() const noexcept {
        return std::coroutine_handle<promise_type>::from_address(handle_.address()).promise();
    }
    /// For the machinery: gives up ownership of the frame.
    [[nodiscard]] promise_type& release() noexcept {
        promise_type& p = promise();
        handle_ = nullptr;
        return p;
    }

private:
    explicit task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
    void reset() noexcept {
        if (!handle_) return;
        // A frame joins a chain (awaited: `child_awaiter`, scheduled: `create_task`) by getting
        // its record, so an owned frame without one has never run: the caller forgot to await it.
        if (!promise().record_) [[unlikely]] {
            detail::report_never_awaited();
        }
        std::exchange(handle_, nullptr).destroy();
    }

    std::coroutine_handle<> handle_;
};

namespace detail {

template <class T>
child_awaiter<T>::child_awaiter(task<T>&& child, task_frame* parent) noexcept
    : child_(&child.release()), parent_(parent) {}

template <class T>
void child_awaiter<T>::await_suspend(std::coroutine_handle<>) noexcept {
    task_frame& child = *child_;
    task_record_base* record = parent_->record_;
    child.parent_ = parent_;
    child.record_ = record;
    record->leaf_ = &child;
    // Normally the driver, which resumed the parent, now resumes the child. If an outside
    // awaitable resumed the parent directly, hand the chain back to the loop instead.
    if (!record->in_step()) record->schedule();
}

template <class T>
T child_awaiter<T>::await_resume() {
    // The child is done: free its frame once its result (or exception) is out.
    struct frame_guard {
        task_frame* frame;
        ~frame_guard() { frame->handle().destroy(); }
    } guard{child_};
    if (child_->exception_) std::rethrow_exception(std::exchange(child_->exception_, nullptr));
    if constexpr (!std::is_void_v<T>) return child_->take();
}

template <class T>
void task_record<T>::take_result(task_frame& root) {
    if constexpr (!std::is_void_v<T>) {
        slot_.set(static_cast<typename task<T>::promise_type&>(root).take());
    }
}

}  // namespace detail
}  // namespace corio
