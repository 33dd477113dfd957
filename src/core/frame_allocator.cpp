// The per-thread frame pool (include/corio/core/detail/frame_allocator.hpp).
#include <cstdint>
#include <new>

#include <corio/core/detail/frame_allocator.hpp>

// CMake's CORIO_FRAME_POOL setting defines this as 0 or 1; AUTO leaves it undefined: pooled except
// under AddressSanitizer or ThreadSanitizer.
#ifndef CORIO_FRAME_POOL
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CORIO_FRAME_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CORIO_FRAME_POOL 0
#endif
#endif
#endif
#ifndef CORIO_FRAME_POOL
#define CORIO_FRAME_POOL 1
#endif

namespace corio::detail {

#if CORIO_FRAME_POOL
namespace {

constexpr std::size_t granule = 16;
constexpr std::size_t classes = 64;  // pooled sizes: up to 1 KiB; larger frames go to malloc
/// Blocks kept per class: enough for bursts of tens of thousands of tasks, bounded so that an
/// idle thread does not hold on to the memory of a million finished ones.
constexpr std::uint32_t max_cached = 1u << 16;

struct free_block {
    free_block* next;
};

/// False once this thread's pool is destroyed: frames freed later in thread teardown (say, by
/// another thread_local's destructor) go straight back to malloc. Trivially destructible, so it
/// can still be read then.
thread_local bool pool_alive = false;

struct pool {
    free_block* heads[classes] = {};
    std::uint32_t counts[classes] = {};

    pool() noexcept { pool_alive = true; }
    ~pool() {
        pool_alive = false;
        for (std::size_t c = 0; c < classes; ++c) {
            while (free_block* b = heads[c]) {
                heads[c] = b->next;
                ::operator delete(b);
            }
        }
    }
};

thread_local pool frames;

constexpr std::size_t class_of(std::size_t size) noexcept { return (size - 1) / granule; }

}  // namespace

void* allocate_frame(std::size_t size) {
    const std::size_t c = class_of(size);
    if (c < classes) {
        if (free_block* b = frames.heads[c]) {
            frames.heads[c] = b->next;
            --frames.counts[c];
            return b;
        }
        return ::operator new((c + 1) * granule);  // the class's full size, so any size reuses it
    }
    return ::operator new(size);
}

void deallocate_frame(void* p, std::size_t size) noexcept {
    const std::size_t c = class_of(size);
    if (c < classes && pool_alive && frames.counts[c] < max_cached) {
        auto* b = static_cast<free_block*>(p);
        b->next = frames.heads[c];
        frames.heads[c] = b;
        ++frames.counts[c];
        return;
    }
    ::operator delete(p);
}

#else

void* allocate_frame(std::size_t size) { return ::operator new(size); }
void deallocate_frame(void* p, std::size_t) noexcept { ::operator delete(p); }

#endif

}  // namespace corio::detail
