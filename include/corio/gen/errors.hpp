#pragma once
/// @file
/// Exceptions raised by `corio::generator`: the C++ spellings of Python's `StopIteration`,
/// `GeneratorExit`, the `RuntimeError`/`TypeError`/`ValueError` a misused generator raises, and the
/// `AttributeError` of a `send` to a `yield from` over a range.

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

/// Raised inside a generator at its `co_yield yield_from(range)` when the caller `send`s a value
/// while it delegates to a range (anything but a generator of the same `Yield` and `Send`): a
/// range has nowhere to deliver it. Python raises `AttributeError` there (`'list_iterator' object
/// has no attribute 'send'`). The delegating body may catch it and go on; the delegation to the
/// range has ended. `next()`, which sends nothing (Python's `send(None)`), reads the range on.
class send_error : public generator_error {
public:
    using generator_error::generator_error;
};

}  // namespace corio
