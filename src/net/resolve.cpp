// resolve (resolve.hpp). resolve_error lives in resolve_error.cpp.
#include "resolve.hpp"

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <corio/net/dns.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/resolve_error.hpp>
#include <corio/thread/thread_pool.hpp>

namespace corio::detail {

std::vector<net::address> system_lookup(const std::string& host, std::uint16_t port,
                                        net::address_family family, resolve_purpose purpose) {
    addrinfo hints{};
    hints.ai_family = family == net::address_family::ipv4   ? AF_INET
                      : family == net::address_family::ipv6 ? AF_INET6
                                                            : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = purpose == resolve_purpose::listen ? AI_PASSIVE : 0;
    const std::string service = std::to_string(port);
    addrinfo* found = nullptr;
    const int r =
        ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
    if (r == EAI_SYSTEM) throw_io_error(errno, "getaddrinfo");
    if (r != 0) throw resolve_error(r, host);
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
    std::vector<net::address> out;
    for (const addrinfo* ai = found; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        net::address a = net::address::from_sockaddr(ai->ai_addr, ai->ai_addrlen);
        // The same address may come once per protocol: keep the first.
        bool seen = false;
        for (const net::address& b : out) seen = seen || b == a;
        if (!seen) out.push_back(a);
    }
    if (out.empty()) throw resolve_error(EAI_NONAME, host);
    return out;
}

task<std::vector<net::address>> resolve(std::string host, std::uint16_t port,
                                        resolve_purpose purpose) {
    // Every interface (AI_PASSIVE with no host) is getaddrinfo's own answer, with no lookup.
    if (purpose == resolve_purpose::listen && host.empty()) {
        co_return co_await to_thread(&system_lookup, host, port, net::address_family::unspecified,
                                     purpose);
    }
    // A numeric host (parsed there, with no lookup) or a name: c-ares, driven by the loop
    // (net/dns.hpp), which falls back to the system's resolver for names only NSS knows.
    co_return co_await net::getaddrinfo(std::move(host), port);
}

}  // namespace corio::detail
