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
//             [--round-trips M] [--windows K] [--rewarm SEC] [--sync] [--rate R]
//
// Modes:
//   echo    N connections, S-byte messages: a warm-up (whose echoes are checked byte for byte),
//           then K measured windows of --duration seconds, or of --round-trips M round trips in
//           all (the system-call count run). At the end of a window no new message is sent and
//           the ones in flight are awaited, so that nothing is half done when it is measured.
//           With --rate R the measured windows are paced instead (an open loop): a message is
//           due every 1/R seconds, on each connection in turn, and its latency counts from when
//           it was due. A connection whose last echo has not come when its turn comes skips
//           it ("missed"): at a rate the server sustains, none does. Under a saturated closed
//           loop the p99 mostly says how the client's batches fall; paced well below
//           saturation, it says what the server adds to a round trip.
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
//    "client_cpu_s": c, "conn_rt_min": m, "conn_rt_max": M, "starved": z, "missed": x}
// (conn_rt_min/max: the fewest and most round trips one connection made in the window; starved:
// how many made none, whose wait no latency sample shows)
// (accept: "connections", "conn_per_s"; idle: "connections").
#include "echo_load_support.hpp"

namespace echo_load {

int run_accept(const options& o);  // echo_load_accept.cpp
int run_idle(const options& o);    // echo_load_accept.cpp

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
    explicit echo_client(const options& o)
        : o_(o), message_(o.size), buffer_(std::max<std::size_t>(o.size, 65536)) {
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
            missed_ = 0;
            const std::int64_t n = o_.rate > 0 ? run_paced_window(o_.duration)
                                               : run_window(o_.duration, o_.round_trips);
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
            std::printf(
                "{\"window\": %d, \"round_trips\": %lld, \"seconds\": %.6f, "
                "\"rt_per_s\": %.1f, \"p50_us\": %.2f, \"p99_us\": %.2f, "
                "\"client_cpu_s\": %.6f, \"conn_rt_min\": %u, \"conn_rt_max\": %u, "
                "\"starved\": %u, \"missed\": %lld}\n",
                w++, static_cast<long long>(n), seconds, static_cast<double>(n) / seconds, p50, p99,
                cpu, least, most, starved, static_cast<long long>(missed_));
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
        begin_window(limit);
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
                if (!echo_done(c, events[i].events, t)) continue;
                if (stopping_ || (limit_ > 0 && started_ >= limit_)) {
                    --in_flight;
                } else {
                    start_message(c, t);
                }
            }
        }
        return completed_;
    }

    /// The paced window (--rate): for `seconds`, a message due every 1/rate seconds, on each
    /// connection in turn; then waits for the messages in flight. Returns the round trips.
    std::int64_t run_paced_window(double seconds) {
        begin_window(0);
        const double period = 1e9 / o_.rate;
        const std::int64_t t0 = now_ns();
        const std::int64_t end = t0 + static_cast<std::int64_t>(seconds * 1e9);
        std::int64_t sends = 0;  // messages due so far
        // When the next message is due.
        auto next_due = [&] {
            return t0 + static_cast<std::int64_t>(static_cast<double>(sends) * period);
        };
        std::size_t next = 0;  // the connection whose turn is next
        std::size_t in_flight = 0;
        std::vector<epoll_event> events(1024);
        for (;;) {
            std::int64_t t = now_ns();
            const bool open = t < end;
            for (std::int64_t due = next_due(); open && due <= t; due = next_due()) {
                connection& c = conns_[next];
                next = (next + 1) % conns_.size();
                ++sends;
                if (c.busy) {
                    ++missed_;
                    continue;
                }
                start_message(c, due);
                ++in_flight;
            }
            if (!open && in_flight == 0) break;
            // Wait for echoes until the next message is due (to the microsecond).
            timespec wait{};
            timespec* timeout = nullptr;
            if (open) {
                const std::int64_t left = std::max<std::int64_t>(0, std::min(next_due(), end) - t);
                wait.tv_sec = left / 1'000'000'000;
                wait.tv_nsec = left % 1'000'000'000;
                timeout = &wait;
            }
            const int n =
                epoll_pwait2(ep_, events.data(), static_cast<int>(events.size()), timeout, nullptr);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("epoll_pwait2");
            }
            t = now_ns();
            for (int i = 0; i < n; ++i) {
                if (echo_done(conns_[events[i].data.u64], events[i].events, t)) --in_flight;
            }
        }
        return completed_;
    }

    /// Resets the window's counts; `limit`: as run_window's.
    void begin_window(std::int64_t limit) {
        completed_ = 0;
        started_ = 0;
        limit_ = limit;
        stopping_ = false;
        for (auto& c : conns_) c.done = 0;
    }

    /// Handles the readiness `e` of `c` at time `t`: sends more of its message, receives its
    /// echo. True once the whole echo is in (its round trip then counted and sampled, and `c`
    /// free for the next message).
    bool echo_done(connection& c, std::uint32_t e, std::int64_t t) {
        if (!c.busy) return false;
        if ((e & EPOLLOUT) && c.sent < o_.size) send_more(c);
        if (!(e & (EPOLLIN | EPOLLERR | EPOLLHUP)) || !receive(c)) return false;
        samples_.push_back(
            static_cast<std::uint32_t>(std::min<std::int64_t>(t - c.start, 0xffffffff)));
        ++completed_;
        ++c.done;
        c.busy = false;
        return true;
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
    std::int64_t missed_ = 0;  // paced: turns a busy connection skipped
};

}  // namespace echo_load

using namespace echo_load;

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage("missing value");
            return argv[++i];
        };
        if (a == "--host")
            o.host = value();
        else if (a == "--port")
            o.port = std::atoi(value());
        else if (a == "--mode")
            o.mode = value();
        else if (a == "--connections")
            o.connections = std::atoi(value());
        else if (a == "--size")
            o.size = static_cast<std::size_t>(std::atol(value()));
        else if (a == "--warmup")
            o.warmup = std::atof(value());
        else if (a == "--duration")
            o.duration = std::atof(value());
        else if (a == "--rewarm")
            o.rewarm = std::atof(value());
        else if (a == "--round-trips")
            o.round_trips = std::atoll(value());
        else if (a == "--windows")
            o.windows = std::atoi(value());
        else if (a == "--sync")
            o.sync = true;
        else if (a == "--rate")
            o.rate = std::atof(value());
        else
            usage("unknown argument (see the comment at the top of bench/net/echo_load.cpp)");
    }
    if (o.port <= 0 || o.connections <= 0 || o.size == 0 || o.windows <= 0) usage("bad arguments");
    // As many descriptors as the hard limit allows (the idle test holds 10,000 connections).
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (o.mode == "echo") return echo_client(o).run();
    if (o.mode == "accept") return run_accept(o);
    if (o.mode == "idle") return run_idle(o);
    usage("--mode must be echo, accept or idle");
}
