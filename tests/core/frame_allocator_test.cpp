// The per-thread frame pool. Under the `clang` and `tsan` presets the pool is on, and every other
// test runs through it too; under `debug` (ASan) it passes allocations straight to malloc, and the
// tests of what the pool itself does skip. Each of those runs on a thread of its own, so that it
// starts from a fresh pool whatever the tests before it left behind.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <corio/core.hpp>
#include <corio/core/detail/frame_allocator.hpp>

namespace {

using corio::detail::allocate_frame;
using corio::detail::deallocate_frame;
using corio::detail::frame_pool_enabled;
using corio::detail::frame_pool_thread_stats;

std::size_t orphaned_pools() { return frame_pool_thread_stats().orphaned_pools; }

/// Fills a block with a pattern derived from its address and size, so that a block handed out
/// twice at once, or a block overwritten while live, shows.
void stamp(void* p, std::size_t size) {
    const auto seed = static_cast<unsigned char>(reinterpret_cast<std::uintptr_t>(p) >> 4);
    std::memset(p, seed ^ static_cast<unsigned char>(size), size);
}
bool stamped(const void* p, std::size_t size) {
    const auto seed = static_cast<unsigned char>(reinterpret_cast<std::uintptr_t>(p) >> 4);
    const auto* bytes = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < size; ++i) {
        if (bytes[i] != (seed ^ static_cast<unsigned char>(size))) return false;
    }
    return true;
}

TEST(FrameAllocator, BlocksAreUsableAndDistinctAcrossSizeClasses) {
    std::vector<std::pair<void*, std::size_t>> blocks;
    std::set<void*> seen;
    for (std::size_t size : {1, 15, 16, 17, 100, 512, 1024, 1025, 4096}) {
        for (int i = 0; i < 50; ++i) {
            void* p = allocate_frame(size);
            std::memset(p, 0xab, size);  // the whole size is writable
            EXPECT_TRUE(seen.insert(p).second);
            EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0u);
            blocks.emplace_back(p, size);
        }
    }
    for (auto [p, size] : blocks) deallocate_frame(p, size);
}

TEST(FrameAllocator, ReusesFreedBlocksOfTheSameClass) {
    std::thread([] {
        void* a = allocate_frame(200);
        deallocate_frame(a, 200);
        void* b = allocate_frame(193);  // same 16-byte class as 200
        std::memset(b, 0, 193);
        if (frame_pool_enabled()) {
            EXPECT_EQ(b, a);
        }
        deallocate_frame(b, 193);
    }).join();
}

TEST(FrameAllocator, AnIdleThreadKeepsAtMostTheCacheLimit) {
    if (!frame_pool_enabled()) GTEST_SKIP() << "the frame pool is not compiled in";
    std::thread([] {
        constexpr std::size_t n = 1'100'000;  // 70 MiB of 64-byte blocks: beyond the 64 MiB cap
        std::vector<void*> blocks;
        blocks.reserve(n);
        for (std::size_t i = 0; i < n; ++i) blocks.push_back(allocate_frame(64));
        EXPECT_GE(frame_pool_thread_stats().owned_bytes, n * 64);
        for (void* p : blocks) deallocate_frame(p, 64);
        const auto s = frame_pool_thread_stats();
        EXPECT_LE(s.cached_bytes, s.cache_limit_bytes);
        // The cache, plus the chunk the class allocates from.
        EXPECT_LE(s.owned_bytes, s.cache_limit_bytes + s.chunk_bytes);
    }).join();
}

TEST(FrameAllocator, BlocksFreedOnAnotherThreadComeBackToTheirOwner) {
    if (!frame_pool_enabled()) GTEST_SKIP() << "the frame pool is not compiled in";
    std::thread([] {
        constexpr std::size_t n = 1000;  // more than one chunk's worth
        std::vector<void*> first;
        for (std::size_t i = 0; i < n; ++i) first.push_back(allocate_frame(96));
        const std::size_t owned = frame_pool_thread_stats().owned_bytes;
        std::thread([&] {
            for (void* p : first) deallocate_frame(p, 96);
            EXPECT_EQ(frame_pool_thread_stats().owned_bytes, 0u);  // none joined this pool
        }).join();
        std::vector<void*> second;
        for (std::size_t i = 0; i < n; ++i) second.push_back(allocate_frame(96));
        EXPECT_EQ(std::set<void*>(first.begin(), first.end()),
                  std::set<void*>(second.begin(), second.end()));
        EXPECT_EQ(frame_pool_thread_stats().owned_bytes, owned);
        for (void* p : second) deallocate_frame(p, 96);
    }).join();
}

TEST(FrameAllocator, BlocksOutliveTheThreadThatAllocatedThem) {
    const std::size_t before = orphaned_pools();
    const std::size_t sizes[] = {64, 112, 160};
    std::vector<std::pair<void*, std::size_t>> blocks;
    std::thread([&] {
        for (int i = 0; i < 3000; ++i) {
            const std::size_t size = sizes[i % 3];
            void* p = allocate_frame(size);
            stamp(p, size);
            blocks.emplace_back(p, size);
        }
    }).join();
    if (frame_pool_enabled()) {
        EXPECT_EQ(orphaned_pools(), before + 1);
    }
    for (std::size_t i = 0; i + 1 < blocks.size(); ++i) {
        EXPECT_TRUE(stamped(blocks[i].first, blocks[i].second));
        deallocate_frame(blocks[i].first, blocks[i].second);
    }
    if (frame_pool_enabled()) {
        EXPECT_EQ(orphaned_pools(), before + 1);  // one block still lives
    }
    deallocate_frame(blocks.back().first, blocks.back().second);
    EXPECT_EQ(orphaned_pools(), before);  // the last block took the pool with it
}

