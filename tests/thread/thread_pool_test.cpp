// thread_pool and concurrent_future seen from plain threads: results, errors, names, bounds,
// cancellation of queued jobs, shutdown. No timing is asserted: jobs block on latches the test
// controls.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <numeric>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pthread.h>

#include <corio/thread.hpp>

namespace {

using namespace std::chrono_literals;

std::string kernel_thread_name() {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    return name;
}

TEST(ThreadPool, RunsJobsAndReturnsTheirResults) {
    corio::thread_pool pool({.max_threads = 2});
    auto sum = pool.submit([](int a, int b) { return a + b; }, 40, 2);
    auto text = pool.submit([](const std::string& s) { return s + "!"; }, std::string("hi"));
    bool ran = false;
    auto nothing = pool.submit([&ran] { ran = true; });
    EXPECT_EQ(sum.result(), 42);
    EXPECT_EQ(text.result(), "hi!");
    nothing.result();
    EXPECT_TRUE(ran);
    EXPECT_TRUE(sum.done());
    EXPECT_FALSE(sum.cancelled());
}

TEST(ThreadPool, AJobsExceptionComesOutOfResult) {
    corio::thread_pool pool({.max_threads = 1});
    auto f = pool.submit([]() -> int { throw std::runtime_error("job failed"); });
    EXPECT_THROW(
        {
            try {
                (void)f.result();
            } catch (const std::runtime_error& e) {
                EXPECT_STREQ(e.what(), "job failed");
                throw;
            }
        },
        std::runtime_error);
    EXPECT_NE(f.exception(), nullptr);
}

TEST(ThreadPool, MoveOnlyResultsAreMovedOutOnce) {
    corio::thread_pool pool({.max_threads = 1});
    auto f = pool.submit([] { return std::make_unique<int>(7); });
    std::unique_ptr<int> p = f.result();
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, 7);
    EXPECT_THROW((void)f.result(), corio::invalid_state_error);
}

TEST(ThreadPool, ThreadsCarryTheirNames) {
    corio::thread_pool pool({.max_threads = 1, .name_prefix = "resizer"});
    EXPECT_EQ(pool.submit(kernel_thread_name).result(), "resizer-0");
    corio::thread_pool long_names({.max_threads = 1, .name_prefix = "a-very-long-pool-name"});
    EXPECT_EQ(long_names.submit(kernel_thread_name).result(), "a-very-long-poo");  // 15 bytes
}

TEST(ThreadPool, NeverRunsMoreThanMaxThreadsAtOnce) {
    constexpr int jobs = 8;
    corio::thread_pool pool({.max_threads = 2});
    std::mutex m;
    std::condition_variable cv;
    int running = 0;
    int most = 0;
    bool release = false;
    std::vector<corio::concurrent_future<void>> done;
    for (int i = 0; i < jobs; ++i) {
        done.push_back(pool.submit([&] {
            std::unique_lock lock(m);
            most = std::max(most, ++running);
            cv.notify_all();
            cv.wait(lock, [&] { return release; });
            --running;
        }));
    }
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return running == 2; });  // both threads busy
        release = true;
        cv.notify_all();
    }
    for (auto& f : done) f.result();
    EXPECT_EQ(most, 2);
    EXPECT_EQ(pool.thread_count(), 2u);
}

TEST(ThreadPool, OneThreadRunsJobsInSubmissionOrder) {
    corio::thread_pool pool({.max_threads = 1});
    std::vector<int> order;
    std::vector<corio::concurrent_future<void>> done;
    for (int i = 0; i < 100; ++i) done.push_back(pool.submit([&order, i] { order.push_back(i); }));
    for (auto& f : done) f.result();
    std::vector<int> expected(100);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(order, expected);
}

TEST(ThreadPool, AQueuedJobCancelledNeverRuns) {
    corio::thread_pool pool({.max_threads = 1});
    std::binary_semaphore gate(0);
    std::latch started(1);
    auto blocker = pool.submit([&] {
        started.count_down();
        gate.acquire();
        return 1;
    });
    std::atomic<bool> ran{false};
    auto queued = pool.submit([&ran] { ran = true; });
    started.wait();
    EXPECT_TRUE(blocker.running());
    EXPECT_FALSE(blocker.cancel());  // running: cannot be cancelled
    EXPECT_TRUE(queued.cancel("not needed"));
    EXPECT_TRUE(queued.cancelled());
    gate.release();
    EXPECT_EQ(blocker.result(), 1);
    pool.shutdown();
    EXPECT_FALSE(ran);
    try {
        queued.result();
        FAIL() << "a cancelled future has no result";
    } catch (const corio::cancelled_error& e) {
        EXPECT_EQ(e.message(), "not needed");
    }
}

TEST(ThreadPool, ResultWithATimeoutRaisesTimeoutErrorAndTheJobGoesOn) {
    corio::thread_pool pool({.max_threads = 1});
    std::binary_semaphore gate(0);
    auto f = pool.submit([&gate] {
        gate.acquire();
        return 5;
    });
    EXPECT_THROW((void)f.result(1ms), corio::timeout_error);
    EXPECT_FALSE(f.wait_for(0s));
    gate.release();
    EXPECT_EQ(f.result(std::chrono::hours(1)), 5);
    EXPECT_TRUE(f.wait_for(std::chrono::nanoseconds::max()));  // saturates, does not overflow
}

