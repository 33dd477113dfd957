// Signal handlers of event loops (event_loop::add_signal_handler). A C handler, installed with
// sigaction for each signal some loop handles, marks the signal pending and wakes the loop
// through the same door other threads use (threadsafe_count_ and the backend's wake, both
// async-signal-safe); the loop then schedules the handler as a callback on its own thread. No
// signal is blocked anywhere and no thread is needed.
#include <array>
#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include <corio/core/event_loop.hpp>

#include "../io/backend.hpp"

namespace corio {

namespace {

constexpr int max_signal = 65;  // _NSIG on Linux

/// Per signal: the loop that handles it, whether it came, and the action it had before.
struct signal_slot {
    std::atomic<event_loop*> owner{nullptr};
    std::atomic<bool> pending{false};
    struct sigaction previous {};
};
std::array<signal_slot, max_signal> slots;
/// Serialises installing and removing handlers (loops on several threads).
std::mutex slots_mutex;

void check_signal(int sig) {
    if (sig <= 0 || sig >= max_signal) {
        throw std::invalid_argument("not a signal number: " + std::to_string(sig));
    }
    if (sig == SIGKILL || sig == SIGSTOP) {
        throw std::invalid_argument(std::string("signal ") + ::strsignal(sig) +
                                    " cannot be caught");
    }
}

extern "C" void on_signal(int sig) {
    const int saved = errno;  // the interrupted code may be between a call and its errno check
    signal_slot& slot = slots[static_cast<std::size_t>(sig)];
    slot.pending.store(true);
    if (event_loop* loop = slot.owner.load()) loop->note_signal();
    errno = saved;
}

}  // namespace

void event_loop::note_signal() noexcept {
    signals_pending_.store(true);
    threadsafe_count_.fetch_add(1);
    backend_->wake();
}

void event_loop::add_signal_handler_impl(int sig, std::function<void()> fn) {
    check_signal(sig);
    check_runnable();
    check_thread();
    std::lock_guard lock(slots_mutex);
    signal_slot& slot = slots[static_cast<std::size_t>(sig)];
    event_loop* owner = slot.owner.load();
    if (owner && owner != this) {
        throw std::logic_error(std::string("signal ") + ::strsignal(sig) +
                               " is handled by another event loop");
    }
    for (auto& [s, handler] : signal_handlers_) {
        if (s == sig) {
            handler = std::move(fn);
            return;
        }
    }
    signal_handlers_.emplace_back(sig, std::move(fn));
    struct sigaction action {};
    action.sa_handler = &on_signal;
    ::sigemptyset(&action.sa_mask);
    // SA_RESTART: a system call that a signal interrupts elsewhere in the program (another
    // thread's read) goes on, as it would without the handler.
    action.sa_flags = SA_RESTART;
    slot.pending.store(false);
    slot.owner.store(this);
    if (::sigaction(sig, &action, &slot.previous) != 0) {
        slot.owner.store(nullptr);
        signal_handlers_.pop_back();
        throw std::system_error(errno, std::system_category(), "sigaction");
    }
}

bool event_loop::remove_signal_handler(int sig) {
    check_signal(sig);
    check_thread();
    std::lock_guard lock(slots_mutex);
    signal_slot& slot = slots[static_cast<std::size_t>(sig)];
    if (slot.owner.load() != this) return false;
    ::sigaction(sig, &slot.previous, nullptr);
    slot.owner.store(nullptr);
    std::erase_if(signal_handlers_, [sig](const auto& h) { return h.first == sig; });
    return true;
}

void event_loop::remove_signal_handlers() noexcept {
    while (!signal_handlers_.empty()) {
        try {
            remove_signal_handler(signal_handlers_.back().first);
        } catch (...) {  // not reached: the numbers were checked when added
            signal_handlers_.pop_back();
        }
    }
}

void event_loop::dispatch_signals() {
    for (const auto& [sig, handler] : signal_handlers_) {
        if (!slots[static_cast<std::size_t>(sig)].pending.exchange(false)) continue;
        // A copy per call: the handler may remove or replace itself.
        call_soon(handler);
    }
}

}  // namespace corio
