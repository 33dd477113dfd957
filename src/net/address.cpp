// corio::net::address (include/corio/net/address.hpp): building, reading and printing the
// sockaddr bytes. Every read copies the bytes into the matching sockaddr_* struct first: the
// storage is a byte array, and memcpy is the aliasing-safe way to view it (and compiles to loads).
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <corio/net/address.hpp>
#include <corio/net/errors.hpp>

namespace corio::net {

// The header avoids <sys/socket.h>; these keep its stand-ins honest.
static_assert(address::capacity() == sizeof(sockaddr_storage));
static_assert(alignof(sockaddr_storage) <= 8);
static_assert(std::is_same_v<socklen_t, std::uint32_t>,
              "size() and resize() use std::uint32_t where the system uses socklen_t");

namespace {

constexpr std::uint32_t path_offset = offsetof(sockaddr_un, sun_path);
constexpr std::size_t path_capacity = sizeof(sockaddr_un::sun_path);
// family() calls any address with a sun_family Unix-domain: that is the unnamed address.
static_assert(path_offset == sizeof(sa_family_t));

template <class Sockaddr>
Sockaddr load(const address& a) noexcept {
    Sockaddr s{};
    std::memcpy(&s, a.data(), std::min<std::size_t>(sizeof s, a.size()));
    return s;
}

sa_family_t raw_family(const address& a) noexcept {
    if (a.size() < sizeof(sa_family_t)) return AF_UNSPEC;
    sa_family_t f{};
    std::memcpy(&f, a.data(), sizeof f);
    return f;
}

// The name bytes of a Unix-domain address of `size` bytes: an abstract name with its leading '\0';
// a path up to its terminator, whether or not the length counted it. A view into `s`.
std::string_view unix_name(const sockaddr_un& s, std::uint32_t size) noexcept {
    const std::size_t length = std::min<std::size_t>(size - path_offset, path_capacity);
    if (length > 0 && s.sun_path[0] == '\0') return {s.sun_path, length};
    return {s.sun_path, ::strnlen(s.sun_path, length)};
}

std::string quoted(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '\'';
    out += text;
    out += '\'';
    return out;
}

// inet_pton and if_nametoindex want NUL-terminated text: copy into a buffer of the longest valid
// input, refusing anything longer or with an embedded '\0' (which would end the text early and
// let "1.2.3.4\0junk" through).
template <std::size_t N>
bool to_c_string(std::string_view text, char (&buffer)[N]) noexcept {
    if (text.size() >= N || text.find('\0') != std::string_view::npos) return false;
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    return true;
}

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
    // from_chars takes no sign and no spaces, so digits-only is checked by consuming it all.
    unsigned long value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ptr != end || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        throw address_error("invalid port in " + quoted(whole));
    }
    if (ec == std::errc::result_out_of_range || value > 65535) {
        throw address_error("port must be 0-65535 in " + quoted(whole));
    }
    return static_cast<std::uint16_t>(value);
}

std::uint32_t parse_scope(std::string_view scope, std::string_view host) {
    if (scope.empty()) throw address_error("empty scope in IPv6 address " + quoted(host));
    std::uint32_t index = 0;
    const char* end = scope.data() + scope.size();
    if (auto [ptr, ec] = std::from_chars(scope.data(), end, index);
        ptr == end && ec == std::errc{}) {
        return index;
    }
    char name[IF_NAMESIZE];
    index = to_c_string(scope, name) ? if_nametoindex(name) : 0;
    if (index == 0) throw address_error("unknown interface in IPv6 address " + quoted(host));
    return index;
}

std::string ipv6_host(const sockaddr_in6& s) {
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &s.sin6_addr, text, sizeof text);
    std::string out = text;
    if (s.sin6_scope_id != 0) {
        // By name when the interface still exists, as `parse` most often receives it.
        char name[IF_NAMESIZE];
        out += '%';
        out += if_indextoname(s.sin6_scope_id, name) != nullptr ? std::string(name)
                                                                : std::to_string(s.sin6_scope_id);
    }
    return out;
}

}  // namespace

void address::assign(const void* bytes, std::uint32_t size) noexcept {
    std::memcpy(storage_, bytes, size);
    size_ = size;
}

