// The load client of the loopback echo benchmark (bench/net, see bench/net/README.md).
//
// Plain epoll, one thread, no corio: it must cost the same whichever server it drives. Each of
// N connections sends a message of S bytes, waits for the whole echo, and sends the next one at
// once (one message in flight per connection, a closed loop). It reports round trips per second,
// the p50 and p99 latency of the round trips, and its own CPU time (getrusage, user + system),
// so that a reader sees when the client, not the server, is the limit.
//
//   echo_load --port P [--host 127.0.0.1] --mode echo|accept|idle
//             [--connections N] [--size S] [--warmup SEC] [--duration SEC]
//             [--round-trips M] [--windows K] [--rewarm SEC] [--sync]
//
// Modes:
//   echo    N connections, S-byte messages: a warm-up (whose echoes are checked byte for byte),
//           then K measured windows of --duration seconds, or of --round-trips M round trips in
//           all (the system-call count run). At the end of a window no new message is sent and
//           the ones in flight are awaited, so that nothing is half done when it is measured.
//   accept  connections opened and closed: --connections N attempts in flight at a time, each
//           a non-blocking connect, a 1-byte echo, a graceful close (the client's shutdown, the
//           server's end of file); windows of --duration seconds.
//   idle    opens N connections, makes one 1-byte round trip on each (so the server has accepted
//           every one and waits in a receive on it), prints its result, then holds them open,
//           idle: with --sync until it reads a line, else for --duration seconds.
//
// With --sync the client is driven over stdin/stdout by bench/net/echo_bench.py: whenever every
// connection is quiet (after the warm-up, and after each window) it prints "ready" and reads a
// line: "go" runs one measured window and prints its result, "warm" runs an unmeasured one of
// --rewarm seconds, "quit" (or end of file) closes everything and exits. The driver reads the
// server's CPU time between the lines, when nothing is in flight. Without --sync, --windows
// windows run back to back. Each result is one JSON object on a line of stdout:
//   {"window": i, "round_trips": n, "seconds": s, "rt_per_s": r, "p50_us": a, "p99_us": b,
//    "client_cpu_s": c, "conn_rt_min": m, "conn_rt_max": M, "starved": z}
// (conn_rt_min/max: the fewest and most round trips one connection made in the window; starved:
// how many made none, whose wait no latency sample shows)
// (accept: "connections", "conn_per_s"; idle: "connections").
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "echo_load: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

[[noreturn]] void usage(const char* msg) {
    std::fprintf(stderr, "echo_load: %s\n", msg);
    std::exit(2);
}

std::int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

struct options {
    std::string host = "127.0.0.1";
    int port = 0;
    std::string mode = "echo";
    int connections = 1;
    std::size_t size = 64;
    double warmup = 0.3;
    double duration = 1.0;
    double rewarm = 0.1;  // --sync "warm": seconds of an unmeasured window
    std::int64_t round_trips = 0;  // > 0: windows end after this many round trips
    int windows = 1;
    bool sync = false;
};

sockaddr_in server_address(const options& o) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(o.port));
    if (inet_pton(AF_INET, o.host.c_str(), &a.sin_addr) != 1) usage("bad --host (IPv4 only)");
    return a;
}

void set_nodelay(int fd) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void set_nonblocking(int fd) {
    const int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) die("fcntl");
}

/// Closes without leaving TIME_WAIT behind (an RST if anything is still unacknowledged).
void abortive_close(int fd) {
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

/// Binds `fd` to the next of many loopback source addresses (127.0.x.y), its port chosen at
/// connect time (IP_BIND_ADDRESS_NO_PORT): each source address has its own ephemeral ports, so
/// the tens of thousands of connections a run opens, and the TIME_WAIT states they leave, never
/// use up the 28,000 ports of one address. Only for a server on 127.0.0.1 (the default host).
void bind_source(int fd, const sockaddr_in& to) {
    static std::uint32_t next = 0;
    if (to.sin_addr.s_addr != htonl(INADDR_LOOPBACK)) return;
    const std::uint32_t k = next++;
    const int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl((127u << 24) | ((1 + (k / 250) % 250) << 8) | (2 + k % 250));
    if (bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) < 0) die("bind");
}

