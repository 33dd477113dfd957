// Due timers fire on the loop's next iteration, however busy it is (issue 7, item 2). The loop
// looks at I/O only every 61 ready items, but a timer that is already due fires at once, as in
// asyncio, where every iteration pops the due timers. Expected values are CPython's (3.11+).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/testing.hpp>

namespace {

using namespace std::chrono_literals;
using corio::task;
using corio::timeout_error;

/// Each scenario runs on the virtual clock and on the real one: the rule is the same.
template <class Main>
void run_both(Main main) {
    corio::testing::run_virtual(main());
    corio::run(main());
}

TEST(DueTimer, TimeoutZeroRaisesAtTheFirstSuspension) {
    // asyncio: `async with timeout(0): while True: await sleep(0)` raises at once (0 yields); it
    // used to take 60 yields.
    run_both([]() -> task<void> {
        int yields = 0;
        EXPECT_THROW(co_await corio::timeout(0s,
                                             [&]() -> task<void> {
                                                 for (;;) {
                                                     co_await corio::yield_now();
                                                     ++yields;
                                                 }
                                             }),
                     timeout_error);
        EXPECT_EQ(yields, 0);
    });
}

TEST(DueTimer, CallLaterZeroRunsAfterOneYield) {
    // asyncio prints [0, 'cb', 1, 2, 3]; the callback used to wait for 61 ready items.
    run_both([]() -> task<void> {
        std::vector<std::string> log;
        corio::get_running_loop().call_later(0s, [&] { log.push_back("cb"); });
        for (int i = 0; i < 4; ++i) {
            co_await corio::yield_now();
            log.push_back(std::to_string(i));
        }
        EXPECT_EQ(log, (std::vector<std::string>{"0", "cb", "1", "2", "3"}));
    });
}

TEST(DueTimer, ADueCallAtRunsAfterTheCallbacksAlreadyQueued) {
    // asyncio: call_at(now) then call_soon: ['soon', 0, 'at', 1, 2]. A timer waits for the next
    // iteration's timer pass, and then runs behind what was already ready.
    run_both([]() -> task<void> {
        std::vector<std::string> log;
        auto& loop = corio::get_running_loop();
        loop.call_at(loop.time(), [&] { log.push_back("at"); });
        loop.call_soon([&] { log.push_back("soon"); });
        for (int i = 0; i < 3; ++i) {
            co_await corio::yield_now();
            log.push_back(std::to_string(i));
        }
        EXPECT_EQ(log, (std::vector<std::string>{"soon", "0", "at", "1", "2"}));
    });
}

TEST(DueTimer, AScopeRescheduledIntoThePastRaisesAtTheNextSuspension) {
    // asyncio: rescheduling at i == 3 raises at that iteration's sleep(0): 3 iterations ran. The
    // body used to run all 100 and return normally.
    run_both([]() -> task<void> {
        int ran = 0;
        corio::timeout_scope cm = corio::timeout(std::nullopt);
        EXPECT_THROW(co_await cm.run([&](corio::timeout_scope& scope) -> task<void> {
            for (int i = 0; i < 100; ++i) {
                if (i == 3) scope.reschedule(corio::get_running_loop().time() - 1s);
                co_await corio::yield_now();
                ++ran;
            }
        }),
                     timeout_error);
        EXPECT_EQ(ran, 3);
        EXPECT_TRUE(cm.expired());
    });
}

TEST(DueTimer, ASleepingTaskWakesWhileAnotherKeepsTheLoopBusy) {
    // A timer that falls due while the ready queue never empties still fires: on the virtual
    // clock the loop cannot jump while work is ready, so the busy task must see the sleeper
    // wake only once time moves; on the real clock it wakes within the busy loop.
    auto main_task = []() -> task<void> {
        bool woke = false;
        auto sleeper = corio::spawn([&]() -> task<void> {
            co_await corio::sleep(1ms);
            woke = true;
        });
        const auto start = corio::clock::now();
        while (!woke && corio::clock::now() - start < 10s) co_await corio::yield_now();
        EXPECT_TRUE(woke);
        co_await sleeper;
    };
    corio::run(main_task());
}

}  // namespace
