#pragma once
/// @file
/// `corio::resolve_error`: a host name did not resolve (Python's `socket.gaierror`).

#include <string>
#include <system_error>

namespace corio {

/// The `std::error_category` of `resolve_error`: getaddrinfo's `EAI_*` codes, with
/// `gai_strerror`'s text as the message. Thread safety: safe from any thread.
[[nodiscard]] const std::error_category& resolve_category() noexcept;

/// A host name could not be turned into addresses (Python's `socket.gaierror`): no such name
/// (`EAI_NONAME`), a temporary failure of the name server (`EAI_AGAIN`), no address of a usable
/// family for it (`EAI_ADDRFAMILY`, `EAI_NODATA`), ...
///
/// A `std::system_error` whose `code()` is the `EAI_*` code in `resolve_category()`, not an
/// `io_error`: those codes are not errnos (`EAI_NONAME` is -2, which is not ENOENT), and
/// `io_error`'s category is the system one. A resolver failing on a system call (`EAI_SYSTEM`)
/// raises that call's `io_error` instead. Catch `std::system_error` to handle both, as Python's
/// `except OSError` does.
///
/// Cancel safety: not applicable (an exception type). Thread safety: as any exception object.
/// Errors: `std::bad_alloc` when made.
///
/// Example:
/// @code
/// try { auto [r, w] = co_await corio::net::open_connection("no-such-host.invalid", 80); }
/// catch (const corio::resolve_error& e) { std::cerr << e.host() << ": " << e.what() << '\n'; }
/// @endcode
class resolve_error : public std::system_error {
public:
    /// `code`: an `EAI_*` value; `host`: the name that did not resolve.
    resolve_error(int code, const std::string& host);

    /// The name that did not resolve.
    [[nodiscard]] const std::string& host() const noexcept { return host_; }

private:
    std::string host_;
};

}  // namespace corio
