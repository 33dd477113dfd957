// corio::threading::timer: Python's threading.Timer. A timer that should not fire gets an hour's
// delay, so that a wrong implementation shows as a wrong result or a hang, never as a flaky time.
#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pthread.h>

#include <corio/threading.hpp>

namespace {

using namespace std::chrono_literals;
namespace threading = corio::threading;
using threading::thread_options;
using threading::timer;

TEST(Timer, FiresWithItsArguments) {
    std::vector<int> calls;
    timer t(
        1ms, [&](int a, int b) { calls.push_back(a + b); }, 40, 2);
    t.start();
    t.join();
    EXPECT_EQ(calls, std::vector<int>{42});
    EXPECT_FALSE(t.is_alive());
}

TEST(Timer, CancelBeforeFiringNeverCalls) {
    std::atomic<int> calls = 0;
    timer t(1h, [&] { ++calls; });
    t.start();
    EXPECT_TRUE(t.is_alive());
    EXPECT_FALSE(t.join(1ms));  // still waiting out its hour
    t.cancel();
    t.join();  // woken at once: no hour-long sleep
    EXPECT_EQ(calls.load(), 0);
}

TEST(Timer, CancelBeforeStartNeverCalls) {
    std::atomic<int> calls = 0;
    timer t(0s, [&] { ++calls; });
    t.cancel();
    t.start();
    t.join();
    EXPECT_EQ(calls.load(), 0);
}

TEST(Timer, CancelAfterFiringIsHarmless) {
    int calls = 0;
    timer t(0s, [&] { ++calls; });
    t.start();
    t.join();
    t.cancel();
    t.cancel();
    EXPECT_EQ(calls, 1);
}

TEST(Timer, CancelWhileTheFunctionRunsLetsItFinish) {
    threading::event running, release;
    std::atomic<bool> finished = false;
    timer t(0s, [&] {
        running.set();
        release.wait();
        finished = true;
    });
    t.start();
    running.wait();
    t.cancel();
    release.set();
    t.join();
    EXPECT_TRUE(finished);
}

TEST(Timer, IsANamedThread) {
    std::string name, kernel;
    timer t(thread_options{.name = "t1"}, 0s, [&] {
        name = threading::current_thread().name();
        char buffer[16] = {};
        pthread_getname_np(pthread_self(), buffer, sizeof buffer);
        kernel = buffer;
    });
    t.start();
    t.join();
    EXPECT_EQ(name, "t1");
    EXPECT_EQ(kernel, "t1");
    timer unnamed(0s, [] {});
    EXPECT_EQ(unnamed.name().rfind("Thread-", 0), 0U);  // a Timer is a Thread, named as one
}

TEST(Timer, JoinRethrowsWhatTheFunctionThrew) {
    timer t(0s, [] { throw std::runtime_error("fired badly"); });
    t.start();
    EXPECT_THROW(t.join(), std::runtime_error);
}

TEST(Timer, DestroyingAStartedTimerWaitsForItToFire) {
    // As Python's exit waits for a non-daemon Timer: the call is not lost.
    bool fired = false;
    {
        timer t(1ms, [&] { fired = true; });
        t.start();
    }
    EXPECT_TRUE(fired);
}

TEST(Timer, MovedTimerCanStillBeCancelled) {
    std::atomic<int> calls = 0;
    timer a(1h, [&] { ++calls; });
    a.start();
    timer b(std::move(a));
    EXPECT_THROW(a.cancel(), corio::invalid_state_error);  // NOLINT(bugprone-use-after-move)
    b.cancel();
    b.join();
    EXPECT_EQ(calls.load(), 0);
}

TEST(Timer, ManyTimersHalfCancelled) {
    std::atomic<int> calls = 0;
    std::vector<timer> timers;
    for (int i = 0; i < 32; ++i) {
        timers.emplace_back(i % 2 == 0 ? 0s : 1h, [&] { ++calls; });
        timers.back().start();
    }
    for (int i = 1; i < 32; i += 2) timers[i].cancel();
    for (auto& t : timers) t.join();
    EXPECT_EQ(calls.load(), 16);
}

}  // namespace
