// The per-thread frame pool (include/corio/core/detail/frame_allocator.hpp): mimalloc's design,
// cut down to what frames need.
//
// Chunks. A pool takes memory in chunks aligned to 64 KiB, from posix_memalign (ASan and LSan see
// and scan it). A chunk serves one size class: a 64-byte header, then blocks of the class's size,
// carved one at a time so that pages nobody used cost no RSS. It is 80 bytes short of 64 KiB, so
// that glibc carves it from its heap, right after the previous one, and takes it back with a
// plain free; a full 64 KiB (what libstdc++'s aligned operator new would ask) crosses the mmap
// threshold: a 128 KiB mapping per chunk, and a munmap per chunk given back.
// `address & ~(chunk_bytes - 1)` finds a block's header, which names the owning pool (`home`):
// no header per block, so a 112-byte task record still takes 112 bytes (and 1/583 of a header).
//
// Owner thread, the fast path. The pool's state is a constant-initialized thread_local (no init
// guard); `current[k]` is the chunk size class k allocates from. Allocating pops that chunk's free
// list and counts the block `used`; freeing masks the address, compares `home` with this thread's
// pool, pushes onto the chunk's free list and uncounts it. One comparison, `used == notify_at`,
// catches the rare moments a chunk changes state:
//   current   (allocated from; never notifies) -> when its free list runs dry and another chunk
//              takes over, retired (available if it still has blocks to carve)
//   retired   (not listed: all its blocks are out; notifies when one comes back) -> available
//   available (listed for its class: has free or uncarved blocks; notifies when its last live
//              block is freed) -> empty
//   empty     (listed for its class, free list intact; may be reformatted for another class), or,
//              beyond the cache cap, given back to malloc at once.
// When current[k] runs dry, allocation prefers memory already touched: (1) blocks freed by other
// threads, (2) an available chunk of the class, (3) an empty one of the class, (4) the current
// chunk's uncarved rest, (5) an empty chunk of another class, (6) a new chunk. So a thread that
// gets its blocks back reuses exactly those before it touches anything new.
//
// Remote frees. A block freed on another thread is pushed (CAS) onto its owner's `remote` stack,
// one lock-free stack per pool; in step (1) the owner takes all of it with one exchange (so no
// ABA) and frees each block as its own.
//
// Owner exit. The pool's first use registers a thread_local hook; when the thread ends, it swaps
// `remote` for the `orphaned` mark (freeing what was on it), gives back its empty chunks and the
// current ones with no live block, and deletes the pool record if no chunk is left. Otherwise the
// record (on the heap, not thread_local) lives on: a free that finds the mark where it would push
// takes `orphan_mutex`, uncounts the block, gives back its chunk at zero, and the record with its
// last chunk. A push that races with the swap fails its CAS and then sees the mark, so no block is
// stranded; the hook holds the mutex throughout, so such a free waits until the hand-off is done.
//
// Teardown. thread_local destructors that run after the hook may still free frames (the orphan
// path) and allocate them: from a static pool, orphaned from the start, under the mutex.
//
// Bound. A thread keeps at most `max_cached_bytes` of empty chunks; a chunk that becomes empty
// beyond that is given back. Everything else it holds has a live block in it, apart from one
// current chunk per size class in use. A block freed on another thread counts as live until the
// owner takes it back: when one of its chunks runs dry, or when it ends. So a thread that stops
// allocating keeps what others freed for it meanwhile: at most its own earlier peak.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>

#include <stdlib.h>  // posix_memalign

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
constexpr std::size_t chunk_bytes = std::size_t{64} << 10;  // alignment, and address space taken
constexpr std::size_t chunk_request = chunk_bytes - 80;     // (see "Chunks" above)
constexpr std::size_t header_bytes = 64;  // a cache line: the owner's writes stay off the blocks
/// Bytes of empty chunks a thread keeps: a burst of about a hundred thousand tasks (record and
/// root frame each) is reused whole by the next burst, while an idle thread never holds on to the
/// memory of a million finished ones.
constexpr std::size_t max_cached_bytes = std::size_t{64} << 20;
constexpr std::size_t max_empty_chunks = max_cached_bytes / chunk_bytes;
constexpr std::uint32_t never = UINT32_MAX;  // a `notify_at` that `used` cannot reach

