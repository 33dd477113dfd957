/* The floor of the epoll echo servers (bench/net, impl "c_epoll"): hand-written C, one thread,
 * edge-triggered epoll, no runtime. See bench/net/README.md.
 *
 *   c_epoll_echo [PORT]     (0 or nothing: the kernel picks; the port is the first line printed)
 *
 * Every descriptor is registered once, edge-triggered for input and output; there is no
 * epoll_ctl in the steady state. An input edge reads into one buffer shared by all connections
 * and writes what came back at once: a read shorter than the buffer means the socket is drained
 * (a new edge comes with the next segment), so a round trip costs one read and one write, plus
 * the share of one epoll_wait. Only what a write could not take is kept per connection, until
 * the output edge; reading stops meanwhile.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { buffer_size = 65536, max_events = 256, listen_tag = -1 };

struct conn {
    char* pending;      /* unsent bytes (malloc'd), or NULL */
    size_t pending_len;
    size_t pending_off;
};

static struct conn* conns;
static size_t conns_cap;
static char buffer[buffer_size];

static void die(const char* what) {
    perror(what);
    exit(1);
}

static struct conn* conn_of(int fd) {
    if ((size_t)fd >= conns_cap) {
        size_t cap = conns_cap ? conns_cap : 1024;
        while (cap <= (size_t)fd) cap *= 2;
        conns = realloc(conns, cap * sizeof *conns);
        if (!conns) die("realloc");
        memset(conns + conns_cap, 0, (cap - conns_cap) * sizeof *conns);
        conns_cap = cap;
    }
    return &conns[fd];
}

static void close_conn(int fd) {
    struct conn* c = conn_of(fd);
    free(c->pending);
    memset(c, 0, sizeof *c);
    close(fd); /* closing drops the epoll registration */
}

/* Writes what is pending; 1 if all of it went, 0 if the socket is full, -1 on error. */
static int flush(int fd, struct conn* c) {
    while (c->pending_off < c->pending_len) {
        ssize_t w = send(fd, c->pending + c->pending_off, c->pending_len - c->pending_off,
                         MSG_NOSIGNAL);
        if (w > 0) {
            c->pending_off += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN) {
            return 0;
        } else {
            return -1;
        }
    }
    free(c->pending);
    c->pending = NULL;
    c->pending_len = c->pending_off = 0;
    return 1;
}

/* Reads and echoes until the socket is drained (or full the other way). -1: close it.
 * `hangup`: the peer's end of file came with this edge, so read on to it (no later edge will
 * tell), whatever a short read suggests. */
static int echo(int fd, struct conn* c, int hangup) {
    if (c->pending) return 0; /* waiting for the output edge */
    for (;;) {
        ssize_t n = recv(fd, buffer, buffer_size, 0);
        if (n == 0) return -1;
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 0 : -1;
        }
        size_t off = 0;
        while (off < (size_t)n) {
            ssize_t w = send(fd, buffer + off, (size_t)n - off, MSG_NOSIGNAL);
            if (w > 0) {
                off += (size_t)w;
            } else if (w < 0 && errno == EINTR) {
                continue;
            } else if (w < 0 && errno == EAGAIN) {
                c->pending_len = (size_t)n - off;
                c->pending_off = 0;
                c->pending = malloc(c->pending_len);
                if (!c->pending) die("malloc");
                memcpy(c->pending, buffer + off, c->pending_len);
                return 0;
            } else {
                return -1;
            }
        }
        if (n < buffer_size && !hangup) return 0; /* short read: drained */
    }
}

int main(int argc, char** argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* Accepted sockets inherit TCP_NODELAY from the listener: no system call per connection. */
    setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr*)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfd, 4096) < 0) die("listen");
    socklen_t len = sizeof addr;
    getsockname(lfd, (struct sockaddr*)&addr, &len);
    printf("%d\n", ntohs(addr.sin_port));
    fflush(stdout);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = listen_tag};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl");

    struct epoll_event events[max_events];
    for (;;) {
        int n = epoll_wait(ep, events, max_events, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == listen_tag) {
                for (;;) {
                    int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (c < 0) {
                        if (errno == EINTR || errno == ECONNABORTED) continue;
                        break; /* EAGAIN; or EMFILE and the like: the next edge retries */
                    }
                    conn_of(c);
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                              .data.fd = c};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) < 0) die("epoll_ctl");
                    /* Data may already be there: the registration reports it as an edge. */
                }
                continue;
            }
            struct conn* c = conn_of(fd);
            uint32_t e = events[i].events;
            int r = 0;
            if ((e & EPOLLOUT) && c->pending) {
                r = flush(fd, c);
                if (r > 0) r = echo(fd, c, 1); /* reading had stopped: catch up */
            }
            if (r >= 0 && (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
                r = echo(fd, c, (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
            if (r < 0) close_conn(fd);
        }
    }
}
