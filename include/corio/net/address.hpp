#pragma once
/// @file
/// `corio::net::address`: a socket address (IPv4, IPv6 or Unix-domain) as a value type, the C++
/// spelling of the tuples and strings Python's `socket` module passes as addresses.

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

// Only pointers to it cross this header: the system's socket headers stay out of user code
// (design rule 6: platform details live in src/).
struct sockaddr;

namespace corio::net {

/// What an `address` holds (Python's `AF_INET`, `AF_INET6`, `AF_UNIX`); `unspecified` for an
/// empty address, or one of a family corio does not know (`resize` after a raw system call).
enum class address_family : std::uint8_t { ipv4, ipv6, unix_domain, unspecified };

/// A socket address held by value: an IPv4 or IPv6 address and port, or a Unix-domain path.
///
/// It stores the bytes the kernel reads and writes (a `sockaddr_storage` and its length), so it
/// passes to `bind`, `connect`, `accept` and `recvfrom` without conversion, and copies are
/// `memcpy`s. Hosts are numeric only: this type never resolves names (no DNS, no blocking).
///
/// Text form (`parse` and `to_string`, inverse of each other): "127.0.0.1:8080", "[::1]:8080",
/// "[fe80::1%eth0]:8080" (scope by interface name or number), "unix:/run/app.sock",
/// "unix:@name" (a Linux abstract name, whose bytes start with '\0'), "unix:" (unnamed).
///
/// Cancel safety: not applicable (no operation suspends). Thread safety: a plain value: const
/// members may run concurrently, mutation needs the caller's exclusion. Errors: the factories
/// throw `corio::address_error` for input they cannot represent; accessors never throw
/// anything but `std::bad_alloc`.
///
/// Example:
/// @code
/// auto a = corio::net::address::parse("[::1]:8080");
/// assert(a.family() == corio::net::address_family::ipv6 && a.is_loopback());
/// std::cout << a.with_port(9090) << '\n';  // [::1]:9090
/// @endcode
class address {
public:
    /// An empty address: `family()` is `unspecified`, `size()` is 0.
    address() noexcept = default;

    /// An IPv4 address from dotted-quad text ("192.0.2.1"; no shorthand like "127.1").
    ///
    /// Errors: `address_error` if `host` is not a numeric IPv4 address.
    /// Example: `auto a = address::ipv4("192.0.2.1", 80);`
    [[nodiscard]] static address ipv4(std::string_view host, std::uint16_t port);

    /// An IPv6 address from text without brackets, optionally with a scope: "fe80::1%lo" (an
    /// interface name, looked up now) or "fe80::1%2" (an interface index).
    ///
    /// Errors: `address_error` if `host` is not a numeric IPv6 address, or names an unknown
    /// interface. Example: `auto a = address::ipv6("fe80::1%eth0", 80);`
    [[nodiscard]] static address ipv6(std::string_view host, std::uint16_t port);

    /// A Unix-domain address: a file system path, a Linux abstract name if `path` starts with
    /// '\0', or the unnamed address if `path` is empty.
    ///
    /// Errors: `address_error` if the path does not fit (107 bytes and its terminator; an
    /// abstract name 108 bytes with its '\0'), or a file system path contains '\0'.
    /// Example: `auto a = address::unix_path(std::string("\0my-app", 7));  // unix:@my-app`
    [[nodiscard]] static address unix_path(std::string_view path);

    /// Parses the text form written by `to_string`: "host:port" for IPv4, "[host]:port" for IPv6,
    /// "unix:path" or "unix:@name". A path that itself starts with '@' cannot be written this
    /// way (write "unix:./@x"); build it with `unix_path`.
    ///
    /// Errors: `address_error` for anything else: a missing or non-decimal port, a port above
    /// 65535, an IPv6 address without brackets, a host name, surrounding spaces.
    /// Example: `auto a = address::parse("127.0.0.1:8080");`
    [[nodiscard]] static address parse(std::string_view text);

