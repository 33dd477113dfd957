// The io_uring backend: operations are the kernel's own. One ring per loop, set up for one thread
// (SINGLE_ISSUER | DEFER_TASKRUN | COOP_TASKRUN, where the kernel has them): submissions made
// during an iteration wait in the submission queue and go to the kernel with the next `poll`, in
// the same io_uring_enter that waits for completions and for the next timer.
//
// A ring set up for one thread refuses every other thread. A loop may be made on one thread and
// run on another, so the ring is made on first use, by the thread that runs the loop, and made
// again if the loop later runs on another thread with nothing in flight.
//
// What the kernel offers beyond that is probed once (probe.hpp), each feature with its fallback:
// multishot accept (else a single-shot accept submitted again per result), multishot receive
// into the loop's provided buffers (buffer_ring.hpp; else streams receive one recv at a time).
// A completion queue that overflows loses nothing (IORING_FEAT_NODROP, which the backend
// requires): the kernel keeps what did not fit, and `reap` flushes it in until none is left.
#include "../backend.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../sendfile.hpp"
#include "buffer_ring.hpp"
#include "prepare.hpp"
#include "probe.hpp"

namespace corio::detail {
namespace {

using uring::setup_ring;

/// `user_data` of requests whose completions carry nothing to deliver (cancel requests).
constexpr std::uint64_t ignore_tag = 0;
/// `user_data` of the read on the wake-up eventfd (odd, as no operation's address is, but not a
/// poll-stage tag: see below).
constexpr std::uint64_t wake_tag = 1;
/// The low bit of an operation's `user_data` while it waits for readiness after -EAGAIN.
constexpr std::uint64_t poll_stage_bit = 1;

class uring_backend final : public io_backend {
public:
    /// Takes a ring set up disabled (`setup_ring`): the thread that first uses it enables it.
    uring_backend(const io_uring& ring, const uring::config& cfg)
        : ring_(ring), config_(cfg), features_(uring::probe(ring_, cfg)) {
        wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
        if (wake_fd_ < 0) {
            io_uring_queue_exit(&ring_);
            throw std::system_error(errno, std::system_category(), "eventfd");
        }
        // Registered now, on the ring not yet enabled, so that `multishot_recv()` is settled
        // before any stream asks. Refused: streams receive one recv at a time.
        if (features_.multishot_recv) {
            features_.multishot_recv =
                buffers_.attach(ring_, config_.buffer_count, config_.buffer_size) == 0;
        }
    }

    ~uring_backend() override {
        cancel_all();
        if (ring_alive_) io_uring_queue_exit(&ring_);
        ::close(wake_fd_);
    }

    [[nodiscard]] bool native_file_io() const noexcept override { return true; }
    [[nodiscard]] std::string_view name() const noexcept override { return "io_uring"; }

    void poll(std::optional<duration> timeout) override {
        ensure_ring();
        if (!wake_armed_) arm_wake();
        io_uring_cqe* cqe = nullptr;
        int r;
        if (timeout && *timeout <= duration::zero()) {
            // Just look: submit what is queued and run deferred completions, without waiting.
            r = io_uring_submit_and_get_events(&ring_);
        } else if (!timeout) {
            r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, nullptr, nullptr);
        } else {
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(*timeout).count();
            __kernel_timespec ts{ns / 1'000'000'000, ns % 1'000'000'000};
            r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
        }
        if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
            throw std::system_error(-r, std::system_category(), "io_uring_enter");
        }
        reap();
    }

    void wake() noexcept override {
        // As epoll's: one write per batch, until the loop's read of the eventfd completes.
        if (wake_pending_.exchange(true)) return;
        const std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(wake_fd_, &one, sizeof one);
    }

    [[nodiscard]] bool batches_submissions() const noexcept override { return true; }
    [[nodiscard]] bool has_io_waiters() const noexcept override { return in_flight_ != 0; }
    [[nodiscard]] bool multishot_recv() const noexcept override { return features_.multishot_recv; }

