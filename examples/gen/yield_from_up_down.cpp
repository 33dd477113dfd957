// Seed "How do coroutines work internally in Python?", section "Yield from and return": one
// generator delegating twice to another, counting up and then back down.

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

corio::generator<int> step_generator(int start, int stop, int step) {
    for (int value = start; value != stop; value += step) co_yield value;
}

corio::generator<int> wrapper_generator(int start, int stop) {
    co_yield corio::yield_from(step_generator(start, stop, 1));
    co_yield corio::yield_from(step_generator(stop, start, -1));
}

}  // namespace

CORIO_EXAMPLE(yield_from_up_down) {
    for (int f : wrapper_generator(0, 5)) py::print(f);
}
