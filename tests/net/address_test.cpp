// corio::net::address: building, parsing, printing and comparing socket addresses.
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <corio/net/address.hpp>
#include <corio/net/errors.hpp>

namespace {

using corio::address_error;
using corio::net::address;
using corio::net::address_family;
using namespace std::string_literals;

// The name of the interface with this index, "" if there is none.
std::string interface_name(unsigned index) {
    char name[IF_NAMESIZE];
    return if_indextoname(index, name) != nullptr ? name : "";
}

// The loopback interface's name, for the scope-id tests.
std::string loopback_interface() {
    const unsigned index = if_nametoindex("lo");
    return index != 0 ? interface_name(index) : "";
}

TEST(Address, DefaultIsEmpty) {
    const address a;
    EXPECT_EQ(a.family(), address_family::unspecified);
    EXPECT_EQ(a.size(), 0U);
    EXPECT_EQ(a.port(), 0);
    EXPECT_EQ(a.host(), "");
    EXPECT_EQ(a.path(), "");
    EXPECT_EQ(a.to_string(), "<unspecified>");
    EXPECT_FALSE(a.is_loopback());
    EXPECT_EQ(a, address());
    EXPECT_EQ(address::capacity(), sizeof(sockaddr_storage));
}

TEST(Address, ParseAndToStringRoundTrip) {
    for (const char* text :
         {"127.0.0.1:8080", "0.0.0.0:0", "255.255.255.255:65535", "192.0.2.1:80", "[::1]:8080",
          "[::]:0", "[2001:db8::1]:443", "[::ffff:192.0.2.1]:80", "[fe80::1%1]:22", "unix:/tmp/x",
          "unix:relative/sock", "unix:@name", "unix:@", "unix:"}) {
        const address a = address::parse(text);
        // A numeric scope prints as the interface's name when there is one.
        const std::string expected = text == "[fe80::1%1]:22"s && !interface_name(1).empty()
                                         ? "[fe80::1%" + interface_name(1) + "]:22"
                                         : text;
        EXPECT_EQ(a.to_string(), expected);
        EXPECT_EQ(address::parse(a.to_string()), a) << text;
    }
}

TEST(Address, ToStringIsCanonical) {
    EXPECT_EQ(address::parse("[2001:0DB8:0:0:0:0:0:1]:80").to_string(), "[2001:db8::1]:80");
    EXPECT_EQ(address::parse("127.0.0.1:0080").to_string(), "127.0.0.1:80");
}

TEST(Address, Ipv4Accessors) {
    const address a = address::parse("192.0.2.7:8080");
    EXPECT_EQ(a.family(), address_family::ipv4);
    EXPECT_EQ(a.host(), "192.0.2.7");
    EXPECT_EQ(a.port(), 8080);
    EXPECT_EQ(a.path(), "");
    EXPECT_EQ(a.size(), sizeof(sockaddr_in));
    EXPECT_EQ(a, address::ipv4("192.0.2.7", 8080));
    sockaddr_in raw{};
    std::memcpy(&raw, a.data(), sizeof raw);
    EXPECT_EQ(raw.sin_family, AF_INET);
    EXPECT_EQ(raw.sin_port, htons(8080));
    EXPECT_EQ(raw.sin_addr.s_addr, htonl(0xC0000207));
}

TEST(Address, Ipv6Accessors) {
    const address a = address::parse("[2001:db8::5]:443");
    EXPECT_EQ(a.family(), address_family::ipv6);
    EXPECT_EQ(a.host(), "2001:db8::5");
    EXPECT_EQ(a.port(), 443);
    EXPECT_EQ(a.size(), sizeof(sockaddr_in6));
    EXPECT_EQ(a, address::ipv6("2001:db8::5", 443));
}

TEST(Address, ScopeIdByNameOrNumber) {
    const std::string lo = loopback_interface();
    if (lo.empty()) GTEST_SKIP() << "no loopback interface";
    const unsigned index = if_nametoindex(lo.c_str());
    const address by_name = address::ipv6("fe80::1%" + lo, 80);
    const address by_number = address::ipv6("fe80::1%" + std::to_string(index), 80);
    EXPECT_EQ(by_name, by_number);
    EXPECT_EQ(by_name.host(), "fe80::1%" + lo);
    EXPECT_EQ(by_name.to_string(), "[fe80::1%" + lo + "]:80");
    sockaddr_in6 raw{};
    std::memcpy(&raw, by_name.data(), sizeof raw);
    EXPECT_EQ(raw.sin6_scope_id, index);
    // The scope is part of the address.
    EXPECT_NE(by_name, address::ipv6("fe80::1", 80));
    EXPECT_EQ(address::parse("[fe80::1%" + lo + "]:80"), by_name);
    // An index with no interface behind it still prints, by number.
    EXPECT_EQ(address::ipv6("fe80::1%4000000000", 1).to_string(), "[fe80::1%4000000000]:1");
}

TEST(Address, UnixPath) {
    const address a = address::parse("unix:/run/app.sock");
    EXPECT_EQ(a.family(), address_family::unix_domain);
    EXPECT_EQ(a.path(), "/run/app.sock");
    EXPECT_EQ(a.port(), 0);
    EXPECT_EQ(a.host(), "");
    // The terminator is counted, as the kernel's getsockname counts it.
    EXPECT_EQ(a.size(), offsetof(sockaddr_un, sun_path) + 13 + 1);
    EXPECT_EQ(a, address::unix_path("/run/app.sock"));
    EXPECT_NE(a, address::unix_path("/run/app.sock2"));
}

TEST(Address, UnixAbstractName) {
    const address a = address::parse("unix:@my-app");
    EXPECT_EQ(a.family(), address_family::unix_domain);
    EXPECT_EQ(a.path(), "\0my-app"s);
    EXPECT_EQ(a.to_string(), "unix:@my-app");
    // Raw bytes, no terminator: "\0my-app" and "\0my-app\0" are different names.
    EXPECT_EQ(a.size(), offsetof(sockaddr_un, sun_path) + 7);
    EXPECT_EQ(a, address::unix_path("\0my-app"s));
    EXPECT_NE(a, address::unix_path("\0my-app\0"s));
    EXPECT_NE(a, address::unix_path("/my-app"));
    EXPECT_EQ(address::unix_path(a.path()), a);
}

TEST(Address, UnixUnnamed) {
    const address a = address::unix_path("");
    EXPECT_EQ(a.family(), address_family::unix_domain);
    EXPECT_EQ(a.size(), offsetof(sockaddr_un, sun_path));
    EXPECT_EQ(a.path(), "");
    EXPECT_EQ(a.to_string(), "unix:");
    EXPECT_EQ(a, address::parse("unix:"));
}

TEST(Address, UnixPathLengthLimits) {
    const std::string longest(107, 'p');  // sun_path is 108 bytes, with the terminator
    EXPECT_EQ(address::unix_path(longest).path(), longest);
    EXPECT_THROW((void)address::unix_path(longest + 'p'), address_error);
    EXPECT_THROW((void)address::parse("unix:" + longest + 'p'), address_error);
    const std::string longest_abstract = '\0' + std::string(107, 'a');  // no terminator
    EXPECT_EQ(address::unix_path(longest_abstract).path(), longest_abstract);
    EXPECT_EQ(address::unix_path(longest_abstract).size(), offsetof(sockaddr_un, sun_path) + 108);
    EXPECT_THROW((void)address::unix_path(longest_abstract + 'a'), address_error);
    EXPECT_THROW((void)address::unix_path("/tmp/a\0b"s), address_error);
}

TEST(Address, BadTextThrows) {
    const std::vector<std::string> bad = {
        "",
        "garbage",
        "127.0.0.1",       // no port
        "127.0.0.1:",      // empty port
        "127.0.0.1:http",  // ports are numbers
        "127.0.0.1:-1",
        "127.0.0.1:+80",
        "127.0.0.1:65536",  // above 65535
        "127.0.0.1:99999999999999999999999",
        "127.0.0.1:80x",
        "127.0.0.1: 80",
        " 127.0.0.1:80",
        "127.0.0.1:80 ",
        "256.0.0.1:80",
        "1.2.3:80",
        "127.1:80",      // inet_aton shorthand is not accepted
        "localhost:80",  // no DNS here
        ":80",
        "::1:80",  // IPv6 needs brackets
        "2001:db8::1:443",
        "[::1]",  // no port
        "[::1]:",
        "[::1]80",
        "[::1:80",  // missing ']'
        "[::1]:65536",
        "[127.0.0.1]:80",            // IPv4 in brackets
        "[fe80::1%]:80",             // empty scope
        "[fe80::1%no-such-if0]:80",  // unknown interface
        "[fe80::1%toolonginterfacename]:80",
        "127.0.0.1\0:80"s,
        "Unix:/tmp/x",
    };
    for (const std::string& text : bad) {
        EXPECT_THROW((void)address::parse(text), address_error) << '"' << text << '"';
    }
}

TEST(Address, FactoriesRejectTheOtherFamily) {
    EXPECT_THROW((void)address::ipv4("::1", 1), address_error);
    EXPECT_THROW((void)address::ipv4("1.2.3.4\0junk"s, 1), address_error);
    EXPECT_THROW((void)address::ipv4("1.2.3.4.5.6.7.8.9.10", 1), address_error);
    EXPECT_THROW((void)address::ipv6("127.0.0.1", 1), address_error);
    EXPECT_THROW((void)address::ipv6("[::1]", 1), address_error);
    EXPECT_THROW((void)address::ipv6(std::string(100, ':'), 1), address_error);
}

TEST(Address, WellKnownAddresses) {
    EXPECT_EQ(address::any_ipv4(80).to_string(), "0.0.0.0:80");
    EXPECT_EQ(address::loopback_ipv4(8080).to_string(), "127.0.0.1:8080");
    EXPECT_EQ(address::loopback_ipv6(443).to_string(), "[::1]:443");
    EXPECT_EQ(address::loopback_ipv4(1), address::parse("127.0.0.1:1"));
}

TEST(Address, Equality) {
    EXPECT_EQ(address::parse("10.0.0.1:1"), address::ipv4("10.0.0.1", 1));
    EXPECT_NE(address::parse("10.0.0.1:1"), address::parse("10.0.0.1:2"));
    EXPECT_NE(address::parse("10.0.0.1:1"), address::parse("10.0.0.2:1"));
    // Same host to a dual-stack socket, but different addresses.
    EXPECT_NE(address::parse("127.0.0.1:1"), address::parse("[::ffff:127.0.0.1]:1"));
    EXPECT_NE(address::parse("[::1]:1"), address::parse("[::2]:1"));
    EXPECT_NE(address::parse("unix:/a"), address());
    // The flow label is ignored.
    sockaddr_in6 raw{};
    std::memcpy(&raw, address::loopback_ipv6(9).data(), sizeof raw);
    raw.sin6_flowinfo = htonl(0x12345);
    EXPECT_EQ(address::from_sockaddr(reinterpret_cast<const sockaddr*>(&raw), sizeof raw),
              address::loopback_ipv6(9));
    // A path with or without its terminator counted is the same path.
    const address counted = address::unix_path("/tmp/s");
    const address uncounted = address::from_sockaddr(counted.data(), counted.size() - 1);
    EXPECT_EQ(uncounted.path(), "/tmp/s");
    EXPECT_EQ(uncounted, counted);
}

TEST(Address, IsLoopback) {
    for (const char* text : {"127.0.0.1:1", "127.255.3.4:1", "[::1]:1", "[::ffff:127.0.0.1]:1"}) {
        EXPECT_TRUE(address::parse(text).is_loopback()) << text;
    }
    for (const char* text : {"0.0.0.0:1", "128.0.0.1:1", "126.255.255.255:1", "[::]:1", "[::2]:1",
                             "[::ffff:10.0.0.1]:1", "[fe80::1]:1", "unix:/tmp/x", "unix:@x"}) {
        EXPECT_FALSE(address::parse(text).is_loopback()) << text;
    }
}

TEST(Address, WithPort) {
    const address a = address::parse("192.0.2.1:80");
    EXPECT_EQ(a.with_port(8080).to_string(), "192.0.2.1:8080");
    EXPECT_EQ(a.port(), 80);  // unchanged
    EXPECT_EQ(address::ipv6("fe80::1%1", 1).with_port(2), address::ipv6("fe80::1%1", 2));
    EXPECT_THROW((void)address::unix_path("/tmp/x").with_port(1), address_error);
    EXPECT_THROW((void)address().with_port(1), address_error);
}

TEST(Address, StreamsItsText) {
    std::ostringstream out;
    out << address::parse("[::1]:53") << ' ' << address::parse("unix:@x");
    EXPECT_EQ(out.str(), "[::1]:53 unix:@x");
}

TEST(Address, FromSockaddrAndResize) {
    EXPECT_THROW((void)address::from_sockaddr(nullptr, 1), address_error);
    EXPECT_EQ(address::from_sockaddr(nullptr, 0), address());
    sockaddr_storage big{};
    EXPECT_THROW(
        (void)address::from_sockaddr(reinterpret_cast<const sockaddr*>(&big), sizeof big + 1),
        address_error);

    address a = address::loopback_ipv4(7);
    EXPECT_THROW(a.resize(address::capacity() + 1), address_error);
    EXPECT_EQ(a.size(), sizeof(sockaddr_in));  // a refused resize changes nothing
    a.resize(sizeof(sockaddr_in) - 1);         // too short to be a sockaddr_in
    EXPECT_EQ(a.family(), address_family::unspecified);
    EXPECT_EQ(a.port(), 0);

    // A family corio does not know is kept as bytes, compared as bytes.
    sockaddr_storage odd{};
    odd.ss_family = AF_APPLETALK;
    const address x = address::from_sockaddr(reinterpret_cast<const sockaddr*>(&odd), 16);
    EXPECT_EQ(x.family(), address_family::unspecified);
    EXPECT_EQ(x.to_string(), "<unspecified>");
    EXPECT_EQ(x, address::from_sockaddr(reinterpret_cast<const sockaddr*>(&odd), 16));
    EXPECT_NE(x, address::from_sockaddr(reinterpret_cast<const sockaddr*>(&odd), 15));
}

// What the kernel writes through data() reads back as the address that was bound.
address local_address(int fd) {
    address a;
    socklen_t length = address::capacity();
    EXPECT_EQ(::getsockname(fd, a.data(), &length), 0);
    a.resize(length);
    return a;
}

TEST(Address, KernelFillsIpv4) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    const address wanted = address::loopback_ipv4(0);
    ASSERT_EQ(::bind(fd, wanted.data(), wanted.size()), 0);
    const address got = local_address(fd);
    ::close(fd);
    EXPECT_EQ(got.family(), address_family::ipv4);
    EXPECT_NE(got.port(), 0);
    EXPECT_EQ(got, wanted.with_port(got.port()));
    EXPECT_TRUE(got.is_loopback());
}

TEST(Address, KernelFillsUnixPathAndAbstract) {
    const std::string path = "/tmp/corio-address-test-" + std::to_string(::getpid());
    ::unlink(path.c_str());
    for (const address& wanted :
         {address::unix_path(path),
          address::parse("unix:@corio-address-test-" + std::to_string(::getpid()))}) {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::bind(fd, wanted.data(), wanted.size()), 0) << wanted;
        const address got = local_address(fd);
        ::close(fd);
        EXPECT_EQ(got, wanted);
        EXPECT_EQ(got.size(), wanted.size());
        EXPECT_EQ(got.to_string(), wanted.to_string());
    }
    ::unlink(path.c_str());

    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    const address unnamed = local_address(pair[0]);
    ::close(pair[0]);
    ::close(pair[1]);
    EXPECT_EQ(unnamed.to_string(), "unix:");
    EXPECT_EQ(unnamed, address::unix_path(""));
}

}  // namespace