TEST(ThreadPool, ShutdownCanCancelWhatHasNotStarted) {
    corio::thread_pool pool({.max_threads = 1});
    std::binary_semaphore gate(0);
    std::latch started(1);
    auto running = pool.submit([&] {
        started.count_down();
        gate.acquire();
    });
    auto pending = pool.submit([] { return 1; });
    started.wait();
    EXPECT_EQ(pool.pending(), 1u);
    pool.shutdown(corio::shutdown_wait::no_wait, corio::pending_jobs::cancel);
    EXPECT_TRUE(pending.cancelled());
    EXPECT_THROW((void)pool.submit([] {}), corio::executor_shutdown_error);
    gate.release();
    pool.shutdown();  // again, waiting this time: harmless
    EXPECT_TRUE(running.done());
    EXPECT_FALSE(running.cancelled());
}

TEST(ThreadPool, ShutdownRunsPendingJobsByDefault) {
    std::atomic<int> ran{0};
    {
        corio::thread_pool pool({.max_threads = 1});
        for (int i = 0; i < 10; ++i) (void)pool.submit([&ran] { ++ran; });
        pool.shutdown();
        EXPECT_EQ(ran.load(), 10);
    }
    {
        corio::thread_pool pool({.max_threads = 2});
        for (int i = 0; i < 10; ++i) (void)pool.submit([&ran] { ++ran; });
    }  // the destructor too
    EXPECT_EQ(ran.load(), 20);
}

TEST(ThreadPool, AJobWaitingForItsOwnPoolIsADeadlockError) {
    corio::thread_pool pool({.max_threads = 1});
    auto f = pool.submit([&pool] { pool.shutdown(corio::shutdown_wait::wait); });
    EXPECT_THROW(f.result(), corio::deadlock_error);
}

TEST(ConcurrentFuture, DoneCallbacksRunOnCompletionOrAtOnce) {
    corio::thread_pool pool({.max_threads = 1});
    std::binary_semaphore gate(0);
    auto f = pool.submit([&gate] {
        gate.acquire();
        return 3;
    });
    std::promise<std::thread::id> where;
    f.add_done_callback([&where](const corio::concurrent_future<int>& g) {
        EXPECT_EQ(g.result(), 3);
        where.set_value(std::this_thread::get_id());
    });
    gate.release();
    const std::thread::id worker = where.get_future().get();
    EXPECT_NE(worker, std::this_thread::get_id());  // ran on the pool thread that finished it
    std::thread::id now;
    f.add_done_callback([&now](const auto&) { now = std::this_thread::get_id(); });
    EXPECT_EQ(now, std::this_thread::get_id());  // already done: ran at once, here
}

TEST(ConcurrentFuture, ACallbackThatThrowsIsReportedAndTheOthersRun) {
    corio::concurrent_promise<int> p;
    auto f = p.get_future();
    int later = 0;
    f.add_done_callback([](const auto&) { throw std::runtime_error("callback broke"); });
    f.add_done_callback([&later](const auto&) { later = 1; });
    testing::internal::CaptureStderr();
    p.set_value(1);
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("callback broke"), std::string::npos) << err;
    EXPECT_EQ(later, 1);
}

TEST(ConcurrentFuture, AnExceptionNobodyRetrievedIsReported) {
    testing::internal::CaptureStderr();
    {
        corio::thread_pool pool({.max_threads = 1});
        (void)pool.submit([] { throw std::runtime_error("lost in the pool"); });
    }
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("never retrieved"), std::string::npos) << err;
    EXPECT_NE(err.find("lost in the pool"), std::string::npos) << err;
}

TEST(ConcurrentFuture, ABrokenPromiseEndsTheWait) {
    corio::concurrent_future<int> f;
    {
        corio::concurrent_promise<int> p;
        f = p.get_future();
        EXPECT_FALSE(f.done());
    }
    EXPECT_THROW((void)f.result(), corio::broken_promise_error);
    EXPECT_THROW((void)corio::concurrent_future<int>().done(), corio::invalid_state_error);
}

TEST(ConcurrentFuture, CancelledBeforeTheProducerStartsTellsIt) {
    corio::concurrent_promise<int> p;
    auto f = p.get_future();
    EXPECT_TRUE(f.cancel());
    EXPECT_TRUE(f.cancel());  // already cancelled: still true, as Python
    EXPECT_FALSE(p.set_running_or_notify_cancel());
    EXPECT_FALSE(p.set_value(1));  // ignored
    EXPECT_TRUE(f.cancelled());
}

TEST(ThreadPool, ManyThreadsSubmittingAtOnce) {
    constexpr int submitters = 4;
    constexpr int per_thread = 2000;
    corio::thread_pool pool({.max_threads = 3});
    std::vector<std::thread> threads;
    std::atomic<long> total{0};
    for (int t = 0; t < submitters; ++t) {
        threads.emplace_back([&pool, &total] {
            std::vector<corio::concurrent_future<int>> mine;
            mine.reserve(per_thread);
            for (int i = 0; i < per_thread; ++i) mine.push_back(pool.submit([i] { return i; }));
            long sum = 0;
            for (auto& f : mine) sum += f.result();
            total += sum;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(total.load(), long{submitters} * per_thread * (per_thread - 1) / 2);
    EXPECT_LE(pool.thread_count(), 3u);
}

}  // namespace
