// corio::threading::thread and thread_ref: starting, running, waiting for and reclaiming a thread.

#include <algorithm>
#include <cstring>
#include <utility>

#include <cxxabi.h>
#include <pthread.h>

#include "deadline.hpp"
#include "thread_state.hpp"

namespace corio::threading {

namespace detail {
namespace {

/// Gives the kernel the thread's name, cut to its 15 bytes (16 with the NUL) without splitting a
/// UTF-8 character. Best effort: a failure only leaves the kernel's name as it was.
void set_kernel_name(const std::string& name) noexcept {
    char buffer[16];
    std::size_t n = std::min(name.size(), sizeof buffer - 1);
    // Cutting before a continuation byte (10xxxxxx) would split a character: cut before its lead.
    if (n < name.size()) {
        while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xC0U) == 0x80U) --n;
    }
    std::memcpy(buffer, name.data(), n);
    buffer[n] = '\0';
    (void)pthread_setname_np(pthread_self(), buffer);
}

/// The end of a corio thread: off the list, finished, waiters woken; reported if the owner is
/// gone (nobody could rethrow the error any more).
void finish(thread_state& s, std::exception_ptr error) noexcept {
    withdraw(s);
    bool report = false;
    {
        const std::lock_guard lock(s.mutex);
        s.status = thread_status::finished;
        s.error = std::move(error);
        report = s.error && s.owner_gone;
        s.changed.notify_all();
    }
    if (report) report_unhandled(s);
}

/// What a corio thread runs: the body between its own bookkeeping.
void run_thread(std::shared_ptr<thread_state> shared) {  // not noexcept: forced unwinding passes
    thread_state& s = *shared;
    adopt_current(shared);
    std::unique_ptr<thread_body> body;
    std::string name;
    {
        const std::lock_guard lock(s.mutex);
        s.ident = self_ident();
        s.native_id = self_native_id();
        body = std::move(s.body);
        name = s.name;
        s.changed.notify_all();  // start() returns
    }
    set_kernel_name(name);
    std::exception_ptr error;
    try {
        body->run();
    } catch (abi::__forced_unwind&) {
        // pthread_cancel or pthread_exit: the unwinding must go on, but the thread is over.
        body.reset();
        finish(s, nullptr);
        throw;
    } catch (...) {
        error = std::current_exception();
    }
    // The function and its arguments die here, before the thread counts as finished: a joiner
    // may rely on their destructors having run (Python deletes its target and args likewise).
    body.reset();
    finish(s, std::move(error));
}

/// Waits until `s` finished, or until `deadline`; true if it did.
bool wait_finished(thread_state& s, std::optional<std::chrono::steady_clock::time_point> deadline) {
    std::unique_lock lock(s.mutex);
    const auto finished = [&] { return s.status == thread_status::finished; };
    if (!deadline) {
        s.changed.wait(lock, finished);
        return true;
    }
    return s.changed.wait_until(lock, *deadline, finished);
}

/// The checks before joining, with Python's messages.
void check_joinable(thread_state& s) {
    if (known_current() == &s) throw invalid_state_error("cannot join current thread");
    if (s.kind == thread_kind::dummy) throw invalid_state_error("cannot join a dummy thread");
    if (s.kind == thread_kind::main) throw invalid_state_error("cannot join the main thread");
    const std::lock_guard lock(s.mutex);
    if (s.status == thread_status::created) {
        throw invalid_state_error("cannot join thread before it is started");
    }
}

/// Rethrows what a finished thread's function threw, if anything.
void rethrow_error(thread_state& s) {
    std::exception_ptr error;
    {
        const std::lock_guard lock(s.mutex);
        if (!s.error) return;
        s.retrieved = true;
        error = s.error;
    }
    std::rethrow_exception(error);
}

}  // namespace
}  // namespace detail

using detail::thread_state;
using detail::thread_status;

// --- thread_ref --------------------------------------------------------------------------------

thread_state& thread_ref::state() const {
    if (!state_) [[unlikely]] {
        corio::detail::throw_empty("empty corio::threading::thread_ref");
    }
    return *state_;
}

std::string thread_ref::name() const {
    thread_state& s = state();
    const std::lock_guard lock(s.mutex);
    return s.name;
}

void thread_ref::set_name(std::string name) {
    thread_state& s = state();
    const std::lock_guard lock(s.mutex);
    s.name = std::move(name);
}

