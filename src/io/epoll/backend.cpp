// The epoll backend: operations emulated on readiness. One epoll instance per loop; every
// descriptor an operation waits on is registered once, edge-triggered for both directions, and
// stays so until it is forgotten (no epoll_ctl in the steady state). An operation first tries its
// non-blocking system call; on EAGAIN it joins the descriptor's wait list for that direction, and
// each edge retries the list in order until a call says EAGAIN again.
//
// A multishot operation (accept, recv) is the same loop that does not stop at its first result:
// on each edge it accepts, or receives into the backend's one scratch buffer, until EAGAIN, each
// result a callback with `more` set; a recv's end of file or an error is its final result. A
// short recv from a stream means the socket is drained, so the doomed recv after it is skipped
// (the next edge says when more came), unless the peer's end of file was seen (then no edge
// will come, and the recv that reads it must be made now).
#include "../backend.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd_entry.hpp"
#include "syscalls.hpp"

namespace corio::detail {
namespace {

using epoll::fd_entry;
using epoll::tag_of;
using epoll::wait_list;

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

/// The wake-up eventfd's tag in `epoll_event::data` (descriptors are never negative).
constexpr std::uint64_t wake_tag = ~std::uint64_t{0};

/// An operation's direction: which readiness it waits for.
bool waits_for_input(const io_operation& op) noexcept {
    switch (op.opcode) {
        case io_opcode::accept:
        case io_opcode::recv:
        case io_opcode::recvmsg:
        case io_opcode::read:
            return true;
        case io_opcode::poll:
            return (op.flags & POLLIN) != 0;
        default:
            return false;
    }
}

class epoll_backend final : public io_backend {
public:
    epoll_backend() {
        epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epoll_fd_ < 0) throw_errno("epoll_create1");
        wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake_fd_ < 0) {
            ::close(epoll_fd_);
            throw_errno("eventfd");
        }
        // Edge-triggered: every write to the eventfd is a new edge, so the counter never needs
        // reading (one system call less per wake-up); it cannot overflow in practice (2^64 - 2).
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLET;
        ev.data.u64 = wake_tag;
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) < 0) {
            ::close(wake_fd_);
            ::close(epoll_fd_);
            throw_errno("epoll_ctl");
        }
    }

    ~epoll_backend() override {
        cancel_all();
        ::close(wake_fd_);
        ::close(epoll_fd_);
    }

    [[nodiscard]] bool native_file_io() const noexcept override { return false; }
    [[nodiscard]] bool batches_submissions() const noexcept override { return false; }
    [[nodiscard]] std::string_view name() const noexcept override { return "epoll"; }

    void poll(std::optional<duration> timeout) override {
        // The loop may wait: it has nothing else to run. (A poll that may not wait comes from a
        // loop with tasks ready, see below.)
        const bool idle = !timeout || *timeout > duration::zero();
        if (next_event_ == event_count_) {
            // A multishot operation armed on a descriptor already known ready gets no new edge:
            // it is tried here, so the wait must not block.
            if (!kicked_.empty()) timeout = duration::zero();
            event_count_ = wait(events_, max_events, timeout);
            next_event_ = 0;
        }
        // A loop with nothing else to run gets one descriptor's completions per poll: it runs
        // the tasks they woke, whose replies go out, before the next descriptor's receive is
        // made. Made all at once, every receive of the batch would delay every reply: C code
        // that receives a whole batch before it sends adds 20 us to the p50 of 4 KiB echoes at
        // 30,000 a second here, as this backend did; a readiness loop (libuv, Tokio, Asio)
        // replies next to the request too. The rest of the events wait in events_, and the
        // next poll takes them without a system call. A loop with tasks ready polls only every
        // so many steps (event_loop::run_once): it gets every event at once, or a task that
        // never waits would let one connection be served per such poll.
        while (next_event_ < event_count_) {
            if (dispatch(events_[next_event_++]) && idle) break;
        }
        if (next_event_ == event_count_ && !kicked_.empty()) {
            std::vector<int> kicked;
            kicked.swap(kicked_);
            for (int fd : kicked) {
                if (static_cast<std::size_t>(fd) < fds_.size() && fds_[fd].input_ready) {
                    retry(fd, /*input=*/true);
                }
            }
        }
    }

    void wake() noexcept override {
        // Coalesce: one write per batch of wake-ups, until the loop sees the edge. Sequentially
        // consistent: a caller that finds the flag set pushed its work before the loop clears the
        // flag, and the loop clears it before draining, so no work is left unseen.
        if (wake_pending_.exchange(true)) return;
        const std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(wake_fd_, &one, sizeof one);
    }

    [[nodiscard]] bool has_io_waiters() const noexcept override { return in_flight_ != 0; }
    [[nodiscard]] bool multishot_recv() const noexcept override { return true; }

    bool submit(io_operation& op, int& result) override {
        if (op.multishot && op.opcode != io_opcode::accept && op.opcode != io_opcode::recv) {
            throw std::invalid_argument("epoll: only accept and recv can be multishot");
        }
        if (op.fd < 0) {
            result = -EBADF;
            return true;
        }
        if (op.multishot) return submit_multishot(op);
        fd_entry& entry = entry_for(op.fd);
        const bool input = waits_for_input(op);
        bool& ready = input ? entry.input_ready : entry.output_ready;
        wait_list& list = input ? entry.input : entry.output;
        // Operations on one descriptor and direction complete in the order submitted: one that
        // finds others waiting queues behind them.
        if (list.head == nullptr && (ready || op.opcode == io_opcode::poll)) {
            result = attempt(op, /*first=*/true);
            if (result != -EAGAIN) return true;
            ready = false;
        }
        if (!entry.registered) {
            if (!register_fd(op.fd, entry)) {
                // A regular file (or a directory): epoll cannot watch it, and poll(2) calls it
                // always ready. Only a poll operation gets here (its reads never say EAGAIN).
                result = static_cast<int>(op.flags);
                return true;
            }
        } else if (op.opcode == io_opcode::poll) {
            // A descriptor of another library may have been closed and its number reused
            // without the loop being told (the kernel then dropped the registration): ask again.
            // One system call per wait, for descriptors corio does not own; its own sockets
            // are forgotten when closed.
            register_fd(op.fd, entry);
        }
        list.push(op);
        op.in_flight = true;
        op.cancelling = false;
        ++in_flight_;
        return false;
    }

    void cancel(io_operation& op) noexcept override {
        if (!op.in_flight) return;
        if (&op == delivering_) {
            // From its own multishot callback: it ends once that callback returns (retry).
            op.cancelling = true;
            return;
        }
        unlink(op);
        op.more = false;
        op.complete(&op, -ECANCELED);
    }

    void abandon(io_operation& op) noexcept override {
        if (op.in_flight) unlink(op);
    }

    void cancel_fd(int fd) noexcept override {
        if (fd < 0 || static_cast<std::size_t>(fd) >= fds_.size()) return;
        for (wait_list* list : {&fds_[fd].input, &fds_[fd].output}) {
            while (io_operation* op = list->head) cancel(*op);
        }
    }

    void forget_fd(int fd, fd_fate fate) noexcept override {
        if (fd < 0 || static_cast<std::size_t>(fd) >= fds_.size()) return;
        cancel_fd(fd);
        fd_entry& entry = fds_[fd];
        // A descriptor about to be closed leaves the interest list with its close: no
        // EPOLL_CTL_DEL, a system call per connection saved (Asio does the same). Unless a dup
        // of it keeps the file open: then the file stays registered under this number, and its
        // events, tagged with the old generation, are ignored.
        if (entry.registered && fate == fd_fate::stays_open) {
            ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
        }
        const std::uint32_t next = entry.generation + 1;
        entry = fd_entry{};
        entry.generation = next;
    }

    void cancel_all() noexcept override {
        for (std::size_t fd = 0; fd < fds_.size() && in_flight_ != 0; ++fd) {
            cancel_fd(static_cast<int>(fd));
        }
    }

