// server, start_server, start_unix_server (include/corio/net/server.hpp): listening sockets,
// one accept loop task per socket, one task per connection.
#include <cerrno>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <corio/core/errors.hpp>
#include <corio/core/event_loop.hpp>
#include <corio/core/sleep.hpp>
#include <corio/core/task_handle.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/server.hpp>
#include <corio/sync/event.hpp>

#include "../core/loop_registry.hpp"
#include "acceptor.hpp"
#include "resolve.hpp"
#include "stream_connection.hpp"

namespace corio::detail {

/// What a server and its tasks share: the accept loops and the connection tasks hold it too.
class server_state : public std::enable_shared_from_this<server_state> {
public:
    server_state(std::shared_ptr<client_callback> handler, net::server_options options)
        : loop(&get_running_loop()), handler(std::move(handler)), options(std::move(options)) {}

    event_loop* loop;
    std::shared_ptr<client_callback> handler;
    net::server_options options;
    std::vector<net::socket> listeners;  ///< never resized once serving: accept loops use them
    std::vector<task_handle<void>> accept_tasks;
    /// The connections made, to close or abort them (Python 3.13's `_clients`).
    std::vector<std::weak_ptr<stream_connection>> clients;
    std::size_t active = 0;  ///< handlers running
    bool closed = false;
    bool serving_forever = false;
    corio::event closed_event;  ///< set by close()
    corio::event idle_event;    ///< set once closed with no handler running
    /// A Unix socket file to remove on close, if it is still ours (same inode).
    std::string unix_path;
    ino_t unix_inode = 0;

    void start() {
        for (std::size_t i = 0; i < listeners.size(); ++i) {
            accept_tasks.push_back(create_task(accept_loop(shared_from_this(), i)));
        }
    }

    void close() noexcept {
        if (closed) return;
        closed = true;
        // A loop that is closed has finished every task (and one destroyed must not be touched).
        if (is_live_loop(loop) && !loop->is_closed()) {
            for (task_handle<void>& t : accept_tasks) t.cancel();
        }
        for (net::socket& s : listeners) {
            // Stop listening now: on io_uring the descriptor's file stays open until the
            // cancelled accept is reaped, at the next poll, and would take connections until
            // then. Linux ends a listen on shutdown(SHUT_RD) (inet_shutdown's "missing close()
            // in multithreaded environment" case).
            try {
                s.shutdown(net::shutdown_how::read);
            } catch (const io_error&) {  // not listening any more anyway
            }
            s.close();  // ends an accept in flight
        }
        if (!unix_path.empty()) {
            struct stat st {};
            if (::stat(unix_path.c_str(), &st) == 0 && st.st_ino == unix_inode) {
                ::unlink(unix_path.c_str());
            }
        }
        closed_event.set();
        if (active == 0) idle_event.set();
    }

    void client_done() noexcept {
        if (--active == 0 && closed) idle_event.set();
    }