address address::ipv4(std::string_view host, std::uint16_t port) {
    sockaddr_in s{};
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    char text[INET_ADDRSTRLEN];
    if (!to_c_string(host, text) || inet_pton(AF_INET, text, &s.sin_addr) != 1) {
        throw address_error("invalid IPv4 address " + quoted(host));
    }
    address a;
    a.assign(&s, sizeof s);
    return a;
}

address address::ipv6(std::string_view host, std::uint16_t port) {
    sockaddr_in6 s{};
    s.sin6_family = AF_INET6;
    s.sin6_port = htons(port);
    const std::size_t percent = host.find('%');
    char text[INET6_ADDRSTRLEN];
    if (!to_c_string(host.substr(0, percent), text) ||
        inet_pton(AF_INET6, text, &s.sin6_addr) != 1) {
        throw address_error("invalid IPv6 address " + quoted(host));
    }
    if (percent != std::string_view::npos)
        s.sin6_scope_id = parse_scope(host.substr(percent + 1), host);
    address a;
    a.assign(&s, sizeof s);
    return a;
}

address address::unix_path(std::string_view path) {
    sockaddr_un s{};
    s.sun_family = AF_UNIX;
    const bool abstract = !path.empty() && path.front() == '\0';
    // A file system path keeps room for its terminator, and counts it, as the kernel's own
    // getsockname does; an abstract name is raw bytes and may fill sun_path.
    if (abstract ? path.size() > path_capacity : path.size() >= path_capacity) {
        throw address_error("AF_UNIX path too long: " + quoted(path));
    }
    if (!abstract && path.find('\0') != std::string_view::npos) {
        throw address_error("embedded null character in AF_UNIX path " + quoted(path));
    }
    std::memcpy(s.sun_path, path.data(), path.size());
    const std::size_t terminator = abstract || path.empty() ? 0 : 1;
    address a;
    a.assign(&s, static_cast<std::uint32_t>(path_offset + path.size() + terminator));
    return a;
}

address address::parse(std::string_view text) {
    constexpr std::string_view unix_prefix = "unix:";
    if (text.starts_with(unix_prefix)) {
        std::string_view path = text.substr(unix_prefix.size());
        if (!path.starts_with('@')) return unix_path(path);
        std::string abstract(1, '\0');
        abstract += path.substr(1);
        return unix_path(abstract);
    }
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) throw address_error("missing ']' in " + quoted(text));
        if (close + 1 == text.size() || text[close + 1] != ':') {
            throw address_error("missing port in " + quoted(text));
        }
        return ipv6(text.substr(1, close - 1), parse_port(text.substr(close + 2), text));
    }
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) throw address_error("missing port in " + quoted(text));
    const std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
        throw address_error("IPv6 address must be in brackets: " + quoted(text));
    }
    return ipv4(host, parse_port(text.substr(colon + 1), text));
}

address address::any_ipv4(std::uint16_t port) noexcept {
    sockaddr_in s{};
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    s.sin_addr.s_addr = htonl(INADDR_ANY);
    address a;
    a.assign(&s, sizeof s);
    return a;
}

address address::loopback_ipv4(std::uint16_t port) noexcept {
    address a = any_ipv4(port);
    sockaddr_in s = load<sockaddr_in>(a);
    s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.assign(&s, sizeof s);
    return a;
}

address address::loopback_ipv6(std::uint16_t port) noexcept {
    sockaddr_in6 s{};
    s.sin6_family = AF_INET6;
    s.sin6_port = htons(port);
    s.sin6_addr = in6addr_loopback;
    address a;
    a.assign(&s, sizeof s);
    return a;
}

address address::from_sockaddr(const sockaddr* addr, std::uint32_t size) {
    if (size > capacity()) {
        throw address_error("sockaddr of " + std::to_string(size) + " bytes exceeds " +
                            std::to_string(capacity()));
    }
    if (addr == nullptr && size != 0) throw address_error("null sockaddr with a nonzero size");
    address a;
    if (size != 0) a.assign(addr, size);
    return a;
}