    bool submit(io_operation& op, int& result) override {
        ensure_ring();
        if (op.fd >= 0 && static_cast<std::size_t>(op.fd) >= fd_ops_.size()) {
            fd_ops_.resize(static_cast<std::size_t>(op.fd) + 1);
        }
        if (closing_) {
            // cancel_all is reaping every operation: a callback submitting again is told the
            // loop is closing, or the reaping would never end.
            result = -ECANCELED;
            return true;
        }
        if (op.multishot && op.opcode == io_opcode::recv && !features_.multishot_recv) {
            throw std::invalid_argument("io_uring: multishot recv needs provided buffers");
        }
        if (op.opcode == io_opcode::sendfile) [[unlikely]] {
            // No native sendfile (sendfile.hpp): try it now; on EAGAIN, wait for the socket to
            // be writable and try again (retry_when_ready).
            result = sendfile_once(op);
            if (result != -EAGAIN) return true;
            io_uring_sqe* sqe = get_sqe();
            io_uring_prep_poll_add(sqe, op.fd, POLLOUT);
            op.in_flight = true;
            op.cancelling = false;
            op.waiting_ready = true;
            io_uring_sqe_set_data64(sqe, user_data_of(op));
            count_in(op);
            return false;
        }
        io_uring_sqe* sqe = get_sqe();
        uring::prepare(*sqe, op, features_.multishot_accept);
        io_uring_sqe_set_data(sqe, &op);
        op.in_flight = true;
        op.cancelling = false;
        op.waiting_ready = false;
        count_in(op);
        return false;
    }

    void cancel(io_operation& op) noexcept override {
        if (!op.in_flight || op.cancelling) return;
        op.cancelling = true;
        io_uring_sqe* sqe = get_sqe_noexcept();
        if (!sqe) return;  // the ring is gone: nothing can be cancelled or reaped any more
        io_uring_prep_cancel64(sqe, user_data_of(op), 0);
        io_uring_sqe_set_data64(sqe, ignore_tag);
    }

    void abandon(io_operation& op) noexcept override {
        if (!op.in_flight) return;
        cancel(op);
        abandoning_ = &op;
        // Until the kernel has let go of it: its own completion, not the cancel request's.
        while (op.in_flight && ring_usable()) {
            const int r = io_uring_submit_and_wait(&ring_, 1);
            if (r < 0 && r != -EINTR && r != -ETIME && r != -EAGAIN && r != -EBUSY) break;
            reap();
        }
        abandoning_ = nullptr;
    }

    void cancel_fd(int fd) noexcept override {
        // Nothing in flight on it (a connection whose receive has ended, the common close): no
        // request, and no system call.
        if (fd < 0 || static_cast<std::size_t>(fd) >= fd_ops_.size() || fd_ops_[fd] == 0) return;
        if (!ring_usable()) return;
        io_uring_sqe* sqe = get_sqe_noexcept();
        if (!sqe) return;
        io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(sqe, ignore_tag);
        // Now, not with the next poll: the kernel finds the file by its descriptor when the
        // request runs, and the caller is about to close the descriptor, whose number may then
        // name another file. And with the deferred completions run at once: a cancelled
        // operation holds the file until its completion is posted, and until then a closed
        // listener would go on accepting, a closed connection would send no FIN. (The
        // completions stay queued for the next poll.)
        io_uring_submit_and_get_events(&ring_);
    }

    void forget_fd(int, fd_fate) noexcept override {}

    void cancel_all() noexcept override {
        if (!ring_ready_ || !ring_usable()) return;
        if ((in_flight_ == 0 && !wake_armed_)) return;
        closing_ = true;  // the wake-up read is not armed again
        if (io_uring_sqe* sqe = get_sqe_noexcept()) {
            io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
            io_uring_sqe_set_data64(sqe, ignore_tag);
        }
        while ((in_flight_ != 0 || wake_armed_) && ring_usable()) {
            const int r = io_uring_submit_and_wait(&ring_, 1);
            if (r < 0 && r != -EINTR && r != -ETIME && r != -EAGAIN && r != -EBUSY) break;
            reap();
        }
        closing_ = false;
    }

private:
    /// False when the ring belongs to another thread that we cannot enter from here.
    bool ring_usable() const noexcept {
        return ring_ready_ && (!single_issuer_ || owner_ == std::this_thread::get_id());
    }

