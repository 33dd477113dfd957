// The accept and idle modes of the echo benchmark's load client (see echo_load.cpp): connections
// opened and closed as fast as the server accepts them, and connections held open and idle.
#include "echo_load_support.hpp"

namespace echo_load {

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
            std::printf(
                "{\"window\": %d, \"connections\": %lld, \"seconds\": %.6f, "
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

int run_accept(const options& o) { return accept_client(o).run(); }

}  // namespace echo_load
