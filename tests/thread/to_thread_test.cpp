// Tasks awaiting work on threads: to_thread, run_in_executor, co_await of a concurrent_future from
// one or several loops, and what cancellation does to the job. Jobs block on gates the test
// controls; nothing depends on timing.
#include <atomic>
#include <latch>
#include <memory>
#include <semaphore>
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

corio::task<void> two_turns() {
    co_await corio::sleep(0s);
    co_await corio::sleep(0s);
}

/// Waits for a task that is expected to end cancelled.
corio::task<void> finish(corio::task_handle<> t) {
    try {
        co_await t;
    } catch (const corio::cancelled_error&) {
    }
}

TEST(ToThread, AwaitsTheResultOfABlockingFunction) {
    const auto main = []() -> corio::task<std::string> {
        const std::thread::id loop_thread = std::this_thread::get_id();
        const std::thread::id job_thread =
            co_await corio::to_thread([] { return std::this_thread::get_id(); });
        EXPECT_NE(job_thread, loop_thread);
        co_return co_await corio::to_thread(
            [](std::string s, int n) { return s + std::to_string(n); }, std::string("job-"), 7);
    };
    EXPECT_EQ(corio::run(main()), "job-7");
}

TEST(ToThread, TheJobsExceptionComesOutOfTheAwait) {
    const auto main = []() -> corio::task<void> {
        co_await corio::to_thread([] { throw std::invalid_argument("bad input"); });
    };
    EXPECT_THROW(corio::run(main()), std::invalid_argument);
}

TEST(RunInExecutor, BlockingWorkRunsBesideTasks) {
    // The job waits until a ticker task has run three times: it can only finish if the loop
    // keeps running tasks while the job blocks its thread.
    const auto main = []() -> corio::task<int> {
        corio::thread_pool pool({.max_threads = 1});
        std::binary_semaphore ticked(0);
        auto job = corio::get_running_loop().run_in_executor(pool, [&ticked] {
            ticked.acquire();
            return 99;
        });
        int ticks = 0;
        while (!job.done()) {
            ++ticks;
            if (ticks == 3) ticked.release();
            co_await corio::sleep(0s);
        }
        EXPECT_GE(ticks, 3);
        co_return co_await job;
    };
    EXPECT_EQ(corio::run(main()), 99);
}

TEST(RunInExecutor, CancellingTheAwaiterDropsAJobThatHasNotStarted) {
    std::atomic<bool> second_ran{false};
    const auto main = [&second_ran]() -> corio::task<void> {
        auto& loop = corio::get_running_loop();
        corio::thread_pool pool({.max_threads = 1});
        std::binary_semaphore gate(0);
        auto first = loop.run_in_executor(pool, [&gate] { gate.acquire(); });
        auto second = loop.run_in_executor(pool, [&second_ran] { second_ran = true; });
        auto waiter = corio::spawn([second]() -> corio::task<void> { co_await second; });
        co_await corio::sleep(0s);
        waiter.cancel("no longer needed");
        co_await finish(waiter);
        EXPECT_TRUE(waiter.cancelled());
        EXPECT_TRUE(second.cancelled());  // the cancellation reached the job's future
        gate.release();
        co_await first;
        pool.shutdown();
    };
    corio::run(main());
    EXPECT_FALSE(second_ran);
}

TEST(RunInExecutor, CancellingTheAwaiterOfARunningJobAbandonsItsResult) {
    auto destroyed = std::make_shared<std::atomic<int>>(0);
    struct counted {
        std::shared_ptr<std::atomic<int>> n;
        explicit counted(std::shared_ptr<std::atomic<int>> c) : n(std::move(c)) {}
        counted(counted&& o) noexcept = default;
        ~counted() {
            if (n) ++*n;
        }
    };
    const auto main = [destroyed]() -> corio::task<void> {
        corio::thread_pool pool({.max_threads = 1});
        std::binary_semaphore gate(0);
        std::latch started(1);
        auto job = corio::get_running_loop().run_in_executor(pool, [&, destroyed] {
            started.count_down();
            gate.acquire();
            return counted(destroyed);
        });
        auto waiter = corio::spawn([job]() -> corio::task<void> { (void)co_await job; });
        started.wait();
        co_await corio::sleep(0s);
        waiter.cancel();
        co_await finish(waiter);
        EXPECT_TRUE(waiter.cancelled());
        EXPECT_TRUE(job.running());  // could not be stopped: it runs on
        gate.release();
        job.wait();
        EXPECT_FALSE(job.cancelled());
    };
    corio::run(main());
    EXPECT_GE(destroyed->load(), 1);  // the abandoned result was destroyed, not leaked
}

