// Seed "Concurrency", section "generator state 확인" (checking a generator's state): values go
// both ways (co_yield hands one out, send() hands one in) while state() reports where the
// generator is, as Python's inspect.getgeneratorstate does. The seed's Korean labels are kept.
//
// After the seed's lines, close() finishes the generator while it is paused.

#include <corio/gen/generator.hpp>

#include "example.hpp"
#include "pyrepr.hpp"

namespace {

corio::generator<int, int> coroutine2(int x) {
    py::print(">>> coroutine started :", x);
    auto y = co_yield x;
    py::print(">>> coroutine received :", y);
    auto z = co_yield x + y.value();
    py::print(">>> coroutine received :", z);
}

}  // namespace

CORIO_EXAMPLE(generator_state) {
    auto cr3 = coroutine2(10);
    py::print("상태 값 확인");
    py::print(cr3.state());  // GEN_CREATED
    py::print(corio::next(cr3));
    py::print(cr3.state());  // GEN_SUSPENDED

    py::print("확인");
    py::print(cr3.send(100));
    py::print(cr3.state());  // GEN_SUSPENDED

    cr3.close();
    py::print(cr3.state());  // GEN_CLOSED
}
