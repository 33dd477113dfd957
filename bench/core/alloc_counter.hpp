#pragma once
/// @file
/// Replaces the global `operator new`/`delete` of a bench binary to count heap bytes, so the
/// memory of a suspended task is measured without knowing anything about the library's types.
/// Include it in exactly ONE translation unit of a binary (it defines the replacements).
///
/// Counting is off except between `start()` and `stop()`. While on, `live_bytes` goes up by the
/// size asked of every `operator new` and down by the size of every `operator delete` (sized
/// deletes pass it; for an unsized one `malloc_usable_size` stands in), so it is the net growth of
/// the heap in the window, as asked by the code, without malloc's own overhead.
///
/// (noinline: once inlined, GCC pairs the malloc in one with the free in the other and reports a
/// mismatched new/delete.)

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#include <malloc.h>

namespace corio::bench::alloc_counter {
inline bool counting = false;
inline std::int64_t live_bytes = 0;
inline std::int64_t allocations = 0;

inline void start() noexcept {
    live_bytes = 0;
    allocations = 0;
    counting = true;
}
inline void stop() noexcept { counting = false; }
}  // namespace corio::bench::alloc_counter

[[gnu::noinline]] void* operator new(std::size_t size) {
    namespace ac = corio::bench::alloc_counter;
    if (ac::counting) {
        ac::live_bytes += static_cast<std::int64_t>(size);
        ++ac::allocations;
    }
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t size) { return ::operator new(size); }
[[gnu::noinline]] void operator delete(void* p) noexcept {
    namespace ac = corio::bench::alloc_counter;
    if (ac::counting && p) ac::live_bytes -= static_cast<std::int64_t>(malloc_usable_size(p));
    std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t size) noexcept {
    namespace ac = corio::bench::alloc_counter;
    if (ac::counting && p) ac::live_bytes -= static_cast<std::int64_t>(size);
    std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p) noexcept { ::operator delete(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t size) noexcept {
    ::operator delete(p, size);
}
