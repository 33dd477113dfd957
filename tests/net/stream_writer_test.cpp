// net::stream_writer on both backends: writes that never block, drain's backpressure with a slow
// reader, several drainers, cancelled drains, large writes with concurrent writers, half-close,
// close and abort, and a peer's reset raised as a typed error without ending the process.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/net.hpp>

#include "backend_param.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio::net::socket;
using corio::net::stream_writer;
using corio_test::bytes;
using corio_test::streams_over_pair;
using namespace std::chrono_literals;

class StreamWriter : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(StreamWriter);

/// Receives until end of file, `chunk` bytes at a time, pausing `pause` between receives.
task<std::string> read_all(socket& s, std::size_t chunk = 64 * 1024,
                           corio::duration pause = corio::duration::zero()) {
    std::string out;
    std::string buf(chunk, '\0');
    for (;;) {
        const std::size_t n = co_await s.recv(std::as_writable_bytes(std::span(buf)));
        if (n == 0) break;
        out.append(buf, 0, n);
        if (pause > corio::duration::zero()) co_await corio::sleep(pause);
    }
    co_return out;
}

/// Receives exactly `n` bytes.
task<std::string> read_n(socket& s, std::size_t n) {
    std::string out(n, '\0');
    std::size_t at = 0;
    while (at < n) {
        const std::size_t got = co_await s.recv(std::as_writable_bytes(std::span(out).subspan(at)));
        if (got == 0) break;
        at += got;
    }
    out.resize(at);
    co_return out;
}

