// net::server on both backends: serving many clients, handlers that throw, close / wait_closed /
// close_clients / abort_clients, serve_forever, Unix-domain servers. How it accepts (through
// EMFILE, bursts, multishot accept) is server_accept_test.cpp's.
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net.hpp>
#include <corio/testing.hpp>

#include "backend_param.hpp"
#include "stream_test_util.hpp"

namespace {

using corio::task;
using corio::net::address;
using corio::net::socket;
using corio::net::stream_reader;
using corio::net::stream_writer;
using namespace std::chrono_literals;

class Server : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(Server);

using corio_test::echo_lines;

std::uint16_t port_of(const corio::net::server& s) { return s.sockets()[0].local_address().port(); }

TEST_P(Server, ServesManyClientsConcurrently) {
    auto main = []() -> task<void> {
        auto srv = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0);
        EXPECT_TRUE(srv.is_serving());
        EXPECT_EQ(srv.sockets().size(), 1u);
        const std::uint16_t port = port_of(srv);
        int ok = 0;
        co_await corio::task_group::run([&](corio::task_group& g) -> task<void> {
            for (int i = 0; i < 30; ++i) {
                g.spawn(
                    [](std::uint16_t port, int i, int& ok) -> task<void> {
                        auto [r, w] = co_await corio::net::open_connection("127.0.0.1", port);
                        const std::string line = "client " + std::to_string(i) + "\n";
                        for (int k = 0; k < 3; ++k) {
                            w.write(line);
                            if (co_await r.readline() == line) ++ok;
                        }
                        w.close();
                        co_await w.wait_closed();
                    },
                    port, i, std::ref(ok));
            }
            co_return;
        });
        EXPECT_EQ(ok, 90);
        co_await srv.aclose();
        EXPECT_FALSE(srv.is_serving());
        EXPECT_TRUE(srv.sockets().empty());
        EXPECT_EQ(srv.active_connections(), 0u);
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, AHandlerExceptionIsReportedAndTheServerGoesOn) {
    auto main = []() -> task<void> {
        corio::testing::exception_log seen(corio::get_running_loop());
        auto handler = [](stream_reader r, stream_writer w) -> task<void> {
            std::string line = co_await r.readline();
            if (line == "boom\n") throw std::runtime_error("handler failed");
            w.write(line);
        };
        auto srv = co_await corio::net::start_server(handler, "127.0.0.1", 0);
        {
            auto [r, w] = co_await corio::net::open_connection("127.0.0.1", port_of(srv));
            w.write("boom\n");
            EXPECT_EQ(co_await r.read(), "");  // the handler's streams went: closed
        }
        {
            auto [r, w] = co_await corio::net::open_connection("127.0.0.1", port_of(srv));
            w.write("fine\n");
            EXPECT_EQ(co_await r.readline(), "fine\n");
        }
        co_await srv.aclose();
        EXPECT_EQ(seen.messages,
                  std::vector<std::string>{"Unhandled exception in client_connected_cb"});
        EXPECT_EQ(seen.exceptions.size(), 1u);
        try {
            if (!seen.exceptions.empty()) std::rethrow_exception(seen.exceptions[0]);
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "handler failed");
        }
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, CloseStopsListeningAndWaitClosedWaitsForTheHandlers) {
    auto main = []() -> task<void> {
        auto srv = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0);
        const std::uint16_t port = port_of(srv);
        auto [r, w] = co_await corio::net::open_connection("127.0.0.1", port);
        w.write("before\n");
        EXPECT_EQ(co_await r.readline(), "before\n");
        srv.close();
        srv.close();  // idempotent
        EXPECT_FALSE(srv.is_serving());
        EXPECT_TRUE(srv.sockets().empty());
        EXPECT_THROW(co_await corio::net::open_connection("127.0.0.1", port),
                     corio::connection_refused_error);
        // The connection it had carries on, and wait_closed waits for its handler.
        auto waiting = corio::spawn(
            [](corio::net::server& s) -> task<void> { co_await s.wait_closed(); }, std::ref(srv));
        w.write("after\n");
        EXPECT_EQ(co_await r.readline(), "after\n");
        co_await corio::sleep(2ms);
        EXPECT_FALSE(waiting.done());
        EXPECT_EQ(srv.active_connections(), 1u);
        w.close();
        co_await waiting;
        EXPECT_EQ(srv.active_connections(), 0u);
        EXPECT_THROW(co_await srv.serve_forever(), corio::invalid_state_error);
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, CloseClientsEndsEachConnectionGracefully) {
    auto main = []() -> task<void> {
        int wrote = 0;
        auto handler = [&wrote](stream_reader r, stream_writer w) -> task<void> {
            w.write(corio_test::pattern(256 * 1024));  // queued when close_clients comes
            ++wrote;
            EXPECT_EQ(co_await r.read(), "");  // closed: end of file
        };
        auto srv = co_await corio::net::start_server(handler, "127.0.0.1", 0);
        std::vector<corio::net::stream_pair> clients;
        for (int i = 0; i < 3; ++i) {
            clients.push_back(co_await corio::net::open_connection("127.0.0.1", port_of(srv)));
        }
        while (wrote < 3) co_await corio::sleep(1ms);
        srv.close_clients();
        for (auto& c : clients) {
            // The queued bytes still arrive in full, then end of file.
            EXPECT_TRUE(co_await c.reader.read() == corio_test::pattern(256 * 1024));
        }
        co_await srv.aclose();
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, AbortClientsClosesEachConnectionNow) {
    auto main = []() -> task<void> {
        int wrote = 0;
        auto handler = [&wrote](stream_reader r, stream_writer w) -> task<void> {
            w.write(corio_test::pattern(8 << 20));
            ++wrote;
            EXPECT_EQ(co_await r.read(), "");
        };
        auto srv = co_await corio::net::start_server(handler, "127.0.0.1", 0);
        auto [r, w] = co_await corio::net::open_connection("127.0.0.1", port_of(srv));
        while (wrote < 1) co_await corio::sleep(1ms);
        srv.abort_clients();
        std::string got;
        try {
            got = co_await r.read();
        } catch (const corio::connection_error&) {  // an abort with unread bytes may reset
        }
        EXPECT_LT(got.size(), std::size_t{8} << 20);
        co_await srv.aclose();
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, ServeForeverClosesAndWaitsWhenCancelled) {
    auto main = []() -> task<void> {
        auto srv = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0);
        auto serving = corio::spawn(
            [](corio::net::server& s) -> task<void> { co_await s.serve_forever(); }, std::ref(srv));
        co_await corio::sleep(1ms);
        EXPECT_THROW(co_await srv.serve_forever(), corio::invalid_state_error);  // taken
        auto [r, w] = co_await corio::net::open_connection("127.0.0.1", port_of(srv));
        w.write("x\n");
        EXPECT_EQ(co_await r.readline(), "x\n");
        serving.cancel();
        co_await corio::sleep(2ms);
        EXPECT_FALSE(srv.is_serving());
        EXPECT_FALSE(serving.done()) << "it waits for the connection's handler";
        w.close();
        EXPECT_THROW(co_await serving, corio::cancelled_error);
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, ServeForeverReturnsWhenClosedElsewhere) {
    auto main = []() -> task<void> {
        auto srv = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0);
        auto serving = corio::spawn(
            [](corio::net::server& s) -> task<void> { co_await s.serve_forever(); }, std::ref(srv));
        co_await corio::sleep(1ms);
        srv.close();
        co_await serving;  // returns normally
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, MoveOnlyHandlersAndTheServerDestructorClosesTheListener) {
    auto main = []() -> task<void> {
        auto greeting = std::make_unique<std::string>("hi\n");
        auto handler = [g = std::move(greeting)](stream_reader, stream_writer w) -> task<void> {
            w.write(*g);
            co_return;
        };
        std::uint16_t port = 0;
        {
            auto srv = co_await corio::net::start_server(std::move(handler), "127.0.0.1", 0);
            port = port_of(srv);
            auto [r, w] = co_await corio::net::open_connection("127.0.0.1", port);
            EXPECT_EQ(co_await r.read(), "hi\n");
        }
        EXPECT_THROW(co_await corio::net::open_connection("127.0.0.1", port),
                     corio::connection_refused_error);
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, BindingAPortInUseFailsUnlessBothReuseIt) {
    auto main = []() -> task<void> {
        auto first = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0);
        const std::uint16_t port = port_of(first);
        try {
            co_await corio::net::start_server(&echo_lines, "127.0.0.1", port);
            ADD_FAILURE() << "the port is taken";
        } catch (const corio::io_error& e) {
            EXPECT_EQ(e.code().value(), EADDRINUSE);
        }
        corio::net::server_options shared;
        shared.reuse_port = true;
        auto a = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0, shared);
        auto b = co_await corio::net::start_server(&echo_lines, "127.0.0.1", port_of(a), shared);
        EXPECT_EQ(port_of(a), port_of(b));
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, UnixServerReplacesAStaleSocketFileAndRemovesItsOwn) {
    auto main = []() -> task<void> {
        const std::string path = "/tmp/corio-server-test-" + std::to_string(::getpid());
        {
            // A socket file left by a server that died.
            socket stale = socket::open(corio::net::address_family::unix_domain,
                                        corio::net::socket_type::stream);
            stale.bind(address::unix_path(path));
        }
        struct stat st {};
        EXPECT_EQ(::stat(path.c_str(), &st), 0);
        auto srv = co_await corio::net::start_unix_server(&echo_lines, path);
        {
            auto [r, w] = co_await corio::net::open_unix_connection(path);
            w.write("over a path\n");
            EXPECT_EQ(co_await r.readline(), "over a path\n");
            EXPECT_EQ(w.peername()->path(), path);
        }
        co_await srv.aclose();
        EXPECT_NE(::stat(path.c_str(), &st), 0) << "the server removes its socket file";
    };
    run(corio_test::bounded(main()));
}

TEST_P(Server, AServerAndItsConnectionsMayOutliveTheLoop) {
    corio::net::server kept;
    corio::net::stream_pair client;
    auto main = [](corio::net::server& k, corio::net::stream_pair& c) -> task<void> {
        k = co_await corio::net::start_server(&echo_lines, "127.0.0.1", 0);
        c = co_await corio::net::open_connection(k.sockets()[0].local_address());
        c.writer.write(corio_test::pattern(4 << 20));  // more than the socket takes
        EXPECT_TRUE(k.is_serving());
    };
    run(main(kept, client));
    // The loop is gone: closing and destroying must touch nothing of it.
    EXPECT_TRUE(kept.is_serving());
    kept.close();
    client.writer.close();
}

}  // namespace
