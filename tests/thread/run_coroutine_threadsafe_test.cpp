// Plain threads driving a loop running on another thread: run_coroutine_threadsafe, cancellation
// from the thread, the thread-safe handle of a running task, remote_loop's lifetime rules, and the
// typed errors for what cannot work (waiting on the loop's own thread, awaiting across loops,
// touching a loop from the wrong thread in debug mode).
#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/sync.hpp>
#include <corio/thread.hpp>

namespace {

using namespace std::chrono_literals;

/// A loop running `run_forever` on its own thread until the fixture stops it.
class loop_thread {
public:
    explicit loop_thread(corio::loop_options options = {}) : loop_(options) {
        remote_ = loop_.remote();
        thread_ = std::thread([this] { loop_.run_forever(); });
    }
    ~loop_thread() { stop(); }
    void stop() {
        if (!thread_.joinable()) return;
        remote_.stop();
        thread_.join();
    }
    corio::event_loop& loop() { return loop_; }
    const corio::remote_loop& remote() const { return remote_; }

private:
    corio::event_loop loop_;
    corio::remote_loop remote_;
    std::thread thread_;
};

corio::task<int> add_later(int a, int b) {
    co_await corio::sleep(0s);
    co_return a + b;
}

/// Sleeps a little: the loop, idle, polls, and so runs what other threads posted.
corio::task<void> nap() { co_await corio::sleep(1ms); }

corio::task<int> fail_later() {
    co_await corio::sleep(0s);
    throw std::domain_error("coroutine failed");
}

TEST(RunCoroutineThreadsafe, AThreadGetsTheCoroutinesResult) {
    loop_thread lt;
    auto f = corio::run_coroutine_threadsafe(add_later(40, 2), lt.remote());
    EXPECT_EQ(f.result(), 42);
    auto g = corio::run_coroutine_threadsafe(fail_later(), lt.loop());
    EXPECT_THROW((void)g.result(), std::domain_error);
}

TEST(RunCoroutineThreadsafe, CancellingTheFutureCancelsTheTaskOnItsLoop) {
    loop_thread lt;
    std::string message;
    std::latch started(1);
    std::latch unwound(1);
    auto f = corio::run_coroutine_threadsafe(
        [](std::string& seen, std::latch& s, std::latch& u) -> corio::task<int> {
            s.count_down();
            try {
                co_await corio::sleep(std::chrono::hours(1));
            } catch (const corio::cancelled_error& e) {
                seen = e.message();
                u.count_down();
                throw;
            }
            co_return 0;
        }(message, started, unwound),
        lt.remote());
    started.wait();
    EXPECT_TRUE(f.cancel("from the thread"));
    EXPECT_TRUE(f.cancelled());  // at once; the task follows on its loop
    unwound.wait();
    EXPECT_EQ(message, "from the thread");
    EXPECT_THROW((void)f.result(), corio::cancelled_error);
}

TEST(RunCoroutineThreadsafe, AFutureCancelledBeforeTheLoopStartsTheTaskNeverRunsIt) {
    corio::event_loop loop;
    bool ran = false;
    auto f = corio::run_coroutine_threadsafe(
        [](bool& r) -> corio::task<void> {
            r = true;
            co_return;
        }(ran),
        loop);
    EXPECT_TRUE(f.cancel());
    loop.run_until_complete(nap());
    EXPECT_FALSE(ran);
}

TEST(RunCoroutineThreadsafe, ALoopThatClosesFirstCancelsTheFuture) {
    corio::concurrent_future<int> f;
    {
        corio::event_loop loop;
        f = corio::run_coroutine_threadsafe(add_later(1, 2), loop);
        testing::internal::CaptureStderr();
        loop.close();  // the posted start is destroyed unrun
        (void)testing::internal::GetCapturedStderr();
    }
    EXPECT_TRUE(f.cancelled());
    corio::event_loop closed;
    closed.close();
    EXPECT_THROW((void)corio::run_coroutine_threadsafe(add_later(1, 2), closed), std::logic_error);
}

TEST(RunCoroutineThreadsafe, ATaskTornDownByCloseCancelsTheFuture) {
    corio::concurrent_future<int> f;
    {
        corio::event_loop loop;
        f = corio::run_coroutine_threadsafe(
            []() -> corio::task<int> {
                co_await corio::sleep(std::chrono::hours(1));
                co_return 1;
            }(),
            loop);
        loop.run_until_complete(nap());  // polls: the posted start runs, the task sleeps
        testing::internal::CaptureStderr();
        loop.close();
        (void)testing::internal::GetCapturedStderr();
    }
    EXPECT_TRUE(f.cancelled());
}

TEST(RunCoroutineThreadsafe, WaitingOnTheLoopsOwnThreadIsADeadlockError) {
    const auto main = []() -> corio::task<int> {
        auto f = corio::run_coroutine_threadsafe(add_later(2, 3), corio::get_running_loop());
        EXPECT_THROW((void)f.result(), corio::deadlock_error);
        EXPECT_THROW(f.wait(), corio::deadlock_error);
        co_return co_await f;  // awaiting it is the way
    };
    EXPECT_EQ(corio::run(main()), 5);
}

TEST(ToConcurrentFuture, AnotherThreadWaitsForAndCancelsARunningTask) {
    corio::event_loop loop;
    corio::event release;
    auto quick = loop.create_task(add_later(20, 22));
    auto slow = loop.create_task([](corio::event& r) -> corio::task<int> {
        co_await r.wait();
        co_return 1;
    }(release));
    corio::concurrent_future<int> quick_f = corio::to_concurrent_future(quick);
    corio::concurrent_future<int> slow_f = corio::to_concurrent_future(slow);
    int from_thread = 0;
    std::thread watcher([&] {
        from_thread = quick_f.result();
        slow_f.cancel("watcher gave up");
    });
    loop.run_until_complete([](corio::task_handle<int> s) -> corio::task<void> {
        try {
            co_await s;
        } catch (const corio::cancelled_error&) {
        }
    }(slow));
    watcher.join();
    EXPECT_EQ(from_thread, 42);
    EXPECT_TRUE(slow.cancelled());
    EXPECT_TRUE(slow_f.cancelled());
}

TEST(RemoteLoop, PostsUntilTheLoopClosesAndRefusesAfterItIsGone) {
    corio::remote_loop remote;
    EXPECT_FALSE(remote.try_call_soon([] {}));  // empty
    EXPECT_TRUE(remote.is_closed());
    int ran = 0;
    {
        corio::event_loop loop;
        remote = loop.remote();
        EXPECT_FALSE(remote.is_closed());
        EXPECT_TRUE(remote.try_call_soon([&ran] { ++ran; }));
        loop.run_until_complete(nap());  // a poll collects what other threads post
        EXPECT_EQ(ran, 1);
        loop.close();
        EXPECT_TRUE(remote.is_closed());
        EXPECT_FALSE(remote.try_call_soon([&ran] { ++ran; }));
    }
    EXPECT_FALSE(remote.try_call_soon([&ran] { ++ran; }));  // destroyed: still safe
    EXPECT_THROW(remote.call_soon([] {}), std::logic_error);
    EXPECT_EQ(ran, 1);
}

TEST(RemoteLoop, ThreadsPostingWhileTheLoopIsDestroyed) {
    // Posters race with the loop's close and destruction: each post either runs or is refused,
    // never touches a dead loop (ASan/TSan would say).
    for (int round = 0; round < 20; ++round) {
        std::atomic<int> ran{0};
        std::atomic<int> accepted{0};
        std::atomic<bool> stop{false};
        std::vector<std::thread> posters;
        auto loop = std::make_unique<corio::event_loop>();
        corio::remote_loop remote = loop->remote();
        for (int t = 0; t < 2; ++t) {
            posters.emplace_back([&] {
                while (!stop) {
                    if (remote.try_call_soon([&ran] { ++ran; })) ++accepted;
                }
            });
        }
        loop->run_until_complete(add_later(0, 0));
        loop.reset();
        stop = true;
        for (auto& p : posters) p.join();
        EXPECT_LE(ran.load(), accepted.load());
    }
}

TEST(RemoteLoop, StopEndsRunForeverFromAnotherThread) {
    corio::event_loop loop;
    std::thread stopper([remote = loop.remote()] { remote.stop(); });
    loop.run_forever();
    stopper.join();
    SUCCEED();
}

TEST(LoopChecks, AwaitingATaskOfAnotherLoopIsATypedError) {
    corio::event_loop other;
    auto foreign = other.create_task(add_later(1, 1));
    corio::event_loop loop;
    EXPECT_THROW(loop.run_until_complete([](corio::task_handle<int> t) -> corio::task<int> {
        co_return co_await t;
    }(foreign)),
                 corio::different_loop_error);
    other.run_until_complete(foreign);
}

TEST(LoopChecks, DebugModeReportsUseFromTheWrongThread) {
    corio::event_loop loop({.debug = corio::debug_mode::on});
    corio::concurrent_promise<void> checked;
    std::latch running(1);
    auto sleeper = loop.create_task(add_later(0, 0));
    std::thread intruder([&] {
        running.wait();
        // The loop is running (it waits for `checked`): these must not touch it.
        EXPECT_THROW(loop.call_soon([] {}), corio::wrong_thread_error);
        EXPECT_THROW(sleeper.cancel(), corio::wrong_thread_error);
        EXPECT_THROW((void)loop.create_task(add_later(0, 0)), corio::wrong_thread_error);
        loop.call_soon_threadsafe([] {});  // the thread-safe way is fine
        checked.set_value();
    });
    loop.run_until_complete(
        [](corio::concurrent_future<void> f, std::latch& r) -> corio::task<void> {
            r.count_down();
            co_await f;
        }(checked.get_future(), running));
    intruder.join();
    // The intruder's calls changed nothing: the task it tried to cancel runs to its end.
    EXPECT_EQ(loop.run_until_complete(sleeper), 0);
    EXPECT_TRUE(sleeper.done());
}

}  // namespace
