// An echo connection in its steady state allocates nothing per message (issue 9): the read
// waits in the handler's frame, drain is a check, a read's string is storage a sent chunk left.
// This binary counts every operator new.
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <string>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/core/detail/frame_allocator.hpp>
#include <corio/net.hpp>

#include "../core/count_allocations.hpp"
#include "backend_param.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio_test::streams_over_pair;

class EchoAllocation : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(EchoAllocation);

/// The echo of a server handler (bench/net's): read, write what came, drain.
task<void> echo(corio::net::stream_reader reader, corio::net::stream_writer writer) {
    for (;;) {
        std::string data = co_await reader.read(65536);
        if (data.empty()) co_return;
        writer.write(std::move(data));
        co_await writer.drain();
    }
}

/// `warm` round trips (the caches and pools fill), then `measured` ones: what those allocated.
/// Each sends a 64-byte message (too long to live inside a string) from the raw peer, whose
/// send and recv allocate nothing themselves, and checks the echo. In one coroutine: a child
/// task would be a frame per round trip.
task<std::size_t> allocations_of(corio::net::socket& peer, int warm, int measured) {
    std::byte message[64];
    for (std::size_t i = 0; i < sizeof message; ++i) message[i] = std::byte(i);
    std::byte answer[64];
    std::size_t before = corio_test::allocations;
    for (int i = 0; i < warm + measured; ++i) {
        if (i == warm) before = corio_test::allocations;
        EXPECT_EQ(co_await peer.send(std::span<const std::byte>(message)), sizeof message);
        std::size_t got = 0;
        while (got < sizeof answer) {
            const std::size_t n = co_await peer.recv(std::span(answer).subspan(got));
            if (n == 0) break;
            got += n;
        }
        EXPECT_EQ(got, sizeof answer);
        EXPECT_EQ(std::memcmp(answer, message, sizeof message), 0);
    }
    co_return corio_test::allocations - before;
}

TEST_P(EchoAllocation, AnEchoAllocatesNothingPerMessage) {
    constexpr int measured = 500;
    std::size_t allocated = 0;
    auto main = [](std::size_t& allocated) -> task<void> {
        auto s = co_await streams_over_pair();
        auto server = corio::create_task(echo(std::move(s.reader), std::move(s.writer)));
        allocated = co_await allocations_of(s.peer, 200, measured);
        s.peer.close();
        co_await server;
    };
    run(corio_test::bounded(main(allocated)));
    if (corio::detail::frame_pool_enabled() || GetParam() == corio::io_backend_kind::epoll) {
        EXPECT_EQ(allocated, 0u);
    } else {
        // A sanitizer's build has no frame pool: on io_uring each message's queue node and its
        // send (pooled objects, served by the pool in other builds) are allocated.
        EXPECT_LE(allocated, 2u * measured);
    }
}

}  // namespace
