#pragma once
/// @file
/// Recycles the memory of coroutine frames and task records per thread, by size class.
///
/// Every `co_await child()` allocates the child's frame and frees it a few nanoseconds later;
/// every task allocates a record and a root frame. malloc handles that, but it is about half the
/// cost of an await, and glibc returns the memory of a burst of finished tasks to the kernel, so
/// the next burst page-faults it back in. A per-thread pool makes both a pointer pop and push.
///
/// Each thread's pool carves its blocks (16-byte size classes up to 1 KiB) from chunks aligned to
/// 64 KiB, one class per chunk, so that the chunk's header, found by masking a block's address,
/// names the pool that owns the block: blocks carry no header of their own. A
/// block freed on its owner's thread goes back to its chunk; one freed on another thread is
/// pushed onto its owner's lock-free "remote" stack, which the owner drains when a chunk runs
/// dry, so memory returns to the thread that allocates it instead of piling up on the thread
/// that frees it. A pool outlives its thread until the last of its blocks is freed; a thread
/// keeps at most 64 MiB of wholly free chunks, and gives back the rest. The design in full:
/// src/core/frame_allocator.cpp.
///
/// Under AddressSanitizer or ThreadSanitizer the pool is bypassed by default, so that a use after
/// free of a frame is still caught; the CMake setting CORIO_FRAME_POOL (AUTO, ON, OFF) overrides
/// that, and the `clang` and `tsan` presets turn it ON so that the tests also run through the pool.

#include <cstddef>

namespace corio::detail {

/// Allocates `size` bytes for a frame or record. Errors: `std::bad_alloc`.
[[nodiscard]] void* allocate_frame(std::size_t size);
/// Frees memory from `allocate_frame(size)`, on any thread, even after the allocating one ended.
void deallocate_frame(void* p, std::size_t size) noexcept;

/// Mixin giving a class (a coroutine promise, a task record) pooled `operator new`/`delete`.
struct pooled {
    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }
};

/// Whether this build pools frames at all (CORIO_FRAME_POOL): without the pool, tests of reuse
/// have nothing to check and the statistics below stay zero.
[[nodiscard]] bool frame_pool_enabled() noexcept;

/// What the pool holds, for tests and diagnostics (not a stable interface): the calling thread's
/// pool, and one process-wide count.
struct frame_pool_stats {
    /// Bytes of all chunks the calling thread's pool owns (64 KiB each, the address space they
    /// take): live blocks, free ones, empty chunks.
    std::size_t owned_bytes = 0;
    /// Of those, bytes of wholly free chunks kept for reuse; never above `cache_limit_bytes`.
    std::size_t cached_bytes = 0;
    /// The cap on `cached_bytes`: wholly free chunks beyond it go back to malloc.
    std::size_t cache_limit_bytes = 0;
    /// The size of one chunk; a pool also keeps the chunk it carves from in each size class.
    std::size_t chunk_bytes = 0;
    /// Process-wide: pools whose thread has ended while some of their blocks live on.
    std::size_t orphaned_pools = 0;
};

/// A snapshot of `frame_pool_stats` (all zero when the pool is not compiled in).
[[nodiscard]] frame_pool_stats frame_pool_thread_stats() noexcept;

}  // namespace corio::detail
