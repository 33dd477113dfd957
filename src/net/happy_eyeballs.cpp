// Happy Eyeballs (happy_eyeballs.hpp): a staggered race of connection attempts.
#include "happy_eyeballs.hpp"

#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include <corio/core/errors.hpp>
#include <corio/core/task_handle.hpp>
#include <corio/core/wait_for.hpp>
#include <corio/sync/event.hpp>

namespace corio::detail {

std::vector<net::address> interleave_families(const std::vector<net::address>& addresses) {
    if (addresses.empty()) return {};
    std::vector<net::address> first, other;
    for (const net::address& a : addresses) {
        (a.family() == addresses.front().family() ? first : other).push_back(a);
    }
    std::vector<net::address> out;
    for (std::size_t i = 0; i < first.size() || i < other.size(); ++i) {
        if (i < first.size()) out.push_back(first[i]);
        if (i < other.size()) out.push_back(other[i]);
    }
    return out;
}

namespace {

/// What the attempts share. Shared, not a local of the racing frame: an attempt cancelled on the
/// way out (cancel_on_exit) is not awaited, and still counts itself out when it ends.
struct race {
    std::optional<net::socket> winner;
    std::vector<std::exception_ptr> errors;
    corio::event changed;  ///< an attempt ended (won or failed)
    int running = 0;
};

task<void> attempt(std::shared_ptr<race> r, std::size_t index, net::address to) {
    try {
        net::socket s = net::socket::tcp(to.family());
        co_await s.connect(to);
        if (!r->winner) r->winner = std::move(s);  // a later winner's socket just closes
    } catch (const cancelled_error&) {
        --r->running;
        r->changed.set();
        throw;
    } catch (...) {
        r->errors[index] = std::current_exception();
    }
    --r->running;
    r->changed.set();
}

}  // namespace

task<net::socket> connect_happy_eyeballs(std::vector<net::address> addresses, duration delay) {
    if (addresses.empty()) throw std::invalid_argument("no address to connect to");
    const auto shared = std::make_shared<race>();
    race& r = *shared;
    r.errors.resize(addresses.size());
    std::vector<task_handle<void>> attempts;
    // Ends every attempt still in flight, whichever way this coroutine leaves.
    struct cancel_on_exit {
        std::vector<task_handle<void>>& attempts;
        ~cancel_on_exit() {
            for (auto& a : attempts) a.cancel();
        }
    } guard{attempts};

    std::size_t next = 0;
    while (!r.winner) {
        if (next < addresses.size()) {
            r.changed.clear();
            attempts.push_back(corio::spawn(attempt, shared, next, addresses[next]));
            ++r.running;
            ++next;
            // The next attempt starts when this one fails, or after `delay` without an answer.
            try {
                co_await wait_for(r.changed.wait(), delay);
            } catch (const timeout_error&) {
            }
        } else if (r.running > 0) {
            r.changed.clear();
            co_await r.changed.wait();
        } else {
            break;  // every attempt failed
        }
    }
    if (r.winner) {
        for (auto& a : attempts) a.cancel();
        // Let the losers close their sockets before the winner is used.
        for (auto& a : attempts) {
            try {
                co_await a;
            } catch (...) {
            }
        }
        co_return std::move(*r.winner);
    }
    for (const std::exception_ptr& e : r.errors) {
        if (e) std::rethrow_exception(e);
    }
    throw std::logic_error("happy eyeballs: no attempt ended");  // not reached
}

}  // namespace corio::detail
