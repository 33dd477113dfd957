// event_loop::add_signal_handler / remove_signal_handler: signals reach the loop's thread as
// callbacks, from this thread or another, without blocking signals anywhere.
#include <csignal>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <corio/core.hpp>

#include "../net/backend_param.hpp"

namespace {

using corio::task;
using namespace std::chrono_literals;

TEST(SignalHandler, RunsOnTheLoopWhenTheSignalComes) {
    corio::event_loop loop;
    std::vector<int> seen;
    loop.add_signal_handler(SIGUSR1, [&] { seen.push_back(1); });
    auto main = [](std::vector<int>& seen) -> task<void> {
        ::raise(SIGUSR1);
        EXPECT_TRUE(seen.empty());  // not inside the C handler: later, as a callback
        while (seen.empty()) co_await corio::sleep(1ms);
    };
    loop.run_until_complete(main(seen));
    EXPECT_EQ(seen, std::vector<int>{1});
    EXPECT_TRUE(loop.remove_signal_handler(SIGUSR1));
    EXPECT_FALSE(loop.remove_signal_handler(SIGUSR1));
}

class SignalWake : public corio_test::on_each_backend {};
CORIO_ON_EACH_BACKEND(SignalWake);

TEST_P(SignalWake, WakesALoopWaitingForNothingElse) {
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer runs a signal handler only when the thread next passes through one of its
    // interceptors; io_uring_enter is a raw system call, restarted after the signal, so the
    // handler that would end the wait never runs. (Without TSan the handler runs at once.)
    if (GetParam() == corio::io_backend_kind::io_uring) GTEST_SKIP() << "TSan defers the handler";
#endif
    corio::event_loop loop(options());
    loop.add_signal_handler(SIGUSR2, [&] { loop.stop(); });
    // To the loop's thread, blocked in its wait. (A signal sent to the process may land on the
    // sender thread instead, which works the same without sanitizers; ThreadSanitizer, which
    // runs handlers late, would lose it when that thread ends.)
    std::thread sender([loop_thread = ::pthread_self()] {
        std::this_thread::sleep_for(20ms);
        ::pthread_kill(loop_thread, SIGUSR2);
    });
    loop.run_forever();  // nothing but the signal can end it
    sender.join();
    loop.close();
    // close() restored the earlier action.
    struct sigaction now {};
    ::sigaction(SIGUSR2, nullptr, &now);
    EXPECT_EQ(now.sa_handler, SIG_DFL);
}

TEST(SignalHandler, AHandlerExceptionGoesToTheExceptionHandler) {
    corio::event_loop loop;
    std::vector<std::string> reports;
    loop.set_exception_handler([&](corio::event_loop&, const corio::exception_context& c) {
        reports.push_back(c.message);
    });
    loop.add_signal_handler(SIGUSR1, [] { throw std::runtime_error("boom"); });
    auto main = [](std::vector<std::string>& reports) -> task<void> {
        ::raise(SIGUSR1);
        while (reports.empty()) co_await corio::sleep(1ms);
    };
    loop.run_until_complete(main(reports));
    EXPECT_EQ(reports, std::vector<std::string>{"Exception in callback"});
}

TEST(SignalHandler, BadSignalsAndASecondLoopAreRefused) {
    corio::event_loop a;
    EXPECT_THROW(a.add_signal_handler(SIGKILL, [] {}), std::invalid_argument);
    EXPECT_THROW(a.add_signal_handler(0, [] {}), std::invalid_argument);
    EXPECT_THROW(a.add_signal_handler(1000, [] {}), std::invalid_argument);
    a.add_signal_handler(SIGUSR1, [] {});
    corio::event_loop b;
    EXPECT_THROW(b.add_signal_handler(SIGUSR1, [] {}), std::logic_error);
    a.close();  // frees the signal
    b.add_signal_handler(SIGUSR1, [] {});
    EXPECT_TRUE(b.remove_signal_handler(SIGUSR1));
}

TEST(SignalHandler, SigpipeNeverKillsTheProcess) {
    corio::event_loop loop;  // the first loop ignored SIGPIPE
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::close(fds[0]);
    EXPECT_EQ(::write(fds[1], "x", 1), -1);
    EXPECT_EQ(errno, EPIPE);
    ::close(fds[1]);
}

}  // namespace
