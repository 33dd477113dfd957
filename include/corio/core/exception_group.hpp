#pragma once
/// @file
/// `corio::exception_group`: Python's `ExceptionGroup`, several unrelated failures raised as one
/// (what a `task_group` throws when its children fail).

#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace corio {

/// Several exceptions raised together (Python's `ExceptionGroup`): a message and the list of
/// sub-exceptions, in the order they happened. Sub-exceptions may be of any type (including
/// `cancelled_error`, which is not a `std::exception`) and may themselves be groups.
///
/// `what()` is Python's `str(eg)`: "unhandled errors in a task_group (2 sub-exceptions)".
/// C++ has no `except*`: use `contains<E>()`, `find<E>()` or `split<E>()`, which look into
/// nested groups as `except*` does.
///
/// Thread safety: immutable once built; copies share the sub-exception objects.
///
/// Errors: the constructor throws `std::invalid_argument` for an empty list or a null
/// `exception_ptr` (Python raises `ValueError` and `TypeError`).
///
/// Example:
/// @code
/// try {
///     co_await corio::task_group::run(body);
/// } catch (const corio::exception_group& eg) {
///     if (auto e = eg.find<std::system_error>()) log(*e);
///     for (const auto& p : eg.exceptions()) report(p);
/// }
/// @endcode
class exception_group : public std::exception {
public:
    exception_group(std::string message, std::vector<std::exception_ptr> exceptions)
        : message_(std::move(message)), exceptions_(std::move(exceptions)) {
        if (exceptions_.empty()) {
            throw std::invalid_argument(
                "exception_group: the list of exceptions must not be empty");
        }
        for (const auto& e : exceptions_) {
            if (!e) throw std::invalid_argument("exception_group: null exception_ptr");
        }
        what_ = message_ + " (" + std::to_string(exceptions_.size()) +
                (exceptions_.size() == 1 ? " sub-exception)" : " sub-exceptions)");
    }

    /// "message (N sub-exceptions)".
    [[nodiscard]] const char* what() const noexcept override { return what_.c_str(); }
    /// The message alone (Python's `eg.message`).
    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    /// The sub-exceptions, in order (Python's `eg.exceptions`); never empty.
    [[nodiscard]] const std::vector<std::exception_ptr>& exceptions() const noexcept {
        return exceptions_;
    }
    [[nodiscard]] std::size_t size() const noexcept { return exceptions_.size(); }

    /// The first sub-exception (depth first, into nested groups) that is an `E`, as a pointer to
    /// the object held by this group (valid as long as the group or a copy of it lives), or null.
    template <class E>
    [[nodiscard]] const E* find() const {
        for (const auto& p : exceptions_) {
            if (const E* e = match<E>(p)) return e;
            if (const auto* g = match<exception_group>(p)) {
                if (const E* e = g->find<E>()) return e;
            }
        }
        return nullptr;
    }

    /// True if some sub-exception (depth first, into nested groups) is an `E`.
    template <class E>
    [[nodiscard]] bool contains() const {
        return find<E>() != nullptr;
    }

    /// Python's `eg.split(E)`: the sub-exceptions that are `E` and those that are not, each as a
    /// group with this message and the nesting kept (empty when there are none).
    template <class E>
    [[nodiscard]] std::pair<std::optional<exception_group>, std::optional<exception_group>> split()
        const {
        if constexpr (std::is_base_of_v<E, exception_group>) {
            return {*this, std::nullopt};  // the group itself matches, as in Python
        } else {
            std::vector<std::exception_ptr> matched;
            std::vector<std::exception_ptr> rest;
            for (const auto& p : exceptions_) {
                if (const auto* g = match<exception_group>(p)) {
                    auto [m, r] = g->split<E>();
                    if (m) matched.push_back(std::make_exception_ptr(std::move(*m)));
                    if (r) rest.push_back(std::make_exception_ptr(std::move(*r)));
                } else if (match<E>(p)) {
                    matched.push_back(p);
                } else {
                    rest.push_back(p);
                }
            }
            return {derive(std::move(matched)), derive(std::move(rest))};
        }
    }

private:
    /// The object `p` holds if it is an `E`. `std::rethrow_exception` throws the held object itself
    /// (libstdc++, libc++), so the address stays valid while `p` lives.
    template <class E>
    static const E* match(const std::exception_ptr& p) {
        try {
            std::rethrow_exception(p);
        } catch (const E& e) {
            return &e;
        } catch (...) {
            return nullptr;
        }
    }

    [[nodiscard]] std::optional<exception_group> derive(
        std::vector<std::exception_ptr> list) const {
        if (list.empty()) return std::nullopt;
        return exception_group(message_, std::move(list));
    }

    std::string message_;
    std::vector<std::exception_ptr> exceptions_;
    std::string what_;
};

}  // namespace corio
