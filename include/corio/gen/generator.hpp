#pragma once
/// @file
/// `corio::generator<Yield, Send, Return>`: Python's generators (`yield`, `send`, `throw`,
/// `close`, `yield from` with a return value) as a C++20 coroutine type.

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <variant>

#include <corio/gen/detail/generator_frame.hpp>
#include <corio/gen/errors.hpp>

namespace corio {

template <class Yield, class Send = void, class Return = void>
class generator;

namespace detail {

template <class T>
struct is_generator : std::false_type {};
template <class Y, class S, class R>
struct is_generator<generator<Y, S, R>> : std::true_type {};

/// True for generators that `yield_from` can delegate to from a `generator<Yield, Send, ...>`.
template <class T, class Yield, class Send>
inline constexpr bool is_delegable = false;
template <class Yield, class Send, class R>
inline constexpr bool is_delegable<generator<Yield, Send, R>, Yield, Send> = true;

/// What `co_yield corio::yield_from(x)` receives: a generator to delegate to, or a range to yield
/// from (kept as `std::views::all` keeps it: by reference for lvalues, owned for rvalues).
template <class T>
struct yield_from_arg {
    T source;
};

template <class Yield, class Send, std::ranges::input_range View>
generator<Yield, Send> yield_each(View view);

template <class Return>
struct return_slot {
    std::optional<Return> returned_;
    template <class U>
    void return_value(U&& v) {
        returned_.emplace(std::forward<U>(v));
    }
};
template <>
struct return_slot<void> {
    static void return_void() noexcept {}
};

}  // namespace detail

/// Delegates to `source` from inside a generator: `auto n = co_yield corio::yield_from(gen);` is
/// Python's `n = yield from gen`.
///
/// With a `generator<Yield, Send, R>` of the same `Yield` and `Send` (pass it as an rvalue), every
/// `next`, `send`, `throw_exception` and `close` reaches the innermost generator directly (O(1) at
/// any depth), its exceptions propagate to the delegating body, and the expression evaluates to its
/// `co_return` value. With any other input range (a container, a view, a generator of another
/// type) it yields each element and evaluates to `void`; a value sent to it raises `send_error`
/// in the delegating body (Python's `AttributeError`), a thrown exception is raised there as is.
///
/// Example:
/// @code
/// corio::generator<int, void, int> step(int start, int stop, int step);
/// corio::generator<int> wrapper() {
///     int count = co_yield corio::yield_from(step(0, 10, 2));
///     std::cout << "Generated " << count << " numbers\n";
/// }
/// @endcode
template <class Source>
auto yield_from(Source&& source) {
    using S = std::remove_cvref_t<Source>;
    if constexpr (detail::is_generator<S>::value) {
        static_assert(!std::is_lvalue_reference_v<Source>,
                      "yield_from takes a generator by value: write yield_from(std::move(gen))");
        return detail::yield_from_arg<S>{std::move(source)};
    } else {
        static_assert(std::ranges::input_range<Source>, "yield_from needs an input range");
        using V = std::views::all_t<Source>;
        return detail::yield_from_arg<V>{std::views::all(std::forward<Source>(source))};
    }
}

/// A lazy coroutine producing `Yield` values, as Python's generator functions do.
///
/// A function returning `generator<...>` that contains `co_yield` is a generator function; calling
/// it runs nothing until the first `next()`, `send()` or iteration. `Send` is the type the caller
/// may `send()` in; `co_yield v` then evaluates to `std::optional<Send>`, empty when the caller
/// used `next()` (Python's `None`). `Return` is the type of `co_return`, delivered to a delegating
/// `yield_from` and to `return_value()`.
///
/// It is an input range: `for (int x : gen)` and `std::ranges` views work, taking a named generator
/// by reference and a temporary by ownership (it is deliberately not a `view`, so that
/// `gen | std::views::take(5)` works on a named generator, as in Python). The iterator dereferences
/// to `Yield&` referring to the yielded object, valid until the next step.
///
/// Errors: exceptions escaping the body reach the caller of `next`/`send`/`++it`; the generator is
/// then closed. Misuse (see `generator_error`) throws without changing the generator.
///
/// Thread safety: none; a generator is stepped by one thread at a time.
///
/// Example:
/// @code
/// corio::generator<int> fibonacci() {
///     for (int a = 0, b = 1;; std::tie(a, b) = std::pair{b, a + b}) co_yield a;
/// }
/// for (int x : fibonacci() | std::views::take(5)) std::cout << x << ' ';  // 0 1 1 2 3
/// @endcode
template <class Yield, class Send, class Return>
class generator {
    static_assert(std::is_object_v<Yield> && !std::is_const_v<Yield>,
                  "generator<Yield>: Yield must be a non-const object type");

public:
    using value_type = Yield;
    using send_type = Send;
    using return_type = Return;