/// Small socket buffers: backpressure shows after kilobytes, not megabytes.
void shrink_buffers(socket& writer_side, socket& reader_side) {
    const int size = 4096;
    ::setsockopt(writer_side.fd(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(reader_side.fd(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

TEST_P(StreamWriter, WriteSendsAtOnceOrWithTheNextPollAndDrainReturnsAtOnce) {
    // epoll: a write sends at once, as asyncio's does. io_uring: the bytes are queued and go to
    // the kernel with the loop's next poll, batched with every other submission.
    auto main = [](bool batched) -> task<void> {
        auto s = co_await streams_over_pair();
        s.writer.write("hello, ");
        s.writer.write(std::string("corio"));
        s.writer.write(std::string_view(" and"));
        s.writer.write(bytes(" bytes"));
        EXPECT_EQ(s.writer.get_write_buffer_size(), batched ? 22u : 0u);
        while (s.writer.get_write_buffer_size() != 0) co_await corio::yield_now();
        co_await s.writer.drain();
        s.writer.writelines(std::vector<std::string>{" one", " two"});
        s.writer.writelines(std::initializer_list<std::string_view>{" three"});
        s.writer.close();
        EXPECT_EQ(co_await read_all(s.peer), "hello, corio and bytes one two three");
    };
    run(corio_test::bounded(main(GetParam() == corio::io_backend_kind::io_uring)));
}

TEST_P(StreamWriter, WriteBufferLimitsFollowAsyncio) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        using limits = std::pair<std::size_t, std::size_t>;
        EXPECT_EQ(s.writer.get_write_buffer_limits(), limits(16 * 1024, 64 * 1024));
        s.writer.set_write_buffer_limits(1000);
        EXPECT_EQ(s.writer.get_write_buffer_limits(), limits(250, 1000));
        s.writer.set_write_buffer_limits(std::nullopt, 100);
        EXPECT_EQ(s.writer.get_write_buffer_limits(), limits(100, 400));
        s.writer.set_write_buffer_limits(10, 10);
        EXPECT_THROW(s.writer.set_write_buffer_limits(10, 11), std::invalid_argument);
        EXPECT_EQ(s.writer.get_write_buffer_limits(), limits(10, 10));  // refused: unchanged
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, DrainWaitsAboveTheHighMarkUntilTheLowMark) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        shrink_buffers(s.writer.socket(), s.peer);
        s.writer.set_write_buffer_limits(64 * 1024, 16 * 1024);
        const std::string data = corio_test::pattern(1 << 20);
        s.writer.write(data);
        EXPECT_GT(s.writer.get_write_buffer_size(), 64u * 1024);
        auto draining = corio::spawn(
            [](stream_writer& w) -> task<std::size_t> {
                co_await w.drain();
                co_return w.get_write_buffer_size();  // what was queued when drain returned
            },
            std::ref(s.writer));
        co_await corio::sleep(5ms);
        EXPECT_FALSE(draining.done()) << "nobody reads: drain must wait";
        // A slow reader: small receives with pauses.
        auto reader = corio::spawn(
            [](socket& p, std::size_t n) -> task<std::string> {
                std::string got;
                std::string buf(8192, '\0');
                while (got.size() < n) {
                    const std::size_t k = co_await p.recv(std::as_writable_bytes(std::span(buf)));
                    if (k == 0) break;
                    got.append(buf, 0, k);
                    co_await corio::sleep(50us);
                }
                co_return got;
            },
            std::ref(s.peer), data.size());
        const std::size_t queued_at_return = co_await draining;
        EXPECT_LE(queued_at_return, 16u * 1024) << "drain returned above the low-water mark";
        EXPECT_EQ(co_await reader, data);
        EXPECT_EQ(s.writer.get_write_buffer_size(), 0u);
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, SeveralTasksDrainAtOnce) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        shrink_buffers(s.writer.socket(), s.peer);
        const std::string data = corio_test::pattern(512 * 1024);
        s.writer.write(data);
        std::vector<corio::task_handle<void>> drainers;
        for (int i = 0; i < 3; ++i) {
            drainers.push_back(corio::spawn(
                [](stream_writer& w) -> task<void> { co_await w.drain(); }, std::ref(s.writer)));
        }
        // drain() is awaited in place; it converts to a task<void> for create_task, and spawn
        // takes it as it is.
        drainers.push_back(corio::create_task(corio::task<void>(s.writer.drain())));
        drainers.push_back(corio::spawn([](stream_writer* w) { return w->drain(); }, &s.writer));
        co_await corio::sleep(2ms);
        for (auto& d : drainers) EXPECT_FALSE(d.done());
        EXPECT_EQ(co_await read_n(s.peer, data.size()), data);
        for (auto& d : drainers) co_await d;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, ACancelledDrainLeavesTheDataGoingOut) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        shrink_buffers(s.writer.socket(), s.peer);
        const std::string data = corio_test::pattern(1 << 20, 5);
        s.writer.write(data);
        EXPECT_THROW(co_await corio::wait_for(s.writer.drain(), 2ms), corio::timeout_error);
        EXPECT_GT(s.writer.get_write_buffer_size(), 0u);
        // Nobody drains any more: the transport sends the rest by itself.
        s.writer.close();
        EXPECT_EQ(co_await read_all(s.peer, 4096), data);
        co_await s.writer.wait_closed();
    };
    run(corio_test::bounded(main()));
}

/// A record: a 4-byte tag, a 4-byte length, then pattern(length, tag).
std::string record(std::uint32_t tag, std::uint32_t size) {
    std::string r(8, '\0');
    std::memcpy(r.data(), &tag, 4);
    std::memcpy(r.data() + 4, &size, 4);
    return r + corio_test::pattern(size, tag);
}

