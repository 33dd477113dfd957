// Differential test of corio::generator's delegation (yield_from) against CPython's `yield from`.
//
// Each randomized case (fixed seed) is a chain of one to four generators, each delegating to the
// next (the last one may delegate to a list), and a script of next/send/throw/close operations on
// the outermost one. Every level's reaction to what reaches it is drawn at random: to
// generator_exit, and to the errors it chooses to catch (ValueError, KeyError, the RuntimeError
// of an ignored close, the AttributeError of a send to a list), it re-raises, raises ValueError
// instead, returns, yields or goes on. Both sides render a trace of events (what each level
// received, caught and returned, what each operation returned or raised, the state after it);
// generator_oracle.py (CORIO_GENERATOR_ORACLE) renders CPython's, which must be the same, line for
// line.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <corio/gen/generator.hpp>

#include "diff_support.hpp"

#ifndef CORIO_GENERATOR_ORACLE
#error "CORIO_GENERATOR_ORACLE must name generator_oracle.py"
#endif

namespace {

using corio::generator;
using corio::generator_error;
using corio::generator_exit;
using corio::generator_state;
using corio::send_error;
using corio::yield_from;
using diff::generator_of_cases;
using diff::int_t;
using diff::ints;
using diff::json;
using diff::json_object;
using diff::test_case;

/// Python's ValueError and KeyError, thrown into the chain by the script.
struct value_error : std::runtime_error {
    value_error() : std::runtime_error("value") {}
};
struct key_error : std::runtime_error {
    key_error() : std::runtime_error("key") {}
};

/// The name of Python's exception for what corio threw.
std::string kind(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const generator_exit&) {
        return "GeneratorExit";
    } catch (const send_error&) {
        return "AttributeError";
    } catch (const generator_error& e) {
        const std::string message = e.what();
        if (message == "can't send non-None value to a just-started generator") return "TypeError";
        if (message == "generator already executing") return "ValueError";
        return "RuntimeError";
    } catch (const value_error&) {
        return "ValueError";
    } catch (const key_error&) {
        return "KeyError";
    } catch (...) {
        return "unexpected";
    }
}

enum class reaction { raise, raise_value_error, return_value, yield_value, go_on };

const char* name(reaction how) {
    switch (how) {
        case reaction::raise:
            return "raise";
        case reaction::raise_value_error:
            return "raise ValueError";
        case reaction::return_value:
            return "return";
        case reaction::yield_value:
            return "yield";
        default:
            return "continue";
    }
}

struct level_spec {
    int rounds = 1;
    std::vector<int_t> delegate;  ///< the rounds that delegate instead of yielding
    std::vector<int_t> values;    ///< yielded by the other rounds
    std::vector<std::string> catches;
    reaction on_exit = reaction::raise;
    reaction on_error = reaction::raise;
    int_t react = 0;  ///< yielded by the `yield` reaction
    int_t ret = 0;

    [[nodiscard]] bool delegates(int round) const {
        return std::find(delegate.begin(), delegate.end(), round) != delegate.end();
    }
    [[nodiscard]] bool catches_kind(const std::string& k) const {
        return std::find(catches.begin(), catches.end(), k) != catches.end();
    }
};

struct chain_spec {
    std::vector<level_spec> levels;
    ints range;  ///< what the last level delegates to, if it delegates
};

using trace_t = std::vector<std::string>;

/// `level()` in generator_oracle.py, statement for statement (a handler cannot co_yield, so the
/// reaction runs after it, in both).
generator<int_t, int_t, int_t> level(const chain_spec* chain, std::size_t i, trace_t* trace) {
    const level_spec& spec = chain->levels[i];
    const std::string name = "L" + std::to_string(i);
    trace->push_back(name + " start");
    for (int round = 0; round < spec.rounds; ++round) {
        std::exception_ptr caught;
        try {
            if (spec.delegates(round)) {
                if (i + 1 < chain->levels.size()) {
                    const int_t result = co_yield yield_from(level(chain, i + 1, trace));
                    trace->push_back(name + " got " + std::to_string(result));
                } else {
                    co_yield yield_from(chain->range);
                    trace->push_back(name + " range done");
                }
            } else {
                const auto sent = co_yield spec.values[static_cast<std::size_t>(round)];
                trace->push_back(name + " received " + diff::repr(sent));
            }
        } catch (const generator_exit&) {
            caught = std::current_exception();
        } catch (...) {
            // Python: `except (ValueError, KeyError, RuntimeError, AttributeError)`, re-raised
            // unless listed.
            const std::string k = kind(std::current_exception());
            if (!spec.catches_kind(k)) throw;
            caught = std::current_exception();
        }
        if (caught) {
            const std::string k = kind(caught);
            trace->push_back(name + " caught " + k);
            const reaction how = k == "GeneratorExit" ? spec.on_exit : spec.on_error;
            if (how == reaction::raise) std::rethrow_exception(caught);
            if (how == reaction::raise_value_error) throw value_error();
            if (how == reaction::return_value) {
                trace->push_back(name + " returns " + std::to_string(spec.ret));
                co_return spec.ret;
            }
            if (how == reaction::yield_value) {
                const auto sent = co_yield spec.react;
                trace->push_back(name + " received " + diff::repr(sent));
            }
        }
    }
    trace->push_back(name + " returns " + std::to_string(spec.ret));
    co_return spec.ret;
}

