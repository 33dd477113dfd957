// corio::detail::timer_queue (the loop's hierarchical timing wheel), tested directly against a
// std::multimap oracle, plus its use by a virtual-time loop.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <new>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/core/detail/timer_queue.hpp>

#include "test_support.hpp"

// Counts allocations, to show that queueing timers allocates nothing (this binary only).
#include "count_allocations.hpp"

namespace {

using namespace std::chrono_literals;
using corio::duration;
using corio::time_point;
using corio::detail::timer_node;
using corio::detail::timer_queue;

constexpr time_point at(duration d) { return time_point(d); }

/// Pops everything due at `now`, in order.
std::vector<timer_node*> pop_all(timer_queue& q, time_point now) {
    std::vector<timer_node*> out;
    while (timer_node* n = q.pop_expired(now)) out.push_back(n);
    return out;
}

/// The queue and an oracle (std::multimap keeps equal keys in insertion order, as asyncio's
/// (when, sequence) order does), driven by the same operations.
struct checked_queue {
    timer_queue q;
    std::multimap<time_point, timer_node*> oracle;
    std::vector<timer_node> nodes;
    std::vector<std::multimap<time_point, timer_node*>::iterator> where;

    explicit checked_queue(std::size_t n) : nodes(n), where(n) {}

    std::size_t index(const timer_node* n) const {
        return static_cast<std::size_t>(n - nodes.data());
    }

