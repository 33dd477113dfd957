/* libuv peer of the loopback echo benchmark (bench/net, impl "libuv"; see bench/net/README.md
 * "net"): Debian's libuv 1.44, the default loop, one thread. The usual fast libuv echo: reads go
 * into one buffer shared by every connection (alloc_cb hands it out, and read_cb runs right
 * after), which uv_try_write sends back at once; only what the socket could not take is copied
 * and queued with uv_write.
 *
 *   bench_net_libuv_echo [PORT]     (0 or nothing: the kernel picks; the port is printed first)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

enum { buffer_size = 65536 };

static char shared[buffer_size];
static uv_tcp_t server;

struct pending_write {
    uv_write_t req;
    char data[];
};

static void die(const char* what, int err) {
    fprintf(stderr, "libuv_echo: %s: %s\n", what, uv_strerror(err));
    exit(1);
}

static void on_close(uv_handle_t* h) { free(h); }

static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) {
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(shared, buffer_size);
}

static void on_written(uv_write_t* req, int status) {
    if (status < 0 && !uv_is_closing((uv_handle_t*)req->handle)) {
        uv_close((uv_handle_t*)req->handle, on_close);
    }
    free(req);
}

static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    if (n < 0) {
        if (!uv_is_closing((uv_handle_t*)s)) uv_close((uv_handle_t*)s, on_close);
        return;
    }
    if (n == 0) return;
    uv_buf_t out = uv_buf_init(buf->base, (unsigned)n);
    int w = uv_stream_get_write_queue_size(s) == 0 ? uv_try_write(s, &out, 1) : UV_EAGAIN;
    if (w == UV_EAGAIN) w = 0;
    if (w < 0) {
        if (!uv_is_closing((uv_handle_t*)s)) uv_close((uv_handle_t*)s, on_close);
        return;
    }
    if (w < n) { /* the rest, copied: the shared buffer is reused by the next read */
        size_t rest = (size_t)n - (size_t)w;
        struct pending_write* p = malloc(sizeof *p + rest);
        if (!p) die("malloc", UV_ENOMEM);
        memcpy(p->data, buf->base + w, rest);
        uv_buf_t b = uv_buf_init(p->data, (unsigned)rest);
        int r = uv_write(&p->req, s, &b, 1, on_written);
        if (r < 0) {
            free(p);
            if (!uv_is_closing((uv_handle_t*)s)) uv_close((uv_handle_t*)s, on_close);
        }
    }
}

static void on_connection(uv_stream_t* srv, int status) {
    if (status < 0) return;
    uv_tcp_t* c = malloc(sizeof *c);
    if (!c) die("malloc", UV_ENOMEM);
    uv_tcp_init(srv->loop, c);
    if (uv_accept(srv, (uv_stream_t*)c) < 0) {
        uv_close((uv_handle_t*)c, on_close);
        return;
    }
    uv_tcp_nodelay(c, 1);
    int r = uv_read_start((uv_stream_t*)c, on_alloc, on_read);
    if (r < 0) uv_close((uv_handle_t*)c, on_close);
}

int main(int argc, char** argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    uv_loop_t* loop = uv_default_loop();
    uv_tcp_init(loop, &server);
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", port, &addr);
    int r = uv_tcp_bind(&server, (const struct sockaddr*)&addr, 0);
    if (r < 0) die("bind", r);
    r = uv_listen((uv_stream_t*)&server, 4096, on_connection);
    if (r < 0) die("listen", r);
    struct sockaddr_in bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&server, (struct sockaddr*)&bound, &len);
    printf("%d\n", ntohs(bound.sin_port));
    fflush(stdout);
    return uv_run(loop, UV_RUN_DEFAULT);
}
