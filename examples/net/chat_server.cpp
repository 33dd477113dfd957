// A line chat server: every line a client sends goes to every other client. Run with a port to
// serve for real until Ctrl-C (SIGINT) or SIGTERM, then shut down gracefully, telling every
// client goodbye:
//
//   CORIO_CHAT_PORT=7000 example_chat_server      # then, in other terminals: nc 127.0.0.1 7000
//
// Without CORIO_CHAT_PORT, three scripted clients chat over loopback and the transcript one of
// them sees is printed.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <list>
#include <string>

#include <corio/core.hpp>
#include <corio/net.hpp>
#include <corio/sync.hpp>

#include "example.hpp"

namespace {

using corio::task;
using corio::net::stream_reader;
using corio::net::stream_writer;

/// The writers of everyone connected, and the broadcast.
class chat_room {
public:
    task<void> serve(stream_reader reader, stream_writer writer) {
        writer.write("Welcome! What is your name?\n");
        std::string name = co_await reader.readline();
        if (name.empty()) co_return;
        name.pop_back();
        auto me = members_.insert(members_.end(), &writer);
        broadcast(name + " joined\n", &writer);
        try {
            for (std::string line; !(line = co_await reader.readline()).empty();) {
                broadcast(name + ": " + line, &writer);
            }
        } catch (const std::exception&) {  // a reset connection: leave like any other
        }
        members_.erase(me);
        broadcast(name + " left\n", nullptr);
    }

    /// Says goodbye to everyone (graceful shutdown).
    void goodbye() {
        for (stream_writer* w : members_) {
            w->write("Server shutting down, goodbye\n");
            w->close();
        }
    }

private:
    void broadcast(const std::string& text, const stream_writer* from) {
        for (stream_writer* w : members_) {
            // write() never blocks: a slow reader's lines queue up on its own connection.
            if (w != from && !w->is_closing()) w->write(text);
        }
    }

    std::list<stream_writer*> members_;
};

task<void> serve_until_signalled(std::uint16_t port) {
    chat_room room;
    auto server = co_await corio::net::start_server(
        [&room](stream_reader r, stream_writer w) {
            return room.serve(std::move(r), std::move(w));
        },
        "", port);
    std::cout << "chat server on port " << port << "; Ctrl-C to stop" << std::endl;
    corio::event stop;
    auto& loop = corio::get_running_loop();
    loop.add_signal_handler(SIGINT, [&stop] { stop.set(); });
    loop.add_signal_handler(SIGTERM, [&stop] { stop.set(); });
    co_await stop.wait();
    std::cout << "shutting down" << std::endl;
    server.close();
    room.goodbye();
    co_await server.wait_closed();
}

/// A scripted client: joins as `name`, says `lines` (each after the previous one came back to
/// the observer), and leaves.
task<void> demo() {
    chat_room room;
    auto server = co_await corio::net::start_server(
        [&room](stream_reader r, stream_writer w) {
            return room.serve(std::move(r), std::move(w));
        },
        "127.0.0.1", 0);
    const std::uint16_t port = server.sockets()[0].local_address().port();

    // The observer: prints everything it is told.
    auto [watch_in, watch_out] = co_await corio::net::open_connection("127.0.0.1", port);
    std::cout << "carol sees: " << co_await watch_in.readline();
    watch_out.write("carol\n");
    auto heard = [&watch_in]() -> task<void> {
        std::cout << "carol sees: " << co_await watch_in.readline();
    };

    auto [alice_in, alice_out] = co_await corio::net::open_connection("127.0.0.1", port);
    co_await alice_in.readline();  // the welcome
    alice_out.write("alice\n");
    co_await heard();
    auto [bob_in, bob_out] = co_await corio::net::open_connection("127.0.0.1", port);
    co_await bob_in.readline();
    bob_out.write("bob\n");
    co_await heard();
    alice_out.write("hello everyone\n");
    co_await heard();
    std::cout << "bob sees:   "
              << co_await bob_in.readline();  // alice joined before bob: only this
    bob_out.write("hi alice\n");
    co_await heard();
    alice_out.close();
    co_await heard();
    bob_out.close();
    co_await heard();
    watch_out.close();
    server.close();
    co_await server.wait_closed();
    std::cout << "server closed\n";
}

}  // namespace

CORIO_EXAMPLE(chat_server) {
    if (const char* port = std::getenv("CORIO_CHAT_PORT")) {
        corio::run(serve_until_signalled(static_cast<std::uint16_t>(std::atoi(port))));
    } else {
        corio::run(demo());
    }
}
