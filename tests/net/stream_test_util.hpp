#pragma once
// Helpers of the stream tests (stream_reader_test, stream_writer_test, server_test,
// open_connection_test): byte views, a peer that sends in tiny segments, a reset, a deadline.
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <sys/socket.h>

#include <corio/core.hpp>
#include <corio/net.hpp>

namespace corio_test {

using namespace std::chrono_literals;

inline std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

/// Sends `data` one byte per system call, letting the loop run between them: the reader sees
/// as many segments as there are bytes.
inline corio::task<void> send_bytewise(corio::net::socket& peer, std::string data) {
    for (char c : data) {
        co_await peer.send_all(bytes(std::string_view(&c, 1)));
        co_await corio::sleep(std::chrono::microseconds(50));
    }
}

/// Closes `s` with a reset (SO_LINGER 0): the peer's next receive or send fails.
inline void close_with_reset(corio::net::socket& s) {
    ::linger l{1, 0};
    ::setsockopt(s.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    s.close();
}

/// Every test ends within this, even if the code under test hangs.
template <class T>
corio::task<T> bounded(corio::task<T> main) {
    co_return co_await corio::wait_for(std::move(main), std::chrono::seconds(60));
}

/// A pattern that is different at every offset for a long while: a byte moved, lost or
/// repeated shows.
inline std::string pattern(std::size_t size, unsigned seed = 1) {
    std::string s(size, '\0');
    unsigned x = seed * 2654435761u + 1;
    for (std::size_t i = 0; i < size; ++i) {
        x = x * 1103515245u + 12345u;
        s[i] = static_cast<char>(x >> 16);
    }
    return s;
}

/// A stream pair over one end of a socketpair, and the other end as a raw socket.
struct streams_and_peer {
    corio::net::stream_reader reader;
    corio::net::stream_writer writer;
    corio::net::socket peer;
};

inline corio::task<streams_and_peer> streams_over_pair(
    std::size_t limit = corio::net::default_stream_limit) {
    auto [mine, theirs] = corio::net::socket::pair();
    auto [reader, writer] = co_await corio::net::open_connection(std::move(mine), limit);
    co_return streams_and_peer{std::move(reader), std::move(writer), std::move(theirs)};
}

/// A server handler that echoes lines until end of file, draining after each.
inline corio::task<void> echo_lines(corio::net::stream_reader reader,
                                    corio::net::stream_writer writer) {
    for (;;) {
        std::string line = co_await reader.readline();
        if (line.empty()) co_return;
        writer.write(line);
        co_await writer.drain();
    }
}

}  // namespace corio_test