/// A blocking connect, then non-blocking. The servers listen with a backlog of 4096, so the
/// handshake completes in the kernel whether or not the server has accepted yet.
int connect_blocking(const sockaddr_in& to) {
    for (int attempt = 0;; ++attempt) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        bind_source(fd, to);
        if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) {
            set_nodelay(fd);
            set_nonblocking(fd);
            return fd;
        }
        const int e = errno;
        close(fd);
        // EADDRNOTAVAIL: ephemeral ports still in TIME_WAIT; wait for them a little.
        if ((e == EADDRNOTAVAIL || e == EAGAIN || e == ECONNREFUSED) && attempt < 200) {
            usleep(10'000);
            continue;
        }
        errno = e;
        die("connect");
    }
}

/// What the driver asks for next (--sync): "go" (a measured window), "warm" (an unmeasured one
/// of --rewarm seconds) or "quit". Without --sync: `windows` measured windows, then "quit".
enum class command : std::uint8_t { go, warm, quit };

command next_command(const options& o, int& windows_done) {
    if (!o.sync) return windows_done++ < o.windows ? command::go : command::quit;
    std::printf("ready\n");  // every connection is quiet
    std::fflush(stdout);
    char line[64];
    if (!std::fgets(line, sizeof line, stdin)) return command::quit;
    const std::string_view w(line);
    if (w.substr(0, 2) == "go") return command::go;
    if (w.substr(0, 4) == "warm") return command::warm;
    return command::quit;
}

double percentile_us(std::vector<std::uint32_t>& v, double p) {
    if (v.empty()) return 0;
    std::size_t k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k] / 1000.0;
}

/// Graceful end of a set of connections: shutdown(SHUT_WR), wait (up to 2 s) for each server to
/// close its side, then close without TIME_WAIT.
void close_all(int ep, std::vector<int>& fds) {
    std::vector<char> open(fds.size(), 1);
    std::size_t remaining = 0;
    for (std::size_t i = 0; i < fds.size(); ++i) {
        if (fds[i] < 0) {
            open[i] = 0;
            continue;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_MOD, fds[i], &ev);
        shutdown(fds[i], SHUT_WR);
        ++remaining;
    }
    const std::int64_t deadline = now_ns() + 2'000'000'000;
    std::vector<epoll_event> events(1024);
    char sink[4096];
    while (remaining > 0 && now_ns() < deadline) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
        for (int i = 0; i < n; ++i) {
            const std::size_t c = events[i].data.u64;
            if (!open[c]) continue;
            const ssize_t r = recv(fds[c], sink, sizeof sink, 0);
            if (r > 0 || (r < 0 && errno == EAGAIN)) continue;
            open[c] = 0;
            --remaining;
        }
    }
    for (int& fd : fds) {
        if (fd >= 0) abortive_close(fd);
        fd = -1;
    }
}

// ---- echo ------------------------------------------------------------------------------------

struct connection {
    int fd = -1;
    std::uint32_t sent = 0;      // bytes of the current message sent
    std::uint32_t received = 0;  // bytes of its echo received
    bool busy = false;           // a message is in flight
    std::int64_t start = 0;      // when it was sent
    std::uint32_t done = 0;      // round trips completed in this window
};