/// Frees and allocates frames in a thread_local destructor that runs after the pool has ended
/// (it reports to the test through atomics: no gtest assertion runs that late in a thread).
struct teardown_user {
    std::vector<void*> blocks;
    std::atomic<std::size_t>* orphans_seen = nullptr;
    std::atomic<int>* damaged = nullptr;
    ~teardown_user() {
        if (orphans_seen == nullptr) return;
        orphans_seen->store(orphaned_pools());
        for (void* p : blocks) {
            if (!stamped(p, 48)) ++*damaged;
            deallocate_frame(p, 48);
        }
        void* q = allocate_frame(48);
        stamp(q, 48);
        if (!stamped(q, 48)) ++*damaged;
        deallocate_frame(q, 48);
    }
};
thread_local teardown_user user;

TEST(FrameAllocator, FramesFreedAndAllocatedDuringThreadTeardownAreFine) {
    const std::size_t before = orphaned_pools();
    std::atomic<std::size_t> orphans_seen{0};
    std::atomic<int> damaged{0};
    std::thread([&] {
        user.orphans_seen = &orphans_seen;  // constructed first, so destroyed after the pool ends
        user.damaged = &damaged;
        for (int i = 0; i < 100; ++i) {
            void* p = allocate_frame(48);
            stamp(p, 48);
            user.blocks.push_back(p);
        }
    }).join();
    if (frame_pool_enabled()) {
        EXPECT_EQ(orphans_seen.load(), before + 1);  // it did end first
    }
    EXPECT_EQ(damaged.load(), 0);
    EXPECT_EQ(orphaned_pools(), before);
}

TEST(FrameAllocator, ManyThreadsFreeToOneOwnerConcurrently) {
    if (!frame_pool_enabled()) GTEST_SKIP() << "the frame pool is not compiled in";
    const std::size_t before = orphaned_pools();
    std::thread([] {
        constexpr int freers = 3, per_freer = 3000, rounds = 20, own = 500;
        const std::size_t sizes[] = {32, 112, 160};
        std::size_t peak_bytes = 0;  // of blocks live or in flight at once
        for (int round = 0; round < rounds; ++round) {
            std::vector<std::vector<std::pair<void*, std::size_t>>> batches(freers);
            std::size_t bytes = 0;
            for (auto& batch : batches) {
                for (int i = 0; i < per_freer; ++i) {
                    const std::size_t size = sizes[static_cast<std::size_t>(i) % 3];
                    void* p = allocate_frame(size);
                    stamp(p, size);
                    batch.emplace_back(p, size);
                    bytes += size;
                }
            }
            std::vector<std::thread> threads;
            for (auto& batch : batches) {
                threads.emplace_back([&batch] {
                    for (auto [p, size] : batch) {
                        EXPECT_TRUE(stamped(p, size));
                        deallocate_frame(p, size);
                    }
                });
            }
            // Meanwhile the owner keeps allocating, which drains what the others have freed.
            std::vector<std::pair<void*, std::size_t>> mine;
            for (int i = 0; i < own; ++i) {
                const std::size_t size = sizes[static_cast<std::size_t>(i) % 3];
                void* p = allocate_frame(size);
                stamp(p, size);
                mine.emplace_back(p, size);
                bytes += size;
            }
            for (auto [p, size] : mine) {
                EXPECT_TRUE(stamped(p, size));
                deallocate_frame(p, size);
            }
            for (auto& t : threads) t.join();
            peak_bytes = std::max(peak_bytes, bytes);
        }
        // Memory came back and was reused: the chunks hold no more than the most ever live at
        // once (plus each chunk's unused tail), and a few chunks per class of slack, where 20
        // rounds without reuse would take 20 times that.
        const auto s = frame_pool_thread_stats();
        EXPECT_LE(s.owned_bytes, peak_bytes + peak_bytes / 64 + 3 * 4 * s.chunk_bytes);
    }).join();
    EXPECT_EQ(orphaned_pools(), before);  // every block was freed: no pool outlived its thread
}

TEST(FrameAllocator, BlocksFreedOnAnotherThreadAndAtThreadExitAreFine) {
    std::vector<void*> blocks;
    for (int i = 0; i < 1000; ++i) blocks.push_back(allocate_frame(96));
    std::thread other([&] {
        for (void* p : blocks) deallocate_frame(p, 96);  // back to this thread's pool
        void* q = allocate_frame(96);
        deallocate_frame(q, 96);
    });
    other.join();
}

corio::task<int> leaf(int v) { co_return v; }
corio::task<long> many_awaits() {
    long sum = 0;
    for (int i = 0; i < 100'000; ++i) sum += co_await leaf(1);
    co_return sum;
}

TEST(FrameAllocator, TasksRunThroughThePool) { EXPECT_EQ(corio::run(many_awaits()), 100'000); }

}  // namespace
