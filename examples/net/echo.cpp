// asyncio's "TCP echo client and server" with streams, over real TCP on loopback: the server
// echoes each line back; each client sends one line, reads the answer and closes.

#include <iostream>
#include <string>
#include <vector>

#include <corio/core.hpp>
#include <corio/net.hpp>

#include "example.hpp"

namespace {

using corio::task;
using corio::net::stream_reader;
using corio::net::stream_writer;

task<void> handle_echo(stream_reader reader, stream_writer writer) {
    const std::string message = co_await reader.readline();
    std::cout << "Server received " << message.substr(0, message.size() - 1) << '\n';
    writer.write(message);
    co_await writer.drain();
    writer.close();
    co_await writer.wait_closed();
}

task<void> echo_client(std::uint16_t port, std::string message) {
    auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", port);
    std::cout << "Send: " << message << '\n';
    writer.write(message + "\n");
    co_await writer.drain();
    const std::string answer = co_await reader.readline();
    std::cout << "Received: " << answer.substr(0, answer.size() - 1) << '\n';
    writer.close();
    co_await writer.wait_closed();
}

task<void> main_task() {
    // Port 0: the kernel picks a free one, read back from the listening socket.
    auto server = co_await corio::net::start_server(handle_echo, "127.0.0.1", 0);
    const std::uint16_t port = server.sockets()[0].local_address().port();
    for (std::string message : {"Hello World!", "Goodbye!"}) co_await echo_client(port, message);
    server.close();
    co_await server.wait_closed();
    std::cout << "Server closed\n";
}

}  // namespace

CORIO_EXAMPLE(echo) { corio::run(main_task()); }
