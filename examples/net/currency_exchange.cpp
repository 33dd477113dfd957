// Seed 003's motivating program: a currency-exchange service that, for every request, asks a
// separate rates service over the network, which takes 1 to 50 ms to answer. Written twice:
// on one thread with corio (the service never blocks while it waits), and thread-per-request
// with blocking sockets, as the seed's "classic threaded approach". The same clients, hundreds
// at once over loopback, measure both.
//
// Protocol, one line each way: "100 EUR USD\n" -> "108.00 USD\n"; the rates service gets
// "EUR USD\n" and answers "1.08\n".

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net.hpp>
#include <corio/thread.hpp>

#include "example.hpp"

namespace {

using corio::task;
using corio::net::stream_reader;
using corio::net::stream_writer;
using namespace std::chrono_literals;

const std::map<std::string, double> to_usd = {
    {"USD", 1.0}, {"EUR", 1.08}, {"GBP", 1.27}, {"JPY", 0.0067}};

/// The rate from `from` to `to`, as the rates service says it (six decimals).
std::string rate_text(const std::string& from, const std::string& to) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.6f", to_usd.at(from) / to_usd.at(to));
    return rate;
}

/// The rates service: answers after 1 to 50 ms (a slow upstream), one connection at a time each.
task<void> rates_handler(stream_reader reader, stream_writer writer) {
    for (std::string line; !(line = co_await reader.readline()).empty();) {
        std::istringstream in(line);
        std::string from, to;
        in >> from >> to;
        const int delay_ms = 1 + static_cast<int>(std::hash<std::string>{}(line) % 50);
        co_await corio::sleep(std::chrono::milliseconds(delay_ms));
        writer.write(rate_text(from, to) + "\n");
    }
}

/// "100 EUR USD" at `rate` -> "108.00 USD".
std::string convert(const std::string& request, double rate) {
    std::istringstream in(request);
    double amount;
    std::string from, to;
    in >> amount >> from >> to;
    char out[64];
    std::snprintf(out, sizeof out, "%.2f %s\n", amount * rate, to.c_str());
    return out;
}

/// The exchange service on corio: per request, it asks the rates service and waits without
/// blocking anything else.
task<void> exchange_handler(std::uint16_t rates_port, stream_reader reader, stream_writer writer) {
    for (std::string request; !(request = co_await reader.readline()).empty();) {
        std::istringstream in(request);
        std::string amount, from, to;
        in >> amount >> from >> to;
        auto [rates_in, rates_out] = co_await corio::net::open_connection("127.0.0.1", rates_port);
        rates_out.write(from + " " + to + "\n");
        const double rate = std::stod(co_await rates_in.readline());
        rates_out.close();
        writer.write(convert(request, rate));
        co_await writer.drain();
    }
}

// ---- the same service, thread-per-request, with blocking sockets ------------------------

int listen_blocking(std::uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 1024);
    socklen_t size = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
    port = ntohs(a.sin_port);
    return fd;
}

std::string read_line_blocking(int fd) {
    std::string line;
    char c;
    while (::recv(fd, &c, 1, 0) == 1) {
        line += c;
        if (c == '\n') break;
    }
    return line;
}

void serve_connection_blocking(int conn, std::uint16_t rates_port) {
    for (std::string request; !(request = read_line_blocking(conn)).empty();) {
        std::istringstream in(request);
        std::string amount, from, to;
        in >> amount >> from >> to;
        const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(rates_port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::connect(upstream, reinterpret_cast<sockaddr*>(&a), sizeof a);  // the thread blocks
        const std::string ask = from + " " + to + "\n";
        ::send(upstream, ask.data(), ask.size(), MSG_NOSIGNAL);
        const double rate = std::stod(read_line_blocking(upstream));  // blocks for 1-50 ms
        ::close(upstream);
        const std::string answer = convert(request, rate);
        ::send(conn, answer.data(), answer.size(), MSG_NOSIGNAL);
    }
    ::close(conn);
}

/// Accepts until `stop`; one thread per connection. Returns how many threads it started.
int serve_blocking(int listener, std::uint16_t rates_port, std::atomic<bool>& stop) {
    std::vector<std::thread> threads;
    while (!stop) {
        const int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) break;
        threads.emplace_back(serve_connection_blocking, conn, rates_port);
    }
    for (auto& t : threads) t.join();
    return static_cast<int>(threads.size());
}

// ---- the clients -----------------------------------------------------------------------

constexpr int clients = 200;
constexpr int requests_per_client = 5;

/// One client: a few requests in a row; counts the correct answers.
task<void> client(std::uint16_t port, int id, int& correct) {
    auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", port);
    static const char* const currencies[] = {"USD", "EUR", "GBP", "JPY"};
    for (int i = 0; i < requests_per_client; ++i) {
        const std::string from = currencies[(id + i) % 4], to = currencies[(id + 2 * i + 1) % 4];
        const std::string request = std::to_string(100 + id) + " " + from + " " + to + "\n";
        writer.write(request);
        const std::string answer = co_await reader.readline();
        if (answer == convert(request, std::stod(rate_text(from, to)))) ++correct;
    }
    writer.close();
}

/// Runs every client against `port`; prints what happened and the throughput.
task<void> measure(const char* name, std::uint16_t port) {
    int correct = 0;
    const auto start = std::chrono::steady_clock::now();
    co_await corio::task_group::run([&](corio::task_group& g) -> task<void> {
        for (int id = 0; id < clients; ++id) g.spawn(client, port, id, std::ref(correct));
        co_return;
    });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << name << ": " << clients << " clients, " << correct << " of "
              << clients * requests_per_client << " answers correct, ≈ "
              << static_cast<long>(clients * requests_per_client / seconds) << " requests/s\n";
}

task<void> main_task() {
    // A backlog for hundreds of clients connecting at once (a full backlog drops SYNs, and a
    // dropped SYN is retried only after a second).
    corio::net::server_options options;
    options.backlog = 1024;
    auto rates = co_await corio::net::start_server(rates_handler, "127.0.0.1", 0, options);
    const std::uint16_t rates_port = rates.sockets()[0].local_address().port();
    std::cout << "rates service: answers each question after 1 to 50 ms\n";

    auto exchange = co_await corio::net::start_server(
        [rates_port](stream_reader r, stream_writer w) {
            return exchange_handler(rates_port, std::move(r), std::move(w));
        },
        "127.0.0.1", 0, options);
    co_await measure("exchange on one corio thread", exchange.sockets()[0].local_address().port());
    exchange.close();
    co_await exchange.wait_closed();

    std::uint16_t blocking_port = 0;
    const int listener = listen_blocking(blocking_port);
    std::atomic<bool> stop{false};
    std::atomic<int> threads{0};
    std::thread acceptor([&] { threads = serve_blocking(listener, rates_port, stop); });
    co_await measure("exchange thread-per-request", blocking_port);
    stop = true;
    ::shutdown(listener, SHUT_RDWR);  // wakes the blocked accept
    co_await corio::to_thread([&] { acceptor.join(); });
    ::close(listener);
    std::cout << "thread-per-request used " << threads << " threads; corio used one\n";
    rates.close();
    co_await rates.wait_closed();
}

}  // namespace

CORIO_EXAMPLE(currency_exchange) { corio::run(main_task()); }
