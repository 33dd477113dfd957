#pragma once
/// @file
/// Helpers of the thread examples (not part of corio): the seed's `print` and `logging.debug`, and
/// a `script` that makes threads print in a fixed order.
///
/// `debug(...)` is the seed's `logging.debug(...)` with its format,
/// `[%(levelname)s] (%(threadName)-10s) %(message)s`, the thread's name coming from
/// `corio::threading::current_thread()`; the seed's timestamps are left out, so that the output
/// can be compared. `say(...)` is a plain `print`.
///
/// Why a script: Python's threads print in whatever order the scheduler lets them (the seed's runs
/// show one order among many, helped along by `time.sleep`). An example lists who speaks when,
/// in the seed's order, and while the script is active each thread waits for its turn before it
/// prints. So no example sleeps, and no example's output depends on timing. Where a line must not
/// be separated from what follows it (taking a lock and saying so), the thread holds the turn
/// across both with `script::turn()`.
///
/// Defined `inline` in a named namespace: every example of the tour includes this header.

#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <corio/thread/thread.hpp>

namespace thread_example {

/// Python's `True`/`False`.
inline const char* py_bool(bool b) { return b ? "True" : "False"; }

class script;
inline script* active_script = nullptr;  // set while a script runs (before its threads start)
inline thread_local int turns_held = 0;  // > 0 inside script::turn()

/// Who speaks when: the names of the threads, one per line printed (or per `turn()`), in order.
class script {
public:
    /// Activates the script; threads started afterwards follow it.
    explicit script(std::vector<std::string> speakers) : speakers_(std::move(speakers)) {
        active_script = this;
    }
    script(const script&) = delete;
    script& operator=(const script&) = delete;
    /// Deactivates it. Join the threads that follow it first.
    ~script() { active_script = nullptr; }

    /// Holds the calling thread's next turn until the guard goes: lines printed meanwhile are part
    /// of it.
    class [[nodiscard]] turn_guard {
    public:
        explicit turn_guard(script& s) : script_(&s) {}
        turn_guard(const turn_guard&) = delete;
        turn_guard& operator=(const turn_guard&) = delete;
        ~turn_guard() {
            --turns_held;
            script_->pass();
        }

    private:
        script* script_;
    };
    turn_guard turn() {
        wait_for_turn();
        ++turns_held;
        return turn_guard(*this);
    }

    /// Waits until the calling thread is the next speaker.
    void wait_for_turn() {
        const std::string me = corio::threading::current_thread().name();
        std::unique_lock lock(mutex_);
        if (next_ == speakers_.size()) {
            // A bug in the example: fail loudly instead of waiting forever.
            std::fprintf(stderr, "script: %s has more to say than the script lists\n", me.c_str());
            std::abort();
        }
        changed_.wait(lock, [&] { return speakers_[next_] == me; });
    }
    /// Ends the current turn.
    void pass() {
        const std::lock_guard lock(mutex_);
        ++next_;
        changed_.notify_all();
    }

private:
    std::vector<std::string> speakers_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t next_ = 0;
};

/// The calling thread's next turn in the active script, held until the guard goes.
inline script::turn_guard turn() { return active_script->turn(); }

/// Prints one line, in turn if a script is active.
inline void print_line(const std::string& line) {
    const bool own_turn = active_script != nullptr && turns_held == 0;
    if (own_turn) active_script->wait_for_turn();
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
    if (own_turn) active_script->pass();
}

/// `vsnprintf` into a string.
inline std::string vformat(const char* format, va_list args) {
    char buffer[512];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    return buffer;
}

/// Python's `print(format % args)`.
[[gnu::format(printf, 1, 2)]] inline void say(const char* format, ...) {
    va_list args;
    va_start(args, format);
    std::string line = vformat(format, args);
    va_end(args);
    print_line(line + '\n');
}

/// Python's `logging.debug(format, *args)` with the seed's format.
[[gnu::format(printf, 1, 2)]] inline void debug(const char* format, ...) {
    va_list args;
    va_start(args, format);
    const std::string message = vformat(format, args);
    va_end(args);
    char prefix[64];
    std::snprintf(prefix, sizeof prefix, "[DEBUG] (%-10s) ",
                  corio::threading::current_thread().name().c_str());
    print_line(prefix + message + '\n');
}

}  // namespace thread_example