constexpr std::size_t class_of(std::size_t size) noexcept { return (size - 1) / granule; }
constexpr std::size_t block_bytes(std::size_t k) noexcept { return (k + 1) * granule; }
constexpr std::size_t capacity(std::size_t k) noexcept {
    return (chunk_request - header_bytes) / block_bytes(k);
}

struct free_block {
    free_block* next;
};

/// What outlives the owner thread: its chunks point here. `chunks` is the owner's alone while
/// the thread lives, then `orphan_mutex`'s.
struct pool_record {
    std::atomic<free_block*> remote{nullptr};  // blocks freed elsewhere; `&orphaned` once ended
    std::size_t chunks = 0;
};

/// What a chunk is to its owner (the file comment's state list): which list holds it, if any.
enum class chunk_state : std::uint32_t { current, retired, available, empty };

struct alignas(header_bytes) chunk {
    free_block* free = nullptr;  // the owner's: freed blocks, reused first
    std::uint32_t used = 0;      // blocks out, those on the owner's remote stack included
    std::uint32_t notify_at = never;
    pool_record* home = nullptr;  // set once: other threads read it, concurrently with the rest
    char* bump = nullptr;         // the first block never carved; `end` when all are
    char* end = nullptr;
    chunk* prev = nullptr;  // in the owner's available or empty list of the class
    chunk* next = nullptr;
    std::uint32_t cls = 0;
    chunk_state state = chunk_state::current;
};
static_assert(sizeof(chunk) == header_bytes && capacity(classes - 1) >= 2);

/// `current[k]` until class k's first chunk: its empty free list sends allocation to the slow
/// path, which never writes to it.
constinit chunk no_chunk{};
/// Its address marks the remote stack of a pool whose thread has ended.
constinit free_block orphaned{nullptr};
/// Serializes everything done to pools whose thread has ended (a rare path).
constinit std::mutex orphan_mutex;
/// The pool of frames allocated by a thread after its own pool ended (thread_local destructors),
/// orphaned from the start; `fallback_current` is its current chunk per class (`orphan_mutex`).
constinit pool_record immortal{&orphaned};
constinit chunk* fallback_current[classes] = {};
constinit std::atomic<std::size_t> orphaned_pools{0};

/// The owner's side of a thread's pool. Trivially destructible: it stays readable through the
/// whole of thread teardown, when the hook below has already handed the pool off.
struct thread_pool {
    chunk* current[classes] = {};
    pool_record* self = nullptr;  // null before the first allocation and after the hand-off
    chunk* available[classes] = {};
    chunk* empty[classes] = {};
    std::size_t empty_count = 0;
    bool ended = false;

    constexpr thread_pool() noexcept {
        for (chunk*& c : current) c = &no_chunk;
    }
};
constinit thread_local thread_pool tls;

/// The header of a block's chunk: chunks are aligned to their size, so no lookup is needed.
chunk* chunk_of(void* p) noexcept {
    return reinterpret_cast<chunk*>(reinterpret_cast<std::uintptr_t>(p) & ~(chunk_bytes - 1));
}

/// The owner's chunk lists are doubly linked, so that a chunk leaves one in O(1) from anywhere.
void link(chunk*& head, chunk* c) noexcept {
    c->prev = nullptr;
    c->next = head;
    if (head != nullptr) head->prev = c;
    head = c;
}

void unlink(chunk*& head, chunk* c) noexcept {
    (c->prev != nullptr ? c->prev->next : head) = c->next;
    if (c->next != nullptr) c->next->prev = c->prev;
}

chunk* pop(chunk*& head) noexcept {
    chunk* c = head;
    if (c != nullptr) unlink(head, c);
    return c;
}

/// Makes `c` serve class `k`, all its blocks uncarved (a new chunk, or an empty one reused).
void format(chunk* c, std::size_t k) noexcept {
    c->cls = static_cast<std::uint32_t>(k);
    c->free = nullptr;
    c->used = 0;
    c->bump = reinterpret_cast<char*>(c) + header_bytes;
    c->end = c->bump + capacity(k) * block_bytes(k);
}

