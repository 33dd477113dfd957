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
/// Bytes a thread keeps cached, all classes together: a burst of about a hundred thousand tasks
/// (record and root frame each) is reused whole by the next burst, while an idle thread never
/// holds on to the memory of a million finished ones.
constexpr std::size_t max_cached_bytes = std::size_t{64} << 20;

struct free_block {
    free_block* next;
};

/// False once this thread's pool is destroyed: frames freed later in thread teardown (say, by
/// another thread_local's destructor) go straight back to malloc. Trivially destructible, so it
/// can still be read then.
thread_local bool pool_alive = false;

struct pool {
    free_block* heads[classes] = {};
    std::size_t cached_bytes = 0;

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
            frames.cached_bytes -= (c + 1) * granule;
            return b;
        }
        return ::operator new((c + 1) * granule);  // the class's full size, so any size reuses it
    }
    return ::operator new(size);
}

void deallocate_frame(void* p, std::size_t size) noexcept {
    const std::size_t c = class_of(size);
    if (c < classes && pool_alive && frames.cached_bytes < max_cached_bytes) {
        auto* b = static_cast<free_block*>(p);
        b->next = frames.heads[c];
        frames.heads[c] = b;
        frames.cached_bytes += (c + 1) * granule;
        return;
    }
    ::operator delete(p);
}

#else

void* allocate_frame(std::size_t size) { return ::operator new(size); }
void deallocate_frame(void* p, std::size_t) noexcept { ::operator delete(p); }

#endif

}  // namespace corio::detail
