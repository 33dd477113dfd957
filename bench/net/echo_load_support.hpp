#pragma once
// What the load client of the echo benchmark shares between its modes (echo_load.cpp): its
// options, error exits, clocks, socket set-up and the graceful close of a set of connections.
// Plain C and POSIX calls: the client must cost the same whichever server it drives.
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

namespace echo_load {

[[noreturn]] inline void die(const char* what) {
    std::fprintf(stderr, "echo_load: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

[[noreturn]] inline void usage(const char* msg) {
    std::fprintf(stderr, "echo_load: %s\n", msg);
    std::exit(2);
}

inline std::int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline double cpu_seconds() {
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
    double rewarm = 0.1;           // --sync "warm": seconds of an unmeasured window
    std::int64_t round_trips = 0;  // > 0: windows end after this many round trips
    int windows = 1;
    bool sync = false;
    double rate = 0;  // > 0: echo windows offer this many round trips per second (paced)
};

inline sockaddr_in server_address(const options& o) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(o.port));
    if (inet_pton(AF_INET, o.host.c_str(), &a.sin_addr) != 1) usage("bad --host (IPv4 only)");
    return a;
}

inline void set_nodelay(int fd) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

inline void set_nonblocking(int fd) {
    const int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) die("fcntl");
}

/// Closes without leaving TIME_WAIT behind (an RST if anything is still unacknowledged).
inline void abortive_close(int fd) {
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

/// Binds `fd` to the next of many loopback source addresses (127.0.x.y), its port chosen at
/// connect time (IP_BIND_ADDRESS_NO_PORT): each source address has its own ephemeral ports, so
/// the tens of thousands of connections a run opens, and the TIME_WAIT states they leave, never
/// use up the 28,000 ports of one address. Only for a server on 127.0.0.1 (the default host).
inline void bind_source(int fd, const sockaddr_in& to) {
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
inline int connect_blocking(const sockaddr_in& to) {
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

inline command next_command(const options& o, int& windows_done) {
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

inline double percentile_us(std::vector<std::uint32_t>& v, double p) {
    if (v.empty()) return 0;
    std::size_t k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k] / 1000.0;
}

/// Graceful end of a set of connections: shutdown(SHUT_WR), wait (up to 2 s) for each server to
/// close its side, then close without TIME_WAIT.
inline void close_all(int ep, std::vector<int>& fds) {
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

}  // namespace echo_load
