// How net::server accepts, on both backends: through EMFILE (in a forked child with a low
// descriptor limit: the server stays responsive and resumes), a burst of connections larger
// than the accept queue (multishot accept pauses and goes on), connections accepted but never
// claimed (closed with the server), and io_uring's multishot accept off and on.
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net.hpp>
#include <corio/testing.hpp>

#include "../io/uring_env.hpp"
#include "backend_param.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio::net::address;
using corio::net::socket;
using namespace std::chrono_literals;

class ServerAccept : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(ServerAccept);

using corio_test::echo_lines;

// ---- out of descriptors -----------------------------------------------------------------------

/// The child's body: returns the process's exit code (0: every check held).
int accept_through_emfile(corio::loop_options options) {
    auto main = []() -> task<int> {
        corio::testing::exception_log seen(corio::get_running_loop());
        // UndefinedBehaviorSanitizer checks the dynamic type of polymorphic objects, probing
        // memory through a pipe the first time it sees a type: out of descriptors, that probe
        // fails and it reports an "invalid vptr". So every path runs once first, descriptors to
        // spare: an error made and reported, a connection served and closed.
        try {
            std::rethrow_exception(corio::detail::make_io_error(EMFILE, "warm-up"));
        } catch (const corio::io_error& e) {
            if (e.code().value() != EMFILE) co_return 9;
        }
        corio::get_running_loop().call_exception_handler(
            {"warm-up", corio::detail::make_io_error(EMFILE, "warm-up"), {}});
        seen.clear();
        corio::net::server_options o;
        o.accept_retry_delay = 100ms;
        {
            auto warm = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0, o);
            auto [r, w] = co_await corio::net::open_connection(warm.sockets()[0].local_address());
            w.write("warm-up\n");
            if (co_await r.readline() != "warm-up\n") co_return 7;
            w.close();
            co_await warm.aclose();
        }
        // A few descriptors to spare, no more: the limit is on descriptor numbers, so the
        // free numbers below the highest one in use are filled first.
        int highest = 0;
        for (int fd = 0; fd < 4096; ++fd) {
            if (::fcntl(fd, F_GETFD) >= 0) highest = fd;
        }
        for (;;) {
            const int filler = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (filler < 0) co_return 8;
            if (filler > highest) {
                ::close(filler);
                break;
            }
        }
        rlimit lim{};
        ::getrlimit(RLIMIT_NOFILE, &lim);
        lim.rlim_cur = static_cast<rlim_t>(highest + 1 + 10);
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) co_return 10;
        // The server starts under the lowered limit (its listener takes one of the ten): an
        // armed multishot accept (io_uring) uses the limit in force when it was armed (the
        // kernel reads it then); a limit changed later applies from its next arming.
        auto srv = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0, o);
        const address where = srv.sockets()[0].local_address();
        // Connect until the process is out of descriptors: the server accepts some (one
        // descriptor each), then its accept fails with EMFILE while clients wait in the backlog.
        std::vector<corio::net::stream_pair> clients;
        for (;;) {
            try {
                clients.push_back(co_await corio::net::open_connection(where));
            } catch (const corio::io_error& e) {
                if (e.code().value() != EMFILE) co_return 11;
                break;
            }
            co_await corio::sleep(5ms);  // the server accepts meanwhile, if it can
        }
        if (clients.size() < 2) co_return 12;
        const auto start = corio::get_running_loop().time();
        while (seen.messages.empty()) co_await corio::sleep(5ms);
        if (seen.messages[0] != "socket.accept() out of system resource") co_return 13;
        // Still responsive: the loop runs, and a client accepted earlier is served.
        auto& first = clients.front();
        first.writer.write("still here\n");
        if (co_await first.reader.readline() != "still here\n") co_return 14;
        // Free descriptors: the first half of the clients go, their handlers end.
        // The second half holds the last clients, connected but waiting in the backlog.
        const std::size_t keep = clients.size() / 2;
        std::vector<corio::net::stream_pair> pending;
        for (std::size_t i = keep; i < clients.size(); ++i)
            pending.push_back(std::move(clients[i]));
        clients.clear();
        co_await corio::sleep(300ms);  // past the retry delay: accepting resumed
        for (auto& p : pending) {
            p.writer.write("served after all\n");
            if (co_await corio::wait_for(p.reader.readline(), 5s) != "served after all\n") {
                co_return 15;
            }
        }
        // Reported once per pause, not once per failed try: no busy loop.
        const auto elapsed = corio::get_running_loop().time() - start;
        const auto pauses = elapsed / o.accept_retry_delay + 2;
        if (seen.messages.size() > static_cast<std::size_t>(pauses)) co_return 16;
        pending.clear();  // else aclose waits for their handlers
        co_await srv.aclose();
        co_return 0;
    };
    try {
        return corio::run(main(), options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "child failed: %s\n", e.what());
        return 20;
    }
}

