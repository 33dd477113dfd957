// socket::sendfile (asyncio's sock_sendfile) and stream_writer::sendfile (asyncio's
// loop.sendfile), on both backends: a file goes to a stream socket byte-exact from any offset,
// through a socket whose buffer fills (the wait-for-writable path), and stops at the file's end;
// a stream writer sends it after what was queued, and before what is written after.
#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/io/file.hpp>
#include <corio/net.hpp>
#include <corio/net/pipe.hpp>

#include "backend_param.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio::net::socket;
using namespace std::chrono_literals;

class Sendfile : public corio_test::on_each_backend {
protected:
    void SetUp() override {
        path_ = "/tmp/corio-sendfile-test-" + std::to_string(::getpid());
        content_ = corio_test::pattern(6 << 20, 7);
        corio::run(corio::write_file(path_, content_));
    }
    void TearDown() override { ::unlink(path_.c_str()); }

    std::string path_;
    std::string content_;
};
CORIO_ON_EACH_BACKEND(Sendfile);

/// Reads `peer` to its end, pausing now and then so that the sender's buffer fills up.
task<std::string> read_slowly(socket* peer) {
    std::string got;
    std::array<std::byte, 65536> buf;
    int reads = 0;
    while (std::size_t n = co_await peer->recv(buf)) {
        got.append(reinterpret_cast<const char*>(buf.data()), n);
        if (++reads % 8 == 0) co_await corio::sleep(1ms);
    }
    co_return got;
}

struct outcome {
    std::uint64_t sent = 0;
    std::string received;
};

/// The whole file: `send_range`'s count for `sendfile(f)`, the overload without a range.
constexpr std::uint64_t whole_file = ~std::uint64_t{0};

/// Sends [offset, offset + count) of the file at `path` over TCP loopback (`whole_file`: all of
/// it, through `sendfile(f)`); what was reported sent and what arrived.
task<outcome> send_range(std::string path, std::uint64_t offset, std::uint64_t count) {
    socket listener = corio::net::tcp_listen(corio::net::address::loopback_ipv4(0));
    socket client = co_await corio::net::tcp_connect(listener.local_address());
    socket server = co_await listener.accept();
    auto reader = corio::spawn(read_slowly, &client);
    corio::file f = co_await corio::file::open(path);
    outcome o;
    if (count == whole_file) {
        o.sent = co_await server.sendfile(f);
    } else {
        o.sent = co_await server.sendfile(f, offset, count);
    }
    server.shutdown(corio::net::shutdown_how::write);
    o.received = co_await reader;
    co_return o;
}

TEST_P(Sendfile, AWholeFileArrivesByteExactThroughAFullSocketBuffer) {
    const outcome o = run(corio_test::bounded(send_range(path_, 0, whole_file)));
    EXPECT_EQ(o.sent, content_.size());
    EXPECT_TRUE(o.received == content_) << "received " << o.received.size() << " bytes";
}

TEST_P(Sendfile, ARangeFromAnOffset) {
    const outcome o = run(corio_test::bounded(send_range(path_, 1'000'003, 2'500'000)));
    EXPECT_EQ(o.sent, 2'500'000u);
    EXPECT_TRUE(o.received == content_.substr(1'000'003, 2'500'000));
}

TEST_P(Sendfile, StopsAtTheEndOfTheFile) {
    const std::uint64_t offset = content_.size() - 1000;
    const outcome o = run(corio_test::bounded(send_range(path_, offset, 1 << 20)));
    EXPECT_EQ(o.sent, 1000u);
    EXPECT_EQ(o.received, content_.substr(offset));

    const outcome at_end = run(corio_test::bounded(send_range(path_, content_.size(), 10)));
    EXPECT_EQ(at_end.sent, 0u);
    EXPECT_TRUE(at_end.received.empty());
}

TEST_P(Sendfile, NeedsAnOpenFileAndAStreamSocket) {
    auto main = [](std::string path) -> task<void> {
        auto [x, y] = socket::pair(corio::net::socket_type::datagram);
        corio::file f = co_await corio::file::open(path);
        EXPECT_THROW(co_await x.sendfile(f), std::invalid_argument);
        auto [s, t] = socket::pair();
        corio::file closed;
        EXPECT_THROW(co_await s.sendfile(closed), std::invalid_argument);
    };
    run(main(path_));
}

