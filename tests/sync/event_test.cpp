// corio::event: asyncio's Event.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/sync/event.hpp>
#include <corio/testing.hpp>

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::task;

TEST(Event, SetWakesEveryWaiterInOrder) {
    std::vector<std::string> log;
    auto main_task = [&]() -> task<void> {
        corio::event ev;
        auto waiter = [&](std::string name) -> task<void> {
            co_await ev.wait();
            log.push_back(name);
        };
        auto a = corio::create_task(waiter("a"));
        auto b = corio::create_task(waiter("b"));
        co_await corio::sleep(1s);
        EXPECT_EQ(ev.statistics().waiters, 2U);
        ev.set();
        ev.clear();  // woken waiters return all the same
        co_await a;
        co_await b;
        EXPECT_FALSE(ev.is_set());
        ev.set();
        co_await ev.wait();  // set: no wait at all
        log.push_back("main");
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "main"}));
}

TEST(Event, ACancelledWaiterLeavesTheOthersWaiting) {
    auto main_task = []() -> task<void> {
        corio::event ev;
        auto a = corio::create_task([](corio::event* e) -> task<void> { co_await e->wait(); }(&ev));
        auto b = corio::create_task([](corio::event* e) -> task<void> { co_await e->wait(); }(&ev));
        co_await corio::yield_now();
        a.cancel();
        EXPECT_THROW(co_await a, cancelled_error);
        EXPECT_EQ(ev.statistics().waiters, 1U);
        ev.set();
        co_await b;
        EXPECT_EQ(ev.statistics().waiters, 0U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Event, WaitForAnEventWithATimeout) {
    // Seed 002's wait_for_event_timeout: the first waits time out, then the event is set.
    std::vector<std::string> log;
    auto main_task = [&]() -> task<void> {
        corio::event ev;
        corio::get_running_loop().call_later(3s, [&] { ev.set(); });
        for (;;) {
            try {
                co_await corio::wait_for(ev.wait(), 2s);
                log.push_back("set");
                break;
            } catch (const corio::timeout_error&) {
                log.push_back("timed out");
            }
        }
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (std::vector<std::string>{"timed out", "set"}));
}

}  // namespace
