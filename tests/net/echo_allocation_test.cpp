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

#include "../../src/net/recycled_strings.hpp"
#include "../core/count_allocations.hpp"
#include "backend_param.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio_test::streams_over_pair;

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
/// Each sends a message of `size` bytes (64: too long to live inside a string) from the raw
/// peer, whose send and recv allocate nothing themselves, and checks the echo. In one coroutine:
/// a child task would be a frame per round trip.
task<std::size_t> allocations_of(corio::net::socket& peer, int warm, int measured,
                                 std::size_t size) {
    std::string message(size, '\0');
    for (std::size_t i = 0; i < size; ++i) message[i] = static_cast<char>(i * 7);
    std::string answer(size, '\0');
    std::size_t before = corio_test::allocations;
    for (int i = 0; i < warm + measured; ++i) {
        if (i == warm) before = corio_test::allocations;
        for (std::size_t sent = 0; sent < size;) {
            sent += co_await peer.send(std::as_bytes(std::span(message)).subspan(sent));
        }
        std::size_t got = 0;
        while (got < size) {
            auto rest = std::as_writable_bytes(std::span(answer)).subspan(got);
            const std::size_t n = co_await peer.recv(rest);
            if (n == 0) break;
            got += n;
        }
        EXPECT_EQ(got, size);
        EXPECT_TRUE(answer == message);
    }
    co_return corio_test::allocations - before;
}

class EchoAllocation : public corio_test::on_each_backend {
protected:
    /// An echo of `measured` messages of `size` bytes after warming up: what it allocated.
    std::size_t echo_allocations(int measured, std::size_t size) {
        std::size_t allocated = 0;
        auto main = [](std::size_t& allocated, int measured, std::size_t size) -> task<void> {
            auto s = co_await streams_over_pair();
            auto server = corio::create_task(echo(std::move(s.reader), std::move(s.writer)));
            allocated = co_await allocations_of(s.peer, 200, measured, size);
            s.peer.close();
            co_await server;
        };
        run(corio_test::bounded(main(allocated, measured, size)));
        return allocated;
    }
    /// None per message. A sanitizer's build has no frame pool: on io_uring each message's
    /// queue node and its send (pooled objects, served by the pool in other builds) are
    /// allocated.
    void expect_none_per_message(std::size_t allocated, int measured) const {
        if (corio::detail::frame_pool_enabled() || GetParam() == corio::io_backend_kind::epoll) {
            EXPECT_EQ(allocated, 0u);
        } else {
            EXPECT_LE(allocated, 2u * measured);
        }
    }
};
CORIO_ON_EACH_BACKEND(EchoAllocation);

TEST_P(EchoAllocation, AnEchoAllocatesNothingPerMessage) {
    constexpr int measured = 500;
    expect_none_per_message(echo_allocations(measured, 64), measured);
}

TEST_P(EchoAllocation, MessagesOfANewSizeAllocateNothingOnceWarm) {
    // The thread's spent strings all of another size (many 64-byte messages in flight at once,
    // say): 4 KiB messages take their places, not a new string each.
    corio::detail::recycled_strings::clear();
    for (std::size_t i = 0; i < corio::detail::recycled_strings::max_count; ++i) {
        corio::detail::recycled_strings::give(std::string(64, 'x'));
    }
    constexpr int measured = 300;
    expect_none_per_message(echo_allocations(measured, 4096), measured);
    corio::detail::recycled_strings::clear();
}

}  // namespace
