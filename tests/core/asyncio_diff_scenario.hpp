#pragma once
// The scenario language of the asyncio differential test: a scenario is a list of numbered
// tasks, each a list of steps. asyncio_oracle.py's docstring defines every step; this file holds
// the C++ model, the builders the hand-written scenarios use, and the JSON the oracle reads.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace asyncio_diff {

enum class op : std::uint8_t {
    sleep,
    rec,
    spawn,
    gspawn,
    cancel,
    uncancel,
    await_task,
    gather,
    shield,
    wait,
    as_completed,
    wait_for,
    timeout,
    try_catch,
    raise,
    group,
    later,
    reschedule,
};

/// What a "try" step catches: cancelled_error, std::exception (Python's Exception), anything.
enum class catch_kind : std::uint8_t { cancel, error, any };

struct step {
    op kind = op::rec;
    int n = 0;                 ///< sleep: ms; spawn, cancel, await...: the task number
    std::optional<int> ms;     ///< timeout, callback delay (empty: call_soon), reschedule delta
    std::vector<int> tasks;    ///< gather, wait, as_completed
    std::string text;          ///< label, cancel message (empty: none), return_when
    bool flag = false;         ///< gather: return_exceptions; try: re-raise
    bool inline_body = false;  ///< wait_for: run `body` instead of awaiting task `n`
    catch_kind what = catch_kind::any;
    std::vector<step> body;     ///< timeout, try, group, inline wait_for; later: the action
    std::vector<step> handler;  ///< try: run after catching
};

using steps = std::vector<step>;

struct scenario {
    int id = 0;
    std::vector<steps> tasks;  ///< task 0 is started by the driver; the others by spawn steps
};

// ---- builders (the hand-written scenarios read like the oracle's JSON) ------------------------

/// A step of kind `kind` on task (or for `ms`) `n`; the builders below fill in the rest.
inline step make_step(op kind, int n = 0) {
    step s;
    s.kind = kind;
    s.n = n;
    return s;
}
inline step with_text(step s, std::string text) {
    s.text = std::move(text);
    return s;
}
inline step with_body(step s, steps body, std::optional<int> ms = std::nullopt) {
    s.body = std::move(body);
    s.ms = ms;
    return s;
}
inline step with_tasks(step s, std::vector<int> ks, std::optional<int> ms = std::nullopt) {
    s.tasks = std::move(ks);
    s.ms = ms;
    return s;
}

inline step sleep(int ms) { return make_step(op::sleep, ms); }
inline step rec(std::string label) { return with_text(make_step(op::rec), std::move(label)); }
inline step spawn(int k) { return make_step(op::spawn, k); }
inline step gspawn(int k) { return make_step(op::gspawn, k); }
inline step cancel(int k, std::string message = {}) {
    return with_text(make_step(op::cancel, k), std::move(message));
}
inline step uncancel(int k) { return make_step(op::uncancel, k); }
inline step await_task(int k) { return make_step(op::await_task, k); }
inline step gather(std::vector<int> ks, bool return_exceptions = false) {
    step s = with_tasks(make_step(op::gather), std::move(ks));
    s.flag = return_exceptions;
    return s;
}
inline step shield(int k) { return make_step(op::shield, k); }
/// `when` is asyncio's name: FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED.
inline step wait(std::vector<int> ks, std::string when, std::optional<int> timeout) {
    return with_text(with_tasks(make_step(op::wait), std::move(ks), timeout), std::move(when));
}
inline step as_completed(std::vector<int> ks, std::optional<int> timeout) {
    return with_tasks(make_step(op::as_completed), std::move(ks), timeout);
}
inline step wait_for(int k, std::optional<int> timeout) {
    step s = make_step(op::wait_for, k);
    s.ms = timeout;
    return s;
}
inline step wait_for(steps body, std::optional<int> timeout) {
    step s = with_body(make_step(op::wait_for), std::move(body), timeout);
    s.inline_body = true;
    return s;
}
inline step timeout(std::optional<int> ms, steps body) {
    return with_body(make_step(op::timeout), std::move(body), ms);
}
inline step try_catch(steps body, catch_kind what, steps handler, bool reraise) {
    step s = with_body(make_step(op::try_catch), std::move(body));
    s.what = what;
    s.handler = std::move(handler);
    s.flag = reraise;
    return s;
}
inline step raise(std::string message) {
    return with_text(make_step(op::raise), std::move(message));
}
inline step group(steps body) { return with_body(make_step(op::group), std::move(body)); }
/// A callback after `ms` (call_soon if empty) running `action`: a rec or a cancel step.
inline step later(std::optional<int> ms, step action) {
    return with_body(make_step(op::later), {std::move(action)}, ms);
}
/// Moves the innermost timeout's deadline to `ms` from now (none if empty).
inline step reschedule(std::optional<int> ms) {
    step s = make_step(op::reschedule);
    s.ms = ms;
    return s;
}