class echo_client {
public:
    explicit echo_client(const options& o) : o_(o), message_(o.size), buffer_(std::max<std::size_t>(o.size, 65536)) {
        for (std::size_t i = 0; i < o.size; ++i) message_[i] = static_cast<char>('a' + i % 26);
        ep_ = epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0) die("epoll_create1");
        const sockaddr_in to = server_address(o);
        conns_.resize(static_cast<std::size_t>(o.connections));
        for (std::size_t i = 0; i < conns_.size(); ++i) {
            conns_[i].fd = connect_blocking(to);
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
            ev.data.u64 = i;
            if (epoll_ctl(ep_, EPOLL_CTL_ADD, conns_[i].fd, &ev) < 0) die("epoll_ctl");
        }
        samples_.reserve(1 << 22);
    }

    int run() {
        // Warm-up, checking every echo byte for byte.
        check_ = true;
        run_window(o_.warmup, 0);
        check_ = false;
        int done = 0;
        for (int w = 0;;) {
            const command c = next_command(o_, done);
            if (c == command::quit) break;
            if (c == command::warm) {
                run_window(o_.rewarm, 0);
                continue;
            }
            samples_.clear();
            const double cpu0 = cpu_seconds();
            const std::int64_t t0 = now_ns();
            const std::int64_t n = run_window(o_.duration, o_.round_trips);
            const double seconds = static_cast<double>(now_ns() - t0) * 1e-9;
            const double cpu = cpu_seconds() - cpu0;
            const double p50 = percentile_us(samples_, 0.50);
            const double p99 = percentile_us(samples_, 0.99);
            // Fairness: the fewest and most round trips a connection made in the window, and how
            // many made none (a starved connection's wait is in no latency sample).
            std::uint32_t least = ~0u, most = 0, starved = 0;
            for (const auto& c : conns_) {
                least = std::min(least, c.done);
                most = std::max(most, c.done);
                starved += c.done == 0;
            }
            std::printf("{\"window\": %d, \"round_trips\": %lld, \"seconds\": %.6f, "
                        "\"rt_per_s\": %.1f, \"p50_us\": %.2f, \"p99_us\": %.2f, "
                        "\"client_cpu_s\": %.6f, \"conn_rt_min\": %u, \"conn_rt_max\": %u, "
                        "\"starved\": %u}\n",
                        w++, static_cast<long long>(n), seconds, static_cast<double>(n) / seconds,
                        p50, p99, cpu, least, most, starved);
            std::fflush(stdout);
        }
        std::vector<int> fds;
        for (auto& c : conns_) fds.push_back(c.fd);
        close_all(ep_, fds);
        return 0;
    }

private:
    /// Runs the closed loop for `seconds` (or until `limit` round trips were started, if > 0),
    /// then waits for the messages in flight. Returns the round trips completed.
    std::int64_t run_window(double seconds, std::int64_t limit) {
        completed_ = 0;
        started_ = 0;
        limit_ = limit;
        stopping_ = false;
        for (auto& c : conns_) c.done = 0;
        const std::int64_t end = now_ns() + static_cast<std::int64_t>(seconds * 1e9);
        std::size_t in_flight = 0;
        for (auto& c : conns_) {
            if (limit_ > 0 && started_ >= limit_) break;
            start_message(c, now_ns());
            ++in_flight;
        }
        std::vector<epoll_event> events(1024);
        while (in_flight > 0) {
            int timeout = -1;
            if (!stopping_ && limit_ == 0) {
                const std::int64_t left = end - now_ns();
                if (left <= 0) {
                    stopping_ = true;
                } else {
                    timeout = static_cast<int>(left / 1'000'000) + 1;
                }
            }
            const int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), timeout);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("epoll_wait");
            }
            if (n == 0) continue;
            const std::int64_t t = now_ns();
            if (!stopping_ && limit_ == 0 && t >= end) stopping_ = true;
            for (int i = 0; i < n; ++i) {
                connection& c = conns_[events[i].data.u64];
                const std::uint32_t e = events[i].events;
                if (!c.busy) continue;
                if ((e & EPOLLOUT) && c.sent < o_.size) send_more(c);
                if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                    if (receive(c)) {
                        samples_.push_back(static_cast<std::uint32_t>(
                            std::min<std::int64_t>(t - c.start, 0xffffffff)));
                        ++completed_;
                        ++c.done;
                        c.busy = false;
                        if (stopping_ || (limit_ > 0 && started_ >= limit_)) {
                            --in_flight;
                        } else {
                            start_message(c, t);
                        }
                    }
                }
            }
        }
        return completed_;
    }

    void start_message(connection& c, std::int64_t t) {
        c.busy = true;
        c.sent = 0;
        c.received = 0;
        c.start = t;
        ++started_;
        send_more(c);
    }

    void send_more(connection& c) {
        while (c.sent < o_.size) {
            const ssize_t r = send(c.fd, message_.data() + c.sent, o_.size - c.sent, MSG_NOSIGNAL);
            if (r > 0) {
                c.sent += static_cast<std::uint32_t>(r);
                continue;
            }
            if (r < 0 && errno == EINTR) continue;
            if (r < 0 && errno == EAGAIN) return;  // EPOLLOUT will come
            die("send");
        }
    }

    /// Reads what has come of the echo; true once the whole of it is in. Reads no more than the
    /// rest of the message, so nothing of a later one (there is none) is ever taken.
    bool receive(connection& c) {
        while (c.received < o_.size) {
            const ssize_t r = recv(c.fd, buffer_.data(), o_.size - c.received, 0);
            if (r > 0) {
                if (check_ && std::memcmp(buffer_.data(), message_.data() + c.received,
                                          static_cast<std::size_t>(r)) != 0) {
                    std::fprintf(stderr, "echo_load: the echo differs from the message\n");
                    std::exit(1);
                }
                c.received += static_cast<std::uint32_t>(r);
                continue;
            }
            if (r == 0) {
                std::fprintf(stderr, "echo_load: the server closed a connection\n");
                std::exit(1);
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return false;
            die("recv");
        }
        return true;
    }

    const options& o_;
    std::vector<char> message_;
    std::vector<char> buffer_;
    int ep_ = -1;
    std::vector<connection> conns_;
    std::vector<std::uint32_t> samples_;
    std::int64_t completed_ = 0;
    std::int64_t started_ = 0;
    std::int64_t limit_ = 0;
    bool stopping_ = false;
    bool check_ = false;
};

