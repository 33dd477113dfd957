#pragma once
// Host name resolution for open_connection and start_server: numeric hosts parsed here, names
// through net::getaddrinfo (c-ares driven by the loop, the system's resolver as its fallback),
// "every interface" (a server's empty host) through getaddrinfo's AI_PASSIVE.
#include <cstdint>
#include <string>
#include <vector>

#include <corio/core/task.hpp>
#include <corio/net/address.hpp>

namespace corio::detail {

/// What the addresses are for.
enum class resolve_purpose : std::uint8_t {
    connect,  ///< to connect to (getaddrinfo's order is the order to try)
    listen,   ///< to bind: an empty host means every interface (AI_PASSIVE)
};

/// The system's resolver (getaddrinfo, NSS), blocking: for a thread of the default executor.
/// The stream addresses of `host`:`port` of `family` (`unspecified`: both), each once.
/// Errors: `resolve_error`, `io_error` (EAI_SYSTEM).
std::vector<net::address> system_lookup(const std::string& host, std::uint16_t port,
                                        net::address_family family, resolve_purpose purpose);

/// The stream addresses of `host`:`port`, in the order to use them; never empty.
///
/// Cancel safety: cancelled, it returns nothing; a lookup running on its thread finishes there.
/// Errors: `resolve_error` (EAI_*), `io_error` (EAI_SYSTEM), `std::bad_alloc`.
task<std::vector<net::address>> resolve(std::string host, std::uint16_t port,
                                        resolve_purpose purpose = resolve_purpose::connect);

}  // namespace corio::detail
