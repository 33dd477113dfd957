// What the kernel offers the io_uring backend (probe.hpp): flags at setup, features and opcodes.
#include "probe.hpp"

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace corio::detail::uring {
namespace {

/// `text` as an unsigned number, all of it; `what` names the variable for the error.
unsigned parse_number(std::string_view text, const char* what) {
    unsigned value = 0;
    if (text.empty()) throw std::invalid_argument(std::string(what) + ": a number is missing");
    for (char c : text) {
        if (c < '0' || c > '9' || value > 100'000'000) {
            throw std::invalid_argument(std::string(what) + ": '" + std::string(text) +
                                        "' is not a number");
        }
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value;
}

/// "A[:B]" into `a` and, if present, `b`.
void parse_pair(const char* name, unsigned& a, unsigned& b) {
    const char* value = std::getenv(name);
    if (!value || !*value) return;
    const std::string_view v(value);
    const auto colon = v.find(':');
    a = parse_number(v.substr(0, colon), name);
    if (colon != std::string_view::npos) b = parse_number(v.substr(colon + 1), name);
}

}  // namespace

config config_from_environment() {
    config cfg;
    parse_pair("CORIO_URING_ENTRIES", cfg.sq_entries, cfg.cq_entries);
    parse_pair("CORIO_URING_BUFFERS", cfg.buffer_count, cfg.buffer_size);
    if (cfg.sq_entries == 0 || cfg.cq_entries < cfg.sq_entries) {
        throw std::invalid_argument("CORIO_URING_ENTRIES: SQ > 0 and CQ >= SQ");
    }
    if (cfg.buffer_count == 0 || cfg.buffer_count > 32768 ||
        (cfg.buffer_count & (cfg.buffer_count - 1)) != 0 || cfg.buffer_size == 0) {
        throw std::invalid_argument("CORIO_URING_BUFFERS: COUNT a power of two up to 32768");
    }
    if (const char* off = std::getenv("CORIO_URING_DISABLE")) {
        std::string_view rest(off);
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const std::string_view name = rest.substr(0, comma);
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            if (name == "multishot_accept") {
                cfg.disabled.multishot_accept = true;
            } else if (name == "multishot_recv") {
                cfg.disabled.multishot_recv = true;
            } else if (!name.empty()) {
                throw std::invalid_argument("CORIO_URING_DISABLE: unknown feature '" +
                                            std::string(name) + "'");
            }
        }
    }
    return cfg;
}

int setup_ring(io_uring& ring, const config& cfg, bool disabled) {
    const unsigned attempts[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN |
            IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        0,
    };
    int r = -EINVAL;
    for (unsigned flags : attempts) {
        io_uring_params params{};
        params.flags = flags | IORING_SETUP_CQSIZE | (disabled ? IORING_SETUP_R_DISABLED : 0);
        params.cq_entries = cfg.cq_entries;
        r = io_uring_queue_init_params(cfg.sq_entries, &ring, &params);
        if (r != -EINVAL) break;  // EINVAL: a flag this kernel does not know; try fewer
    }
    return r;
}

namespace {
struct probe_deleter {
    void operator()(io_uring_probe* p) const noexcept { io_uring_free_probe(p); }
};
using probe_ptr = std::unique_ptr<io_uring_probe, probe_deleter>;

/// Whether the kernel knows `opcode`: the releases that brought the features the backend asks
/// about brought no flag that tells them, so an opcode of the same release stands in.
bool has_opcode(const probe_ptr& p, int opcode) {
    return p && io_uring_opcode_supported(p.get(), opcode);
}
}  // namespace

bool usable(io_uring& ring) {
    const probe_ptr p(io_uring_get_probe_ring(&ring));
    // IORING_OP_SOCKET came with IORING_ASYNC_CANCEL_FD | ALL (5.19).
    return (ring.features & IORING_FEAT_NODROP) != 0 && has_opcode(p, IORING_OP_SOCKET);
}

features probe(io_uring& ring, const config& cfg) {
    const probe_ptr p(io_uring_get_probe_ring(&ring));
    features f;
    // 5.19: IORING_OP_SOCKET and multishot accept.
    f.multishot_accept = has_opcode(p, IORING_OP_SOCKET) && !cfg.disabled.multishot_accept;
    // 6.0: IORING_OP_SEND_ZC, multishot recv and registered buffer rings (the registration is
    // tried too: buffer_ring::setup).
    f.multishot_recv = has_opcode(p, IORING_OP_SEND_ZC) && !cfg.disabled.multishot_recv;
    return f;
}

}  // namespace corio::detail::uring
