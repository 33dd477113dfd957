// The epoll backend: one epoll instance per loop, an eventfd for wake-ups.
#include "../backend.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <system_error>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace corio::detail {
namespace {

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
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
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;  // null marks the wake-up descriptor
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) < 0) {
            ::close(wake_fd_);
            ::close(epoll_fd_);
            throw_errno("epoll_ctl");
        }
    }

    ~epoll_backend() override {
        ::close(wake_fd_);
        ::close(epoll_fd_);
    }

    void poll(std::optional<duration> timeout) override {
        epoll_event events[64];
        const int n = wait(events, timeout);
        for (int i = 0; i < n; ++i) {
            if (events[i].data.ptr == nullptr) drain_wake();
        }
    }

    void wake() noexcept override {
        // Coalesce: one write per batch of wake-ups, until the loop drains the eventfd.
        // Sequentially consistent: a caller that finds the flag set pushed its work before the loop
        // clears the flag, and the loop clears it before draining, so no work is left unseen.
        if (wake_pending_.exchange(true)) return;
        const std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(wake_fd_, &one, sizeof one);
    }

    [[nodiscard]] bool has_io_waiters() const noexcept override { return false; }

private:
    int wait(epoll_event* events, std::optional<duration> timeout) {
        for (;;) {
            int n;
            if (!timeout) {
                n = ::epoll_wait(epoll_fd_, events, 64, -1);
            } else {
                // epoll_pwait2 takes nanoseconds, so a deadline is never rounded down.
                const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    *timeout < duration::zero() ? duration::zero() : *timeout)
                                    .count();
                timespec ts{static_cast<time_t>(ns / 1'000'000'000),
                            static_cast<long>(ns % 1'000'000'000)};
                n = ::epoll_pwait2(epoll_fd_, events, 64, &ts, nullptr);
                if (n < 0 && errno == ENOSYS) n = wait_ms(events, ns);
            }
            if (n >= 0) return n;
            if (errno != EINTR) throw_errno("epoll_wait");
        }
    }

    /// Kernels before 5.11 have no epoll_pwait2: milliseconds, rounded up.
    int wait_ms(epoll_event* events, long long ns) {
        const long long ms = (ns + 999'999) / 1'000'000;
        return ::epoll_wait(epoll_fd_, events, 64, ms > 2'000'000'000 ? 2'000'000'000 : int(ms));
    }

    void drain_wake() noexcept {
        std::uint64_t value;
        [[maybe_unused]] auto r = ::read(wake_fd_, &value, sizeof value);
        wake_pending_.store(
            false);  // before the loop drains its queue: see event_loop::drain_threadsafe
    }

    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::atomic<bool> wake_pending_{false};
};

}  // namespace

std::unique_ptr<io_backend> make_epoll_backend() { return std::make_unique<epoll_backend>(); }

}  // namespace corio::detail
