#pragma once
// Runs a scenario of the asyncio differential test on corio's virtual clock, tracing exactly
// what asyncio_oracle.py traces for the same scenario (its docstring defines the language and
// the trace). Each construct is the corio spelling of the oracle's Python, side by side.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <corio/core.hpp>
#include <corio/testing.hpp>

#include "asyncio_diff_scenario.hpp"

namespace asyncio_diff {

/// The driver records the outcomes at this virtual time; every scenario is over long before.
inline constexpr int horizon_ms = 10000;

/// What a "raise" step throws (the oracle's `Boom`).
class boom : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const corio::cancelled_error& e) {
        return "Cancelled(" + e.message() + ")";
    } catch (const corio::timeout_error&) {
        return "Timeout";
    } catch (const corio::exception_group& group) {
        std::string out = "Group[";
        for (std::size_t i = 0; i < group.size(); ++i) {
            out += (i ? ", " : "") + describe(group.exceptions()[i]);
        }
        return out + "]";
    } catch (const corio::invalid_state_error&) {
        return "StateError";  // Python's RuntimeError and InvalidStateError
    } catch (const boom& e) {
        return std::string("Boom(") + e.what() + ")";
    } catch (const std::exception& e) {
        return std::string("Other(") + e.what() + ")";
    } catch (...) {
        return "Other(?)";
    }
}

inline std::optional<corio::duration> as_duration(const std::optional<int>& ms) {
    if (!ms) return std::nullopt;
    return std::chrono::milliseconds(*ms);
}

inline corio::return_when parse_return_when(const std::string& name) {
    if (name == "FIRST_COMPLETED") return corio::return_when::first_completed;
    if (name == "FIRST_EXCEPTION") return corio::return_when::first_exception;
    return corio::return_when::all_completed;
}

using handle = corio::task_handle<std::string>;

/// One scenario being run: its tasks (an empty handle until created) and its trace.
struct world {
    const scenario* sc = nullptr;
    std::vector<std::string> trace;
    std::vector<handle> tasks;

    void record(const std::string& who, const std::string& text) {
        const auto now =
            std::chrono::duration_cast<std::chrono::milliseconds>(corio::testing::virtual_now());
        trace.push_back("t=" + std::to_string(now.count()) + " " + who + ": " + text);
    }

    /// Task k, or an empty handle after tracing that it was never created.
    handle task(const std::string& who, const char* what, int k) {
        handle h = tasks.at(static_cast<std::size_t>(k));
        if (!h) record(who, std::string(what) + " " + std::to_string(k) + ": none");
        return h;
    }

    std::optional<std::vector<handle>> task_list(const std::string& who, const char* what,
                                                 const std::vector<int>& ks) {
        std::vector<handle> hs;
        for (int k : ks) hs.push_back(tasks.at(static_cast<std::size_t>(k)));
        for (const handle& h : hs) {
            if (!h) {
                record(who, std::string(what) + ": none");
                return std::nullopt;
            }
        }
        return hs;
    }

    [[nodiscard]] int index_of(const handle& h) const {
        for (std::size_t k = 0; k < tasks.size(); ++k) {
            if (tasks[k] == h) return static_cast<int>(k);
        }
        return -1;
    }

    std::string indices(const std::vector<handle>& hs) const {
        std::vector<int> ks;
        for (const handle& h : hs) ks.push_back(index_of(h));
        std::sort(ks.begin(), ks.end());
        std::string out = "[";
        for (std::size_t i = 0; i < ks.size(); ++i) out += (i ? ", " : "") + std::to_string(ks[i]);
        return out + "]";
    }

    void callback(const step& action) {
        if (action.kind == op::rec) {
            record("cb", action.text);
        } else if (handle h = task("cb", "cancel", action.n)) {
            record("cb", "cancel " + std::to_string(action.n) + " -> " +
                             (h.cancel(action.text) ? "True" : "False"));
        }
    }
};

inline std::string who(int me) { return "T" + std::to_string(me); }

