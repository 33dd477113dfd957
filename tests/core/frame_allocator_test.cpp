// The per-thread frame pool. Under the `clang` and `tsan` presets the pool is on, and every other
// test runs through it too; under `debug` (ASan) it passes allocations straight to malloc.
#include <cstddef>
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

TEST(FrameAllocator, BlocksAreUsableAndDistinctAcrossSizeClasses) {
    std::vector<std::pair<void*, std::size_t>> blocks;
    std::set<void*> seen;
    for (std::size_t size : {1, 15, 16, 17, 100, 512, 1024, 1025, 4096}) {
        for (int i = 0; i < 50; ++i) {
            void* p = allocate_frame(size);
            std::memset(p, 0xab, size);  // the whole size is writable
            EXPECT_TRUE(seen.insert(p).second);
            blocks.emplace_back(p, size);
        }
    }
    for (auto [p, size] : blocks) deallocate_frame(p, size);
}

TEST(FrameAllocator, ReusesFreedBlocksOfTheSameClass) {
    void* a = allocate_frame(200);
    deallocate_frame(a, 200);
    void* b = allocate_frame(193);  // same 16-byte class as 200
    std::memset(b, 0, 193);
    deallocate_frame(b, 193);
    SUCCEED();  // reuse is an optimization; what matters here is that nothing breaks or leaks
}

TEST(FrameAllocator, ManyMoreBlocksThanTheCacheKeepsAreReturned) {
    std::vector<void*> blocks;
    for (int i = 0; i < 1'100'000; ++i) blocks.push_back(allocate_frame(64));  // 70 MiB
    for (void* p : blocks) deallocate_frame(p, 64);  // beyond the cap, back to malloc (LSan checks)
}

TEST(FrameAllocator, BlocksFreedOnAnotherThreadAndAtThreadExitAreFine) {
    std::vector<void*> blocks;
    for (int i = 0; i < 1000; ++i) blocks.push_back(allocate_frame(96));
    std::thread other([&] {
        for (void* p : blocks) deallocate_frame(p, 96);  // join the other thread's pool
        void* q = allocate_frame(96);
        deallocate_frame(q, 96);
    });  // its pool returns everything to malloc when it ends
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
