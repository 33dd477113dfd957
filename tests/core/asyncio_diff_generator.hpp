#pragma once
// Random scenarios for the asyncio differential test, from a fixed seed.
//
// Every random draw is a statement of its own: no two in one function call's arguments, whose
// order of evaluation differs between compilers, so a seed gives the same scenarios everywhere.
//
// Rules that keep every scenario meaningful on both sides:
// - task j > 0 is created by exactly one lower-numbered task (a spawn step, or a gspawn at the
//   top of one of its group bodies, children in ascending order: the oracle's sets iterate in
//   task-number order, corio's group in creation order);
// - a task waits only for higher-numbered tasks (no cycle: every task ends before the horizon,
//   and no cancel() can recurse through a cycle of awaiting tasks);
// - a task cancels only higher-numbered tasks or itself, and a self-cancel is followed by a
//   sleep: a cancellation requested while a task runs is raised by corio at its next co_await of
//   anything but a child, by asyncio only when it next suspends (docs/design.md);
// - task timers (sleeps, timeouts) last an even number of ms and call_later callbacks an odd one,
//   and those callbacks only trace, so that tasks only ever run at even times and no callback is
//   due with a task's timer, unless `features::callbacks_with_sleeps`.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "asyncio_diff_scenario.hpp"

namespace asyncio_diff {

/// Which shapes a run may generate. Each flag guards shapes on which corio differed from asyncio
/// before issue 7 was fixed, or differs on purpose (`shared_messages`), so that a run can leave
/// them out while a difference is investigated.
struct features {
    /// gather, shield, wait, as_completed, wait_for(..., 0): the awaiter wakes two loop iterations
    /// after a child completes (issue 7, item 3).
    bool combinators = false;
    /// Timers due at once (call_later(0), timeout(0), a reschedule into the past, timeouts of 0
    /// for wait and as_completed): they fire on the next iteration (issue 7, item 2).
    bool zero_timers = false;
    /// wait_for with a positive timeout: 3.12's semantics, which corio follows.
    bool wait_for_timeout = false;
    /// Cancellation messages (issue 7, item 5: which message wins).
    bool messages = false;
    /// Messages also where CPython gives them to the first reader of a cancelled task only: a task
    /// read twice, or through shield or gather(return_exceptions). corio gives every reader the
    /// message, on purpose (docs/design.md).
    bool shared_messages = false;
    /// call_later callbacks due at any time, also cancelling tasks: a sleeping task wakes one
    /// iteration after its timer's turn, as in asyncio.
    bool callbacks_with_sleeps = false;
};

class scenario_maker {
public:
    scenario_maker(std::uint32_t seed, features f) : rng_(seed), f_(f) {}

