// Seed "Concurrency", sections "Coroutine Ex3" and "yield from":
//  - generator1 loops over 'AB' then range(1, 4); generator2 does the same with yield_from;
//  - wrapper_generator delegates to step_generator with yield_from, which evaluates to the
//    delegate's co_return value.

#include <iostream>
#include <ranges>
#include <string_view>
#include <variant>

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

using namespace std::literals;

// Python's generator1 yields str then int; in C++ the yielded type says so.
using item = std::variant<char, int>;

corio::generator<item> generator1() {
    for (char x : "AB"sv) co_yield x;
    for (int y : std::views::iota(1, 4)) co_yield y;
}

corio::generator<item> generator2() {
    co_yield corio::yield_from("AB"sv);
    co_yield corio::yield_from(std::views::iota(1, 4));
}

corio::generator<int, void, int> step_generator(int start, int stop, int step) {
    int count = 0;
    for (int value = start; value != stop; value += step, ++count) co_yield value;
    co_return count;
}

corio::generator<int> wrapper_generator() {
    const int count = co_yield corio::yield_from(step_generator(0, 10, 2));
    std::cout << "Generated " << count << " numbers\n";
}

}  // namespace

CORIO_EXAMPLE(yield_from) {
    auto t1 = generator1();
    for (int i = 0; i < 5; ++i) py::print(corio::next(t1));

    auto t2 = generator1();
    py::print(py::list(t2));

    auto t3 = generator2();
    for (int i = 0; i < 5; ++i) py::print(corio::next(t3));

    for (int f : wrapper_generator()) py::print(f);
}