// ---- accept ----------------------------------------------------------------------------------

class accept_client {
    enum class state : std::uint8_t { connecting, echoing, closing };
    struct attempt {
        int fd = -1;
        state st = state::connecting;
    };

public:
    explicit accept_client(const options& o) : o_(o), to_(server_address(o)) {
        ep_ = epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0) die("epoll_create1");
        slots_.resize(static_cast<std::size_t>(o.connections));
    }

    int run() {
        run_window(o_.warmup);
        int done = 0;
        for (int w = 0;;) {
            const command c = next_command(o_, done);
            if (c == command::quit) break;
            if (c == command::warm) {
                run_window(o_.rewarm);
                continue;
            }
            const double cpu0 = cpu_seconds();
            const std::int64_t t0 = now_ns();
            const std::int64_t n = run_window(o_.duration);
            const double seconds = static_cast<double>(now_ns() - t0) * 1e-9;
            std::printf("{\"window\": %d, \"connections\": %lld, \"seconds\": %.6f, "
                        "\"conn_per_s\": %.1f, \"client_cpu_s\": %.6f}\n",
                        w++, static_cast<long long>(n), seconds, static_cast<double>(n) / seconds,
                        cpu_seconds() - cpu0);
            std::fflush(stdout);
        }
        return 0;
    }

private:
    std::int64_t run_window(double seconds) {
        const std::int64_t end = now_ns() + static_cast<std::int64_t>(seconds * 1e9);
        std::int64_t done = 0;
        std::size_t active = 0;
        bool stopping = false;
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            open(i);
            ++active;
        }
        std::vector<epoll_event> events(1024);
        while (active > 0) {
            const int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 10);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("epoll_wait");
            }
            if (!stopping && now_ns() >= end) stopping = true;
            for (int i = 0; i < n; ++i) {
                const std::size_t s = events[i].data.u64;
                if (!step(s, events[i].events)) continue;
                ++done;  // finished: a new one in its place
                if (stopping) {
                    --active;
                } else {
                    open(s);
                }
            }
        }
        return done;
    }

    void open(std::size_t s) {
        attempt& a = slots_[s];
        a.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (a.fd < 0) die("socket");
        bind_source(a.fd, to_);
        a.st = state::connecting;
        for (int tries = 0;; ++tries) {
            if (connect(a.fd, reinterpret_cast<const sockaddr*>(&to_), sizeof to_) == 0 ||
                errno == EINPROGRESS) {
                break;
            }
            if (errno == EADDRNOTAVAIL && tries < 200) {
                usleep(10'000);
                continue;
            }
            die("connect");
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.u64 = s;
        if (epoll_ctl(ep_, EPOLL_CTL_ADD, a.fd, &ev) < 0) die("epoll_ctl");
    }

    /// Advances one attempt on an event; true once it is finished (and closed).
    bool step(std::size_t s, std::uint32_t events) {
        attempt& a = slots_[s];
        if (a.st == state::connecting) {
            if (events & (EPOLLERR | EPOLLHUP)) {
                errno = ECONNREFUSED;
                die("connect");
            }
            if (!(events & EPOLLOUT)) return false;
            const char byte = 'x';
            if (send(a.fd, &byte, 1, MSG_NOSIGNAL) != 1) die("send");
            a.st = state::echoing;
        }
        char buf[64];
        for (;;) {
            const ssize_t r = recv(a.fd, buf, sizeof buf, 0);
            if (r < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN) return false;
                die("recv");
            }
            if (a.st == state::echoing) {
                if (r == 0) usage("the server closed a connection before its echo");
                shutdown(a.fd, SHUT_WR);
                a.st = state::closing;
                continue;
            }
            if (r == 0) {  // the server's end of file: done
                abortive_close(a.fd);
                a.fd = -1;
                return true;
            }
        }
    }

    const options& o_;
    sockaddr_in to_;
    int ep_ = -1;
    std::vector<attempt> slots_;
};