const char* state_name(generator_state s) {
    switch (s) {
        case generator_state::created:
            return "created";
        case generator_state::running:
            return "running";
        case generator_state::suspended:
            return "suspended";
        default:
            return "closed";
    }
}

struct operation {
    std::string op;              ///< next, send, throw, close
    std::optional<int_t> value;  ///< send's
    std::string error;           ///< throw's: ValueError, KeyError, GeneratorExit
};

/// `run()` in generator_oracle.py.
std::string run(const chain_spec& chain, const std::vector<operation>& ops) {
    trace_t trace;
    auto root = level(&chain, 0, &trace);
    for (const auto& [op, value, error] : ops) {
        const bool was_open = root.state() != generator_state::closed;
        std::string outcome;
        try {
            std::optional<int_t> got;
            if (op == "close") {
                root.close();
                outcome = "ok";
            } else {
                if (op == "next") got = root.next();
                if (op == "send") got = root.send(*value);
                if (op == "throw" && error == "ValueError")
                    got = root.throw_exception(value_error());
                if (op == "throw" && error == "KeyError") got = root.throw_exception(key_error());
                if (op == "throw" && error == "GeneratorExit") {
                    got = root.throw_exception(generator_exit());
                }
                if (got) {
                    outcome = "-> " + std::to_string(*got);
                } else {
                    outcome =
                        was_open ? "-> stop " + std::to_string(root.return_value()) : "-> stop";
                }
            }
        } catch (...) {
            outcome = "raised " + kind(std::current_exception());
        }
        const std::string label =
            op + (value ? " " + std::to_string(*value) : "") + (error.empty() ? "" : " " + error);
        trace.push_back(label + " " + outcome);
        trace.push_back(std::string("state ") + state_name(root.state()));
    }
    std::string line;
    for (std::size_t i = 0; i < trace.size(); ++i) line += (i ? " | " : "") + trace[i];
    return line;
}

reaction random_reaction(generator_of_cases& g) { return static_cast<reaction>(g.num(0, 3)); }

test_case make_case(generator_of_cases& g) {
    chain_spec chain;
    const auto depth = static_cast<std::size_t>(g.num(1, 4));
    const bool to_range = g.chance(40);
    for (std::size_t i = 0; i < depth; ++i) {
        level_spec spec;
        spec.rounds = static_cast<int>(g.num(1, 3));
        const int_t base = 100 * static_cast<int_t>(i + 1);
        for (int r = 0; r < spec.rounds; ++r) {
            spec.values.push_back(base + r);
            const bool may_delegate = i + 1 < depth || to_range;
            if (may_delegate && g.chance(r == 0 ? 75 : 30)) spec.delegate.push_back(r);
        }
        for (const char* k : {"ValueError", "KeyError", "RuntimeError", "AttributeError"}) {
            if (g.chance(40)) spec.catches.emplace_back(k);
        }
        spec.on_exit = random_reaction(g);
        spec.on_error = random_reaction(g);
        spec.react = base + 50;
        spec.ret = base + 90;
        chain.levels.push_back(std::move(spec));
    }
    if (to_range) chain.range = g.list(4, 1, 9);

    std::vector<operation> ops(static_cast<std::size_t>(g.num(1, 10)));
    for (auto& o : ops) {
        // Mostly start the chain first: sends and throws to a created generator are dull.
        const int_t roll = &o == &ops.front() && g.chance(80) ? 0 : g.num(0, 99);
        if (roll < 35) {
            o.op = "next";
        } else if (roll < 55) {
            o.op = "send";
            o.value = g.num(1, 9);
        } else if (roll < 80) {
            o.op = "throw";
            o.error = g.pick({"ValueError", "KeyError", "GeneratorExit"});
        } else {
            o.op = "close";
        }
    }

    std::vector<std::string> levels_json;
    for (const auto& s : chain.levels) {
        levels_json.push_back(json_object({{"rounds", json(int_t{s.rounds})},
                                           {"delegate", json(s.delegate)},
                                           {"values", json(s.values)},
                                           {"catch", json(s.catches)},
                                           {"on_exit", json(name(s.on_exit))},
                                           {"on_error", json(name(s.on_error))},
                                           {"react", json(s.react)},
                                           {"ret", json(s.ret)}}));
    }
    std::vector<std::string> ops_json;
    for (const auto& o : ops) {
        const std::string arg = o.value ? json(*o.value) : o.error.empty() ? "null" : json(o.error);
        ops_json.push_back("[" + json(o.op) + ", " + arg + "]");
    }
    const auto raw = [](const std::vector<std::string>& items) {
        std::string out = "[";
        for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
        return out + "]";
    };
    return test_case{
        json_object(
            {{"levels", raw(levels_json)}, {"range", json(chain.range)}, {"ops", raw(ops_json)}}),
        run(chain, ops)};
}

constexpr int kCases = 1500;

TEST(GeneratorDiff, YieldFromChainsMatchCPython) {
    if (!diff::python_available()) GTEST_SKIP() << "no python3 to run the oracle";

    generator_of_cases gen(20240716U);
    std::vector<test_case> cases;
    for (int i = 0; i < kCases; ++i) cases.push_back(make_case(gen));
    diff::compare_with_oracle(CORIO_GENERATOR_ORACLE, cases);
    std::printf("%zu next/send/throw/close scripts on yield_from chains compared with CPython\n",
                cases.size());
}

}  // namespace