    /// 0.0.0.0:port, to listen on every IPv4 interface (Python's `''` host for `bind`).
    [[nodiscard]] static address any_ipv4(std::uint16_t port) noexcept;
    /// 127.0.0.1:port.
    [[nodiscard]] static address loopback_ipv4(std::uint16_t port) noexcept;
    /// [::1]:port.
    [[nodiscard]] static address loopback_ipv6(std::uint16_t port) noexcept;

    /// Copies `size` bytes of a `sockaddr` the system returned (`getsockname`, `getpeername`,
    /// `getaddrinfo`). Any family is kept; `family()` tells whether corio understands it.
    ///
    /// Errors: `address_error` if `size` exceeds `capacity()`, or `addr` is null and `size` is
    /// not 0. Example: `auto a = address::from_sockaddr(ai->ai_addr, ai->ai_addrlen);`
    [[nodiscard]] static address from_sockaddr(const sockaddr* addr, std::uint32_t size);

    /// The family, judged from the stored bytes; `unspecified` if they are too short for it.
    [[nodiscard]] address_family family() const noexcept;
    /// The port in host byte order; 0 for a Unix-domain or unspecified address.
    [[nodiscard]] std::uint16_t port() const noexcept;
    /// The numeric host ("127.0.0.1", "fe80::1%lo", no brackets); "" if not IPv4 or IPv6.
    [[nodiscard]] std::string host() const;
    /// The Unix-domain path as given to `unix_path` (an abstract name with its leading '\0';
    /// "" if unnamed); "" if not Unix-domain.
    [[nodiscard]] std::string path() const;
    /// The text form `parse` reads; "<unspecified>" for an address of no known family.
    [[nodiscard]] std::string to_string() const;

    /// A copy with another port.
    ///
    /// Errors: `address_error` if the address is not IPv4 or IPv6 (a path has no port).
    /// Example: `auto data = control.with_port(control.port() + 1);`
    [[nodiscard]] address with_port(std::uint16_t port) const;

    /// True for 127.0.0.0/8, ::1, and ::ffff:127.0.0.0/104 (how a dual-stack socket shows an
    /// IPv4 loopback peer, so a "local clients only" check must accept it). False for Unix-domain
    /// addresses: they never leave the host, but are not loopback addresses.
    [[nodiscard]] bool is_loopback() const noexcept;

    /// The bytes, for system calls: `::bind(fd, a.data(), a.size())`.
    [[nodiscard]] const sockaddr* data() const noexcept {
        return reinterpret_cast<const sockaddr*>(storage_);
    }
    /// The bytes, for a system call to fill; follow with `resize` to the length it reports.
    ///
    /// Example:
    /// @code
    /// address peer; socklen_t len = address::capacity();
    /// int conn = ::accept(fd, peer.data(), &len);
    /// peer.resize(len);
    /// @endcode
    [[nodiscard]] sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(storage_); }
    /// The number of meaningful bytes (a `socklen_t`, which is `std::uint32_t` on Linux).
    [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
    /// The size of the storage, `sizeof(sockaddr_storage)`: room for any address.
    [[nodiscard]] static constexpr std::uint32_t capacity() noexcept { return storage_bytes; }
    /// Sets how many bytes are meaningful, after a system call wrote them through `data()`.
    ///
    /// Errors: `address_error` if `size` exceeds `capacity()` (the kernel reports the full
    /// length of an address it truncated: the bytes are not all there); nothing changes then.
    void resize(std::uint32_t size);

    /// Same family and same address: IP, port and (IPv6) scope, ignoring the flow label, a
    /// per-packet attribute; for Unix-domain, the same `path()`, whether or not either length
    /// counted the path's terminator (the kernel's does, hand-made ones often do not).
    friend bool operator==(const address& a, const address& b) noexcept;

    /// Writes `to_string()`.
    friend std::ostream& operator<<(std::ostream& out, const address& a);

private:
    static constexpr std::uint32_t storage_bytes = 128;

    void assign(const void* bytes, std::uint32_t size) noexcept;

    // sockaddr_storage's alignment on every Linux ABI is at most 8; src/net/address.cpp checks.
    alignas(8) std::byte storage_[storage_bytes]{};
    std::uint32_t size_ = 0;
};

}  // namespace corio::net