TEST(ConcurrentFuture, TasksOfTwoLoopsOnTwoThreadsAwaitOneFuture) {
    corio::concurrent_promise<int> promise;
    corio::concurrent_future<int> shared = promise.get_future();
    std::latch both_waiting(2);
    std::vector<int> seen(2, 0);
    std::vector<std::thread> loops;
    for (int i = 0; i < 2; ++i) {
        loops.emplace_back([&, i] {
            const auto main = [&]() -> corio::task<int> {
                auto t =
                    corio::spawn([shared]() -> corio::task<int> { co_return co_await shared; });
                co_await corio::sleep(0s);  // t is now suspended on the future
                both_waiting.count_down();
                co_return co_await t;
            };
            seen[i] = corio::run(main());
        });
    }
    both_waiting.wait();
    promise.set_value(41);
    for (auto& t : loops) t.join();
    EXPECT_EQ(seen, (std::vector<int>{41, 41}));
}

TEST(ConcurrentFuture, AwaitingADoneFutureDoesNotSuspend) {
    const auto main = []() -> corio::task<int> {
        corio::concurrent_promise<int> p;
        p.set_value(5);
        co_return co_await p.get_future();
    };
    EXPECT_EQ(corio::run(main()), 5);
}

TEST(ConcurrentFuture, ALoopClosedUnderAWaiterIsHarmlessToTheProducer) {
    corio::concurrent_promise<int> promise;
    {
        corio::event_loop loop;
        testing::internal::CaptureStderr();
        auto waiter = loop.create_task([](corio::concurrent_future<int> f) -> corio::task<int> {
            co_return co_await f;
        }(promise.get_future()));
        loop.run_until_complete(two_turns());
        loop.close();  // the waiting task is torn down; it leaves the future's list
        const std::string err = testing::internal::GetCapturedStderr();
        EXPECT_NE(err.find("destroyed but it is pending"), std::string::npos) << err;
    }
    EXPECT_TRUE(promise.set_value(1));  // nobody to wake: nothing posted, nothing touched
}

TEST(DefaultExecutor, CloseWaitsForItsJobs) {
    std::atomic<bool> finished{false};
    {
        corio::event_loop loop;
        std::latch started(1);
        loop.run_until_complete([](std::latch& s, std::atomic<bool>& f) -> corio::task<void> {
            (void)corio::to_thread([&s, &f] {
                s.count_down();
                std::this_thread::sleep_for(20ms);
                f = true;
            });
            s.wait();
            co_return;
        }(started, finished));
        loop.close();
        EXPECT_TRUE(finished);  // close() shut the default executor down, waiting
    }
}

TEST(DefaultExecutor, CloseReleasesAJobWaitingForTheLoopItself) {
    // A job blocks on a coroutine of the loop that is closing: close() cancels that coroutine
    // before it waits for the executor, so the job ends (with cancelled_error) instead of both
    // waiting for each other forever.
    std::atomic<bool> job_saw_cancel{false};
    {
        corio::event_loop loop;
        std::latch waiting(1);
        loop.run_until_complete([](corio::remote_loop remote, std::latch& w,
                                   std::atomic<bool>& saw) -> corio::task<void> {
            (void)corio::to_thread([remote, &w, &saw] {
                auto forever = corio::run_coroutine_threadsafe(
                    []() -> corio::task<void> { co_await corio::sleep(std::chrono::hours(24)); }(),
                    remote);
                w.count_down();
                try {
                    forever.result();
                } catch (const corio::cancelled_error&) {
                    saw = true;
                }
            });
            w.wait();
            co_return;
        }(loop.remote(), waiting, job_saw_cancel));
        testing::internal::CaptureStderr();
        loop.close();
        (void)testing::internal::GetCapturedStderr();
    }
    EXPECT_TRUE(job_saw_cancel);
}

}  // namespace