TEST_P(ServerAccept, AcceptingSurvivesRunningOutOfDescriptors) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    const corio::loop_options o = options();
    EXPECT_EXIT(std::_Exit(accept_through_emfile(o)), ::testing::ExitedWithCode(0), "");
}

}  // namespace

// ---- a burst of connections (multishot accept) -----------------------------------------------

namespace {

/// How many descriptors the process has open.
int open_descriptors() {
    int n = 0;
    for (int fd = 0; fd < 65536; ++fd) {
        if (::fcntl(fd, F_GETFD) >= 0) ++n;
    }
    return n;
}

/// `count` clients connected at once (blocking connects, done before the server's task runs
/// again: they all wait in the backlog), then served: each sends a line and reads its echo.
/// Returns how many were served right; `close_first`: the server is closed with the
/// connections still unclaimed instead.
task<int> burst(int count, bool close_first) {
    corio::net::server_options o;
    o.backlog = 1024;
    auto srv = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0, o);
    co_await corio::sleep(1ms);  // the accept loop waits, its accept armed
    const address where = srv.sockets()[0].local_address();
    std::vector<socket> clients;
    for (int i = 0; i < count; ++i) {
        socket c = socket::tcp();
        // Non-blocking: on loopback the handshake completes at once or soon after.
        const int r = ::connect(c.fd(), where.data(), where.size());
        EXPECT_TRUE(r == 0 || errno == EINPROGRESS) << errno;
        clients.push_back(std::move(c));
    }
    if (close_first) {
        srv.close();
        co_await srv.wait_closed();
        co_return 0;
    }
    int served = 0;
    co_await corio::task_group::run([&](corio::task_group& g) -> task<void> {
        for (int i = 0; i < count; ++i) {
            g.spawn(
                [](socket& c, int i, int& served) -> task<void> {
                    co_await c.wait_writable();
                    const std::string line = "client " + std::to_string(i) + "\n";
                    co_await c.send_all(corio_test::bytes(line));
                    std::string got;
                    std::array<std::byte, 64> buf{};
                    while (got.size() < line.size()) {
                        const std::size_t n = co_await c.recv(buf);
                        if (n == 0) break;
                        got.append(reinterpret_cast<const char*>(buf.data()), n);
                    }
                    if (got == line) ++served;
                },
                std::ref(clients[static_cast<std::size_t>(i)]), i, std::ref(served));
        }
        co_return;
    });
    EXPECT_EQ(srv.active_connections(), static_cast<std::size_t>(count));
    clients.clear();
    co_await srv.aclose();
    co_return served;
}

}  // namespace

TEST_P(ServerAccept, AcceptsABurstOfConnectionsAtOnce) {
    // More than the accept queue holds (128): the multishot accept pauses and goes on.
    const int before = open_descriptors();
    EXPECT_EQ(run(corio_test::bounded(burst(200, false))), 200);
    EXPECT_EQ(open_descriptors(), before);
}

TEST_P(ServerAccept, ConnectionsAcceptedButUnclaimedAreClosedWithTheServer) {
    const int before = open_descriptors();
    run(corio_test::bounded(burst(200, true)));
    EXPECT_EQ(open_descriptors(), before);
}

TEST(ServerUring, AcceptsABurstWithMultishotAcceptOffAndOn) {
    // The emulated multishot accept (single-shot accepts submitted again) and the kernel's.
    for (const char* disable : {"multishot_accept", ""}) {
        corio_test::scoped_env env;
        env.set("CORIO_URING_DISABLE", disable);
        corio::loop_options o;
        o.backend = corio::io_backend_kind::io_uring;
        std::unique_ptr<corio::event_loop> probe = corio_test::make_uring_loop();
        if (!probe) GTEST_SKIP() << "io_uring is refused here";
        probe.reset();
        const int before = open_descriptors();
        EXPECT_EQ(corio::run(corio_test::bounded(burst(200, false)), o), 200) << disable;
        EXPECT_EQ(corio::run(corio_test::bounded(burst(200, true)), o), 0) << disable;
        EXPECT_EQ(open_descriptors(), before) << disable;
    }
}
