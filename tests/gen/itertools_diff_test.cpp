// Differential test of corio::itertools against CPython's itertools.
//
// Randomized cases (fixed-seed std::mt19937) cover every adaptor with short int lists, small
// r/n, and start/stop/step values, negative ones included. Each case is run here and rendered as
// Python's repr of the list of results; the cases are written to a file, one JSON object per
// line, and itertools_oracle.py (CORIO_ITERTOOLS_ORACLE) prints Python's repr for each. The two
// must be equal, case by case; a ValueError in Python must be std::invalid_argument here.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <corio/gen/itertools.hpp>

#include "diff_support.hpp"

#ifndef CORIO_ITERTOOLS_ORACLE
#error "CORIO_ITERTOOLS_ORACLE must name itertools_oracle.py"
#endif

namespace {

namespace it = corio::itertools;
using diff::binary_fn;
using diff::generator_of_cases;
using diff::int_t;
using diff::ints;
using diff::json;
using diff::key_fn;
using diff::predicate;
using diff::repr;
using diff::repr_list;
using diff::test_case;

/// `{"fn": fn, "args": {"k1": v1, ...}}` from already-rendered values.
std::string json_case(const std::string& fn,
                      const std::vector<std::pair<std::string, std::string>>& args) {
    return diff::json_object({{"fn", json(fn)}, {"args", diff::json_object(args)}});
}

/// Runs `body`, rendering std::invalid_argument as Python's ValueError.
template <class F>
std::string guarded(F body) {
    try {
        return body();
    } catch (const std::invalid_argument&) {
        return "ValueError";
    }
}

/// Calls `f(ranges[0], ..., ranges[n-1])` for the `n` ranges given (0 to 3).
template <class F>
std::string with_lists(std::vector<ints>& ls, F f) {
    switch (ls.size()) {
        case 0:
            return f();
        case 1:
            return f(ls[0]);
        case 2:
            return f(ls[0], ls[1]);
        default:
            return f(ls[0], ls[1], ls[2]);
    }
}

using case_maker = std::function<test_case(generator_of_cases&)>;

std::vector<std::pair<std::string, case_maker>> makers() {
    std::vector<std::pair<std::string, case_maker>> m;
    const std::vector<std::string> preds{"lt3", "even", "odd", "pos"};

    m.emplace_back("count", [](generator_of_cases& g) {
        const int_t start = g.num(-5, 5), step = g.num(-3, 3), n = g.num(0, 6);
        return test_case{
            json_case("count", {{"start", json(start)}, {"step", json(step)}, {"n", json(n)}}),
            repr_list(it::count(start, step) | it::islice(n))};
    });
    m.emplace_back("cycle", [](generator_of_cases& g) {
        ints data = g.list(4);
        const int_t n = g.num(0, 10);
        return test_case{json_case("cycle", {{"data", json(data)}, {"n", json(n)}}),
                         repr_list(it::cycle(data) | it::islice(n))};
    });
    m.emplace_back("repeat", [](generator_of_cases& g) {
        const int_t value = g.num(-3, 9), times = g.num(-2, 5);
        return test_case{json_case("repeat", {{"value", json(value)}, {"times", json(times)}}),
                         repr_list(it::repeat(value, times))};
    });
    m.emplace_back("accumulate", [](generator_of_cases& g) {
        ints data = g.list();
        const std::string func = g.chance(30) ? "" : g.pick({"add", "sub", "mul", "max"});
        const std::optional<int_t> initial =
            g.chance(40) ? std::optional<int_t>(g.num(-3, 9)) : std::nullopt;
        std::string out;
        if (func.empty() && !initial) out = repr_list(it::accumulate(data));
        if (func.empty() && initial) out = repr_list(it::accumulate(data, it::initial(*initial)));
        if (!func.empty() && !initial) out = repr_list(it::accumulate(data, binary_fn(func)));
        if (!func.empty() && initial) {
            out = repr_list(data | it::accumulate(binary_fn(func), it::initial(*initial)));
        }
        return test_case{json_case("accumulate", {{"data", json(data)},
                                                  {"func", func.empty() ? "null" : json(func)},
                                                  {"initial", json(initial)}}),
                         out};
    });
    m.emplace_back("batched", [](generator_of_cases& g) {
        ints data = g.list(9);
        const int_t n = g.num(-1, 4);
        return test_case{json_case("batched", {{"data", json(data)}, {"n", json(n)}}),
                         guarded([&] { return repr_list(it::batched(data, n), true); })};
    });
    m.emplace_back("chain", [](generator_of_cases& g) {
        auto ls = g.lists(static_cast<std::size_t>(g.num(0, 3)));
        const std::string out = with_lists(ls, [](auto&... r) {
            if constexpr (sizeof...(r) == 0) {
                return repr_list(it::chain<int_t>());
            } else {
                return repr_list(it::chain(r...));
            }
        });
        return test_case{json_case("chain", {{"lists", json(ls)}}), out};
    });
    m.emplace_back("chain_from_iterable", [](generator_of_cases& g) {
        auto ls = g.lists(static_cast<std::size_t>(g.num(0, 4)));
        return test_case{json_case("chain_from_iterable", {{"lists", json(ls)}}),
                         repr_list(ls | it::chain_from_iterable())};
    });
    m.emplace_back("compress", [](generator_of_cases& g) {
        ints data = g.list();
        ints selectors = g.list(8, 0, 2);
        return test_case{
            json_case("compress", {{"data", json(data)}, {"selectors", json(selectors)}}),
            repr_list(it::compress(data, selectors))};
    });
    for (const std::string fn : {"dropwhile", "filterfalse", "takewhile"}) {
        m.emplace_back(fn, [fn, preds](generator_of_cases& g) {
            ints data = g.list();
            const std::string pred = g.pick(preds);
            const auto p = predicate(pred);
            std::string out;
            if (fn == "dropwhile") out = repr_list(it::dropwhile(p, data));
            if (fn == "filterfalse") out = repr_list(it::filterfalse(p, data));
            if (fn == "takewhile") out = repr_list(data | it::takewhile(p));
            return test_case{json_case(fn, {{"pred", json(pred)}, {"data", json(data)}}), out};
        });
    }
    m.emplace_back("groupby", [](generator_of_cases& g) {
        ints data = g.list(10, -2, 4);
        const std::string key = g.chance(40) ? "" : g.pick({"half", "parity", "sign"});
        const std::string out =
            key.empty() ? repr_list(it::groupby(data)) : repr_list(it::groupby(data, key_fn(key)));
        return test_case{
            json_case("groupby", {{"data", json(data)}, {"key", key.empty() ? "null" : json(key)}}),
            out};
    });
    m.emplace_back("islice", [](generator_of_cases& g) {
        ints data = g.list(10);
        const auto index = [&g](int_t lo, int_t hi) {
            return g.chance(15) ? std::nullopt : std::optional<int_t>(g.num(lo, hi));
        };
        std::vector<std::optional<int_t>> args;
        std::string out;
        switch (g.num(1, 3)) {
            case 1:
                args = {index(-1, 12)};
                out = guarded([&] { return repr_list(it::islice(data, args[0])); });
                break;
            case 2:
                args = {index(-1, 8), index(-1, 12)};
                out = guarded([&] { return repr_list(data | it::islice(args[0], args[1])); });
                break;
            default:
                args = {index(-1, 8), index(-1, 12), index(0, 4)};
                out =
                    guarded([&] { return repr_list(it::islice(data, args[0], args[1], args[2])); });
                break;
        }
        return test_case{json_case("islice", {{"data", json(data)}, {"slice", json(args)}}), out};
    });
    m.emplace_back("pairwise", [](generator_of_cases& g) {
        ints data = g.list(6);
        return test_case{json_case("pairwise", {{"data", json(data)}}),
                         repr_list(it::pairwise(data))};
    });
    m.emplace_back("starmap", [](generator_of_cases& g) {
        const std::string func = g.pick({"add", "sub", "mul", "max"});
        std::vector<ints> pairs;
        std::vector<std::pair<int_t, int_t>> cpp_pairs;
        for (int_t i = 0, n = g.num(0, 5); i < n; ++i) {
            const int_t a = g.num(-3, 9), b = g.num(-3, 9);
            pairs.push_back(ints{a, b});
            cpp_pairs.emplace_back(a, b);
        }
        return test_case{json_case("starmap", {{"func", json(func)}, {"pairs", json(pairs)}}),
                         repr_list(it::starmap(binary_fn(func), cpp_pairs))};
    });
    m.emplace_back("tee", [](generator_of_cases& g) {
        ints data = g.list(6);
        const int_t n = g.num(-1, 3);
        const std::string out = guarded([&] {
            auto copies = it::tee(data, n);
            // Read the copies in a random interleaving, to exercise the shared buffer.
            std::vector<ints> seen(copies.size());
            std::vector<std::size_t> open;
            for (std::size_t i = 0; i < copies.size(); ++i) open.push_back(i);
            while (!open.empty()) {
                const auto at = static_cast<std::size_t>(g.num(0, int_t(open.size()) - 1));
                if (auto v = copies[open[at]].next()) {
                    seen[open[at]].push_back(*v);
                } else {
                    open.erase(open.begin() + static_cast<std::ptrdiff_t>(at));
                }
            }
            return repr(seen);
        });
        return test_case{json_case("tee", {{"data", json(data)}, {"n", json(n)}}), out};
    });
    m.emplace_back("zip_longest", [](generator_of_cases& g) {
        auto ls = g.lists(static_cast<std::size_t>(g.num(1, 3)));
        const std::optional<int_t> fill =
            g.chance(50) ? std::optional<int_t>(g.num(-3, 9)) : std::nullopt;
        const std::string out = with_lists(ls, [&fill](auto&... r) {
            if constexpr (sizeof...(r) == 0) {
                return std::string("[]");
            } else {
                return fill ? repr_list(it::zip_longest(it::fillvalue(*fill), r...))
                            : repr_list(it::zip_longest(r...));
            }
        });
        return test_case{json_case("zip_longest", {{"lists", json(ls)}, {"fill", json(fill)}}),
                         out};
    });
    m.emplace_back("enumerate", [](generator_of_cases& g) {
        ints data = g.list(6);
        const int_t start = g.num(-3, 5);
        return test_case{json_case("enumerate", {{"data", json(data)}, {"start", json(start)}}),
                         repr_list(data | it::enumerate(start))};
    });
    m.emplace_back("zip", [](generator_of_cases& g) {
        auto ls = g.lists(static_cast<std::size_t>(g.num(0, 3)));
        const std::string out = with_lists(ls, [](auto&... r) { return repr_list(it::zip(r...)); });
        return test_case{json_case("zip", {{"lists", json(ls)}}), out};
    });
    m.emplace_back("product", [](generator_of_cases& g) {
        if (g.chance(40)) {
            std::vector<ints> ls{g.list(3)};
            const int_t repeat = g.num(-1, 3);
            return test_case{
                json_case("product", {{"lists", json(ls)}, {"repeat", json(repeat)}}),
                guarded([&] { return repr_list(it::product(ls[0], it::repeat_n{repeat}), true); })};
        }
        auto ls = g.lists(static_cast<std::size_t>(g.num(0, 3)), 3);
        const std::string out =
            with_lists(ls, [](auto&... r) { return repr_list(it::product(r...)); });
        return test_case{json_case("product", {{"lists", json(ls)}, {"repeat", "null"}}), out};
    });
    m.emplace_back("permutations", [](generator_of_cases& g) {
        ints data = g.list(4);
        const std::optional<int_t> r =
            g.chance(25) ? std::nullopt : std::optional<int_t>(g.num(-1, 5));
        return test_case{json_case("permutations", {{"data", json(data)}, {"r", json(r)}}),
                         guarded([&] { return repr_list(data | it::permutations(r), true); })};
    });
    m.emplace_back("combinations", [](generator_of_cases& g) {
        ints data = g.list(5);
        const int_t r = g.num(-1, 6);
        return test_case{json_case("combinations", {{"data", json(data)}, {"r", json(r)}}),
                         guarded([&] { return repr_list(it::combinations(data, r), true); })};
    });
    m.emplace_back("combinations_with_replacement", [](generator_of_cases& g) {
        ints data = g.list(4);
        const int_t r = g.num(-1, 4);
        return test_case{
            json_case("combinations_with_replacement", {{"data", json(data)}, {"r", json(r)}}),
            guarded([&] { return repr_list(it::combinations_with_replacement(data, r), true); })};
    });
    return m;
}

constexpr int kCasesPerFunction = 20;

TEST(ItertoolsDiff, MatchesCPython) {
    if (!diff::python_available()) GTEST_SKIP() << "no python3 to run the oracle";

    generator_of_cases gen(20240601U);
    std::vector<test_case> cases;
    const auto all_makers = makers();
    for (int round = 0; round < kCasesPerFunction; ++round) {
        for (const auto& [name, make] : all_makers) cases.push_back(make(gen));
    }
    const auto expected = diff::compare_with_oracle(CORIO_ITERTOOLS_ORACLE, cases);
    const auto errors = std::count(expected.begin(), expected.end(), "ValueError");
    std::printf("%zu cases over %zu functions compared with CPython (%td raise ValueError)\n",
                cases.size(), all_makers.size(), errors);
}

}  // namespace
