// corio::threading::event: Python's threading.Event. No assertion depends on how long anything
// took; a timeout is only asserted for its result while the event is in the test's hands.
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <corio/threading.hpp>

namespace {

using namespace std::chrono_literals;
namespace threading = corio::threading;
using threading::event;

/// True while the kernel says thread `tid` sleeps (state S in /proc/self/task/<tid>/stat).
bool sleeping(std::uint64_t tid) {
    std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'S';
}

TEST(ThreadingEvent, StartsClearAndFollowsSetAndClear) {
    event e;
    EXPECT_FALSE(e.is_set());
    e.set();
    EXPECT_TRUE(e.is_set());
    e.set();  // twice is fine
    EXPECT_TRUE(e.is_set());
    e.clear();
    EXPECT_FALSE(e.is_set());
}

TEST(ThreadingEvent, WaitWithTimeoutIsFalseUnlessSet) {
    event e;
    EXPECT_FALSE(e.wait(1ms));
    EXPECT_FALSE(e.wait(0s));
    EXPECT_FALSE(e.wait(-1s));  // negative: does not wait
    e.set();
    EXPECT_TRUE(e.wait(0s));
    EXPECT_TRUE(e.wait(-1s));
    EXPECT_TRUE(e.wait(std::chrono::hours::max()));  // no overflow (UBSan would say)
    EXPECT_TRUE(e.wait());
    EXPECT_TRUE(e.wait_until(std::chrono::steady_clock::now()));
}

TEST(ThreadingEvent, SetWakesEveryWaiter) {
    event e;
    std::atomic<int> woken = 0;
    std::vector<threading::thread> waiters;
    for (int i = 0; i < 4; ++i) {
        waiters.push_back(threading::spawn([&, i] {
            if (i % 2 == 0 ? e.wait() : e.wait(std::chrono::duration<double>::max())) ++woken;
        }));
    }
    e.set();
    for (auto& t : waiters) t.join();
    EXPECT_EQ(woken.load(), 4);
}

TEST(ThreadingEvent, WaitWithTimeoutTurnsTrueWhenSetMeanwhile) {
    // Seed 002's wait_for_event_timeout: a wait that times out, then one that the set ends.
    event e, first_done;
    std::vector<bool> results;
    auto t = threading::spawn([&] {
        results.push_back(e.wait(1ms));  // nobody sets it yet: false
        first_done.set();
        results.push_back(e.wait(std::chrono::duration<double>::max()));
    });
    first_done.wait();
    e.set();
    t.join();
    EXPECT_EQ(results, (std::vector<bool>{false, true}));
}

TEST(ThreadingEvent, APulseWakesAWaiterEvenIfClearedBeforeItRan) {
    // set() then clear() while a thread waits: Python's waiter returns True all the same. A
    // condition variable over the bool alone would read it false again and sleep on.
    event e, started;
    std::atomic<bool> returned = false;
    bool result = false;
    std::atomic<std::uint64_t> tid = 0;
    auto waiter = threading::spawn([&] {
        tid = threading::get_native_id();
        started.set();
        result = e.wait();
        returned = true;
    });
    started.wait();
    // Pulse once the waiter sleeps; should it not have been in wait() yet, the next pulse
    // catches it. A waiter that misses pulses never returns, and the test times out.
    while (!returned) {
        if (sleeping(tid)) {
            e.set();
            e.clear();
        }
        std::this_thread::yield();
    }
    waiter.join();
    EXPECT_TRUE(result);
    EXPECT_FALSE(e.is_set());
}

TEST(ThreadingEvent, ManyWaitersAndSettersStayConsistent) {
    // Bounded stress: rounds of waiters released by one set each; every waiter returns true.
    for (int round = 0; round < 20; ++round) {
        event e;
        std::atomic<int> ok = 0;
        std::vector<threading::thread> waiters;
        for (int i = 0; i < 8; ++i) {
            waiters.push_back(
                threading::spawn([&] { ok += e.wait(std::chrono::hours(1)) ? 1 : 0; }));
        }
        e.set();
        for (auto& t : waiters) t.join();
        ASSERT_EQ(ok.load(), 8);
    }
}

}  // namespace
