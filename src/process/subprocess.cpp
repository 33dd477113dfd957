// Child processes (include/corio/process/subprocess.hpp): posix_spawn (a vfork and an exec, so
// starting a child is cheap and never copies the parent's memory), a pidfd to watch and signal
// it, and non-blocking pipes the loop reads and writes like any descriptor.
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <span>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <corio/core/task_group.hpp>
#include <corio/net/detail/socket_ops.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/socket.hpp>
#include <corio/process/subprocess.hpp>

#include "../io/backend.hpp"

extern char** environ;

namespace corio {

namespace {

[[noreturn]] void fail(int error, const char* what) { detail::throw_io_error(error, what); }

/// A descriptor closed when it goes out of scope, unless released.
struct owned_fd {
    int fd = -1;
    owned_fd() = default;
    explicit owned_fd(int f) : fd(f) {}
    owned_fd(owned_fd&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
    owned_fd& operator=(owned_fd&& other) noexcept {
        std::swap(fd, other.fd);
        return *this;
    }
    ~owned_fd() {
        if (fd >= 0) ::close(fd);
    }
    int release() { return std::exchange(fd, -1); }
};

/// A pipe whose parent end is non-blocking (the loop's backends need that) and whose child end
/// is blocking (what programs expect); both close-on-exec until posix_spawn dup2s the child's.
struct pipe_ends {
    owned_fd parent, child;
};
pipe_ends make_pipe(bool parent_reads) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail(errno, "pipe2");
    pipe_ends p;
    p.parent = owned_fd(parent_reads ? fds[0] : fds[1]);
    p.child = owned_fd(parent_reads ? fds[1] : fds[0]);
    if (::fcntl(p.parent.fd, F_SETFL, O_NONBLOCK) != 0) fail(errno, "fcntl");
    return p;
}

/// posix_spawn's attribute and file-action objects, destroyed on every path.
struct spawn_setup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    spawn_setup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~spawn_setup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
};

/// Connects child descriptor `target` as `mode` says; `p` is its pipe when mode is pipe.
void connect(spawn_setup& s, stdio mode, int target, const pipe_ends* p) {
    switch (mode) {
        case stdio::inherit:
            break;
        case stdio::pipe:
            posix_spawn_file_actions_adddup2(&s.actions, p->child.fd, target);
            break;
        case stdio::devnull:
            posix_spawn_file_actions_addopen(&s.actions, target, "/dev/null",
                                             target == 0 ? O_RDONLY : O_WRONLY, 0);
            break;
        case stdio::to_stdout:
            if (target != 2) throw std::invalid_argument("stdio::to_stdout is for stderr only");
            posix_spawn_file_actions_adddup2(&s.actions, 1, 2);
            break;
    }
}

int pidfd_open(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

/// Reads `fd` to its end.
task<std::string> read_to_end(int fd) {
    std::string out;
    std::array<std::byte, 16384> buf;
    for (;;) {
        const std::size_t n =
            co_await detail::io_request<detail::transfer_awaiter, detail::transfer_args>(
                {{fd, true, net::address_family::unspecified},
                 detail::io_opcode::read,
                 buf.data(),
                 buf.size(),
                 0,
                 ~std::uint64_t{0}});
        if (n == 0) co_return out;
        out.append(reinterpret_cast<const char*>(buf.data()), n);
    }
}

/// Writes all of `data` to `fd`. A child that exits without reading it all is not an error
/// (asyncio ignores BrokenPipeError in communicate).
task<void> write_all(int fd, std::string data) {
    std::size_t done = 0;
    try {
        while (done < data.size()) {
            done += co_await detail::io_request<detail::transfer_awaiter, detail::transfer_args>(
                {{fd, true, net::address_family::unspecified},
                 detail::io_opcode::write,
                 data.data() + done,
                 data.size() - done,
                 0,
                 ~std::uint64_t{0}});
        }
    } catch (const broken_pipe_error&) {
    } catch (const connection_reset_error&) {
    }
}

void close_fd(int& fd) noexcept {
    if (fd < 0) return;
    // The loop may still know the descriptor (a read or wait on it): it forgets it first.
    if (event_loop* loop = detail::running_loop) loop->io().forget_fd(fd);
    ::close(std::exchange(fd, -1));
}

}  // namespace

process::process(process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      stdin_(std::exchange(other.stdin_, -1)),
      stdout_(std::exchange(other.stdout_, -1)),
      stderr_(std::exchange(other.stderr_, -1)),
      returncode_(other.returncode_) {}

process& process::operator=(process&& other) noexcept {
    if (this != &other) {
        this->~process();
        new (this) process(std::move(other));
    }
    return *this;
}

process::~process() {
    close_stdin();
    close_fd(stdout_);
    close_fd(stderr_);
    reap_or_hand_off();
}

void process::close_stdin() noexcept { close_fd(stdin_); }

bool process::try_reap() noexcept {
    if (returncode_ || pidfd_ < 0) return true;
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_), &info,
                 WEXITED | WNOHANG) != 0) {
        return false;
    }
    if (info.si_pid == 0) return false;  // still running
    returncode_ = info.si_code == CLD_EXITED ? info.si_status : -info.si_status;
    return true;
}

