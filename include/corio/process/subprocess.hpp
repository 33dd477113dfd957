#pragma once
/// @file
/// `corio::create_subprocess_exec` / `create_subprocess_shell`: child processes a task awaits
/// (asyncio's `asyncio.subprocess`). Children are watched through a pidfd (no SIGCHLD handler is
/// taken from the application, and no pid can be reused under a signal), start with an empty
/// signal mask, default signal actions and only descriptors 0, 1 and 2, and are never left as
/// zombies. Their pipes are streams (asyncio's `proc.stdin`, `proc.stdout`, `proc.stderr`).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <corio/core/task.hpp>
#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>

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
/// Each standard descriptor made `stdio::pipe` is a stream on the parent's side, owned by the
/// process and bound to the loop that started the child: `stdin_stream()` a writer,
/// `stdout_stream()` and `stderr_stream()` readers (asyncio's `proc.stdin`, `proc.stdout`,
/// `proc.stderr`). `communicate` is built on the same streams.
///
/// Cancel safety: per method below.
///
/// Thread safety: one loop's thread at a time: the loop that started it, for the streams.
///
/// Errors: `io_error` (ENOENT for a program that does not exist, EACCES, ...).
///
/// Example (a child's output, line by line as it prints it):
/// @code
/// corio::subprocess_options o;
/// o.stdout_mode = corio::stdio::pipe;
/// auto p = co_await corio::create_subprocess_shell("for i in 1 2 3; do echo $i; done", o);
/// for (;;) {
///     std::string line = co_await p.stdout_stream().readline();
///     if (line.empty()) break;  // end of file: the child closed its stdout
///     std::cout << line;
/// }
/// int status = co_await p.wait();  // 0
/// @endcode
class process {
public:
    process() noexcept = default;
    process(process&& other) noexcept;
    process& operator=(process&& other) noexcept;
    /// Gives up the streams (stdin's queued bytes still go out, then it closes; the output pipes
    /// close). A child still running is reaped in the background when it exits (never left a
    /// zombie); it is not killed, as asyncio does not.
    ~process();

    [[nodiscard]] int pid() const noexcept { return pid_; }
    /// The exit status once it was waited for: the exit code, or minus the signal that killed it
    /// (asyncio's `returncode`); nullopt while it runs.
    [[nodiscard]] std::optional<int> returncode() const noexcept { return returncode_; }

    /// Waits for the child to exit; its `returncode`. Any number of tasks may wait at once.
    ///
    /// Cancel safety: cancel safe: the child stays running and watched; wait again later.
    task<int> wait();
    /// Writes `input` to stdin, drains and closes it, while reading stdout and stderr to their
    /// ends; then waits for the exit (asyncio's `communicate`). Pipes not asked for are skipped;
    /// a child that exits without reading all its input is not an error (asyncio ignores
    /// BrokenPipeError here too).
    ///
    /// Cancel safety: the output read so far is not lost: it stays in the readers' buffers
    /// (`stdout_stream().read()` gets it). Part of the input may have been written, and what was
    /// queued still goes out.
    ///
    /// Errors: `std::logic_error` if `input` is given but stdin is not a pipe; what the reads
    /// raise (`io_error`); `invalid_state_error` if stdin was closed before, with input given.
    task<communicate_result> communicate(std::string input);
    /// `communicate` with no input.
    task<communicate_result> communicate() { return communicate(std::string()); }

    /// Sends `sig` to the child (through its pidfd); nothing if it has been waited for already.
    void send_signal(int sig);
    /// SIGTERM.
    void terminate();
    /// SIGKILL.
    void kill();

    /// The child's stdin, a stream the parent writes (asyncio's `proc.stdin`): `write`, `drain`,
    /// then `close()` (or `write_eof()`) to let the child read end of file.
    ///
    /// Cancel safety: the writer's (`drain` and `wait_closed` are cancel safe).
    ///
    /// Errors: `std::logic_error` if stdin is not `stdio::pipe`. Writing once the child has
    /// closed its stdin (or exited) raises `broken_pipe_error`.
    [[nodiscard]] net::stream_writer& stdin_stream();
    /// The child's stdout, a stream the parent reads (asyncio's `proc.stdout`): `readline`,
    /// `read`, ...; end of file once the child (and any child it passed the pipe to) closed it.
    ///
    /// Cancel safety: the reader's: every read is cancel safe, no byte is lost.
    ///
    /// Errors: `std::logic_error` if stdout is not `stdio::pipe`.
    [[nodiscard]] net::stream_reader& stdout_stream();
    /// The child's stderr (asyncio's `proc.stderr`), as `stdout_stream`.
    ///
    /// Cancel safety: as `stdout_stream`. Errors: `std::logic_error` if stderr is not
    /// `stdio::pipe`.
    [[nodiscard]] net::stream_reader& stderr_stream();
    /// Closes the stdin stream once what is queued is out (`stdin_stream().close()`): the child
    /// then reads end of file. Nothing if stdin is not a pipe.
    void close_stdin() noexcept;

private:
    friend task<process> create_subprocess_exec(std::string, std::vector<std::string>,
                                                subprocess_options);
    void reap_or_hand_off() noexcept;
    bool try_reap() noexcept;

    int pid_ = -1;
    int pidfd_ = -1;
    net::stream_writer stdin_;
    net::stream_reader stdout_;
    net::stream_reader stderr_;
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
