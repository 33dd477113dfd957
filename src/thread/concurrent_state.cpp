// The shared state of concurrent_future (include/corio/thread/detail/concurrent_state.hpp).
#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include <corio/thread/detail/concurrent_state.hpp>

namespace corio::detail {

namespace {
/// Python logs an exception raised by a done-callback and goes on; so does corio, on stderr
/// (there may be no loop, hence no exception handler, on the completing thread).
void report(const char* what, const std::exception_ptr& error) noexcept {
    const char* detail = "unknown exception";
    std::string text;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        text = e.what();
        detail = text.c_str();
    } catch (const cancelled_error& e) {
        text = e.what();
        detail = text.c_str();
    } catch (...) {
    }
    std::fprintf(stderr, "corio: %s: %s\n", what, detail);
}
}  // namespace

concurrent_state_base::~concurrent_state_base() {
    if (!retrieved_ && error_) report("concurrent_future exception was never retrieved", error_);
}

concurrent_status concurrent_state_base::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

bool concurrent_state_base::done() const {
    std::lock_guard lock(mutex_);
    return done_locked();
}

bool concurrent_state_base::set_running_or_notify_cancel() {
    std::lock_guard lock(mutex_);
    if (status_ == concurrent_status::cancelled) return false;
    if (status_ != concurrent_status::pending) {
        throw invalid_state_error("set_running_or_notify_cancel: the future is not pending");
    }
    status_ = concurrent_status::running;
    return true;
}

bool concurrent_state_base::try_set_exception(std::exception_ptr error) {
    std::unique_lock lock(mutex_);
    if (done_locked()) return false;
    error_ = std::move(error);
    retrieved_ = false;
    complete(lock, concurrent_status::finished);
    return true;
}

void concurrent_state_base::set_cancel_hook(cancel_hook hook) {
    std::unique_lock lock(mutex_);
    if (status_ != concurrent_status::cancelled) {
        on_cancel_ = std::move(hook);
        return;
    }
    // Cancelled before the producer got here: the chained work is cancelled now.
    const std::string message = cancel_message_;
    lock.unlock();
    hook(message);
}

void concurrent_state_base::set_feeding_loop(remote_loop loop) {
    std::lock_guard lock(mutex_);
    feeder_ = std::move(loop);
}

bool concurrent_state_base::cancel(const std::string& message) {
    std::unique_lock lock(mutex_);
    if (status_ == concurrent_status::cancelled) return true;
    if (status_ != concurrent_status::pending) return false;
    cancel_message_ = message;
    cancel_hook hook = std::move(on_cancel_);
    complete(lock, concurrent_status::cancelled);
    if (hook) hook(message);
    return true;
}

void concurrent_state_base::check_deadlock() const {
    if (running_loop && feeder_.runs_on_this_thread()) {
        throw deadlock_error(
            "waiting on a loop's own thread for a result only that loop can produce would block "
            "it forever: co_await the concurrent_future instead");
    }
}

void concurrent_state_base::wait() const {
    std::unique_lock lock(mutex_);
    if (done_locked()) return;
    check_deadlock();
    done_cv_.wait(lock, [this] { return done_locked(); });
}

bool concurrent_state_base::wait_until(std::chrono::steady_clock::time_point deadline) const {
    std::unique_lock lock(mutex_);
    if (done_locked()) return true;
    check_deadlock();
    return done_cv_.wait_until(lock, deadline, [this] { return done_locked(); });
}

void concurrent_state_base::rethrow_if_failed() {
    std::lock_guard lock(mutex_);
    switch (status_) {
        case concurrent_status::pending:
        case concurrent_status::running:
            throw invalid_state_error("the concurrent_future is not done");
        case concurrent_status::cancelled:
            throw cancelled_error(cancel_message_);
        case concurrent_status::finished:
            if (error_) {
                retrieved_ = true;
                std::rethrow_exception(error_);
            }
            return;
    }
}

std::exception_ptr concurrent_state_base::exception() {
    std::lock_guard lock(mutex_);
    if (!done_locked()) throw invalid_state_error("the concurrent_future is not done");
    if (status_ == concurrent_status::cancelled) throw cancelled_error(cancel_message_);
    retrieved_ = true;
    return error_;
}

void concurrent_state_base::add_done_callback(callback fn) {
    {
        std::lock_guard lock(mutex_);
        if (!done_locked()) {
            callbacks_.push_back(std::move(fn));
            return;
        }
    }
    try {
        fn();
    } catch (...) {
        report("exception calling a concurrent_future callback", std::current_exception());
    }
}

bool concurrent_state_base::add_waiter(remote_waiter& w) {
    std::lock_guard lock(mutex_);
    if (done_locked()) return false;
    w.prev = nullptr;
    w.next = waiters_;
    if (waiters_) waiters_->prev = &w;
    waiters_ = &w;
    return true;
}

bool concurrent_state_base::remove_waiter(remote_waiter& w) noexcept {
    std::lock_guard lock(mutex_);
    if (!w.link) return false;  // taken by the completion
    (w.prev ? w.prev->next : waiters_) = w.next;
    if (w.next) w.next->prev = w.prev;
    w.prev = w.next = nullptr;
    return true;
}

void concurrent_state_base::complete(std::unique_lock<std::mutex>& lock, concurrent_status status) {
    status_ = status;
    // Wake-ups are posted under the lock: once it is released a waiter's frame may go at any time
    // (its task cancelled on its own thread), so its node is read only here. What is posted holds
    // the shared wake_link, never the node. A loop that is gone has no task left to wake.
    for (remote_waiter* w = std::exchange(waiters_, nullptr); w;) {
        remote_waiter* next = w->next;
        post_wake(w->loop, std::move(w->link));  // moving the link out marks the node taken
        w = next;
    }
    std::vector<callback> callbacks = std::move(callbacks_);
    callbacks_.clear();
    lock.unlock();
    done_cv_.notify_all();
    for (callback& fn : callbacks) {
        try {
            fn();
        } catch (...) {
            report("exception calling a concurrent_future callback", std::current_exception());
        }
    }
}

}  // namespace corio::detail
