// Fibonacci numbers three ways, from three seeds:
//  - "Concurrency": an endless generator, asked for five values with corio::next();
//  - "How do coroutines work internally in Python?": a finite generator in a range-for loop;
//  - the talk's fib(): stepped with corio::next() until it throws corio::stop_iteration.

#include <tuple>
#include <utility>

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

// Never ends, and need not: only the values someone asks for are ever computed.
corio::generator<int> fibonacci_generator() {
    int n1 = 0;
    int n2 = 1;
    while (true) {
        co_yield n1;
        std::tie(n1, n2) = std::pair{n2, n1 + n2};
    }
}

corio::generator<int> yield_fibonacci(int i) {
    int a = 1;
    int b = 1;
    for (int n = 0; n < i; ++n) {
        co_yield a;
        std::tie(b, a) = std::pair{a + b, b};
    }
}

corio::generator<int> fib(int count) {
    int a = 1;
    int b = 0;
    for (int n = 0; n < count; ++n) {
        std::tie(a, b) = std::pair{b, a + b};
        co_yield b;
    }
}

}  // namespace

CORIO_EXAMPLE(fibonacci) {
    auto sequence = fibonacci_generator();
    for (int i = 0; i < 5; ++i) py::print(corio::next(sequence));

    for (int f : yield_fibonacci(5)) py::print(f);

    auto gen = fib(5);
    try {
        while (true) py::print(corio::next(gen));
    } catch (const corio::stop_iteration& stop) {
        py::print(stop.what());  // where Python's traceback ends in StopIteration
    }
}
