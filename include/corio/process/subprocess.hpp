#pragma once
/// @file
/// `corio::create_subprocess_exec` / `create_subprocess_shell`: child processes a task awaits
/// (asyncio's `asyncio.subprocess`). Children are watched through a pidfd (no SIGCHLD handler is
/// taken from the application, and no pid can be reused under a signal), start with an empty
/// signal mask, default signal actions and only descriptors 0, 1 and 2, and are never left as
/// zombies.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <corio/core/task.hpp>

namespace corio {

/// What a child's standard descriptor is connected to (asyncio's `stdin=`/`stdout=`/`stderr=`).
enum class stdio : std::uint8_t {
    inherit,    ///< the parent's (asyncio's None)
    pipe,       ///< a pipe the parent reads or writes (`asyncio.subprocess.PIPE`)
    devnull,    ///< /dev/null (`DEVNULL`)
    to_stdout,  ///< stderr only: wherever stdout goes (`STDOUT`)
};

/// How to start a child.
struct subprocess_options {
    stdio stdin_mode = stdio::inherit;
    stdio stdout_mode = stdio::inherit;
    stdio stderr_mode = stdio::inherit;
    /// The child's working directory; empty: the parent's.
    std::string cwd;
    /// The child's environment ("NAME=value"); nullopt: the parent's.
    std::optional<std::vector<std::string>> env;
};

/// What `communicate` collected.
struct communicate_result {
    std::string out;  ///< the child's stdout, if it was a pipe
    std::string err;  ///< the child's stderr, if it was a pipe
};

/// A child process (asyncio's `asyncio.subprocess.Process`).
///
/// Cancel safety: a cancelled `wait` leaves the child running and watched: wait again later. A
/// cancelled `communicate` may have written part of its input and read part of the output, which
/// is then lost (as in asyncio); the child goes on.
///
/// Thread safety: one loop's thread at a time.
///
/// Errors: `io_error` (ENOENT for a program that does not exist, EACCES, ...).
///
/// Example:
/// @code
/// corio::subprocess_options o;
/// o.stdout_mode = corio::stdio::pipe;
/// auto p = co_await corio::create_subprocess_exec("ls", {"-l"}, o);
/// auto [out, err] = co_await p.communicate();
/// int status = co_await p.wait();  // 0
/// @endcode
class process {
public:
    process() noexcept = default;
    process(process&& other) noexcept;
    process& operator=(process&& other) noexcept;
    /// Closes the pipes. A child still running is reaped in the background when it exits (never
    /// left a zombie); it is not killed, as asyncio does not.
    ~process();

    [[nodiscard]] int pid() const noexcept { return pid_; }
    /// The exit status once it was waited for: the exit code, or minus the signal that killed it
    /// (asyncio's `returncode`); nullopt while it runs.
    [[nodiscard]] std::optional<int> returncode() const noexcept { return returncode_; }

    /// Waits for the child to exit; its `returncode`. Any number of tasks may wait at once.
    task<int> wait();
    /// Writes `input` to stdin (then closes it), reads stdout and stderr to their ends, waits for
    /// the exit. Pipes not asked for are skipped. Errors: `std::logic_error` if `input` is given
    /// but stdin is not a pipe.
    task<communicate_result> communicate(std::string input);
    /// `communicate` with no input.
    task<communicate_result> communicate() { return communicate(std::string()); }

    /// Sends `sig` to the child (through its pidfd); nothing if it has been waited for already.
    void send_signal(int sig);
    /// SIGTERM.
    void terminate();
    /// SIGKILL.
    void kill();

    /// The parent's ends of the pipes, or -1: non-blocking, close-on-exec descriptors the loop can
    /// watch (`net::wait_readable`), owned by the process.
    [[nodiscard]] int stdin_fd() const noexcept { return stdin_; }
    [[nodiscard]] int stdout_fd() const noexcept { return stdout_; }
    [[nodiscard]] int stderr_fd() const noexcept { return stderr_; }
    /// Closes the stdin pipe: the child reads end of file.
    void close_stdin() noexcept;

private:
    friend task<process> create_subprocess_exec(std::string, std::vector<std::string>,
                                                subprocess_options);
    void reap_or_hand_off() noexcept;
    bool try_reap() noexcept;

    int pid_ = -1;
    int pidfd_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    int stderr_ = -1;
    std::optional<int> returncode_;
};

/// Starts `program` (searched in PATH) with `args` (asyncio's `create_subprocess_exec`).
/// Errors: `io_error` if it cannot be started (ENOENT, EACCES, EMFILE, ...).
task<process> create_subprocess_exec(std::string program, std::vector<std::string> args,
                                     subprocess_options options);
// Overloads, not default arguments: GCC 12 destroys a default argument's temporary twice when
// the call is the operand of co_await.
inline task<process> create_subprocess_exec(std::string program, std::vector<std::string> args) {
    return create_subprocess_exec(std::move(program), std::move(args), subprocess_options());
}
inline task<process> create_subprocess_exec(std::string program) {
    return create_subprocess_exec(std::move(program), std::vector<std::string>());
}
/// Runs `command` with /bin/sh -c (asyncio's `create_subprocess_shell`).
task<process> create_subprocess_shell(std::string command, subprocess_options options);
inline task<process> create_subprocess_shell(std::string command) {
    return create_subprocess_shell(std::move(command), subprocess_options());
}

}  // namespace corio