private:
    /// A multishot operation never completes at once: it joins the list, and if the descriptor
    /// is not known to be drained, the next poll tries it (an edge-triggered descriptor that is
    /// ready already gives no new edge).
    bool submit_multishot(io_operation& op) {
        if (op.opcode == io_opcode::recv && !scratch_) {
            scratch_ = std::make_unique_for_overwrite<char[]>(scratch_size);
        }
        fd_entry& entry = entry_for(op.fd);
        if (!entry.registered) register_fd(op.fd, entry);
        if (entry.input_ready && entry.input.head == nullptr) kicked_.push_back(op.fd);
        entry.input.push(op);
        op.in_flight = true;
        op.cancelling = false;
        ++in_flight_;
        return false;
    }

    fd_entry& entry_for(int fd) {
        if (static_cast<std::size_t>(fd) >= fds_.size())
            fds_.resize(static_cast<std::size_t>(fd) + 1);
        return fds_[static_cast<std::size_t>(fd)];
    }

    /// False if epoll cannot watch `fd` (EPERM: a regular file).
    bool register_fd(int fd, fd_entry& entry) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.u64 = tag_of(fd, entry.generation);
        // EEXIST: registered already, and still (see submit).
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0 && errno != EEXIST) {
            if (errno == EPERM) return false;
            throw std::system_error(errno, std::system_category(), "epoll_ctl");
        }
        entry.registered = true;
        return true;
    }

    void unlink(io_operation& op) noexcept {
        fd_entry& entry = fds_[static_cast<std::size_t>(op.fd)];
        (waits_for_input(op) ? entry.input : entry.output).remove(op);
        op.in_flight = false;
        --in_flight_;
    }

    /// One try of `op`'s system call: its result, -EAGAIN if it would block.
    int attempt(io_operation& op, bool first) noexcept {
        switch (op.opcode) {
            case io_opcode::connect:
                // The first try is the connect itself; an edge then means it finished.
                if (first) {
                    const int r = sys::connect(op);
                    return r == -EINPROGRESS ? -EAGAIN : r;
                }
                return sys::connect_result(op.fd);
            case io_opcode::poll: {
                if (!first) return static_cast<int>(op.flags);  // the edge is the readiness wanted
                // Edge-triggered registration reports only changes: ask the current state once.
                pollfd p{op.fd, static_cast<short>(op.flags), 0};
                const int n = ::poll(&p, 1, 0);
                if (n < 0) return -errno;
                return n == 0 ? -EAGAIN : (p.revents & (op.flags | POLLERR | POLLHUP | POLLNVAL));
            }
            default: {
                // A multishot recv receives into the scratch buffer (see deliver).
                const bool chunk = op.multishot && op.opcode == io_opcode::recv;
                const std::uint64_t asked = chunk ? scratch_size : op.length;
                const int r =
                    chunk ? sys::recv_into(op, scratch_.get(), scratch_size) : sys::perform(op);
                // A short read from a stream drained the socket: the next read would say EAGAIN.
                if (r > 0 && (op.opcode == io_opcode::recv || op.opcode == io_opcode::read) &&
                    (op.hints & io_hint_stream) && static_cast<std::uint64_t>(r) < asked) {
                    fd_entry& entry = fds_[static_cast<std::size_t>(op.fd)];
                    if (!entry.input_closed) entry.input_ready = false;
                }
                return r;
            }
        }
    }

    /// One event of a wait: the operations waiting on its descriptor are retried. True if any
    /// delivered a result.
    bool dispatch(const epoll_event& event) {
        if (event.data.u64 == wake_tag) {
            // Before the loop drains its queue: see event_loop::drain_threadsafe.
            wake_pending_.store(false);
            return false;
        }
        const int fd = static_cast<int>(event.data.u64 & 0xffffffffu);
        // A file this number named before (closed since the wait, or kept open by a dup of its
        // descriptor): nothing here waits on it.
        if (static_cast<std::size_t>(fd) >= fds_.size() ||
            fds_[fd].generation != event.data.u64 >> 32) {
            return false;
        }
        const std::uint32_t e = event.events;
        bool delivered = false;
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            fds_[fd].input_ready = true;
            if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) fds_[fd].input_closed = true;
            delivered = retry(fd, /*input=*/true);
        }
        if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
            fds_[fd].output_ready = true;
            delivered |= retry(fd, /*input=*/false);
        }
        return delivered;
    }

    /// A multishot operation's final result: an error, or a recv's end of file.
    static bool is_final(const io_operation& op, int result) noexcept {
        return result < 0 || (result == 0 && op.opcode == io_opcode::recv);
    }

    /// An edge on `fd`: retries its waiting operations in order until one would block. True if
    /// any delivered a result.
    bool retry(int fd, bool input) {
        // Every pass that comes round again delivered a result.
        for (bool delivered = false;; delivered = true) {
            // Re-read every time: a completion callback schedules tasks and touches nothing here,
            // but the entry may have moved if nothing else (fds_ only grows in submit).
            fd_entry& entry = fds_[static_cast<std::size_t>(fd)];
            wait_list& list = input ? entry.input : entry.output;
            io_operation* op = list.head;
            if (!op) return delivered;
            // A short read drained the socket (attempt): the next call would say EAGAIN, and the
            // next edge will say when more came.
            if (input && !entry.input_ready) return delivered;
            const int result = attempt(*op, /*first=*/false);
            if (result == -EAGAIN) {
                (input ? entry.input_ready : entry.output_ready) = false;
                return delivered;
            }
            if (op->multishot && !is_final(*op, result)) {
                // One result of many: the operation stays first in the list, and goes on.
                deliver(*op, result);
                if (op->cancelling) result_of_cancel(*op);
                continue;
            }
            unlink(*op);
            op->more = false;
            op->complete(op, result);
        }
    }

    /// One result of a multishot operation (`more` set). A received chunk is at `buffer` during
    /// the callback only, as in io_uring's provided buffer: the next recv overwrites it.
    void deliver(io_operation& op, int result) noexcept {
        const bool chunk = op.opcode == io_opcode::recv;
        if (chunk) op.buffer = scratch_.get();
        op.more = true;
        delivering_ = &op;
        op.complete(&op, result);
        delivering_ = nullptr;
        if (chunk) op.buffer = nullptr;
    }

    /// A multishot operation that cancelled itself from its callback: its final completion.
    void result_of_cancel(io_operation& op) noexcept {
        unlink(op);
        op.more = false;
        op.complete(&op, -ECANCELED);
    }

    int wait(epoll_event* events, int max, std::optional<duration> timeout) {
        for (;;) {
            int n;
            if (!timeout) {
                n = ::epoll_wait(epoll_fd_, events, max, -1);
            } else {
                // epoll_pwait2 takes nanoseconds, so a deadline is never rounded down.
                const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    *timeout < duration::zero() ? duration::zero() : *timeout)
                                    .count();
                timespec ts{static_cast<time_t>(ns / 1'000'000'000),
                            static_cast<long>(ns % 1'000'000'000)};
                n = ::epoll_pwait2(epoll_fd_, events, max, &ts, nullptr);
                if (n < 0 && errno == ENOSYS) {
                    // Kernels before 5.11: milliseconds, rounded up.
                    const long long ms = (ns + 999'999) / 1'000'000;
                    n = ::epoll_wait(epoll_fd_, events, max,
                                     ms > 2'000'000'000 ? 2'000'000'000 : int(ms));
                }
            }
            if (n >= 0) return n;
            if (errno != EINTR) throw_errno("epoll_wait");
        }
    }

    static constexpr int max_events = 128;
    /// The last wait's events, and the next one to dispatch (see poll).
    epoll_event events_[max_events];
    int event_count_ = 0;
    int next_event_ = 0;
    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::atomic<bool> wake_pending_{false};
    std::vector<fd_entry> fds_;
    std::size_t in_flight_ = 0;
    /// Descriptors whose multishot operation must be tried at the next poll (submit_multishot).
    std::vector<int> kicked_;
    /// Where every multishot recv of the loop receives, made by the first one. One is enough:
    /// callbacks run one at a time, and each copies its chunk out before the next recv. 64 KiB
    /// is what one recv of a busy TCP socket commonly holds (a loopback or GRO-merged segment is
    /// up to 64 KiB), so a bulk transfer costs few system calls, and a short read still means
    /// "drained"; paid once per loop, not per connection, and only its touched pages are resident.
    static constexpr std::size_t scratch_size = 64 * 1024;
    std::unique_ptr<char[]> scratch_;
    /// The multishot operation whose callback is running (see cancel).
    io_operation* delivering_ = nullptr;
};

}  // namespace

std::unique_ptr<io_backend> make_epoll_backend() { return std::make_unique<epoll_backend>(); }

}  // namespace corio::detail