// ---- idle ------------------------------------------------------------------------------------

int run_idle(const options& o) {
    const sockaddr_in to = server_address(o);
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    std::vector<int> fds;
    fds.reserve(static_cast<std::size_t>(o.connections));
    const std::int64_t t0 = now_ns();
    for (int i = 0; i < o.connections; ++i) {
        const int fd = connect_blocking(to);
        fds.push_back(fd);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = static_cast<std::uint64_t>(i);
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
        const char byte = 'x';
        if (send(fd, &byte, 1, MSG_NOSIGNAL) != 1) die("send");
    }
    // Every connection's echo: then the server has accepted each and waits in a receive.
    std::vector<char> answered(fds.size(), 0);
    std::size_t left = fds.size();
    std::vector<epoll_event> events(1024);
    while (left > 0) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 30'000);
        if (n == 0) usage("idle: the server did not answer every connection within 30 s");
        for (int i = 0; i < n; ++i) {
            const std::size_t c = events[i].data.u64;
            char b;
            const ssize_t r = recv(fds[c], &b, 1, 0);
            if (r == 1 && !answered[c]) {
                answered[c] = 1;
                --left;
            } else if (r == 0) {
                usage("idle: the server closed a connection");
            }
        }
    }
    const double setup = static_cast<double>(now_ns() - t0) * 1e-9;
    std::printf("{\"window\": 0, \"connections\": %d, \"setup_s\": %.3f}\n", o.connections, setup);
    std::fflush(stdout);
    // Held open, idle, until the driver has read the server's memory (any line), or for
    // --duration seconds without --sync.
    if (o.sync) {
        std::printf("ready\n");
        std::fflush(stdout);
        char line[64];
        [[maybe_unused]] char* r = std::fgets(line, sizeof line, stdin);
    } else {
        usleep(static_cast<useconds_t>(o.duration * 1e6));
    }
    close_all(ep, fds);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage("missing value");
            return argv[++i];
        };
        if (a == "--host") o.host = value();
        else if (a == "--port") o.port = std::atoi(value());
        else if (a == "--mode") o.mode = value();
        else if (a == "--connections") o.connections = std::atoi(value());
        else if (a == "--size") o.size = static_cast<std::size_t>(std::atol(value()));
        else if (a == "--warmup") o.warmup = std::atof(value());
        else if (a == "--duration") o.duration = std::atof(value());
        else if (a == "--rewarm") o.rewarm = std::atof(value());
        else if (a == "--round-trips") o.round_trips = std::atoll(value());
        else if (a == "--windows") o.windows = std::atoi(value());
        else if (a == "--sync") o.sync = true;
        else usage("unknown argument (see the comment at the top of bench/net/echo_load.cpp)");
    }
    if (o.port <= 0 || o.connections <= 0 || o.size == 0 || o.windows <= 0) usage("bad arguments");
    // As many descriptors as the hard limit allows (the idle test holds 10,000 connections).
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (o.mode == "echo") return echo_client(o).run();
    if (o.mode == "accept") return accept_client(o).run();
    if (o.mode == "idle") return run_idle(o);
    usage("--mode must be echo, accept or idle");
}
