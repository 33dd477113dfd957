// corio::barrier: asyncio's Barrier (Python 3.11). The expected outputs were checked against
// CPython 3.11 running the same programs (asyncio.sleep(0) for yield_now).
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/sync/barrier.hpp>
#include <corio/testing.hpp>

namespace {

using namespace std::chrono_literals;
using corio::broken_barrier_error;
using corio::cancelled_error;
using corio::task;

struct arrival {
    std::string who;
    std::string got;  ///< the index, "broken: <what>" or "cancelled"
    bool operator==(const arrival&) const = default;
};
using arrivals = std::vector<arrival>;

// Waits at `b` and records what it got.
task<void> party(corio::barrier& b, arrivals& log, std::string who) {
    try {
        const std::size_t index = co_await b.wait();
        log.push_back({std::move(who), std::to_string(index)});
    } catch (const broken_barrier_error& e) {
        log.push_back({std::move(who), std::string("broken: ") + e.what()});
    } catch (const cancelled_error&) {
        log.push_back({std::move(who), "cancelled"});
        throw;
    }
}

TEST(Barrier, PartiesGetDistinctIndicesInArrivalOrder) {
    arrivals log;
    auto main_task = [&]() -> task<void> {
        corio::barrier b(3);
        EXPECT_EQ(b.parties(), 3U);
        auto a = corio::create_task(party(b, log, "a"));
        auto c = corio::create_task(party(b, log, "b"));
        co_await corio::yield_now();
        EXPECT_EQ(b.n_waiting(), 2U);
        co_await party(b, log, "c");   // the last arrival returns at once
        EXPECT_EQ(b.n_waiting(), 0U);  // draining
        co_await a;
        co_await c;
        EXPECT_FALSE(b.broken());
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (arrivals{{"c", "2"}, {"a", "0"}, {"b", "1"}}));
}

TEST(Barrier, IsReusedAcrossRounds) {
    // CPython: [(0,'c',2), (0,'a',0), (0,'b',1), (1,'a',2), (1,'b',0), (1,'c',1)].
    std::vector<std::string> log;
    auto main_task = [&]() -> task<void> {
        corio::barrier b(3);
        auto w = [&](std::string who) -> task<void> {
            for (int round = 0; round < 2; ++round) {
                const std::size_t index = co_await b.wait();
                log.push_back(std::to_string(round) + who + std::to_string(index));
            }
        };
        co_await corio::gather(w("a"), w("b"), w("c"));
        EXPECT_EQ(b.n_waiting(), 0U);
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (std::vector<std::string>{"0c2", "0a0", "0b1", "1a2", "1b0", "1c1"}));
}

TEST(Barrier, AnArrivalWhileDrainingWaitsForTheNextRound) {
    // CPython: [('B',1), ('A',0), ('D',1), ('C',0)], C counted once the round has drained.
    arrivals log;
    auto main_task = [&]() -> task<void> {
        corio::barrier b(2);
        auto a = corio::create_task(party(b, log, "A"));
        co_await corio::yield_now();
        auto bb = corio::create_task(party(b, log, "B"));
        auto c = corio::create_task(party(b, log, "C"));
        co_await corio::yield_now();  // B trips the barrier; C arrives while it drains
        EXPECT_EQ(b.n_waiting(), 0U);
        for (int i = 0; i < 3; ++i) co_await corio::yield_now();
        EXPECT_EQ(b.n_waiting(), 1U);  // A left: C now waits for this round
        co_await corio::gather(party(b, log, "D"), std::move(c));
        co_await a;
        co_await bb;
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (arrivals{{"B", "1"}, {"A", "0"}, {"D", "1"}, {"C", "0"}}));
}

TEST(Barrier, AbortBreaksWaitersAndLaterArrivalsUntilReset) {
    arrivals log;
    auto main_task = [&]() -> task<void> {
        corio::barrier b(3);
        auto a = corio::create_task(party(b, log, "A"));
        auto bb = corio::create_task(party(b, log, "B"));
        co_await corio::yield_now();
        b.abort();
        EXPECT_TRUE(b.broken());
        EXPECT_EQ(b.n_waiting(), 0U);
        co_await a;
        co_await bb;
        co_await party(b, log, "C");
        EXPECT_TRUE(b.broken());
        b.reset();
        EXPECT_FALSE(b.broken());
        co_await corio::gather(party(b, log, "D"), party(b, log, "E"), party(b, log, "F"));
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (arrivals{{"A", "broken: Abort or reset of barrier"},
                             {"B", "broken: Abort or reset of barrier"},
                             {"C", "broken: Barrier aborted"},
                             {"F", "2"},
                             {"D", "0"},
                             {"E", "1"}}));
}

TEST(Barrier, ResetWhileWaitingBreaksTheWaitersThenFillsAgain) {
    arrivals log;
    auto main_task = [&]() -> task<void> {
        corio::barrier b(3);
        auto a = corio::create_task(party(b, log, "A"));
        auto bb = corio::create_task(party(b, log, "B"));
        co_await corio::yield_now();
        b.reset();  // resetting until A and B have left
        EXPECT_EQ(b.n_waiting(), 0U);
        EXPECT_FALSE(b.broken());
        auto early = corio::create_task(party(b, log, "C"));  // waits for the reset to end
        co_await a;
        co_await bb;
        co_await corio::yield_now();
        EXPECT_EQ(b.n_waiting(), 1U);  // filling again, with C
        co_await corio::gather(party(b, log, "D"), party(b, log, "E"));
        co_await early;
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (arrivals{{"A", "broken: Abort or reset of barrier"},
                             {"B", "broken: Abort or reset of barrier"},
                             {"E", "2"},
                             {"C", "0"},
                             {"D", "1"}}));
}

TEST(Barrier, AWaiterCancelledWhileFillingNoLongerCounts) {
    // CPython decrements the count, so the next arrival reuses the index: it prints
    // [('A','cancelled'), ('D',2), ('B',1), ('C',1)].
    arrivals log;
    auto main_task = [&]() -> task<void> {
        corio::barrier b(3);
        auto a = corio::create_task(party(b, log, "A"));
        auto bb = corio::create_task(party(b, log, "B"));
        co_await corio::yield_now();
        EXPECT_EQ(b.n_waiting(), 2U);
        a.cancel();
        co_await corio::yield_now();
        EXPECT_EQ(b.n_waiting(), 1U);
        EXPECT_THROW(co_await a, cancelled_error);
        co_await corio::gather(std::move(bb), party(b, log, "C"), party(b, log, "D"));
        EXPECT_EQ(b.n_waiting(), 0U);
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (arrivals{{"A", "cancelled"}, {"D", "2"}, {"B", "1"}, {"C", "1"}}));
}

TEST(Barrier, AWaiterCancelledAfterTheBarrierTrippedLeavesItFilling) {
    // CPython: [('B',1), ('A','cancelled')], then filling with a count of 0.
    arrivals log;
    auto main_task = [&]() -> task<void> {
        corio::barrier b(2);
        auto a = corio::create_task(party(b, log, "A"));
        co_await corio::yield_now();
        co_await party(b, log, "B");  // trips: A is woken but has not run
        a.cancel();
        EXPECT_THROW(co_await a, cancelled_error);
        EXPECT_EQ(b.n_waiting(), 0U);
        co_await corio::gather(party(b, log, "C"), party(b, log, "D"));  // usable again
    };
    corio::testing::run_virtual(main_task());
    EXPECT_EQ(log, (arrivals{{"B", "1"}, {"A", "cancelled"}, {"D", "1"}, {"C", "0"}}));
}

TEST(Barrier, NeedsAtLeastOneParty) {
    EXPECT_THROW(corio::barrier(0), std::invalid_argument);
    auto main_task = []() -> task<void> {
        corio::barrier alone(1);
        EXPECT_EQ(co_await alone.wait(), 0U);
        EXPECT_EQ(co_await alone.wait(), 0U);
    };
    corio::testing::run_virtual(main_task());
}

}  // namespace