// ---- JSON -----------------------------------------------------------------------------------

inline std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + '"';
}

inline std::string json_opt(const std::optional<int>& v) { return v ? std::to_string(*v) : "null"; }

inline std::string json_ints(const std::vector<int>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
    return out + "]";
}

inline std::string json_steps(const steps& ss);

inline std::string json_step(const step& s) {
    const auto k = std::to_string(s.n);
    const std::string message = s.text.empty() ? "null" : json_string(s.text);
    switch (s.kind) {
        case op::sleep:
            return "[\"sleep\", " + k + "]";
        case op::rec:
            return "[\"rec\", " + json_string(s.text) + "]";
        case op::spawn:
            return "[\"spawn\", " + k + "]";
        case op::gspawn:
            return "[\"gspawn\", " + k + "]";
        case op::cancel:
            return "[\"cancel\", " + k + ", " + message + "]";
        case op::uncancel:
            return "[\"uncancel\", " + k + "]";
        case op::await_task:
            return "[\"await\", " + k + "]";
        case op::gather:
            return "[\"gather\", " + json_ints(s.tasks) + ", " + (s.flag ? "true" : "false") + "]";
        case op::shield:
            return "[\"shield\", " + k + "]";
        case op::wait:
            return "[\"wait\", " + json_ints(s.tasks) + ", " + json_string(s.text) + ", " +
                   json_opt(s.ms) + "]";
        case op::as_completed:
            return "[\"as_completed\", " + json_ints(s.tasks) + ", " + json_opt(s.ms) + "]";
        case op::wait_for:
            return "[\"wait_for\", " + (s.inline_body ? json_steps(s.body) : k) + ", " +
                   json_opt(s.ms) + "]";
        case op::timeout:
            return "[\"timeout\", " + json_opt(s.ms) + ", " + json_steps(s.body) + "]";
        case op::try_catch: {
            const char* what = s.what == catch_kind::cancel  ? "\"cancel\""
                               : s.what == catch_kind::error ? "\"error\""
                                                             : "\"any\"";
            return "[\"try\", " + json_steps(s.body) + ", " + what + ", " + json_steps(s.handler) +
                   ", " + (s.flag ? "true" : "false") + "]";
        }
        case op::raise:
            return "[\"raise\", " + json_string(s.text) + "]";
        case op::group:
            return "[\"group\", " + json_steps(s.body) + "]";
        case op::later:
            return "[\"later\", " + json_opt(s.ms) + ", " + json_step(s.body.at(0)) + "]";
        case op::reschedule:
            return "[\"reschedule\", " + json_opt(s.ms) + "]";
    }
    return "null";
}

inline std::string json_steps(const steps& ss) {
    std::string out = "[";
    for (std::size_t i = 0; i < ss.size(); ++i) out += (i ? ", " : "") + json_step(ss[i]);
    return out + "]";
}

inline std::string json_scenario(const scenario& sc) {
    std::string out = "{\"id\": " + std::to_string(sc.id) + ", \"tasks\": [";
    for (std::size_t i = 0; i < sc.tasks.size(); ++i) {
        out += (i ? ", " : "") + json_steps(sc.tasks[i]);
    }
    return out + "]}";
}

}  // namespace asyncio_diff
