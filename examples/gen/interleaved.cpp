// Seed "Concurrency", section "coroutine 활용하기" (using coroutines): two generators stepped by
// hand in an arbitrary order run interleaved on one thread. A scheduler that picks the order is
// all it takes to turn this into cooperative multitasking.

#include <variant>

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

corio::generator<std::monostate> func1() {
    py::print("Function 1 part 1");
    co_yield {};
    py::print("Function 1 part 2");
    co_yield {};
    py::print("Function 1 part 3");
    co_yield {};
    py::print("Function 1 part 4");
    co_yield {};
    py::print("Function 1 part 5");
}

corio::generator<std::monostate> func2() {
    py::print("Function 2 part 1");
    co_yield {};
    py::print("Function 2 part 2");
    co_yield {};
    py::print("Function 2 part 3");
    co_yield {};
    py::print("Function 2 part 4");
    co_yield {};
    py::print("Function 2 part 5");
}

}  // namespace

CORIO_EXAMPLE(interleaved) {
    auto a = func1();
    auto b = func2();
    try {
        for (auto* gen : {&a, &b, &a, &a, &b, &b, &b, &a, &a}) corio::next(*gen);
    } catch (const corio::stop_iteration&) {
        // The last step ran "Function 1 part 5" and func1 returned, as in the seed.
    }
}
