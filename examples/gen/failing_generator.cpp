// Seed "How do coroutines work internally in Python?", section "Exceptions inside generators": an
// exception thrown inside a delegate reaches the try/catch around yield_from in the wrapper.
//
// Not in the seed: the same wrapper again, with the error thrown in from outside by
// throw_exception() (Python's gen.throw()) while the delegate is paused at `co_yield 0`.

#include <exception>
#include <stdexcept>

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

corio::generator<int> failing_generator() {
    co_yield 0;
    throw std::runtime_error("Generator error");
    co_yield 1;
}

corio::generator<int> wrapper_generator() {
    try {
        co_yield corio::yield_from(failing_generator());
    } catch (const std::exception&) {
        py::print("Something went wrong");
    }
}

}  // namespace

CORIO_EXAMPLE(failing_generator) {
    for (int f : wrapper_generator()) py::print(f);

    auto gen = wrapper_generator();
    py::print(corio::next(gen));
    if (!gen.throw_exception(std::runtime_error("Thrown in"))) {
        py::print("wrapper finished");  // Python: gen.throw() raised StopIteration
    }
}
