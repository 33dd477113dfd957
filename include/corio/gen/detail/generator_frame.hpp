#pragma once
/// @file
/// Machinery behind `corio::generator`: the part of a generator's promise that does not depend on
/// its return type, and the trampoline that drives a chain of `yield_from` delegations.
///
/// Why a trampoline: a chain of generators delegating with `yield_from` is a linked list of frames,
/// root (the generator the caller holds) to leaf (the innermost one actually running). The caller
/// resumes the leaf directly (O(1) at any depth). When the leaf delegates further or finishes, it
/// suspends back to `drive()`, which moves the leaf pointer and resumes the next frame in a loop.
/// Nothing nests on the machine stack, so depth is bounded only by memory, whatever the compiler
/// does (or, under sanitizers, fails to do) with symmetric-transfer tail calls.

#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include <corio/gen/errors.hpp>

namespace corio {

/// Where a generator is in its life, as Python's `inspect.getgeneratorstate` reports it.
enum class generator_state : std::uint8_t {
    created,    ///< Made, body not started (`GEN_CREATED`).
    running,    ///< Body executing right now (`GEN_RUNNING`).
    suspended,  ///< Paused at a `co_yield` (`GEN_SUSPENDED`).
    closed,     ///< Finished, failed or closed (`GEN_CLOSED`).
};

namespace detail {

/// Out-of-line, cold: keeps message strings and throw sites out of the inlined fast path.
[[noreturn]] void throw_generator_error(const char* message);

/// Rethrows `error` after clearing it. Out of line so that a generator's resume function, which
/// checks for an injected exception at every `co_yield`, carries no unwinding code of its own.
[[noreturn]] void rethrow_and_clear(std::exception_ptr& error);

/// `send_error`, thrown where a `yield_from(range)` was sent a value. Out of line, cold.
[[noreturn]] void throw_send_error();

/// True if `error` holds a `generator_exit` (or a type derived from it). Cold: rethrows to look.
[[nodiscard]] bool is_generator_exit(const std::exception_ptr& error) noexcept;

/// `generator_exit`, ready to be raised in a frame by `close()`.
[[nodiscard]] std::exception_ptr make_generator_exit() noexcept;

/// The `generator_error` that `close()` raises when a frame yields instead of finishing.
[[nodiscard]] std::exception_ptr make_ignored_generator_exit();

/// The value a `co_yield` expression evaluates to: `std::optional<Send>` (empty when the generator
/// was advanced with `next()`, Python's `None`), or nothing when the generator takes no sends.
template <class Send>
using sent_t = std::conditional_t<std::is_void_v<Send>, void, std::optional<Send>>;

/// What the frame that just suspended did; read by the driver after each resume.
enum class frame_event : std::uint8_t { yielded, delegated, returned };

/// The return-type-independent part of a generator promise.
///
/// `leaf_` and `state_` are meaningful in the root, the frame the caller holds; every frame of a
/// chain points at it through `root_`. The per-step fields (`value_`, `event_`, `sent_`,
/// `thrown_`) live in the frame that yields: the root's driver reads and writes them in its leaf,
/// so a `co_yield` touches only its own frame.
template <class Yield, class Send>
class frame_base {
public:
    using yield_type = Yield;
    using send_type = Send;

    frame_base() noexcept = default;
    frame_base(const frame_base&) = delete;
    frame_base& operator=(const frame_base&) = delete;

    // ---- coroutine hooks shared by every generator promise ---------------------------------

    static std::suspend_always initial_suspend() noexcept { return {}; }

    auto final_suspend() noexcept {
        struct final_awaiter {
            frame_base* self;
            static bool await_ready() noexcept { return false; }
            void await_suspend(std::coroutine_handle<>) const noexcept {
                self->event_ = frame_event::returned;
            }
            static void await_resume() noexcept {}
        };
        return final_awaiter{this};
    }

    void unhandled_exception() noexcept { exception_ = std::current_exception(); }

    /// `co_yield` of a value: the caller sees it through a pointer, so nothing is copied.
    auto yield_value(Yield& value) noexcept { return publish(std::addressof(value)); }
    auto yield_value(Yield&& value) noexcept { return publish(std::addressof(value)); }

