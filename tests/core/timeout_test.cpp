// corio::timeout / timeout_at / timeout_scope: asyncio's Timeout, 3.12 semantics.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>

#include "combinator_support.hpp"

namespace {

using namespace std::chrono_literals;
using corio::cancelled_error;
using corio::task;
using corio::task_handle;
using corio::timeout_error;
using corio::timeout_scope;
using corio::timeout_state;
using corio_test::after;
using corio_test::now;
using corio_test::outcome_of;
using corio_test::settle;

corio::time_point at(corio::duration d) { return corio::time_point(d); }

TEST(Timeout, BodyFinishingInTimeGivesItsResult) {
    auto main_task = []() -> task<void> {
        EXPECT_EQ(co_await corio::timeout(20ms, after(10ms, 1)), 1);
        EXPECT_EQ(now(), 10ms);
        timeout_scope cm = corio::timeout(20ms);
        EXPECT_EQ(cm.state(), timeout_state::created);
        EXPECT_EQ(cm.when(), at(30ms));  // counted from the call
        EXPECT_EQ(co_await cm.run(after(5ms, 2)), 2);
        EXPECT_EQ(cm.state(), timeout_state::exited);
        EXPECT_FALSE(cm.expired());
        co_await corio::sleep(1h);  // the timer is gone: nothing cancels this sleep
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, ExpiryRaisesTimeoutErrorAtTheExactDeadline) {
    auto main_task = []() -> task<void> {
        timeout_scope cm = corio::timeout(1500us);
        EXPECT_THROW(co_await cm.run(after(1h, 0)), timeout_error);
        EXPECT_EQ(now(), 1500us);
        EXPECT_TRUE(cm.expired());
        EXPECT_EQ(cm.state(), timeout_state::expired);
        EXPECT_EQ(corio::current_task().cancelling(), 0);  // its request was withdrawn
        co_await corio::sleep(1ms);                        // and nothing is left pending
        EXPECT_THROW(co_await corio::timeout_at(at(2s), after(1h, 0)), timeout_error);
        EXPECT_EQ(now(), 2s);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, TheBodyIsCancelledAndCleansUpBeforeTimeoutErrorIsRaised) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        try {
            co_await corio::timeout(10ms, corio_test::probe(&log, "body", 1h, 5ms));
        } catch (const timeout_error&) {
            log.push_back("timeout_error");
        }
        EXPECT_EQ(now(), 15ms);
        const std::vector<std::string> expected{"body start", "body cancelled", "body cleaned",
                                                "timeout_error"};
        EXPECT_EQ(log, expected);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, BodyAsAFunctionOfTheScopeCanReschedule) {
    auto main_task = []() -> task<void> {
        int steps = 0;
        int r = co_await corio::timeout(10ms, [&steps](timeout_scope& cm) -> task<int> {
            EXPECT_EQ(cm.state(), timeout_state::entered);
            co_await corio::sleep(8ms);
            ++steps;
            cm.reschedule(*cm.when() + 10ms);  // now 20ms
            co_await corio::sleep(8ms);
            ++steps;
            cm.reschedule(std::nullopt);  // no deadline at all
            co_await corio::sleep(1h);
            co_return ++steps;
        });
        EXPECT_EQ(r, 3);
        bool ran = false;
        co_await corio::timeout(1ms, [&ran]() -> task<void> {  // a body taking no scope
            ran = true;
            co_return;
        });
        EXPECT_TRUE(ran);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, RescheduleEarlierOrIntoThePast) {
    auto main_task = []() -> task<void> {
        timeout_scope cm = corio::timeout(1h);
        auto body = [&cm]() -> task<void> {
            co_await corio::sleep(5ms);
            cm.reschedule(at(1ms));  // in the past: expires on the next timer pass
            co_await corio::sleep(1h);
        };
        EXPECT_THROW(co_await cm.run(body), timeout_error);
        EXPECT_EQ(now(), 5ms);
        EXPECT_TRUE(cm.expired());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, NoDeadlineNeverExpires) {
    auto main_task = []() -> task<void> {
        EXPECT_EQ(co_await corio::timeout(std::nullopt, after(1h, 4)), 4);
        timeout_scope cm = corio::timeout_at(std::nullopt);
        EXPECT_FALSE(cm.when().has_value());
        EXPECT_EQ(co_await cm.run(after(1h, 5)), 5);
        EXPECT_FALSE(cm.expired());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, ZeroAndNegativeDelaysExpireAtTheFirstSuspension) {
    auto main_task = []() -> task<void> {
        // A body that never suspends finishes before the timer can fire (asyncio too).
        auto instant = []() -> task<int> { co_return 6; };
        EXPECT_EQ(co_await corio::timeout(0s, instant()), 6);
        std::vector<std::string> log;
        for (corio::duration d : {corio::duration(0s), corio::duration(-1s)}) {
            log.clear();
            EXPECT_THROW(co_await corio::timeout(d, corio_test::probe(&log, "b", 1ms)),
                         timeout_error);
            const std::vector<std::string> expected{"b start", "b cancelled", "b cleaned"};
            EXPECT_EQ(log, expected);
        }
        EXPECT_EQ(now(), 0s);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, ABodySwallowingTheCancellationReturnsNormally) {
    auto main_task = []() -> task<void> {
        timeout_scope cm = corio::timeout(5ms);
        auto body = []() -> task<int> {
            try {
                co_await corio::sleep(1h);
            } catch (const cancelled_error&) {
            }
            co_return 9;
        };
        EXPECT_EQ(co_await cm.run(body), 9);
        EXPECT_TRUE(cm.expired());
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, OtherExceptionsPassUnchanged) {
    auto main_task = []() -> task<void> {
        EXPECT_THROW(co_await corio::timeout(1h, corio_test::fail_after(1ms, "x")),
                     std::runtime_error);
        // Raised while cleaning up after the expiry: still that exception, not timeout_error.
        auto body = []() -> task<void> {
            try {
                co_await corio::sleep(1h);
            } catch (const cancelled_error&) {
                throw std::logic_error("cleanup failed");
            }
        };
        EXPECT_THROW(co_await corio::timeout(1ms, body), std::logic_error);
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, MisuseIsInvalidState) {
    auto main_task = []() -> task<void> {
        timeout_scope cm = corio::timeout(1h);
        EXPECT_THROW(cm.reschedule(at(1s)), corio::invalid_state_error);  // not entered
        co_await cm.run(after(1ms, 0));
        EXPECT_THROW(co_await cm.run(after(1ms, 0)), corio::invalid_state_error);  // entered twice
        try {
            cm.reschedule(at(1s));
        } catch (const corio::invalid_state_error& e) {
            EXPECT_STREQ(e.what(), "Cannot change state of finished Timeout");
        }
        timeout_scope expired = corio::timeout(1ms);
        auto body = [&expired]() -> task<void> {
            try {
                co_await corio::sleep(1h);
            } catch (const cancelled_error&) {
            }
            EXPECT_THROW(expired.reschedule(at(1h)), corio::invalid_state_error);  // expiring
        };
        co_await expired.run(body);
    };
    corio::testing::run_virtual(main_task());
    EXPECT_THROW((void)corio::timeout(1s), std::runtime_error);  // no running loop
}

// ---- outer cancellations are never swallowed --------------------------------------------------

task<std::string> guarded_sleep(timeout_scope* cm) {
    try {
        co_await cm->run(after(1h, 0));
        co_return "finished";
    } catch (const timeout_error&) {
        co_return "timeout_error";
    }
}

TEST(Timeout, AnOuterCancelDuringTheBodyPropagates) {
    auto main_task = []() -> task<void> {
        timeout_scope cm = corio::timeout(1h);
        auto t = corio::create_task(guarded_sleep(&cm));
        co_await corio::sleep(5ms);
        t.cancel();
        EXPECT_EQ(co_await outcome_of(t), "cancelled");
        EXPECT_EQ(cm.state(), timeout_state::exited);
        EXPECT_FALSE(cm.expired());
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, AnOuterCancelArrivingWithTheExpiryPropagates) {
    // At the deadline the scope's timer fires first (in the loop's timer phase), then a callback
    // due at the same time cancels the task before it resumes: two requests, one of them not the
    // scope's, so cancelled_error must come out.
    auto main_task = []() -> task<void> {
        auto& loop = corio::get_running_loop();
        timeout_scope cm = corio::timeout_at(at(10ms));
        task_handle<std::string> t;
        loop.call_at(at(10ms), [&t] { t.cancel("outer"); });
        t = corio::create_task(guarded_sleep(&cm));
        EXPECT_EQ(co_await outcome_of(t), "cancelled");
        EXPECT_EQ(now(), 10ms);
        EXPECT_TRUE(cm.expired());
        EXPECT_EQ(t.cancelling(), 1);  // the outer request is still counted
    };
    corio::testing::run_virtual(main_task());
}

/// Awaits `inner`, noting in `*saw` whether it raised `timeout_error` or `cancelled_error` (which
/// then goes on up unchanged).
template <class R>
task<void> noting_exit(task<R> inner, std::string* saw) {
    try {
        co_await std::move(inner);
    } catch (const timeout_error&) {
        *saw = "timeout_error";
        throw;
    } catch (const cancelled_error&) {
        *saw = "cancelled_error";
        throw;
    }
}

/// Runs two nested scopes; returns what the inner one raised and what the outer one raised.
task<std::string> nested(corio::time_point outer_at, corio::time_point inner_at) {
    std::string inner_saw = "nothing";
    auto outer_body = [&inner_saw, inner_at]() -> task<void> {
        return noting_exit(corio::timeout_at(inner_at, after(1h, 0)), &inner_saw);
    };
    std::string outer_saw = "nothing";
    try {
        co_await corio::timeout_at(outer_at, outer_body);
    } catch (const timeout_error&) {
        outer_saw = "timeout_error";
    }
    co_return inner_saw + "/" + outer_saw;
}

TEST(Timeout, NestedScopesEachClaimOnlyTheirOwnExpiry) {
    auto main_task = []() -> task<void> {
        // Inner first: the inner raises timeout_error, which passes the outer unchanged.
        EXPECT_EQ(co_await nested(at(20ms), at(10ms)), "timeout_error/timeout_error");
        EXPECT_EQ(now(), 10ms);
        // Outer first: the inner must let the cancellation through; the outer converts it.
        EXPECT_EQ(co_await nested(at(20ms), at(30ms)), "cancelled_error/timeout_error");
        EXPECT_EQ(now(), 20ms);
        // Both at once: two requests; the inner withdraws one and sees one left, so it must not
        // claim the cancellation; the outer withdraws the last and converts it.
        EXPECT_EQ(co_await nested(at(40ms), at(40ms)), "cancelled_error/timeout_error");
        EXPECT_EQ(now(), 40ms);
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, NestedScopesExpiringTogetherInEitherTimerOrder) {
    // The outer scope's timer is moved behind the inner one's: the inner fires first this time.
    // Same outcome: neither scope may claim a cancellation it did not make alone.
    auto main_task = []() -> task<void> {
        timeout_scope outer = corio::timeout_at(at(10ms));
        timeout_scope inner = corio::timeout_at(at(10ms));
        std::string inner_saw = "nothing";
        auto inner_body = [&outer]() -> task<void> {
            outer.reschedule(at(10ms));  // re-queued after the inner scope's timer
            co_await corio::sleep(1h);
        };
        auto outer_body = [&inner, &inner_saw, inner_body]() -> task<void> {
            return noting_exit(inner.run(inner_body), &inner_saw);
        };
        EXPECT_THROW(co_await outer.run(outer_body), timeout_error);
        EXPECT_EQ(inner_saw, "cancelled_error");
        EXPECT_TRUE(inner.expired() && outer.expired());
        EXPECT_EQ(now(), 10ms);
        EXPECT_EQ(corio::current_task().cancelling(), 0);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, NestedScopesExpiringTogetherWithAnOuterCancelPropagateTheCancel) {
    auto main_task = []() -> task<void> {
        auto t = corio::create_task(nested(at(10ms), at(10ms)));
        corio::get_running_loop().call_at(at(10ms), [t]() { t.cancel(); });
        EXPECT_EQ(co_await outcome_of(t), "cancelled");
        EXPECT_EQ(now(), 10ms);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, ACancellationPendingAtEntryIsNotTakenForOurs) {
    // 3.12's `uncancel() <= cancelling-at-entry`: a task already counted as cancelling (it caught
    // a cancellation without uncancelling) still gets timeout_error from its own expired scope.
    auto main_task = []() -> task<void> {
        corio::current_task().cancel();
        try {
            co_await corio::yield_now();
        } catch (const cancelled_error&) {
        }
        EXPECT_EQ(corio::current_task().cancelling(), 1);
        EXPECT_THROW(co_await corio::timeout(5ms, after(1h, 0)), timeout_error);
        EXPECT_EQ(corio::current_task().cancelling(), 1);
        corio::current_task().uncancel();
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, ExpiryCancelsWhatTheBodyAwaits) {
    auto main_task = []() -> task<void> {
        std::vector<std::string> log;
        auto child = corio::create_task(corio_test::probe(&log, "child", 1h, 2ms));
        EXPECT_THROW(co_await corio::timeout(5ms, child), timeout_error);
        EXPECT_EQ(now(), 7ms);  // waited for the child's cleanup
        EXPECT_TRUE(child.cancelled());
        // Children of a gather in the body are cancelled too.
        auto g =
            corio::gather(corio_test::probe(&log, "g1", 1h), corio_test::probe(&log, "g2", 1h));
        EXPECT_THROW(co_await corio::timeout(5ms, std::move(g)), timeout_error);
        co_await corio::yield_now();
        EXPECT_EQ(corio::all_tasks().size(), 1U);
    };
    corio::testing::run_virtual(main_task());
}

TEST(Timeout, ALoopClosedUnderAnOpenScopeLeavesNoTimerBehind) {
    corio::testing::exception_log log;
    {
        corio::event_loop loop(corio::testing::virtual_time());
        log.install(loop);
        auto main_task = []() -> task<void> {
            corio::create_task(corio::timeout(1h, corio_test::sleep_forever()));
            co_await corio::sleep(1ms);
        };
        loop.run_until_complete(main_task());
        loop.close();  // tears the pending task down without cancelling it
    }
    EXPECT_EQ(log.count("Task was destroyed but it is pending!"), 1U);
}

}  // namespace