    class promise_type : public detail::frame_base<Yield, Send>,
                         public detail::return_slot<Return> {
        using base = detail::frame_base<Yield, Send>;

    public:
        generator get_return_object() noexcept {
            this->handle_ = std::coroutine_handle<promise_type>::from_promise(*this);
            return generator(std::coroutine_handle<promise_type>::from_promise(*this));
        }

        using base::yield_value;

        /// `co_yield yield_from(gen)`: delegate to a generator of the same Yield and Send.
        template <class R2>
        auto yield_value(detail::yield_from_arg<generator<Yield, Send, R2>>&& arg) noexcept {
            return delegation<R2>{std::move(arg.source), this};
        }

        /// `co_yield yield_from(range)`: yield each element of any other input range.
        template <class V>
        requires(!detail::is_delegable<V, Yield, Send>) auto yield_value(
            detail::yield_from_arg<V>&& arg) {
            return delegation<void>{detail::yield_each<Yield, Send>(std::move(arg.source)), this};
        }

    private:
        template <class R2>
        struct delegation {
            generator<Yield, Send, R2> child;
            base* self;
            bool await_ready() const noexcept { return child.state() == generator_state::closed; }
            void await_suspend(std::coroutine_handle<>) noexcept {
                self->push_child(child.promise(), &child.handle_);
            }
            R2 await_resume() {
                // `close()` (or a thrown `generator_exit`) closed the child on its own and raises
                // here what that raised; the child, finished or abandoned, dies with `child`.
                if (self->thrown_) [[unlikely]]
                    detail::rethrow_and_clear(self->thrown_);
                if (!child.handle_) {
                    if constexpr (std::is_void_v<R2>) return;
                    detail::throw_generator_error("yield_from: generator has no return value");
                }
                auto& p = child.promise();
                base::detach(p);
                if (p.exception_) std::rethrow_exception(std::exchange(p.exception_, nullptr));
                if constexpr (!std::is_void_v<R2>) {
                    if (!p.returned_) {
                        detail::throw_generator_error("yield_from: generator has no return value");
                    }
                    return std::move(*p.returned_);
                }
            }
        };
    };

    /// Input iterator over the yielded values; `end()` is `std::default_sentinel`.
    class iterator {
    public:
        using value_type = Yield;
        using difference_type = std::ptrdiff_t;

        iterator() noexcept = default;
        Yield& operator*() const noexcept { return *owner_->promise().current(); }
        Yield* operator->() const noexcept { return owner_->promise().current(); }
        iterator& operator++() {
            if (!owner_->advance()) owner_ = nullptr;
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
            return it.owner_ == nullptr;
        }

    private:
        friend class generator;
        explicit iterator(generator* owner) noexcept : owner_(owner) {}
        generator* owner_ = nullptr;
    };