/// What a body runs inside: the innermost task group (for gspawn) and timeout (for reschedule).
struct context {
    corio::task_group* group = nullptr;
    corio::timeout_scope* scope = nullptr;
};

corio::task<void> run_steps(world* w, int me, const steps* ss, context cx);

inline corio::task<std::string> run_task(world* w, int k) {
    co_await run_steps(w, k, &w->sc->tasks.at(static_cast<std::size_t>(k)), context{});
    co_return "v" + std::to_string(k);
}

inline corio::task<std::string> run_body(world* w, int me, const steps* ss, context cx) {
    co_await run_steps(w, me, ss, cx);
    co_return "b";
}

/// `task_group::run`'s body: a functor rather than a lambda coroutine (kinder to GCC 12).
struct group_body {
    world* w;
    int me;
    const steps* ss;
    context cx;
    corio::task<void> operator()(corio::task_group& g) const {
        return run_steps(w, me, ss, context{&g, cx.scope});
    }
};

/// A timeout's body, given the scope (asyncio's `async with timeout(d) as cm:`).
struct timeout_body {
    world* w;
    int me;
    const steps* ss;
    context cx;
    corio::task<void> operator()(corio::timeout_scope& scope) const {
        return run_steps(w, me, ss, context{cx.group, &scope});
    }
};

inline corio::task<void> run_try(world* w, int me, const step* s, context cx) {
    std::exception_ptr caught;
    try {
        co_await run_steps(w, me, &s->body, cx);
    } catch (const corio::cancelled_error&) {
        if (s->what == catch_kind::error) throw;
        caught = std::current_exception();
    } catch (const std::exception&) {
        if (s->what == catch_kind::cancel) throw;
        caught = std::current_exception();
    }
    if (!caught) co_return;
    // The handler runs outside the catch block: C++ cannot co_await inside one.
    w->record(who(me), "caught " + describe(caught));
    co_await run_steps(w, me, &s->handler, cx);
    if (s->flag) std::rethrow_exception(caught);
}

