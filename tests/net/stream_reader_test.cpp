// net::stream_reader on both backends: every read over many small segments, the limit, end of
// file, errors, and which task may read (cancellation: stream_reader_cancel_test.cpp).
#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
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

class StreamReader : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(StreamReader);

TEST_P(StreamReader, ReadReturnsWhatIsBufferedUpToN) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        EXPECT_EQ(co_await s.reader.read(0), "");  // at once, even with nothing buffered
        co_await s.peer.send_all(bytes("hello world"));
        EXPECT_EQ(co_await s.reader.read(5), "hello");
        EXPECT_EQ(co_await s.reader.read(100), " world");
        EXPECT_FALSE(s.reader.at_eof());
        s.peer.close();
        EXPECT_EQ(co_await s.reader.read(10), "");
        EXPECT_TRUE(s.reader.at_eof());
        EXPECT_EQ(co_await s.reader.read(10), "");
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ReadToEndOfFileGathersEverySegment) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        const std::string sent = "many small segments, then the end";
        auto peer = corio::spawn(
            [](corio::net::socket& p, std::string d) -> task<void> {
                co_await send_bytewise(p, d);
                p.close();
            },
            std::move(s.peer), sent);
        EXPECT_EQ(co_await s.reader.read(), sent);
        EXPECT_TRUE(s.reader.at_eof());
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ArbitraryBytesIncludingZerosRoundTrip) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        const std::string sent = corio_test::pattern(100'000, 7) + std::string(3, '\0');
        auto peer = corio::spawn(
            [](corio::net::socket& p, std::string d) -> task<void> {
                co_await p.send_all(bytes(d));
                p.close();
            },
            std::move(s.peer), sent);
        EXPECT_EQ(co_await s.reader.read(), sent);
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ReadexactlyAcrossSegmentsAndIncompleteAtEndOfFile) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        auto peer = corio::spawn(
            [](corio::net::socket& p) -> task<void> {
                co_await send_bytewise(p, "0123456789abc");
                p.close();
            },
            std::move(s.peer));
        EXPECT_EQ(co_await s.reader.readexactly(0), "");
        EXPECT_EQ(co_await s.reader.readexactly(4), "0123");
        EXPECT_EQ(co_await s.reader.readexactly(6), "456789");
        try {
            co_await s.reader.readexactly(5);
            ADD_FAILURE() << "the stream ended after 3 bytes";
        } catch (const corio::incomplete_read_error& e) {
            EXPECT_EQ(e.partial(), "abc");
            EXPECT_EQ(e.expected(), std::optional<std::size_t>(5));
        }
        EXPECT_TRUE(s.reader.at_eof());  // the partial bytes were taken into the error
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ReadlineAcrossSegmentsThenTheLastLineWithoutNewline) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        auto peer = corio::spawn(
            [](corio::net::socket& p) -> task<void> {
                co_await send_bytewise(p, "first\nsecond line\n\nlast");
                p.close();
            },
            std::move(s.peer));
        EXPECT_EQ(co_await s.reader.readline(), "first\n");
        EXPECT_EQ(co_await s.reader.readline(), "second line\n");
        EXPECT_EQ(co_await s.reader.readline(), "\n");
        EXPECT_EQ(co_await s.reader.readline(), "last");
        EXPECT_EQ(co_await s.reader.readline(), "");
        EXPECT_TRUE(s.reader.at_eof());
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ReaduntilFindsASeparatorSplitAcrossSegments) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        auto peer = corio::spawn(
            [](corio::net::socket& p) -> task<void> {
                co_await send_bytewise(p, "GET / HTTP/1.1\r\nHost: x\r\n\r\nbody-without-end");
                p.close();
            },
            std::move(s.peer));
        EXPECT_EQ(co_await s.reader.readuntil("\r\n"), "GET / HTTP/1.1\r\n");
        EXPECT_EQ(co_await s.reader.readuntil("\r\n\r\n"), "Host: x\r\n\r\n");
        try {
            co_await s.reader.readuntil("\r\n");
            ADD_FAILURE() << "no separator before the end";
        } catch (const corio::incomplete_read_error& e) {
            EXPECT_EQ(e.partial(), "body-without-end");
            EXPECT_FALSE(e.expected().has_value());
        }
        EXPECT_TRUE(s.reader.at_eof());
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ReaduntilRejectsAnEmptySeparatorAndDefaultsToNewline) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        EXPECT_THROW(co_await s.reader.readuntil(""), std::invalid_argument);
        co_await s.peer.send_all(bytes("default\n"));
        EXPECT_EQ(co_await s.reader.readuntil(), "default\n");  // '\n', as asyncio
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ReaduntilOverTheLimitKeepsTheData) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair(/*limit=*/16);
        EXPECT_EQ(s.reader.limit(), 16u);
        const std::string long_line = std::string(40, 'x') + "\nrest\n";
        auto peer = corio::spawn([](corio::net::socket& p,
                                    std::string d) -> task<void> { co_await send_bytewise(p, d); },
                                 std::move(s.peer), long_line);
        try {
            co_await s.reader.readuntil("\n");
            ADD_FAILURE() << "the separator is beyond the limit";
        } catch (const corio::limit_overrun_error& e) {
            // asyncio's consumed: buflen + 1 - seplen with limit + seplen bytes buffered.
            EXPECT_EQ(e.consumed(), 17u);
        }
        // Nothing was consumed: the bytes read back in order.
        EXPECT_EQ(co_await s.reader.readexactly(40), std::string(40, 'x'));
        EXPECT_EQ(co_await s.reader.readuntil("\n"), "\n");
        EXPECT_EQ(co_await s.reader.readline(), "rest\n");
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ASeparatorFoundBeyondTheLimitIsAnOverrunToo) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair(/*limit=*/8);
        co_await s.peer.send_all(bytes("_0123456789\nnext\n"));
        // All of it is buffered by this read (one receive of a socketpair's queued bytes).
        EXPECT_EQ(co_await s.reader.read(1), "_");
        try {
            co_await s.reader.readuntil("\n");
            ADD_FAILURE() << "the separator is at 10, beyond the limit of 8";
        } catch (const corio::limit_overrun_error& e) {
            EXPECT_EQ(e.consumed(), 10u);
            EXPECT_STREQ(e.what(), "Separator is found, but chunk is longer than limit");
        }
        // readline drops the over-long line up to its separator, as asyncio does.
        EXPECT_THROW(co_await s.reader.readline(), corio::limit_overrun_error);
        EXPECT_EQ(co_await s.reader.readline(), "next\n");
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ReadlineOverTheLimitDropsWhatItBuffered) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair(/*limit=*/8);
        auto peer = corio::spawn(
            [](corio::net::socket& p) -> task<void> {
                co_await send_bytewise(p, "0123456789\nnext\n");
            },
            std::move(s.peer));
        // The reader never buffers more than limit + 1 bytes looking for a line: those 9 go.
        EXPECT_THROW(co_await s.reader.readline(), corio::limit_overrun_error);
        EXPECT_EQ(co_await s.reader.readline(), "9\n");
        EXPECT_EQ(co_await s.reader.readline(), "next\n");
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, LimitMustBePositive) {
    auto main = []() -> task<void> {
        auto [a, b] = corio::net::socket::pair();
        EXPECT_THROW(co_await corio::net::open_connection(std::move(a), 0), std::invalid_argument);
        auto s = co_await streams_over_pair();
        EXPECT_EQ(s.reader.limit(), corio::net::default_stream_limit);
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, OnlyOneTaskMayWaitForData) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        auto first = corio::spawn(
            [](corio::net::stream_reader& r) -> task<std::string> {
                co_return co_await r.readline();
            },
            std::ref(s.reader));
        co_await corio::sleep(1ms);  // first waits in its receive
        EXPECT_THROW(co_await s.reader.readline(), corio::invalid_state_error);
        EXPECT_THROW(co_await s.reader.read(3), corio::invalid_state_error);
        co_await s.peer.send_all(bytes("for the first\n"));
        EXPECT_EQ(co_await first, "for the first\n");
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, BytesThatWokeAWaitingReadAreNotTakenFromUnderIt) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        auto first = corio::spawn(
            [](corio::net::stream_reader& r) -> task<std::string> {
                co_return co_await r.read(10);
            },
            std::ref(s.reader));
        co_await corio::sleep(1ms);  // first waits for data
        // Sent without suspending (a send_all may wait for its completion, and the first read
        // run meanwhile): the next poll receives the bytes and wakes the first read, which runs
        // after this task. They are its own: another read now is refused, as one without bytes
        // is.
        EXPECT_EQ(::send(s.peer.fd(), "abc", 3, MSG_NOSIGNAL), 3);
        co_await corio::yield_now();
        EXPECT_THROW(co_await s.reader.read(3), corio::invalid_state_error);
        EXPECT_THROW(co_await s.reader.readexactly(1), corio::invalid_state_error);
        EXPECT_EQ(co_await first, "abc");
        // Then reads take turns again.
        co_await s.peer.send_all(bytes("de"));
        EXPECT_EQ(co_await s.reader.read(10), "de");
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, ReadIsATaskWhereATaskIsWanted) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        // read(n) waits in the awaiting frame; it converts to a task<std::string> for
        // create_task, and wait_for and spawn take it as it is.
        corio::task_handle<std::string> reading =
            corio::create_task(corio::task<std::string>(s.reader.read(4)));
        co_await corio::sleep(1ms);
        EXPECT_FALSE(reading.done());
        co_await s.peer.send_all(bytes("wxyz!"));
        EXPECT_EQ(co_await reading, "wxyz");
        EXPECT_EQ(co_await corio::wait_for(s.reader.read(4), 1s), "!");
        auto spawned =
            corio::spawn([](corio::net::stream_reader* r) { return r->read(2); }, &s.reader);
        co_await s.peer.send_all(bytes("ok"));
        EXPECT_EQ(co_await spawned, "ok");
        EXPECT_EQ(co_await s.reader.read(0), "");
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, TheWriterClosingEndsAWaitingReadWithEndOfFile) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        co_await s.peer.send_all(bytes("partial"));
        auto reading = corio::spawn(
            [](corio::net::stream_reader& r) -> task<std::string> {
                co_return co_await r.readline();
            },
            std::ref(s.reader));
        co_await corio::sleep(1ms);
        s.writer.close();
        EXPECT_EQ(co_await reading, "partial");  // asyncio: connection_lost feeds end of file
        EXPECT_TRUE(s.reader.at_eof());
    };
    run(corio_test::bounded(main()));
}