/// Errors: `std::bad_alloc`, with nothing changed.
chunk* new_chunk(pool_record* home, std::size_t k) {
    void* memory = nullptr;
    if (posix_memalign(&memory, chunk_bytes, chunk_request) != 0) throw std::bad_alloc();
    chunk* c = ::new (memory) chunk{};
    c->home = home;
    ++home->chunks;
    format(c, k);
    return c;
}

/// Gives a chunk with no live block back to malloc.
void release(chunk* c) noexcept {
    --c->home->chunks;
    std::free(c);
}

/// A block of `c`, which has a free or an uncarved one: freed blocks first.
void* take(chunk* c) noexcept {
    ++c->used;
    if (free_block* b = c->free) {
        c->free = b->next;
        return b;
    }
    char* p = c->bump;
    c->bump += block_bytes(c->cls);
    return p;
}

/// Allocation now comes from `c`, which is in no list; it never notifies while it is current.
void make_current(chunk* c) noexcept {
    c->state = chunk_state::current;
    c->notify_at = never;
    tls.current[c->cls] = c;
}

/// Keeps `c`, now without a live block and in no list, as empty, or gives it back beyond the cap.
void to_empty(chunk* c) noexcept {
    if (tls.empty_count >= max_empty_chunks) return release(c);
    c->state = chunk_state::empty;
    c->notify_at = never;
    link(tls.empty[c->cls], c);
    ++tls.empty_count;
}

/// `c`'s `used` reached `notify_at`: a retired chunk got a block back, or an available one lost
/// its last live block.
void chunk_freed(chunk* c) noexcept {
    if (c->state == chunk_state::available) {
        unlink(tls.available[c->cls], c);
    } else if (c->used != 0) {
        c->state = chunk_state::available;
        c->notify_at = 0;
        return link(tls.available[c->cls], c);
    }
    to_empty(c);
}

/// The current chunk `c`, whose free list is empty, makes way for another. If it has blocks left
/// to carve, it is available: no new chunk is taken while an old one has room.
void retire(chunk* c) noexcept {
    if (c == &no_chunk) return;
    if (c->used == 0) return to_empty(c);  // nothing carved yet
    if (c->bump != c->end) {
        c->state = chunk_state::available;
        c->notify_at = 0;
        return link(tls.available[c->cls], c);
    }
    c->state = chunk_state::retired;
    c->notify_at = c->used - 1;
}

/// Frees a block of a chunk of this thread's pool, on this thread.
inline void free_local(chunk* c, void* p) noexcept {
    c->free = ::new (p) free_block{c->free};
    if (--c->used == c->notify_at) [[unlikely]] {
        chunk_freed(c);
    }
}

/// Frees, as the owner, the blocks of a list taken from the remote stack.
void free_all(free_block* b) noexcept {
    while (b != nullptr) {
        free_block* next = b->next;
        free_local(chunk_of(b), b);
        b = next;
    }
}

/// Frees a block of a pool whose thread has ended (or the fallback pool's).
void free_orphaned(chunk* c) noexcept {
    pool_record* home = c->home;
    std::lock_guard lock(orphan_mutex);
    if (--c->used != 0) return;
    if (home == &immortal && fallback_current[c->cls] == c) fallback_current[c->cls] = nullptr;
    release(c);
    if (home != &immortal && home->chunks == 0) {
        delete home;
        orphaned_pools.fetch_sub(1, std::memory_order_relaxed);
    }
}

/// Frees a block of another thread's pool: onto its remote stack, or, once it ended, under the
/// mutex. Out of line: the owner's own frees stay a few instructions.
[[gnu::noinline]] void free_remote(chunk* c, void* p) noexcept {
    pool_record* home = c->home;
    auto* b = ::new (p) free_block{nullptr};
    free_block* head = home->remote.load(std::memory_order_relaxed);
    do {
        if (head == &orphaned) return free_orphaned(c);
        b->next = head;
    } while (!home->remote.compare_exchange_weak(head, b, std::memory_order_release,
                                                 std::memory_order_relaxed));
}