    /// `co_yield` of something that converts to `Yield` (or a const lvalue): one copy, kept
    /// in the awaiter, which lives in the frame until the generator resumes.
    template <class U>
    requires(!std::is_same_v<std::remove_cvref_t<U>, Yield> ||
             std::is_const_v<std::remove_reference_t<U>>) &&
        std::is_constructible_v<Yield, U&&> auto yield_value(U&& value) noexcept(
            std::is_nothrow_constructible_v<Yield, U&&>) {
        struct copy_awaiter {
            Yield copy;
            frame_base* self;
            static bool await_ready() noexcept { return false; }
            void await_suspend(std::coroutine_handle<>) noexcept {
                self->value_ = std::addressof(copy);
                self->event_ = frame_event::yielded;
            }
            sent_t<Send> await_resume() { return self->take_resumption(); }
        };
        return copy_awaiter{Yield(std::forward<U>(value)), this};
    }

    // ---- state shared with the driver and the awaiters -------------------------------------

    /// Called when a `co_yield` resumes: raise what `throw_exception`/`close` injected, or hand
    /// the body the value `send` delivered.
    sent_t<Send> take_resumption() {
        if (thrown_) [[unlikely]]
            rethrow_and_clear(thrown_);
        if constexpr (!std::is_void_v<Send>) {
            return std::exchange(sent_, std::nullopt);
        }
    }

    /// Attaches `child` (a fresh or suspended generator) below this frame. If `child` is itself
    /// suspended mid-delegation, its whole chain joins ours and its leaf becomes our leaf. While
    /// delegated to, `child` counts as running: it can't be stepped on its own.
    void push_child(frame_base& child, std::coroutine_handle<>* owner_slot) noexcept {
        frame_base* leaf = child.leaf_;
        for (frame_base* f = leaf; f != &child; f = f->parent_) f->root_ = root_;
        child.root_ = root_;
        child.parent_ = this;
        child.owner_slot_ = owner_slot;
        child.state_ = generator_state::running;
        root_->leaf_ = leaf;
        event_ = frame_event::delegated;
    }

    /// Makes `child` a standalone root again after it finished under this frame.
    static void detach(frame_base& child) noexcept {
        child.root_ = &child;
        child.leaf_ = &child;
        child.parent_ = nullptr;
        child.owner_slot_ = nullptr;
        child.state_ = generator_state::closed;
    }

    /// Resumes the leaf until some frame yields (true) or the root finishes (false). Rethrows the
    /// root's exception if it finished by throwing. Precondition: this is a root, not running.
    bool drive() {
        state_ = generator_state::running;
        frame_base* leaf = leaf_;
        leaf->handle_.resume();
        if (leaf->event_ == frame_event::yielded) [[likely]] {
            state_ = generator_state::suspended;
            return true;
        }
        return drive_slow(leaf);
    }

    /// The value the chain yielded last.
    [[nodiscard]] Yield* current() const noexcept { return leaf_->value_; }

    /// What the next resumption of the chain receives: sent by `send`, thrown by `throw_exception`
    /// and `close`. Delivered straight into the leaf, which is the frame that will resume.
    void deliver_exception(std::exception_ptr error) noexcept { leaf_->thrown_ = std::move(error); }
    template <class U>
    void deliver_sent(U&& value) {
        leaf_->sent_.emplace(std::forward<U>(value));
    }

    /// PEP 380's `close()` of every frame below this root, innermost first: each one is detached
    /// from the chain and closed as a root of its own (`close_frame`), its return value dropped,
    /// and what that raised is the error the next frame up is closed with. Returns the error to
    /// close this root with (null: plain `generator_exit`). A loop, not CPython's recursion, so
    /// that closing a chain of any depth uses constant stack. Precondition: this is the root.
    std::exception_ptr close_children() noexcept {
        std::exception_ptr error;
        while (leaf_ != this) {
            frame_base* f = leaf_;
            leaf_ = f->parent_;
            // A root of its own: whatever it delegates to while closing stays below it. Its
            // parent's delegation still owns it and, raising the error at its `yield_from`,
            // destroys it (and that) if it yielded instead of finishing.
            f->root_ = f;
            f->leaf_ = f;
            f->parent_ = nullptr;
            f->owner_slot_ = nullptr;
            error = f->close_frame(std::move(error));
        }
        return error;
    }