    void insert(std::size_t i, time_point deadline) {
        nodes[i].deadline = deadline;
        q.insert(&nodes[i]);
        where[i] = oracle.emplace(deadline, &nodes[i]);
    }
    void remove(std::size_t i) {
        if (nodes[i].queued()) oracle.erase(where[i]);
        q.remove(&nodes[i]);
    }
    /// Pops what is due at `now`, checking each against the oracle; then checks next_deadline.
    void expire(time_point now, std::vector<std::size_t>* popped = nullptr) {
        while (timer_node* n = q.pop_expired(now)) {
            ASSERT_FALSE(oracle.empty());
            ASSERT_EQ(n, oracle.begin()->second) << "popped out of (deadline, insertion) order";
            ASSERT_LE(n->deadline, now) << "fired early";
            ASSERT_FALSE(n->queued());
            oracle.erase(oracle.begin());
            if (popped) popped->push_back(index(n));
        }
        ASSERT_TRUE(oracle.empty() || oracle.begin()->first > now) << "a due timer was kept";
        check_size();
    }
    /// Drains the queue as a virtual clock does (jump to next_deadline(), pop what is due): each
    /// timer must fire exactly at its deadline, after a bounded number of jumps finding nothing.
    void drain_like_virtual_clock(time_point now) {
        const time_point start = now;
        int empty_jumps = 0;
        while (!q.empty()) {
            const time_point next = q.next_deadline();
            ASSERT_LE(next, oracle.begin()->first);
            now = std::max(now, next);
            std::vector<std::size_t> popped;
            expire(now, &popped);
            for (std::size_t i : popped) {
                ASSERT_TRUE(nodes[i].deadline == now || nodes[i].deadline < start) << "fired late";
            }
            if (popped.empty()) {
                ASSERT_LT(++empty_jumps, 10) << "next_deadline() makes no progress";
            } else {
                empty_jumps = 0;
            }
        }
    }
    void check_size() {
        ASSERT_EQ(q.size(), oracle.size());
        ASSERT_EQ(q.empty(), oracle.empty());
        if (!q.empty()) {
            ASSERT_LE(q.next_deadline(), oracle.begin()->first);
        }
    }
};

TEST(TimerQueue, RandomOperationsMatchAMultimapOracle) {
    constexpr std::size_t pool = 2000;
    checked_queue c(pool);
    std::mt19937_64 rng(20240601);
    const auto uniform = [&rng](std::int64_t hi) {  // [0, hi] nanoseconds
        return duration(std::uniform_int_distribution<std::int64_t>(0, hi)(rng));
    };
    const auto percent = [&rng] { return std::uniform_int_distribution<int>(0, 99)(rng); };
    time_point now = at(5h + 123456789ns);
    std::vector<std::size_t> free_nodes(pool);
    for (std::size_t i = 0; i < pool; ++i) free_nodes[i] = i;

    for (int op = 0; op < 100'000 && !HasFailure(); ++op) {
        const int kind = percent();
        if (kind < 45 && !free_nodes.empty()) {
            const std::size_t pick = rng() % free_nodes.size();
            const std::size_t i = free_nodes[pick];
            free_nodes[pick] = free_nodes.back();
            free_nodes.pop_back();
            const int d = percent();
            time_point deadline;
            if (d < 10) {
                deadline = now - uniform(10'000'000'000);  // already due
            } else if (d < 15) {
                deadline = now;
            } else if (d < 55) {
                deadline = now + uniform(100'000'000);  // within 100 ms, sub-ms offsets
            } else if (d < 75) {
                deadline = now + uniform(60'000'000'000);
            } else if (d < 83) {
                deadline = now + uniform(30LL * 24 * 3600 * 1'000'000'000);  // up to 30 days
            } else if (d < 95 && !c.oracle.empty()) {
                // A tie with a pending timer, possibly inserted long ago at a coarser level.
                auto it = c.oracle.begin();
                std::advance(it, static_cast<std::ptrdiff_t>(
                                     rng() % std::min<std::size_t>(c.oracle.size(), 50)));
                deadline = it->first;
            } else {
                // Exactly on a millisecond boundary.
                deadline = std::chrono::floor<std::chrono::milliseconds>(now) +
                           std::chrono::milliseconds(rng() % 200);
            }
            c.insert(i, deadline);
            c.check_size();
        } else if (kind < 75) {
            const std::size_t i = rng() % pool;
            const bool was_queued = c.nodes[i].queued();
            c.remove(i);  // a node that is not queued: a no-op
            if (was_queued) free_nodes.push_back(i);
            c.check_size();
        } else {
            const int a = percent();
            if (a < 20 && !c.q.empty()) {
                now = std::max(now, c.q.next_deadline());  // as the virtual clock does
            } else if (a < 30) {
                // time stands still
            } else if (a < 60) {
                now += uniform(1'000'000);
            } else if (a < 85) {
                now += uniform(100'000'000);
            } else if (a < 99) {
                now += uniform(10'000'000'000);
            } else {
                now += uniform(10LL * 3600 * 1'000'000'000);  // hours
            }
            c.expire(now, &free_nodes);  // popped nodes can be used again
        }
    }
    c.expire(time_point::max());  // what event_loop::close does
    EXPECT_TRUE(c.q.empty());
}

TEST(TimerQueue, EqualDeadlinesFireInSchedulingOrder) {
    timer_queue q;
    std::vector<timer_node> n(6);
    const time_point d = at(10s + 500us);
    q.pop_expired(at(0s));
    n[0].deadline = d;  // 10 s away: a coarse level of the wheel
    q.insert(&n[0]);
    EXPECT_TRUE(pop_all(q, at(9990ms)).empty());  // n[0] cascades to a finer level
    for (std::size_t i = 1; i < n.size(); ++i) {
        n[i].deadline = d;  // inserted straight into the finest level, after n[0]
        q.insert(&n[i]);
    }
    const auto fired = pop_all(q, d);
    ASSERT_EQ(fired.size(), n.size());
    for (std::size_t i = 0; i < n.size(); ++i) EXPECT_EQ(fired[i], &n[i]);
}

TEST(TimerQueue, NeverFiresEarlyWithinAMillisecond) {
    timer_queue q;
    timer_node a, b, c;
    a.deadline = at(10ms + 300us);
    b.deadline = at(10ms + 100us);
    c.deadline = at(10ms + 700us);
    q.pop_expired(at(0ms));
    q.insert(&a);
    q.insert(&b);
    q.insert(&c);
    EXPECT_EQ(q.next_deadline(), b.deadline);  // the finest level: exact
    EXPECT_EQ(q.pop_expired(at(10ms)), nullptr);
    EXPECT_EQ(q.pop_expired(at(10ms + 99us)), nullptr);
    EXPECT_EQ(q.pop_expired(at(10ms + 100us)), &b);
    EXPECT_EQ(q.pop_expired(at(10ms + 100us)), nullptr);
    EXPECT_EQ(q.next_deadline(), a.deadline);
    EXPECT_EQ(q.pop_expired(at(10ms + 500us)), &a);
    EXPECT_EQ(q.pop_expired(at(10ms + 500us)), nullptr);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.pop_expired(at(11ms)), &c);
    EXPECT_TRUE(q.empty());
}

TEST(TimerQueue, FarFutureDeadlines) {
    timer_queue q;
    std::vector<timer_node> n(5);
    const time_point now = at(1h);
    q.pop_expired(now);
    n[0].deadline = time_point::max();
    n[1].deadline = now + 24h * 365 * 100;  // a century
    n[2].deadline = now + 24h * 3;
    n[3].deadline = now + 24h * 3;
    n[4].deadline = now + 1ms;
    for (auto& x : n) q.insert(&x);
    EXPECT_LE(q.next_deadline(), n[4].deadline);
    EXPECT_EQ(pop_all(q, now + 1ms), std::vector<timer_node*>{&n[4]});
    EXPECT_TRUE(pop_all(q, now + 24h * 3 - 1ns).empty());
    EXPECT_LE(q.next_deadline(), n[2].deadline);
    EXPECT_EQ(pop_all(q, now + 24h * 3), (std::vector<timer_node*>{&n[2], &n[3]}));
    EXPECT_TRUE(pop_all(q, time_point::max() - 1ns).size() == 1);
    EXPECT_EQ(pop_all(q, time_point::max()), std::vector<timer_node*>{&n[0]});
    EXPECT_TRUE(q.empty());
}

TEST(TimerQueue, PastDeadlinesAreDueAtOnceInOrder) {
    timer_queue q;
    std::vector<timer_node> n(4);
    const time_point now = at(2h);
    q.pop_expired(now);
    n[0].deadline = now - 1h;
    n[1].deadline = time_point::min();
    n[2].deadline = now;
    n[3].deadline = now - 1h;
    for (auto& x : n) q.insert(&x);
    EXPECT_EQ(q.next_deadline(), time_point::min());
    EXPECT_EQ(pop_all(q, now), (std::vector<timer_node*>{&n[1], &n[0], &n[3], &n[2]}));
}

TEST(TimerQueue, WorksWithTheSteadyClocksEpochAndNegativeTimes) {
    for (const time_point base : {corio::clock::now(), at(0ns), at(-3h - 7ns)}) {
        checked_queue c(3);
        c.q.pop_expired(base);
        c.insert(0, base + 1500us);
        c.insert(1, base + 2s);
        c.insert(2, base - 1us);
        c.expire(base);
        c.expire(base + 1ms);
        c.expire(base + 1500us);
        c.expire(base + 1h);
        EXPECT_TRUE(c.q.empty());
    }
}

TEST(TimerQueue, InsertsBeforeTheFirstPopAreFine) {
    // The loop may schedule timers before it first polls: the wheel's position is then far behind.
    checked_queue c(3);
    c.insert(0, at(1h));
    c.insert(1, at(5ms));
    c.insert(2, at(5ms));
    c.expire(at(0s));
    c.expire(at(5ms));
    c.expire(at(2h));
    EXPECT_TRUE(c.q.empty());
}

TEST(TimerQueue, NextDeadlineNeverLaterThanTheMinimumAndAlwaysMakesProgress) {
    // A virtual clock jumps to next_deadline() when nothing else can run: it must reach every
    // deadline exactly, in a bounded number of empty jumps.
    std::mt19937_64 rng(7);
    checked_queue c(3000);
    time_point now = at(0s);
    c.q.pop_expired(now);
    for (std::size_t i = 0; i < c.nodes.size(); ++i) {
        c.insert(i, now + duration(static_cast<std::int64_t>(rng() % (3'600'000'000'000ULL))));
    }
    c.drain_like_virtual_clock(now);
}

TEST(TimerQueue, NextDeadlineMakesProgressAfterTheEarliestSlotIsCancelled) {
    checked_queue c(41);
    const time_point now = at(0s);
    c.q.pop_expired(now);
    // More timers in one coarse slot than next_deadline reads: it answers the slot's start.
    for (std::size_t i = 0; i < 40; ++i) c.insert(i, now + 10s + i * 1us);
    c.insert(40, now + 1h);
    EXPECT_LE(c.q.next_deadline(), now + 10s);
    for (std::size_t i = 0; i < 40; ++i) c.remove(i);  // that slot is now empty
    c.drain_like_virtual_clock(now);
}

TEST(TimerQueue, RemovingTheHead) {
    checked_queue c(4);
    c.q.pop_expired(at(0s));
    c.insert(0, at(3ms + 1us));
    c.insert(1, at(3ms + 2us));
    c.insert(2, at(50s));
    c.insert(3, at(3ms + 3us));
    EXPECT_EQ(c.q.next_deadline(), at(3ms + 1us));
    c.remove(0);
    EXPECT_EQ(c.q.next_deadline(), at(3ms + 2us));
    c.remove(1);
    EXPECT_EQ(c.q.next_deadline(), at(3ms + 3us));
    c.expire(at(3ms));  // the slot moves to the due list; its head is removed there
    c.remove(3);
    c.check_size();
    EXPECT_LE(c.q.next_deadline(), at(50s));
    c.remove(2);
    EXPECT_TRUE(c.q.empty());
    c.remove(2);           // not queued: no-op
    c.insert(2, at(1ms));  // a removed node can be queued again
    c.expire(at(1s));
    EXPECT_TRUE(c.q.empty());
}

TEST(TimerQueue, NodesStaySmall) {
    // Nodes live in every sleeping task's frame: two links, a deadline, two function pointers
    // and one word of insertion order and position.
    EXPECT_LE(sizeof(timer_node), 6 * sizeof(void*));
}

TEST(TimerQueue, AMillionTimersInsertedThenCancelledAllocateNothing) {
    constexpr std::size_t n = 1'000'000;
    std::vector<timer_node> nodes(n);
    std::vector<std::size_t> order(n);
    std::mt19937_64 rng(42);
    const time_point now = corio::clock::now();
    for (std::size_t i = 0; i < n; ++i) {
        nodes[i].deadline = now + duration(static_cast<std::int64_t>(rng() % 600'000'000'000ULL));
        order[i] = i;
    }
    std::shuffle(order.begin(), order.end(), rng);
    {
        timer_queue q;
        const std::size_t allocations_before = corio_test::allocations;
        q.pop_expired(now);
        for (auto& node : nodes) q.insert(&node);
        EXPECT_EQ(q.size(), n);
        for (std::size_t i : order) q.remove(&nodes[i]);
        EXPECT_EQ(corio_test::allocations, allocations_before);
        EXPECT_TRUE(q.empty());
        EXPECT_EQ(q.pop_expired(time_point::max()), nullptr);
        for (const auto& node : nodes) EXPECT_FALSE(node.queued());
    }
}

TEST(TimerQueue, VirtualLoopFiresEachTimerExactlyAtItsDeadlineInOrder) {
    corio::event_loop loop(corio_test::virtual_time());
    std::mt19937_64 rng(99);
    std::vector<int> fired;
    std::vector<std::pair<time_point, int>> expected;
    const time_point t0 = loop.time();
    for (int i = 0; i < 500; ++i) {
        const duration delay((rng() % 4 == 0)
                                 ? 1'000'000'000 * static_cast<std::int64_t>(rng() % 5000)
                                 : static_cast<std::int64_t>(rng() % 200'000'000));
        expected.emplace_back(t0 + delay, i);
        loop.call_later(delay, [&loop, &fired, i, when = t0 + delay] {
            EXPECT_EQ(loop.time(), when);  // the clock jumped exactly there, not before or after
            fired.push_back(i);
        });
    }
    loop.call_later(24h, [&loop] { loop.stop(); });
    loop.run_forever();
    std::stable_sort(expected.begin(), expected.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    ASSERT_EQ(fired.size(), expected.size());
    for (std::size_t i = 0; i < fired.size(); ++i) EXPECT_EQ(fired[i], expected[i].second);
}

}  // namespace
