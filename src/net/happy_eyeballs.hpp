#pragma once
// Happy Eyeballs (RFC 8305, as asyncio's `happy_eyeballs_delay` does it): connects to the first
// of several addresses that answers, trying them in an order that alternates families, starting
// the next attempt when one fails or `delay` passes without an answer, racing the attempts in
// flight. The winner's socket is returned; the others are cancelled and closed.
#include <chrono>
#include <vector>

#include <corio/core/clock.hpp>
#include <corio/core/task.hpp>
#include <corio/net/address.hpp>
#include <corio/net/socket.hpp>

namespace corio::detail {

/// RFC 8305's recommended "Connection Attempt Delay".
inline constexpr duration happy_eyeballs_delay = std::chrono::milliseconds(250);

/// `addresses` reordered so that families alternate, starting with the first one's family
/// (RFC 8305, section 4).
std::vector<net::address> interleave_families(const std::vector<net::address>& addresses);

/// Connects a TCP socket to one of `addresses` (tried in the order given; interleave first).
///
/// Cancel safety: cancelled, every attempt in flight is cancelled and its socket closed.
/// Errors: with every attempt failed, the first address's error (the preferred one);
/// `std::invalid_argument` for an empty list.
task<net::socket> connect_happy_eyeballs(std::vector<net::address> addresses,
                                         duration delay = happy_eyeballs_delay);

}  // namespace corio::detail