TEST_P(StreamWriter, A64MiBWriteAndConcurrentWritersArriveWholeAndUninterleaved) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        constexpr std::uint32_t big = 64u << 20;
        // The receiver: a slow reader that checks every record as it comes.
        auto checker = corio::spawn(
            [](socket& p) -> task<int> {
                int records = 0;
                for (;;) {
                    std::string header = co_await read_n(p, 8);
                    if (header.empty()) co_return records;
                    std::uint32_t tag = 0;
                    std::uint32_t size = 0;
                    std::memcpy(&tag, header.data(), 4);
                    std::memcpy(&size, header.data() + 4, 4);
                    std::string body;
                    while (body.size() < size) {
                        body +=
                            co_await read_n(p, std::min<std::size_t>(size - body.size(), 16384));
                        co_await corio::yield_now();
                    }
                    EXPECT_TRUE(body == corio_test::pattern(size, tag))
                        << "record " << tag << " arrived damaged or interleaved";
                    ++records;
                }
            },
            std::ref(s.peer));
        // Writers: one 64 MiB write, and four tasks writing 1 MiB records meanwhile.
        s.writer.write(record(1000, big));
        co_await corio::task_group::run([&](corio::task_group& g) -> task<void> {
            for (std::uint32_t t = 0; t < 4; ++t) {
                g.spawn(
                    [](stream_writer& w, std::uint32_t t) -> task<void> {
                        for (std::uint32_t i = 0; i < 8; ++i) {
                            w.write(record(t * 100 + i, (1u << 20) + t * 7 + i));
                            co_await w.drain();
                        }
                    },
                    std::ref(s.writer), t);
            }
            co_return;
        });
        co_await s.writer.drain();
        s.writer.close();
        co_await s.writer.wait_closed();
        EXPECT_EQ(co_await checker, 1 + 4 * 8);
    };
    run(corio_test::bounded(main()));
}

task<std::pair<corio::net::stream_pair, socket>> tcp_streams() {
    socket listener = corio::net::tcp_listen(corio::net::address::loopback_ipv4(0));
    auto accepting = corio::spawn([](socket& l) -> task<socket> { co_return co_await l.accept(); },
                                  std::ref(listener));
    auto streams = co_await corio::net::open_connection(listener.local_address());
    socket server_side = co_await accepting;
    co_return std::pair<corio::net::stream_pair, socket>(std::move(streams),
                                                         std::move(server_side));
}

