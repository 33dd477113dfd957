// event_loop::add_reader / add_writer (see watchers.hpp). A watcher's life: registered, its poll
// operation in flight or its call queued (never both); removed, it is freed by whichever of the
// two ends last, or at once if neither is pending.
#include "watchers.hpp"

#include <cerrno>
#include <utility>

#include <poll.h>

#include "backend.hpp"

namespace corio {

namespace detail {
namespace {

void arm(fd_watcher* w);

void run_call(fd_watcher* w) {
    if (!w->registered) {
        delete w;
        return;
    }
    // `queued` stays set while the callback runs, so that a callback removing its own watcher
    // leaves the freeing to this function. The callable is moved out for the call: one that
    // replaces itself (add_reader again) must not destroy the callable that is running.
    std::function<void()> current = std::move(w->fn);
    try {
        current();
    } catch (...) {
        w->loop->call_exception_handler({"Exception in callback", std::current_exception(), {}});
    }
    if (!w->fn) w->fn = std::move(current);
    w->queued = false;
    if (!w->registered) {
        delete w;
        return;
    }
    if (!w->loop->is_closed()) arm(w);
}

/// The queued call. Discarded unrun (the loop closing), it frees a watcher already removed,
/// which nothing else owns any more.
struct watcher_call {
    fd_watcher* w;
    explicit watcher_call(fd_watcher* watcher) noexcept : w(watcher) {}
    watcher_call(watcher_call&& other) noexcept : w(std::exchange(other.w, nullptr)) {}
    watcher_call(const watcher_call&) = delete;
    watcher_call& operator=(const watcher_call&) = delete;
    ~watcher_call() {
        if (w && !w->registered) delete w;
    }
    void operator()() { run_call(std::exchange(w, nullptr)); }
};

void queue_call(fd_watcher* w) {
    w->queued = true;
    try {
        w->loop->call_soon(watcher_call(w));
    } catch (...) {
        w->queued = false;
        w->loop->call_exception_handler(
            {"add_reader/add_writer: could not schedule a callback", std::current_exception(), {}});
    }
}

void on_ready(io_operation* op, int result) noexcept {
    auto* w = static_cast<fd_watcher*>(op);
    if (!w->registered) {  // removed while in flight: this was the cancel's completion
        delete w;
        return;
    }
    if (result == -ECANCELED) return;  // the loop is closing
    // Ready, or an error on the descriptor (asyncio calls the callback then too: its read fails).
    queue_call(w);
}

void arm(fd_watcher* w) {
    int result = 0;
    try {
        if (w->loop->io().submit(*w, result)) queue_call(w);  // ready already
    } catch (...) {
        w->loop->call_exception_handler({"add_reader/add_writer: could not watch the descriptor",
                                         std::current_exception(),
                                         {}});
    }
}

long key_of(int fd, watch_kind kind) { return fd * 2L + (kind == watch_kind::writer ? 1 : 0); }

}  // namespace

// The loop has reaped every operation (cancel_all) and discarded every queued call by now.
fd_watchers::~fd_watchers() = default;

}  // namespace detail

void event_loop::add_watcher(int fd, detail::watch_kind kind, std::function<void()> fn) {
    check_runnable();
    check_thread();
    if (!watchers_) watchers_ = std::make_unique<detail::fd_watchers>();
    auto& slot = watchers_->by_key[detail::key_of(fd, kind)];
    if (slot) {  // replaces the earlier callback; the watch goes on
        slot->fn = std::move(fn);
        return;
    }
    auto w = std::make_unique<detail::fd_watcher>();
    w->loop = this;
    w->fn = std::move(fn);
    w->opcode = detail::io_opcode::poll;
    w->fd = fd;
    w->flags = kind == detail::watch_kind::writer ? POLLOUT : POLLIN;
    w->complete = &detail::on_ready;
    detail::fd_watcher* raw = w.get();
    slot = std::move(w);
    detail::arm(raw);
}

bool event_loop::remove_watcher(int fd, detail::watch_kind kind) {
    check_thread();
    if (!watchers_) return false;
    auto it = watchers_->by_key.find(detail::key_of(fd, kind));
    if (it == watchers_->by_key.end()) return false;
    detail::fd_watcher* w = it->second.release();
    watchers_->by_key.erase(it);
    w->registered = false;
    if (w->in_flight) {
        backend_->cancel(*w);  // its completion frees it (epoll: right here)
    } else if (!w->queued) {
        delete w;
    }
    return true;
}

}  // namespace corio
