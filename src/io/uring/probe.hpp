#pragma once
// What the io_uring backend may use on this kernel, learned once per ring, and how the ring is
// sized. Every feature beyond what the backend needs at all has a probe here and a fallback in
// the backend, and can be turned off (CORIO_URING_DISABLE) so that tests cover both paths.
#include <cstdint>

#include <liburing.h>

namespace corio::detail::uring {

/// Features the backend uses where the kernel has them (liburing 2.3, Debian 12's, has the calls
/// for all of them; a newer feature would need the raw interface, as ENABLE_RINGS does).
struct features {
    /// Multishot accept (5.19). Fallback: a single-shot accept submitted again per result.
    bool multishot_accept = false;
    /// Multishot recv into a provided buffer ring (6.0). Fallback: streams receive into their
    /// own buffer, one recv per wait.
    bool multishot_recv = false;
};

/// How a ring is made. Names accepted by CORIO_URING_DISABLE (comma-separated):
/// "multishot_accept", "multishot_recv".
struct config {
    unsigned sq_entries = 1024;
    /// Sized for thousands of operations in flight: with 256, a saturated server with 1,000
    /// connections served them very unevenly in bench/net (the cause is not established; a
    /// larger ring removed it).
    unsigned cq_entries = 8192;
    /// The provided buffers of multishot receives: 128 of 4 KiB (512 KiB of address space per
    /// loop). A chunk larger than a buffer comes in several completions; a burst larger than
    /// all of them stops the receives, which are armed again (-ENOBUFS) once the buffers are
    /// back. The kernel takes them in turn, so all of them are soon touched: each one is memory
    /// the loop always holds. In bench/net, 1,000 busy connections used no more CPU per round
    /// trip with 64 or 128 buffers than with 256, and 10,000 idle ones 52 bytes less each with
    /// 128 than with 256.
    unsigned buffer_count = 128;
    unsigned buffer_size = 4096;
    features disabled;  ///< true: leave it off even if the kernel has it
};

/// The defaults, changed by the environment (for tests and investigations, read when a loop is
/// made): CORIO_URING_ENTRIES=SQ[:CQ], CORIO_URING_BUFFERS=COUNT[:SIZE] (COUNT a power of two),
/// CORIO_URING_DISABLE=name,... Errors: `std::invalid_argument` for a value it cannot read.
config config_from_environment();

/// Sets up `ring` with the best flags this kernel takes, `cfg`'s sizes; -errno if it takes
/// none. `disabled`: the ring starts disabled, and its one issuing thread is the one that
/// enables it.
int setup_ring(io_uring& ring, const config& cfg, bool disabled);

/// What `ring`'s kernel supports, less what `cfg` disables. Also false where the probe cannot
/// tell (no opcode probe).
features probe(io_uring& ring, const config& cfg);

/// True if this kernel can do what the backend cannot work without: cancelling every operation
/// on a descriptor (IORING_ASYNC_CANCEL_FD with ALL, 5.19), which closing a socket needs, and
/// keeping the completions a full queue cannot take (IORING_FEAT_NODROP, 5.5), without which a
/// burst would lose some. Else the loop uses epoll.
bool usable(io_uring& ring);

}  // namespace corio::detail::uring
