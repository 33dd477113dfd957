// net::connect_read_pipe / connect_write_pipe on both backends, over real pipes (pipe2): the
// reader's algorithms, backpressure against a slow reader, write_eof, a reader gone (EPIPE as a
// typed error, no SIGPIPE), cancelled reads that lose nothing, and closing under a read.
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net.hpp>

#include "backend_param.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio::net::stream_reader;
using corio::net::stream_writer;
using namespace std::chrono_literals;

class Pipe : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(Pipe);

/// A pipe's two descriptors, closed at the end unless a stream adopted them (set to -1).
struct raw_pipe {
    int read_end = -1;
    int write_end = -1;
    raw_pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
        read_end = fds[0];
        write_end = fds[1];
    }
    raw_pipe(const raw_pipe&) = delete;
    raw_pipe& operator=(const raw_pipe&) = delete;
    ~raw_pipe() {
        if (read_end >= 0) ::close(read_end);
        if (write_end >= 0) ::close(write_end);
    }
    int take_read() { return std::exchange(read_end, -1); }
    int take_write() { return std::exchange(write_end, -1); }
};

/// A reader and a writer over the two ends of one pipe.
struct pipe_streams {
    stream_reader reader;
    stream_writer writer;
};
pipe_streams streams_over_pipe() {
    raw_pipe p;
    stream_reader reader = corio::net::connect_read_pipe(p.take_read());
    stream_writer writer = corio::net::connect_write_pipe(p.take_write());
    return {std::move(reader), std::move(writer)};
}

TEST_P(Pipe, ReadlineReadexactlyAndReadToEof) {
    auto main = []() -> task<void> {
        auto s = streams_over_pipe();
        s.writer.write("first line\nsecond");
        s.writer.write(" line\n0123456789tail");
        EXPECT_EQ(co_await s.reader.readline(), "first line\n");
        EXPECT_EQ(co_await s.reader.readline(), "second line\n");
        EXPECT_EQ(co_await s.reader.readexactly(10), "0123456789");
        EXPECT_FALSE(s.reader.at_eof());
        s.writer.close();
        co_await s.writer.wait_closed();
        EXPECT_EQ(co_await s.reader.read(), "tail");
        EXPECT_TRUE(s.reader.at_eof());
        EXPECT_EQ(co_await s.reader.readline(), "");
    };
    run(corio_test::bounded(main()));
}

