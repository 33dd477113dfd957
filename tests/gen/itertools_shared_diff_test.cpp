// Differential test of corio::itertools reading one shared generator through several inputs at
// once, against CPython.
//
// Each randomized case (fixed seed) makes one generator over a short int list and a random
// expression over it: a multi-input adaptor at the top (zip, compress, zip_longest, product,
// starmap over zip, zip over tee) whose inputs are the generator itself or adaptors of it, nested
// up to two levels (takewhile, islice, accumulate, pairwise, enumerate, cycle, chain, compress,
// zip, ...). The expression is run here and, as a JSON tree, by itertools_oracle.py ("shared"
// cases); the first 20 results must have the same Python repr. Every adaptor must read the
// shared generator exactly when and as far as Python does, and keep what it read.
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <optional>
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
using corio::generator;
using diff::generator_of_cases;
using diff::int_t;
using diff::ints;
using diff::json;
using diff::json_object;
using diff::test_case;

constexpr int_t kLimit = 20;  ///< results compared per case (cycle() never ends)

/// Python's `(x for x in data)`: each value is yielded from a local that the next step
/// overwrites, so an adaptor that reads an element late sees another one.
generator<int_t> items(ints data) {
    for (int_t v : data) co_yield v;
}

/// One case: the shared generator and the adaptors built over it. Adaptors keep their inputs by
/// reference (std::views::all), so every generator lives here, at a stable address.
class expression {
public:
    explicit expression(generator_of_cases& g) : g_(g) {}
    expression(const expression&) = delete;
    expression& operator=(const expression&) = delete;
    ~expression() {
        while (!arena_.empty()) arena_.pop_back();  // readers before what they read
    }

    /// A JSON tree and the generator it describes.
    struct operand {
        std::string json;
        generator<int_t>* gen;
    };

    operand source(ints data) { return {json_object({{"op", json("g")}}), &keep(items(data))}; }

    /// A random operand over `shared`, at most `depth` adaptors deep. `cycle_ok`: the operand
    /// may be infinite (only where the consumer stops on another input or on the limit).
    operand random(const operand& shared, int depth, bool cycle_ok) {
        if (depth == 0 || g_.chance(30)) return shared;
        const int kind = static_cast<int>(g_.num(0, cycle_ok ? 9 : 8));
        if (kind <= 5) return unary(kind, random(shared, depth - 1, false));
        if (kind <= 8) {
            operand a = random(shared, depth - 1, false);
            operand b = random(shared, depth - 1, false);
            return binary(kind, a, b);
        }
        operand arg = random(shared, depth - 1, false);
        return make("cycle", {{"arg", arg.json}}, it::cycle(*arg.gen));
    }

private:
    generator<int_t>& keep(generator<int_t> gen) { return arena_.emplace_back(std::move(gen)); }

    operand make(const char* op, std::vector<std::pair<std::string, std::string>> members,
                 generator<int_t> gen) {
        members.insert(members.begin(), std::pair<std::string, std::string>("op", json(op)));
        return {json_object(members), &keep(std::move(gen))};
    }

    operand unary(int kind, const operand& arg) {
        auto& in = *arg.gen;
        switch (kind) {
            case 0: {
                const std::string fn = g_.pick({"takewhile", "dropwhile", "filterfalse"});
                const std::string pred = g_.pick({"lt3", "even", "odd", "pos"});
                const auto p = diff::predicate(pred);
                auto out = fn == "takewhile"   ? it::takewhile(p, in)
                           : fn == "dropwhile" ? it::dropwhile(p, in)
                                               : it::filterfalse(p, in);
                return make(fn.c_str(), {{"pred", json(pred)}, {"arg", arg.json}}, std::move(out));
            }
            case 1: {
                const auto index = [this](int_t lo, int_t hi) {
                    return g_.chance(20) ? std::nullopt : std::optional<int_t>(g_.num(lo, hi));
                };
                const std::vector<std::optional<int_t>> slice{index(0, 3), index(0, 8),
                                                              index(1, 3)};
                return make("islice", {{"slice", json(slice)}, {"arg", arg.json}},
                            it::islice(in, slice[0], slice[1], slice[2]));
            }
            case 2: {
                const std::string func = g_.pick({"add", "sub", "max"});
                return make("accumulate", {{"func", json(func)}, {"arg", arg.json}},
                            it::accumulate(in, diff::binary_fn(func)));
            }
            case 3:
                return make("pairwise_add", {{"arg", arg.json}},
                            it::starmap(std::plus<>{}, it::pairwise(in)));
            default: {
                const int_t start = g_.num(-2, 3);
                return make("enumerate_mul", {{"start", json(start)}, {"arg", arg.json}},
                            it::starmap(std::multiplies<>{}, it::enumerate(in, start)));
            }
        }
    }