    void ensure_ring() {
        if (ring_ready_ && owner_ == std::this_thread::get_id()) [[likely]]
            return;
        if (!ring_alive_) throw std::system_error(ENOSYS, std::system_category(), "io_uring");
        if (!ring_ready_) {
            // First use: the ring made by the constructor, enabled by this thread.
            // Raw: liburing 2.3 declares io_uring_enable_rings but does not export it. Before
            // register_ring_fd, so the ring's own descriptor is the one to name.
            if (::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS,
                          nullptr, 0) < 0) {
                throw std::system_error(errno, std::system_category(), "io_uring enable rings");
            }
        } else if (!single_issuer_) {
            owner_ = std::this_thread::get_id();
            return;
        } else {
            if (in_flight_ != 0) {
                throw std::logic_error(
                    "an io_uring event loop cannot move to another thread while I/O is in flight");
            }
            // The eventfd read is the kernel's own poll: dropping the ring drops it, and the
            // read never writes into wake_buffer_ (which outlives the ring anyway).
            io_uring_queue_exit(&ring_);
            buffers_.detach();
            wake_armed_ = false;
            int r = setup_ring(ring_, config_, /*disabled=*/false);
            if (r < 0) {
                ring_ready_ = ring_alive_ = false;
                throw std::system_error(-r, std::system_category(), "io_uring_queue_init");
            }
            // The buffers are registered per ring; streams already rely on them.
            if (features_.multishot_recv) {
                r = buffers_.attach(ring_, config_.buffer_count, config_.buffer_size);
                if (r < 0) throw std::system_error(-r, std::system_category(), "buffer ring");
            }
        }
        single_issuer_ = (ring_.flags & IORING_SETUP_SINGLE_ISSUER) != 0;
        io_uring_register_ring_fd(&ring_);  // optional: saves the fd lookup per enter
        owner_ = std::this_thread::get_id();
        ring_ready_ = true;
    }

    /// `op` is in flight from now on, until `count_out`: counted in all, and on its descriptor.
    /// (`submit` made room for its descriptor first, while nothing was started.)
    void count_in(const io_operation& op) noexcept {
        if (op.fd >= 0) ++fd_ops_[static_cast<std::size_t>(op.fd)];
        ++in_flight_;
    }
    void count_out(const io_operation& op) noexcept {
        if (op.fd >= 0) --fd_ops_[static_cast<std::size_t>(op.fd)];
        --in_flight_;
    }

    io_uring_sqe* get_sqe() {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        if (sqe) return sqe;
        // The submission queue is full: hand it to the kernel and take a fresh slot.
        const int r = io_uring_submit(&ring_);
        if (r < 0) throw std::system_error(-r, std::system_category(), "io_uring_submit");
        sqe = io_uring_get_sqe(&ring_);
        if (!sqe) throw std::system_error(EAGAIN, std::system_category(), "io_uring_get_sqe");
        return sqe;
    }

    io_uring_sqe* get_sqe_noexcept() noexcept {
        if (!ring_usable()) return nullptr;
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        if (sqe) return sqe;
        io_uring_submit(&ring_);
        return io_uring_get_sqe(&ring_);
    }

    void arm_wake() {
        if (closing_) return;
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_read(sqe, wake_fd_, &wake_buffer_, sizeof wake_buffer_, 0);
        io_uring_sqe_set_data64(sqe, wake_tag);
        wake_armed_ = true;
    }

    /// The user_data of `op`'s request in the kernel now: the operation itself, or the poll for
    /// readiness it waits on (`retry_when_ready`), tagged with the low bit.
    static std::uint64_t user_data_of(const io_operation& op) noexcept {
        return reinterpret_cast<std::uint64_t>(&op) | (op.waiting_ready ? poll_stage_bit : 0);
    }

    /// Kernels that honour O_NONBLOCK on pipes and other files complete a read or write with
    /// -EAGAIN instead of waiting (6.x kernels wait): then the operation waits for readiness
    /// with a poll and goes again. True if `op` stays in flight.
    /// A sendfile's poll stage ends with the system call itself: its result replaces `result`.
    bool retry_when_ready(io_operation& op, std::uint64_t tag, int& result) {
        if (op.cancelling) return false;  // its end is the completion to deliver
        if (tag & poll_stage_bit) {
            op.waiting_ready = false;
            if (result < 0) return false;  // the poll failed: report that
            if (op.opcode == io_opcode::sendfile) {
                result = sendfile_once(op);
                return result == -EAGAIN && repoll(op);  // not writable after all: wait again
            }
            io_uring_sqe* sqe = get_sqe_noexcept();
            if (!sqe) return false;
            uring::prepare(*sqe, op, features_.multishot_accept);
            io_uring_sqe_set_data(sqe, &op);
            return true;
        }
        if (result != -EAGAIN || op.opcode == io_opcode::poll) return false;
        return repoll(op);
    }

    /// Makes `op` wait for readiness (its poll stage). False if no slot could be had: the
    /// caller then completes it with the EAGAIN it has.
    bool repoll(io_operation& op) noexcept {
        io_uring_sqe* sqe = get_sqe_noexcept();
        if (!sqe) return false;
        io_uring_prep_poll_add(sqe, op.fd, uring::is_input(op.opcode) ? POLLIN : POLLOUT);
        op.waiting_ready = true;
        io_uring_sqe_set_data64(sqe, user_data_of(op));
        return true;
    }

    /// Runs every completion in the completion queue, and those the kernel kept because the
    /// queue was full (IORING_SQ_CQ_OVERFLOW): each is flushed in as room is made, until none
    /// is left, so none waits for a later poll and none is lost.
    void reap() {
        bool rearm = false;
        for (;;) {
            io_uring_cqe* cqe;
            unsigned head;
            unsigned seen = 0;
            io_uring_for_each_cqe(&ring_, head, cqe) {
                ++seen;
                rearm = complete(*cqe) || rearm;
            }
            io_uring_cq_advance(&ring_, seen);
            if (!io_uring_cq_has_overflow(&ring_)) break;
            // Room was made: the kernel moves what it kept into the queue on the next enter
            // that asks for events.
            const int r = io_uring_get_events(&ring_);
            if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) break;
        }
        if (rearm && !closing_) arm_wake();
    }

    /// Delivers one completion; true if it was the wake-up read's.
    bool complete(const io_uring_cqe& cqe) {
        const std::uint64_t tag = cqe.user_data;
        if (tag == ignore_tag) return false;
        if (tag == wake_tag) {
            // Before the loop drains its queue: see event_loop::drain_threadsafe.
            wake_pending_.store(false);
            wake_armed_ = false;
            return true;
        }
        auto* op = reinterpret_cast<io_operation*>(tag & ~poll_stage_bit);
        if (op->multishot) {
            complete_multishot(*op, cqe);
            return false;
        }
        int result = cqe.res;
        if (op != abandoning_ && retry_when_ready(*op, tag, result)) return false;
        op->in_flight = false;
        count_out(*op);
        if (op == abandoning_) {
            // Its owner is going away: nobody to tell, and a connection accepted for it goes.
            if (op->opcode == io_opcode::accept && result >= 0) ::close(result);
            return false;
        }
        op->complete(op, result);
        return false;
    }

    /// One result of a multishot operation: in flight until one comes without F_MORE. A
    /// received chunk is in a provided buffer, given back once the callback has copied it.
    void complete_multishot(io_operation& op, const io_uring_cqe& cqe) {
        bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
        if (op.opcode == io_opcode::accept && !features_.multishot_accept && cqe.res >= 0 &&
            !op.cancelling && &op != abandoning_) {
            // Emulated: the single-shot accept goes again.
            if (io_uring_sqe* sqe = get_sqe_noexcept()) {
                uring::prepare(*sqe, op, false);
                io_uring_sqe_set_data(sqe, &op);
                more = true;
            }
        }
        if (!more) {
            op.in_flight = false;
            count_out(op);
        }
        const bool has_buffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
        const unsigned id = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
        if (&op == abandoning_) {
            if (op.opcode == io_opcode::accept && cqe.res >= 0) ::close(cqe.res);
        } else {
            op.more = more;
            if (has_buffer) op.buffer = buffers_.address(id);
            op.complete(&op, cqe.res);
        }
        if (has_buffer) buffers_.give_back(id);
    }

    io_uring ring_{};
    uring::config config_;
    uring::features features_;
    uring::buffer_ring buffers_;
    bool ring_ready_ = false;  ///< enabled, by `owner_`
    bool ring_alive_ = true;   ///< set up (false only if setting it up again failed)
    bool single_issuer_ = false;
    std::thread::id owner_;
    int wake_fd_ = -1;
    std::uint64_t wake_buffer_ = 0;
    bool wake_armed_ = false;
    bool closing_ = false;
    std::atomic<bool> wake_pending_{false};
    std::size_t in_flight_ = 0;
    /// Operations in flight per descriptor (index: the descriptor), so that `cancel_fd` of one
    /// with none costs nothing.
    std::vector<std::uint32_t> fd_ops_;
    io_operation* abandoning_ = nullptr;
};

}  // namespace

std::unique_ptr<io_backend> make_uring_backend() {
    // The probe is the loop's own ring: a refused io_uring_setup (seccomp, as Docker's default
    // profile; `kernel.io_uring_disabled`; an old kernel) means epoll for this loop.
    const uring::config cfg = uring::config_from_environment();
    io_uring ring{};
    if (setup_ring(ring, cfg, /*disabled=*/true) < 0) return nullptr;
    if (!uring::usable(ring)) {
        io_uring_queue_exit(&ring);
        return nullptr;
    }
    return std::make_unique<uring_backend>(ring, cfg);
}

}  // namespace corio::detail
