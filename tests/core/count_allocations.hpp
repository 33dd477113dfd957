#pragma once
// Replaces the global operator new with one that counts, for tests that show a path allocates
// nothing: read `corio_test::allocations` before and after. Include it in one source file of a
// test binary only (it defines the replacement functions, which a program has once).
#include <cstddef>
#include <cstdlib>
#include <new>

namespace corio_test {
/// Calls of operator new (plain and nothrow) so far, on any thread.
inline std::size_t allocations = 0;
}  // namespace corio_test

[[gnu::noinline]] void* operator new(std::size_t size) {
    ++corio_test::allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    ++corio_test::allocations;
    return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
