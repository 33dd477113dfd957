#pragma once
// What a corio::threading::thread_ref points at, and the module-wide bookkeeping around it (the
// registry of live threads, the current thread, the excepthook). Private to src/thread/.

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <corio/thread/thread.hpp>

namespace corio::threading::detail {

/// Who started the thread: corio (`thread::start`), the C runtime (`main`), or someone else (a
/// `std::thread`, a C library): Python's `Thread`, `_MainThread`, `_DummyThread`.
enum class thread_kind : unsigned char { corio, main, dummy };

/// Python's "initial", "started", "stopped".
enum class thread_status : unsigned char { created, running, finished };

/// One thread, shared by its owner, its OS thread (while it runs) and every `thread_ref`.
///
/// All mutable fields are guarded by `mutex`, except `registered`, which the registry's own
/// mutex guards. `changed` is notified when `ident` is first set (the thread runs) and when
/// `status` becomes `finished`.
struct thread_state : std::enable_shared_from_this<thread_state> {
    thread_state(thread_kind k, std::string n, bool d) : kind(k), name(std::move(n)), daemon(d) {}

    const thread_kind kind;
    mutable std::mutex mutex;
    std::condition_variable changed;
    std::string name;
    bool daemon;
    thread_status status = thread_status::created;
    std::uint64_t ident = 0;
    std::uint64_t native_id = 0;
    std::unique_ptr<thread_body> body;  // until the thread takes it
    std::exception_ptr error;           // what the function threw
    bool retrieved = false;             // a join() rethrew `error`
    bool owner_gone = false;            // the owning `thread` was destroyed or moved onto
    std::list<thread_state*>::iterator registered;
};

/// The next N of "Thread-N" and "Dummy-N" (one counter, from 1, as Python's `_counter`).
std::string new_name(const char* prefix);

/// Lists `s` in `enumerate()` (at the end) / takes it off. Each call of `enroll` is matched by
/// exactly one `withdraw`.
void enroll(thread_state& s);
void withdraw(thread_state& s) noexcept;

/// The state of the calling thread if corio already knows it (a corio thread, or one that called
/// `current_thread()`), else null. Never creates one.
thread_state* known_current() noexcept;

/// Makes `s` the calling thread's `current_thread()`: the first thing a corio thread does.
void adopt_current(std::shared_ptr<thread_state> s) noexcept;

/// Hands `s`'s exception to the excepthook: its owner went and nobody rethrew it.
void report_unhandled(thread_state& s) noexcept;

/// The calling thread's `pthread_self()` and `gettid()` as numbers.
std::uint64_t self_ident() noexcept;
std::uint64_t self_native_id() noexcept;

}  // namespace corio::threading::detail