    operand binary(int kind, const operand& a, const operand& b) {
        const std::string args = "[" + a.json + ", " + b.json + "]";
        switch (kind) {
            case 6:
                return make("chain", {{"args", args}}, it::chain(*a.gen, *b.gen));
            case 7:
                return make("compress", {{"args", args}}, it::compress(*a.gen, *b.gen));
            default:
                return make("zip_add", {{"args", args}},
                            it::starmap(std::plus<>{}, it::zip(*a.gen, *b.gen)));
        }
    }

    generator_of_cases& g_;
    std::deque<generator<int_t>> arena_;
};

template <class G>
std::string first_results(G&& gen) {
    return diff::repr_list(it::islice(std::forward<G>(gen), kLimit));
}

test_case make_case(generator_of_cases& g) {
    expression e(g);
    const ints data = g.list(10);
    const auto shared = e.source(data);
    const std::string top = g.pick(
        {"operand", "zip", "zip", "compress", "zip_longest", "product", "starmap_sub", "tee"});
    // At most one input may be infinite (cycle), and none of product's, which reads them whole.
    const int cycle_at = top == "product" ? -1 : static_cast<int>(g.num(-1, 1));
    const auto input = [&](int i) { return e.random(shared, 2, i == cycle_at); };
    std::vector<expression::operand> in{input(0)};
    if (top != "operand") in.push_back(input(1));
    if (top == "zip" && g.chance(30)) in.push_back(input(2));
    // A flag and a value rather than an optional: GCC 12 -O2 warns that one may be read unset.
    const bool filled = top == "zip_longest" && g.chance(50);
    const int_t fill = filled ? g.num(-3, 9) : 0;

    std::string cpp;
    auto& a = *in[0].gen;
    if (top == "operand") cpp = first_results(a);
    if (top == "zip") {
        cpp = in.size() == 2 ? first_results(it::zip(a, *in[1].gen))
                             : first_results(it::zip(a, *in[1].gen, *in[2].gen));
    }
    if (top == "compress") cpp = first_results(it::compress(a, *in[1].gen));
    if (top == "zip_longest") {
        cpp = filled ? first_results(it::zip_longest(it::fillvalue(fill), a, *in[1].gen))
                     : first_results(it::zip_longest(a, *in[1].gen));
    }
    if (top == "product") cpp = first_results(it::product(a, *in[1].gen));
    if (top == "starmap_sub") {
        cpp = first_results(it::starmap(std::minus<>{}, it::zip(a, *in[1].gen)));
    }
    if (top == "tee") {
        auto copies = it::tee(a, 2);
        cpp = first_results(it::zip(copies[0], *in[1].gen, copies[1]));
    }

    std::string args = "[";
    for (std::size_t i = 0; i < in.size(); ++i) args += (i ? ", " : "") + in[i].json;
    args += "]";
    const std::string json_line =
        json_object({{"fn", json("shared")},
                     {"args", json_object({{"data", json(data)},
                                           {"top", json(top)},
                                           {"args", args},
                                           {"fill", filled ? json(fill) : "null"},
                                           {"limit", json(kLimit)}})}});
    return test_case{json_line, cpp};
}

constexpr int kCases = 600;

TEST(ItertoolsSharedDiff, MatchesCPython) {
    if (!diff::python_available()) GTEST_SKIP() << "no python3 to run the oracle";

    generator_of_cases gen(20240715U);
    std::vector<test_case> cases;
    for (int i = 0; i < kCases; ++i) cases.push_back(make_case(gen));
    diff::compare_with_oracle(CORIO_ITERTOOLS_ORACLE, cases);
    std::printf("%zu shared-generator expressions compared with CPython\n", cases.size());
}

}  // namespace
