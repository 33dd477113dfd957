// net::getaddrinfo on c-ares (include/corio/net/dns.hpp). One c-ares channel per lookup: c-ares
// can cancel only a whole channel, and a lookup must be cancellable alone. The channel's sockets
// are watched with the loop's add_reader/add_writer (c-ares says which through its socket-state
// callback), its retransmission timeouts are a loop timer re-armed after each step.
#include <cerrno>
#include <chrono>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <ares.h>
#include <netdb.h>
#include <sys/socket.h>

#include <corio/core/event_loop.hpp>
#include <corio/core/future.hpp>
#include <corio/core/handle.hpp>
#include <corio/net/dns.hpp>
#include <corio/net/errors.hpp>
#include <corio/thread/thread_pool.hpp>

#include "resolve.hpp"

namespace corio::net {

namespace {

void init_library() {
    static const int status = ares_library_init(ARES_LIB_INIT_ALL);
    if (status != ARES_SUCCESS) throw std::runtime_error(ares_strerror(status));
}

/// c-ares's failures as getaddrinfo's codes (resolve_error's category).
int eai_of(int status) {
    switch (status) {
        case ARES_ENOTFOUND:
            return EAI_NONAME;
        case ARES_ENODATA:
            return EAI_NODATA;
        case ARES_ENOMEM:
            throw std::bad_alloc();
        case ARES_EBADFAMILY:
            return EAI_FAMILY;
        default:
            return EAI_AGAIN;  // timeouts, refused, server failures: try again later
    }
}

int native_family(address_family f) {
    return f == address_family::ipv4 ? AF_INET : f == address_family::ipv6 ? AF_INET6 : AF_UNSPEC;
}

/// One lookup: its channel, the descriptors it watches, its timer, and where the answer goes.
class lookup {
public:
    lookup(event_loop& loop, const resolver_options& options) : loop_(loop), answer_(loop) {
        init_library();
        ares_options o{};
        int mask = ARES_OPT_SOCK_STATE_CB;
        o.sock_state_cb = &on_socket_state;
        o.sock_state_cb_data = this;
        if (options.timeout > duration::zero()) {
            o.timeout = static_cast<int>(
                std::chrono::ceil<std::chrono::milliseconds>(options.timeout).count());
            mask |= ARES_OPT_TIMEOUTMS;
        }
        if (options.tries > 0) {
            o.tries = options.tries;
            mask |= ARES_OPT_TRIES;
        }
        const int status = ares_init_options(&channel_, &o, mask);
        if (status != ARES_SUCCESS) {
            if (status == ARES_ENOMEM) throw std::bad_alloc();
            throw resolve_error(EAI_FAIL, ares_strerror(status));
        }
        if (!options.servers.empty()) set_servers(options.servers);
    }
    lookup(const lookup&) = delete;
    lookup& operator=(const lookup&) = delete;

    ~lookup() {
        // Ends the query (its callback sees ARES_EDESTRUCTION) and closes its sockets, telling
        // on_socket_state, which removes the watchers.
        ares_destroy(channel_);
        timer_.cancel();
    }

    future<std::vector<address>> start(const std::string& host, std::uint16_t port,
                                       address_family family) {
        ares_addrinfo_hints hints{};
        hints.ai_family = native_family(family);
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = ARES_AI_NUMERICSERV;
        const std::string service = std::to_string(port);
        ares_getaddrinfo(channel_, host.c_str(), service.c_str(), &hints, &on_answer, this);
        arm_timer();
        return answer_;
    }

private:
    void set_servers(const std::vector<address>& servers) {
        std::string csv;
        for (const address& a : servers) {
            if (!csv.empty()) csv += ',';
            csv += a.to_string();  // "1.2.3.4:53", "[::1]:53": the format c-ares reads
        }
        const int status = ares_set_servers_ports_csv(channel_, csv.c_str());
        if (status != ARES_SUCCESS) throw std::invalid_argument("bad DNS server list: " + csv);
    }

    static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
        auto* self = static_cast<lookup*>(data);
        event_loop& loop = self->loop_;
        if (loop.is_closed()) return;
        if (readable) {
            loop.add_reader(fd, [self, fd] { self->process(fd, ARES_SOCKET_BAD); });
        } else {
            loop.remove_reader(fd);
        }
        if (writable) {
            loop.add_writer(fd, [self, fd] { self->process(ARES_SOCKET_BAD, fd); });
        } else {
            loop.remove_writer(fd);
        }
    }

    void process(ares_socket_t read_fd, ares_socket_t write_fd) {
        ares_process_fd(channel_, read_fd, write_fd);
        arm_timer();
    }

    /// The next retransmission or timeout c-ares wants, as a loop timer.
    void arm_timer() {
        timer_.cancel();
        if (answer_.done()) return;
        timeval tv{};
        if (!ares_timeout(channel_, nullptr, &tv)) return;  // nothing pending
        const duration wait =
            std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
        timer_ = loop_.call_later(wait, [this] { process(ARES_SOCKET_BAD, ARES_SOCKET_BAD); });
    }

    static void on_answer(void* data, int status, int /*timeouts*/, ares_addrinfo* result) {
        auto* self = static_cast<lookup*>(data);
        if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED || self->answer_.done()) {
            ares_freeaddrinfo(result);
            return;
        }
        try {
            if (status != ARES_SUCCESS) {
                self->status_ = status;
                self->answer_.set_exception(
                    std::make_exception_ptr(resolve_error(eai_of(status), self->host_)));
            } else {
                std::vector<address> out;
                for (ares_addrinfo_node* n = result ? result->nodes : nullptr; n; n = n->ai_next) {
                    out.push_back(address::from_sockaddr(n->ai_addr, n->ai_addrlen));
                }
                self->answer_.set_result(std::move(out));
            }
        } catch (...) {
            if (!self->answer_.done()) self->answer_.set_exception(std::current_exception());
        }
        ares_freeaddrinfo(result);
    }

public:
    std::string host_;
    int status_ = ARES_SUCCESS;

private:
    event_loop& loop_;
    ares_channel channel_ = nullptr;
    future<std::vector<address>> answer_;
    timer_handle timer_;
};

/// `host` as a numeric address of a family `options` accepts, if it is one. (c-ares 1.18 would
/// send "127.0.0.1" to the DNS servers as a name.)
std::optional<address> numeric(const std::string& host, std::uint16_t port, address_family family) {
    if (family != address_family::ipv6) {
        try {
            return address::ipv4(host, port);
        } catch (const address_error&) {
        }
    }
    if (family != address_family::ipv4) {
        try {
            return address::ipv6(host, port);
        } catch (const address_error&) {
        }
    }
    return std::nullopt;
}

}  // namespace

task<std::vector<address>> getaddrinfo(std::string host, std::uint16_t port,
                                       resolver_options options) {
    if (auto a = numeric(host, port, options.family)) co_return std::vector<address>{*a};
    bool not_found = false;
    {
        lookup l(get_running_loop(), options);
        l.host_ = host;
        auto answer = l.start(host, port, options.family);
        try {
            co_return co_await answer;
        } catch (const resolve_error&) {
            not_found = l.status_ == ARES_ENOTFOUND;
            if (!not_found || options.fallback == nss_fallback::off) throw;
        }
    }
    // Not in DNS nor /etc/hosts: perhaps a name only NSS knows (mDNS, LDAP, systemd-resolved).
    co_return co_await corio::to_thread(detail::system_lookup, host, port, options.family,
                                        detail::resolve_purpose::connect);
}

}  // namespace corio::net
