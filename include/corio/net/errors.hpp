#pragma once
/// @file
/// Exceptions of the network module: Python's `OSError` family (`ConnectionResetError`,
/// `BrokenPipeError`, ...) as typed subclasses of `std::system_error`, and `address_error`.

#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>

namespace corio {

/// A system call failed with an `errno` (Python's `OSError`).
///
/// `code()` holds the `errno` in `std::system_category()`, so `code() == std::errc::...` works,
/// and `what()` reads "recv: Connection reset by peer": the failed operation, then strerror's
/// text. The errnos a program commonly handles have subclasses (below); catch `io_error` for the
/// rest. Throw with `detail::throw_io_error`, which picks the most specific class.
///
/// Cancel safety: not applicable (an exception type). Thread safety: as any exception object.
/// Errors: none beyond `std::system_error`'s.
///
/// Example:
/// @code
/// try { co_await sock.send(data); }
/// catch (const corio::io_error& e) { log(e.what(), e.code().value()); }
/// @endcode
class io_error : public std::system_error {
public:
    io_error(int errno_value, const std::string& what)
        : std::system_error(errno_value, std::system_category(), what) {}
};

/// A connection-related failure (Python's `ConnectionError`): the base of the four classes
/// below, which is what a server loop usually catches to drop one client and carry on.
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::system_error`'s.
///
/// Example:
/// @code
/// try { co_await serve(client); } catch (const corio::connection_error&) { /* client gone */ }
/// @endcode
class connection_error : public io_error {
public:
    using io_error::io_error;
};

/// The peer reset the connection, `ECONNRESET` (Python's `ConnectionResetError`).
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::system_error`'s.
///
/// Example:
/// @code
/// try { n = co_await sock.recv(buf); } catch (const corio::connection_reset_error&) { n = 0; }
/// @endcode
class connection_reset_error : public connection_error {
public:
    using connection_error::connection_error;
};

/// Nobody listens at the address, `ECONNREFUSED` (Python's `ConnectionRefusedError`).
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::system_error`'s.
///
/// Example:
/// @code
/// try { co_await sock.connect(addr); }
/// catch (const corio::connection_refused_error&) { co_await corio::sleep(1s); /* retry */ }
/// @endcode
class connection_refused_error : public connection_error {
public:
    using connection_error::connection_error;
};

/// The local side aborted the connection, `ECONNABORTED` (Python's `ConnectionAbortedError`),
/// typically a connection that died in the accept queue.
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::system_error`'s.
///
/// Example:
/// @code
/// try { auto c = co_await listener.accept(); } catch (const corio::connection_aborted_error&) {}
/// @endcode
class connection_aborted_error : public connection_error {
public:
    using connection_error::connection_error;
};

/// Writing to a connection whose other end, or this end's write side, is shut down: `EPIPE` or
/// `ESHUTDOWN` (Python's `BrokenPipeError`, which covers the same two).
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::system_error`'s.
///
/// Example:
/// @code
/// try { co_await sock.send(reply); } catch (const corio::broken_pipe_error&) { /* peer left */ }
/// @endcode
class broken_pipe_error : public connection_error {
public:
    using connection_error::connection_error;
};

/// A socket address could not be parsed or built: bad syntax, a port outside 0-65535, an
/// over-long Unix-domain path, an unknown interface name (Python's `ValueError` and `OSError`
/// for the same cases).
///
/// It is an `std::invalid_argument`, not an `io_error`: the input is wrong, no system call
/// failed, and retrying cannot help.
///
/// Cancel safety: not applicable. Thread safety: as any exception object. Errors: none beyond
/// `std::invalid_argument`'s.
///
/// Example:
/// @code
/// try { auto a = corio::net::address::parse(text); }
/// catch (const corio::address_error& e) { std::cerr << e.what() << '\n'; }
/// @endcode
class address_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

namespace detail {

/// Throws the most specific class above for `errno_value` (`io_error` when none fits), its
/// `what()` reading "<what>: <strerror text>". Out of line and cold: only failure paths call it.
///
/// Cancel safety: not applicable. Thread safety: safe from any thread. Errors: always throws; a
/// null `what` reads as "".
///
/// Example:
/// @code
/// if (::recv(fd, buf, len, 0) < 0) corio::detail::throw_io_error(errno, "recv");
/// @endcode
[[noreturn, gnu::cold]] void throw_io_error(int errno_value, const char* what);

/// The exception `throw_io_error` would throw, as an `std::exception_ptr`: for completing a
/// future with the failure instead of unwinding.
///
/// Cancel safety: not applicable. Thread safety: safe from any thread. Errors: `std::bad_alloc`
/// if the message cannot be allocated.
///
/// Example:
/// @code
/// fut.set_exception(corio::detail::make_io_error(errno, "connect"));
/// @endcode
[[nodiscard]] std::exception_ptr make_io_error(int errno_value, const char* what);

}  // namespace detail

}  // namespace corio
