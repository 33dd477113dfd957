// The threading module's view of all threads: names, the list of live threads, the current and
// the main thread, and the excepthook.
//
// Module-wide objects are allocated once and never destroyed: daemon threads may still run (and
// end, and look themselves up) while static destructors run at exit.

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <typeinfo>

#include <cxxabi.h>
#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#include "thread_state.hpp"

namespace corio::threading {

namespace detail {
namespace {

struct registry {
    std::mutex mutex;
    std::list<thread_state*> threads;  // corio threads running, other threads seen, by arrival
};

registry& the_registry() {
    static registry* const r = new registry;
    return *r;
}

std::atomic<std::uint64_t> name_counter{0};

bool on_main_thread() noexcept { return ::gettid() == ::getpid(); }

/// The main thread's state. Its ident is known if this first runs on the main thread, which the
/// static initializer below sees to in any program that links this file.
const std::shared_ptr<thread_state>& main_state() {
    static const auto* const s = [] {
        auto* p = new std::shared_ptr<thread_state>(
            std::make_shared<thread_state>(thread_kind::main, "MainThread", false));
        thread_state& m = **p;
        m.status = thread_status::running;
        m.native_id = static_cast<std::uint64_t>(::getpid());
        if (on_main_thread()) m.ident = self_ident();
        return p;
    }();
    return *s;
}

[[maybe_unused]] const bool main_noted = (main_state(), true);

/// The calling thread's state, for `current_thread()`. A thread corio did not start is listed
/// (as a dummy) from its first call until it exits: then this slot's destructor takes it off.
struct current_slot {
    std::shared_ptr<thread_state> state;
    current_slot() = default;
    current_slot(const current_slot&) = delete;
    current_slot& operator=(const current_slot&) = delete;
    ~current_slot();
};

thread_local current_slot current;
// Trivially destructible, so it can be read after `current` is gone (thread_local destructors
// that run later and ask for the current thread).
thread_local bool current_gone = false;

current_slot::~current_slot() {
    current_gone = true;
    if (state && state->kind == thread_kind::dummy) {
        withdraw(*state);
        const std::lock_guard lock(state->mutex);
        state->status = thread_status::finished;
    }
}

std::shared_ptr<thread_state> make_dummy() {
    auto s = std::make_shared<thread_state>(thread_kind::dummy, new_name("Dummy-"), true);
    s->status = thread_status::running;
    s->ident = self_ident();
    s->native_id = self_native_id();
    return s;
}

std::string type_name_of_current_exception() {
#if defined(__GLIBCXX__) || defined(_LIBCPPABI_VERSION)
    if (const std::type_info* type = abi::__cxa_current_exception_type()) {
        int status = -1;
        char* demangled = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
        std::string name = status == 0 && demangled ? demangled : type->name();
        std::free(demangled);  // NOLINT: __cxa_demangle allocates with malloc
        return name;
    }
#endif
    return "exception";
}

/// "type: what", for the default hook.
std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return type_name_of_current_exception() + ": " + e.what();
    } catch (...) {
        return type_name_of_current_exception();
    }
}

struct hook_slot {
    std::mutex mutex;
    excepthook hook;
};

hook_slot& the_hook() {
    static hook_slot* const h = new hook_slot;
    return *h;
}

}  // namespace

std::string new_name(const char* prefix) {
    return prefix + std::to_string(name_counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

void enroll(thread_state& s) {
    registry& r = the_registry();
    const std::lock_guard lock(r.mutex);
    s.registered = r.threads.insert(r.threads.end(), &s);
}

void withdraw(thread_state& s) noexcept {
    registry& r = the_registry();
    const std::lock_guard lock(r.mutex);
    r.threads.erase(s.registered);
}

thread_state* known_current() noexcept { return current_gone ? nullptr : current.state.get(); }

void adopt_current(std::shared_ptr<thread_state> s) noexcept { current.state = std::move(s); }

std::uint64_t self_ident() noexcept {
    const pthread_t self = pthread_self();
    if constexpr (std::is_pointer_v<pthread_t>) {
        return reinterpret_cast<std::uintptr_t>(self);
    } else {
        return static_cast<std::uint64_t>(self);
    }
}

std::uint64_t self_native_id() noexcept { return static_cast<std::uint64_t>(::gettid()); }

void report_unhandled(thread_state& s) noexcept {
    excepthook_args args;
    excepthook hook;
    try {
        {
            const std::lock_guard lock(s.mutex);
            args.exception = s.error;
        }
        args.thread = thread_ref(s.shared_from_this());
        hook_slot& slot = the_hook();
        const std::lock_guard lock(slot.mutex);
        hook = slot.hook;
    } catch (...) {  // no memory to copy the hook: the default one needs none of that
    }
    if (!hook) {
        default_excepthook(args);
        return;
    }
    try {
        hook(args);
    } catch (...) {
        // Nothing is lost: the original report, then the hook's own failure (as the event loop
        // does with a failing exception handler).
        default_excepthook(args);
        default_excepthook({std::current_exception(), args.thread});
    }
}

}  // namespace detail

using detail::thread_state;

thread_ref current_thread() {
    using namespace detail;
    if (current_gone) return thread_ref(make_dummy());  // exiting: a stand-in, not listed
    if (!current.state) {
        if (on_main_thread()) {
            current.state = main_state();
            const std::lock_guard lock(current.state->mutex);
            if (current.state->ident == 0) current.state->ident = self_ident();
        } else {
            current.state = make_dummy();
            enroll(*current.state);
        }
    }
    return thread_ref(current.state);
}

thread_ref main_thread() { return thread_ref(detail::main_state()); }

std::vector<thread_ref> enumerate() {
    std::vector<thread_ref> out;
    out.emplace_back(detail::main_state());
    detail::registry& r = detail::the_registry();
    const std::lock_guard lock(r.mutex);
    out.reserve(1 + r.threads.size());
    for (thread_state* s : r.threads) out.emplace_back(s->shared_from_this());
    return out;
}

std::size_t active_count() {
    detail::registry& r = detail::the_registry();
    const std::lock_guard lock(r.mutex);
    return 1 + r.threads.size();
}

std::uint64_t get_ident() noexcept { return detail::self_ident(); }

std::uint64_t get_native_id() noexcept { return detail::self_native_id(); }

excepthook set_excepthook(excepthook hook) {
    detail::hook_slot& slot = detail::the_hook();
    const std::lock_guard lock(slot.mutex);
    std::swap(slot.hook, hook);
    return hook;
}

void default_excepthook(const excepthook_args& args) noexcept {
    try {
        std::string name = args.thread ? args.thread.name() : std::string("<unknown>");
        std::string text = "Exception in thread " + name + ":\n";
        text += args.exception ? detail::describe(args.exception) : std::string("(no exception)");
        text += '\n';
        std::cerr << text << std::flush;
    } catch (...) {
    }
}

}  // namespace corio::threading
