// Choosing the I/O backend: the loop option, CORIO_BACKEND, and the fallback to epoll when the
// kernel or a seccomp filter refuses io_uring (Docker's default profile does). And the epoll
// backend's multishot recv, driven by hand through the seam (src/io/backend.hpp): its chunks,
// its final completions, cancelling it, and a drained socket left alone until its next edge.
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/io/detail/operation.hpp>
#include <corio/net/socket.hpp>

// The seam itself (internal): the tests below drive a backend without a loop.
#include "../../src/io/backend.hpp"

namespace {

using corio::task;

/// Installs a seccomp filter in this process that makes io_uring_setup fail with EPERM, as
/// Docker's default profile does.
void refuse_io_uring() {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        std::_Exit(3);
    }
}

/// A round trip over a socket pair: the loop's I/O works.
task<bool> round_trip() {
    auto [x, y] = corio::net::socket::pair();
    const std::array<std::byte, 3> out{std::byte{1}, std::byte{2}, std::byte{3}};
    co_await x.send_all(out);
    std::array<std::byte, 3> in{};
    co_return co_await y.recv(in) == 3 && in == out;
}

TEST(Backend, AutomaticPrefersIoUringWhereTheKernelAllowsIt) {
    // This machine's kernel allows it (the I/O tests run on both backends anyway).
    corio::event_loop loop;
    EXPECT_EQ(loop.backend_name(), std::getenv("CORIO_BACKEND") ? loop.backend_name() : "io_uring");
}