void process::reap_or_hand_off() noexcept {
    if (pidfd_ < 0) return;
    if (event_loop* loop = detail::running_loop) loop->io().forget_fd(pidfd_);
    if (!try_reap()) {
        // Still running, and nobody will wait for it: a thread waits, so that it never stays a
        // zombie (asyncio's ThreadedChildWatcher does the same for every child).
        try {
            std::thread([fd = pidfd_] {
                siginfo_t info{};
                ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED);
                ::close(fd);
            }).detach();
            pidfd_ = -1;
            return;
        } catch (...) {  // no thread: the child is reaped by init once we exit
        }
    }
    ::close(std::exchange(pidfd_, -1));
}

task<int> process::wait() {
    while (!try_reap()) {
        // The pidfd turns readable when the child exits.
        co_await net::wait_readable(pidfd_);
        if (pidfd_ < 0) break;
    }
    if (!returncode_) fail(ECHILD, "wait");
    co_return *returncode_;
}

task<communicate_result> process::communicate(std::string input) {
    if (!input.empty() && stdin_ < 0) {
        throw std::logic_error("communicate: input given but stdin is not a pipe");
    }
    communicate_result result;
    co_await task_group::run([&](task_group& g) -> task<void> {
        if (stdin_ >= 0) {
            g.spawn(
                [this](std::string& data) -> task<void> {
                    co_await write_all(stdin_, std::move(data));
                    close_stdin();
                },
                std::move(input));
        }
        if (stdout_ >= 0) {
            g.spawn(
                [this, &result]() -> task<void> { result.out = co_await read_to_end(stdout_); });
        }
        if (stderr_ >= 0) {
            g.spawn(
                [this, &result]() -> task<void> { result.err = co_await read_to_end(stderr_); });
        }
        co_return;
    });
    co_await wait();
    co_return result;
}

void process::send_signal(int sig) {
    if (returncode_ || pidfd_ < 0) return;
    if (::syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0) != 0 && errno != ESRCH) {
        fail(errno, "pidfd_send_signal");
    }
}

void process::terminate() { send_signal(SIGTERM); }
void process::kill() { send_signal(SIGKILL); }

task<process> create_subprocess_exec(std::string program, std::vector<std::string> args,
                                     subprocess_options options) {
    std::optional<pipe_ends> in, out, err;
    if (options.stdin_mode == stdio::pipe) in = make_pipe(/*parent_reads=*/false);
    if (options.stdout_mode == stdio::pipe) out = make_pipe(true);
    if (options.stderr_mode == stdio::pipe) err = make_pipe(true);
    if (options.stdin_mode == stdio::to_stdout || options.stdout_mode == stdio::to_stdout) {
        throw std::invalid_argument("stdio::to_stdout is for stderr only");
    }

    spawn_setup s;
    connect(s, options.stdin_mode, 0, in ? &*in : nullptr);
    connect(s, options.stdout_mode, 1, out ? &*out : nullptr);
    connect(s, options.stderr_mode, 2, err ? &*err : nullptr);
    // Only 0, 1 and 2 reach the program, even descriptors opened without O_CLOEXEC.
    posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);
    if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&s.actions, options.cwd.c_str());
    // An empty signal mask and every signal at its default action (the parent ignores SIGPIPE
    // and may block or handle others; a program expects neither).
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&s.attributes, &none);
    posix_spawnattr_setsigdefault(&s.attributes, &all);
    posix_spawnattr_setflags(&s.attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    argv.push_back(program.data());
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    if (options.env) {
        for (std::string& e : *options.env) envp.push_back(e.data());
        envp.push_back(nullptr);
    }

    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, program.c_str(), &s.actions, &s.attributes, argv.data(),
                                  options.env ? envp.data() : environ);
    if (rc != 0) fail(rc, ("spawn " + program).c_str());

    process p;
    p.pid_ = pid;
    // Our own child cannot be reaped by anyone else, so its pid cannot be reused before this.
    p.pidfd_ = pidfd_open(pid);
    if (p.pidfd_ < 0) {
        const int e = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        fail(e, "pidfd_open");
    }
    if (in) p.stdin_ = in->parent.release();
    if (out) p.stdout_ = out->parent.release();
    if (err) p.stderr_ = err->parent.release();
    co_return p;
}

task<process> create_subprocess_shell(std::string command, subprocess_options options) {
    // Named first: GCC 12 mishandles a braced temporary inside co_await.
    std::vector<std::string> args{"-c", std::move(command)};
    co_return co_await create_subprocess_exec("/bin/sh", std::move(args), std::move(options));
}

}  // namespace corio
