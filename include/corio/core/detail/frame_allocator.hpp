#pragma once
/// @file
/// Recycles the memory of coroutine frames and task records per thread, by size class.
///
/// Every `co_await child()` allocates the child's frame and frees it a few nanoseconds later;
/// every task allocates a record and a root frame. malloc handles that, but it is about half the
/// cost of an await, and glibc returns the memory of a burst of finished tasks to the kernel, so
/// the next burst page-faults it back in. A per-thread free list per 16-byte size class makes both
/// a pointer pop and push. Blocks freed on another thread join that thread's lists (memory is just
/// memory); a thread's cached blocks go back to malloc when the thread ends.
///
/// Under AddressSanitizer or ThreadSanitizer the pool is bypassed by default, so that a use after
/// free of a frame is still caught; the CMake setting CORIO_FRAME_POOL (AUTO, ON, OFF) overrides
/// that, and the `clang` and `tsan` presets turn it ON so that the tests also run through the pool.

#include <cstddef>

namespace corio::detail {

/// Allocates `size` bytes for a frame or record. Errors: `std::bad_alloc`.
[[nodiscard]] void* allocate_frame(std::size_t size);
/// Frees memory from `allocate_frame(size)`.
void deallocate_frame(void* p, std::size_t size) noexcept;

/// Mixin giving a class (a coroutine promise, a task record) pooled `operator new`/`delete`.
struct pooled {
    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }
};

}  // namespace corio::detail
