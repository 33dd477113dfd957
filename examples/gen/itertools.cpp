// Seed "Concurrency", section "Itertools": count, takewhile, filterfalse, accumulate, chain,
// product and groupby from corio::itertools, printing what the seed's Python prints.
//
// The one difference: count(1, 2.5) yields doubles from the start, so the first value prints as
// 1.0 where Python prints 1 (Python keeps the int start until the first addition).

#include <ranges>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include <corio/gen/itertools.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

CORIO_EXAMPLE(itertools) {
    namespace it = corio::itertools;

    auto gen1 = it::count(1, 2.5);
    py::print(corio::next(gen1));
    py::print(corio::next(gen1));
    py::print(corio::next(gen1));
    py::print(corio::next(gen1));
    // ... forever

    // Conditions
    auto gen2 = it::takewhile([](double n) { return n < 1000; }, it::count(1, 2.5));
    for (double v : gen2) py::print(v);

    // filterfalse: keeps only what fails the condition
    auto gen3 = it::filterfalse([](int n) { return n < 3; }, std::vector<int>{1, 2, 3, 4, 5});
    for (int v : gen3) py::print(v);

    // Running totals
    auto gen4 = it::accumulate(std::views::iota(1, 101));
    for (int v : gen4) py::print(v);

    // Chaining 1: a str and a range hold different types, so name the element type
    auto gen5 = it::chain<std::variant<char, int>>(
        std::string_view("ABCDE"), it::count(1, 2) | it::takewhile([](int n) { return n < 11; }));
    py::print(py::list(gen5));

    // Chaining 2
    auto gen6 = it::chain(it::enumerate(std::string_view("ABCDE")));
    py::print(py::list(gen6));

    // One at a time
    auto gen7 = it::product(std::string_view("ABCDE"));
    py::print(py::list(gen7));

    // Every arrangement; Python's tuples of repeat=3 elements are vectors here
    auto gen8 = it::product(std::string_view("ABCDE"), it::repeat_n{3}) |
                std::views::transform(
                    [](const std::vector<char>& v) { return std::tuple(v[0], v[1], v[2]); });
    py::print(py::list(gen8));

    // Grouping runs of repeated elements
    auto gen9 = it::groupby(std::string_view("AAABBCCCDDEEE"));
    for (const auto& [chr, group] : gen9) py::print(chr, ":", group);
}
