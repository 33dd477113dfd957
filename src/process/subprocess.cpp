// Child processes (include/corio/process/subprocess.hpp): posix_spawn (a vfork and an exec, so
// starting a child is cheap and never copies the parent's memory), a pidfd to watch and signal
// it, and pipes whose parent ends are streams (net::connect_read_pipe / connect_write_pipe).
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <corio/core/task_group.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/pipe.hpp>
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

/// A pipe, both ends close-on-exec until posix_spawn dup2s the child's. The child's end stays
/// blocking (what programs expect); the parent's is made non-blocking when its stream adopts it
/// (the two ends are distinct open files, so the flag never reaches the child).
struct pipe_ends {
    owned_fd parent, child;
};
pipe_ends make_pipe(bool parent_reads) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail(errno, "pipe2");
    pipe_ends p;
    p.parent = owned_fd(parent_reads ? fds[0] : fds[1]);
    p.child = owned_fd(parent_reads ? fds[1] : fds[0]);
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

/// asyncio's _feed_stdin: write, drain, close. A child that exits without reading it all is not
/// an error (asyncio ignores BrokenPipeError and ConnectionResetError in communicate).
task<void> feed(net::stream_writer* in, std::string data) {
    try {
        if (!data.empty()) in->write(std::move(data));
        co_await in->drain();
        in->close();
        co_await in->wait_closed();
    } catch (const broken_pipe_error&) {
    } catch (const connection_reset_error&) {
    }
    in->close();  // if the write failed: closed already; idempotent
}

task<void> read_to_end(net::stream_reader* from, std::string* into) {
    *into = co_await from->read();
}

}  // namespace

process::process(process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      stdin_(std::move(other.stdin_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)),
      returncode_(other.returncode_) {}

process& process::operator=(process&& other) noexcept {
    if (this != &other) {
        this->~process();
        new (this) process(std::move(other));
    }
    return *this;
}

process::~process() {
    // The streams close as they go (the members' destructors): stdin once its queue is out.
    reap_or_hand_off();
}

void process::close_stdin() noexcept {
    if (stdin_.valid()) stdin_.close();
}

net::stream_writer& process::stdin_stream() {
    if (!stdin_.valid()) throw std::logic_error("process: stdin is not a pipe (stdio::pipe)");
    return stdin_;
}

net::stream_reader& process::stdout_stream() {
    if (!stdout_.valid()) throw std::logic_error("process: stdout is not a pipe (stdio::pipe)");
    return stdout_;
}

net::stream_reader& process::stderr_stream() {
    if (!stderr_.valid()) throw std::logic_error("process: stderr is not a pipe (stdio::pipe)");
    return stderr_;
}

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
    if (event_loop* loop = detail::running_loop)
        loop->io().forget_fd(pidfd_, detail::io_backend::fd_fate::stays_open);
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
    if (!input.empty() && !stdin_.valid()) {
        throw std::logic_error("communicate: input given but stdin is not a pipe");
    }
    // One path: the streams. The input goes out while both outputs are read, so that a child
    // blocked writing a full stdout pipe never stops reading its stdin (nor the other way).
    communicate_result result;
    co_await task_group::run([&](task_group& g) -> task<void> {
        if (stdin_.valid()) g.spawn(feed, &stdin_, std::move(input));
        if (stdout_.valid()) g.spawn(read_to_end, &stdout_, &result.out);
        if (stderr_.valid()) g.spawn(read_to_end, &stderr_, &result.err);
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
    // Each end is the stream's once adopted (released only then: adoption may throw).
    if (in) {
        p.stdin_ = net::connect_write_pipe(in->parent.fd);
        static_cast<void>(in->parent.release());
    }
    if (out) {
        p.stdout_ = net::connect_read_pipe(out->parent.fd);
        static_cast<void>(out->parent.release());
    }
    if (err) {
        p.stderr_ = net::connect_read_pipe(err->parent.fd);
        static_cast<void>(err->parent.release());
    }
    co_return p;
}

task<process> create_subprocess_shell(std::string command, subprocess_options options) {
    // Named first: GCC 12 mishandles a braced temporary inside co_await.
    std::vector<std::string> args{"-c", std::move(command)};
    co_return co_await create_subprocess_exec("/bin/sh", std::move(args), std::move(options));
}

}  // namespace corio