    /// Python's `close()` of this root frame alone: raises `error` (`generator_exit` if null) at
    /// its suspension point and runs it until it finishes or yields. Returns what `close()`
    /// raises: nothing if it finished or let `generator_exit` out, the "ignored" `generator_error`
    /// if it yielded, or whatever else it threw. Precondition: this is a suspended root whose
    /// chain is this frame alone (`close_children` made it so). `error` is never a
    /// `generator_exit`: closing a frame turns that into null.
    std::exception_ptr close_frame(std::exception_ptr error) noexcept {
        const bool exiting = !error;
        const std::exception_ptr raised = exiting ? make_generator_exit() : std::move(error);
        thrown_ = raised;
        state_ = generator_state::running;
        handle_.resume();
        try {
            if (settle(this)) return make_ignored_generator_exit();
        } catch (...) {
            return std::current_exception();  // no memory for the error: report that instead
        }
        // Read without rethrowing when it is what was raised here (the common case): deep chains
        // then close with one throw per frame, the one that unwinds it.
        std::exception_ptr failure = std::exchange(exception_, nullptr);
        if (!failure) return nullptr;
        if (failure == raised) return exiting ? nullptr : failure;
        return is_generator_exit(failure) ? nullptr : failure;
    }

    /// Destroys the chain hanging below this root, leaf first, so no destructor recurses.
    void destroy_children() noexcept {
        for (frame_base* f = leaf_; f != this;) {
            frame_base* parent = f->parent_;
            *f->owner_slot_ = nullptr;  // the owning generator object must not destroy it again
            f->handle_.destroy();
            f = parent;
        }
        leaf_ = this;
    }

    std::coroutine_handle<> handle_;
    frame_base* root_ = this;
    frame_base* parent_ = nullptr;
    frame_base* leaf_ = this;
    std::coroutine_handle<>* owner_slot_ = nullptr;
    Yield* value_ = nullptr;
    std::exception_ptr exception_;  ///< this frame's own uncaught exception
    std::exception_ptr thrown_;     ///< injected by throw_exception()/close(), raised here
    [[no_unique_address]] std::conditional_t<std::is_void_v<Send>, std::monostate,
                                             std::optional<Send>>
        sent_;
    generator_state state_ = generator_state::created;
    frame_event event_ = frame_event::yielded;

private:
    auto publish(Yield* value) noexcept {
        struct yield_awaiter {
            frame_base* self;
            static bool await_ready() noexcept { return false; }
            static void await_suspend(std::coroutine_handle<>) noexcept {}
            sent_t<Send> await_resume() { return self->take_resumption(); }
        };
        value_ = value;
        event_ = frame_event::yielded;
        return yield_awaiter{this};
    }

    /// `cur` is the frame just resumed; it did something other than yield.
    bool drive_slow(frame_base* cur) {
        if (settle(cur)) return true;
        if (exception_) rethrow_and_clear(exception_);
        return false;
    }

    /// Runs the chain on from `cur`, the frame just resumed, until a frame yields (true) or this
    /// root finishes (false; an exception it finished with is left in `exception_`).
    bool settle(frame_base* cur) {
        for (;;) {
            switch (cur->event_) {
                case frame_event::yielded:
                    state_ = generator_state::suspended;
                    return true;
                case frame_event::delegated:
                    break;  // leaf_ already points at the new child
                case frame_event::returned:
                    if (cur == this) {
                        state_ = generator_state::closed;
                        return false;
                    }
                    // The parent's delegation awaiter collects the child's result or exception.
                    leaf_ = cur->parent_;
                    break;
            }
            cur = leaf_;
            cur->handle_.resume();
        }
    }
};

}  // namespace detail
}  // namespace corio