TEST_P(StreamWriter, APeerResetIsRaisedAsATypedErrorAndTheProcessLives) {
    auto main = []() -> task<void> {
        auto [streams, server_side] = co_await tcp_streams();
        auto& [reader, writer] = streams;
        corio_test::close_with_reset(server_side);
        const std::string chunk(64 * 1024, 'r');
        bool raised = false;
        try {
            // The first writes may still go out; the reset comes back and ends the connection.
            for (int i = 0; i < 1000; ++i) {
                writer.write(chunk);
                co_await writer.drain();
                co_await corio::sleep(1ms);
            }
        } catch (const corio::connection_error& e) {
            raised = e.code().value() == ECONNRESET || e.code().value() == EPIPE;
        }
        EXPECT_TRUE(raised);
        EXPECT_TRUE(writer.is_closing());
        // Kept: every later write and drain raises it again, as does wait_closed.
        EXPECT_THROW(writer.write("more"), corio::connection_error);
        EXPECT_THROW(co_await writer.drain(), corio::connection_error);
        EXPECT_THROW(co_await writer.wait_closed(), corio::connection_error);
        EXPECT_THROW(co_await reader.read(), corio::connection_error);
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, HalfCloseLetsThePeerAnswerInFull) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        EXPECT_TRUE(s.writer.can_write_eof());
        const std::string answer = corio_test::pattern(3 << 20, 9);
        auto peer = corio::spawn(
            [](socket& p, std::string a) -> task<void> {
                std::string question = co_await read_all(p);
                EXPECT_EQ(question, "question");
                co_await p.send_all(bytes(a));
                p.close();
            },
            std::move(s.peer), answer);
        s.writer.write("question");
        s.writer.write_eof();
        s.writer.write_eof();  // again: nothing
        EXPECT_THROW(s.writer.write("late"), corio::invalid_state_error);
        EXPECT_FALSE(s.writer.is_closing());
        EXPECT_EQ(co_await s.reader.read(), answer);
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, WriteEofWaitsForTheQueue) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        shrink_buffers(s.writer.socket(), s.peer);
        const std::string data = corio_test::pattern(1 << 20, 11);
        s.writer.write(data);
        s.writer.write_eof();  // the FIN goes after the queue
        EXPECT_EQ(co_await read_all(s.peer, 4096), data);
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, CloseFlushesThenClosesAndWaitClosedWaitsForIt) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        shrink_buffers(s.writer.socket(), s.peer);
        const std::string data = corio_test::pattern(1 << 20, 13);
        s.writer.write(data);
        s.writer.close();
        s.writer.close();  // idempotent
        EXPECT_TRUE(s.writer.is_closing());
        EXPECT_THROW(s.writer.write("x"), corio::invalid_state_error);
        auto waiting = corio::spawn(
            [](stream_writer& w) -> task<void> { co_await w.wait_closed(); }, std::ref(s.writer));
        co_await corio::sleep(2ms);
        EXPECT_FALSE(waiting.done()) << "the queue is not sent yet";
        EXPECT_EQ(co_await read_all(s.peer, 4096), data);
        co_await waiting;
        EXPECT_FALSE(s.writer.socket().is_open());
        // asyncio: drain after the connection is lost raises ConnectionResetError.
        EXPECT_THROW(co_await s.writer.drain(), corio::connection_reset_error);
        EXPECT_TRUE(s.reader.at_eof());
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, AbortDropsTheQueueAndClosesNow) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        shrink_buffers(s.writer.socket(), s.peer);
        s.writer.write(corio_test::pattern(1 << 20));
        EXPECT_GT(s.writer.get_write_buffer_size(), 0u);
        s.writer.abort();
        EXPECT_EQ(s.writer.get_write_buffer_size(), 0u);
        EXPECT_TRUE(s.writer.is_closing());
        co_await s.writer.wait_closed();
        const std::string got = co_await read_all(s.peer, 4096);
        EXPECT_LT(got.size(), std::size_t{1} << 20);
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, DroppingBothHalvesClosesAfterTheQueue) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        shrink_buffers(s.writer.socket(), s.peer);
        const std::string data = corio_test::pattern(1 << 20, 17);
        s.writer.write(data);
        {
            corio::net::stream_writer w = std::move(s.writer);
            corio::net::stream_reader r = std::move(s.reader);
        }
        EXPECT_EQ(co_await read_all(s.peer, 4096), data);  // then end of file
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, HundredsOfChunksOfMixedSizesArriveInOrder) {
    // More chunks than one sendmsg takes, small ones (coalesced, or moved in whole) between
    // large ones, all queued behind a send the peer's full window holds up.
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        shrink_buffers(s.writer.socket(), s.peer);
        std::string expected;
        for (std::uint32_t i = 0; i < 300; ++i) {
            const std::size_t size = i % 3 == 0 ? 5000 + i : 1 + (i * 37) % 900;
            std::string chunk = corio_test::pattern(size, i);
            expected += chunk;
            if (i % 2 == 0) {
                s.writer.write(std::move(chunk));
            } else {
                s.writer.write(std::string_view(chunk));
            }
        }
        EXPECT_GT(s.writer.get_write_buffer_size(), 0u);
        s.writer.close();
        EXPECT_EQ(co_await read_all(s.peer, 4096), expected);
        co_await s.writer.wait_closed();
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, AddressesAndTheSocket) {
    auto main = []() -> task<void> {
        auto [streams, server_side] = co_await tcp_streams();
        stream_writer& w = streams.writer;
        EXPECT_EQ(w.peername(), server_side.local_address());
        EXPECT_EQ(w.sockname(), server_side.peer_address());
        EXPECT_EQ(w.get_extra_info("peername"), w.peername());
        EXPECT_EQ(w.get_extra_info("sockname"), w.sockname());
        EXPECT_FALSE(w.get_extra_info("socket").has_value());
        EXPECT_TRUE(w.socket().is_open());
        w.close();
        EXPECT_TRUE(w.peername().has_value());  // still known once closed
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamWriter, AnEmptyWriterThrows) {
    stream_writer empty;
    EXPECT_FALSE(empty.valid());
    EXPECT_THROW(empty.write("x"), corio::invalid_state_error);
    EXPECT_THROW(static_cast<void>(empty.drain()), corio::invalid_state_error);
    EXPECT_THROW(empty.close(), corio::invalid_state_error);
}

}  // namespace
