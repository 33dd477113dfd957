// Seed: the talk's counter(), a generator that adds up whatever is sent to it.
//
// The seed sends randint(1, 3); this example sends the fixed sequence 3, 2, 3, 2 so that its
// output is always the same.

#include <iostream>

#include <corio/gen/generator.hpp>

#include "example.hpp"

namespace {

corio::generator<int, int> counter(int start = 0, int limit = 10) {
    int value = start;
    while (value < limit) value += (co_yield value).value();
    co_yield value;
}

}  // namespace

CORIO_EXAMPLE(counter_send) {
    auto gen = counter();
    gen.next();  // prime the generator (Python: gen.send(None))
    for (int value : {3, 2, 3, 2}) {
        const auto total = gen.send(value);
        std::cout << "sent " << value << ", got " << *total << '\n';
    }
}
