// The cancellation rule of every I/O wait (io/detail/io_awaiter.hpp), on both backends: a
// cancelled operation did nothing, or returns what it did; closing a socket or the loop under
// operations in flight frees nothing the kernel still owns.
#include <array>
#include <cstddef>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <corio/core.hpp>
#include <corio/net/socket.hpp>
#include <corio/testing.hpp>

#include "../net/backend_param.hpp"

namespace {

using corio::task;
using corio::net::address;
using corio::net::socket;
using namespace std::chrono_literals;

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s)); }
std::string text(std::span<const std::byte> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

int open_descriptors() {
    int n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    while (::readdir(d)) ++n;
    ::closedir(d);
    return n;
}

class IoCancel : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(IoCancel);

TEST_P(IoCancel, CancelledRecvLosesNoByte) {
    auto main = []() -> task<std::string> {
        auto [x, y] = socket::pair();
        std::array<std::byte, 16> buf;
        auto reader = corio::spawn([&]() -> task<std::size_t> { co_return co_await y.recv(buf); });
        co_await corio::sleep(1ms);  // the reader is waiting in its recv
        reader.cancel();
        EXPECT_THROW(co_await reader, corio::cancelled_error);
        co_await x.send_all(bytes("abc"));
        const std::size_t n = co_await y.recv(buf);
        co_return text(std::span(buf).first(n));
    };
    EXPECT_EQ(run(main()), "abc");
}

TEST_P(IoCancel, BytesThatCameAsTheTaskWasCancelledAreReturnedAndTheCancellationFollows) {
    auto main = []() -> task<std::vector<std::string>> {
        std::vector<std::string> log;
        auto [x, y] = socket::pair();
        auto [signal_out, signal_in] = socket::pair();
        std::array<std::byte, 16> buf;
        corio::task_handle<void> reader;
        // Woken by the same poll as the reader, just before it: it cancels the reader after
        // its recv completed but before it ran.
        auto canceller = corio::spawn([&]() -> task<void> {
            std::array<std::byte, 1> one;
            co_await signal_in.recv(one);
            reader.cancel();
        });
        reader = corio::spawn([&]() -> task<void> {
            const std::size_t n = co_await y.recv(buf);
            log.push_back("read " + text(std::span(buf).first(n)));
            try {
                co_await corio::sleep(1h);
            } catch (const corio::cancelled_error&) {
                log.push_back("cancelled at the next wait");
                throw;
            }
        });
        co_await corio::sleep(1ms);  // both wait in their recv
        // Plain system calls: both arrive at once, the canceller's first.
        EXPECT_EQ(::send(signal_out.fd(), "!", 1, 0), 1);
        EXPECT_EQ(::send(x.fd(), "late", 4, 0), 4);
        // This task stays ready meanwhile, so the loop's polls may not wait and each delivers
        // every completion it finds (an idle loop on epoll takes one descriptor's per poll,
        // and the canceller would run before the reader's recv completed).
        while (!canceller.done()) co_await corio::yield_now();
        co_await canceller;
        EXPECT_THROW(co_await reader, corio::cancelled_error);
        co_return log;
    };
    EXPECT_EQ(run(main()), (std::vector<std::string>{"read late", "cancelled at the next wait"}));
}

TEST_P(IoCancel, ACancellationPendingBeforeAnOperationStartsIt) {
    auto main = []() -> task<void> {
        auto [x, y] = socket::pair();
        co_await x.send_all(bytes("ready"));
        corio::current_task().cancel();
        std::array<std::byte, 16> buf;
        // The bytes are there, but a cancelled task does not start new I/O.
        EXPECT_THROW(co_await y.recv(buf), corio::cancelled_error);
        corio::current_task().uncancel();
        EXPECT_EQ(co_await y.recv(buf), 5u);
    };
    run(main());
}

TEST_P(IoCancel, ClosingASocketEndsItsPendingOperations) {
    auto main = []() -> task<void> {
        auto [x, y] = socket::pair();
        auto reader = corio::spawn([&]() -> task<void> {
            std::array<std::byte, 16> buf;
            co_await y.recv(buf);
        });
        co_await corio::sleep(1ms);
        y.close();
        try {
            co_await reader;
            ADD_FAILURE() << "the recv should have failed";
        } catch (const corio::io_error& e) {
            EXPECT_EQ(e.code().value(), EBADF);
        }
        // The peer sees the connection closed: no pending operation kept it open.
        std::array<std::byte, 16> buf;
        EXPECT_EQ(co_await x.recv(buf), 0u);
    };
    run(main());
}

TEST_P(IoCancel, CancelledSendSendsNothingOrAReportedPrefix) {
    auto main = []() -> task<void> {
        auto [x, y] = socket::pair();
        // Fill the socket's buffer until a send has to wait.
        std::vector<std::byte> chunk(1 << 16, std::byte{'z'});
        std::size_t sent = 0;
        for (;;) {
            auto attempt =
                corio::spawn([&]() -> task<std::size_t> { co_return co_await x.send(chunk); });
            co_await corio::sleep(1ms);
            if (!attempt.done()) {
                attempt.cancel();
                try {
                    sent += co_await attempt;  // it completed as it was cancelled: a prefix
                } catch (const corio::cancelled_error&) {
                }
                break;
            }
            sent += co_await attempt;
        }
        x.close();
        std::size_t received = 0;
        std::array<std::byte, 65536> buf;
        while (std::size_t n = co_await y.recv(buf)) received += n;
        EXPECT_EQ(received, sent);
    };
    run(main());
}

TEST_P(IoCancel, LoopClosedWithOperationsInFlight) {
    const int before = open_descriptors();
    {
        corio::event_loop loop(options());
        corio::testing::exception_log log(loop);
        auto pair = std::make_unique<std::pair<socket, socket>>(socket::pair());
        auto listener = corio::net::tcp_listen(address::loopback_ipv4(0));
        auto reader = [](socket& s) -> task<void> {
            std::array<std::byte, 64> buf;
            co_await s.recv(buf);
        };
        auto acceptor = [](socket& s) -> task<void> { co_await s.accept(); };
        (void)loop.create_task(reader(pair->first));
        (void)loop.create_task(reader(pair->second));
        (void)loop.create_task(acceptor(listener));
        auto pause = []() -> task<void> { co_await corio::sleep(1ms); };
        loop.run_until_complete(pause());
        loop.close();  // frames holding buffers go only after the kernel let go of them
        EXPECT_EQ(log.messages.size(), 3u);
    }
    EXPECT_EQ(open_descriptors(), before);
}

// With the next test: 10,000 operations ended at random while in flight (6,400 cancelled, 3,600
// destroyed with their loop).
TEST_P(IoCancel, ThousandsOfOperationsCancelledAtRandomInFlight) {
    const int before = open_descriptors();
    auto main = []() -> task<int> {
        std::mt19937 random(12345);
        int delivered = 0;
        std::vector<std::pair<socket, socket>> pairs;
        for (int i = 0; i < 16; ++i) pairs.push_back(socket::pair());
        for (int round = 0; round < 400; ++round) {
            std::vector<corio::task_handle<void>> readers;
            for (auto& p : pairs) {
                readers.push_back(corio::spawn(
                    [&delivered](socket* s) -> task<void> {
                        std::array<std::byte, 8> buf;
                        delivered += static_cast<int>(co_await s->recv(buf));
                    },
                    &p.second));
            }
            co_await corio::yield_now();
            // Some get a byte, all the others are cancelled, some in the same instant.
            for (auto& p : pairs) {
                if (random() % 3 == 0) co_await p.first.send(bytes("b"));
            }
            if (random() % 2) co_await corio::yield_now();
            for (auto& r : readers) r.cancel();
            for (auto& r : readers) {
                try {
                    co_await r;
                } catch (const corio::cancelled_error&) {
                }
            }
        }
        // Whatever was sent and not delivered is still there, in order.
        for (auto& p : pairs) {
            p.first.close();
            std::array<std::byte, 4096> buf;
            while (std::size_t n = co_await p.second.recv(buf)) delivered += static_cast<int>(n);
        }
        co_return delivered;
    };
    const int delivered = run(main());
    EXPECT_GT(delivered, 0);
    EXPECT_EQ(open_descriptors(), before);
}

TEST_P(IoCancel, ThousandsOfOperationsDestroyedAtRandomInFlight) {
    // Each round's loop is closed at a random moment: some receives are in flight, some have
    // completed in the kernel but not been reaped, some are done. Closing destroys the frames of
    // the pending ones only after the kernel let go of their buffers (ASan watches), and closes
    // nothing twice (the descriptor count watches).
    const int before = open_descriptors();
    std::mt19937 random(54321);
    constexpr int rounds = 225;
    constexpr int readers_per_round = 16;
    std::size_t destroyed = 0;
    for (int round = 0; round < rounds; ++round) {
        corio::testing::exception_log log;
        corio::event_loop loop(options());
        log.install(loop);
        std::vector<std::pair<socket, socket>> pairs;
        for (int i = 0; i < readers_per_round; ++i) pairs.push_back(socket::pair());
        int finished = 0;
        for (auto& p : pairs) {
            auto reader = [](socket* s, int* done) -> task<void> {
                std::array<std::byte, 8> buf;
                co_await s->recv(buf);
                ++*done;
            };
            (void)loop.create_task(reader(&p.second, &finished));
        }
        const unsigned steps = random() % 4;
        auto feed = [](std::vector<std::pair<socket, socket>>* pairs, std::mt19937* random,
                       unsigned steps) -> task<void> {
            for (unsigned i = 0; i < steps; ++i) co_await corio::yield_now();
            for (auto& p : *pairs) {
                if ((*random)() % 3 == 0) co_await p.first.send(bytes("b"));
            }
            if ((*random)() % 2) co_await corio::yield_now();
        };
        loop.run_until_complete(feed(&pairs, &random, steps));
        loop.close();
        // Each reader still pending was destroyed, and reported as such.
        EXPECT_EQ(log.messages.size(), static_cast<std::size_t>(readers_per_round - finished));
        destroyed += log.messages.size();
    }
    EXPECT_GT(destroyed, 0u);
    EXPECT_EQ(open_descriptors(), before);
}

TEST_P(IoCancel, DumpTasksNamesTheOperationAndTheBackend) {
    auto main = [](std::string backend) -> task<std::string> {
        auto [x, y] = socket::pair();
        auto reader = corio::spawn([&]() -> task<void> {
            std::array<std::byte, 16> buf;
            co_await y.recv(buf);
        });
        co_await corio::sleep(1ms);
        std::ostringstream out;
        corio::dump_tasks(out);
        reader.cancel();
        try {
            co_await reader;
        } catch (const corio::cancelled_error&) {
        }
        const std::string dump = out.str();
        EXPECT_NE(dump.find("recv on fd " + std::to_string(y.fd()) + " (" + backend + ")"),
                  std::string::npos)
            << dump;
        co_return dump;
    };
    run(main(GetParam() == corio::io_backend_kind::epoll ? "epoll" : "io_uring"));
}

TEST_P(IoCancel, PeerResetThenWriteRaisesATypedError) {
    auto main = []() -> task<void> {
        socket listener = corio::net::tcp_listen(address::loopback_ipv4(0));
        socket client = co_await corio::net::tcp_connect(listener.local_address());
        {
            socket conn = co_await listener.accept();
            const ::linger abort_on_close{1, 0};  // close sends RST
            ::setsockopt(conn.fd(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
        }
        co_await corio::sleep(1ms);
        EXPECT_THROW(
            {
                for (int i = 0; i < 100; ++i) co_await client.send(bytes("after the reset"));
            },
            corio::connection_error);
    };
    run(main());
}

TEST_P(IoCancel, HalfClosedPeerStillGetsTheWholeAnswer) {
    auto main = []() -> task<std::size_t> {
        socket listener = corio::net::tcp_listen(address::loopback_ipv4(0));
        const std::size_t answer_size = 4 << 20;
        auto server = corio::spawn([&]() -> task<void> {
            socket conn = co_await listener.accept();
            std::array<std::byte, 64> buf;
            while (co_await conn.recv(buf) != 0) {
            }
            // The client will not send any more; it still reads.
            std::vector<std::byte> answer(answer_size, std::byte{'a'});
            co_await conn.send_all(answer);
        });
        socket client = co_await corio::net::tcp_connect(listener.local_address());
        co_await client.send_all(bytes("question"));
        client.shutdown(corio::net::shutdown_how::write);
        std::size_t received = 0;
        std::array<std::byte, 65536> buf;
        while (std::size_t n = co_await client.recv(buf)) received += n;
        co_await server;
        co_return received;
    };
    EXPECT_EQ(run(main()), 4u << 20);
}

}  // namespace
