// Task cancellation, with asyncio 3.11 semantics, at every kind of suspension point.
#include <coroutine>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/testing.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::task;
using corio::task_handle;

task<void> sleep_forever() { co_await corio::sleep(24h); }

TEST(Cancellation, CancelWakesASleepingTaskWithTheMessage) {
    auto main_task = []() -> task<std::string> {
        auto& loop = corio::get_running_loop();
        auto t = corio::create_task(sleep_forever());
        co_await corio::sleep(1ms);
        const auto cancelled_at = loop.time();
        EXPECT_TRUE(t.cancel("stop now"));
        EXPECT_EQ(t.cancelling(), 1);
        std::string message;
        try {
            co_await t;
        } catch (const cancelled_error& e) {
            message = e.message();
        }
        EXPECT_TRUE(t.cancelled());
        EXPECT_FALSE(t.cancel());              // already done
        EXPECT_EQ(loop.time(), cancelled_at);  // the sleep ended at once, not after 24h
        co_return message;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), "stop now");
}

TEST(Cancellation, CancelBeforeTheFirstStepMeansTheBodyNeverRuns) {
    auto main_task = []() -> task<bool> {
        bool ran = false;
        auto t = corio::spawn([&ran]() -> task<void> {
            ran = true;
            co_return;
        });
        t.cancel();
        try {
            co_await t;
        } catch (const cancelled_error&) {
        }
        EXPECT_TRUE(t.cancelled());
        co_return ran;
    };
    EXPECT_FALSE(corio_test::run_virtual(main_task()));
}

TEST(Cancellation, TaskMayCatchToCleanUpAndStillEndCancelled) {
    auto main_task = []() -> task<std::vector<std::string>> {
        std::vector<std::string> log;
        auto t = corio::spawn([&log]() -> task<void> {
            try {
                co_await corio::sleep(1h);
            } catch (const cancelled_error&) {
                log.push_back("cleanup");
                throw;
            }
        });
        co_await corio::sleep(1ms);
        t.cancel();
        try {
            co_await t;
        } catch (const cancelled_error&) {
            log.push_back("awaiter saw cancellation");
        }
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()),
              (std::vector<std::string>{"cleanup", "awaiter saw cancellation"}));
}

TEST(Cancellation, TaskMaySuppressCancellationAndReturnAValue) {
    auto main_task = []() -> task<int> {
        auto t = corio::spawn([]() -> task<int> {
            try {
                co_await corio::sleep(1h);
            } catch (const cancelled_error&) {
                corio::current_task().uncancel();
            }
            co_return 5;
        });
        co_await corio::sleep(1ms);
        t.cancel();
        int v = co_await t;
        EXPECT_FALSE(t.cancelled());
        EXPECT_EQ(t.cancelling(), 0);
        co_return v;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), 5);
}

TEST(Cancellation, CancelPropagatesIntoAnAwaitedTask) {
    auto main_task = []() -> task<bool> {
        auto inner = corio::create_task(sleep_forever());
        auto outer = corio::spawn([](task_handle<void> i) -> task<void> { co_await i; }, inner);
        co_await corio::sleep(1ms);
        outer.cancel();
        try {
            co_await outer;
        } catch (const cancelled_error&) {
        }
        co_return inner.cancelled() && outer.cancelled();
    };
    EXPECT_TRUE(corio_test::run_virtual(main_task()));
}

TEST(Cancellation, CancelPropagatesIntoAnAwaitedFutureAsInAsyncio) {
    auto main_task = []() -> task<bool> {
        corio::future<int> f;
        auto waiter =
            corio::spawn([](corio::future<int> fut) -> task<int> { co_return co_await fut; }, f);
        co_await corio::sleep(1ms);
        waiter.cancel();
        try {
            co_await waiter;
        } catch (const cancelled_error&) {
        }
        co_return f.cancelled();
    };
    EXPECT_TRUE(corio_test::run_virtual(main_task()));
}

TEST(Cancellation, CancelDuringYieldNowIsRaisedWhenTheTaskResumes) {
    auto main_task = []() -> task<std::string> {
        std::string trace;
        auto t = corio::spawn([&trace]() -> task<void> {
            trace += "a";
            co_await corio::yield_now();
            trace += "never";
        });
        co_await corio::yield_now();  // t ran up to its yield and is scheduled again
        t.cancel();
        try {
            co_await t;
        } catch (const cancelled_error&) {
            trace += "c";
        }
        co_return trace;
    };
    EXPECT_EQ(corio::run(main_task()), "ac");
}

TEST(Cancellation, SelfCancelReachesTheNextWaitAtOnce) {
    auto main_task = []() -> task<corio::duration> {
        auto& loop = corio::get_running_loop();
        const auto start = loop.time();
        auto t = corio::spawn([]() -> task<void> {
            corio::current_task().cancel();
            co_await corio::sleep(1h);  // cancelled as soon as it starts waiting
        });
        try {
            co_await t;
        } catch (const cancelled_error&) {
        }
        co_return loop.time() - start;
    };
    EXPECT_LT(corio_test::run_virtual(main_task()), corio::duration(1h));
}