    scenario make(int id) {
        n_ = num(2, 5);
        labels_ = 0;
        parent_.assign(static_cast<std::size_t>(n_), -1);
        for (int j = 1; j < n_; ++j) parent_[std::size_t(j)] = num(0, j - 1);
        spawned_.assign(static_cast<std::size_t>(n_), false);
        scenario sc;
        sc.id = id;
        for (int me = 0; me < n_; ++me) {
            steps ss = make_steps(me, 0, num(1, 5), false);
            // Children not started in a group body are spawned early at the top level.
            for (int j = n_ - 1; j > me; --j) {
                if (parent_[std::size_t(j)] != me || spawned_[std::size_t(j)]) continue;
                const int at = num(0, std::min<int>(1, static_cast<int>(ss.size())));
                ss.insert(ss.begin() + at, spawn(j));
            }
            sc.tasks.push_back(std::move(ss));
        }
        if (f_.messages && !f_.shared_messages && shares_messages(sc)) {
            for (steps& ss : sc.tasks) strip_messages(ss);
        }
        return sc;
    }

private:
    int num(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool chance(int percent) { return num(0, 99) < percent; }
    template <class T>
    const T& pick(const std::vector<T>& items) {
        return items[static_cast<std::size_t>(num(0, static_cast<int>(items.size()) - 1))];
    }

    std::string label() { return "r" + std::to_string(++labels_); }
    std::string message() {
        return !f_.messages || chance(50) ? std::string() : "m" + std::to_string(num(1, 9));
    }
    int sleep_ms() { return chance(30) ? 0 : task_timer_ms(); }
    /// Sleeps and timeouts: an even number of ms, so that they never fall due with a callback.
    int task_timer_ms() { return f_.callbacks_with_sleeps ? num(1, 8) : 2 * num(1, 5); }
    std::optional<int> timeout_ms() {
        if (chance(10)) return std::nullopt;
        if (f_.zero_timers && chance(15)) return 0;
        return task_timer_ms();
    }
    /// A task this one may wait for or cancel: a higher-numbered one, most often one of its own
    /// children (which it spawns early); -1 if there is none.
    int target(int me) {
        if (me + 1 >= n_) return -1;
        std::vector<int> own;
        for (int j = me + 1; j < n_; ++j) {
            if (parent_[std::size_t(j)] == me) own.push_back(j);
        }
        return !own.empty() && chance(75) ? pick(own) : num(me + 1, n_ - 1);
    }
    std::vector<int> targets(int me, bool duplicates) {
        std::vector<int> ks;
        for (int i = num(1, 3); i > 0; --i) ks.push_back(target(me));
        std::sort(ks.begin(), ks.end());
        if (!duplicates) ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
        return ks;
    }

    /// `in_scope`: inside a timeout's body, where a reschedule step is allowed.
    steps make_steps(int me, int depth, int count, bool in_scope) {
        steps out;
        for (int i = 0; i < count; ++i) add_step(out, me, depth, in_scope);
        return out;
    }

    /// A group body: random steps, with some of `me`'s children started at its top level.
    steps group_body(int me, int depth, bool in_scope) {
        steps body = make_steps(me, depth + 1, num(1, 3), in_scope);
        std::vector<int> children;
        for (int j = me + 1; j < n_; ++j) {
            if (parent_[std::size_t(j)] == me && !spawned_[std::size_t(j)] && chance(50)) {
                children.push_back(j);
                spawned_[std::size_t(j)] = true;
            }
        }
        // Inserted at random places, then numbered in place order: ascending creation order.
        for (std::size_t i = 0; i < children.size(); ++i) {
            const auto where = static_cast<std::ptrdiff_t>(num(0, static_cast<int>(body.size())));
            body.insert(body.begin() + where, gspawn(0));
        }
        std::size_t next = 0;
        for (step& s : body) {
            if (s.kind == op::gspawn) s.n = children[next++];
        }
        return body;
    }

    void add_step(steps& out, int me, int depth, bool in_scope) {
        const bool nest = depth < 2;
        const int t = target(me);
        const int roll = num(0, 99);
        if (roll < 22) {
            out.push_back(sleep(sleep_ms()));
        } else if (roll < 33) {
            out.push_back(rec(label()));
        } else if (roll < 41) {
            if (t < 0 || chance(20)) {  // cancel itself: then suspend (see the file comment)
                out.push_back(cancel(me, message()));
                out.push_back(sleep(sleep_ms()));
            } else {
                out.push_back(cancel(t, message()));
            }
        } else if (roll < 44) {
            out.push_back(uncancel(t < 0 || chance(60) ? me : t));
        } else if (roll < 53 && t >= 0) {
            out.push_back(await_task(t));
        } else if (roll < 57 && (depth > 0 || chance(30))) {
            out.push_back(raise(label()));
        } else if (roll < 66 && nest) {
            const catch_kind what = pick(std::vector<catch_kind>{
                catch_kind::cancel, catch_kind::cancel, catch_kind::error, catch_kind::any});
            steps handler;
            for (int i = num(0, 2); i > 0; --i) {
                const int r = num(0, 2);
                handler.push_back(r == 0   ? rec(label())
                                  : r == 1 ? sleep(sleep_ms())
                                           : uncancel(me));
            }
            steps body = make_steps(me, depth + 1, num(1, 3), in_scope);
            const bool reraise = chance(40);
            out.push_back(try_catch(std::move(body), what, std::move(handler), reraise));
        } else if (roll < 73 && nest) {
            const std::optional<int> limit = timeout_ms();
            out.push_back(timeout(limit, make_steps(me, depth + 1, num(1, 3), true)));
        } else if (roll < 78 && nest) {
            out.push_back(group(group_body(me, depth, in_scope)));
        } else if (roll < 84) {
            add_callback(out);
        } else if (roll < 87 && in_scope) {
            std::optional<int> delta = task_timer_ms();
            if (chance(15)) delta = std::nullopt;
            if (f_.zero_timers && chance(25)) delta = -2 * num(0, 1);  // now, or in the past
            out.push_back(reschedule(delta));
        } else if (roll < 91 && (f_.combinators || f_.wait_for_timeout)) {
            std::optional<int> limit;
            if (f_.wait_for_timeout && chance(60)) limit = task_timer_ms();
            if (f_.combinators && chance(25)) limit = 0;  // asyncio's _cancel_and_wait
            if (nest && (t < 0 || chance(40))) {
                out.push_back(wait_for(make_steps(me, depth + 1, num(1, 3), in_scope), limit));
            } else if (t >= 0) {
                out.push_back(wait_for(t, limit));
            }
        } else if (f_.combinators && t >= 0) {
            add_combinator(out, me);
        } else {
            out.push_back(sleep(sleep_ms()));
        }
    }

    void add_callback(steps& out) {
        std::optional<int> delay;
        if (!chance(30)) {
            // An odd number of ms: never due with a sleep or a timeout (see task_timer_ms).
            delay = f_.callbacks_with_sleeps ? num(1, 8) : 2 * num(0, 3) + 1;
            if (f_.zero_timers && chance(20)) delay = 0;
        }
        // A callback that cancels would wake the task at an odd time: only from call_soon.
        const bool may_cancel = !delay || f_.callbacks_with_sleeps;
        if (may_cancel && chance(35)) {
            const int k = num(0, n_ - 1);
            out.push_back(later(delay, cancel(k, message())));
        } else {
            out.push_back(later(delay, rec(label())));
        }
    }

    void add_combinator(steps& out, int me) {
        const int r = num(0, 14);
        if (r < 5) {
            std::vector<int> ks = targets(me, chance(10));
            out.push_back(gather(std::move(ks), chance(50)));
        } else if (r < 8) {
            out.push_back(shield(target(me)));
        } else if (r < 12) {
            const std::optional<int> limit =
                chance(50) ? std::nullopt : std::optional<int>(timeout_ms().value_or(4));
            std::vector<int> ks = targets(me, false);
            std::string when = pick(
                std::vector<std::string>{"FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"});
            out.push_back(wait(std::move(ks), std::move(when), limit));
        } else {
            const std::optional<int> limit =
                chance(60) ? std::nullopt : std::optional<int>(timeout_ms().value_or(4));
            out.push_back(as_completed(targets(me, false), limit));
        }
    }

    /// True if some task's cancellation could be read twice, or through shield or
    /// gather(return_exceptions): where CPython keeps the message for the first reader only.
    static bool shares_messages(const scenario& sc) {
        std::vector<int> readers(sc.tasks.size(), 0);
        bool lossy = false;
        for (const steps& ss : sc.tasks) count_readers(ss, readers, lossy);
        return lossy || std::any_of(readers.begin(), readers.end(), [](int n) { return n > 1; });
    }
    static void count_readers(const steps& ss, std::vector<int>& readers, bool& lossy) {
        for (const step& s : ss) {
            std::vector<int> ks = s.tasks;
            std::sort(ks.begin(), ks.end());
            ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
            if (s.kind == op::await_task || (s.kind == op::wait_for && !s.inline_body)) {
                ++readers[std::size_t(s.n)];
            } else if (s.kind == op::gather || s.kind == op::as_completed) {
                for (int k : ks) ++readers[std::size_t(k)];
                lossy = lossy || (s.kind == op::gather && s.flag);
            } else if (s.kind == op::shield) {
                lossy = true;
            }
            count_readers(s.body, readers, lossy);
            count_readers(s.handler, readers, lossy);
        }
    }
    static void strip_messages(steps& ss) {
        for (step& s : ss) {
            if (s.kind == op::cancel) s.text.clear();
            strip_messages(s.body);
            strip_messages(s.handler);
        }
    }

    std::mt19937 rng_;
    features f_;
    int n_ = 0;
    int labels_ = 0;
    std::vector<int> parent_;
    std::vector<bool> spawned_;
};

}  // namespace asyncio_diff
