#pragma once
/// @file
/// `CORIO_EXAMPLE(name) { ... }` defines an example: the function `corio_example_<name>()` with the
/// body that follows. Built alone, the example also gets a `main()` that runs it; built into the
/// tour (with `CORIO_TOUR` defined), it is one of the tour's chapters (see examples/tour.cpp).
///
/// Examples print to `std::cout` only. Helpers an example defines go in an unnamed namespace, so
/// that every example can be linked into the one tour executable.

#include <exception>
#include <iostream>

#ifdef CORIO_TOUR
#define CORIO_EXAMPLE(name) void corio_example_##name()
#else
#define CORIO_EXAMPLE(name)                                         \
    void corio_example_##name();                                    \
    int main() {                                                    \
        try {                                                       \
            corio_example_##name();                                 \
            return 0;                                               \
        } catch (const std::exception& error) {                     \
            std::cout << std::flush;                                \
            std::cerr << #name ": error: " << error.what() << '\n'; \
            return 1;                                               \
        }                                                           \
    }                                                               \
    void corio_example_##name()
#endif