    template <class F>
    void for_each_client(F f) {
        for (const std::weak_ptr<stream_connection>& w : clients) {
            if (const std::shared_ptr<stream_connection> c = w.lock()) f(*c);
        }
    }

private:
    static task<void> accept_loop(std::shared_ptr<server_state> self, std::size_t index);
    void start_client(net::socket connection);
    /// The done callback of a handler's task: reports its exception, counts it out.
    void client_finished(const task_handle<void>& handler_task) noexcept;
    void forget_gone_clients();
};

/// Connections accepted in one go and not yet taken by the accept loop, per listener: beyond,
/// the accept pauses and the kernel's backlog holds the rest (acceptor.hpp).
constexpr std::size_t accept_queue = 128;

task<void> server_state::accept_loop(std::shared_ptr<server_state> self, std::size_t index) {
    net::socket& listener = self->listeners[index];
    // Binds the listener to this loop (a request made and dropped unawaited does just that).
    static_cast<void>(listener.wait_readable());
    // One multishot accept for the listener's life (emulated where the backend has none).
    acceptor incoming(listener, accept_queue);
    while (!self->closed) {
        std::optional<net::socket> connection;
        std::exception_ptr failure;
        int code = 0;
        try {
            connection.emplace(co_await incoming.next());
        } catch (const io_error& e) {
            failure = std::current_exception();
            code = e.code().value();
        }
        if (self->closed) co_return;  // our own close ended the accept
        if (connection) {
            self->start_client(std::move(*connection));
            continue;
        }
        switch (code) {
            case ECONNABORTED:  // the client gave up while in the backlog: next one
            case EPROTO:
            case EINTR:
            case EAGAIN:
            case EPERM:  // a firewall rule refused it
                continue;
            case EMFILE:
            case ENFILE:
            case ENOBUFS:
            case ENOMEM:
                // Out of descriptors or memory: retrying now would fail the same way, in a busy
                // loop. Report it once, and let the backlog hold the clients for a while (asyncio
                // pauses for the same reason, for 1 s).
                self->loop->call_exception_handler(
                    {"socket.accept() out of system resource", failure, {}});
                break;
            default:
                self->loop->call_exception_handler(
                    {"Error on accepting a connection", failure, {}});
                break;
        }
        co_await sleep(self->options.accept_retry_delay);
    }
}

void server_state::start_client(net::socket connection) {
    std::shared_ptr<stream_connection> c;
    try {
        c = stream_connection::make(std::move(connection), options.limit);
        forget_gone_clients();
        clients.push_back(c);
    } catch (...) {
        // Out of memory for this client: it is closed; the server goes on.
        loop->call_exception_handler(
            {"Error on setting up a connection", std::current_exception(), {}});
        return;
    }
    // The handler's own task, watched by a done callback as asyncio's start_server does: no
    // wrapper task, whose frame an idle connection would carry besides the handler's. Counted
    // in `active` from here until that callback has run.
    ++active;
    task_handle<void> handler_task;
    try {
        net::stream_reader reader(c);
        net::stream_writer writer(std::move(c));  // the handles own it: dropped, it closes
        handler_task = create_task(handler->call(std::move(reader), std::move(writer)));
    } catch (...) {
        // The handler threw before its coroutine began (or out of memory for its task).
        loop->call_exception_handler(
            {"Unhandled exception in client_connected_cb", std::current_exception(), {}});
        client_done();
        return;
    }
    try {
        handler_task.add_done_callback(
            [self = shared_from_this()](task_handle<void>& t) { self->client_finished(t); });
    } catch (...) {
        // Out of memory for the callback: the handler cannot be watched, so it does not run
        // (cancelled before its first step, its streams close).
        handler_task.cancel();
        loop->call_exception_handler(
            {"Error on setting up a connection", std::current_exception(), {}});
        client_done();
    }
}

void server_state::client_finished(const task_handle<void>& handler_task) noexcept {
    // A handler's error is its own: reported, and the server goes on (asyncio's message).
    // Retrieving it here also keeps it from being reported again as never retrieved.
    if (!handler_task.cancelled()) {
        if (std::exception_ptr failure = handler_task.exception()) {
            loop->call_exception_handler(
                {"Unhandled exception in client_connected_cb", failure, {}});
        }
    }
    client_done();
}

void server_state::forget_gone_clients() {
    // Amortized: only once the list has doubled since the last sweep.
    if (clients.size() < 16 || clients.size() < 2 * (active + 1)) return;
    std::erase_if(clients, [](const std::weak_ptr<stream_connection>& w) { return w.expired(); });
}

namespace {

/// Listening sockets on `addresses`, serving: the state of a new server. If one cannot be set
/// up, the ones already made are closed and the error propagates.
std::shared_ptr<server_state> listen_on(std::shared_ptr<client_callback> handler,
                                        const std::vector<net::address>& addresses,
                                        net::server_options options) {
    auto state = std::make_shared<server_state>(std::move(handler), std::move(options));
    for (const net::address& where : addresses) {
        net::socket s = net::socket::open(where.family(), net::socket_type::stream);
        const bool inet = where.family() != net::address_family::unix_domain;
        if (inet && state->options.reuse_address) s.set_reuse_address(true);
        if (state->options.reuse_port) s.set_reuse_port(true);
        if (where.family() == net::address_family::ipv6) {
            // One socket per family, as asyncio: an IPv6 one listening on IPv4 too (Linux's
            // default) would collide with the IPv4 one.
            const int on = 1;
            if (::setsockopt(s.fd(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) < 0) {
                throw_io_error(errno, "setsockopt(IPV6_V6ONLY)");
            }
        }
        s.bind(where);
        s.listen(state->options.backlog);
        state->listeners.push_back(std::move(s));
    }
    return state;
}

net::server serve_unix(std::shared_ptr<client_callback> handler, const net::address& where,
                       net::server_options options) {
    const std::string path = where.path();
    const bool file = !path.empty() && path.front() != '\0';
    struct stat st {};
    // A socket file left by a server that is gone would make bind fail with EADDRINUSE.
    if (file && ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
    std::shared_ptr<server_state> state =
        listen_on(std::move(handler), {where}, std::move(options));
    if (file && ::stat(path.c_str(), &st) == 0) {
        state->unix_path = path;
        state->unix_inode = st.st_ino;
    }
    state->start();
    return net::server(std::move(state));
}

}  // namespace

task<net::server> start_tcp_server(std::shared_ptr<client_callback> handler, std::string host,
                                   std::uint16_t port, net::server_options options) {
    const std::vector<net::address> addresses =
        co_await resolve(std::move(host), port, resolve_purpose::listen);
    std::shared_ptr<server_state> state =
        listen_on(std::move(handler), addresses, std::move(options));
    state->start();
    co_return net::server(std::move(state));
}

task<net::server> start_server_at(std::shared_ptr<client_callback> handler, net::address where,
                                  net::server_options options) {
    if (where.family() == net::address_family::unix_domain) {
        co_return serve_unix(std::move(handler), where, std::move(options));
    }
    std::shared_ptr<server_state> state =
        listen_on(std::move(handler), {where}, std::move(options));
    state->start();
    co_return net::server(std::move(state));
}

task<net::server> start_unix_server(std::shared_ptr<client_callback> handler, std::string path,
                                    net::server_options options) {
    co_return serve_unix(std::move(handler), net::address::unix_path(path), std::move(options));
}

namespace {

task<void> wait_idle(std::shared_ptr<server_state> state) {
    while (!(state->closed && state->active == 0)) co_await state->idle_event.wait();
}

task<void> serve_until_closed(std::shared_ptr<server_state> state) {
    if (state->closed) throw invalid_state_error("Server is closed");
    if (state->serving_forever) {
        throw invalid_state_error("server is already being awaited on serve_forever()");
    }
    state->serving_forever = true;
    struct serving_guard {
        server_state& state;
        ~serving_guard() { state.serving_forever = false; }
    } guard{*state};
    std::exception_ptr cancelled;
    try {
        co_await state->closed_event.wait();
    } catch (const cancelled_error&) {
        cancelled = std::current_exception();
    }
    // Cancelled (asyncio's way to stop serve_forever): close, and wait for the handlers first.
    if (cancelled) state->close();
    co_await wait_idle(state);
    if (cancelled) std::rethrow_exception(cancelled);
}

}  // namespace
}  // namespace corio::detail

namespace corio::net {

server& server::operator=(server&& other) noexcept {
    if (this != &other) {
        if (state_) state_->close();
        state_ = std::move(other.state_);
    }
    return *this;
}

server::~server() {
    if (state_) state_->close();
}

detail::server_state& server::state() const {
    if (!state_) [[unlikely]] {
        detail::throw_empty("server is empty (default-made or moved from)");
    }
    return *state_;
}

task<void> server::serve_forever() {
    return detail::serve_until_closed(state().shared_from_this());
}

void server::close() { state().close(); }

task<void> server::wait_closed() { return detail::wait_idle(state().shared_from_this()); }

task<void> server::aclose() {
    state().close();
    return detail::wait_idle(state_);
}

void server::close_clients() {
    state().for_each_client([](detail::stream_connection& c) { c.close(); });
}

void server::abort_clients() {
    state().for_each_client([](detail::stream_connection& c) { c.abort(); });
}

std::span<const socket> server::sockets() const {
    const detail::server_state& s = state();
    if (s.closed) return {};
    return s.listeners;
}

bool server::is_serving() const noexcept { return state_ && !state_->closed; }

std::size_t server::active_connections() const noexcept { return state_ ? state_->active : 0; }

}  // namespace corio::net