    generator() noexcept = default;
    generator(generator&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    generator& operator=(generator&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    ~generator() { reset(); }

    /// Starts or resumes the body; returns the next value, or empty when the generator is
    /// exhausted (Python's `next(gen)` without the `StopIteration`).
    ///
    /// Errors: rethrows what the body throws; `generator_error` if the generator is running or
    /// being delegated to.
    std::optional<Yield> next() {
        if (!advance()) return std::nullopt;
        return take();
    }

    /// Resumes the body with `value` as the result of its suspended `co_yield`; returns the next
    /// yielded value, or empty when the body finishes. While delegating, the innermost generator
    /// receives it; a `yield_from(range)` cannot, and raises `send_error` at its `yield_from`.
    ///
    /// Errors: `generator_error("can't send non-None value to a just-started generator")` when the
    /// body has not started (call `next()` first, as in Python); otherwise as `next()`.
    template <class U>
    requires(!std::is_void_v<Send> &&
             std::is_constructible_v<Send, U&&>) std::optional<Yield> send(U&& value) {
        if (!steppable()) return std::nullopt;
        auto& p = promise();
        if (p.state_ == generator_state::created) {
            detail::throw_generator_error("can't send non-None value to a just-started generator");
        }
        p.deliver_sent(std::forward<U>(value));
        if (!p.drive()) return std::nullopt;
        return take();
    }

    /// Raises `error` inside the body at its suspension point (Python's `gen.throw(exc)`); the body
    /// may catch it and go on. Returns the next yielded value, or empty if the body then finished.
    ///
    /// While delegating (`yield_from`), `error` is raised in the innermost generator, as in Python.
    /// A `generator_exit` follows PEP 380 instead: the generators delegated to are closed first,
    /// innermost first, as `close()` closes them, then `generator_exit` (or what closing them
    /// raised) is raised in this one, which may catch it and yield.
    ///
    /// Errors: rethrows `error` (or whatever the body throws instead) if it escapes the body. On a
    /// generator that has not started, the body never runs: it is closed and `error` is rethrown.
    std::optional<Yield> throw_exception(std::exception_ptr error) {
        if (!steppable()) std::rethrow_exception(error);
        auto& p = promise();
        if (p.state_ == generator_state::created) {
            p.state_ = generator_state::closed;
            std::rethrow_exception(error);
        }
        if (p.leaf_ != &p && detail::is_generator_exit(error)) [[unlikely]] {
            p.state_ = generator_state::running;  // while its delegates close, as in Python
            if (auto failure = p.close_children()) error = std::move(failure);
        }
        p.deliver_exception(std::move(error));
        if (!p.drive()) return std::nullopt;
        return take();
    }
    template <class E>
    std::optional<Yield> throw_exception(E&& error) {
        return throw_exception(std::make_exception_ptr(std::forward<E>(error)));
    }

    /// Finishes the generator: raises `generator_exit` at its suspension point so the body unwinds,
    /// running destructors and catch blocks.
    ///
    /// While delegating (`yield_from`), the generators delegated to are closed first, innermost
    /// first, as PEP 380 says: each one is closed on its own (its return value is dropped), then
    /// what that raised is raised in the one delegating to it, at its `yield_from`:
    /// `generator_exit` if it finished or let `generator_exit` out, else its exception (the
    /// "ignored" `generator_error` if it yielded; it is then destroyed without finishing). Each
    /// level may catch what it gets; the generator counts as running until this one has closed.
    ///
    /// Errors: `generator_error("generator ignored generator_exit")` if the body yields instead of
    /// finishing (it then stays suspended); any other exception the body throws while closing
    /// propagates. Closing a created or closed generator does nothing to its body (it is just
    /// marked closed).
    void close() {
        if (!steppable()) return;
        auto& p = promise();
        if (p.state_ == generator_state::created) {
            p.state_ = generator_state::closed;
            return;
        }
        p.state_ = generator_state::running;  // while its delegates close, as in Python
        if (auto failure = p.close_frame(p.close_children())) std::rethrow_exception(failure);
    }

    /// Python's `inspect.getgeneratorstate(gen)`.
    [[nodiscard]] generator_state state() const noexcept {
        return handle_ ? promise().state_ : generator_state::closed;
    }

    /// The value of the body's `co_return` once it has finished (Python's `StopIteration.value`).
    ///
    /// Errors: `generator_error` if the body has not returned a value.
    template <class R = Return>
    requires(!std::is_void_v<R>) [[nodiscard]] R& return_value() {
        if (!handle_ || !promise().returned_) {
            detail::throw_generator_error("generator has not returned a value");
        }
        return *promise().returned_;
    }

    /// Starts iteration by advancing the generator, as Python's `for` loop calls `next()`.
    iterator begin() { return advance() ? iterator(this) : iterator(); }
    static std::default_sentinel_t end() noexcept { return {}; }

private:
    template <class, class, class>
    friend class generator;

    explicit generator(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}

    promise_type& promise() const noexcept {
        return std::coroutine_handle<promise_type>::from_address(handle_.address()).promise();
    }

    /// False if there is nothing to step (no body, or closed); throws on misuse. Checked before
    /// anything is changed, so a refused call leaves the generator as it was. A generator being
    /// delegated to by `yield_from` counts as running.
    bool steppable() const {
        if (!handle_) return false;
        switch (promise().state_) {
            case generator_state::closed:
                return false;
            case generator_state::running:
                detail::throw_generator_error("generator already executing");
            default:
                return true;
        }
    }

    /// One step. False once exhausted (and forever after).
    bool advance() { return steppable() && promise().drive(); }

    Yield take() {
        Yield& v = *promise().current();
        if constexpr (std::is_copy_constructible_v<Yield>) {
            return v;  // the body may still own it (`co_yield local;`): never move from it
        } else {
            return std::move(v);
        }
    }

    void reset() noexcept {
        if (handle_) {
            promise().destroy_children();
            std::exchange(handle_, nullptr).destroy();
        }
    }

    /// Type-erased so that a chain teardown (`frame_base::destroy_children`) can null it.
    std::coroutine_handle<> handle_;
};

/// Python's `next(gen)`: the next value, or `stop_iteration` when exhausted.
template <class Y, class S, class R>
Y next(generator<Y, S, R>& gen) {
    if (auto v = gen.next()) return std::move(*v);
    throw stop_iteration{};
}

/// Python's `next(gen, default)`: the next value, or `default_value` when exhausted.
template <class Y, class S, class R, class U>
Y next(generator<Y, S, R>& gen, U&& default_value) {
    if (auto v = gen.next()) return std::move(*v);
    return Y(std::forward<U>(default_value));
}

namespace detail {
template <class Yield, class Send, std::ranges::input_range View>
generator<Yield, Send> yield_each(View view) {
    for (auto&& item : view) {
        if constexpr (std::is_void_v<Send>) {
            co_yield static_cast<Yield>(std::forward<decltype(item)>(item));
        } else {
            // A range has nowhere to deliver a sent value: Python raises AttributeError at the
            // `yield from`, which the error thrown here reaches through the delegation.
            auto sent = co_yield static_cast<Yield>(std::forward<decltype(item)>(item));
            if (sent) detail::throw_send_error();
        }
    }
}
}  // namespace detail

}  // namespace corio
