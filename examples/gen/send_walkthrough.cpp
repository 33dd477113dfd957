// Seed "Concurrency", section "Coroutine": send() talks back to a paused generator.
//
// Python's `x = yield` yields None and evaluates to what send() delivers. Here the generator
// yields std::monostate (None; `co_yield {}`) and takes int sends: `co_yield {}` evaluates to a
// std::optional<int>, empty when the generator was resumed by next() instead.
// A generator must reach its first co_yield (one next()) before anything can be sent to it.

#include <variant>

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

corio::generator<std::monostate, int> func() {
    py::print("Function part 1");
    auto x = co_yield {};
    py::print(x);
    py::print("Function part 2");
    auto a = co_yield {};
    py::print(a);
    py::print("Function part 3");
}

corio::generator<std::monostate, int> coroutine1() {
    py::print(">>> coroutine started.");
    auto i = co_yield {};
    py::print(">>> coroutine received :", i);
}

}  // namespace

CORIO_EXAMPLE(send_walkthrough) {
    auto y = func();
    y.next();    // runs "Function part 1", up to the first co_yield
    y.send(6);   // x = 6, runs "Function part 2"
    y.send(12);  // a = 12, runs "Function part 3" to the end: send returns an empty optional
                 // where Python raises StopIteration

    auto cr1 = coroutine1();
    cr1.next();
    cr1.send(100);

    auto cr2 = coroutine1();
    try {
        cr2.send(100);  // too early: the body has not reached a co_yield yet
    } catch (const corio::generator_error& error) {
        py::print(error.what());
    }
}
