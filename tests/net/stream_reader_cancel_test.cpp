// net::stream_reader on both backends: every read over many small segments, the limit, end of
// file, errors, and cancellation of each read mid-way losing no byte.
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <corio/core.hpp>
#include <corio/net.hpp>

#include "backend_param.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio_test::bytes;
using corio_test::send_bytewise;
using corio_test::streams_over_pair;
using namespace std::chrono_literals;

class StreamReaderCancel : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(StreamReaderCancel);

// ---- cancellation: no read loses a byte ------------------------------------------------------

TEST_P(StreamReaderCancel, ACancelledReadlineKeepsThePartialLine) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        auto reading = corio::spawn(
            [](corio::net::stream_reader& r) -> task<std::string> {
                co_return co_await r.readline();
            },
            std::ref(s.reader));
        co_await send_bytewise(s.peer, "par");
        co_await corio::sleep(1ms);  // it received "par" and waits for the rest
        reading.cancel();
        EXPECT_THROW(co_await reading, corio::cancelled_error);
        co_await s.peer.send_all(bytes("tial\n"));
        EXPECT_EQ(co_await s.reader.readline(), "partial\n");
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReaderCancel, ACancelledReadexactlyReaduntilAndReadKeepEveryByte) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        // readexactly
        auto exactly = corio::spawn(
            [](corio::net::stream_reader& r) -> task<std::string> {
                co_return co_await r.readexactly(10);
            },
            std::ref(s.reader));
        co_await send_bytewise(s.peer, "0123");
        co_await corio::sleep(1ms);
        exactly.cancel();
        EXPECT_THROW(co_await exactly, corio::cancelled_error);
        co_await s.peer.send_all(bytes("456789"));
        EXPECT_EQ(co_await s.reader.readexactly(10), "0123456789");
        // readuntil
        auto until = corio::spawn(
            [](corio::net::stream_reader& r) -> task<std::string> {
                co_return co_await r.readuntil("--");
            },
            std::ref(s.reader));
        co_await send_bytewise(s.peer, "abc-");
        co_await corio::sleep(1ms);
        until.cancel();
        EXPECT_THROW(co_await until, corio::cancelled_error);
        co_await s.peer.send_all(bytes("-def"));
        EXPECT_EQ(co_await s.reader.readuntil("--"), "abc--");
        // read(n), waiting with nothing buffered but "def"... first take that
        EXPECT_EQ(co_await s.reader.read(3), "def");
        auto some = corio::spawn(
            [](corio::net::stream_reader& r) -> task<std::string> {
                co_return co_await r.read(100);
            },
            std::ref(s.reader));
        co_await corio::sleep(1ms);
        some.cancel();
        EXPECT_THROW(co_await some, corio::cancelled_error);
        // read() to end of file
        auto all = corio::spawn(
            [](corio::net::stream_reader& r) -> task<std::string> { co_return co_await r.read(); },
            std::ref(s.reader));
        co_await send_bytewise(s.peer, "before the cancel, ");
        co_await corio::sleep(1ms);
        all.cancel();
        EXPECT_THROW(co_await all, corio::cancelled_error);
        co_await s.peer.send_all(bytes("and after it"));
        s.peer.close();
        EXPECT_EQ(co_await s.reader.read(), "before the cancel, and after it");
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReaderCancel, BytesThatArriveAsTheReadIsCancelledAreKept) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        auto reading = corio::spawn(
            [](corio::net::stream_reader& r) -> task<std::string> {
                co_return co_await r.readline();
            },
            std::ref(s.reader));
        co_await corio::sleep(1ms);  // waiting in its receive
        co_await s.peer.send_all(bytes("late"));
        // The next poll completes the receive and schedules the reader behind this task, which
        // cancels it before it runs: the receive's bytes are in, the cancellation follows.
        co_await corio::yield_now();
        reading.cancel();
        EXPECT_THROW(co_await reading, corio::cancelled_error);
        co_await s.peer.send_all(bytes(" line\n"));
        EXPECT_EQ(co_await s.reader.readline(), "late line\n");
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReaderCancel, ReadsCancelledAtRandomMomentsLoseNothing) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair(/*limit=*/1 << 20);
        const std::string sent = corio_test::pattern(200'000, 3);
        // The peer sends in random segments with pauses; the reader alternates read kinds under
        // tiny timeouts, so that many reads are cancelled in every phase.
        auto peer = corio::spawn(
            [](corio::net::socket& p, std::string d) -> task<void> {
                std::mt19937 rng(42);
                std::size_t at = 0;
                while (at < d.size()) {
                    const std::size_t n = std::min<std::size_t>(d.size() - at, 1 + rng() % 3000);
                    co_await p.send_all(bytes(std::string_view(d).substr(at, n)));
                    at += n;
                    if (rng() % 4 == 0)
                        co_await corio::sleep(std::chrono::microseconds(rng() % 300));
                }
                p.close();
            },
            std::move(s.peer), sent);
        std::mt19937 rng(7);
        std::string got;
        int cancelled = 0;
        while (!s.reader.at_eof()) {
            const auto limit = std::chrono::microseconds(rng() % 200);
            try {
                switch (rng() % 4) {
                    case 0:
                        got +=
                            co_await corio::wait_for(s.reader.readexactly(1 + rng() % 5000), limit);
                        break;
                    case 1:
                        got += co_await corio::wait_for(
                            s.reader.readuntil(std::string(1, sent[rng() % 100])), limit);
                        break;
                    case 2:
                        got += co_await corio::wait_for(s.reader.read(1 + rng() % 7000), limit);
                        break;
                    default:
                        got += co_await corio::wait_for(s.reader.readline(), limit);
                        break;
                }
            } catch (const corio::timeout_error&) {
                ++cancelled;
            } catch (const corio::incomplete_read_error& e) {
                got += e.partial();  // at the end: the tail, taken off into the error
            }
        }
        EXPECT_EQ(got.size(), sent.size());
        EXPECT_TRUE(got == sent) << "bytes lost, repeated or reordered";
        EXPECT_GT(cancelled, 0);
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

}  // namespace
