// Consumer of an installed corio, built via find_package, pkg-config and add_subdirectory by the
// install.find_package test. It must use code from the compiled library, not only headers.
#include <cstdio>

#include <corio/gen/generator.hpp>

corio::generator<int, int> counter() {
    int value = 0;
    while (value < 10) value += (co_yield value).value_or(1);
}

int main() {
    auto gen = counter();
    try {
        gen.send(1);  // just-started: raises through the library's out-of-line error path
        return 1;
    } catch (const corio::generator_error&) {
    }
    int last = 0;
    gen.next();
    while (auto v = gen.send(3)) last = *v;
    std::printf("consumer ok %d\n", last);
    return last == 9 ? 0 : 1;
}
