// The io_uring backend: operations are the kernel's own. One ring per loop, set up for one thread
// (SINGLE_ISSUER | DEFER_TASKRUN | COOP_TASKRUN, where the kernel has them): submissions made
// during an iteration wait in the submission queue and go to the kernel with the next `poll`, in
// the same io_uring_enter that waits for completions and for the next timer.
//
// A ring set up for one thread refuses every other thread. A loop may be made on one thread and
// run on another, so the ring is made on first use, by the thread that runs the loop, and made
// again if the loop later runs on another thread with nothing in flight.
#include "../backend.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../sendfile.hpp"

namespace corio::detail {
namespace {

/// `user_data` of requests whose completions carry nothing to deliver (cancel requests).
constexpr std::uint64_t ignore_tag = 0;
/// `user_data` of the read on the wake-up eventfd (odd, as no operation's address is, but not a
/// poll-stage tag: see below).
constexpr std::uint64_t wake_tag = 1;
/// The low bit of an operation's `user_data` while it waits for readiness after -EAGAIN.
constexpr std::uint64_t poll_stage_bit = 1;

/// Submission queue entries, and completion queue entries (IORING_SETUP_CQSIZE). Sized for
/// thousands of operations in flight: with 256, a saturated server with 1,000 connections served
/// them very unevenly in bench/net (the cause is not established; a larger ring removed it).
constexpr unsigned ring_entries = 1024;
constexpr unsigned completion_entries = 8192;

/// Sets up `ring` with the best flags this kernel takes; -errno if it takes none. `disabled`: the
/// ring starts disabled, and its one issuing thread is the one that enables it.
int setup_ring(io_uring& ring, bool disabled) {
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
        params.cq_entries = completion_entries;
        r = io_uring_queue_init_params(ring_entries, &ring, &params);
        if (r != -EINVAL) break;  // EINVAL: a flag this kernel does not know; try fewer
    }
    return r;
}

class uring_backend final : public io_backend {
public:
    /// Takes a ring set up disabled (`setup_ring`): the thread that first uses it enables it.
    explicit uring_backend(const io_uring& ring) : ring_(ring) {
        wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
        if (wake_fd_ < 0) {
            io_uring_queue_exit(&ring_);
            throw std::system_error(errno, std::system_category(), "eventfd");
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

    [[nodiscard]] bool has_io_waiters() const noexcept override { return in_flight_ != 0; }

    bool submit(io_operation& op, int& result) override {
        ensure_ring();
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
            ++in_flight_;
            return false;
        }
        io_uring_sqe* sqe = get_sqe();
        prepare(*sqe, op);
        io_uring_sqe_set_data(sqe, &op);
        op.in_flight = true;
        op.cancelling = false;
        op.waiting_ready = false;
        ++in_flight_;
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
        if (in_flight_ == 0 || !ring_usable()) return;
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

    void forget_fd(int) noexcept override {}

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
            wake_armed_ = false;
            const int r = setup_ring(ring_, /*disabled=*/false);
            if (r < 0) {
                ring_ready_ = ring_alive_ = false;
                throw std::system_error(-r, std::system_category(), "io_uring_queue_init");
            }
        }
        single_issuer_ = (ring_.flags & IORING_SETUP_SINGLE_ISSUER) != 0;
        io_uring_register_ring_fd(&ring_);  // optional: saves the fd lookup per enter
        owner_ = std::this_thread::get_id();
        ring_ready_ = true;
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

    static void prepare(io_uring_sqe& sqe, io_operation& op) {
        switch (op.opcode) {
            case io_opcode::accept:
                io_uring_prep_accept(
                    &sqe, op.fd, static_cast<sockaddr*>(op.buffer),
                    op.buffer ? reinterpret_cast<socklen_t*>(&op.address_length) : nullptr,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);
                break;
            case io_opcode::connect:
                io_uring_prep_connect(&sqe, op.fd, static_cast<const sockaddr*>(op.buffer),
                                      static_cast<socklen_t>(op.length));
                break;
            case io_opcode::recv:
                io_uring_prep_recv(&sqe, op.fd, op.buffer, clamp(op.length),
                                   static_cast<int>(op.flags));
                break;
            case io_opcode::send:
                io_uring_prep_send(&sqe, op.fd, op.buffer, clamp(op.length),
                                   static_cast<int>(op.flags) | MSG_NOSIGNAL);
                break;
            case io_opcode::recvmsg:
                io_uring_prep_recvmsg(&sqe, op.fd, static_cast<msghdr*>(op.buffer), op.flags);
                break;
            case io_opcode::sendmsg:
                io_uring_prep_sendmsg(&sqe, op.fd, static_cast<const msghdr*>(op.buffer),
                                      op.flags | MSG_NOSIGNAL);
                break;
            case io_opcode::read:
                io_uring_prep_read(&sqe, op.fd, op.buffer, clamp(op.length), op.offset);
                break;
            case io_opcode::write:
                io_uring_prep_write(&sqe, op.fd, op.buffer, clamp(op.length), op.offset);
                break;
            case io_opcode::sendfile:  // only its wait for writability goes to the kernel
                io_uring_prep_poll_add(&sqe, op.fd, POLLOUT);
                break;
            case io_opcode::poll:
                io_uring_prep_poll_add(&sqe, op.fd, op.flags);
                break;
            case io_opcode::writev:
                io_uring_prep_writev(&sqe, op.fd, static_cast<const iovec*>(op.buffer),
                                     static_cast<unsigned>(op.length), op.offset);
                break;
        }
    }

    static unsigned clamp(std::uint64_t length) noexcept {
        constexpr std::uint64_t max = 0x7ffff000;  // Linux's own limit per read/write call
        return static_cast<unsigned>(length < max ? length : max);
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
            prepare(*sqe, op);
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
        const bool input = op.opcode == io_opcode::accept || op.opcode == io_opcode::recv ||
                           op.opcode == io_opcode::recvmsg || op.opcode == io_opcode::read;
        io_uring_prep_poll_add(sqe, op.fd, input ? POLLIN : POLLOUT);
        op.waiting_ready = true;
        io_uring_sqe_set_data64(sqe, user_data_of(op));
        return true;
    }

    /// Runs every completion in the completion queue.
    void reap() {
        bool rearm = false;
        io_uring_cqe* cqe;
        unsigned head;
        unsigned seen = 0;
        io_uring_for_each_cqe(&ring_, head, cqe) {
            ++seen;
            const std::uint64_t tag = cqe->user_data;
            if (tag == ignore_tag) continue;
            if (tag == wake_tag) {
                // Before the loop drains its queue: see event_loop::drain_threadsafe.
                wake_pending_.store(false);
                wake_armed_ = false;
                rearm = true;
                continue;
            }
            auto* op = reinterpret_cast<io_operation*>(tag & ~poll_stage_bit);
            int result = cqe->res;
            if (op != abandoning_ && retry_when_ready(*op, tag, result)) continue;
            op->in_flight = false;
            --in_flight_;
            if (op == abandoning_) continue;  // its owner is going away: nobody to tell
            op->complete(op, result);
        }
        io_uring_cq_advance(&ring_, seen);
        if (rearm && !closing_) arm_wake();
    }

    io_uring ring_{};
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
    io_operation* abandoning_ = nullptr;
};

}  // namespace

std::unique_ptr<io_backend> make_uring_backend() {
    // The probe is the loop's own ring: a refused io_uring_setup (seccomp, as Docker's default
    // profile; `kernel.io_uring_disabled`; an old kernel) means epoll for this loop.
    io_uring ring{};
    if (setup_ring(ring, /*disabled=*/true) < 0) return nullptr;
    return std::make_unique<uring_backend>(ring);
}

}  // namespace corio::detail
