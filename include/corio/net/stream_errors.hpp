#pragma once
/// @file
/// Exceptions of the stream reader: asyncio's `IncompleteReadError` and `LimitOverrunError`.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

namespace corio {

/// The stream ended before a read got what it asked for (asyncio's `IncompleteReadError`):
/// `readexactly(n)` at end of file with fewer than `n` bytes, or `readuntil(sep)` at end of file
/// without the separator.
///
/// The bytes that did come are in `partial()`: they were taken off the reader (as asyncio takes
/// them), so this exception is the only place they are left.
///
/// Cancel safety: not applicable (an exception type). Thread safety: as any exception object.
/// Errors: `std::bad_alloc` when made.
///
/// Example:
/// @code
/// try { header = co_await reader.readexactly(16); }
/// catch (const corio::incomplete_read_error& e) { log(e.partial().size(), "of", *e.expected()); }
/// @endcode
class incomplete_read_error : public std::runtime_error {
public:
    /// `expected`: the count `readexactly` asked for; empty for `readuntil`, which asked for a
    /// separator (asyncio's `expected=None`).
    incomplete_read_error(std::string partial, std::optional<std::size_t> expected);

    /// The bytes read before the end of the stream.
    [[nodiscard]] const std::string& partial() const noexcept { return partial_; }
    /// How many bytes were expected, if a count was asked for.
    [[nodiscard]] std::optional<std::size_t> expected() const noexcept { return expected_; }

private:
    std::string partial_;
    std::optional<std::size_t> expected_;
};

/// `readuntil` or `readline` found no separator within the reader's limit, or found one farther
/// than the limit (asyncio's `LimitOverrunError`; `readline` raises this one too where asyncio
/// raises `ValueError`).
///
/// `consumed()` is where the search stopped, as asyncio's `consumed` is. After `readuntil` the
/// bytes are all still in the reader (read them with `read`, or drop them with
/// `readexactly(consumed())`); `readline` discards them as asyncio's does: the line up to its
/// separator if one was found, everything buffered otherwise.
///
/// Cancel safety: not applicable (an exception type). Thread safety: as any exception object.
/// Errors: `std::bad_alloc` when made.
///
/// Example:
/// @code
/// try { line = co_await reader.readuntil("\r\n"); }
/// catch (const corio::limit_overrun_error& e) { co_await reader.readexactly(e.consumed()); }
/// @endcode
class limit_overrun_error : public std::runtime_error {
public:
    limit_overrun_error(const std::string& message, std::size_t consumed)
        : std::runtime_error(message), consumed_(consumed) {}

    /// How many bytes the search covered before giving up.
    [[nodiscard]] std::size_t consumed() const noexcept { return consumed_; }

private:
    std::size_t consumed_;
};

}  // namespace corio