std::uint64_t thread_ref::ident() const {
    thread_state& s = state();
    const std::lock_guard lock(s.mutex);
    return s.ident;
}

std::uint64_t thread_ref::native_id() const {
    thread_state& s = state();
    const std::lock_guard lock(s.mutex);
    return s.native_id;
}

bool thread_ref::is_alive() const {
    thread_state& s = state();
    const std::lock_guard lock(s.mutex);
    return s.status == thread_status::running;
}

bool thread_ref::daemon() const {
    thread_state& s = state();
    const std::lock_guard lock(s.mutex);
    return s.daemon;
}

void thread_ref::set_daemon(bool daemonic) {
    thread_state& s = state();
    const std::lock_guard lock(s.mutex);
    if (s.status != thread_status::created) {
        throw invalid_state_error("cannot set daemon status of active thread");
    }
    s.daemon = daemonic;
}

void thread_ref::join() const {
    thread_state& s = state();
    detail::check_joinable(s);
    detail::wait_finished(s, std::nullopt);
    detail::rethrow_error(s);
}

bool thread_ref::join(std::chrono::duration<double> timeout) const {
    thread_state& s = state();
    detail::check_joinable(s);
    if (!detail::wait_finished(s, detail::deadline_after(timeout))) return false;
    detail::rethrow_error(s);
    return true;
}

// --- thread ------------------------------------------------------------------------------------

thread::thread(thread_options options, std::unique_ptr<detail::thread_body> body) {
    bool daemon = false;
    if (options.daemon) {
        daemon = *options.daemon;
    } else if (thread_state* creator = detail::known_current();
               creator && creator->kind == detail::thread_kind::corio) {
        const std::lock_guard lock(creator->mutex);
        daemon = creator->daemon;
    }
    std::string name = options.name.empty() ? detail::new_name("Thread-") : std::move(options.name);
    state_ = std::make_shared<thread_state>(detail::thread_kind::corio, std::move(name), daemon);
    state_->body = std::move(body);
}

thread& thread::operator=(thread&& other) noexcept {
    if (this != &other) {
        release();
        state_ = std::move(other.state_);
        os_thread_ = std::move(other.os_thread_);
    }
    return *this;
}

thread::~thread() { release(); }

void thread::start() {
    thread_state& s = state();
    bool daemon = false;
    {
        const std::lock_guard lock(s.mutex);
        if (s.status != thread_status::created) {
            throw invalid_state_error("threads can only be started once");
        }
        s.status = thread_status::running;
        daemon = s.daemon;
    }
    bool enrolled = false;
    try {
        detail::enroll(s);
        enrolled = true;
        os_thread_ = std::thread(detail::run_thread, state_);
    } catch (...) {
        // No thread (or no memory to list it): as if start() had not been called.
        if (enrolled) detail::withdraw(s);
        const std::lock_guard lock(s.mutex);
        s.status = thread_status::created;
        throw;
    }
    {
        // Python's start() waits for `_started` too: afterwards ident and native_id are known.
        std::unique_lock lock(s.mutex);
        s.changed.wait(lock, [&] { return s.ident != 0; });
    }
    if (daemon) os_thread_.detach();
}

void thread::reclaim() {
    if (os_thread_.joinable()) os_thread_.join();
}

void thread::join() {
    thread_state& s = state();
    detail::check_joinable(s);
    detail::wait_finished(s, std::nullopt);
    reclaim();
    detail::rethrow_error(s);
}

bool thread::join(std::chrono::duration<double> timeout) {
    thread_state& s = state();
    detail::check_joinable(s);
    if (!detail::wait_finished(s, detail::deadline_after(timeout))) return false;
    reclaim();
    detail::rethrow_error(s);
    return true;
}

void thread::release() noexcept {
    if (!state_) return;
    thread_state& s = *state_;
    if (os_thread_.joinable()) {
        if (detail::known_current() == &s) {
            os_thread_.detach();  // a thread destroying its own owner cannot wait for itself
        } else {
            detail::wait_finished(s, std::nullopt);
            os_thread_.join();
        }
    }
    bool report = false;
    {
        const std::lock_guard lock(s.mutex);
        s.owner_gone = true;
        report = s.status == thread_status::finished && s.error && !s.retrieved;
    }
    if (report) detail::report_unhandled(s);
    state_.reset();
}

}  // namespace corio::threading