TEST_P(Pipe, TheWriterReportsThePipeAndNoAddresses) {
    auto main = []() -> task<void> {
        raw_pipe p;
        const int fd = p.write_end;
        stream_writer writer = corio::net::connect_write_pipe(p.take_write());
        EXPECT_EQ(writer.pipe_fd(), fd);
        EXPECT_FALSE(writer.peername());
        EXPECT_FALSE(writer.sockname());
        EXPECT_FALSE(writer.get_extra_info("peername"));
        EXPECT_THROW(static_cast<void>(writer.socket()), std::logic_error);
        // Adopted non-blocking, as asyncio does.
        EXPECT_NE(::fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
        writer.close();
        EXPECT_EQ(writer.pipe_fd(), -1);
        co_return;
    };
    run(corio_test::bounded(main()));
}

TEST_P(Pipe, DrainAppliesBackpressureAndFourMiBArriveByteExact) {
    auto main = []() -> task<void> {
        auto s = streams_over_pipe();
        const std::string payload = corio_test::pattern(4 << 20);
        // A slow reader: small reads with pauses, so the writer's queue must wait for it.
        auto slow = corio::spawn(
            [](stream_reader* r) -> task<std::string> {
                std::string got;
                for (;;) {
                    std::string part = co_await r->read(8192);
                    if (part.empty()) co_return got;
                    got += part;
                    co_await corio::sleep(100us);
                }
            },
            &s.reader);
        std::size_t most_queued = 0;
        bool waited = false;
        constexpr std::size_t chunk = 256 * 1024;
        for (std::size_t at = 0; at < payload.size(); at += chunk) {
            s.writer.write(std::string_view(payload).substr(at, chunk));
            most_queued = std::max(most_queued, s.writer.get_write_buffer_size());
            waited = waited ||
                     s.writer.get_write_buffer_size() > s.writer.get_write_buffer_limits().second;
            co_await s.writer.drain();
            // After drain, the queue is down to the low mark.
            EXPECT_LE(s.writer.get_write_buffer_size(), s.writer.get_write_buffer_limits().first);
        }
        EXPECT_TRUE(waited) << "a pipe holds 64 KiB: the queue must have gone over the high mark";
        EXPECT_GT(most_queued, 64u * 1024);
        s.writer.close();
        co_await s.writer.wait_closed();
        const std::string got = co_await slow;
        EXPECT_EQ(got.size(), payload.size());
        EXPECT_TRUE(got == payload) << "the bytes differ";
    };
    run(corio_test::bounded(main()));
}

TEST_P(Pipe, WriteEofClosesThePipeAndTheReaderSeesEof) {
    auto main = []() -> task<void> {
        auto s = streams_over_pipe();
        EXPECT_TRUE(s.writer.can_write_eof());
        s.writer.write("last words");
        s.writer.write_eof();
        EXPECT_TRUE(s.writer.is_closing());
        EXPECT_THROW(s.writer.write("more"), corio::invalid_state_error);
        co_await s.writer.wait_closed();
        EXPECT_EQ(co_await s.reader.read(), "last words");
        EXPECT_TRUE(s.reader.at_eof());
    };
    run(corio_test::bounded(main()));
}

TEST_P(Pipe, WritingAfterTheReaderClosedIsABrokenPipeError) {
    auto main = []() -> task<void> {
        raw_pipe p;
        stream_writer writer = corio::net::connect_write_pipe(p.take_write());
        ::close(p.take_read());
        // No SIGPIPE ends the process: the write raises.
        EXPECT_THROW(writer.write("anyone there?"), corio::broken_pipe_error);
        EXPECT_THROW(co_await writer.drain(), corio::broken_pipe_error);
        EXPECT_THROW(writer.write("again"), corio::broken_pipe_error);
        EXPECT_THROW(co_await writer.wait_closed(), corio::broken_pipe_error);
    };
    run(corio_test::bounded(main()));
}

TEST_P(Pipe, AQueuedWriteFailsWithBrokenPipeWhenTheReaderGoes) {
    auto main = []() -> task<void> {
        raw_pipe p;
        stream_writer writer = corio::net::connect_write_pipe(p.take_write());
        writer.write(corio_test::pattern(1 << 20));  // more than the pipe holds: some is queued
        EXPECT_GT(writer.get_write_buffer_size(), 0u);
        ::close(p.take_read());
        EXPECT_THROW(co_await writer.drain(), corio::broken_pipe_error);
        EXPECT_TRUE(writer.is_closing());
    };
    run(corio_test::bounded(main()));
}

TEST_P(Pipe, ACancelledReadLosesNoByte) {
    auto main = []() -> task<void> {
        auto s = streams_over_pipe();
        s.writer.write("half a li");
        auto reading = corio::spawn([](stream_reader* r) { return r->readline(); }, &s.reader);
        co_await corio::sleep(2ms);  // it received the first half and waits for the rest
        reading.cancel();
        EXPECT_THROW(co_await reading, corio::cancelled_error);
        s.writer.write("ne\nnext\n");
        EXPECT_EQ(co_await s.reader.readline(), "half a line\n");
        EXPECT_EQ(co_await s.reader.readline(), "next\n");
    };
    run(corio_test::bounded(main()));
}

TEST_P(Pipe, DroppingTheReaderWithAReadInFlightEndsItAtEof) {
    auto main = []() -> task<void> {
        raw_pipe p;
        auto reader = std::make_unique<stream_reader>(corio::net::connect_read_pipe(p.take_read()));
        auto reading = corio::spawn([](stream_reader* r) { return r->read(100); }, reader.get());
        co_await corio::sleep(2ms);  // waiting in its read
        EXPECT_FALSE(reading.done());
        reader.reset();  // the last handle: the pipe closes, the read in flight ends
        EXPECT_EQ(co_await reading, "");
        // The read end is closed: the writer's side sees it.
        EXPECT_EQ(::write(p.write_end, "x", 1), -1);
        EXPECT_EQ(errno, EPIPE);
    };
    run(corio_test::bounded(main()));
}

TEST_P(Pipe, ARegularFileIsReadInPlaceAndADirectoryRefused) {
    auto main = []() -> task<void> {
        char path[] = "/tmp/corio-pipe-test-XXXXXX";
        const int fd = ::mkstemp(path);
        if (fd < 0) throw std::runtime_error("mkstemp");
        ::unlink(path);
        const std::string text = "line one\nline two\n";
        EXPECT_EQ(::write(fd, text.data(), text.size()), ssize_t(text.size()));
        ::lseek(fd, 0, SEEK_SET);
        stream_reader reader = corio::net::connect_read_pipe(fd);
        EXPECT_EQ(co_await reader.readline(), "line one\n");
        EXPECT_EQ(co_await reader.read(), "line two\n");
        EXPECT_TRUE(reader.at_eof());

        const int dir = ::open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) throw std::runtime_error("open /tmp");
        EXPECT_THROW(static_cast<void>(corio::net::connect_read_pipe(dir)), std::invalid_argument);
        EXPECT_EQ(::close(dir), 0);  // still the caller's
        EXPECT_THROW(static_cast<void>(corio::net::connect_write_pipe(-1)), corio::io_error);
    };
    run(corio_test::bounded(main()));
}

