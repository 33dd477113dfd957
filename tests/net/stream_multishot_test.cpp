// Stream connections on the multishot receive: io_uring's, into the loop's provided buffers, and
// epoll's emulation, into the backend's scratch buffer; and the same tests on io_uring with it
// turned off (CORIO_URING_DISABLE=multishot_recv: one recv at a time into the reader's buffer).
// Many messages, a reader that stops reading (backpressure: bounded memory, the sender held
// back, nothing lost), a buffer ring smaller than a burst (-ENOBUFS and the receive armed
// again), closing with the receive armed, cancelling a reader mid-stream.
#include <cerrno>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net.hpp>

#include "../io/uring_env.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio::net::socket;
using corio_test::bytes;
using corio_test::pattern;
using namespace std::chrono_literals;

/// Each test runs on: io_uring with multishot receive, io_uring without it, epoll (whose
/// multishot receive is emulated).
enum class setup { multishot, single_uring, epoll };

class StreamMultishot : public ::testing::TestWithParam<setup> {
protected:
    void SetUp() override {
        if (GetParam() == setup::single_uring) env_.set("CORIO_URING_DISABLE", "multishot_recv");
        if (GetParam() == setup::epoll) return;
        if (!corio_test::make_uring_loop()) GTEST_SKIP() << "io_uring is refused here";
    }
    /// Small provided buffers (for a burst much larger than all of them): set before `run`.
    /// io_uring's only; elsewhere the test is a plain burst.
    void small_buffer_ring() { env_.set("CORIO_URING_BUFFERS", "4:1024"); }
    template <class T>
    T run(task<T> main) {
        corio::loop_options o;
        o.backend = GetParam() == setup::epoll ? corio::io_backend_kind::epoll
                                               : corio::io_backend_kind::io_uring;
        return corio::run(corio_test::bounded(std::move(main)), o);
    }
    corio_test::scoped_env env_;
};

INSTANTIATE_TEST_SUITE_P(modes, StreamMultishot,
                         ::testing::Values(setup::multishot, setup::single_uring, setup::epoll),
                         [](const ::testing::TestParamInfo<setup>& info) {
                             return info.param == setup::multishot      ? "uring_multishot"
                                    : info.param == setup::single_uring ? "uring_single"
                                                                        : "epoll";
                         });

/// The first offset where `a` and `b` differ (their common length if none).
std::size_t first_difference(const std::string& a, const std::string& b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return i;
}

int open_descriptors() {
    int n = 0;
    for (int fd = 0; fd < 4096; ++fd) {
        if (::fcntl(fd, F_GETFD) >= 0) ++n;
    }
    return n;
}

TEST_P(StreamMultishot, ManyMessagesArriveInOrder) {
    run([]() -> task<void> {
        auto s = co_await corio_test::streams_over_pair();
        const int count = 2000;
        auto writer = corio::create_task([](socket& p) -> task<void> {
            for (int i = 0; i < count; ++i) {
                co_await p.send_all(bytes("line " + std::to_string(i) + "\n"));
            }
        }(s.peer));
        for (int i = 0; i < count; ++i) {
            EXPECT_EQ(co_await s.reader.readline(), "line " + std::to_string(i) + "\n");
        }
        co_await writer;
    }());
}

TEST_P(StreamMultishot, ALargeTransferIsByteExact) {
    run([]() -> task<void> {
        auto s = co_await corio_test::streams_over_pair();
        const std::string data = pattern(3 << 20, 5);
        auto writer = corio::create_task([](socket& p, const std::string& d) -> task<void> {
            co_await p.send_all(bytes(d));
            p.close();
        }(s.peer, data));
        const std::string got = co_await s.reader.read();
        EXPECT_EQ(got.size(), data.size());
        EXPECT_EQ(first_difference(got, data), data.size());
        co_await writer;
    }());
}

TEST_P(StreamMultishot, AReaderThatStopsReadingBoundsTheBufferAndLosesNothing) {
    run([]() -> task<void> {
        const std::size_t limit = 16 * 1024;
        auto s = co_await corio_test::streams_over_pair(limit);
        const std::string data = pattern(2 << 20, 6);
        // The peer sends everything it can; the reader reads a little, then nothing for a while.
        auto writer = corio::create_task([](socket& p, const std::string& d) -> task<void> {
            co_await p.send_all(bytes(d));
            p.close();
        }(s.peer, data));
        std::string got = co_await s.reader.readexactly(100);
        co_await corio::sleep(100ms);  // not reading: data would pile up without backpressure
        // What the connection holds is bounded by the limit plus what came in one batch of
        // completions; the rest waits in the kernel (the writer has not finished).
        EXPECT_FALSE(writer.done());
        got += co_await s.reader.read();
        EXPECT_EQ(got.size(), data.size());
        EXPECT_EQ(first_difference(got, data), data.size());
        co_await writer;
    }());
}

TEST_P(StreamMultishot, WithNobodyReadingTheReceiveStopsAndTheSenderIsHeldBack) {
    run([]() -> task<void> {
        const std::size_t limit = 16 * 1024;
        auto s = co_await corio_test::streams_over_pair(limit);
        co_await s.peer.send_all(bytes("x"));
        EXPECT_EQ(co_await s.reader.read(1), "x");  // the receive is armed from now on
        // The peer sends without waiting while nobody reads, the loop polling between its sends.
        // Were the receive not stopped at `limit`, every poll would empty the socket into the
        // reader's buffer and the sends would go on forever; stopped, the kernel's buffers fill
        // and the sends are refused for good.
        const std::string chunk = pattern(64 * 1024, 9);
        std::string sent;
        int refused_in_a_row = 0;
        while (refused_in_a_row < 100 && sent.size() < (64u << 20)) {
            const ssize_t n =
                ::send(s.peer.fd(), chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                sent.append(chunk, 0, static_cast<std::size_t>(n));
                refused_in_a_row = 0;
            } else {
                EXPECT_EQ(errno, EAGAIN);
                ++refused_in_a_row;
            }
            co_await corio::sleep(std::chrono::microseconds(100));
        }
        EXPECT_EQ(refused_in_a_row, 100);
        EXPECT_LT(sent.size(), std::size_t{8} << 20);
        // The next read arms the receive again, and nothing was lost.
        ::shutdown(s.peer.fd(), SHUT_WR);
        const std::string got = co_await s.reader.read();
        EXPECT_EQ(got.size(), sent.size());
        EXPECT_EQ(first_difference(got, sent), sent.size());
    }());
}

TEST_P(StreamMultishot, ABurstLargerThanTheBufferRingIsReceivedWhole) {
    small_buffer_ring();  // 4 buffers of 1 KiB: the receive runs dry (-ENOBUFS) again and again
    run([]() -> task<void> {
        auto s = co_await corio_test::streams_over_pair();
        const std::string data = pattern(512 * 1024, 7);
        // All of it in the socket before the first read arms the receive.
        auto writer = corio::create_task([](socket& p, const std::string& d) -> task<void> {
            co_await p.send_all(bytes(d));
            p.close();
        }(s.peer, data));
        co_await corio::sleep(10ms);
        const std::string got = co_await s.reader.read();
        EXPECT_EQ(got.size(), data.size());
        EXPECT_EQ(first_difference(got, data), data.size());
        co_await writer;
    }());
}

TEST_P(StreamMultishot, ClosingWithTheReceiveArmedLeavesNothingBehind) {
    const int before = open_descriptors();
    run([]() -> task<void> {
        for (int round = 0; round < 20; ++round) {
            auto s = co_await corio_test::streams_over_pair();
            co_await s.peer.send_all(bytes("partial"));
            // A reader waits in the armed receive; the writer closes the connection under it.
            auto reader = corio::create_task([](corio::net::stream_reader& r) -> task<std::string> {
                std::string first = co_await r.read(100);
                first += co_await r.read();  // ends when the connection closes
                co_return first;
            }(s.reader));
            co_await corio::sleep(1ms);
            s.writer.close();
            co_await s.writer.wait_closed();
            EXPECT_EQ(co_await reader, "partial");
        }
        // And a connection dropped with bytes buffered and the receive armed, no reader.
        auto s = co_await corio_test::streams_over_pair();
        co_await s.peer.send_all(bytes("left over"));
        EXPECT_EQ(co_await s.reader.read(4), "left");
    }());
    EXPECT_EQ(open_descriptors(), before);
}

TEST_P(StreamMultishot, CancellingAReaderMidStreamLosesNoByte) {
    run([]() -> task<void> {
        auto s = co_await corio_test::streams_over_pair();
        const std::string data = pattern(256 * 1024, 8);
        auto writer = corio::create_task([](socket& p, const std::string& d) -> task<void> {
            // Small pieces with pauses: reads are cancelled while bytes are on the way.
            for (std::size_t at = 0; at < d.size(); at += 4000) {
                co_await p.send_all(bytes(std::string_view(d).substr(at, 4000)));
                co_await corio::sleep(std::chrono::microseconds(200));
            }
            p.close();
        }(s.peer, data));
        std::string got;
        int cancelled = 0;
        for (;;) {
            // A read that wants more than will come soon, cut short by a deadline.
            try {
                got += co_await corio::wait_for(s.reader.readexactly(64 * 1024), 1ms);
            } catch (const corio::timeout_error&) {
                ++cancelled;
            } catch (const corio::incomplete_read_error& e) {
                got += e.partial();
                break;
            }
        }
        EXPECT_GT(cancelled, 0);
        EXPECT_EQ(got.size(), data.size());
        EXPECT_EQ(first_difference(got, data), data.size());
        co_await writer;
    }());
}

}  // namespace