TEST(Cancellation, CancelInsideANestedChildTaskUnwindsEveryFrame) {
    auto main_task = []() -> task<std::vector<std::string>> {
        std::vector<std::string> log;
        auto t = corio::spawn([&log]() -> task<void> {
            struct scope {
                std::vector<std::string>* log;
                const char* name;
                ~scope() { log->push_back(name); }
            };
            auto inner = [](std::vector<std::string>* l) -> task<void> {
                scope s{l, "inner unwound"};
                co_await corio::sleep(1h);
            };
            scope s{&log, "outer unwound"};
            co_await inner(&log);
        });
        co_await corio::sleep(1ms);
        t.cancel();
        try {
            co_await t;
        } catch (const cancelled_error&) {
        }
        co_return log;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()),
              (std::vector<std::string>{"inner unwound", "outer unwound"}));
}

TEST(Cancellation, RunCancelsLeftoverTasksAtShutdown) {
    bool cleaned = false;
    auto main_task = [](bool* c) -> task<void> {
        corio::spawn([c]() -> task<void> {
            try {
                co_await corio::sleep(1h);
            } catch (const cancelled_error&) {
                *c = true;
                throw;
            }
        });
        co_await corio::sleep(1ms);
    };
    corio_test::run_virtual(main_task(&cleaned));
    EXPECT_TRUE(cleaned);
}

TEST(Cancellation, UncancelToZeroDropsACancellationNotYetDelivered) {
    // Python 3.13: uncancel() reaching 0 clears `_must_cancel`. Without that, a request withdrawn
    // before it was raised (as task_group withdraws its own) would surface at a later await.
    auto main_task = []() -> task<int> {
        auto self = corio::current_task();
        self.cancel();  // pending: this task is running
        self.cancel();
        EXPECT_EQ(self.uncancel(), 1);
        EXPECT_EQ(self.uncancel(), 0);
        co_await corio::sleep(1s);  // not cancelled
        self.cancel();
        bool cancelled = false;
        try {
            co_await corio::sleep(1s);  // still cancellable afterwards
        } catch (const cancelled_error&) {
            cancelled = true;
        }
        co_return cancelled ? self.uncancel() + 1 : -1;
    };
    EXPECT_EQ(corio_test::run_virtual(main_task()), 1);
}

}  // namespace

namespace {

using namespace std::chrono_literals;

corio::task<int> one() { co_return 1; }

corio::task<int> many_child_returns() {
    int s = 0;
    for (int i = 0; i < 64; ++i) s += co_await one();  // uses up a step's budget on transitions
    co_return s;
}

TEST(Cancellation, ACancelThatReturnedTrueIsNotLostWhenTheTaskThenReturns) {
    // asyncio: a task that finishes while a cancellation is pending ends cancelled, not with its
    // value (Task.__step: `if self._must_cancel: super().cancel()`).
    auto main_task = []() -> corio::task<void> {
        auto a = corio::create_task(many_child_returns());
        auto b = corio::spawn([a]() -> corio::task<void> {
            EXPECT_TRUE(a.cancel("stop"));
            co_return;
        });
        co_await corio::sleep(1s);
        EXPECT_TRUE(a.cancelled());
        auto self = corio::spawn([]() -> corio::task<int> {
            corio::current_task().cancel("self");
            co_return 7;
        });
        co_await corio::sleep(1s);
        EXPECT_TRUE(self.cancelled());
        co_await b;
    };
    corio::testing::run_virtual(main_task());
}

/// A third-party awaitable that resumes its waiter inline from `set()`, outside corio's driver.
struct foreign_event {
    std::coroutine_handle<> waiter;
    bool ready = false;
    bool await_ready() const noexcept { return ready; }
    void await_suspend(std::coroutine_handle<> h) noexcept { waiter = h; }
    void await_resume() noexcept {}
    void set() {
        ready = true;
        if (auto h = std::exchange(waiter, nullptr)) h.resume();
    }
};

TEST(Cancellation, ATaskResumedByAForeignAwaitableInsideAnotherTaskWaitsAsItself) {
    // A is resumed inline from B's step; the future A then awaits must wake A, not B.
    auto main_task = []() -> corio::task<void> {
        foreign_event ev;
        corio::future<int> f;
        auto a = corio::spawn(
            [](foreign_event* e, corio::future<int> fut) -> corio::task<int> {
                co_await *e;
                co_return co_await fut;
            },
            &ev, f);
        co_await corio::yield_now();
        auto b = corio::spawn(
            [](foreign_event* e) -> corio::task<void> {
                e->set();
                co_await corio::sleep(10s);
            },
            &ev);
        co_await corio::sleep(1s);
        f.set_result(5);
        co_await corio::sleep(1s);
        EXPECT_TRUE(a.done());
        EXPECT_FALSE(b.done());  // not woken early
        EXPECT_EQ(co_await a, 5);
        co_await b;
        EXPECT_EQ(corio::testing::virtual_now(), 10s);
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace
