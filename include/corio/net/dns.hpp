#pragma once
/// @file
/// `corio::net::getaddrinfo`: host names to addresses without blocking the loop (asyncio's
/// `loop.getaddrinfo`). c-ares does the lookups, driven by the loop's own I/O (its sockets are
/// watched with `add_reader`/`add_writer`, its timeouts are loop timers); it honours /etc/hosts
/// and /etc/resolv.conf. Names only NSS can answer (mDNS, LDAP, ...) fall back to the system's
/// getaddrinfo on the loop's default executor.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <corio/core/clock.hpp>
#include <corio/core/task.hpp>
#include <corio/net/address.hpp>
#include <corio/net/resolve_error.hpp>

namespace corio::net {

/// Whether a name c-ares does not find is asked of the system's resolver (NSS) too.
enum class nss_fallback : std::uint8_t {
    on,   ///< yes, on the loop's default executor (what asyncio always does)
    off,  ///< no: only DNS and /etc/hosts
};

/// Where and how `getaddrinfo` looks names up.
struct resolver_options {
    /// Which addresses: `ipv4`, `ipv6`, or `unspecified` for both.
    address_family family = address_family::unspecified;
    /// The DNS servers to ask, in order (each with its port); empty: /etc/resolv.conf's.
    std::vector<address> servers;
    /// How long to wait for one server's answer before the next try; zero: c-ares's default
    /// (5 s). Tries: how many rounds over the servers; zero: c-ares's default (4).
    duration timeout = duration::zero();
    int tries = 0;
    nss_fallback fallback = nss_fallback::on;
};

/// The addresses `host` resolves to, each with `port`, in the order to try them (asyncio's
/// `loop.getaddrinfo`, for stream sockets). Numeric hosts ("127.0.0.1", "::1") resolve at once.
///
/// Cancel safety: cancelling the awaiting task ends the lookup at once (its sockets are closed,
/// its timers removed); nothing else is affected. A fallback lookup already running on the
/// executor finishes there and its result is dropped.
///
/// Errors: `resolve_error` with `EAI_NONAME` (no such name), `EAI_NODATA` (no address of the
/// family asked), `EAI_AGAIN` (no server answered, or a server failed); `std::bad_alloc`.
///
/// Example:
/// @code
/// for (const auto& a : co_await corio::net::getaddrinfo("localhost", 8080)) std::cout << a <<
/// '\n';
/// @endcode
task<std::vector<address>> getaddrinfo(std::string host, std::uint16_t port,
                                       resolver_options options);
/// `getaddrinfo` with the default options. (An overload, not a default argument: GCC 12 destroys
/// a default argument's temporary twice when the call is the operand of co_await.)
inline task<std::vector<address>> getaddrinfo(std::string host, std::uint16_t port) {
    return getaddrinfo(std::move(host), port, resolver_options());
}

}  // namespace corio::net
