#pragma once
/// @file
/// `corio::async_generator<T>`: Python's asynchronous generators (`async def` with `yield`),
/// consumed with `while (auto v = co_await gen.next())`, Python's `async for`.
///
/// How it runs: the generator's frame is a frame of the consuming task's chain (see
/// detail/task_frame.hpp). `next()` pushes it onto the chain as `co_await child()` pushes a
/// child task, so the task's driver resumes it, its awaits go through the task (a cancellation of
/// the consumer reaches the await the body is at), and the async stack shows it. A `co_yield`
/// pops it off again: the consumer becomes the chain's leaf and the driver resumes it with the
/// value. Both moves go through the driver's loop, so nothing nests on the machine stack.

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <corio/core/detail/task_frame.hpp>
#include <corio/gen/detail/generator_frame.hpp>  // generator_state
#include <corio/gen/errors.hpp>

namespace corio {

template <class T>
class async_generator;

namespace detail {

/// Waits for `gen.next()` (`Close` false) or `gen.aclose()` (`Close` true) in a task: see
/// `async_generator_op`.
template <class T, bool Close>
class async_generator_awaiter {
public:
    async_generator_awaiter(async_generator<T>* gen, task_frame* consumer) noexcept
        : gen_(gen), consumer_(consumer) {}

    bool await_ready();
    void await_suspend(std::coroutine_handle<>) noexcept;
    auto await_resume() -> std::conditional_t<Close, void, std::optional<T>>;

private:
    async_generator<T>* gen_;
    task_frame* consumer_;  ///< the awaiting frame: the generator's frame goes on its chain
    bool forced_yield_ = false;
    bool pushed_ = false;
};

/// What `gen.next()` and `gen.aclose()` return: awaitable, as a temporary, in a task only.
template <class T, bool Close>
class async_generator_op {
public:
    explicit async_generator_op(async_generator<T>* gen) noexcept : gen_(gen) {}
    /// Called by `task_frame::await_transform` with the awaiting frame.
    async_generator_awaiter<T, Close> bind_to_chain(task_frame* consumer) && noexcept {
        return {gen_, consumer};
    }

private:
    async_generator<T>* gen_;
};

}  // namespace detail

/// An asynchronous generator producing `T` values (Python's `async def` containing `yield`).
///
/// Its body may `co_yield` values and `co_await` anything a task can (sleeps, futures, tasks,
/// other async generators). Calling the function runs nothing; each `co_await gen.next()` runs the
/// body, inside the awaiting task, up to its next `co_yield` and gives the value, or an empty
/// optional once the body has finished (Python's `StopAsyncIteration`). `next()` and `aclose()`
/// can only be awaited inside a task (or another async generator).
///
/// `co_await gen.aclose()` raises `generator_exit` at the `co_yield` the body is suspended at, so
/// its cleanup runs (and may await); the frame is then freed. Destroying a suspended generator
/// without `aclose()` destroys its frame: destructors of its locals run, but no exception is
/// raised and nothing can be awaited (Python's loop would schedule `aclose()` for it; corio has no
/// garbage collector to tell it when).
///
/// Cancellation: the body runs as part of the consuming task, so cancelling that task raises
/// `cancelled_error` at the await the body is at; if the body lets it out, the generator is
/// finished and the `next()` (or `aclose()`) rethrows it. A value already yielded is always
/// delivered: a cancellation requested meanwhile is raised at the consumer's next wait.
///
/// Thread safety: a generator is stepped by tasks of one loop, one `next()` at a time. Do not
/// move or destroy it while a `next()` or `aclose()` on it is in progress.
///
/// Errors: an exception escaping the body propagates to the awaiter of `next()` / `aclose()`, and
/// the generator is finished. `generator_error` for a `next()` / `aclose()` while another one is
/// in progress ("already running"), and from `aclose()` when the body yields instead of finishing
/// ("async generator ignored generator_exit"; the frame is then destroyed).
///
/// Example:
/// @code
/// corio::async_generator<int> ticks(int n) {
///     for (int i = 0; i < n; ++i) {
///         co_await corio::sleep(1s);
///         co_yield i;
///     }
/// }
/// corio::task<> main_task() {
///     auto gen = ticks(3);
///     while (auto i = co_await gen.next()) std::cout << *i << '\n';
/// }
/// @endcode
template <class T>
class [[nodiscard]] async_generator {
    static_assert(std::is_object_v<T> && !std::is_const_v<T>,
                  "async_generator<T>: T must be a non-const object type");

public:
    using value_type = T;

    class promise_type : public detail::generator_frame {
    public:
        async_generator get_return_object() noexcept {
            detail::task_frame::check_layout(*this);
            return async_generator(std::coroutine_handle<promise_type>::from_promise(*this));
        }
        static void return_void() noexcept {}