void address::resize(std::uint32_t size) {
    if (size > capacity()) {
        throw address_error("sockaddr of " + std::to_string(size) + " bytes exceeds " +
                            std::to_string(capacity()));
    }
    size_ = size;
}

address_family address::family() const noexcept {
    switch (raw_family(*this)) {
        case AF_INET:
            return size_ >= sizeof(sockaddr_in) ? address_family::ipv4
                                                : address_family::unspecified;
        case AF_INET6:
            return size_ >= sizeof(sockaddr_in6) ? address_family::ipv6
                                                 : address_family::unspecified;
        case AF_UNIX:
            return address_family::unix_domain;  // raw_family saw at least sun_family
        default:
            return address_family::unspecified;
    }
}

std::uint16_t address::port() const noexcept {
    switch (family()) {
        case address_family::ipv4:
            return ntohs(load<sockaddr_in>(*this).sin_port);
        case address_family::ipv6:
            return ntohs(load<sockaddr_in6>(*this).sin6_port);
        default:
            return 0;
    }
}

std::string address::host() const {
    switch (family()) {
        case address_family::ipv4: {
            const sockaddr_in s = load<sockaddr_in>(*this);
            char text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &s.sin_addr, text, sizeof text);
            return text;
        }
        case address_family::ipv6:
            return ipv6_host(load<sockaddr_in6>(*this));
        default:
            return {};
    }
}

std::string address::path() const {
    if (family() != address_family::unix_domain) return {};
    const sockaddr_un s = load<sockaddr_un>(*this);
    return std::string(unix_name(s, size_));
}

std::string address::to_string() const {
    switch (family()) {
        case address_family::ipv4:
            return host() + ':' + std::to_string(port());
        case address_family::ipv6:
            return '[' + host() + "]:" + std::to_string(port());
        case address_family::unix_domain: {
            std::string p = path();
            if (!p.empty() && p.front() == '\0') p.front() = '@';
            return "unix:" + p;
        }
        default:
            return "<unspecified>";
    }
}

address address::with_port(std::uint16_t port) const {
    address a = *this;
    switch (family()) {
        case address_family::ipv4: {
            sockaddr_in s = load<sockaddr_in>(a);
            s.sin_port = htons(port);
            a.assign(&s, sizeof s);
            return a;
        }
        case address_family::ipv6: {
            sockaddr_in6 s = load<sockaddr_in6>(a);
            s.sin6_port = htons(port);
            a.assign(&s, sizeof s);
            return a;
        }
        default:
            throw address_error("with_port: " + to_string() + " has no port");
    }
}

bool address::is_loopback() const noexcept {
    switch (family()) {
        case address_family::ipv4:
            return (ntohl(load<sockaddr_in>(*this).sin_addr.s_addr) >> 24) == 127;
        case address_family::ipv6: {
            const sockaddr_in6 s = load<sockaddr_in6>(*this);
            const in6_addr& ip = s.sin6_addr;
            return IN6_IS_ADDR_LOOPBACK(&ip) ||
                   (IN6_IS_ADDR_V4MAPPED(&ip) && ip.s6_addr[12] == 127);
        }
        default:
            return false;
    }
}

bool operator==(const address& a, const address& b) noexcept {
    const address_family family = a.family();
    if (family != b.family()) return false;
    switch (family) {
        case address_family::ipv4: {
            const sockaddr_in x = load<sockaddr_in>(a), y = load<sockaddr_in>(b);
            return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
        }
        case address_family::ipv6: {
            const sockaddr_in6 x = load<sockaddr_in6>(a), y = load<sockaddr_in6>(b);
            return x.sin6_port == y.sin6_port && x.sin6_scope_id == y.sin6_scope_id &&
                   IN6_ARE_ADDR_EQUAL(&x.sin6_addr, &y.sin6_addr);
        }
        case address_family::unix_domain: {
            const sockaddr_un x = load<sockaddr_un>(a), y = load<sockaddr_un>(b);
            return unix_name(x, a.size()) == unix_name(y, b.size());
        }
        default:
            return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
    }
}

std::ostream& operator<<(std::ostream& out, const address& a) { return out << a.to_string(); }

}  // namespace corio::net
