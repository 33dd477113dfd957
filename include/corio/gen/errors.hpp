#pragma once
/// @file
/// Exceptions raised by `corio::generator`: the C++ spellings of Python's `StopIteration`,
/// `GeneratorExit` and the `RuntimeError`/`TypeError`/`ValueError` a misused generator raises.

#include <stdexcept>

namespace corio {

/// Thrown by `corio::next(gen)` when the generator is exhausted (Python's `StopIteration`).
///
/// Code that prefers no exceptions uses `gen.next()`, which returns an empty `std::optional`.
class stop_iteration : public std::exception {
public:
    [[nodiscard]] const char* what() const noexcept override { return "stop_iteration"; }
};

/// Raised inside a generator body at its suspension point by `gen.close()` (Python's
/// `GeneratorExit`).
///
/// Like Python's `GeneratorExit`, which derives from `BaseException` rather than `Exception`, it
/// does not derive from `std::exception`, so `catch (const std::exception&)` in a body does not
/// swallow it by accident. A body may catch it to clean up; it must then finish, not yield.
class generator_exit {
public:
    [[nodiscard]] const char* what() const noexcept { return "generator_exit"; }
};

/// A generator was used in a way Python forbids: sending a value to a just-started generator,
/// re-entering a running generator, yielding after `close()`, stepping a generator that another
/// generator is delegating to.
class generator_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

}  // namespace corio
