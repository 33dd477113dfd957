// create_subprocess_exec / create_subprocess_shell on both backends, with real programs.
#include <csignal>
#include <set>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <corio/core.hpp>
#include <corio/net/errors.hpp>
#include <corio/process/subprocess.hpp>

#include "../net/backend_param.hpp"

namespace {

using corio::task;
using namespace std::chrono_literals;

corio::subprocess_options piped(bool in = false) {
    corio::subprocess_options o;
    o.stdout_mode = corio::stdio::pipe;
    o.stderr_mode = corio::stdio::pipe;
    if (in) o.stdin_mode = corio::stdio::pipe;
    return o;
}

class Subprocess : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(Subprocess);

TEST_P(Subprocess, CommunicateFeedsStdinAndCollectsBothOutputs) {
    auto main = []() -> task<void> {
        auto p = co_await corio::create_subprocess_shell("tr a-z A-Z; echo oops >&2; exit 3",
                                                         piped(/*in=*/true));
        std::string big(1 << 20, 'x');  // more than a pipe holds: both directions must flow
        auto [out, err] = co_await p.communicate("hello " + big);
        EXPECT_EQ(out, "HELLO " + std::string(1 << 20, 'X'));
        EXPECT_EQ(err, "oops\n");
        EXPECT_EQ(p.returncode(), 3);
        EXPECT_EQ(co_await p.wait(), 3);  // again: the same status
    };
    run(main());
}

TEST_P(Subprocess, ExecWithArgumentsAndEnvironment) {
    auto main = []() -> task<void> {
        auto o = piped();
        o.env = std::vector<std::string>{"GREETING=bonjour"};
        o.cwd = "/tmp";
        // Named: GCC 12 mishandles a braced temporary inside co_await.
        std::vector<std::string> args{"-c", "echo \"$GREETING $1 $(pwd)\"", "sh", "world"};
        auto p = co_await corio::create_subprocess_exec("/bin/sh", args, o);
        auto [out, err] = co_await p.communicate();
        EXPECT_EQ(out, "bonjour world /tmp\n");
        EXPECT_EQ(co_await p.wait(), 0);
    };
    run(main());
}

TEST_P(Subprocess, AMissingProgramIsATypedError) {
    auto main = []() -> task<void> {
        try {
            co_await corio::create_subprocess_exec("/nonexistent/corio-program");
            ADD_FAILURE() << "started a program that does not exist";
        } catch (const corio::io_error& e) {
            EXPECT_EQ(e.code().value(), ENOENT);
        }
    };
    run(main());
}

TEST_P(Subprocess, KilledMidOutputReportsTheSignal) {
    auto main = []() -> task<void> {
        auto p = co_await corio::create_subprocess_exec("yes", std::vector<std::string>(), piped());
        // Read some of its endless output, then kill it.
        std::string first = co_await p.stdout_stream().readexactly(10000);
        EXPECT_EQ(first.substr(0, 4), "y\ny\n");
        p.kill();
        // The reader gets what was in the pipe, then end of file: nobody writes any more.
        std::string rest = co_await p.stdout_stream().read();
        EXPECT_EQ(rest.find_first_not_of("y\n"), std::string::npos);
        EXPECT_TRUE(p.stdout_stream().at_eof());
        EXPECT_EQ(co_await p.wait(), -SIGKILL);
        p.kill();  // waited for: nothing happens
    };
    run(main());
}

TEST_P(Subprocess, TerminateAndConcurrentWaiters) {
    auto main = []() -> task<void> {
        std::vector<std::string> args{"30"};
        auto p = co_await corio::create_subprocess_exec("sleep", args);
        auto a = corio::spawn([&p]() -> task<int> { co_return co_await p.wait(); });
        auto b = corio::spawn([&p]() -> task<int> { co_return co_await p.wait(); });
        co_await corio::sleep(5ms);
        EXPECT_FALSE(p.returncode());
        p.terminate();
        EXPECT_EQ(co_await a, -SIGTERM);
        EXPECT_EQ(co_await b, -SIGTERM);
    };
    run(main());
}

TEST_P(Subprocess, ACancelledWaitLeavesTheChildWatched) {
    auto main = []() -> task<void> {
        std::vector<std::string> args{"0.05"};
        auto p = co_await corio::create_subprocess_exec("sleep", args);
        auto waiter = corio::spawn([&p]() -> task<int> { co_return co_await p.wait(); });
        co_await corio::sleep(1ms);
        waiter.cancel();
        EXPECT_THROW(co_await waiter, corio::cancelled_error);
        EXPECT_EQ(co_await p.wait(), 0);
    };
    run(main());
}

TEST_P(Subprocess, ChildGetsOnlyItsThreeDescriptorsAndCleanSignals) {
    auto main = []() -> task<void> {
        const int leaky = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC: must not leak anyway
        auto p = co_await corio::create_subprocess_shell(
            "ls /proc/self/fd; grep -E '^Sig(Blk|Ign)' /proc/self/status", piped());
        auto [out, err] = co_await p.communicate();
        ::close(leaky);
        std::istringstream lines(out);
        std::set<std::string> fds;
        std::string line, blocked, ignored;
        while (std::getline(lines, line)) {
            if (line.rfind("SigBlk:", 0) == 0)
                blocked = line.substr(7);
            else if (line.rfind("SigIgn:", 0) == 0)
                ignored = line.substr(7);
            else
                fds.insert(line);
        }
        // ls itself opens one descriptor for the directory it lists.
        EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2", "3"}));
        // The standard signals (1 to 31): none blocked, none ignored (SIGPIPE neither, which the
        // parent ignores). glibc's own real-time signals (32, 33) are not the program's business.
        constexpr unsigned long long standard = 0x7fffffffULL;
        EXPECT_EQ(std::stoull(blocked, nullptr, 16) & standard, 0u) << blocked;
        EXPECT_EQ(std::stoull(ignored, nullptr, 16) & standard, 0u) << ignored;
    };
    run(main());
}

TEST_P(Subprocess, DevnullAndStderrToStdout) {
    auto main = []() -> task<void> {
        corio::subprocess_options o;
        o.stdin_mode = corio::stdio::devnull;
        o.stdout_mode = corio::stdio::pipe;
        o.stderr_mode = corio::stdio::to_stdout;
        auto p = co_await corio::create_subprocess_shell("cat; echo out; echo err >&2", o);
        auto [out, err] = co_await p.communicate();
        EXPECT_EQ(out, "out\nerr\n");
        EXPECT_EQ(err, "");
    };
    run(main());
}

TEST_P(Subprocess, AProcessDroppedWhileRunningIsReapedNotLeftAZombie) {
    auto main = []() -> task<int> {
        int pid;
        {
            std::vector<std::string> args{"0.02"};
            auto p = co_await corio::create_subprocess_exec("sleep", args);
            pid = p.pid();
        }  // dropped while running
        co_await corio::sleep(200ms);
        co_return pid;
    };
    const int pid = run(main());
    // Reaped: no such process any more (a zombie would still answer kill(pid, 0)).
    EXPECT_NE(::kill(pid, 0), 0);
}

}  // namespace
