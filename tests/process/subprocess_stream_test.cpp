// A child's stdio as streams (proc.stdin, proc.stdout, proc.stderr) on both backends, with real
// programs: output read line by line as it comes, input written while the child answers,
// stderr apart, a child killed mid-output, and communicate on the same streams.
#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/net/errors.hpp>
#include <corio/process/subprocess.hpp>

#include "../net/backend_param.hpp"
#include "../net/stream_test_util.hpp"

namespace {

using corio::task;

corio::subprocess_options piped(bool in, bool out, bool err) {
    corio::subprocess_options o;
    if (in) o.stdin_mode = corio::stdio::pipe;
    if (out) o.stdout_mode = corio::stdio::pipe;
    if (err) o.stderr_mode = corio::stdio::pipe;
    return o;
}

class SubprocessStreams : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(SubprocessStreams);

TEST_P(SubprocessStreams, StdoutLineByLineAsTheChildPrints) {
    auto main = []() -> task<void> {
        auto p = co_await corio::create_subprocess_shell(
            "for i in 1 2 3; do echo $i; sleep 0.05; done", piped(false, true, false));
        std::vector<std::string> lines;
        for (;;) {
            std::string line = co_await p.stdout_stream().readline();
            if (line.empty()) break;
            lines.push_back(line);
        }
        EXPECT_EQ(lines, (std::vector<std::string>{"1\n", "2\n", "3\n"}));
        EXPECT_TRUE(p.stdout_stream().at_eof());
        EXPECT_EQ(co_await p.wait(), 0);
    };
    run(corio_test::bounded(main()));
}

TEST_P(SubprocessStreams, ADialogueThroughStdinAndStdout) {
    auto main = []() -> task<void> {
        // The child answers each line while its stdin is still open: each answer proves the
        // streams carry bytes as they come, not at the end.
        auto p = co_await corio::create_subprocess_shell(
            "while read x; do echo \"got $x\"; done; echo bye", piped(true, true, false));
        const std::vector<std::string> words{"one", "two", "three"};  // named: GCC 12
        for (const std::string& word : words) {
            p.stdin_stream().write(word + "\n");
            co_await p.stdin_stream().drain();
            const std::string answer = co_await p.stdout_stream().readline();
            EXPECT_EQ(answer, "got " + word + "\n");
        }
        p.close_stdin();  // the child reads end of file
        EXPECT_EQ(co_await p.stdout_stream().read(), "bye\n");
        EXPECT_EQ(co_await p.wait(), 0);
    };
    run(corio_test::bounded(main()));
}

TEST_P(SubprocessStreams, StdinStreamToTrWhileReadingItsOutput) {
    auto main = []() -> task<void> {
        const std::vector<std::string> args{"a-z", "A-Z"};  // named: GCC 12
        auto p = co_await corio::create_subprocess_exec("tr", args, piped(true, true, false));
        // 2 MiB: more than both pipes hold, so writing and reading must overlap.
        const std::string input(2 << 20, 'q');
        auto reading = corio::spawn([](corio::net::stream_reader* r) { return r->read(); },
                                    &p.stdout_stream());
        p.stdin_stream().write(input);
        co_await p.stdin_stream().drain();
        p.stdin_stream().write_eof();  // a pipe: closes it once the queue is out
        co_await p.stdin_stream().wait_closed();
        const std::string out = co_await reading;
        EXPECT_EQ(out.size(), input.size());
        EXPECT_EQ(out.find_first_not_of('Q'), std::string::npos);
        EXPECT_EQ(co_await p.wait(), 0);
    };
    run(corio_test::bounded(main()));
}

TEST_P(SubprocessStreams, StderrIsReadApart) {
    auto main = []() -> task<void> {
        auto p = co_await corio::create_subprocess_shell(
            "echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 4", piped(false, true, true));
        EXPECT_EQ(co_await p.stderr_stream().readline(), "err1\n");
        EXPECT_EQ(co_await p.stdout_stream().read(), "out1\nout2\n");
        EXPECT_EQ(co_await p.stderr_stream().read(), "err2\n");
        EXPECT_EQ(co_await p.wait(), 4);
    };
    run(corio_test::bounded(main()));
}

TEST_P(SubprocessStreams, AChildKilledMidOutputLeavesTheReaderAtEof) {
    auto main = []() -> task<void> {
        auto p = co_await corio::create_subprocess_shell("echo started; exec sleep 30",
                                                         piped(false, true, false));
        EXPECT_EQ(co_await p.stdout_stream().readline(), "started\n");
        p.kill();
        EXPECT_EQ(co_await p.stdout_stream().readline(), "");
        EXPECT_TRUE(p.stdout_stream().at_eof());
        EXPECT_EQ(co_await p.wait(), -SIGKILL);
    };
    run(corio_test::bounded(main()));
}

TEST_P(SubprocessStreams, WritingToAnExitedChildIsABrokenPipe) {
    auto main = []() -> task<void> {
        auto p = co_await corio::create_subprocess_exec("true", std::vector<std::string>(),
                                                        piped(true, false, false));
        EXPECT_EQ(co_await p.wait(), 0);
        EXPECT_THROW(p.stdin_stream().write("too late\n"), corio::broken_pipe_error);
    };
    run(corio_test::bounded(main()));
}

TEST_P(SubprocessStreams, CommunicateGetsWhatTheStreamsHaveNotRead) {
    auto main = []() -> task<void> {
        auto p =
            co_await corio::create_subprocess_shell("cat; echo done >&2", piped(true, true, true));
        p.stdin_stream().write("first\n");
        EXPECT_EQ(co_await p.stdout_stream().readline(), "first\n");
        // One path: communicate writes, closes and reads on the same streams.
        auto [out, err] = co_await p.communicate("second\nthird\n");
        EXPECT_EQ(out, "second\nthird\n");
        EXPECT_EQ(err, "done\n");
        EXPECT_EQ(p.returncode(), 0);
    };
    run(corio_test::bounded(main()));
}

TEST_P(SubprocessStreams, AStdioThatIsNotAPipeHasNoStream) {
    auto main = []() -> task<void> {
        corio::subprocess_options o;
        o.stdin_mode = corio::stdio::devnull;
        o.stdout_mode = corio::stdio::pipe;
        auto p = co_await corio::create_subprocess_exec("true", std::vector<std::string>(), o);
        EXPECT_THROW(static_cast<void>(p.stdin_stream()), std::logic_error);
        EXPECT_THROW(static_cast<void>(p.stderr_stream()), std::logic_error);
        EXPECT_EQ(co_await p.stdout_stream().read(), "");
        EXPECT_EQ(co_await p.wait(), 0);
    };
    run(corio_test::bounded(main()));
}

}  // namespace
