/* The floor of the io_uring echo servers (bench/net, impl "c_uring"): hand-written C on
 * liburing, one thread, no runtime. See bench/net/README.md.
 *
 *   c_uring_echo [PORT]     (0 or nothing: the kernel picks; the port is the first line printed)
 *
 * The set-up the issue asks of corio's io_uring backend: a ring for one thread
 * (SINGLE_ISSUER | DEFER_TASKRUN | COOP_TASKRUN, where the kernel has them), its descriptor
 * registered, no SQPOLL; one multishot accept; per connection one multishot receive into a
 * provided buffer ring (re-armed when a completion comes without IORING_CQE_F_MORE, e.g. on
 * -ENOBUFS); each chunk received is sent back from the buffer it arrived in, which returns to
 * the ring once sent. One io_uring_enter per loop iteration submits everything queued during the
 * previous one and waits for the next completion.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    ring_entries = 1024,
    cq_entries = 16384,
    buf_count = 4096, /* a power of two */
    buf_size = 4096,
    buf_group = 0,
    queue_cap = 32, /* chunks waiting to be sent, per connection */
};

enum op_kind { op_accept = 1, op_recv = 2, op_send = 3 };

struct chunk {
    unsigned short bid;
    unsigned len;
    unsigned off;
};

struct conn {
    int open;
    int recv_armed;
    int sending; /* a send is in flight: queue[head] */
    int closing; /* end of file or error: close once nothing is in flight */
    unsigned head, count;
    struct chunk queue[queue_cap];
};

static struct io_uring ring;
static struct io_uring_buf_ring* br;
static char* bufs;
static struct conn* conns;
static size_t conns_cap;
static int lfd;

static void die(const char* what, int err) {
    fprintf(stderr, "c_uring_echo: %s: %s\n", what, strerror(err));
    exit(1);
}

static unsigned long long tag(int fd, enum op_kind k) {
    return ((unsigned long long)(unsigned)fd << 8) | (unsigned)k;
}

static struct io_uring_sqe* sqe_get(void) {
    struct io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (!sqe) {
        io_uring_submit(&ring);
        sqe = io_uring_get_sqe(&ring);
        if (!sqe) die("io_uring_get_sqe", EAGAIN);
    }
    return sqe;
}

static struct conn* conn_of(int fd) {
    if ((size_t)fd >= conns_cap) {
        size_t cap = conns_cap ? conns_cap : 1024;
        while (cap <= (size_t)fd) cap *= 2;
        conns = realloc(conns, cap * sizeof *conns);
        if (!conns) die("realloc", ENOMEM);
        memset(conns + conns_cap, 0, (cap - conns_cap) * sizeof *conns);
        conns_cap = cap;
    }
    return &conns[fd];
}

static void arm_accept(void) {
    struct io_uring_sqe* sqe = sqe_get();
    io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, tag(lfd, op_accept));
}

static void arm_recv(int fd) {
    struct io_uring_sqe* sqe = sqe_get();
    io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = buf_group;
    io_uring_sqe_set_data64(sqe, tag(fd, op_recv));
    conn_of(fd)->recv_armed = 1;
}

static void give_back(unsigned short bid) {
    io_uring_buf_ring_add(br, bufs + (size_t)bid * buf_size, buf_size, bid,
                          io_uring_buf_ring_mask(buf_count), 0);
    io_uring_buf_ring_advance(br, 1);
}

static void send_head(int fd, struct conn* c) {
    struct chunk* k = &c->queue[c->head];
    struct io_uring_sqe* sqe = sqe_get();
    io_uring_prep_send(sqe, fd, bufs + (size_t)k->bid * buf_size + k->off, k->len - k->off,
                       MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, tag(fd, op_send));
    c->sending = 1;
}

static void maybe_close(int fd, struct conn* c) {
    if (!c->closing || c->sending || c->recv_armed) return;
    while (c->count) { /* unsent chunks of a dead connection */
        give_back(c->queue[c->head].bid);
        c->head = (c->head + 1) % queue_cap;
        --c->count;
    }
    close(fd);
    memset(c, 0, sizeof *c);
}