/// Chunks of every size, some arriving while part of the last is still buffered, read with every
/// kind of read: what the reads return, put together, is the stream (the buffer's storage is
/// taken whole, copied from, compacted and grown on the way).
TEST_P(StreamReader, EveryKindOfReadOverChunksOfEverySizeKeepsTheStream) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        std::mt19937 random(7);
        std::string sent;
        while (sent.size() < (1u << 20)) {
            // Lines of up to 2,000 bytes: readline never meets the limit.
            const char c = static_cast<char>('a' + random() % 26);
            sent += random() % 2000 == 0 ? '\n' : c;
        }
        auto peer = corio::spawn(
            [](corio::net::socket& p, std::string d, unsigned seed) -> task<void> {
                std::mt19937 r(seed);
                for (std::size_t at = 0; at < d.size();) {
                    const std::size_t sizes[] = {1, 17, 600, 4096, 70000};
                    const std::size_t n = std::min(sizes[r() % 5], d.size() - at);
                    co_await p.send_all(bytes(std::string_view(d).substr(at, n)));
                    at += n;
                    if (r() % 3 == 0) co_await corio::sleep(0ms);  // the reader reads some
                }
                p.close();
            },
            std::move(s.peer), sent, 11u);
        std::string got;
        for (;;) {
            std::string part;
            switch (random() % 4) {
                case 0:
                    part = co_await s.reader.read(1 + random() % 100);
                    break;
                case 1:
                    part = co_await s.reader.read(1 << 20);
                    break;
                case 2:
                    part = co_await s.reader.readline();
                    break;
                default: {
                    try {
                        part = co_await s.reader.readexactly(1 + random() % 9000);
                    } catch (const corio::incomplete_read_error& e) {
                        part = e.partial();
                    }
                }
            }
            if (part.empty()) break;
            got += part;
        }
        EXPECT_EQ(got.size(), sent.size());
        EXPECT_TRUE(got == sent);
        co_await peer;
    };
    run(corio_test::bounded(main()));
}

TEST_P(StreamReader, AnEmptyReaderThrows) {
    auto main = []() -> task<void> {
        auto s = co_await streams_over_pair();
        corio::net::stream_reader moved = std::move(s.reader);
        EXPECT_FALSE(s.reader.valid());  // NOLINT(bugprone-use-after-move): the point
        EXPECT_TRUE(moved.valid());
        EXPECT_THROW(static_cast<void>(s.reader.read(1)), corio::invalid_state_error);
        EXPECT_THROW(static_cast<void>(s.reader.at_eof()), corio::invalid_state_error);
    };
    run(corio_test::bounded(main()));
}

}  // namespace