inline corio::task<void> run_step(world* w, int me, const step* s, context cx) {
    const std::string self = who(me);
    const std::string k = std::to_string(s->n);
    switch (s->kind) {
        case op::sleep:
            if (s->n == 0) {
                co_await corio::yield_now();
            } else {
                co_await corio::sleep(std::chrono::milliseconds(s->n));
            }
            break;
        case op::rec:
            w->record(self, s->text);
            break;
        case op::spawn:
            w->tasks.at(static_cast<std::size_t>(s->n)) = corio::create_task(run_task(w, s->n));
            break;
        case op::gspawn:
            if (!cx.group) throw std::logic_error("gspawn outside a group body");
            w->tasks.at(static_cast<std::size_t>(s->n)) = cx.group->create_task(run_task(w, s->n));
            break;
        case op::cancel:
            if (handle h = w->task(self, "cancel", s->n)) {
                w->record(self, "cancel " + k + " -> " + (h.cancel(s->text) ? "True" : "False"));
            }
            break;
        case op::uncancel:
            if (handle h = w->task(self, "uncancel", s->n)) {
                w->record(self, "uncancel " + k + " -> " + std::to_string(h.uncancel()));
            }
            break;
        case op::await_task:
            if (handle h = w->task(self, "await", s->n)) {
                std::string v = co_await h;
                w->record(self, "await " + k + " -> " + v);
            }
            break;
        case op::gather:
            if (auto hs = w->task_list(self, "gather", s->tasks)) {
                std::string out = "gather -> [";
                if (s->flag) {
                    auto results = co_await corio::gather(corio::return_exceptions, *hs);
                    for (std::size_t i = 0; i < results.size(); ++i) {
                        out += i ? ", " : "";
                        out += results[i].index() == 0 ? std::get<0>(results[i])
                                                       : describe(std::get<1>(results[i]));
                    }
                } else {
                    auto results = co_await corio::gather(*hs);
                    for (std::size_t i = 0; i < results.size(); ++i) {
                        out += (i ? ", " : "") + results[i];
                    }
                }
                w->record(self, out + "]");
            }
            break;
        case op::shield:
            if (handle h = w->task(self, "shield", s->n)) {
                std::string v = co_await corio::shield(h);
                w->record(self, "shield " + k + " -> " + v);
            }
            break;
        case op::wait:
            if (auto hs = w->task_list(self, "wait", s->tasks)) {
                auto result =
                    co_await corio::wait(*hs, as_duration(s->ms), parse_return_when(s->text));
                w->record(self, "wait -> done=" + w->indices(result.done) +
                                    " pending=" + w->indices(result.pending));
            }
            break;
        case op::as_completed:
            if (auto hs = w->task_list(self, "as_completed", s->tasks)) {
                auto it = corio::as_completed(*hs, as_duration(s->ms));
                while (auto h = co_await it.next()) {
                    std::string v = h->result();
                    w->record(self, "as_completed -> " + v);
                }
            }
            break;
        case op::wait_for:
            if (s->inline_body) {
                std::string v =
                    co_await corio::wait_for(run_body(w, me, &s->body, cx), as_duration(s->ms));
                w->record(self, "wait_for -> " + v);
            } else if (handle h = w->task(self, "wait_for", s->n)) {
                std::string v = co_await corio::wait_for(h, as_duration(s->ms));
                w->record(self, "wait_for -> " + v);
            }
            break;
        case op::timeout:
            co_await corio::timeout(as_duration(s->ms), timeout_body{w, me, &s->body, cx});
            break;
        case op::try_catch:
            co_await run_try(w, me, s, cx);
            break;
        case op::raise:
            throw boom(s->text);
        case op::group:
            co_await corio::task_group::run(group_body{w, me, &s->body, cx});
            break;
        case op::later: {
            auto& loop = corio::get_running_loop();
            const step* action = &s->body.at(0);
            auto callback = [w, action] { w->callback(*action); };
            if (s->ms) {
                (void)loop.call_later(std::chrono::milliseconds(*s->ms), callback);
            } else {
                (void)loop.call_soon(callback);
            }
            break;
        }
        case op::reschedule: {
            if (!cx.scope) throw std::logic_error("reschedule outside a timeout body");
            std::optional<corio::time_point> when;
            if (s->ms) when = corio::get_running_loop().time() + std::chrono::milliseconds(*s->ms);
            cx.scope->reschedule(when);
            break;
        }
    }
}

inline corio::task<void> run_steps(world* w, int me, const steps* ss, context cx) {
    for (const step& s : *ss) co_await run_step(w, me, &s, cx);
}

inline std::string outcome(const handle& h) {
    if (!h) return "never";
    std::string what;
    if (h.cancelled()) {
        what = "cancelled";  // no message: CPython gives it to the first reader only
    } else if (!h.done()) {
        what = "pending";
    } else if (std::exception_ptr e = h.exception()) {
        what = "err " + describe(e);
    } else {
        what = "ok " + h.result();
    }
    return what + " c=" + std::to_string(h.cancelling());
}

inline corio::task<void> driver(world* w) {
    w->tasks.assign(w->sc->tasks.size(), handle{});
    w->tasks[0] = corio::create_task(run_task(w, 0));
    co_await corio::sleep(std::chrono::milliseconds(horizon_ms));
    for (std::size_t k = 0; k < w->tasks.size(); ++k) {
        w->record("end", "T" + std::to_string(k) + " " + outcome(w->tasks[k]));
    }
    w->tasks.clear();  // while the loop runs: any report goes to the log, not to stderr
}

/// The trace of `sc` on corio; a deadlock ends it with the line "deadlock", as in the oracle.
inline std::vector<std::string> run_on_corio(const scenario& sc) {
    world w;
    w.sc = &sc;
    corio::testing::exception_log log;  // unretrieved errors are not traced (nor by the oracle)
    try {
        corio::testing::run_virtual(driver(&w), log);
    } catch (const std::logic_error& e) {
        const bool deadlock = std::string_view(e.what()).find("deadlock") != std::string::npos;
        w.trace.push_back(deadlock ? "deadlock" : std::string("error: ") + e.what());
    }
    return w.trace;
}

}  // namespace asyncio_diff
