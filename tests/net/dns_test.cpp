// net::getaddrinfo on c-ares, against a small DNS responder this test runs on loopback UDP with
// corio's own sockets (no network needed), and /etc/hosts.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <netdb.h>

#include <corio/core.hpp>
#include <corio/net/dns.hpp>
#include <corio/net/socket.hpp>

#include "backend_param.hpp"

namespace {

using corio::task;
using corio::net::address;
using corio::net::socket;
using namespace std::chrono_literals;

/// The answers the responder knows: name -> A and AAAA records (as address text).
struct zone {
    std::map<std::string, std::vector<std::string>> a, aaaa;
};

/// Answers DNS queries from `z` until cancelled: NXDOMAIN for unknown names, no records (NODATA)
/// for a known name without records of the type asked. Counts the queries it got.
task<void> responder(socket& udp, const zone& z, int& queries) {
    std::array<std::byte, 512> in;
    for (;;) {
        auto [n, from] = co_await udp.recv_from(in);
        ++queries;
        const auto* q = reinterpret_cast<const std::uint8_t*>(in.data());
        // The question's name, label by label, after the 12-byte header.
        std::size_t pos = 12;
        std::string name;
        while (pos < n && q[pos] != 0) {
            if (!name.empty()) name += '.';
            name.append(reinterpret_cast<const char*>(q + pos + 1), q[pos]);
            pos += q[pos] + 1u;
        }
        pos += 1;
        const int qtype = q[pos] << 8 | q[pos + 1];
        const std::size_t question_end = pos + 4;
        std::vector<std::uint8_t> out(q, q + question_end);  // id and question copied
        const bool known = z.a.count(name) || z.aaaa.count(name);
        out[2] = 0x81;                 // a response, recursion desired
        out[3] = known ? 0x80 : 0x83;  // recursion available; NXDOMAIN if unknown
        out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;
        const auto& table = qtype == 28 ? z.aaaa : z.a;
        std::vector<std::string> records;
        if (auto it = table.find(name); it != table.end()) records = it->second;
        out[7] = static_cast<std::uint8_t>(records.size());
        for (const std::string& text : records) {
            const address a = qtype == 28 ? address::ipv6(text, 0) : address::ipv4(text, 0);
            const auto* raw = reinterpret_cast<const std::uint8_t*>(a.data());
            // sin_addr at offset 4, sin6_addr at offset 8.
            const std::uint8_t* bytes = qtype == 28 ? raw + 8 : raw + 4;
            const std::uint8_t length = qtype == 28 ? 16 : 4;
            const std::uint8_t rr[] = {
                0xc0, 0x0c, 0, static_cast<std::uint8_t>(qtype), 0, 1, 0, 0, 0, 60, 0, length};
            out.insert(out.end(), std::begin(rr), std::end(rr));
            out.insert(out.end(), bytes, bytes + length);
        }
        co_await udp.send_to(std::as_bytes(std::span(out)), from);
    }
}

std::set<std::string> hosts_of(const std::vector<address>& list) {
    std::set<std::string> out;
    for (const address& a : list) out.insert(a.host());
    return out;
}

class Dns : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(Dns);

/// Runs `body(options)` with a responder serving `z` on loopback; options point at it.
template <class Body>
task<void> with_responder(const zone& z, Body body) {
    socket udp = socket::udp();
    udp.bind(address::loopback_ipv4(0));
    int queries = 0;
    auto server = corio::spawn(responder, std::ref(udp), std::cref(z), std::ref(queries));
    corio::net::resolver_options o;
    o.servers = {udp.local_address()};
    o.fallback = corio::net::nss_fallback::off;
    o.timeout = 200ms;
    o.tries = 2;
    co_await body(o);
    server.cancel();
    try {
        co_await server;
    } catch (const corio::cancelled_error&) {
    }
}

TEST_P(Dns, ResolvesBothFamiliesFromTheServer) {
    const zone z{{{"svc.corio.test", {"10.1.2.3", "10.1.2.4"}}}, {{"svc.corio.test", {"fd00::1"}}}};
    run(with_responder(z, [](corio::net::resolver_options o) -> task<void> {
        auto all = co_await corio::net::getaddrinfo("svc.corio.test", 443, o);
        EXPECT_EQ(hosts_of(all), (std::set<std::string>{"10.1.2.3", "10.1.2.4", "fd00::1"}));
        for (const address& a : all) EXPECT_EQ(a.port(), 443);
        o.family = corio::net::address_family::ipv4;
        auto v4 = co_await corio::net::getaddrinfo("svc.corio.test", 80, o);
        EXPECT_EQ(hosts_of(v4), (std::set<std::string>{"10.1.2.3", "10.1.2.4"}));
    }));
}

TEST_P(Dns, UnknownNameIsNoName) {
    run(with_responder(zone{}, [](corio::net::resolver_options o) -> task<void> {
        try {
            co_await corio::net::getaddrinfo("nothing.corio.test", 80, o);
            ADD_FAILURE() << "resolved a name that does not exist";
        } catch (const corio::resolve_error& e) {
            EXPECT_EQ(e.code().value(), EAI_NONAME);
            EXPECT_EQ(e.host(), "nothing.corio.test");
        }
    }));
}

TEST_P(Dns, SilentServerTimesOutAsTryAgain) {
    auto main = []() -> task<void> {
        socket silent = socket::udp();  // bound, never answers
        silent.bind(address::loopback_ipv4(0));
        corio::net::resolver_options o;
        o.servers = {silent.local_address()};
        o.timeout = 20ms;
        o.tries = 1;
        o.fallback = corio::net::nss_fallback::off;
        try {
            co_await corio::net::getaddrinfo("svc.corio.test", 80, o);
            ADD_FAILURE() << "a silent server answered";
        } catch (const corio::resolve_error& e) {
            EXPECT_EQ(e.code().value(), EAI_AGAIN);
        }
    };
    run(main());
}

TEST_P(Dns, CancellingTheLookupEndsItAtOnce) {
    auto main = []() -> task<void> {
        socket silent = socket::udp();
        silent.bind(address::loopback_ipv4(0));
        corio::net::resolver_options o;
        o.servers = {silent.local_address()};
        o.timeout = 10s;  // would wait long
        auto lookup = corio::spawn(
            [](corio::net::resolver_options& o) -> task<std::vector<address>> {
                co_return co_await corio::net::getaddrinfo("svc.corio.test", 80, o);
            },
            o);
        co_await corio::sleep(5ms);
        lookup.cancel();
        EXPECT_THROW(co_await lookup, corio::cancelled_error);
    };
    run(main());  // the loop closes with no watcher or timer of the lookup left
}

TEST_P(Dns, NumericHostsAndEtcHostsNeedNoServer) {
    auto main = []() -> task<void> {
        socket silent = socket::udp();
        silent.bind(address::loopback_ipv4(0));
        corio::net::resolver_options o;
        o.servers = {silent.local_address()};  // never asked
        o.fallback = corio::net::nss_fallback::off;
        auto numeric = co_await corio::net::getaddrinfo("127.0.0.1", 8080, o);
        EXPECT_EQ(numeric, std::vector<address>{address::loopback_ipv4(8080)});
        o.family = corio::net::address_family::ipv4;
        auto local = co_await corio::net::getaddrinfo("localhost", 8080, o);  // /etc/hosts
        EXPECT_TRUE(hosts_of(local).count("127.0.0.1"));
    };
    run(main());
}

}  // namespace