TEST(Backend, FallsBackToEpollWhenSeccompRefusesIoUring) {
    EXPECT_EXIT(
        {
            refuse_io_uring();
            corio::event_loop loop;
            const bool works = loop.run_until_complete(round_trip());
            std::_Exit(loop.backend_name() == "epoll" && works ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(Backend, ForcedIoUringFailsClearlyWhenRefused) {
    EXPECT_EXIT(
        {
            refuse_io_uring();
            try {
                corio::loop_options o;
                o.backend = corio::io_backend_kind::io_uring;
                corio::event_loop loop(o);
            } catch (const std::system_error& e) {
                std::_Exit(std::string(e.what()).find("io_uring") != std::string::npos ? 0 : 2);
            }
            std::_Exit(1);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(Backend, EnvironmentVariableChoosesTheBackend) {
    const char* saved = std::getenv("CORIO_BACKEND");
    const std::string restore = saved ? saved : "";
    ::setenv("CORIO_BACKEND", "epoll", 1);
    EXPECT_EQ(corio::event_loop().backend_name(), "epoll");
    ::setenv("CORIO_BACKEND", "io_uring", 1);
    EXPECT_EQ(corio::event_loop().backend_name(), "io_uring");
    ::setenv("CORIO_BACKEND", "kqueue", 1);
    EXPECT_THROW(corio::event_loop(), std::invalid_argument);
    // An explicit option wins over the environment.
    corio::loop_options o;
    o.backend = corio::io_backend_kind::epoll;
    ::setenv("CORIO_BACKEND", "io_uring", 1);
    EXPECT_EQ(corio::event_loop(o).backend_name(), "epoll");
    if (saved) {
        ::setenv("CORIO_BACKEND", restore.c_str(), 1);
    } else {
        ::unsetenv("CORIO_BACKEND");
    }
}

TEST(Backend, ALoopMadeOnOneThreadRunsOnAnother) {
    // An io_uring ring is set up for one thread: the loop's is enabled by the thread that runs it.
    corio::event_loop loop;
    bool works = false;
    std::thread runner([&] { works = loop.run_until_complete(round_trip()); });
    runner.join();
    EXPECT_TRUE(works);
    // And later on this thread, with nothing in flight.
    EXPECT_TRUE(loop.run_until_complete(round_trip()));
}

// ---- epoll's multishot recv ----------------------------------------------------------------

using corio::detail::io_backend;
using corio::detail::io_operation;

/// A multishot recv that records what its callbacks see.
struct recorder : io_operation {
    std::string data;  ///< every chunk's bytes, in order
    int chunks = 0;
    int finals = 0;
    std::optional<int> final_result;
    bool in_callback = false;
    /// A callback ran inside another: a final completion from inside a cancel of the callback.
    bool reentered = false;
    /// Run after a chunk is recorded, from inside its callback.
    std::function<void(recorder&)> on_chunk;
};

void record(io_operation* op, int result) noexcept {
    auto& r = *static_cast<recorder*>(op);
    if (r.in_callback) r.reentered = true;
    r.in_callback = true;
    if (op->more) {
        EXPECT_GT(result, 0);  // end of file and errors are final
        EXPECT_NE(op->buffer, nullptr);
        if (result > 0 && op->buffer) {
            r.data.append(static_cast<const char*>(op->buffer), static_cast<std::size_t>(result));
        }
        ++r.chunks;
        if (r.on_chunk) r.on_chunk(r);
    } else {
        ++r.finals;
        r.final_result = result;
    }
    r.in_callback = false;
}

/// A string that differs at every offset for a long while.
std::string pattern(std::size_t size) {
    std::string s(size, '\0');
    unsigned x = 12345;
    for (auto& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 16);
    }
    return s;
}

class EpollMultishotRecv : public ::testing::Test {
protected:
    void SetUp() override {
        int fds[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
        mine_ = fds[0];
        peer_ = fds[1];
        op_.complete = &record;
        op_.opcode = corio::detail::io_opcode::recv;
        op_.fd = mine_;
        op_.multishot = true;
        op_.hints = corio::detail::io_hint_stream;
    }
    void TearDown() override {
        backend_->forget_fd(mine_,
                            corio::detail::io_backend::fd_fate::closing);  // ends the receive if a
                                                                           // test left it armed
        ::close(mine_);
        close_peer();
    }

    /// Arms the receive: it never completes at once.
    void arm() {
        int result = 0;
        EXPECT_FALSE(backend_->submit(op_, result));
        EXPECT_TRUE(op_.in_flight);
    }
    /// What the peer sends (all of it: the socket's buffer holds far more than the tests send).
    void send(std::string_view s) const {
        EXPECT_EQ(::send(peer_, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
    }
    void close_peer() {
        if (peer_ >= 0) ::close(peer_);
        peer_ = -1;
    }
    /// One poll that waits for an event (or the kick of a receive armed on a ready socket).
    void poll_once() { backend_->poll(std::chrono::seconds(5)); }
    /// Polls until `done` holds; a few polls, each of which returns as soon as an event came.
    template <class Done>
    void poll_until(Done done) {
        for (int i = 0; i < 5 && !done(); ++i) poll_once();
        EXPECT_TRUE(done());
    }
    /// What is left in the socket, received directly.
    [[nodiscard]] std::string left_in_socket() const {
        std::string out;
        char buf[4096];
        for (ssize_t n; (n = ::recv(mine_, buf, sizeof buf, MSG_DONTWAIT)) > 0;) {
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

    recorder op_;  // declared first: outlives the backend, whose destructor may still end it
    std::unique_ptr<io_backend> backend_ = corio::detail::make_epoll_backend();
    int mine_ = -1;
    int peer_ = -1;
};

TEST_F(EpollMultishotRecv, ChunksComeWithMoreSetTheirBytesDuringTheCallbackOnly) {
    EXPECT_TRUE(backend_->multishot_recv());
    arm();
    send("hello");
    poll_until([&] { return op_.chunks == 1; });
    EXPECT_EQ(op_.data, "hello");
    EXPECT_EQ(op_.finals, 0);
    EXPECT_TRUE(op_.in_flight);
    EXPECT_EQ(op_.buffer, nullptr);  // the backend's buffer was lent for the callback only
    // Still armed: the next bytes come with the next edge.
    send("world");
    poll_until([&] { return op_.chunks == 2; });
    EXPECT_EQ(op_.data, "helloworld");
    EXPECT_EQ(op_.finals, 0);
}

TEST_F(EpollMultishotRecv, AnEdgeReceivesUntilAShortRead) {
    // More than the backend's 64 KiB buffer: a full read is followed by another in the same poll.
    const std::string data = pattern(100 * 1024);
    arm();
    send(data);
    poll_once();
    EXPECT_GE(op_.chunks, 2);
    EXPECT_EQ(op_.data, data);
    EXPECT_TRUE(op_.in_flight);
}

TEST_F(EpollMultishotRecv, EndOfFileAfterAShortReadInTheSameEdgeIsFinal) {
    arm();
    send("abc");
    ::shutdown(peer_, SHUT_WR);
    // One edge brings both: the short read must not hide the end of file (no edge follows it).
    poll_until([&] { return op_.finals == 1; });
    EXPECT_EQ(op_.data, "abc");
    EXPECT_EQ(op_.chunks, 1);
    EXPECT_EQ(op_.final_result, 0);
    EXPECT_FALSE(op_.more);
    EXPECT_FALSE(op_.in_flight);
}

TEST_F(EpollMultishotRecv, EndOfFileOnALaterEdgeIsFinal) {
    arm();
    send("abc");
    poll_until([&] { return op_.chunks == 1; });
    EXPECT_EQ(op_.finals, 0);
    close_peer();
    poll_until([&] { return op_.finals == 1; });
    EXPECT_EQ(op_.final_result, 0);
    EXPECT_EQ(op_.data, "abc");
    EXPECT_FALSE(op_.in_flight);
}

TEST_F(EpollMultishotRecv, AnErrorIsFinal) {
    arm();
    // A Unix stream socket closed with unread bytes resets its peer.
    EXPECT_EQ(::send(mine_, "unread", 6, MSG_NOSIGNAL), 6);
    close_peer();
    poll_until([&] { return op_.finals == 1; });
    EXPECT_EQ(op_.final_result, -ECONNRESET);
    EXPECT_EQ(op_.chunks, 0);
    EXPECT_FALSE(op_.more);
    EXPECT_FALSE(op_.in_flight);
}

TEST_F(EpollMultishotRecv, ACallbackThatCancelsItsOwnReceiveIsEndedAfterItReturns) {
    // Backpressure: the callback stops the receive at its first chunk, though more is waiting.
    op_.on_chunk = [this](recorder& r) {
        backend_->cancel(r);
        EXPECT_EQ(r.finals, 0);  // not from inside the cancel
        EXPECT_TRUE(r.in_flight);
    };
    const std::string data = pattern(100 * 1024);
    arm();
    send(data);
    poll_once();
    EXPECT_EQ(op_.chunks, 1);
    EXPECT_EQ(op_.finals, 1);
    EXPECT_EQ(op_.final_result, -ECANCELED);
    EXPECT_FALSE(op_.reentered);
    EXPECT_LT(op_.data.size(), data.size());
    ASSERT_FALSE(op_.in_flight);  // else it cannot be submitted again
    // The rest stayed in the socket, and a receive armed again takes it without a new edge.
    op_.on_chunk = nullptr;
    arm();
    poll_until([&] { return op_.data.size() == data.size(); });
    EXPECT_EQ(op_.data, data);
    EXPECT_TRUE(op_.in_flight);
}

TEST_F(EpollMultishotRecv, ACancelFromOutsideEndsItAtOnce) {
    arm();
    backend_->poll(std::chrono::seconds(0));  // tried once: nothing to receive
    backend_->cancel(op_);
    EXPECT_EQ(op_.finals, 1);
    EXPECT_EQ(op_.final_result, -ECANCELED);
    EXPECT_FALSE(op_.more);
    EXPECT_FALSE(op_.in_flight);
    // Nothing receives any more: what comes stays in the socket.
    send("late");
    backend_->poll(std::chrono::seconds(0));
    EXPECT_EQ(op_.chunks, 0);
    EXPECT_EQ(left_in_socket(), "late");
}

TEST_F(EpollMultishotRecv, CancelFdEndsIt) {
    arm();
    backend_->cancel_fd(mine_);
    EXPECT_EQ(op_.finals, 1);
    EXPECT_EQ(op_.final_result, -ECANCELED);
    EXPECT_FALSE(op_.in_flight);
    EXPECT_FALSE(backend_->has_io_waiters());
}

TEST_F(EpollMultishotRecv, ADrainedSocketIsNotReadAgainUntilItsNextEdge) {
    arm();
    backend_->poll(std::chrono::seconds(0));  // tried once: nothing yet, the socket not ready
    // Bytes sent from inside the callback come after the short read that drained the socket:
    // a recv made right after that read would take them in the same edge. None is made; they
    // come with their own edge.
    op_.on_chunk = [this](recorder& r) {
        if (r.chunks == 1) send("second");
    };
    send("first");
    poll_once();
    EXPECT_EQ(op_.data, "first");
    poll_once();
    EXPECT_EQ(op_.data, "firstsecond");
    EXPECT_EQ(op_.chunks, 2);
    EXPECT_TRUE(op_.in_flight);
}

}  // namespace

TEST(EpollBackend, AFileKeptOpenByADupCannotWakeTheNextDescriptorWithItsNumber) {
    // Closing a descriptor leaves epoll's interest list with the close, not with a system call
    // of its own; a dup keeps the file, and its registration, alive under the old number. Its
    // events must not be taken for those of the descriptor that reuses the number.
    std::unique_ptr<io_backend> backend = corio::detail::make_epoll_backend();
    int old_pair[2];
    int new_pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, old_pair), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, new_pair), 0);
    const int number = old_pair[0];
    const int dup_of_old = ::dup(number);
    ASSERT_GE(dup_of_old, 0);

    recorder first;  // registers `number` with the backend, then is cancelled
    first.complete = &record;
    first.opcode = corio::detail::io_opcode::poll;
    first.fd = number;
    first.flags = POLLIN;
    int result = 0;
    ASSERT_FALSE(backend->submit(first, result));
    backend->cancel_fd(number);
    EXPECT_EQ(first.final_result, -ECANCELED);
    backend->forget_fd(number, io_backend::fd_fate::closing);
    // The number now names the new socket; the old file lives on through the dup.
    ASSERT_EQ(::dup2(new_pair[0], number), number);
    ::close(new_pair[0]);

    recorder waiting;
    waiting.complete = &record;
    waiting.opcode = corio::detail::io_opcode::poll;
    waiting.fd = number;
    waiting.flags = POLLIN;
    ASSERT_FALSE(backend->submit(waiting, result));
    // Bytes for the old file: its event comes, and is ignored.
    ASSERT_EQ(::send(old_pair[1], "x", 1, MSG_NOSIGNAL), 1);
    backend->poll(std::chrono::milliseconds(50));
    EXPECT_EQ(waiting.finals, 0);
    EXPECT_TRUE(waiting.in_flight);
    // Bytes for the new one wake it.
    ASSERT_EQ(::send(new_pair[1], "y", 1, MSG_NOSIGNAL), 1);
    for (int i = 0; i < 5 && waiting.finals == 0; ++i) backend->poll(std::chrono::seconds(5));
    EXPECT_EQ(waiting.finals, 1);
    EXPECT_EQ(waiting.final_result, POLLIN);

    backend->forget_fd(number, io_backend::fd_fate::closing);
    for (int fd : {number, dup_of_old, old_pair[1], new_pair[1]}) ::close(fd);
}
