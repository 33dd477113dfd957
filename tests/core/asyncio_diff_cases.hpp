#pragma once
// Hand-written scenarios of the asyncio differential test: behaviours worth pinning by name, and
// minimal reproductions of the places where corio differs from asyncio (issue 7). Each group is
// a function returning scenarios, run by the test of the same name in asyncio_diff_test.cpp.
#include <string>
#include <utility>
#include <vector>

#include "asyncio_diff_scenario.hpp"

namespace asyncio_diff::cases {

/// A scenario, and the trace to expect if the oracle's Python is too old to judge it.
struct hand_case {
    scenario sc;
    std::vector<std::string> fallback;
};

inline hand_case make(int id, std::vector<steps> tasks, std::vector<std::string> fallback = {}) {
    scenario sc;
    sc.id = id;
    sc.tasks = std::move(tasks);
    return {std::move(sc), std::move(fallback)};
}

constexpr auto cancel_ = catch_kind::cancel;
constexpr auto error_ = catch_kind::error;

/// `first`, then four yields each followed by a trace: shows which loop iteration things happen
/// in, relative to this task's.
inline steps busy(const std::string& tag, steps first = {}) {
    for (int i = 1; i <= 4; ++i) {
        first.push_back(sleep(0));
        first.push_back(rec(tag + std::to_string(i)));
    }
    return first;
}

/// Behaviours corio shares with asyncio.
inline std::vector<hand_case> agreed() {
    return {
        // Nested timeouts: the inner one expires and is caught; the outer one never fires.
        make(1, {{timeout(10, {try_catch({timeout(2, {sleep(5)})}, error_, {rec("inner")}, false),
                               sleep(4), rec("outer body done")}),
                  rec("after")}}),
        // A timeout never swallows a cancellation from outside.
        make(2, {{spawn(1), sleep(2), cancel(1)},
                 {try_catch({timeout(10, {sleep(20)})}, catch_kind::any, {}, true)}}),
        // A failing child cancels its sibling and the group's body.
        make(3, {{try_catch({group({gspawn(1), gspawn(2), sleep(10)})}, error_, {}, false),
                  rec("done")},
                 {sleep(2), raise("boom")},
                 {try_catch({sleep(10)}, cancel_, {rec("sibling cancelled")}, true)}}),
        // A task that catches its cancellation and uncancels goes on.
        make(4, {{spawn(1), sleep(2), cancel(1), sleep(2), await_task(1)},
                 {try_catch({sleep(4)}, cancel_, {uncancel(1)}, false), sleep(4), rec("goes on")}}),
        // Pushing a deadline back from inside the body.
        make(5, {{try_catch({timeout(2, {reschedule(6), sleep(4), rec("in time"), sleep(4)})},
                            error_, {}, false)}}),
        // A call_soon callback cancels a sleeping task, which finishes cancelled.
        make(6, {{spawn(1), later(std::nullopt, cancel(1)), sleep(2)},
                 {try_catch({sleep(10)}, cancel_, {rec("cancelled")}, true)}}),
        // A task cancelling itself sees the cancellation at its next suspension.
        make(7,
             {{try_catch({cancel(0), sleep(0), rec("not reached")}, cancel_, {uncancel(0)}, false),
               rec("after")}}),
        // Awaiting a task that failed, and one cancelled with a message (a single reader).
        make(8, {{spawn(1), spawn(2), sleep(0), cancel(2, "bye"),
                  try_catch({await_task(1)}, error_, {}, false),
                  try_catch({await_task(2)}, cancel_, {}, false)},
                 {sleep(2), raise("failed")},
                 {sleep(10)}}),
        // call_later callbacks run in deadline order between the tasks' timers.
        make(9, {{later(3, rec("cb3")), later(1, rec("cb1")), sleep(2), rec("t2"), sleep(2),
                  rec("t4")}}),
        // Cancelling a gather cancels a task passed twice twice: cancelling() is 2 (found by the
        // random test; corio used to cancel it once).
        make(10, {{spawn(1), gather({1, 1})}, {cancel(0)}}),
    };
}

/// Issue 7, item 2: a timer already due fires on the next iteration (it used to wait until the
/// loop next polled, up to 61 ready items later).
inline std::vector<hand_case> due_timers() {
    return {
        // timeout(0): asyncio cancels the body at its first suspension.
        make(201, {{try_catch({timeout(0, {sleep(0), rec("body ran")})}, error_, {}, false)}}),
        // call_later(0): asyncio runs the callback after one iteration.
        make(202, {{later(0, rec("cb")), sleep(0), rec("a"), sleep(0), rec("b")}}),
        // A scope rescheduled into the past: asyncio cancels the body at its next suspension.
        make(203, {{try_catch({timeout(10, {reschedule(-2), sleep(0), rec("body ran"), sleep(0),
                                            rec("body finished")})},
                              error_, {}, false)}}),
    };
}

/// Issue 7, item 3: gather and shield wake their awaiter two loop iterations after the child
/// completes, as asyncio's (the child's done callback, then the outer future's); corio used one.
inline std::vector<hand_case> combinator_wake_order() {
    return {
        make(301, {{spawn(1), spawn(2), gather({1}), rec("gathered")},
                   {sleep(2)},
                   busy("b", {sleep(2)})}),
        make(302, {{spawn(1), spawn(2), shield(1)}, {sleep(0)}, busy("b")}),
        // A group child failing in the iteration in which a gathered task fails: in asyncio the
        // group's cancellation of the body replaces the gather's error.
        make(303, {{spawn(2), try_catch({group({gspawn(1), gather({2})})}, error_, {}, false)},
                   {sleep(2), raise("child")},
                   {sleep(2), raise("gathered")}}),
    };
}

/// The same two-iteration wake-up in the other combinators: wait, as_completed, and wait_for with
/// a timeout <= 0 (asyncio's _cancel_and_wait).
inline std::vector<hand_case> more_combinator_wake_order() {
    return {
        make(311, {{spawn(1), spawn(2), wait({1}, "ALL_COMPLETED", std::nullopt)},
                   {sleep(0)},
                   busy("b")}),
        make(312, {{spawn(1), spawn(2), as_completed({1}, std::nullopt)}, {sleep(0)}, busy("b")}),
        make(313, {{spawn(1), spawn(2), sleep(0), try_catch({wait_for(1, 0)}, error_, {}, false)},
                   {sleep(10)},
                   busy("b")}),
        // The waiting task is cancelled (timeout(0)) in the iteration in which the child's
        // completion is reported to the combinator (a work-in-progress fix crashed here).
        make(314, {{spawn(1), sleep(0), timeout(0, {cancel(1), as_completed({1}, std::nullopt)})},
                   {sleep(10)}}),
        make(315, {{spawn(1), sleep(0), timeout(0, {cancel(1), wait({1}, "ALL_COMPLETED", 4)})},
                   {sleep(10)}}),
    };
}

/// Issue 7, item 5: which cancellation message wins, and uncancel() of a cancellation that has
/// not been delivered yet.
inline std::vector<hand_case> cancel_messages() {
    return {
        // A sleeping task cancelled twice: asyncio keeps the first message.
        make(501, {{spawn(1), sleep(0), cancel(1, "first"), cancel(1, "second")},
                   {try_catch({sleep(10)}, cancel_, {}, false)}}),
        // cancel() then uncancel() once the sleep's timer has fired but before the task ran: in
        // Python 3.13 the task wakes normally (older versions raise: hence the fallback trace).
        make(502, {{spawn(1), sleep(2), cancel(1), uncancel(1)}, {sleep(2), rec("woke normally")}},
             {"t=2 T0: cancel 1 -> True", "t=2 T0: uncancel 1 -> 0", "t=2 T1: woke normally",
              "t=10000 end: T0 ok v0 c=0", "t=10000 end: T1 ok v1 c=0"}),
        // A task whose awaited task ended cancelled ("inner") is cancelled ("outer") before it
        // resumes: asyncio raises the awaited task's cancellation.
        make(503, {{spawn(1), spawn(2), sleep(0), cancel(2, "inner"), sleep(0), cancel(1, "outer")},
                   {try_catch({await_task(2)}, cancel_, {}, false)},
                   {sleep(10)}}),
    };
}

/// A task asleep until t wakes one iteration after its timer's turn, after a call_later callback
/// due at t, as in asyncio (corio used to wake it in the timer's iteration, before the callback).
inline std::vector<hand_case> sleep_wake_order() {
    return {
        make(601, {{spawn(1), sleep(2), rec("slept")}, {later(2, rec("cb"))}}),
    };
}

}  // namespace asyncio_diff::cases