TEST_P(Pipe, TheWritevOperationGathersAndWaitsForRoom) {
    // The backends' io_opcode::writev itself: on a full pipe it waits (epoll: for POLLOUT;
    // io_uring: in the kernel), then writes the pieces in order.
    auto main = []() -> task<void> {
        raw_pipe p;
        ::fcntl(p.write_end, F_SETFL, O_NONBLOCK);
        std::string fill(4096, 'f');
        std::size_t filled = 0;
        for (;;) {
            const ssize_t n = ::write(p.write_end, fill.data(), fill.size());
            if (n < 0) break;
            filled += static_cast<std::size_t>(n);
        }
        EXPECT_EQ(errno, EAGAIN);
        std::string a = "gathered ", b = "in ", c = "order";
        iovec pieces[3] = {{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}};
        const int fd = p.write_end;
        auto writing = corio::spawn([fd, &pieces]() -> task<std::size_t> {
            const corio::detail::transfer_args args{
                {fd, true, corio::net::address_family::unspecified},
                corio::detail::io_opcode::writev,
                pieces,
                3,
                0,
                ~std::uint64_t{0}};
            co_return co_await corio::detail::io_request<corio::detail::transfer_awaiter,
                                                         corio::detail::transfer_args>(args);
        });
        co_await corio::sleep(2ms);
        EXPECT_FALSE(writing.done());  // no room: it waits
        stream_reader reader = corio::net::connect_read_pipe(p.take_read());
        const std::string old = co_await reader.readexactly(filled);
        EXPECT_EQ(old.find_first_not_of('f'), std::string::npos);
        EXPECT_EQ(co_await writing, a.size() + b.size() + c.size());
        EXPECT_EQ(co_await reader.readexactly(17), "gathered in order");
        EXPECT_STREQ(corio::detail::io_opcode_name(corio::detail::io_opcode::writev), "writev");
    };
    run(corio_test::bounded(main()));
}

TEST(PipeOutsideALoop, AdoptingNeedsARunningLoop) {
    raw_pipe p;
    EXPECT_THROW(static_cast<void>(corio::net::connect_read_pipe(p.read_end)), std::logic_error);
}

}  // namespace
