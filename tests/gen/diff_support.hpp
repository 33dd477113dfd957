// Plumbing shared by the differential tests, which compare corio with CPython: Python's repr of
// results, JSON for the case files, a seeded source of random cases, and the run of a Python
// oracle script (one output line per case) compared with corio's line for each case.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#ifndef CORIO_PYTHON3
#define CORIO_PYTHON3 "python3"
#endif

#if defined(_WIN32)
#define popen _popen
#define pclose _pclose
#endif

namespace diff {

using int_t = std::int64_t;
using ints = std::vector<int_t>;

// ---- Python repr ----------------------------------------------------------------------------

/// Renders a std::vector as a Python tuple (batched, product with repeat, permutations, ...).
template <class T>
struct as_tuple {
    const std::vector<T>& items;
};

template <class T>
inline constexpr bool is_vector = false;
template <class T>
inline constexpr bool is_vector<std::vector<T>> = true;

inline std::string repr(int_t v) { return std::to_string(v); }
template <class T>
std::string repr(const std::optional<T>& v);
template <class A, class B>
std::string repr(const std::pair<A, B>& v);
template <class... Ts>
std::string repr(const std::tuple<Ts...>& v);
template <class T>
std::string repr(const std::vector<T>& v);
template <class T>
std::string repr(const as_tuple<T>& v);

template <class T>
std::string repr(const std::optional<T>& v) {
    return v ? repr(*v) : "None";
}

template <class... Ts>
std::string join_tuple(const Ts&... items) {
    std::string out = "(";
    std::string_view sep;
    ((out += sep, out += repr(items), sep = ", "), ...);
    return out + (sizeof...(Ts) == 1 ? ",)" : ")");
}

template <class A, class B>
std::string repr(const std::pair<A, B>& v) {
    return join_tuple(v.first, v.second);
}

template <class... Ts>
std::string repr(const std::tuple<Ts...>& v) {
    return std::apply([](const auto&... items) { return join_tuple(items...); }, v);
}

template <class T>
std::string join(const std::vector<T>& items, const char* open, const char* close) {
    std::string out = open;
    std::string_view sep;
    for (const auto& item : items) {
        out += sep;
        out += repr(item);
        sep = ", ";
    }
    return out + close;
}

template <class T>
std::string repr(const std::vector<T>& v) {
    return join(v, "[", "]");
}

template <class T>
std::string repr(const as_tuple<T>& v) {
    return join(v.items, "(", v.items.size() == 1 ? ",)" : ")");
}

/// Python's `repr(list(gen))`; `as_tuples` renders vector elements as tuples.
template <class G>
std::string repr_list(G&& gen, bool as_tuples = false) {
    std::string out = "[";
    std::string_view sep;
    for (auto&& item : gen) {
        out += sep;
        using item_t = std::remove_cvref_t<decltype(item)>;
        if constexpr (is_vector<item_t>) {
            out += as_tuples ? repr(as_tuple<typename item_t::value_type>{item}) : repr(item);
        } else {
            out += repr(item);
        }
        sep = ", ";
    }
    return out + "]";
}

// ---- JSON -----------------------------------------------------------------------------------

inline std::string json(int_t v) { return std::to_string(v); }
inline std::string json(const std::optional<int_t>& v) { return v ? json(*v) : "null"; }
inline std::string json(const std::string& s) { return '"' + s + '"'; }
inline std::string json(const char* s) { return json(std::string(s)); }
template <class T>
std::string json(const std::vector<T>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + json(v[i]);
    return out + "]";
}

/// `{"k1": v1, ...}` from already-rendered values.
inline std::string json_object(const std::vector<std::pair<std::string, std::string>>& members) {
    std::string out = "{";
    for (std::size_t i = 0; i < members.size(); ++i) {
        out += (i ? ", " : "") + json(members[i].first) + ": " + members[i].second;
    }
    return out + "}";
}

// ---- the named callbacks (itertools_oracle.py defines the same) -------------------------------

inline int_t floor_div(int_t a, int_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
inline int_t py_mod(int_t a, int_t b) { return a - b * floor_div(a, b); }

inline std::function<bool(int_t)> predicate(const std::string& name) {
    if (name == "lt3") return [](int_t x) { return x < 3; };
    if (name == "even") return [](int_t x) { return py_mod(x, 2) == 0; };
    if (name == "odd") return [](int_t x) { return py_mod(x, 2) != 0; };
    return [](int_t x) { return x > 0; };  // "pos"
}

inline std::function<int_t(int_t)> key_fn(const std::string& name) {
    if (name == "half") return [](int_t x) { return floor_div(x, 2); };
    if (name == "parity") return [](int_t x) { return py_mod(x, 2); };
    return [](int_t x) { return int_t{x > 0} - int_t{x < 0}; };  // "sign"
}

inline std::function<int_t(int_t, int_t)> binary_fn(const std::string& name) {
    if (name == "add") return std::plus<>{};
    if (name == "sub") return std::minus<>{};
    if (name == "mul") return std::multiplies<>{};
    return [](int_t a, int_t b) { return a < b ? b : a; };  // "max"
}

// ---- cases ----------------------------------------------------------------------------------

struct test_case {
    std::string json;  ///< the line given to the oracle
    std::string cpp;   ///< corio's result, rendered as the oracle renders Python's
};

/// Random choices for case makers, from a fixed seed so that every run checks the same cases.
class generator_of_cases {
public:
    explicit generator_of_cases(std::uint32_t seed) : rng_(seed) {}

    int_t num(int_t lo, int_t hi) { return std::uniform_int_distribution<int_t>(lo, hi)(rng_); }
    bool chance(int percent) { return num(0, 99) < percent; }
    ints list(std::size_t max_len = 8, int_t lo = -3, int_t hi = 9) {
        ints out(static_cast<std::size_t>(num(0, static_cast<int_t>(max_len))));
        for (auto& v : out) v = num(lo, hi);
        return out;
    }
    std::vector<ints> lists(std::size_t count, std::size_t max_len = 5) {
        std::vector<ints> out;
        for (std::size_t i = 0; i < count; ++i) out.push_back(list(max_len));
        return out;
    }
    std::string pick(const std::vector<std::string>& names) {
        return names[static_cast<std::size_t>(num(0, static_cast<int_t>(names.size()) - 1))];
    }

private:
    std::mt19937 rng_;
};

// ---- the oracle -----------------------------------------------------------------------------

/// False when there is no python3 to run an oracle (the test then skips).
inline bool python_available() {
    return std::system(
               (std::string("\"") + CORIO_PYTHON3 + "\" -c \"\" > /dev/null 2>&1").c_str()) == 0;
}

/// Runs `oracle` on `cases_file`; one output line per case.
inline std::vector<std::string> run_oracle(const char* oracle,
                                           const std::filesystem::path& cases_file) {
    const std::string command =
        std::string("\"") + CORIO_PYTHON3 + "\" \"" + oracle + "\" \"" + cases_file.string() + "\"";
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
    std::vector<std::string> lines;
    std::string line;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
        line += buffer;
        if (!line.empty() && line.back() == '\n') {
            line.pop_back();
            lines.push_back(std::move(line));
            line.clear();
        }
    }
    if (!line.empty()) lines.push_back(std::move(line));
    const int status = pclose(pipe);
    if (status != 0)
        throw std::runtime_error("oracle failed (status " + std::to_string(status) +
                                 "): " + command);
    return lines;
}

/// Writes the cases to a file, runs `oracle` on it and expects its line for each case to equal
/// corio's. Returns the oracle's lines.
inline std::vector<std::string> compare_with_oracle(const char* oracle,
                                                    const std::vector<test_case>& cases) {
    const auto cases_file = std::filesystem::path(::testing::TempDir()) /
                            ("corio_diff_" + std::to_string(std::random_device{}()) + ".jsonl");
    {
        std::ofstream out(cases_file);
        for (const auto& c : cases) out << c.json << '\n';
    }
    const auto expected = run_oracle(oracle, cases_file);
    std::filesystem::remove(cases_file);

    EXPECT_EQ(expected.size(), cases.size());
    int mismatches = 0;
    for (std::size_t i = 0; i < std::min(cases.size(), expected.size()); ++i) {
        EXPECT_EQ(cases[i].cpp, expected[i]) << "case " << i << ": " << cases[i].json;
        if (cases[i].cpp != expected[i] && ++mismatches >= 20) {
            ADD_FAILURE() << "too many mismatches";
            break;
        }
    }
    return expected;
}

}  // namespace diff
