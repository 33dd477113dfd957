// Seed: the talk "Thinking outside the event loop" — Python's native coroutines, after the
// hand-made ones of naive_loops.cpp:
//
//   async def foo(): return 37          coro = foo(); print(coro); print(asyncio.run(coro))
//   async def sleepy(duration: float):  print("sleeping..."); await asyncio.sleep(duration)
//                                       return 37, awaited by foo() as `await sleepy(1.0)`
//   async def agen(x):                  for i in range(x): yield i   (then `async for v in
//   agen(37)`)
//
// In corio, calling an async function makes a lazy `corio::task<T>` (the coroutine object); it
// runs once awaited or handed to `corio::run` (asyncio.run). `sleep` takes seconds as a double
// just as Python's does, and `co_yield` in a `corio::async_generator` is Python's async generator.

#include <chrono>
#include <iostream>

#include <corio/core.hpp>

#include "example.hpp"

namespace {

bool foo_started = false;

corio::task<int> foo() {
    foo_started = true;
    co_return 37;
}

corio::task<int> sleepy(double duration) {
    std::cout << "sleeping..." << std::endl;
    co_await corio::sleep(std::chrono::duration<double>(duration));  // seconds, as a float
    co_return 37;
}

corio::task<int> foo_awaiting_sleepy() {
    const int value = co_await sleepy(1.0);
    co_return value;
}

corio::async_generator<int> agen(int x) {
    for (int i = 0; i < x; ++i) co_yield i;
}

corio::task<void> print_agen() {
    auto values = agen(37);
    while (auto v = co_await values.next()) std::cout << *v << '\n';  // async for v in agen(37)
}

}  // namespace

CORIO_EXAMPLE(native_coroutines) {
    auto coro = foo();
    std::cout << "<coroutine object foo: " << (foo_started ? "running" : "not started") << ">\n";
    std::cout << corio::run(std::move(coro)) << '\n';

    std::cout << corio::run(foo_awaiting_sleepy()) << '\n';

    corio::run(print_agen());
}