        /// `co_yield v`: hands `v` to the consumer and leaves the chain until the next `next()`.
        struct yield_awaiter {
            promise_type* self;
            static bool await_ready() noexcept { return false; }
            void await_suspend(std::coroutine_handle<>) const noexcept {
                detail::task_record_base* record = self->record_;
                record->leaf_ = self->parent_;
                // Normally the driver, which resumed this frame, now resumes the consumer. If an
                // outside awaitable resumed the body directly, hand the chain back to the loop.
                if (!record->in_step()) record->schedule();
            }
            void await_resume() const {
                if (self->closing_) throw generator_exit{};
            }
        };
        template <class U = T>
        requires std::is_constructible_v<T, U&&> yield_awaiter yield_value(U&& value) {
            value_.emplace(std::forward<U>(value));
            return yield_awaiter{this};
        }

        std::optional<T> value_;  ///< the value just yielded, until the consumer takes it
        generator_state state_ = generator_state::created;
        bool closing_ = false;  ///< `aclose()` is in progress: the yield raises generator_exit
    };

    async_generator() noexcept = default;
    async_generator(async_generator&& other) noexcept
        : handle_(std::exchange(other.handle_, nullptr)) {}
    async_generator& operator=(async_generator&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    ~async_generator() { reset(); }

    /// Runs the body to its next `co_yield` and gives the value (Python's `await anext(gen)`), or
    /// an empty optional once the body has finished. Must be awaited at once, inside a task.
    [[nodiscard]] detail::async_generator_op<T, false> next() noexcept {
        return detail::async_generator_op<T, false>(this);
    }

    /// Finishes the generator (Python's `await gen.aclose()`): raises `generator_exit` at the
    /// `co_yield` the body is suspended at and runs its cleanup to the end. A generator that has
    /// not started is just closed (its body never runs); a finished one is left alone.
    [[nodiscard]] detail::async_generator_op<T, true> aclose() noexcept {
        return detail::async_generator_op<T, true>(this);
    }

    /// Python's `inspect.getasyncgenstate`: `running` while a `next()` or `aclose()` is in
    /// progress (also while the body awaits), `closed` once finished, failed or closed.
    [[nodiscard]] generator_state state() const noexcept {
        return handle_ ? promise().state_ : generator_state::closed;
    }

    /// True if this object holds a generator (not moved from).
    [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(handle_); }

private:
    template <class, bool>
    friend class detail::async_generator_awaiter;

    explicit async_generator(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
    [[nodiscard]] promise_type& promise() const noexcept {
        return std::coroutine_handle<promise_type>::from_address(handle_.address()).promise();
    }
    void reset() noexcept {
        if (handle_) std::exchange(handle_, nullptr).destroy();
    }

    /// Type-erased so that a chain teardown can null it through `generator_frame::owner_slot_`.
    std::coroutine_handle<> handle_;
};

namespace detail {

template <class T, bool Close>
bool async_generator_awaiter<T, Close>::await_ready() {
    if (gen_->handle_) {
        auto& p = gen_->promise();
        switch (p.state_) {
            case generator_state::running:
                throw_generator_error(Close ? "aclose(): asynchronous generator is already running"
                                            : "anext(): asynchronous generator is already running");
            case generator_state::created:
                if constexpr (Close) {
                    gen_->reset();  // never started: the body never runs
                    break;
                }
                return false;
            case generator_state::suspended:
                if constexpr (Close) p.closing_ = true;
                return false;
            case generator_state::closed:
                break;
        }
    }
    // Nothing to run. Charge the cooperative budget as any ready await does, so that a task
    // polling a finished generator in a loop cannot starve the others.
    if (--budget_left != 0) return true;
    forced_yield_ = true;
    return false;
}

template <class T, bool Close>
void async_generator_awaiter<T, Close>::await_suspend(std::coroutine_handle<>) noexcept {
    task_record_base* record = consumer_->record_;
    if (forced_yield_) {
        record->schedule();
        return;
    }
    auto& p = gen_->promise();
    p.parent_ = consumer_;
    p.record_ = record;
    p.owner_slot_ = &gen_->handle_;
    p.state_ = generator_state::running;
    pushed_ = true;
    record->leaf_ = &p;
    // As in `child_awaiter`: the driver resumes the new leaf, unless the consumer was resumed
    // from outside the driver.
    if (!record->in_step()) record->schedule();
}

template <class T, bool Close>
auto async_generator_awaiter<T, Close>::await_resume()
    -> std::conditional_t<Close, void, std::optional<T>> {
    if (!pushed_) {
        if constexpr (Close) {
            return;
        } else {
            return std::nullopt;
        }
    }
    auto& p = gen_->promise();
    if (p.returned_) {  // the body finished: free the frame now, its cleanup has run
        std::exception_ptr error = std::exchange(p.exception_, nullptr);
        gen_->reset();
        if (error) {
            if constexpr (Close) {
                try {
                    std::rethrow_exception(error);
                } catch (const generator_exit&) {
                    return;  // the expected way for a body to finish when closed
                }
            } else {
                std::rethrow_exception(error);
            }
        }
        if constexpr (Close) {
            return;
        } else {
            return std::nullopt;
        }
    }
    // The body yielded.
    if constexpr (Close) {
        gen_->reset();
        throw_generator_error("async generator ignored generator_exit");
    } else {
        p.state_ = generator_state::suspended;
        std::optional<T> value = std::move(p.value_);
        p.value_.reset();
        return value;
    }
}

}  // namespace detail
}  // namespace corio