static void on_recv(int fd, int res, unsigned flags) {
    struct conn* c = conn_of(fd);
    if (!(flags & IORING_CQE_F_MORE)) c->recv_armed = 0;
    if (res > 0) {
        unsigned short bid = (unsigned short)(flags >> IORING_CQE_BUFFER_SHIFT);
        if (c->closing) {
            give_back(bid);
        } else {
            if (c->count == queue_cap) die("send queue full", ENOBUFS);
            c->queue[(c->head + c->count) % queue_cap] = (struct chunk){bid, (unsigned)res, 0};
            ++c->count;
            if (!c->sending) send_head(fd, c);
        }
        if (!c->recv_armed && !c->closing) arm_recv(fd);
    } else if (res == -ENOBUFS) {
        if (!c->recv_armed && !c->closing) arm_recv(fd); /* the ring ran dry: again */
    } else {
        c->closing = 1; /* 0: end of file; else an error */
        if (c->recv_armed) { /* an error that left it armed: cancel it */
            struct io_uring_sqe* sqe = sqe_get();
            io_uring_prep_cancel64(sqe, tag(fd, op_recv), 0);
            io_uring_sqe_set_data64(sqe, 0);
        }
        maybe_close(fd, c);
    }
}

static void on_send(int fd, int res) {
    struct conn* c = conn_of(fd);
    struct chunk* k = &c->queue[c->head];
    c->sending = 0;
    if (res < 0) {
        c->closing = 1;
    } else {
        k->off += (unsigned)res;
        if (k->off < k->len && !c->closing) { /* short send: the rest */
            send_head(fd, c);
            return;
        }
        give_back(k->bid);
        c->head = (c->head + 1) % queue_cap;
        --c->count;
        if (c->count && !c->closing) send_head(fd, c);
    }
    maybe_close(fd, c);
}

static int setup(void) {
    const unsigned attempts[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN |
            IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        0,
    };
    int r = -EINVAL;
    for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; ++i) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        p.flags = attempts[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = cq_entries;
        r = io_uring_queue_init_params(ring_entries, &ring, &p);
        if (r != -EINVAL) break;
    }
    return r;
}

int main(int argc, char** argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket", errno);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* Accepted sockets inherit TCP_NODELAY from the listener: no system call per connection. */
    setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr*)&addr, sizeof addr) < 0) die("bind", errno);
    if (listen(lfd, 4096) < 0) die("listen", errno);
    socklen_t len = sizeof addr;
    getsockname(lfd, (struct sockaddr*)&addr, &len);

    int r = setup();
    if (r < 0) die("io_uring_queue_init", -r);
    io_uring_register_ring_fd(&ring);

    /* The provided buffers, touched now so that they count as the server's fixed memory. */
    if (posix_memalign((void**)&br, 4096, buf_count * sizeof(struct io_uring_buf)) ||
        posix_memalign((void**)&bufs, 4096, (size_t)buf_count * buf_size)) {
        die("posix_memalign", ENOMEM);
    }
    memset(bufs, 0, (size_t)buf_count * buf_size);
    struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = buf_count,
                                   .bgid = buf_group};
    r = io_uring_register_buf_ring(&ring, &reg, 0);
    if (r < 0) die("io_uring_register_buf_ring", -r);
    io_uring_buf_ring_init(br);
    for (unsigned i = 0; i < buf_count; ++i) {
        io_uring_buf_ring_add(br, bufs + (size_t)i * buf_size, buf_size, (unsigned short)i,
                              io_uring_buf_ring_mask(buf_count), (int)i);
    }
    io_uring_buf_ring_advance(br, buf_count);

    printf("%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    arm_accept();

    for (;;) {
        r = io_uring_submit_and_wait(&ring, 1);
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY && r != -ETIME) {
            die("io_uring_submit_and_wait", -r);
        }
        struct io_uring_cqe* cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            ++seen;
            unsigned long long t = cqe->user_data;
            if (t == 0) continue; /* a cancel request's own completion */
            int fd = (int)(t >> 8);
            switch ((enum op_kind)(t & 0xff)) {
            case op_accept:
                if (cqe->res >= 0) {
                    struct conn* c = conn_of(cqe->res);
                    memset(c, 0, sizeof *c);
                    c->open = 1;
                    arm_recv(cqe->res);
                }
                if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept();
                break;
            case op_recv: on_recv(fd, cqe->res, cqe->flags); break;
            case op_send: on_send(fd, cqe->res); break;
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
}