/// Allocation on a thread whose pool has ended: from the fallback pool.
void* allocate_orphaned(std::size_t k) {
    std::lock_guard lock(orphan_mutex);
    chunk*& c = fallback_current[k];
    // A replaced chunk still has live blocks (one with none is given back at once): the last of
    // them gives it back.
    if (c == nullptr || c->bump == c->end) c = new_chunk(&immortal, k);
    return take(c);
}

/// Hands the thread's pool off (see "Owner exit" above).
void end_pool() noexcept {
    thread_pool& t = tls;
    pool_record* self = t.self;
    if (self == nullptr) return;
    std::lock_guard lock(orphan_mutex);
    free_all(self->remote.exchange(&orphaned, std::memory_order_acq_rel));
    for (std::size_t k = 0; k < classes; ++k) {
        while (chunk* e = pop(t.empty[k])) release(e);
        if (t.current[k] != &no_chunk && t.current[k]->used == 0) release(t.current[k]);
        t.current[k] = &no_chunk;
        t.available[k] = nullptr;  // chunks with live blocks, now counted by `chunks` alone
    }
    t.empty_count = 0;
    t.self = nullptr;
    t.ended = true;
    if (self->chunks == 0) {
        delete self;
    } else {
        orphaned_pools.fetch_add(1, std::memory_order_relaxed);
    }
}

/// Its destructor, run when the thread ends, hands the pool off.
struct exit_hook {
    exit_hook() = default;
    ~exit_hook() { end_pool(); }
};

/// current[k] has no free block: the pool's first use, steps (1) to (6) of the file comment, or
/// an ended pool. Out of line, so that the fast path stays small enough to inline everywhere.
[[gnu::noinline]] void* allocate_slow(std::size_t k) {
    thread_pool& t = tls;
    if (t.self == nullptr) {
        if (t.ended) return allocate_orphaned(k);
        static thread_local exit_hook hook;  // registered now: destroyed when the thread ends
        t.self = new pool_record;
    }
    chunk* c = t.current[k];
    if (t.self->remote.load(std::memory_order_relaxed) != nullptr) {
        free_all(t.self->remote.exchange(nullptr, std::memory_order_acquire));
        if (c->free != nullptr) return take(c);
    }
    chunk* next = pop(t.available[k]);
    if (next == nullptr && (next = pop(t.empty[k])) != nullptr) --t.empty_count;
    if (next == nullptr && c->bump != c->end) return take(c);
    for (std::size_t j = 0; next == nullptr && j < classes; ++j) {
        if ((next = pop(t.empty[j])) != nullptr) {
            --t.empty_count;
            format(next, k);
        }
    }
    if (next == nullptr) next = new_chunk(t.self, k);
    retire(c);
    make_current(next);
    return take(next);
}

}  // namespace

void* allocate_frame(std::size_t size) {
    const std::size_t k = class_of(size);
    if (k >= classes) [[unlikely]] {
        return ::operator new(size);
    }
    chunk* c = tls.current[k];
    if (free_block* b = c->free) [[likely]] {
        c->free = b->next;
        ++c->used;
        return b;
    }
    return allocate_slow(k);
}

void deallocate_frame(void* p, std::size_t size) noexcept {
    if (class_of(size) >= classes) [[unlikely]] {
        return ::operator delete(p);
    }
    chunk* c = chunk_of(p);
    if (c->home == tls.self) [[likely]] {
        return free_local(c, p);
    }
    free_remote(c, p);
}

bool frame_pool_enabled() noexcept { return true; }

frame_pool_stats frame_pool_thread_stats() noexcept {
    const thread_pool& t = tls;
    return {(t.self != nullptr ? t.self->chunks : 0) * chunk_bytes, t.empty_count * chunk_bytes,
            max_cached_bytes, chunk_bytes, orphaned_pools.load(std::memory_order_relaxed)};
}

#else

void* allocate_frame(std::size_t size) { return ::operator new(size); }
void deallocate_frame(void* p, std::size_t) noexcept { ::operator delete(p); }
bool frame_pool_enabled() noexcept { return false; }
frame_pool_stats frame_pool_thread_stats() noexcept { return {}; }

#endif

}  // namespace corio::detail