TEST_P(Sendfile, CancelledWhileTheSocketIsFullLeavesTheSocketUsable) {
    // Nobody reads yet: the socket's buffer fills and sendfile waits for it to drain.
    // Cancelled there, it ends with cancelled_error, and the socket still carries what was
    // sent, then more.
    auto main = [](std::string path) -> task<std::string> {
        auto [x, y] = socket::pair();
        corio::file f = co_await corio::file::open(path);
        auto sending =
            corio::spawn([](socket* s, corio::file* f) { return s->sendfile(*f); }, &x, &f);
        co_await corio::sleep(5ms);
        EXPECT_FALSE(sending.done());
        sending.cancel();
        EXPECT_THROW(co_await sending, corio::cancelled_error);
        auto reader = corio::spawn(read_slowly, &y);  // the buffer is full: read, then send
        co_await x.send_all(corio_test::bytes("end"));
        x.close();
        co_return co_await reader;
    };
    const std::string got = run(corio_test::bounded(main(path_)));
    ASSERT_GT(got.size(), 3u);
    ASSERT_LT(got.size(), content_.size() + 3);
    // A prefix of the file, then what was sent after.
    EXPECT_TRUE(got == content_.substr(0, got.size() - 3) + "end");
}

TEST_P(Sendfile, AStreamWriterSendsTheFileBetweenWhatWasWrittenBeforeAndAfter) {
    auto main = [](std::string path) -> task<std::string> {
        socket listener = corio::net::tcp_listen(corio::net::address::loopback_ipv4(0));
        socket client = co_await corio::net::tcp_connect(listener.local_address());
        auto [reader, writer] = co_await corio::net::open_connection(co_await listener.accept());
        auto receiving = corio::spawn(read_slowly, &client);
        corio::file f = co_await corio::file::open(path);
        writer.write(corio_test::pattern(1 << 20, 3));  // more than the socket takes at once
        const std::uint64_t sent = co_await writer.sendfile(f, 10, 3'000'000);
        EXPECT_EQ(sent, 3'000'000u);
        writer.write("trailer");
        writer.close();
        co_await writer.wait_closed();
        co_return co_await receiving;
    };
    const std::string got = run(corio_test::bounded(main(path_)));
    EXPECT_TRUE(got == corio_test::pattern(1 << 20, 3) + content_.substr(10, 3'000'000) + "trailer")
        << "received " << got.size() << " bytes";
}

TEST_P(Sendfile, AStreamWriterOverAPipeCopiesTheFile) {
    auto main = [](std::string path) -> task<std::string> {
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        corio::net::stream_reader in = corio::net::connect_read_pipe(fds[0]);
        corio::net::stream_writer out = corio::net::connect_write_pipe(fds[1]);
        auto receiving = corio::spawn(
            [](corio::net::stream_reader* r) -> task<std::string> { return r->read(); }, &in);
        corio::file f = co_await corio::file::open(path);
        out.write("head:");
        EXPECT_EQ(co_await out.sendfile(f), 6u << 20);
        out.write(":tail");
        out.close();
        co_return co_await receiving;
    };
    const std::string got = run(corio_test::bounded(main(path_)));
    EXPECT_TRUE(got == "head:" + content_ + ":tail") << "received " << got.size() << " bytes";
}

TEST_P(Sendfile, WritesWaitForTheStreamsSendfileAndCloseWaitsForItsEnd) {
    auto main = [](std::string path) -> task<std::string> {
        auto [mine, theirs] = socket::pair();
        auto [reader, writer] = co_await corio::net::open_connection(std::move(mine));
        corio::file f = co_await corio::file::open(path);
        auto sending = corio::spawn(
            [](corio::net::stream_writer* w, corio::file* f) { return w->sendfile(*f); }, &writer,
            &f);
        co_await corio::sleep(2ms);  // nobody reads yet: the sendfile waits for room
        EXPECT_FALSE(sending.done());
        EXPECT_THROW(writer.write("x"), corio::invalid_state_error);
        writer.close();  // closes once the sendfile is over
        auto receiving = corio::spawn(read_slowly, &theirs);
        EXPECT_EQ(co_await sending, 6u << 20);
        co_await writer.wait_closed();
        co_return co_await receiving;
    };
    const std::string got = run(corio_test::bounded(main(path_)));
    EXPECT_TRUE(got == content_) << "received " << got.size() << " bytes";
}

}  // namespace
